package incident

import (
	"errors"
	"slices"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/internal/cow"
	"github.com/socledger/socledger/domain/tenant"
)

// The case-management side of an incident: its commands, events and Case
// state. The rules are in case_decide.go; the decisions the brief left open
// are in the package doc.

// Sentinel errors of the case commands.
var (
	// ErrClosed: the command needs an open incident; reopen it first.
	ErrClosed = errors.New("incident: closed")
	// ErrMerged: the incident was merged into another one; work goes on
	// there. Commands on a merged incident match ErrClosed too, except
	// Reopen, which matches ErrMerged and domain.ErrInvalidTransition.
	ErrMerged = errors.New("incident: merged into another incident")
)

// Status is a phase of incident handling (NIST SP 800-61).
type Status string

// Statuses, in their forward order.
const (
	StatusNew           Status = "new"
	StatusTriage        Status = "triage"
	StatusInvestigating Status = "investigating"
	StatusContained     Status = "contained"
	StatusEradicated    Status = "eradicated"
	StatusRecovered     Status = "recovered"
	StatusClosed        Status = "closed"
)

// Statuses lists the statuses in their forward order.
var Statuses = []Status{StatusNew, StatusTriage, StatusInvestigating, StatusContained, StatusEradicated, StatusRecovered, StatusClosed}

// transition is one allowed status change; reason says whether it needs
// one (backward moves and closing before recovery).
type transition struct {
	to     Status
	reason bool
}

// transitions is the allowed-transition table (documented in doc.go).
// Closed has no entries: only Reopen leaves it.
var transitions = map[Status][]transition{
	StatusNew:           {{StatusTriage, false}, {StatusInvestigating, false}, {StatusClosed, true}},
	StatusTriage:        {{StatusInvestigating, false}, {StatusClosed, true}},
	StatusInvestigating: {{StatusContained, false}, {StatusClosed, true}},
	StatusContained:     {{StatusEradicated, false}, {StatusRecovered, false}, {StatusInvestigating, true}},
	StatusEradicated:    {{StatusRecovered, false}, {StatusClosed, true}, {StatusInvestigating, true}},
	StatusRecovered:     {{StatusClosed, false}, {StatusInvestigating, true}},
}

// Transitions returns the statuses ChangeStatus may move an incident in
// status from to (none from closed: use Reopen).
func Transitions(from Status) []Status {
	var to []Status
	for _, t := range transitions[from] {
		to = append(to, t.to)
	}
	return to
}

// ReopenStatuses lists the phases Reopen may send a closed incident back to.
var ReopenStatuses = []Status{StatusTriage, StatusInvestigating, StatusContained, StatusEradicated, StatusRecovered}

// Source says how an incident was opened.
type Source string

// Sources.
const (
	// SourceManual: opened by hand (it may still name alerts).
	SourceManual Source = "manual"
	// SourceAlerts: opened from escalated alerts.
	SourceAlerts Source = "alerts"
	// SourceSplit: opened by OpenSplit, as a split of another incident.
	SourceSplit Source = "split"
)

// ObservableType is the kind of an observable.
type ObservableType string

// Observable types.
const (
	ObservableIP       ObservableType = "ip"
	ObservableDomain   ObservableType = "domain"
	ObservableURL      ObservableType = "url"
	ObservableMD5      ObservableType = "hash_md5"
	ObservableSHA1     ObservableType = "hash_sha1"
	ObservableSHA256   ObservableType = "hash_sha256"
	ObservableEmail    ObservableType = "email"
	ObservableUser     ObservableType = "user"
	ObservableHost     ObservableType = "host"
	ObservableFile     ObservableType = "file"
	ObservableProcess  ObservableType = "process"
	ObservableRegistry ObservableType = "registry"
	ObservableOther    ObservableType = "other"
)

// ObservableTypes lists the observable types.
var ObservableTypes = []ObservableType{ObservableIP, ObservableDomain, ObservableURL, ObservableMD5, ObservableSHA1,
	ObservableSHA256, ObservableEmail, ObservableUser, ObservableHost, ObservableFile, ObservableProcess,
	ObservableRegistry, ObservableOther}

// TLP is a Traffic Light Protocol 2.0 label (FIRST).
type TLP string

// TLP labels, least restrictive first.
const (
	TLPClear       TLP = "TLP:CLEAR"
	TLPGreen       TLP = "TLP:GREEN"
	TLPAmber       TLP = "TLP:AMBER"
	TLPAmberStrict TLP = "TLP:AMBER+STRICT"
	TLPRed         TLP = "TLP:RED"
)

// TLPs lists the TLP labels, least restrictive first.
var TLPs = []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// DefaultTLP labels an observable added without a TLP.
const DefaultTLP = TLPAmber

// Tiers of escalation.
const (
	MinTier = 1
	MaxTier = 3
)

// Limits on free text, in bytes.
const (
	MaxTitleLen = 256
	MaxTextLen  = 64 << 10 // descriptions, notes, reasons
	MaxValueLen = 4096     // observable values
	MaxNameLen  = 128      // assignees, teams
)

// ---- Commands ----

// Open opens an incident, by hand or from alerts (Opened, then AlertLinked
// per alert, then ProfileSnapshotted when Profile is set).
type Open struct {
	domain.Meta
	IncidentID  string
	Title       string
	Severity    domain.Severity
	Description string
	// Source is manual or alerts; empty means alerts when Alerts is not
	// empty, else manual.
	Source Source
	// Alerts are the IDs of the alerts (of the same tenant) it is opened
	// from.
	Alerts []string
	// Profile is the tenant's current entity profile, snapshotted into the
	// incident; nil records no snapshot.
	Profile *tenant.Profile
}

// OpenSplit opens an incident as a split of Parent, carrying the alerts
// moved from it (Opened with source split, SplitFrom, AlertLinked per alert,
// ProfileSnapshotted when Profile is set). Run Split on the parent first.
type OpenSplit struct {
	domain.Meta
	IncidentID  string
	Parent      string
	Title       string
	Severity    domain.Severity
	Description string
	Alerts      []string
	Reason      string
	Profile     *tenant.Profile
}

// LinkAlert links an alert to the incident (AlertLinked).
type LinkAlert struct {
	domain.Meta
	IncidentID string
	Alert      string
	Reason     string
}

// UnlinkAlert unlinks a linked alert (AlertUnlinked).
type UnlinkAlert struct {
	domain.Meta
	IncidentID string
	Alert      string
	Reason     string
}

// Assign gives the incident to an assignee (Assigned).
type Assign struct {
	domain.Meta
	IncidentID string
	// Assignee is who works the incident ("user:alice").
	Assignee string
}

// Unassign takes the incident from its assignee (Unassigned).
type Unassign struct {
	domain.Meta
	IncidentID string
}

// ChangeSeverity changes the incident's severity (SeverityChanged).
type ChangeSeverity struct {
	domain.Meta
	IncidentID string
	Severity   domain.Severity
	Reason     string
}

// ChangeStatus moves the incident to another phase (StatusChanged), along
// the transition table of the package doc.
type ChangeStatus struct {
	domain.Meta
	IncidentID string
	Status     Status
	// Reason is required for backward moves and for closing before
	// recovery.
	Reason string
}

// Reopen sends a closed incident back to a phase (Reopened).
type Reopen struct {
	domain.Meta
	IncidentID string
	// Status is the phase to go back to; empty means investigating.
	Status Status
	Reason string
}

// Escalate escalates the incident to a tier and team (Escalated).
type Escalate struct {
	domain.Meta
	IncidentID string
	Tier       int
	Team       string
	Reason     string
}

// AddNote adds a note to the incident (NoteAdded).
type AddNote struct {
	domain.Meta
	IncidentID string
	// NoteID is chosen by the caller, so a retried note is recorded once.
	NoteID string
	Text   string
}

// AddObservable adds an observable, or changes the TLP or IOC flag of one
// already on the incident (ObservableAdded).
type AddObservable struct {
	domain.Meta
	IncidentID string
	Type       ObservableType
	Value      string
	// TLP is empty for DefaultTLP.
	TLP TLP
	IOC bool
}

// AddTask adds a task to the incident (TaskAdded).
type AddTask struct {
	domain.Meta
	IncidentID string
	TaskID     string
	Title      string
}

// CompleteTask completes a task (TaskCompleted).
type CompleteTask struct {
	domain.Meta
	IncidentID string
	TaskID     string
}

// MergeInto merges the incident into Target: it is closed, its alerts are
// unlinked (MergedInto, AlertUnlinked per alert). Run ReceiveMerge on the
// target next, with the alerts MergedInto names.
type MergeInto struct {
	domain.Meta
	IncidentID string
	Target     string
	Reason     string
}

// ReceiveMerge records on the target incident that Source was merged into
// it, and links the alerts it brought (MergeReceived, AlertLinked per alert
// not yet linked).
type ReceiveMerge struct {
	domain.Meta
	IncidentID string
	Source     string
	Alerts     []string
}

// Split moves linked alerts off the incident into a new incident Child
// (SplitOff, AlertUnlinked per alert). Run OpenSplit for the child next.
type Split struct {
	domain.Meta
	IncidentID string
	Child      string
	Alerts     []string
	Reason     string
}

// ReSnapshotProfile records a new snapshot of the tenant's entity profile
// (ProfileSnapshotted). A tenant profile change never reaches an incident
// otherwise.
type ReSnapshotProfile struct {
	domain.Meta
	IncidentID string
	Profile    tenant.Profile
	Reason     string
}

func (c Open) Incident() string              { return c.IncidentID }
func (c OpenSplit) Incident() string         { return c.IncidentID }
func (c LinkAlert) Incident() string         { return c.IncidentID }
func (c UnlinkAlert) Incident() string       { return c.IncidentID }
func (c Assign) Incident() string            { return c.IncidentID }
func (c Unassign) Incident() string          { return c.IncidentID }
func (c ChangeSeverity) Incident() string    { return c.IncidentID }
func (c ChangeStatus) Incident() string      { return c.IncidentID }
func (c Reopen) Incident() string            { return c.IncidentID }
func (c Escalate) Incident() string          { return c.IncidentID }
func (c AddNote) Incident() string           { return c.IncidentID }
func (c AddObservable) Incident() string     { return c.IncidentID }
func (c AddTask) Incident() string           { return c.IncidentID }
func (c CompleteTask) Incident() string      { return c.IncidentID }
func (c MergeInto) Incident() string         { return c.IncidentID }
func (c ReceiveMerge) Incident() string      { return c.IncidentID }
func (c Split) Incident() string             { return c.IncidentID }
func (c ReSnapshotProfile) Incident() string { return c.IncidentID }

func (Open) isCommand()              {}
func (OpenSplit) isCommand()         {}
func (LinkAlert) isCommand()         {}
func (UnlinkAlert) isCommand()       {}
func (Assign) isCommand()            {}
func (Unassign) isCommand()          {}
func (ChangeSeverity) isCommand()    {}
func (ChangeStatus) isCommand()      {}
func (Reopen) isCommand()            {}
func (Escalate) isCommand()          {}
func (AddNote) isCommand()           {}
func (AddObservable) isCommand()     {}
func (AddTask) isCommand()           {}
func (CompleteTask) isCommand()      {}
func (MergeInto) isCommand()         {}
func (ReceiveMerge) isCommand()      {}
func (Split) isCommand()             {}
func (ReSnapshotProfile) isCommand() {}

// ---- Events ----

// Opened records that the incident was opened. Alerts names the alerts it
// was opened from; the links themselves are the AlertLinked events that
// follow.
type Opened struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Severity    domain.Severity `json:"severity"`
	Description string          `json:"description,omitempty"`
	Source      Source          `json:"source"`
	Alerts      []string        `json:"alerts,omitempty"`
	At          time.Time       `json:"at"`
}

// AlertLinked records that an alert (by its ID, in the incident's tenant)
// was linked. MovedFrom names the incident it came from in a merge or split.
type AlertLinked struct {
	Alert     string    `json:"alert"`
	Reason    string    `json:"reason,omitempty"`
	MovedFrom string    `json:"movedFrom,omitempty"`
	At        time.Time `json:"at"`
}

// AlertUnlinked records that an alert was unlinked. MovedTo names the
// incident it went to in a merge or split.
type AlertUnlinked struct {
	Alert   string    `json:"alert"`
	Reason  string    `json:"reason,omitempty"`
	MovedTo string    `json:"movedTo,omitempty"`
	At      time.Time `json:"at"`
}

// Assigned records the incident's new assignee.
type Assigned struct {
	Assignee string    `json:"assignee"`
	At       time.Time `json:"at"`
}

// Unassigned records that the incident's assignee, Previous, let it go.
type Unassigned struct {
	Previous string    `json:"previous"`
	At       time.Time `json:"at"`
}

// SeverityChanged records a severity change.
type SeverityChanged struct {
	From   domain.Severity `json:"from"`
	To     domain.Severity `json:"to"`
	Reason string          `json:"reason,omitempty"`
	At     time.Time       `json:"at"`
}

// StatusChanged records a move from one phase to another.
type StatusChanged struct {
	From   Status    `json:"from"`
	To     Status    `json:"to"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// Reopened records that a closed incident went back to phase To.
type Reopened struct {
	From   Status    `json:"from"`
	To     Status    `json:"to"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Escalated records an escalation to a tier (1 to 3) and team.
type Escalated struct {
	Tier   int       `json:"tier"`
	Team   string    `json:"team,omitempty"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// NoteAdded records a note. Its author is the event's actor.
type NoteAdded struct {
	NoteID string    `json:"noteId"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
}

// ObservableAdded records an observable (Value normalised per Type).
// Replaces is true when the same type and value was already on the
// incident: this entry replaces it (a changed TLP or IOC flag).
type ObservableAdded struct {
	Type     ObservableType `json:"type"`
	Value    string         `json:"value"`
	TLP      TLP            `json:"tlp"`
	IOC      bool           `json:"ioc"`
	Replaces bool           `json:"replaces,omitempty"`
	At       time.Time      `json:"at"`
}

// TaskAdded records a task.
type TaskAdded struct {
	TaskID string    `json:"taskId"`
	Title  string    `json:"title"`
	At     time.Time `json:"at"`
}

// TaskCompleted records that a task was completed.
type TaskCompleted struct {
	TaskID string    `json:"taskId"`
	At     time.Time `json:"at"`
}

// MergedInto records that the incident was merged into Into and closed by
// it, from status From; Alerts are the alerts it had, moved to Into.
type MergedInto struct {
	Into   string    `json:"into"`
	From   Status    `json:"from"`
	Alerts []string  `json:"alerts,omitempty"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// MergeReceived records on the target that incident From was merged into
// it, bringing Alerts.
type MergeReceived struct {
	From   string    `json:"from"`
	Alerts []string  `json:"alerts,omitempty"`
	At     time.Time `json:"at"`
}

// SplitOff records on the parent that Alerts were moved off it into the new
// incident Child.
type SplitOff struct {
	Child  string    `json:"child"`
	Alerts []string  `json:"alerts"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// SplitFrom records on a new incident that it was split from Parent,
// carrying Alerts.
type SplitFrom struct {
	Parent string    `json:"parent"`
	Alerts []string  `json:"alerts"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// ProfileSnapshotted records the tenant's entity profile as the incident's
// compliance clocks use it (compliance-spec.md §5 EntityProfileSnapshotted).
// Reason is empty for the snapshot taken when the incident was opened.
type ProfileSnapshotted struct {
	Profile tenant.Profile `json:"profile"`
	Reason  string         `json:"reason,omitempty"`
	At      time.Time      `json:"at"`
}

func (Opened) EventType() string             { return "incident.opened" }
func (AlertLinked) EventType() string        { return "incident.alert_linked" }
func (AlertUnlinked) EventType() string      { return "incident.alert_unlinked" }
func (Assigned) EventType() string           { return "incident.assigned" }
func (Unassigned) EventType() string         { return "incident.unassigned" }
func (SeverityChanged) EventType() string    { return "incident.severity_changed" }
func (StatusChanged) EventType() string      { return "incident.status_changed" }
func (Reopened) EventType() string           { return "incident.reopened" }
func (Escalated) EventType() string          { return "incident.escalated" }
func (NoteAdded) EventType() string          { return "incident.note_added" }
func (ObservableAdded) EventType() string    { return "incident.observable_added" }
func (TaskAdded) EventType() string          { return "incident.task_added" }
func (TaskCompleted) EventType() string      { return "incident.task_completed" }
func (MergedInto) EventType() string         { return "incident.merged_into" }
func (MergeReceived) EventType() string      { return "incident.merge_received" }
func (SplitOff) EventType() string           { return "incident.split_off" }
func (SplitFrom) EventType() string          { return "incident.split_from" }
func (ProfileSnapshotted) EventType() string { return "incident.profile_snapshotted" }

func (Opened) isEvent()             {}
func (AlertLinked) isEvent()        {}
func (AlertUnlinked) isEvent()      {}
func (Assigned) isEvent()           {}
func (Unassigned) isEvent()         {}
func (SeverityChanged) isEvent()    {}
func (StatusChanged) isEvent()      {}
func (Reopened) isEvent()           {}
func (Escalated) isEvent()          {}
func (NoteAdded) isEvent()          {}
func (ObservableAdded) isEvent()    {}
func (TaskAdded) isEvent()          {}
func (TaskCompleted) isEvent()      {}
func (MergedInto) isEvent()         {}
func (MergeReceived) isEvent()      {}
func (SplitOff) isEvent()           {}
func (SplitFrom) isEvent()          {}
func (ProfileSnapshotted) isEvent() {}

// caseEvents holds a zero value of every case event type.
var caseEvents = []Event{
	Opened{}, AlertLinked{}, AlertUnlinked{}, Assigned{}, Unassigned{}, SeverityChanged{}, StatusChanged{},
	Reopened{}, Escalated{}, NoteAdded{}, ObservableAdded{}, TaskAdded{}, TaskCompleted{}, MergedInto{},
	MergeReceived{}, SplitOff{}, SplitFrom{}, ProfileSnapshotted{},
}

// CaseEventTypes returns the type names of the case events.
func CaseEventTypes() []string { return eventTypes(caseEvents) }

// ---- State ----

// Note is a note on an incident.
type Note struct {
	ID   string
	Text string
	At   time.Time
}

// Observable is an observable on an incident, identified by Type and Value.
type Observable struct {
	Type  ObservableType
	Value string
	TLP   TLP
	IOC   bool
	At    time.Time // when it was added or last changed
}

// Task is a task of an incident.
type Task struct {
	ID          string
	Title       string
	AddedAt     time.Time
	Completed   bool
	CompletedAt time.Time
}

// ProfileSnapshot is one snapshot of the tenant's entity profile.
type ProfileSnapshot struct {
	Profile tenant.Profile
	// Reason is empty for the snapshot taken when the incident was opened.
	Reason string
	At     time.Time
}

// Case is the case-management side of an incident. The zero Case is an
// incident that was never opened. Its slices are shared with older and newer
// versions of the state: read them, never write to them (appending to one
// is safe: their capacity is clipped).
type Case struct {
	ID          string
	Title       string
	Description string
	Source      Source
	Severity    domain.Severity
	Status      Status
	OpenedAt    time.Time
	// ClosedAt is when it was last closed; zero while it is open.
	ClosedAt time.Time
	// Reopens counts the reopenings.
	Reopens  int
	Assignee string
	// Tier is the escalation tier (0 before any escalation), Team the team
	// of the last escalation.
	Tier int
	Team string
	// Alerts are the IDs of the linked alerts, in link order.
	Alerts      []string
	Notes       []Note
	Observables []Observable
	Tasks       []Task
	// Profile is the latest snapshot of the tenant's entity profile (the
	// zero Profile when none was taken: see Snapshots).
	Profile tenant.Profile
	// Snapshots are every profile snapshot, oldest first.
	Snapshots []ProfileSnapshot
	// MergedInto is the incident this one was merged into.
	MergedInto string
	// MergedFrom are the incidents merged into this one.
	MergedFrom []string
	// SplitFrom is the incident this one was split from.
	SplitFrom string
	// SplitOff are the incidents split off this one.
	SplitOff []string

	own owners
}

// owners are the backing arrays of Case's slices (see push).
type owners struct {
	alerts      *cow.Array[string]
	notes       *cow.Array[Note]
	observables *cow.Array[Observable]
	tasks       *cow.Array[Task]
	snapshots   *cow.Array[ProfileSnapshot]
	mergedFrom  *cow.Array[string]
	splitOff    *cow.Array[string]
}

// Exists reports whether the incident was opened.
func (c Case) Exists() bool { return c.Status != "" }

// Closed reports whether the incident is closed (merged ones included).
func (c Case) Closed() bool { return c.Status == StatusClosed }

// HasProfile reports whether a profile snapshot was taken.
func (c Case) HasProfile() bool { return len(c.Snapshots) > 0 }

// Linked reports whether alert is linked to the incident.
func (c Case) Linked(alert string) bool { return slices.Contains(c.Alerts, alert) }

// Note returns the note with ID id.
func (c Case) Note(id string) (Note, bool) {
	for _, n := range c.Notes {
		if n.ID == id {
			return n, true
		}
	}
	return Note{}, false
}

// Task returns the task with ID id.
func (c Case) Task(id string) (Task, bool) {
	if i := c.taskIndex(id); i >= 0 {
		return c.Tasks[i], true
	}
	return Task{}, false
}

func (c Case) taskIndex(id string) int {
	return slices.IndexFunc(c.Tasks, func(t Task) bool { return t.ID == id })
}

// Observable returns the observable of type typ and (normalised) value.
func (c Case) Observable(typ ObservableType, value string) (Observable, bool) {
	if i := c.observableIndex(typ, value); i >= 0 {
		return c.Observables[i], true
	}
	return Observable{}, false
}

func (c Case) observableIndex(typ ObservableType, value string) int {
	for i := len(c.Observables) - 1; i >= 0; i-- {
		if o := c.Observables[i]; o.Value == value && o.Type == typ {
			return i
		}
	}
	return -1
}

// evolveCase applies a case event to c.
func evolveCase(c Case, e Event) Case {
	switch e := e.(type) {
	case Opened:
		c.ID, c.Title, c.Severity, c.Description, c.Source = e.ID, e.Title, e.Severity, e.Description, e.Source
		c.Status, c.OpenedAt = StatusNew, e.At
	case AlertLinked:
		c.Alerts, c.own.alerts = cow.Push(c.Alerts, c.own.alerts, e.Alert)
	case AlertUnlinked:
		if i := slices.Index(c.Alerts, e.Alert); i >= 0 {
			c.Alerts, c.own.alerts = cow.Remove(c.Alerts, i)
		}
	case Assigned:
		c.Assignee = e.Assignee
	case Unassigned:
		c.Assignee = ""
	case SeverityChanged:
		c.Severity = e.To
	case StatusChanged:
		c.Status = e.To
		if e.To == StatusClosed {
			c.ClosedAt = e.At
		}
	case Reopened:
		c.Status, c.ClosedAt = e.To, time.Time{}
		c.Reopens++
	case Escalated:
		c.Tier, c.Team = e.Tier, e.Team
	case NoteAdded:
		c.Notes, c.own.notes = cow.Push(c.Notes, c.own.notes, Note{ID: e.NoteID, Text: e.Text, At: e.At})
	case ObservableAdded:
		o := Observable{Type: e.Type, Value: e.Value, TLP: e.TLP, IOC: e.IOC, At: e.At}
		i := -1
		if e.Replaces { // only a replacement pays for the search
			i = c.observableIndex(e.Type, e.Value)
		}
		if i < 0 {
			c.Observables, c.own.observables = cow.Push(c.Observables, c.own.observables, o)
			break
		}
		c.Observables, c.own.observables = cow.Replace(c.Observables, i, o)
	case TaskAdded:
		c.Tasks, c.own.tasks = cow.Push(c.Tasks, c.own.tasks, Task{ID: e.TaskID, Title: e.Title, AddedAt: e.At})
	case TaskCompleted:
		if i := c.taskIndex(e.TaskID); i >= 0 {
			t := c.Tasks[i]
			t.Completed, t.CompletedAt = true, e.At
			c.Tasks, c.own.tasks = cow.Replace(c.Tasks, i, t)
		}
	case MergedInto:
		c.Status, c.ClosedAt, c.MergedInto = StatusClosed, e.At, e.Into
	case MergeReceived:
		c.MergedFrom, c.own.mergedFrom = cow.Push(c.MergedFrom, c.own.mergedFrom, e.From)
	case SplitOff:
		c.SplitOff, c.own.splitOff = cow.Push(c.SplitOff, c.own.splitOff, e.Child)
	case SplitFrom:
		c.SplitFrom = e.Parent
	case ProfileSnapshotted:
		c.Profile = e.Profile
		c.Snapshots, c.own.snapshots = cow.Push(c.Snapshots, c.own.snapshots, ProfileSnapshot{Profile: e.Profile, Reason: e.Reason, At: e.At})
	}
	return c
}
