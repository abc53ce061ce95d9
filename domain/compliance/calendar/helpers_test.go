package calendar_test

import (
	"testing"
	"time"
	_ "time/tzdata" // zones without a system zoneinfo

	"github.com/socledger/socledger/domain/compliance/calendar"
)

// zone loads an IANA zone (tests may do I/O).
func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// utc parses an RFC 3339 instant.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time.Parse(%q): %v", s, err)
	}
	return v
}

// date parses YYYY-MM-DD.
func date(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatalf("ParseDate(%q): %v", s, err)
	}
	return d
}

// national returns a built-in calendar.
func national(t *testing.T, code string) *calendar.Holidays {
	t.Helper()
	h, ok := calendar.National(code)
	if !ok {
		t.Fatalf("National(%q): unknown", code)
	}
	return h
}
