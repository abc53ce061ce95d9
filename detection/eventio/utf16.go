package eventio

import (
	"errors"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Reader converts UTF-16 (after its byte order mark) to UTF-8.
type utf16Reader struct {
	src  io.Reader
	big  bool
	in   []byte // raw input; in[:nin] holds bytes not yet converted
	nin  int
	out  []byte // converted, not yet returned
	obuf []byte // backing store of out
	high rune   // a high surrogate waiting for its pair, or 0
	err  error
}

func newUTF16Reader(src io.Reader, bigEndian bool) *utf16Reader {
	return &utf16Reader{src: src, big: bigEndian, in: make([]byte, 32<<10)}
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	if len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		n, err := u.src.Read(u.in[u.nin:])
		u.nin += n
		u.obuf = u.convert(u.obuf[:0], err != nil)
		u.out = u.obuf
		if err != nil {
			if errors.Is(err, io.EOF) {
				u.err = io.EOF
			} else {
				u.err = err
			}
		}
		if len(u.out) == 0 {
			return 0, u.err // nil until the source ends or fails
		}
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// convert appends the UTF-8 form of the complete code units in in[:nin] to
// dst and keeps an odd trailing byte; at the end of the input (final) odd
// bytes and unpaired surrogates become U+FFFD.
func (u *utf16Reader) convert(dst []byte, final bool) []byte {
	b := u.in[:u.nin]
	i := 0
	for ; i+1 < len(b); i += 2 {
		var c rune
		if u.big {
			c = rune(b[i])<<8 | rune(b[i+1])
		} else {
			c = rune(b[i+1])<<8 | rune(b[i])
		}
		if u.high != 0 {
			r := utf16.DecodeRune(u.high, c)
			u.high = 0
			if r != utf8.RuneError {
				dst = utf8.AppendRune(dst, r)
				continue
			}
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
		switch {
		case c >= 0xD800 && c < 0xDC00:
			u.high = c
		case c >= 0xDC00 && c < 0xE000:
			dst = utf8.AppendRune(dst, utf8.RuneError)
		default:
			dst = utf8.AppendRune(dst, c)
		}
	}
	u.nin = copy(u.in, b[i:])
	if final {
		if u.high != 0 || u.nin > 0 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
		u.high, u.nin = 0, 0
	}
	return dst
}
