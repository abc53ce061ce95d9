package calendar_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/socledger/socledger/domain/compliance/calendar"
)

func TestRelief(t *testing.T) {
	t.Parallel()
	bavaria, err := calendar.Parse("DE-BY", []byte("extends DE\n2025-01-06 Epiphany\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		due         string
		zone        string // "" means nil (UTC)
		cal         string // national code, "DE-BY" (above), or "" for none
		want        string
		wantRelieve bool
	}{
		// §7 scenario 9: raw 03-08 13:00Z (Sat) → Mon 12:00 CET.
		{"scenario 9", "2025-03-08T13:00:00Z", "Europe/Berlin", "DE", "2025-03-10T11:00:00Z", true},
		// Good Friday → Easter Monday is a holiday too → Tue 12:00 CEST.
		{"good friday", "2025-04-18T10:00:00Z", "Europe/Berlin", "DE", "2025-04-22T10:00:00Z", true},
		{"easter sunday", "2025-04-20T10:00:00Z", "Europe/Berlin", "DE", "2025-04-22T10:00:00Z", true},
		{"working day unchanged", "2025-03-10T09:00:00Z", "Europe/Berlin", "DE", "2025-03-10T09:00:00Z", false},
		{"friday late unchanged", "2025-03-07T22:59:59Z", "Europe/Berlin", "DE", "2025-03-07T22:59:59Z", false},
		// The local date decides, not the UTC date.
		{"local saturday, utc friday", "2025-03-07T23:30:00Z", "Europe/Berlin", "DE", "2025-03-10T11:00:00Z", true},
		{"local monday, utc sunday", "2025-03-09T23:30:00Z", "Europe/Berlin", "DE", "2025-03-09T23:30:00Z", false},
		// Noon after the spring change is CEST.
		{"weekend before DST change", "2025-03-29T10:00:00Z", "Europe/Berlin", "DE", "2025-03-31T10:00:00Z", true},
		{"no calendar: good friday works", "2025-04-18T10:00:00Z", "Europe/Berlin", "", "2025-04-18T10:00:00Z", false},
		{"nil location is utc", "2025-03-08T13:00:00Z", "", "DE", "2025-03-10T12:00:00Z", true},
		{"tenant calendar", "2025-01-04T10:00:00Z", "Europe/Berlin", "DE-BY", "2025-01-07T11:00:00Z", true},
		{"national without epiphany", "2025-01-04T10:00:00Z", "Europe/Berlin", "DE", "2025-01-06T11:00:00Z", true},
		{"dublin christmas saturday", "2027-12-25T10:00:00Z", "Europe/Dublin", "IE", "2027-12-29T12:00:00Z", true},
		{"dublin substitute monday", "2024-03-18T09:00:00Z", "Europe/Dublin", "IE", "2024-03-19T12:00:00Z", true},
		{"amsterdam lustrum liberation day", "2025-05-03T10:00:00Z", "Europe/Amsterdam", "NL", "2025-05-06T10:00:00Z", true},
		{"amsterdam liberation day 2026 works", "2026-05-05T10:00:00Z", "Europe/Amsterdam", "NL", "2026-05-05T10:00:00Z", false},
		{"warsaw christmas eve 2025", "2025-12-24T08:00:00Z", "Europe/Warsaw", "PL", "2025-12-29T11:00:00Z", true},
		{"new york weekend", "2025-03-08T18:00:00Z", "America/New_York", "", "2025-03-10T16:00:00Z", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var loc *time.Location
			if tt.zone != "" {
				loc = zone(t, tt.zone)
			}
			var h *calendar.Holidays
			switch tt.cal {
			case "":
			case "DE-BY":
				h = bavaria
			default:
				h = national(t, tt.cal)
			}
			due := utc(t, tt.due)
			got, relieved := calendar.Relief(due, loc, h)
			if want := utc(t, tt.want); !got.Equal(want) || relieved != tt.wantRelieve {
				t.Fatalf("Relief(%s) = %s, %v; want %s, %v", tt.due, got.UTC(), relieved, want, tt.wantRelieve)
			}
			if got.Location() != due.Location() {
				t.Errorf("result location = %v, want the input's %v", got.Location(), due.Location())
			}
		})
	}
}

// TestReliefProperties: for random due times over 2024-2030, in several
// zones and calendars, the result is never before due; unrelieved it is due
// itself on a working day; relieved it is 12:00 local of a working day and
// every day from due's local date up to it is not a working day.
func TestReliefProperties(t *testing.T) {
	t.Parallel()
	cases := []struct{ zone, cal string }{
		{"Europe/Berlin", "DE"}, {"Europe/Amsterdam", "NL"}, {"Europe/Paris", "FR"},
		{"Europe/Brussels", "BE"}, {"Europe/Vienna", "AT"}, {"Europe/Dublin", "IE"},
		{"Europe/Rome", "IT"}, {"Europe/Madrid", "ES"}, {"Europe/Warsaw", "PL"},
		{"America/New_York", "DE"}, {"UTC", ""},
	}
	for _, c := range cases {
		t.Run(c.zone+"/"+c.cal, func(t *testing.T) {
			t.Parallel()
			loc := zone(t, c.zone)
			var h *calendar.Holidays
			if c.cal != "" {
				h = national(t, c.cal)
			}
			rng := rand.New(rand.NewPCG(7, uint64(len(c.zone)*31+len(c.cal))))
			start := utc(t, "2024-01-01T00:00:00Z")
			span := utc(t, "2030-12-31T00:00:00Z").Sub(start)
			for range 5000 {
				due := start.Add(time.Duration(rng.Int64N(int64(span))))
				got, relieved := calendar.Relief(due, loc, h)
				if got.Before(due) {
					t.Fatalf("Relief(%s) = %s: before due", due, got)
				}
				dueDay := calendar.DateOf(due, loc)
				if !relieved {
					if !got.Equal(due) || !calendar.Working(dueDay, h) {
						t.Fatalf("Relief(%s) = %s, false: want due unchanged on a working day", due, got)
					}
					continue
				}
				gotDay := calendar.DateOf(got, loc)
				if !calendar.Working(gotDay, h) || got.In(loc).Format(time.TimeOnly) != "12:00:00" {
					t.Fatalf("Relief(%s) = %s: not noon local of a working day", due, got.In(loc))
				}
				for d := dueDay; d.Compare(gotDay) < 0; d = d.AddDays(1) {
					if calendar.Working(d, h) {
						t.Fatalf("Relief(%s) = %s: skipped working day %s", due, got.In(loc), d)
					}
				}
			}
		})
	}
}
