package sigma_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/sigma"
)

var fuzzEvent = detection.Event{
	"Image":       `C:\Windows\System32\cmd.exe`,
	"CommandLine": "cmd.exe /c whoami -all",
	"EventID":     json.Number("1"),
	"a":           "foo",
	"b":           "bar",
	"Ip":          "10.1.2.3",
	"List":        []any{"x", json.Number("2"), true, nil},
	"Null":        nil,
}

// FuzzParseRule feeds arbitrary documents to the parser and compiler: no
// panic, only typed errors, and a rule that compiles can be matched.
func FuzzParseRule(f *testing.F) {
	f.Add([]byte(fullRule))
	f.Add([]byte(ruleWith("sel:\n  Image|endswith: '\\cmd.exe'\n  CommandLine|windash|contains|all:\n    - ' -all'\n    - '/c'\ncondition: sel")))
	f.Add([]byte(ruleWith("keywords:\n  - 'who*ami'\n  - 42\ncondition: keywords or not 1 of x*\nx1:\n  Ip|cidr: 10.0.0.0/8")))
	f.Add([]byte(ruleWith("a:\n  a|re|i: '^FO+$'\nb:\n  b|base64offset|contains: bar\nc:\n  Null: null\n  EventID|gte: 1\ncondition: all of them")))
	f.Add([]byte(ruleWith("a:\n  a|fieldref|startswith: b\nb:\n  List|exists: true\ncondition:\n  - a\n  - b and not a")))
	f.Add([]byte("title: t\ncorrelation:\n  type: temporal\n---\ntitle: f\nfilter:\n  rules: [x]\n"))
	f.Add([]byte(fullCorrelation))
	f.Add([]byte("title: c\ncorrelation:\n  type: value_percentile\n  rules: a\n  group-by: [x, y]\n  timespan: 2w\n" +
		"  condition: {field: n, percentile: 90, gt: 1.5, lte: 1e3}\n  generate: true\n"))
	f.Add([]byte("title: c\ncorrelation:\n  type: value_count\n  rules: [a, b]\n  timespan: 90m\n  condition:\n    field: [u, h]\n    neq: 0\n" +
		"  aliases:\n    x:\n      a: f1\n      b: f2\n"))
	f.Add([]byte("title: c\ncorrelation:\n  type: temporal_ordered\n  rules: [a, b]\n  timespan: 0s\n  condition: a and not b\n"))
	f.Add([]byte(filterDoc("[test rule, x]", "{product: test}")))
	f.Add([]byte("title: f\nlogsource: {product: test}\nfilter:\n  rules: test rule\n  f_1: {a|re: '^f'}\n  f_2: [bar]\n  condition: not 1 of f_*\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("detection: {s: {a|expand: '%x%'}, condition: s}"))
	target := mustParse(f, ruleWith("sel:\n  a: foo\ncondition: sel"))
	target.Name = "test rule"
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, res := range sigma.ParseAll(src, "fuzz.yml") {
			if res.Err != nil {
				if k := errorKind(res.Err); k != "rule" && k != "unsupported" {
					t.Fatalf("untyped error %T: %v", res.Err, res.Err)
				}
				continue
			}
			switch res.Rule.Kind {
			case sigma.KindCorrelation:
				c := res.Rule.Correlation
				if c == nil || len(c.Rules) == 0 || c.Timespan <= 0 || len(c.Condition.Bounds) == 0 ||
					c.Type.AggregatesField() != (len(c.Condition.Fields) > 0) {
					t.Fatalf("correlation parsed as %+v", c)
				}
				continue
			case sigma.KindFilter:
				fc, err := sigma.CompileFilter(res.Rule, sigma.CompileOptions{})
				if err != nil {
					if k := errorKind(err); k != "rule" && k != "unsupported" {
						t.Fatalf("untyped error %T: %v", err, err)
					}
					continue
				}
				c, err := sigma.Compile(target, sigma.CompileOptions{Filters: []*sigma.CompiledFilter{fc}})
				if err != nil {
					t.Fatalf("a filter broke the rule: %v", err)
				}
				if c.Match(fuzzEvent) {
					checkLiterals(t, c, fuzzEvent)
				}
				continue
			}
			c, err := sigma.Compile(res.Rule, sigma.CompileOptions{Placeholders: map[string][]string{"x": {"a*", "b"}}})
			if err != nil {
				if k := errorKind(err); k != "rule" && k != "unsupported" {
					t.Fatalf("untyped error %T: %v", err, err)
				}
				continue
			}
			if c.Match(fuzzEvent) {
				checkLiterals(t, c, fuzzEvent)
			}
		}
	})
}

// FuzzParseCondition checks that the condition parser never panics and that
// an accepted condition's canonical form parses to the same expression.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{
		"selection",
		"a or b and not c",
		"1 of selection_* and not 1 of filter_*",
		"all of them",
		"(a or (b and not (c)))",
		"not not a",
		"a and (b or",
		"sel | count() > 5",
		"1 of",
		"x near y",
		"ALL Of Them OR x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := sigma.ParseCondition(s)
		if err != nil {
			if k := errorKind(err); k != "condition" && k != "unsupported" {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		again, err := sigma.ParseCondition(e.String())
		if err != nil {
			t.Fatalf("ParseCondition(%q) = %s, which does not parse: %v", s, e, err)
		}
		if again.String() != e.String() {
			t.Fatalf("ParseCondition(%q) = %s, re-parsed as %s", s, e, again)
		}
	})
}

// FuzzWildcardMatch compares the wildcard matcher with a regular expression
// built from the same Sigma value by the spec's rules: case-insensitive
// (Go's (?i) folds like strings.EqualFold), '*' any run, '?' one character,
// backslash escaping '*', '?' and '\'.
func FuzzWildcardMatch(f *testing.F) {
	f.Add(`C:\\*\cmd.exe`, `C:\Windows\System32\CMD.exe`, uint8(0), false)
	f.Add(`prog?.exe`, `progé.exe`, uint8(0), false)
	f.Add(`\\\\\*\\IPC$`, `\\*\IPC$`, uint8(0), false)
	f.Add(`a*b?c*`, `xxAyyBzCc`, uint8(1), false)
	f.Add(`tasklist*|*find`, `tasklist /v | find x`, uint8(1), false)
	f.Add(`k`, "\u212a", uint8(1), false)
	f.Add(`ab*ba`, `aba`, uint8(0), true)
	f.Add(`*\`, `x\`, uint8(3), false)
	f.Add(`ſ?`, `Sx`, uint8(2), false)
	f.Fuzz(func(t *testing.T, pattern, text string, mode uint8, cased bool) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(text) || len(pattern) > 64 {
			return
		}
		mods := [...][]string{nil, {"contains"}, {"startswith"}, {"endswith"}}[mode%4]
		if cased {
			mods = append(mods, "cased")
		}
		r := &sigma.Rule{File: "fuzz", Detection: &sigma.Detection{
			Searches: []*sigma.Search{{Name: "sel", Groups: [][]*sigma.FieldMatch{{{
				Field: "F", Modifiers: mods, Values: []sigma.Value{{Kind: sigma.StringValue, Raw: pattern}},
			}}}}},
			Conditions:    []sigma.Expr{&sigma.Ident{Name: "sel"}},
			ConditionText: []string{"sel"},
		}}
		c, err := sigma.Compile(r, sigma.CompileOptions{})
		if err != nil {
			t.Fatalf("Compile(%q): %v", pattern, err)
		}
		ev := detection.Event{"F": text}
		got := c.Match(ev)
		want := wildcardRegexp(pattern, mode%4, cased).MatchString(text)
		if got != want {
			t.Fatalf("pattern %q %v on %q: Match = %v, regexp says %v", pattern, mods, text, got, want)
		}
		if got {
			checkLiterals(t, c, ev)
		}
	})
}

func wildcardRegexp(pattern string, mode uint8, cased bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s")
	if !cased {
		b.WriteString("i")
	}
	b.WriteString(")^")
	if mode == 1 || mode == 3 {
		b.WriteString(".*")
	}
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		switch {
		case r == '\\' && i+1 < len(pattern) && strings.ContainsRune(`*?\`, rune(pattern[i+1])):
			b.WriteString(regexp.QuoteMeta(pattern[i+1 : i+2]))
			i += 2
			continue
		case r == '*':
			b.WriteString(".*")
		case r == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		i += n
	}
	if mode == 1 || mode == 2 {
		b.WriteString(".*")
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}
