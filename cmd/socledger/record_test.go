package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
	"github.com/socledger/socledger/projections/legalhold"
)

// The scenario files of compliance-spec.md §7 (and variants) in testdata.
const (
	scenario6File  = "testdata/compliance/scenario6.ndjson"
	scenario17File = "testdata/compliance/scenario17.ndjson"
	correctionFile = "testdata/compliance/correction.ndjson"
	badFieldFile   = "testdata/compliance/bad-field.ndjson"
)

// runRecord runs "socledger record args…" as user tester and returns
// stdout and the error.
func runRecord(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), append([]string{"socledger", "record"}, args...), env(map[string]string{"USER": "tester"}), &out, io.Discard)
	return out.String(), err
}

// storedEvent is a stored event with its decoded metadata.
type storedEvent struct {
	eventstore.RecordedEvent
	Meta domain.EventMeta
}

// readAllEvents reads every event of the data directory dir, read-only.
func readAllEvents(t *testing.T, dir string) []storedEvent {
	t.Helper()
	st, err := embedded.Open(dir, embedded.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []storedEvent
	from := eventstore.Start
	for {
		page, err := st.ReadAll(t.Context(), from, 0, eventstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Events {
			m, err := domain.DecodeMeta(ev.Metadata)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, storedEvent{RecordedEvent: ev, Meta: m})
		}
		if page.AtEnd {
			return out
		}
		from = page.Checkpoint
	}
}

// decodeIncident decodes an incident event.
func decodeIncident(t *testing.T, ev storedEvent) incident.Event {
	t.Helper()
	e, err := incident.Codec().Decode(ev.Type, ev.Meta.Schema, ev.Data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRecordScenarioFilesBackfill(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, err := runRecord(t, "--data", dir, "--backfill", scenario6File, scenario17File)
	if err != nil {
		t.Fatal(err)
	}
	want := scenario6File + ": 12 facts recorded, 0 already recorded\n" + scenario17File + ": 9 facts recorded, 0 already recorded\n"
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	evs := readAllEvents(t, dir)
	byStream := map[string][]storedEvent{}
	for _, ev := range evs {
		byStream[ev.StreamID] = append(byStream[ev.StreamID], ev)
	}
	// Opened + ProfileSnapshotted + 10 facts; Opened + snapshot + 3 facts
	// twice; one creation per tenant.
	for stream, n := range map[string]int{"tenant-bank": 1, "incident-bank.INC-6": 12, "tenant-shop": 1, "incident-shop.INC-17": 5, "incident-shop.INC-17B": 5} {
		if got := len(byStream[stream]); got != n {
			t.Errorf("%s: %d events, want %d", stream, got, n)
		}
	}
	inc := byStream["incident-bank.INC-6"]
	if len(inc) < 4 {
		t.Fatal("INC-6 incomplete")
	}
	// The snapshot of the tenant's profile, taken when the incident opened.
	snap, ok := decodeIncident(t, inc[1]).(incident.ProfileSnapshotted)
	if !ok || !snap.Profile.Has(tenant.DORA) || snap.Profile.DORAEntityType != tenant.DORACreditInstitution {
		t.Errorf("event 1 of INC-6: %#v, want the profile snapshot of a DORA credit institution", decodeIncident(t, inc[1]))
	}
	// The awareness line: its business time, its backfilled recording
	// time, the backfill actor, and the store's own (true) time.
	aw := inc[3]
	a, ok := decodeIncident(t, aw).(incident.AwarenessEstablished)
	if !ok || a.Regime != tenant.DORA || !a.At.Equal(time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("event 3 of INC-6: %#v, want the DORA awareness of 03-04 09:00", decodeIncident(t, aw))
	}
	if want := time.Date(2025, 3, 4, 9, 5, 0, 0, time.UTC); !aw.Meta.RecordedAt.Equal(want) {
		t.Errorf("recordedAt %s, want the line's %s", aw.Meta.RecordedAt, want)
	}
	if aw.Meta.Actor != "record --backfill by tester" {
		t.Errorf("actor %q", aw.Meta.Actor)
	}
	if time.Since(aw.Created) > time.Hour {
		t.Errorf("the store's own time %s is not the true append time", aw.Created)
	}
	if !strings.HasPrefix(aw.Meta.CommandID, "record:") || !strings.HasSuffix(aw.Meta.CommandID, ":4") || a.ID != aw.EventID.String() {
		t.Errorf("command ID %q (want record:<hash>:4), fact ID %s, event ID %s", aw.Meta.CommandID, a.ID, aw.EventID)
	}
}

func TestRecordSameFileTwiceRecordsNothingNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := runRecord(t, "--data", dir, "--backfill", scenario17File); err != nil {
		t.Fatal(err)
	}
	before := len(readAllEvents(t, dir))
	out, err := runRecord(t, "--data", dir, "--backfill", scenario17File)
	if err != nil {
		t.Fatal(err)
	}
	if want := scenario17File + ": 0 facts recorded, 9 already recorded\n"; out != want {
		t.Errorf("second run printed %q, want %q", out, want)
	}
	if after := len(readAllEvents(t, dir)); after != before {
		t.Errorf("%d events after the second run, %d before", after, before)
	}
}

func TestRecordBadLineRecordsNothingOfTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, err := runRecord(t, "--data", dir, badFieldFile)
	if err == nil {
		t.Fatalf("no error; stdout %q", out)
	}
	for _, want := range []string{badFieldFile + ":3:", "confidence", "unknown field", "nothing of it was recorded"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), ":1:") || strings.Contains(err.Error(), ":2:") || strings.Contains(err.Error(), ":4:") {
		t.Errorf("error %q names good lines", err)
	}
	if evs := readAllEvents(t, dir); len(evs) != 0 {
		t.Errorf("the store holds %d events of the rejected file", len(evs))
	}
}

func TestRecordTargetLineCorrection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := runRecord(t, "--data", dir, "--backfill", correctionFile); err != nil {
		t.Fatal(err)
	}
	var awarenessID string
	var corr *incident.TimestampCorrected
	for _, ev := range readAllEvents(t, dir) {
		if ev.StreamID != "incident-clinic.INC-C" {
			continue
		}
		switch e := decodeIncident(t, ev).(type) {
		case incident.AwarenessEstablished:
			awarenessID = ev.EventID.String()
		case incident.TimestampCorrected:
			corr = &e
		}
	}
	if corr == nil || awarenessID == "" {
		t.Fatalf("correction %v, awareness %q", corr, awarenessID)
	}
	if corr.TargetEventID != awarenessID {
		t.Errorf("targetLine 3 resolved to %s, want the awareness event %s", corr.TargetEventID, awarenessID)
	}
	if old := time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC); corr.Old == nil || !corr.Old.Equal(old) {
		t.Errorf("old %v, want the awareness time filled in (%s)", corr.Old, old)
	}
	if !corr.New.Equal(time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)) || corr.Field != "at" {
		t.Errorf("correction %+v", corr)
	}
}

// tempFile writes content to name in a new temporary directory.
func tempFile(t *testing.T, name, content string) string {
	t.Helper()
	return writeFile(t, filepath.Join(t.TempDir(), name), content)
}

const (
	lineTenant = `{"type":"TenantCreated","tenant":"acme","name":"ACME","regimes":["GDPR"],"memberState":"DE","tz":"UTC","at":"2025-01-01T00:00:00Z"}`
	lineOpen   = `{"type":"IncidentOpened","incident":"INC-1","title":"Laptop stolen","at":"2025-03-03T09:00:00Z"}`
)

func TestRecordRejectsBadLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		line     string // line 3, after lineTenant and lineOpen
		backfill bool
		want     []string
	}{
		{"bad JSON", `{"type":"HandlingCompleted",`, false, []string{":3:", "bad JSON"}},
		{"not an object", `["HandlingCompleted"]`, false, []string{":3:", "one object per line"}},
		{"two values", `{"type":"HandlingCompleted","incident":"INC-1","at":"2025-03-04T09:00:00Z"} {}`, false, []string{":3:", "more than one value"}},
		{"no type", `{"incident":"INC-1"}`, false, []string{":3:", "field type: missing"}},
		{"unknown type", `{"type":"IncidentExploded","incident":"INC-1"}`, false, []string{":3:", `"IncidentExploded"`, "unknown fact type"}},
		{"unknown field", `{"type":"HandlingCompleted","incident":"INC-1","at":"2025-03-04T09:00:00Z","by":"bob"}`, false, []string{":3:", "field by: unknown field"}},
		{"field in other case", `{"type":"HandlingCompleted","Incident":"INC-1","at":"2025-03-04T09:00:00Z"}`, false, []string{":3:", "field Incident: unknown field"}},
		{"field twice", `{"type":"HandlingCompleted","incident":"INC-1","incident":"INC-2","at":"2025-03-04T09:00:00Z"}`, false, []string{":3:", "field incident: given twice"}},
		{"unknown nested field", `{"type":"ClassifiedSignificantNIS2","incident":"INC-1","at":"2025-03-04T09:00:00Z","criteria":[{"code":"NIS2:23(3)(a)","severity":"x"}]}`, false, []string{":3:", "field criteria", `"severity"`}},
		{"wrong JSON type", `{"type":"NotificationSubmitted","incident":"INC-1","submissionId":"S1","kinds":"GDPR_SA","sentAt":"2025-03-04T09:00:00Z","authority":"DPA"}`, false, []string{":3:", "field kinds", "want an array"}},
		{"not RFC 3339", `{"type":"HandlingCompleted","incident":"INC-1","at":"2025-03-04 09:00"}`, false, []string{":3:", "field at", "RFC 3339"}},
		{"missing time", `{"type":"HandlingCompleted","incident":"INC-1"}`, false, []string{":3:", "field at: missing"}},
		{"missing text", `{"type":"AwarenessEstablished","incident":"INC-1","regime":"GDPR","at":"2025-03-03T10:00:00Z"}`, false, []string{":3:", "field basis: missing"}},
		{"bad enum", `{"type":"AwarenessEstablished","incident":"INC-1","regime":"SOX","at":"2025-03-03T10:00:00Z","basis":"x"}`, false, []string{":3:", "field regime", `"SOX"`}},
		{"domain rule", `{"type":"DeclassifiedNIS2","incident":"INC-1","at":"2025-03-04T09:00:00Z","rationale":"minor"}`, false, []string{":3:", "no significant classification recorded"}},
		{"incident not opened", `{"type":"HandlingCompleted","tenant":"acme","incident":"INC-9","at":"2025-03-04T09:00:00Z"}`, false, []string{":3:", "INC-9", "not found"}},
		{"no tenant", `{"type":"HandlingCompleted","incident":"INC-9","at":"2025-03-04T09:00:00Z"}`, false, []string{":3:", "field tenant: missing"}},
		{"recordedAt without backfill", `{"type":"HandlingCompleted","incident":"INC-1","at":"2025-03-04T09:00:00Z","recordedAt":"2025-03-04T10:00:00Z"}`, false, []string{":3:", "field recordedAt", "--backfill"}},
		{"recordedAt in the future", `{"type":"HandlingCompleted","incident":"INC-1","at":"2025-03-04T09:00:00Z","recordedAt":"2999-01-01T00:00:00Z"}`, true, []string{":3:", "field recordedAt", "in the future"}},
		{"recordedAt before the fact", `{"type":"HandlingCompleted","incident":"INC-1","at":"2025-03-04T09:00:00Z","recordedAt":"2025-03-04T08:00:00Z"}`, true, []string{":3:", "field recordedAt", "before the fact's at"}},
		{"recordedAt before the submission", `{"type":"NotificationSubmitted","incident":"INC-1","submissionId":"S1","kinds":["GDPR_SA"],"sentAt":"2025-03-04T09:00:00Z","authority":"DPA","recordedAt":"2025-03-04T08:59:00Z"}`, true, []string{":3:", "field recordedAt", "before the fact's sentAt"}},
		{"targetLine later", `{"type":"TimestampCorrected","incident":"INC-1","targetLine":4,"field":"at","new":"2025-03-03T10:00:00Z","reason":"x"}`, false, []string{":3:", "field targetLine", "earlier line"}},
		{"targetLine not a fact", `{"type":"TimestampCorrected","incident":"INC-1","targetLine":2,"field":"at","new":"2025-03-03T10:00:00Z","reason":"x"}`, false, []string{":3:", "field targetLine", "IncidentOpened"}},
		{"targetLine and targetEventId", `{"type":"TimestampCorrected","incident":"INC-1","targetLine":2,"targetEventId":"x","field":"at","new":"2025-03-03T10:00:00Z","reason":"x"}`, false, []string{":3:", "not both"}},
		{"unknown time zone", `{"type":"TenantCreated","tenant":"acme2","name":"ACME 2","regimes":["GDPR"],"memberState":"DE","tz":"Europe/Atlantis"}`, false, []string{":3:", "field tz", "Europe/Atlantis"}},
		{"profile rule", `{"type":"TenantCreated","tenant":"acme2","name":"ACME 2","regimes":["DORA"],"memberState":"DE"}`, false, []string{":3:", "field doraEntityType: required"}},
		{"tenant twice", `{"type":"TenantCreated","tenant":"acme","name":"ACME","regimes":["GDPR"],"memberState":"DE"}`, false, []string{":3:", "already exists"}},
		{"hold without a reason", `{"type":"IncidentLegalHoldPlaced","incident":"INC-1"}`, false, []string{":3:", "IncidentLegalHoldPlaced: field reason: missing"}},
		{"hold reason on two lines", `{"type":"TenantLegalHoldPlaced","reason":"litigation\nhold"}`, false, []string{":3:", "TenantLegalHoldPlaced: field reason", "control character"}},
		{"hold reference too long", `{"type":"IncidentLegalHoldPlaced","incident":"INC-1","reason":"litigation","reference":"` + strings.Repeat("x", incident.MaxHoldReferenceLen+1) + `"}`, false, []string{":3:", "field reference", "longer than"}},
		{"release with a reference", `{"type":"TenantLegalHoldReleased","reason":"settled","reference":"LIT-1"}`, false, []string{":3:", "field reference: unknown field"}},
		{"release without a reason", `{"type":"IncidentLegalHoldReleased","incident":"INC-1","at":"2025-03-05T09:00:00Z"}`, false, []string{":3:", "field reason: missing"}},
		{"hold on a tenant not created", `{"type":"TenantLegalHoldPlaced","tenant":"globex","reason":"litigation"}`, false, []string{":3:", "globex", "not found"}},
		{"hold on an incident not opened", `{"type":"IncidentLegalHoldPlaced","tenant":"acme","incident":"INC-9","reason":"litigation"}`, false, []string{":3:", "INC-9", "not found"}},
		{"hold with a bad time", `{"type":"IncidentLegalHoldPlaced","incident":"INC-1","reason":"litigation","at":"yesterday"}`, false, []string{":3:", "field at", "RFC 3339"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := tempFile(t, "facts.ndjson", lineTenant+"\n"+lineOpen+"\n"+tt.line+"\n")
			args := []string{"--data", dir}
			if tt.backfill {
				args = append(args, "--backfill")
			}
			_, err := runRecord(t, append(args, file)...)
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range append(tt.want, file+":3:") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if n := len(readAllEvents(t, dir)); n != 0 {
				t.Errorf("%d events recorded from a rejected file", n)
			}
		})
	}
}

func TestRecordWithoutBackfillRecordsNow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := tempFile(t, "facts.ndjson", "\n"+lineTenant+"\r\n"+lineOpen+"\n\n"+
		`{"type":"NotificationSubmitted","incident":"INC-1","submissionId":"S1","kinds":["GDPR_SA"],"sentAt":"2025-03-04T09:00:00Z","authority":"DPA"}`+"\n")
	before := time.Now().Add(-time.Second)
	out, err := runRecord(t, "--data", dir, "--actor", "user:alice", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, ": 3 facts recorded, 0 already recorded\n") {
		t.Errorf("stdout %q", out)
	}
	evs := readAllEvents(t, dir)
	last := evs[len(evs)-1]
	if last.Meta.RecordedAt.Before(before) || last.Meta.RecordedAt.After(time.Now()) {
		t.Errorf("recordedAt %s, want the time of recording", last.Meta.RecordedAt)
	}
	if last.Meta.Actor != "record by user:alice" {
		t.Errorf("actor %q", last.Meta.Actor)
	}
	if !strings.HasSuffix(last.Meta.CommandID, ":5") {
		t.Errorf("command ID %q, want the line number 5 (blank lines count)", last.Meta.CommandID)
	}
	// The submission's own "at" defaults to the time of recording.
	sub := decodeIncident(t, last).(incident.NotificationSubmitted)
	if sub.At.Before(before) || !sub.SentAt.Equal(time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("submission %+v", sub)
	}
}

func TestRecordTenantFromFlagAndProfileSnapshot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := tempFile(t, "a.ndjson", lineTenant+"\n"+lineOpen+"\n")
	// A later file on the same incident names no tenant: --tenant gives it.
	second := tempFile(t, "b.ndjson", `{"type":"EntityProfileSnapshotted","incident":"INC-1","reason":"checking","at":"2025-03-03T09:30:00Z"}`+"\n"+
		`{"type":"EntityProfileSnapshotted","incident":"INC-1","reason":"now NIS2 too","at":"2025-03-03T09:40:00Z","regimes":["GDPR","NIS2"],"nis2Class":"important","memberState":"DE","tz":"Europe/Berlin"}`+"\n")
	if _, err := runRecord(t, "--data", dir, first); err != nil {
		t.Fatal(err)
	}
	if _, err := runRecord(t, "--data", dir, second); err == nil || !strings.Contains(err.Error(), "field tenant: missing") {
		t.Fatalf("second file without --tenant: %v", err)
	}
	out, err := runRecord(t, "--data", dir, "--tenant", "acme", second)
	if err != nil {
		t.Fatal(err)
	}
	// The first snapshot equals the one taken when the incident opened:
	// the domain records nothing.
	if !strings.HasSuffix(out, ": 1 fact recorded, 0 already recorded, 1 changed nothing\n") {
		t.Errorf("stdout %q", out)
	}
	evs := readAllEvents(t, dir)
	snap, ok := decodeIncident(t, evs[len(evs)-1]).(incident.ProfileSnapshotted)
	if !ok || !snap.Profile.Has(tenant.NIS2) || snap.Profile.TZ != "Europe/Berlin" || snap.Reason != "now NIS2 too" {
		t.Errorf("last event %#v, want the new snapshot", decodeIncident(t, evs[len(evs)-1]))
	}
}

func TestRecordStopsAtTheFirstBadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := tempFile(t, "good.ndjson", lineTenant+"\n")
	out, err := runRecord(t, "--data", dir, good, badFieldFile, scenario17File)
	if err == nil || !strings.Contains(err.Error(), badFieldFile+":3:") {
		t.Fatalf("error %v", err)
	}
	if out != good+": 1 fact recorded, 0 already recorded\n" {
		t.Errorf("stdout %q", out)
	}
	if evs := readAllEvents(t, dir); len(evs) != 1 {
		t.Errorf("%d events, want the good file's one", len(evs))
	}
}

func TestRecordFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := runRecord(t, "--data", dir); err == nil || !strings.Contains(err.Error(), "no FILE") {
		t.Errorf("no file: %v", err)
	}
	var out bytes.Buffer
	err := run(t.Context(), []string{"socledger", "record", "--data", dir, scenario17File}, env(nil), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--actor is required") {
		t.Errorf("no actor: %v", err)
	}
	if _, err := runRecord(t, "--data", dir, "--tenant", "Not Valid", scenario17File); err == nil || !strings.Contains(err.Error(), "--tenant") {
		t.Errorf("bad tenant: %v", err)
	}
	if _, err := runRecord(t, "-h"); err != nil {
		t.Errorf("-h: %v", err)
	}
	if _, err := runRecord(t, "--data", dir, filepath.Join(dir, "missing.ndjson")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestRecordDataDirInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	_, err = runRecord(t, "--data", dir, scenario17File)
	if !errors.Is(err, vfs.ErrLocked) || !strings.Contains(err.Error(), "in use") {
		t.Errorf("record beside a writer: %v", err)
	}
}

func TestRecordLegalHolds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := tempFile(t, "holds.ndjson", lineTenant+"\n"+lineOpen+"\n"+
		`{"type":"TenantLegalHoldPlaced","reason":" Litigation hold requested by legal ","reference":"LIT-2026-014","at":"2025-03-04T08:00:00Z"}`+"\n"+
		`{"type":"IncidentLegalHoldPlaced","incident":"INC-1","reason":"Criminal complaint","at":"2025-03-04T09:00:00Z"}`+"\n"+
		`{"type":"IncidentLegalHoldPlaced","incident":"INC-1","reason":"Placed twice"}`+"\n"+
		`{"type":"IncidentLegalHoldReleased","incident":"INC-1","reason":"Proceedings closed","at":"2025-06-01T09:00:00Z"}`+"\n"+
		`{"type":"TenantLegalHoldReleased","reason":"Settled"}`+"\n")
	out, err := runRecord(t, "--data", dir, file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, ": 6 facts recorded, 0 already recorded, 1 changed nothing\n") {
		t.Errorf("stdout %q", out)
	}
	var tenantEvents []tenant.Event
	var incidentEvents []incident.Event
	for _, ev := range readAllEvents(t, dir) {
		switch ev.StreamID {
		case "tenant-acme":
			e, err := tenant.Codec().Decode(ev.Type, ev.Meta.Schema, ev.Data)
			if err != nil {
				t.Fatal(err)
			}
			tenantEvents = append(tenantEvents, e)
		case "incident-acme.INC-1":
			incidentEvents = append(incidentEvents, decodeIncident(t, ev))
		}
	}
	if len(tenantEvents) != 3 || len(incidentEvents) != 4 {
		t.Fatalf("tenant events %#v, incident events %#v", tenantEvents, incidentEvents)
	}
	if got, want := tenantEvents[1], (tenant.LegalHoldPlaced{Reason: "Litigation hold requested by legal", Reference: "LIT-2026-014",
		At: time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)}); got != want {
		t.Errorf("tenant hold %#v, want %#v", got, want)
	}
	if r, ok := tenantEvents[2].(tenant.LegalHoldReleased); !ok || r.Reason != "Settled" || time.Since(r.At) > time.Hour {
		t.Errorf("tenant release %#v, want one at the time of recording", tenantEvents[2])
	}
	if got, want := incidentEvents[2], (incident.LegalHoldPlaced{Reason: "Criminal complaint", At: time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)}); got != want {
		t.Errorf("incident hold %#v, want %#v", got, want)
	}
	if got, want := incidentEvents[3], (incident.LegalHoldReleased{Reason: "Proceedings closed", At: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)}); got != want {
		t.Errorf("incident release %#v, want %#v", got, want)
	}
}

// TestRecordTenantHoldReachesTheProjection: a tenant hold recorded by
// record holds the tenant's log events in the legal hold projection over
// the same data directory.
func TestRecordTenantHoldReachesTheProjection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := tempFile(t, "hold.ndjson", lineTenant+"\n"+`{"type":"TenantLegalHoldPlaced","reason":"Litigation hold"}`+"\n")
	if _, err := runRecord(t, "--data", dir, file); err != nil {
		t.Fatal(err)
	}
	st, err := embedded.Open(dir, embedded.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := legalhold.New(st)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	evs := readAllEvents(t, dir)
	h, err := p.Holds(ctx, evs[len(evs)-1].Position)
	if err != nil {
		t.Fatal(err)
	}
	if !h("log-acme.fw01", eventstore.NewEventID()) || h("log-globex.fw01", eventstore.NewEventID()) {
		t.Error("the tenant hold does not hold exactly the tenant's log events")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
