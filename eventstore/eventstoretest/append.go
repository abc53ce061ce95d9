package eventstoretest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
)

// testRoundTrip: what is appended reads back identically, with the fields the
// store assigns filled in correctly.
func testRoundTrip(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	start := time.Now()
	const stream = "alert-acme.9f2c4e1b7d"

	first := []eventstore.EventData{
		event("alert.raised", 1),
		event("alert.acknowledged", 2),
		event("alert.commented", 3),
	}
	first[1].EventID = eventstore.EventID{} // the store generates one
	first[2].Metadata = nil                 // metadata is optional
	second := []eventstore.EventData{
		event("alert.verdict_set", 4),
		event("alert.closed", 5),
	}
	second[0].EventID = eventstore.EventID{}

	res1 := mustAppend(t, ctx, st, stream, eventstore.NoStream, first...)
	res2 := mustAppend(t, ctx, st, stream, eventstore.Exact(res1.Revision), second...)
	if !second[0].EventID.IsZero() {
		t.Errorf("Append wrote the EventID it generated into the caller's slice (%s): a caller that sends the same events again would now send them as retries", second[0].EventID)
	}

	got := mustReadStream(t, ctx, st, stream)
	appended := append(slices.Clone(first), second...)
	if len(got) != len(appended) {
		t.Fatalf("ReadStream returned %d events after appending %d", len(got), len(appended))
	}
	checkStream(t, stream, got)
	seen := map[eventstore.EventID]bool{}
	for i, ev := range got {
		if d := sameData(appended[i], ev); d != "" {
			t.Errorf("revision %d reads back with %s", i, d)
		}
		if ev.EventID.IsZero() {
			t.Errorf("revision %d has a zero EventID: the store must generate one when the caller leaves it zero", i)
		}
		if seen[ev.EventID] {
			t.Errorf("revision %d repeats EventID %s", i, ev.EventID)
		}
		seen[ev.EventID] = true
		if ev.Created.IsZero() {
			t.Errorf("revision %d has a zero Created time", i)
		}
		if ev.Created.Before(start.Add(-time.Minute)) || ev.Created.After(time.Now().Add(time.Minute)) {
			t.Errorf("revision %d: Created %v is not the time it was recorded (the test ran from %v)", i, ev.Created, start)
		}
		if _, offset := ev.Created.Zone(); offset != 0 {
			t.Errorf("revision %d: Created %v is not in UTC", i, ev.Created)
		}
	}
	if res1.Revision != 2 || res1.Position != got[2].Position {
		t.Errorf("first append returned revision %d at %v; want revision 2 at %v, its last event", res1.Revision, res1.Position, got[2].Position)
	}
	if res2.Revision != 4 || res2.Position != got[4].Position {
		t.Errorf("second append returned revision %d at %v; want revision 4 at %v, its last event", res2.Revision, res2.Position, got[4].Position)
	}

	// ReadAll shows the same events, with the same store-assigned fields.
	all, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
	sameEvents(t, "ReadAll(Start) compared with ReadStream", all, got)
}

// testOwnCopy: the store keeps its own copy of what was appended and hands out
// copies, so a caller reusing its buffers cannot rewrite history.
func testOwnCopy(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	const stream = "incident-acme.01JNC8Q6W3"
	ev := event("incident.opened", 1)
	orig := ev
	orig.Data, orig.Metadata = slices.Clone(ev.Data), slices.Clone(ev.Metadata)
	mustAppend(t, ctx, st, stream, eventstore.NoStream, ev)

	for i := range ev.Data {
		ev.Data[i] = 'X'
	}
	for i := range ev.Metadata {
		ev.Metadata[i] = 'Y'
	}
	got := mustReadStream(t, ctx, st, stream)
	if d := sameData(orig, got[0]); d != "" {
		t.Fatalf("after the caller reused its buffers the stored event has %s: the store must copy what it is given", d)
	}
	for i := range got[0].Data {
		got[0].Data[i] = 'Z'
	}
	for i := range got[0].Metadata {
		got[0].Metadata[i] = 'Z'
	}
	again := mustReadStream(t, ctx, st, stream)
	if d := sameData(orig, again[0]); d != "" {
		t.Fatalf("after a reader modified the event it was given, the stored event has %s: reads must return copies", d)
	}
	all, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
	if d := sameData(orig, all[0]); d != "" {
		t.Fatalf("ReadAll after a reader modified ReadStream's result: %s", d)
	}
}

// testReadStream: paging with from and max, missing streams and reading past
// the end.
func testReadStream(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	const stream = "incident-acme.01JNC9ZK2T"
	mustAppend(t, ctx, st, stream, eventstore.NoStream, events("incident.note_added", 0, 10)...)
	mustAppend(t, ctx, st, "incident-acme.01JNCAAAAA", eventstore.NoStream, event("incident.opened", 99))
	all := mustReadStream(t, ctx, st, stream)
	if len(all) != 10 {
		t.Fatalf("ReadStream(max 0) returned %d events, want all 10: max <= 0 means no limit", len(all))
	}
	checkStream(t, stream, all)

	neg, err := st.ReadStream(ctx, stream, 0, -1)
	if err != nil {
		t.Fatalf("ReadStream(max -1): %v", err)
	}
	sameEvents(t, "ReadStream(max -1), which means no limit", neg, all)

	for _, tc := range []struct {
		from uint64
		max  int
		want []eventstore.RecordedEvent
	}{
		{0, 3, all[0:3]},
		{3, 3, all[3:6]},
		{8, 5, all[8:10]},
		{9, 1, all[9:10]},
		{4, 0, all[4:]},
		{10, 5, nil},
		{1000, 0, nil},
	} {
		got, err := st.ReadStream(ctx, stream, tc.from, tc.max)
		if err != nil {
			t.Fatalf("ReadStream(from %d, max %d) on a stream of 10 events: %v (past the end is no events and no error)", tc.from, tc.max, err)
		}
		sameEvents(t, fmt.Sprintf("ReadStream(from %d, max %d)", tc.from, tc.max), got, tc.want)
	}

	// Paging by 3 gives the whole stream.
	var paged []eventstore.RecordedEvent
	for from := uint64(0); ; {
		page, err := st.ReadStream(ctx, stream, from, 3)
		if err != nil {
			t.Fatalf("ReadStream(from %d, max 3): %v", from, err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		from = page[len(page)-1].Revision + 1
	}
	sameEvents(t, "ReadStream page by page", paged, all)

	for _, missing := range []string{"incident-acme.01JNCZZZZZ", "incident-acme.01JNC9ZK2", "alert-acme.9f2c"} {
		evs, err := st.ReadStream(ctx, missing, 0, 0)
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("ReadStream of missing stream %q = %d events, error %v; want an error matching eventstore.ErrStreamNotFound", missing, len(evs), err)
		}
	}
}

// testExpectedRevision: every expected revision against a new and an existing
// stream; a refused append writes nothing.
func testExpectedRevision(t *testing.T, s *suite) {
	const stream = "incident-acme.01JND0F4XR"
	type tc struct {
		name     string
		existing int // events in the stream before
		expected eventstore.ExpectedRevision
		actual   eventstore.ExpectedRevision // for a refusal
		ok       bool
	}
	for _, c := range []tc{
		{"AnyOnNew", 0, eventstore.Any, eventstore.NoStream, true},
		{"AnyOnExisting", 3, eventstore.Any, eventstore.Exact(2), true},
		{"NoStreamOnNew", 0, eventstore.NoStream, eventstore.NoStream, true},
		{"NoStreamOnExisting", 3, eventstore.NoStream, eventstore.Exact(2), false},
		{"StreamExistsOnNew", 0, eventstore.StreamExists, eventstore.NoStream, false},
		{"StreamExistsOnExisting", 3, eventstore.StreamExists, eventstore.Exact(2), true},
		{"ExactOnNew", 0, eventstore.Exact(0), eventstore.NoStream, false},
		{"ExactRight", 3, eventstore.Exact(2), eventstore.Exact(2), true},
		{"ExactStale", 3, eventstore.Exact(1), eventstore.Exact(2), false},
		{"ExactStaleZero", 3, eventstore.Exact(0), eventstore.Exact(2), false},
		{"ExactFuture", 3, eventstore.Exact(3), eventstore.Exact(2), false},
		{"ExactFarFuture", 3, eventstore.Exact(1 << 40), eventstore.Exact(2), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := s.newStore(t)
			ctx := testContext(t, testTimeout)
			// Another stream in the same category, so that a backend
			// confusing streams by prefix would show.
			mustAppend(t, ctx, st, stream+"0", eventstore.NoStream, event("incident.opened", 0))
			if c.existing > 0 {
				mustAppend(t, ctx, st, stream, eventstore.NoStream, events("incident.note_added", 1, c.existing)...)
			}
			before, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})

			ev := event("incident.severity_changed", 100)
			res, err := st.Append(ctx, stream, c.expected, ev)
			if !c.ok {
				wantWrongVersion(t, err, stream, c.expected, c.actual)
				wantLog(t, ctx, st, "after a refused append", before)
				if c.existing == 0 {
					wantNotFound(t, ctx, st, stream, "after a refused append to a new stream")
				}
				return
			}
			if err != nil {
				t.Fatalf("Append(%q, expected %s) on a stream in state %s: %v; want success", stream, c.expected, c.actual, err)
			}
			got := mustReadStream(t, ctx, st, stream)
			if len(got) != c.existing+1 {
				t.Fatalf("stream has %d events after appending one to %d", len(got), c.existing)
			}
			checkStream(t, stream, got)
			last := got[len(got)-1]
			if d := sameData(ev, last); d != "" {
				t.Fatalf("appended event reads back with %s", d)
			}
			if res.Revision != uint64(c.existing) || res.Position != last.Position {
				t.Fatalf("Append returned revision %d at %v; want %d at %v", res.Revision, res.Position, c.existing, last.Position)
			}
		})
	}
}

// testIdempotentRetry: a retried append (same EventIDs) returns the original
// result whatever its expected revision, also after a restart; a partial
// duplicate is refused; the same IDs in another stream are new events.
func testIdempotentRetry(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	const stream = "alert-acme.4b1d0c9e"
	mustAppend(t, ctx, st, stream, eventstore.NoStream, event("alert.raised", 0))
	e1, e2, e3 := event("alert.recurred", 1), event("alert.assigned", 2), event("alert.commented", 3)
	orig := mustAppend(t, ctx, st, stream, eventstore.Exact(0), e1, e2)
	want := mustReadStream(t, ctx, st, stream)
	if len(want) != 3 {
		t.Fatalf("stream has %d events, want 3", len(want))
	}

	retry := func(st eventstore.Store, why string, expected eventstore.ExpectedRevision) {
		t.Helper()
		res, err := st.Append(ctx, stream, expected, e1, e2)
		if err != nil {
			t.Fatalf("%s: retrying the append of [e1 e2] with expected %s failed: %v; a retry with the same EventIDs must return the original result (idempotence is checked before the expected revision)", why, expected, err)
		}
		if res != orig {
			t.Fatalf("%s: retry with expected %s returned %+v, want the original result %+v", why, expected, res, orig)
		}
		got := mustReadStream(t, ctx, st, stream)
		sameEvents(t, why+": the stream after a retry (nothing may be written twice)", got, want)
	}
	retry(st, "exact repeat", eventstore.Exact(0))
	retry(st, "retry", eventstore.Any)
	retry(st, "retry", eventstore.NoStream)
	retry(st, "retry", eventstore.StreamExists)
	retry(st, "retry", eventstore.Exact(7))
	retry(st, "repeat again", eventstore.Exact(0))
	wantLog(t, ctx, st, "after the retries", want)

	// Partial duplicates are refused and write nothing.
	for _, c := range []struct {
		evs  []eventstore.EventData
		dups []int
	}{
		{[]eventstore.EventData{e2, e3}, []int{0}},
		{[]eventstore.EventData{e3, e2}, []int{1}},
		{[]eventstore.EventData{e3, e1, e2}, []int{1, 2}},
	} {
		for _, expected := range []eventstore.ExpectedRevision{eventstore.Any, eventstore.Exact(2)} {
			_, err := st.Append(ctx, stream, expected, c.evs...)
			if !errors.Is(err, eventstore.ErrPartialDuplicate) {
				t.Fatalf("appending %d events of which %v are already in the stream (expected %s): error %v, want one matching eventstore.ErrPartialDuplicate", len(c.evs), c.dups, expected, err)
			}
			pd, ok := errors.AsType[*eventstore.PartialDuplicateError](err)
			if !ok {
				t.Fatalf("partial duplicate error %v (%T) is not a *eventstore.PartialDuplicateError", err, err)
			}
			if pd.Stream != stream || !slices.Equal(pd.Duplicates, c.dups) || pd.Total != len(c.evs) {
				t.Fatalf("PartialDuplicateError{Stream %q, Duplicates %v, Total %d}, want {%q, %v, %d}", pd.Stream, pd.Duplicates, pd.Total, stream, c.dups, len(c.evs))
			}
			wantLog(t, ctx, st, "after a refused partial duplicate", want)
		}
	}

	// The same EventIDs in another stream are not duplicates.
	const other = "alert-acme.77aa0c13"
	res, err := st.Append(ctx, other, eventstore.NoStream, e1, e2)
	if err != nil {
		t.Fatalf("appending events whose IDs exist in another stream failed: %v; idempotence is per stream", err)
	}
	if res.Revision != 1 || !orig.Position.Less(res.Position) {
		t.Fatalf("append to another stream with the same EventIDs returned %+v; want a new append (revision 1, after %v)", res, orig.Position)
	}
	otherEvs := mustReadStream(t, ctx, st, other)
	if len(otherEvs) != 2 {
		t.Fatalf("other stream has %d events, want 2", len(otherEvs))
	}
	checkStream(t, other, otherEvs)

	// A retry still works after more events were appended behind it.
	mustAppend(t, ctx, st, stream, eventstore.Exact(2), e3)
	want = mustReadStream(t, ctx, st, stream)
	retry(st, "retry after a later append", eventstore.Exact(0))

	if s.h.Reopen == nil {
		return
	}
	st = s.reopen(t, st)
	retry(st, "after reopening the store", eventstore.Exact(0))
	retry(st, "after reopening the store", eventstore.NoStream)
	_, err = st.Append(ctx, stream, eventstore.Any, e3, event("alert.closed", 9))
	if !errors.Is(err, eventstore.ErrPartialDuplicate) {
		t.Fatalf("after reopening, a partial duplicate returned %v, want eventstore.ErrPartialDuplicate", err)
	}
}

// testBadInput: malformed appends are refused with typed errors, write
// nothing, and leave the store working.
func testBadInput(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	var good []eventstore.RecordedEvent
	n := 0
	stillWorks := func(why string) {
		t.Helper()
		n++
		stream := fmt.Sprintf("tenant-acme%d", n)
		mustAppend(t, ctx, st, stream, eventstore.NoStream, event("tenant.created", n))
		good = append(good, mustReadStream(t, ctx, st, stream)...)
		wantLog(t, ctx, st, why, good)
	}
	stillWorks("before any bad append")

	// No events.
	_, err := st.Append(ctx, "incident-acme.01JNE0", eventstore.Any)
	if !errors.Is(err, eventstore.ErrNoEvents) {
		t.Errorf("Append with no events: error %v, want one matching eventstore.ErrNoEvents", err)
	}
	wantNotFound(t, ctx, st, "incident-acme.01JNE0", "after an append with no events")
	stillWorks("after an append with no events")

	// Invalid stream names.
	for _, name := range []string{
		"", "NoCategory", "$all", "$ce-alert", "alert", "alert-", "with space-x", "alert-acme/x", "Alert-acme.1",
		"alert-" + strings.Repeat("a", eventstore.MaxStreamNameLen-len("alert-")+1),
	} {
		_, err := st.Append(ctx, name, eventstore.Any, event("alert.raised", 1))
		if !errors.Is(err, eventstore.ErrInvalidStream) {
			t.Errorf("Append to stream %q: error %v, want one matching eventstore.ErrInvalidStream", name, err)
			continue
		}
		ise, ok := errors.AsType[*eventstore.InvalidStreamError](err)
		if !ok {
			t.Errorf("Append to stream %q: error %v (%T) is not a *eventstore.InvalidStreamError", name, err, err)
		} else if ise.Stream != name {
			t.Errorf("InvalidStreamError.Stream = %q, want %q", ise.Stream, name)
		}
	}
	stillWorks("after appends to invalid streams")

	// Invalid events, reported with their index.
	noType := event("", 2)
	noData := event("alert.raised", 3)
	noData.Data = nil
	emptyData := event("alert.raised", 4)
	emptyData.Data = []byte{}
	spaceType := event("alert raised", 5)
	for i, c := range []struct {
		name  string
		evs   []eventstore.EventData
		index int
	}{
		{"empty type", []eventstore.EventData{event("alert.raised", 1), noType}, 1},
		{"nil data", []eventstore.EventData{noData}, 0},
		{"empty data", []eventstore.EventData{event("alert.raised", 1), event("alert.assigned", 1), emptyData}, 2},
		{"space in type", []eventstore.EventData{spaceType, event("alert.raised", 1)}, 0},
	} {
		stream := fmt.Sprintf("alert-acme.bad%d", i)
		_, err := st.Append(ctx, stream, eventstore.Any, c.evs...)
		if !errors.Is(err, eventstore.ErrInvalidEvent) {
			t.Errorf("Append with %s: error %v, want one matching eventstore.ErrInvalidEvent", c.name, err)
			continue
		}
		iee, ok := errors.AsType[*eventstore.InvalidEventError](err)
		if !ok {
			t.Errorf("Append with %s: error %v (%T) is not a *eventstore.InvalidEventError", c.name, err, err)
		} else if iee.Index != c.index || iee.Stream != stream {
			t.Errorf("Append with %s: InvalidEventError{Stream %q, Index %d}, want {%q, %d}: the caller must be told which event is wrong", c.name, iee.Stream, iee.Index, stream, c.index)
		}
		wantNotFound(t, ctx, st, stream, "after an append with "+c.name)
	}
	stillWorks("after appends of invalid events")

	if s.h.MaxEventSize <= 0 {
		return
	}
	// An event of exactly MaxEventSize is accepted; one byte more is not.
	sized := func(size int) eventstore.EventData {
		ev := event("log.received", 7)
		pad := size - len(ev.Type) - len(ev.Metadata) - len(`{"raw":""}`)
		if pad < 0 {
			t.Fatalf("MaxEventSize %d is too small for the test's event", s.h.MaxEventSize)
		}
		ev.Data = []byte(`{"raw":"` + strings.Repeat("x", pad) + `"}`)
		return ev
	}
	limit := s.h.MaxEventSize
	big := sized(limit)
	mustAppend(t, ctx, st, "log-acme.fw01", eventstore.NoStream, big)
	got := mustReadStream(t, ctx, st, "log-acme.fw01")
	if len(got) != 1 || sameData(big, got[0]) != "" {
		t.Fatalf("an event of exactly MaxEventSize (%d bytes) did not read back intact", limit)
	}
	good = append(good, got...)

	_, err = st.Append(ctx, "log-acme.fw02", eventstore.Any, event("log.received", 8), sized(limit+1))
	if !errors.Is(err, eventstore.ErrTooLarge) {
		t.Fatalf("Append of an event of MaxEventSize+1 (%d) bytes: error %v, want one matching eventstore.ErrTooLarge", limit+1, err)
	}
	tle, ok := errors.AsType[*eventstore.TooLargeError](err)
	if !ok {
		t.Fatalf("oversized append: error %v (%T) is not a *eventstore.TooLargeError", err, err)
	}
	if tle.Index != 1 || tle.Limit != limit || tle.Size <= limit {
		t.Errorf("TooLargeError{Index %d, Size %d, Limit %d}, want {Index 1, Size > %d, Limit %d}", tle.Index, tle.Size, tle.Limit, limit, limit)
	}
	wantNotFound(t, ctx, st, "log-acme.fw02", "after an oversized append")
	stillWorks("after an oversized append")
}

// testPositionString: recorded positions survive String and ParsePosition,
// which is how integrators store their resume points.
func testPositionString(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	var results []eventstore.AppendResult
	for i := range 5 {
		results = append(results, mustAppend(t, ctx, st, fmt.Sprintf("log-acme.fw%02d", i%2), eventstore.Any, events("log.received", i*3, 3)...))
	}
	all, checkpoint := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
	positions := []eventstore.Position{eventstore.Start, checkpoint}
	for _, ev := range all {
		positions = append(positions, ev.Position)
	}
	for _, r := range results {
		positions = append(positions, r.Position)
	}
	for _, p := range positions {
		q, err := eventstore.ParsePosition(p.String())
		if err != nil {
			t.Fatalf("ParsePosition(%q) of a recorded position: %v", p.String(), err)
		}
		if q != p {
			t.Fatalf("ParsePosition(%q) = %v, want %v", p.String(), q, p)
		}
	}
	// A resume point read back from its string continues where it left off.
	mid := all[len(all)/2]
	p, err := eventstore.ParsePosition(mid.Position.String())
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := readAll(t, ctx, st, p, 0, eventstore.Filter{})
	sameEvents(t, "ReadAll from a parsed position", rest, all[len(all)/2+1:])
}
