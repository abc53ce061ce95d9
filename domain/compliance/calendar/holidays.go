package calendar

import (
	"slices"
	"strings"
	"time"
)

// Holiday is one dated bank holiday.
type Holiday struct {
	Date Date
	Name string
}

// InYear lists h's holidays in year, sorted by date, one entry a date (two
// national holidays on one date are joined: "Labour Day / Ascension Day").
// A nil *Holidays has none.
func (h *Holidays) InYear(year int) []Holiday {
	if h == nil {
		return nil
	}
	var out []Holiday
	if h.rules != nil {
		for _, x := range mergeSameDay(h.rules(year)) {
			if _, own := h.added[x.Date]; !own && !h.removed[x.Date] {
				out = append(out, x)
			}
		}
	}
	for d, name := range h.added {
		if d.Year == year {
			out = append(out, Holiday{d, name})
		}
	}
	slices.SortFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// NationalCodes lists the codes National knows, sorted.
func NationalCodes() []string {
	codes := make([]string, 0, len(nationalRules))
	for c := range nationalRules {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// mergeSameDay sorts hs by date and joins the names of holidays that share
// a date.
func mergeSameDay(hs []Holiday) []Holiday {
	slices.SortStableFunc(hs, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	out := hs[:0]
	for _, x := range hs {
		if n := len(out); n > 0 && out[n-1].Date == x.Date {
			out[n-1].Name += " / " + x.Name
			continue
		}
		out = append(out, x)
	}
	return out
}

// nationalRules holds the rules of each built-in calendar (package doc).
var nationalRules = map[string]func(year int) []Holiday{
	"AT": austria,
	"BE": belgium,
	"DE": germany,
	"ES": spain,
	"FR": france,
	"IE": ireland,
	"IT": italy,
	"NL": netherlands,
	"PL": poland,
}

// Easter returns the date of Easter Sunday of a Gregorian year (the
// anonymous Gregorian computus, valid from 1583).
func Easter(year int) Date {
	a := year % 19 // place in the Metonic cycle
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30 // epact-related: days to the full moon
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7 // days from the full moon to Sunday
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{year, time.Month(month), day}
}

// day is a fixed date of year y.
func day(y int, m time.Month, d int) Date { return Date{y, m, d} }

// nthWeekday returns the n-th (1-based) weekday wd of month m, or the last
// one for n = -1.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) Date {
	if n < 0 {
		last := Date{y, m, daysIn(y, m)}
		return last.AddDays(-((int(last.Weekday()) - int(wd) + 7) % 7))
	}
	first := Date{y, m, 1}
	return first.AddDays((int(wd)-int(first.Weekday())+7)%7 + 7*(n-1))
}

// easterBased holds the movable feasts, as days after Easter Sunday.
const (
	goodFriday   = -2
	easterMonday = 1
	ascension    = 39
	whitMonday   = 50
	corpusChrist = 60
)

func germany(y int) []Holiday {
	e := Easter(y)
	return []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{e.AddDays(goodFriday), "Good Friday"},
		{e.AddDays(easterMonday), "Easter Monday"},
		{day(y, time.May, 1), "Labour Day"},
		{e.AddDays(ascension), "Ascension Day"},
		{e.AddDays(whitMonday), "Whit Monday"},
		{day(y, time.October, 3), "German Unity Day"},
		{day(y, time.December, 25), "Christmas Day"},
		{day(y, time.December, 26), "St Stephen's Day"},
	}
}

func netherlands(y int) []Holiday {
	e := Easter(y)
	kings := day(y, time.April, 27)
	if kings.Weekday() == time.Sunday {
		kings = day(y, time.April, 26)
	}
	hs := []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{e.AddDays(goodFriday), "Good Friday"},
		{e.AddDays(easterMonday), "Easter Monday"},
		{kings, "King's Day"},
		{e.AddDays(ascension), "Ascension Day"},
		{e.AddDays(whitMonday), "Whit Monday"},
		{day(y, time.December, 25), "Christmas Day"},
		{day(y, time.December, 26), "Second Day of Christmas"},
	}
	if y%5 == 0 {
		hs = append(hs, Holiday{day(y, time.May, 5), "Liberation Day"})
	}
	return hs
}

func france(y int) []Holiday {
	e := Easter(y)
	return []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{e.AddDays(easterMonday), "Easter Monday"},
		{day(y, time.May, 1), "Labour Day"},
		{day(y, time.May, 8), "Victory in Europe Day"},
		{e.AddDays(ascension), "Ascension Day"},
		{e.AddDays(whitMonday), "Whit Monday"},
		{day(y, time.July, 14), "Bastille Day"},
		{day(y, time.August, 15), "Assumption Day"},
		{day(y, time.November, 1), "All Saints' Day"},
		{day(y, time.November, 11), "Armistice Day"},
		{day(y, time.December, 25), "Christmas Day"},
	}
}

func belgium(y int) []Holiday {
	e := Easter(y)
	return []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{e.AddDays(easterMonday), "Easter Monday"},
		{day(y, time.May, 1), "Labour Day"},
		{e.AddDays(ascension), "Ascension Day"},
		{e.AddDays(whitMonday), "Whit Monday"},
		{day(y, time.July, 21), "National Day"},
		{day(y, time.August, 15), "Assumption Day"},
		{day(y, time.November, 1), "All Saints' Day"},
		{day(y, time.November, 11), "Armistice Day"},
		{day(y, time.December, 25), "Christmas Day"},
	}
}

func austria(y int) []Holiday {
	e := Easter(y)
	return []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{day(y, time.January, 6), "Epiphany"},
		{e.AddDays(easterMonday), "Easter Monday"},
		{day(y, time.May, 1), "Labour Day"},
		{e.AddDays(ascension), "Ascension Day"},
		{e.AddDays(whitMonday), "Whit Monday"},
		{e.AddDays(corpusChrist), "Corpus Christi"},
		{day(y, time.August, 15), "Assumption Day"},
		{day(y, time.October, 26), "National Day"},
		{day(y, time.November, 1), "All Saints' Day"},
		{day(y, time.December, 8), "Immaculate Conception"},
		{day(y, time.December, 25), "Christmas Day"},
		{day(y, time.December, 26), "St Stephen's Day"},
	}
}

func ireland(y int) []Holiday {
	hs := []Holiday{}
	if y >= 2023 {
		brigid := day(y, time.February, 1)
		if brigid.Weekday() != time.Friday {
			brigid = nthWeekday(y, time.February, time.Monday, 1)
		}
		hs = append(hs, Holiday{brigid, "St Brigid's Day"})
	}
	hs = append(hs,
		Holiday{Easter(y).AddDays(easterMonday), "Easter Monday"},
		Holiday{nthWeekday(y, time.May, time.Monday, 1), "May Bank Holiday"},
		Holiday{nthWeekday(y, time.June, time.Monday, 1), "June Bank Holiday"},
		Holiday{nthWeekday(y, time.August, time.Monday, 1), "August Bank Holiday"},
		Holiday{nthWeekday(y, time.October, time.Monday, -1), "October Bank Holiday"},
	)
	// The fixed-date holidays; one on a weekend is observed (in date order)
	// on the next weekday that is not already a holiday.
	fixed := []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{day(y, time.March, 17), "St Patrick's Day"},
		{day(y, time.December, 25), "Christmas Day"},
		{day(y, time.December, 26), "St Stephen's Day"},
	}
	hs = append(hs, fixed...)
	for _, f := range fixed {
		if !weekend(f.Date) {
			continue
		}
		sub := f.Date.AddDays(1)
		for weekend(sub) || slices.ContainsFunc(hs, func(x Holiday) bool { return x.Date == sub }) {
			sub = sub.AddDays(1)
		}
		hs = append(hs, Holiday{sub, f.Name + " (substitute)"})
	}
	return hs
}

func italy(y int) []Holiday {
	hs := []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{day(y, time.January, 6), "Epiphany"},
		{Easter(y).AddDays(easterMonday), "Easter Monday"},
		{day(y, time.April, 25), "Liberation Day"},
		{day(y, time.May, 1), "Labour Day"},
		{day(y, time.June, 2), "Republic Day"},
		{day(y, time.August, 15), "Assumption Day"},
		{day(y, time.November, 1), "All Saints' Day"},
		{day(y, time.December, 8), "Immaculate Conception"},
		{day(y, time.December, 25), "Christmas Day"},
		{day(y, time.December, 26), "St Stephen's Day"},
	}
	if y >= 2026 {
		hs = append(hs, Holiday{day(y, time.October, 4), "St Francis of Assisi"})
	}
	return hs
}

func spain(y int) []Holiday {
	return []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{day(y, time.January, 6), "Epiphany"},
		{Easter(y).AddDays(goodFriday), "Good Friday"},
		{day(y, time.May, 1), "Labour Day"},
		{day(y, time.August, 15), "Assumption Day"},
		{day(y, time.October, 12), "National Day of Spain"},
		{day(y, time.November, 1), "All Saints' Day"},
		{day(y, time.December, 6), "Constitution Day"},
		{day(y, time.December, 8), "Immaculate Conception"},
		{day(y, time.December, 25), "Christmas Day"},
	}
}

func poland(y int) []Holiday {
	e := Easter(y)
	hs := []Holiday{
		{day(y, time.January, 1), "New Year's Day"},
		{day(y, time.January, 6), "Epiphany"},
		{e.AddDays(easterMonday), "Easter Monday"},
		{day(y, time.May, 1), "Labour Day"},
		{day(y, time.May, 3), "Constitution Day"},
		{e.AddDays(corpusChrist), "Corpus Christi"},
		{day(y, time.August, 15), "Assumption Day"},
		{day(y, time.November, 1), "All Saints' Day"},
		{day(y, time.November, 11), "Independence Day"},
		{day(y, time.December, 25), "Christmas Day"},
		{day(y, time.December, 26), "Second Day of Christmas"},
	}
	if y >= 2025 {
		hs = append(hs, Holiday{day(y, time.December, 24), "Christmas Eve"})
	}
	return hs
}

func weekend(d Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// canonicalCode upper-cases a national code ("de" → "DE").
func canonicalCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }
