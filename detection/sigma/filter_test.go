package sigma_test

import (
	"errors"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/sigma"
)

const filterRuleA = `title: Rule A
id: aaaaaaaa-0000-4000-8000-000000000001
name: rule_a
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        CommandLine|contains: whoami
    condition: sel
`

const filterRuleB = `title: Rule B
id: bbbbbbbb-0000-4000-8000-000000000002
name: rule_b
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        CommandLine|contains: whoami
    condition: sel
`

// filterDoc is a filter naming rules, with a logsource, that lets through
// only events whose User does not start with adm_.
func filterDoc(rules, logsource string) string {
	return "title: Filter admins\nlogsource: " + logsource + "\nfilter:\n    rules: " + rules +
		"\n    selection:\n        User|startswith: 'adm_'\n    condition: not selection\n"
}

func mustParse(t testing.TB, src string) *sigma.Rule {
	t.Helper()
	r, err := sigma.Parse([]byte(src), "test.yml")
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	return r
}

func mustFilter(t testing.TB, src string) *sigma.CompiledFilter {
	t.Helper()
	f, err := sigma.CompileFilter(mustParse(t, src), sigma.CompileOptions{})
	if err != nil {
		t.Fatalf("CompileFilter: %v\n%s", err, src)
	}
	return f
}

var (
	adminEvent = detection.Event{"CommandLine": "whoami /all", "User": "adm_jane"}
	userEvent  = detection.Event{"CommandLine": "whoami /all", "User": "jane"}
)

// TestFilterAppliesToNamedRulesOnly: a filter removes matches of the rules
// it names, by id or name, whose logsource it covers, and of no other.
func TestFilterAppliesToNamedRulesOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		filter         string
		filtersA, andB bool // whether the filter applies to A, and to B
	}{
		{"by id", filterDoc("[aaaaaaaa-0000-4000-8000-000000000001]", "{product: windows, category: process_creation}"), true, false},
		{"by name", filterDoc("[rule_a]", "{product: windows}"), true, false},
		{"both rules", filterDoc("[rule_a, bbbbbbbb-0000-4000-8000-000000000002]", "{category: PROCESS_CREATION}"), true, true},
		{"by title is not a reference", filterDoc("[Rule A]", "{product: windows}"), false, false},
		{"other product", filterDoc("[rule_a]", "{product: linux}"), false, false},
		{"narrower than the rule: a service the rule lacks", filterDoc("[rule_a]", "{product: windows, service: sysmon}"), false, false},
		{"empty logsource covers everything", filterDoc("[rule_a]", "{}"), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustFilter(t, tt.filter)
			for _, r := range []struct {
				src     string
				applies bool
			}{{filterRuleA, tt.filtersA}, {filterRuleB, tt.andB}} {
				rule := mustParse(t, r.src)
				if got := f.AppliesTo(rule); got != r.applies {
					t.Errorf("%s: AppliesTo = %v, want %v", rule.Title, got, r.applies)
				}
				c, err := sigma.Compile(rule, sigma.CompileOptions{Filters: []*sigma.CompiledFilter{f}})
				if err != nil {
					t.Fatal(err)
				}
				if len(c.Filters()) != map[bool]int{true: 1, false: 0}[r.applies] {
					t.Errorf("%s: Filters() = %v", rule.Title, c.Filters())
				}
				if !c.Match(userEvent) {
					t.Errorf("%s: the filter removed a match it lets through", rule.Title)
				}
				if got := c.Match(adminEvent); got == r.applies {
					t.Errorf("%s: Match(admin event) = %v; the filter applies: %v", rule.Title, got, r.applies)
				}
			}
		})
	}
}

// TestFiltersCombine: several filters all apply, a rule's condition list
// is filtered as a whole, and filters using quantifiers over their own
// search identifiers keep working once spliced into a rule.
func TestFiltersCombine(t *testing.T) {
	t.Parallel()
	rule := mustParse(t, `title: R
id: r1
logsource: {product: windows}
detection:
    sel1:
        CommandLine|contains: whoami
    sel2:
        Image|endswith: '\net.exe'
    condition:
        - sel1
        - sel2
`)
	f1 := mustFilter(t, filterDoc("[r1]", "{product: windows}"))
	f2 := mustFilter(t, `title: Not on DCs nor build hosts
logsource: {product: windows}
filter:
    rules: [r1]
    host_dc:
        Computer|startswith: DC-
    host_build:
        Computer|startswith: BUILD-
    condition: not 1 of host_*
`)
	c, err := sigma.Compile(rule, sigma.CompileOptions{Filters: []*sigma.CompiledFilter{f1, nil, f2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Filters()) != 2 {
		t.Fatalf("Filters() = %v, want both", c.Filters())
	}
	for _, tt := range []struct {
		ev   detection.Event
		want bool
	}{
		{detection.Event{"CommandLine": "whoami", "User": "jane", "Computer": "WS-1"}, true},
		{detection.Event{"Image": `C:\x\net.exe`, "User": "jane", "Computer": "WS-1"}, true},
		{detection.Event{"CommandLine": "whoami", "User": "adm_x", "Computer": "WS-1"}, false},
		{detection.Event{"Image": `C:\x\net.exe`, "User": "adm_x", "Computer": "WS-1"}, false},
		{detection.Event{"CommandLine": "whoami", "User": "jane", "Computer": "DC-1"}, false},
		{detection.Event{"Image": `C:\x\net.exe`, "User": "jane", "Computer": "BUILD-7"}, false},
		{detection.Event{"CommandLine": "ipconfig", "User": "jane", "Computer": "WS-1"}, false},
	} {
		if got := c.Match(tt.ev); got != tt.want {
			t.Errorf("Match(%v) = %v, want %v", tt.ev, got, tt.want)
		}
		if tt.want {
			checkLiterals(t, c, tt.ev)
		}
	}
	// The unfiltered rule is untouched: filters are applied at compile time.
	plain, err := sigma.Compile(rule, sigma.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !plain.Match(detection.Event{"CommandLine": "whoami", "User": "adm_x", "Computer": "DC-1"}) {
		t.Error("compiling with filters changed the rule")
	}
}

// TestFilterLiterals: a filter whose condition requires text adds it to the
// rule's required literals (the rule then needs both); a negated one adds
// nothing.
func TestFilterLiterals(t *testing.T) {
	t.Parallel()
	rule := mustParse(t, filterRuleA)
	keep := mustFilter(t, `title: Only the finance share
logsource: {product: windows}
filter:
    rules: [rule_a]
    selection:
        CurrentDirectory|contains: '\finance\'
    condition: selection
`)
	c, err := sigma.Compile(rule, sigma.CompileOptions{Filters: []*sigma.CompiledFilter{keep}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RequiredLiterals(); len(got) != 2 {
		t.Errorf("RequiredLiterals = %q, want the rule's clause and the filter's", got)
	}
	ev := detection.Event{"CommandLine": "whoami", "CurrentDirectory": `D:\finance\q3`}
	if !c.Match(ev) {
		t.Fatal("no match")
	}
	checkLiterals(t, c, ev)
	c, err = sigma.Compile(rule, sigma.CompileOptions{Filters: []*sigma.CompiledFilter{mustFilter(t, filterDoc("[rule_a]", "{}"))}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.RequiredLiterals(); len(got) != 1 || got[0][0] != "whoami" {
		t.Errorf("RequiredLiterals = %q, want only the rule's", got)
	}
}

func TestCompileFilterRefusesOtherKinds(t *testing.T) {
	t.Parallel()
	if _, err := sigma.CompileFilter(mustParse(t, filterRuleA), sigma.CompileOptions{}); errorKind(err) != "rule" {
		t.Errorf("CompileFilter of a detection rule = %v, want a *RuleError", err)
	}
	if _, err := sigma.CompileFilter(nil, sigma.CompileOptions{}); err == nil {
		t.Error("CompileFilter(nil) succeeded")
	}
	f := mustParse(t, filterDoc("[rule_a]", "{}"))
	_, err := sigma.Compile(f, sigma.CompileOptions{})
	if ue, ok := errors.AsType[*sigma.UnsupportedError](err); !ok || ue.Construct != "filter rule" {
		t.Errorf("Compile of a filter = %v, want an *UnsupportedError pointing to CompileFilter", err)
	}
	if f.Filter.Detection.Searches[0].Name != "selection" {
		t.Error("CompileFilter changed the parsed rule")
	}
}

// TestFilteredMatchDoesNotAllocate: filters keep Match free of allocations.
// AllocsPerRun forbids parallel tests.
func TestFilteredMatchDoesNotAllocate(t *testing.T) { //nolint:paralleltest // AllocsPerRun panics in parallel tests
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	f := mustFilter(t, filterDoc("[rule_a]", "{product: windows}"))
	c, err := sigma.Compile(mustParse(t, filterRuleA), sigma.CompileOptions{Filters: []*sigma.CompiledFilter{f}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []detection.Event{userEvent, adminEvent} {
		if n := testing.AllocsPerRun(100, func() { c.Match(ev) }); n != 0 {
			t.Errorf("Match allocates %.1f times per call", n)
		}
	}
}
