package eventstoretest

import (
	"context"
	"fmt"
	"testing"

	"github.com/socledger/socledger/eventstore"
)

// testReadAllPaging: ReadAll page by page gives the same events as one long
// read, resuming from each page's Checkpoint; from is exclusive.
func testReadAllPaging(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)

	empty, err := st.ReadAll(ctx, eventstore.Start, 10, eventstore.Filter{})
	if err != nil {
		t.Fatalf("ReadAll on an empty store: %v", err)
	}
	if len(empty.Events) != 0 || !empty.AtEnd {
		t.Fatalf("ReadAll on an empty store returned %d events, AtEnd %v; want none and AtEnd", len(empty.Events), empty.AtEnd)
	}

	streams := []string{"alert-acme.0a1b2c", "incident-acme.01JNF1", "log-acme.fw01", "alert-globex.99ff00"}
	for i := range 40 {
		typ := []string{"alert.raised", "incident.note_added", "log.received", "alert.raised"}[i%4]
		mustAppend(t, ctx, st, streams[i%4], eventstore.Any, events(typ, i*2, 1+i%2)...)
	}
	const total = 60 // 20 appends of 1 event, 20 of 2

	whole, end := readAll(t, ctx, st, eventstore.Start, 1000, eventstore.Filter{})
	if len(whole) != total {
		t.Fatalf("ReadAll(Start) returned %d events, want all %d appended", len(whole), total)
	}
	if end.Less(whole[len(whole)-1].Position) {
		t.Fatalf("the final Checkpoint %v is behind the last event at %v", end, whole[len(whole)-1].Position)
	}
	for _, size := range []int{1, 2, 7, total, total + 1} {
		paged, _ := readAll(t, ctx, st, eventstore.Start, size, eventstore.Filter{})
		sameEvents(t, fmt.Sprintf("ReadAll in pages of %d compared with one read", size), paged, whole)
	}
	def, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
	sameEvents(t, "ReadAll with max 0 (backend default) page by page", def, whole)

	// from is exclusive: reading from event k's position starts with k+1.
	for _, k := range []int{0, 1, 17, total - 2, total - 1} {
		from := whole[k].Position
		rest, cp := readAll(t, ctx, st, from, 5, eventstore.Filter{})
		if len(rest) > 0 && rest[0].EventID != whole[k+1].EventID {
			t.Fatalf("ReadAll(from %v, the position of event %d) starts with the event at %v; want event %d at %v: from is exclusive",
				from, k, rest[0].Position, k+1, whole[k+1].Position)
		}
		sameEvents(t, fmt.Sprintf("ReadAll from the position of event %d", k), rest, whole[k+1:])
		if cp.Less(end) {
			t.Fatalf("ReadAll from %v reached the end with Checkpoint %v, behind the end of the log at %v", from, cp, end)
		}
	}
}

// filterCase is one filter and a name for it.
type filterCase struct {
	name   string
	filter eventstore.Filter
}

var filterCases = []filterCase{
	{"StreamPrefixes", eventstore.Filter{StreamPrefixes: []string{"alert-", "incident-acme."}}},
	{"EventTypePrefixes", eventstore.Filter{EventTypePrefixes: []string{"incident.", "alert.raised"}}},
	{"Both", eventstore.Filter{StreamPrefixes: []string{"alert-", "incident-acme."}, EventTypePrefixes: []string{"incident.", "alert.raised"}}},
	{"OneStream", eventstore.Filter{StreamPrefixes: []string{"incident-acme.01JNG2"}}},
}

// mixedTraffic is a SOC day in miniature: mostly logs, some alerts and
// incidents of two tenants.
var mixedTraffic = []struct{ stream, typ string }{
	{"log-acme.fw01", "log.received"},
	{"alert-acme.9f2c01", "alert.raised"},
	{"log-acme.fw01", "log.received"},
	{"alert-acme.9f2c01", "alert.acknowledged"},
	{"incident-acme.01JNG2", "incident.opened"},
	{"log-globex.edr", "log.received"},
	{"alert-globex.77b1", "alert.raised"},
	{"incident-globex.01JNG3", "incident.opened"},
	{"incident-acme.01JNG2", "incident.note_added"},
	{"tenant-acme", "tenant.created"},
	{"alert-acme.9f2c01", "alert.escalated"},
	{"incident-acme.01JNG2x", "incident.opened"},
	{"log-acme.fw01", "log.received"},
	{"log-acme.fw01", "log.received"},
}

// appendMixed appends n events of mixedTraffic starting at entry k, one
// append each, and returns the next k.
func appendMixed(t *testing.T, ctx context.Context, st eventstore.Store, k, n int) int {
	t.Helper()
	for range n {
		m := mixedTraffic[k%len(mixedTraffic)]
		mustAppend(t, ctx, st, m.stream, eventstore.Any, event(m.typ, k))
		k++
	}
	return k
}

// testFilters: filtered reads return exactly the matching events, report
// progress over skipped events, and resume without loss or repetition.
func testFilters(t *testing.T, s *suite) {
	for _, fc := range filterCases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			st := s.newStore(t)
			ctx := testContext(t, testTimeout)
			appendMixed(t, ctx, st, 0, 3*len(mixedTraffic))
			all, end := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
			var want []eventstore.RecordedEvent
			for _, ev := range all {
				if matches(fc.filter, ev.StreamID, ev.Type) {
					want = append(want, ev)
				}
			}
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("test data: filter %+v matches %d of %d events", fc.filter, len(want), len(all))
			}
			for _, size := range []int{1, 3, 1000} {
				got, cp := readAll(t, ctx, st, eventstore.Start, size, fc.filter)
				sameEvents(t, fmt.Sprintf("ReadAll(%+v, max %d)", fc.filter, size), got, want)
				if cp.Less(end) {
					t.Fatalf("filtered ReadAll ended AtEnd with Checkpoint %v, behind the last event of the log at %v: a reader would rescan what the filter skipped", cp, end)
				}
			}
		})
	}

	t.Run("NoMatch", func(t *testing.T) {
		t.Parallel()
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		appendMixed(t, ctx, st, 0, 2*len(mixedTraffic))
		all, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
		last := all[len(all)-1].Position
		for _, f := range []eventstore.Filter{
			{StreamPrefixes: []string{"access-"}},
			{EventTypePrefixes: []string{"access."}},
			{StreamPrefixes: []string{"log-"}, EventTypePrefixes: []string{"alert."}},
		} {
			got, cp := readAll(t, ctx, st, eventstore.Start, 10, f)
			if len(got) != 0 {
				t.Fatalf("ReadAll(%+v) returned %d events, want none", f, len(got))
			}
			if cp.Less(last) {
				t.Fatalf("ReadAll(%+v) matched nothing and reached the end, but its Checkpoint %v is behind the last event at %v: the next read would rescan the log", f, cp, last)
			}
			page, err := st.ReadAll(ctx, cp, 10, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Events) != 0 || !page.AtEnd || page.Checkpoint.Less(cp) {
				t.Fatalf("ReadAll(%+v) from the end checkpoint %v returned %d events, AtEnd %v, Checkpoint %v", f, cp, len(page.Events), page.AtEnd, page.Checkpoint)
			}
		}
	})

	for _, fc := range filterCases {
		t.Run("Resume"+fc.name, func(t *testing.T) {
			t.Parallel()
			st := s.newStore(t)
			ctx := testContext(t, testTimeout)
			// Each round appends a little mixed traffic and reads on from
			// the previous Checkpoint; the rounds together must equal one
			// filtered read of the whole log.
			var got []eventstore.RecordedEvent
			cp := eventstore.Start
			k := 0
			for round := range 15 {
				k = appendMixed(t, ctx, st, k, 1+round%5)
				evs, next := readAll(t, ctx, st, cp, 1+round%3, fc.filter)
				if next.Less(cp) {
					t.Fatalf("Checkpoint went back from %v to %v", cp, next)
				}
				got = append(got, evs...)
				cp = next
			}
			want, _ := readAll(t, ctx, st, eventstore.Start, 0, fc.filter)
			sameEvents(t, "events read by resuming from checkpoints between appends, compared with one read", got, want)
		})
	}
}
