package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/socledger/socledger/domain"
)

// ParseError reports what is wrong in a tenant calendar file. It matches
// domain.ErrInvalid with errors.Is.
type ParseError struct {
	// Calendar is the calendar's name: Parse's argument, else the file's.
	Calendar string
	// Line is the 1-based line of the text format (or of a JSON syntax
	// error); 0 when not known.
	Line int
	// Field names the entry and field: "dates[2].date", "except[0]",
	// "extends", "name" (JSON), or "date", "name", "extends", "except" on a
	// text line.
	Field string
	// Value is the offending value, when there is one.
	Value  string
	Reason string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "calendar %q: ", e.Calendar)
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	if e.Value != "" {
		fmt.Fprintf(&b, "%q: ", e.Value)
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Is makes errors.Is(err, domain.ErrInvalid) true.
func (e *ParseError) Is(target error) bool { return target == domain.ErrInvalid }

// calendarName is the pattern of a calendar name (as tenant.Profile's
// holidayCalendarRef).
var calendarName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// maxHolidayName bounds a holiday's name, in bytes.
const maxHolidayName = 200

// entry is one parsed line or JSON element, with where it came from.
type entry struct {
	line  int    // text line, or 0
	where string // field path for JSON ("dates[1]"), "" for text
	date  Date
	name  string
}

// field names f of e for an error: "dates[1].date" for JSON, "date" for
// text.
func (e entry) field(f string) string {
	if e.where == "" {
		return f
	}
	return e.where + "." + f
}

// pos says where e is, for "duplicate of …" messages.
func (e entry) pos() string {
	if e.where != "" {
		return e.where
	}
	return "line " + strconv.Itoa(e.line)
}

// draft is a parsed file before validation against the national calendar.
type draft struct {
	extends     string
	extendsLine int
	dates       []entry
	except      []entry
}

func parse(name string, data []byte) (*Holidays, error) {
	fail := func(line int, field, value, reason string) error {
		return &ParseError{Calendar: name, Line: line, Field: field, Value: value, Reason: reason}
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var (
		d   draft
		err error
	)
	if t := bytes.TrimLeftFunc(data, unicode.IsSpace); len(t) > 0 && t[0] == '{' {
		var fileName string
		fileName, d, err = parseJSON(name, data)
		if err != nil {
			return nil, err
		}
		switch {
		case name == "":
			name = fileName
		case fileName != "" && fileName != name:
			return nil, fail(0, "name", fileName, fmt.Sprintf("differs from the calendar's name %q", name))
		}
	} else if d, err = parseText(name, data); err != nil {
		return nil, err
	}
	if !calendarName.MatchString(name) {
		return nil, fail(0, "name", name, "want a calendar name such as DE-BY (letters, digits, _ . -; at most 64)")
	}

	h := &Holidays{Name: name, added: map[Date]string{}}
	var base *Holidays
	if d.extends != "" {
		var ok bool
		if base, ok = National(d.extends); !ok {
			return nil, fail(d.extendsLine, "extends", d.extends,
				"not a built-in national calendar (want one of "+strings.Join(NationalCodes(), ", ")+")")
		}
		h.rules = base.rules
	}
	seen := map[Date]entry{}
	for _, e := range d.dates {
		if prev, dup := seen[e.date]; dup {
			return nil, fail(e.line, e.field("date"), e.date.String(), "duplicate of "+prev.pos())
		}
		seen[e.date] = e
		h.added[e.date] = e.name
	}
	for _, e := range d.except {
		field := e.where // "except[i]" (JSON)
		if field == "" {
			field = "except"
		}
		if prev, dup := seen[e.date]; dup {
			return nil, fail(e.line, field, e.date.String(), "duplicate of "+prev.pos())
		}
		seen[e.date] = e
		if base == nil {
			return nil, fail(e.line, field, e.date.String(), "except needs extends (it removes a national holiday)")
		}
		if _, ok := base.Holiday(e.date); !ok {
			return nil, fail(e.line, field, e.date.String(), "not a holiday of "+base.Name)
		}
		if h.removed == nil {
			h.removed = map[Date]bool{}
		}
		h.removed[e.date] = true
	}
	return h, nil
}

// checkName validates a holiday's name and returns it trimmed.
func checkName(s string) (string, string) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "missing (want the holiday's name)"
	case len(s) > maxHolidayName:
		return "", fmt.Sprintf("longer than %d bytes", maxHolidayName)
	case !utf8.ValidString(s):
		return "", "not valid UTF-8"
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", "contains a control character"
	}
	return s, ""
}

// dateReason turns a ParseDate error into a ParseError reason.
func dateReason(err error) string {
	if errors.Is(err, ErrDate) {
		msg := "not a date YYYY-MM-DD"
		if _, detail, ok := strings.Cut(err.Error(), ErrDate.Error()+": "); ok {
			msg += " (" + detail + ")"
		}
		return msg
	}
	return err.Error()
}

func parseText(name string, data []byte) (draft, error) {
	fail := func(line int, field, value, reason string) error {
		return &ParseError{Calendar: name, Line: line, Field: field, Value: value, Reason: reason}
	}
	var d draft
	for i, raw := range strings.Split(string(data), "\n") {
		line := i + 1
		s := strings.TrimSpace(raw)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Fields(s)
		first := fields[0]
		rest := strings.TrimSpace(s[len(first):])
		switch first {
		case "extends":
			if d.extendsLine > 0 {
				return d, fail(line, "extends", rest, "given twice (also line "+strconv.Itoa(d.extendsLine)+")")
			}
			if len(fields) != 2 {
				return d, fail(line, "extends", rest, "want extends CODE, e.g. extends DE")
			}
			d.extends, d.extendsLine = canonicalCode(fields[1]), line
		case "except":
			if len(fields) < 2 {
				return d, fail(line, "except", "", "want except YYYY-MM-DD")
			}
			date, err := ParseDate(fields[1])
			if err != nil {
				return d, fail(line, "except", fields[1], dateReason(err))
			}
			d.except = append(d.except, entry{line: line, date: date})
		default:
			if first[0] < '0' || first[0] > '9' {
				return d, fail(line, "", s, "want YYYY-MM-DD name, extends CODE or except YYYY-MM-DD")
			}
			date, err := ParseDate(first)
			if err != nil {
				return d, fail(line, "date", first, dateReason(err))
			}
			n, reason := checkName(rest)
			if reason != "" {
				return d, fail(line, "name", rest, reason)
			}
			d.dates = append(d.dates, entry{line: line, date: date, name: n})
		}
	}
	return d, nil
}

// jsonFile is the JSON format of a tenant calendar.
type jsonFile struct {
	Name    string      `json:"name"`
	Extends string      `json:"extends"`
	Dates   []jsonEntry `json:"dates"`
	Except  []string    `json:"except"`
}

type jsonEntry struct {
	Date string `json:"date"`
	Name string `json:"name"`
}

func parseJSON(name string, data []byte) (string, draft, error) {
	fail := func(line int, field, value, reason string) error {
		return &ParseError{Calendar: name, Line: line, Field: field, Value: value, Reason: reason}
	}
	var (
		f jsonFile
		d draft
	)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return "", d, fail(lineAt(data, syn.Offset), "", "", "invalid JSON: "+syn.Error())
		case errors.As(err, &typ):
			return "", d, fail(lineAt(data, typ.Offset), typ.Field, "", "want a JSON "+typ.Type.Kind().String()+", not "+typ.Value)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return "", d, fail(lineAt(data, int64(len(data))), "", "", "invalid JSON: unexpected end")
		default: // e.g. an unknown field, reported once the object is read
			return "", d, fail(0, "", "", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", d, fail(lineAt(data, dec.InputOffset()), "", "", "invalid JSON: data after the calendar object")
	}
	if f.Extends != "" {
		d.extends = canonicalCode(f.Extends)
	}
	for i, e := range f.Dates {
		en := entry{where: fmt.Sprintf("dates[%d]", i)}
		date, err := ParseDate(e.Date)
		if err != nil {
			return "", d, fail(0, en.field("date"), e.Date, dateReason(err))
		}
		n, reason := checkName(e.Name)
		if reason != "" {
			return "", d, fail(0, en.field("name"), e.Name, reason)
		}
		en.date, en.name = date, n
		d.dates = append(d.dates, en)
	}
	for i, s := range f.Except {
		en := entry{where: fmt.Sprintf("except[%d]", i)}
		date, err := ParseDate(s)
		if err != nil {
			return "", d, fail(0, en.where, s, dateReason(err))
		}
		en.date = date
		d.except = append(d.except, en)
	}
	return strings.TrimSpace(f.Name), d, nil
}

// lineAt returns the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte("\n")) + 1
}
