package domain

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanLine trims the white space around s and checks the one-line text that
// remains: present, valid UTF-8, at most maxRunes characters and no control
// characters (a line break or tab included). It returns the trimmed text,
// or a *FieldError on field (naming the value when it holds a control
// character).
func CleanLine(field, s string, maxRunes int) (string, error) {
	s, err := cleanText(field, s, maxRunes)
	if err != nil {
		return "", err
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return "", &FieldError{Field: field, Value: s, Reason: "contains a control character"}
	}
	return s, nil
}

// CleanText is CleanLine for text that may span lines: line breaks ('\n',
// '\r') and tabs are allowed, other control characters are not (and the
// error does not repeat the text).
func CleanText(field, s string, maxRunes int) (string, error) {
	s, err := cleanText(field, s, maxRunes)
	if err != nil {
		return "", err
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return "", &FieldError{Field: field, Reason: "contains a control character"}
	}
	return s, nil
}

// cleanText trims s and checks that it is present, valid UTF-8 and at most
// maxRunes characters.
func cleanText(field, s string, maxRunes int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", &FieldError{Field: field, Reason: "missing"}
	case !utf8.ValidString(s):
		return "", &FieldError{Field: field, Reason: "not valid UTF-8"}
	case utf8.RuneCountInString(s) > maxRunes:
		return "", &FieldError{Field: field, Reason: fmt.Sprintf("longer than %d characters", maxRunes)}
	}
	return s, nil
}
