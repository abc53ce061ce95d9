package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// checkChains reads every stream and checks gap-free revisions and intact
// hash-chain links.
func checkChains(t *testing.T, s eventstore.Store, streams map[string]int) {
	t.Helper()
	for name, n := range streams {
		evs, err := s.ReadStream(context.Background(), name, 0, 0)
		if err != nil {
			t.Fatalf("ReadStream %s: %v", name, err)
		}
		if len(evs) != n {
			t.Fatalf("stream %s has %d events, want %d", name, len(evs), n)
		}
		for i, ev := range evs {
			if ev.Revision != uint64(i) || (i > 0 && ev.Prev != evs[i-1].Hash) || (i == 0 && ev.Prev != (eventstore.Hash{})) {
				t.Fatalf("stream %s: event %d has revision %d and a broken chain link", name, i, ev.Revision)
			}
		}
	}
}

// TestHeadsFromIndexFiles appends to hundreds of streams round-robin with
// a tiny head cache and a seal every few records, so that almost every
// append's stream head is found by its appender in the index files: exact
// expected revisions succeed, wrong ones report the actual revision, chains
// continue, and a retry beyond the idempotency window is still recognised.
func TestHeadsFromIndexFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := embedded.WithSealEvery(embedded.Options{SegmentSize: 64 << 10, HeadCache: 1, IdempotencyWindow: 4}, 3)
	s, err := embedded.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const streams, rounds = 300, 4
	counts := map[string]int{}
	first := map[string]eventstore.EventData{}
	for r := range rounds {
		for i := range streams {
			name := fmt.Sprintf("alert-acme.a%03d", i)
			expected := eventstore.NoStream
			if r > 0 {
				expected = eventstore.Exact(uint64(r - 1))
			}
			ev := eventstore.EventData{EventID: eventstore.NewEventID(), Type: "alert.raised", Data: fmt.Appendf(nil, `{"r":%d}`, r)}
			if r == 1 {
				first[name] = ev
			}
			res, err := s.Append(ctx, name, expected, ev)
			if err != nil || res.Revision != uint64(r) {
				t.Fatalf("append %s round %d: %+v, %v", name, r, res, err)
			}
			counts[name]++
		}
	}
	checkChains(t, s, counts)
	// A wrong expected revision, with the head on disk.
	_, err = s.Append(ctx, "alert-acme.a007", eventstore.Exact(1), eventstore.EventData{Type: "alert.raised", Data: []byte(`{}`)})
	var wrong *eventstore.WrongExpectedVersionError
	if !errors.As(err, &wrong) || wrong.Actual != eventstore.Exact(rounds-1) {
		t.Fatalf("wrong expected revision: %v, want actual %d", err, rounds-1)
	}
	// A retry of round 1's append, long out of the window: same result,
	// nothing written.
	res, err := s.Append(ctx, "alert-acme.a007", eventstore.Exact(0), first["alert-acme.a007"])
	if err != nil || res.Revision != 1 {
		t.Fatalf("retry beyond the window: %+v, %v", res, err)
	}
	if st := s.Stats(); st.Streams != streams || st.Events != streams*rounds {
		t.Fatalf("stats %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// After a reopen (no head in memory at all) the same holds.
	s, err = embedded.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name := range counts {
		if _, err := s.Append(ctx, name, eventstore.Exact(rounds-1), eventstore.EventData{Type: "alert.raised", Data: []byte(`{"after":"reopen"}`)}); err != nil {
			t.Fatalf("append to %s after reopen: %v", name, err)
		}
		counts[name]++
	}
	checkChains(t, s, counts)
}

// TestHeadHintsUnderChurn: concurrent appenders with a seal every record or
// two and almost no head memory, so that heads move out of memory between an
// appender's lookup and the writer's turn. With the touched table reduced to
// one slot the writer must reject lookups it cannot vouch for (the appender
// looks again); either way revisions stay gap-free and chains intact.
func TestHeadHintsUnderChurn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ slots, sealEvery int }{{1, 2}, {0, 1}} {
		t.Run(fmt.Sprintf("slots=%d", tc.slots), func(t *testing.T) {
			t.Parallel()
			opts := embedded.WithSealEvery(embedded.Options{SegmentSize: 64 << 10, HeadCache: 4}, tc.sealEvery)
			s, err := embedded.Open(t.TempDir(), embedded.WithHeadSlots(opts, tc.slots))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			const owners, per, own = 6, 40, 5
			var mu sync.Mutex
			counts := map[string]int{}
			var wg sync.WaitGroup
			for g := range owners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					revs := make([]int, own)
					for i := range per {
						k := (i * 3) % own
						name := fmt.Sprintf("incident-acme.g%d-%d", g, k)
						expected := eventstore.NoStream
						if revs[k] > 0 {
							expected = eventstore.Exact(uint64(revs[k] - 1))
						}
						if _, err := s.Append(ctx, name, expected, eventstore.EventData{Type: "incident.note_added", Data: []byte(`{"n":1}`)}); err != nil {
							t.Errorf("append %s: %v", name, err)
							return
						}
						revs[k]++
					}
					mu.Lock()
					for k, n := range revs {
						counts[fmt.Sprintf("incident-acme.g%d-%d", g, k)] = n
					}
					mu.Unlock()
				}()
			}
			shared := make([]int, 3)
			for g := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range per {
						k := (i + g) % len(shared)
						if _, err := s.Append(ctx, fmt.Sprintf("tenant-acme.s%d", k), eventstore.Any, eventstore.EventData{Type: "tenant.updated", Data: []byte(`{}`)}); err != nil {
							t.Errorf("append: %v", err)
							return
						}
						mu.Lock()
						shared[k]++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			for k, n := range shared {
				counts[fmt.Sprintf("tenant-acme.s%d", k)] = n
			}
			checkChains(t, s, counts)
			t.Logf("%d segments; %d appends looked their head up again", s.Stats().Segments, s.NeedHead())
		})
	}
}
