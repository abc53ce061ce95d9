package sigma

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/socledger/socledger/detection"
)

// Kind says what a Sigma document is.
type Kind int

// The kinds of Sigma documents. Compile turns KindDetection rules into
// matchers; CompileFilter turns KindFilter rules into filters that Compile
// applies (CompileOptions.Filters); KindCorrelation rules are evaluated over
// the matches of the rules they reference by package detection/correlation.
const (
	KindDetection   Kind = iota // a rule with a detection section (Rule.Detection)
	KindCorrelation             // a correlation (meta) rule with a correlation section (Rule.Correlation)
	KindFilter                  // a global filter with a filter section (Rule.Filter)
)

func (k Kind) String() string {
	switch k {
	case KindDetection:
		return "detection"
	case KindCorrelation:
		return "correlation"
	case KindFilter:
		return "filter"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Rule is one parsed Sigma document: a detection rule, a correlation rule or
// a filter, with the attributes they share (title, id, name, level, tags…).
// Attributes keep the text of the YAML scalar (dates stay "2023-12-09").
// Parse fills it; Compile turns its Detection into a matcher.
type Rule struct {
	File string // as given to Parse
	Line int    // line of the document's first attribute
	Kind Kind

	Title       string
	ID          string
	Name        string
	Status      string
	Level       string
	Description string
	Author      string
	License     string
	Taxonomy    string
	Date        string
	Modified    string

	References     []string
	Tags           []string // all tags as written
	Techniques     []string // ATT&CK technique ids from attack.tNNNN[.NNN] tags: "T1059.001"
	Tactics        []string // ATT&CK tactic names from attack.<name> tags, '_' written as '-': "privilege-escalation"
	FalsePositives []string
	Fields         []string
	Scope          []string
	Related        []Related

	Logsource   Logsource
	Detection   *Detection   // nil unless Kind is KindDetection
	Correlation *Correlation // nil unless Kind is KindCorrelation
	Filter      *Filter      // nil unless Kind is KindFilter

	// Custom holds the top-level attributes this package does not interpret
	// (the spec allows arbitrary custom attributes), decoded as YAML values.
	Custom map[string]any
}

// Related is one entry of the related attribute.
type Related struct {
	ID   string
	Type string // derived, obsolete, merged, renamed, similar
}

// Logsource is the rule's logsource: the routing triple plus the free-text
// definition and any further attributes.
type Logsource struct {
	detection.Logsource
	Definition string
	Custom     map[string]string
}

// Detection is the detection section: the search identifiers in document
// order and the condition(s).
type Detection struct {
	Line     int
	Searches []*Search
	// Conditions holds the parsed condition; a list of conditions in the
	// rule yields several, which are OR-ed.
	Conditions []Expr
	// ConditionText holds each condition as written.
	ConditionText []string
	// Timeframe is the deprecated detection.timeframe, kept as written; it
	// has no effect without aggregations.
	Timeframe string

	// section names the section in errors: "detection", or "filter" for a
	// filter's searches and condition.
	section string
}

func (d *Detection) sectionName() string {
	if d == nil || d.section == "" {
		return "detection"
	}
	return d.section
}

// Search is one search identifier: an OR of groups, each an AND of field
// matches. A map is one group; a list of maps is one group per map; a list of
// plain values (keywords) is one group holding one FieldMatch with an empty
// Field.
type Search struct {
	Name   string
	Line   int
	Groups [][]*FieldMatch
}

// FieldMatch is one "Field|mod1|mod2: values" entry. Field is empty for a
// keyword search (a plain list, or a '|all' key). Values are OR-ed unless the
// modifiers include all.
type FieldMatch struct {
	Line      int
	Key       string // the key as written, "Image|endswith"
	Field     string
	Modifiers []string
	Values    []Value
}

// ValueKind is the YAML type of a rule value.
type ValueKind int

// The kinds of rule values.
const (
	StringValue ValueKind = iota // a string (quoted or not), or any other scalar kept as text
	NumberValue                  // an unquoted YAML integer or float
	BoolValue                    // an unquoted YAML boolean
	NullValue                    // null, ~ or an empty value
)

// Value is one value of a FieldMatch, with its text as written (after YAML
// unquoting; Sigma escapes are still in place).
type Value struct {
	Kind ValueKind
	Raw  string
	Line int
}

// Validate checks the attributes the specification makes mandatory or
// enumerates, which Parse does not require so that test material and
// hand-written rules without them still evaluate: a title of at most 256
// characters, a logsource for detection and filter rules, and level and
// status among the specified values. It returns a *RuleError.
func (r *Rule) Validate() error {
	fail := func(field, reason string) error {
		return &RuleError{File: r.File, Line: r.Line, Field: field, Reason: reason}
	}
	switch {
	case r.Title == "":
		return fail("title", "missing (the specification makes it mandatory)")
	case utf8.RuneCountInString(r.Title) > 256:
		return fail("title", "longer than 256 characters")
	}
	if r.Kind != KindCorrelation && r.Logsource.Product == "" && r.Logsource.Category == "" && r.Logsource.Service == "" {
		return fail("logsource", "missing or without product, category or service")
	}
	switch r.Level {
	case "", "informational", "low", "medium", "high", "critical":
	default:
		return fail("level", fmt.Sprintf("%q is not informational, low, medium, high or critical", r.Level))
	}
	switch r.Status {
	case "", "stable", "test", "experimental", "deprecated", "unsupported":
	default:
		return fail("status", fmt.Sprintf("%q is not stable, test, experimental, deprecated or unsupported", r.Status))
	}
	return nil
}

// splitAttackTags derives ATT&CK technique ids and tactic names from tags.
// "attack.t1059.001" gives technique "T1059.001"; "attack.execution" and
// "attack.privilege_escalation" give tactics "execution" and
// "privilege-escalation". Group, software, data source, mitigation and asset
// ids (attack.g0001, attack.s0002, attack.ds0009, attack.m1040, attack.a0001)
// and tactic ids (attack.ta0001) are neither.
func splitAttackTags(tags []string) (techniques, tactics []string) {
	seenT := map[string]bool{}
	seenA := map[string]bool{}
	for _, tag := range tags {
		name, ok := cutPrefixFold(tag, "attack.")
		if !ok || name == "" {
			continue
		}
		name = strings.ToLower(name)
		if id, ok := techniqueID(name); ok {
			if !seenT[id] {
				seenT[id] = true
				techniques = append(techniques, id)
			}
			continue
		}
		if isAttackObjectID(name) {
			continue
		}
		name = strings.ReplaceAll(name, "_", "-")
		if !seenA[name] {
			seenA[name] = true
			tactics = append(tactics, name)
		}
	}
	return techniques, tactics
}

// techniqueID turns "t1059" or "t1059.001" into "T1059" or "T1059.001".
func techniqueID(s string) (string, bool) {
	if len(s) < 2 || s[0] != 't' {
		return "", false
	}
	main, sub, hasSub := strings.Cut(s[1:], ".")
	if !allDigits(main) || (hasSub && !allDigits(sub)) {
		return "", false
	}
	return "T" + s[1:], true
}

func isAttackObjectID(s string) bool {
	for _, p := range []string{"ta", "ds", "g", "s", "m", "a"} {
		if rest, ok := strings.CutPrefix(s, p); ok && allDigits(rest) {
			return true
		}
	}
	return false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}
