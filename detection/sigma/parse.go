package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ParseResult is one document of a multi-document file: its rule, its error,
// or both (a Sigma 1.0 rule collection document comes with an
// *UnsupportedError).
type ParseResult struct {
	Rule *Rule
	Err  error
}

// Parse parses a file holding one Sigma document (SigmaHQ rule files hold one
// each). file is used in errors and kept in Rule.File.
//
// A correlation document gives a *Rule of KindCorrelation with its
// Correlation section parsed (type, rules, group-by, timespan, condition,
// aliases, generate); a filter document a *Rule of KindFilter with its Filter
// section (the rules it applies to, its search identifiers and condition).
//
// Errors are a *RuleError (invalid YAML, a missing or malformed detection,
// correlation or filter section, a condition that does not parse or names an
// unknown search identifier, more than one document) or an
// *UnsupportedError. Parse checks structure; it does not check modifiers or
// values (Compile and CompileFilter do), nor whether a correlation's or
// filter's rule references exist (package correlation and the caller do),
// nor the spec's mandatory metadata (Validate does).
func Parse(src []byte, file string) (*Rule, error) {
	docs := ParseAll(src, file)
	switch {
	case len(docs) == 0:
		return nil, &RuleError{File: file, Reason: "empty document: no Sigma rule"}
	case len(docs) > 1:
		if docs[0].Err != nil {
			return docs[0].Rule, docs[0].Err
		}
		line := 0
		if docs[1].Rule != nil {
			line = docs[1].Rule.Line
		} else if re, ok := errors.AsType[*RuleError](docs[1].Err); ok {
			line = re.Line
		}
		return nil, &RuleError{File: file, Line: line, Reason: "more than one YAML document; use ParseAll"}
	}
	return docs[0].Rule, docs[0].Err
}

// ParseAll parses every document of a multi-document YAML file (correlation
// rules and their base rules, rule collections) and returns one result per
// non-empty document, in order. A YAML syntax error ends the list with a
// result holding only that error, since the documents after it cannot be
// located.
func ParseAll(src []byte, file string) []ParseResult {
	var out []ParseResult
	docs, err := decodeYAML(src)
	for _, doc := range docs {
		p := &parser{file: file}
		r, err := p.document(doc)
		if r == nil && err == nil {
			continue // empty document
		}
		out = append(out, ParseResult{Rule: r, Err: err})
	}
	if err != nil {
		out = append(out, ParseResult{Err: yamlError(file, err)})
	}
	return out
}

// decodeYAML reads every document of src. It turns a panic of the YAML
// library into an error, so that hostile input cannot crash a rule loader.
func decodeYAML(src []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("yaml: parser failure: %v", v)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return docs, nil
			}
			return docs, err
		}
		docs = append(docs, &doc)
	}
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlError(file string, err error) *RuleError {
	line := 0
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return &RuleError{File: file, Line: line, Reason: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
}

// maxNodes bounds the YAML nodes a document may expand to (aliases can make a
// small file expand exponentially).
const maxNodes = 200_000

type parser struct {
	file  string
	nodes int
}

func (p *parser) fail(n *yaml.Node, field, format string, args ...any) *RuleError {
	e := &RuleError{File: p.file, Field: field, Reason: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// resolve follows aliases and counts the node against the budget.
func (p *parser) resolve(n *yaml.Node) (*yaml.Node, error) {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil, p.fail(n, "", "alias chain too long")
		}
		n = n.Alias
	}
	if n == nil {
		return nil, &RuleError{File: p.file, Reason: "dangling YAML alias"}
	}
	p.nodes++
	if p.nodes > maxNodes {
		return nil, p.fail(n, "", "document expands to more than %d YAML nodes (excessive aliasing?)", maxNodes)
	}
	return n, nil
}

// pairs returns the key/value pairs of a mapping, checking that keys are
// scalars and unique.
func (p *parser) pairs(m *yaml.Node, field string) ([][2]*yaml.Node, error) {
	seen := make(map[string]int, len(m.Content)/2)
	out := make([][2]*yaml.Node, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, err := p.resolve(m.Content[i])
		if err != nil {
			return nil, err
		}
		if k.Kind != yaml.ScalarNode {
			return nil, p.fail(k, field, "keys must be plain strings")
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			return nil, p.fail(k, field, "YAML merge keys (<<) are not allowed in Sigma rules")
		}
		if prev, dup := seen[k.Value]; dup {
			return nil, p.fail(k, join(field, k.Value), "duplicate key (first at line %d)", prev)
		}
		seen[k.Value] = k.Line
		out = append(out, [2]*yaml.Node{k, m.Content[i+1]})
	}
	return out, nil
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func (p *parser) document(doc *yaml.Node) (*Rule, error) {
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil
		}
		root = root.Content[0]
	}
	root, err := p.resolve(root)
	if err != nil {
		return nil, err
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.fail(root, "", "a Sigma rule must be a YAML mapping")
	}
	kvs, err := p.pairs(root, "")
	if err != nil {
		return nil, err
	}
	r := &Rule{File: p.file, Line: root.Line}
	var detectionNode, correlationNode, filterNode, actionNode, generateNode *yaml.Node
	var sectionKey *yaml.Node
	for _, kv := range kvs {
		k, v := kv[0], kv[1]
		v, err := p.resolve(v)
		if err != nil {
			return nil, err
		}
		key := k.Value
		if dst := r.stringAttr(key); dst != nil {
			if *dst, err = p.scalar(v, key); err != nil {
				return nil, err
			}
			continue
		}
		if dst := r.listAttr(key); dst != nil {
			if *dst, err = p.stringList(v, key); err != nil {
				return nil, err
			}
			continue
		}
		switch key {
		case "related":
			if r.Related, err = p.related(v); err != nil {
				return nil, err
			}
		case "logsource":
			if r.Logsource, err = p.logsource(v); err != nil {
				return nil, err
			}
		case "detection":
			detectionNode, sectionKey = v, k
		case "correlation":
			correlationNode, sectionKey = v, k
		case "filter":
			filterNode, sectionKey = v, k
		case "action":
			actionNode = k
		case "generate":
			generateNode = v
			fallthrough // kept in Custom too unless the document is a correlation
		default:
			if r.Custom == nil {
				r.Custom = map[string]any{}
			}
			var val any
			if err := v.Decode(&val); err != nil {
				return nil, p.fail(v, key, "%v", err)
			}
			r.Custom[key] = val
		}
	}
	r.Techniques, r.Tactics = splitAttackTags(r.Tags)

	sections := 0
	for _, n := range []*yaml.Node{detectionNode, correlationNode, filterNode} {
		if n != nil {
			sections++
		}
	}
	switch {
	case actionNode != nil:
		return r, &UnsupportedError{File: p.file, Line: actionNode.Line, Construct: "rule collection (action)",
			Detail: "Sigma 1.0 action: global/reset/repeat documents are not part of the current specification"}
	case sections > 1:
		return nil, p.fail(sectionKey, "", "a document has exactly one of detection, correlation and filter")
	case correlationNode != nil:
		r.Kind = KindCorrelation
		if generateNode != nil {
			delete(r.Custom, "generate")
			if len(r.Custom) == 0 {
				r.Custom = nil
			}
		}
		if r.Correlation, err = p.correlation(sectionKey, correlationNode, generateNode); err != nil {
			return nil, err
		}
		return r, nil
	case filterNode != nil:
		r.Kind = KindFilter
		if r.Filter, err = p.filter(sectionKey, filterNode); err != nil {
			return nil, err
		}
		return r, nil
	case detectionNode == nil:
		return nil, p.fail(root, "detection", "missing (a rule needs a detection, correlation or filter section)")
	}
	if r.Detection, err = p.detection(detectionNode); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Rule) stringAttr(key string) *string {
	switch key {
	case "title":
		return &r.Title
	case "id":
		return &r.ID
	case "name":
		return &r.Name
	case "status":
		return &r.Status
	case "level":
		return &r.Level
	case "description":
		return &r.Description
	case "author":
		return &r.Author
	case "license":
		return &r.License
	case "taxonomy":
		return &r.Taxonomy
	case "date":
		return &r.Date
	case "modified":
		return &r.Modified
	}
	return nil
}

func (r *Rule) listAttr(key string) *[]string {
	switch key {
	case "references":
		return &r.References
	case "tags":
		return &r.Tags
	case "falsepositives":
		return &r.FalsePositives
	case "fields":
		return &r.Fields
	case "scope":
		return &r.Scope
	}
	return nil
}

// scalar returns the text of a scalar attribute; null gives "".
func (p *parser) scalar(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.fail(n, field, "expected a single value, found a %s", kindName(n))
	}
	if n.ShortTag() == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

// stringList returns a list of scalars; a single scalar is a one-item list.
func (p *parser) stringList(n *yaml.Node, field string) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			item, err := p.resolve(item)
			if err != nil {
				return nil, err
			}
			if item.Kind != yaml.ScalarNode {
				return nil, p.fail(item, field, "expected a list of values, found a %s item", kindName(item))
			}
			out = append(out, item.Value)
		}
		return out, nil
	}
	return nil, p.fail(n, field, "expected a list of values, found a %s", kindName(n))
}

func (p *parser) related(n *yaml.Node) ([]Related, error) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.fail(n, "related", "expected a list of {id, type}, found a %s", kindName(n))
	}
	var out []Related
	for _, item := range n.Content {
		item, err := p.resolve(item)
		if err != nil {
			return nil, err
		}
		if item.Kind != yaml.MappingNode {
			return nil, p.fail(item, "related", "expected {id, type}, found a %s", kindName(item))
		}
		kvs, err := p.pairs(item, "related")
		if err != nil {
			return nil, err
		}
		var rel Related
		for _, kv := range kvs {
			v, err := p.resolve(kv[1])
			if err != nil {
				return nil, err
			}
			switch kv[0].Value {
			case "id":
				rel.ID, err = p.scalar(v, "related.id")
			case "type":
				rel.Type, err = p.scalar(v, "related.type")
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, rel)
	}
	return out, nil
}

func (p *parser) logsource(n *yaml.Node) (Logsource, error) {
	var ls Logsource
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return ls, nil
	}
	if n.Kind != yaml.MappingNode {
		return ls, p.fail(n, "logsource", "expected a mapping (product, category, service, definition), found a %s", kindName(n))
	}
	kvs, err := p.pairs(n, "logsource")
	if err != nil {
		return ls, err
	}
	for _, kv := range kvs {
		key := kv[0].Value
		v, err := p.resolve(kv[1])
		if err != nil {
			return ls, err
		}
		s, err := p.scalar(v, "logsource."+key)
		if err != nil {
			return ls, err
		}
		switch key {
		case "product":
			ls.Product = s
		case "category":
			ls.Category = s
		case "service":
			ls.Service = s
		case "definition":
			ls.Definition = s
		default:
			if ls.Custom == nil {
				ls.Custom = map[string]string{}
			}
			ls.Custom[key] = s
		}
	}
	return ls, nil
}

func (p *parser) detection(n *yaml.Node) (*Detection, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.fail(n, "detection", "expected a mapping of search identifiers and a condition, found a %s", kindName(n))
	}
	kvs, err := p.pairs(n, "detection")
	if err != nil {
		return nil, err
	}
	return p.searchesAndCondition(n, kvs, "detection")
}

// searchesAndCondition parses the search identifiers and condition of a
// detection section, or of a filter section (less its rules); section names
// the section in errors.
func (p *parser) searchesAndCondition(n *yaml.Node, kvs [][2]*yaml.Node, section string) (*Detection, error) {
	d := &Detection{Line: n.Line, section: section}
	var condNodes []*yaml.Node
	var condKey *yaml.Node
	for _, kv := range kvs {
		k := kv[0]
		v, err := p.resolve(kv[1])
		if err != nil {
			return nil, err
		}
		switch k.Value {
		case "condition":
			condKey = k
			if condNodes, err = p.conditionNodes(v, section); err != nil {
				return nil, err
			}
		case "timeframe":
			if d.Timeframe, err = p.scalar(v, section+".timeframe"); err != nil {
				return nil, err
			}
		default:
			s, err := p.search(k, v, section)
			if err != nil {
				return nil, err
			}
			d.Searches = append(d.Searches, s)
		}
	}
	if condKey == nil {
		return nil, p.fail(n, section+".condition", "missing")
	}
	if len(d.Searches) == 0 {
		return nil, p.fail(n, section, "no search identifiers")
	}
	for _, cn := range condNodes {
		e, err := ParseCondition(cn.Value)
		if err == nil {
			err = resolveCondition(e, cn.Value, d.Searches)
		}
		if err != nil {
			return nil, p.conditionError(cn, err, section)
		}
		d.Conditions = append(d.Conditions, e)
		d.ConditionText = append(d.ConditionText, cn.Value)
	}
	return d, nil
}

func (p *parser) conditionError(n *yaml.Node, err error, section string) error {
	if ue, ok := errors.AsType[*UnsupportedError](err); ok {
		ue.File, ue.Line = p.file, n.Line
		return ue
	}
	ce, _ := errors.AsType[*ConditionError](err)
	e := p.fail(n, section+".condition", "%v", err)
	e.Err = err
	// The column is exact for a condition written on one line.
	if ce != nil && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && !strings.Contains(ce.Condition[:ce.Pos], "\n") {
		quote := 0
		if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			quote = 1
		}
		e.Column = n.Column + quote + ce.Pos
		e.Reason = fmt.Sprintf("at column %d: %s", e.Column, ce.Reason)
	} else if ce != nil {
		e.Reason = fmt.Sprintf("at offset %d of %q: %s", ce.Pos, ce.Condition, ce.Reason)
	}
	return e
}

func (p *parser) conditionNodes(v *yaml.Node, section string) ([]*yaml.Node, error) {
	field := section + ".condition"
	var out []*yaml.Node
	switch v.Kind {
	case yaml.ScalarNode:
		if v.ShortTag() == "!!null" {
			return nil, p.fail(v, field, "empty")
		}
		out = append(out, v)
	case yaml.SequenceNode:
		for _, item := range v.Content {
			item, err := p.resolve(item)
			if err != nil {
				return nil, err
			}
			if item.Kind != yaml.ScalarNode || item.ShortTag() == "!!null" {
				return nil, p.fail(item, field, "a condition list holds condition strings, found a %s", kindName(item))
			}
			out = append(out, item)
		}
		if len(out) == 0 {
			return nil, p.fail(v, field, "empty list")
		}
	default:
		return nil, p.fail(v, field, "expected a condition string or a list of them, found a %s", kindName(v))
	}
	return out, nil
}

// resolveCondition checks that every identifier exists and every pattern
// matches at least one search identifier.
func resolveCondition(e Expr, src string, searches []*Search) error {
	switch x := e.(type) {
	case *Ident:
		for _, s := range searches {
			if s.Name == x.Name {
				return nil
			}
		}
		return &ConditionError{Condition: src, Pos: x.Pos, Reason: fmt.Sprintf("unknown search identifier %q", x.Name)}
	case *Quantifier:
		if len(quantified(x, searches)) == 0 {
			if x.Them {
				return &ConditionError{Condition: src, Pos: x.Pos, Reason: "'them' matches no search identifier (identifiers starting with '_' are left out)"}
			}
			return &ConditionError{Condition: src, Pos: x.Pos, Reason: fmt.Sprintf("pattern %q matches no search identifier", x.Pattern)}
		}
	case *Not:
		return resolveCondition(x.X, src, searches)
	case *And:
		for _, y := range x.Xs {
			if err := resolveCondition(y, src, searches); err != nil {
				return err
			}
		}
	case *Or:
		for _, y := range x.Xs {
			if err := resolveCondition(y, src, searches); err != nil {
				return err
			}
		}
	}
	return nil
}

// quantified returns the indexes of the searches a quantifier ranges over:
// for them, every search whose name does not start with '_'.
func quantified(q *Quantifier, searches []*Search) []int {
	var idx []int
	for i, s := range searches {
		if q.Them {
			if !strings.HasPrefix(s.Name, "_") {
				idx = append(idx, i)
			}
		} else if matchPattern(q.Pattern, s.Name) {
			idx = append(idx, i)
		}
	}
	return idx
}

func (p *parser) search(k, v *yaml.Node, section string) (*Search, error) {
	field := section + "." + k.Value
	s := &Search{Name: k.Value, Line: k.Line}
	switch v.Kind {
	case yaml.MappingNode:
		g, err := p.selectionMap(v, field)
		if err != nil {
			return nil, err
		}
		s.Groups = append(s.Groups, g)
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return nil, p.fail(v, field, "empty list")
		}
		var keywords *FieldMatch
		for _, item := range v.Content {
			item, err := p.resolve(item)
			if err != nil {
				return nil, err
			}
			switch item.Kind {
			case yaml.MappingNode:
				g, err := p.selectionMap(item, field)
				if err != nil {
					return nil, err
				}
				s.Groups = append(s.Groups, g)
			case yaml.ScalarNode:
				if keywords == nil {
					keywords = &FieldMatch{Line: item.Line}
					s.Groups = append(s.Groups, []*FieldMatch{keywords})
				}
				keywords.Values = append(keywords.Values, scalarValue(item))
			default:
				return nil, p.fail(item, field, "a list item must be a keyword or a map of fields, found a %s", kindName(item))
			}
		}
	default:
		return nil, p.fail(v, field, "a search identifier must be a map of fields or a list, found a %s", kindName(v))
	}
	return s, nil
}

func (p *parser) selectionMap(m *yaml.Node, field string) ([]*FieldMatch, error) {
	kvs, err := p.pairs(m, field)
	if err != nil {
		return nil, err
	}
	if len(kvs) == 0 {
		return nil, p.fail(m, field, "empty map")
	}
	group := make([]*FieldMatch, 0, len(kvs))
	for _, kv := range kvs {
		k := kv[0]
		name, mods, _ := strings.Cut(k.Value, "|")
		fm := &FieldMatch{Line: k.Line, Key: k.Value, Field: name}
		if mods != "" || strings.HasSuffix(k.Value, "|") {
			fm.Modifiers = strings.Split(mods, "|")
			for _, mod := range fm.Modifiers {
				if mod == "" {
					return nil, p.fail(k, join(field, k.Value), "empty modifier")
				}
			}
		}
		v, err := p.resolve(kv[1])
		if err != nil {
			return nil, err
		}
		switch v.Kind {
		case yaml.ScalarNode:
			fm.Values = []Value{scalarValue(v)}
		case yaml.SequenceNode:
			if len(v.Content) == 0 {
				return nil, p.fail(v, join(field, k.Value), "empty list of values")
			}
			for _, item := range v.Content {
				item, err := p.resolve(item)
				if err != nil {
					return nil, err
				}
				if item.Kind != yaml.ScalarNode {
					return nil, p.fail(item, join(field, k.Value), "a value must be a scalar, found a %s", kindName(item))
				}
				fm.Values = append(fm.Values, scalarValue(item))
			}
		default:
			return nil, p.fail(v, join(field, k.Value), "a value must be a scalar or a list of scalars, found a %s", kindName(v))
		}
		group = append(group, fm)
	}
	return group, nil
}

func scalarValue(n *yaml.Node) Value {
	v := Value{Raw: n.Value, Line: n.Line}
	switch n.ShortTag() {
	case "!!null":
		v.Kind = NullValue
	case "!!bool":
		v.Kind = BoolValue
	case "!!int", "!!float":
		v.Kind = NumberValue
	default:
		v.Kind = StringValue
	}
	return v
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	case yaml.DocumentNode:
		return "document"
	}
	return "node"
}
