package esdb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/esdb"
	"github.com/socledger/socledger/eventstore/esdb/esdbtest"
)

// Fault tests against the in-process server: the server stopped under a
// subscription, down when the store starts, slow to answer.

// projection is a consumer that keeps its checkpoint with what it has
// processed, as a projection runner does: after every message, the events
// it applied and the position to resume after change together.
type projection struct {
	t          *testing.T
	mu         sync.Mutex
	ids        []eventstore.EventID
	checkpoint eventstore.Position
	resumed    int // subscriptions opened after the first
}

func (p *projection) apply(m eventstore.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m.Kind {
	case eventstore.EventAppeared:
		if !p.checkpoint.Less(m.Position) {
			p.t.Errorf("event %s at %v is not after the checkpoint %v: repeated", m.Event.EventID, m.Position, p.checkpoint)
			return
		}
		p.ids = append(p.ids, m.Event.EventID)
		p.checkpoint = m.Position
	case eventstore.Checkpoint, eventstore.CaughtUp:
		if m.Position.Less(p.checkpoint) {
			p.t.Errorf("%s at %v before the checkpoint %v", m.Kind, m.Position, p.checkpoint)
			return
		}
		p.checkpoint = m.Position
	}
}

func (p *projection) state() ([]eventstore.EventID, eventstore.Position) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ids), p.checkpoint
}

// waitFor waits until the projection has applied n events.
func (p *projection) waitFor(ctx context.Context, n int) error {
	for {
		ids, _ := p.state()
		if len(ids) >= n {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("the projection applied %d of %d events: %w", len(ids), n, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// retryAppend appends one event until it succeeds, with the same event ID
// every time (an append cut short by the outage may have been written: the
// store recognises the retry), and returns how many attempts failed.
func retryAppend(ctx context.Context, s eventstore.Store, stream string, e eventstore.EventData) (int, error) {
	for failed := 0; ; failed++ {
		_, err := s.Append(ctx, stream, eventstore.Any, e)
		if err == nil {
			return failed, nil
		}
		if ctx.Err() != nil {
			return failed, fmt.Errorf("append %s to %s: %w (last error)", e.EventID, stream, err)
		}
		if errors.Is(err, eventstore.ErrWrongExpectedVersion) || errors.Is(err, eventstore.ErrPartialDuplicate) {
			return failed, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeThrough appends n events, one alert in four (the rest are log lines
// the projection's filter skips), retrying each across outages, and returns
// the alert events' IDs in the order written and the failed attempts.
func writeThrough(ctx context.Context, s eventstore.Store, n int, pause time.Duration) ([]eventstore.EventID, int, error) {
	var (
		alerts []eventstore.EventID
		failed int
	)
	for i := range n {
		stream := "log-acme.fw1"
		e := ev("log.received", i)
		if i%4 == 0 {
			stream, e = fmt.Sprintf("alert-acme.%d", i%3), ev("alert.recurred", i)
		}
		f, err := retryAppend(ctx, s, stream, e)
		failed += f
		if err != nil {
			return alerts, failed, err
		}
		if i%4 == 0 {
			alerts = append(alerts, e.EventID)
		}
		time.Sleep(pause)
	}
	return alerts, failed, nil
}

// outage stops the server for d once the projection has applied at least
// after events, then starts it again.
func outage(t *testing.T, ctx context.Context, srv *esdbtest.Server, p *projection, after int, d time.Duration) {
	t.Helper()
	if err := p.waitFor(ctx, after); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	time.Sleep(d)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
}

// TestResumeFromCheckpointAfterServerStops: a filtered subscription whose
// server stops twice under it while a writer keeps appending (retrying
// across the outages). The projection sees every matching event once, in
// order, whether the adapter resumes the subscription itself or the
// projection subscribes again from its stored checkpoint, on a new store as
// a restarted process would.
func TestResumeFromCheckpointAfterServerStops(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// adapter: the adapter resumes dropped subscriptions; else the
		// subscription ends and the projection subscribes again.
		adapter bool
	}{
		{"adapter resubscribes", true},
		{"projection resubscribes from its checkpoint", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 90*time.Second)
			srv := esdbtest.Start(t, esdbtest.Options{})
			cfg := esdb.Config{URL: srv.URL(), MaxSearchWindow: 4, ConnectTimeout: -1}
			if !tc.adapter {
				cfg.ResubscribeFor = -1
			}
			writer := open(t, esdb.Config{URL: srv.URL()})
			defer writer.Close()
			// Some history before the projection starts.
			before, _, err := writeThrough(ctx, writer, 40, 0)
			if err != nil {
				t.Fatal(err)
			}

			p := &projection{t: t}
			filter := eventstore.Filter{StreamPrefixes: []string{"alert-"}}
			runDone := make(chan error, 1)
			runCtx, stopRun := context.WithCancel(ctx)
			defer stopRun()
			go func() {
				store := open(t, cfg)
				defer func() { _ = store.Close() }()
				for {
					_, from := p.state()
					sub, err := store.Subscribe(runCtx, from, filter)
					if err != nil {
						if runCtx.Err() != nil {
							runDone <- nil
							return
						}
						if !errors.Is(err, esdb.ErrUnavailable) {
							runDone <- fmt.Errorf("subscribe from %v: %w", from, err)
							return
						}
						time.Sleep(20 * time.Millisecond)
						continue
					}
					for {
						m, err := sub.Recv(runCtx)
						if err != nil {
							_ = sub.Close()
							if runCtx.Err() != nil {
								runDone <- nil
								return
							}
							if tc.adapter {
								runDone <- fmt.Errorf("the adapter did not resume the subscription: %w", err)
								return
							}
							break
						}
						p.apply(m)
					}
					// A restarted process: a new store, from the
					// stored checkpoint.
					_ = store.Close()
					store = open(t, cfg)
					p.mu.Lock()
					p.resumed++
					p.mu.Unlock()
				}
			}()

			written := make(chan []eventstore.EventID, 1)
			var failed int
			go func() {
				ids, f, err := writeThrough(ctx, writer, 400, 2*time.Millisecond)
				if err != nil {
					t.Error(err)
				}
				failed = f
				written <- ids
			}()
			outage(t, ctx, srv, p, len(before)+10, 300*time.Millisecond)
			outage(t, ctx, srv, p, len(before)+40, 300*time.Millisecond)
			want := append(before, <-written...)
			if failed == 0 {
				t.Error("no append failed: the outages missed the writer")
			}
			if err := p.waitFor(ctx, len(want)); err != nil {
				t.Fatal(err)
			}
			// Nothing more arrives.
			time.Sleep(200 * time.Millisecond)
			stopRun()
			if err := <-runDone; err != nil {
				t.Fatal(err)
			}
			got, _ := p.state()
			if !slices.Equal(got, want) {
				t.Fatalf("the projection applied %d events, want the %d alerts written, in order", len(got), len(want))
			}
			p.mu.Lock()
			resumed := p.resumed
			p.mu.Unlock()
			switch {
			case tc.adapter && resumed != 0:
				t.Errorf("the subscription ended %d times; the adapter should have resumed it", resumed)
			case !tc.adapter && resumed < 2:
				t.Errorf("the projection subscribed again %d times, want at least 2 (one per outage)", resumed)
			}
			if srv.Len() != 440 {
				t.Errorf("the server holds %d events, want the 440 written, each once", srv.Len())
			}
		})
	}
}

// TestServerDownAtStart: with the cluster down, Open fails quickly and
// clearly; a store opened without contacting it fails its calls with
// ErrUnavailable, and a projection that keeps trying to subscribe starts as
// soon as the server does, with every event; an append that failed while it
// was down, retried with the same IDs, is written once.
func TestServerDownAtStart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 60*time.Second)
	addr := esdbtest.FreeAddr(t)
	url := esdbtest.URL(addr)

	start := time.Now()
	_, err := esdb.Open(ctx, esdb.Config{URL: url})
	if !errors.Is(err, esdb.ErrUnavailable) {
		t.Fatalf("Open with the server down: %v; want esdb.ErrUnavailable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open took %v to report the server down", d)
	}

	s := open(t, esdb.Config{URL: url, ConnectTimeout: -1})
	defer s.Close()
	filter := eventstore.Filter{StreamPrefixes: []string{"incident-"}}
	if _, err := s.Subscribe(ctx, eventstore.Start, filter); !errors.Is(err, esdb.ErrUnavailable) {
		t.Fatalf("Subscribe with the server down: %v; want esdb.ErrUnavailable", err)
	}
	opened := ev("incident.opened", 0)
	if _, err := s.Append(ctx, "incident-acme.7", eventstore.NoStream, opened); !errors.Is(err, esdb.ErrUnavailable) {
		t.Fatalf("Append with the server down: %v; want esdb.ErrUnavailable", err)
	}

	// A projection that keeps trying.
	p := &projection{t: t}
	subscribed := make(chan eventstore.Subscription, 1)
	go func() {
		for ctx.Err() == nil {
			sub, err := s.Subscribe(ctx, eventstore.Start, filter)
			if err == nil {
				subscribed <- sub
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	srv := esdbtest.New(esdbtest.Options{Addr: addr})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	var sub eventstore.Subscription
	select {
	case sub = <-subscribed:
	case <-ctx.Done():
		t.Fatal("the projection did not subscribe once the server was up")
	}
	defer sub.Close()
	go func() {
		for {
			m, err := sub.Recv(ctx)
			if err != nil {
				return
			}
			p.apply(m)
		}
	}()

	// The append that failed, retried with the same ID and expected
	// revision; then a retry of the retry.
	first := mustAppend(t, ctx, s, "incident-acme.7", eventstore.NoStream, opened)
	if again := mustAppend(t, ctx, s, "incident-acme.7", eventstore.NoStream, opened); again != first {
		t.Fatalf("a second retry returned %+v, want the first result %+v", again, first)
	}
	note := ev("incident.note_added", 1)
	mustAppend(t, ctx, s, "incident-acme.7", eventstore.Exact(0), note)
	if err := p.waitFor(ctx, 2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got, _ := p.state(); !slices.Equal(got, []eventstore.EventID{opened.EventID, note.EventID}) {
		t.Fatalf("the projection applied %v, want the two events once", got)
	}
	if srv.Len() != 2 {
		t.Fatalf("the server holds %d events, want 2", srv.Len())
	}
}

// TestDeadlines: against a server that answers after 3s, every call with a
// shorter deadline returns context.DeadlineExceeded promptly; a Recv whose
// own deadline passes loses nothing.
func TestDeadlines(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 60*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	s := open(t, esdb.Config{URL: srv.URL()})
	defer s.Close()
	e := ev("incident.opened", 0)
	mustAppend(t, ctx, s, "incident-acme.1", eventstore.NoStream, e)
	sub, err := s.Subscribe(ctx, eventstore.Start, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for { // to CaughtUp
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind == eventstore.CaughtUp {
			break
		}
	}

	srv.SetDelay(3 * time.Second)
	const deadline = 150 * time.Millisecond
	for _, op := range []struct {
		name string
		call func(context.Context) error
	}{
		{"Append", func(ctx context.Context) error {
			_, err := s.Append(ctx, "incident-acme.2", eventstore.NoStream, ev("incident.opened", 2))
			return err
		}},
		{"Append after a cached head", func(ctx context.Context) error {
			_, err := s.Append(ctx, "incident-acme.1", eventstore.Exact(0), ev("incident.note_added", 3))
			return err
		}},
		{"ReadStream", func(ctx context.Context) error { _, err := s.ReadStream(ctx, "incident-acme.1", 0, 0); return err }},
		{"ReadAll", func(ctx context.Context) error {
			_, err := s.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{})
			return err
		}},
		{"Subscribe", func(ctx context.Context) error {
			sub, err := s.Subscribe(ctx, eventstore.Start, eventstore.Filter{})
			if err == nil {
				_ = sub.Close()
			}
			return err
		}},
		{"Ping", s.Ping},
		{"Recv", func(ctx context.Context) error { _, err := sub.Recv(ctx); return err }},
	} {
		short, cancel := context.WithTimeout(ctx, deadline)
		began := time.Now()
		err := op.call(short)
		took := time.Since(began)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s against a slow server: %v; want context.DeadlineExceeded", op.name, err)
		}
		if took > 2500*time.Millisecond { // the server answers after 3s
			t.Errorf("%s returned after %v; its deadline was %v", op.name, took, deadline)
		}
	}
	srv.SetDelay(0)
	time.Sleep(3500 * time.Millisecond) // the delayed calls reach the server and give up
	if _, err := s.ReadStream(ctx, "incident-acme.2", 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("an append whose deadline passed before the server served it wrote something: %v", err)
	}
	// The subscription goes on: the next event arrives.
	next := mustAppend(t, ctx, s, "incident-acme.1", eventstore.Any, ev("incident.note_added", 4))
	m, err := sub.Recv(ctx)
	if err != nil || m.Kind != eventstore.EventAppeared || m.Position != next.Position {
		t.Fatalf("Recv after a Recv timed out: %+v, %v; want the new event", m, err)
	}
}

// TestLateWriteRetried: the server writes an append after the caller's
// deadline has passed (it was slow to get to it). A retry with the same
// event IDs, before or after the late write lands, is recognised: the
// stream holds each event once, chained.
func TestLateWriteRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// landFirst: the retry comes after the late write landed; else
		// it races ahead of it.
		landFirst bool
		expected  func(head uint64) eventstore.ExpectedRevision
	}{
		{"retry after the write landed, exact revision", true, func(h uint64) eventstore.ExpectedRevision { return eventstore.Exact(h) }},
		{"retry after the write landed, any revision", true, func(uint64) eventstore.ExpectedRevision { return eventstore.Any }},
		{"retry ahead of the late write, exact revision", false, func(h uint64) eventstore.ExpectedRevision { return eventstore.Exact(h) }},
		{"retry ahead of the late write, any revision", false, func(uint64) eventstore.ExpectedRevision { return eventstore.Any }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 60*time.Second)
			var stall atomic.Int32 // the next appends the server serves late, ignoring the caller's deadline
			srv := esdbtest.Start(t, esdbtest.Options{Intercept: func(_ context.Context, method string) error {
				if method == "Append" && stall.Add(-1) >= 0 {
					time.Sleep(600 * time.Millisecond)
				}
				return nil
			}})
			s := open(t, esdb.Config{URL: srv.URL()})
			defer s.Close()
			const stream = "alert-acme.c0ffee"
			mustAppend(t, ctx, s, stream, eventstore.NoStream, ev("alert.raised", 0))
			batch := []eventstore.EventData{ev("alert.recurred", 1), ev("alert.recurred", 2)}

			stall.Store(1)
			short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
			_, err := s.Append(short, stream, tc.expected(0), batch...)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("append served late: %v; want context.DeadlineExceeded", err)
			}
			if tc.landFirst {
				for srv.Len() < 3 {
					if ctx.Err() != nil {
						t.Fatal("the late write never landed")
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			res, err := s.Append(ctx, stream, tc.expected(0), batch...)
			if err != nil {
				t.Fatalf("retry with the same IDs: %v", err)
			}
			if res.Revision != 2 {
				t.Fatalf("retry returned revision %d, want 2", res.Revision)
			}
			time.Sleep(time.Second) // the late write has landed or been refused
			evs, err := s.ReadStream(ctx, stream, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 3 || evs[1].EventID != batch[0].EventID || evs[2].EventID != batch[1].EventID {
				t.Fatalf("the stream holds %d events, want the first and the batch once", len(evs))
			}
			for i, e := range evs {
				if (i > 0 && e.Prev != evs[i-1].Hash) || e.Hash != eventstore.ChainHash(stream, e.Revision, e.Type, e.Data, e.Metadata, e.Prev) {
					t.Fatalf("the chain is broken at revision %d", i)
				}
			}
			if last, err := s.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{}); err != nil || last.Events[2].Position != res.Position {
				t.Fatalf("the retry's position %v is not the batch's last event's (%v)", res.Position, err)
			}
		})
	}
}
