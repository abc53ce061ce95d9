package calendar_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/socledger/socledger/domain/compliance/calendar"
)

func TestEaster(t *testing.T) {
	t.Parallel()
	tests := map[int]string{
		2024: "2024-03-31",
		2025: "2025-04-20",
		2026: "2026-04-05",
		2027: "2027-03-28",
		2028: "2028-04-16",
		2029: "2029-04-01",
		2030: "2030-04-21",
		2000: "2000-04-23",
		2008: "2008-03-23",
		2018: "2018-04-01",
		2019: "2019-04-21",
		2038: "2038-04-25", // latest possible
		2285: "2285-03-22", // earliest possible
		1818: "1818-03-22",
	}
	for y, want := range tests {
		if got := calendar.Easter(y).String(); got != want {
			t.Errorf("Easter(%d) = %s, want %s", y, got, want)
		}
	}
}

func TestNationalCodes(t *testing.T) {
	t.Parallel()
	want := []string{"AT", "BE", "DE", "ES", "FR", "IE", "IT", "NL", "PL"}
	if got := calendar.NationalCodes(); !slices.Equal(got, want) {
		t.Fatalf("NationalCodes() = %v, want %v", got, want)
	}
	for _, code := range want {
		h, ok := calendar.National(code)
		if !ok || h.Name != code {
			t.Errorf("National(%q) = %v, %v", code, h, ok)
		}
	}
	if h, ok := calendar.National("de"); !ok || h.Name != "DE" {
		t.Errorf(`National("de") = %v, %v; want DE`, h, ok)
	}
	for _, code := range []string{"", "XX", "GB", "DE-BY", "DEU"} {
		if h, ok := calendar.National(code); ok || h != nil {
			t.Errorf("National(%q) = %v, %v; want nil, false", code, h, ok)
		}
	}
}

// TestNationalFullYears pins complete lists.
func TestNationalFullYears(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		year int
		want []string // "YYYY-MM-DD Name"
	}{
		{"DE", 2025, []string{
			"2025-01-01 New Year's Day", "2025-04-18 Good Friday", "2025-04-21 Easter Monday",
			"2025-05-01 Labour Day", "2025-05-29 Ascension Day", "2025-06-09 Whit Monday",
			"2025-10-03 German Unity Day", "2025-12-25 Christmas Day", "2025-12-26 St Stephen's Day",
		}},
		{"DE", 2026, []string{
			"2026-01-01 New Year's Day", "2026-04-03 Good Friday", "2026-04-06 Easter Monday",
			"2026-05-01 Labour Day", "2026-05-14 Ascension Day", "2026-05-25 Whit Monday",
			"2026-10-03 German Unity Day", "2026-12-25 Christmas Day", "2026-12-26 St Stephen's Day",
		}},
		{"NL", 2025, []string{
			"2025-01-01 New Year's Day", "2025-04-18 Good Friday", "2025-04-21 Easter Monday",
			"2025-04-26 King's Day", "2025-05-05 Liberation Day", "2025-05-29 Ascension Day",
			"2025-06-09 Whit Monday", "2025-12-25 Christmas Day", "2025-12-26 Second Day of Christmas",
		}},
		{"FR", 2025, []string{
			"2025-01-01 New Year's Day", "2025-04-21 Easter Monday", "2025-05-01 Labour Day",
			"2025-05-08 Victory in Europe Day", "2025-05-29 Ascension Day", "2025-06-09 Whit Monday",
			"2025-07-14 Bastille Day", "2025-08-15 Assumption Day", "2025-11-01 All Saints' Day",
			"2025-11-11 Armistice Day", "2025-12-25 Christmas Day",
		}},
		{"BE", 2025, []string{
			"2025-01-01 New Year's Day", "2025-04-21 Easter Monday", "2025-05-01 Labour Day",
			"2025-05-29 Ascension Day", "2025-06-09 Whit Monday", "2025-07-21 National Day",
			"2025-08-15 Assumption Day", "2025-11-01 All Saints' Day", "2025-11-11 Armistice Day",
			"2025-12-25 Christmas Day",
		}},
		{"AT", 2025, []string{
			"2025-01-01 New Year's Day", "2025-01-06 Epiphany", "2025-04-21 Easter Monday",
			"2025-05-01 Labour Day", "2025-05-29 Ascension Day", "2025-06-09 Whit Monday",
			"2025-06-19 Corpus Christi", "2025-08-15 Assumption Day", "2025-10-26 National Day",
			"2025-11-01 All Saints' Day", "2025-12-08 Immaculate Conception", "2025-12-25 Christmas Day",
			"2025-12-26 St Stephen's Day",
		}},
		{"IE", 2025, []string{
			"2025-01-01 New Year's Day", "2025-02-03 St Brigid's Day", "2025-03-17 St Patrick's Day",
			"2025-04-21 Easter Monday", "2025-05-05 May Bank Holiday", "2025-06-02 June Bank Holiday",
			"2025-08-04 August Bank Holiday", "2025-10-27 October Bank Holiday", "2025-12-25 Christmas Day",
			"2025-12-26 St Stephen's Day",
		}},
		{"IE", 2027, []string{
			"2027-01-01 New Year's Day", "2027-02-01 St Brigid's Day", "2027-03-17 St Patrick's Day",
			"2027-03-29 Easter Monday", "2027-05-03 May Bank Holiday", "2027-06-07 June Bank Holiday",
			"2027-08-02 August Bank Holiday", "2027-10-25 October Bank Holiday", "2027-12-25 Christmas Day",
			"2027-12-26 St Stephen's Day", "2027-12-27 Christmas Day (substitute)",
			"2027-12-28 St Stephen's Day (substitute)",
		}},
		{"IT", 2025, []string{
			"2025-01-01 New Year's Day", "2025-01-06 Epiphany", "2025-04-21 Easter Monday",
			"2025-04-25 Liberation Day", "2025-05-01 Labour Day", "2025-06-02 Republic Day",
			"2025-08-15 Assumption Day", "2025-11-01 All Saints' Day", "2025-12-08 Immaculate Conception",
			"2025-12-25 Christmas Day", "2025-12-26 St Stephen's Day",
		}},
		{"ES", 2025, []string{
			"2025-01-01 New Year's Day", "2025-01-06 Epiphany", "2025-04-18 Good Friday",
			"2025-05-01 Labour Day", "2025-08-15 Assumption Day", "2025-10-12 National Day of Spain",
			"2025-11-01 All Saints' Day", "2025-12-06 Constitution Day", "2025-12-08 Immaculate Conception",
			"2025-12-25 Christmas Day",
		}},
		{"PL", 2025, []string{
			"2025-01-01 New Year's Day", "2025-01-06 Epiphany", "2025-04-21 Easter Monday",
			"2025-05-01 Labour Day", "2025-05-03 Constitution Day", "2025-06-19 Corpus Christi",
			"2025-08-15 Assumption Day", "2025-11-01 All Saints' Day", "2025-11-11 Independence Day",
			"2025-12-24 Christmas Eve", "2025-12-25 Christmas Day", "2025-12-26 Second Day of Christmas",
		}},
		// Ascension on 1 May: one entry with both names.
		{"DE", 2008, []string{
			"2008-01-01 New Year's Day", "2008-03-21 Good Friday", "2008-03-24 Easter Monday",
			"2008-05-01 Labour Day / Ascension Day", "2008-05-12 Whit Monday",
			"2008-10-03 German Unity Day", "2008-12-25 Christmas Day", "2008-12-26 St Stephen's Day",
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s-%d", tt.code, tt.year), func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, x := range national(t, tt.code).InYear(tt.year) {
				got = append(got, x.Date.String()+" "+x.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("%s %d:\n got %q\nwant %q", tt.code, tt.year, got, tt.want)
			}
		})
	}
}

// TestNationalDates pins single dates across 2024-2030, holidays and
// deliberately excluded days.
func TestNationalDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, day string
		want      string // the name, "" for not a holiday
	}{
		// The movable feasts of 2025 (brief) and Easter Monday in other years.
		{"DE", "2025-04-18", "Good Friday"},
		{"DE", "2025-04-21", "Easter Monday"},
		{"DE", "2025-05-29", "Ascension Day"},
		{"DE", "2025-06-09", "Whit Monday"},
		{"DE", "2024-03-29", "Good Friday"},
		{"DE", "2024-04-01", "Easter Monday"},
		{"DE", "2026-04-06", "Easter Monday"},
		{"DE", "2027-03-29", "Easter Monday"},
		{"DE", "2030-04-19", "Good Friday"},
		{"DE", "2030-04-22", "Easter Monday"},
		{"DE", "2030-05-30", "Ascension Day"},
		{"DE", "2030-06-10", "Whit Monday"},
		// Germany: nationwide only.
		{"DE", "2025-01-06", ""}, // Epiphany: BW, BY, ST only
		{"DE", "2025-06-19", ""}, // Corpus Christi: some Länder
		{"DE", "2025-10-31", ""}, // Reformation Day: some Länder
		{"DE", "2025-11-01", ""}, // All Saints: some Länder
		{"DE", "2025-12-24", ""}, // Christmas Eve: not a public holiday
		{"DE", "2025-12-31", ""}, // New Year's Eve: not a public holiday
		{"DE", "2025-04-20", ""}, // Easter Sunday: a Sunday, not listed
		{"DE", "2025-03-08", ""}, // International Women's Day: Berlin only
		{"DE", "2025-04-17", ""}, // Maundy Thursday
		{"DE", "2025-04-22", ""}, // Tuesday after Easter
		{"DE", "2025-05-02", ""}, // Friday after 1 May
		{"DE", "2025-10-02", ""}, // day before Unity Day
		// Netherlands: King's Day moves to the 26th when the 27th is a Sunday.
		{"NL", "2025-04-26", "King's Day"},
		{"NL", "2025-04-27", ""},
		{"NL", "2026-04-27", "King's Day"},
		{"NL", "2031-04-26", "King's Day"},
		{"NL", "2024-04-27", "King's Day"},
		// Liberation Day only in lustrum years.
		{"NL", "2025-05-05", "Liberation Day"},
		{"NL", "2030-05-05", "Liberation Day"},
		{"NL", "2024-05-05", ""},
		{"NL", "2026-05-05", ""},
		{"NL", "2029-05-05", ""},
		{"NL", "2026-04-03", "Good Friday"},
		{"NL", "2025-05-30", ""}, // bridge day after Ascension
		// Ireland: St Brigid's Day.
		{"IE", "2024-02-05", "St Brigid's Day"},
		{"IE", "2025-02-03", "St Brigid's Day"},
		{"IE", "2026-02-02", "St Brigid's Day"},
		{"IE", "2027-02-01", "St Brigid's Day"},
		{"IE", "2030-02-01", "St Brigid's Day"}, // 1 February is a Friday
		{"IE", "2030-02-04", ""},
		{"IE", "2025-02-01", ""},
		// Ireland: weekend substitutes.
		{"IE", "2024-03-17", "St Patrick's Day"},
		{"IE", "2024-03-18", "St Patrick's Day (substitute)"},
		{"IE", "2029-03-19", "St Patrick's Day (substitute)"},
		{"IE", "2030-03-18", "St Patrick's Day (substitute)"},
		{"IE", "2025-03-18", ""},
		{"IE", "2028-01-03", "New Year's Day (substitute)"},
		{"IE", "2026-12-28", "St Stephen's Day (substitute)"},
		{"IE", "2027-12-27", "Christmas Day (substitute)"},
		{"IE", "2027-12-28", "St Stephen's Day (substitute)"},
		{"IE", "2022-12-27", "Christmas Day (substitute)"}, // Christmas Sunday, St Stephen's Monday
		{"IE", "2022-12-28", ""},
		{"IE", "2025-04-18", ""}, // Good Friday: not a public holiday
		{"IE", "2025-10-27", "October Bank Holiday"},
		{"IE", "2026-10-26", "October Bank Holiday"},
		{"IE", "2030-10-28", "October Bank Holiday"},
		{"IE", "2028-08-07", "August Bank Holiday"},
		{"IE", "2029-06-04", "June Bank Holiday"},
		{"IE", "2028-05-01", "May Bank Holiday"},
		// France, Belgium, Austria.
		{"FR", "2027-05-08", "Victory in Europe Day"},
		{"FR", "2025-04-18", ""}, // Good Friday: Alsace-Moselle only
		{"FR", "2025-12-26", ""}, // Alsace-Moselle only
		{"FR", "2028-06-05", "Whit Monday"},
		{"BE", "2025-07-21", "National Day"},
		{"BE", "2025-12-26", ""},
		{"BE", "2029-05-10", "Ascension Day"},
		{"AT", "2026-06-04", "Corpus Christi"},
		{"AT", "2025-04-18", ""}, // Good Friday: no longer a holiday
		{"AT", "2025-12-24", ""},
		{"AT", "2028-12-08", "Immaculate Conception"},
		// Italy: St Francis from 2026.
		{"IT", "2025-10-04", ""},
		{"IT", "2026-10-04", "St Francis of Assisi"},
		{"IT", "2027-10-04", "St Francis of Assisi"},
		{"IT", "2029-04-02", "Easter Monday"},
		{"IT", "2025-04-18", ""},
		{"IT", "2025-06-29", ""}, // Rome's patron saints: local
		// Spain: national days only.
		{"ES", "2026-04-03", "Good Friday"},
		{"ES", "2025-04-17", ""}, // Holy Thursday: regional
		{"ES", "2025-04-21", ""}, // Easter Monday: regional
		{"ES", "2025-10-13", ""}, // regional move of 12 October (a Sunday)
		{"ES", "2027-10-12", "National Day of Spain"},
		// Poland: Christmas Eve from 2025.
		{"PL", "2024-12-24", ""},
		{"PL", "2025-12-24", "Christmas Eve"},
		{"PL", "2030-12-24", "Christmas Eve"},
		{"PL", "2026-06-04", "Corpus Christi"},
		{"PL", "2030-06-20", "Corpus Christi"},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.day, func(t *testing.T) {
			t.Parallel()
			name, ok := national(t, tt.code).Holiday(date(t, tt.day))
			if ok != (tt.want != "") || name != tt.want {
				t.Fatalf("%s Holiday(%s) = %q, %v; want %q", tt.code, tt.day, name, ok, tt.want)
			}
		})
	}
}

// TestNationalInvariants: every calendar, every year 2024-2030: sorted,
// unique, in the year, named, and Holiday agrees with InYear.
func TestNationalInvariants(t *testing.T) {
	t.Parallel()
	for _, code := range calendar.NationalCodes() {
		h := national(t, code)
		for y := 2024; y <= 2030; y++ {
			list := h.InYear(y)
			if len(list) < 8 {
				t.Errorf("%s %d: only %d holidays", code, y, len(list))
			}
			byDate := map[calendar.Date]string{}
			for i, x := range list {
				if x.Date.Year != y || x.Name == "" {
					t.Errorf("%s %d: bad entry %v", code, y, x)
				}
				if i > 0 && list[i-1].Date.Compare(x.Date) >= 0 {
					t.Errorf("%s %d: not sorted/unique at %v", code, y, x)
				}
				byDate[x.Date] = x.Name
			}
			for d := (calendar.Date{Year: y, Month: 1, Day: 1}); d.Year == y; d = d.AddDays(1) {
				name, ok := h.Holiday(d)
				if want, listed := byDate[d]; ok != listed || name != want {
					t.Errorf("%s Holiday(%s) = %q, %v; InYear has %q, %v", code, d, name, ok, want, listed)
				}
			}
		}
	}
}

func TestNilAndZeroHolidays(t *testing.T) {
	t.Parallel()
	var nilH *calendar.Holidays
	for _, h := range []*calendar.Holidays{nilH, {}, {Name: "empty"}} {
		if name, ok := h.Holiday(date(t, "2025-12-25")); ok || name != "" {
			t.Errorf("%v.Holiday(Christmas) = %q, %v", h, name, ok)
		}
		if got := h.InYear(2025); len(got) != 0 {
			t.Errorf("%v.InYear(2025) = %v", h, got)
		}
	}
}

func TestWorking(t *testing.T) {
	t.Parallel()
	de := national(t, "DE")
	tests := []struct {
		day  string
		h    *calendar.Holidays
		want bool
	}{
		{"2025-03-07", de, true},   // Friday
		{"2025-03-08", de, false},  // Saturday
		{"2025-03-09", de, false},  // Sunday
		{"2025-03-10", de, true},   // Monday
		{"2025-04-18", de, false},  // Good Friday
		{"2025-04-18", nil, true},  // no calendar
		{"2025-04-21", de, false},  // Easter Monday
		{"2025-04-22", de, true},   // Tuesday
		{"2025-03-08", nil, false}, // Saturday without a calendar
	}
	for _, tt := range tests {
		if got := calendar.Working(date(t, tt.day), tt.h); got != tt.want {
			t.Errorf("Working(%s, %v) = %v, want %v", tt.day, tt.h != nil, got, tt.want)
		}
	}
}
