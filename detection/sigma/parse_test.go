package sigma_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/detection/sigma"
)

const fullRule = `title: Whoami Execution
id: 929a690e-bef0-4204-a928-ef5e620d6fcc
name: whoami_exec
related:
    - id: 08fbc97d-0a2f-491c-ae21-8ffcfd3174e9
      type: derived
status: test
description: Detects a whoami.exe execution
license: DRL-1.1
references:
    - https://example.org/a
author: Florian Roth
date: 2019-10-23
modified: 2023-01-02
tags:
    - attack.discovery
    - attack.t1033
    - attack.t1059.001
    - attack.privilege_escalation
    - attack.g0007
    - attack.s0002
    - car.2016-03-001
logsource:
    category: process_creation
    product: windows
    definition: 'Requirements: Sysmon'
    custom_key: x
detection:
    selection:
        Image|endswith: '\whoami.exe'
        EventID: 1
    condition: selection
fields:
    - CommandLine
falsepositives:
    - Admin activity
level: high
scope:
    - server
x_custom:
    reviewed: true
`

func TestParseMetadata(t *testing.T) {
	t.Parallel()
	r, err := sigma.Parse([]byte(fullRule), "rules/whoami.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"File", r.File, "rules/whoami.yml"},
		{"Line", r.Line, 1},
		{"Kind", r.Kind, sigma.KindDetection},
		{"Title", r.Title, "Whoami Execution"},
		{"ID", r.ID, "929a690e-bef0-4204-a928-ef5e620d6fcc"},
		{"Name", r.Name, "whoami_exec"},
		{"Status", r.Status, "test"},
		{"Level", r.Level, "high"},
		{"Description", r.Description, "Detects a whoami.exe execution"},
		{"License", r.License, "DRL-1.1"},
		{"Author", r.Author, "Florian Roth"},
		{"Date", r.Date, "2019-10-23"},
		{"Modified", r.Modified, "2023-01-02"},
		{"References", r.References, []string{"https://example.org/a"}},
		{"Tags", len(r.Tags), 7},
		{"Techniques", r.Techniques, []string{"T1033", "T1059.001"}},
		{"Tactics", r.Tactics, []string{"discovery", "privilege-escalation"}},
		{"Related", r.Related, []sigma.Related{{ID: "08fbc97d-0a2f-491c-ae21-8ffcfd3174e9", Type: "derived"}}},
		{"Logsource.Product", r.Logsource.Product, "windows"},
		{"Logsource.Category", r.Logsource.Category, "process_creation"},
		{"Logsource.Service", r.Logsource.Service, ""},
		{"Logsource.Definition", r.Logsource.Definition, "Requirements: Sysmon"},
		{"Logsource.Custom", r.Logsource.Custom, map[string]string{"custom_key": "x"}},
		{"Fields", r.Fields, []string{"CommandLine"}},
		{"FalsePositives", r.FalsePositives, []string{"Admin activity"}},
		{"Scope", r.Scope, []string{"server"}},
		{"Custom", r.Custom, map[string]any{"x_custom": map[string]any{"reviewed": true}}},
		{"Searches", len(r.Detection.Searches), 1},
		{"ConditionText", r.Detection.ConditionText, []string{"selection"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	fm := r.Detection.Searches[0].Groups[0]
	if len(fm) != 2 || fm[0].Field != "Image" || !reflect.DeepEqual(fm[0].Modifiers, []string{"endswith"}) ||
		fm[0].Line != 30 || fm[1].Field != "EventID" || fm[1].Values[0].Kind != sigma.NumberValue {
		t.Errorf("selection parsed as %+v %+v, want Image|endswith at line 30 then EventID as a number", fm[0], fm[1])
	}
}

func TestParseAll(t *testing.T) {
	t.Parallel()
	src := `title: Base rule
name: base_rule
logsource:
    category: test
detection:
    selection:
        fieldA: value1
    condition: selection
---
title: Many base events
correlation:
    type: event_count
    rules:
        - base_rule
    group-by:
        - fieldC
    timespan: 15m
    condition:
        gte: 10
---
title: Filter
logsource:
    product: windows
filter:
    rules:
        - base_rule
    selection:
        ComputerName|startswith: 'DC-'
    condition: not selection
---
`
	got := sigma.ParseAll([]byte(src), "multi.yml")
	if len(got) != 3 {
		t.Fatalf("ParseAll gave %d results, want 3: %+v", len(got), got)
	}
	if got[0].Err != nil || got[0].Rule.Kind != sigma.KindDetection || got[0].Rule.Name != "base_rule" {
		t.Errorf("document 1 = %+v, want the detection rule base_rule", got[0])
	}
	corr := got[1]
	if corr.Err != nil || corr.Rule == nil || corr.Rule.Kind != sigma.KindCorrelation || corr.Rule.Correlation == nil || corr.Rule.Detection != nil {
		t.Fatalf("document 2 = %+v (%v), want a correlation rule", corr.Rule, corr.Err)
	}
	c := corr.Rule.Correlation
	if c.Line != 11 || c.Type != sigma.CorrelationEventCount || !reflect.DeepEqual(c.Rules, []string{"base_rule"}) ||
		!reflect.DeepEqual(c.GroupBy, []string{"fieldC"}) || c.Timespan != 15*time.Minute || c.TimespanText != "15m" ||
		!reflect.DeepEqual(c.Condition.Bounds, []sigma.Bound{{Op: sigma.OpGTE, Value: 10, Raw: "10"}}) || c.Generate {
		t.Errorf("correlation section = %+v", c)
	}
	filt := got[2]
	if filt.Err != nil || filt.Rule == nil || filt.Rule.Kind != sigma.KindFilter || filt.Rule.Filter == nil || filt.Rule.Detection != nil {
		t.Fatalf("document 3 = %+v (%v), want a filter rule", filt.Rule, filt.Err)
	}
	f := filt.Rule.Filter
	if f.Line != 24 || !reflect.DeepEqual(f.Rules, []string{"base_rule"}) || len(f.Detection.Searches) != 1 ||
		f.Detection.Searches[0].Name != "selection" || f.Detection.ConditionText[0] != "not selection" ||
		filt.Rule.Logsource.Product != "windows" {
		t.Errorf("filter section = %+v, detection %+v", f, f.Detection)
	}
	for _, res := range got[1:] {
		if _, err := sigma.Compile(res.Rule, sigma.CompileOptions{}); errorKind(err) != "unsupported" {
			t.Errorf("Compile of a %v rule = %v, want an *UnsupportedError", res.Rule.Kind, err)
		}
	}
	if _, err := sigma.Parse([]byte(src), "multi.yml"); err == nil || !strings.Contains(err.Error(), "ParseAll") {
		t.Errorf("Parse of several documents = %v, want an error pointing to ParseAll", err)
	}
}

func TestParseAllSyntaxErrorEnds(t *testing.T) {
	t.Parallel()
	src := "title: a\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n---\ntitle: [unclosed\n"
	got := sigma.ParseAll([]byte(src), "f.yml")
	if len(got) != 2 || got[0].Err != nil {
		t.Fatalf("ParseAll = %+v, want the first rule and then the syntax error", got)
	}
	re, ok := errors.AsType[*sigma.RuleError](got[1].Err)
	if !ok || re.File != "f.yml" || re.Line == 0 {
		t.Errorf("syntax error = %v, want a located *RuleError", got[1].Err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, field string
	}{
		{"no title", "logsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n", "title"},
		{"no logsource", "title: t\ndetection: {s: {a: 1}, condition: s}\n", "logsource"},
		{"bad level", "title: t\nlogsource: {product: x}\nlevel: severe\ndetection: {s: {a: 1}, condition: s}\n", "level"},
		{"bad status", "title: t\nlogsource: {product: x}\nstatus: beta\ndetection: {s: {a: 1}, condition: s}\n", "status"},
		{"long title", "title: " + strings.Repeat("x", 257) + "\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n", "title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := sigma.Parse([]byte(tt.src), "v.yml")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			re, ok := errors.AsType[*sigma.RuleError](r.Validate())
			if !ok || re.Field != tt.field || re.File != "v.yml" {
				t.Errorf("Validate = %v, want a *RuleError on %s", r.Validate(), tt.field)
			}
		})
	}
}

// anyLine accepts any positive line: the YAML library's syntax error lines
// are not always exact.
const anyLine = -1

// TestErrors checks that each kind of bad rule gives a typed error naming the
// file and line.
func TestErrors(t *testing.T) {
	t.Parallel()
	rule := func(det string) string { return ruleWith(det) } // detection starts at line 5
	tests := []struct {
		name    string
		src     string
		kind    string // "rule" or "unsupported"
		line    int
		mention string // a text the error must contain
	}{
		{"invalid YAML", "title: t\ndetection:\n  sel: [a\n", "rule", anyLine, "invalid YAML"},
		{"not a mapping", "- a\n- b\n", "rule", 1, "mapping"},
		{"missing detection", "title: t\nlogsource: {product: x}\n", "rule", 1, "detection"},
		{"missing condition", rule("sel:\n  a: 1"), "rule", 5, "condition"},
		{"empty condition", rule("sel:\n  a: 1\ncondition: ''"), "rule", 7, "empty condition"},
		{"no search identifiers", rule("condition: sel"), "rule", 5, "no search identifiers"},
		{"unknown identifier", rule("sel:\n  a: 1\ncondition: sel and filter"), "rule", 7, `unknown search identifier "filter"`},
		{"pattern matches nothing", rule("sel:\n  a: 1\ncondition: sel and not 1 of filter_*"), "rule", 7, `pattern "filter_*"`},
		{"condition syntax", rule("sel:\n  a: 1\ncondition: sel and"), "rule", 7, "unexpected end"},
		{"unbalanced parenthesis", rule("sel:\n  a: 1\ncondition: (sel"), "rule", 7, "expected ')'"},
		{"2 of", rule("sel:\n  a: 1\ncondition: 2 of sel*"), "rule", 7, "only '1 of' and 'all of'"},
		{"aggregation", rule("sel:\n  a: 1\ncondition: sel | count() > 5"), "unsupported", 7, "aggregation"},
		{"near", rule("sel:\n  a: 1\ncondition: sel near other"), "unsupported", 7, "near"},
		{"duplicate key", rule("sel:\n  a: 1\n  a: 2\ncondition: sel"), "rule", 7, "duplicate key"},
		{"duplicate search", rule("sel:\n  a: 1\nsel:\n  b: 1\ncondition: sel"), "rule", 7, "duplicate key"},
		{"search is a scalar", rule("sel: foo\ncondition: sel"), "rule", 5, "map of fields or a list"},
		{"value is a map", rule("sel:\n  a:\n    b: 1\ncondition: sel"), "rule", 7, "scalar or a list"},
		{"empty value list", rule("sel:\n  a: []\ncondition: sel"), "rule", 6, "empty list"},
		{"unknown modifier", rule("sel:\n  a|containz: x\ncondition: sel"), "unsupported", 6, `modifier "containz"`},
		{"lookahead", rule("sel:\n  a|re: 'foo(?=bar)'\ncondition: sel"), "unsupported", 6, "regular expression"},
		{"backreference", rule("sel:\n  a|re: '(a)\\1'\ncondition: sel"), "unsupported", 6, "regular expression"},
		{"placeholder without value", rule("sel:\n  a|expand: '%Servers%'\ncondition: sel"), "unsupported", 6, "%Servers%"},
		{"bad cidr", rule("sel:\n  ip|cidr:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\ncondition: sel"), "rule", 8, "CIDR"},
		{"lt not a number", rule("sel:\n  n|lt: ten\ncondition: sel"), "rule", 6, "not a number"},
		{"null with contains", rule("sel:\n  a|contains: null\ncondition: sel"), "rule", 6, "null"},
		{"base64 of a wildcard", rule("sel:\n  a|base64: 'x*'\ncondition: sel"), "rule", 6, "wildcards"},
		{"re with cased", rule("sel:\n  a|re|cased: x\ncondition: sel"), "rule", 6, "cased"},
		{"re flag without re", rule("sel:\n  a|contains|i: x\ncondition: sel"), "rule", 6, "must follow re"},
		{"re with contains", rule("sel:\n  a|re|contains: x\ncondition: sel"), "rule", 6, "cannot be combined"},
		{"two types", rule("sel:\n  a|cidr|re: x\ncondition: sel"), "rule", 6, "cannot be combined"},
		{"exists not bool", rule("sel:\n  a|exists: maybe\ncondition: sel"), "rule", 6, "true or false"},
		{"keyword with cidr", rule("sel:\n  '|cidr': 10.0.0.0/8\ncondition: sel"), "rule", 6, "keyword"},
		{"empty modifier", rule("sel:\n  a||contains: x\ncondition: sel"), "rule", 6, "empty modifier"},
		{"action global", "action: global\ntitle: t\ndetection: {s: {a: 1}, condition: s}\n", "unsupported", 1, "action"},
		{"two sections", "title: t\ndetection: {s: {a: 1}, condition: s}\ncorrelation: {type: event_count}\n", "rule", 3, "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := sigma.Parse([]byte(tt.src), "bad.yml")
			if err == nil {
				_, err = sigma.Compile(r, sigma.CompileOptions{})
			}
			if err == nil {
				t.Fatalf("no error, want a %s error at line %d\n%s", tt.kind, tt.line, tt.src)
			}
			if got := errorKind(err); got != tt.kind {
				t.Errorf("error %v is %s, want %s", err, got, tt.kind)
			}
			var file string
			var line int
			if re, ok := errors.AsType[*sigma.RuleError](err); ok {
				file, line = re.File, re.Line
			} else if ue, ok := errors.AsType[*sigma.UnsupportedError](err); ok {
				file, line = ue.File, ue.Line
			}
			if file != "bad.yml" || line != tt.line && !(tt.line == anyLine && line > 0) {
				t.Errorf("error %v located at %s:%d, want bad.yml:%d", err, file, line, tt.line)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestConditionErrorPosition(t *testing.T) {
	t.Parallel()
	_, err := sigma.Parse([]byte(ruleWith("sel:\n  a: 1\ncondition: sel and not flter")), "c.yml")
	re, ok := errors.AsType[*sigma.RuleError](err)
	if !ok {
		t.Fatalf("error %v is not a *RuleError", err)
	}
	ce, ok := errors.AsType[*sigma.ConditionError](err)
	if !ok {
		t.Fatalf("error %v does not wrap a *ConditionError", err)
	}
	// "    condition: sel and not flter": the condition starts at column 16.
	if ce.Pos != 12 || re.Line != 7 || re.Column != 28 {
		t.Errorf("located at line %d column %d offset %d, want line 7 column 28 offset 12", re.Line, re.Column, ce.Pos)
	}
}
