package alert_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/alert"
	"github.com/socledger/socledger/domain/domaintest"
)

const (
	tenant = "acme"
	fp     = "0e0e6f2b-4c7e-4f7a-9b0e-3f1a2c5d6e7f|Image=C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe|Computer=WS-0142"
	ev1    = "3b1f8a52-7c1e-5d7a-9f00-1c2d3e4f5a6b"
	ev2    = "9a8b7c6d-5e4f-5a3b-8c2d-1e0f2a3b4c5d"
	ev3    = "c4d5e6f7-0a1b-5c2d-9e3f-4a5b6c7d8e9f"
	inc1   = "INC-2026-0042"
)

var (
	id = alert.FingerprintID(fp)
	t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

func at(d time.Duration) time.Time { return t0.Add(d) }

func meta(when time.Time) domain.Meta {
	return domain.Meta{CommandID: "cmd-" + when.Format(time.RFC3339Nano), Tenant: tenant, Actor: "user:alice", At: when}
}

func ref(eventID string) alert.EventRef {
	return alert.EventRef{Stream: "log-acme.ws-0142", EventID: eventID}
}

// raise is a valid Raise at when under the reopen policy with a one-hour
// window.
func raise(when time.Time, refs ...alert.EventRef) alert.Raise {
	return alert.Raise{
		Meta:         meta(when),
		Source:       "sigma",
		RuleID:       "0e0e6f2b-4c7e-4f7a-9b0e-3f1a2c5d6e7f",
		RuleTitle:    "Suspicious Encoded PowerShell Command Line",
		Severity:     domain.SeverityHigh,
		Fingerprint:  fp,
		Observables:  []alert.Observable{{Type: "host", Value: "WS-0142"}, {Type: "user", Value: `ACME\jdoe`}},
		Techniques:   []string{"T1059.001", "T1027"},
		RawEvents:    refs,
		DedupWindow:  time.Hour,
		ReopenPolicy: alert.PolicyReopen,
	}
}

// raised is the event of raise(when, refs...) as occurrence occurrence.
func raised(when time.Time, occurrence int, refs ...alert.EventRef) alert.Raised {
	if refs == nil {
		refs = []alert.EventRef{}
	}
	return alert.Raised{
		AlertID:     id,
		Fingerprint: fp,
		Occurrence:  occurrence,
		Source:      "sigma",
		RuleID:      "0e0e6f2b-4c7e-4f7a-9b0e-3f1a2c5d6e7f",
		RuleTitle:   "Suspicious Encoded PowerShell Command Line",
		Severity:    domain.SeverityHigh,
		Observables: []alert.Observable{{Type: "host", Value: "WS-0142"}, {Type: "user", Value: `ACME\jdoe`}},
		Techniques:  []string{"T1027", "T1059.001"},
		RawEvents:   refs,
		At:          when,
	}
}

func recurred(count int, lastSeen, when time.Time, refs ...alert.EventRef) alert.Recurred {
	if refs == nil {
		refs = []alert.EventRef{}
	}
	return alert.Recurred{Count: count, LastSeen: lastSeen, RawEvents: refs, At: when}
}

func verdict(v alert.Verdict, reason string, when time.Time, evidence ...string) alert.VerdictSet {
	if evidence == nil {
		evidence = []string{}
	}
	return alert.VerdictSet{Verdict: v, Reason: reason, EvidenceEventIDs: evidence, At: when}
}

func with[T any](v T, edit func(*T)) T {
	edit(&v)
	return v
}

// closedAlert is the history of an alert raised at t0, given a benign
// verdict and closed at t0+10m.
func closedAlert() []alert.Event {
	return []alert.Event{
		raised(t0, 1, ref(ev1)),
		verdict(alert.VerdictBenignPositive, "admin script", at(5*time.Minute)),
		alert.Closed{Resolution: "Scheduled admin script.", Verdict: alert.VerdictBenignPositive, At: at(10 * time.Minute)},
	}
}

// decideTest is one given / when / then row.
type decideTest = domaintest.Row[alert.Command, alert.Event]

func TestRaise(t *testing.T) {
	t.Parallel()
	domaintest.RunDecider(t, alert.Decider, []decideTest{
		{
			Name: "first fire raises occurrence 1 with techniques sorted and repeats dropped",
			When: with(raise(t0, ref(ev1), ref(ev1)), func(r *alert.Raise) {
				r.Techniques = []string{"t1059.001", "T1027", "T1059.001"}
				r.Observables = append(r.Observables, alert.Observable{Type: "HOST", Value: " WS-0142 "})
			}),
			Want: []alert.Event{raised(t0, 1, ref(ev1))},
		},
		{
			Name: "times are recorded in UTC",
			When: raise(t0.In(time.FixedZone("CET", 3600))),
			Want: []alert.Event{raised(t0, 1)},
		},
		{
			Name:  "a fire of an open alert records a recurrence",
			Given: []alert.Event{raised(t0, 1, ref(ev1))},
			When:  raise(at(time.Minute), ref(ev2)),
			Want:  []alert.Event{recurred(2, at(time.Minute), at(time.Minute), ref(ev2))},
		},
		{
			Name:  "a fire of an open alert recurs even after the dedup window",
			Given: []alert.Event{raised(t0, 1), alert.Acknowledged{At: at(time.Minute)}},
			When:  raise(at(48 * time.Hour)),
			Want:  []alert.Event{recurred(2, at(48*time.Hour), at(48*time.Hour))},
		},
		{
			Name:  "a late log keeps the later last seen",
			Given: []alert.Event{raised(t0, 1), recurred(2, at(time.Hour), at(time.Hour))},
			When:  raise(at(time.Minute), ref(ev3)),
			Want:  []alert.Event{recurred(3, at(time.Hour), at(time.Minute), ref(ev3))},
		},
		{
			Name: "a fire of a suppressed alert counts and does not unsuppress",
			Given: []alert.Event{raised(t0, 1),
				alert.Suppressed{Until: at(24 * time.Hour), Reason: "maintenance", At: at(time.Minute)}},
			When: raise(at(time.Hour)),
			Want: []alert.Event{recurred(2, at(time.Hour), at(time.Hour))},
		},
		{
			Name:  "a fire of an escalated alert recurs",
			Given: []alert.Event{raised(t0, 1), alert.Escalated{IncidentID: inc1, At: at(time.Minute)}},
			When:  raise(at(time.Hour)),
			Want:  []alert.Event{recurred(2, at(time.Hour), at(time.Hour))},
		},
		{
			Name:  "reopen policy: a fire within the dedup window after closure reopens and recurs",
			Given: closedAlert(),
			When:  raise(at(40*time.Minute), ref(ev2)),
			Want: []alert.Event{
				alert.Reopened{Trigger: alert.TriggerRefire, At: at(40 * time.Minute),
					Reason: "the fingerprint fired again within the dedup window (1h0m0s) after the closure"},
				recurred(2, at(40*time.Minute), at(40*time.Minute), ref(ev2)),
			},
		},
		{
			Name:  "reopen policy: a fire at the end of the dedup window still reopens",
			Given: closedAlert(),
			When:  raise(at(70 * time.Minute)),
			Want: []alert.Event{
				alert.Reopened{Trigger: alert.TriggerRefire, At: at(70 * time.Minute),
					Reason: "the fingerprint fired again within the dedup window (1h0m0s) after the closure"},
				recurred(2, at(70*time.Minute), at(70*time.Minute)),
			},
		},
		{
			Name:  "reopen policy: a later fire starts a new occurrence",
			Given: closedAlert(),
			When:  raise(at(71*time.Minute), ref(ev2)),
			Want:  []alert.Event{raised(at(71*time.Minute), 2, ref(ev2))},
		},
		{
			Name:  "new policy: any fire of a closed alert starts a new occurrence",
			Given: closedAlert(),
			When:  with(raise(at(11*time.Minute)), func(r *alert.Raise) { r.ReopenPolicy = alert.PolicyNew; r.DedupWindow = 0 }),
			Want:  []alert.Event{raised(at(11*time.Minute), 2)},
		},
		{
			Name: "occurrences keep counting",
			Given: append(closedAlert(), raised(at(2*time.Hour), 2),
				alert.Closed{Resolution: "Again the admin script.", Verdict: alert.VerdictBenignPositive, At: at(3 * time.Hour)}),
			When: raise(at(5 * time.Hour)),
			Want: []alert.Event{raised(at(5*time.Hour), 3)},
		},
		{
			Name:    "a fingerprint that differs from the alert's is a conflict",
			Given:   []alert.Event{with(raised(t0, 1), func(r *alert.Raised) { r.Fingerprint = "other" })},
			When:    raise(at(time.Minute)),
			WantErr: domain.ErrConflict,
		},
		{Name: "raise validates severity", When: with(raise(t0), func(r *alert.Raise) { r.Severity = "urgent" }), WantField: "severity"},
		{Name: "raise needs a fingerprint", When: with(raise(t0), func(r *alert.Raise) { r.Fingerprint = "" }), WantField: "fingerprint"},
		{Name: "raise rejects a fingerprint that is not UTF-8", When: with(raise(t0), func(r *alert.Raise) { r.Fingerprint = "rule|\xff" }), WantField: "fingerprint"},
		{Name: "raise needs a rule ID", When: with(raise(t0), func(r *alert.Raise) { r.RuleID = "  " }), WantField: "ruleId"},
		{Name: "raise needs a rule title", When: with(raise(t0), func(r *alert.Raise) { r.RuleTitle = "" }), WantField: "ruleTitle"},
		{Name: "raise needs a source", When: with(raise(t0), func(r *alert.Raise) { r.Source = "" }), WantField: "source"},
		{
			Name:      "raise validates technique IDs",
			When:      with(raise(t0), func(r *alert.Raise) { r.Techniques = []string{"T1059", "attack.t1059"} }),
			WantField: "techniques[1]",
		},
		{
			Name:      "raise rejects a sub-technique of the wrong form",
			When:      with(raise(t0), func(r *alert.Raise) { r.Techniques = []string{"T1059.1"} }),
			WantField: "techniques[0]",
		},
		{
			Name:      "raise validates observable types",
			When:      with(raise(t0), func(r *alert.Raise) { r.Observables = []alert.Observable{{Type: "ip address", Value: "10.0.0.1"}} }),
			WantField: "observables[0].type",
		},
		{
			Name:      "raise needs observable values",
			When:      with(raise(t0), func(r *alert.Raise) { r.Observables = []alert.Observable{{Type: "ip", Value: ""}} }),
			WantField: "observables[0].value",
		},
		{
			Name:      "raw events must be of the command's tenant",
			When:      raise(t0, ref(ev1), alert.EventRef{Stream: "log-globex.fw01", EventID: ev2}),
			WantField: "rawEvents[1].stream",
		},
		{
			Name:      "raw event IDs are UUIDs",
			When:      raise(t0, alert.EventRef{Stream: "log-acme.fw01", EventID: "42"}),
			WantField: "rawEvents[0].eventId",
		},
		{Name: "raise needs a reopen policy", When: with(raise(t0), func(r *alert.Raise) { r.ReopenPolicy = "" }), WantField: "reopenPolicy"},
		{Name: "the dedup window is not negative", When: with(raise(t0), func(r *alert.Raise) { r.DedupWindow = -time.Minute }), WantField: "dedupWindow"},
		{Name: "the reopen policy needs a dedup window", When: with(raise(t0), func(r *alert.Raise) { r.DedupWindow = 0 }), WantField: "dedupWindow"},
		{Name: "raise validates the command meta", When: with(raise(t0), func(r *alert.Raise) { r.Actor = "" }), WantField: "actor"},
	})
}

func TestTriage(t *testing.T) {
	t.Parallel()
	open := []alert.Event{raised(t0, 1, ref(ev1))}
	m := meta(at(time.Hour))
	domaintest.RunDecider(t, alert.Decider, []decideTest{
		// Acknowledge.
		{Name: "acknowledge", Given: open, When: alert.Acknowledge{Meta: m, AlertID: id},
			Want: []alert.Event{alert.Acknowledged{At: at(time.Hour)}}},
		{Name: "acknowledging twice is a no-op", Given: append(open, alert.Acknowledged{At: at(time.Minute)}),
			When: alert.Acknowledge{Meta: m, AlertID: id}},
		{Name: "acknowledging a closed alert is ErrClosed", Given: closedAlert(),
			When: alert.Acknowledge{Meta: m, AlertID: id}, WantErr: alert.ErrClosed},
		{Name: "commands on an alert never raised are not found",
			When: alert.Acknowledge{Meta: m, AlertID: id}, WantErr: domain.ErrNotFound},
		{Name: "the alert ID is a fingerprint ID", Given: open,
			When: alert.Acknowledge{Meta: m, AlertID: "ALERT-1"}, WantField: "alertId"},
		{Name: "a command for another alert than the state's is a conflict", Given: open,
			When: alert.Acknowledge{Meta: m, AlertID: alert.FingerprintID("other")}, WantErr: domain.ErrConflict},

		// Assign and unassign.
		{Name: "assign", Given: open, When: alert.Assign{Meta: m, AlertID: id, Assignee: "user:bob"},
			Want: []alert.Event{alert.Assigned{Assignee: "user:bob", At: at(time.Hour)}}},
		{Name: "assigning the assignee is a no-op", Given: append(open, alert.Assigned{Assignee: "user:bob", At: t0}),
			When: alert.Assign{Meta: m, AlertID: id, Assignee: "user:bob"}},
		{Name: "reassign", Given: append(open, alert.Assigned{Assignee: "user:bob", At: t0}),
			When: alert.Assign{Meta: m, AlertID: id, Assignee: "team:tier2"},
			Want: []alert.Event{alert.Assigned{Assignee: "team:tier2", At: at(time.Hour)}}},
		{Name: "assign needs an assignee", Given: open, When: alert.Assign{Meta: m, AlertID: id}, WantField: "assignee"},
		{Name: "an assignee has no spaces", Given: open, When: alert.Assign{Meta: m, AlertID: id, Assignee: "bob smith"}, WantField: "assignee"},
		{Name: "assigning a closed alert is ErrClosed", Given: closedAlert(),
			When: alert.Assign{Meta: m, AlertID: id, Assignee: "user:bob"}, WantErr: alert.ErrClosed},
		{Name: "unassign names the former assignee", Given: append(open, alert.Assigned{Assignee: "user:bob", At: t0}),
			When: alert.Unassign{Meta: m, AlertID: id},
			Want: []alert.Event{alert.Unassigned{Assignee: "user:bob", At: at(time.Hour)}}},
		{Name: "unassigning an unassigned alert is a no-op", Given: open, When: alert.Unassign{Meta: m, AlertID: id}},
		{Name: "unassigning a closed alert is ErrClosed", Given: closedAlert(),
			When: alert.Unassign{Meta: m, AlertID: id}, WantErr: alert.ErrClosed},

		// Comment.
		{Name: "comment", Given: open, When: alert.Comment{Meta: m, AlertID: id, Text: " Host isolated.\nUser contacted. "},
			Want: []alert.Event{alert.Commented{Text: "Host isolated.\nUser contacted.", At: at(time.Hour)}}},
		{Name: "a closed alert can be commented", Given: closedAlert(), When: alert.Comment{Meta: m, AlertID: id, Text: "Confirmed with IT."},
			Want: []alert.Event{alert.Commented{Text: "Confirmed with IT.", At: at(time.Hour)}}},
		{Name: "a comment needs text", Given: open, When: alert.Comment{Meta: m, AlertID: id, Text: " "}, WantField: "text"},
		{Name: "a comment has no control characters", Given: open, When: alert.Comment{Meta: m, AlertID: id, Text: "a\x00b"}, WantField: "text"},
		{Name: "commenting an alert never raised is not found", When: alert.Comment{Meta: m, AlertID: id, Text: "x"}, WantErr: domain.ErrNotFound},

		// Verdict.
		{Name: "true positive needs no reason", Given: open,
			When: alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, EvidenceEventIDs: []string{strings.ToUpper(ev1), ev1}},
			Want: []alert.Event{verdict(alert.VerdictTruePositive, "", at(time.Hour), ev1)}},
		{Name: "false positive without a reason is a field error on reason", Given: open,
			When: alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictFalsePositive, Reason: "  "}, WantField: "reason"},
		{Name: "false positive with a reason", Given: open,
			When: alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictFalsePositive, Reason: "Rule matches the backup agent."},
			Want: []alert.Event{verdict(alert.VerdictFalsePositive, "Rule matches the backup agent.", at(time.Hour))}},
		{Name: "an unknown verdict is a field error", Given: open,
			When: alert.SetVerdict{Meta: m, AlertID: id, Verdict: "malicious"}, WantField: "verdict"},
		{Name: "evidence event IDs are UUIDs", Given: open,
			When:      alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, EvidenceEventIDs: []string{"evt-1"}},
			WantField: "evidenceEventIds[0]"},
		{Name: "changing a verdict without a reason is a conflict",
			Given: append(open, verdict(alert.VerdictUndetermined, "", t0)),
			When:  alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive}, WantErr: domain.ErrConflict},
		{Name: "changing a verdict with a reason names the previous one",
			Given: append(open, verdict(alert.VerdictUndetermined, "", t0)),
			When:  alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, Reason: "EDR confirmed execution."},
			Want: []alert.Event{with(verdict(alert.VerdictTruePositive, "EDR confirmed execution.", at(time.Hour)),
				func(v *alert.VerdictSet) { v.Previous = alert.VerdictUndetermined })}},
		{Name: "naming the current verdict alone is a no-op",
			Given: append(open, verdict(alert.VerdictTruePositive, "EDR confirmed.", t0, ev1)),
			When:  alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive}},
		{Name: "repeating verdict, reason and evidence is a no-op",
			Given: append(open, verdict(alert.VerdictTruePositive, "EDR confirmed.", t0, ev1)),
			When:  alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, Reason: "EDR confirmed.", EvidenceEventIDs: []string{ev1}}},
		{Name: "setting a verdict on a closed alert is ErrClosed", Given: closedAlert(),
			When: alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, Reason: "x"}, WantErr: alert.ErrClosed},

		// Suppress and unsuppress.
		{Name: "suppress", Given: open,
			When: alert.Suppress{Meta: m, AlertID: id, Until: at(25 * time.Hour), Reason: "Patch window on WS-0142."},
			Want: []alert.Event{alert.Suppressed{Until: at(25 * time.Hour), Reason: "Patch window on WS-0142.", At: at(time.Hour)}}},
		{Name: "suppress needs a future until", Given: open,
			When: alert.Suppress{Meta: m, AlertID: id, Until: at(time.Hour), Reason: "x"}, WantField: "until"},
		{Name: "suppress until in the past is a field error", Given: open,
			When: alert.Suppress{Meta: m, AlertID: id, Until: t0, Reason: "x"}, WantField: "until"},
		{Name: "suppress needs an until", Given: open,
			When: alert.Suppress{Meta: m, AlertID: id, Reason: "x"}, WantField: "until"},
		{Name: "suppress needs a reason", Given: open,
			When: alert.Suppress{Meta: m, AlertID: id, Until: at(2 * time.Hour)}, WantField: "reason"},
		{Name: "suppressing again the same way is a no-op",
			Given: append(open, alert.Suppressed{Until: at(25 * time.Hour), Reason: "Patch window.", At: t0}),
			When:  alert.Suppress{Meta: m, AlertID: id, Until: at(25 * time.Hour), Reason: "Patch window."}},
		{Name: "extending a suppression records it",
			Given: append(open, alert.Suppressed{Until: at(25 * time.Hour), Reason: "Patch window.", At: t0}),
			When:  alert.Suppress{Meta: m, AlertID: id, Until: at(49 * time.Hour), Reason: "Patch window."},
			Want:  []alert.Event{alert.Suppressed{Until: at(49 * time.Hour), Reason: "Patch window.", At: at(time.Hour)}}},
		{Name: "suppressing a closed alert is ErrClosed", Given: closedAlert(),
			When: alert.Suppress{Meta: m, AlertID: id, Until: at(2 * time.Hour), Reason: "x"}, WantErr: alert.ErrClosed},
		{Name: "unsuppress", Given: append(open, alert.Suppressed{Until: at(25 * time.Hour), Reason: "x", At: t0}),
			When: alert.Unsuppress{Meta: m, AlertID: id}, Want: []alert.Event{alert.Unsuppressed{At: at(time.Hour)}}},
		{Name: "unsuppressing an alert whose suppression ended is a no-op",
			Given: append(open, alert.Suppressed{Until: at(30 * time.Minute), Reason: "x", At: t0}),
			When:  alert.Unsuppress{Meta: m, AlertID: id}},
		{Name: "unsuppressing an alert never suppressed is a no-op", Given: open, When: alert.Unsuppress{Meta: m, AlertID: id}},
		{Name: "unsuppressing a closed alert is ErrClosed", Given: closedAlert(),
			When: alert.Unsuppress{Meta: m, AlertID: id}, WantErr: alert.ErrClosed},

		// Escalate.
		{Name: "escalate", Given: open, When: alert.Escalate{Meta: m, AlertID: id, IncidentID: inc1},
			Want: []alert.Event{alert.Escalated{IncidentID: inc1, At: at(time.Hour)}}},
		{Name: "escalating again into the same incident is a no-op",
			Given: append(open, alert.Escalated{IncidentID: inc1, At: t0}),
			When:  alert.Escalate{Meta: m, AlertID: id, IncidentID: inc1}},
		{Name: "escalating into another incident is a conflict",
			Given: append(open, alert.Escalated{IncidentID: inc1, At: t0}),
			When:  alert.Escalate{Meta: m, AlertID: id, IncidentID: "INC-2026-0043"}, WantErr: domain.ErrConflict},
		{Name: "escalate needs an incident ID", Given: open,
			When: alert.Escalate{Meta: m, AlertID: id, IncidentID: "INC 1"}, WantField: "incidentId"},
		{Name: "escalating a closed alert is ErrClosed", Given: closedAlert(),
			When: alert.Escalate{Meta: m, AlertID: id, IncidentID: inc1}, WantErr: alert.ErrClosed},
	})
}

func TestCloseAndReopen(t *testing.T) {
	t.Parallel()
	open := []alert.Event{raised(t0, 1, ref(ev1))}
	m := meta(at(time.Hour))
	closed := alert.Closed{Resolution: "Admin script.", Verdict: alert.VerdictBenignPositive, At: at(time.Hour)}
	domaintest.RunDecider(t, alert.Decider, []decideTest{
		{Name: "close under the verdict already set",
			Given: append(open, verdict(alert.VerdictBenignPositive, "", t0)),
			When:  alert.Close{Meta: m, AlertID: id, Resolution: " Admin script. "},
			Want:  []alert.Event{closed}},
		{Name: "close with a verdict records it first", Given: open,
			When: alert.Close{Meta: m, AlertID: id, Resolution: "Admin script.", Verdict: alert.VerdictBenignPositive, Reason: "Known job."},
			Want: []alert.Event{verdict(alert.VerdictBenignPositive, "Known job.", at(time.Hour)), closed}},
		{Name: "close naming the current verdict records only the closure",
			Given: append(open, verdict(alert.VerdictBenignPositive, "Known job.", t0)),
			When:  alert.Close{Meta: m, AlertID: id, Resolution: "Admin script.", Verdict: alert.VerdictBenignPositive},
			Want:  []alert.Event{closed}},
		{Name: "close without any verdict is a field error on verdict", Given: open,
			When: alert.Close{Meta: m, AlertID: id, Resolution: "Done."}, WantField: "verdict"},
		{Name: "close with a reason but no verdict is a field error on verdict", Given: open,
			When: alert.Close{Meta: m, AlertID: id, Resolution: "Done.", Reason: "x"}, WantField: "verdict"},
		{Name: "close as false positive needs a reason", Given: open,
			When: alert.Close{Meta: m, AlertID: id, Resolution: "Done.", Verdict: alert.VerdictFalsePositive}, WantField: "reason"},
		{Name: "close changing the verdict needs a reason",
			Given: append(open, verdict(alert.VerdictTruePositive, "", t0)),
			When:  alert.Close{Meta: m, AlertID: id, Resolution: "Done.", Verdict: alert.VerdictBenignPositive}, WantErr: domain.ErrConflict},
		{Name: "close needs a resolution", Given: append(open, verdict(alert.VerdictTruePositive, "", t0)),
			When: alert.Close{Meta: m, AlertID: id}, WantField: "resolution"},
		{Name: "closing a closed alert is a no-op", Given: closedAlert(),
			When: alert.Close{Meta: m, AlertID: id, Resolution: "Again."}},
		{Name: "closing a closed alert under another verdict is ErrClosed", Given: closedAlert(),
			When: alert.Close{Meta: m, AlertID: id, Resolution: "Again.", Verdict: alert.VerdictTruePositive, Reason: "x"}, WantErr: alert.ErrClosed},
		{Name: "closing an alert never raised is not found",
			When: alert.Close{Meta: m, AlertID: id, Resolution: "Done.", Verdict: alert.VerdictUndetermined}, WantErr: domain.ErrNotFound},

		{Name: "reopen a closed alert", Given: closedAlert(),
			When: alert.Reopen{Meta: m, AlertID: id, Reason: "The same script ran on a server."},
			Want: []alert.Event{alert.Reopened{Trigger: alert.TriggerAnalyst, Reason: "The same script ran on a server.", At: at(time.Hour)}}},
		{Name: "reopen of an open alert is an invalid transition", Given: open,
			When: alert.Reopen{Meta: m, AlertID: id, Reason: "x"}, WantErr: domain.ErrInvalidTransition},
		{Name: "reopen needs a reason", Given: closedAlert(), When: alert.Reopen{Meta: m, AlertID: id}, WantField: "reason"},
		{Name: "reopening an alert never raised is not found", When: alert.Reopen{Meta: m, AlertID: id, Reason: "x"}, WantErr: domain.ErrNotFound},
	})
}

// TestErrorShapes checks the typed errors beyond errors.Is.
func TestErrorShapes(t *testing.T) {
	t.Parallel()
	m := meta(at(time.Hour))
	_, err := alert.Decide(alert.Acknowledge{Meta: m, AlertID: id}, alert.Decider.Fold(alert.State{}, closedAlert()))
	var te *domain.InvalidTransitionError
	if !errors.Is(err, alert.ErrClosed) || !errors.Is(err, domain.ErrInvalidTransition) || !errors.As(err, &te) ||
		te.Aggregate != "alert" || te.From != "closed" || te.To != "acknowledged" {
		t.Errorf("acknowledge closed: %v (%#v)", err, te)
	}

	s := alert.Decider.Fold(alert.State{}, []alert.Event{raised(t0, 1), alert.Acknowledged{At: t0}})
	_, err = alert.Decide(alert.Reopen{Meta: m, AlertID: id, Reason: "x"}, s)
	if !errors.As(err, &te) || te.Aggregate != "alert" || te.From != "acknowledged" || errors.Is(err, alert.ErrClosed) {
		t.Errorf("reopen open: %v (%#v)", err, te)
	}

	s = alert.Decider.Fold(alert.State{}, []alert.Event{raised(t0, 1), alert.Escalated{IncidentID: inc1, At: t0}})
	_, err = alert.Decide(alert.Escalate{Meta: m, AlertID: id, IncidentID: "INC-9"}, s)
	var ae *alert.AlreadyEscalatedError
	if !errors.As(err, &ae) || ae.IncidentID != inc1 || ae.Requested != "INC-9" || !strings.Contains(err.Error(), inc1) {
		t.Errorf("escalate elsewhere: %v", err)
	}
}

func TestFingerprintID(t *testing.T) {
	t.Parallel()
	tests := []struct{ fingerprint, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb924"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223"},
	}
	for _, tt := range tests {
		if got := alert.FingerprintID(tt.fingerprint); got != tt.want {
			t.Errorf("FingerprintID(%q) = %s, want %s", tt.fingerprint, got, tt.want)
		}
	}
	if err := alert.ValidateAlertID(alert.FingerprintID(fp)); err != nil {
		t.Errorf("a FingerprintID is not a valid alert ID: %v", err)
	}
}

func TestStreamOf(t *testing.T) {
	t.Parallel()
	want := "alert-acme." + id
	if got, err := alert.StreamOf(raise(t0)); err != nil || got != want {
		t.Errorf("StreamOf(Raise) = %q, %v, want %q", got, err, want)
	}
	if got, err := alert.StreamOf(alert.Close{Meta: meta(t0), AlertID: id}); err != nil || got != want {
		t.Errorf("StreamOf(Close) = %q, %v, want %q", got, err, want)
	}
	if got := alert.Stream(tenant, id); got != want {
		t.Errorf("Stream = %q", got)
	}
	tests := []struct {
		name  string
		c     alert.Command
		field string
	}{
		{"raise without fingerprint", with(raise(t0), func(r *alert.Raise) { r.Fingerprint = "" }), "fingerprint"},
		{"bad alert ID", alert.Acknowledge{Meta: meta(t0), AlertID: strings.ToUpper(id)}, "alertId"},
		{"no alert ID", alert.Acknowledge{Meta: meta(t0)}, "alertId"},
		{"bad tenant", alert.Acknowledge{Meta: with(meta(t0), func(m *domain.Meta) { m.Tenant = "acme.corp" }), AlertID: id}, "tenant"},
	}
	for _, tt := range tests {
		var fe *domain.FieldError
		if _, err := alert.StreamOf(tt.c); !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%s: %v, want a field error on %s", tt.name, err, tt.field)
		}
	}
}

// TestState folds histories and checks what the queue reads.
func TestState(t *testing.T) {
	t.Parallel()
	s := alert.Decider.Fold(alert.State{}, []alert.Event{
		raised(t0, 1, ref(ev1)),
		recurred(2, at(time.Minute), at(time.Minute), ref(ev2)),
		alert.Assigned{Assignee: "user:bob", At: at(2 * time.Minute)},
		alert.Commented{Text: "Looking.", At: at(3 * time.Minute)},
		alert.Suppressed{Until: at(time.Hour), Reason: "maintenance", At: at(4 * time.Minute)},
	})
	if s.Status != alert.StatusNew || s.Count != 2 || !s.LastSeen.Equal(at(time.Minute)) || !s.FirstSeen.Equal(t0) ||
		s.Assignee != "user:bob" || s.Comments != 1 || !s.SuppressedAt(at(30*time.Minute)) || s.SuppressedAt(at(time.Hour)) ||
		s.RuleID == "" || s.Severity != domain.SeverityHigh || s.Occurrence != 1 || s.AlertID != id || s.Fingerprint != fp {
		t.Fatalf("open alert: %+v", s)
	}
	s = alert.Evolve(s, alert.Acknowledged{At: at(5 * time.Minute)})
	if s.Status != alert.StatusAcknowledged {
		t.Fatalf("acknowledged: %s", s.Status)
	}
	s = alert.Evolve(s, alert.Escalated{IncidentID: inc1, At: at(6 * time.Minute)})
	if s.Status != alert.StatusEscalated || s.IncidentID != inc1 {
		t.Fatalf("escalated: %+v", s)
	}
	s = alert.Decider.Fold(s, []alert.Event{
		verdict(alert.VerdictTruePositive, "", at(7*time.Minute), ev1),
		alert.Closed{Resolution: "Handled in the incident.", Verdict: alert.VerdictTruePositive, At: at(8 * time.Minute)},
	})
	if s.Status != alert.StatusClosed || !s.Closed() || s.Verdict != alert.VerdictTruePositive || !s.ClosedAt.Equal(at(8*time.Minute)) {
		t.Fatalf("closed: %+v", s)
	}
	// A comment on a closed alert leaves it closed.
	if s = alert.Evolve(s, alert.Commented{Text: "Post-mortem done.", At: at(9 * time.Minute)}); s.Status != alert.StatusClosed {
		t.Fatalf("commented closed alert: %s", s.Status)
	}
	reopened := alert.Evolve(s, alert.Reopened{Trigger: alert.TriggerRefire, Reason: "fired again", At: at(10 * time.Minute)})
	if reopened.Status != alert.StatusNew || reopened.Verdict != "" || reopened.IncidentID != "" || reopened.Acknowledged ||
		!reopened.SuppressedUntil.IsZero() || reopened.Assignee != "user:bob" || reopened.Count != 2 || reopened.Reopens != 1 ||
		reopened.Comments != 2 {
		t.Fatalf("reopened: %+v", reopened)
	}
	if s.Verdict != alert.VerdictTruePositive || s.Status != alert.StatusClosed {
		t.Fatalf("Evolve changed the older state: %+v", s)
	}
	next := alert.Evolve(s, raised(at(48*time.Hour), 2))
	if next.Status != alert.StatusNew || next.Occurrence != 2 || next.Count != 1 || next.Assignee != "" || next.Comments != 0 ||
		!next.FirstSeen.Equal(at(48*time.Hour)) || next.Verdict != "" {
		t.Fatalf("new occurrence: %+v", next)
	}
	if (alert.State{}).Exists() || alert.Evolve(alert.State{}, alert.Commented{Text: "x", At: t0}).Status != "" {
		t.Fatal("the zero State exists")
	}
}

// TestEvolveCopiesSlices checks that the state shares no slice with the
// events it was folded from.
func TestEvolveCopiesSlices(t *testing.T) {
	t.Parallel()
	e := raised(t0, 1, ref(ev1))
	v := verdict(alert.VerdictTruePositive, "", t0, ev2)
	s := alert.Decider.Fold(alert.State{}, []alert.Event{e, v})
	e.Techniques[0], e.Observables[0].Value, e.RawEvents[0].EventID, v.EvidenceEventIDs[0] = "T9999", "x", "y", "z"
	if s.Techniques[0] != "T1027" || s.Observables[0].Value != "WS-0142" || s.RawEvents[0].EventID != ev1 || s.EvidenceEventIDs[0] != ev2 {
		t.Fatalf("state shares slices with its events: %+v", s)
	}
}

// TestDecideEvolve runs a queue's day through Decide and Evolve.
func TestDecideEvolve(t *testing.T) {
	t.Parallel()
	var s alert.State
	run := func(c alert.Command) []alert.Event {
		t.Helper()
		events, err := alert.Decide(c, s)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		s = alert.Decider.Fold(s, events)
		return events
	}
	run(raise(t0, ref(ev1)))
	run(raise(at(time.Minute), ref(ev2)))
	run(alert.Acknowledge{Meta: meta(at(2 * time.Minute)), AlertID: id})
	run(alert.Close{Meta: meta(at(3 * time.Minute)), AlertID: id, Resolution: "Backup agent.",
		Verdict: alert.VerdictFalsePositive, Reason: "Rule matches the backup agent's encoded command."})
	if events := run(raise(at(10*time.Minute), ref(ev3))); len(events) != 2 || s.Status != alert.StatusNew || s.Count != 3 {
		t.Fatalf("refire within the window: %#v, state %+v", events, s)
	}
	run(alert.SetVerdict{Meta: meta(at(11 * time.Minute)), AlertID: id, Verdict: alert.VerdictTruePositive, Reason: "It was not the agent."})
	run(alert.Escalate{Meta: meta(at(12 * time.Minute)), AlertID: id, IncidentID: inc1})
	run(alert.Close{Meta: meta(at(13 * time.Minute)), AlertID: id, Resolution: "Handled in " + inc1 + "."})
	if events := run(raise(at(2 * time.Hour))); s.Occurrence != 2 || s.Count != 1 || s.Status != alert.StatusNew {
		t.Fatalf("refire after the window: %#v, state %+v", events, s)
	}
}
