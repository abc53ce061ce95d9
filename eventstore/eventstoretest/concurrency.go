package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
)

// waitGroup waits for wg, failing the test if that takes longer than d (a
// goroutine stuck in the store).
func waitGroup(t *testing.T, wg *sync.WaitGroup, d time.Duration, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: still running after %v; the store seems stuck", what, d)
	}
}

// workers runs goroutines beside the test goroutine. They report errors by
// returning them, never through t (which must not be used once the test has
// ended), and their context is cancelled when the test ends, so a test that
// fails early does not leave them appending.
type workers struct {
	ctx  context.Context
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

func newWorkers(t *testing.T, ctx context.Context) *workers {
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	return &workers{ctx: ctx}
}

// Go runs f in a new goroutine with the workers' context.
func (w *workers) Go(f func(ctx context.Context) error) {
	w.wg.Go(func() {
		if err := f(w.ctx); err != nil {
			w.mu.Lock()
			w.errs = append(w.errs, err)
			w.mu.Unlock()
		}
	})
}

// wait waits up to d for the goroutines and fails the test with their errors.
func (w *workers) wait(t *testing.T, d time.Duration, what string) {
	t.Helper()
	waitGroup(t, &w.wg, d, what)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, err := range w.errs {
		t.Errorf("%s: %v", what, err)
	}
	if len(w.errs) > 0 {
		t.FailNow()
	}
}

// readHead returns the expected revision that describes stream now, reading
// from revision known on (known is a revision the caller has seen, or 0).
func readHead(ctx context.Context, st eventstore.Store, stream string, known uint64) (eventstore.ExpectedRevision, error) {
	evs, err := st.ReadStream(ctx, stream, known, 0)
	switch {
	case errors.Is(err, eventstore.ErrStreamNotFound):
		return eventstore.NoStream, nil
	case err != nil:
		return eventstore.Any, err
	case len(evs) == 0:
		return eventstore.Any, fmt.Errorf("ReadStream(%q, from %d) returned no events although revision %d was seen before", stream, known, known)
	}
	return eventstore.Exact(evs[len(evs)-1].Revision), nil
}

// testConcurrentOneStream: writers racing on one stream with optimistic
// concurrency; exactly one wins each revision and the chain does not fork.
func testConcurrentOneStream(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	const (
		stream  = "incident-acme.01JNH0RACE"
		writers = 8
		rounds  = 30
	)
	type win struct {
		writer int
		id     eventstore.EventID
		res    eventstore.AppendResult
	}
	var (
		mu   sync.Mutex
		wins []win
	)
	ws := newWorkers(t, ctx)
	for w := range writers {
		ws.Go(func(ctx context.Context) error {
			known := uint64(0)
			for r := range rounds {
				ev := event("incident.note_added", w*1000+r)
				for attempt := 0; ; attempt++ {
					if attempt > 10_000 || ctx.Err() != nil {
						return fmt.Errorf("writer %d, round %d: no append succeeded after %d attempts (%v)", w, r, attempt, ctx.Err())
					}
					head, err := readHead(ctx, st, stream, known)
					if err != nil {
						return fmt.Errorf("writer %d: reading the head of %q: %w", w, stream, err)
					}
					if rev, ok := head.Revision(); ok {
						known = rev
					}
					res, err := st.Append(ctx, stream, head, ev)
					if err == nil {
						mu.Lock()
						wins = append(wins, win{w, ev.EventID, res})
						mu.Unlock()
						break
					}
					wev, ok := errors.AsType[*eventstore.WrongExpectedVersionError](err)
					if !ok {
						return fmt.Errorf("writer %d: Append(expected %s) under contention failed with %w; want success or a *WrongExpectedVersionError", w, head, err)
					}
					actual, isExact := wev.Actual.Revision()
					if !isExact || (!head.IsNoStream() && actual <= known) {
						return fmt.Errorf("writer %d: Append(expected %s) was refused with actual revision %s; the stream only grows, so the actual revision must be after the expected one", w, head, wev.Actual)
					}
				}
			}
			return nil
		})
	}
	ws.wait(t, testTimeout, "concurrent appenders")

	got := mustReadStream(t, ctx, st, stream)
	if len(wins) != writers*rounds || len(got) != len(wins) {
		t.Fatalf("%d appends succeeded but the stream holds %d events; want %d of each", len(wins), len(got), writers*rounds)
	}
	checkStream(t, stream, got)
	byRev := map[uint64]win{}
	for _, w := range wins {
		if other, dup := byRev[w.res.Revision]; dup {
			t.Fatalf("writers %d and %d were both told they appended revision %d: optimistic concurrency let two appends win the same revision", other.writer, w.writer, w.res.Revision)
		}
		byRev[w.res.Revision] = w
		ev := got[w.res.Revision]
		if ev.EventID != w.id || ev.Position != w.res.Position {
			t.Fatalf("writer %d was told it appended revision %d at %v, but that revision holds event %s at %v", w.writer, w.res.Revision, w.res.Position, ev.EventID, ev.Position)
		}
	}
}

// testConcurrentManyStreams: concurrent appends to many streams (some with
// Any to shared streams) end up in one global order, each append contiguous
// and each stream's chain intact.
func testConcurrentManyStreams(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	const writers, appends = 8, 20
	shared := []struct{ stream, typ string }{
		{"alert-acme.5ca1ab1e", "alert.recurred"},
		{"incident-acme.01JNHSHARED", "incident.note_added"},
	}
	type batch struct {
		stream string
		ids    []eventstore.EventID
		res    eventstore.AppendResult
	}
	var (
		mu      sync.Mutex
		batches []batch
	)
	ws := newWorkers(t, ctx)
	for w := range writers {
		ws.Go(func(ctx context.Context) error {
			own := fmt.Sprintf("log-acme.host%02d", w)
			ownHead := eventstore.NoStream
			for i := range appends {
				stream, typ, expected := own, "log.received", ownHead
				if i%2 == 1 {
					sh := shared[(w+i/2)%2]
					stream, typ, expected = sh.stream, sh.typ, eventstore.Any
				}
				evs := events(typ, w*1000+i*10, 1+(w+i)%3)
				res, err := st.Append(ctx, stream, expected, evs...)
				if err != nil {
					return fmt.Errorf("writer %d: Append(%q, expected %s): %w", w, stream, expected, err)
				}
				if stream == own {
					ownHead = eventstore.Exact(res.Revision)
				}
				b := batch{stream: stream, res: res}
				for _, ev := range evs {
					b.ids = append(b.ids, ev.EventID)
				}
				mu.Lock()
				batches = append(batches, b)
				mu.Unlock()
			}
			return nil
		})
	}
	ws.wait(t, testTimeout, "concurrent appenders")

	all, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
	total := 0
	for _, b := range batches {
		total += len(b.ids)
	}
	if len(all) != total {
		t.Fatalf("ReadAll(Start) returned %d events; %d were appended", len(all), total)
	}
	at := map[eventstore.EventID]int{}
	byStream := map[string][]eventstore.RecordedEvent{}
	for i, ev := range all {
		at[ev.EventID] = i
		byStream[ev.StreamID] = append(byStream[ev.StreamID], ev)
	}
	for stream, evs := range byStream {
		checkStream(t, stream, evs) // revision order in global order, chain intact
		sameEvents(t, "ReadStream("+stream+") compared with its events in ReadAll", mustReadStream(t, ctx, st, stream), evs)
	}
	for _, b := range batches {
		first, ok := at[b.ids[0]]
		if !ok {
			t.Fatalf("an acknowledged append to %q is missing from ReadAll", b.stream)
		}
		for j, id := range b.ids {
			if k := first + j; k >= len(all) || all[k].EventID != id {
				t.Fatalf("the %d events of one append to %q are not contiguous in global order: an append must be atomic", len(b.ids), b.stream)
			}
		}
		last := all[first+len(b.ids)-1]
		if last.StreamID != b.stream || last.Revision != b.res.Revision || last.Position != b.res.Position {
			t.Fatalf("an append to %q returned revision %d at %v, but its last event is %s/%d at %v", b.stream, b.res.Revision, b.res.Position, last.StreamID, last.Revision, last.Position)
		}
	}
}
