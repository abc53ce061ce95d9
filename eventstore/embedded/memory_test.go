package embedded_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// heapInUse returns the live heap after two garbage collections.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestHeapBounded appends N small events (each with an event ID, over 1,000
// streams, in batches of 100), measures the live heap, appends N more and
// measures again: once segments are sealed the heap does not grow with the
// number of events (an index entry per event would add 16 bytes or more per
// event, 1.6 MB per 100,000). The Bloom filter cache grows until it is full
// (Options.BloomCache); it is small here. N is 100,000, or
// $SOCLEDGER_HEAP_EVENTS:
//
//	SOCLEDGER_HEAP_EVENTS=1000000 go test -run TestHeapBounded -v ./eventstore/embedded/
func TestHeapBounded(t *testing.T) {
	n := 100_000
	if v := os.Getenv("SOCLEDGER_HEAP_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatal(err)
		}
	}
	// The Bloom filter cache fills up to its budget (1.2 KiB per segment
	// here) and then stays; a small one is full before the first
	// measurement.
	s, err := embedded.Open(t.TempDir(), embedded.Options{SegmentSize: 1 << 20, BloomCache: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const streams, batch = 1000, 100
	events := make([]eventstore.EventData, batch)
	appended := 0
	appendN := func(n int) {
		for i := 0; i < n; i += batch {
			for j := range events {
				events[j] = eventstore.EventData{EventID: eventstore.NewEventID(), Type: "log.received",
					Data: fmt.Appendf(nil, `{"line":"fw01 block in on em0 src=10.0.%d.%d"}`, j, appended%256)}
			}
			if _, err := s.Append(ctx, fmt.Sprintf("log-acme.src%03d", (appended/batch)%streams), eventstore.Any, events...); err != nil {
				t.Fatal(err)
			}
			appended += batch
		}
	}
	appendN(n)
	first, st1 := heapInUse(), s.Stats()
	appendN(n)
	second, st2 := heapInUse(), s.Stats()
	growth := int64(second) - int64(first)
	t.Logf("%d events in %d segments: heap %.1f MiB; %d events in %d segments: heap %.1f MiB; growth %d bytes (%.2f bytes per added event)",
		st1.Events, st1.Segments, float64(first)/(1<<20), st2.Events, st2.Segments, float64(second)/(1<<20), growth, float64(growth)/float64(n))
	if st2.Events != 2*n || st2.Segments < 2*st1.Segments-2 || st1.Segments < 10 {
		t.Fatalf("stats %+v then %+v", st1, st2)
	}
	// Allowed: the per-segment handles (well under 2 KiB each), and the
	// active and last sealed segments' indexes, which vary with where in
	// a segment the measurement falls.
	if limit := int64(st2.Segments-st1.Segments)*2048 + 512<<10; growth > limit {
		t.Fatalf("the heap grew by %d bytes for %d more events (limit %d)", growth, n, limit)
	}
}
