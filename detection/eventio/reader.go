package eventio

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Record is one event read from the input.
type Record struct {
	// Object is the event, decoded as json.Decoder.UseNumber would: numbers are
	// json.Number, nested objects map[string]any, arrays []any.
	Object map[string]any
	// File is the name given to NewReader.
	File string
	// Line is the 1-based line on which the object's '{' stands.
	Line int
	// Index is the 0-based position of the object among the input's events:
	// the top-level values, or the elements of a top-level array. Values
	// that failed to decode count too, so the index of a later event does
	// not depend on whether an earlier one was well formed.
	Index int
}

// Format is the layout of the input, known once Next has read the first
// value.
type Format uint8

// The formats, told apart by the first byte that is not white space.
const (
	FormatUnknown      Format = iota // nothing read yet, or an empty input
	FormatNDJSON                     // objects, the first of them on one line
	FormatConcatenated               // objects, the first spanning several lines
	FormatArray                      // a JSON array of objects
)

// String returns "unknown", "ndjson", "concatenated" or "array".
func (f Format) String() string {
	switch f {
	case FormatNDJSON:
		return "ndjson"
	case FormatConcatenated:
		return "concatenated"
	case FormatArray:
		return "array"
	}
	return "unknown"
}

// DefaultMaxObjectSize is the largest object, in bytes, a Reader accepts
// unless told otherwise with SetMaxObjectSize.
const DefaultMaxObjectSize = 64 << 20

// SyntaxError is malformed input, located in the input.
type SyntaxError struct {
	File   string // the name given to NewReader
	Line   int    // 1-based
	Column int    // 1-based, counted in bytes; 0 when unknown
	Reason string // what is wrong, in words
}

// Error returns "file:line:column: reason", leaving out the parts that are
// unknown.
func (e *SyntaxError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	b.WriteString(strconv.Itoa(e.Line))
	if e.Column > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Column))
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// errTooLarge is what frame returns for an object over the size limit.
var errTooLarge = errors.New("eventio: object too large")

// state is where the reader stands in the grammar of its input.
type state uint8

const (
	stTop        state = iota // between top-level values
	stArrayFirst              // just after '[': an element or ']'
	stArrayNext               // after an element: ',' or ']'
	stArrayElem               // after ',': an element
)

// breakKind says why frame stopped before the end of a value.
type breakKind uint8

const (
	unbroken     breakKind = iota
	brokenString           // a line ended inside a string
	brokenLine             // NDJSON: a line starting with '{' began inside an object
)

// framing is the extent of one value found by frame.
type framing struct {
	n      int // bytes of the value from r.pos (up to the break when broken)
	nl     int // newlines among those bytes
	lastNL int // index (from r.pos) of the last of them, -1 if none
	broken breakKind
}

// Reader reads events from an input. It is not safe for concurrent use.
type Reader struct {
	src  io.Reader
	name string
	max  int

	buf      []byte
	pos, end int   // buf[pos:end] is read but not consumed
	off      int64 // input offset of buf[0]
	line     int   // line of buf[pos]
	lineOff  int64 // input offset where that line starts
	eof      bool
	rerr     error // read error, reported once the buffer is used up
	started  bool
	state    state
	format   Format
	index    int
	fatal    error
	dec      decoder
	arrayTop int // line of the '[' of the open array
}

// NewReader returns a Reader of the events in r; name (a file name, or
// "-" for stdin) is copied into every Record and error.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{src: r, name: name, max: DefaultMaxObjectSize, line: 1}
}

// SetMaxObjectSize sets the largest object, in bytes, the reader accepts;
// a larger one is a final *SyntaxError. n <= 0 restores the default.
func (r *Reader) SetMaxObjectSize(n int) {
	if n <= 0 {
		n = DefaultMaxObjectSize
	}
	r.max = n
}

// Format returns the input's format, FormatUnknown until the first value has
// been read.
func (r *Reader) Format() Format { return r.format }

// Next returns the next event. At the end of the input it returns io.EOF.
// Malformed input gives a *SyntaxError; unless the error is final (see the
// package doc) the next call goes on with the following value. An error
// of the underlying reader is returned wrapped, and is final.
func (r *Reader) Next() (Record, error) {
	if r.fatal != nil {
		return Record{}, r.fatal
	}
	if !r.started {
		r.started = true
		if err := r.start(); err != nil {
			return Record{}, r.fail(err)
		}
	}
	for {
		c, ok, err := r.skipSpace()
		if err != nil {
			return Record{}, r.fail(err)
		}
		if !ok {
			if r.state != stTop {
				return Record{}, r.fail(r.syntaxError(r.line, r.col(),
					fmt.Sprintf("end of input inside the array opened on line %d: want ']'", r.arrayTop)))
			}
			return Record{}, io.EOF
		}
		switch r.state {
		case stTop:
			if c == '[' {
				if r.format == FormatUnknown {
					r.format = FormatArray
				}
				r.arrayTop = r.line
				r.pos++
				r.state = stArrayFirst
				continue
			}
			return r.value(false)
		case stArrayFirst:
			if c == ']' {
				r.pos++
				r.state = stTop
				continue
			}
			r.state = stArrayNext
			return r.value(true)
		case stArrayNext:
			switch c {
			case ',':
				r.pos++
				r.state = stArrayElem
				continue
			case ']':
				r.pos++
				r.state = stTop
				continue
			}
			return Record{}, r.fail(r.syntaxError(r.line, r.col(),
				fmt.Sprintf("invalid character %s after an array element: want ',' or ']'", quoteChar(c))))
		case stArrayElem:
			if c == ']' {
				line, col := r.line, r.col()
				r.pos++
				r.state = stTop
				return Record{}, r.syntaxError(line, col, "']' after ',': an array element is missing")
			}
			r.state = stArrayNext
			return r.value(true)
		}
	}
}

// value reads the value at r.pos, which is not white space.
func (r *Reader) value(inArray bool) (Record, error) {
	line, col := r.line, r.col()
	index := r.index
	r.index++
	c := r.buf[r.pos]
	ndjson := r.format == FormatNDJSON && !inArray
	if c == '{' {
		// Fast path: decode straight from the buffer; only when the object
		// runs past it, read up to its end and decode again.
		m, n, err := r.dec.decodeObject(r.buf[r.pos:r.end])
		if errors.Is(err, errShort) && !r.eof && r.rerr == nil {
			if f, ferr := r.frame(c, ndjson); ferr == nil && f.broken == unbroken {
				m, n, err = r.dec.decodeObject(r.buf[r.pos : r.pos+f.n])
			}
		}
		if err == nil {
			if !inArray && r.format == FormatUnknown {
				r.format = FormatNDJSON
				if r.dec.nl > 0 {
					r.format = FormatConcatenated
				}
			}
			r.consume(framing{n: n, nl: r.dec.nl, lastNL: r.dec.lastNL})
			return Record{Object: m, File: r.name, Line: line, Index: index}, nil
		}
	}

	// Slow path: find where the value ends, to report it and go on after it.
	f, err := r.frame(c, ndjson)
	switch {
	case errors.Is(err, io.EOF):
		return Record{}, r.fail(r.syntaxError(line, col,
			fmt.Sprintf("end of input inside the %s that starts here", kind(c))))
	case errors.Is(err, errTooLarge):
		return Record{}, r.fail(r.syntaxError(line, col,
			fmt.Sprintf("object larger than %d bytes (the limit)", r.max)))
	case err != nil:
		return Record{}, r.fail(err)
	}
	if !inArray && r.format == FormatUnknown && c == '{' {
		r.format = FormatNDJSON
		if f.nl > 0 || f.broken != unbroken {
			r.format = FormatConcatenated
		}
	}
	start := r.pos
	r.consume(f)
	switch f.broken {
	case brokenString:
		bl, bc := r.line, int(r.off+int64(start+f.n)-r.lineOff)+1
		return Record{}, r.syntaxError(bl, bc, "end of line inside a string")
	case brokenLine:
		return Record{}, r.syntaxError(line, col,
			fmt.Sprintf("object not closed before line %d, where the next one starts", r.line))
	}
	if c != '{' {
		where := "top-level value"
		if inArray {
			where = "array element"
		}
		if kind(c) == "invalid value" {
			return Record{}, r.syntaxError(line, col,
				fmt.Sprintf("invalid character %s where a %s should start: want an object", quoteChar(c), where))
		}
		return Record{}, r.syntaxError(line, col,
			fmt.Sprintf("%s is %s %s: want an object", where, article(c), kind(c)))
	}
	// An object the decoder rejects: say where. (Its bytes stay in the
	// buffer until the next read.)
	obj := r.buf[start : start+f.n]
	m, _, derr := r.dec.decodeObject(obj)
	if derr == nil {
		return Record{Object: m, File: r.name, Line: line, Index: index}, nil
	}
	at, reason := len(obj)-1, "object ends too early"
	var pe *parseError
	if errors.As(derr, &pe) {
		at, reason = pe.off, pe.msg
	}
	for i := range at {
		if obj[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return Record{}, r.syntaxError(line, col, reason)
}

// frame finds the end of the value starting with c at r.pos, reading more
// input as needed. It returns io.EOF if the input ends inside a value
// (other than a bare scalar), errTooLarge past the size limit, or a read
// error. ndjson enables the recovery rule for objects that run into the next
// line starting with '{'.
func (r *Reader) frame(c byte, ndjson bool) (framing, error) {
	f := framing{lastNL: -1}
	i := 1
	depth := 0
	inStr, esc, afterNL := false, false, false
	switch c {
	case '{', '[':
		depth = 1
	case '"':
		inStr = true
	}
	for {
		b := r.buf[r.pos:r.end]
		for ; i < len(b); i++ {
			ch := b[i]
			if inStr {
				if esc {
					esc = false
					continue
				}
				switch ch {
				case '\\':
					esc = true
				case '"':
					inStr = false
					if depth == 0 {
						f.n = i + 1
						return f, nil
					}
				case '\n':
					f.n = i
					f.broken = brokenString
					return f, nil
				}
				continue
			}
			if depth == 0 { // a bare scalar: ends at a delimiter
				switch ch {
				case ' ', '\t', '\r', '\n', ',', ']', '}', '[', '{', '"':
					f.n = i
					return f, nil
				}
				continue
			}
			if afterNL {
				afterNL = false
				if ch == '{' && ndjson {
					f.n = i
					f.broken = brokenLine
					return f, nil
				}
			}
			switch ch {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					f.n = i + 1
					return f, nil
				}
			case '\n':
				f.nl++
				f.lastNL = i
				afterNL = true
			}
		}
		if i > r.max {
			return f, errTooLarge
		}
		if err := r.fill(); err != nil {
			if errors.Is(err, io.EOF) && depth == 0 && !inStr {
				f.n = i // a scalar ending the input
				return f, nil
			}
			return f, err
		}
	}
}

// consume moves past the framed bytes, keeping the line count.
func (r *Reader) consume(f framing) {
	if f.nl > 0 {
		r.line += f.nl
		r.lineOff = r.off + int64(r.pos+f.lastNL+1)
	}
	r.pos += f.n
}

// skipSpace moves past white space and returns the next byte, or ok false at
// the end of the input.
func (r *Reader) skipSpace() (c byte, ok bool, err error) {
	for {
		for r.pos < r.end {
			switch c := r.buf[r.pos]; c {
			case ' ', '\t', '\r':
				r.pos++
			case '\n':
				r.pos++
				r.line++
				r.lineOff = r.off + int64(r.pos)
			default:
				return c, true, nil
			}
		}
		if err := r.fill(); err != nil {
			if errors.Is(err, io.EOF) {
				return 0, false, nil
			}
			return 0, false, err
		}
	}
}

// fill reads more input after buf[end], moving the unconsumed bytes to the
// front and growing the buffer when they fill it. It returns io.EOF when the
// input is exhausted.
func (r *Reader) fill() error {
	if r.rerr != nil {
		return r.rerr
	}
	if r.eof {
		return io.EOF
	}
	if r.pos > 0 {
		n := copy(r.buf, r.buf[r.pos:r.end])
		r.off += int64(r.pos)
		r.pos, r.end = 0, n
	}
	if r.end == len(r.buf) {
		size := max(2*len(r.buf), 64<<10)
		nb := make([]byte, size)
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	for range 100 {
		n, err := r.src.Read(r.buf[r.end:])
		r.end += n
		if err != nil {
			if errors.Is(err, io.EOF) {
				r.eof = true
			} else {
				r.rerr = fmt.Errorf("eventio: read %s: %w", r.name, err)
			}
			if n > 0 {
				return nil
			}
			return r.fill()
		}
		if n > 0 {
			return nil
		}
	}
	r.rerr = fmt.Errorf("eventio: read %s: %w", r.name, io.ErrNoProgress)
	return r.rerr
}

// start handles a byte order mark: UTF-8's is skipped, UTF-16 input is
// converted to UTF-8.
func (r *Reader) start() error {
	for r.end < 3 && !r.eof && r.rerr == nil {
		if err := r.fill(); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
	}
	b := r.buf[:r.end]
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		r.pos = 3
		r.lineOff = 3
	case len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF):
		rest := append([]byte(nil), b[2:]...)
		var src io.Reader = &prefixReader{b: rest, r: r.src}
		if r.eof {
			src = &prefixReader{b: rest}
		}
		r.src = newUTF16Reader(src, b[0] == 0xFE)
		r.pos, r.end, r.eof = 0, 0, false
	}
	return nil
}

func (r *Reader) col() int { return int(r.off+int64(r.pos)-r.lineOff) + 1 }

func (r *Reader) syntaxError(line, col int, reason string) *SyntaxError {
	return &SyntaxError{File: r.name, Line: line, Column: col, Reason: reason}
}

// fail makes err final.
func (r *Reader) fail(err error) error {
	r.fatal = err
	return err
}

// prefixReader reads b, then r (if any).
type prefixReader struct {
	b []byte
	r io.Reader
}

func (p *prefixReader) Read(q []byte) (int, error) {
	if len(p.b) > 0 {
		n := copy(q, p.b)
		p.b = p.b[n:]
		return n, nil
	}
	if p.r == nil {
		return 0, io.EOF
	}
	return p.r.Read(q)
}

func kind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "number"
	}
	return "invalid value"
}

func article(c byte) string {
	switch kind(c) {
	case "object", "array", "invalid value":
		return "an"
	}
	return "a"
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("0x%02x", c)
	}
	return "'" + string(c) + "'"
}
