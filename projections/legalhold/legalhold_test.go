package legalhold_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/alert"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/projections/legalhold"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// env is an embedded store in a temporary directory, an executor over it
// and a projection running over it.
type env struct {
	t    *testing.T
	st   *embedded.Store
	x    *eventstore.Executor
	p    *legalhold.Projection
	cmds atomic.Int64

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan error
}

// newEnv opens a store and a projection; run starts the projection.
func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, x: &eventstore.Executor{Store: st}, p: legalhold.New(st)}
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

// running returns a new env with its projection running.
func running(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.run()
	return e
}

// run starts Run in a goroutine.
func (e *env) run() {
	e.mu.Lock()
	defer e.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	e.cancel, e.done = cancel, done
	go func() { done <- e.p.Run(ctx) }()
}

// restart starts Run again after stop, and waits until it runs: until then
// Holds fails with ErrStopped.
func (e *env) restart() {
	e.t.Helper()
	e.run()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := e.p.Holds(context.Background(), e.end())
		if !errors.Is(err, legalhold.ErrStopped) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("Run did not restart: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// stop stops Run (if running) and returns its error.
func (e *env) stop() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel == nil {
		return nil
	}
	e.cancel()
	err := <-e.done
	e.cancel, e.done = nil, nil
	return err
}

func (e *env) meta(tenantID string) domain.Meta {
	n := e.cmds.Add(1)
	return domain.Meta{CommandID: fmt.Sprintf("cmd-%d", n), Tenant: tenantID, Actor: "user:alice", At: t0.Add(time.Duration(n) * time.Minute)}
}

// log appends a log event to stream and returns its ID and position.
func (e *env) log(stream string) (eventstore.EventID, eventstore.Position) {
	e.t.Helper()
	id := eventstore.NewEventID()
	res, err := e.st.Append(context.Background(), stream, eventstore.Any, eventstore.EventData{
		EventID: id, Type: "log.line", Data: []byte(`{"message":"sshd: accepted password for root"}`), Metadata: []byte(`{}`),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id, res.Position
}

// logs appends n log events to stream and returns their IDs.
func (e *env) logs(stream string, n int) []eventstore.EventID {
	e.t.Helper()
	ids := make([]eventstore.EventID, n)
	for i := range ids {
		ids[i], _ = e.log(stream)
	}
	return ids
}

var alertAgg = eventstore.Aggregate[alert.Command, alert.Event, alert.State]{
	Name: "alert", Decider: alert.Decider, Codec: alert.Codec(), Stream: alert.StreamOf,
}

var incidentAgg = eventstore.Aggregate[incident.Command, incident.Event, incident.State]{
	Name: "incident", Decider: incident.Decider, Codec: incident.Codec(), Stream: incident.StreamOf,
}

var tenantAgg = eventstore.Aggregate[tenant.Command, tenant.Event, tenant.State]{
	Name: "tenant", Decider: tenant.Decider, Codec: tenant.Codec(), Stream: tenant.StreamOf,
}

func (e *env) alert(c alert.Command) eventstore.Position {
	e.t.Helper()
	res, err := eventstore.Execute(context.Background(), e.x, alertAgg, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Position
}

func (e *env) incident(c incident.Command) eventstore.Position {
	e.t.Helper()
	res, err := eventstore.Execute(context.Background(), e.x, incidentAgg, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Position
}

func (e *env) tenant(c tenant.Command) eventstore.Position {
	e.t.Helper()
	res, err := eventstore.Execute(context.Background(), e.x, tenantAgg, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.Position
}

func refs(stream string, ids ...eventstore.EventID) []alert.EventRef {
	out := make([]alert.EventRef, len(ids))
	for i, id := range ids {
		out[i] = alert.EventRef{Stream: stream, EventID: id.String()}
	}
	return out
}

func strs(ids ...eventstore.EventID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// raise raises the alert of fingerprint in tenantID with raw events of
// stream and returns its alert ID.
func (e *env) raise(tenantID, fingerprint, stream string, raw ...eventstore.EventID) string {
	e.t.Helper()
	e.alert(alert.Raise{Meta: e.meta(tenantID), Source: "sigma", RuleID: "ssh-root-login", RuleTitle: "SSH login as root",
		Severity: domain.SeverityHigh, Fingerprint: fingerprint, RawEvents: refs(stream, raw...), ReopenPolicy: alert.PolicyNew})
	return alert.FingerprintID(fingerprint)
}

func (e *env) closeAlert(tenantID, id string, evidence ...eventstore.EventID) {
	e.t.Helper()
	e.alert(alert.Close{Meta: e.meta(tenantID), AlertID: id, Resolution: "handled", Verdict: alert.VerdictTruePositive, EvidenceEventIDs: strs(evidence...)})
}

func (e *env) open(tenantID, inc string, alerts ...string) {
	e.t.Helper()
	e.incident(incident.Open{Meta: e.meta(tenantID), IncidentID: inc, Title: "Root login from the internet", Severity: domain.SeverityHigh, Alerts: alerts})
}

func (e *env) closeIncident(tenantID, inc string) {
	e.t.Helper()
	e.incident(incident.ChangeStatus{Meta: e.meta(tenantID), IncidentID: inc, Status: incident.StatusClosed, Reason: "false alarm"})
}

// end returns the position of the end of the log.
func (e *env) end() eventstore.Position {
	e.t.Helper()
	pos := eventstore.Start
	for {
		page, err := e.st.ReadAll(context.Background(), pos, 0, eventstore.Filter{})
		if err != nil {
			e.t.Fatal(err)
		}
		pos = page.Checkpoint
		if page.AtEnd {
			return pos
		}
	}
}

// holds waits for the projection to apply the whole log and returns the
// predicate.
func (e *env) holds() func(string, eventstore.EventID) bool {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := e.p.Holds(ctx, e.end())
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// check fails unless the predicate holds exactly the IDs of want among all
// (events of stream).
func (e *env) check(step, stream string, all []eventstore.EventID, want ...eventstore.EventID) {
	e.t.Helper()
	h := e.holds()
	for i, id := range all {
		wantHeld := false
		for _, w := range want {
			wantHeld = wantHeld || w == id
		}
		if got := h(stream, id); got != wantHeld {
			e.t.Errorf("%s: event %d of %s held %v, want %v", step, i, stream, got, wantHeld)
		}
	}
}

const fw = "log-acme.fw01"

func TestOpenAlertHoldsItsRawEvents(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 4)
	e.check("before any alert", fw, ev)
	e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0], ev[1])
	e.check("raised", fw, ev, ev[0], ev[1])
	if s := e.p.Stats(); s.OpenAlerts != 1 || s.HeldEventIDs != 2 || s.TrackedAlerts != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestRecurrenceAddsRawEvents(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.raise("acme", "ssh-root|10.0.0.5", fw, ev[1])
	e.check("recurred", fw, ev, ev[0], ev[1])
}

func TestEvidenceOfAnOpenAlertIsHeld(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.alert(alert.SetVerdict{Meta: e.meta("acme"), AlertID: id, Verdict: alert.VerdictTruePositive, EvidenceEventIDs: strs(ev[2])})
	e.check("verdict with evidence", fw, ev, ev[0], ev[2])
	// A later verdict does not drop the earlier evidence.
	e.alert(alert.SetVerdict{Meta: e.meta("acme"), AlertID: id, Verdict: alert.VerdictBenignPositive, Reason: "admin maintenance", EvidenceEventIDs: strs(ev[1])})
	e.check("second verdict", fw, ev, ev...)
}

func TestClosedAlertReleasesItsEvents(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0], ev[1])
	e.closeAlert("acme", id, ev[2])
	e.check("closed", fw, ev)
	if s := e.p.Stats(); s.OpenAlerts != 0 || s.TrackedAlerts != 0 || s.HeldEventIDs != 0 {
		t.Errorf("a closed alert is still tracked: %+v", s)
	}
}

func TestReopenedAlertHoldsItsEventsAgain(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.closeAlert("acme", id, ev[1])
	e.check("closed", fw, ev)
	e.alert(alert.Reopen{Meta: e.meta("acme"), AlertID: id, Reason: "the host was compromised after all"})
	e.check("reopened", fw, ev, ev[0], ev[1])
}

func TestNewOccurrenceOfAClosedAlertHoldsItsWholeStream(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.closeAlert("acme", id)
	e.check("closed", fw, ev)
	e.raise("acme", "ssh-root|10.0.0.5", fw, ev[2]) // PolicyNew: a new occurrence
	e.check("raised again", fw, ev, ev[0], ev[2])
}

func TestAlertLinkedToAnOpenIncidentStaysHeldAfterClosing(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.open("acme", "INC-1", id)
	e.closeAlert("acme", id, ev[1])
	e.check("alert closed, incident open", fw, ev, ev[0], ev[1])
	if s := e.p.Stats(); s.OpenAlerts != 0 || s.TrackedAlerts != 1 || s.OpenIncidents != 1 {
		t.Errorf("stats %+v", s)
	}
	e.closeIncident("acme", "INC-1")
	e.check("incident closed", fw, ev)
	if s := e.p.Stats(); s.TrackedAlerts != 0 || s.TrackedIncidents != 0 || s.OpenIncidents != 0 {
		t.Errorf("stats after closing %+v", s)
	}
}

func TestClosedAlertLinkedLaterIsHeldAgain(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.closeAlert("acme", id, ev[1])
	e.check("closed", fw, ev)
	e.open("acme", "INC-1")
	e.incident(incident.LinkAlert{Meta: e.meta("acme"), IncidentID: "INC-1", Alert: id, Reason: "same attacker"})
	e.check("linked after closing", fw, ev, ev[0], ev[1])
	e.incident(incident.UnlinkAlert{Meta: e.meta("acme"), IncidentID: "INC-1", Alert: id, Reason: "not related"})
	e.check("unlinked", fw, ev)
}

func TestAlertLinkedBeforeItIsRaised(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 2)
	id := alert.FingerprintID("ssh-root|10.0.0.5")
	e.open("acme", "INC-1", id)
	e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.closeAlert("acme", id)
	e.check("raised after the link, closed", fw, ev, ev[0])
}

func TestClosedIncidentReleasesAndReopenedIncidentHoldsAgain(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 2)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.open("acme", "INC-1", id)
	e.closeAlert("acme", id)
	e.closeIncident("acme", "INC-1")
	e.check("closed", fw, ev)
	e.incident(incident.Reopen{Meta: e.meta("acme"), IncidentID: "INC-1", Reason: "new findings"})
	e.check("incident reopened", fw, ev, ev[0])
	if s := e.p.Stats(); s.OpenIncidents != 1 || s.TrackedAlerts != 1 || s.OpenAlerts != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestIncidentHoldKeepsItsAlertsAfterClosing(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.open("acme", "INC-1", id)
	e.incident(incident.PlaceLegalHold{Meta: e.meta("acme"), IncidentID: "INC-1", Reason: "criminal complaint"})
	e.closeAlert("acme", id, ev[1])
	e.closeIncident("acme", "INC-1")
	e.check("closed, on hold", fw, ev, ev[0], ev[1])
	if s := e.p.Stats(); s.HeldIncidents != 1 || s.OpenIncidents != 0 || s.TrackedIncidents != 1 {
		t.Errorf("stats %+v", s)
	}
	e.incident(incident.ReleaseLegalHold{Meta: e.meta("acme"), IncidentID: "INC-1", Reason: "proceedings closed"})
	e.check("released", fw, ev)
	if s := e.p.Stats(); s.HeldIncidents != 0 || s.TrackedIncidents != 0 {
		t.Errorf("stats after release %+v", s)
	}
}

func TestHoldPlacedOnAClosedIncident(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 3)
	a := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	b := e.raise("acme", "ssh-root|10.0.0.6", fw, ev[1])
	e.open("acme", "INC-1", a, b)
	e.incident(incident.UnlinkAlert{Meta: e.meta("acme"), IncidentID: "INC-1", Alert: b})
	e.closeAlert("acme", a, ev[2])
	e.closeAlert("acme", b)
	e.closeIncident("acme", "INC-1")
	e.check("closed", fw, ev)
	e.incident(incident.PlaceLegalHold{Meta: e.meta("acme"), IncidentID: "INC-1", Reason: "litigation", Reference: "LIT-1"})
	e.check("hold placed after closing: the linked alert only", fw, ev, ev[0], ev[2])
}

func TestTenantHoldHoldsEveryLogEventOfTheTenant(t *testing.T) {
	t.Parallel()
	e := running(t)
	acme := e.logs(fw, 2)
	dc := e.logs("log-acme.dc01", 1)
	globex := e.logs("log-globex.fw01", 1)
	e.tenant(tenant.Create{Meta: e.meta("acme"), Name: "Acme Bank AG", Profile: tenant.Profile{MemberState: "DE"}})
	e.tenant(tenant.PlaceLegalHold{Meta: e.meta("acme"), Reason: "litigation hold", Reference: "LIT-2026-014"})
	e.check("tenant on hold", fw, acme, acme...)
	e.check("tenant on hold, other source", "log-acme.dc01", dc, dc...)
	e.check("other tenant", "log-globex.fw01", globex)
	if s := e.p.Stats(); s.HeldTenants != 1 {
		t.Errorf("stats %+v", s)
	}
	e.tenant(tenant.ReleaseLegalHold{Meta: e.meta("acme"), Reason: "settled"})
	e.check("released", fw, acme)
	if s := e.p.Stats(); s.HeldTenants != 0 {
		t.Errorf("stats after release %+v", s)
	}
}

func TestReferencesCountInTheAlertsTenantOnly(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 1)
	e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	h := e.holds()
	if !h(fw, ev[0]) || !h("log-acme.other", ev[0]) {
		t.Error("the referenced ID is not held in its tenant")
	}
	if h("log-globex.fw01", ev[0]) {
		t.Error("an ID referenced by acme's alert holds globex's event")
	}
	if h("nodash", ev[0]) {
		t.Error("a stream without a tenant is held")
	}
}

func TestMergeKeepsAlertsHeldBetweenTheTwoCommands(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 2)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.open("acme", "INC-1", id)
	e.open("acme", "INC-2")
	e.closeAlert("acme", id)
	e.incident(incident.MergeInto{Meta: e.meta("acme"), IncidentID: "INC-1", Target: "INC-2", Reason: "duplicate"})
	e.check("merged, not yet received", fw, ev, ev[0])
	e.incident(incident.ReceiveMerge{Meta: e.meta("acme"), IncidentID: "INC-2", Source: "INC-1", Alerts: []string{id}})
	e.check("received", fw, ev, ev[0])
	if s := e.p.Stats(); s.TrackedIncidents != 1 || s.OpenIncidents != 1 {
		t.Errorf("the merged incident is still tracked: %+v", s)
	}
	e.closeIncident("acme", "INC-2")
	e.check("target closed", fw, ev)
	// A hold on the merged incident covers the alerts it had.
	e.incident(incident.PlaceLegalHold{Meta: e.meta("acme"), IncidentID: "INC-1", Reason: "litigation"})
	e.check("hold on the merged incident", fw, ev, ev[0])
}

func TestMergeReceivedBeforeTheMove(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 1)
	id := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.open("acme", "INC-1", id)
	e.open("acme", "INC-2")
	e.closeAlert("acme", id)
	e.incident(incident.ReceiveMerge{Meta: e.meta("acme"), IncidentID: "INC-2", Source: "INC-1", Alerts: []string{id}})
	e.incident(incident.MergeInto{Meta: e.meta("acme"), IncidentID: "INC-1", Target: "INC-2"})
	e.check("merged", fw, ev, ev[0])
	if s := e.p.Stats(); s.TrackedIncidents != 1 {
		t.Errorf("the merged incident waits for a receipt already recorded: %+v", s)
	}
	e.closeIncident("acme", "INC-2")
	e.check("target closed", fw, ev)
}

func TestSplitMovesAlertsToTheChild(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 2)
	a := e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	b := e.raise("acme", "phish|mail01", fw, ev[1])
	e.open("acme", "INC-1", a, b)
	e.closeAlert("acme", a)
	e.closeAlert("acme", b)
	e.incident(incident.Split{Meta: e.meta("acme"), IncidentID: "INC-1", Child: "INC-2", Alerts: []string{b}, Reason: "phishing wave"})
	e.closeIncident("acme", "INC-1")
	// Until the child records the split, the closed parent stays tracked
	// and keeps covering what it covers.
	e.check("parent closed before the child opened", fw, ev, ev...)
	e.incident(incident.OpenSplit{Meta: e.meta("acme"), IncidentID: "INC-2", Parent: "INC-1", Title: "Phishing wave", Severity: domain.SeverityMedium, Alerts: []string{b}})
	e.check("child opened", fw, ev, ev[1])
	e.closeIncident("acme", "INC-2")
	e.check("child closed", fw, ev)
}

// TestHoldsWaitsForUpTo: Holds called before Run starts returns only once
// Run has applied the log up to upTo, and sees the alert recorded just
// before.
func TestHoldsWaitsForUpTo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ev := e.logs(fw, 2)
	e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	_, upTo := e.log(fw) // the end of the log is a log event: a checkpoint reaches it
	type result struct {
		h   func(string, eventstore.EventID) bool
		err error
	}
	got := make(chan result, 1)
	go func() {
		h, err := e.p.Holds(context.Background(), upTo)
		got <- result{h, err}
	}()
	select {
	case r := <-got:
		t.Fatalf("Holds returned before Run started: %v", r.err)
	case <-time.After(50 * time.Millisecond):
	}
	e.run()
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !r.h(fw, ev[0]) || r.h(fw, ev[1]) {
			t.Error("the predicate does not reflect the alert raised before upTo")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Holds did not return")
	}
	if s := e.p.Stats(); s.Applied.Less(upTo) {
		t.Errorf("applied %s < upTo %s", s.Applied, upTo)
	}
}

// TestHoldsRacingAppends: while log events keep being appended, Holds
// called for the position an alert was just recorded at always sees it.
func TestHoldsRacingAppends(t *testing.T) {
	t.Parallel()
	e := running(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stopLogs := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // log noise: checkpoints keep moving
		for {
			select {
			case <-stopLogs:
				return
			default:
				e.log("log-acme.noise")
			}
		}
	})
	for i := range 20 {
		// The projection is usually behind the append when Holds is called.
		raw, _ := e.log(fw)
		pos := e.alert(alert.Raise{Meta: e.meta("acme"), Source: "sigma", RuleID: "r", RuleTitle: "Rule", Severity: domain.SeverityLow,
			Fingerprint: fmt.Sprintf("fp-%d", i), RawEvents: refs(fw, raw), ReopenPolicy: alert.PolicyNew})
		h, err := e.p.Holds(ctx, pos)
		if err != nil {
			t.Fatal(err)
		}
		if !h(fw, raw) {
			t.Fatalf("alert %d recorded at %s is not seen by Holds(%s)", i, pos, pos)
		}
	}
	close(stopLogs)
	wg.Wait()
}

func TestHoldsFailsOnceRunStopped(t *testing.T) {
	t.Parallel()
	e := running(t)
	e.logs(fw, 1)
	e.holds()
	if err := e.stop(); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	_, later := e.log(fw)
	_, err := e.p.Holds(context.Background(), later)
	if !errors.Is(err, legalhold.ErrStopped) {
		t.Fatalf("Holds after Run returned: %v, want ErrStopped", err)
	}
	// What was applied is still answered at once.
	if _, err := e.p.Holds(context.Background(), eventstore.Start); err != nil {
		t.Fatalf("Holds(Start): %v", err)
	}
}

func TestHoldsFailsWhenCtxEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // never run
	_, pos := e.log(fw)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := e.p.Holds(ctx, pos); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Holds with a deadline: %v", err)
	}
}

func TestRunResumesWhereItStopped(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 2)
	e.raise("acme", "ssh-root|10.0.0.5", fw, ev[0])
	e.check("first run", fw, ev, ev[0])
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	e.raise("acme", "ssh-root|10.0.0.6", fw, ev[1])
	e.restart()
	e.check("second run", fw, ev, ev...)
	if s := e.p.Stats(); s.OpenAlerts != 2 {
		t.Errorf("stats %+v: an event applied twice or missed", s)
	}
}

func TestRunTwiceAtOnceFails(t *testing.T) {
	t.Parallel()
	e := running(t)
	e.logs(fw, 1)
	e.holds() // the first Run is running: it applied the log event
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.p.Run(ctx); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second Run: %v", err)
	}
}

func TestUndecodableEventStopsRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stream := alert.Stream("acme", alert.FingerprintID("x"))
	if _, err := e.st.Append(context.Background(), stream, eventstore.Any, eventstore.EventData{
		Type: "alert.exploded", Data: []byte(`{}`), Metadata: []byte(`{"schema":1}`)}); err != nil {
		t.Fatal(err)
	}
	err := e.p.Run(context.Background())
	var de *eventstore.DecodeError
	if !errors.As(err, &de) || de.Stream != stream || de.Revision != 0 || !errors.Is(err, domain.ErrUnknownEventType) {
		t.Fatalf("Run: %v, want a decode error of %s revision 0", err, stream)
	}
	if !strings.Contains(err.Error(), stream) {
		t.Errorf("the error does not name the stream: %v", err)
	}
	if _, err := e.p.Holds(context.Background(), e.end()); !errors.Is(err, legalhold.ErrStopped) || !errors.As(err, &de) {
		t.Errorf("Holds after a failed Run: %v", err)
	}
}

func TestRunEndsWhenTheStoreCloses(t *testing.T) {
	t.Parallel()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := legalhold.New(st)
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background()) }()
	if _, err := p.Holds(context.Background(), eventstore.Start); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Fatalf("Run after Close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the store closed")
	}
}

// TestPredicateWhileRunApplies calls the predicate from several goroutines
// while Run applies alerts being raised and closed (run with -race).
func TestPredicateWhileRunApplies(t *testing.T) {
	t.Parallel()
	e := running(t)
	ev := e.logs(fw, 20)
	h := e.holds()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, id := range ev {
					h(fw, id)
				}
				_ = e.p.Stats()
			}
		})
	}
	for i, id := range ev {
		a := e.raise("acme", fmt.Sprintf("fp-%d", i), fw, id)
		if i%2 == 0 {
			e.closeAlert("acme", a)
		}
	}
	close(stop)
	wg.Wait()
	var want []eventstore.EventID
	for i, id := range ev {
		if i%2 == 1 {
			want = append(want, id)
		}
	}
	e.check("half closed", fw, ev, want...)
}
