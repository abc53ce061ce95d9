package classify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain/compliance/classify"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// TestScenarioClassifications checks the classifications of the
// compliance-spec.md §7 scenarios that name their criteria, and that each is
// recorded by incident.Decide.
func TestScenarioClassifications(t *testing.T) {
	t.Parallel()
	t.Run("scenario 1: cloud provider, 45 min full outage, 2690 Art. 7(a)", func(t *testing.T) {
		t.Parallel()
		got, err := classify.NIS2(tenant.Entity2690Cloud, classify.NIS2Facts{Unavailable: classify.Outage{Duration: 45 * time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		want := []incident.CriterionHit{{Code: "IR2024/2690:7(a)", Value: "completely unavailable for 45m", Threshold: "> 30m"}}
		if !got.Significant || !slices.Equal(got.Criteria, want) {
			t.Fatalf("got %+v", got)
		}
		if err := classifyNIS2(t, opened(), got, false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("scenario 2: NIS2 important entity, 23(3)(a)", func(t *testing.T) {
		t.Parallel()
		got, err := classify.NIS2("", classify.NIS2Facts{SevereDisruptionOrLoss: yes})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Significant || len(got.Criteria) != 1 || got.Criteria[0].Code != "NIS2:23(3)(a)" {
			t.Fatalf("got %+v", got)
		}
		if err := classifyNIS2(t, opened(), got, false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("scenario 3: TSP, trust service fully unavailable > 20 min, 2690 Art. 14(a)", func(t *testing.T) {
		t.Parallel()
		got, err := classify.NIS2(tenant.Entity2690TSP, classify.NIS2Facts{Unavailable: classify.Outage{Duration: 25 * time.Minute}})
		if err != nil {
			t.Fatal(err)
		}
		want := []incident.CriterionHit{{Code: "IR2024/2690:14(a)", Value: "completely unavailable for 25m", Threshold: "> 20m"}}
		if !got.Significant || !slices.Equal(got.Criteria, want) {
			t.Fatalf("got %+v", got)
		}
		if err := classifyNIS2(t, opened(), got, true); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("scenario 6: DORA, gate 6(a), 9(1)(b) 150k clients, 9(3)(b) 3h downtime, 8(1)(b)", func(t *testing.T) {
		t.Parallel()
		got, err := classify.DORA(classify.DORAInput{
			Gate:     classify.DORAGate{CriticalFunctions: true},
			Clients:  classify.ShareOf(150_000, 2_000_000), // 7.5 %: 9(1)(a) not met
			Downtime: classify.Span{Duration: 3 * time.Hour},
			Duration: classify.Span{Duration: 7 * time.Hour},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := classify.DORAClassification{
			Major: true, Rule: incident.DORARuleTwoThresholds, Gate: []string{"6(a)"},
			Thresholds: []incident.CriterionHit{
				{Code: "RTS2024/1772:9(1)(b)", Value: "150000 clients", Threshold: "> 100000 clients"},
				{Code: "RTS2024/1772:9(3)(b)", Value: "downtime 3h of services supporting critical or important functions", Threshold: "> 2h"},
			},
		}
		if got.Major != want.Major || got.Rule != want.Rule || !slices.Equal(got.Gate, want.Gate) || !slices.Equal(got.Thresholds, want.Thresholds) || got.Estimated {
			t.Fatalf("got %+v", got)
		}
		if !strings.HasPrefix(got.Explanation, "Major incident under Art. 8(1)(b)") {
			t.Fatalf("explanation %q", got.Explanation)
		}
		if err := assessDORA(t, opened(), got); err != nil {
			t.Fatal(err)
		}
	})
}
