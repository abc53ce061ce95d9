package alert_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/alert"
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

type decideTest struct {
	name  string
	given []alert.Event
	when  alert.Command
	want  []alert.Event
	// wantErr is matched with errors.Is; wantField, when set, is the Field
	// of the *domain.FieldError the error must be.
	wantErr   error
	wantField string
}

func runDecide(t *testing.T, tests []decideTest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := alert.Decider.Fold(alert.State{}, tt.given)
			got, err := alert.Decide(tt.when, s)
			if tt.wantField != "" {
				var fe *domain.FieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantField || !errors.Is(err, domain.ErrInvalid) {
					t.Fatalf("error %v, want a *domain.FieldError on %s", err, tt.wantField)
				}
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && tt.wantField == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("events:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestRaise(t *testing.T) {
	t.Parallel()
	runDecide(t, []decideTest{
		{
			name: "first fire raises occurrence 1 with techniques sorted and repeats dropped",
			when: with(raise(t0, ref(ev1), ref(ev1)), func(r *alert.Raise) {
				r.Techniques = []string{"t1059.001", "T1027", "T1059.001"}
				r.Observables = append(r.Observables, alert.Observable{Type: "HOST", Value: " WS-0142 "})
			}),
			want: []alert.Event{raised(t0, 1, ref(ev1))},
		},
		{
			name: "times are recorded in UTC",
			when: raise(t0.In(time.FixedZone("CET", 3600))),
			want: []alert.Event{raised(t0, 1)},
		},
		{
			name:  "a fire of an open alert records a recurrence",
			given: []alert.Event{raised(t0, 1, ref(ev1))},
			when:  raise(at(time.Minute), ref(ev2)),
			want:  []alert.Event{recurred(2, at(time.Minute), at(time.Minute), ref(ev2))},
		},
		{
			name:  "a fire of an open alert recurs even after the dedup window",
			given: []alert.Event{raised(t0, 1), alert.Acknowledged{At: at(time.Minute)}},
			when:  raise(at(48 * time.Hour)),
			want:  []alert.Event{recurred(2, at(48*time.Hour), at(48*time.Hour))},
		},
		{
			name:  "a late log keeps the later last seen",
			given: []alert.Event{raised(t0, 1), recurred(2, at(time.Hour), at(time.Hour))},
			when:  raise(at(time.Minute), ref(ev3)),
			want:  []alert.Event{recurred(3, at(time.Hour), at(time.Minute), ref(ev3))},
		},
		{
			name: "a fire of a suppressed alert counts and does not unsuppress",
			given: []alert.Event{raised(t0, 1),
				alert.Suppressed{Until: at(24 * time.Hour), Reason: "maintenance", At: at(time.Minute)}},
			when: raise(at(time.Hour)),
			want: []alert.Event{recurred(2, at(time.Hour), at(time.Hour))},
		},
		{
			name:  "a fire of an escalated alert recurs",
			given: []alert.Event{raised(t0, 1), alert.Escalated{IncidentID: inc1, At: at(time.Minute)}},
			when:  raise(at(time.Hour)),
			want:  []alert.Event{recurred(2, at(time.Hour), at(time.Hour))},
		},
		{
			name:  "reopen policy: a fire within the dedup window after closure reopens and recurs",
			given: closedAlert(),
			when:  raise(at(40*time.Minute), ref(ev2)),
			want: []alert.Event{
				alert.Reopened{Trigger: alert.TriggerRefire, At: at(40 * time.Minute),
					Reason: "the fingerprint fired again within the dedup window (1h0m0s) after the closure"},
				recurred(2, at(40*time.Minute), at(40*time.Minute), ref(ev2)),
			},
		},
		{
			name:  "reopen policy: a fire at the end of the dedup window still reopens",
			given: closedAlert(),
			when:  raise(at(70 * time.Minute)),
			want: []alert.Event{
				alert.Reopened{Trigger: alert.TriggerRefire, At: at(70 * time.Minute),
					Reason: "the fingerprint fired again within the dedup window (1h0m0s) after the closure"},
				recurred(2, at(70*time.Minute), at(70*time.Minute)),
			},
		},
		{
			name:  "reopen policy: a later fire starts a new occurrence",
			given: closedAlert(),
			when:  raise(at(71*time.Minute), ref(ev2)),
			want:  []alert.Event{raised(at(71*time.Minute), 2, ref(ev2))},
		},
		{
			name:  "new policy: any fire of a closed alert starts a new occurrence",
			given: closedAlert(),
			when:  with(raise(at(11*time.Minute)), func(r *alert.Raise) { r.ReopenPolicy = alert.PolicyNew; r.DedupWindow = 0 }),
			want:  []alert.Event{raised(at(11*time.Minute), 2)},
		},
		{
			name: "occurrences keep counting",
			given: append(closedAlert(), raised(at(2*time.Hour), 2),
				alert.Closed{Resolution: "Again the admin script.", Verdict: alert.VerdictBenignPositive, At: at(3 * time.Hour)}),
			when: raise(at(5 * time.Hour)),
			want: []alert.Event{raised(at(5*time.Hour), 3)},
		},
		{
			name:    "a fingerprint that differs from the alert's is a conflict",
			given:   []alert.Event{with(raised(t0, 1), func(r *alert.Raised) { r.Fingerprint = "other" })},
			when:    raise(at(time.Minute)),
			wantErr: domain.ErrConflict,
		},
		{name: "raise validates severity", when: with(raise(t0), func(r *alert.Raise) { r.Severity = "urgent" }), wantField: "severity"},
		{name: "raise needs a fingerprint", when: with(raise(t0), func(r *alert.Raise) { r.Fingerprint = "" }), wantField: "fingerprint"},
		{name: "raise rejects a fingerprint that is not UTF-8", when: with(raise(t0), func(r *alert.Raise) { r.Fingerprint = "rule|\xff" }), wantField: "fingerprint"},
		{name: "raise needs a rule ID", when: with(raise(t0), func(r *alert.Raise) { r.RuleID = "  " }), wantField: "ruleId"},
		{name: "raise needs a rule title", when: with(raise(t0), func(r *alert.Raise) { r.RuleTitle = "" }), wantField: "ruleTitle"},
		{name: "raise needs a source", when: with(raise(t0), func(r *alert.Raise) { r.Source = "" }), wantField: "source"},
		{
			name:      "raise validates technique IDs",
			when:      with(raise(t0), func(r *alert.Raise) { r.Techniques = []string{"T1059", "attack.t1059"} }),
			wantField: "techniques[1]",
		},
		{
			name:      "raise rejects a sub-technique of the wrong form",
			when:      with(raise(t0), func(r *alert.Raise) { r.Techniques = []string{"T1059.1"} }),
			wantField: "techniques[0]",
		},
		{
			name:      "raise validates observable types",
			when:      with(raise(t0), func(r *alert.Raise) { r.Observables = []alert.Observable{{Type: "ip address", Value: "10.0.0.1"}} }),
			wantField: "observables[0].type",
		},
		{
			name:      "raise needs observable values",
			when:      with(raise(t0), func(r *alert.Raise) { r.Observables = []alert.Observable{{Type: "ip", Value: ""}} }),
			wantField: "observables[0].value",
		},
		{
			name:      "raw events must be of the command's tenant",
			when:      raise(t0, ref(ev1), alert.EventRef{Stream: "log-globex.fw01", EventID: ev2}),
			wantField: "rawEvents[1].stream",
		},
		{
			name:      "raw event IDs are UUIDs",
			when:      raise(t0, alert.EventRef{Stream: "log-acme.fw01", EventID: "42"}),
			wantField: "rawEvents[0].eventId",
		},
		{name: "raise needs a reopen policy", when: with(raise(t0), func(r *alert.Raise) { r.ReopenPolicy = "" }), wantField: "reopenPolicy"},
		{name: "the dedup window is not negative", when: with(raise(t0), func(r *alert.Raise) { r.DedupWindow = -time.Minute }), wantField: "dedupWindow"},
		{name: "the reopen policy needs a dedup window", when: with(raise(t0), func(r *alert.Raise) { r.DedupWindow = 0 }), wantField: "dedupWindow"},
		{name: "raise validates the command meta", when: with(raise(t0), func(r *alert.Raise) { r.Actor = "" }), wantField: "actor"},
	})
}

func TestTriage(t *testing.T) {
	t.Parallel()
	open := []alert.Event{raised(t0, 1, ref(ev1))}
	m := meta(at(time.Hour))
	runDecide(t, []decideTest{
		// Acknowledge.
		{name: "acknowledge", given: open, when: alert.Acknowledge{Meta: m, AlertID: id},
			want: []alert.Event{alert.Acknowledged{At: at(time.Hour)}}},
		{name: "acknowledging twice is a no-op", given: append(open, alert.Acknowledged{At: at(time.Minute)}),
			when: alert.Acknowledge{Meta: m, AlertID: id}},
		{name: "acknowledging a closed alert is ErrClosed", given: closedAlert(),
			when: alert.Acknowledge{Meta: m, AlertID: id}, wantErr: alert.ErrClosed},
		{name: "commands on an alert never raised are not found",
			when: alert.Acknowledge{Meta: m, AlertID: id}, wantErr: domain.ErrNotFound},
		{name: "the alert ID is a fingerprint ID", given: open,
			when: alert.Acknowledge{Meta: m, AlertID: "ALERT-1"}, wantField: "alertId"},
		{name: "a command for another alert than the state's is a conflict", given: open,
			when: alert.Acknowledge{Meta: m, AlertID: alert.FingerprintID("other")}, wantErr: domain.ErrConflict},

		// Assign and unassign.
		{name: "assign", given: open, when: alert.Assign{Meta: m, AlertID: id, Assignee: "user:bob"},
			want: []alert.Event{alert.Assigned{Assignee: "user:bob", At: at(time.Hour)}}},
		{name: "assigning the assignee is a no-op", given: append(open, alert.Assigned{Assignee: "user:bob", At: t0}),
			when: alert.Assign{Meta: m, AlertID: id, Assignee: "user:bob"}},
		{name: "reassign", given: append(open, alert.Assigned{Assignee: "user:bob", At: t0}),
			when: alert.Assign{Meta: m, AlertID: id, Assignee: "team:tier2"},
			want: []alert.Event{alert.Assigned{Assignee: "team:tier2", At: at(time.Hour)}}},
		{name: "assign needs an assignee", given: open, when: alert.Assign{Meta: m, AlertID: id}, wantField: "assignee"},
		{name: "an assignee has no spaces", given: open, when: alert.Assign{Meta: m, AlertID: id, Assignee: "bob smith"}, wantField: "assignee"},
		{name: "assigning a closed alert is ErrClosed", given: closedAlert(),
			when: alert.Assign{Meta: m, AlertID: id, Assignee: "user:bob"}, wantErr: alert.ErrClosed},
		{name: "unassign names the former assignee", given: append(open, alert.Assigned{Assignee: "user:bob", At: t0}),
			when: alert.Unassign{Meta: m, AlertID: id},
			want: []alert.Event{alert.Unassigned{Assignee: "user:bob", At: at(time.Hour)}}},
		{name: "unassigning an unassigned alert is a no-op", given: open, when: alert.Unassign{Meta: m, AlertID: id}},
		{name: "unassigning a closed alert is ErrClosed", given: closedAlert(),
			when: alert.Unassign{Meta: m, AlertID: id}, wantErr: alert.ErrClosed},

		// Comment.
		{name: "comment", given: open, when: alert.Comment{Meta: m, AlertID: id, Text: " Host isolated.\nUser contacted. "},
			want: []alert.Event{alert.Commented{Text: "Host isolated.\nUser contacted.", At: at(time.Hour)}}},
		{name: "a closed alert can be commented", given: closedAlert(), when: alert.Comment{Meta: m, AlertID: id, Text: "Confirmed with IT."},
			want: []alert.Event{alert.Commented{Text: "Confirmed with IT.", At: at(time.Hour)}}},
		{name: "a comment needs text", given: open, when: alert.Comment{Meta: m, AlertID: id, Text: " "}, wantField: "text"},
		{name: "a comment has no control characters", given: open, when: alert.Comment{Meta: m, AlertID: id, Text: "a\x00b"}, wantField: "text"},
		{name: "commenting an alert never raised is not found", when: alert.Comment{Meta: m, AlertID: id, Text: "x"}, wantErr: domain.ErrNotFound},

		// Verdict.
		{name: "true positive needs no reason", given: open,
			when: alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, EvidenceEventIDs: []string{strings.ToUpper(ev1), ev1}},
			want: []alert.Event{verdict(alert.VerdictTruePositive, "", at(time.Hour), ev1)}},
		{name: "false positive without a reason is a field error on reason", given: open,
			when: alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictFalsePositive, Reason: "  "}, wantField: "reason"},
		{name: "false positive with a reason", given: open,
			when: alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictFalsePositive, Reason: "Rule matches the backup agent."},
			want: []alert.Event{verdict(alert.VerdictFalsePositive, "Rule matches the backup agent.", at(time.Hour))}},
		{name: "an unknown verdict is a field error", given: open,
			when: alert.SetVerdict{Meta: m, AlertID: id, Verdict: "malicious"}, wantField: "verdict"},
		{name: "evidence event IDs are UUIDs", given: open,
			when:      alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, EvidenceEventIDs: []string{"evt-1"}},
			wantField: "evidenceEventIds[0]"},
		{name: "changing a verdict without a reason is a conflict",
			given: append(open, verdict(alert.VerdictUndetermined, "", t0)),
			when:  alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive}, wantErr: domain.ErrConflict},
		{name: "changing a verdict with a reason names the previous one",
			given: append(open, verdict(alert.VerdictUndetermined, "", t0)),
			when:  alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, Reason: "EDR confirmed execution."},
			want: []alert.Event{with(verdict(alert.VerdictTruePositive, "EDR confirmed execution.", at(time.Hour)),
				func(v *alert.VerdictSet) { v.Previous = alert.VerdictUndetermined })}},
		{name: "naming the current verdict alone is a no-op",
			given: append(open, verdict(alert.VerdictTruePositive, "EDR confirmed.", t0, ev1)),
			when:  alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive}},
		{name: "repeating verdict, reason and evidence is a no-op",
			given: append(open, verdict(alert.VerdictTruePositive, "EDR confirmed.", t0, ev1)),
			when:  alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, Reason: "EDR confirmed.", EvidenceEventIDs: []string{ev1}}},
		{name: "setting a verdict on a closed alert is ErrClosed", given: closedAlert(),
			when: alert.SetVerdict{Meta: m, AlertID: id, Verdict: alert.VerdictTruePositive, Reason: "x"}, wantErr: alert.ErrClosed},

		// Suppress and unsuppress.
		{name: "suppress", given: open,
			when: alert.Suppress{Meta: m, AlertID: id, Until: at(25 * time.Hour), Reason: "Patch window on WS-0142."},
			want: []alert.Event{alert.Suppressed{Until: at(25 * time.Hour), Reason: "Patch window on WS-0142.", At: at(time.Hour)}}},
		{name: "suppress needs a future until", given: open,
			when: alert.Suppress{Meta: m, AlertID: id, Until: at(time.Hour), Reason: "x"}, wantField: "until"},
		{name: "suppress until in the past is a field error", given: open,
			when: alert.Suppress{Meta: m, AlertID: id, Until: t0, Reason: "x"}, wantField: "until"},
		{name: "suppress needs an until", given: open,
			when: alert.Suppress{Meta: m, AlertID: id, Reason: "x"}, wantField: "until"},
		{name: "suppress needs a reason", given: open,
			when: alert.Suppress{Meta: m, AlertID: id, Until: at(2 * time.Hour)}, wantField: "reason"},
		{name: "suppressing again the same way is a no-op",
			given: append(open, alert.Suppressed{Until: at(25 * time.Hour), Reason: "Patch window.", At: t0}),
			when:  alert.Suppress{Meta: m, AlertID: id, Until: at(25 * time.Hour), Reason: "Patch window."}},
		{name: "extending a suppression records it",
			given: append(open, alert.Suppressed{Until: at(25 * time.Hour), Reason: "Patch window.", At: t0}),
			when:  alert.Suppress{Meta: m, AlertID: id, Until: at(49 * time.Hour), Reason: "Patch window."},
			want:  []alert.Event{alert.Suppressed{Until: at(49 * time.Hour), Reason: "Patch window.", At: at(time.Hour)}}},
		{name: "suppressing a closed alert is ErrClosed", given: closedAlert(),
			when: alert.Suppress{Meta: m, AlertID: id, Until: at(2 * time.Hour), Reason: "x"}, wantErr: alert.ErrClosed},
		{name: "unsuppress", given: append(open, alert.Suppressed{Until: at(25 * time.Hour), Reason: "x", At: t0}),
			when: alert.Unsuppress{Meta: m, AlertID: id}, want: []alert.Event{alert.Unsuppressed{At: at(time.Hour)}}},
		{name: "unsuppressing an alert whose suppression ended is a no-op",
			given: append(open, alert.Suppressed{Until: at(30 * time.Minute), Reason: "x", At: t0}),
			when:  alert.Unsuppress{Meta: m, AlertID: id}},
		{name: "unsuppressing an alert never suppressed is a no-op", given: open, when: alert.Unsuppress{Meta: m, AlertID: id}},
		{name: "unsuppressing a closed alert is ErrClosed", given: closedAlert(),
			when: alert.Unsuppress{Meta: m, AlertID: id}, wantErr: alert.ErrClosed},

		// Escalate.
		{name: "escalate", given: open, when: alert.Escalate{Meta: m, AlertID: id, IncidentID: inc1},
			want: []alert.Event{alert.Escalated{IncidentID: inc1, At: at(time.Hour)}}},
		{name: "escalating again into the same incident is a no-op",
			given: append(open, alert.Escalated{IncidentID: inc1, At: t0}),
			when:  alert.Escalate{Meta: m, AlertID: id, IncidentID: inc1}},
		{name: "escalating into another incident is a conflict",
			given: append(open, alert.Escalated{IncidentID: inc1, At: t0}),
			when:  alert.Escalate{Meta: m, AlertID: id, IncidentID: "INC-2026-0043"}, wantErr: domain.ErrConflict},
		{name: "escalate needs an incident ID", given: open,
			when: alert.Escalate{Meta: m, AlertID: id, IncidentID: "INC 1"}, wantField: "incidentId"},
		{name: "escalating a closed alert is ErrClosed", given: closedAlert(),
			when: alert.Escalate{Meta: m, AlertID: id, IncidentID: inc1}, wantErr: alert.ErrClosed},
	})
}

func TestCloseAndReopen(t *testing.T) {
	t.Parallel()
	open := []alert.Event{raised(t0, 1, ref(ev1))}
	m := meta(at(time.Hour))
	closed := alert.Closed{Resolution: "Admin script.", Verdict: alert.VerdictBenignPositive, At: at(time.Hour)}
	runDecide(t, []decideTest{
		{name: "close under the verdict already set",
			given: append(open, verdict(alert.VerdictBenignPositive, "", t0)),
			when:  alert.Close{Meta: m, AlertID: id, Resolution: " Admin script. "},
			want:  []alert.Event{closed}},
		{name: "close with a verdict records it first", given: open,
			when: alert.Close{Meta: m, AlertID: id, Resolution: "Admin script.", Verdict: alert.VerdictBenignPositive, Reason: "Known job."},
			want: []alert.Event{verdict(alert.VerdictBenignPositive, "Known job.", at(time.Hour)), closed}},
		{name: "close naming the current verdict records only the closure",
			given: append(open, verdict(alert.VerdictBenignPositive, "Known job.", t0)),
			when:  alert.Close{Meta: m, AlertID: id, Resolution: "Admin script.", Verdict: alert.VerdictBenignPositive},
			want:  []alert.Event{closed}},
		{name: "close without any verdict is a field error on verdict", given: open,
			when: alert.Close{Meta: m, AlertID: id, Resolution: "Done."}, wantField: "verdict"},
		{name: "close with a reason but no verdict is a field error on verdict", given: open,
			when: alert.Close{Meta: m, AlertID: id, Resolution: "Done.", Reason: "x"}, wantField: "verdict"},
		{name: "close as false positive needs a reason", given: open,
			when: alert.Close{Meta: m, AlertID: id, Resolution: "Done.", Verdict: alert.VerdictFalsePositive}, wantField: "reason"},
		{name: "close changing the verdict needs a reason",
			given: append(open, verdict(alert.VerdictTruePositive, "", t0)),
			when:  alert.Close{Meta: m, AlertID: id, Resolution: "Done.", Verdict: alert.VerdictBenignPositive}, wantErr: domain.ErrConflict},
		{name: "close needs a resolution", given: append(open, verdict(alert.VerdictTruePositive, "", t0)),
			when: alert.Close{Meta: m, AlertID: id}, wantField: "resolution"},
		{name: "closing a closed alert is a no-op", given: closedAlert(),
			when: alert.Close{Meta: m, AlertID: id, Resolution: "Again."}},
		{name: "closing a closed alert under another verdict is ErrClosed", given: closedAlert(),
			when: alert.Close{Meta: m, AlertID: id, Resolution: "Again.", Verdict: alert.VerdictTruePositive, Reason: "x"}, wantErr: alert.ErrClosed},
		{name: "closing an alert never raised is not found",
			when: alert.Close{Meta: m, AlertID: id, Resolution: "Done.", Verdict: alert.VerdictUndetermined}, wantErr: domain.ErrNotFound},

		{name: "reopen a closed alert", given: closedAlert(),
			when: alert.Reopen{Meta: m, AlertID: id, Reason: "The same script ran on a server."},
			want: []alert.Event{alert.Reopened{Trigger: alert.TriggerAnalyst, Reason: "The same script ran on a server.", At: at(time.Hour)}}},
		{name: "reopen of an open alert is an invalid transition", given: open,
			when: alert.Reopen{Meta: m, AlertID: id, Reason: "x"}, wantErr: domain.ErrInvalidTransition},
		{name: "reopen needs a reason", given: closedAlert(), when: alert.Reopen{Meta: m, AlertID: id}, wantField: "reason"},
		{name: "reopening an alert never raised is not found", when: alert.Reopen{Meta: m, AlertID: id, Reason: "x"}, wantErr: domain.ErrNotFound},
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
