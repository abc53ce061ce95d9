package sigma

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// CorrelationType is the type of a correlation rule, as written in it.
type CorrelationType string

// The correlation types of the specification (2.1.0).
const (
	CorrelationEventCount      CorrelationType = "event_count"      // matches in the window
	CorrelationValueCount      CorrelationType = "value_count"      // distinct values of a field
	CorrelationTemporal        CorrelationType = "temporal"         // referenced rules seen, any order
	CorrelationTemporalOrdered CorrelationType = "temporal_ordered" // referenced rules seen in the listed order
	CorrelationValueSum        CorrelationType = "value_sum"        // sum of a numeric field
	CorrelationValueAvg        CorrelationType = "value_avg"        // average of a numeric field
	CorrelationValuePercentile CorrelationType = "value_percentile" // a percentile of a numeric field
)

var correlationTypes = []CorrelationType{
	CorrelationEventCount, CorrelationValueCount, CorrelationTemporal, CorrelationTemporalOrdered,
	CorrelationValueSum, CorrelationValueAvg, CorrelationValuePercentile,
}

// AggregatesField reports whether the type aggregates a field named by the
// condition's field attribute (value_count, value_sum, value_avg,
// value_percentile).
func (t CorrelationType) AggregatesField() bool {
	switch t {
	case CorrelationValueCount, CorrelationValueSum, CorrelationValueAvg, CorrelationValuePercentile:
		return true
	}
	return false
}

// Temporal reports whether the type is temporal or temporal_ordered.
func (t CorrelationType) Temporal() bool {
	return t == CorrelationTemporal || t == CorrelationTemporalOrdered
}

// CompareOp is a comparison of a correlation condition.
type CompareOp string

// The comparisons of a correlation condition.
const (
	OpGT  CompareOp = "gt"
	OpGTE CompareOp = "gte"
	OpLT  CompareOp = "lt"
	OpLTE CompareOp = "lte"
	OpEQ  CompareOp = "eq"
	OpNEQ CompareOp = "neq"
)

// Bound is one comparison of a correlation condition: the aggregate must be
// Op Value.
type Bound struct {
	Op    CompareOp
	Value float64
	Raw   string // the number as written
}

// Holds reports whether v satisfies the bound.
func (b Bound) Holds(v float64) bool {
	switch b.Op {
	case OpGT:
		return v > b.Value
	case OpGTE:
		return v >= b.Value
	case OpLT:
		return v < b.Value
	case OpLTE:
		return v <= b.Value
	case OpEQ:
		return v == b.Value
	case OpNEQ:
		return v != b.Value
	}
	return false
}

func (b Bound) String() string { return string(b.Op) + " " + b.Raw }

// CorrelationCondition is the condition section of a correlation rule: the
// bounds the aggregate must satisfy (AND-ed: "gt: 100, lte: 200" is a
// range), and for the value_* types the field aggregated.
type CorrelationCondition struct {
	Line   int
	Bounds []Bound
	// Fields is the condition's field attribute: the field value_count
	// counts distinct values of (several fields: distinct combinations), or
	// the numeric field value_sum, value_avg and value_percentile aggregate
	// (exactly one). Empty for the other types.
	Fields []string
	// Percentile is value_percentile's rank, 0 to 100: the condition
	// compares the Percentile-th percentile of the field's values in the
	// window. It is the condition's percentile attribute (pySigma's name);
	// the specification gives no attribute, so it defaults to 50, the median
	// ("median is a percentile 50").
	Percentile float64
	// Default is true when the rule has no condition: temporal and
	// temporal_ordered rules then require every referenced rule (Bounds is
	// gte the number of rules).
	Default bool
}

// Holds reports whether v satisfies every bound.
func (c *CorrelationCondition) Holds(v float64) bool {
	for _, b := range c.Bounds {
		if !b.Holds(v) {
			return false
		}
	}
	return true
}

func (c *CorrelationCondition) String() string {
	parts := make([]string, len(c.Bounds))
	for i, b := range c.Bounds {
		parts[i] = b.String()
	}
	return strings.Join(parts, " and ")
}

// Correlation is the correlation section of a correlation rule. The rule's
// other attributes (title, id, name, level, tags…) are in the Rule holding
// it.
type Correlation struct {
	Line int // line of the correlation key
	Type CorrelationType
	// Rules are the referenced rules, by id or name, as written: detection
	// rules, or correlation rules (a chain). Package correlation resolves
	// them.
	Rules []string
	// GroupBy are the fields (or alias names, see Aliases) whose values
	// partition the events: a correlation is evaluated separately for each
	// combination. Empty means one group.
	GroupBy []string
	// Timespan is the window length; TimespanText the text it came from
	// ("5m"). The units are s, m, h and d (the specification's) and w.
	Timespan     time.Duration
	TimespanText string
	Condition    CorrelationCondition
	// Aliases maps an alias name (usable in GroupBy) to the field it stands
	// for in the events of each referenced rule: alias → rule (by name or
	// id, as in Rules) → field name.
	Aliases map[string]map[string]string
	// Generate is the generate attribute (top-level, as the specification
	// places it, or inside the correlation section, as pySigma reads it):
	// whether the referenced rules also report their own matches. The
	// default, false, reports only the correlation.
	Generate bool
}

// FieldFor returns the event field that a group-by entry (a field or an
// alias) denotes in the events of the referenced rule known by refs (its
// id and name): the alias's field for that rule when there is one, else the
// entry itself.
func (c *Correlation) FieldFor(groupBy string, refs ...string) string {
	if m, ok := c.Aliases[groupBy]; ok {
		for _, ref := range refs {
			if ref == "" {
				continue
			}
			if f, ok := m[ref]; ok {
				return f
			}
		}
	}
	return groupBy
}

// maxTimespan bounds a timespan: windows longer than a year are surely a
// mistake, and the bound keeps the arithmetic far from overflow.
const maxTimespan = 366 * 24 * time.Hour

// ParseTimespan parses a correlation timespan: a positive integer and a
// unit, s (seconds), m (minutes), h (hours), d (days) or w (weeks), as in
// "90m". The specification defines s, m, h and d; w is pySigma's.
func ParseTimespan(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a number followed by s, m, h or d", s)
	}
	digits, unit := s[:len(s)-1], s[len(s)-1]
	var u time.Duration
	switch unit {
	case 's':
		u = time.Second
	case 'm':
		u = time.Minute
	case 'h':
		u = time.Hour
	case 'd':
		u = 24 * time.Hour
	case 'w':
		u = 7 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q: the unit must be s, m, h or d (lower case)", s)
	}
	if !allDigits(digits) {
		return 0, fmt.Errorf("%q is not a number followed by s, m, h or d", s)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > int64(maxTimespan/u) {
		return 0, fmt.Errorf("%q is longer than %v", s, maxTimespan)
	}
	if n == 0 {
		return 0, fmt.Errorf("%q: the timespan must be greater than zero", s)
	}
	return time.Duration(n) * u, nil
}

// correlation parses a correlation section; gen is the top-level generate
// attribute, if any.
func (p *parser) correlation(key, n, gen *yaml.Node) (*Correlation, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n, "correlation", "expected a mapping (type, rules, group-by, timespan, condition, aliases), found a %s", kindName(n))
	}
	kvs, err := p.pairs(n, "correlation")
	if err != nil {
		return nil, err
	}
	c := &Correlation{Line: key.Line}
	var typeNode, rulesNode, timespanNode, condNode, innerGen *yaml.Node
	var aliasNode, groupNode *yaml.Node
	for _, kv := range kvs {
		k := kv[0]
		v, err := p.resolve(kv[1])
		if err != nil {
			return nil, err
		}
		switch k.Value {
		case "type":
			typeNode = v
		case "rules":
			rulesNode = v
		case "group-by":
			groupNode = v
		case "timespan":
			timespanNode = v
		case "condition":
			condNode = v
		case "aliases":
			aliasNode = v
		case "generate":
			innerGen = v
		default:
			return nil, p.fail(k, "correlation."+k.Value, "unknown attribute (a correlation has type, rules, group-by, timespan, condition, aliases and generate)")
		}
	}

	if typeNode == nil {
		return nil, p.fail(n, "correlation.type", "missing")
	}
	t, err := p.scalar(typeNode, "correlation.type")
	if err != nil {
		return nil, err
	}
	c.Type = CorrelationType(t)
	if !slices.Contains(correlationTypes, c.Type) {
		names := make([]string, len(correlationTypes))
		for i, ct := range correlationTypes {
			names[i] = string(ct)
		}
		return nil, p.fail(typeNode, "correlation.type", "%q is not a correlation type (%s)", t, strings.Join(names, ", "))
	}

	if rulesNode == nil {
		return nil, p.fail(n, "correlation.rules", "missing")
	}
	if c.Rules, err = p.uniqueList(rulesNode, "correlation.rules"); err != nil {
		return nil, err
	}
	if len(c.Rules) == 0 {
		return nil, p.fail(rulesNode, "correlation.rules", "empty: a correlation refers to at least one rule")
	}

	if groupNode != nil {
		if c.GroupBy, err = p.uniqueList(groupNode, "correlation.group-by"); err != nil {
			return nil, err
		}
	}

	if timespanNode == nil {
		return nil, p.fail(n, "correlation.timespan", "missing")
	}
	if c.TimespanText, err = p.scalar(timespanNode, "correlation.timespan"); err != nil {
		return nil, err
	}
	if c.Timespan, err = ParseTimespan(c.TimespanText); err != nil {
		return nil, p.fail(timespanNode, "correlation.timespan", "%v", err)
	}

	if aliasNode != nil {
		if c.Aliases, err = p.aliases(aliasNode); err != nil {
			return nil, err
		}
	}

	if err := p.generate(c, gen, innerGen); err != nil {
		return nil, err
	}

	if err := p.correlationCondition(c, n, condNode); err != nil {
		return nil, err
	}
	return c, nil
}

// uniqueList reads a list of non-empty scalars (or one scalar) without
// repetitions.
func (p *parser) uniqueList(n *yaml.Node, field string) ([]string, error) {
	items, err := p.stringList(n, field)
	if err != nil {
		return nil, err
	}
	for i, s := range items {
		if s == "" {
			return nil, p.fail(n, field, "an empty entry")
		}
		if slices.Contains(items[:i], s) {
			return nil, p.fail(n, field, "%q is listed twice", s)
		}
	}
	return items, nil
}

func (p *parser) aliases(n *yaml.Node) (map[string]map[string]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n, "correlation.aliases", "expected a mapping of alias names to {rule: field}, found a %s", kindName(n))
	}
	kvs, err := p.pairs(n, "correlation.aliases")
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string]string, len(kvs))
	for _, kv := range kvs {
		alias := kv[0].Value
		field := "correlation.aliases." + alias
		v, err := p.resolve(kv[1])
		if err != nil {
			return nil, err
		}
		if v.Kind != yaml.MappingNode {
			return nil, p.fail(v, field, "expected a mapping of rule names to field names, found a %s", kindName(v))
		}
		pairs, err := p.pairs(v, field)
		if err != nil {
			return nil, err
		}
		if len(pairs) == 0 {
			return nil, p.fail(v, field, "empty")
		}
		m := make(map[string]string, len(pairs))
		for _, rp := range pairs {
			fv, err := p.resolve(rp[1])
			if err != nil {
				return nil, err
			}
			f, err := p.scalar(fv, field+"."+rp[0].Value)
			if err != nil {
				return nil, err
			}
			if f == "" {
				return nil, p.fail(fv, field+"."+rp[0].Value, "empty field name")
			}
			m[rp[0].Value] = f
		}
		out[alias] = m
	}
	return out, nil
}

func (p *parser) generate(c *Correlation, top, inner *yaml.Node) error {
	read := func(n *yaml.Node, field string) (bool, error) {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			return false, p.fail(n, field, "expected true or false")
		}
		return strings.EqualFold(n.Value, "true"), nil
	}
	var err error
	switch {
	case top != nil && inner != nil:
		return p.fail(inner, "correlation.generate", "generate is given twice (top level, line %d, and in the correlation section)", top.Line)
	case top != nil:
		c.Generate, err = read(top, "generate")
	case inner != nil:
		c.Generate, err = read(inner, "correlation.generate")
	}
	return err
}

func (p *parser) correlationCondition(c *Correlation, section, n *yaml.Node) error {
	cond := &c.Condition
	if n == nil {
		if !c.Type.Temporal() {
			return p.fail(section, "correlation.condition", "missing (only temporal and temporal_ordered correlations may leave it out)")
		}
		cond.Line = c.Line
		cond.Default = true
		cond.Bounds = []Bound{{Op: OpGTE, Value: float64(len(c.Rules)), Raw: strconv.Itoa(len(c.Rules))}}
		return nil
	}
	cond.Line = n.Line
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return &UnsupportedError{File: p.file, Line: n.Line, Construct: "extended correlation condition",
			Detail: fmt.Sprintf("%q: a boolean expression over rules is a pySigma extension, not in the specification", n.Value)}
	}
	if n.Kind != yaml.MappingNode {
		return p.fail(n, "correlation.condition", "expected a mapping (gt, gte, lt, lte, eq, neq, field), found a %s", kindName(n))
	}
	kvs, err := p.pairs(n, "correlation.condition")
	if err != nil {
		return err
	}
	var percentile *yaml.Node
	var fieldNode *yaml.Node
	for _, kv := range kvs {
		k := kv[0]
		name := "correlation.condition." + k.Value
		v, err := p.resolve(kv[1])
		if err != nil {
			return err
		}
		switch op := CompareOp(k.Value); op {
		case OpGT, OpGTE, OpLT, OpLTE, OpEQ, OpNEQ:
			f, ok := p.number(v)
			if !ok {
				return p.fail(v, name, "expected a number, found %q", v.Value)
			}
			cond.Bounds = append(cond.Bounds, Bound{Op: op, Value: f, Raw: v.Value})
		default:
			switch k.Value {
			case "field":
				fieldNode = v
				if cond.Fields, err = p.uniqueList(v, name); err != nil {
					return err
				}
				if len(cond.Fields) == 0 {
					return p.fail(v, name, "empty")
				}
			case "percentile":
				percentile = v
				f, ok := p.number(v)
				if !ok || f < 0 || f > 100 {
					return p.fail(v, name, "expected a number from 0 to 100, found %q", v.Value)
				}
				cond.Percentile = f
			default:
				return p.fail(k, name, "unknown attribute (a condition has gt, gte, lt, lte, eq, neq, and field or percentile for the value_* types)")
			}
		}
	}
	if len(cond.Bounds) == 0 {
		return p.fail(n, "correlation.condition", "no comparison (gt, gte, lt, lte, eq or neq)")
	}
	switch {
	case c.Type.AggregatesField() && fieldNode == nil:
		return p.fail(n, "correlation.condition.field", "missing (a %s correlation names the field it aggregates)", c.Type)
	case !c.Type.AggregatesField() && fieldNode != nil:
		return p.fail(fieldNode, "correlation.condition.field", "only value_count, value_sum, value_avg and value_percentile correlations aggregate a field")
	case c.Type != CorrelationValueCount && len(cond.Fields) > 1:
		return p.fail(fieldNode, "correlation.condition.field", "a %s correlation aggregates one numeric field", c.Type)
	case c.Type != CorrelationValuePercentile && percentile != nil:
		return p.fail(percentile, "correlation.condition.percentile", "only value_percentile correlations take a percentile")
	case c.Type == CorrelationValuePercentile && percentile == nil:
		cond.Percentile = 50
	}
	return nil
}

// number reads an unquoted YAML integer or float.
func (p *parser) number(n *yaml.Node) (float64, bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
	default:
		return 0, false
	}
	num, ok := parseNumber(n.Value) // finite, or not ok
	return num.f, ok
}
