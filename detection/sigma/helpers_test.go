package sigma_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/detectiontest"
	"github.com/socledger/socledger/detection/sigma"
)

// sharedData returns ../shared/data/sub, or skips the test.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	return detectiontest.SharedData(t, sub)
}

// compile parses and compiles a rule written in a test, failing on error.
func compile(t testing.TB, src string, opts sigma.CompileOptions) *sigma.Compiled {
	t.Helper()
	r, err := sigma.Parse([]byte(src), "test.yml")
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, src)
	}
	c, err := sigma.Compile(r, opts)
	if err != nil {
		t.Fatalf("Compile: %v\n%s", err, src)
	}
	return c
}

// ruleWith wraps a detection section (given without indentation) into a rule.
func ruleWith(detectionYAML string) string {
	var b strings.Builder
	b.WriteString("title: test rule\nlogsource:\n    product: test\ndetection:\n")
	for line := range strings.SplitSeq(strings.TrimRight(detectionYAML, "\n"), "\n") {
		b.WriteString("    ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// checkLiterals verifies the RequiredLiterals guarantee for an event the
// rule matched: every clause has a literal in some folded text of the event.
func checkLiterals(t testing.TB, c *sigma.Compiled, ev detection.Event) {
	t.Helper()
	var texts []string
	add := func(v any) {
		switch x := v.(type) {
		case string:
			texts = append(texts, sigma.FoldCase(x))
		case interface{ String() string }:
			texts = append(texts, sigma.FoldCase(x.String()))
		case bool:
			if x {
				texts = append(texts, "true")
			} else {
				texts = append(texts, "false")
			}
		}
	}
	for _, v := range ev {
		if l, ok := v.([]any); ok {
			for _, e := range l {
				add(e)
			}
			continue
		}
		add(v)
	}
	for _, clause := range c.RequiredLiterals() {
		found := false
		for _, lit := range clause {
			for _, text := range texts {
				if strings.Contains(text, lit) {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("rule matched %v but no literal of clause %q is in its texts; RequiredLiterals = %q", ev, clause, c.RequiredLiterals())
		}
	}
}

// errorKind classifies an error as the typed errors of the package.
func errorKind(err error) string {
	if _, ok := errors.AsType[*sigma.UnsupportedError](err); ok {
		return "unsupported"
	}
	if _, ok := errors.AsType[*sigma.RuleError](err); ok {
		return "rule"
	}
	if _, ok := errors.AsType[*sigma.ConditionError](err); ok {
		return "condition"
	}
	return "untyped"
}
