package incident_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
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
type regCase struct {
	name  string
	given []incident.Event
	when  incident.Command
	want  []incident.Event
	// wantErr is matched with errors.Is; wantField, when set, with
	// errors.As *domain.FieldError on that field (and ErrInvalid).
	wantErr   error
	wantField string
}

func regRun(t *testing.T, rows []regCase) {
	t.Helper()
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := incident.Decider.Fold(incident.State{}, tt.given)
			got, err := incident.Decide(tt.when, s)
			switch {
			case tt.wantField != "":
				var fe *domain.FieldError
				if !errors.As(err, &fe) || fe.Field != tt.wantField || !errors.Is(err, domain.ErrInvalid) {
					t.Fatalf("err = %v, want a field error on %q", err, tt.wantField)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("events\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

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
	regRun(t, []regCase{
		{name: "records the first signal", given: regOpened(), when: ok,
			want: []incident.Event{incident.Detected{ID: regID("c1"), At: regAt("2025-03-04T08:40:00Z"), Source: "edr", SignalRef: "alert-7f3c"}}},
		{name: "stores the time in UTC", given: regOpened(),
			when: incident.RecordDetection{Meta: regMeta("c1"), IncidentID: regIncident, At: regAt("2025-03-04T09:40:00+01:00"), Source: "edr"},
			want: []incident.Event{incident.Detected{ID: regID("c1"), At: regAt("2025-03-04T08:40:00Z"), Source: "edr"}}},
		{name: "a second detection is a new fact", given: regAfter(incident.Detected{ID: regID("c0"), At: regAt("2025-03-04T08:00:00Z"), Source: "siem"}), when: ok,
			want: []incident.Event{incident.Detected{ID: regID("c1"), At: regAt("2025-03-04T08:40:00Z"), Source: "edr", SignalRef: "alert-7f3c"}}},
		{name: "zero at", given: regOpened(), when: noAt, wantField: "at"},
		{name: "no source", given: regOpened(), when: noSource, wantField: "source"},
		{name: "incident not opened", when: ok, wantErr: domain.ErrNotFound},
		{name: "field errors come before not found", when: noAt, wantField: "at"},
		{name: "no command ID", given: regOpened(), when: incident.RecordDetection{Meta: domain.Meta{Tenant: "acme-bank", Actor: "a", At: regAt("2025-03-04T08:40:00Z")}, IncidentID: regIncident, At: regAt("2025-03-04T08:40:00Z"), Source: "edr"}, wantField: "commandId"},
		{name: "bad incident ID", given: regOpened(), when: incident.RecordDetection{Meta: regMeta("c1"), IncidentID: "bad id", At: regAt("2025-03-04T08:40:00Z"), Source: "edr"}, wantField: "incident"},
	})
}

func TestEstablishAwareness(t *testing.T) {
	t.Parallel()
	cmd := func(r tenant.Regime, at time.Time, basis string) incident.EstablishAwareness {
		return incident.EstablishAwareness{Meta: regMeta("cmd-aware"), IncidentID: regIncident, Regime: r, At: at, Basis: basis}
	}
	a := regAt("2025-03-04T09:00:00Z")
	regRun(t, []regCase{
		{name: "DORA awareness", given: regOpened(), when: cmd(tenant.DORA, a, "outage confirmed"), want: []incident.Event{regAware}},
		{name: "GDPR awareness", given: regOpened(), when: cmd(tenant.GDPR, a, "customer data exfiltrated"),
			want: []incident.Event{incident.AwarenessEstablished{ID: regID("cmd-aware"), Regime: tenant.GDPR, At: a, Basis: "customer data exfiltrated"}}},
		{name: "awareness on a closed incident", given: regClosed(), when: cmd(tenant.DORA, a, "outage confirmed"), want: []incident.Event{regAware}},
		{name: "unknown regime", given: regOpened(), when: cmd("PSD2", a, "x"), wantField: "regime"},
		{name: "empty regime", given: regOpened(), when: cmd("", a, "x"), wantField: "regime"},
		{name: "zero at", given: regOpened(), when: cmd(tenant.DORA, time.Time{}, "x"), wantField: "at"},
		{name: "no basis", given: regOpened(), when: cmd(tenant.DORA, a, ""), wantField: "basis"},
		{name: "not opened", when: cmd(tenant.DORA, a, "x"), wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "2690 cloud criterion (scenario 1)", given: regOpened(), when: cmd("IR2024/2690:7(a)"), want: want(false, "IR2024/2690:7(a)")},
		{name: "general 23(3)(a) test (scenario 2)", given: regOpened(), when: cmd("NIS2:23(3)(a)"), want: want(false, "NIS2:23(3)(a)")},
		{name: "TSP with trust service hit (scenario 3)", given: regOpened(), when: tsp, want: want(true, "IR2024/2690:14(a)")},
		{name: "several criteria", given: regOpened(), when: cmd("NIS2:23(3)(b)", "IR2024/2690:3(e)", "IR2024/2690:3(a)"),
			want: want(false, "NIS2:23(3)(b)", "IR2024/2690:3(e)", "IR2024/2690:3(a)")},
		{name: "recurring incidents (2690 Art. 4) with an aggregation", given: regAfter(nis2Recurring), when: cmd("IR2024/2690:3(f)", "IR2024/2690:4"),
			want: want(false, "IR2024/2690:3(f)", "IR2024/2690:4")},
		{name: "Art. 4 needs a recorded NIS2 aggregation", given: regOpened(), when: cmd("NIS2:23(3)(a)", "IR2024/2690:4"), wantField: "criteria[1].code"},
		{name: "Art. 3(1)(f) needs a recorded NIS2 aggregation", given: regOpened(), when: cmd("IR2024/2690:3(f)"), wantField: "criteria[0].code"},
		{name: "a DORA aggregation does not count for NIS2", given: regAfter(doraRecurring), when: cmd("IR2024/2690:4"), wantField: "criteria[0].code"},
		{name: "no criteria", given: regOpened(), when: cmd(), wantField: "criteria"},
		{name: "empty code", given: regOpened(), when: cmd(""), wantField: "criteria[0].code"},
		{name: "unknown article", given: regOpened(), when: cmd("NIS2:23(3)(a)", "IR2024/2690:15(a)"), wantField: "criteria[1].code"},
		{name: "unknown point", given: regOpened(), when: cmd("IR2024/2690:7(e)"), wantField: "criteria[0].code"},
		{name: "Art. 3 needs a point", given: regOpened(), when: cmd("IR2024/2690:3"), wantField: "criteria[0].code"},
		{name: "unknown NIS2 point", given: regOpened(), when: cmd("NIS2:23(3)(c)"), wantField: "criteria[0].code"},
		{name: "a DORA threshold is not a NIS2 criterion", given: regOpened(), when: cmd("RTS2024/1772:9(3)(b)"), wantField: "criteria[0].code"},
		{name: "duplicate code", given: regOpened(), when: cmd("IR2024/2690:7(a)", "IR2024/2690:7(a)"), wantField: "criteria[1].code"},
		{name: "zero at", given: regOpened(), when: noAt, wantField: "at"},
		{name: "not opened", when: cmd("NIS2:23(3)(a)"), wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "declassifies a significant incident", given: regAfter(classified), when: ok, want: wantOK},
		{name: "a second declassification is a new fact",
			given: regAfter(classified, incident.DeclassifiedNIS2{ID: regID("c0b"), At: regAt("2025-03-05T14:00:00Z"), Rationale: "x"}), when: ok, want: wantOK},
		{name: "nothing to declassify", given: regOpened(), when: ok, wantErr: incident.ErrNotClassified},
		{name: "nothing to declassify is a conflict", given: regOpened(), when: ok, wantErr: domain.ErrConflict},
		{name: "no rationale", given: regAfter(classified), when: noRationale, wantField: "rationale"},
		{name: "zero at", given: regAfter(classified), when: noAt, wantField: "at"},
		{name: "not opened", when: ok, wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "scenario 6: major by 8(1)(b), gate 6(a), 9(1)(b) and 9(3)(b)", given: regOpened(), when: regDORAClassification, want: []incident.Event{regDORAClassified}},
		{name: "major by 8(1)(a) on 9(5)(b) alone", given: regOpened(), when: cmd(major, r81a, []string{"6(c)"}, t95b), want: want(major, r81a, []string{"6(c)"}, t95b)},
		{name: "major by 8(2) with an aggregation", given: regAfter(recurring), when: cmd(major, r82, g, t91b, t96), want: want(major, r82, g, t91b, t96)},
		{name: "non-major with one threshold", given: regOpened(), when: cmd(nonMajor, "", g, t93b), want: want(nonMajor, "", g, t93b)},
		{name: "non-major without the gate", given: regOpened(), when: cmd(nonMajor, "", nil, t91b, t93b), want: want(nonMajor, "", nil, t91b, t93b)},
		{name: "unknown result", given: regOpened(), when: cmd("minor", "", g), wantField: "result"},
		{name: "major needs a rule", given: regOpened(), when: cmd(major, "", g, t91b, t93b), wantField: "rule"},
		{name: "unknown rule", given: regOpened(), when: cmd(major, "8(3)", g, t91b, t93b), wantField: "rule"},
		{name: "8(1) needs the gate", given: regOpened(), when: cmd(major, r81b, nil, t91b, t93b), wantField: "gate"},
		{name: "8(1)(a) needs the gate", given: regOpened(), when: cmd(major, r81a, nil, t95b), wantField: "gate"},
		{name: "unknown gate point", given: regOpened(), when: cmd(major, r81b, []string{"6(d)"}, t91b, t93b), wantField: "gate[0]"},
		{name: "duplicate gate point", given: regOpened(), when: cmd(major, r81b, []string{"6(a)", "6(a)"}, t91b, t93b), wantField: "gate[1]"},
		{name: "8(1)(a) needs 9(5)(b)", given: regOpened(), when: cmd(major, r81a, g, t91b, t93b), wantField: "thresholds"},
		{name: "8(1)(a) is not met by 9(5)(a)", given: regOpened(), when: cmd(major, r81a, g, t95a), wantField: "thresholds"},
		{name: "8(1)(b) needs two thresholds", given: regOpened(), when: cmd(major, r81b, g, t93b), wantField: "thresholds"},
		{name: "8(1)(b) counts 9(5)(b) out", given: regOpened(), when: cmd(major, r81b, g, t93b, t95b), wantField: "thresholds"},
		{name: "8(1)(b) counts one paragraph once", given: regOpened(), when: cmd(major, r81b, g, t91a, t91b), wantField: "thresholds"},
		{name: "8(1)(b) with 9(5)(a) and 9(4)", given: regOpened(), when: cmd(major, r81b, g, t95a, t94), want: want(major, r81b, g, t95a, t94)},
		{name: "8(2) needs a recorded aggregation", given: regOpened(), when: cmd(major, r82, g, t91b, t96), wantField: "rule"},
		{name: "8(2) needs the members to meet 8(1) together", given: regAfter(recurring), when: cmd(major, r82, g, t91b), wantField: "thresholds"},
		{name: "8(2) needs the gate", given: regAfter(recurring), when: cmd(major, r82, nil, t91b, t96), wantField: "gate"},
		{name: "non-major has no rule", given: regOpened(), when: cmd(nonMajor, r81b, g, t93b), wantField: "rule"},
		{name: "non-major cannot meet 8(1)(a)", given: regOpened(), when: cmd(nonMajor, "", g, t95b), wantField: "result"},
		{name: "non-major cannot meet 8(1)(b)", given: regOpened(), when: cmd(nonMajor, "", g, t91b, t93b), wantField: "result"},
		{name: "unknown threshold code", given: regOpened(), when: cmd(major, r81b, g, t91b, "RTS2024/1772:9(7)"), wantField: "thresholds[1].code"},
		{name: "9(5) needs its point", given: regOpened(), when: cmd(major, r81b, g, t91b, "RTS2024/1772:9(5)"), wantField: "thresholds[1].code"},
		{name: "a gate code is not a threshold", given: regOpened(), when: cmd(major, r81b, g, t91b, "RTS2024/1772:6(a)"), wantField: "thresholds[1].code"},
		{name: "a NIS2 code is not a threshold", given: regOpened(), when: cmd(major, r81b, g, t91b, "IR2024/2690:7(a)"), wantField: "thresholds[1].code"},
		{name: "duplicate threshold", given: regOpened(), when: cmd(major, r81b, g, t91b, t91b, t93b), wantField: "thresholds[1].code"},
		{name: "zero at", given: regOpened(), when: noAt, wantField: "at"},
		{name: "not opened", when: regDORAClassification, wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "reclassifies a major incident (scenario 12)", given: regAfter(regDORAClassified), when: ok,
			want: []incident.Event{incident.ReclassifiedNonMajorDORA{ID: regID("c1"), At: regAt("2025-03-05T15:00:00Z"), Rationale: "at no time met Art. 8"}}},
		{name: "never classified major", given: regAfter(nonMajor), when: ok, wantErr: incident.ErrNotClassified},
		{name: "never classified", given: regOpened(), when: ok, wantErr: domain.ErrConflict},
		{name: "no rationale", given: regAfter(regDORAClassified), when: noRationale, wantField: "rationale"},
		{name: "zero at", given: regAfter(regDORAClassified), when: noAt, wantField: "at"},
		{name: "not opened", when: ok, wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "aggregates; at is the command's time", given: regOpened(), when: ok,
			want: []incident.Event{incident.RecurringIncidentsAggregated{ID: regID("c1"), At: regAt("2025-03-10T12:00:00Z"), Regime: tenant.DORA,
				MemberIncidentIDs: []string{"INC-2025-0017", "INC-2025-0042"}, LastDetectionAt: regAt("2025-03-04T08:40:00Z"),
				RootCause: "expired certificate", AssessedAt: regAt("2025-03-31T16:00:00Z")}}},
		{name: "GDPR has no recurring rule", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.Regime = tenant.GDPR }), wantField: "regime"},
		{name: "unknown regime", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.Regime = "X" }), wantField: "regime"},
		{name: "one member", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.MemberIncidentIDs = c.MemberIncidentIDs[:1] }), wantField: "memberIncidentIds"},
		{name: "bad member ID", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.MemberIncidentIDs[1] = "a b" }), wantField: "memberIncidentIds[1]"},
		{name: "duplicate member", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.MemberIncidentIDs[1] = c.MemberIncidentIDs[0] }), wantField: "memberIncidentIds[1]"},
		{name: "no last detection", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.LastDetectionAt = time.Time{} }), wantField: "lastDetectionAt"},
		{name: "no root cause", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.RootCause = "" }), wantField: "rootCause"},
		{name: "no assessment time", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.AssessedAt = time.Time{} }), wantField: "assessedAt"},
		{name: "assessed before the last detection", given: regOpened(), when: with(func(c *incident.AggregateRecurringIncidents) { c.AssessedAt = regAt("2025-03-01T00:00:00Z") }), wantField: "assessedAt"},
		{name: "not opened", when: ok, wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "risk, notify the SA (scenario 17)", given: regOpened(), when: cmd(incident.BreachRiskRisk, true, false), want: want(incident.BreachRiskRisk, true, false)},
		{name: "high risk, notify the subjects too", given: regOpened(), when: cmd(incident.BreachRiskHigh, true, true), want: want(incident.BreachRiskHigh, true, true)},
		{name: "high risk, Art. 34(3) exception", given: regOpened(), when: cmd(incident.BreachRiskHigh, true, false), want: want(incident.BreachRiskHigh, true, false)},
		{name: "no risk, nothing to notify", given: regOpened(), when: cmd(incident.BreachRiskNone, false, false), want: want(incident.BreachRiskNone, false, false)},
		{name: "no risk, voluntary notice", given: regOpened(), when: cmd(incident.BreachRiskNone, true, false), want: want(incident.BreachRiskNone, true, false)},
		{name: "unknown risk", given: regOpened(), when: cmd("medium", true, false), wantField: "risk"},
		{name: "empty risk", given: regOpened(), when: cmd("", false, false), wantField: "risk"},
		{name: "risk without SA notice", given: regOpened(), when: cmd(incident.BreachRiskRisk, false, false), wantField: "notifySa"},
		{name: "zero at", given: regOpened(), when: noAt, wantField: "at"},
		{name: "not opened", when: cmd(incident.BreachRiskRisk, true, false), wantErr: domain.ErrNotFound},
	})
}

func TestMilestones(t *testing.T) {
	t.Parallel()
	at := regAt("2025-03-08T16:00:00Z")
	m := regMeta("c1")
	regRun(t, []regCase{
		{name: "regular activities recovered (scenario 6)", given: regOpened(), when: incident.RecordRecovery{Meta: m, IncidentID: regIncident, At: at},
			want: []incident.Event{incident.RegularActivitiesRecovered{ID: regID("c1"), At: at}}},
		{name: "root-cause analysis completed", given: regOpened(), when: incident.CompleteRootCauseAnalysis{Meta: m, IncidentID: regIncident, At: at},
			want: []incident.Event{incident.RootCauseAnalysisCompleted{ID: regID("c1"), At: at}}},
		{name: "handling completed", given: regOpened(), when: incident.CompleteHandling{Meta: m, IncidentID: regIncident, At: at},
			want: []incident.Event{incident.HandlingCompleted{ID: regID("c1"), At: at}}},
		{name: "handling completed on a closed incident", given: regClosed(), when: incident.CompleteHandling{Meta: m, IncidentID: regIncident, At: at},
			want: []incident.Event{incident.HandlingCompleted{ID: regID("c1"), At: at}}},
		{name: "recovery: zero at", given: regOpened(), when: incident.RecordRecovery{Meta: m, IncidentID: regIncident}, wantField: "at"},
		{name: "RCA: zero at", given: regOpened(), when: incident.CompleteRootCauseAnalysis{Meta: m, IncidentID: regIncident}, wantField: "at"},
		{name: "handling: zero at", given: regOpened(), when: incident.CompleteHandling{Meta: m, IncidentID: regIncident}, wantField: "at"},
		{name: "recovery: not opened", when: incident.RecordRecovery{Meta: m, IncidentID: regIncident, At: at}, wantErr: domain.ErrNotFound},
		{name: "RCA: not opened", when: incident.CompleteRootCauseAnalysis{Meta: m, IncidentID: regIncident, At: at}, wantErr: domain.ErrNotFound},
		{name: "handling: not opened", when: incident.CompleteHandling{Meta: m, IncidentID: regIncident, At: at}, wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "request with a due date", given: regOpened(), when: ok,
			want: []incident.Event{incident.AuthorityRequestReceived{ID: regID("c1"), Regime: tenant.NIS2, Kind: incident.NIS2Intermediate,
				At: regAt("2025-03-06T10:00:00Z"), DueAt: regPtr("2025-03-07T12:00:00Z"), Authority: "BSI", Ref: "BSI-2025-118"}}},
		{name: "request without a due date", given: regOpened(), when: with(func(c *incident.ReceiveAuthorityRequest) { c.DueAt = nil }),
			want: []incident.Event{incident.AuthorityRequestReceived{ID: regID("c1"), Regime: tenant.NIS2, Kind: incident.NIS2Intermediate,
				At: regAt("2025-03-06T10:00:00Z"), Authority: "BSI", Ref: "BSI-2025-118"}}},
		{name: "unknown regime", given: regOpened(), when: with(func(c *incident.ReceiveAuthorityRequest) { c.Regime = "nis2" }), wantField: "regime"},
		{name: "unknown kind", given: regOpened(), when: with(func(c *incident.ReceiveAuthorityRequest) { c.Kind = "NIS2_INTERIM" }), wantField: "kind"},
		{name: "kind of another regime", given: regOpened(), when: with(func(c *incident.ReceiveAuthorityRequest) { c.Kind = incident.DORAIntermediateUpdate }), wantField: "kind"},
		{name: "zero at", given: regOpened(), when: with(func(c *incident.ReceiveAuthorityRequest) { c.At = time.Time{} }), wantField: "at"},
		{name: "due before the request", given: regOpened(), when: with(func(c *incident.ReceiveAuthorityRequest) { c.DueAt = regPtr("2025-03-06T09:00:00Z") }), wantField: "dueAt"},
		{name: "due at the request", given: regOpened(), when: with(func(c *incident.ReceiveAuthorityRequest) { c.DueAt = regPtr("2025-03-06T10:00:00Z") }), wantField: "dueAt"},
		{name: "no authority", given: regOpened(), when: with(func(c *incident.ReceiveAuthorityRequest) { c.Authority = "" }), wantField: "authority"},
		{name: "not opened", when: ok, wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "initial notification (scenario 6); at is the command's time", given: regOpened(), when: ok, want: []incident.Event{regInitial}},
		{name: "several kinds in one submission (ITS Art. 2), with receipt", given: regOpened(), when: full,
			want: []incident.Event{incident.NotificationSubmitted{ID: regID("cmd-sub-initial"), At: regAt("2025-03-10T12:00:00Z"), SubmissionID: "SUB-1",
				Kinds: []incident.ReportKind{incident.DORAIntermediate, incident.DORAFinal}, SentAt: regAt("2025-03-04T14:00:00Z"),
				ReceivedAt: regPtr("2025-03-04T14:00:07Z"), Authority: "BaFin", Channel: "MVP portal", AuthorityRef: "BaFin-IKT-1",
				ContentHash: "sha256:ab", DelayReason: "late data"}}},
		{name: "received when sent", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.ReceivedAt = regPtr("2025-03-04T14:00:00Z") }),
			want: []incident.Event{incident.NotificationSubmitted{ID: regID("cmd-sub-initial"), At: regAt("2025-03-10T12:00:00Z"), SubmissionID: "SUB-1",
				Kinds: []incident.ReportKind{incident.DORAInitial}, SentAt: regAt("2025-03-04T14:00:00Z"), ReceivedAt: regPtr("2025-03-04T14:00:00Z"), Authority: "BaFin"}}},
		{name: "on a closed incident", given: regClosed(), when: ok, want: []incident.Event{regInitial}},
		{name: "submission ID already recorded", given: regAfter(regInitial), when: with(func(c *incident.SubmitNotification) { c.Meta = regMeta("c2") }), wantErr: domain.ErrAlreadyExists},
		{name: "submission ID already recorded (sentinel)", given: regAfter(regInitial), when: with(func(c *incident.SubmitNotification) { c.Meta = regMeta("c2") }), wantErr: incident.ErrSubmissionExists},
		{name: "no submission ID", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.SubmissionID = "" }), wantField: "submissionId"},
		{name: "bad submission ID", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.SubmissionID = "SUB 1" }), wantField: "submissionId"},
		{name: "no kinds", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.Kinds = nil }), wantField: "kinds"},
		{name: "unknown kind", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.Kinds = append(c.Kinds, "DORA_INTERIM") }), wantField: "kinds[1]"},
		{name: "duplicate kind", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.Kinds = append(c.Kinds, incident.DORAInitial) }), wantField: "kinds[1]"},
		{name: "zero sentAt", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.SentAt = time.Time{} }), wantField: "sentAt"},
		{name: "received before sent", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.ReceivedAt = regPtr("2025-03-04T13:59:59Z") }), wantField: "receivedAt"},
		{name: "no authority", given: regOpened(), when: with(func(c *incident.SubmitNotification) { c.Authority = "" }), wantField: "authority"},
		{name: "not opened", when: ok, wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "DORA 5(3) delay notice", given: regOpened(), when: ok,
			want: []incident.Event{incident.DelayNotified{ID: regID("c1"), Regime: tenant.DORA, Kind: incident.DORAFinal, At: regAt("2025-04-08T10:00:00Z"), Reasons: "RCA by the processor pending"}}},
		{name: "no reasons", given: regOpened(), when: with(func(c *incident.NotifyDelay) { c.Reasons = "" }), wantField: "reasons"},
		{name: "unknown regime", given: regOpened(), when: with(func(c *incident.NotifyDelay) { c.Regime = "" }), wantField: "regime"},
		{name: "unknown kind", given: regOpened(), when: with(func(c *incident.NotifyDelay) { c.Kind = "" }), wantField: "kind"},
		{name: "kind of another regime", given: regOpened(), when: with(func(c *incident.NotifyDelay) { c.Kind = incident.GDPRSupervisoryAuthority }), wantField: "kind"},
		{name: "zero at", given: regOpened(), when: with(func(c *incident.NotifyDelay) { c.At = time.Time{} }), wantField: "at"},
		{name: "not opened", when: ok, wantErr: domain.ErrNotFound},
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
	regRun(t, []regCase{
		{name: "corrects an awareness time", given: regAfter(regAware), when: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")),
			want: want(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z"))},
		{name: "old in another zone is the same instant", given: regAfter(regAware), when: cmd(regAware.ID, "at", regPtr("2025-03-04T10:00:00+01:00"), regAt("2025-03-04T08:50:00Z")),
			want: want(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z"))},
		{name: "a second correction starts from the corrected value", given: regAfter(regAware, firstFix),
			when: cmd(regAware.ID, "at", regPtr("2025-03-04T08:50:00Z"), regAt("2025-03-04T08:45:00Z")),
			want: want(regAware.ID, "at", regPtr("2025-03-04T08:50:00Z"), regAt("2025-03-04T08:45:00Z"))},
		{name: "old must be the corrected value", given: regAfter(regAware, firstFix),
			when: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:45:00Z")), wantField: "old"},
		{name: "corrects a submission's sentAt", given: regAfter(regInitial), when: cmd(regInitial.ID, "sentAt", regPtr("2025-03-04T14:00:00Z"), regAt("2025-03-04T13:55:00Z")),
			want: want(regInitial.ID, "sentAt", regPtr("2025-03-04T14:00:00Z"), regAt("2025-03-04T13:55:00Z"))},
		{name: "sets an unknown receivedAt", given: regAfter(regInitial), when: cmd(regInitial.ID, "receivedAt", nil, regAt("2025-03-04T14:01:00Z")),
			want: want(regInitial.ID, "receivedAt", nil, regAt("2025-03-04T14:01:00Z"))},
		{name: "sets an unknown dueAt", given: regAfter(request), when: cmd(request.ID, "dueAt", nil, regAt("2025-03-07T12:00:00Z")),
			want: want(request.ID, "dueAt", nil, regAt("2025-03-07T12:00:00Z"))},
		{name: "corrects the DORA classification time", given: regAfter(regDORAClassified),
			when: cmd(regDORAClassified.ID, "at", regPtr("2025-03-04T11:00:00Z"), regAt("2025-03-04T10:30:00Z")),
			want: want(regDORAClassified.ID, "at", regPtr("2025-03-04T11:00:00Z"), regAt("2025-03-04T10:30:00Z"))},
		{name: "unknown target", given: regAfter(regAware), when: cmd(regID("nope"), "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), wantField: "targetEventId"},
		{name: "a correction cannot be corrected", given: regAfter(regAware, firstFix), when: cmd(firstFix.ID, "new", regPtr("2025-03-04T08:50:00Z"), regAt("2025-03-04T08:45:00Z")), wantField: "targetEventId"},
		{name: "not a time field", given: regAfter(regAware), when: cmd(regAware.ID, "basis", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), wantField: "field"},
		{name: "a submission has no correctable at", given: regAfter(regInitial), when: cmd(regInitial.ID, "at", regPtr("2025-03-10T12:00:00Z"), regAt("2025-03-10T11:00:00Z")), wantField: "field"},
		{name: "old does not match", given: regAfter(regAware), when: cmd(regAware.ID, "at", regPtr("2025-03-04T09:01:00Z"), regAt("2025-03-04T08:50:00Z")), wantField: "old"},
		{name: "old missing", given: regAfter(regAware), when: cmd(regAware.ID, "at", nil, regAt("2025-03-04T08:50:00Z")), wantField: "old"},
		{name: "old given for an absent receivedAt", given: regAfter(regInitial), when: cmd(regInitial.ID, "receivedAt", regPtr("2025-03-04T14:00:00Z"), regAt("2025-03-04T14:01:00Z")), wantField: "old"},
		{name: "new equals old", given: regAfter(regAware), when: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T09:00:00Z")), wantField: "new"},
		{name: "receivedAt before sentAt", given: regAfter(regInitial), when: cmd(regInitial.ID, "receivedAt", nil, regAt("2025-03-04T13:00:00Z")), wantField: "new"},
		{name: "sentAt after receivedAt", given: regAfter(regInitial, incident.TimestampCorrected{ID: regID("fix-r"), TargetEventID: regInitial.ID, Field: "receivedAt", New: regAt("2025-03-04T14:01:00Z"), Reason: "x"}),
			when: cmd(regInitial.ID, "sentAt", regPtr("2025-03-04T14:00:00Z"), regAt("2025-03-04T14:02:00Z")), wantField: "new"},
		{name: "dueAt not after at", given: regAfter(request), when: cmd(request.ID, "dueAt", nil, regAt("2025-03-06T10:00:00Z")), wantField: "new"},
		{name: "zero new", given: regAfter(regAware), when: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), time.Time{}), wantField: "new"},
		{name: "no target", given: regAfter(regAware), when: cmd("", "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), wantField: "targetEventId"},
		{name: "no field", given: regAfter(regAware), when: cmd(regAware.ID, "", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), wantField: "field"},
		{name: "no reason", given: regAfter(regAware), when: noReason, wantField: "reason"},
		{name: "not opened", given: []incident.Event{regAware}, when: cmd(regAware.ID, "at", regPtr("2025-03-04T09:00:00Z"), regAt("2025-03-04T08:50:00Z")), wantErr: domain.ErrNotFound},
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
