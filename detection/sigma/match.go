package sigma

import (
	"encoding/json"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socledger/socledger/detection"
)

// Match reports whether the event matches the rule. It is safe for
// concurrent use and does not allocate for string, number and boolean
// values (time modifiers and non-normalised value types may).
func (c *Compiled) Match(ev detection.Event) bool {
	for _, n := range c.conds {
		if c.eval(n, ev) {
			return true
		}
	}
	return false
}

func (c *Compiled) eval(n *cnode, ev detection.Event) bool {
	switch n.op {
	case opSearch:
		return c.searches[n.search].match(ev)
	case opNot:
		return !c.eval(n.kids[0], ev)
	case opAnd:
		for _, k := range n.kids {
			if !c.eval(k, ev) {
				return false
			}
		}
		return true
	case opOr:
		for _, k := range n.kids {
			if c.eval(k, ev) {
				return true
			}
		}
		return false
	case opOneOf:
		for _, i := range n.set {
			if c.searches[i].match(ev) {
				return true
			}
		}
		return false
	case opAllOf:
		for _, i := range n.set {
			if !c.searches[i].match(ev) {
				return false
			}
		}
		return true
	}
	return false
}

type condOp uint8

const (
	opSearch condOp = iota
	opNot
	opAnd
	opOr
	opOneOf
	opAllOf
)

// cnode is a compiled condition node.
type cnode struct {
	op     condOp
	search int      // opSearch
	set    []int    // opOneOf, opAllOf
	kids   []*cnode // opNot (one), opAnd, opOr
}

// searchMatcher is a compiled search identifier: an OR of AND groups.
type searchMatcher struct {
	groups [][]*fieldMatcher
}

func (s *searchMatcher) match(ev detection.Event) bool {
	for _, g := range s.groups {
		ok := true
		for _, f := range g {
			if !f.match(ev) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// fieldMatcher is one compiled FieldMatch: its values OR-ed (AND-ed with
// all). Keyword matchers have no field and search every string value.
type fieldMatcher struct {
	field    string
	keyword  bool
	all      bool
	values   []*valueMatcher // field matchers
	keywords []strMatcher    // keyword matchers
}

func (f *fieldMatcher) match(ev detection.Event) bool {
	if f.keyword {
		return f.matchKeywords(ev)
	}
	v, present := ev.Lookup(f.field)
	for _, vm := range f.values {
		if vm.match(v, present, ev) != f.all {
			return !f.all
		}
	}
	return f.all
}

func (f *fieldMatcher) matchKeywords(ev detection.Event) bool {
	for _, k := range f.keywords {
		if anyString(ev, k) != f.all {
			return !f.all
		}
	}
	return f.all
}

// anyString reports whether some string value of the event (or string item
// of a list value) matches m.
func anyString(ev detection.Event, m strMatcher) bool {
	for _, v := range ev {
		switch x := v.(type) {
		case string:
			if m.matchString(x) {
				return true
			}
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok && m.matchString(s) {
					return true
				}
			}
		}
	}
	return false
}

type vmMode uint8

const (
	vmScalar vmMode = iota // the value matches a scalar of the field (any item of a list)
	vmNull                 // the field is missing or null
	vmExists               // the field is present (or absent)
	vmNeq                  // the field is present, not null, and no item matches
)

// valueMatcher is one compiled value of a field.
type valueMatcher struct {
	mode   vmMode
	exists bool
	m      scalarMatcher
}

func (vm *valueMatcher) match(v any, present bool, ev detection.Event) bool {
	switch vm.mode {
	case vmNull:
		return !present || v == nil
	case vmExists:
		return present == vm.exists
	case vmNeq:
		return present && v != nil && !matchAny(vm.m, v, ev)
	}
	return present && matchAny(vm.m, v, ev)
}

// scalarMatcher tests one scalar event value.
type scalarMatcher interface {
	scalar(v any, ev detection.Event) bool
}

func matchAny(m scalarMatcher, v any, ev detection.Event) bool {
	if l, ok := v.([]any); ok {
		for _, e := range l {
			if m.scalar(e, ev) {
				return true
			}
		}
		return false
	}
	return m.scalar(v, ev)
}

// number is a parsed numeric value: exact for integers, float otherwise.
type number struct {
	i     int64
	f     float64
	isInt bool
}

// parseNumber parses decimal integers and floats (with an optional sign and
// exponent), and 0x, 0o and 0b integers. Text that cannot be a number is
// rejected before strconv sees it, since strconv allocates its errors.
func parseNumber(s string) (number, bool) {
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	if body == "" || len(s) > 64 {
		return number{}, false
	}
	if allDigits(body) {
		if len(body) <= 18 {
			var n int64
			for i := 0; i < len(body); i++ {
				n = n*10 + int64(body[i]-'0')
			}
			if s[0] == '-' {
				n = -n
			}
			return number{i: n, f: float64(n), isInt: true}, true
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return number{i: n, f: float64(n), isInt: true}, true
		}
	} else if len(body) > 2 && body[0] == '0' && isBasePrefix(body[1]) {
		if !basedDigits(body[1], body[2:]) {
			return number{}, false
		}
		if n, err := strconv.ParseInt(s, 0, 64); err == nil {
			return number{i: n, f: float64(n), isInt: true}, true
		}
		return number{}, false
	}
	for i := 0; i < len(body); i++ {
		if c := body[i]; (c < '0' || c > '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			return number{}, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return number{}, false
	}
	return number{f: f}, true
}

func isBasePrefix(c byte) bool {
	switch c {
	case 'x', 'X', 'o', 'O', 'b', 'B':
		return true
	}
	return false
}

func basedDigits(base byte, digits string) bool {
	if digits == "" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var ok bool
		switch base {
		case 'x', 'X':
			ok = '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		case 'o', 'O':
			ok = '0' <= c && c <= '7'
		default:
			ok = c == '0' || c == '1'
		}
		if !ok {
			return false
		}
	}
	return true
}

func scalarNumber(v any) (number, bool) {
	switch x := v.(type) {
	case json.Number:
		return parseNumber(string(x))
	case string:
		return parseNumber(x)
	case float64:
		return number{f: x}, !math.IsNaN(x)
	case int:
		return number{i: int64(x), f: float64(x), isInt: true}, true
	case int64:
		return number{i: x, f: float64(x), isInt: true}, true
	}
	return number{}, false
}

// compare returns -1, 0 or 1 as a is less than, equal to or greater than b.
func compareNumbers(a, b number) int {
	if a.isInt && b.isInt {
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

// numEq matches a YAML number: numerically equal values, or the same text.
type numEq struct {
	n    number
	text string
}

func (m *numEq) scalar(v any, _ detection.Event) bool {
	if n, ok := scalarNumber(v); ok && compareNumbers(n, m.n) == 0 {
		return true
	}
	s, ok := detection.ScalarText(v)
	return ok && strings.EqualFold(s, m.text)
}

// boolEq matches a YAML boolean: the same boolean, or its text.
type boolEq struct {
	b bool
}

func (m *boolEq) scalar(v any, _ detection.Event) bool {
	switch x := v.(type) {
	case bool:
		return x == m.b
	case string:
		if m.b {
			return strings.EqualFold(x, "true")
		}
		return strings.EqualFold(x, "false")
	}
	return false
}

// cmpOp is a numeric comparison of the lt, lte, gt and gte modifiers.
type cmpOp uint8

const (
	cmpEq cmpOp = iota
	cmpLt
	cmpLte
	cmpGt
	cmpGte
)

func (op cmpOp) holds(c int) bool {
	switch op {
	case cmpLt:
		return c < 0
	case cmpLte:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGte:
		return c >= 0
	}
	return c == 0
}

// numCmp compares a numeric field with a number.
type numCmp struct {
	op cmpOp
	n  number
}

func (m *numCmp) scalar(v any, _ detection.Event) bool {
	n, ok := scalarNumber(v)
	return ok && m.op.holds(compareNumbers(n, m.n))
}

// cidrMatch matches an IP address inside a network.
type cidrMatch struct {
	prefix netip.Prefix
}

func (m *cidrMatch) scalar(v any, _ detection.Event) bool {
	s, ok := v.(string)
	if !ok || !couldBeIP(s) {
		return false
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return m.prefix.Contains(addr.WithZone("").Unmap())
}

// couldBeIP rejects text that cannot be an IP address before
// netip.ParseAddr, which allocates its errors: up to a '%' zone, only hex
// digits, '.' and ':'.
func couldBeIP(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			return i > 0
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// timePart extracts a calendar field from a timestamp (the minute, hour,
// day, week, month and year modifiers) and compares it with a number.
type timePart struct {
	part string
	op   cmpOp
	n    number
}

// timeLayouts are the timestamp forms the time modifiers understand.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func (m *timePart) scalar(v any, _ detection.Event) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		var x int
		switch m.part {
		case "minute":
			x = t.Minute()
		case "hour":
			x = t.Hour()
		case "day":
			x = t.Day()
		case "week":
			_, x = t.ISOWeek()
		case "month":
			x = int(t.Month())
		case "year":
			x = t.Year()
		}
		return m.op.holds(compareNumbers(number{i: int64(x), f: float64(x), isInt: true}, m.n))
	}
	return false
}

// fieldRef compares a field with another field of the same event.
type fieldRef struct {
	ref   string
	mode  litMode
	cased bool
}

func (m *fieldRef) scalar(v any, ev detection.Event) bool {
	rv, ok := ev.Lookup(m.ref)
	if !ok || rv == nil {
		return false
	}
	if l, ok := rv.([]any); ok {
		for _, e := range l {
			if m.compare(v, e) {
				return true
			}
		}
		return false
	}
	return m.compare(v, rv)
}

func (m *fieldRef) compare(v, ref any) bool {
	if m.mode == litExact {
		if a, ok := scalarNumber(v); ok {
			if b, ok := scalarNumber(ref); ok && compareNumbers(a, b) == 0 {
				return true
			}
		}
	}
	s, ok := detection.ScalarText(v)
	if !ok {
		return false
	}
	p, ok := detection.ScalarText(ref)
	if !ok {
		return false
	}
	return matchLiteral(s, p, m.mode, m.cased, nil)
}

// strMatcher tests a string: literal, glob and regular expression patterns.
type strMatcher interface {
	matchString(s string) bool
}

// textOf adapts a strMatcher to field values: it matches the text of
// strings, numbers and booleans.
type textOf struct {
	m strMatcher
}

func (t textOf) scalar(v any, _ detection.Event) bool {
	s, ok := detection.ScalarText(v)
	return ok && t.m.matchString(s)
}

// anyOf is an OR of string matchers (the alternatives of one value).
type anyOf []strMatcher

func (a anyOf) matchString(s string) bool {
	for _, m := range a {
		if m.matchString(s) {
			return true
		}
	}
	return false
}

// anyText matches every string ('*').
type anyText struct{}

func (anyText) matchString(string) bool { return true }

type litMode uint8

const (
	litExact litMode = iota
	litPrefix
	litSuffix
	litContains
)

// literal matches a plain string: equal to, starting with, ending with or
// containing lit, which is ASCII-lowered unless cased.
type literal struct {
	lit   string
	mode  litMode
	cased bool
	find  finder
}

func newLiteral(lit string, mode litMode, cased bool) *literal {
	if !cased {
		lit = lowerLiteral(lit)
	}
	return &literal{lit: lit, mode: mode, cased: cased, find: newFinder(lit, cased)}
}

func (m *literal) matchString(s string) bool {
	return matchLiteral(s, m.lit, m.mode, m.cased, &m.find)
}

// matchLiteral matches s against the literal p. find may be nil (fieldref,
// whose literal is the text of another field).
func matchLiteral(s, p string, mode litMode, cased bool, find *finder) bool {
	if cased {
		switch mode {
		case litPrefix:
			return strings.HasPrefix(s, p)
		case litSuffix:
			return strings.HasSuffix(s, p)
		case litContains:
			return strings.Contains(s, p)
		}
		return s == p
	}
	switch mode {
	case litPrefix:
		_, ok := prefixFold(s, p)
		return ok
	case litSuffix:
		_, ok := suffixFold(s, p)
		return ok
	case litContains:
		if find == nil {
			f := newFinder(p, false)
			find = &f
		}
		i, _ := find.index(s)
		return i >= 0
	}
	return strings.EqualFold(s, p)
}

// glob matches a pattern with '*', '?' and windash classes. segs are the
// parts between stars (so a pattern without stars has one segment); each
// segment is a fixed number of characters long.
type glob struct {
	segs  [][]item
	finds []finder // for each segment that starts with a literal
	cased bool
}

func newGlob(s sstr, cased bool) *glob {
	g := &glob{cased: cased}
	var seg []item
	for _, it := range s {
		switch it.kind {
		case itemStar:
			g.segs = append(g.segs, seg)
			seg = nil
		case itemLit:
			if !cased {
				it.text = lowerLiteral(it.text)
			}
			seg = append(seg, it)
		default:
			seg = append(seg, it)
		}
	}
	g.segs = append(g.segs, seg)
	g.finds = make([]finder, len(g.segs))
	for i, seg := range g.segs {
		if len(seg) > 0 && seg[0].kind == itemLit {
			g.finds[i] = newFinder(seg[0].text, cased)
		}
	}
	return g
}

func (g *glob) matchString(s string) bool {
	n, ok := g.matchAt(s, 0, g.segs[0])
	if !ok {
		return false
	}
	last := len(g.segs) - 1
	if last == 0 {
		return n == len(s)
	}
	end, ok := g.matchSuffix(s, n, g.segs[last])
	if !ok {
		return false
	}
	lo := n
	for i := 1; i < last; i++ {
		seg := g.segs[i]
		if len(seg) == 0 {
			continue
		}
		next, ok := g.find(s[:end], lo, i)
		if !ok {
			return false
		}
		lo = next
	}
	return true
}

// matchAt matches seg at s[i:] and returns the end of the match.
func (g *glob) matchAt(s string, i int, seg []item) (int, bool) {
	for _, it := range seg {
		switch it.kind {
		case itemLit:
			if g.cased {
				if !strings.HasPrefix(s[i:], it.text) {
					return 0, false
				}
				i += len(it.text)
				continue
			}
			n, ok := prefixFold(s[i:], it.text)
			if !ok {
				return 0, false
			}
			i += n
		case itemOne, itemDash:
			if i >= len(s) {
				return 0, false
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if it.kind == itemDash && !isWindash(r) {
				return 0, false
			}
			i += n
		}
	}
	return i, true
}

// matchSuffix matches seg at the end of s, not before lo, and returns where
// the match starts.
func (g *glob) matchSuffix(s string, lo int, seg []item) (int, bool) {
	j := len(s)
	for k := len(seg) - 1; k >= 0; k-- {
		it := seg[k]
		switch it.kind {
		case itemLit:
			if g.cased {
				if !strings.HasSuffix(s[lo:j], it.text) {
					return 0, false
				}
				j -= len(it.text)
				continue
			}
			start, ok := suffixFold(s[lo:j], it.text)
			if !ok {
				return 0, false
			}
			j = lo + start
		case itemOne, itemDash:
			if j <= lo {
				return 0, false
			}
			r, n := utf8.DecodeLastRuneInString(s[lo:j])
			if it.kind == itemDash && !isWindash(r) {
				return 0, false
			}
			j -= n
		}
	}
	return j, true
}

// find returns the end of the leftmost match of segment i in s at or after
// lo. Leftmost is enough: segments have a fixed length in characters.
func (g *glob) find(s string, lo, i int) (int, bool) {
	seg := g.segs[i]
	if seg[0].kind == itemLit {
		for p := lo; p < len(s); p++ {
			c, _ := g.finds[i].index(s[p:])
			if c < 0 {
				return 0, false
			}
			p += c
			if end, ok := g.matchAt(s, p, seg); ok {
				return end, true
			}
		}
		return 0, false
	}
	for p := lo; p < len(s); p++ {
		if !utf8.RuneStart(s[p]) {
			continue
		}
		if end, ok := g.matchAt(s, p, seg); ok {
			return end, true
		}
	}
	return 0, false
}

// re is a regular expression (re modifier), searched anywhere in the text.
type re struct {
	re *regexp.Regexp
}

func (m *re) matchString(s string) bool { return m.re.MatchString(s) }
