package calendar_test

import (
	"testing"
	"time"

	"github.com/socledger/socledger/domain/compliance/calendar"
	"github.com/socledger/socledger/domain/tenant"
)

func TestLocalTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		zone          string // "" means a nil *time.Location
		day           string
		hour, min, s  int
		want          string // UTC
		wantWallClock string // local wall clock of the result, when it differs from the input
	}{
		// Europe/Berlin: 2025-03-30 02:00 CET → 03:00 CEST; 2025-10-26 03:00 CEST → 02:00 CET.
		{"berlin winter noon", "Europe/Berlin", "2025-03-10", 12, 0, 0, "2025-03-10T11:00:00Z", ""},
		{"berlin summer noon", "Europe/Berlin", "2025-04-22", 12, 0, 0, "2025-04-22T10:00:00Z", ""},
		{"berlin before gap", "Europe/Berlin", "2025-03-30", 1, 59, 59, "2025-03-30T00:59:59Z", ""},
		{"berlin gap start", "Europe/Berlin", "2025-03-30", 2, 0, 0, "2025-03-30T01:00:00Z", "03:00:00"},
		{"berlin in gap", "Europe/Berlin", "2025-03-30", 2, 30, 0, "2025-03-30T01:00:00Z", "03:00:00"},
		{"berlin gap end", "Europe/Berlin", "2025-03-30", 2, 59, 59, "2025-03-30T01:00:00Z", "03:00:00"},
		{"berlin after gap", "Europe/Berlin", "2025-03-30", 3, 0, 0, "2025-03-30T01:00:00Z", ""},
		{"berlin after gap 03:30", "Europe/Berlin", "2025-03-30", 3, 30, 0, "2025-03-30T01:30:00Z", ""},
		{"berlin before overlap", "Europe/Berlin", "2025-10-26", 1, 59, 0, "2025-10-25T23:59:00Z", ""},
		{"berlin overlap start", "Europe/Berlin", "2025-10-26", 2, 0, 0, "2025-10-26T00:00:00Z", ""},
		{"berlin in overlap", "Europe/Berlin", "2025-10-26", 2, 30, 0, "2025-10-26T00:30:00Z", ""},
		{"berlin overlap end", "Europe/Berlin", "2025-10-26", 2, 59, 59, "2025-10-26T00:59:59Z", ""},
		{"berlin after overlap", "Europe/Berlin", "2025-10-26", 3, 0, 0, "2025-10-26T02:00:00Z", ""},
		// Europe/Dublin (IST is "standard" time, winter GMT a negative DST
		// in the zone data): 2025-03-30 01:00 GMT → 02:00 IST; 2025-10-26
		// 02:00 IST → 01:00 GMT.
		{"dublin winter noon", "Europe/Dublin", "2025-01-15", 12, 0, 0, "2025-01-15T12:00:00Z", ""},
		{"dublin summer noon", "Europe/Dublin", "2025-07-01", 12, 0, 0, "2025-07-01T11:00:00Z", ""},
		{"dublin before gap", "Europe/Dublin", "2025-03-30", 0, 59, 0, "2025-03-30T00:59:00Z", ""},
		{"dublin in gap", "Europe/Dublin", "2025-03-30", 1, 30, 0, "2025-03-30T01:00:00Z", "02:00:00"},
		{"dublin after gap", "Europe/Dublin", "2025-03-30", 2, 0, 0, "2025-03-30T01:00:00Z", ""},
		{"dublin in overlap", "Europe/Dublin", "2025-10-26", 1, 30, 0, "2025-10-26T00:30:00Z", ""},
		{"dublin after overlap", "Europe/Dublin", "2025-10-26", 2, 0, 0, "2025-10-26T02:00:00Z", ""},
		// America/New_York: 2025-03-09 02:00 EST → 03:00 EDT; 2025-11-02 02:00 EDT → 01:00 EST.
		{"new york in gap", "America/New_York", "2025-03-09", 2, 30, 0, "2025-03-09T07:00:00Z", "03:00:00"},
		{"new york after gap", "America/New_York", "2025-03-09", 3, 0, 0, "2025-03-09T07:00:00Z", ""},
		{"new york in overlap", "America/New_York", "2025-11-02", 1, 30, 0, "2025-11-02T05:30:00Z", ""},
		{"new york after overlap", "America/New_York", "2025-11-02", 2, 0, 0, "2025-11-02T07:00:00Z", ""},
		// Australia/Lord_Howe changes by 30 minutes: 2025-10-05 02:00 +10:30 → 02:30 +11;
		// 2025-04-06 02:00 +11 → 01:30 +10:30.
		{"lord howe in gap", "Australia/Lord_Howe", "2025-10-05", 2, 15, 0, "2025-10-04T15:30:00Z", "02:30:00"},
		{"lord howe in overlap", "Australia/Lord_Howe", "2025-04-06", 1, 45, 0, "2025-04-05T14:45:00Z", ""},
		// Pacific/Apia skipped 2011-12-30 entirely (-10 → +14).
		{"apia skipped day", "Pacific/Apia", "2011-12-30", 12, 0, 0, "2011-12-30T10:00:00Z", "00:00:00"},
		{"utc", "UTC", "2025-03-08", 13, 0, 0, "2025-03-08T13:00:00Z", ""},
		{"nil location is utc", "", "2025-03-08", 13, 0, 0, "2025-03-08T13:00:00Z", ""},
		{"hour 24 is next midnight", "Europe/Berlin", "2025-03-09", 24, 0, 0, "2025-03-09T23:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var loc *time.Location
			if tt.zone != "" {
				loc = zone(t, tt.zone)
			}
			got := calendar.LocalTime(date(t, tt.day), tt.hour, tt.min, tt.s, loc)
			if want := utc(t, tt.want); !got.Equal(want) {
				t.Fatalf("LocalTime(%s %02d:%02d:%02d, %s) = %s, want %s", tt.day, tt.hour, tt.min, tt.s, tt.zone, got.UTC(), want)
			}
			if loc != nil && got.Location() != loc {
				t.Errorf("result location = %v, want %v", got.Location(), loc)
			}
			wall := tt.wantWallClock
			if wall == "" {
				wall = time.Date(2000, 1, 1, tt.hour, tt.min, tt.s, 0, time.UTC).Format(time.TimeOnly)
			}
			if gotWall := got.Format(time.TimeOnly); gotWall != wall {
				t.Errorf("result wall clock = %s, want %s", gotWall, wall)
			}
		})
	}
}

// TestLocalTimeRoundTrip: for every quarter hour of 2024-2026 in zones with
// DST, resolving the instant's own wall time gives an instant with that wall
// time, never after the instant, and equal to it unless the instant is the
// later reading of an autumn overlap.
func TestLocalTimeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Europe/Berlin", "Europe/Dublin", "America/New_York", "Australia/Lord_Howe"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			loc := zone(t, name)
			end := utc(t, "2027-01-01T00:00:00Z")
			for at := utc(t, "2024-01-01T00:00:00Z"); at.Before(end); at = at.Add(15 * time.Minute) {
				l := at.In(loc)
				got := calendar.LocalTime(calendar.DateOf(at, loc), l.Hour(), l.Minute(), l.Second(), loc)
				if got.Format(time.DateTime) != l.Format(time.DateTime) || got.After(at) {
					t.Fatalf("LocalTime(wall of %s = %s) = %s", at.UTC(), l, got)
				}
				_, offAt := l.Zone()
				if _, offGot := got.Zone(); !got.Equal(at) && offGot <= offAt {
					t.Fatalf("LocalTime(wall of %s) = %s: not the earlier reading of an overlap", at.UTC(), got)
				}
			}
		})
	}
}

func TestAddMonths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		from string
		n    int
		zone string // "" means nil (UTC)
		rule tenant.MonthRule
		want string
	}{
		{"31 Jan clamps to 28 Feb", "2025-01-31T15:00:00Z", 1, "UTC", tenant.MonthSameInstant, "2025-02-28T15:00:00Z"},
		{"leap year clamps to 29 Feb", "2024-01-31T15:00:00Z", 1, "UTC", tenant.MonthSameInstant, "2024-02-29T15:00:00Z"},
		{"empty rule is same instant", "2025-01-31T15:00:00Z", 1, "UTC", "", "2025-02-28T15:00:00Z"},
		{"nil location is utc", "2025-01-31T15:00:00Z", 1, "", "", "2025-02-28T15:00:00Z"},
		{"scenario 1 NIS2 final", "2025-03-05T09:00:00Z", 1, "UTC", tenant.MonthSameInstant, "2025-04-05T09:00:00Z"},
		{"scenario 6 DORA final", "2025-03-10T09:00:00Z", 1, "UTC", tenant.MonthSameInstant, "2025-04-10T09:00:00Z"},
		{"31 Mar to 30 Apr", "2025-03-31T08:00:00Z", 1, "UTC", tenant.MonthSameInstant, "2025-04-30T08:00:00Z"},
		{"year end", "2025-12-31T23:59:59Z", 1, "UTC", tenant.MonthSameInstant, "2026-01-31T23:59:59Z"},
		{"12 months from 29 Feb", "2024-02-29T10:00:00Z", 12, "UTC", tenant.MonthSameInstant, "2025-02-28T10:00:00Z"},
		{"13 months", "2025-01-31T10:00:00Z", 13, "UTC", tenant.MonthSameInstant, "2026-02-28T10:00:00Z"},
		{"48 months to leap day", "2024-02-29T10:00:00Z", 48, "UTC", tenant.MonthSameInstant, "2028-02-29T10:00:00Z"},
		{"minus one month clamps", "2025-03-31T12:00:00Z", -1, "UTC", tenant.MonthSameInstant, "2025-02-28T12:00:00Z"},
		{"minus across year", "2025-01-15T12:00:00Z", -2, "UTC", tenant.MonthSameInstant, "2024-11-15T12:00:00Z"},
		{"nanoseconds kept", "2025-01-31T15:00:00.123456789Z", 1, "UTC", tenant.MonthSameInstant, "2025-02-28T15:00:00.123456789Z"},
		{"zero months is identity", "2025-10-26T01:30:00Z", 0, "Europe/Berlin", tenant.MonthSameInstant, "2025-10-26T01:30:00Z"},
		// Berlin: the local clock time is kept across DST changes.
		{"berlin CET to CEST", "2025-03-05T09:00:00Z", 1, "Europe/Berlin", tenant.MonthSameInstant, "2025-04-05T08:00:00Z"},
		{"berlin CEST to CET", "2025-10-05T10:00:00Z", 1, "Europe/Berlin", tenant.MonthSameInstant, "2025-11-05T11:00:00Z"},
		{"berlin local date differs from utc", "2025-01-31T23:30:00Z", 1, "Europe/Berlin", tenant.MonthSameInstant, "2025-02-28T23:30:00Z"},
		{"berlin clamp in local calendar", "2025-01-30T23:30:00Z", 1, "Europe/Berlin", tenant.MonthSameInstant, "2025-02-27T23:30:00Z"},
		{"berlin into spring gap", "2025-01-30T01:30:00Z", 2, "Europe/Berlin", tenant.MonthSameInstant, "2025-03-30T01:00:00Z"},
		{"berlin into autumn overlap", "2025-09-26T00:30:00Z", 1, "Europe/Berlin", tenant.MonthSameInstant, "2025-10-26T00:30:00Z"},
		{"berlin from overlap later reading", "2025-10-26T01:30:00Z", 1, "Europe/Berlin", tenant.MonthSameInstant, "2025-11-26T01:30:00Z"},
		{"dublin GMT to IST", "2025-03-05T09:00:00Z", 1, "Europe/Dublin", tenant.MonthSameInstant, "2025-04-05T08:00:00Z"},
		{"dublin into spring gap", "2025-01-30T01:30:00Z", 2, "Europe/Dublin", tenant.MonthSameInstant, "2025-03-30T01:00:00Z"},
		{"new york into spring gap", "2025-02-09T07:30:00Z", 1, "America/New_York", tenant.MonthSameInstant, "2025-03-09T07:00:00Z"},
		// Regulation 1182/71: end of the same-numbered (clamped) local day.
		{"1182 end of day", "2025-01-31T15:00:00Z", 1, "UTC", tenant.MonthEU1182EndOfDay, "2025-02-28T23:59:59.999999999Z"},
		{"1182 berlin summer", "2025-03-05T09:00:00Z", 1, "Europe/Berlin", tenant.MonthEU1182EndOfDay, "2025-04-05T21:59:59.999999999Z"},
		{"1182 berlin winter", "2025-09-05T09:00:00Z", 2, "Europe/Berlin", tenant.MonthEU1182EndOfDay, "2025-11-05T22:59:59.999999999Z"},
		{"1182 local date", "2025-01-31T23:30:00Z", 1, "Europe/Berlin", tenant.MonthEU1182EndOfDay, "2025-03-01T22:59:59.999999999Z"},
		{"1182 zero months is end of day", "2025-03-05T09:00:00Z", 0, "UTC", tenant.MonthEU1182EndOfDay, "2025-03-05T23:59:59.999999999Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var loc *time.Location
			if tt.zone != "" {
				loc = zone(t, tt.zone)
			}
			from := utc(t, tt.from)
			got := calendar.AddMonths(from, tt.n, loc, tt.rule)
			if want := utc(t, tt.want); !got.Equal(want) {
				t.Fatalf("AddMonths(%s, %d, %s, %q) = %s, want %s", tt.from, tt.n, tt.zone, tt.rule, got.UTC().Format(time.RFC3339Nano), tt.want)
			}
			if got.Location() != from.Location() {
				t.Errorf("result location = %v, want the input's %v", got.Location(), from.Location())
			}
		})
	}
}

// TestAddMonthsProperties: for every day of 2024-2030 at several clock
// times, in zones with and without DST and for both rules, the result lies
// in month+n, its day is the original day clamped to that month, and (same
// instant rule) its local clock is unchanged unless that clock time does not
// exist on the target day, in which case the result is a DST transition
// that skipped it.
func TestAddMonthsProperties(t *testing.T) {
	t.Parallel()
	clocks := [][3]int{{0, 0, 0}, {2, 30, 0}, {9, 15, 0}, {12, 0, 0}, {23, 59, 59}}
	for _, name := range []string{"UTC", "Europe/Berlin", "Europe/Dublin", "America/New_York"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			loc := zone(t, name)
			for d := date(t, "2024-01-01"); d.Year <= 2030; d = d.AddDays(1) {
				for _, c := range clocks {
					from := calendar.LocalTime(d, c[0], c[1], c[2], loc)
					fl := from.In(loc)
					for _, n := range []int{1, 2, 11, 12, 13, -1} {
						for _, rule := range []tenant.MonthRule{tenant.MonthSameInstant, tenant.MonthEU1182EndOfDay} {
							got := calendar.AddMonths(from, n, loc, rule).In(loc)
							gd := calendar.DateOf(got, loc)
							wantMonth := time.Date(fl.Year(), fl.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
							if gd.Year != wantMonth.Year() || gd.Month != wantMonth.Month() {
								t.Fatalf("AddMonths(%s, %d, %s) = %s: not in %s", fl, n, rule, got, wantMonth.Format("2006-01"))
							}
							lastDay := time.Date(wantMonth.Year(), wantMonth.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
							if gd.Day != min(fl.Day(), lastDay) || gd.Day > fl.Day() {
								t.Fatalf("AddMonths(%s, %d, %s) = %s: day %d, want %d", fl, n, rule, got, gd.Day, min(fl.Day(), lastDay))
							}
							if rule == tenant.MonthEU1182EndOfDay {
								if got.Format("15:04:05.999999999") != "23:59:59.999999999" {
									t.Fatalf("AddMonths(%s, %d, %s) = %s: not the end of the day", fl, n, rule, got)
								}
								continue
							}
							if got.Format(time.TimeOnly) != fl.Format(time.TimeOnly) {
								start, _ := got.ZoneBounds()
								if !got.Equal(start) || got.Format(time.TimeOnly) < fl.Format(time.TimeOnly) {
									t.Fatalf("AddMonths(%s, %d) = %s: clock changed outside a DST gap", fl, n, got)
								}
							}
						}
					}
				}
			}
		})
	}
}
