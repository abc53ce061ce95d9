package compliance_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/socledger/socledger/domain/compliance"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	named := func(r compliance.Report, id string) compliance.Report { r.Incident = id; return r }
	nis2 := named(scenario2(t).eval("03-07 00:00"), "INC-2")
	dora := named(scenario6(t, true).eval("04-15 00:00"), "INC-6")
	missed := named(doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00").eval("03-10 00:00"), "INC-14")
	reports := []compliance.Report{nis2, dora, missed}

	s := compliance.Summarize(testTenant, ts("03-01 00:00"), ts("04-30 23:59"), reports)
	if s.Tenant != testTenant || len(s.Incidents) != 3 || !s.AnyMissed || !s.AsOf.Equal(ts("04-15 00:00")) {
		t.Fatalf("summary %+v", s)
	}
	rates := map[tenant.Regime]compliance.RegimeRate{}
	for _, r := range s.Rates {
		rates[r.Regime] = r
	}
	if r := rates[tenant.NIS2]; r.OnTime != 1 || r.Late != 1 || r.Rate == nil || *r.Rate != 0.5 {
		t.Errorf("NIS2 rate %+v", r)
	}
	if r := rates[tenant.DORA]; r.OnTime != 3 || r.Overdue != 1 || r.Rate == nil || *r.Rate != 0.75 {
		t.Errorf("DORA rate %+v", r)
	}
	if len(s.Misses) != 2 || s.Misses[0].Incident != "INC-14" || s.Misses[0].Kind != incident.DORAInitial ||
		!s.Misses[0].MissedAt.Equal(ts("03-03 13:00")) || s.Misses[1].Kind != incident.NIS2EarlyWarning {
		t.Errorf("misses %+v", s.Misses)
	}
	if len(s.NextDeadlines) != 1 || s.NextDeadlines[0].Incident != "INC-2" || s.NextDeadlines[0].Kind != incident.NIS2Progress ||
		!s.NextDeadlines[0].DueAt.Equal(ts("04-06 09:00")) || s.NextDeadlines[0].Margin != "729h0m0s" {
		t.Errorf("next deadlines %+v", s.NextDeadlines)
	}
	if s.Incidents[0].NextDeadline == nil || len(s.Incidents[2].Misses) != 1 || len(s.Incidents[1].Obligations) != len(dora.Obligations) {
		t.Errorf("incidents %+v", s.Incidents)
	}

	t.Run("a later period", func(t *testing.T) {
		t.Parallel()
		s := compliance.Summarize(testTenant, ts("05-01 00:00"), ts("05-31 00:00"), reports)
		if len(s.Incidents) != 2 || s.Incidents[0].Incident != "INC-2" || s.Incidents[1].Incident != "INC-14" {
			t.Errorf("incidents %+v: want the two with open obligations", s.Incidents)
		}
		if len(s.Rates) != 0 {
			t.Errorf("rates %+v: nothing was due in May", s.Rates)
		}
	})
	t.Run("unbounded", func(t *testing.T) {
		t.Parallel()
		s := compliance.Summarize(testTenant, time.Time{}, time.Time{}, reports)
		if len(s.Incidents) != 3 || s.From != nil || s.To != nil {
			t.Errorf("summary %+v", s)
		}
	})
}

// TestReportJSON checks the JSON names the issue fixes.
func TestReportJSON(t *testing.T) {
	t.Parallel()
	r := scenario2(t).eval("03-07 00:00")
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"incident", "regimes", "anyMissed", "obligations", "asOf", "ruleSetVersion"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("report has no %q", k)
		}
	}
	var ewRow map[string]any
	for _, o := range doc["obligations"].([]any) {
		if m := o.(map[string]any); m["kind"] == string(incident.NIS2EarlyWarning) {
			ewRow = m
		}
	}
	for _, k := range []string{"regime", "kind", "required", "ruleRef", "anchorAt", "rawDueAt", "dueAt", "reliefApplied",
		"submittedAt", "verdict", "margin", "missedAt", "sourceEventIds", "ruleSetVersion"} {
		if _, ok := ewRow[k]; !ok {
			t.Errorf("obligation has no %q: %v", k, ewRow)
		}
	}
	flagged, err := json.Marshal(row(t, scenario17(t, "").eval("03-10 00:00"), incident.GDPRSupervisoryAuthority, 0))
	if err != nil {
		t.Fatal(err)
	}
	var o map[string]any
	if err := json.Unmarshal(flagged, &o); err != nil {
		t.Fatal(err)
	}
	if f, ok := o["flags"].([]any); !ok || len(f) != 1 || f[0] != compliance.FlagArt33ReasonsMissing {
		t.Errorf("flags %v", o["flags"])
	}
}
