package incident_test

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/domaintest"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// The regulatory tests use compliance-spec.md §7 scenario 6 (DORA credit
// institution) where they can. Their helpers are prefixed "reg" so they do
// not clash with the case tests in the same package.

const regIncident = "INC-2025-0042"

// regAt parses an RFC 3339 time.
func regAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// regPtr returns a pointer to the time s.
func regPtr(s string) *time.Time {
	t := regAt(s)
	return &t
}

// regMeta returns the metadata of command cmd, recorded at 2025-03-10.
func regMeta(cmd string) domain.Meta {
	return domain.Meta{CommandID: cmd, Tenant: "acme-bank", Actor: "user:alice", At: regAt("2025-03-10T12:00:00Z")}
}

// regID is the ID of the event command cmd records.
func regID(cmd string) string { return domain.EventID(cmd, 0) }

// regOpened is the history of an opened incident.
func regOpened() []incident.Event { return regOpenedEvents() }

// regAfter returns the events of an opened incident followed by more.
func regAfter(more ...incident.Event) []incident.Event {
	return append(regOpened(), more...)
}

// regCase is one given / when / then row.
type regCase = domaintest.Row[incident.Command, incident.Event]

// Scenario 6 values.
var (
	regDORAClassification = incident.AssessClassificationDORA{
		Meta: regMeta("cmd-dora-class"), IncidentID: regIncident, At: regAt("2025-03-04T11:00:00Z"),
		Result: incident.DORAMajor, Gate: []string{"6(a)"}, Rule: incident.DORARuleTwoThresholds,
		Thresholds: []incident.CriterionHit{
			{Code: "RTS2024/1772:9(1)(b)", Value: "150000 clients", Threshold: "> 100000 clients", Estimated: true},
			{Code: "RTS2024/1772:9(3)(b)", Value: "3h downtime", Threshold: "> 2h"},
		},
	}
	regDORAClassified = incident.ClassificationAssessedDORA{
		ID: regID("cmd-dora-class"), At: regAt("2025-03-04T11:00:00Z"),
		Result: incident.DORAMajor, Gate: []string{"6(a)"}, Rule: incident.DORARuleTwoThresholds,
		Thresholds: []incident.CriterionHit{
			{Code: "RTS2024/1772:9(1)(b)", Value: "150000 clients", Threshold: "> 100000 clients", Estimated: true},
			{Code: "RTS2024/1772:9(3)(b)", Value: "3h downtime", Threshold: "> 2h"},
		},
	}
	regAware   = incident.AwarenessEstablished{ID: regID("cmd-aware"), Regime: tenant.DORA, At: regAt("2025-03-04T09:00:00Z"), Basis: "outage confirmed"}
	regInitial = incident.NotificationSubmitted{
		ID: regID("cmd-sub-initial"), At: regAt("2025-03-10T12:00:00Z"), SubmissionID: "SUB-1",
		Kinds: []incident.ReportKind{incident.DORAInitial}, SentAt: regAt("2025-03-04T14:00:00Z"), Authority: "BaFin",
	}
)

func TestRecordDetection(t *testing.T) {
	t.Parallel()
	ok := incident.RecordDetection{Meta: regMeta("c1"), IncidentID: regIncident, At: regAt("2025-03-04T08:40:00Z"), Source: "edr", SignalRef: "alert-7f3c"}
	noAt := ok
	noAt.At = time.Time{}
	noSource := ok
	noSource.Source = ""
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "records the first signal", Given: regOpened(), When: ok,
			Want: []incident.Event{incident.Detected{ID: regID("c1"), At: regAt("2025-03-04T08:40:00Z"), Source: "edr", SignalRef: "alert-7f3c"}}},
		{Name: "stores the time in UTC", Given: regOpened(),
			When: incident.RecordDetection{Meta: regMeta("c1"), IncidentID: regIncident, At: regAt("2025-03-04T09:40:00+01:00"), Source: "edr"},
			Want: []incident.Event{incident.Detected{ID: regID("c1"), At: regAt("2025-03-04T08:40:00Z"), Source: "edr"}}},
		{Name: "a second detection is a new fact", Given: regAfter(incident.Detected{ID: regID("c0"), At: regAt("2025-03-04T08:00:00Z"), Source: "siem"}), When: ok,
			Want: []incident.Event{incident.Detected{ID: regID("c1"), At: regAt("2025-03-04T08:40:00Z"), Source: "edr", SignalRef: "alert-7f3c"}}},
		{Name: "zero at", Given: regOpened(), When: noAt, WantField: "at"},
		{Name: "no source", Given: regOpened(), When: noSource, WantField: "source"},
		{Name: "incident not opened", When: ok, WantErr: domain.ErrNotFound},
		{Name: "field errors come before not found", When: noAt, WantField: "at"},
		{Name: "no command ID", Given: regOpened(), When: incident.RecordDetection{Meta: domain.Meta{Tenant: "acme-bank", Actor: "a", At: regAt("2025-03-04T08:40:00Z")}, IncidentID: regIncident, At: regAt("2025-03-04T08:40:00Z"), Source: "edr"}, WantField: "commandId"},
		{Name: "bad incident ID", Given: regOpened(), When: incident.RecordDetection{Meta: regMeta("c1"), IncidentID: "bad id", At: regAt("2025-03-04T08:40:00Z"), Source: "edr"}, WantField: "incident"},
	})
}

func TestEstablishAwareness(t *testing.T) {
	t.Parallel()
	cmd := func(r tenant.Regime, at time.Time, basis string) incident.EstablishAwareness {
		return incident.EstablishAwareness{Meta: regMeta("cmd-aware"), IncidentID: regIncident, Regime: r, At: at, Basis: basis}
	}
	a := regAt("2025-03-04T09:00:00Z")
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "DORA awareness", Given: regOpened(), When: cmd(tenant.DORA, a, "outage confirmed"), Want: []incident.Event{regAware}},
		{Name: "GDPR awareness", Given: regOpened(), When: cmd(tenant.GDPR, a, "customer data exfiltrated"),
			Want: []incident.Event{incident.AwarenessEstablished{ID: regID("cmd-aware"), Regime: tenant.GDPR, At: a, Basis: "customer data exfiltrated"}}},
		{Name: "awareness on a closed incident", Given: regClosed(), When: cmd(tenant.DORA, a, "outage confirmed"), Want: []incident.Event{regAware}},
		{Name: "unknown regime", Given: regOpened(), When: cmd("PSD2", a, "x"), WantField: "regime"},
		{Name: "empty regime", Given: regOpened(), When: cmd("", a, "x"), WantField: "regime"},
		{Name: "zero at", Given: regOpened(), When: cmd(tenant.DORA, time.Time{}, "x"), WantField: "at"},
		{Name: "no basis", Given: regOpened(), When: cmd(tenant.DORA, a, ""), WantField: "basis"},
		{Name: "not opened", When: cmd(tenant.DORA, a, "x"), WantErr: domain.ErrNotFound},
	})
}

func TestClassifySignificantNIS2(t *testing.T) {
	t.Parallel()
	at := regAt("2025-03-03T10:00:00Z")
	cmd := func(codes ...string) incident.ClassifySignificantNIS2 {
		c := incident.ClassifySignificantNIS2{Meta: regMeta("c1"), IncidentID: regIncident, At: at}
		for _, code := range codes {
			c.Criteria = append(c.Criteria, incident.CriterionHit{Code: code, Value: "45 min", Threshold: "> 30 min"})
		}
		return c
	}
	want := func(tsp bool, codes ...string) []incident.Event {
		e := incident.ClassifiedSignificantNIS2{ID: regID("c1"), At: at, TrustServiceAffected: tsp}
		for _, code := range codes {
			e.Criteria = append(e.Criteria, incident.CriterionHit{Code: code, Value: "45 min", Threshold: "> 30 min"})
		}
		return []incident.Event{e}
	}
	nis2Recurring := incident.RecurringIncidentsAggregated{ID: regID("c0"), At: regAt("2025-03-03T09:00:00Z"), Regime: tenant.NIS2,
		MemberIncidentIDs: []string{"INC-1", "INC-2"}, LastDetectionAt: regAt("2025-03-01T08:40:00Z"), RootCause: "same phishing kit", AssessedAt: regAt("2025-03-03T09:00:00Z")}
	doraRecurring := nis2Recurring
	doraRecurring.Regime = tenant.DORA
	tsp := cmd("IR2024/2690:14(a)")
	tsp.TrustServiceAffected = true
	noAt := cmd("NIS2:23(3)(a)")
	noAt.At = time.Time{}
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "2690 cloud criterion (scenario 1)", Given: regOpened(), When: cmd("IR2024/2690:7(a)"), Want: want(false, "IR2024/2690:7(a)")},
		{Name: "general 23(3)(a) test (scenario 2)", Given: regOpened(), When: cmd("NIS2:23(3)(a)"), Want: want(false, "NIS2:23(3)(a)")},
		{Name: "TSP with trust service hit (scenario 3)", Given: regOpened(), When: tsp, Want: want(true, "IR2024/2690:14(a)")},
		{Name: "several criteria", Given: regOpened(), When: cmd("NIS2:23(3)(b)", "IR2024/2690:3(e)", "IR2024/2690:3(a)"),
			Want: want(false, "NIS2:23(3)(b)", "IR2024/2690:3(e)", "IR2024/2690:3(a)")},
		{Name: "recurring incidents (2690 Art. 4) with an aggregation", Given: regAfter(nis2Recurring), When: cmd("IR2024/2690:3(f)", "IR2024/2690:4"),
			Want: want(false, "IR2024/2690:3(f)", "IR2024/2690:4")},
		{Name: "Art. 4 needs a recorded NIS2 aggregation", Given: regOpened(), When: cmd("NIS2:23(3)(a)", "IR2024/2690:4"), WantField: "criteria[1].code"},
		{Name: "Art. 3(1)(f) needs a recorded NIS2 aggregation", Given: regOpened(), When: cmd("IR2024/2690:3(f)"), WantField: "criteria[0].code"},
		{Name: "a DORA aggregation does not count for NIS2", Given: regAfter(doraRecurring), When: cmd("IR2024/2690:4"), WantField: "criteria[0].code"},
		{Name: "no criteria", Given: regOpened(), When: cmd(), WantField: "criteria"},
		{Name: "empty code", Given: regOpened(), When: cmd(""), WantField: "criteria[0].code"},
		{Name: "unknown article", Given: regOpened(), When: cmd("NIS2:23(3)(a)", "IR2024/2690:15(a)"), WantField: "criteria[1].code"},
		{Name: "unknown point", Given: regOpened(), When: cmd("IR2024/2690:7(e)"), WantField: "criteria[0].code"},
		{Name: "Art. 3 needs a point", Given: regOpened(), When: cmd("IR2024/2690:3"), WantField: "criteria[0].code"},
		{Name: "unknown NIS2 point", Given: regOpened(), When: cmd("NIS2:23(3)(c)"), WantField: "criteria[0].code"},
		{Name: "a DORA threshold is not a NIS2 criterion", Given: regOpened(), When: cmd("RTS2024/1772:9(3)(b)"), WantField: "criteria[0].code"},
		{Name: "duplicate code", Given: regOpened(), When: cmd("IR2024/2690:7(a)", "IR2024/2690:7(a)"), WantField: "criteria[1].code"},
		{Name: "zero at", Given: regOpened(), When: noAt, WantField: "at"},
		{Name: "not opened", When: cmd("NIS2:23(3)(a)"), WantErr: domain.ErrNotFound},
	})
}

func TestDeclassifyNIS2(t *testing.T) {
	t.Parallel()
	classified := incident.ClassifiedSignificantNIS2{ID: regID("c0"), At: regAt("2025-03-03T10:00:00Z"), Criteria: []incident.CriterionHit{{Code: "NIS2:23(3)(a)"}}}
	ok := incident.DeclassifyNIS2{Meta: regMeta("c1"), IncidentID: regIncident, At: regAt("2025-03-05T15:00:00Z"), Rationale: "scheduled maintenance"}
	noRationale := ok
	noRationale.Rationale = ""
	noAt := ok
	noAt.At = time.Time{}
	wantOK := []incident.Event{incident.DeclassifiedNIS2{ID: regID("c1"), At: regAt("2025-03-05T15:00:00Z"), Rationale: "scheduled maintenance"}}
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "declassifies a significant incident", Given: regAfter(classified), When: ok, Want: wantOK},
		{Name: "a second declassification is a new fact",
			Given: regAfter(classified, incident.DeclassifiedNIS2{ID: regID("c0b"), At: regAt("2025-03-05T14:00:00Z"), Rationale: "x"}), When: ok, Want: wantOK},
		{Name: "nothing to declassify", Given: regOpened(), When: ok, WantErr: incident.ErrNotClassified},
		{Name: "nothing to declassify is a conflict", Given: regOpened(), When: ok, WantErr: domain.ErrConflict},
		{Name: "no rationale", Given: regAfter(classified), When: noRationale, WantField: "rationale"},
		{Name: "zero at", Given: regAfter(classified), When: noAt, WantField: "at"},
		{Name: "not opened", When: ok, WantErr: domain.ErrNotFound},
	})
}

func TestAssessClassificationDORA(t *testing.T) {
	t.Parallel()
	hit := func(codes ...string) []incident.CriterionHit {
		var hs []incident.CriterionHit
		for _, c := range codes {
			hs = append(hs, incident.CriterionHit{Code: c})
		}
		return hs
	}
	cmd := func(result incident.DORAResult, rule incident.DORARule, gate []string, codes ...string) incident.AssessClassificationDORA {
		return incident.AssessClassificationDORA{Meta: regMeta("cmd-dora-class"), IncidentID: regIncident, At: regAt("2025-03-04T11:00:00Z"),
			Result: result, Gate: gate, Thresholds: hit(codes...), Rule: rule}
	}
	want := func(result incident.DORAResult, rule incident.DORARule, gate []string, codes ...string) []incident.Event {
		return []incident.Event{incident.ClassificationAssessedDORA{ID: regID("cmd-dora-class"), At: regAt("2025-03-04T11:00:00Z"),
			Result: result, Gate: gate, Thresholds: hit(codes...), Rule: rule}}
	}
	g := []string{"6(a)"}
	const (
		major, nonMajor      = incident.DORAMajor, incident.DORANonMajor
		r81a, r81b, r82      = incident.DORARuleDataAccess, incident.DORARuleTwoThresholds, incident.DORARuleRecurring
		t91b, t91a, t93b     = "RTS2024/1772:9(1)(b)", "RTS2024/1772:9(1)(a)", "RTS2024/1772:9(3)(b)"
		t95a, t95b, t96, t94 = "RTS2024/1772:9(5)(a)", "RTS2024/1772:9(5)(b)", "RTS2024/1772:9(6)", "RTS2024/1772:9(4)"
	)
	recurring := incident.RecurringIncidentsAggregated{ID: regID("c0"), At: regAt("2025-04-01T09:00:00Z"), Regime: tenant.DORA,
		MemberIncidentIDs: []string{"INC-1", "INC-2"}, LastDetectionAt: regAt("2025-03-04T08:40:00Z"), RootCause: "expired certificate", AssessedAt: regAt("2025-03-31T16:00:00Z")}
	noAt := regDORAClassification
	noAt.At = time.Time{}
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "scenario 6: major by 8(1)(b), gate 6(a), 9(1)(b) and 9(3)(b)", Given: regOpened(), When: regDORAClassification, Want: []incident.Event{regDORAClassified}},
		{Name: "major by 8(1)(a) on 9(5)(b) alone", Given: regOpened(), When: cmd(major, r81a, []string{"6(c)"}, t95b), Want: want(major, r81a, []string{"6(c)"}, t95b)},
		{Name: "major by 8(2) with an aggregation", Given: regAfter(recurring), When: cmd(major, r82, g, t91b, t96), Want: want(major, r82, g, t91b, t96)},
		{Name: "non-major with one threshold", Given: regOpened(), When: cmd(nonMajor, "", g, t93b), Want: want(nonMajor, "", g, t93b)},
		{Name: "non-major without the gate", Given: regOpened(), When: cmd(nonMajor, "", nil, t91b, t93b), Want: want(nonMajor, "", nil, t91b, t93b)},
		{Name: "unknown result", Given: regOpened(), When: cmd("minor", "", g), WantField: "result"},
		{Name: "major needs a rule", Given: regOpened(), When: cmd(major, "", g, t91b, t93b), WantField: "rule"},
		{Name: "unknown rule", Given: regOpened(), When: cmd(major, "8(3)", g, t91b, t93b), WantField: "rule"},
		{Name: "8(1) needs the gate", Given: regOpened(), When: cmd(major, r81b, nil, t91b, t93b), WantField: "gate"},
		{Name: "8(1)(a) needs the gate", Given: regOpened(), When: cmd(major, r81a, nil, t95b), WantField: "gate"},
		{Name: "unknown gate point", Given: regOpened(), When: cmd(major, r81b, []string{"6(d)"}, t91b, t93b), WantField: "gate[0]"},
		{Name: "duplicate gate point", Given: regOpened(), When: cmd(major, r81b, []string{"6(a)", "6(a)"}, t91b, t93b), WantField: "gate[1]"},
		{Name: "8(1)(a) needs 9(5)(b)", Given: regOpened(), When: cmd(major, r81a, g, t91b, t93b), WantField: "thresholds"},
		{Name: "8(1)(a) is not met by 9(5)(a)", Given: regOpened(), When: cmd(major, r81a, g, t95a), WantField: "thresholds"},
		{Name: "8(1)(b) needs two thresholds", Given: regOpened(), When: cmd(major, r81b, g, t93b), WantField: "thresholds"},
		{Name: "8(1)(b) counts 9(5)(b) out", Given: regOpened(), When: cmd(major, r81b, g, t93b, t95b), WantField: "thresholds"},
		{Name: "8(1)(b) counts one paragraph once", Given: regOpened(), When: cmd(major, r81b, g, t91a, t91b), WantField: "thresholds"},
		{Name: "8(1)(b) with 9(5)(a) and 9(4)", Given: regOpened(), When: cmd(major, r81b, g, t95a, t94), Want: want(major, r81b, g, t95a, t94)},
		{Name: "8(2) needs a recorded aggregation", Given: regOpened(), When: cmd(major, r82, g, t91b, t96), WantField: "rule"},
		{Name: "8(2) needs the members to meet 8(1) together", Given: regAfter(recurring), When: cmd(major, r82, g, t91b), WantField: "thresholds"},
		{Name: "8(2) needs the gate", Given: regAfter(recurring), When: cmd(major, r82, nil, t91b, t96), WantField: "gate"},
		{Name: "non-major has no rule", Given: regOpened(), When: cmd(nonMajor, r81b, g, t93b), WantField: "rule"},
		{Name: "non-major cannot meet 8(1)(a)", Given: regOpened(), When: cmd(nonMajor, "", g, t95b), WantField: "result"},
		{Name: "non-major cannot meet 8(1)(b)", Given: regOpened(), When: cmd(nonMajor, "", g, t91b, t93b), WantField: "result"},
		{Name: "unknown threshold code", Given: regOpened(), When: cmd(major, r81b, g, t91b, "RTS2024/1772:9(7)"), WantField: "thresholds[1].code"},
		{Name: "9(5) needs its point", Given: regOpened(), When: cmd(major, r81b, g, t91b, "RTS2024/1772:9(5)"), WantField: "thresholds[1].code"},
		{Name: "a gate code is not a threshold", Given: regOpened(), When: cmd(major, r81b, g, t91b, "RTS2024/1772:6(a)"), WantField: "thresholds[1].code"},
		{Name: "a NIS2 code is not a threshold", Given: regOpened(), When: cmd(major, r81b, g, t91b, "IR2024/2690:7(a)"), WantField: "thresholds[1].code"},
		{Name: "duplicate threshold", Given: regOpened(), When: cmd(major, r81b, g, t91b, t91b, t93b), WantField: "thresholds[1].code"},
		{Name: "zero at", Given: regOpened(), When: noAt, WantField: "at"},
		{Name: "not opened", When: regDORAClassification, WantErr: domain.ErrNotFound},
	})
}

func TestReclassifyNonMajorDORA(t *testing.T) {
	t.Parallel()
	ok := incident.ReclassifyNonMajorDORA{Meta: regMeta("c1"), IncidentID: regIncident, At: regAt("2025-03-05T15:00:00Z"), Rationale: "at no time met Art. 8"}
	nonMajor := incident.ClassificationAssessedDORA{ID: regID("c0"), At: regAt("2025-03-04T11:00:00Z"), Result: incident.DORANonMajor}
	noRationale := ok
	noRationale.Rationale = ""
	noAt := ok
	noAt.At = time.Time{}
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "reclassifies a major incident (scenario 12)", Given: regAfter(regDORAClassified), When: ok,
			Want: []incident.Event{incident.ReclassifiedNonMajorDORA{ID: regID("c1"), At: regAt("2025-03-05T15:00:00Z"), Rationale: "at no time met Art. 8"}}},
		{Name: "never classified major", Given: regAfter(nonMajor), When: ok, WantErr: incident.ErrNotClassified},
		{Name: "never classified", Given: regOpened(), When: ok, WantErr: domain.ErrConflict},
		{Name: "no rationale", Given: regAfter(regDORAClassified), When: noRationale, WantField: "rationale"},
		{Name: "zero at", Given: regAfter(regDORAClassified), When: noAt, WantField: "at"},
		{Name: "not opened", When: ok, WantErr: domain.ErrNotFound},
	})
}

func TestAggregateRecurringIncidents(t *testing.T) {
	t.Parallel()
	ok := incident.AggregateRecurringIncidents{Meta: regMeta("c1"), IncidentID: regIncident, Regime: tenant.DORA,
		MemberIncidentIDs: []string{"INC-2025-0017", "INC-2025-0042"}, LastDetectionAt: regAt("2025-03-04T08:40:00Z"),
		RootCause: "expired certificate", AssessedAt: regAt("2025-03-31T16:00:00Z")}
	with := func(f func(*incident.AggregateRecurringIncidents)) incident.AggregateRecurringIncidents {
		c := ok
		c.MemberIncidentIDs = append([]string(nil), ok.MemberIncidentIDs...)
		f(&c)
		return c
	}
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "aggregates; at is the command's time", Given: regOpened(), When: ok,
			Want: []incident.Event{incident.RecurringIncidentsAggregated{ID: regID("c1"), At: regAt("2025-03-10T12:00:00Z"), Regime: tenant.DORA,
				MemberIncidentIDs: []string{"INC-2025-0017", "INC-2025-0042"}, LastDetectionAt: regAt("2025-03-04T08:40:00Z"),
				RootCause: "expired certificate", AssessedAt: regAt("2025-03-31T16:00:00Z")}}},
		{Name: "GDPR has no recurring rule", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.Regime = tenant.GDPR }), WantField: "regime"},
		{Name: "unknown regime", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.Regime = "X" }), WantField: "regime"},
		{Name: "one member", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.MemberIncidentIDs = c.MemberIncidentIDs[:1] }), WantField: "memberIncidentIds"},
		{Name: "bad member ID", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.MemberIncidentIDs[1] = "a b" }), WantField: "memberIncidentIds[1]"},
		{Name: "duplicate member", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.MemberIncidentIDs[1] = c.MemberIncidentIDs[0] }), WantField: "memberIncidentIds[1]"},
		{Name: "no last detection", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.LastDetectionAt = time.Time{} }), WantField: "lastDetectionAt"},
		{Name: "no root cause", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.RootCause = "" }), WantField: "rootCause"},
		{Name: "no assessment time", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.AssessedAt = time.Time{} }), WantField: "assessedAt"},
		{Name: "assessed before the last detection", Given: regOpened(), When: with(func(c *incident.AggregateRecurringIncidents) { c.AssessedAt = regAt("2025-03-01T00:00:00Z") }), WantField: "assessedAt"},
		{Name: "not opened", When: ok, WantErr: domain.ErrNotFound},
	})
}

func TestAssessPersonalDataBreach(t *testing.T) {
	t.Parallel()
	at := regAt("2025-03-03T14:00:00Z")
	cmd := func(risk incident.BreachRisk, sa, subjects bool) incident.AssessPersonalDataBreach {
		return incident.AssessPersonalDataBreach{Meta: regMeta("c1"), IncidentID: regIncident, At: at, Risk: risk, NotifySA: sa, NotifySubjects: subjects}
	}
	want := func(risk incident.BreachRisk, sa, subjects bool) []incident.Event {
		return []incident.Event{incident.PersonalDataBreachAssessed{ID: regID("c1"), At: at, Risk: risk, NotifySA: sa, NotifySubjects: subjects}}
	}
	noAt := cmd(incident.BreachRiskRisk, true, false)
	noAt.At = time.Time{}
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "risk, notify the SA (scenario 17)", Given: regOpened(), When: cmd(incident.BreachRiskRisk, true, false), Want: want(incident.BreachRiskRisk, true, false)},
		{Name: "high risk, notify the subjects too", Given: regOpened(), When: cmd(incident.BreachRiskHigh, true, true), Want: want(incident.BreachRiskHigh, true, true)},
		{Name: "high risk, Art. 34(3) exception", Given: regOpened(), When: cmd(incident.BreachRiskHigh, true, false), Want: want(incident.BreachRiskHigh, true, false)},
		{Name: "no risk, nothing to notify", Given: regOpened(), When: cmd(incident.BreachRiskNone, false, false), Want: want(incident.BreachRiskNone, false, false)},
		{Name: "no risk, voluntary notice", Given: regOpened(), When: cmd(incident.BreachRiskNone, true, false), Want: want(incident.BreachRiskNone, true, false)},
		{Name: "unknown risk", Given: regOpened(), When: cmd("medium", true, false), WantField: "risk"},
		{Name: "empty risk", Given: regOpened(), When: cmd("", false, false), WantField: "risk"},
		{Name: "risk without SA notice", Given: regOpened(), When: cmd(incident.BreachRiskRisk, false, false), WantField: "notifySa"},
		{Name: "zero at", Given: regOpened(), When: noAt, WantField: "at"},
		{Name: "not opened", When: cmd(incident.BreachRiskRisk, true, false), WantErr: domain.ErrNotFound},
	})
}

func TestMilestones(t *testing.T) {
	t.Parallel()
	at := regAt("2025-03-08T16:00:00Z")
	m := regMeta("c1")
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "regular activities recovered (scenario 6)", Given: regOpened(), When: incident.RecordRecovery{Meta: m, IncidentID: regIncident, At: at},
			Want: []incident.Event{incident.RegularActivitiesRecovered{ID: regID("c1"), At: at}}},
		{Name: "root-cause analysis completed", Given: regOpened(), When: incident.CompleteRootCauseAnalysis{Meta: m, IncidentID: regIncident, At: at},
			Want: []incident.Event{incident.RootCauseAnalysisCompleted{ID: regID("c1"), At: at}}},
		{Name: "handling completed", Given: regOpened(), When: incident.CompleteHandling{Meta: m, IncidentID: regIncident, At: at},
			Want: []incident.Event{incident.HandlingCompleted{ID: regID("c1"), At: at}}},
		{Name: "handling completed on a closed incident", Given: regClosed(), When: incident.CompleteHandling{Meta: m, IncidentID: regIncident, At: at},
			Want: []incident.Event{incident.HandlingCompleted{ID: regID("c1"), At: at}}},
		{Name: "recovery: zero at", Given: regOpened(), When: incident.RecordRecovery{Meta: m, IncidentID: regIncident}, WantField: "at"},
		{Name: "RCA: zero at", Given: regOpened(), When: incident.CompleteRootCauseAnalysis{Meta: m, IncidentID: regIncident}, WantField: "at"},
		{Name: "handling: zero at", Given: regOpened(), When: incident.CompleteHandling{Meta: m, IncidentID: regIncident}, WantField: "at"},
		{Name: "recovery: not opened", When: incident.RecordRecovery{Meta: m, IncidentID: regIncident, At: at}, WantErr: domain.ErrNotFound},
		{Name: "RCA: not opened", When: incident.CompleteRootCauseAnalysis{Meta: m, IncidentID: regIncident, At: at}, WantErr: domain.ErrNotFound},
		{Name: "handling: not opened", When: incident.CompleteHandling{Meta: m, IncidentID: regIncident, At: at}, WantErr: domain.ErrNotFound},
	})
}

func TestReceiveAuthorityRequest(t *testing.T) {
	t.Parallel()
	ok := incident.ReceiveAuthorityRequest{Meta: regMeta("c1"), IncidentID: regIncident, Regime: tenant.NIS2, Kind: incident.NIS2Intermediate,
		At: regAt("2025-03-06T10:00:00Z"), DueAt: regPtr("2025-03-07T12:00:00Z"), Authority: "BSI", Ref: "BSI-2025-118"}
	with := func(f func(*incident.ReceiveAuthorityRequest)) incident.ReceiveAuthorityRequest {
		c := ok
		f(&c)
		return c
	}
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "request with a due date", Given: regOpened(), When: ok,
			Want: []incident.Event{incident.AuthorityRequestReceived{ID: regID("c1"), Regime: tenant.NIS2, Kind: incident.NIS2Intermediate,
				At: regAt("2025-03-06T10:00:00Z"), DueAt: regPtr("2025-03-07T12:00:00Z"), Authority: "BSI", Ref: "BSI-2025-118"}}},
		{Name: "request without a due date", Given: regOpened(), When: with(func(c *incident.ReceiveAuthorityRequest) { c.DueAt = nil }),
			Want: []incident.Event{incident.AuthorityRequestReceived{ID: regID("c1"), Regime: tenant.NIS2, Kind: incident.NIS2Intermediate,
				At: regAt("2025-03-06T10:00:00Z"), Authority: "BSI", Ref: "BSI-2025-118"}}},
		{Name: "unknown regime", Given: regOpened(), When: with(func(c *incident.ReceiveAuthorityRequest) { c.Regime = "nis2" }), WantField: "regime"},
		{Name: "unknown kind", Given: regOpened(), When: with(func(c *incident.ReceiveAuthorityRequest) { c.Kind = "NIS2_INTERIM" }), WantField: "kind"},
		{Name: "kind of another regime", Given: regOpened(), When: with(func(c *incident.ReceiveAuthorityRequest) { c.Kind = incident.DORAIntermediateUpdate }), WantField: "kind"},
		{Name: "zero at", Given: regOpened(), When: with(func(c *incident.ReceiveAuthorityRequest) { c.At = time.Time{} }), WantField: "at"},
		{Name: "due before the request", Given: regOpened(), When: with(func(c *incident.ReceiveAuthorityRequest) { c.DueAt = regPtr("2025-03-06T09:00:00Z") }), WantField: "dueAt"},
		{Name: "due at the request", Given: regOpened(), When: with(func(c *incident.ReceiveAuthorityRequest) { c.DueAt = regPtr("2025-03-06T10:00:00Z") }), WantField: "dueAt"},
		{Name: "no authority", Given: regOpened(), When: with(func(c *incident.ReceiveAuthorityRequest) { c.Authority = "" }), WantField: "authority"},
		{Name: "not opened", When: ok, WantErr: domain.ErrNotFound},
	})
}

func TestSubmitNotification(t *testing.T) {
	t.Parallel()
	ok := incident.SubmitNotification{Meta: regMeta("cmd-sub-initial"), IncidentID: regIncident, SubmissionID: "SUB-1",
		Kinds: []incident.ReportKind{incident.DORAInitial}, SentAt: regAt("2025-03-04T14:00:00Z"), Authority: "BaFin"}
	with := func(f func(*incident.SubmitNotification)) incident.SubmitNotification {
		c := ok
		c.Kinds = append([]incident.ReportKind(nil), ok.Kinds...)
		f(&c)
		return c
	}
	full := with(func(c *incident.SubmitNotification) {
		c.Kinds = []incident.ReportKind{incident.DORAIntermediate, incident.DORAFinal}
		c.ReceivedAt = regPtr("2025-03-04T14:00:07Z")
		c.Channel, c.AuthorityRef, c.ContentHash, c.DelayReason = "MVP portal", "BaFin-IKT-1", "sha256:ab", "late data"
	})
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "initial notification (scenario 6); at is the command's time", Given: regOpened(), When: ok, Want: []incident.Event{regInitial}},
		{Name: "several kinds in one submission (ITS Art. 2), with receipt", Given: regOpened(), When: full,
			Want: []incident.Event{incident.NotificationSubmitted{ID: regID("cmd-sub-initial"), At: regAt("2025-03-10T12:00:00Z"), SubmissionID: "SUB-1",
				Kinds: []incident.ReportKind{incident.DORAIntermediate, incident.DORAFinal}, SentAt: regAt("2025-03-04T14:00:00Z"),
				ReceivedAt: regPtr("2025-03-04T14:00:07Z"), Authority: "BaFin", Channel: "MVP portal", AuthorityRef: "BaFin-IKT-1",
				ContentHash: "sha256:ab", DelayReason: "late data"}}},
		{Name: "received when sent", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.ReceivedAt = regPtr("2025-03-04T14:00:00Z") }),
			Want: []incident.Event{incident.NotificationSubmitted{ID: regID("cmd-sub-initial"), At: regAt("2025-03-10T12:00:00Z"), SubmissionID: "SUB-1",
				Kinds: []incident.ReportKind{incident.DORAInitial}, SentAt: regAt("2025-03-04T14:00:00Z"), ReceivedAt: regPtr("2025-03-04T14:00:00Z"), Authority: "BaFin"}}},
		{Name: "on a closed incident", Given: regClosed(), When: ok, Want: []incident.Event{regInitial}},
		{Name: "submission ID already recorded", Given: regAfter(regInitial), When: with(func(c *incident.SubmitNotification) { c.Meta = regMeta("c2") }), WantErr: domain.ErrAlreadyExists},
		{Name: "submission ID already recorded (sentinel)", Given: regAfter(regInitial), When: with(func(c *incident.SubmitNotification) { c.Meta = regMeta("c2") }), WantErr: incident.ErrSubmissionExists},
		{Name: "no submission ID", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.SubmissionID = "" }), WantField: "submissionId"},
		{Name: "bad submission ID", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.SubmissionID = "SUB 1" }), WantField: "submissionId"},
		{Name: "no kinds", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.Kinds = nil }), WantField: "kinds"},
		{Name: "unknown kind", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.Kinds = append(c.Kinds, "DORA_INTERIM") }), WantField: "kinds[1]"},
		{Name: "duplicate kind", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.Kinds = append(c.Kinds, incident.DORAInitial) }), WantField: "kinds[1]"},
		{Name: "zero sentAt", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.SentAt = time.Time{} }), WantField: "sentAt"},
		{Name: "received before sent", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.ReceivedAt = regPtr("2025-03-04T13:59:59Z") }), WantField: "receivedAt"},
		{Name: "no authority", Given: regOpened(), When: with(func(c *incident.SubmitNotification) { c.Authority = "" }), WantField: "authority"},
		{Name: "not opened", When: ok, WantErr: domain.ErrNotFound},
	})
}

func TestNotifyDelay(t *testing.T) {
	t.Parallel()
	ok := incident.NotifyDelay{Meta: regMeta("c1"), IncidentID: regIncident, Regime: tenant.DORA, Kind: incident.DORAFinal,
		At: regAt("2025-04-08T10:00:00Z"), Reasons: "RCA by the processor pending"}
	with := func(f func(*incident.NotifyDelay)) incident.NotifyDelay {
		c := ok
		f(&c)
		return c
	}
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "DORA 5(3) delay notice", Given: regOpened(), When: ok,
			Want: []incident.Event{incident.DelayNotified{ID: regID("c1"), Regime: tenant.DORA, Kind: incident.DORAFinal, At: regAt("2025-04-08T10:00:00Z"), Reasons: "RCA by the processor pending"}}},
		{Name: "no reasons", Given: regOpened(), When: with(func(c *incident.NotifyDelay) { c.Reasons = "" }), WantField: "reasons"},
		{Name: "unknown regime", Given: regOpened(), When: with(func(c *incident.NotifyDelay) { c.Regime = "" }), WantField: "regime"},
		{Name: "unknown kind", Given: regOpened(), When: with(func(c *incident.NotifyDelay) { c.Kind = "" }), WantField: "kind"},
		{Name: "kind of another regime", Given: regOpened(), When: with(func(c *incident.NotifyDelay) { c.Kind = incident.GDPRSupervisoryAuthority }), WantField: "kind"},
		{Name: "zero at", Given: regOpened(), When: with(func(c *incident.NotifyDelay) { c.At = time.Time{} }), WantField: "at"},
		{Name: "not opened", When: ok, WantErr: domain.ErrNotFound},
	})
}

func TestCorrectTimestamp(t *testing.T) {
	t.Parallel()
	request := incident.AuthorityRequestReceived{ID: regID("cmd-req"), Regime: tenant.DORA, Kind: incident.DORAIntermediateUpdate,
		At: regAt("2025-03-06T10:00:00Z"), Authority: "BaFin"}
	firstFix := incident.TimestampCorrected{ID: regID("cmd-fix-0"), At: regAt("2025-03-10T12:00:00Z"), TargetEventID: regAware.ID, Field: "at",
		Old: regPtr("2025-03-04T09:00:00Z"), New: regAt("2025-03-04T08:50:00Z"), Reason: "ticket history"}
	cmd := func(target, field string, old *time.Time, new time.Time) incident.CorrectTimestamp {
		return incident.CorrectTimestamp{Meta: regMeta("cmd-fix"), IncidentID: regIncident, TargetEventID: target, Field: field, Old: old, New: new, Reason: "ticket history"}
	}
	want := func(target, field string, old *time.Time, new time.Time) []incident.Event {
		return []incident.Event{incident.TimestampCorrected{ID: regID("cmd-fix"), At: regAt("2025-03-10T12:00:00Z"), TargetEventID: target, Field: field, Old: old, New: new, Reason: "ticket history"}}
	}
	noReason := cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z"))
	noReason.Reason = ""
	domaintest.RunDecider(t, incident.Decider, []regCase{
		{Name: "corrects an awareness time", Given: regAfter(regAware), When: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")),
			Want: want(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z"))},
		{Name: "old in another zone is the same instant", Given: regAfter(regAware), When: cmd(regAware.ID, "at", regPtr("2025-03-04T10:00:00+01:00"), regAt("2025-03-04T08:50:00Z")),
			Want: want(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z"))},
		{Name: "a second correction starts from the corrected value", Given: regAfter(regAware, firstFix),
			When: cmd(regAware.ID, "at", regPtr("2025-03-04T08:50:00Z"), regAt("2025-03-04T08:45:00Z")),
			Want: want(regAware.ID, "at", regPtr("2025-03-04T08:50:00Z"), regAt("2025-03-04T08:45:00Z"))},
		{Name: "old must be the corrected value", Given: regAfter(regAware, firstFix),
			When: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:45:00Z")), WantField: "old"},
		{Name: "corrects a submission's sentAt", Given: regAfter(regInitial), When: cmd(regInitial.ID, "sentAt", regPtr("2025-03-04T14:00:00Z"), regAt("2025-03-04T13:55:00Z")),
			Want: want(regInitial.ID, "sentAt", regPtr("2025-03-04T14:00:00Z"), regAt("2025-03-04T13:55:00Z"))},
		{Name: "sets an unknown receivedAt", Given: regAfter(regInitial), When: cmd(regInitial.ID, "receivedAt", nil, regAt("2025-03-04T14:01:00Z")),
			Want: want(regInitial.ID, "receivedAt", nil, regAt("2025-03-04T14:01:00Z"))},
		{Name: "sets an unknown dueAt", Given: regAfter(request), When: cmd(request.ID, "dueAt", nil, regAt("2025-03-07T12:00:00Z")),
			Want: want(request.ID, "dueAt", nil, regAt("2025-03-07T12:00:00Z"))},
		{Name: "corrects the DORA classification time", Given: regAfter(regDORAClassified),
			When: cmd(regDORAClassified.ID, "at", regPtr("2025-03-04T11:00:00Z"), regAt("2025-03-04T10:30:00Z")),
			Want: want(regDORAClassified.ID, "at", regPtr("2025-03-04T11:00:00Z"), regAt("2025-03-04T10:30:00Z"))},
		{Name: "unknown target", Given: regAfter(regAware), When: cmd(regID("nope"), "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), WantField: "targetEventId"},
		{Name: "a correction cannot be corrected", Given: regAfter(regAware, firstFix), When: cmd(firstFix.ID, "new", regPtr("2025-03-04T08:50:00Z"), regAt("2025-03-04T08:45:00Z")), WantField: "targetEventId"},
		{Name: "not a time field", Given: regAfter(regAware), When: cmd(regAware.ID, "basis", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), WantField: "field"},
		{Name: "a submission has no correctable at", Given: regAfter(regInitial), When: cmd(regInitial.ID, "at", regPtr("2025-03-10T12:00:00Z"), regAt("2025-03-10T11:00:00Z")), WantField: "field"},
		{Name: "old does not match", Given: regAfter(regAware), When: cmd(regAware.ID, "at", regPtr("2025-03-04T09:01:00Z"), regAt("2025-03-04T08:50:00Z")), WantField: "old"},
		{Name: "old missing", Given: regAfter(regAware), When: cmd(regAware.ID, "at", nil, regAt("2025-03-04T08:50:00Z")), WantField: "old"},
		{Name: "old given for an absent receivedAt", Given: regAfter(regInitial), When: cmd(regInitial.ID, "receivedAt", regPtr("2025-03-04T14:00:00Z"), regAt("2025-03-04T14:01:00Z")), WantField: "old"},
		{Name: "new equals old", Given: regAfter(regAware), When: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T09:00:00Z")), WantField: "new"},
		{Name: "receivedAt before sentAt", Given: regAfter(regInitial), When: cmd(regInitial.ID, "receivedAt", nil, regAt("2025-03-04T13:00:00Z")), WantField: "new"},
		{Name: "sentAt after receivedAt", Given: regAfter(regInitial, incident.TimestampCorrected{ID: regID("fix-r"), TargetEventID: regInitial.ID, Field: "receivedAt", New: regAt("2025-03-04T14:01:00Z"), Reason: "x"}),
			When: cmd(regInitial.ID, "sentAt", regPtr("2025-03-04T14:00:00Z"), regAt("2025-03-04T14:02:00Z")), WantField: "new"},
		{Name: "dueAt not after at", Given: regAfter(request), When: cmd(request.ID, "dueAt", nil, regAt("2025-03-06T10:00:00Z")), WantField: "new"},
		{Name: "zero new", Given: regAfter(regAware), When: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), time.Time{}), WantField: "new"},
		{Name: "no target", Given: regAfter(regAware), When: cmd("", "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), WantField: "targetEventId"},
		{Name: "no field", Given: regAfter(regAware), When: cmd(regAware.ID, "", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), WantField: "field"},
		{Name: "no reason", Given: regAfter(regAware), When: noReason, WantField: "reason"},
		{Name: "not opened", Given: []incident.Event{regAware}, When: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), WantErr: domain.ErrNotFound},
	})
}

// TestScenario6 runs compliance-spec.md §7 scenario 6 through Decide and
// Evolve and checks the facts and views the compliance engine reads.
func TestScenario6(t *testing.T) {
	t.Parallel()
	m := func(cmd string) domain.Meta {
		mm := regMeta(cmd)
		mm.At = regAt("2025-04-09T16:00:00Z")
		return mm
	}
	sub := func(cmd, id string, kind incident.ReportKind, sent string) incident.SubmitNotification {
		return incident.SubmitNotification{Meta: m(cmd), IncidentID: regIncident, SubmissionID: id, Kinds: []incident.ReportKind{kind}, SentAt: regAt(sent), Authority: "BaFin"}
	}
	class := regDORAClassification
	class.Meta = m("cmd-dora-class")
	commands := []incident.Command{
		incident.RecordDetection{Meta: m("cmd-detect"), IncidentID: regIncident, At: regAt("2025-03-04T08:40:00Z"), Source: "edr"},
		incident.EstablishAwareness{Meta: m("cmd-aware"), IncidentID: regIncident, Regime: tenant.DORA, At: regAt("2025-03-04T09:00:00Z"), Basis: "outage confirmed"},
		class,
		sub("cmd-s1", "SUB-1", incident.DORAInitial, "2025-03-04T14:00:00Z"),
		sub("cmd-s2", "SUB-2", incident.DORAIntermediate, "2025-03-07T10:00:00Z"),
		incident.RecordRecovery{Meta: m("cmd-recovered"), IncidentID: regIncident, At: regAt("2025-03-08T16:00:00Z")},
		sub("cmd-s3", "SUB-3", incident.DORAIntermediateUpdate, "2025-03-10T09:00:00Z"),
		sub("cmd-s4", "SUB-4", incident.DORAFinal, "2025-04-09T15:00:00Z"),
		incident.CorrectTimestamp{Meta: m("cmd-fix"), IncidentID: regIncident, TargetEventID: regID("cmd-s3"), Field: "receivedAt", New: regAt("2025-03-10T09:00:05Z"), Reason: "portal receipt"},
	}
	s := incident.Decider.Fold(incident.State{}, regOpened())
	for _, c := range commands {
		events, err := incident.Decide(c, s)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		s = incident.Decider.Fold(s, events)
	}
	r := s.Reg
	if len(r.Facts) != len(commands) || len(r.Corrections) != 1 {
		t.Fatalf("%d facts, %d corrections", len(r.Facts), len(r.Corrections))
	}
	for i, c := range commands {
		if want := regID(c.CommandMeta().CommandID); r.Facts[i].ID != want {
			t.Errorf("fact %d ID %s, want %s", i, r.Facts[i].ID, want)
		}
	}
	if r.Facts[2].Type != "incident.classification_assessed_dora" || !reflect.DeepEqual(r.Facts[2].Event, regDORAClassified) {
		t.Errorf("classification fact %#v", r.Facts[2])
	}
	if a, ok := r.Awareness(tenant.DORA); !ok || !a.At.Equal(regAt("2025-03-04T09:00:00Z")) {
		t.Errorf("DORA awareness %v %v", a, ok)
	}
	if _, ok := r.Awareness(tenant.NIS2); ok {
		t.Error("NIS2 awareness without a fact")
	}
	if d, ok := r.Detection(); !ok || d.Source != "edr" {
		t.Errorf("detection %v %v", d, ok)
	}
	subs := incident.FactsOf[incident.NotificationSubmitted](r)
	if len(subs) != 4 || subs[3].Kinds[0] != incident.DORAFinal || !subs[3].SentAt.Equal(regAt("2025-04-09T15:00:00Z")) {
		t.Fatalf("submissions %#v", subs)
	}
	if subs[2].ReceivedAt == nil || !subs[2].ReceivedAt.Equal(regAt("2025-03-10T09:00:05Z")) {
		t.Errorf("corrected receivedAt not in the view: %v", subs[2].ReceivedAt)
	}
	if orig, _ := r.Fact(regID("cmd-s3")); orig.Event.(incident.NotificationSubmitted).ReceivedAt != nil {
		t.Error("the correction edited the original fact")
	}
	if got, ok := r.EffectiveTime(regID("cmd-s3"), "receivedAt"); !ok || !got.Equal(regAt("2025-03-10T09:00:05Z")) {
		t.Errorf("EffectiveTime %v %v", got, ok)
	}
	if rec := incident.FactsOf[incident.RegularActivitiesRecovered](r); len(rec) != 1 || !rec[0].At.Equal(regAt("2025-03-08T16:00:00Z")) {
		t.Errorf("recovery %v", rec)
	}
}

func TestEffectiveViews(t *testing.T) {
	t.Parallel()
	later := incident.AwarenessEstablished{ID: regID("cmd-aware-2"), Regime: tenant.DORA, At: regAt("2025-03-04T10:00:00Z"), Basis: "second statement"}
	fix := incident.TimestampCorrected{ID: regID("cmd-fix"), At: regAt("2025-03-10T12:00:00Z"), TargetEventID: regAware.ID, Field: "at",
		Old: regPtr("2025-03-04T09:00:00Z"), New: regAt("2025-03-04T11:00:00Z"), Reason: "x"}
	s := incident.Decider.Fold(incident.State{}, regAfter(regAware, later))
	if a, _ := s.Reg.Awareness(tenant.DORA); a.ID != regAware.ID {
		t.Errorf("earliest awareness is %s, want %s", a.ID, regAware.ID)
	}
	s2 := incident.Evolve(s, fix)
	if a, _ := s2.Reg.Awareness(tenant.DORA); a.ID != later.ID {
		t.Errorf("after the correction the earliest awareness is %s, want %s", a.ID, later.ID)
	}
	if a, _ := s.Reg.Awareness(tenant.DORA); a.ID != regAware.ID {
		t.Error("Evolve changed the older state")
	}
	eff := s2.Reg.EffectiveFacts()
	if got := eff[len(eff)-3].Event.(incident.AwarenessEstablished).At; !got.Equal(fix.New) {
		t.Errorf("EffectiveFacts at %v", got)
	}
	if got := s2.Reg.Facts[len(eff)-3].Event.(incident.AwarenessEstablished).At; !got.Equal(regAware.At) {
		t.Errorf("Facts changed: %v", got)
	}
	if _, ok := s2.Reg.EffectiveTime(regAware.ID, "sentAt"); ok {
		t.Error("EffectiveTime of a field the fact does not have")
	}
	if _, ok := s2.Reg.EffectiveTime("nope", "at"); ok {
		t.Error("EffectiveTime of an unknown fact")
	}
}

// TestEvolveDoesNotAlias checks that two states evolved from one do not
// share the facts they append.
func TestEvolveDoesNotAlias(t *testing.T) {
	t.Parallel()
	base := incident.Decider.Fold(incident.State{}, regAfter(regAware))
	a := incident.Evolve(base, incident.HandlingCompleted{ID: "a", At: regAt("2025-03-10T00:00:00Z")})
	b := incident.Evolve(base, incident.RootCauseAnalysisCompleted{ID: "b", At: regAt("2025-03-11T00:00:00Z")})
	if len(base.Reg.Facts) != 1 || a.Reg.Facts[1].ID != "a" || b.Reg.Facts[1].ID != "b" {
		t.Fatalf("base %v a %v b %v", base.Reg.Facts, a.Reg.Facts, b.Reg.Facts)
	}
	fa := incident.Evolve(base, incident.TimestampCorrected{ID: "fa", TargetEventID: regAware.ID, Field: "at", New: regAt("2025-03-04T08:00:00Z")})
	fb := incident.Evolve(base, incident.TimestampCorrected{ID: "fb", TargetEventID: regAware.ID, Field: "at", New: regAt("2025-03-04T07:00:00Z")})
	if fa.Reg.Corrections[0].ID != "fa" || fb.Reg.Corrections[0].ID != "fb" || len(base.Reg.Corrections) != 0 {
		t.Fatal("corrections alias")
	}
	// Siblings evolved at the same time from one state (run with -race).
	var wg sync.WaitGroup
	got := make([]incident.State, 8)
	for i := range got {
		wg.Go(func() {
			s := base
			for j := range 20 {
				s = incident.Evolve(s, incident.HandlingCompleted{ID: fmt.Sprintf("%d-%d", i, j), At: regAt("2025-03-10T00:00:00Z")})
			}
			got[i] = s
		})
	}
	wg.Wait()
	for i, s := range got {
		if len(s.Reg.Facts) != 21 || s.Reg.Facts[0].ID != regAware.ID {
			t.Fatalf("sibling %d: %d facts", i, len(s.Reg.Facts))
		}
		for j, f := range s.Reg.Facts[1:] {
			if want := fmt.Sprintf("%d-%d", i, j); f.ID != want {
				t.Fatalf("sibling %d fact %d is %s, want %s", i, j, f.ID, want)
			}
		}
	}
}

func TestCriterionCodes(t *testing.T) {
	t.Parallel()
	codes := incident.CriterionCodes()
	tests := []struct {
		code   string
		family incident.CriterionFamily
		ok     bool
	}{
		{"NIS2:23(3)(a)", incident.CriterionNIS2, true},
		{"NIS2:23(3)(b)", incident.CriterionNIS2, true},
		{"IR2024/2690:3(g)", incident.CriterionNIS2, true},
		{"IR2024/2690:4", incident.CriterionNIS2, true},
		{"IR2024/2690:7(a)", incident.CriterionNIS2, true},
		{"IR2024/2690:14(e)", incident.CriterionNIS2, true},
		{"RTS2024/1772:9(1)(b)", incident.CriterionDORAThreshold, true},
		{"RTS2024/1772:9(2)", incident.CriterionDORAThreshold, true},
		{"RTS2024/1772:9(3)(b)", incident.CriterionDORAThreshold, true},
		{"RTS2024/1772:9(5)(b)", incident.CriterionDORAThreshold, true},
		{"RTS2024/1772:9(6)", incident.CriterionDORAThreshold, true},
		{"RTS2024/1772:6(c)", incident.CriterionDORAGate, true},
		{"RTS2024/1772:8(1)(a)", incident.CriterionDORARule, true},
		{"RTS2024/1772:8(2)", incident.CriterionDORARule, true},
		{"IR2024/2690:2(a)", "", false},
		{"IR2024/2690:14(f)", "", false},
		{"IR2024/2690:7", "", false},
		{"RTS2024/1772:9(5)", "", false},
		{"RTS2024/1772:9(7)", "", false},
		{"ir2024/2690:7(a)", "", false},
		{"7(a)", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		f, ok := incident.CriterionCodeFamily(tt.code)
		if ok != tt.ok || f != tt.family {
			t.Errorf("%q: %q %v, want %q %v", tt.code, f, ok, tt.family, tt.ok)
		}
	}
	// NIS2 2; 2690: 7+1+3+3+7*4+5; 1772 thresholds 7+1+3+1+2+1, gate 3, rules 3.
	if len(codes) != 2+47+15+3+3 {
		t.Errorf("%d codes: %v", len(codes), codes)
	}
}

func TestReportKinds(t *testing.T) {
	t.Parallel()
	want := map[incident.ReportKind]tenant.Regime{
		"NIS2_EARLY_WARNING": tenant.NIS2, "NIS2_INCIDENT_NOTIFICATION": tenant.NIS2, "NIS2_INTERMEDIATE": tenant.NIS2,
		"NIS2_PROGRESS": tenant.NIS2, "NIS2_FINAL": tenant.NIS2, "DORA_INITIAL": tenant.DORA, "DORA_INTERMEDIATE": tenant.DORA,
		"DORA_INTERMEDIATE_UPDATE": tenant.DORA, "DORA_FINAL": tenant.DORA, "DORA_RECLASSIFICATION": tenant.DORA,
		"DORA_CYBER_THREAT": tenant.DORA, "GDPR_SA": tenant.GDPR, "GDPR_SA_SUPPLEMENT": tenant.GDPR, "GDPR_DATA_SUBJECTS": tenant.GDPR,
	}
	if len(incident.ReportKinds) != len(want) {
		t.Fatalf("%d kinds", len(incident.ReportKinds))
	}
	for _, k := range incident.ReportKinds {
		if r, ok := want[k]; !ok || k.Regime() != r {
			t.Errorf("%s: regime %q", k, k.Regime())
		}
	}
	if incident.ReportKind("X").Regime() != "" {
		t.Error("unknown kind has a regime")
	}
}

// TestTimeFields checks that every listed time field can be read and
// corrected.
func TestTimeFields(t *testing.T) {
	t.Parallel()
	for _, typ := range incident.RegulatoryEventTypes() {
		fields := incident.TimeFields(typ)
		if typ == "incident.timestamp_corrected" {
			if len(fields) != 0 {
				t.Errorf("%s: %v", typ, fields)
			}
			continue
		}
		if len(fields) == 0 {
			t.Errorf("%s has no correctable time field", typ)
		}
		data := regSample(t, typ)
		e, err := incident.Codec().Decode(typ, 1, data)
		if err != nil {
			t.Fatal(err)
		}
		id := regEventID(t, e)
		s := incident.Decider.Fold(incident.State{}, regAfter(e))
		for _, f := range fields {
			old, ok := s.Reg.EffectiveTime(id, f)
			if !ok {
				t.Errorf("%s.%s: no value in the sample", typ, f)
				continue
			}
			next := old.Add(time.Minute)
			if f == "sentAt" {
				next = old.Add(-time.Minute) // stays before receivedAt
			}
			got, err := incident.Decide(incident.CorrectTimestamp{Meta: regMeta("fix-" + f), IncidentID: regIncident, TargetEventID: id, Field: f, Old: &old, New: next, Reason: "test"}, s)
			if err != nil {
				t.Errorf("%s.%s: %v", typ, f, err)
				continue
			}
			s2 := incident.Decider.Fold(s, got)
			if v, _ := s2.Reg.EffectiveTime(id, f); !v.Equal(next) {
				t.Errorf("%s.%s: effective %v, want %v", typ, f, v, next)
			}
		}
	}
}
