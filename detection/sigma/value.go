package sigma

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf16"
)

// itemKind is the kind of one piece of a Sigma string.
type itemKind uint8

const (
	itemLit         itemKind = iota // literal text
	itemStar                        // '*': any run of characters
	itemOne                         // '?': exactly one character
	itemDash                        // one of the windash characters
	itemPlaceholder                 // %name% (only with expand); text holds the name
)

type item struct {
	kind itemKind
	text string
}

// sstr is a Sigma string: literals, wildcards, windash classes and
// placeholders, with adjacent literals merged.
type sstr []item

// windashRunes are the characters the windash modifier makes
// interchangeable: hyphen-minus, slash, en dash, em dash, horizontal bar.
var windashRunes = [...]rune{'-', '/', '–', '—', '―'}

func isWindash(r rune) bool {
	for _, d := range windashRunes {
		if r == d {
			return true
		}
	}
	return false
}

// parseSigmaString applies the spec's escaping rules to a raw value: a
// backslash escapes '*', '?' and '\' (and '%' when placeholders are on); a
// backslash before anything else, or at the end, is a literal backslash.
// Unescaped '*' and '?' are wildcards. With placeholders, %name% is a
// placeholder; a '%' without a closing '%' is literal.
func parseSigmaString(raw string, placeholders bool) sstr {
	var out sstr
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, item{kind: itemLit, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 < len(raw) {
				switch n := raw[i+1]; {
				case n == '*' || n == '?' || n == '\\' || (placeholders && n == '%'):
					lit.WriteByte(n)
					i++
					continue
				}
			}
			lit.WriteByte('\\')
		case c == '*':
			flush()
			if len(out) == 0 || out[len(out)-1].kind != itemStar {
				out = append(out, item{kind: itemStar})
			}
		case c == '?':
			flush()
			out = append(out, item{kind: itemOne})
		case c == '%' && placeholders:
			end := strings.IndexByte(raw[i+1:], '%')
			if end <= 0 {
				lit.WriteByte('%')
				continue
			}
			flush()
			out = append(out, item{kind: itemPlaceholder, text: raw[i+1 : i+1+end]})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return out
}

// normalize merges adjacent literals and collapses runs of stars.
func (s sstr) normalize() sstr {
	out := make(sstr, 0, len(s))
	for _, it := range s {
		if it.kind == itemLit && it.text == "" {
			continue
		}
		if n := len(out); n > 0 {
			last := &out[n-1]
			if it.kind == itemLit && last.kind == itemLit {
				last.text += it.text
				continue
			}
			if it.kind == itemStar && last.kind == itemStar {
				continue
			}
		}
		out = append(out, it)
	}
	return out
}

func (s sstr) startsWithStar() bool { return len(s) > 0 && s[0].kind == itemStar }
func (s sstr) endsWithStar() bool   { return len(s) > 0 && s[len(s)-1].kind == itemStar }

// plain returns the literal text when s holds only literals.
func (s sstr) plain() (string, bool) {
	var b strings.Builder
	for _, it := range s {
		if it.kind != itemLit {
			return "", false
		}
		b.WriteString(it.text)
	}
	return b.String(), true
}

func (s sstr) has(k itemKind) bool {
	for _, it := range s {
		if it.kind == k {
			return true
		}
	}
	return false
}

// String renders s back in Sigma syntax (escaping literal '*', '?' and '\').
func (s sstr) String() string {
	var b strings.Builder
	for _, it := range s {
		switch it.kind {
		case itemLit:
			for i := 0; i < len(it.text); i++ {
				if c := it.text[i]; c == '*' || c == '?' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(it.text[i])
			}
		case itemStar:
			b.WriteByte('*')
		case itemOne:
			b.WriteByte('?')
		case itemDash:
			b.WriteString("[windash]")
		case itemPlaceholder:
			b.WriteString("%" + it.text + "%")
		}
	}
	return b.String()
}

// key identifies s for deduplication: unlike String, distinct strings never
// share a key.
func (s sstr) key() string {
	var b strings.Builder
	for _, it := range s {
		b.WriteByte(byte('0' + it.kind))
		b.WriteString(strconv.Itoa(len(it.text)))
		b.WriteByte(':')
		b.WriteString(it.text)
	}
	return b.String()
}

// wrap adds a leading and/or trailing star (contains, startswith, endswith).
func (s sstr) wrap(lead, trail bool) sstr {
	out := make(sstr, 0, len(s)+2)
	if lead && !s.startsWithStar() {
		out = append(out, item{kind: itemStar})
	}
	out = append(out, s...)
	if trail && !out.endsWithStar() {
		out = append(out, item{kind: itemStar})
	}
	return out
}

// windash turns every windash character of the literals into a class item.
func (s sstr) windash() sstr {
	var out sstr
	for _, it := range s {
		if it.kind != itemLit {
			out = append(out, it)
			continue
		}
		start := 0
		for i, r := range it.text {
			if isWindash(r) {
				if i > start {
					out = append(out, item{kind: itemLit, text: it.text[start:i]})
				}
				out = append(out, item{kind: itemDash})
				start = i + len(string(r))
			}
		}
		if start < len(it.text) {
			out = append(out, item{kind: itemLit, text: it.text[start:]})
		}
	}
	return out
}

// expandDashes turns windash classes into explicit alternatives, for the
// encoding modifiers that need plain text. It gives up past limit.
func (s sstr) expandDashes(limit int) ([]sstr, bool) {
	alts := []sstr{nil}
	for _, it := range s {
		if it.kind != itemDash {
			for i := range alts {
				alts[i] = append(alts[i], it)
			}
			continue
		}
		if len(alts)*len(windashRunes) > limit {
			return nil, false
		}
		next := make([]sstr, 0, len(alts)*len(windashRunes))
		for _, a := range alts {
			for _, d := range windashRunes {
				b := append(append(sstr(nil), a...), item{kind: itemLit, text: string(d)})
				next = append(next, b)
			}
		}
		alts = next
	}
	for i := range alts {
		alts[i] = alts[i].normalize()
	}
	return alts, true
}

// Encodings of the base64, base64offset and utf16 modifiers. They work on
// the UTF-8 bytes of the value (utf16 variants on its code points).

func encodeUTF16(s string, bigEndian, bom bool) string {
	units := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(units)+2)
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

func encodeBase64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// base64Offsets returns the three encodings of s as it would appear at byte
// offsets 0, 1 and 2 of a base64-encoded text: s is encoded behind 0, 1 or 2
// filler bytes, then the characters that depend on the filler (the first 0,
// 2 or 3) and on whatever follows s (the last 0, 3 or 2, including '='
// padding) are cut away, leaving the part that is the same wherever s sits.
func base64Offsets(s string) []string {
	out := make([]string, 0, 3)
	for shift := range 3 {
		enc := encodeBase64(strings.Repeat(" ", shift) + s)
		start := [3]int{0, 2, 3}[shift]
		end := len(enc) - [3]int{0, 3, 2}[(len(s)+shift)%3]
		if start < end {
			out = append(out, enc[start:end])
		}
	}
	return out
}
