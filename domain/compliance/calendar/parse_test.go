package calendar_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/compliance/calendar"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	jsonFile := `{"name": "DE-BY", "extends": "DE",
	 "dates": [{"date": "2025-01-06", "name": "Epiphany"},
	           {"date": "2025-08-15", "name": " Assumption Day "},
	           {"date": "2025-10-03", "name": "Unity Day (tenant name)"}],
	 "except": ["2025-12-26"]}`
	textFile := "\uFEFF# Bavaria, 2025\r\n" +
		"extends de\r\n" +
		"\n" +
		"2025-01-06 Epiphany\n" +
		"   2025-08-15\tAssumption Day  \n" +
		"2025-10-03 Unity Day (tenant name)\n" +
		"except 2025-12-26 banks open (example)\n"
	wantDE := []string{
		"2025-01-01 New Year's Day", "2025-01-06 Epiphany", "2025-04-18 Good Friday",
		"2025-04-21 Easter Monday", "2025-05-01 Labour Day", "2025-05-29 Ascension Day",
		"2025-06-09 Whit Monday", "2025-08-15 Assumption Day", "2025-10-03 Unity Day (tenant name)",
		"2025-12-25 Christmas Day",
	}
	tests := []struct {
		name     string
		argName  string
		data     string
		wantName string
		year     int
		want     []string
	}{
		{"json", "DE-BY", jsonFile, "DE-BY", 2025, wantDE},
		{"json name from file", "", jsonFile, "DE-BY", 2025, wantDE},
		{"text", "DE-BY", textFile, "DE-BY", 2025, wantDE},
		{"json extended rules apply to other years", "DE-BY", jsonFile, "DE-BY", 2026, []string{
			"2026-01-01 New Year's Day", "2026-04-03 Good Friday", "2026-04-06 Easter Monday",
			"2026-05-01 Labour Day", "2026-05-14 Ascension Day", "2026-05-25 Whit Monday",
			"2026-10-03 German Unity Day", "2026-12-25 Christmas Day", "2026-12-26 St Stephen's Day",
		}},
		{"text without extends", "acme", "2025-12-24 Christmas Eve\n2025-12-31 New Year's Eve\n", "acme", 2025, []string{
			"2025-12-24 Christmas Eve", "2025-12-31 New Year's Eve",
		}},
		{"json without extends", "acme", `{"dates":[{"date":"2025-12-31","name":"New Year's Eve"}]}`, "acme", 2025, []string{
			"2025-12-31 New Year's Eve",
		}},
		{"empty text", "none", "", "none", 2025, nil},
		{"comments only", "none", "# nothing\n\n", "none", 2025, nil},
		{"empty json", "none", ` { } `, "none", 2025, nil},
		{"json extends only", "ie-bank", `{"extends":"IE","dates":[{"date":"2025-04-18","name":"Good Friday (banks closed)"}]}`, "ie-bank", 2025, []string{
			"2025-01-01 New Year's Day", "2025-02-03 St Brigid's Day", "2025-03-17 St Patrick's Day",
			"2025-04-18 Good Friday (banks closed)", "2025-04-21 Easter Monday", "2025-05-05 May Bank Holiday",
			"2025-06-02 June Bank Holiday", "2025-08-04 August Bank Holiday", "2025-10-27 October Bank Holiday",
			"2025-12-25 Christmas Day", "2025-12-26 St Stephen's Day",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := calendar.Parse(tt.argName, []byte(tt.data))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if h.Name != tt.wantName {
				t.Errorf("Name = %q, want %q", h.Name, tt.wantName)
			}
			var got []string
			for _, x := range h.InYear(tt.year) {
				got = append(got, x.Date.String()+" "+x.Name)
				if name, ok := h.Holiday(x.Date); !ok || name != x.Name {
					t.Errorf("Holiday(%s) = %q, %v; InYear says %q", x.Date, name, ok, x.Name)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("InYear(%d):\n got %q\nwant %q", tt.year, got, tt.want)
			}
		})
	}
}

func TestParseExceptRemoves(t *testing.T) {
	t.Parallel()
	h, err := calendar.Parse("nl-no-lustrum", []byte("extends NL\nexcept 2025-05-05\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Holiday(date(t, "2025-05-05")); ok {
		t.Error("2025-05-05 still a holiday")
	}
	if _, ok := h.Holiday(date(t, "2030-05-05")); !ok {
		t.Error("except removed 2030-05-05 too")
	}
	if !calendar.Working(date(t, "2025-05-05"), h) {
		t.Error("2025-05-05 not a working day")
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		argName   string
		data      string
		wantLine  int
		wantField string
		wantText  string // in the message
	}{
		// Text format.
		{"bad month", "c", "# x\n2025-13-01 Foo\n", 2, "date", "month out of range"},
		{"bad day", "c", "2025-02-29 Foo\n", 1, "date", "day out of range"},
		{"short date", "c", "2025-2-28 Foo\n", 1, "date", "not a date YYYY-MM-DD"},
		{"missing name", "c", "2025-01-06\n", 1, "name", "missing"},
		{"missing name with blanks", "c", "2025-01-06   \t\n", 1, "name", "missing"},
		{"control character in name", "c", "2025-01-06 Epi\x01phany\n", 1, "name", "control character"},
		{"long name", "c", "2025-01-06 " + strings.Repeat("x", 201) + "\n", 1, "name", "longer than"},
		{"duplicate", "c", "2025-01-06 A\n\n2025-01-06 B\n", 3, "date", "duplicate of line 1"},
		{"unknown directive", "c", "2025-01-06 A\nholiday 2025-01-07 B\n", 2, "", "want YYYY-MM-DD name"},
		{"extends twice", "c", "extends DE\nextends AT\n", 2, "extends", "given twice (also line 1)"},
		{"extends without code", "c", "extends\n", 1, "extends", "want extends CODE"},
		{"extends two codes", "c", "extends DE AT\n", 1, "extends", "want extends CODE"},
		{"extends unknown", "c", "# x\nextends XX\n", 2, "extends", "not a built-in national calendar (want one of AT, BE, DE"},
		{"except without extends", "c", "except 2025-12-26\n", 1, "except", "needs extends"},
		{"except not a holiday", "c", "extends DE\nexcept 2025-12-27\n", 2, "except", "not a holiday of DE"},
		{"except bad date", "c", "extends DE\nexcept 2025-12-32\n", 2, "except", "day out of range"},
		{"except missing date", "c", "extends DE\nexcept\n", 2, "except", "want except YYYY-MM-DD"},
		{"except and date", "c", "extends DE\n2025-12-26 X\nexcept 2025-12-26\n", 3, "except", "duplicate of line 2"},
		{"bad calendar name", "bad name!", "2025-01-06 A\n", 0, "name", "want a calendar name"},
		{"missing calendar name", "", "2025-01-06 A\n", 0, "name", "want a calendar name"},
		// JSON format.
		{"json bad date", "c", `{"dates":[{"date":"2025-01-06","name":"A"},{"date":"2025-1-7","name":"B"}]}`, 0, "dates[1].date", "not a date"},
		{"json missing name", "c", `{"dates":[{"date":"2025-01-06"}]}`, 0, "dates[0].name", "missing"},
		{"json duplicate", "c", `{"dates":[{"date":"2025-01-06","name":"A"},{"date":"2025-01-06","name":"B"}]}`, 0, "dates[1].date", "duplicate of dates[0]"},
		{"json except not a holiday", "c", `{"extends":"DE","except":["2025-12-26","2025-12-27"]}`, 0, "except[1]", "not a holiday of DE"},
		{"json except bad date", "c", `{"extends":"DE","except":["26.12.2025"]}`, 0, "except[0]", "not a date"},
		{"json except without extends", "c", `{"except":["2025-12-26"]}`, 0, "except[0]", "needs extends"},
		{"json extends unknown", "c", `{"extends":"GB"}`, 0, "extends", "not a built-in national calendar"},
		{"json unknown field", "c", "{\n  \"name\": \"c\",\n  \"holidays\": []\n}", 0, "", `unknown field "holidays"`},
		{"json syntax error", "c", "{\n  \"dates\": [\n    {\"date\": \"2025-01-06\" \"name\": \"A\"}\n  ]\n}", 3, "", "invalid JSON"},
		{"json truncated", "c", "{\n  \"dates\": [\n", 3, "", "invalid JSON"},
		{"json wrong type", "c", "{\n\"dates\": \"2025-01-06\"}", 2, "dates", "want a JSON slice"},
		{"json wrong type nested", "c", `{"dates":[{"date":20250106,"name":"A"}]}`, 1, "dates.date", "want a JSON string"},
		{"json trailing data", "c", "{}\n{}", 2, "", "data after the calendar object"},
		{"json name mismatch", "c", `{"name":"other"}`, 0, "name", `differs from the calendar's name "c"`},
		{"json bad name", "", `{"name":"a b"}`, 0, "name", `calendar "a b": name: "a b": want a calendar name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := calendar.Parse(tt.argName, []byte(tt.data))
			if err == nil {
				t.Fatalf("Parse = %v, want an error", h)
			}
			if !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("errors.Is(%v, domain.ErrInvalid) = false", err)
			}
			var pe *calendar.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if pe.Line != tt.wantLine || pe.Field != tt.wantField {
				t.Errorf("line, field = %d, %q; want %d, %q (%v)", pe.Line, pe.Field, tt.wantLine, tt.wantField, err)
			}
			if tt.argName != "" && pe.Calendar != tt.argName {
				t.Errorf("Calendar = %q, want %q", pe.Calendar, tt.argName)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := calendar.Parse("DE-BY", []byte("extends DE\n2025-13-01 Epiphany\n"))
	want := `calendar "DE-BY": line 2: date: "2025-13-01": not a date YYYY-MM-DD (month out of range)`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
	_, err = calendar.Parse("DE-BY", []byte(`{"dates":[{"date":"2025-01-06","name":""}]}`))
	want = `calendar "DE-BY": dates[0].name: missing (want the holiday's name)`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
}
