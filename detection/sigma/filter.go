package sigma

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/socledger/socledger/detection"
)

// Filter is the filter section of a global filter (a Sigma filter
// document): the rules it applies to and the search identifiers and
// condition it adds to them. The filter's logsource is the Rule's.
type Filter struct {
	Line int // line of the filter key
	// Rules are the rules the filter applies to, by id or name, as written.
	Rules []string
	// Detection holds the filter's search identifiers ("selection" in the
	// specification, any name allowed) and its condition, parsed as a
	// detection section is.
	Detection *Detection
}

func (p *parser) filter(key, n *yaml.Node) (*Filter, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n, "filter", "expected a mapping (rules, search identifiers, condition), found a %s", kindName(n))
	}
	kvs, err := p.pairs(n, "filter")
	if err != nil {
		return nil, err
	}
	f := &Filter{Line: key.Line}
	rest := kvs[:0:0]
	var rulesNode *yaml.Node
	for _, kv := range kvs {
		if kv[0].Value != "rules" {
			rest = append(rest, kv)
			continue
		}
		if rulesNode, err = p.resolve(kv[1]); err != nil {
			return nil, err
		}
		if f.Rules, err = p.uniqueList(rulesNode, "filter.rules"); err != nil {
			return nil, err
		}
	}
	switch {
	case rulesNode == nil:
		return nil, p.fail(n, "filter.rules", "missing (a filter names the rules it applies to)")
	case len(f.Rules) == 0:
		return nil, p.fail(rulesNode, "filter.rules", "empty: a filter names at least one rule")
	}
	if f.Detection, err = p.searchesAndCondition(n, rest, "filter"); err != nil {
		return nil, err
	}
	return f, nil
}

// CompiledFilter is a global filter compiled once by CompileFilter, for
// Compile to apply (CompileOptions.Filters) to the detection rules it
// names. It is immutable and safe for concurrent use.
type CompiledFilter struct {
	rule     *Rule
	searches []*searchMatcher
	cond     *cnode // the filter's conditions, OR-ed
	lits     cnf
	refs     map[string]bool
}

// Rule returns the filter rule f was compiled from.
func (f *CompiledFilter) Rule() *Rule { return f.rule }

// CompileFilter compiles a filter rule (KindFilter): its search identifiers
// are checked as Compile checks a detection rule's. Errors are those of
// Compile, located in the filter's file; a *RuleError for a rule that is not
// a filter.
func CompileFilter(r *Rule, opts CompileOptions) (*CompiledFilter, error) {
	if r == nil {
		return nil, &RuleError{Reason: "nil rule"}
	}
	if r.Kind != KindFilter || r.Filter == nil {
		return nil, &RuleError{File: r.File, Line: r.Line, Field: "filter", Reason: "not a filter rule"}
	}
	fs := r.Filter
	d := fs.Detection
	if d == nil || len(d.Conditions) == 0 || len(fs.Rules) == 0 {
		return nil, &RuleError{File: r.File, Line: r.Line, Field: "filter", Reason: "missing rules, search identifiers or condition"}
	}
	named := *d // for errors naming the filter section, without changing r
	named.section = "filter"
	cp := &compiler{rule: r, det: &named, opts: CompileOptions{Placeholders: opts.Placeholders}, index: map[string]int{}}
	searches, conds, condCNF, err := cp.detection()
	if err != nil {
		return nil, err
	}
	f := &CompiledFilter{rule: r, searches: searches, lits: orCNF(condCNF), refs: make(map[string]bool, len(fs.Rules))}
	if len(conds) == 1 {
		f.cond = conds[0]
	} else {
		f.cond = &cnode{op: opOr, kids: conds}
	}
	for _, ref := range fs.Rules {
		f.refs[ref] = true
	}
	return f, nil
}

// AppliesTo reports whether the filter applies to a detection rule: the
// filter names it (by id or name) and the filter's logsource covers the
// rule's (see LogsourceCovers). A filter whose logsource does not cover the
// rule is not applied, as the specification's filters are scoped by
// logsource.
func (f *CompiledFilter) AppliesTo(r *Rule) bool {
	if f == nil || r == nil || r.Kind != KindDetection {
		return false
	}
	if !(r.ID != "" && f.refs[r.ID]) && !(r.Name != "" && f.refs[r.Name]) {
		return false
	}
	return LogsourceCovers(f.rule.Logsource.Logsource, r.Logsource.Logsource)
}

// LogsourceCovers reports whether a filter's logsource covers a rule's:
// every part the filter gives (product, category, service) is the rule's
// too, compared without case; a part the filter leaves empty covers any.
// So a filter for product windows covers a rule for windows
// process_creation, but a filter for category process_creation does not
// cover a rule without a category.
func LogsourceCovers(filter, rule detection.Logsource) bool {
	part := func(f, r string) bool { return f == "" || strings.EqualFold(f, r) }
	return part(filter.Product, rule.Product) && part(filter.Category, rule.Category) && part(filter.Service, rule.Service)
}
