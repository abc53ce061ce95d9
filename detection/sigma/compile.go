package sigma

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// CompileOptions configures Compile.
type CompileOptions struct {
	// Placeholders gives the values of the expand modifier's placeholders,
	// by name without the percent signs ("Administrators" for
	// %Administrators%). Each value is a Sigma string (wildcards and escapes
	// apply); several values are alternatives. A placeholder without an entry
	// makes Compile return an *UnsupportedError, as the spec requires of a
	// tool that cannot resolve it.
	Placeholders map[string][]string

	// Filters are global filters (see CompileFilter). Compile applies to the
	// rule every filter that names it (by id or name) and whose logsource
	// covers the rule's (see (*CompiledFilter).AppliesTo): the rule then
	// matches only when its condition holds and so does the filter's, as
	// pySigma and rsigma apply filters. Filters that do not apply are
	// ignored; (*Compiled).Filters lists the ones applied.
	Filters []*CompiledFilter
}

// Compiled is a rule turned into a matcher. It is immutable and safe for
// concurrent use.
type Compiled struct {
	rule     *Rule
	searches []*searchMatcher
	conds    []*cnode
	literals [][]string
	filters  []*CompiledFilter
}

// Rule returns the rule c was compiled from.
func (c *Compiled) Rule() *Rule { return c.rule }

// Filters returns the filters applied to the rule, in the order of
// CompileOptions.Filters. The result must not be modified.
func (c *Compiled) Filters() []*CompiledFilter { return c.filters }

// maxAlternatives bounds how many strings one rule value may expand to
// (windash before an encoding, placeholders, base64offset).
const maxAlternatives = 4096

// Compile checks the modifiers and values of a detection rule and builds its
// matcher: literals lowered once, regular expressions compiled, networks
// parsed, encodings and windash variants worked out; then it applies the
// filters of opts.Filters that concern the rule. Errors are a *RuleError (a
// malformed value or a meaningless modifier combination) or an
// *UnsupportedError (an unknown modifier, a regular expression RE2 cannot
// compile, a placeholder without a value). Correlation and filter rules are
// refused with an *UnsupportedError: a correlation rule is evaluated by
// package detection/correlation, a filter is compiled by CompileFilter.
func Compile(r *Rule, opts CompileOptions) (*Compiled, error) {
	if r == nil {
		return nil, &RuleError{Reason: "nil rule"}
	}
	switch r.Kind {
	case KindCorrelation:
		return nil, &UnsupportedError{File: r.File, Line: r.Line, Construct: "correlation rule",
			Detail: "Compile takes detection rules; a correlation rule is evaluated by detection/correlation"}
	case KindFilter:
		return nil, &UnsupportedError{File: r.File, Line: r.Line, Construct: "filter rule",
			Detail: "Compile takes detection rules; compile a filter with CompileFilter and pass it in CompileOptions.Filters"}
	}
	if r.Detection == nil || len(r.Detection.Conditions) == 0 {
		return nil, &RuleError{File: r.File, Line: r.Line, Field: "detection", Reason: "missing detection or condition"}
	}
	cp := &compiler{rule: r, det: r.Detection, opts: opts, index: map[string]int{}}
	searches, conds, condCNF, err := cp.detection()
	if err != nil {
		return nil, err
	}
	c := &Compiled{rule: r, searches: searches, conds: conds}
	for _, f := range opts.Filters {
		if f.AppliesTo(r) {
			c.filters = append(c.filters, f)
		}
	}
	if len(c.filters) > 0 {
		// (c1 or c2 …) and f1 and f2 … evaluated as (c1 and f1 and f2 …) or
		// (c2 and f1 and f2 …): each filter's searches are appended to the
		// rule's and its condition tree re-indexed onto them.
		fconds := make([]*cnode, len(c.filters))
		fcnf := make([]cnf, len(c.filters))
		for i, f := range c.filters {
			fconds[i] = f.cond.shift(len(c.searches))
			fcnf[i] = f.lits
			c.searches = append(c.searches, f.searches...)
		}
		for i, n := range c.conds {
			c.conds[i] = &cnode{op: opAnd, kids: append([]*cnode{n}, fconds...)}
			condCNF[i] = andCNF(append([]cnf{condCNF[i]}, fcnf...))
		}
	}
	c.literals = orCNF(condCNF).finish()
	return c, nil
}

type compiler struct {
	rule  *Rule
	det   *Detection
	opts  CompileOptions
	index map[string]int
}

// detection compiles the searches and conditions of cp.det: the matchers of
// the searches, one condition tree per condition, and the literal clauses
// of each condition.
func (cp *compiler) detection() ([]*searchMatcher, []*cnode, []cnf, error) {
	d := cp.det
	var searches []*searchMatcher
	searchCNF := make([]cnf, len(d.Searches))
	for i, s := range d.Searches {
		sm, lits, err := cp.search(s)
		if err != nil {
			return nil, nil, nil, err
		}
		searches = append(searches, sm)
		searchCNF[i] = lits
		cp.index[s.Name] = i
	}
	var conds []*cnode
	var condCNF []cnf
	for _, e := range d.Conditions {
		n, lits, err := cp.condition(e, searchCNF)
		if err != nil {
			return nil, nil, nil, &RuleError{File: cp.rule.File, Line: d.Line, Field: d.sectionName() + ".condition",
				Reason: fmt.Sprintf("condition %v: %v", e, err)}
		}
		conds = append(conds, n)
		condCNF = append(condCNF, lits)
	}
	return searches, conds, condCNF, nil
}

// shift returns a copy of the condition tree with every search index moved
// by off.
func (n *cnode) shift(off int) *cnode {
	m := &cnode{op: n.op, search: n.search + off}
	if n.set != nil {
		m.set = make([]int, len(n.set))
		for i, s := range n.set {
			m.set[i] = s + off
		}
	}
	for _, k := range n.kids {
		m.kids = append(m.kids, k.shift(off))
	}
	return m
}

func (cp *compiler) condition(e Expr, searchCNF []cnf) (*cnode, cnf, error) {
	switch x := e.(type) {
	case *Ident:
		i, ok := cp.index[x.Name]
		if !ok {
			return nil, nil, fmt.Errorf("unknown search identifier %q", x.Name)
		}
		return &cnode{op: opSearch, search: i}, searchCNF[i], nil
	case *Not:
		k, _, err := cp.condition(x.X, searchCNF)
		if err != nil {
			return nil, nil, err
		}
		return &cnode{op: opNot, kids: []*cnode{k}}, nil, nil
	case *And, *Or:
		xs, op := andOr(x)
		n := &cnode{op: op}
		var parts []cnf
		for _, y := range xs {
			k, lits, err := cp.condition(y, searchCNF)
			if err != nil {
				return nil, nil, err
			}
			n.kids = append(n.kids, k)
			parts = append(parts, lits)
		}
		if op == opAnd {
			return n, andCNF(parts), nil
		}
		return n, orCNF(parts), nil
	case nil:
		return nil, nil, errors.New("empty expression")
	case *Quantifier:
		set := quantified(x, cp.det.Searches)
		if len(set) == 0 {
			return nil, nil, errors.New("'" + x.String() + "' matches no search identifier")
		}
		parts := make([]cnf, len(set))
		for i, s := range set {
			parts[i] = searchCNF[s]
		}
		if x.All {
			return &cnode{op: opAllOf, set: set}, andCNF(parts), nil
		}
		return &cnode{op: opOneOf, set: set}, orCNF(parts), nil
	}
	return nil, nil, fmt.Errorf("unknown expression %T", e)
}

func andOr(e Expr) ([]Expr, condOp) {
	if a, ok := e.(*And); ok {
		return a.Xs, opAnd
	}
	return e.(*Or).Xs, opOr
}

func (cp *compiler) search(s *Search) (*searchMatcher, cnf, error) {
	// Parse guarantees these; a Rule built by hand may not.
	sec := cp.det.sectionName()
	if s == nil || len(s.Groups) == 0 {
		return nil, nil, &RuleError{File: cp.rule.File, Line: cp.rule.Line, Field: sec, Reason: "a search identifier without selections"}
	}
	for _, g := range s.Groups {
		if len(g) == 0 {
			return nil, nil, &RuleError{File: cp.rule.File, Line: s.Line, Field: sec + "." + s.Name, Reason: "an empty selection"}
		}
		for _, fm := range g {
			if fm == nil || len(fm.Values) == 0 {
				return nil, nil, &RuleError{File: cp.rule.File, Line: s.Line, Field: sec + "." + s.Name, Reason: "a field without values"}
			}
		}
	}
	sm := &searchMatcher{}
	var groupCNF []cnf
	for _, g := range s.Groups {
		var fms []*fieldMatcher
		var parts []cnf
		for _, fm := range g {
			m, lits, err := cp.fieldMatch(s, fm)
			if err != nil {
				return nil, nil, err
			}
			fms = append(fms, m)
			parts = append(parts, lits)
		}
		sm.groups = append(sm.groups, fms)
		groupCNF = append(groupCNF, andCNF(parts))
	}
	return sm, orCNF(groupCNF), nil
}

// modifiers is a parsed modifier chain.
type modifiers struct {
	steps   []string // value transformations, in order
	typ     string   // "", "re", "cidr", "cmp", "exists", "fieldref", "time"
	cmp     cmpOp
	hasCmp  bool
	part    string // time modifier
	reFlags string
	all     bool
	cased   bool
	neq     bool
	expand  bool
}

func (m *modifiers) position() (lead, trail bool) {
	for _, s := range m.steps {
		switch s {
		case "contains":
			lead, trail = true, true
		case "startswith":
			trail = true
		case "endswith":
			lead = true
		}
	}
	return lead, trail
}

func (cp *compiler) fail(fm *FieldMatch, s *Search, line int, format string, args ...any) *RuleError {
	if line == 0 {
		line = fm.Line
	}
	return &RuleError{File: cp.rule.File, Line: line, Field: cp.where(s, fm), Reason: fmt.Sprintf(format, args...)}
}

// where names a field match in errors: "detection.selection.Image|endswith".
func (cp *compiler) where(s *Search, fm *FieldMatch) string {
	return cp.det.sectionName() + "." + s.Name + fieldSuffix(fm)
}

func fieldSuffix(fm *FieldMatch) string {
	if fm.Key == "" {
		return ""
	}
	return "." + fm.Key
}

func (cp *compiler) modifiers(s *Search, fm *FieldMatch) (*modifiers, error) {
	m := &modifiers{}
	setType := func(t string) error {
		if m.typ != "" && m.typ != t {
			return cp.fail(fm, s, 0, "modifiers %s and %s cannot be combined", m.typ, t)
		}
		m.typ = t
		return nil
	}
	for _, mod := range fm.Modifiers {
		var err error
		switch mod {
		case "contains", "startswith", "endswith", "windash", "base64", "base64offset",
			"utf16le", "utf16be", "utf16", "wide":
			m.steps = append(m.steps, mod)
		case "expand":
			m.steps = append(m.steps, mod)
			m.expand = true
		case "all":
			m.all = true
		case "cased":
			m.cased = true
		case "neq":
			m.neq = true
		case "re", "cidr", "exists", "fieldref":
			err = setType(mod)
		case "lt", "lte", "gt", "gte":
			if m.hasCmp {
				return nil, cp.fail(fm, s, 0, "more than one comparison modifier")
			}
			m.hasCmp = true
			m.cmp = map[string]cmpOp{"lt": cmpLt, "lte": cmpLte, "gt": cmpGt, "gte": cmpGte}[mod]
		case "minute", "hour", "day", "week", "month", "year":
			if m.part != "" {
				return nil, cp.fail(fm, s, 0, "more than one time modifier")
			}
			m.part = mod
		case "i", "m", "s":
			if m.typ != "re" {
				return nil, cp.fail(fm, s, 0, "regular expression flag %q must follow re", mod)
			}
			if !strings.Contains(m.reFlags, mod) {
				m.reFlags += mod
			}
		default:
			return nil, &UnsupportedError{File: cp.rule.File, Line: fm.Line, Construct: fmt.Sprintf("modifier %q", mod),
				Detail: "in " + cp.where(s, fm)}
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case m.part != "":
		if err := setType("time"); err != nil {
			return nil, err
		}
	case m.hasCmp:
		if err := setType("cmp"); err != nil {
			return nil, err
		}
	}
	// Which transformations and flags each type allows.
	stepsOK, casedOK, neqOK := true, true, true
	switch m.typ {
	case "re":
		stepsOK, casedOK = false, false
	case "cidr":
		stepsOK, casedOK = false, false
	case "cmp":
		stepsOK, casedOK, neqOK = false, false, false
	case "exists":
		stepsOK, casedOK, neqOK = false, false, false
		if m.all {
			return nil, cp.fail(fm, s, 0, "exists cannot be combined with all")
		}
	case "time":
		stepsOK, casedOK = false, false
		neqOK = !m.hasCmp
	case "fieldref":
		for _, st := range m.steps {
			if st != "contains" && st != "startswith" && st != "endswith" {
				return nil, cp.fail(fm, s, 0, "fieldref cannot be combined with %s", st)
			}
		}
	}
	if !stepsOK && len(m.steps) > 0 {
		return nil, cp.fail(fm, s, 0, "%s cannot be combined with %s", m.typ, m.steps[0])
	}
	if !casedOK && m.cased {
		if m.typ == "re" {
			return nil, cp.fail(fm, s, 0, "cased has no effect on re (regular expressions are case-sensitive; re|i ignores case)")
		}
		return nil, cp.fail(fm, s, 0, "cased cannot be combined with %s", m.typ)
	}
	if !neqOK && m.neq {
		return nil, cp.fail(fm, s, 0, "neq cannot be combined with %s", m.typ)
	}
	if fm.Field == "" {
		switch {
		case m.typ != "" && m.typ != "re":
			return nil, cp.fail(fm, s, 0, "a keyword search (no field name) cannot use %s", m.typ)
		case m.neq:
			return nil, cp.fail(fm, s, 0, "a keyword search (no field name) cannot use neq")
		}
	}
	return m, nil
}

func (cp *compiler) fieldMatch(s *Search, fm *FieldMatch) (*fieldMatcher, cnf, error) {
	mods, err := cp.modifiers(s, fm)
	if err != nil {
		return nil, nil, err
	}
	keyword := fm.Field == ""
	f := &fieldMatcher{field: fm.Field, keyword: keyword, all: mods.all}
	if keyword {
		if lead, trail := mods.position(); !lead && !trail && mods.typ == "" {
			mods.steps = append(mods.steps, "contains") // keywords match anywhere in a value
		}
	}
	// lits[i] is the literal clause of value i; nil means unconstrained.
	var lits [][]string
	for _, v := range fm.Values {
		if keyword {
			if v.Kind == NullValue {
				return nil, nil, cp.fail(fm, s, v.Line, "a keyword cannot be null")
			}
			ms, vl, err := cp.stringMatchers(s, fm, mods, v)
			if err != nil {
				return nil, nil, err
			}
			if mods.all && len(ms) > 1 {
				f.keywords = append(f.keywords, anyOf(ms))
			} else {
				f.keywords = append(f.keywords, ms...)
			}
			lits = append(lits, vl)
			continue
		}
		vms, vl, err := cp.value(s, fm, mods, v)
		if err != nil {
			return nil, nil, err
		}
		f.values = append(f.values, vms...)
		lits = append(lits, vl)
	}
	return f, fieldCNF(lits, mods.all), nil
}

// value compiles one value of a field. Alternatives of the value (windash,
// base64offset, placeholders) become one matcher, unless the values are
// OR-ed anyway, in which case they may stay separate.
func (cp *compiler) value(s *Search, fm *FieldMatch, mods *modifiers, v Value) ([]*valueMatcher, []string, error) {
	one := func(m scalarMatcher) ([]*valueMatcher, []string, error) {
		mode := vmScalar
		if mods.neq {
			mode = vmNeq
		}
		return []*valueMatcher{{mode: mode, m: m}}, nil, nil
	}
	if v.Kind == NullValue {
		if mods.typ != "" || len(mods.steps) > 0 || mods.neq || mods.cased {
			return nil, nil, cp.fail(fm, s, v.Line, "null cannot be used with modifiers (write the null test as its own selection)")
		}
		return []*valueMatcher{{mode: vmNull}}, nil, nil
	}
	switch mods.typ {
	case "exists":
		var want bool
		switch strings.ToLower(v.Raw) {
		case "true":
			want = true
		case "false":
		default:
			return nil, nil, cp.fail(fm, s, v.Line, "exists takes true or false, not %q", v.Raw)
		}
		return []*valueMatcher{{mode: vmExists, exists: want}}, nil, nil
	case "re":
		m, err := cp.regexp(s, fm, mods, v)
		if err != nil {
			return nil, nil, err
		}
		return one(textOf{m})
	case "cidr":
		prefix, err := netip.ParsePrefix(v.Raw)
		if err != nil {
			addr, aerr := netip.ParseAddr(v.Raw)
			if aerr != nil {
				return nil, nil, cp.fail(fm, s, v.Line, "%q is not a CIDR network", v.Raw)
			}
			prefix = netip.PrefixFrom(addr.WithZone(""), addr.BitLen())
		}
		prefix = netip.PrefixFrom(prefix.Addr().Unmap(), prefix.Bits()-unmapBits(prefix)).Masked()
		if !prefix.IsValid() {
			return nil, nil, cp.fail(fm, s, v.Line, "%q is not a usable CIDR network", v.Raw)
		}
		return one(&cidrMatch{prefix: prefix})
	case "cmp":
		n, ok := parseNumber(v.Raw)
		if !ok {
			return nil, nil, cp.fail(fm, s, v.Line, "%q is not a number", v.Raw)
		}
		return one(&numCmp{op: mods.cmp, n: n})
	case "time":
		n, ok := parseNumber(v.Raw)
		if !ok {
			return nil, nil, cp.fail(fm, s, v.Line, "%q is not a number", v.Raw)
		}
		op := cmpEq
		if mods.hasCmp {
			op = mods.cmp
		}
		return one(&timePart{part: mods.part, op: op, n: n})
	case "fieldref":
		if v.Raw == "" {
			return nil, nil, cp.fail(fm, s, v.Line, "fieldref needs a field name")
		}
		lead, trail := mods.position()
		return one(&fieldRef{ref: v.Raw, mode: modeFor(lead, trail), cased: mods.cased})
	}
	if len(mods.steps) == 0 {
		switch v.Kind {
		case NumberValue:
			if n, ok := parseNumber(v.Raw); ok {
				return one(&numEq{n: n, text: v.Raw})
			}
		case BoolValue:
			switch strings.ToLower(v.Raw) {
			case "true":
				return one(&boolEq{b: true})
			case "false":
				return one(&boolEq{b: false})
			}
		}
	}
	ms, lits, err := cp.stringMatchers(s, fm, mods, v)
	if err != nil {
		return nil, nil, err
	}
	mode := vmScalar
	if mods.neq {
		mode = vmNeq
		lits = nil
	}
	if len(ms) == 1 || mods.neq || mods.all {
		var m strMatcher = anyOf(ms)
		if len(ms) == 1 {
			m = ms[0]
		}
		return []*valueMatcher{{mode: mode, m: textOf{m}}}, lits, nil
	}
	out := make([]*valueMatcher, len(ms))
	for i, m := range ms {
		out[i] = &valueMatcher{mode: mode, m: textOf{m}}
	}
	return out, lits, nil
}

// unmapBits is how many prefix bits an IPv4-mapped IPv6 prefix loses when
// unmapped.
func unmapBits(p netip.Prefix) int {
	if p.Addr().Is4In6() {
		return 96
	}
	return 0
}

func (cp *compiler) regexp(s *Search, fm *FieldMatch, mods *modifiers, v Value) (*re, error) {
	pattern := v.Raw
	if mods.reFlags != "" {
		pattern = "(?" + mods.reFlags + ")" + pattern
	}
	rx, err := regexp.Compile(pattern)
	if err != nil {
		return nil, &UnsupportedError{File: cp.rule.File, Line: v.Line, Construct: "regular expression",
			Detail: fmt.Sprintf("%s: RE2 cannot compile %q: %v", cp.where(s, fm), v.Raw, unwrapRegexpError(err))}
	}
	return &re{re: rx}, nil
}

func unwrapRegexpError(err error) string {
	msg := err.Error()
	return strings.TrimPrefix(msg, "error parsing regexp: ")
}

// stringMatchers applies the value transformations to a string value and
// returns a matcher per alternative, and the literal clause (nil when some
// alternative has no literal).
func (cp *compiler) stringMatchers(s *Search, fm *FieldMatch, mods *modifiers, v Value) ([]strMatcher, []string, error) {
	if mods.typ == "re" {
		m, err := cp.regexp(s, fm, mods, v)
		if err != nil {
			return nil, nil, err
		}
		return []strMatcher{m}, nil, nil
	}
	alts := []sstr{parseSigmaString(v.Raw, mods.expand)}
	for _, step := range mods.steps {
		var next []sstr
		for _, a := range alts {
			out, err := cp.step(s, fm, v, step, a)
			if err != nil {
				return nil, nil, err
			}
			next = append(next, out...)
		}
		if len(next) > maxAlternatives {
			return nil, nil, &UnsupportedError{File: cp.rule.File, Line: v.Line, Construct: "value expansion",
				Detail: fmt.Sprintf("%s: %q expands to more than %d alternatives", cp.where(s, fm), v.Raw, maxAlternatives)}
		}
		alts = next
	}
	if len(alts) == 0 {
		return nil, nil, cp.fail(fm, s, v.Line, "%q is too short to give any text after %s", v.Raw, strings.Join(mods.steps, "|"))
	}
	ms := make([]strMatcher, 0, len(alts))
	lits := make([]string, 0, len(alts))
	constrained := true
	seen := map[string]bool{}
	for _, a := range alts {
		a = a.normalize()
		key := a.key()
		if seen[key] {
			continue
		}
		seen[key] = true
		ms = append(ms, newStrMatcher(a, mods.cased))
		if l := bestLiteral(a); l != "" {
			lits = append(lits, l)
		} else {
			constrained = false
		}
	}
	if !constrained {
		lits = nil
	}
	return ms, lits, nil
}

func (cp *compiler) step(s *Search, fm *FieldMatch, v Value, step string, a sstr) ([]sstr, error) {
	switch step {
	case "contains":
		return []sstr{a.wrap(true, true)}, nil
	case "startswith":
		return []sstr{a.wrap(false, true)}, nil
	case "endswith":
		return []sstr{a.wrap(true, false)}, nil
	case "windash":
		return []sstr{a.windash()}, nil
	case "expand":
		return cp.expand(s, fm, v, a)
	}
	// Encodings need plain text.
	variants := []sstr{a}
	if a.has(itemDash) {
		var ok bool
		if variants, ok = a.expandDashes(maxAlternatives); !ok {
			return nil, &UnsupportedError{File: cp.rule.File, Line: v.Line, Construct: "value expansion",
				Detail: fmt.Sprintf("%s: windash before %s gives more than %d alternatives", cp.where(s, fm), step, maxAlternatives)}
		}
	}
	var out []sstr
	for _, va := range variants {
		text, ok := va.normalize().plain()
		if !ok {
			what := "wildcards"
			if va.has(itemPlaceholder) {
				what = "a placeholder (put expand first)"
			}
			return nil, cp.fail(fm, s, v.Line, "%s cannot encode a value with %s: %q", step, what, v.Raw)
		}
		switch step {
		case "base64":
			out = append(out, sstr{{kind: itemLit, text: encodeBase64(text)}})
		case "base64offset":
			for _, e := range base64Offsets(text) {
				out = append(out, sstr{{kind: itemLit, text: e}})
			}
		case "utf16le", "wide":
			out = append(out, sstr{{kind: itemLit, text: encodeUTF16(text, false, false)}})
		case "utf16be":
			out = append(out, sstr{{kind: itemLit, text: encodeUTF16(text, true, false)}})
		case "utf16":
			out = append(out, sstr{{kind: itemLit, text: encodeUTF16(text, false, true)}})
		}
	}
	return out, nil
}

// expand replaces each placeholder by each of its values (a cross product
// when there are several placeholders).
func (cp *compiler) expand(s *Search, fm *FieldMatch, v Value, a sstr) ([]sstr, error) {
	alts := []sstr{nil}
	for _, it := range a {
		if it.kind != itemPlaceholder {
			for i := range alts {
				alts[i] = append(alts[i], it)
			}
			continue
		}
		values, ok := cp.opts.Placeholders[it.text]
		if !ok || len(values) == 0 {
			return nil, &UnsupportedError{File: cp.rule.File, Line: v.Line, Construct: fmt.Sprintf("placeholder %%%s%%", it.text),
				Detail: fmt.Sprintf("%s: no value in CompileOptions.Placeholders", cp.where(s, fm))}
		}
		if len(alts)*len(values) > maxAlternatives {
			return nil, &UnsupportedError{File: cp.rule.File, Line: v.Line, Construct: "value expansion",
				Detail: fmt.Sprintf("%s: placeholders give more than %d alternatives", cp.where(s, fm), maxAlternatives)}
		}
		next := make([]sstr, 0, len(alts)*len(values))
		for _, prev := range alts {
			for _, val := range values {
				b := append(append(sstr(nil), prev...), parseSigmaString(val, false)...)
				next = append(next, b)
			}
		}
		alts = next
	}
	for i := range alts {
		alts[i] = alts[i].normalize()
	}
	return alts, nil
}

// newStrMatcher picks the fastest matcher for a pattern: a literal compared
// whole, as a prefix, a suffix or a substring, or a general glob.
func newStrMatcher(a sstr, cased bool) strMatcher {
	lead, trail := a.startsWithStar(), a.endsWithStar()
	core := a
	if lead {
		core = core[1:]
	}
	if trail && len(core) > 0 {
		core = core[:len(core)-1]
	}
	switch {
	case len(core) == 0 && (lead || trail):
		return anyText{}
	case len(core) == 0:
		return newLiteral("", litExact, cased)
	case len(core) == 1 && core[0].kind == itemLit:
		return newLiteral(core[0].text, modeFor(lead, trail), cased)
	}
	return newGlob(a, cased)
}

// modeFor is the literal mode of a pattern with a leading and/or trailing
// wildcard around its literal core.
func modeFor(lead, trail bool) litMode {
	switch {
	case lead && trail:
		return litContains
	case lead:
		return litSuffix
	case trail:
		return litPrefix
	}
	return litExact
}
