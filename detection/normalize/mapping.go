package normalize

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/socledger/socledger/detection"
)

//go:embed default_mapping.yml
var defaultMappingYAML []byte

// DefaultMappingYAML returns the text of the embedded default mapping, a
// starting point for a custom one.
func DefaultMappingYAML() []byte { return slices.Clone(defaultMappingYAML) }

var defaultMapping = sync.OnceValues(func() (*Mapping, error) {
	return LoadMapping(strings.NewReader(string(defaultMappingYAML)))
})

// Default returns the embedded default mapping (default_mapping.yml): the
// Sysmon, Security 4688, PowerShell and Defender categories and the
// Windows services by channel after SigmaHQ's thor.yml, Sysmon for Linux,
// ECS endpoint events, and Zeek's dns, http and conn logs as the dns, proxy
// and firewall categories. It is loaded once and shared; it is immutable.
func Default() *Mapping {
	m, err := defaultMapping()
	if err != nil { // the embedded file is tested; this cannot happen
		panic("normalize: embedded default mapping: " + err.Error())
	}
	return m
}

// Mapping says which Sigma logsource an event belongs to and which Sigma
// field names it should also carry. Load one with LoadMapping or use
// Default. A Mapping is immutable and safe for concurrent use.
type Mapping struct {
	entries []entry
	parents map[string][]string // lower-case category → all its ancestors

	// Candidate entries by the values of their Channel and EventID
	// conditions (lower-case channel, "\x00", event ID), by channel alone,
	// by event ID alone; rest are tried for every event.
	byChanEID map[string][]int
	byChan    map[string][]int
	byEID     map[string][]int
	rest      []int
}

// entry is one logsource of the mapping file.
type entry struct {
	name       string
	ls         detection.Logsource
	conds      []condition
	fieldmaps  []fieldmap
	impossible bool // thor-style sources none of which is a Windows channel
}

// condition requires field to equal one of values (without case), or to be
// absent.
type condition struct {
	field  string
	values []string
	absent bool
}

// fieldmap gives the Sigma field to the event from the first of from it has.
type fieldmap struct {
	sigma string
	from  []string
}

// MappingError is a fault in a mapping file.
type MappingError struct {
	Line   int // 1-based; 0 when unknown
	Reason string
}

func (e *MappingError) Error() string {
	if e.Line == 0 {
		return "mapping: " + e.Reason
	}
	return fmt.Sprintf("mapping: line %d: %s", e.Line, e.Reason)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// LoadMapping reads a mapping file: YAML in the layout of SigmaHQ's
// tests/thor.yml (which itself loads), documented in default_mapping.yml.
//
//	logsources:
//	  NAME:
//	    product: P          # the logsource an event gets when
//	    category: C         # every condition holds
//	    service: S
//	    conditions:         # field: value | [values] | null (= absent)
//	      Channel: Security
//	      EventID: 4688
//	    sources: ["WinEventLog:Security"]   # thor.yml's form of a Channel condition
//	    rewrite: {product: P, service: S}   # overrides product/service
//	    fieldmappings:      # sigma_field: event_field | [event_fields]
//	      Image: NewProcessName
//	categories:             # child: parent | [parents]
//	  registry_set: registry_event
//
// Without a categories section, the Sigma taxonomy's (registry_add,
// registry_delete, registry_set and registry_rename are registry_event)
// applies. Errors are *MappingError, naming the line.
func LoadMapping(r io.Reader) (*Mapping, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &MappingError{Reason: "empty file: want a logsources section"}
		}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &MappingError{Line: line, Reason: m[2]}
		}
		return nil, &MappingError{Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, errAt(root, "want a mapping with a logsources section")
	}
	m := &Mapping{}
	var cats *yaml.Node
	seenLogsources := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolve(root.Content[i+1])
		switch k.Value {
		case "logsources":
			seenLogsources = true
			if err := m.loadLogsources(v); err != nil {
				return nil, err
			}
		case "categories":
			cats = v
		case "title", "order", "backends", "description", "name", "version":
		default:
			return nil, errAt(k, fmt.Sprintf("unknown key %q (want logsources, categories, title)", k.Value))
		}
	}
	if !seenLogsources {
		return nil, errAt(root, "no logsources section")
	}
	if err := m.loadCategories(cats); err != nil {
		return nil, err
	}
	m.index()
	return m, nil
}

func errAt(n *yaml.Node, reason string) *MappingError {
	return &MappingError{Line: n.Line, Reason: reason}
}

// resolve follows YAML aliases (*name) to their anchored node.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func (m *Mapping) loadLogsources(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errAt(n, "logsources: want a mapping of names to logsources")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, body := n.Content[i], resolve(n.Content[i+1])
		e, err := loadEntry(name.Value, body)
		if err != nil {
			return err
		}
		m.entries = append(m.entries, e)
	}
	return nil
}

func loadEntry(name string, n *yaml.Node) (entry, error) {
	e := entry{name: name}
	if n.Kind != yaml.MappingNode {
		return e, errAt(n, fmt.Sprintf("logsource %s: want a mapping", name))
	}
	var rewrite detection.Logsource
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		var err error
		switch k.Value {
		case "product":
			e.ls.Product, err = scalar(v, name, k.Value)
		case "category":
			e.ls.Category, err = scalar(v, name, k.Value)
		case "service":
			e.ls.Service, err = scalar(v, name, k.Value)
		case "conditions":
			err = e.loadConditions(v)
		case "sources":
			err = e.loadSources(v)
		case "rewrite":
			rewrite, err = loadRewrite(v, name)
		case "fieldmappings":
			err = e.loadFieldmappings(v)
		default:
			err = errAt(k, fmt.Sprintf("logsource %s: unknown key %q (want product, category, service, conditions, sources, rewrite, fieldmappings)", name, k.Value))
		}
		if err != nil {
			return e, err
		}
	}
	if rewrite.Product != "" {
		e.ls.Product = rewrite.Product
	}
	if rewrite.Service != "" {
		e.ls.Service = rewrite.Service
	}
	if rewrite.Category != "" {
		e.ls.Category = rewrite.Category
	}
	if len(e.conds) == 0 && !e.impossible {
		return e, errAt(n, fmt.Sprintf("logsource %s: no conditions (it would claim every event)", name))
	}
	return e, nil
}

func scalar(n *yaml.Node, entryName, key string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errAt(n, fmt.Sprintf("logsource %s: %s: want a single value", entryName, key))
	}
	return n.Value, nil
}

func (e *entry) loadConditions(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errAt(n, fmt.Sprintf("logsource %s: conditions: want field: value pairs", e.name))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		c := condition{field: k.Value}
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				c.absent = true
			} else {
				c.values = []string{v.Value}
			}
		case yaml.SequenceNode:
			for _, item := range v.Content {
				item = resolve(item)
				if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
					return errAt(item, fmt.Sprintf("logsource %s: condition %s: want plain values", e.name, k.Value))
				}
				c.values = append(c.values, item.Value)
			}
			if len(c.values) == 0 {
				return errAt(v, fmt.Sprintf("logsource %s: condition %s: empty list", e.name, k.Value))
			}
		default:
			return errAt(v, fmt.Sprintf("logsource %s: condition %s: want a value, a list or null", e.name, k.Value))
		}
		if i := e.cond(c.field); i >= 0 {
			return errAt(k, fmt.Sprintf("logsource %s: condition %s given twice", e.name, c.field))
		}
		e.conds = append(e.conds, c)
	}
	return nil
}

func (e *entry) cond(field string) int {
	for i, c := range e.conds {
		if c.field == field {
			return i
		}
	}
	return -1
}

// loadSources reads thor.yml's sources: "WinEventLog:CHANNEL" is a Channel
// condition; other kinds (File:…) cannot be told from an event's fields, and
// an entry with only those never matches.
func (e *entry) loadSources(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return errAt(n, fmt.Sprintf("logsource %s: sources: want a list", e.name))
	}
	var channels []string
	for _, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode {
			return errAt(item, fmt.Sprintf("logsource %s: sources: want strings", e.name))
		}
		if ch, ok := strings.CutPrefix(item.Value, "WinEventLog:"); ok {
			channels = append(channels, ch)
		}
	}
	if len(channels) == 0 {
		e.impossible = true
		return nil
	}
	if e.cond("Channel") >= 0 {
		return errAt(n, fmt.Sprintf("logsource %s: both sources and a Channel condition", e.name))
	}
	e.conds = append(e.conds, condition{field: "Channel", values: channels})
	return nil
}

func loadRewrite(n *yaml.Node, name string) (detection.Logsource, error) {
	var ls detection.Logsource
	if n.Kind != yaml.MappingNode {
		return ls, errAt(n, fmt.Sprintf("logsource %s: rewrite: want product/service/category", name))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		s, err := scalar(v, name, "rewrite."+k.Value)
		if err != nil {
			return ls, err
		}
		switch k.Value {
		case "product":
			ls.Product = s
		case "service":
			ls.Service = s
		case "category":
			ls.Category = s
		default:
			return ls, errAt(k, fmt.Sprintf("logsource %s: rewrite: unknown key %q", name, k.Value))
		}
	}
	return ls, nil
}

func (e *entry) loadFieldmappings(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errAt(n, fmt.Sprintf("logsource %s: fieldmappings: want sigma_field: event_field pairs", e.name))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		fm := fieldmap{sigma: k.Value}
		switch v.Kind {
		case yaml.ScalarNode:
			fm.from = []string{v.Value}
		case yaml.SequenceNode:
			for _, item := range v.Content {
				item = resolve(item)
				if item.Kind != yaml.ScalarNode {
					return errAt(item, fmt.Sprintf("logsource %s: fieldmapping %s: want field names", e.name, k.Value))
				}
				fm.from = append(fm.from, item.Value)
			}
		default:
			return errAt(v, fmt.Sprintf("logsource %s: fieldmapping %s: want a field name or a list", e.name, k.Value))
		}
		if len(fm.from) == 0 || slices.Contains(fm.from, "") {
			return errAt(v, fmt.Sprintf("logsource %s: fieldmapping %s: empty field name", e.name, k.Value))
		}
		e.fieldmaps = append(e.fieldmaps, fm)
	}
	return nil
}

// defaultCategories is the Sigma taxonomy's nesting of categories, used when
// a mapping has no categories section.
var defaultCategories = map[string][]string{
	"registry_add":    {"registry_event"},
	"registry_delete": {"registry_event"},
	"registry_set":    {"registry_event"},
	"registry_rename": {"registry_event"},
}

func (m *Mapping) loadCategories(n *yaml.Node) error {
	direct := map[string][]string{}
	if n == nil {
		for k, v := range defaultCategories {
			direct[k] = v
		}
	} else {
		if n.Kind != yaml.MappingNode {
			return errAt(n, "categories: want child: parent pairs")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], resolve(n.Content[i+1])
			child := strings.ToLower(k.Value)
			switch v.Kind {
			case yaml.ScalarNode:
				direct[child] = append(direct[child], strings.ToLower(v.Value))
			case yaml.SequenceNode:
				for _, item := range v.Content {
					item = resolve(item)
					if item.Kind != yaml.ScalarNode {
						return errAt(item, fmt.Sprintf("categories: %s: want category names", k.Value))
					}
					direct[child] = append(direct[child], strings.ToLower(item.Value))
				}
			default:
				return errAt(v, fmt.Sprintf("categories: %s: want a category or a list", k.Value))
			}
		}
	}
	// Close transitively; a cycle just makes its members each other's
	// ancestors.
	m.parents = map[string][]string{}
	for child := range direct {
		seen := map[string]bool{child: true}
		queue := slices.Clone(direct[child])
		var all []string
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			if seen[p] {
				continue
			}
			seen[p] = true
			all = append(all, p)
			queue = append(queue, direct[p]...)
		}
		slices.Sort(all)
		m.parents[child] = all
	}
	return nil
}

// index fills the candidate tables.
func (m *Mapping) index() {
	m.byChanEID = map[string][]int{}
	m.byChan = map[string][]int{}
	m.byEID = map[string][]int{}
	for i, e := range m.entries {
		if e.impossible {
			continue
		}
		ci, ei := e.cond("Channel"), e.cond("EventID")
		hasC := ci >= 0 && !e.conds[ci].absent
		hasE := ei >= 0 && !e.conds[ei].absent
		switch {
		case hasC && hasE:
			for _, ch := range e.conds[ci].values {
				for _, id := range e.conds[ei].values {
					k := strings.ToLower(ch) + "\x00" + id
					m.byChanEID[k] = append(m.byChanEID[k], i)
				}
			}
		case hasC:
			for _, ch := range e.conds[ci].values {
				k := strings.ToLower(ch)
				m.byChan[k] = append(m.byChan[k], i)
			}
		case hasE:
			for _, id := range e.conds[ei].values {
				m.byEID[id] = append(m.byEID[id], i)
			}
		default:
			m.rest = append(m.rest, i)
		}
	}
}

// Matches reports whether a rule with logsource rule should see an event
// the mapping normalised to logsource ev. It is the test a rule router
// needs, and depends only on the two logsources (so a router can cache it
// per distinct ev):
//
//   - an event whose logsource is entirely unknown (the generic layout) goes
//     to every rule: only the rule's own conditions can tell;
//   - otherwise each part the rule names must be the event's, without case:
//     the product, the service, and the category or one of its parents
//     under the mapping's categories (a registry_set event is also a
//     registry_event).
//
// A part the rule leaves empty matches anything, so {product: windows,
// category: process_creation} takes Sysmon EID 1 (windows/process_creation/
// sysmon) and Security 4688 (windows/process_creation/security) events, and
// {product: windows, service: security} takes every Security channel event.
// A part the rule names but the event lacks does not match.
func (m *Mapping) Matches(rule, ev detection.Logsource) bool {
	if ev == (detection.Logsource{}) {
		return true
	}
	if rule.Product != "" && !strings.EqualFold(rule.Product, ev.Product) {
		return false
	}
	if rule.Service != "" && !strings.EqualFold(rule.Service, ev.Service) {
		return false
	}
	if rule.Category != "" && !strings.EqualFold(rule.Category, ev.Category) {
		return m.isA(ev.Category, rule.Category)
	}
	return true
}

// IsA reports whether category child is parent or nested in it.
func (m *Mapping) isA(child, parent string) bool {
	if child == "" {
		return false
	}
	ps, ok := m.parents[child]
	if !ok {
		ps = m.parents[strings.ToLower(child)]
	}
	for _, p := range ps {
		if strings.EqualFold(p, parent) {
			return true
		}
	}
	return false
}

// Parents returns the categories that category is nested in (for example
// registry_event for registry_set), transitively, lower-case and sorted.
func (m *Mapping) Parents(category string) []string {
	return slices.Clone(m.parents[strings.ToLower(category)])
}
