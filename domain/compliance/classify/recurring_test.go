package classify_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/compliance/classify"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// Two individually non-major incidents that together meet 8(1)(b): gate
// 6(a), 60 000 + 50 000 clients > 100 000, 1h30m + 1h downtime > 2h.
var (
	doraA = in{Gate: classify.DORAGate{CriticalFunctions: true}, Clients: share{Count: 60_000}, Downtime: span{Duration: 90 * time.Minute}}
	doraB = in{Clients: share{Count: 50_000}, Downtime: span{Duration: time.Hour}}
)

func doraIncident(id, detected, cause string, c in) classify.DORAIncident {
	return classify.DORAIncident{ID: id, DetectedAt: at(detected), RootCause: cause, Criteria: c}
}

func TestDORARecurringGroups(t *testing.T) {
	t.Parallel()
	major := in{Gate: classify.DORAGate{CriticalFunctions: true}, Clients: share{Count: 200_000}, EconomicImpact: classify.EUR(200_000)}
	tests := []struct {
		name         string
		incidents    []classify.DORAIncident
		want         [][]string // members of each group
		wantExcluded []string
	}{
		{
			name: "two within six months, same cause written differently",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-01-10T09:00:00Z", "Expired TLS certificate", doraA),
				doraIncident("INC-2", "2025-03-02T14:00:00Z", "  expired   TLS certificate ", doraB),
			},
			want: [][]string{{"INC-1", "INC-2"}},
		},
		{
			name: "different root causes do not recur",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-01-10T09:00:00Z", "expired certificate", doraA),
				doraIncident("INC-2", "2025-03-02T14:00:00Z", "faulty deployment", doraB),
			},
		},
		{
			name: "together below Art. 8(1)",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-01-10T09:00:00Z", "c", doraA),
				doraIncident("INC-2", "2025-03-02T14:00:00Z", "c", in{Clients: share{Count: 40_000}}),
			},
		},
		{
			name: "exactly six months apart",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-01-31T10:00:00Z", "c", doraA),
				doraIncident("INC-2", "2025-07-31T10:00:00Z", "c", doraB),
			},
			want: [][]string{{"INC-1", "INC-2"}},
		},
		{
			name: "six months and a second apart",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-01-31T10:00:00Z", "c", doraA),
				doraIncident("INC-2", "2025-07-31T10:00:01Z", "c", doraB),
			},
		},
		{
			name: "six months from 31 August end on 28 February",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-08-31T10:00:00Z", "c", doraA),
				doraIncident("INC-2", "2026-02-28T10:00:00Z", "c", doraB),
			},
			want: [][]string{{"INC-1", "INC-2"}},
		},
		{
			name: "not into March",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-08-31T10:00:00Z", "c", doraA),
				doraIncident("INC-2", "2026-03-01T10:00:00Z", "c", doraB),
			},
		},
		{
			name: "a group ends when it meets Art. 8(1); the next starts after it",
			incidents: []classify.DORAIncident{
				doraIncident("INC-4", "2025-04-20T08:00:00Z", "c", doraB),
				doraIncident("INC-1", "2025-01-10T09:00:00Z", "c", doraA),
				doraIncident("INC-3", "2025-04-01T08:00:00Z", "c", doraA),
				doraIncident("INC-2", "2025-02-01T08:00:00Z", "c", doraB),
			},
			want: [][]string{{"INC-1", "INC-2"}, {"INC-3", "INC-4"}},
		},
		{
			name: "a group may need three",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-01-10T09:00:00Z", "c", in{Gate: classify.DORAGate{FinancialServices: true}, Clients: share{Count: 40_000}}),
				doraIncident("INC-2", "2025-02-10T09:00:00Z", "c", in{Clients: share{Count: 40_000}, Reputation: classify.Reputation{MediaCoverage: yes}}),
				doraIncident("INC-3", "2025-03-10T09:00:00Z", "c", in{Clients: share{Count: 40_000}}),
			},
			want: [][]string{{"INC-1", "INC-2", "INC-3"}},
		},
		{
			name: "an early incident too far from the rest is skipped",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2024-06-01T09:00:00Z", "c", doraB),
				doraIncident("INC-2", "2025-01-10T09:00:00Z", "c", doraA),
				doraIncident("INC-3", "2025-02-10T09:00:00Z", "c", doraB),
			},
			want: [][]string{{"INC-2", "INC-3"}},
		},
		{
			name: "individually major and causeless incidents are excluded",
			incidents: []classify.DORAIncident{
				doraIncident("INC-1", "2025-01-10T09:00:00Z", "c", doraA),
				doraIncident("INC-2", "2025-01-20T09:00:00Z", "c", major),
				doraIncident("INC-3", "2025-01-25T09:00:00Z", " ", doraB),
			},
			wantExcluded: []string{"INC-2", "INC-3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := classify.DORARecurring(classify.DORARecurringInput{Incidents: tt.incidents})
			if err != nil {
				t.Fatal(err)
			}
			var groups [][]string
			for _, g := range got.Groups {
				groups = append(groups, g.Members)
				if !g.Classification.Major || g.Classification.Rule != incident.DORARuleRecurring {
					t.Fatalf("group %v: major %v rule %q", g.Members, g.Classification.Major, g.Classification.Rule)
				}
				if !strings.Contains(g.Classification.Explanation, "Art. 8(2)") || !strings.Contains(g.Classification.Explanation, "Assessed monthly") {
					t.Fatalf("explanation %q", g.Classification.Explanation)
				}
			}
			if !reflect.DeepEqual(groups, tt.want) {
				t.Fatalf("groups %v, want %v", groups, tt.want)
			}
			var excluded []string
			for _, e := range got.Excluded {
				excluded = append(excluded, e.ID)
			}
			if !slices.Equal(excluded, tt.wantExcluded) {
				t.Fatalf("excluded %+v, want %v", got.Excluded, tt.wantExcluded)
			}
		})
	}
}

func TestDORARecurringGroupRecorded(t *testing.T) {
	t.Parallel()
	got, err := classify.DORARecurring(classify.DORARecurringInput{Incidents: []classify.DORAIncident{
		doraIncident("INC-1", "2025-01-10T09:00:00Z", "Expired TLS certificate", doraA),
		doraIncident("INC-2", "2025-03-02T14:00:00Z", "expired tls certificate", doraB),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 1 {
		t.Fatalf("groups %+v", got.Groups)
	}
	g := got.Groups[0]
	if g.RootCause != "Expired TLS certificate" || !g.FirstDetectedAt.Equal(at("2025-01-10T09:00:00Z")) || !g.LastDetectedAt.Equal(at("2025-03-02T14:00:00Z")) {
		t.Fatalf("group %+v", g.RecurringGroup)
	}
	if c := codes(g.Classification.Thresholds); !slices.Equal(c, []string{"9(1)(b)", "9(3)(b)"}) || !slices.Equal(g.Classification.Gate, []string{"6(a)"}) {
		t.Fatalf("gate %v thresholds %v", g.Classification.Gate, c)
	}
	if g.Combined.Clients.Count != 110_000 || g.Combined.Downtime.Duration != 150*time.Minute {
		t.Fatalf("combined %+v", g.Combined)
	}
	// Rule 8(2) needs the aggregation on record; then incident.Decide
	// accepts the group's classification.
	if err := assessDORA(t, opened(), g.Classification); err == nil {
		t.Fatal("8(2) accepted without a recorded aggregation")
	}
	if err := assessDORA(t, aggregated(t, tenant.DORA, g.RecurringGroup), g.Classification); err != nil {
		t.Fatalf("incident.Decide rejects the recurring classification: %v", err)
	}
}

func TestDORARecurringExempt(t *testing.T) {
	t.Parallel()
	got, err := classify.DORARecurring(classify.DORARecurringInput{Exempt: true, Incidents: []classify.DORAIncident{
		doraIncident("INC-1", "2025-01-10T09:00:00Z", "c", doraA),
		doraIncident("INC-2", "2025-03-02T14:00:00Z", "c", doraB),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 0 || !strings.Contains(got.Explanation, "microenterprises") {
		t.Fatalf("got %+v", got)
	}
}

func TestDORARecurringInvalidInput(t *testing.T) {
	t.Parallel()
	ok := doraIncident("INC-1", "2025-01-10T09:00:00Z", "c", doraA)
	tests := []struct {
		name      string
		incidents []classify.DORAIncident
		field     string
	}{
		{"missing ID", []classify.DORAIncident{{DetectedAt: at("2025-01-10T09:00:00Z")}}, "incidents[0].id"},
		{"bad ID", []classify.DORAIncident{{ID: "a b", DetectedAt: at("2025-01-10T09:00:00Z")}}, "incidents[0].id"},
		{"duplicate ID", []classify.DORAIncident{ok, ok}, "incidents[1].id"},
		{"no detection time", []classify.DORAIncident{{ID: "INC-1"}}, "incidents[0].detectedAt"},
		{"bad criteria", []classify.DORAIncident{ok, doraIncident("INC-2", "2025-01-10T09:00:00Z", "c", in{Clients: share{Count: -5}})}, "incidents[1].criteria.clients.count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := classify.DORARecurring(classify.DORARecurringInput{Incidents: tt.incidents})
			wantFieldError(t, err, tt.field)
		})
	}
}

func TestCombineDORA(t *testing.T) {
	t.Parallel()
	a := in{
		Gate:            classify.DORAGate{CriticalFunctions: true},
		Clients:         share{Count: 10, Percent: 1.5, Estimated: true},
		Counterparts:    share{Percent: 10},
		RelevantClients: flag{Yes: true, Estimated: true},
		Reputation:      classify.Reputation{MediaCoverage: flag{Yes: true, Estimated: true}},
		Duration:        span{Duration: 13 * time.Hour},
		MemberStates:    states{Codes: []string{"DE", "FR"}},
		EconomicImpact:  classify.EUR(60_000),
	}
	b := in{
		Gate:               classify.DORAGate{FinancialServices: true},
		Clients:            share{Count: 5, Percent: 2},
		Counterparts:       share{Percent: 25, Estimated: true},
		TransactionsNumber: share{Percent: 4},
		RelevantClients:    yes,
		Reputation:         classify.Reputation{MediaCoverage: flag{Yes: true, Estimated: true}, ClientLoss: yes},
		Duration:           span{Duration: 12 * time.Hour, Estimated: true},
		Downtime:           span{Estimated: true},
		MemberStates:       states{Codes: []string{"FR", "NL"}, Count: 1},
		DataLosses:         classify.DataLosses{Impact: yes},
		EconomicImpact:     classify.Money{Cents: 4_000_001, Estimated: true},
	}
	want := in{
		Gate:               classify.DORAGate{CriticalFunctions: true, FinancialServices: true},
		Clients:            share{Count: 15, Percent: 3.5, Estimated: true},
		Counterparts:       share{Percent: 35, Estimated: true},
		TransactionsNumber: share{Percent: 4},
		RelevantClients:    yes,
		Reputation:         classify.Reputation{MediaCoverage: flag{Yes: true, Estimated: true}, ClientLoss: yes},
		Duration:           span{Duration: 25 * time.Hour, Estimated: true},
		MemberStates:       states{Codes: []string{"DE", "FR", "NL"}, Count: 1},
		DataLosses:         classify.DataLosses{Impact: yes},
		EconomicImpact:     classify.Money{Cents: 10_000_001, Estimated: true},
	}
	if got := classify.CombineDORA(a, b); !reflect.DeepEqual(got, want) {
		t.Fatalf("combined\n got %+v\nwant %+v", got, want)
	}
	c, err := classify.DORA(classify.CombineDORA(a, b))
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(c.Thresholds); !slices.Equal(got, []string{"9(1)(c)", "9(1)(f)", "9(2)", "9(3)(a)", "9(4)", "9(5)(a)", "9(6)"}) {
		t.Fatalf("thresholds %v", got)
	}
}

func nis2Incident(id, detected, cause string, f facts) classify.NIS2Incident {
	return classify.NIS2Incident{ID: id, DetectedAt: at(detected), RootCause: cause, Facts: f}
}

func TestNIS2Recurring(t *testing.T) {
	t.Parallel()
	loss := func(eur int64) facts { return facts{DirectLoss: classify.EUR(eur)} }
	tests := []struct {
		name         string
		entity       tenant.EntityType2690
		turnover     classify.Money
		incidents    []classify.NIS2Incident
		want         [][]string
		wantLoss     []int64 // combined loss of each group, in cents
		wantExcluded []string
	}{
		{
			name: "together above EUR 500000", entity: tenant.Entity2690Cloud, turnover: classify.EUR(20_000_000),
			incidents: []classify.NIS2Incident{
				nis2Incident("INC-1", "2025-01-10T09:00:00Z", "Misconfigured load balancer", loss(300_000)),
				nis2Incident("INC-2", "2025-05-02T09:00:00Z", "misconfigured load balancer", loss(250_000)),
			},
			want: [][]string{{"INC-1", "INC-2"}}, wantLoss: []int64{55_000_000},
		},
		{
			name: "together exactly EUR 500000", entity: tenant.Entity2690Cloud,
			incidents: []classify.NIS2Incident{
				nis2Incident("INC-1", "2025-01-10T09:00:00Z", "c", loss(300_000)),
				nis2Incident("INC-2", "2025-05-02T09:00:00Z", "c", loss(200_000)),
			},
		},
		{
			name: "together above 5 % of the turnover", entity: tenant.Entity2690TSP, turnover: classify.EUR(4_000_000),
			incidents: []classify.NIS2Incident{
				nis2Incident("INC-1", "2025-01-10T09:00:00Z", "c", loss(120_000)),
				nis2Incident("INC-2", "2025-02-10T09:00:00Z", "c", loss(80_000)),
				nis2Incident("INC-3", "2025-03-10T09:00:00Z", "c", loss(1)),
			},
			want: [][]string{{"INC-1", "INC-2", "INC-3"}}, wantLoss: []int64{20_000_100},
		},
		{
			name: "more than six months apart", entity: tenant.Entity2690Cloud,
			incidents: []classify.NIS2Incident{
				nis2Incident("INC-1", "2025-01-10T09:00:00Z", "c", loss(300_000)),
				nis2Incident("INC-2", "2025-07-10T09:00:01Z", "c", loss(250_000)),
			},
		},
		{
			name: "significant, scheduled and causeless incidents are excluded", entity: tenant.Entity2690Cloud,
			incidents: []classify.NIS2Incident{
				nis2Incident("INC-1", "2025-01-10T09:00:00Z", "c", loss(300_000)),
				nis2Incident("INC-2", "2025-01-11T09:00:00Z", "c", facts{DirectLoss: classify.EUR(100), Unavailable: outage(time.Hour)}),
				nis2Incident("INC-3", "2025-01-12T09:00:00Z", "c", facts{DirectLoss: classify.EUR(300_000), Scheduled: true}),
				nis2Incident("INC-4", "2025-01-13T09:00:00Z", "", loss(300_000)),
			},
			wantExcluded: []string{"INC-2", "INC-3", "INC-4"},
		},
		{
			name: "the entity's turnover makes a member significant", entity: tenant.Entity2690Cloud, turnover: classify.EUR(1_000_000),
			incidents: []classify.NIS2Incident{
				nis2Incident("INC-1", "2025-01-10T09:00:00Z", "c", loss(60_000)),
				nis2Incident("INC-2", "2025-01-11T09:00:00Z", "c", loss(40_000)),
			},
			wantExcluded: []string{"INC-1"},
		},
		{
			name: "outside 2024/2690", entity: "",
			incidents: []classify.NIS2Incident{
				nis2Incident("INC-1", "2025-01-10T09:00:00Z", "c", loss(300_000)),
				nis2Incident("INC-2", "2025-05-02T09:00:00Z", "c", loss(250_000)),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := classify.NIS2Recurring(classify.NIS2RecurringInput{EntityType: tt.entity, PriorYearTurnover: tt.turnover, Incidents: tt.incidents})
			if err != nil {
				t.Fatal(err)
			}
			var groups [][]string
			var losses []int64
			for _, g := range got.Groups {
				groups = append(groups, g.Members)
				losses = append(losses, g.CombinedLoss.Cents)
				if c := codes(g.Classification.Criteria); !g.Classification.Significant || !slices.Equal(c, []string{"4"}) {
					t.Fatalf("group %v: significant %v criteria %v", g.Members, g.Classification.Significant, c)
				}
				checkFamily(t, g.Classification.Criteria, incident.CriterionNIS2)
				if err := classifyNIS2(t, opened(), g.Classification, false); err == nil {
					t.Fatal("Art. 4 accepted without a recorded aggregation")
				}
				if err := classifyNIS2(t, aggregated(t, tenant.NIS2, g.RecurringGroup), g.Classification, false); err != nil {
					t.Fatalf("incident.Decide rejects the recurring classification: %v", err)
				}
			}
			if !reflect.DeepEqual(groups, tt.want) || !slices.Equal(losses, tt.wantLoss) {
				t.Fatalf("groups %v losses %v, want %v %v", groups, losses, tt.want, tt.wantLoss)
			}
			var excluded []string
			for _, e := range got.Excluded {
				excluded = append(excluded, e.ID)
			}
			if !slices.Equal(excluded, tt.wantExcluded) {
				t.Fatalf("excluded %+v, want %v", got.Excluded, tt.wantExcluded)
			}
			if got.Explanation == "" {
				t.Fatal("no explanation")
			}
		})
	}
}

func TestNIS2RecurringInvalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    classify.NIS2RecurringInput
		field string
	}{
		{"unknown entity", classify.NIS2RecurringInput{EntityType: "bakery"}, "entityType2690"},
		{"negative turnover", classify.NIS2RecurringInput{EntityType: tenant.Entity2690DNS, PriorYearTurnover: classify.Money{Cents: -1}}, "priorYearTurnover"},
		{"duplicate ID", classify.NIS2RecurringInput{EntityType: tenant.Entity2690DNS, Incidents: []classify.NIS2Incident{
			nis2Incident("INC-1", "2025-01-10T09:00:00Z", "c", facts{}), nis2Incident("INC-1", "2025-01-11T09:00:00Z", "c", facts{})}}, "incidents[1].id"},
		{"bad facts", classify.NIS2RecurringInput{EntityType: tenant.Entity2690DNS, Incidents: []classify.NIS2Incident{
			nis2Incident("INC-1", "2025-01-10T09:00:00Z", "c", facts{DirectLoss: classify.Money{Cents: -1}})}}, "incidents[0].facts.directLoss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := classify.NIS2Recurring(tt.in)
			wantFieldError(t, err, tt.field)
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error %v does not match domain.ErrInvalid", err)
			}
		})
	}
}
