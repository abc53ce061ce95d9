package incident_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/domaintest"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

const caseInc = "INC-1"

var (
	// caseT0 is when the given events happened, caseT1 when the command
	// runs.
	caseT0 = time.Date(2025, 3, 4, 8, 45, 0, 0, time.UTC)
	caseT1 = caseT0.Add(time.Hour)
)

func caseMeta(id string) domain.Meta {
	return domain.Meta{CommandID: id, Tenant: "acme", Actor: "user:alice", At: caseT1}
}

// caseProfile is a valid, normalized entity profile.
func caseProfile() tenant.Profile {
	return tenant.Profile{Regimes: []tenant.Regime{tenant.NIS2}, NIS2Class: tenant.NIS2Essential, MemberState: "DE",
		TZ: "Europe/Berlin", MonthRule: tenant.MonthSameInstant}
}

var caseOpened = incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceManual, At: caseT0}

// caseHist is the history of an incident opened by hand, then more.
func caseHist(more ...incident.Event) []incident.Event {
	return append([]incident.Event{caseOpened}, more...)
}

// casePath is the shortest history of forward moves that leaves an opened
// incident in status st.
func casePath(st incident.Status) []incident.Event {
	path := map[incident.Status][]incident.Status{
		incident.StatusNew:           nil,
		incident.StatusTriage:        {incident.StatusTriage},
		incident.StatusInvestigating: {incident.StatusInvestigating},
		incident.StatusContained:     {incident.StatusInvestigating, incident.StatusContained},
		incident.StatusEradicated:    {incident.StatusInvestigating, incident.StatusContained, incident.StatusEradicated},
		incident.StatusRecovered:     {incident.StatusInvestigating, incident.StatusContained, incident.StatusEradicated, incident.StatusRecovered},
		incident.StatusClosed:        {incident.StatusInvestigating, incident.StatusContained, incident.StatusEradicated, incident.StatusRecovered, incident.StatusClosed},
	}[st]
	events := caseHist()
	from := incident.StatusNew
	for _, to := range path {
		events = append(events, incident.StatusChanged{From: from, To: to, At: caseT0})
		from = to
	}
	return events
}

// caseClosed is an incident closed as a false alarm.
func caseClosed(more ...incident.Event) []incident.Event {
	return append(caseHist(incident.StatusChanged{From: incident.StatusNew, To: incident.StatusClosed, Reason: "false alarm", At: caseT0}), more...)
}

// caseRow is one given / when / then row.
type caseRow = domaintest.Row[incident.Command, incident.Event]

func caseTransition(from, to incident.Status) error {
	return &domain.InvalidTransitionError{Aggregate: "incident", From: string(from), To: string(to)}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	p := caseProfile()
	unnormalized := tenant.Profile{Regimes: []tenant.Regime{tenant.GDPR, tenant.GDPR}, MemberState: "FR"}
	normalized := tenant.Profile{Regimes: []tenant.Regime{tenant.GDPR}, NIS2Class: tenant.NIS2None, MemberState: "FR", TZ: "UTC", MonthRule: tenant.MonthSameInstant}
	open := func(edit func(*incident.Open)) incident.Open {
		c := incident.Open{Meta: m, IncidentID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "opened by hand", When: open(func(c *incident.Open) { c.Description = "EDR: mass renames" }),
			Want: []incident.Event{incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Description: "EDR: mass renames", Source: incident.SourceManual, At: caseT1}}},
		{Name: "from alerts, with the tenant's profile: opened, one link per alert, the snapshot",
			When: open(func(c *incident.Open) {
				c.Source, c.Alerts, c.Profile = incident.SourceAlerts, []string{"a1", "a2"}, &p
			}),
			Want: []incident.Event{
				incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceAlerts, Alerts: []string{"a1", "a2"}, At: caseT1},
				incident.AlertLinked{Alert: "a1", At: caseT1},
				incident.AlertLinked{Alert: "a2", At: caseT1},
				incident.ProfileSnapshotted{Profile: p, At: caseT1},
			}},
		{Name: "the source defaults to alerts when it names alerts, repeats dropped",
			When: open(func(c *incident.Open) { c.Alerts = []string{"a1", "a1"} }),
			Want: []incident.Event{
				incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceAlerts, Alerts: []string{"a1"}, At: caseT1},
				incident.AlertLinked{Alert: "a1", At: caseT1},
			}},
		{Name: "opened by hand may name alerts", When: open(func(c *incident.Open) { c.Source, c.Alerts = incident.SourceManual, []string{"a1"} }),
			Want: []incident.Event{
				incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceManual, Alerts: []string{"a1"}, At: caseT1},
				incident.AlertLinked{Alert: "a1", At: caseT1},
			}},
		{Name: "the snapshot is normalized", When: open(func(c *incident.Open) { c.Profile = &unnormalized }),
			Want: []incident.Event{
				incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceManual, At: caseT1},
				incident.ProfileSnapshotted{Profile: normalized, At: caseT1},
			}},
		{Name: "title trimmed, time in UTC", When: open(func(c *incident.Open) {
			c.Title = "  Ransomware on FS01 \t"
			c.At = caseT1.In(time.FixedZone("CET", 3600))
		}),
			Want: []incident.Event{incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceManual, At: caseT1}}},
		{Name: "opening twice", Given: caseHist(), When: open(nil), WantErr: domain.ErrAlreadyExists},
		{Name: "opening a closed incident again", Given: caseClosed(), When: open(nil), WantErr: domain.ErrAlreadyExists},
		{Name: "no title", When: open(func(c *incident.Open) { c.Title = " " }), WantField: "title"},
		{Name: "title too long", When: open(func(c *incident.Open) { c.Title = strings.Repeat("x", incident.MaxTitleLen+1) }), WantField: "title"},
		{Name: "title on two lines", When: open(func(c *incident.Open) { c.Title = "Ransomware\non FS01" }), WantField: "title"},
		{Name: "no severity", When: open(func(c *incident.Open) { c.Severity = "" }), WantField: "severity"},
		{Name: "unknown severity", When: open(func(c *incident.Open) { c.Severity = "urgent" }), WantField: "severity"},
		{Name: "description with a NUL", When: open(func(c *incident.Open) { c.Description = "a\x00b" }), WantField: "description"},
		{Name: "from alerts without alerts", When: open(func(c *incident.Open) { c.Source = incident.SourceAlerts }), WantField: "alerts"},
		{Name: "unknown source", When: open(func(c *incident.Open) { c.Source = "email" }), WantField: "source"},
		{Name: "split is not a source of Open", When: open(func(c *incident.Open) { c.Source = incident.SourceSplit }), WantField: "source"},
		{Name: "malformed alert ID", When: open(func(c *incident.Open) { c.Alerts = []string{"a1", "a 2"} }), WantField: "alerts[1]"},
		{Name: "invalid profile", When: open(func(c *incident.Open) { c.Profile = &tenant.Profile{MemberState: "Germany"} }), WantField: "profile.memberState"},
		{Name: "DORA profile without entity type", When: open(func(c *incident.Open) {
			c.Profile = &tenant.Profile{Regimes: []tenant.Regime{tenant.DORA}, MemberState: "DE"}
		}), WantField: "profile.doraEntityType"},
		{Name: "no command ID", When: open(func(c *incident.Open) { c.CommandID = "" }), WantField: "commandId"},
		{Name: "no actor", When: open(func(c *incident.Open) { c.Actor = "" }), WantField: "actor"},
		{Name: "malformed incident ID", When: open(func(c *incident.Open) { c.IncidentID = "INC 1" }), WantField: "incident"},
	})
}

func TestOpenSplit(t *testing.T) {
	t.Parallel()
	p := caseProfile()
	split := func(edit func(*incident.OpenSplit)) incident.OpenSplit {
		c := incident.OpenSplit{Meta: caseMeta("c1"), IncidentID: "INC-2", Parent: caseInc, Title: "Phishing wave", Severity: domain.SeverityMedium,
			Alerts: []string{"a2", "a3"}, Reason: "unrelated to the ransomware", Profile: &p}
		if edit != nil {
			edit(&c)
		}
		return c
	}
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "opened as a split, carrying the alerts", When: split(nil), Want: []incident.Event{
			incident.Opened{ID: "INC-2", Title: "Phishing wave", Severity: domain.SeverityMedium, Source: incident.SourceSplit, Alerts: []string{"a2", "a3"}, At: caseT1},
			incident.SplitFrom{Parent: caseInc, Alerts: []string{"a2", "a3"}, Reason: "unrelated to the ransomware", At: caseT1},
			incident.AlertLinked{Alert: "a2", MovedFrom: caseInc, At: caseT1},
			incident.AlertLinked{Alert: "a3", MovedFrom: caseInc, At: caseT1},
			incident.ProfileSnapshotted{Profile: p, At: caseT1},
		}},
		{Name: "exists already", Given: []incident.Event{incident.Opened{ID: "INC-2", Title: "x", Severity: domain.SeverityLow, Source: incident.SourceManual, At: caseT0}},
			When: split(nil), WantErr: domain.ErrAlreadyExists},
		{Name: "split from itself", When: split(func(c *incident.OpenSplit) { c.Parent = "INC-2" }), WantField: "parent"},
		{Name: "no parent", When: split(func(c *incident.OpenSplit) { c.Parent = "" }), WantField: "parent"},
		{Name: "no alerts", When: split(func(c *incident.OpenSplit) { c.Alerts = nil }), WantField: "alerts"},
		{Name: "no title", When: split(func(c *incident.OpenSplit) { c.Title = "" }), WantField: "title"},
	})
}

// caseCommands returns one valid command of every kind except Open and
// OpenSplit, on caseInc.
func caseCommands() []incident.Command {
	m := caseMeta("c1")
	return []incident.Command{
		incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "a9"},
		incident.UnlinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1"},
		incident.Assign{Meta: m, IncidentID: caseInc, Assignee: "user:bob"},
		incident.Unassign{Meta: m, IncidentID: caseInc},
		incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: domain.SeverityCritical},
		incident.ChangeStatus{Meta: m, IncidentID: caseInc, Status: incident.StatusInvestigating},
		incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "recurred"},
		incident.Escalate{Meta: m, IncidentID: caseInc, Tier: 3, Team: "dfir"},
		incident.AddNote{Meta: m, IncidentID: caseInc, NoteID: "n9", Text: "more"},
		incident.AddObservable{Meta: m, IncidentID: caseInc, Type: incident.ObservableIP, Value: "192.0.2.1"},
		incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t9", Title: "Reset passwords"},
		incident.CompleteTask{Meta: m, IncidentID: caseInc, TaskID: "t1"},
		incident.MergeInto{Meta: m, IncidentID: caseInc, Target: "INC-0"},
		incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: "INC-7", Alerts: []string{"a7"}},
		incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2", Alerts: []string{"a1"}},
		incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: caseProfile(), Reason: "profile updated"},
	}
}

// TestBeforeOpen: every command but Open and OpenSplit needs an opened
// incident.
func TestBeforeOpen(t *testing.T) {
	t.Parallel()
	var rows []caseRow
	for _, c := range caseCommands() {
		rows = append(rows, caseRow{Name: fmt.Sprintf("%T", c), When: c, WantErr: domain.ErrNotFound})
	}
	domaintest.RunDecider(t, incident.Decider, rows)
}

// TestClosedAcceptsOnlyReopen: a closed incident refuses every case command
// but Reopen; after a reopen, notes (and the rest) are accepted again.
func TestClosedAcceptsOnlyReopen(t *testing.T) {
	t.Parallel()
	given := caseClosed(incident.AlertLinked{Alert: "a1", At: caseT0}, incident.TaskAdded{TaskID: "t1", Title: "Isolate", At: caseT0},
		incident.Assigned{Assignee: "user:alice", At: caseT0})
	var rows []caseRow
	for _, c := range caseCommands() {
		if _, ok := c.(incident.Reopen); ok {
			continue
		}
		rows = append(rows, caseRow{Name: fmt.Sprintf("%T refused", c), Given: given, When: c, WantErr: incident.ErrClosed})
	}
	note := incident.AddNote{Meta: caseMeta("c2"), IncidentID: caseInc, NoteID: "n1", Text: "customer confirms the host was rebuilt"}
	rows = append(rows,
		caseRow{Name: "AddNote refused", Given: given, When: note, WantErr: incident.ErrClosed},
		caseRow{Name: "closing again is a no-op", Given: given, When: incident.ChangeStatus{Meta: caseMeta("c2"), IncidentID: caseInc, Status: incident.StatusClosed}},
		caseRow{Name: "reopened", Given: given, When: incident.Reopen{Meta: caseMeta("c2"), IncidentID: caseInc, Reason: "beacon seen again"},
			Want: []incident.Event{incident.Reopened{From: incident.StatusClosed, To: incident.StatusInvestigating, Reason: "beacon seen again", At: caseT1}}},
		caseRow{Name: "AddNote after a reopen", When: note,
			Given: append(slices.Clone(given), incident.Reopened{From: incident.StatusClosed, To: incident.StatusInvestigating, Reason: "beacon seen again", At: caseT0}),
			Want:  []incident.Event{incident.NoteAdded{NoteID: "n1", Text: "customer confirms the host was rebuilt", At: caseT1}}},
	)
	domaintest.RunDecider(t, incident.Decider, rows)
}

func TestLinkAlert(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	linked := caseHist(incident.AlertLinked{Alert: "a1", At: caseT0})
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "links", Given: caseHist(), When: incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1", Reason: "same C2"},
			Want: []incident.Event{incident.AlertLinked{Alert: "a1", Reason: "same C2", At: caseT1}}},
		{Name: "linking a linked alert is a no-op", Given: linked, When: incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1"}},
		{Name: "relinking an unlinked alert", Given: append(linked, incident.AlertUnlinked{Alert: "a1", At: caseT0}),
			When: incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1"}, Want: []incident.Event{incident.AlertLinked{Alert: "a1", At: caseT1}}},
		{Name: "malformed alert ID", Given: caseHist(), When: incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "alert-acme.x/y"}, WantField: "alert"},
		{Name: "no alert", Given: caseHist(), When: incident.LinkAlert{Meta: m, IncidentID: caseInc}, WantField: "alert"},
		{Name: "unlinks", Given: linked, When: incident.UnlinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1", Reason: "backup job"},
			Want: []incident.Event{incident.AlertUnlinked{Alert: "a1", Reason: "backup job", At: caseT1}}},
		{Name: "unlinking an alert that is not linked", Given: linked, When: incident.UnlinkAlert{Meta: m, IncidentID: caseInc, Alert: "a2"}, WantErr: domain.ErrNotFound},
		{Name: "unlinking twice", Given: append(linked, incident.AlertUnlinked{Alert: "a1", At: caseT0}),
			When: incident.UnlinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1"}, WantErr: domain.ErrNotFound},
	})
}

func TestAssign(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	assigned := caseHist(incident.Assigned{Assignee: "user:alice", At: caseT0})
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "assigns", Given: caseHist(), When: incident.Assign{Meta: m, IncidentID: caseInc, Assignee: " user:alice "},
			Want: []incident.Event{incident.Assigned{Assignee: "user:alice", At: caseT1}}},
		{Name: "the same assignee is a no-op", Given: assigned, When: incident.Assign{Meta: m, IncidentID: caseInc, Assignee: "user:alice"}},
		{Name: "reassigns", Given: assigned, When: incident.Assign{Meta: m, IncidentID: caseInc, Assignee: "user:bob"},
			Want: []incident.Event{incident.Assigned{Assignee: "user:bob", At: caseT1}}},
		{Name: "no assignee", Given: caseHist(), When: incident.Assign{Meta: m, IncidentID: caseInc}, WantField: "assignee"},
		{Name: "unassigns", Given: assigned, When: incident.Unassign{Meta: m, IncidentID: caseInc},
			Want: []incident.Event{incident.Unassigned{Previous: "user:alice", At: caseT1}}},
		{Name: "unassigning an unassigned incident is a no-op", Given: caseHist(), When: incident.Unassign{Meta: m, IncidentID: caseInc}},
		{Name: "unassigning twice is a no-op", Given: append(assigned, incident.Unassigned{Previous: "user:alice", At: caseT0}),
			When: incident.Unassign{Meta: m, IncidentID: caseInc}},
	})
}

func TestChangeSeverity(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "raises", Given: caseHist(), When: incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: domain.SeverityCritical, Reason: "DC02 hit too"},
			Want: []incident.Event{incident.SeverityChanged{From: domain.SeverityHigh, To: domain.SeverityCritical, Reason: "DC02 hit too", At: caseT1}}},
		{Name: "lowers", Given: caseHist(), When: incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: domain.SeverityLow},
			Want: []incident.Event{incident.SeverityChanged{From: domain.SeverityHigh, To: domain.SeverityLow, At: caseT1}}},
		{Name: "the same severity is a no-op", Given: caseHist(), When: incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: domain.SeverityHigh}},
		{Name: "unknown severity", Given: caseHist(), When: incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: "sev1"}, WantField: "severity"},
	})
}

func TestChangeStatus(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	to := func(st incident.Status, reason string) incident.ChangeStatus {
		return incident.ChangeStatus{Meta: m, IncidentID: caseInc, Status: st, Reason: reason}
	}
	changed := func(from, to incident.Status, reason string) []incident.Event {
		return []incident.Event{incident.StatusChanged{From: from, To: to, Reason: reason, At: caseT1}}
	}
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "new to triage", Given: casePath(incident.StatusNew), When: to(incident.StatusTriage, ""),
			Want: changed(incident.StatusNew, incident.StatusTriage, "")},
		{Name: "triage to investigating", Given: casePath(incident.StatusTriage), When: to(incident.StatusInvestigating, ""),
			Want: changed(incident.StatusTriage, incident.StatusInvestigating, "")},
		{Name: "false alarm: triage to closed with a reason", Given: casePath(incident.StatusTriage), When: to(incident.StatusClosed, "false positive: pentest"),
			Want: changed(incident.StatusTriage, incident.StatusClosed, "false positive: pentest")},
		{Name: "closing before recovery needs a reason", Given: casePath(incident.StatusTriage), When: to(incident.StatusClosed, " "), WantField: "reason"},
		{Name: "containment failed: contained back to investigating", Given: casePath(incident.StatusContained),
			When: to(incident.StatusInvestigating, "attacker still active on WS-114"),
			Want: changed(incident.StatusContained, incident.StatusInvestigating, "attacker still active on WS-114")},
		{Name: "a backward move needs a reason", Given: casePath(incident.StatusContained), When: to(incident.StatusInvestigating, ""), WantField: "reason"},
		{Name: "recovered to closed needs no reason", Given: casePath(incident.StatusRecovered), When: to(incident.StatusClosed, ""),
			Want: changed(incident.StatusRecovered, incident.StatusClosed, "")},
		{Name: "the current status is a no-op", Given: casePath(incident.StatusContained), When: to(incident.StatusContained, "")},
		{Name: "new to contained skips investigation", Given: casePath(incident.StatusNew), When: to(incident.StatusContained, "x"),
			WantErr: caseTransition(incident.StatusNew, incident.StatusContained)},
		{Name: "contained to closed skips eradication", Given: casePath(incident.StatusContained), When: to(incident.StatusClosed, "x"),
			WantErr: caseTransition(incident.StatusContained, incident.StatusClosed)},
		{Name: "nothing goes back to new", Given: casePath(incident.StatusTriage), When: to(incident.StatusNew, "x"),
			WantErr: caseTransition(incident.StatusTriage, incident.StatusNew)},
		{Name: "closed to investigating needs Reopen", Given: casePath(incident.StatusClosed), When: to(incident.StatusInvestigating, "x"),
			WantErr: incident.ErrClosed},
		{Name: "unknown status", Given: caseHist(), When: to("resolved", ""), WantField: "status"},
		{Name: "no status", Given: caseHist(), When: to("", ""), WantField: "status"},
	})
}

// TestTransitionTable checks every pair of statuses against Transitions:
// an allowed move records StatusChanged, any other one is an
// InvalidTransitionError naming both statuses.
func TestTransitionTable(t *testing.T) {
	t.Parallel()
	for _, from := range incident.Statuses {
		if from == incident.StatusClosed {
			if got := incident.Transitions(from); len(got) != 0 {
				t.Errorf("closed has transitions %v", got)
			}
			continue
		}
		for _, to := range incident.Statuses {
			if to == from {
				continue
			}
			c := incident.ChangeStatus{Meta: caseMeta("c1"), IncidentID: caseInc, Status: to, Reason: "why"}
			got, err := incident.Decide(c, incident.Decider.Fold(incident.State{}, casePath(from)))
			if slices.Contains(incident.Transitions(from), to) {
				want := []incident.Event{incident.StatusChanged{From: from, To: to, Reason: "why", At: caseT1}}
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s → %s: %v %v", from, to, got, err)
				}
				continue
			}
			var tr *domain.InvalidTransitionError
			if !errors.As(err, &tr) || tr.Aggregate != "incident" || tr.From != string(from) || tr.To != string(to) || got != nil {
				t.Errorf("%s → %s: %v %v, want an invalid transition", from, to, got, err)
			}
		}
	}
}

func TestReopen(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	merged := caseHist(incident.MergedInto{Into: "INC-0", From: incident.StatusNew, At: caseT0})
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "back to investigating by default", Given: caseClosed(), When: incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "recurred"},
			Want: []incident.Event{incident.Reopened{From: incident.StatusClosed, To: incident.StatusInvestigating, Reason: "recurred", At: caseT1}}},
		{Name: "back to the phase given", Given: caseClosed(), When: incident.Reopen{Meta: m, IncidentID: caseInc, Status: incident.StatusContained, Reason: "reimaged host reinfected"},
			Want: []incident.Event{incident.Reopened{From: incident.StatusClosed, To: incident.StatusContained, Reason: "reimaged host reinfected", At: caseT1}}},
		{Name: "a reason is required", Given: caseClosed(), When: incident.Reopen{Meta: m, IncidentID: caseInc}, WantField: "reason"},
		{Name: "not back to new", Given: caseClosed(), When: incident.Reopen{Meta: m, IncidentID: caseInc, Status: incident.StatusNew, Reason: "x"}, WantField: "status"},
		{Name: "not to closed", Given: caseClosed(), When: incident.Reopen{Meta: m, IncidentID: caseInc, Status: incident.StatusClosed, Reason: "x"}, WantField: "status"},
		{Name: "an open incident cannot be reopened", Given: casePath(incident.StatusContained), When: incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "x"},
			WantErr: caseTransition(incident.StatusContained, incident.StatusInvestigating)},
		{Name: "a merged incident cannot be reopened", Given: merged, When: incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "x"}, WantErr: incident.ErrMerged},
		{Name: "a merged incident: an invalid transition too", Given: merged, When: incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "x"},
			WantErr: caseTransition(incident.StatusClosed, incident.StatusInvestigating)},
	})
}

func TestEscalate(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	tier2 := caseHist(incident.Escalated{Tier: 2, Team: "ir-dach", At: caseT0})
	esc := func(tier int, team string) incident.Escalate {
		return incident.Escalate{Meta: m, IncidentID: caseInc, Tier: tier, Team: team}
	}
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "escalates", Given: caseHist(), When: incident.Escalate{Meta: m, IncidentID: caseInc, Tier: 2, Team: "ir-dach", Reason: "domain-wide"},
			Want: []incident.Event{incident.Escalated{Tier: 2, Team: "ir-dach", Reason: "domain-wide", At: caseT1}}},
		{Name: "without a team", Given: caseHist(), When: esc(1, ""), Want: []incident.Event{incident.Escalated{Tier: 1, At: caseT1}}},
		{Name: "the same tier and team is a no-op", Given: tier2, When: esc(2, "ir-dach")},
		{Name: "another team of the same tier", Given: tier2, When: esc(2, "ir-nordics"), Want: []incident.Event{incident.Escalated{Tier: 2, Team: "ir-nordics", At: caseT1}}},
		{Name: "up a tier", Given: tier2, When: esc(3, "dfir"), Want: []incident.Event{incident.Escalated{Tier: 3, Team: "dfir", At: caseT1}}},
		{Name: "never down a tier", Given: tier2, When: esc(1, "soc"), WantErr: domain.ErrConflict},
		{Name: "tier 0", Given: caseHist(), When: esc(0, "soc"), WantField: "tier"},
		{Name: "tier 4", Given: caseHist(), When: esc(4, "soc"), WantField: "tier"},
	})
}

func TestAddNote(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	noted := caseHist(incident.NoteAdded{NoteID: "n1", Text: "FS01 isolated", At: caseT0})
	note := func(id, text string) incident.AddNote {
		return incident.AddNote{Meta: m, IncidentID: caseInc, NoteID: id, Text: text}
	}
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "adds", Given: caseHist(), When: note("n1", "FS01 isolated\nby EDR"), Want: []incident.Event{incident.NoteAdded{NoteID: "n1", Text: "FS01 isolated\nby EDR", At: caseT1}}},
		{Name: "the same note again is a no-op", Given: noted, When: note("n1", "FS01 isolated")},
		{Name: "another text under the same note ID", Given: noted, When: note("n1", "FS01 wiped"), WantErr: domain.ErrConflict},
		{Name: "no text", Given: caseHist(), When: note("n1", ""), WantField: "text"},
		{Name: "blank text", Given: caseHist(), When: note("n1", " \n "), WantField: "text"},
		{Name: "text too long", Given: caseHist(), When: note("n1", strings.Repeat("x", incident.MaxTextLen+1)), WantField: "text"},
		{Name: "no note ID", Given: caseHist(), When: note("", "x"), WantField: "noteId"},
	})
}

func TestAddObservable(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	obs := func(typ incident.ObservableType, value string, tlp incident.TLP, ioc bool) incident.AddObservable {
		return incident.AddObservable{Meta: m, IncidentID: caseInc, Type: typ, Value: value, TLP: tlp, IOC: ioc}
	}
	added := func(typ incident.ObservableType, value string, tlp incident.TLP, ioc, replaces bool) []incident.Event {
		return []incident.Event{incident.ObservableAdded{Type: typ, Value: value, TLP: tlp, IOC: ioc, Replaces: replaces, At: caseT1}}
	}
	has := caseHist(incident.ObservableAdded{Type: incident.ObservableDomain, Value: "c2.example", TLP: incident.TLPAmber, At: caseT0})
	sha := "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "adds with TLP:AMBER by default", Given: caseHist(), When: obs(incident.ObservableIP, "192.0.2.10", "", true),
			Want: added(incident.ObservableIP, "192.0.2.10", incident.TLPAmber, true, false)},
		{Name: "IPv6 in canonical form", Given: caseHist(), When: obs(incident.ObservableIP, " 2001:DB8:0:0::1 ", incident.TLPRed, false),
			Want: added(incident.ObservableIP, "2001:db8::1", incident.TLPRed, false, false)},
		{Name: "an IP prefix", Given: caseHist(), When: obs(incident.ObservableIP, "198.51.100.0/24", incident.TLPGreen, true),
			Want: added(incident.ObservableIP, "198.51.100.0/24", incident.TLPGreen, true, false)},
		{Name: "domain in lower case without the root dot", Given: caseHist(), When: obs(incident.ObservableDomain, "C2.Example.", incident.TLPClear, true),
			Want: added(incident.ObservableDomain, "c2.example", incident.TLPClear, true, false)},
		{Name: "hash in lower case", Given: caseHist(), When: obs(incident.ObservableSHA256, sha, incident.TLPAmberStrict, true),
			Want: added(incident.ObservableSHA256, strings.ToLower(sha), incident.TLPAmberStrict, true, false)},
		{Name: "e-mail domain in lower case", Given: caseHist(), When: obs(incident.ObservableEmail, "Billing@Evil.Example", incident.TLPAmber, true),
			Want: added(incident.ObservableEmail, "Billing@evil.example", incident.TLPAmber, true, false)},
		{Name: "a file path kept as it is", Given: caseHist(), When: obs(incident.ObservableFile, `C:\Users\Public\svc host.exe`, incident.TLPAmber, false),
			Want: added(incident.ObservableFile, `C:\Users\Public\svc host.exe`, incident.TLPAmber, false, false)},
		{Name: "the same observable again is a no-op", Given: has, When: obs(incident.ObservableDomain, "C2.example", incident.TLPAmber, false)},
		{Name: "marking it an IOC replaces it", Given: has, When: obs(incident.ObservableDomain, "c2.example", incident.TLPAmber, true),
			Want: added(incident.ObservableDomain, "c2.example", incident.TLPAmber, true, true)},
		{Name: "a new TLP replaces it", Given: has, When: obs(incident.ObservableDomain, "c2.example", incident.TLPRed, false),
			Want: added(incident.ObservableDomain, "c2.example", incident.TLPRed, false, true)},
		{Name: "same value, other type", Given: has, When: obs(incident.ObservableHost, "c2.example", incident.TLPAmber, false),
			Want: added(incident.ObservableHost, "c2.example", incident.TLPAmber, false, false)},
		{Name: "unknown type", Given: caseHist(), When: obs("asn", "AS64500", "", false), WantField: "type"},
		{Name: "unknown TLP", Given: caseHist(), When: obs(incident.ObservableIP, "192.0.2.1", "TLP:WHITE", false), WantField: "tlp"},
		{Name: "not an IP", Given: caseHist(), When: obs(incident.ObservableIP, "192.0.2.300", "", false), WantField: "value"},
		{Name: "MD5 of the wrong length", Given: caseHist(), When: obs(incident.ObservableMD5, "d41d8cd98f00b204e9800998ecf8427", "", false), WantField: "value"},
		{Name: "SHA-1 not in hex", Given: caseHist(), When: obs(incident.ObservableSHA1, strings.Repeat("g", 40), "", false), WantField: "value"},
		{Name: "domain with a slash", Given: caseHist(), When: obs(incident.ObservableDomain, "evil.example/x", "", false), WantField: "value"},
		{Name: "e-mail without a domain", Given: caseHist(), When: obs(incident.ObservableEmail, "billing@", "", false), WantField: "value"},
		{Name: "URL with white space", Given: caseHist(), When: obs(incident.ObservableURL, "https://evil.example/a b", "", false), WantField: "value"},
		{Name: "no value", Given: caseHist(), When: obs(incident.ObservableUser, "  ", "", false), WantField: "value"},
		{Name: "value too long", Given: caseHist(), When: obs(incident.ObservableOther, strings.Repeat("x", incident.MaxValueLen+1), "", false), WantField: "value"},
	})
}

func TestTasks(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	has := caseHist(incident.TaskAdded{TaskID: "t1", Title: "Isolate FS01", At: caseT0})
	done := append(slices.Clone(has), incident.TaskCompleted{TaskID: "t1", At: caseT0})
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "adds", Given: caseHist(), When: incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t1", Title: "Isolate FS01"},
			Want: []incident.Event{incident.TaskAdded{TaskID: "t1", Title: "Isolate FS01", At: caseT1}}},
		{Name: "the same task again is a no-op", Given: has, When: incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t1", Title: "Isolate FS01"}},
		{Name: "another title under the same task ID", Given: has, When: incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t1", Title: "Wipe FS01"}, WantErr: domain.ErrConflict},
		{Name: "no title", Given: caseHist(), When: incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t1"}, WantField: "title"},
		{Name: "no task ID", Given: caseHist(), When: incident.AddTask{Meta: m, IncidentID: caseInc, Title: "x"}, WantField: "taskId"},
		{Name: "completes", Given: has, When: incident.CompleteTask{Meta: m, IncidentID: caseInc, TaskID: "t1"},
			Want: []incident.Event{incident.TaskCompleted{TaskID: "t1", At: caseT1}}},
		{Name: "completing an unknown task", Given: has, When: incident.CompleteTask{Meta: m, IncidentID: caseInc, TaskID: "t2"}, WantErr: domain.ErrNotFound},
		{Name: "completing a completed task is a no-op", Given: done, When: incident.CompleteTask{Meta: m, IncidentID: caseInc, TaskID: "t1"}},
		{Name: "no task ID to complete", Given: has, When: incident.CompleteTask{Meta: m, IncidentID: caseInc}, WantField: "taskId"},
	})
}

func TestMerge(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	withAlerts := append(casePath(incident.StatusInvestigating), incident.AlertLinked{Alert: "a1", At: caseT0}, incident.AlertLinked{Alert: "a2", At: caseT0})
	merged := append(slices.Clone(withAlerts), incident.MergedInto{Into: "INC-0", From: incident.StatusInvestigating, Alerts: []string{"a1", "a2"}, At: caseT0},
		incident.AlertUnlinked{Alert: "a1", MovedTo: "INC-0", At: caseT0}, incident.AlertUnlinked{Alert: "a2", MovedTo: "INC-0", At: caseT0})
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "merged into the target, its alerts moved", Given: withAlerts, When: incident.MergeInto{Meta: m, IncidentID: caseInc, Target: "INC-0", Reason: "duplicate"},
			Want: []incident.Event{
				incident.MergedInto{Into: "INC-0", From: incident.StatusInvestigating, Alerts: []string{"a1", "a2"}, Reason: "duplicate", At: caseT1},
				incident.AlertUnlinked{Alert: "a1", MovedTo: "INC-0", At: caseT1},
				incident.AlertUnlinked{Alert: "a2", MovedTo: "INC-0", At: caseT1},
			}},
		{Name: "merged without alerts", Given: caseHist(), When: incident.MergeInto{Meta: m, IncidentID: caseInc, Target: "INC-0"},
			Want: []incident.Event{incident.MergedInto{Into: "INC-0", From: incident.StatusNew, At: caseT1}}},
		{Name: "merged into itself", Given: caseHist(), When: incident.MergeInto{Meta: m, IncidentID: caseInc, Target: caseInc}, WantField: "target"},
		{Name: "no target", Given: caseHist(), When: incident.MergeInto{Meta: m, IncidentID: caseInc}, WantField: "target"},
		{Name: "a merged incident is closed", Given: merged, When: incident.AddNote{Meta: m, IncidentID: caseInc, NoteID: "n1", Text: "x"}, WantErr: incident.ErrClosed},
		{Name: "and says it was merged", Given: merged, When: incident.AddNote{Meta: m, IncidentID: caseInc, NoteID: "n1", Text: "x"}, WantErr: incident.ErrMerged},
		{Name: "merging twice", Given: merged, When: incident.MergeInto{Meta: m, IncidentID: caseInc, Target: "INC-0"}, WantErr: incident.ErrClosed},
		{Name: "the target receives the merge and links the alerts it lacks",
			Given: caseHist(incident.AlertLinked{Alert: "a2", At: caseT0}),
			When:  incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: "INC-5", Alerts: []string{"a1", "a2"}},
			Want: []incident.Event{
				incident.MergeReceived{From: "INC-5", Alerts: []string{"a1", "a2"}, At: caseT1},
				incident.AlertLinked{Alert: "a1", MovedFrom: "INC-5", At: caseT1},
			}},
		{Name: "receiving the same merge again is a no-op", Given: caseHist(incident.MergeReceived{From: "INC-5", At: caseT0}),
			When: incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: "INC-5"}},
		{Name: "receiving itself", Given: caseHist(), When: incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: caseInc}, WantField: "source"},
		{Name: "receiving a malformed alert", Given: caseHist(), When: incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: "INC-5", Alerts: []string{""}}, WantField: "alerts[0]"},
	})
}

func TestSplit(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	withAlerts := caseHist(incident.AlertLinked{Alert: "a1", At: caseT0}, incident.AlertLinked{Alert: "a2", At: caseT0}, incident.AlertLinked{Alert: "a3", At: caseT0})
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "split off: the alerts moved", Given: withAlerts, When: incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2", Alerts: []string{"a3", "a2", "a3"}, Reason: "phishing wave"},
			Want: []incident.Event{
				incident.SplitOff{Child: "INC-2", Alerts: []string{"a3", "a2"}, Reason: "phishing wave", At: caseT1},
				incident.AlertUnlinked{Alert: "a3", MovedTo: "INC-2", At: caseT1},
				incident.AlertUnlinked{Alert: "a2", MovedTo: "INC-2", At: caseT1},
			}},
		{Name: "an alert that is not linked", Given: withAlerts, When: incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2", Alerts: []string{"a1", "a9"}}, WantErr: domain.ErrNotFound},
		{Name: "no alerts", Given: withAlerts, When: incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2"}, WantField: "alerts"},
		{Name: "into itself", Given: withAlerts, When: incident.Split{Meta: m, IncidentID: caseInc, Child: caseInc, Alerts: []string{"a1"}}, WantField: "child"},
		{Name: "into a child split off before", Given: append(slices.Clone(withAlerts), incident.SplitOff{Child: "INC-2", Alerts: []string{"a9"}, At: caseT0}),
			When: incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2", Alerts: []string{"a1"}}, WantErr: domain.ErrConflict},
	})
}

func TestReSnapshotProfile(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	p := caseProfile()
	p2 := caseProfile()
	p2.Regimes = []tenant.Regime{tenant.NIS2, tenant.GDPR}
	p2norm := p2.Normalize()
	snapped := caseHist(incident.ProfileSnapshotted{Profile: p, At: caseT0})
	domaintest.RunDecider(t, incident.Decider, []caseRow{
		{Name: "records the new profile", Given: snapped, When: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: p2, Reason: "GDPR added"},
			Want: []incident.Event{incident.ProfileSnapshotted{Profile: p2norm, Reason: "GDPR added", At: caseT1}}},
		{Name: "the first snapshot of an incident opened without one", Given: caseHist(), When: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: p, Reason: "profile configured"},
			Want: []incident.Event{incident.ProfileSnapshotted{Profile: p, Reason: "profile configured", At: caseT1}}},
		{Name: "the same profile is a no-op", Given: snapped, When: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: p, Reason: "check"}},
		{Name: "a reason is required", Given: snapped, When: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: p2}, WantField: "reason"},
		{Name: "invalid profile", Given: snapped, When: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: tenant.Profile{MemberState: "DE", TZ: "Berlin"}, Reason: "x"},
			WantField: "profile.tz"},
	})
}

// TestSnapshotIsTheIncidents: the snapshot shares nothing with the profile
// the caller passed, so a later change of the tenant's profile reaches the
// incident only through ReSnapshotProfile.
func TestSnapshotIsTheIncidents(t *testing.T) {
	t.Parallel()
	p := caseProfile()
	events, err := incident.Decide(incident.Open{Meta: caseMeta("c1"), IncidentID: caseInc, Title: "x", Severity: domain.SeverityLow, Profile: &p}, incident.State{})
	if err != nil {
		t.Fatal(err)
	}
	s := incident.Decider.Fold(incident.State{}, events)
	p.Regimes[0] = tenant.GDPR // the tenant's profile changes
	p.MemberState = "FR"
	if got := s.Case.Profile; got.Regimes[0] != tenant.NIS2 || got.MemberState != "DE" || !reflect.DeepEqual(got, caseProfile()) {
		t.Fatalf("the snapshot changed with the tenant's profile: %+v", got)
	}
	more, err := incident.Decide(incident.ReSnapshotProfile{Meta: caseMeta("c2"), IncidentID: caseInc, Profile: p, Reason: "moved to FR"}, s)
	if err != nil {
		t.Fatal(err)
	}
	s = incident.Decider.Fold(s, more)
	if s.Case.Profile.MemberState != "FR" || len(s.Case.Snapshots) != 2 || s.Case.Snapshots[0].Profile.MemberState != "DE" ||
		s.Case.Snapshots[1].Reason != "moved to FR" {
		t.Fatalf("after a re-snapshot: %+v", s.Case.Snapshots)
	}
}

// TestEvolve folds a full history and checks the case it leaves.
func TestEvolve(t *testing.T) {
	t.Parallel()
	p := caseProfile()
	at := func(h int) time.Time { return caseT0.Add(time.Duration(h) * time.Hour) }
	s := incident.Decider.Fold(incident.State{}, []incident.Event{
		incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Description: "d", Source: incident.SourceAlerts, Alerts: []string{"a1", "a2"}, At: at(0)},
		incident.AlertLinked{Alert: "a1", At: at(0)},
		incident.AlertLinked{Alert: "a2", At: at(0)},
		incident.ProfileSnapshotted{Profile: p, At: at(0)},
		incident.Assigned{Assignee: "user:alice", At: at(1)},
		incident.Escalated{Tier: 2, Team: "ir", At: at(1)},
		incident.SeverityChanged{From: domain.SeverityHigh, To: domain.SeverityCritical, At: at(1)},
		incident.StatusChanged{From: incident.StatusNew, To: incident.StatusInvestigating, At: at(2)},
		incident.NoteAdded{NoteID: "n1", Text: "first", At: at(2)},
		incident.ObservableAdded{Type: incident.ObservableDomain, Value: "c2.example", TLP: incident.TLPAmber, At: at(2)},
		incident.ObservableAdded{Type: incident.ObservableIP, Value: "192.0.2.1", TLP: incident.TLPGreen, At: at(2)},
		incident.ObservableAdded{Type: incident.ObservableDomain, Value: "c2.example", TLP: incident.TLPRed, IOC: true, Replaces: true, At: at(3)},
		incident.TaskAdded{TaskID: "t1", Title: "Isolate", At: at(3)},
		incident.TaskAdded{TaskID: "t2", Title: "Reimage", At: at(3)},
		incident.TaskCompleted{TaskID: "t1", At: at(4)},
		incident.SplitOff{Child: "INC-2", Alerts: []string{"a2"}, At: at(4)},
		incident.AlertUnlinked{Alert: "a2", MovedTo: "INC-2", At: at(4)},
		incident.MergeReceived{From: "INC-5", Alerts: []string{"a5"}, At: at(4)},
		incident.AlertLinked{Alert: "a5", MovedFrom: "INC-5", At: at(4)},
		incident.StatusChanged{From: incident.StatusInvestigating, To: incident.StatusClosed, Reason: "done", At: at(5)},
		incident.Reopened{From: incident.StatusClosed, To: incident.StatusContained, Reason: "again", At: at(6)},
		incident.Unassigned{Previous: "user:alice", At: at(6)},
	})
	c := s.Case
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", what, got, want)
		}
	}
	check("exists", c.Exists(), true)
	check("ID", c.ID, caseInc)
	check("title", c.Title, "Ransomware on FS01")
	check("source", c.Source, incident.SourceAlerts)
	check("opened at", c.OpenedAt, at(0))
	check("severity", c.Severity, domain.SeverityCritical)
	check("status", c.Status, incident.StatusContained)
	check("closed at", c.ClosedAt, time.Time{})
	check("reopens", c.Reopens, 1)
	check("assignee", c.Assignee, "")
	check("tier", c.Tier, 2)
	check("team", c.Team, "ir")
	check("alerts", c.Alerts, []string{"a1", "a5"})
	check("notes", c.Notes, []incident.Note{{ID: "n1", Text: "first", At: at(2)}})
	check("observables", c.Observables, []incident.Observable{
		{Type: incident.ObservableDomain, Value: "c2.example", TLP: incident.TLPRed, IOC: true, At: at(3)},
		{Type: incident.ObservableIP, Value: "192.0.2.1", TLP: incident.TLPGreen, At: at(2)},
	})
	check("tasks", c.Tasks, []incident.Task{{ID: "t1", Title: "Isolate", AddedAt: at(3), Completed: true, CompletedAt: at(4)}, {ID: "t2", Title: "Reimage", AddedAt: at(3)}})
	check("profile", c.Profile, p)
	check("snapshots", c.Snapshots, []incident.ProfileSnapshot{{Profile: p, At: at(0)}})
	check("split off", c.SplitOff, []string{"INC-2"})
	check("merged from", c.MergedFrom, []string{"INC-5"})

	closed := incident.Decider.Fold(s, []incident.Event{incident.StatusChanged{From: incident.StatusContained, To: incident.StatusInvestigating, Reason: "x", At: at(7)},
		incident.MergedInto{Into: "INC-0", From: incident.StatusInvestigating, At: at(8)}})
	check("merged: status", closed.Case.Status, incident.StatusClosed)
	check("merged: closed at", closed.Case.ClosedAt, at(8))
	check("merged: into", closed.Case.MergedInto, "INC-0")
	split := incident.Decider.Fold(incident.State{}, []incident.Event{
		incident.Opened{ID: "INC-2", Title: "x", Severity: domain.SeverityLow, Source: incident.SourceSplit, Alerts: []string{"a2"}, At: at(4)},
		incident.SplitFrom{Parent: caseInc, Alerts: []string{"a2"}, At: at(4)},
	})
	check("split from", split.Case.SplitFrom, caseInc)
	check("not opened", incident.State{}.Case.Exists(), false)
}

// TestEvolveKeepsOlderStates: Evolve never changes what an older state
// holds, even when two histories branch from it or a caller appends to the
// slices it sees.
func TestEvolveKeepsOlderStates(t *testing.T) {
	t.Parallel()
	base := incident.Decider.Fold(incident.State{}, caseHist(
		incident.NoteAdded{NoteID: "n1", Text: "one", At: caseT0},
		incident.AlertLinked{Alert: "a1", At: caseT0},
		incident.TaskAdded{TaskID: "t1", Title: "Isolate", At: caseT0},
		incident.ObservableAdded{Type: incident.ObservableIP, Value: "192.0.2.1", TLP: incident.TLPAmber, At: caseT0},
	))
	left := incident.Evolve(base, incident.NoteAdded{NoteID: "n2", Text: "left", At: caseT1})
	right := incident.Evolve(base, incident.NoteAdded{NoteID: "n2", Text: "right", At: caseT1})
	left = incident.Evolve(left, incident.NoteAdded{NoteID: "n3", Text: "left again", At: caseT1})
	_ = append(base.Case.Notes, incident.Note{ID: "n9", Text: "a caller's append"})
	_ = append(right.Case.Notes, incident.Note{ID: "n9", Text: "a caller's append"})
	if len(base.Case.Notes) != 1 || right.Case.Notes[1].Text != "right" || left.Case.Notes[1].Text != "left" || left.Case.Notes[2].Text != "left again" {
		t.Fatalf("notes: base %v left %v right %v", base.Case.Notes, left.Case.Notes, right.Case.Notes)
	}
	completed := incident.Evolve(base, incident.TaskCompleted{TaskID: "t1", At: caseT1})
	unlinked := incident.Evolve(base, incident.AlertUnlinked{Alert: "a1", At: caseT1})
	replaced := incident.Evolve(base, incident.ObservableAdded{Type: incident.ObservableIP, Value: "192.0.2.1", TLP: incident.TLPRed, IOC: true, Replaces: true, At: caseT1})
	if base.Case.Tasks[0].Completed || !completed.Case.Tasks[0].Completed {
		t.Errorf("tasks: base %v completed %v", base.Case.Tasks, completed.Case.Tasks)
	}
	if len(base.Case.Alerts) != 1 || len(unlinked.Case.Alerts) != 0 {
		t.Errorf("alerts: base %v unlinked %v", base.Case.Alerts, unlinked.Case.Alerts)
	}
	if base.Case.Observables[0].TLP != incident.TLPAmber || replaced.Case.Observables[0].TLP != incident.TLPRed || len(replaced.Case.Observables) != 1 {
		t.Errorf("observables: base %v replaced %v", base.Case.Observables, replaced.Case.Observables)
	}
	// A long history appended in place stays intact in its older prefixes.
	s := base
	var states []incident.State
	for i := range 100 {
		s = incident.Evolve(s, incident.NoteAdded{NoteID: fmt.Sprint("m", i), Text: fmt.Sprint(i), At: caseT1})
		states = append(states, s)
	}
	for i, st := range states {
		if len(st.Case.Notes) != i+2 || st.Case.Notes[i+1].Text != fmt.Sprint(i) {
			t.Fatalf("state %d: %d notes", i, len(st.Case.Notes))
		}
	}
}

func TestStreamOf(t *testing.T) {
	t.Parallel()
	got, err := incident.StreamOf(incident.AddNote{Meta: caseMeta("c1"), IncidentID: caseInc, NoteID: "n1", Text: "x"})
	if err != nil || got != "incident-acme.INC-1" {
		t.Fatalf("StreamOf: %q %v", got, err)
	}
	if _, err := incident.StreamOf(incident.AddNote{Meta: caseMeta("c1"), IncidentID: "INC/1"}); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("StreamOf of a malformed ID: %v", err)
	}
}
