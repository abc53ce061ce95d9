package sigma_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/sigma"
)

// sigmaHQFiles returns the rule files of the shared SigmaHQ copy.
func sigmaHQFiles(t testing.TB) []string {
	t.Helper()
	root := sharedData(t, filepath.Join("sigma-rules", "SigmaHQ"))
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "tests" {
			return fs.SkipDir // thor.yml is a mapping config, not a rule
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no rule files under %s", root)
	}
	return files
}

// reason summarises an error for counting: the construct of an
// *UnsupportedError, the field kind and reason of a *RuleError.
func reason(err error) string {
	if ue, ok := errors.AsType[*sigma.UnsupportedError](err); ok {
		return "unsupported " + ue.Construct
	}
	if re, ok := errors.AsType[*sigma.RuleError](err); ok {
		r := re.Reason
		if i := strings.IndexAny(r, "\"'"); i > 0 {
			r = r[:i]
		}
		return "rule error: " + r
	}
	return "untyped: " + err.Error()
}

// TestSigmaHQRules loads every shared SigmaHQ rule: each must compile or
// fail with a typed error. It logs the load rate and the failures by reason.
func TestSigmaHQRules(t *testing.T) {
	t.Parallel()
	files := sigmaHQFiles(t)
	reasons := map[string]int{}
	examples := map[string]string{}
	compiled, invalid := 0, 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sigma.Parse(src, path)
		if err == nil {
			if verr := r.Validate(); verr != nil {
				invalid++
				t.Logf("%v", verr)
			}
			_, err = sigma.Compile(r, sigma.CompileOptions{})
		}
		if err == nil {
			compiled++
			continue
		}
		if kind := errorKind(err); kind == "untyped" || kind == "condition" {
			t.Errorf("%s: error is not a *RuleError or *UnsupportedError: %T %v", path, err, err)
		}
		if re, ok := errors.AsType[*sigma.RuleError](err); ok && (re.File != path || re.Line == 0) {
			t.Errorf("%s: error does not locate itself: %v", path, err)
		}
		k := reason(err)
		reasons[k]++
		if _, ok := examples[k]; !ok {
			examples[k] = err.Error()
		}
	}
	t.Logf("SigmaHQ: %d of %d rule files compile (%.1f%%); %d fail Validate",
		compiled, len(files), 100*float64(compiled)/float64(len(files)), invalid)
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return reasons[keys[i]] > reasons[keys[j]] })
	for _, k := range keys {
		t.Logf("  %4d  %s  (e.g. %s)", reasons[k], k, examples[k])
	}
}

// TestSigmaTest runs the sigma-test material: rule + _test.yaml pairs whose
// documents say whether an event matches (no match: key means true).
func TestSigmaTest(t *testing.T) {
	t.Parallel()
	dir := sharedData(t, filepath.Join("sigma-conformance", "sigma-test", "testdata"))
	tests, err := filepath.Glob(filepath.Join(dir, "*_test.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Cases left out, with the reason.
	skipped := map[string]string{
		"config-test": "needs the field mapping of config.yaml (Foo -> $.foo), which is not this package's concern",
	}
	ran, passed := 0, 0
	for _, testFile := range tests {
		name := strings.TrimSuffix(filepath.Base(testFile), "_test.yaml")
		if why, ok := skipped[name]; ok {
			t.Logf("skip %s: %s", name, why)
			continue
		}
		ruleFile := filepath.Join(dir, name+".yaml")
		src, err := os.ReadFile(ruleFile)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sigma.Parse(src, ruleFile)
		if err != nil {
			t.Errorf("%s: %v", ruleFile, err)
			continue
		}
		c, err := sigma.Compile(r, sigma.CompileOptions{})
		if err != nil {
			t.Errorf("%s: %v", ruleFile, err)
			continue
		}
		cases, err := readSigmaTestCases(testFile)
		if err != nil {
			t.Fatalf("%s: %v", testFile, err)
		}
		for _, tc := range cases {
			ran++
			if got := c.Match(tc.event); got != tc.match {
				t.Errorf("%s:%d: Match(%v) = %v, want %v", testFile, tc.line, tc.event, got, tc.match)
				continue
			}
			if tc.match {
				checkLiterals(t, c, tc.event)
			}
			passed++
		}
	}
	// Rules without test cases (no-tests.yaml) must still load.
	rules, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	loaded := 0
	for _, ruleFile := range rules {
		name := strings.TrimSuffix(filepath.Base(ruleFile), ".yaml")
		if strings.HasSuffix(name, "_test") || name == "config" {
			continue // test cases, and the field mapping config
		}
		src, err := os.ReadFile(ruleFile)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sigma.Parse(src, ruleFile)
		if err == nil {
			_, err = sigma.Compile(r, sigma.CompileOptions{})
		}
		if err != nil {
			t.Errorf("%s: %v", ruleFile, err)
			continue
		}
		loaded++
	}
	t.Logf("sigma-test: %d cases ran, %d passed, %d test files skipped; %d of %d rule files load",
		ran, passed, len(skipped), loaded, len(rules)-len(tests)-1)
	if ran == 0 {
		t.Fatal("no sigma-test case ran")
	}
}

type sigmaTestCase struct {
	line  int
	match bool
	event detection.Event
}

// readSigmaTestCases reads the documents of a _test.yaml file. Events are
// flat key/value maps; numbers become json.Number as the normaliser makes
// them.
func readSigmaTestCases(path string) ([]sigmaTestCase, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var out []sigmaTestCase
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue // an empty document (a trailing ---)
		}
		m := doc.Content[0]
		tc := sigmaTestCase{line: m.Line, match: true}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			switch k.Value {
			case "match":
				if err := v.Decode(&tc.match); err != nil {
					return nil, fmt.Errorf("line %d: %w", v.Line, err)
				}
			case "event":
				ev, err := eventFromYAML(v)
				if err != nil {
					return nil, err
				}
				tc.event = ev
			}
		}
		if tc.event == nil {
			return nil, fmt.Errorf("line %d: document without event", m.Line)
		}
		out = append(out, tc)
	}
}

func eventFromYAML(n *yaml.Node) (detection.Event, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: event is not a map", n.Line)
	}
	ev := detection.Event{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: event values must be scalars", v.Line)
		}
		switch v.ShortTag() {
		case "!!int", "!!float":
			ev[k.Value] = json.Number(v.Value)
		case "!!bool":
			ev[k.Value] = v.Value == "true"
		case "!!null":
			ev[k.Value] = nil
		default:
			ev[k.Value] = v.Value
		}
	}
	return ev, nil
}

// TestSpecAndPySigmaDocuments loads the specification's schema test
// documents and pySigma's valid rule files: detection rules compile,
// correlation documents parse into their sections, and filter documents
// compile.
func TestSpecAndPySigmaDocuments(t *testing.T) {
	t.Parallel()
	base := sharedData(t, "sigma-conformance")
	counts := map[sigma.Kind]int{}
	for _, dir := range []string{
		filepath.Join(base, "sigma-specification", "tests", "schema"),
		filepath.Join(base, "pysigma", "tests", "files"),
	} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yml") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, res := range sigma.ParseAll(src, path) {
				if res.Rule == nil || res.Err != nil {
					t.Errorf("%s document %d: %v", path, i+1, res.Err)
					continue
				}
				counts[res.Rule.Kind]++
				if err := res.Rule.Validate(); err != nil {
					t.Errorf("%s document %d: Validate: %v", path, i+1, err)
				}
				switch res.Rule.Kind {
				case sigma.KindDetection:
					if _, err := sigma.Compile(res.Rule, sigma.CompileOptions{}); err != nil {
						t.Errorf("%s document %d: %v", path, i+1, err)
					}
				case sigma.KindCorrelation:
					c := res.Rule.Correlation
					if c == nil || len(c.Rules) == 0 || c.Timespan <= 0 || len(c.Condition.Bounds) == 0 ||
						c.Type.AggregatesField() != (len(c.Condition.Fields) > 0) {
						t.Errorf("%s document %d: correlation parsed as %+v", path, i+1, c)
					}
				case sigma.KindFilter:
					if _, err := sigma.CompileFilter(res.Rule, sigma.CompileOptions{}); err != nil {
						t.Errorf("%s document %d: CompileFilter: %v", path, i+1, err)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("documents: %d detection, %d correlation, %d filter",
		counts[sigma.KindDetection], counts[sigma.KindCorrelation], counts[sigma.KindFilter])
	if counts[sigma.KindCorrelation] == 0 || counts[sigma.KindFilter] == 0 {
		t.Error("expected correlation and filter documents in the shared material")
	}
}

// TestSpecCorrelationSections checks each specification schema test
// correlation against what its text says.
func TestSpecCorrelationSections(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(sharedData(t, "sigma-conformance"), "sigma-specification", "tests", "schema", "correlation")
	tests := []struct {
		file     string
		typ      sigma.CorrelationType
		groupBy  []string
		timespan time.Duration
		cond     string
		fields   []string
	}{
		{"event_count.yml", sigma.CorrelationEventCount, []string{"ComputerName"}, time.Hour, "gte 100", nil},
		{"event_count_ecs.yml", sigma.CorrelationEventCount, []string{"dns.question.name"}, time.Hour, "gte 100", nil},
		{"value_count.yml", sigma.CorrelationValueCount, []string{"ComputerName", "WorkstationName"}, 24 * time.Hour, "gte 100", []string{"User"}},
		{"temporal.yml", sigma.CorrelationTemporal, []string{"ComputerName", "User"}, 5 * time.Minute, "gte 3", nil},
		{"temporal_ordered.yml", sigma.CorrelationTemporalOrdered, []string{"ComputerName", "User"}, 5 * time.Minute, "gte 3", nil},
		{"value_sum.yml", sigma.CorrelationValueSum, []string{"SourceIP", "User"}, time.Hour, "gt 1000000", []string{"bytes_sent"}},
		{"value_avg.yml", sigma.CorrelationValueAvg, []string{"SourceIP", "User"}, 24 * time.Hour, "gt 500", []string{"BytesOut"}},
		{"value_percentile.yml", sigma.CorrelationValuePercentile, []string{"ComputerName"}, 24 * time.Hour, "lte 1", []string{"Image"}},
	}
	for _, tt := range tests {
		src, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		r, err := sigma.Parse(src, tt.file)
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		c := r.Correlation
		if c.Type != tt.typ || !slices.Equal(c.GroupBy, tt.groupBy) || c.Timespan != tt.timespan ||
			c.Condition.String() != tt.cond || !slices.Equal(c.Condition.Fields, tt.fields) {
			t.Errorf("%s: parsed as type %s, group-by %v, timespan %v, condition %q, field %v", tt.file,
				c.Type, c.GroupBy, c.Timespan, c.Condition.String(), c.Condition.Fields)
		}
		if tt.typ == sigma.CorrelationValuePercentile && c.Condition.Percentile != 50 {
			t.Errorf("%s: percentile %v, want the default 50", tt.file, c.Condition.Percentile)
		}
	}
}

// TestPySigmaFilter applies pySigma's example filter ("Filters out any
// matching events from COMPANYNAME Domain Controllers", condition: not
// selection) to the rule it names: events from DC- hosts no longer match.
func TestPySigmaFilter(t *testing.T) {
	t.Parallel()
	base := filepath.Join(sharedData(t, "sigma-conformance"), "pysigma", "tests", "files")
	load := func(name string) *sigma.Rule {
		src, err := os.ReadFile(filepath.Join(base, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := sigma.Parse(src, name)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	rule := load(filepath.Join("rule_valid", "win_codeintegrity_unsigned_driver_loaded.yml"))
	f, err := sigma.CompileFilter(load(filepath.Join("filter_valid", "filter_out_domain_controllers.yml")), sigma.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !f.AppliesTo(rule) {
		t.Fatal("the filter does not apply to the rule it names (product windows covers windows/codeintegrity-operational)")
	}
	c, err := sigma.Compile(rule, sigma.CompileOptions{Filters: []*sigma.CompiledFilter{f}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Filters()) != 1 {
		t.Fatalf("applied filters %v, want the one", c.Filters())
	}
	if !c.Match(detection.Event{"EventID": json.Number("1234"), "ComputerName": "WS-0042"}) {
		t.Error("a workstation event no longer matches")
	}
	if c.Match(detection.Event{"EventID": json.Number("1234"), "ComputerName": "DC-01"}) {
		t.Error("a domain controller event still matches")
	}
}
