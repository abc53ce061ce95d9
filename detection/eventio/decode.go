package eventio

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// decoder turns one JSON object, held whole in memory, into the values
// encoding/json gives with UseNumber (map[string]any, []any, string,
// json.Number, bool, nil), in a single pass. It also counts the newlines it
// crosses. Object keys are interned: the same names recur in every event.
//
// Its results equal encoding/json's, including its repairs of text (invalid
// UTF-8 and lone surrogates become U+FFFD); FuzzDecodeMatchesStdlib checks
// that.
type decoder struct {
	data   []byte
	i      int
	nl     int // newlines crossed
	lastNL int // index of the last one, -1 if none
	depth  int
	hint   int // keys in the last top-level object: the next one's size
	keys   map[string]string
	buf    []byte // scratch for strings with escapes

	// The previous top-level object's keys and short string values by
	// position: events of one source repeat both in the same order, and a
	// byte comparison is cheaper than a hash lookup or an allocation.
	prevKeys []string
	prevVals []string
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// maxInterned bounds the intern table (and the length of a key in it).
const (
	maxInterned   = 4096
	maxInternSize = 128
)

// errShort means the data ended inside the object.
var errShort = errors.New("eventio: data ends inside the object")

// parseError is malformed JSON at data[off].
type parseError struct {
	off int
	msg string
}

func (e *parseError) Error() string { return e.msg }

// decodeObject decodes the object at the start of data. It returns the
// object and the number of bytes it spans, errShort if data ends first, or a
// *parseError.
func (d *decoder) decodeObject(data []byte) (map[string]any, int, error) {
	d.data, d.i, d.nl, d.lastNL, d.depth = data, 0, 0, -1, 0
	if d.keys == nil {
		d.keys = make(map[string]string, 256)
	}
	if len(data) == 0 || data[0] != '{' {
		return nil, 0, d.fail(0, "want '{'")
	}
	d.i = 1
	m, err := d.object(d.hint, true)
	if err != nil {
		return nil, 0, err
	}
	d.hint = len(m)
	return m, d.i, nil
}

func (d *decoder) fail(off int, msg string) error {
	if off >= len(d.data) {
		return errShort
	}
	return &parseError{off: off, msg: msg}
}

func (d *decoder) unexpected(what string) error {
	if d.i >= len(d.data) {
		return errShort
	}
	return &parseError{off: d.i, msg: fmt.Sprintf("invalid character %s %s", quoteChar(d.data[d.i]), what)}
}

// space skips white space, counting newlines.
func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\r':
		case '\n':
			d.nl++
			d.lastNL = d.i
		default:
			return
		}
		d.i++
	}
}

// object decodes the members of an object whose '{' has been consumed.
func (d *decoder) object(hint int, top bool) (map[string]any, error) {
	d.depth++
	if d.depth > maxDepth {
		return nil, d.fail(d.i, "exceeded max depth")
	}
	m := make(map[string]any, hint)
	d.space()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		d.depth--
		return m, nil
	}
	for j := 0; ; j++ {
		if d.i >= len(d.data) {
			return nil, errShort
		}
		if d.data[d.i] != '"' {
			return nil, d.unexpected("looking for beginning of object key string")
		}
		d.i++
		var k string
		var err error
		if top {
			k, err = d.topKey(j)
		} else {
			k, err = d.key()
		}
		if err != nil {
			return nil, err
		}
		d.space()
		if d.i >= len(d.data) {
			return nil, errShort
		}
		if d.data[d.i] != ':' {
			return nil, d.unexpected("after object key")
		}
		d.i++
		d.space()
		var v any
		if top && d.i < len(d.data) && d.data[d.i] == '"' {
			d.i++
			v, err = d.topStr(j)
		} else {
			v, err = d.value()
		}
		if err != nil {
			return nil, err
		}
		m[k] = v
		d.space()
		if d.i >= len(d.data) {
			return nil, errShort
		}
		switch d.data[d.i] {
		case ',':
			d.i++
			d.space()
		case '}':
			d.i++
			d.depth--
			return m, nil
		default:
			return nil, d.unexpected("after object key:value pair")
		}
	}
}

func (d *decoder) array() ([]any, error) {
	d.depth++
	if d.depth > maxDepth {
		return nil, d.fail(d.i, "exceeded max depth")
	}
	a := []any{}
	d.space()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		d.depth--
		return a, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.space()
		if d.i >= len(d.data) {
			return nil, errShort
		}
		switch d.data[d.i] {
		case ',':
			d.i++
			d.space()
		case ']':
			d.i++
			d.depth--
			return a, nil
		default:
			return nil, d.unexpected("after array element")
		}
	}
}

// value decodes the value at d.i, which is not white space.
func (d *decoder) value() (any, error) {
	if d.i >= len(d.data) {
		return nil, errShort
	}
	switch c := d.data[d.i]; c {
	case '"':
		d.i++
		return d.str()
	case '{':
		d.i++
		return d.object(0, false)
	case '[':
		d.i++
		return d.array()
	case 't':
		return d.literal("true", true)
	case 'f':
		return d.literal("false", false)
	case 'n':
		return d.literal("null", nil)
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return d.number()
		}
		return nil, d.unexpected("looking for beginning of value")
	}
}

func (d *decoder) literal(word string, v any) (any, error) {
	for j := 1; j < len(word); j++ {
		k := d.i + j
		if k >= len(d.data) {
			return nil, errShort
		}
		if d.data[k] != word[j] {
			d.i = k
			return nil, d.unexpected("in literal " + word + " (expecting " + quoteChar(word[j]) + ")")
		}
	}
	d.i += len(word)
	return v, nil
}

// number scans a number by JSON's grammar and returns it as a json.Number.
func (d *decoder) number() (any, error) {
	data, start := d.data, d.i
	i := d.i
	if data[i] == '-' {
		i++
	}
	digits := func(what string) error {
		if i >= len(data) {
			return errShort
		}
		if data[i] < '0' || data[i] > '9' {
			d.i = i
			return d.unexpected(what)
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return nil
	}
	if i >= len(data) {
		return nil, errShort
	}
	if data[i] == '0' {
		i++
	} else if err := digits("in numeric literal"); err != nil {
		return nil, err
	}
	if i < len(data) && data[i] == '.' {
		i++
		if err := digits("after decimal point in numeric literal"); err != nil {
			return nil, err
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if err := digits("in exponent of numeric literal"); err != nil {
			return nil, err
		}
	}
	if i >= len(data) { // the object's '}' must still follow
		return nil, errShort
	}
	d.i = i
	return json.Number(data[start:i]), nil
}

// key decodes an object key (after its '"'), interning it.
func (d *decoder) key() (string, error) {
	start := d.i
	end, plain, err := d.scanString()
	if err != nil {
		return "", err
	}
	if !plain {
		return d.unquote(start)
	}
	b := d.data[start:end]
	d.i = end + 1
	if s, ok := d.keys[string(b)]; ok {
		return s, nil
	}
	s := string(b)
	if len(d.keys) < maxInterned && len(s) <= maxInternSize {
		d.keys[s] = s
	}
	return s, nil
}

// topKey is key for the j-th member of a top-level object.
func (d *decoder) topKey(j int) (string, error) {
	start := d.i
	end, plain, err := d.scanString()
	if err != nil || !plain || j >= len(d.prevKeys) || d.prevKeys[j] != string(d.data[start:end]) {
		if err == nil {
			d.i = start
			var k string
			k, err = d.key()
			if err == nil {
				d.remember(&d.prevKeys, j, k)
			}
			return k, err
		}
		return "", err
	}
	d.i = end + 1
	return d.prevKeys[j], nil
}

// topStr is str for the value of the j-th member of a top-level object.
func (d *decoder) topStr(j int) (any, error) {
	start := d.i
	end, plain, err := d.scanString()
	if err != nil {
		return nil, err
	}
	if !plain {
		return d.unquote(start)
	}
	d.i = end + 1
	b := d.data[start:end]
	if j < len(d.prevVals) && d.prevVals[j] == string(b) {
		return d.prevVals[j], nil
	}
	s := string(b)
	if len(s) <= 64 {
		d.remember(&d.prevVals, j, s)
	}
	return s, nil
}

func (d *decoder) remember(list *[]string, j int, s string) {
	if j >= maxInterned {
		return
	}
	for len(*list) <= j {
		*list = append(*list, "")
	}
	(*list)[j] = s
}

// str decodes a string value (after its '"').
func (d *decoder) str() (any, error) {
	start := d.i
	end, plain, err := d.scanString()
	if err != nil {
		return nil, err
	}
	if !plain {
		return d.unquote(start)
	}
	d.i = end + 1
	return string(d.data[start:end]), nil
}

// scanString finds the closing quote of the string starting at d.i. plain
// reports that the text needs no decoding: no escapes, valid UTF-8.
func (d *decoder) scanString() (end int, plain bool, err error) {
	data := d.data
	for i := d.i; i < len(data); {
		for i+8 <= len(data) && !special8(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		if i >= len(data) {
			break
		}
		c := data[i]
		switch {
		case c == '"':
			return i, true, nil
		case c == '\\':
			return 0, false, nil
		case c < 0x20:
			d.i = i
			return 0, false, d.unexpected("in string literal")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				if !utf8.FullRune(data[i:]) {
					return 0, false, errShort
				}
				return 0, false, nil // invalid UTF-8: repaired by unquote
			}
			i += size
		}
	}
	return 0, false, errShort
}

// unquote decodes the string starting at start (after its '"') that has
// escapes or invalid UTF-8, leaving d.i after its closing quote.
func (d *decoder) unquote(start int) (string, error) {
	data := d.data
	b := d.buf[:0]
	i := start
	for {
		if i >= len(data) {
			return "", errShort
		}
		c := data[i]
		switch {
		case c == '"':
			d.i = i + 1
			d.buf = b
			return string(b), nil
		case c == '\\':
			i++
			if i >= len(data) {
				return "", errShort
			}
			switch e := data[i]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i++
			case 'b':
				b = append(b, '\b')
				i++
			case 'f':
				b = append(b, '\f')
				i++
			case 'n':
				b = append(b, '\n')
				i++
			case 'r':
				b = append(b, '\r')
				i++
			case 't':
				b = append(b, '\t')
				i++
			case 'u':
				r, n, err := d.hex4(i + 1)
				if err != nil {
					return "", err
				}
				i += 1 + n
				if utf16.IsSurrogate(r) {
					if i+1 >= len(data) {
						return "", errShort
					}
					if data[i] == '\\' && data[i+1] == 'u' {
						r2, n2, err := d.hex4(i + 2)
						if err != nil {
							return "", err
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 2 + n2
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				d.i = i
				return "", d.unexpected("in string escape code")
			}
		case c < 0x20:
			d.i = i
			return "", d.unexpected("in string literal")
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 && !utf8.FullRune(data[i:]) {
				return "", errShort
			}
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
}

// hex4 reads the four hex digits of a \u escape at data[i:].
func (d *decoder) hex4(i int) (rune, int, error) {
	if i+4 > len(d.data) {
		for j := i; j < len(d.data); j++ {
			if !isHex(d.data[j]) {
				d.i = j
				return 0, 0, d.unexpected("in \\u hexadecimal character escape")
			}
		}
		return 0, 0, errShort
	}
	var r rune
	for j := i; j < i+4; j++ {
		c := d.data[j]
		if !isHex(c) {
			d.i = j
			return 0, 0, d.unexpected("in \\u hexadecimal character escape")
		}
		r = r<<4 | unhex(c)
	}
	return r, 4, nil
}

// special8 reports whether any of the 8 bytes in x may be '"', '\\', a
// control character or non-ASCII. It may report true for none (a borrow
// from a lower byte), never false for one.
func special8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lo * '"')
	b := x ^ (lo * '\\')
	return ((q-lo)&^q|(b-lo)&^b|(x-lo*0x20)&^x|x)&hi != 0
}

func unhex(c byte) rune {
	switch {
	case c <= '9':
		return rune(c - '0')
	case c >= 'a':
		return rune(c - 'a' + 10)
	}
	return rune(c - 'A' + 10)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
