package sigma

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Case-insensitive matching in this package is Unicode simple case folding,
// the equivalence strings.EqualFold uses, applied character by character.
// Rule literals are stored with ASCII letters in lower case; event text is
// never copied or lowered: the helpers below compare in place.

// FoldCase maps s to a canonical form under simple case folding: two strings
// that strings.EqualFold calls equal have the same FoldCase, and FoldCase
// works character by character, so a fold-insensitive substring of s is a
// plain substring of FoldCase(s). ASCII letters become lower case; so do
// other letters, as the lower case of the smallest member of their folding
// orbit (for example both 'K' and the Kelvin sign give 'k'). Invalid UTF-8
// bytes are kept as they are. RequiredLiterals returns literals in this form.
func FoldCase(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			b.WriteByte(lowerASCII(c))
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteByte(c)
		} else {
			b.WriteRune(foldRune(r))
		}
		i += n
	}
	return b.String()
}

// foldRune is the canonical member used by FoldCase: the lower case of the
// smallest rune in r's folding orbit.
func foldRune(r rune) rune {
	lowest := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		lowest = min(lowest, f)
	}
	return unicode.ToLower(lowest)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lowerLiteral lowers the ASCII letters of a rule literal; other characters
// are compared with foldEq.
func lowerLiteral(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerASCII(b[j])
			}
			return string(b)
		}
	}
	return s
}

// foldEq reports whether two runes are equal under simple case folding.
func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// sameChar compares the character at the start of s (n bytes, rune a) with
// the one at the start of p (m bytes, rune b): invalid bytes only equal
// themselves.
func sameChar(a rune, n int, b rune, m int, s, p string, cased bool) bool {
	if (a == utf8.RuneError && n == 1) || (b == utf8.RuneError && m == 1) {
		return n == m && s[0] == p[0]
	}
	if cased {
		return a == b
	}
	return foldEq(a, b)
}

// prefixFold reports whether s starts with the literal p under case folding,
// and how many bytes of s the match covers.
func prefixFold(s, p string) (int, bool) {
	i, j := 0, 0
	for j < len(p) {
		if i >= len(s) {
			return 0, false
		}
		a, b := s[i], p[j]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if a != b && lowerASCII(a) != lowerASCII(b) {
				return 0, false
			}
			i++
			j++
			continue
		}
		ra, n := utf8.DecodeRuneInString(s[i:])
		rb, m := utf8.DecodeRuneInString(p[j:])
		if !sameChar(ra, n, rb, m, s[i:], p[j:], false) {
			return 0, false
		}
		i += n
		j += m
	}
	return i, true
}

// suffixFold reports whether s ends with the literal p under case folding,
// and where in s the match starts.
func suffixFold(s, p string) (int, bool) {
	i, j := len(s), len(p)
	for j > 0 {
		if i == 0 {
			return 0, false
		}
		a, b := s[i-1], p[j-1]
		if a < utf8.RuneSelf && b < utf8.RuneSelf {
			if a != b && lowerASCII(a) != lowerASCII(b) {
				return 0, false
			}
			i--
			j--
			continue
		}
		ra, n := utf8.DecodeLastRuneInString(s[:i])
		rb, m := utf8.DecodeLastRuneInString(p[:j])
		if !sameChar(ra, n, rb, m, s[i-n:], p[j-m:], false) {
			return 0, false
		}
		i -= n
		j -= m
	}
	return i, true
}

// byteSet is a set of bytes: the bytes a match of a literal can start with.
type byteSet [4]uint64

func (s *byteSet) add(c byte)           { s[c>>6] |= 1 << (c & 63) }
func (s *byteSet) contains(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }

// firstBytes returns the bytes a text matching the lowered literal p can
// start with: the first UTF-8 byte of every rune that folds to p's first rune.
func firstBytes(p string, cased bool) byteSet {
	var set byteSet
	if p == "" {
		return set
	}
	r, n := utf8.DecodeRuneInString(p)
	if cased || (r == utf8.RuneError && n == 1) {
		set.add(p[0])
		return set
	}
	var buf [utf8.UTFMax]byte
	f := r
	for {
		utf8.EncodeRune(buf[:], f)
		set.add(buf[0])
		f = unicode.SimpleFold(f)
		if f == r {
			break
		}
	}
	return set
}

// finder finds a literal in a text, under case folding unless cased.
type finder struct {
	p     string // the literal, ASCII-lowered unless cased
	cased bool
	first byteSet // bytes a match can start with
	// cands lists those bytes when there are at most four of them (one or
	// two for ASCII, three for 'k' and 's', which fold with the Kelvin sign
	// and the long s), so that candidates are found with strings.IndexByte.
	cands  [4]byte
	ncands int
}

func newFinder(p string, cased bool) finder {
	f := finder{p: p, cased: cased, first: firstBytes(p, cased)}
	for c := 0; c < 256; c++ {
		if !f.first.contains(byte(c)) {
			continue
		}
		if f.ncands == len(f.cands) {
			f.ncands = 0 // too many: scan with the set
			break
		}
		f.cands[f.ncands] = byte(c)
		f.ncands++
	}
	return f
}

// index returns the offset of the first match of the literal in s and the
// end of that match, or -1, -1.
func (f *finder) index(s string) (int, int) {
	switch {
	case f.p == "":
		return 0, 0
	case f.cased:
		i := strings.Index(s, f.p)
		if i < 0 {
			return -1, -1
		}
		return i, i + len(f.p)
	case f.ncands == 0:
		for i := 0; i < len(s); i++ {
			if !f.first.contains(s[i]) {
				continue
			}
			if n, ok := prefixFold(s[i:], f.p); ok {
				return i, i + n
			}
		}
		return -1, -1
	case f.ncands == 1:
		for i := 0; i < len(s); i++ {
			j := strings.IndexByte(s[i:], f.cands[0])
			if j < 0 {
				return -1, -1
			}
			i += j
			if n, ok := prefixFold(s[i:], f.p); ok {
				return i, i + n
			}
		}
		return -1, -1
	}
	// Several possible first bytes: keep the next position of each (-1 when
	// there is none left, -2 before the first search).
	next := [len(f.cands)]int{-2, -2, -2, -2}
	for pos := 0; pos < len(s); {
		c := -1
		for k := range f.ncands {
			if next[k] != -1 && next[k] < pos {
				if j := strings.IndexByte(s[pos:], f.cands[k]); j < 0 {
					next[k] = -1
				} else {
					next[k] = pos + j
				}
			}
			if next[k] >= 0 && (c < 0 || next[k] < c) {
				c = next[k]
			}
		}
		if c < 0 {
			return -1, -1
		}
		if n, ok := prefixFold(s[c:], f.p); ok {
			return c, c + n
		}
		pos = c + 1
	}
	return -1, -1
}
