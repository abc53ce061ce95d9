package classify_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain/compliance/classify"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

type facts = classify.NIS2Facts

func outage(d time.Duration) classify.Outage { return classify.Outage{Duration: d} }

func users(s classify.Share) classify.Outage { return classify.Outage{Users: s} }

func TestNIS2Boundaries(t *testing.T) {
	t.Parallel()
	const (
		dns, tld, cloud, dc, cdn = tenant.Entity2690DNS, tenant.Entity2690TLD, tenant.Entity2690Cloud, tenant.Entity2690DataCentre, tenant.Entity2690CDN
		msp, mssp, market        = tenant.Entity2690MSP, tenant.Entity2690MSSP, tenant.Entity2690Marketplace
		search, social, tsp      = tenant.Entity2690Search, tenant.Entity2690Social, tenant.Entity2690TSP
	)
	limited := func(d time.Duration, s classify.Share) classify.Outage { return classify.Outage{Duration: d, Users: s} }
	tests := []struct {
		name   string
		entity tenant.EntityType2690
		f      facts
		want   []string // criterion codes met, without the act prefix
	}{
		// Art. 3(1), for every entity type of 2024/2690.
		{"3(a) exactly EUR 500000, turnover unknown", cloud, facts{DirectLoss: classify.EUR(500_000)}, nil},
		{"3(a) EUR 500000.01, turnover unknown", cloud, facts{DirectLoss: classify.Money{Cents: 50_000_001}}, []string{"3(a)"}},
		{"3(a) exactly 5 % of turnover", cloud, facts{DirectLoss: classify.EUR(100_000), PriorYearTurnover: classify.EUR(2_000_000)}, nil},
		{"3(a) above 5 % of turnover", cloud, facts{DirectLoss: classify.Money{Cents: 10_000_001}, PriorYearTurnover: classify.EUR(2_000_000)}, []string{"3(a)"}},
		{"3(a) 5 % of turnover not a whole cent", dns, facts{DirectLoss: classify.Money{Cents: 10_000_005}, PriorYearTurnover: classify.Money{Cents: 200_000_100}}, nil},
		{"3(a) above 5 % of turnover not a whole cent", dns, facts{DirectLoss: classify.Money{Cents: 10_000_006}, PriorYearTurnover: classify.Money{Cents: 200_000_100}}, []string{"3(a)"}},
		{"3(a) EUR 500000 is lower than 5 %", tsp, facts{DirectLoss: classify.EUR(600_000), PriorYearTurnover: classify.EUR(20_000_000)}, []string{"3(a)"}},
		{"3(a) at EUR 500000 with a large turnover", tsp, facts{DirectLoss: classify.EUR(500_000), PriorYearTurnover: classify.EUR(20_000_000)}, nil},
		{"3(b) trade secrets", msp, facts{TradeSecrets: yes}, []string{"3(b)"}},
		{"3(c) death", dc, facts{Death: yes}, []string{"3(c)"}},
		{"3(d) health", social, facts{HealthDamage: yes}, []string{"3(d)"}},
		{"3(e) malicious access", search, facts{MaliciousAccess: yes}, []string{"3(e)"}},

		// Art. 5, DNS.
		{"5(a) exactly 30 min", dns, facts{Unavailable: outage(30 * time.Minute)}, nil},
		{"5(a) 30 min 1 s", dns, facts{Unavailable: outage(30*time.Minute + time.Second)}, []string{"5(a)"}},
		{"5(b) slow for exactly 1h", dns, facts{SlowResolution: span{Duration: time.Hour}}, nil},
		{"5(b) slow for 1h 1s", dns, facts{SlowResolution: span{Duration: time.Hour + time.Second}}, []string{"5(b)"}},
		{"5(c) data compromised", dns, facts{DataCompromised: yes}, []string{"5(c)"}},
		{"5(c) misconfiguration of 999 domains, 1 %", dns, facts{DataCompromised: yes,
			Misconfiguration: classify.DNSMisconfiguration{Only: true, Domains: share{Count: 999, Percent: 1}}}, nil},
		{"5(c) misconfiguration of 1000 domains", dns, facts{DataCompromised: yes,
			Misconfiguration: classify.DNSMisconfiguration{Only: true, Domains: share{Count: 1000, Percent: 0.5}}}, []string{"5(c)"}},
		{"5(c) misconfiguration of more than 1 %", dns, facts{DataCompromised: yes,
			Misconfiguration: classify.DNSMisconfiguration{Only: true, Domains: classify.ShareOf(101, 10_000)}}, []string{"5(c)"}},
		{"5(c) suspected malice: no exception", dns, facts{DataCompromisedMalicious: yes,
			Misconfiguration: classify.DNSMisconfiguration{Only: true, Domains: share{Count: 1}}}, []string{"5(c)"}},

		// Art. 6, TLD name registries.
		{"6(a) no outage", tld, facts{Unavailable: outage(0)}, nil},
		{"6(a) any complete outage", tld, facts{Unavailable: outage(time.Second)}, []string{"6(a)"}},
		{"6(b) slow for exactly 1h", tld, facts{SlowResolution: span{Duration: time.Hour}}, nil},
		{"6(b) slow for 61 min", tld, facts{SlowResolution: span{Duration: 61 * time.Minute}}, []string{"6(b)"}},
		{"6(c) data compromised", tld, facts{DataCompromised: yes}, []string{"6(c)"}},

		// Art. 7, cloud (9 CDN, 10 MSP / MSSP alike).
		{"7(a) exactly 30 min", cloud, facts{Unavailable: outage(30 * time.Minute)}, nil},
		{"7(a) 31 min", cloud, facts{Unavailable: outage(31 * time.Minute)}, []string{"7(a)"}},
		{"7(b) exactly 5 % for 2h", cloud, facts{Limited: limited(2*time.Hour, classify.ShareOf(50, 1000))}, nil},
		{"7(b) 5.1 % for 2h", cloud, facts{Limited: limited(2*time.Hour, classify.ShareOf(51, 1000))}, []string{"7(b)"}},
		{"7(b) 6 % for exactly 1h", cloud, facts{Limited: limited(time.Hour, share{Percent: 6})}, nil},
		{"7(b) exactly 1000000 users for 2h", cloud, facts{Limited: limited(2*time.Hour, share{Count: 1_000_000, Percent: 1})}, nil},
		{"7(b) 1000001 users for 61 min", cloud, facts{Limited: limited(61*time.Minute, share{Count: 1_000_001, Percent: 1})}, []string{"7(b)"}},
		{"7(c) suspected malice", cloud, facts{DataCompromisedMalicious: yes}, []string{"7(c)"}},
		{"7(c) not malicious", cloud, facts{DataCompromised: yes}, nil},
		{"7(d) exactly 5 % of users", cloud, facts{DataCompromisedUsers: share{Percent: 5}}, nil},
		{"7(d) 1000001 users", cloud, facts{DataCompromisedUsers: share{Count: 1_000_001}}, []string{"7(d)"}},
		{"9(a) CDN 31 min", cdn, facts{Unavailable: outage(31 * time.Minute)}, []string{"9(a)"}},
		{"9(d) CDN 6 % of users", cdn, facts{DataCompromisedUsers: share{Percent: 6}}, []string{"9(d)"}},
		{"10(a) MSP 31 min", msp, facts{Unavailable: outage(31 * time.Minute)}, []string{"10(a)"}},
		{"10(b) MSSP", mssp, facts{Limited: limited(90*time.Minute, share{Percent: 7})}, []string{"10(b)"}},
		{"10(c) MSSP", mssp, facts{DataCompromisedMalicious: yes}, []string{"10(c)"}},

		// Art. 8, data centres.
		{"8(a) any complete outage", dc, facts{Unavailable: outage(time.Nanosecond)}, []string{"8(a)"}},
		{"8(b) limited for exactly 1h", dc, facts{Limited: outage(time.Hour)}, nil},
		{"8(b) limited for 1h 1s", dc, facts{Limited: outage(time.Hour + time.Second)}, []string{"8(b)"}},
		{"8(c) suspected malice", dc, facts{DataCompromisedMalicious: yes}, []string{"8(c)"}},
		{"8(d) physical access", dc, facts{PhysicalAccessCompromised: yes}, []string{"8(d)"}},

		// Arts 11-13, platforms: users, not durations.
		{"11(a) long outage of no users", market, facts{Unavailable: outage(5 * time.Hour)}, nil},
		{"11(a) exactly 5 % of users", market, facts{Unavailable: users(classify.ShareOf(5, 100))}, nil},
		{"11(a) 5.01 % of users", market, facts{Unavailable: users(classify.ShareOf(501, 10_000))}, []string{"11(a)"}},
		{"11(b) 1000001 users", market, facts{Limited: users(share{Count: 1_000_001})}, []string{"11(b)"}},
		{"11(c) suspected malice", market, facts{DataCompromisedMalicious: yes}, []string{"11(c)"}},
		{"11(d) 6 % of users", market, facts{DataCompromisedUsers: share{Percent: 6}}, []string{"11(d)"}},
		{"12(a) search engine", search, facts{Unavailable: users(share{Count: 2_000_000})}, []string{"12(a)"}},
		{"13(b) social network exactly 1000000", social, facts{Limited: users(share{Count: 1_000_000})}, nil},
		{"13(b) social network", social, facts{Limited: users(share{Count: 1_000_001})}, []string{"13(b)"}},

		// Art. 14, trust services.
		{"14(a) exactly 20 min", tsp, facts{Unavailable: outage(20 * time.Minute)}, nil},
		{"14(a) 20 min 1 s", tsp, facts{Unavailable: outage(20*time.Minute + time.Second)}, []string{"14(a)"}},
		{"14(a) and (b) 61 min", tsp, facts{Unavailable: outage(61 * time.Minute)}, []string{"14(a)", "14(b)"}},
		{"14(b) exactly 1h per week", tsp, facts{WeeklyUnavailability: span{Duration: time.Hour}}, nil},
		{"14(b) 1h 1s per week", tsp, facts{WeeklyUnavailability: span{Duration: time.Hour + time.Second}}, []string{"14(b)"}},
		{"14(c) exactly 1 %", tsp, facts{Limited: users(share{Percent: 1})}, nil},
		{"14(c) 1.5 %", tsp, facts{Limited: users(share{Percent: 1.5})}, []string{"14(c)"}},
		{"14(c) exactly 200000", tsp, facts{Limited: users(share{Count: 200_000})}, nil},
		{"14(c) 200001", tsp, facts{Limited: users(share{Count: 200_001})}, []string{"14(c)"}},
		{"14(d) restricted physical access", tsp, facts{PhysicalAccessCompromised: yes}, []string{"14(d)"}},
		{"14(e) exactly 100 users", tsp, facts{DataCompromisedUsers: share{Count: 100}}, nil},
		{"14(e) 101 users", tsp, facts{DataCompromisedUsers: share{Count: 101}}, []string{"14(e)"}},
		{"14(e) exactly 0.1 %", tsp, facts{DataCompromisedUsers: classify.ShareOf(1, 1000)}, nil},
		{"14(e) 0.11 %", tsp, facts{DataCompromisedUsers: classify.ShareOf(11, 10_000)}, []string{"14(e)"}},
		{"14 has no malice point", tsp, facts{DataCompromisedMalicious: yes}, nil},

		// Art. 3(2).
		{"3(2) scheduled maintenance", cloud, facts{Scheduled: true, Unavailable: outage(3 * time.Hour), DirectLoss: classify.EUR(1_000_000)}, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.entity)+" "+tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := classify.NIS2(tt.entity, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if c := codes(got.Criteria); !slices.Equal(c, tt.want) {
				t.Fatalf("criteria %v, want %v (%s)", c, tt.want, got.Explanation)
			}
			if got.Significant != (len(tt.want) > 0) {
				t.Fatalf("significant %v with criteria %v", got.Significant, tt.want)
			}
			checkFamily(t, got.Criteria, incident.CriterionNIS2)
			for _, h := range got.Criteria {
				if !strings.HasPrefix(h.Code, "IR2024/2690:") {
					t.Fatalf("code %q: want a 2024/2690 code", h.Code)
				}
			}
			if got.Significant {
				if err := classifyNIS2(t, opened(), got, tt.entity == tsp); err != nil {
					t.Fatalf("incident.Decide rejects the classification: %v", err)
				}
			}
		})
	}
}

func TestNIS2General(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		entity     tenant.EntityType2690
		f          facts
		want       []string
		wantPhrase string
	}{
		{"23(3)(a)", "", facts{SevereDisruptionOrLoss: yes}, []string{"NIS2:23(3)(a)"}, "no type of Implementing Regulation"},
		{"23(3)(b)", "", facts{DamageToOthers: flag{Yes: true, Estimated: true}}, []string{"NIS2:23(3)(b)"}, "Estimated: 23(3)(b)."},
		{"both", "", facts{SevereDisruptionOrLoss: yes, DamageToOthers: yes}, []string{"NIS2:23(3)(a)", "NIS2:23(3)(b)"}, ""},
		{"neither", "", facts{}, nil, "Not significant under Art. 23(3)"},
		{"2024/2690 facts do not apply outside its scope", "", facts{Unavailable: outage(5 * time.Hour), DirectLoss: classify.EUR(1_000_000)}, nil, "Not significant"},
		{"scheduled does not apply outside 2024/2690", "", facts{Scheduled: true, SevereDisruptionOrLoss: yes}, []string{"NIS2:23(3)(a)"}, ""},
		{"23(3) assessments do not apply to a 2024/2690 entity", tenant.Entity2690Cloud, facts{SevereDisruptionOrLoss: yes, DamageToOthers: yes}, nil,
			"general Art. 23(3) assessments were not used"},
		{"2024/2690 criteria with 23(3) assessments", tenant.Entity2690Cloud, facts{SevereDisruptionOrLoss: yes, Unavailable: outage(time.Hour)},
			[]string{"IR2024/2690:7(a)"}, "were not used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := classify.NIS2(tt.entity, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var gotCodes []string
			for _, h := range got.Criteria {
				gotCodes = append(gotCodes, h.Code)
			}
			if !slices.Equal(gotCodes, tt.want) || got.Significant != (len(tt.want) > 0) {
				t.Fatalf("criteria %v significant %v, want %v", gotCodes, got.Significant, tt.want)
			}
			if !strings.Contains(got.Explanation, tt.wantPhrase) {
				t.Fatalf("explanation %q lacks %q", got.Explanation, tt.wantPhrase)
			}
			checkFamily(t, got.Criteria, incident.CriterionNIS2)
			if got.Significant {
				if err := classifyNIS2(t, opened(), got, false); err != nil {
					t.Fatalf("incident.Decide rejects the classification: %v", err)
				}
			}
		})
	}
}

func TestNIS2HitValues(t *testing.T) {
	t.Parallel()
	got, err := classify.NIS2(tenant.Entity2690Cloud, facts{
		DirectLoss:        classify.Money{Cents: 60_000_000, Estimated: true},
		PriorYearTurnover: classify.EUR(20_000_000),
		Unavailable:       outage(45 * time.Minute),
		Limited:           classify.Outage{Duration: 2 * time.Hour, Users: share{Count: 1_200_000, Percent: 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []incident.CriterionHit{
		{Code: "IR2024/2690:3(a)", Value: "direct financial loss EUR 600000", Threshold: "> EUR 500000 (the lower of EUR 500000 and 5 % of the prior-year turnover of EUR 20000000)", Estimated: true},
		{Code: "IR2024/2690:7(a)", Value: "completely unavailable for 45m", Threshold: "> 30m"},
		{Code: "IR2024/2690:7(b)", Value: "limited availability for 1200000 users (3 %) for 2h", Threshold: "> 5 % or > 1000000 users, whichever is smaller, for > 1h"},
	}
	if !slices.Equal(got.Criteria, want) {
		t.Fatalf("criteria\n got %+v\nwant %+v", got.Criteria, want)
	}
	if !got.Estimated || !strings.Contains(got.Explanation, "cloud computing service provider (Art. 3(1) and Art. 7)") {
		t.Fatalf("estimated %v, explanation %q", got.Estimated, got.Explanation)
	}
}

func TestNIS2Estimates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    facts
		want bool
	}{
		{"estimated duration", facts{Unavailable: classify.Outage{Duration: time.Hour, Estimated: true}}, true},
		{"estimated users of a limited outage", facts{Limited: classify.Outage{Duration: 2 * time.Hour, Users: share{Percent: 9, Estimated: true}}}, true},
		{"established", facts{Unavailable: outage(time.Hour)}, false},
		{"loss over 5 % of an estimated turnover", facts{DirectLoss: classify.EUR(200_000), PriorYearTurnover: classify.Money{Cents: 200_000_000, Estimated: true}}, true},
		{"loss over EUR 500000, estimated turnover", facts{DirectLoss: classify.EUR(600_000), PriorYearTurnover: classify.Money{Cents: 200_000_000, Estimated: true}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := classify.NIS2(tenant.Entity2690Cloud, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Significant || got.Estimated != tt.want {
				t.Fatalf("significant %v estimated %v, want estimated %v: %+v", got.Significant, got.Estimated, tt.want, got.Criteria)
			}
		})
	}
}

func TestNIS2InvalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		entity tenant.EntityType2690
		f      facts
		field  string
	}{
		{"unknown entity type", "bakery", facts{}, "entityType2690"},
		{"negative loss", tenant.Entity2690DNS, facts{DirectLoss: classify.Money{Cents: -1}}, "directLoss"},
		{"negative turnover", tenant.Entity2690DNS, facts{PriorYearTurnover: classify.Money{Cents: -1}}, "priorYearTurnover"},
		{"negative outage", tenant.Entity2690DNS, facts{Unavailable: outage(-time.Second)}, "unavailable.duration"},
		{"users above 100 %", tenant.Entity2690Cloud, facts{Limited: users(share{Percent: 101})}, "limited.users.percent"},
		{"infinite users", tenant.Entity2690Cloud, facts{DataCompromisedUsers: share{Percent: math.Inf(1)}}, "dataCompromisedUsers.percent"},
		{"negative week", tenant.Entity2690TSP, facts{WeeklyUnavailability: span{Duration: -1}}, "weeklyUnavailability"},
		{"negative slow resolution", tenant.Entity2690TLD, facts{SlowResolution: span{Duration: -1}}, "slowResolution"},
		{"negative domains", tenant.Entity2690DNS, facts{Misconfiguration: classify.DNSMisconfiguration{Domains: share{Count: -1}}}, "misconfiguration.domains.count"},
		{"outside 2024/2690, still checked", "", facts{DirectLoss: classify.Money{Cents: -1}}, "directLoss"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := classify.NIS2(tt.entity, tt.f)
			wantFieldError(t, err, tt.field)
		})
	}
}

// TestNIS2AcceptedByIncident: for every entity type, an incident meeting
// every criterion at once is recorded by incident.Decide.
func TestNIS2AcceptedByIncident(t *testing.T) {
	t.Parallel()
	all := facts{
		DirectLoss: classify.EUR(600_000), TradeSecrets: yes, Death: yes, HealthDamage: yes, MaliciousAccess: yes,
		Unavailable:          classify.Outage{Duration: 2 * time.Hour, Users: share{Count: 2_000_000, Percent: 50}},
		Limited:              classify.Outage{Duration: 2 * time.Hour, Users: share{Count: 2_000_000, Percent: 50}},
		WeeklyUnavailability: span{Duration: 3 * time.Hour}, SlowResolution: span{Duration: 2 * time.Hour},
		DataCompromised: yes, DataCompromisedMalicious: yes, DataCompromisedUsers: share{Count: 2_000_000, Percent: 50},
		PhysicalAccessCompromised: yes,
	}
	wantPoints := map[tenant.EntityType2690]string{
		tenant.Entity2690DNS: "5(a) 5(b) 5(c)", tenant.Entity2690TLD: "6(a) 6(b) 6(c)", tenant.Entity2690Cloud: "7(a) 7(b) 7(c) 7(d)",
		tenant.Entity2690DataCentre: "8(a) 8(b) 8(c) 8(d)", tenant.Entity2690CDN: "9(a) 9(b) 9(c) 9(d)",
		tenant.Entity2690MSP: "10(a) 10(b) 10(c) 10(d)", tenant.Entity2690MSSP: "10(a) 10(b) 10(c) 10(d)",
		tenant.Entity2690Marketplace: "11(a) 11(b) 11(c) 11(d)", tenant.Entity2690Search: "12(a) 12(b) 12(c) 12(d)",
		tenant.Entity2690Social: "13(a) 13(b) 13(c) 13(d)", tenant.Entity2690TSP: "14(a) 14(b) 14(c) 14(d) 14(e)",
	}
	for _, e := range tenant.EntityTypes2690 {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			got, err := classify.NIS2(e, all)
			if err != nil {
				t.Fatal(err)
			}
			want := "3(a) 3(b) 3(c) 3(d) 3(e) " + wantPoints[e]
			if c := strings.Join(codes(got.Criteria), " "); c != want {
				t.Fatalf("criteria %s, want %s", c, want)
			}
			if err := classifyNIS2(t, opened(), got, e == tenant.Entity2690TSP); err != nil {
				t.Fatalf("incident.Decide rejects the classification: %v", err)
			}
		})
	}
}
