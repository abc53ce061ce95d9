package compliance_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/compliance"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

const (
	testTenant   = "acme"
	testIncident = "INC-1"
)

// ts parses "MM-DD hh:mm" in 2025, or "YYYY-MM-DD hh:mm", as UTC.
func ts(s string) time.Time {
	if len(s) == len("01-02 15:04") {
		s = "2025-" + s
	}
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(s string) *time.Time {
	t := ts(s)
	return &t
}

// history records an incident's facts by running real commands through
// incident.Decide and incident.Evolve. Every event gets its ID from
// domain.EventID and a RecordedAt: the fact's own business time (the SOC
// records it as it happens), or the time set with recordAt.
type history struct {
	t   testing.TB
	s   incident.State
	evs []domain.Recorded[incident.Event]
	n   int
	rec time.Time
}

// newHistory opens the incident with profile p at opened.
func newHistory(t testing.TB, p tenant.Profile, opened string) *history {
	t.Helper()
	h := &history{t: t}
	h.recordAt(opened)
	h.run(incident.Open{Meta: h.meta(ts(opened)), IncidentID: testIncident, Title: "Outage", Severity: domain.SeverityHigh, Profile: &p})
	h.live()
	return h
}

// recordAt records the next facts at s (until live).
func (h *history) recordAt(s string) *history { h.rec = ts(s); return h }

// live records the next facts at their own business times.
func (h *history) live() *history { h.rec = time.Time{}; return h }

func (h *history) meta(at time.Time) domain.Meta {
	h.n++
	rec := h.rec
	if rec.IsZero() {
		rec = at
	}
	return domain.Meta{CommandID: fmt.Sprintf("cmd-%d", h.n), Tenant: testTenant, Actor: "user:alice", At: rec}
}

// run decides c, evolves the state and records the events; it returns the
// first event's ID.
func (h *history) run(c incident.Command) string {
	h.t.Helper()
	id, err := h.try(c)
	if err != nil {
		h.t.Fatalf("%T: %v", c, err)
	}
	return id
}

// try is run returning the decider's error instead of failing.
func (h *history) try(c incident.Command) (string, error) {
	evs, err := incident.Decide(c, h.s)
	if err != nil {
		return "", err
	}
	m := c.CommandMeta()
	for i, e := range evs {
		h.evs = append(h.evs, domain.Recorded[incident.Event]{
			ID: domain.EventID(m.CommandID, i), Stream: incident.Stream(m.Tenant, testIncident), Revision: uint64(len(h.evs)),
			Meta:  domain.EventMeta{Tenant: m.Tenant, Actor: m.Actor, CommandID: m.CommandID, Schema: 1, OccurredAt: m.At, RecordedAt: m.At},
			Event: e,
		})
		h.s = incident.Evolve(h.s, e)
	}
	if len(evs) == 0 {
		return "", nil
	}
	return domain.EventID(m.CommandID, 0), nil
}

func (h *history) detect(at string) string {
	return h.run(incident.RecordDetection{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at), Source: "edr"})
}

func (h *history) aware(r tenant.Regime, at string) string {
	return h.run(incident.EstablishAwareness{Meta: h.meta(ts(at)), IncidentID: testIncident, Regime: r, At: ts(at), Basis: "analyst assessment"})
}

func (h *history) significant(at string, trustService bool, codes ...string) string {
	if len(codes) == 0 {
		codes = []string{"NIS2:23(3)(a)"}
	}
	var hits []incident.CriterionHit
	for _, c := range codes {
		hits = append(hits, incident.CriterionHit{Code: c, Value: "observed", Threshold: "criterion"})
	}
	return h.run(incident.ClassifySignificantNIS2{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at), Criteria: hits, TrustServiceAffected: trustService})
}

func (h *history) declassify(at string) string {
	return h.run(incident.DeclassifyNIS2{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at), Rationale: "not significant after all"})
}

// major classifies the incident major under 2024/1772 Art. 8(1)(b) (gate
// 6(a); 9(1)(b) 150 000 clients; 9(3)(b) 3 h downtime).
func (h *history) major(at string) string {
	return h.run(incident.AssessClassificationDORA{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at), Result: incident.DORAMajor,
		Gate: []string{incident.DORAGateCriticalFunctions}, Rule: incident.DORARuleTwoThresholds,
		Thresholds: []incident.CriterionHit{
			{Code: "RTS2024/1772:9(1)(b)", Value: "150000 clients", Threshold: "> 100000"},
			{Code: "RTS2024/1772:9(3)(b)", Value: "3h downtime", Threshold: "> 2h"},
		}})
}

func (h *history) nonMajor(at string) string {
	return h.run(incident.AssessClassificationDORA{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at), Result: incident.DORANonMajor})
}

func (h *history) reclassify(at string) string {
	return h.run(incident.ReclassifyNonMajorDORA{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at), Rationale: "at no time met Art. 8"})
}

func (h *history) breach(at string, risk incident.BreachRisk, subjects bool) string {
	return h.run(incident.AssessPersonalDataBreach{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at), Risk: risk,
		NotifySA: risk != incident.BreachRiskNone, NotifySubjects: subjects})
}

func (h *history) recovered(at string) string {
	return h.run(incident.RecordRecovery{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at)})
}

func (h *history) handled(at string) string {
	return h.run(incident.CompleteHandling{Meta: h.meta(ts(at)), IncidentID: testIncident, At: ts(at)})
}

func (h *history) request(r tenant.Regime, k incident.ReportKind, at string, due *time.Time) string {
	return h.run(incident.ReceiveAuthorityRequest{Meta: h.meta(ts(at)), IncidentID: testIncident, Regime: r, Kind: k, At: ts(at),
		DueAt: due, Authority: "BSI", Ref: "REQ-" + at})
}

func (h *history) delay(r tenant.Regime, k incident.ReportKind, at string) string {
	return h.run(incident.NotifyDelay{Meta: h.meta(ts(at)), IncidentID: testIncident, Regime: r, Kind: k, At: ts(at), Reasons: "forensics ongoing"})
}

// submission is a NotificationSubmitted to record.
type submission struct {
	id       string
	sent     string
	received string
	reason   string
	kinds    []incident.ReportKind
}

func (h *history) submitX(s submission) string {
	c := incident.SubmitNotification{Meta: h.meta(ts(s.sent)), IncidentID: testIncident, SubmissionID: s.id, Kinds: s.kinds,
		SentAt: ts(s.sent), Authority: "authority", Channel: "portal", DelayReason: s.reason}
	if s.received != "" {
		c.ReceivedAt = tp(s.received)
	}
	return h.run(c)
}

// submit records a submission sent at sent (no receipt known) of kinds.
func (h *history) submit(sent string, kinds ...incident.ReportKind) string {
	var names []string
	for _, k := range kinds {
		names = append(names, string(k))
	}
	id := "SUB-" + strings.ReplaceAll(strings.ReplaceAll(sent, " ", "T"), ":", "") + "-" + strings.ToLower(strings.Join(names, "-"))
	return h.submitX(submission{id: id, sent: sent, kinds: kinds})
}

// correct corrects a time field of an earlier fact.
func (h *history) correct(target, field string, old *time.Time, to, at string) string {
	return h.run(incident.CorrectTimestamp{Meta: h.meta(ts(at)), IncidentID: testIncident, TargetEventID: target, Field: field,
		Old: old, New: ts(to), Reason: "wrong time entered"})
}

// eval evaluates the history as of asOf.
func (h *history) eval(asOf string, opts ...func(*compliance.Input)) compliance.Report {
	in := compliance.Input{Incident: testIncident, Events: h.evs, AsOf: ts(asOf)}
	for _, o := range opts {
		o(&in)
	}
	return compliance.Evaluate(in)
}

// Profiles.

func nis2Profile(class tenant.NIS2Class, et tenant.EntityType2690) tenant.Profile {
	return tenant.Profile{Regimes: []tenant.Regime{tenant.NIS2}, NIS2Class: class, EntityType2690: et,
		IsTSP: et == tenant.Entity2690TSP, MemberState: "DE", TZ: "UTC"}
}

func doraProfile(et tenant.DORAEntityType) tenant.Profile {
	return tenant.Profile{Regimes: []tenant.Regime{tenant.DORA}, DORAEntityType: et, MemberState: "DE", TZ: "UTC"}
}

func gdprProfile() tenant.Profile {
	return tenant.Profile{Regimes: []tenant.Regime{tenant.GDPR}, MemberState: "DE", TZ: "UTC"}
}

// want is the expected state of one obligation row. Times are ts strings;
// due "" expects no due time, raw "" expects RawDueAt = DueAt, missed ""
// expects no missedAt; flags are exact; margin, reason, elapsed and
// withdrawnBy are checked when set.
type want struct {
	kind        incident.ReportKind
	seq         int
	verdict     compliance.Verdict
	due         string
	raw         string
	relief      bool
	missed      string
	flags       []string
	margin      string
	reason      string
	elapsed     string
	withdrawnBy string
	submitted   string
}

// row returns the row of kind and seq.
func row(t testing.TB, r compliance.Report, k incident.ReportKind, seq int) compliance.Obligation {
	t.Helper()
	for _, o := range r.Obligations {
		if o.Kind == k && o.Seq == seq {
			return o
		}
	}
	t.Fatalf("no obligation %s #%d in %v", k, seq, kinds(r))
	return compliance.Obligation{}
}

func kinds(r compliance.Report) []string {
	var out []string
	for _, o := range r.Obligations {
		out = append(out, fmt.Sprintf("%s#%d:%s", o.Kind, o.Seq, o.Verdict))
	}
	return out
}

func fmtT(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func want2(s string) string {
	if s == "" {
		return "-"
	}
	return ts(s).Format(time.RFC3339Nano)
}

// check compares the rows of r named in ws.
func check(t testing.TB, r compliance.Report, ws ...want) {
	t.Helper()
	for _, w := range ws {
		o := row(t, r, w.kind, w.seq)
		name := fmt.Sprintf("%s#%d", w.kind, w.seq)
		if o.Verdict != w.verdict {
			t.Errorf("%s: verdict %s, want %s (reason %q)", name, o.Verdict, w.verdict, o.Reason)
		}
		if got := fmtT(o.DueAt); got != want2(w.due) {
			t.Errorf("%s: dueAt %s, want %s", name, got, want2(w.due))
		}
		raw := w.raw
		if raw == "" {
			raw = w.due
		}
		if got := fmtT(o.RawDueAt); got != want2(raw) {
			t.Errorf("%s: rawDueAt %s, want %s", name, got, want2(raw))
		}
		if o.ReliefApplied != w.relief {
			t.Errorf("%s: reliefApplied %v, want %v", name, o.ReliefApplied, w.relief)
		}
		if got := fmtT(o.MissedAt); got != want2(w.missed) {
			t.Errorf("%s: missedAt %s, want %s", name, got, want2(w.missed))
		}
		if !slices.Equal(o.Flags, w.flags) && len(o.Flags)+len(w.flags) > 0 {
			t.Errorf("%s: flags %v, want %v", name, o.Flags, w.flags)
		}
		if w.margin != "" && o.Margin != w.margin {
			t.Errorf("%s: margin %q, want %q", name, o.Margin, w.margin)
		}
		if w.reason != "" && o.Reason != w.reason {
			t.Errorf("%s: reason %q, want %q", name, o.Reason, w.reason)
		}
		if w.elapsed != "" && o.Elapsed != w.elapsed {
			t.Errorf("%s: elapsed %q, want %q", name, o.Elapsed, w.elapsed)
		}
		if o.WithdrawnBy != w.withdrawnBy {
			t.Errorf("%s: withdrawnBy %q, want %q", name, o.WithdrawnBy, w.withdrawnBy)
		}
		if w.submitted != "" && fmtT(o.SubmittedAt) != want2(w.submitted) {
			t.Errorf("%s: submittedAt %s, want %s", name, fmtT(o.SubmittedAt), want2(w.submitted))
		}
		if o.RuleRef == "" || o.RuleSetVersion != compliance.RuleSetVersion || o.SourceEventIDs == nil {
			t.Errorf("%s: ruleRef %q, ruleSetVersion %q, sources %v: want all set", name, o.RuleRef, o.RuleSetVersion, o.SourceEventIDs)
		}
	}
}
