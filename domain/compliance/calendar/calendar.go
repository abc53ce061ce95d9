// Package calendar does the date arithmetic of the reporting clocks
// (compliance-spec.md §4.3, §4.4): adding calendar months on an entity's
// local calendar with month-end clamping, resolving local wall-clock times
// across daylight-saving changes, and moving a due time that falls on a
// weekend or bank holiday to noon of the next working day. Bank holidays are
// data: national calendars are built in, and a tenant may load its own.
// Time zones are passed in as *time.Location (loading them is I/O, done at
// the edge); a nil *time.Location means UTC everywhere in this package.
//
// # Wall-clock times
//
// LocalTime resolves a wall-clock time explicitly from the zone's offset
// periods (time.Time.ZoneBounds) instead of relying on time.Date, whose
// choice for skipped and repeated times is not specified: a time skipped
// by a spring-forward change becomes the first instant after the gap (the
// transition itself: Berlin 2025-03-30 02:30 → 03:00 CEST), a time that
// occurs twice becomes the earlier instant (Berlin 2025-10-26 02:30 → 02:30
// CEST). This holds for any gap, including a whole skipped day.
//
// # Month addition
//
// AddMonths with tenant.MonthSameInstant keeps the local clock time to the
// nanosecond and the day of month, clamped to the target month's last day;
// n may be negative; n = 0 returns t unchanged. Under
// tenant.MonthEU1182EndOfDay the result is the last instant of the target
// (clamped) local day: the instant just before the next local day starts,
// which is 23:59:59.999999999 local in every ordinary zone. Any other rule
// value is treated as MonthSameInstant (the profile validates it).
//
// # National calendars
//
// National(code) computes its dates from rules for any year (fixed dates,
// Easter-based feasts via the Gregorian computus, n-th weekday rules), as
// in force from 2024; earlier years are not historically accurate. A
// calendar lists the nationwide bank holidays of the Member State: its
// statutory nationwide public holidays, never regional ones. Feasts that
// always fall on a Sunday (Easter Sunday, Whit Sunday) are not listed, a
// Sunday is never a working day anyway. Omitting a doubtful day only makes
// a due time earlier, never later; a tenant calendar can add it. Per country:
//
//   - DE: New Year, Good Friday, Easter Monday, 1 May, Ascension, Whit
//     Monday, 3 October, 25 and 26 December. Not the Länder holidays, and not
//     24/31 December (banks often close, but they are not public holidays).
//   - NL: New Year, Good Friday (Algemene termijnenwet art. 3(2); TARGET2 is
//     closed), Easter Monday, King's Day (27 April, or 26 April when the 27th
//     is a Sunday), Ascension, Whit Monday, 25 and 26 December. Liberation Day
//     (5 May) is listed only in years divisible by 5 (2025, 2030), when it is
//     a general day off; in other years banks work although the Algemene
//     termijnenwet counts it every year. Bridge days set by royal decree are
//     not listed.
//   - FR: New Year, Easter Monday, 1 May, 8 May, Ascension, Whit Monday
//     (statutory, even where worked as the journée de solidarité), 14 July,
//     15 August, 1 November, 11 November, 25 December. Not Alsace-Moselle's
//     Good Friday and 26 December.
//   - BE: New Year, Easter Monday, 1 May, Ascension, Whit Monday, 21 July,
//     15 August, 1 November, 11 November, 25 December. Not 26 December.
//   - AT: New Year, 6 January, Easter Monday, 1 May, Ascension, Whit Monday,
//     Corpus Christi, 15 August, 26 October, 1 November, 8 December, 25 and
//     26 December. Not Good Friday, 24/31 December.
//   - IE: the public holidays: New Year, St Brigid's Day (first Monday in
//     February, or 1 February when that is a Friday; from 2023), St
//     Patrick's Day, Easter Monday, first Monday in May, June and August,
//     last Monday in October, Christmas Day, St Stephen's Day; plus the bank
//     practice that when New Year, St Patrick's, Christmas or St Stephen's
//     Day falls on a Saturday or Sunday the bank holiday is the next weekday
//     that is not already one (Christmas on Saturday: Mon 27 and Tue 28;
//     Christmas on Sunday: Mon 26 is St Stephen's, Tue 27 the substitute).
//     Good Friday is not listed: banks close, but it is not a public holiday.
//   - IT: New Year, 6 January, Easter Monday, 25 April, 1 May, 2 June, 15
//     August, 4 October (St Francis, from 2026), 1 November, 8 December, 25
//     and 26 December. Not the local patron-saint days.
//   - ES: the national holidays only: New Year, 6 January, Good Friday, 1
//     May, 15 August, 12 October, 1 November, 6 December, 8 December, 25
//     December. Not Holy Thursday, Easter Monday or other regional days, and
//     not the regional moves of a holiday that falls on a Sunday.
//   - PL: New Year, 6 January, Easter Monday, 1 May, 3 May, Corpus Christi,
//     15 August, 1 November, 11 November, 24 December (from 2025), 25 and 26
//     December.
//
// # Tenant calendar files
//
// Parse reads one of two formats, told apart by the first non-blank
// character ('{' means JSON). JSON:
//
//	{"name": "DE-BY", "extends": "DE",
//	 "dates": [{"date": "2025-01-06", "name": "Epiphany"}],
//	 "except": ["2025-05-05"]}
//
// or text, one entry a line ("except" may be followed by a comment),
// blank lines and lines starting with '#' ignored:
//
//	extends DE
//	2025-01-06 Epiphany
//	except 2025-05-05 Liberation Day only in lustrum years
//
// "extends" (optional, at most once) names a built-in national calendar
// whose rules the tenant calendar includes; "dates" adds holidays (a date
// YYYY-MM-DD and a non-empty name); "except" removes dates of the extended
// national calendar (each must be one of its holidays, and needs
// "extends"). A date may appear once. The JSON "name" is optional; when both
// it and Parse's name argument are given they must be equal. Unknown JSON
// fields are errors. Every error is a *ParseError naming the line (text, or
// JSON syntax errors) or the entry ("dates[2].date") and matching
// domain.ErrInvalid.
package calendar

import (
	"fmt"
	"time"

	"github.com/socledger/socledger/domain/tenant"
)

// Date is a civil date, without a time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(orUTC(loc)).Date()
	return Date{y, m, d}
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Holidays is one bank-holiday calendar: a named set of dates.
type Holidays struct {
	// Name is the calendar's name ("DE", or a tenant calendar's name).
	Name string
	// rules computes the built-in (national) holidays of a year; nil for
	// none. They must be sorted by date.
	rules func(year int) []Holiday
	// added are a tenant calendar's own dates; they win over rules.
	added map[Date]string
	// removed are dates of rules that a tenant calendar takes out.
	removed map[Date]bool
}

// Holiday reports whether d is a bank holiday of h, and its name.
// A nil *Holidays has no holidays.
func (h *Holidays) Holiday(d Date) (string, bool) {
	if h == nil {
		return "", false
	}
	if name, ok := h.added[d]; ok {
		return name, true
	}
	if h.removed[d] || h.rules == nil {
		return "", false
	}
	for _, x := range mergeSameDay(h.rules(d.Year)) {
		if x.Date == d {
			return x.Name, true
		}
	}
	return "", false
}

// National returns the built-in national bank-holiday calendar of a Member
// State (ISO 3166-1 alpha-2: DE, NL, FR, BE, AT, IE, IT, ES, PL at least),
// covering at least 2024-2030, and false for an unknown code.
//
// The code is matched case-insensitively; the calendar's Name is upper case.
func National(code string) (*Holidays, bool) {
	code = canonicalCode(code)
	rules, ok := nationalRules[code]
	if !ok {
		return nil, false
	}
	return &Holidays{Name: code, rules: rules}, true
}

// Parse reads a tenant-loaded calendar (format documented in the package
// doc) and returns it, or an error naming the line or entry that is wrong.
func Parse(name string, data []byte) (*Holidays, error) { return parse(name, data) }

// LocalTime returns the instant of wall-clock time hh:mm:ss on date d in loc
// (§4.3): a time in a spring-forward gap moves to the first instant after
// the gap; a time that occurs twice (autumn overlap) is the earlier instant.
// Out-of-range values are normalized as time.Date does (hour 24 is the next
// day's midnight). The result is in loc.
func LocalTime(d Date, hour, min, sec int, loc *time.Location) time.Time {
	return localTime(d, hour, min, sec, 0, orUTC(loc))
}

// AddMonths returns t plus n calendar months on loc's calendar (§4.3):
// under tenant.MonthSameInstant the same local clock time on the same date
// n months later, clamped to the month's last day (31 Jan 15:00 → 28 Feb
// 15:00), resolved with LocalTime's DST rules; under
// tenant.MonthEU1182EndOfDay the end of that (clamped) day, 23:59:59.999999999
// local. An empty rule means MonthSameInstant.
func AddMonths(t time.Time, n int, loc *time.Location, rule tenant.MonthRule) time.Time {
	loc = orUTC(loc)
	if n == 0 && rule != tenant.MonthEU1182EndOfDay {
		return t
	}
	local := t.In(loc)
	y, m, day := local.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC) // normalizes the month
	target := Date{first.Year(), first.Month(), min(day, daysIn(first.Year(), first.Month()))}
	var r time.Time
	if rule == tenant.MonthEU1182EndOfDay {
		r = localTime(target.AddDays(1), 0, 0, 0, 0, loc).Add(-time.Nanosecond)
	} else {
		hh, mm, ss := local.Clock()
		r = localTime(target, hh, mm, ss, local.Nanosecond(), loc)
	}
	return r.In(t.Location())
}

// Working reports whether d is a working day: not Saturday, not Sunday, and
// not a holiday of h.
func Working(d Date, h *Holidays) bool {
	if weekend(d) {
		return false
	}
	_, holiday := h.Holiday(d)
	return !holiday
}

// Relief returns noon local time (LocalTime 12:00) of the first working day
// after due's local date, and true, when due's local date (in loc) is not a
// working day; otherwise due and false (§4.4). The result is in due's
// location.
func Relief(due time.Time, loc *time.Location, h *Holidays) (time.Time, bool) {
	loc = orUTC(loc)
	d := DateOf(due, loc)
	if Working(d, h) {
		return due, false
	}
	// Terminates: national rules leave most days working, and a tenant
	// calendar's added dates are finite.
	for d = d.AddDays(1); !Working(d, h); d = d.AddDays(1) {
	}
	return LocalTime(d, 12, 0, 0, loc).In(due.Location()), true
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
