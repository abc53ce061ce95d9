package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/socledger/socledger/domain"
)

func TestCleanLineAndText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int
		// wantLine and wantText are the results of CleanLine and
		// CleanText; a reason means a *domain.FieldError with it.
		wantLine, lineReason string
		wantText, textReason string
		// lineValue is the Value of CleanLine's error.
		lineValue string
	}{
		{name: "plain", in: "Acme Bank AG", max: 20, wantLine: "Acme Bank AG", wantText: "Acme Bank AG"},
		{name: "trimmed", in: " \t Acme\u00a0\n", max: 20, wantLine: "Acme", wantText: "Acme"},
		{name: "empty", in: "", max: 20, lineReason: "missing", textReason: "missing"},
		{name: "only white space", in: " \n\t ", max: 20, lineReason: "missing", textReason: "missing"},
		{name: "invalid UTF-8", in: "a\xffb", max: 20, lineReason: "not valid UTF-8", textReason: "not valid UTF-8"},
		{name: "at the limit in characters, not bytes", in: "Zürich–Genève", max: 13, wantLine: "Zürich–Genève", wantText: "Zürich–Genève"},
		{name: "over the limit", in: "Zürich–Genève!", max: 13, lineReason: "longer than 13 characters", textReason: "longer than 13 characters"},
		{name: "limit counts the trimmed text", in: "  abc  ", max: 3, wantLine: "abc", wantText: "abc"},
		{name: "line break", in: "first\nsecond", max: 20, lineReason: "contains a control character", lineValue: "first\nsecond", wantText: "first\nsecond"},
		{name: "carriage return and tab", in: "a\r\n\tb", max: 20, lineReason: "contains a control character", lineValue: "a\r\n\tb", wantText: "a\r\n\tb"},
		{name: "NUL", in: "a\x00b", max: 20, lineReason: "contains a control character", lineValue: "a\x00b", textReason: "contains a control character"},
		{name: "escape", in: "a\x1b[31mb", max: 20, lineReason: "contains a control character", lineValue: "a\x1b[31mb", textReason: "contains a control character"},
		{name: "C1 control", in: "a\u0085b", max: 20, lineReason: "contains a control character", lineValue: "a\u0085b", textReason: "contains a control character"},
	}
	check := func(t *testing.T, fn string, got string, err error, want, reason, value string) {
		t.Helper()
		if reason == "" {
			if err != nil || got != want {
				t.Errorf("%s = %q, %v; want %q", fn, got, err, want)
			}
			return
		}
		var fe *domain.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, domain.ErrInvalid) || fe.Field != "name" || fe.Reason != reason || fe.Value != value || got != "" {
			t.Errorf("%s = %q, %#v; want a field error on name: %q (value %q)", fn, got, err, reason, value)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.CleanLine("name", tt.in, tt.max)
			check(t, "CleanLine", got, err, tt.wantLine, tt.lineReason, tt.lineValue)
			got, err = domain.CleanText("name", tt.in, tt.max)
			check(t, "CleanText", got, err, tt.wantText, tt.textReason, "")
		})
	}
}

func TestCleanTextErrorOmitsTheText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("secret line\n", 100) + "\x00"
	_, err := domain.CleanText("text", long, 10000)
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error %v repeats the text", err)
	}
}
