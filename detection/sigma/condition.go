package sigma

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Expr is a parsed condition. Its String form is canonical: keywords in lower
// case, every and/or group and every negation of a group in parentheses, so
// that ParseCondition(e.String()) gives back an equal expression.
type Expr interface {
	String() string
	isExpr()
}

// Ident is a reference to one search identifier.
type Ident struct {
	Name string
	Pos  int // byte offset in the condition
}

// Not negates X.
type Not struct {
	X   Expr
	Pos int
}

// And holds two or more operands that must all hold.
type And struct{ Xs []Expr }

// Or holds two or more operands of which one must hold.
type Or struct{ Xs []Expr }

// Quantifier is "1 of pattern", "all of pattern", "1 of them" or
// "all of them". Pattern may contain '*' wildcards; it is empty for them.
type Quantifier struct {
	All     bool
	Them    bool
	Pattern string
	Pos     int
}

func (*Ident) isExpr()      {}
func (*Not) isExpr()        {}
func (*And) isExpr()        {}
func (*Or) isExpr()         {}
func (*Quantifier) isExpr() {}

func (e *Ident) String() string { return e.Name }

func (e *Not) String() string { return "not " + e.X.String() }

func (e *And) String() string { return joinExprs(e.Xs, " and ") }

func (e *Or) String() string { return joinExprs(e.Xs, " or ") }

func (e *Quantifier) String() string {
	q := "1 of "
	if e.All {
		q = "all of "
	}
	if e.Them {
		return q + "them"
	}
	return q + e.Pattern
}

func joinExprs(xs []Expr, sep string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, x := range xs {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(x.String())
	}
	b.WriteByte(')')
	return b.String()
}

// maxConditionDepth bounds nesting (parentheses and not) so that hostile
// input cannot exhaust the stack.
const maxConditionDepth = 200

type tokKind int

const (
	tokEOF tokKind = iota
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
	tokOf
	tokAll
	tokThem
	tokNumber
	tokIdent
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of condition"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	}
	return "'" + t.text + "'"
}

// isIdentRune reports whether r may appear in a search identifier or a
// pattern: letters, digits, '_', '-', '.', and the wildcard '*'.
func isIdentRune(r rune) bool {
	return r == '_' || r == '-' || r == '.' || r == '*' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func tokenize(s string) ([]token, *ConditionError) {
	var toks []token
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += n
		case r == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case r == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case isIdentRune(r):
			start := i
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if !isIdentRune(r) {
					break
				}
				i += n
			}
			word := s[start:i]
			kind := tokIdent
			switch strings.ToLower(word) {
			case "and":
				kind = tokAnd
			case "or":
				kind = tokOr
			case "not":
				kind = tokNot
			case "of":
				kind = tokOf
			case "all":
				kind = tokAll
			case "them":
				kind = tokThem
			default:
				if allDigits(word) {
					kind = tokNumber
				}
			}
			toks = append(toks, token{kind, word, start})
		default:
			return nil, &ConditionError{Condition: s, Pos: i, Reason: "unexpected character " + quoteRune(r)}
		}
	}
	toks = append(toks, token{tokEOF, "", len(s)})
	return toks, nil
}

func quoteRune(r rune) string {
	if r == utf8.RuneError {
		return "(invalid UTF-8)"
	}
	return "'" + string(r) + "'"
}

type condParser struct {
	src   string
	toks  []token
	i     int
	depth int
}

// ParseCondition parses a Sigma condition expression:
//
//	expr    = and { "or" and }
//	and     = unary { "and" unary }
//	unary   = "not" unary | primary
//	primary = "(" expr ")" | ( "1" | "all" ) "of" ( pattern | "them" ) | identifier
//
// so that not binds tighter than and, and and tighter than or. Keywords are
// matched without regard to case. Identifiers consist of letters, digits,
// '_', '-' and '.'; patterns may also contain '*'. The deprecated aggregation
// syntax ("| count() by x > 5", "near") is reported as an
// *UnsupportedError; anything else that does not parse is a
// *ConditionError. ParseCondition does not check that identifiers exist; Parse
// does that against the rule's search identifiers.
func ParseCondition(s string) (Expr, error) {
	if i := strings.IndexByte(s, '|'); i >= 0 {
		return nil, &UnsupportedError{Construct: "aggregation in condition",
			Detail: fmt.Sprintf("'|' at offset %d: aggregation expressions are deprecated Sigma; use a correlation rule", i)}
	}
	toks, cerr := tokenize(s)
	if cerr != nil {
		return nil, cerr
	}
	p := &condParser{src: s, toks: toks}
	if p.peek().kind == tokEOF {
		return nil, p.errAt(p.peek(), "empty condition")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.kind {
	case tokEOF:
		return e, nil
	default:
		if t.kind == tokIdent && strings.EqualFold(t.text, "near") {
			return nil, &UnsupportedError{Construct: "near in condition", Detail: "deprecated Sigma; use a temporal correlation rule"}
		}
		return nil, p.errAt(t, "unexpected "+t.describe()+" (expected and, or or the end)")
	}
}

func (p *condParser) peek() token { return p.toks[p.i] }

func (p *condParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *condParser) errAt(t token, reason string) *ConditionError {
	return &ConditionError{Condition: p.src, Pos: t.pos, Reason: reason}
}

func (p *condParser) enter(t token) error {
	p.depth++
	if p.depth > maxConditionDepth {
		return p.errAt(t, "nested too deeply")
	}
	return nil
}

func (p *condParser) parseOr() (Expr, error) {
	x, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	xs := []Expr{x}
	for p.peek().kind == tokOr {
		p.next()
		y, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	if len(xs) == 1 {
		return x, nil
	}
	return &Or{Xs: xs}, nil
}

func (p *condParser) parseAnd() (Expr, error) {
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	xs := []Expr{x}
	for p.peek().kind == tokAnd {
		p.next()
		y, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	if len(xs) == 1 {
		return x, nil
	}
	return &And{Xs: xs}, nil
}

func (p *condParser) parseUnary() (Expr, error) {
	t := p.peek()
	if t.kind != tokNot {
		return p.parsePrimary()
	}
	p.next()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	x, err := p.parseUnary()
	p.depth--
	if err != nil {
		return nil, err
	}
	return &Not{X: x, Pos: t.pos}, nil
}

func (p *condParser) parsePrimary() (Expr, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		if err := p.enter(t); err != nil {
			return nil, err
		}
		x, err := p.parseOr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, p.errAt(c, "expected ')' to close the '(' at offset "+strconv.Itoa(t.pos)+", found "+c.describe())
		}
		return x, nil
	case tokNumber, tokAll:
		if t.kind == tokNumber && t.text != "1" {
			return nil, p.errAt(t, "only '1 of' and 'all of' are defined, not '"+t.text+" of'")
		}
		if of := p.next(); of.kind != tokOf {
			return nil, p.errAt(of, "expected 'of' after '"+t.text+"', found "+of.describe())
		}
		q := &Quantifier{All: t.kind == tokAll, Pos: t.pos}
		target := p.next()
		switch target.kind {
		case tokThem:
			q.Them = true
		case tokIdent, tokNumber:
			q.Pattern = target.text
		default:
			return nil, p.errAt(target, "expected a search identifier pattern or 'them' after 'of', found "+target.describe())
		}
		return q, nil
	case tokIdent:
		if strings.Contains(t.text, "*") {
			return nil, p.errAt(t, "wildcard identifier '"+t.text+"' is only allowed after '1 of' or 'all of'")
		}
		return &Ident{Name: t.text, Pos: t.pos}, nil
	case tokEOF:
		return nil, p.errAt(t, "unexpected end of condition (expected a search identifier, 'not', '(' or '1 of'/'all of')")
	}
	return nil, p.errAt(t, "unexpected "+t.describe()+" (expected a search identifier, 'not', '(' or '1 of'/'all of')")
}

// matchPattern reports whether name matches a search identifier pattern in
// which '*' stands for any run of characters. Matching is case-sensitive,
// like identifiers.
func matchPattern(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(name, mid)
		if i < 0 {
			return false
		}
		name = name[i+len(mid):]
	}
	return len(name) >= len(last) && strings.HasSuffix(name, last)
}
