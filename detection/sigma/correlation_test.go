package sigma_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/detection/sigma"
)

const fullCorrelation = `title: Recon on a host
id: 0e95725d-7320-415d-80f7-004da920fc11
name: recon_on_host
status: test
level: high
tags: [attack.discovery, attack.t1033]
generate: true
correlation:
    type: temporal_ordered
    rules:
        - recon_a
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - host
        - User
    timespan: 90m
    aliases:
        host:
            recon_a: Computer
            5638f7c0-ac70-491d-8465-2a65075e0d86: host.name
    condition:
        gte: 2
falsepositives: [Admins]
custom_thing: 1
`

func TestParseCorrelation(t *testing.T) {
	t.Parallel()
	r, err := sigma.Parse([]byte(fullCorrelation), "c.yml")
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != sigma.KindCorrelation || r.Title != "Recon on a host" || r.Name != "recon_on_host" || r.Level != "high" ||
		!reflect.DeepEqual(r.Techniques, []string{"T1033"}) || r.Custom["custom_thing"] != 1 || r.Custom["generate"] != nil {
		t.Errorf("rule attributes %+v", r)
	}
	c := r.Correlation
	want := &sigma.Correlation{
		Line: 8, Type: sigma.CorrelationTemporalOrdered,
		Rules:    []string{"recon_a", "5638f7c0-ac70-491d-8465-2a65075e0d86"},
		GroupBy:  []string{"host", "User"},
		Timespan: 90 * time.Minute, TimespanText: "90m",
		Condition: sigma.CorrelationCondition{Line: 22, Bounds: []sigma.Bound{{Op: sigma.OpGTE, Value: 2, Raw: "2"}}},
		Aliases: map[string]map[string]string{"host": {
			"recon_a": "Computer", "5638f7c0-ac70-491d-8465-2a65075e0d86": "host.name",
		}},
		Generate: true,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("correlation\n%+v\nwant\n%+v", c, want)
	}
	if got := c.FieldFor("host", "x", "5638f7c0-ac70-491d-8465-2a65075e0d86"); got != "host.name" {
		t.Errorf("FieldFor(host) = %q", got)
	}
	if got := c.FieldFor("User", "recon_a"); got != "User" {
		t.Errorf("FieldFor(User) = %q", got)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseCorrelationVariants(t *testing.T) {
	t.Parallel()
	parse := func(body string) *sigma.Correlation {
		t.Helper()
		r, err := sigma.Parse([]byte("title: c\ncorrelation:\n    "+strings.ReplaceAll(body, "\n", "\n    ")+"\n"), "c.yml")
		if err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		return r.Correlation
	}
	c := parse("type: temporal\nrules: [a, b, c]\ngroup-by: User\ntimespan: 1d")
	if !c.Condition.Default || c.Condition.String() != "gte 3" || !reflect.DeepEqual(c.GroupBy, []string{"User"}) || c.Timespan != 24*time.Hour {
		t.Errorf("temporal without condition: %+v", c)
	}
	c = parse("type: value_percentile\nrules: a\ntimespan: 2w\ncondition: {field: Bytes, percentile: 95.5, gt: 1.5}\ngenerate: false")
	if c.Condition.Percentile != 95.5 || c.Condition.Bounds[0].Value != 1.5 || len(c.Rules) != 1 || c.Timespan != 14*24*time.Hour {
		t.Errorf("value_percentile: %+v", c)
	}
	c = parse("type: value_count\nrules: [a]\ntimespan: 30s\ncondition:\n    field: [User, Host]\n    gt: 100\n    lte: 200")
	if c.Condition.String() != "gt 100 and lte 200" || !c.Condition.Holds(150) || c.Condition.Holds(100) || c.Condition.Holds(201) ||
		len(c.Condition.Fields) != 2 {
		t.Errorf("range: %+v", c.Condition)
	}
	for _, tt := range []struct {
		b    sigma.Bound
		v    float64
		want bool
	}{
		{sigma.Bound{Op: sigma.OpGT, Value: 1}, 1, false}, {sigma.Bound{Op: sigma.OpGTE, Value: 1}, 1, true},
		{sigma.Bound{Op: sigma.OpLT, Value: 1}, 1, false}, {sigma.Bound{Op: sigma.OpLTE, Value: 1}, 1, true},
		{sigma.Bound{Op: sigma.OpEQ, Value: 1}, 1, true}, {sigma.Bound{Op: sigma.OpNEQ, Value: 1}, 1, false},
		{sigma.Bound{Op: sigma.OpNEQ, Value: 1}, 2, true},
	} {
		if got := tt.b.Holds(tt.v); got != tt.want {
			t.Errorf("%v holds for %v = %v", tt.b, tt.v, got)
		}
	}
}

func TestParseTimespan(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"1s": time.Second, "5m": 5 * time.Minute, "90m": 90 * time.Minute, "1h": time.Hour, "1d": 24 * time.Hour,
		"2w": 14 * 24 * time.Hour, "366d": 366 * 24 * time.Hour,
	} {
		if got, err := sigma.ParseTimespan(in); err != nil || got != want {
			t.Errorf("ParseTimespan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "5", "0m", "-5m", "5M", "5 m", "1h30m", "5y", "367d", "99999999999999999999s", "1.5h"} {
		if got, err := sigma.ParseTimespan(in); err == nil {
			t.Errorf("ParseTimespan(%q) = %v, want an error", in, got)
		}
	}
}

// TestCorrelationAndFilterErrors checks that each kind of bad correlation or
// filter document gives a typed error naming the file, line and attribute.
func TestCorrelationAndFilterErrors(t *testing.T) {
	t.Parallel()
	// corr builds a correlation whose section starts at line 3; the
	// default attributes take lines 3 to 8 in the order type, rules,
	// group-by, timespan, condition (two lines).
	corr := func(replace map[string]string) string {
		lines := []string{"type: event_count", "rules: [a]", "group-by: [x]", "timespan: 5m", "condition:\n    gte: 3"}
		var b strings.Builder
		b.WriteString("title: c\ncorrelation:\n")
		for _, l := range lines {
			key, _, _ := strings.Cut(l, ":")
			if r, ok := replace[key]; ok {
				l = r
			}
			if l == "" {
				continue
			}
			for line := range strings.SplitSeq(l, "\n") {
				b.WriteString("    " + line + "\n")
			}
		}
		b.WriteString(replace["extra"])
		return b.String()
	}
	filter := func(section string) string {
		return "title: f\nlogsource: {product: windows}\nfilter:\n" + section
	}
	tests := []struct {
		name    string
		src     string
		kind    string // "rule" or "unsupported"
		line    int
		field   string
		mention string
	}{
		{"not a mapping", "title: c\ncorrelation: event_count\n", "rule", 2, "correlation", "mapping"},
		{"unknown type", corr(map[string]string{"type": "type: event_counts"}), "rule", 3, "correlation.type", "not a correlation type"},
		{"missing type", corr(map[string]string{"type": ""}), "rule", 3, "correlation.type", "missing"},
		{"missing rules", corr(map[string]string{"rules": ""}), "rule", 3, "correlation.rules", "missing"},
		{"empty rules", corr(map[string]string{"rules": "rules: []"}), "rule", 4, "correlation.rules", "empty"},
		{"repeated rule", corr(map[string]string{"rules": "rules: [a, a]"}), "rule", 4, "correlation.rules", "twice"},
		{"rules are maps", corr(map[string]string{"rules": "rules: [{a: 1}]"}), "rule", 4, "correlation.rules", "list of values"},
		{"bad timespan unit", corr(map[string]string{"timespan": "timespan: 5M"}), "rule", 6, "correlation.timespan", "unit"},
		{"zero timespan", corr(map[string]string{"timespan": "timespan: 0s"}), "rule", 6, "correlation.timespan", "greater than zero"},
		{"missing timespan", corr(map[string]string{"timespan": ""}), "rule", 3, "correlation.timespan", "missing"},
		{"missing condition", corr(map[string]string{"condition": ""}), "rule", 3, "correlation.condition", "only temporal"},
		{"condition not a number", corr(map[string]string{"condition": "condition:\n    gte: ten"}), "rule", 8, "correlation.condition.gte", "number"},
		{"condition quoted number", corr(map[string]string{"condition": "condition:\n    gte: '3'"}), "rule", 8, "correlation.condition.gte", "number"},
		{"condition without comparison", corr(map[string]string{"type": "type: value_count", "condition": "condition:\n    field: User"}), "rule", 8, "correlation.condition", "no comparison"},
		{"unknown condition key", corr(map[string]string{"condition": "condition:\n    gtee: 3"}), "rule", 8, "correlation.condition.gtee", "unknown attribute"},
		{"value_count without field", corr(map[string]string{"type": "type: value_count"}), "rule", 8, "correlation.condition.field", "missing"},
		{"event_count with field", corr(map[string]string{"condition": "condition:\n    gte: 3\n    field: User"}), "rule", 9, "correlation.condition.field", "only value_count"},
		{"value_sum of two fields", corr(map[string]string{"type": "type: value_sum", "condition": "condition:\n    gte: 3\n    field: [a, b]"}), "rule", 9, "correlation.condition.field", "one numeric field"},
		{"percentile on event_count", corr(map[string]string{"condition": "condition:\n    gte: 3\n    percentile: 50"}), "rule", 9, "correlation.condition.percentile", "only value_percentile"},
		{"percentile out of range", corr(map[string]string{"type": "type: value_percentile", "condition": "condition:\n    gte: 3\n    field: b\n    percentile: 150"}), "rule", 10, "correlation.condition.percentile", "0 to 100"},
		{"extended condition", corr(map[string]string{"type": "type: temporal", "condition": "condition: a and not b"}), "unsupported", 7, "", "extended correlation condition"},
		{"unknown attribute", corr(map[string]string{"group-by": "groupby: [x]"}), "rule", 5, "correlation.groupby", "unknown attribute"},
		{"generate not a bool", corr(map[string]string{"extra": "generate: yes please\n"}), "rule", 9, "generate", "true or false"},
		{"generate twice", corr(map[string]string{"group-by": "generate: true", "extra": "generate: false\n"}), "rule", 5, "correlation.generate", "twice"},
		{"aliases not a mapping", corr(map[string]string{"group-by": "aliases: [x]"}), "rule", 5, "correlation.aliases", "mapping"},
		{"alias not a mapping", corr(map[string]string{"group-by": "aliases:\n    x: Computer"}), "rule", 6, "correlation.aliases.x", "mapping"},
		{"filter not a mapping", filter("  - a\n"), "rule", 4, "filter", "mapping"},
		{"filter without rules", filter("  selection: {a: 1}\n  condition: selection\n"), "rule", 4, "filter.rules", "missing"},
		{"filter with empty rules", filter("  rules: []\n  selection: {a: 1}\n  condition: selection\n"), "rule", 4, "filter.rules", "empty"},
		{"filter without condition", filter("  rules: [x]\n  selection: {a: 1}\n"), "rule", 4, "filter.condition", "missing"},
		{"filter without selection", filter("  rules: [x]\n  condition: selection\n"), "rule", 4, "filter", "no search identifiers"},
		{"filter condition unknown identifier", filter("  rules: [x]\n  selection: {a: 1}\n  condition: not sel\n"), "rule", 6, "filter.condition", "unknown search identifier"},
		{"filter bad selection", filter("  rules: [x]\n  selection: 5\n  condition: selection\n"), "rule", 5, "filter.selection", "map of fields"},
		{"filter unknown modifier", filter("  rules: [x]\n  selection: {a|nope: 1}\n  condition: selection\n"), "unsupported", 5, "", "filter.selection.a|nope"},
		{"filter bad value", filter("  rules: [x]\n  selection: {a|cidr: x}\n  condition: selection\n"), "rule", 5, "filter.selection.a|cidr", "CIDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := sigma.Parse([]byte(tt.src), "bad.yml")
			if err == nil && r.Kind == sigma.KindFilter {
				_, err = sigma.CompileFilter(r, sigma.CompileOptions{})
			}
			if err == nil {
				t.Fatalf("no error, want a %s error at line %d\n%s", tt.kind, tt.line, tt.src)
			}
			if got := errorKind(err); got != tt.kind {
				t.Errorf("error %v is %s, want %s", err, got, tt.kind)
			}
			var file, field string
			var line int
			if re, ok := errors.AsType[*sigma.RuleError](err); ok {
				file, line, field = re.File, re.Line, re.Field
			} else if ue, ok := errors.AsType[*sigma.UnsupportedError](err); ok {
				file, line = ue.File, ue.Line
			}
			if file != "bad.yml" || line != tt.line || field != tt.field {
				t.Errorf("error %v located at %s:%d field %q, want bad.yml:%d field %q\n%s", err, file, line, field, tt.line, tt.field, tt.src)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}
