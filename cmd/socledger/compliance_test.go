package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain/compliance"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// runCompliance runs "socledger compliance args…" and returns stdout and
// the error.
func runCompliance(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), append([]string{"socledger", "compliance"}, args...), env(nil), &out, io.Discard)
	return out.String(), err
}

// recordedDir records files with --backfill into a new data directory.
func recordedDir(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := runRecord(t, append([]string{"--data", dir, "--backfill"}, files...)...); err != nil {
		t.Fatal(err)
	}
	return dir
}

// incidentReport runs a JSON report on one incident.
func incidentReport(t *testing.T, dir, tenantID, inc, asOf string) reportJSON {
	t.Helper()
	out, err := runCompliance(t, "--data", dir, "--tenant", tenantID, "--incident", inc, "--as-of", asOf, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var r reportJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	return r
}

// obligation returns the row of kind.
func obligation(t *testing.T, r reportJSON, kind incident.ReportKind) obligationJSON {
	t.Helper()
	for _, o := range r.Obligations {
		if o.Kind == kind {
			return o
		}
	}
	t.Fatalf("report of %s has no %s row", r.Incident, kind)
	return obligationJSON{}
}

// utc parses an RFC 3339 time of a test table.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantRow is what a test expects of one obligation.
type wantRow struct {
	kind    incident.ReportKind
	due     string // RFC 3339; "" for none
	verdict compliance.Verdict
	margin  string
	flag    string // a flag it must carry
	noFlag  string // a flag it must not carry
}

func checkRows(t *testing.T, r reportJSON, rows []wantRow) {
	t.Helper()
	for _, w := range rows {
		o := obligation(t, r, w.kind)
		switch {
		case w.due == "" && o.DueAt != nil:
			t.Errorf("%s %s: due %s, want none", r.Incident, w.kind, o.DueAt)
		case w.due != "" && (o.DueAt == nil || !o.DueAt.Equal(utc(t, w.due))):
			t.Errorf("%s %s: due %v, want %s", r.Incident, w.kind, o.DueAt, w.due)
		}
		if o.Verdict != w.verdict {
			t.Errorf("%s %s: verdict %s, want %s", r.Incident, w.kind, o.Verdict, w.verdict)
		}
		if w.margin != "" && o.Margin != w.margin {
			t.Errorf("%s %s: margin %s, want %s", r.Incident, w.kind, o.Margin, w.margin)
		}
		if w.flag != "" && !slices.Contains(o.Flags, w.flag) {
			t.Errorf("%s %s: flags %v, want %s", r.Incident, w.kind, o.Flags, w.flag)
		}
		if w.noFlag != "" && slices.Contains(o.Flags, w.noFlag) {
			t.Errorf("%s %s: flags %v, want no %s", r.Incident, w.kind, o.Flags, w.noFlag)
		}
	}
}

// checkSources checks that every obligation cites its events' chain hashes
// as the store holds them, and that the report lists those events.
func checkSources(t *testing.T, dir string, r reportJSON) {
	t.Helper()
	stored := map[string]string{}
	for _, ev := range readAllEvents(t, dir) {
		stored[ev.EventID.String()] = ev.Hash.String()
	}
	listed := map[string]string{}
	for _, ev := range r.Events {
		listed[ev.ID] = ev.Hash
	}
	for _, o := range r.Obligations {
		if len(o.SourceEventIDs) == 0 || len(o.SourceHashes) != len(o.SourceEventIDs) {
			t.Errorf("%s: %d source IDs, %d hashes", o.Kind, len(o.SourceEventIDs), len(o.SourceHashes))
			continue
		}
		for i, id := range o.SourceEventIDs {
			if h := o.SourceHashes[i]; h == "" || h != stored[id] || listed[id] != h {
				t.Errorf("%s: source %s hash %q, stored %q, listed %q", o.Kind, id, h, stored[id], listed[id])
			}
		}
	}
}

// TestComplianceScenario6 is compliance-spec.md §7 scenario 6, recorded from
// a fact file and reported from the data directory.
func TestComplianceScenario6(t *testing.T) {
	t.Parallel()
	dir := recordedDir(t, scenario6File)
	r := incidentReport(t, dir, "bank", "INC-6", "2025-05-01T00:00:00Z")
	if r.Tenant != "bank" || r.Incident != "INC-6" || r.AnyMissed || r.RuleSetVersion != compliance.RuleSetVersion || !r.AsOf.Equal(utc(t, "2025-05-01T00:00:00Z")) {
		t.Errorf("report %s/%s anyMissed %v ruleSet %s asOf %s", r.Tenant, r.Incident, r.AnyMissed, r.RuleSetVersion, r.AsOf)
	}
	checkRows(t, r, []wantRow{
		{kind: incident.DORAInitial, due: "2025-03-04T15:00:00Z", verdict: compliance.VerdictOnTime, margin: "1h0m0s"},
		{kind: incident.DORAIntermediate, due: "2025-03-07T14:00:00Z", verdict: compliance.VerdictOnTime, margin: "4h0m0s"},
		{kind: incident.DORAFinal, due: "2025-04-10T09:00:00Z", verdict: compliance.VerdictOnTime, margin: "18h0m0s"},
	})
	checkSources(t, dir, r)
	if len(r.Events) != 12 || r.EventsAfterAsOf != 0 || r.TimeZone != "UTC" || r.HolidayCalendar != "DE" {
		t.Errorf("%d events, %d later, zone %s, calendar %s", len(r.Events), r.EventsAfterAsOf, r.TimeZone, r.HolidayCalendar)
	}

	// As of 9 March, before the updated intermediate report: the final
	// report counts from the intermediate one (04-07 10:00), and what
	// was recorded later is not used.
	r = incidentReport(t, dir, "bank", "INC-6", "2025-03-09T00:00:00Z")
	checkRows(t, r, []wantRow{
		{kind: incident.DORAInitial, due: "2025-03-04T15:00:00Z", verdict: compliance.VerdictOnTime},
		{kind: incident.DORAFinal, due: "2025-04-07T10:00:00Z", verdict: compliance.VerdictPending},
	})
	if r.EventsAfterAsOf != 4 || len(r.Events) != 8 {
		t.Errorf("as of 03-09: %d events used, %d later; want 8 and 4", len(r.Events), r.EventsAfterAsOf)
	}
}

// TestComplianceScenario17 is scenario 17 (GDPR, late with reasons) and its
// variant without reasons, as a tenant report.
func TestComplianceScenario17(t *testing.T) {
	t.Parallel()
	dir := recordedDir(t, scenario17File)
	out, err := runCompliance(t, "--data", dir, "--tenant", "shop", "--as-of", "2025-05-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	var tr tenantJSON
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		t.Fatalf("%v in:\n%s", err, out)
	}
	if tr.Tenant != "shop" || tr.Name != "Example Shop GmbH" || !tr.AnyMissed || len(tr.Reports) != 2 || len(tr.Incidents) != 2 || len(tr.Misses) != 2 {
		t.Fatalf("tenant report: tenant %s name %q anyMissed %v, %d reports, %d summarized, %d misses",
			tr.Tenant, tr.Name, tr.AnyMissed, len(tr.Reports), len(tr.Incidents), len(tr.Misses))
	}
	if len(tr.Rates) != 1 || tr.Rates[0].Late != 2 || tr.Rates[0].Rate == nil || *tr.Rates[0].Rate != 0 {
		t.Errorf("rates %+v, want GDPR 0 on time, 2 late", tr.Rates)
	}
	withReasons, without := tr.Reports[0], tr.Reports[1]
	if withReasons.Incident != "INC-17" || without.Incident != "INC-17B" {
		t.Fatalf("reports %s, %s", withReasons.Incident, without.Incident)
	}
	checkRows(t, withReasons, []wantRow{{kind: incident.GDPRSupervisoryAuthority, due: "2025-03-06T10:00:00Z",
		verdict: compliance.VerdictLate, margin: "-2h0m0s", noFlag: compliance.FlagArt33ReasonsMissing}})
	checkRows(t, without, []wantRow{{kind: incident.GDPRSupervisoryAuthority, due: "2025-03-06T10:00:00Z",
		verdict: compliance.VerdictLate, margin: "-2h0m0s", flag: compliance.FlagArt33ReasonsMissing}})
	if s := obligation(t, withReasons, incident.GDPRSupervisoryAuthority).Submissions; len(s) != 1 || s[0].DelayReason == "" {
		t.Errorf("submissions %+v, want the reasons for the delay", s)
	}
	for _, r := range tr.Reports {
		checkSources(t, dir, r)
	}

	// A period the incidents do not touch.
	out, err = runCompliance(t, "--data", dir, "--tenant", "shop", "--as-of", "2025-08-01T00:00:00Z", "--from", "2025-06-01T00:00:00Z", "--to", "2025-07-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	tr = tenantJSON{}
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		t.Fatal(err)
	}
	if len(tr.Reports) != 0 || tr.From == nil || !tr.AsOf.Equal(utc(t, "2025-08-01T00:00:00Z")) {
		t.Errorf("June report: %d reports, from %v, asOf %s", len(tr.Reports), tr.From, tr.AsOf)
	}
}

// TestComplianceCorrectionByTargetLine: the awareness time corrected by a
// later line (targetLine) moves the due time, from when the correction is
// recorded on.
func TestComplianceCorrectionByTargetLine(t *testing.T) {
	t.Parallel()
	dir := recordedDir(t, correctionFile)
	before := incidentReport(t, dir, "clinic", "INC-C", "2025-03-10T00:00:00Z")
	checkRows(t, before, []wantRow{{kind: incident.GDPRSupervisoryAuthority, due: "2025-03-06T12:00:00Z", verdict: compliance.VerdictOnTime}})
	after := incidentReport(t, dir, "clinic", "INC-C", "2025-04-01T00:00:00Z")
	checkRows(t, after, []wantRow{{kind: incident.GDPRSupervisoryAuthority, due: "2025-03-06T10:00:00Z", verdict: compliance.VerdictLate, margin: "-2h0m0s"}})
	if after.TimeZone != "Europe/Amsterdam" || after.HolidayCalendar != "NL" {
		t.Errorf("zone %s, calendar %s", after.TimeZone, after.HolidayCalendar)
	}
	checkSources(t, dir, after)
}

func TestComplianceCSV(t *testing.T) {
	t.Parallel()
	dir := recordedDir(t, scenario6File)
	out, err := runCompliance(t, "--data", dir, "--tenant", "bank", "--as-of", "2025-05-01T00:00:00Z", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"incident", "regime", "kind", "required", "ruleRef", "anchorAt", "rawDueAt", "dueAt", "reliefApplied",
		"submittedAt", "verdict", "margin", "missedAt", "flags", "sourceEventIds", "sourceHashes"}
	if len(rows) < 2 || !slices.Equal(rows[0][:len(wantHeader)], wantHeader) {
		t.Fatalf("header %v, want it to start with %v", rows[0], wantHeader)
	}
	col := func(row []string, name string) string { return row[slices.Index(rows[0], name)] }
	var initial []string
	for _, row := range rows[1:] {
		if col(row, "kind") == string(incident.DORAInitial) {
			initial = row
		}
	}
	if initial == nil {
		t.Fatalf("no DORA_INITIAL row in\n%s", out)
	}
	for name, want := range map[string]string{
		"incident": "INC-6", "regime": "DORA", "required": "yes", "anchorAt": "2025-03-04T11:00:00Z",
		"rawDueAt": "2025-03-04T15:00:00Z", "dueAt": "2025-03-04T15:00:00Z", "reliefApplied": "false",
		"submittedAt": "2025-03-04T14:00:00Z", "verdict": "on_time", "margin": "1h0m0s", "missedAt": "", "tenant": "bank",
	} {
		if got := col(initial, name); got != want {
			t.Errorf("DORA_INITIAL %s = %q, want %q", name, got, want)
		}
	}
	ids, hashes := strings.Split(col(initial, "sourceEventIds"), ";"), strings.Split(col(initial, "sourceHashes"), ";")
	if len(ids) == 0 || len(ids) != len(hashes) || len(hashes[0]) != 64 {
		t.Errorf("sources %v, hashes %v", ids, hashes)
	}
}

func TestComplianceHTML(t *testing.T) {
	t.Parallel()
	dir := recordedDir(t, scenario6File, scenario17File)
	out, err := runCompliance(t, "--data", dir, "--tenant", "shop", "--as-of", "2025-05-01T00:00:00Z", "--format", "html")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "Example Shop GmbH", "2025-05-01T00:00:00Z", compliance.RuleSetVersion,
		"Incident INC-17", "Incident INC-17B", `class="v-late">late<`, compliance.FlagArt33ReasonsMissing, "Generated at", "socledger verify", "@media print"} {
		if !strings.Contains(out, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, external := range []string{"<script", "<link", "src=", "http://", "https://", "@import", "url("} {
		if strings.Contains(out, external) {
			t.Errorf("HTML is not self-contained: it holds %q", external)
		}
	}
	out, err = runCompliance(t, "--data", dir, "--tenant", "bank", "--incident", "INC-6", "--as-of", "2025-05-01T00:00:00Z", "--format", "html")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, `class="v-on-time">on_time<`); n != 3 {
		t.Errorf("%d on_time verdicts in the HTML, want 3", n)
	}
}

// TestComplianceScenario9Holidays is scenario 9 (DORA payment institution
// in Berlin, weekend relief), then the same with a tenant calendar that
// makes the Monday a holiday.
func TestComplianceScenario9Holidays(t *testing.T) {
	t.Parallel()
	// Recorded live (no backfill), so reported as of now.
	facts := func(calendarRef string) string {
		return fmt.Sprintf(`{"type":"TenantCreated","tenant":"pay","name":"Pay GmbH","regimes":["DORA"],"doraEntityType":"payment_institution","memberState":"DE","tz":"Europe/Berlin","holidayCalendarRef":%q}
{"type":"IncidentOpened","incident":"INC-9","title":"Card payments failing","at":"2025-03-07T19:00:00Z"}
{"type":"AwarenessEstablished","incident":"INC-9","regime":"DORA","at":"2025-03-07T20:00:00Z","basis":"Card authorisations failing"}
{"type":"ClassificationAssessedDORA","incident":"INC-9","at":"2025-03-08T09:00:00Z","result":"major","gate":["6(b)"],"thresholds":[{"code":"RTS2024/1772:9(1)(a)"},{"code":"RTS2024/1772:9(6)"}],"rule":"8(1)(b)"}
{"type":"NotificationSubmitted","incident":"INC-9","submissionId":"S-1","kinds":["DORA_INITIAL"],"sentAt":"2025-03-10T10:30:00Z","authority":"BaFin"}
`, calendarRef)
	}
	dir := t.TempDir()
	if _, err := runRecord(t, "--data", dir, tempFile(t, "s9.ndjson", facts(""))); err != nil {
		t.Fatal(err)
	}
	r := incidentReport(t, dir, "pay", "INC-9", "now")
	checkRows(t, r, []wantRow{
		{kind: incident.DORAInitial, due: "2025-03-10T11:00:00Z", verdict: compliance.VerdictOnTime},
		{kind: incident.DORAIntermediate, due: "2025-03-13T10:30:00Z", verdict: compliance.VerdictOverdue},
	})
	if o := obligation(t, r, incident.DORAInitial); !o.ReliefApplied || o.RawDueAt == nil || !o.RawDueAt.Equal(utc(t, "2025-03-08T13:00:00Z")) {
		t.Errorf("initial: relief %v raw %v, want relief from 03-08 13:00", o.ReliefApplied, o.RawDueAt)
	}

	// A tenant calendar: without --holidays the report refuses to guess.
	dir = t.TempDir()
	if _, err := runRecord(t, "--data", dir, tempFile(t, "s9.ndjson", facts("PAY-CAL"))); err != nil {
		t.Fatal(err)
	}
	if _, err := runCompliance(t, "--data", dir, "--tenant", "pay", "--as-of", "now"); err == nil || !strings.Contains(err.Error(), "--holidays") {
		t.Fatalf("unknown calendar without --holidays: %v", err)
	}
	cal := tempFile(t, "pay-cal.txt", "extends DE\n2025-03-10 Company day\n")
	out, err := runCompliance(t, "--data", dir, "--tenant", "pay", "--incident", "INC-9", "--as-of", "now", "--holidays", cal)
	if err != nil {
		t.Fatal(err)
	}
	var r2 reportJSON
	if err := json.Unmarshal([]byte(out), &r2); err != nil {
		t.Fatal(err)
	}
	checkRows(t, r2, []wantRow{{kind: incident.DORAInitial, due: "2025-03-11T11:00:00Z", verdict: compliance.VerdictOnTime}})
	if r2.HolidayCalendar != "PAY-CAL" {
		t.Errorf("calendar %q", r2.HolidayCalendar)
	}
	bad := tempFile(t, "bad-cal.txt", "2025-13-01 Nonsense\n")
	if _, err := runCompliance(t, "--data", dir, "--tenant", "pay", "--as-of", "now", "--holidays", bad); err == nil || !strings.Contains(err.Error(), "bad-cal.txt") {
		t.Errorf("bad calendar file: %v", err)
	}
}

// TestComplianceBesideAWriter reports from a data directory another
// process holds open for writing (as a running server does).
func TestComplianceBesideAWriter(t *testing.T) {
	t.Parallel()
	dir := recordedDir(t, scenario17File)
	w, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// The writer goes on writing: another tenant's event.
	if _, err := w.Append(t.Context(), "incident-other.INC-1", eventstore.Any, eventstore.EventData{Type: "incident.note_added", Data: []byte(`{"noteId":"n","text":"x","at":"2025-03-03T10:00:00Z"}`)}); err != nil {
		t.Fatal(err)
	}
	r := incidentReport(t, dir, "shop", "INC-17", "2025-05-01T00:00:00Z")
	checkRows(t, r, []wantRow{{kind: incident.GDPRSupervisoryAuthority, due: "2025-03-06T10:00:00Z", verdict: compliance.VerdictLate}})
	if _, err := runRecord(t, "--data", dir, scenario17File); err == nil {
		t.Error("record beside a writer succeeded")
	}
}

func TestComplianceAsOfNow(t *testing.T) {
	t.Parallel()
	dir := recordedDir(t, scenario17File)
	before := time.Now().Add(-time.Second)
	r := incidentReport(t, dir, "shop", "INC-17", "now")
	if r.AsOf.Before(before) || r.AsOf.After(time.Now()) {
		t.Errorf("asOf %s, want the wall clock", r.AsOf)
	}
}

func TestComplianceErrors(t *testing.T) {
	t.Parallel()
	dir := recordedDir(t, scenario17File)
	asOf := "2025-05-01T00:00:00Z"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown tenant", []string{"--data", dir, "--tenant", "nobody", "--as-of", asOf}, `unknown tenant "nobody"`},
		{"unknown incident", []string{"--data", dir, "--tenant", "shop", "--incident", "INC-404", "--as-of", asOf}, `unknown incident "INC-404"`},
		{"incident of another tenant", []string{"--data", dir, "--tenant", "shop", "--incident", "INC-6", "--as-of", asOf}, `unknown incident "INC-6"`},
		{"not recorded yet", []string{"--data", dir, "--tenant", "shop", "--incident", "INC-17", "--as-of", "2025-01-01T00:00:00Z"}, "nothing was recorded by"},
		{"no as-of", []string{"--data", dir, "--tenant", "shop"}, "--as-of is required"},
		{"bad as-of", []string{"--data", dir, "--tenant", "shop", "--as-of", "yesterday"}, `--as-of "yesterday"`},
		{"as-of without zone", []string{"--data", dir, "--tenant", "shop", "--as-of", "2025-05-01T00:00:00"}, "RFC 3339"},
		{"bad from", []string{"--data", dir, "--tenant", "shop", "--as-of", asOf, "--from", "May"}, `--from "May"`},
		{"from after to", []string{"--data", dir, "--tenant", "shop", "--as-of", asOf, "--from", "2025-06-01T00:00:00Z", "--to", "2025-05-01T00:00:00Z"}, "is not before --to"},
		{"period with incident", []string{"--data", dir, "--tenant", "shop", "--incident", "INC-17", "--as-of", asOf, "--from", "2025-01-01T00:00:00Z"}, "leave them out with --incident"},
		{"bad format", []string{"--data", dir, "--tenant", "shop", "--as-of", asOf, "--format", "pdf"}, `--format "pdf"`},
		{"no tenant", []string{"--data", dir, "--as-of", asOf}, "--tenant is required"},
		{"bad tenant", []string{"--data", dir, "--tenant", "Shop!", "--as-of", asOf}, "--tenant"},
		{"not a data directory", []string{"--data", filepath.Join(dir, "nope"), "--tenant", "shop", "--as-of", asOf}, "not a socledger data directory"},
		{"argument", []string{"--data", dir, "--tenant", "shop", "--as-of", asOf, "extra"}, `unexpected argument "extra"`},
		{"missing holidays file", []string{"--data", dir, "--tenant", "shop", "--as-of", asOf, "--holidays", filepath.Join(dir, "none.txt")}, "--holidays"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := runCompliance(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if out != "" {
				t.Errorf("printed %q on an error", out)
			}
		})
	}
}
