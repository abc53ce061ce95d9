package classify_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain/compliance/classify"
	"github.com/socledger/socledger/domain/incident"
)

type (
	in     = classify.DORAInput
	share  = classify.Share
	flag   = classify.Flag
	span   = classify.Span
	states = classify.MemberStates
)

var yes = flag{Yes: true}

func TestDORAThresholdBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   in
		want []string // threshold codes met, without the act prefix
	}{
		{"nothing", in{}, nil},
		{"9(1)(a) exactly 10 %", in{Clients: share{Percent: 10}}, nil},
		{"9(1)(a) exactly 10 % from counts", in{Clients: classify.ShareOf(10_000, 100_000)}, nil},
		{"9(1)(a) just above 10 %", in{Clients: classify.ShareOf(10_001, 100_000)}, []string{"9(1)(a)"}},
		{"9(1)(b) exactly 100000 clients", in{Clients: share{Count: 100_000}}, nil},
		{"9(1)(b) 100001 clients", in{Clients: share{Count: 100_001}}, []string{"9(1)(b)"}},
		{"9(1)(a) and (b)", in{Clients: classify.ShareOf(150_000, 1_000_000)}, []string{"9(1)(a)", "9(1)(b)"}},
		{"9(1)(c) exactly 30 %", in{Counterparts: share{Percent: 30}}, nil},
		{"9(1)(c) above 30 %", in{Counterparts: classify.ShareOf(31, 100)}, []string{"9(1)(c)"}},
		{"9(1)(d) exactly 10 %", in{TransactionsNumber: share{Percent: 10}}, nil},
		{"9(1)(d) above 10 %", in{TransactionsNumber: share{Percent: 10.5}}, []string{"9(1)(d)"}},
		{"9(1)(d) above 100 % of the daily average", in{TransactionsNumber: share{Percent: 250}}, []string{"9(1)(d)"}},
		{"9(1)(e) exactly 10 %", in{TransactionsValue: share{Percent: 10}}, nil},
		{"9(1)(e) above 10 %", in{TransactionsValue: share{Percent: 10.01}}, []string{"9(1)(e)"}},
		{"9(1)(f) relevant client", in{RelevantClients: yes}, []string{"9(1)(f)"}},
		{"9(2) media coverage", in{Reputation: classify.Reputation{MediaCoverage: yes}}, []string{"9(2)"}},
		{"9(2) repetitive complaints", in{Reputation: classify.Reputation{RepetitiveComplaints: yes}}, []string{"9(2)"}},
		{"9(2) regulatory breach", in{Reputation: classify.Reputation{RegulatoryBreach: yes}}, []string{"9(2)"}},
		{"9(2) client loss", in{Reputation: classify.Reputation{ClientLoss: yes}}, []string{"9(2)"}},
		{"9(3)(a) exactly 24h", in{Duration: span{Duration: 24 * time.Hour}}, nil},
		{"9(3)(a) 24h and 1ns", in{Duration: span{Duration: 24*time.Hour + 1}}, []string{"9(3)(a)"}},
		{"9(3)(b) exactly 2h", in{Downtime: span{Duration: 2 * time.Hour}}, nil},
		{"9(3)(b) 2h and 1s", in{Downtime: span{Duration: 2*time.Hour + time.Second}}, []string{"9(3)(b)"}},
		{"9(4) one Member State", in{MemberStates: states{Codes: []string{"DE"}}}, nil},
		{"9(4) one Member State twice", in{MemberStates: states{Codes: []string{"DE", "DE"}}}, nil},
		{"9(4) two Member States", in{MemberStates: states{Codes: []string{"DE", "FR"}}}, []string{"9(4)"}},
		{"9(4) count 1", in{MemberStates: states{Count: 1}}, nil},
		{"9(4) count 2", in{MemberStates: states{Count: 2}}, []string{"9(4)"}},
		{"9(5)(a) data impact", in{DataLosses: classify.DataLosses{Impact: yes}}, []string{"9(5)(a)"}},
		{"9(5)(b) malicious access", in{DataLosses: classify.DataLosses{MaliciousAccess: yes}}, []string{"9(5)(b)"}},
		{"9(6) exactly EUR 100000", in{EconomicImpact: classify.EUR(100_000)}, nil},
		{"9(6) EUR 100000.01", in{EconomicImpact: classify.Money{Cents: 10_000_001}}, []string{"9(6)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := classify.DORA(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if c := codes(got.Thresholds); !slices.Equal(c, tt.want) {
				t.Fatalf("thresholds %v, want %v", c, tt.want)
			}
			checkFamily(t, got.Thresholds, incident.CriterionDORAThreshold)
			// Alone, no threshold but 9(5)(b) makes an incident major (it
			// brings its own gate, 6(c)).
			wantMajor := slices.Contains(tt.want, "9(5)(b)")
			if got.Major != wantMajor {
				t.Fatalf("major %v, want %v (%s)", got.Major, wantMajor, got.Explanation)
			}
		})
	}
}

func TestDORARules(t *testing.T) {
	t.Parallel()
	gateA := classify.DORAGate{CriticalFunctions: true}
	tests := []struct {
		name       string
		in         in
		wantMajor  bool
		wantRule   incident.DORARule
		wantGate   []string
		wantCodes  []string
		wantPhrase string
	}{
		{
			name:      "thresholds without the gate are not major",
			in:        in{Clients: share{Count: 200_000}, Downtime: span{Duration: 5 * time.Hour}, EconomicImpact: classify.EUR(1_000_000)},
			wantCodes: []string{"9(1)(b)", "9(3)(b)", "9(6)"}, wantPhrase: "gate is not met",
		},
		{
			name:     "gate and one threshold are not major",
			in:       in{Gate: gateA, Downtime: span{Duration: 3 * time.Hour}},
			wantGate: []string{"6(a)"}, wantCodes: []string{"9(3)(b)"}, wantPhrase: "only 1 of",
		},
		{
			name:     "two conditions of 9(1) are one threshold",
			in:       in{Gate: gateA, Clients: classify.ShareOf(150_000, 1_000_000), RelevantClients: yes},
			wantGate: []string{"6(a)"}, wantCodes: []string{"9(1)(a)", "9(1)(b)", "9(1)(f)"}, wantPhrase: "only 1 of",
		},
		{
			name:     "9(3)(a) and 9(3)(b) are one threshold",
			in:       in{Gate: gateA, Duration: span{Duration: 30 * time.Hour}, Downtime: span{Duration: 3 * time.Hour}},
			wantGate: []string{"6(a)"}, wantCodes: []string{"9(3)(a)", "9(3)(b)"},
		},
		{
			name:      "gate and two thresholds: 8(1)(b)",
			in:        in{Gate: gateA, Clients: share{Count: 150_000}, Downtime: span{Duration: 3 * time.Hour}},
			wantMajor: true, wantRule: incident.DORARuleTwoThresholds, wantGate: []string{"6(a)"},
			wantCodes: []string{"9(1)(b)", "9(3)(b)"}, wantPhrase: "Art. 8(1)(b)",
		},
		{
			name:      "9(5)(a) counts as another threshold",
			in:        in{Gate: classify.DORAGate{FinancialServices: true}, DataLosses: classify.DataLosses{Impact: yes}, EconomicImpact: classify.EUR(250_000)},
			wantMajor: true, wantRule: incident.DORARuleTwoThresholds, wantGate: []string{"6(b)"}, wantCodes: []string{"9(5)(a)", "9(6)"},
		},
		{
			name:      "9(5)(b) alone: 8(1)(a) with its own gate 6(c)",
			in:        in{DataLosses: classify.DataLosses{MaliciousAccess: yes}},
			wantMajor: true, wantRule: incident.DORARuleDataAccess, wantGate: []string{"6(c)"}, wantCodes: []string{"9(5)(b)"}, wantPhrase: "Art. 8(1)(a)",
		},
		{
			name: "9(5)(b) and two others: 8(1)(a) wins",
			in: in{Gate: classify.DORAGate{CriticalFunctions: true, FinancialServices: true, MaliciousAccess: true}, Clients: share{Count: 150_000},
				DataLosses: classify.DataLosses{Impact: yes, MaliciousAccess: yes}, EconomicImpact: classify.EUR(100_001)},
			wantMajor: true, wantRule: incident.DORARuleDataAccess, wantGate: []string{"6(a)", "6(b)", "6(c)"},
			wantCodes: []string{"9(1)(b)", "9(5)(a)", "9(5)(b)", "9(6)"},
		},
		{
			name:     "gate 6(c) alone with one threshold is not major",
			in:       in{Gate: classify.DORAGate{MaliciousAccess: true}, MemberStates: states{Codes: []string{"DE", "NL", "FR"}}},
			wantGate: []string{"6(c)"}, wantCodes: []string{"9(4)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := classify.DORA(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Major != tt.wantMajor || got.Rule != tt.wantRule || !slices.Equal(got.Gate, tt.wantGate) || !slices.Equal(codes(got.Thresholds), tt.wantCodes) {
				t.Fatalf("got major %v rule %q gate %v thresholds %v; want %v %q %v %v", got.Major, got.Rule, got.Gate, codes(got.Thresholds),
					tt.wantMajor, tt.wantRule, tt.wantGate, tt.wantCodes)
			}
			if want := map[bool]incident.DORAResult{true: incident.DORAMajor, false: incident.DORANonMajor}[tt.wantMajor]; got.Result() != want {
				t.Fatalf("result %q, want %q", got.Result(), want)
			}
			if !strings.Contains(got.Explanation, tt.wantPhrase) {
				t.Fatalf("explanation %q lacks %q", got.Explanation, tt.wantPhrase)
			}
			if err := assessDORA(t, opened(), got); err != nil {
				t.Fatalf("incident.Decide rejects the classification: %v", err)
			}
		})
	}
}

func TestDORAHitValues(t *testing.T) {
	t.Parallel()
	got, err := classify.DORA(in{
		Gate:           classify.DORAGate{CriticalFunctions: true},
		Clients:        share{Count: 150_000, Percent: 4, Estimated: true},
		Downtime:       span{Duration: 3 * time.Hour},
		MemberStates:   states{Codes: []string{"NL", "DE", "DE"}},
		EconomicImpact: classify.Money{Cents: 12_345_678, Estimated: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []incident.CriterionHit{
		{Code: "RTS2024/1772:9(1)(b)", Value: "150000 clients", Threshold: "> 100000 clients", Estimated: true},
		{Code: "RTS2024/1772:9(3)(b)", Value: "downtime 3h of services supporting critical or important functions", Threshold: "> 2h"},
		{Code: "RTS2024/1772:9(4)", Value: "2 Member States (DE, NL)", Threshold: ">= 2 Member States"},
		{Code: "RTS2024/1772:9(6)", Value: "costs and losses EUR 123456.78", Threshold: "> EUR 100000", Estimated: true},
	}
	if !slices.Equal(got.Thresholds, want) {
		t.Fatalf("thresholds\n got %+v\nwant %+v", got.Thresholds, want)
	}
	if !got.Estimated || !strings.Contains(got.Explanation, "Estimated: 9(1)(b), 9(6).") {
		t.Fatalf("estimated %v, explanation %q", got.Estimated, got.Explanation)
	}
}

func TestDORAEstimatedReputation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rep  classify.Reputation
		want bool
	}{
		{"one estimated indicator", classify.Reputation{MediaCoverage: flag{Yes: true, Estimated: true}}, true},
		{"all estimated", classify.Reputation{MediaCoverage: flag{Yes: true, Estimated: true}, ClientLoss: flag{Yes: true, Estimated: true}}, true},
		{"one established", classify.Reputation{MediaCoverage: flag{Yes: true, Estimated: true}, RepetitiveComplaints: yes}, false},
		{"estimate of an indicator not met", classify.Reputation{MediaCoverage: yes, ClientLoss: flag{Estimated: true}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := classify.DORA(in{Reputation: tt.rep})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Thresholds) != 1 || got.Thresholds[0].Estimated != tt.want || got.Estimated != tt.want {
				t.Fatalf("got %+v estimated %v, want estimated %v", got.Thresholds, got.Estimated, tt.want)
			}
		})
	}
}

func TestDORAInvalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    in
		field string
	}{
		{"negative clients", in{Clients: share{Count: -1}}, "clients.count"},
		{"clients above 100 %", in{Clients: share{Percent: 100.5}}, "clients.percent"},
		{"counterparts NaN", in{Counterparts: share{Percent: math.NaN()}}, "counterparts.percent"},
		{"negative transactions", in{TransactionsValue: share{Percent: -1}}, "transactionsValue.percent"},
		{"negative duration", in{Duration: span{Duration: -time.Second}}, "duration"},
		{"negative downtime", in{Downtime: span{Duration: -time.Second}}, "downtime"},
		{"negative Member State count", in{MemberStates: states{Count: -1}}, "memberStates.count"},
		{"lower-case Member State", in{MemberStates: states{Codes: []string{"DE", "fr"}}}, "memberStates.codes[1]"},
		{"negative costs", in{EconomicImpact: classify.Money{Cents: -1}}, "economicImpact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := classify.DORA(tt.in)
			wantFieldError(t, err, tt.field)
		})
	}
}

// TestDORAAcceptedByIncident feeds every combination of gate points and
// thresholds into incident.Decide, whose own Art. 8 check must accept the
// result, and checks the rule against a direct reading of Art. 8(1).
func TestDORAAcceptedByIncident(t *testing.T) {
	t.Parallel()
	atoms := []func(*in){
		func(x *in) { x.Gate.CriticalFunctions = true },
		func(x *in) { x.Gate.FinancialServices = true },
		func(x *in) { x.Gate.MaliciousAccess = true },
		func(x *in) { x.Clients.Percent = 11 },
		func(x *in) { x.Clients.Count = 100_001 },
		func(x *in) { x.Reputation.MediaCoverage = yes },
		func(x *in) { x.Duration.Duration = 25 * time.Hour },
		func(x *in) { x.Downtime.Duration = 3 * time.Hour },
		func(x *in) { x.MemberStates.Count = 2 },
		func(x *in) { x.DataLosses.Impact = yes },
		func(x *in) { x.DataLosses.MaliciousAccess = yes },
		func(x *in) { x.EconomicImpact = classify.EUR(100_001) },
	}
	base := opened()
	for mask := range 1 << len(atoms) {
		var x in
		for i, set := range atoms {
			if mask&(1<<i) != 0 {
				set(&x)
			}
		}
		got, err := classify.DORA(x)
		if err != nil {
			t.Fatalf("mask %b: %v", mask, err)
		}
		gate := mask&0b111 != 0 || mask&(1<<10) != 0
		paragraphs := map[string]bool{}
		for _, c := range codes(got.Thresholds) {
			if c != "9(5)(b)" {
				paragraphs[c[:4]] = true
			}
		}
		var wantRule incident.DORARule
		switch {
		case gate && mask&(1<<10) != 0:
			wantRule = incident.DORARuleDataAccess
		case gate && len(paragraphs) >= 2:
			wantRule = incident.DORARuleTwoThresholds
		}
		if got.Rule != wantRule || got.Major != (wantRule != "") {
			t.Fatalf("mask %b: rule %q major %v, want %q (%s)", mask, got.Rule, got.Major, wantRule, got.Explanation)
		}
		if _, err := incident.Decide(incident.AssessClassificationDORA{Meta: meta("cmd-dora"), IncidentID: testIncident, At: at("2025-03-04T11:00:00Z"),
			Result: got.Result(), Gate: got.Gate, Thresholds: got.Thresholds, Rule: got.Rule}, base); err != nil {
			t.Fatalf("mask %b: incident.Decide rejects %+v: %v", mask, got, err)
		}
	}
}
