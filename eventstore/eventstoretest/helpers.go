package eventstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
)

// Deadlines. A backend that hangs fails the test when they expire.
const (
	testTimeout   = 20 * time.Second // a whole test case
	promptTimeout = 2 * time.Second  // something that must happen "promptly"
	quietTimeout  = 150 * time.Millisecond
)

// testContext returns t.Context() bounded by d.
func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// event returns an event of type typ ("<aggregate>.<past_tense>") with a
// realistic JSON payload and metadata; n makes it distinct. Its EventID is
// set (random).
func event(typ string, n int) eventstore.EventData {
	var data string
	switch aggregate, _, _ := strings.Cut(typ, "."); aggregate {
	case "alert":
		data = fmt.Sprintf(`{"alert":"al-%05d","rule":"win_susp_encoded_powershell","severity":"high","host":"ws-%03d","fingerprint":"9f2c%04x"}`, n, n%250, n)
	case "incident":
		data = fmt.Sprintf(`{"incident":"inc-%05d","title":"Ransomware precursor on ws-%03d","severity":"critical","tier":2}`, n, n%250)
	case "log":
		data = fmt.Sprintf(`{"source":"fw01","line":"<134>1 2026-03-02T10:%02d:%02dZ fw01 filterlog - - - block in on em0 src=10.0.%d.%d"}`, n/60%60, n%60, n/256%256, n%256)
	case "tenant":
		data = fmt.Sprintf(`{"tenant":"acme","name":"ACME Corp","member_state":"DE","regimes":["nis2","gdpr"],"rev":%d}`, n)
	default:
		data = fmt.Sprintf(`{"n":%d}`, n)
	}
	return eventstore.EventData{
		EventID:  eventstore.NewEventID(),
		Type:     typ,
		Data:     []byte(data),
		Metadata: fmt.Appendf(nil, `{"tenant":"acme","actor":"analyst:jdoe","correlation_id":"corr-%05d","schema":1,"occurred_at":"2026-03-02T10:00:00Z"}`, n),
	}
}

// events returns n events of type typ numbered from first.
func events(typ string, first, n int) []eventstore.EventData {
	evs := make([]eventstore.EventData, n)
	for i := range evs {
		evs[i] = event(typ, first+i)
	}
	return evs
}

// mustAppend appends or fails the test.
func mustAppend(t *testing.T, ctx context.Context, st eventstore.Store, stream string, expected eventstore.ExpectedRevision, evs ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := st.Append(ctx, stream, expected, evs...)
	if err != nil {
		t.Fatalf("Append(%q, expected %s, %d events) failed: %v", stream, expected, len(evs), err)
	}
	return res
}

// mustReadStream reads a whole stream or fails the test.
func mustReadStream(t *testing.T, ctx context.Context, st eventstore.Store, stream string) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := st.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		t.Fatalf("ReadStream(%q) failed: %v", stream, err)
	}
	return evs
}

// matches is the documented meaning of a Filter, written out independently
// of eventstore.Filter.Match.
func matches(f eventstore.Filter, stream, eventType string) bool {
	anyPrefix := func(prefixes []string, s string) bool {
		if len(prefixes) == 0 {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
	return anyPrefix(f.StreamPrefixes, stream) && anyPrefix(f.EventTypePrefixes, eventType)
}

// readAll reads every event after from that matches filter, in pages of up to
// pageSize events, until a page says AtEnd. It checks each page's
// bookkeeping and returns the events and the last Checkpoint.
func readAll(t *testing.T, ctx context.Context, st eventstore.Store, from eventstore.Position, pageSize int, filter eventstore.Filter) ([]eventstore.RecordedEvent, eventstore.Position) {
	t.Helper()
	var out []eventstore.RecordedEvent
	for range 1_000_000 {
		page, err := st.ReadAll(ctx, from, pageSize, filter)
		if err != nil {
			t.Fatalf("ReadAll(from %v, max %d, %+v) failed: %v", from, pageSize, filter, err)
		}
		checkPage(t, page, from, pageSize, filter)
		out = append(out, page.Events...)
		if page.AtEnd {
			return out, page.Checkpoint
		}
		if !from.Less(page.Checkpoint) {
			t.Fatalf("ReadAll(from %v, max %d, %+v) returned a page that is not AtEnd and did not advance (checkpoint %v): a reader resuming from the checkpoint would loop forever",
				from, pageSize, filter, page.Checkpoint)
		}
		from = page.Checkpoint
	}
	t.Fatalf("ReadAll never reported AtEnd after a million pages")
	return nil, from
}

// checkPage checks one ReadAll page against the contract.
func checkPage(t *testing.T, page eventstore.Page, from eventstore.Position, max int, filter eventstore.Filter) {
	t.Helper()
	if max > 0 && len(page.Events) > max {
		t.Fatalf("ReadAll(from %v, max %d) returned %d events: more than max", from, max, len(page.Events))
	}
	last := from
	for i, ev := range page.Events {
		if !last.Less(ev.Position) {
			if i == 0 {
				t.Fatalf("ReadAll(from %v) returned an event at position %v: from is exclusive, the first event must come after it", from, ev.Position)
			}
			t.Fatalf("ReadAll(from %v) returned event %d at position %v after one at %v: not in strictly increasing global order", from, i, ev.Position, last)
		}
		last = ev.Position
		if !matches(filter, ev.StreamID, ev.Type) {
			t.Fatalf("ReadAll with filter %+v returned an event of stream %q, type %q that the filter excludes", filter, ev.StreamID, ev.Type)
		}
		checkHash(t, ev)
	}
	switch {
	case page.Checkpoint.Less(from):
		t.Fatalf("ReadAll(from %v) returned Checkpoint %v, before from: resuming from it would repeat events", from, page.Checkpoint)
	case page.Checkpoint.Less(last):
		t.Fatalf("ReadAll(from %v) returned Checkpoint %v behind its last event at %v: resuming from it would repeat events", from, page.Checkpoint, last)
	}
}

// checkHash checks an event's Hash against eventstore.ChainHash.
func checkHash(t *testing.T, ev eventstore.RecordedEvent) {
	t.Helper()
	if ev.Hash.IsZero() {
		t.Fatalf("event %s/%d has a zero Hash: the hash chain is missing", ev.StreamID, ev.Revision)
	}
	want := eventstore.ChainHash(ev.StreamID, ev.Revision, ev.Type, ev.Data, ev.Metadata, ev.Prev)
	if ev.Hash != want {
		t.Fatalf("event %s/%d: Hash %s, but ChainHash of its fields is %s: `socledger verify` would report tampering", ev.StreamID, ev.Revision, ev.Hash, want)
	}
}

// checkStream checks that evs are a whole stream: revisions 0..n-1, the
// stream's name, increasing positions and an unbroken hash chain.
func checkStream(t *testing.T, stream string, evs []eventstore.RecordedEvent) {
	t.Helper()
	var prev eventstore.RecordedEvent
	for i, ev := range evs {
		if ev.StreamID != stream {
			t.Fatalf("event %d of stream %q says StreamID %q", i, stream, ev.StreamID)
		}
		if ev.Revision != uint64(i) {
			t.Fatalf("event %d of stream %q has Revision %d: revisions must be 0, 1, 2, … without gaps", i, stream, ev.Revision)
		}
		checkHash(t, ev)
		if i == 0 {
			if !ev.Prev.IsZero() {
				t.Fatalf("stream %q: revision 0 has Prev %s, want the zero hash", stream, ev.Prev)
			}
		} else {
			if ev.Prev != prev.Hash {
				t.Fatalf("stream %q: revision %d has Prev %s but revision %d has Hash %s: the hash chain is broken", stream, i, ev.Prev, i-1, prev.Hash)
			}
			if !prev.Position.Less(ev.Position) {
				t.Fatalf("stream %q: revision %d at position %v is not after revision %d at %v", stream, i, ev.Position, i-1, prev.Position)
			}
		}
		prev = ev
	}
}

// sameData reports how a recorded event differs from the event appended, or "".
func sameData(want eventstore.EventData, got eventstore.RecordedEvent) string {
	switch {
	case !want.EventID.IsZero() && got.EventID != want.EventID:
		return fmt.Sprintf("EventID %s, want %s", got.EventID, want.EventID)
	case got.Type != want.Type:
		return fmt.Sprintf("Type %q, want %q", got.Type, want.Type)
	case !bytes.Equal(got.Data, want.Data):
		return fmt.Sprintf("Data %q, want %q", got.Data, want.Data)
	case !bytes.Equal(got.Metadata, want.Metadata):
		return fmt.Sprintf("Metadata %q, want %q", got.Metadata, want.Metadata)
	}
	return ""
}

// sameRecorded reports how two recorded events differ, or "".
func sameRecorded(a, b eventstore.RecordedEvent) string {
	switch {
	case a.EventID != b.EventID:
		return fmt.Sprintf("EventID %s vs %s", a.EventID, b.EventID)
	case a.StreamID != b.StreamID || a.Revision != b.Revision:
		return fmt.Sprintf("%s/%d vs %s/%d", a.StreamID, a.Revision, b.StreamID, b.Revision)
	case a.Position != b.Position:
		return fmt.Sprintf("Position %v vs %v", a.Position, b.Position)
	case a.Type != b.Type:
		return fmt.Sprintf("Type %q vs %q", a.Type, b.Type)
	case !bytes.Equal(a.Data, b.Data):
		return fmt.Sprintf("Data %q vs %q", a.Data, b.Data)
	case !bytes.Equal(a.Metadata, b.Metadata):
		return fmt.Sprintf("Metadata %q vs %q", a.Metadata, b.Metadata)
	case !a.Created.Equal(b.Created):
		return fmt.Sprintf("Created %v vs %v", a.Created, b.Created)
	case a.Prev != b.Prev || a.Hash != b.Hash:
		return fmt.Sprintf("chain links (Prev %s, Hash %s) vs (Prev %s, Hash %s)", a.Prev, a.Hash, b.Prev, b.Hash)
	}
	return ""
}

// sameEvents fails the test if got and want are not the same recorded events.
func sameEvents(t *testing.T, what string, got, want []eventstore.RecordedEvent) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if d := sameRecorded(got[i], want[i]); d != "" {
			t.Fatalf("%s: event %d differs: %s", what, i, d)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
}

// wantWrongVersion checks that err is a *WrongExpectedVersionError for stream
// with the given expected and actual revisions.
func wantWrongVersion(t *testing.T, err error, stream string, expected, actual eventstore.ExpectedRevision) {
	t.Helper()
	if err == nil {
		t.Fatalf("Append(%q, expected %s) succeeded on a stream whose state is %s; want a wrong expected version error", stream, expected, actual)
	}
	if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
		t.Fatalf("Append(%q, expected %s) on a stream in state %s: error %v does not match eventstore.ErrWrongExpectedVersion", stream, expected, actual, err)
	}
	wev, ok := errors.AsType[*eventstore.WrongExpectedVersionError](err)
	if !ok {
		t.Fatalf("Append(%q, expected %s): error %v (%T) is not a *eventstore.WrongExpectedVersionError: the caller cannot see the actual revision", stream, expected, err, err)
	}
	if wev.Stream != stream {
		t.Errorf("WrongExpectedVersionError.Stream = %q, want %q", wev.Stream, stream)
	}
	if wev.Expected != expected {
		t.Errorf("WrongExpectedVersionError.Expected = %s, want %s", wev.Expected, expected)
	}
	if wev.Actual != actual {
		t.Errorf("WrongExpectedVersionError.Actual = %s, want %s: a caller re-deciding from it would use the wrong state", wev.Actual, actual)
	}
}

// wantNotFound checks that stream has no events.
func wantNotFound(t *testing.T, ctx context.Context, st eventstore.Store, stream, why string) {
	t.Helper()
	evs, err := st.ReadStream(ctx, stream, 0, 0)
	if !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("%s: ReadStream(%q) = %d events, error %v; want eventstore.ErrStreamNotFound (nothing written)", why, stream, len(evs), err)
	}
}

// wantLog checks that the whole log (ReadAll from Start) is exactly want.
func wantLog(t *testing.T, ctx context.Context, st eventstore.Store, why string, want []eventstore.RecordedEvent) {
	t.Helper()
	got, _ := readAll(t, ctx, st, eventstore.Start, 100, eventstore.Filter{})
	sameEvents(t, why+": the global log", got, want)
}
