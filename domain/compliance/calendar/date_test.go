package calendar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/socledger/socledger/domain/compliance/calendar"
)

func TestParseDateAndString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    calendar.Date
		wantErr bool
	}{
		{in: "2025-03-08", want: calendar.Date{Year: 2025, Month: time.March, Day: 8}},
		{in: "2024-02-29", want: calendar.Date{Year: 2024, Month: time.February, Day: 29}},
		{in: "0001-01-01", want: calendar.Date{Year: 1, Month: time.January, Day: 1}},
		{in: "9999-12-31", want: calendar.Date{Year: 9999, Month: time.December, Day: 31}},
		{in: "2025-02-29", wantErr: true},
		{in: "2025-13-01", wantErr: true},
		{in: "2025-00-10", wantErr: true},
		{in: "2025-04-31", wantErr: true},
		{in: "2025-04-00", wantErr: true},
		{in: "0000-01-01", wantErr: true},
		{in: "2025-3-8", wantErr: true},
		{in: "2025/03/08", wantErr: true},
		{in: "2025-03-08T00:00:00Z", wantErr: true},
		{in: "25-03-2025", wantErr: true},
		{in: "2025-0a-08", wantErr: true},
		{in: "+025-03-08", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := calendar.ParseDate(tt.in)
			if tt.wantErr {
				if !errors.Is(err, calendar.ErrDate) {
					t.Fatalf("ParseDate(%q) = %v, %v; want ErrDate", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %q, want %q", s, tt.in)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	ny := zone(t, "America/New_York")
	tests := []struct {
		name string
		at   string
		loc  *time.Location
		want string
	}{
		{"utc", "2025-03-07T23:30:00Z", time.UTC, "2025-03-07"},
		{"nil is utc", "2025-03-07T23:30:00Z", nil, "2025-03-07"},
		{"berlin next day", "2025-03-07T23:30:00Z", berlin, "2025-03-08"},
		{"berlin summer", "2025-06-30T22:00:00Z", berlin, "2025-07-01"},
		{"berlin summer before midnight", "2025-06-30T21:59:59Z", berlin, "2025-06-30"},
		{"new york previous day", "2025-03-08T03:00:00Z", ny, "2025-03-07"},
		{"input zone ignored", "2025-03-08T01:00:00+05:00", time.UTC, "2025-03-07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := calendar.DateOf(utc(t, tt.at), tt.loc).String(); got != tt.want {
				t.Errorf("DateOf(%s) = %s, want %s", tt.at, got, tt.want)
			}
		})
	}
}

func TestDateHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from string
		n    int
		want string
		wd   time.Weekday // of want
	}{
		{"2025-03-08", 0, "2025-03-08", time.Saturday},
		{"2025-03-08", 2, "2025-03-10", time.Monday},
		{"2025-02-28", 1, "2025-03-01", time.Saturday},
		{"2024-02-28", 1, "2024-02-29", time.Thursday},
		{"2025-12-31", 1, "2026-01-01", time.Thursday},
		{"2025-01-01", -1, "2024-12-31", time.Tuesday},
		{"2025-04-18", 4, "2025-04-22", time.Tuesday},
		{"2025-01-01", 365, "2026-01-01", time.Thursday},
	}
	for _, tt := range tests {
		got := date(t, tt.from).AddDays(tt.n)
		if got.String() != tt.want || got.Weekday() != tt.wd {
			t.Errorf("%s.AddDays(%d) = %s (%s), want %s (%s)", tt.from, tt.n, got, got.Weekday(), tt.want, tt.wd)
		}
	}
	// An unnormalized date is normalized.
	if got := (calendar.Date{Year: 2025, Month: time.March, Day: 0}).AddDays(0).String(); got != "2025-02-28" {
		t.Errorf("2025-03-00 normalized = %s, want 2025-02-28", got)
	}

	cmp := []struct {
		a, b string
		want int
	}{
		{"2025-03-08", "2025-03-08", 0},
		{"2025-03-08", "2025-03-09", -1},
		{"2025-03-08", "2025-02-28", 1},
		{"2024-12-31", "2025-01-01", -1},
	}
	for _, tt := range cmp {
		if got := date(t, tt.a).Compare(date(t, tt.b)); got != tt.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
