package calendar

import (
	"errors"
	"fmt"
	"time"
)

// ErrDate is returned (wrapped) by ParseDate for a malformed date.
var ErrDate = errors.New("not a date YYYY-MM-DD")

// ParseDate parses a civil date written YYYY-MM-DD (exactly: four-digit
// year, two-digit month and day) and checks that it exists.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%q: %w", s, ErrDate)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("%q: %w", s, ErrDate)
	}
	if m < 1 || m > 12 {
		return Date{}, fmt.Errorf("%q: %w: month out of range", s, ErrDate)
	}
	if y < 1 || d < 1 || d > daysIn(y, time.Month(m)) {
		return Date{}, fmt.Errorf("%q: %w: day out of range", s, ErrDate)
	}
	return Date{y, time.Month(m), d}, nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// AddDays returns the date n days after d (before it for negative n).
// d need not be normalized (Day 0 is the last day of the previous month).
func (d Date) AddDays(n int) Date {
	y, m, dd := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC).Date()
	return Date{y, m, dd}
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return sign(d.Year - e.Year)
	case d.Month != e.Month:
		return sign(int(d.Month) - int(e.Month))
	default:
		return sign(d.Day - e.Day)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// daysIn returns the number of days of month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// zonePeriod is a span of instants [start, end) with one UTC offset; a zero
// start or end means unbounded on that side.
type zonePeriod struct {
	start, end time.Time
	offset     time.Duration
}

func (p zonePeriod) contains(t time.Time) bool {
	return (p.start.IsZero() || !t.Before(p.start)) && (p.end.IsZero() || t.Before(p.end))
}

// window bounds the search for the instants of a wall time: UTC offsets lie
// within ±14 h (a little margin on top).
const window = 16 * time.Hour

// localTime resolves a wall-clock time in loc per §4.3. It lists the zone
// periods around the wall time read as if it were UTC (w): an instant t is
// a reading of the wall time when t = w - offset and t lies in a period with
// that offset. Of several readings (overlap) it takes the earliest; with
// none (gap) it takes the first transition after which the wall clock has
// passed w, i.e. the first instant after the gap.
func localTime(d Date, hour, min, sec, nsec int, loc *time.Location) time.Time {
	w := time.Date(d.Year, d.Month, d.Day, hour, min, sec, nsec, time.UTC)
	var periods []zonePeriod
	for u, i := w.Add(-window), 0; i < 64; i++ {
		z := u.In(loc)
		_, off := z.Zone()
		start, end := z.ZoneBounds()
		periods = append(periods, zonePeriod{start, end, time.Duration(off) * time.Second})
		if end.IsZero() || end.After(w.Add(window)) || !end.After(u) {
			break
		}
		u = end
	}
	var best time.Time
	found := false
	for _, p := range periods {
		t := w.Add(-p.offset)
		if p.contains(t) && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	if found {
		return best.In(loc)
	}
	for _, p := range periods {
		if !p.start.IsZero() && p.start.Add(p.offset).After(w) {
			return p.start.In(loc)
		}
	}
	// Not reached for a consistent zone; fall back to the runtime's choice.
	return time.Date(d.Year, d.Month, d.Day, hour, min, sec, nsec, loc)
}
