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

// caseRow is one given / when / then row. wantErr is matched with errors.Is,
// except a *domain.InvalidTransitionError (matched with errors.As on
// Aggregate, From and To); wantField names the field of a *domain.FieldError.
type caseRow struct {
	name      string
	given     []incident.Event
	when      incident.Command
	want      []incident.Event
	wantErr   error
	wantField string
}

func caseRun(t *testing.T, rows []caseRow) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := incident.Decider.Fold(incident.State{}, tt.given)
			got, err := incident.Decide(tt.when, s)
			caseCheckErr(t, err, tt.wantErr, tt.wantField)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func caseCheckErr(t *testing.T, err, wantErr error, wantField string) {
	t.Helper()
	var wantTr *domain.InvalidTransitionError
	switch {
	case wantField != "":
		var fe *domain.FieldError
		if !errors.As(err, &fe) || fe.Field != wantField || !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("error %v, want a field error on %s", err, wantField)
		}
	case errors.As(wantErr, &wantTr):
		var tr *domain.InvalidTransitionError
		if !errors.As(err, &tr) || tr.Aggregate != wantTr.Aggregate || tr.From != wantTr.From || tr.To != wantTr.To ||
			!errors.Is(err, domain.ErrInvalidTransition) {
			t.Fatalf("error %v, want %v", err, wantTr)
		}
	case wantErr != nil:
		if !errors.Is(err, wantErr) {
			t.Fatalf("error %v, want one matching %v", err, wantErr)
		}
	case err != nil:
		t.Fatalf("unexpected error %v", err)
	}
}

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
	caseRun(t, []caseRow{
		{name: "opened by hand", when: open(func(c *incident.Open) { c.Description = "EDR: mass renames" }),
			want: []incident.Event{incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Description: "EDR: mass renames", Source: incident.SourceManual, At: caseT1}}},
		{name: "from alerts, with the tenant's profile: opened, one link per alert, the snapshot",
			when: open(func(c *incident.Open) {
				c.Source, c.Alerts, c.Profile = incident.SourceAlerts, []string{"a1", "a2"}, &p
			}),
			want: []incident.Event{
				incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceAlerts, Alerts: []string{"a1", "a2"}, At: caseT1},
				incident.AlertLinked{Alert: "a1", At: caseT1},
				incident.AlertLinked{Alert: "a2", At: caseT1},
				incident.ProfileSnapshotted{Profile: p, At: caseT1},
			}},
		{name: "the source defaults to alerts when it names alerts, repeats dropped",
			when: open(func(c *incident.Open) { c.Alerts = []string{"a1", "a1"} }),
			want: []incident.Event{
				incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceAlerts, Alerts: []string{"a1"}, At: caseT1},
				incident.AlertLinked{Alert: "a1", At: caseT1},
			}},
		{name: "opened by hand may name alerts", when: open(func(c *incident.Open) { c.Source, c.Alerts = incident.SourceManual, []string{"a1"} }),
			want: []incident.Event{
				incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceManual, Alerts: []string{"a1"}, At: caseT1},
				incident.AlertLinked{Alert: "a1", At: caseT1},
			}},
		{name: "the snapshot is normalized", when: open(func(c *incident.Open) { c.Profile = &unnormalized }),
			want: []incident.Event{
				incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceManual, At: caseT1},
				incident.ProfileSnapshotted{Profile: normalized, At: caseT1},
			}},
		{name: "title trimmed, time in UTC", when: open(func(c *incident.Open) {
			c.Title = "  Ransomware on FS01 \t"
			c.At = caseT1.In(time.FixedZone("CET", 3600))
		}),
			want: []incident.Event{incident.Opened{ID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh, Source: incident.SourceManual, At: caseT1}}},
		{name: "opening twice", given: caseHist(), when: open(nil), wantErr: domain.ErrAlreadyExists},
		{name: "opening a closed incident again", given: caseClosed(), when: open(nil), wantErr: domain.ErrAlreadyExists},
		{name: "no title", when: open(func(c *incident.Open) { c.Title = " " }), wantField: "title"},
		{name: "title too long", when: open(func(c *incident.Open) { c.Title = strings.Repeat("x", incident.MaxTitleLen+1) }), wantField: "title"},
		{name: "title on two lines", when: open(func(c *incident.Open) { c.Title = "Ransomware\non FS01" }), wantField: "title"},
		{name: "no severity", when: open(func(c *incident.Open) { c.Severity = "" }), wantField: "severity"},
		{name: "unknown severity", when: open(func(c *incident.Open) { c.Severity = "urgent" }), wantField: "severity"},
		{name: "description with a NUL", when: open(func(c *incident.Open) { c.Description = "a\x00b" }), wantField: "description"},
		{name: "from alerts without alerts", when: open(func(c *incident.Open) { c.Source = incident.SourceAlerts }), wantField: "alerts"},
		{name: "unknown source", when: open(func(c *incident.Open) { c.Source = "email" }), wantField: "source"},
		{name: "split is not a source of Open", when: open(func(c *incident.Open) { c.Source = incident.SourceSplit }), wantField: "source"},
		{name: "malformed alert ID", when: open(func(c *incident.Open) { c.Alerts = []string{"a1", "a 2"} }), wantField: "alerts[1]"},
		{name: "invalid profile", when: open(func(c *incident.Open) { c.Profile = &tenant.Profile{MemberState: "Germany"} }), wantField: "profile.memberState"},
		{name: "DORA profile without entity type", when: open(func(c *incident.Open) {
			c.Profile = &tenant.Profile{Regimes: []tenant.Regime{tenant.DORA}, MemberState: "DE"}
		}), wantField: "profile.doraEntityType"},
		{name: "no command ID", when: open(func(c *incident.Open) { c.CommandID = "" }), wantField: "commandId"},
		{name: "no actor", when: open(func(c *incident.Open) { c.Actor = "" }), wantField: "actor"},
		{name: "malformed incident ID", when: open(func(c *incident.Open) { c.IncidentID = "INC 1" }), wantField: "incident"},
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
	caseRun(t, []caseRow{
		{name: "opened as a split, carrying the alerts", when: split(nil), want: []incident.Event{
			incident.Opened{ID: "INC-2", Title: "Phishing wave", Severity: domain.SeverityMedium, Source: incident.SourceSplit, Alerts: []string{"a2", "a3"}, At: caseT1},
			incident.SplitFrom{Parent: caseInc, Alerts: []string{"a2", "a3"}, Reason: "unrelated to the ransomware", At: caseT1},
			incident.AlertLinked{Alert: "a2", MovedFrom: caseInc, At: caseT1},
			incident.AlertLinked{Alert: "a3", MovedFrom: caseInc, At: caseT1},
			incident.ProfileSnapshotted{Profile: p, At: caseT1},
		}},
		{name: "exists already", given: []incident.Event{incident.Opened{ID: "INC-2", Title: "x", Severity: domain.SeverityLow, Source: incident.SourceManual, At: caseT0}},
			when: split(nil), wantErr: domain.ErrAlreadyExists},
		{name: "split from itself", when: split(func(c *incident.OpenSplit) { c.Parent = "INC-2" }), wantField: "parent"},
		{name: "no parent", when: split(func(c *incident.OpenSplit) { c.Parent = "" }), wantField: "parent"},
		{name: "no alerts", when: split(func(c *incident.OpenSplit) { c.Alerts = nil }), wantField: "alerts"},
		{name: "no title", when: split(func(c *incident.OpenSplit) { c.Title = "" }), wantField: "title"},
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
		rows = append(rows, caseRow{name: fmt.Sprintf("%T", c), when: c, wantErr: domain.ErrNotFound})
	}
	caseRun(t, rows)
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
		rows = append(rows, caseRow{name: fmt.Sprintf("%T refused", c), given: given, when: c, wantErr: incident.ErrClosed})
	}
	note := incident.AddNote{Meta: caseMeta("c2"), IncidentID: caseInc, NoteID: "n1", Text: "customer confirms the host was rebuilt"}
	rows = append(rows,
		caseRow{name: "AddNote refused", given: given, when: note, wantErr: incident.ErrClosed},
		caseRow{name: "closing again is a no-op", given: given, when: incident.ChangeStatus{Meta: caseMeta("c2"), IncidentID: caseInc, Status: incident.StatusClosed}},
		caseRow{name: "reopened", given: given, when: incident.Reopen{Meta: caseMeta("c2"), IncidentID: caseInc, Reason: "beacon seen again"},
			want: []incident.Event{incident.Reopened{From: incident.StatusClosed, To: incident.StatusInvestigating, Reason: "beacon seen again", At: caseT1}}},
		caseRow{name: "AddNote after a reopen", when: note,
			given: append(slices.Clone(given), incident.Reopened{From: incident.StatusClosed, To: incident.StatusInvestigating, Reason: "beacon seen again", At: caseT0}),
			want:  []incident.Event{incident.NoteAdded{NoteID: "n1", Text: "customer confirms the host was rebuilt", At: caseT1}}},
	)
	caseRun(t, rows)
}

func TestLinkAlert(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	linked := caseHist(incident.AlertLinked{Alert: "a1", At: caseT0})
	caseRun(t, []caseRow{
		{name: "links", given: caseHist(), when: incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1", Reason: "same C2"},
			want: []incident.Event{incident.AlertLinked{Alert: "a1", Reason: "same C2", At: caseT1}}},
		{name: "linking a linked alert is a no-op", given: linked, when: incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1"}},
		{name: "relinking an unlinked alert", given: append(linked, incident.AlertUnlinked{Alert: "a1", At: caseT0}),
			when: incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1"}, want: []incident.Event{incident.AlertLinked{Alert: "a1", At: caseT1}}},
		{name: "malformed alert ID", given: caseHist(), when: incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: "alert-acme.x/y"}, wantField: "alert"},
		{name: "no alert", given: caseHist(), when: incident.LinkAlert{Meta: m, IncidentID: caseInc}, wantField: "alert"},
		{name: "unlinks", given: linked, when: incident.UnlinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1", Reason: "backup job"},
			want: []incident.Event{incident.AlertUnlinked{Alert: "a1", Reason: "backup job", At: caseT1}}},
		{name: "unlinking an alert that is not linked", given: linked, when: incident.UnlinkAlert{Meta: m, IncidentID: caseInc, Alert: "a2"}, wantErr: domain.ErrNotFound},
		{name: "unlinking twice", given: append(linked, incident.AlertUnlinked{Alert: "a1", At: caseT0}),
			when: incident.UnlinkAlert{Meta: m, IncidentID: caseInc, Alert: "a1"}, wantErr: domain.ErrNotFound},
	})
}

func TestAssign(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	assigned := caseHist(incident.Assigned{Assignee: "user:alice", At: caseT0})
	caseRun(t, []caseRow{
		{name: "assigns", given: caseHist(), when: incident.Assign{Meta: m, IncidentID: caseInc, Assignee: " user:alice "},
			want: []incident.Event{incident.Assigned{Assignee: "user:alice", At: caseT1}}},
		{name: "the same assignee is a no-op", given: assigned, when: incident.Assign{Meta: m, IncidentID: caseInc, Assignee: "user:alice"}},
		{name: "reassigns", given: assigned, when: incident.Assign{Meta: m, IncidentID: caseInc, Assignee: "user:bob"},
			want: []incident.Event{incident.Assigned{Assignee: "user:bob", At: caseT1}}},
		{name: "no assignee", given: caseHist(), when: incident.Assign{Meta: m, IncidentID: caseInc}, wantField: "assignee"},
		{name: "unassigns", given: assigned, when: incident.Unassign{Meta: m, IncidentID: caseInc},
			want: []incident.Event{incident.Unassigned{Previous: "user:alice", At: caseT1}}},
		{name: "unassigning an unassigned incident is a no-op", given: caseHist(), when: incident.Unassign{Meta: m, IncidentID: caseInc}},
		{name: "unassigning twice is a no-op", given: append(assigned, incident.Unassigned{Previous: "user:alice", At: caseT0}),
			when: incident.Unassign{Meta: m, IncidentID: caseInc}},
	})
}

func TestChangeSeverity(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	caseRun(t, []caseRow{
		{name: "raises", given: caseHist(), when: incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: domain.SeverityCritical, Reason: "DC02 hit too"},
			want: []incident.Event{incident.SeverityChanged{From: domain.SeverityHigh, To: domain.SeverityCritical, Reason: "DC02 hit too", At: caseT1}}},
		{name: "lowers", given: caseHist(), when: incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: domain.SeverityLow},
			want: []incident.Event{incident.SeverityChanged{From: domain.SeverityHigh, To: domain.SeverityLow, At: caseT1}}},
		{name: "the same severity is a no-op", given: caseHist(), when: incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: domain.SeverityHigh}},
		{name: "unknown severity", given: caseHist(), when: incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: "sev1"}, wantField: "severity"},
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
	caseRun(t, []caseRow{
		{name: "new to triage", given: casePath(incident.StatusNew), when: to(incident.StatusTriage, ""),
			want: changed(incident.StatusNew, incident.StatusTriage, "")},
		{name: "triage to investigating", given: casePath(incident.StatusTriage), when: to(incident.StatusInvestigating, ""),
			want: changed(incident.StatusTriage, incident.StatusInvestigating, "")},
		{name: "false alarm: triage to closed with a reason", given: casePath(incident.StatusTriage), when: to(incident.StatusClosed, "false positive: pentest"),
			want: changed(incident.StatusTriage, incident.StatusClosed, "false positive: pentest")},
		{name: "closing before recovery needs a reason", given: casePath(incident.StatusTriage), when: to(incident.StatusClosed, " "), wantField: "reason"},
		{name: "containment failed: contained back to investigating", given: casePath(incident.StatusContained),
			when: to(incident.StatusInvestigating, "attacker still active on WS-114"),
			want: changed(incident.StatusContained, incident.StatusInvestigating, "attacker still active on WS-114")},
		{name: "a backward move needs a reason", given: casePath(incident.StatusContained), when: to(incident.StatusInvestigating, ""), wantField: "reason"},
		{name: "recovered to closed needs no reason", given: casePath(incident.StatusRecovered), when: to(incident.StatusClosed, ""),
			want: changed(incident.StatusRecovered, incident.StatusClosed, "")},
		{name: "the current status is a no-op", given: casePath(incident.StatusContained), when: to(incident.StatusContained, "")},
		{name: "new to contained skips investigation", given: casePath(incident.StatusNew), when: to(incident.StatusContained, "x"),
			wantErr: caseTransition(incident.StatusNew, incident.StatusContained)},
		{name: "contained to closed skips eradication", given: casePath(incident.StatusContained), when: to(incident.StatusClosed, "x"),
			wantErr: caseTransition(incident.StatusContained, incident.StatusClosed)},
		{name: "nothing goes back to new", given: casePath(incident.StatusTriage), when: to(incident.StatusNew, "x"),
			wantErr: caseTransition(incident.StatusTriage, incident.StatusNew)},
		{name: "closed to investigating needs Reopen", given: casePath(incident.StatusClosed), when: to(incident.StatusInvestigating, "x"),
			wantErr: incident.ErrClosed},
		{name: "unknown status", given: caseHist(), when: to("resolved", ""), wantField: "status"},
		{name: "no status", given: caseHist(), when: to("", ""), wantField: "status"},
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
	caseRun(t, []caseRow{
		{name: "back to investigating by default", given: caseClosed(), when: incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "recurred"},
			want: []incident.Event{incident.Reopened{From: incident.StatusClosed, To: incident.StatusInvestigating, Reason: "recurred", At: caseT1}}},
		{name: "back to the phase given", given: caseClosed(), when: incident.Reopen{Meta: m, IncidentID: caseInc, Status: incident.StatusContained, Reason: "reimaged host reinfected"},
			want: []incident.Event{incident.Reopened{From: incident.StatusClosed, To: incident.StatusContained, Reason: "reimaged host reinfected", At: caseT1}}},
		{name: "a reason is required", given: caseClosed(), when: incident.Reopen{Meta: m, IncidentID: caseInc}, wantField: "reason"},
		{name: "not back to new", given: caseClosed(), when: incident.Reopen{Meta: m, IncidentID: caseInc, Status: incident.StatusNew, Reason: "x"}, wantField: "status"},
		{name: "not to closed", given: caseClosed(), when: incident.Reopen{Meta: m, IncidentID: caseInc, Status: incident.StatusClosed, Reason: "x"}, wantField: "status"},
		{name: "an open incident cannot be reopened", given: casePath(incident.StatusContained), when: incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "x"},
			wantErr: caseTransition(incident.StatusContained, incident.StatusInvestigating)},
		{name: "a merged incident cannot be reopened", given: merged, when: incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "x"}, wantErr: incident.ErrMerged},
		{name: "a merged incident: an invalid transition too", given: merged, when: incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "x"},
			wantErr: caseTransition(incident.StatusClosed, incident.StatusInvestigating)},
	})
}

func TestEscalate(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	tier2 := caseHist(incident.Escalated{Tier: 2, Team: "ir-dach", At: caseT0})
	esc := func(tier int, team string) incident.Escalate {
		return incident.Escalate{Meta: m, IncidentID: caseInc, Tier: tier, Team: team}
	}
	caseRun(t, []caseRow{
		{name: "escalates", given: caseHist(), when: incident.Escalate{Meta: m, IncidentID: caseInc, Tier: 2, Team: "ir-dach", Reason: "domain-wide"},
			want: []incident.Event{incident.Escalated{Tier: 2, Team: "ir-dach", Reason: "domain-wide", At: caseT1}}},
		{name: "without a team", given: caseHist(), when: esc(1, ""), want: []incident.Event{incident.Escalated{Tier: 1, At: caseT1}}},
		{name: "the same tier and team is a no-op", given: tier2, when: esc(2, "ir-dach")},
		{name: "another team of the same tier", given: tier2, when: esc(2, "ir-nordics"), want: []incident.Event{incident.Escalated{Tier: 2, Team: "ir-nordics", At: caseT1}}},
		{name: "up a tier", given: tier2, when: esc(3, "dfir"), want: []incident.Event{incident.Escalated{Tier: 3, Team: "dfir", At: caseT1}}},
		{name: "never down a tier", given: tier2, when: esc(1, "soc"), wantErr: domain.ErrConflict},
		{name: "tier 0", given: caseHist(), when: esc(0, "soc"), wantField: "tier"},
		{name: "tier 4", given: caseHist(), when: esc(4, "soc"), wantField: "tier"},
	})
}

func TestAddNote(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	noted := caseHist(incident.NoteAdded{NoteID: "n1", Text: "FS01 isolated", At: caseT0})
	note := func(id, text string) incident.AddNote {
		return incident.AddNote{Meta: m, IncidentID: caseInc, NoteID: id, Text: text}
	}
	caseRun(t, []caseRow{
		{name: "adds", given: caseHist(), when: note("n1", "FS01 isolated\nby EDR"), want: []incident.Event{incident.NoteAdded{NoteID: "n1", Text: "FS01 isolated\nby EDR", At: caseT1}}},
		{name: "the same note again is a no-op", given: noted, when: note("n1", "FS01 isolated")},
		{name: "another text under the same note ID", given: noted, when: note("n1", "FS01 wiped"), wantErr: domain.ErrConflict},
		{name: "no text", given: caseHist(), when: note("n1", ""), wantField: "text"},
		{name: "blank text", given: caseHist(), when: note("n1", " \n "), wantField: "text"},
		{name: "text too long", given: caseHist(), when: note("n1", strings.Repeat("x", incident.MaxTextLen+1)), wantField: "text"},
		{name: "no note ID", given: caseHist(), when: note("", "x"), wantField: "noteId"},
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
	caseRun(t, []caseRow{
		{name: "adds with TLP:AMBER by default", given: caseHist(), when: obs(incident.ObservableIP, "192.0.2.10", "", true),
			want: added(incident.ObservableIP, "192.0.2.10", incident.TLPAmber, true, false)},
		{name: "IPv6 in canonical form", given: caseHist(), when: obs(incident.ObservableIP, " 2001:DB8:0:0::1 ", incident.TLPRed, false),
			want: added(incident.ObservableIP, "2001:db8::1", incident.TLPRed, false, false)},
		{name: "an IP prefix", given: caseHist(), when: obs(incident.ObservableIP, "198.51.100.0/24", incident.TLPGreen, true),
			want: added(incident.ObservableIP, "198.51.100.0/24", incident.TLPGreen, true, false)},
		{name: "domain in lower case without the root dot", given: caseHist(), when: obs(incident.ObservableDomain, "C2.Example.", incident.TLPClear, true),
			want: added(incident.ObservableDomain, "c2.example", incident.TLPClear, true, false)},
		{name: "hash in lower case", given: caseHist(), when: obs(incident.ObservableSHA256, sha, incident.TLPAmberStrict, true),
			want: added(incident.ObservableSHA256, strings.ToLower(sha), incident.TLPAmberStrict, true, false)},
		{name: "e-mail domain in lower case", given: caseHist(), when: obs(incident.ObservableEmail, "Billing@Evil.Example", incident.TLPAmber, true),
			want: added(incident.ObservableEmail, "Billing@evil.example", incident.TLPAmber, true, false)},
		{name: "a file path kept as it is", given: caseHist(), when: obs(incident.ObservableFile, `C:\Users\Public\svc host.exe`, incident.TLPAmber, false),
			want: added(incident.ObservableFile, `C:\Users\Public\svc host.exe`, incident.TLPAmber, false, false)},
		{name: "the same observable again is a no-op", given: has, when: obs(incident.ObservableDomain, "C2.example", incident.TLPAmber, false)},
		{name: "marking it an IOC replaces it", given: has, when: obs(incident.ObservableDomain, "c2.example", incident.TLPAmber, true),
			want: added(incident.ObservableDomain, "c2.example", incident.TLPAmber, true, true)},
		{name: "a new TLP replaces it", given: has, when: obs(incident.ObservableDomain, "c2.example", incident.TLPRed, false),
			want: added(incident.ObservableDomain, "c2.example", incident.TLPRed, false, true)},
		{name: "same value, other type", given: has, when: obs(incident.ObservableHost, "c2.example", incident.TLPAmber, false),
			want: added(incident.ObservableHost, "c2.example", incident.TLPAmber, false, false)},
		{name: "unknown type", given: caseHist(), when: obs("asn", "AS64500", "", false), wantField: "type"},
		{name: "unknown TLP", given: caseHist(), when: obs(incident.ObservableIP, "192.0.2.1", "TLP:WHITE", false), wantField: "tlp"},
		{name: "not an IP", given: caseHist(), when: obs(incident.ObservableIP, "192.0.2.300", "", false), wantField: "value"},
		{name: "MD5 of the wrong length", given: caseHist(), when: obs(incident.ObservableMD5, "d41d8cd98f00b204e9800998ecf8427", "", false), wantField: "value"},
		{name: "SHA-1 not in hex", given: caseHist(), when: obs(incident.ObservableSHA1, strings.Repeat("g", 40), "", false), wantField: "value"},
		{name: "domain with a slash", given: caseHist(), when: obs(incident.ObservableDomain, "evil.example/x", "", false), wantField: "value"},
		{name: "e-mail without a domain", given: caseHist(), when: obs(incident.ObservableEmail, "billing@", "", false), wantField: "value"},
		{name: "URL with white space", given: caseHist(), when: obs(incident.ObservableURL, "https://evil.example/a b", "", false), wantField: "value"},
		{name: "no value", given: caseHist(), when: obs(incident.ObservableUser, "  ", "", false), wantField: "value"},
		{name: "value too long", given: caseHist(), when: obs(incident.ObservableOther, strings.Repeat("x", incident.MaxValueLen+1), "", false), wantField: "value"},
	})
}

func TestTasks(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	has := caseHist(incident.TaskAdded{TaskID: "t1", Title: "Isolate FS01", At: caseT0})
	done := append(slices.Clone(has), incident.TaskCompleted{TaskID: "t1", At: caseT0})
	caseRun(t, []caseRow{
		{name: "adds", given: caseHist(), when: incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t1", Title: "Isolate FS01"},
			want: []incident.Event{incident.TaskAdded{TaskID: "t1", Title: "Isolate FS01", At: caseT1}}},
		{name: "the same task again is a no-op", given: has, when: incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t1", Title: "Isolate FS01"}},
		{name: "another title under the same task ID", given: has, when: incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t1", Title: "Wipe FS01"}, wantErr: domain.ErrConflict},
		{name: "no title", given: caseHist(), when: incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: "t1"}, wantField: "title"},
		{name: "no task ID", given: caseHist(), when: incident.AddTask{Meta: m, IncidentID: caseInc, Title: "x"}, wantField: "taskId"},
		{name: "completes", given: has, when: incident.CompleteTask{Meta: m, IncidentID: caseInc, TaskID: "t1"},
			want: []incident.Event{incident.TaskCompleted{TaskID: "t1", At: caseT1}}},
		{name: "completing an unknown task", given: has, when: incident.CompleteTask{Meta: m, IncidentID: caseInc, TaskID: "t2"}, wantErr: domain.ErrNotFound},
		{name: "completing a completed task is a no-op", given: done, when: incident.CompleteTask{Meta: m, IncidentID: caseInc, TaskID: "t1"}},
		{name: "no task ID to complete", given: has, when: incident.CompleteTask{Meta: m, IncidentID: caseInc}, wantField: "taskId"},
	})
}

func TestMerge(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	withAlerts := append(casePath(incident.StatusInvestigating), incident.AlertLinked{Alert: "a1", At: caseT0}, incident.AlertLinked{Alert: "a2", At: caseT0})
	merged := append(slices.Clone(withAlerts), incident.MergedInto{Into: "INC-0", From: incident.StatusInvestigating, Alerts: []string{"a1", "a2"}, At: caseT0},
		incident.AlertUnlinked{Alert: "a1", MovedTo: "INC-0", At: caseT0}, incident.AlertUnlinked{Alert: "a2", MovedTo: "INC-0", At: caseT0})
	caseRun(t, []caseRow{
		{name: "merged into the target, its alerts moved", given: withAlerts, when: incident.MergeInto{Meta: m, IncidentID: caseInc, Target: "INC-0", Reason: "duplicate"},
			want: []incident.Event{
				incident.MergedInto{Into: "INC-0", From: incident.StatusInvestigating, Alerts: []string{"a1", "a2"}, Reason: "duplicate", At: caseT1},
				incident.AlertUnlinked{Alert: "a1", MovedTo: "INC-0", At: caseT1},
				incident.AlertUnlinked{Alert: "a2", MovedTo: "INC-0", At: caseT1},
			}},
		{name: "merged without alerts", given: caseHist(), when: incident.MergeInto{Meta: m, IncidentID: caseInc, Target: "INC-0"},
			want: []incident.Event{incident.MergedInto{Into: "INC-0", From: incident.StatusNew, At: caseT1}}},
		{name: "merged into itself", given: caseHist(), when: incident.MergeInto{Meta: m, IncidentID: caseInc, Target: caseInc}, wantField: "target"},
		{name: "no target", given: caseHist(), when: incident.MergeInto{Meta: m, IncidentID: caseInc}, wantField: "target"},
		{name: "a merged incident is closed", given: merged, when: incident.AddNote{Meta: m, IncidentID: caseInc, NoteID: "n1", Text: "x"}, wantErr: incident.ErrClosed},
		{name: "and says it was merged", given: merged, when: incident.AddNote{Meta: m, IncidentID: caseInc, NoteID: "n1", Text: "x"}, wantErr: incident.ErrMerged},
		{name: "merging twice", given: merged, when: incident.MergeInto{Meta: m, IncidentID: caseInc, Target: "INC-0"}, wantErr: incident.ErrClosed},
		{name: "the target receives the merge and links the alerts it lacks",
			given: caseHist(incident.AlertLinked{Alert: "a2", At: caseT0}),
			when:  incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: "INC-5", Alerts: []string{"a1", "a2"}},
			want: []incident.Event{
				incident.MergeReceived{From: "INC-5", Alerts: []string{"a1", "a2"}, At: caseT1},
				incident.AlertLinked{Alert: "a1", MovedFrom: "INC-5", At: caseT1},
			}},
		{name: "receiving the same merge again is a no-op", given: caseHist(incident.MergeReceived{From: "INC-5", At: caseT0}),
			when: incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: "INC-5"}},
		{name: "receiving itself", given: caseHist(), when: incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: caseInc}, wantField: "source"},
		{name: "receiving a malformed alert", given: caseHist(), when: incident.ReceiveMerge{Meta: m, IncidentID: caseInc, Source: "INC-5", Alerts: []string{""}}, wantField: "alerts[0]"},
	})
}

func TestSplit(t *testing.T) {
	t.Parallel()
	m := caseMeta("c1")
	withAlerts := caseHist(incident.AlertLinked{Alert: "a1", At: caseT0}, incident.AlertLinked{Alert: "a2", At: caseT0}, incident.AlertLinked{Alert: "a3", At: caseT0})
	caseRun(t, []caseRow{
		{name: "split off: the alerts moved", given: withAlerts, when: incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2", Alerts: []string{"a3", "a2", "a3"}, Reason: "phishing wave"},
			want: []incident.Event{
				incident.SplitOff{Child: "INC-2", Alerts: []string{"a3", "a2"}, Reason: "phishing wave", At: caseT1},
				incident.AlertUnlinked{Alert: "a3", MovedTo: "INC-2", At: caseT1},
				incident.AlertUnlinked{Alert: "a2", MovedTo: "INC-2", At: caseT1},
			}},
		{name: "an alert that is not linked", given: withAlerts, when: incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2", Alerts: []string{"a1", "a9"}}, wantErr: domain.ErrNotFound},
		{name: "no alerts", given: withAlerts, when: incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2"}, wantField: "alerts"},
		{name: "into itself", given: withAlerts, when: incident.Split{Meta: m, IncidentID: caseInc, Child: caseInc, Alerts: []string{"a1"}}, wantField: "child"},
		{name: "into a child split off before", given: append(slices.Clone(withAlerts), incident.SplitOff{Child: "INC-2", Alerts: []string{"a9"}, At: caseT0}),
			when: incident.Split{Meta: m, IncidentID: caseInc, Child: "INC-2", Alerts: []string{"a1"}}, wantErr: domain.ErrConflict},
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
	caseRun(t, []caseRow{
		{name: "records the new profile", given: snapped, when: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: p2, Reason: "GDPR added"},
			want: []incident.Event{incident.ProfileSnapshotted{Profile: p2norm, Reason: "GDPR added", At: caseT1}}},
		{name: "the first snapshot of an incident opened without one", given: caseHist(), when: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: p, Reason: "profile configured"},
			want: []incident.Event{incident.ProfileSnapshotted{Profile: p, Reason: "profile configured", At: caseT1}}},
		{name: "the same profile is a no-op", given: snapped, when: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: p, Reason: "check"}},
		{name: "a reason is required", given: snapped, when: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: p2}, wantField: "reason"},
		{name: "invalid profile", given: snapped, when: incident.ReSnapshotProfile{Meta: m, IncidentID: caseInc, Profile: tenant.Profile{MemberState: "DE", TZ: "Berlin"}, Reason: "x"},
			wantField: "profile.tz"},
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
