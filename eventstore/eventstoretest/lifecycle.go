package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
)

// recvInBackground calls Recv in another goroutine until it fails and
// returns a channel with that error. An event arriving meanwhile is an error
// of its own (the tests using it append nothing).
func recvInBackground(ctx context.Context, sub eventstore.Subscription) <-chan error {
	errc := make(chan error, 1)
	go func() {
		for {
			m, err := sub.Recv(ctx)
			if err != nil {
				errc <- err
				return
			}
			if m.Kind == eventstore.EventAppeared {
				errc <- fmt.Errorf("unexpected event %s/%d at %v: nothing was appended", m.Event.StreamID, m.Event.Revision, m.Position)
				return
			}
		}
	}()
	return errc
}

// blockedRecvReturns waits up to promptTimeout for the error of a Recv
// started by recvInBackground and checks it matches want.
func blockedRecvReturns(t *testing.T, errc <-chan error, want error, after string) {
	t.Helper()
	select {
	case err := <-errc:
		if !errors.Is(err, want) {
			t.Fatalf("a Recv blocked when %s returned %v; want an error matching %v", after, err, want)
		}
	case <-time.After(promptTimeout):
		t.Fatalf("a Recv blocked when %s was still blocked %v later", after, promptTimeout)
	}
}

// recvEnded checks that Recv on an ended subscription returns an error
// matching want promptly, and keeps doing so.
func recvEnded(t *testing.T, sub eventstore.Subscription, want error, why string) {
	t.Helper()
	for range 2 {
		ctx, cancel := context.WithTimeout(t.Context(), promptTimeout)
		m, err := sub.Recv(ctx)
		cancel()
		if err == nil {
			t.Fatalf("%s: Recv returned a %s message; want the subscription to have ended with %v", why, m.Kind, want)
		}
		if !errors.Is(err, want) {
			t.Fatalf("%s: Recv returned %v; want an error matching %v", why, err, want)
		}
	}
}

// closeAgain checks a second Close of a subscription or store.
func closeAgain(t *testing.T, what string, close func() error) {
	t.Helper()
	if err := close(); err != nil && !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("closing %s a second time: %v; Close must be safe to call more than once", what, err)
	}
}

// testSubscriptionCancel: ending a subscription by its context, a Recv
// context that ends without ending the subscription, and Close.
func testSubscriptionCancel(t *testing.T, s *suite) {
	t.Run("SubscribeContextWhileBlocked", func(t *testing.T) {
		t.Parallel()
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		appendHistory(t, ctx, st, 5)
		subCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		c := subscribe(t, subCtx, st, eventstore.Start, eventstore.Filter{})
		c.untilCaughtUp(ctx)
		errc := recvInBackground(ctx, c.sub)
		time.Sleep(20 * time.Millisecond) // let it block
		cancel()
		blockedRecvReturns(t, errc, context.Canceled, "the subscription's context was cancelled")
		recvEnded(t, c.sub, context.Canceled, "after the subscription's context was cancelled")
		closeAgain(t, "a subscription whose context was cancelled", c.sub.Close)
	})

	t.Run("SubscribeContextWithPending", func(t *testing.T) {
		t.Parallel()
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		appendHistory(t, ctx, st, 200)
		subCtx, cancel := context.WithCancel(ctx)
		c := subscribe(t, subCtx, st, eventstore.Start, eventstore.Filter{})
		c.untilEvents(ctx, 3)
		cancel()
		// Messages already on their way may still come, but the
		// subscription ends promptly with the context's error.
		deadline := time.Now().Add(promptTimeout)
		for {
			rctx, rcancel := context.WithDeadline(ctx, deadline)
			m, err := c.sub.Recv(rctx)
			rcancel()
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("after cancelling the subscription's context, Recv returned %v; want an error matching context.Canceled (within %v)", err, promptTimeout)
				}
				break
			}
			c.check(m)
		}
		recvEnded(t, c.sub, context.Canceled, "after the subscription's context was cancelled")
	})

	t.Run("RecvContext", func(t *testing.T) {
		t.Parallel()
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		appendHistory(t, ctx, st, 3)
		c := subscribe(t, ctx, st, eventstore.Start, eventstore.Filter{})
		c.untilCaughtUp(ctx)

		// A Recv whose own context ends returns its error ...
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		for {
			m, err := c.sub.Recv(short)
			if err != nil {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Recv whose context expired returned %v; want an error matching context.DeadlineExceeded", err)
				}
				break
			}
			c.check(m)
			if m.Kind == eventstore.EventAppeared {
				t.Fatalf("unexpected event at %v: nothing was appended", m.Position)
			}
		}
		cancel()
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		for range 100 {
			m, err := c.sub.Recv(cancelled)
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Recv with a cancelled context returned %v; want an error matching context.Canceled", err)
				}
				break
			}
			c.check(m)
		}

		// ... but the subscription goes on: with appends running, Recv
		// calls with contexts that expire almost at once must together
		// see every event, without loss or repetition.
		ws := newWorkers(t, ctx)
		live := appendConcurrently(ws, st, 2, 40)
		want := 3 + live
		timeouts := []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond}
		for i := 0; len(c.evs) < want; i++ {
			if ctx.Err() != nil {
				t.Fatalf("only %d of %d events arrived through Recv calls with short contexts: events were lost when a Recv context ended", len(c.evs), want)
			}
			rctx, rcancel := context.WithTimeout(ctx, timeouts[i%len(timeouts)])
			m, err := c.sub.Recv(rctx)
			rcancel()
			if err != nil {
				if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
					t.Fatalf("Recv with a short context returned %v; want an event or the context's error", err)
				}
				continue
			}
			c.check(m)
		}
		ws.wait(t, testTimeout, "background appends")
		c.quiet()
		all, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
		sameEvents(t, "events seen through Recv calls with short contexts compared with ReadAll", c.evs, all)
	})

	t.Run("CloseWhileBlocked", func(t *testing.T) {
		t.Parallel()
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		appendHistory(t, ctx, st, 4)
		c := subscribe(t, ctx, st, eventstore.Start, eventstore.Filter{})
		c.untilCaughtUp(ctx)
		errc := recvInBackground(ctx, c.sub)
		time.Sleep(20 * time.Millisecond) // let it block
		if err := c.sub.Close(); err != nil {
			t.Fatalf("Subscription.Close: %v", err)
		}
		blockedRecvReturns(t, errc, eventstore.ErrClosed, "the subscription was closed")
		closeAgain(t, "a subscription", c.sub.Close)
		recvEnded(t, c.sub, eventstore.ErrClosed, "after Subscription.Close")

		// The store is unaffected.
		c2 := subscribe(t, ctx, st, eventstore.Start, eventstore.Filter{})
		mustAppend(t, ctx, st, "alert-acme.c0ffee09", eventstore.NoStream, event("alert.raised", 9))
		c2.untilEvents(ctx, 5)
	})
}

// testClose: after Close every call fails with ErrClosed, open
// subscriptions end with ErrClosed, and Close is idempotent.
func testClose(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	appendHistory(t, ctx, st, 6)
	c := subscribe(t, ctx, st, eventstore.Start, eventstore.Filter{})
	c.untilCaughtUp(ctx)
	idle := subscribe(t, ctx, st, eventstore.Start, eventstore.Filter{}) // never received from
	errc := recvInBackground(ctx, c.sub)
	time.Sleep(20 * time.Millisecond) // let it block

	if err := st.Close(); err != nil {
		t.Fatalf("Store.Close: %v", err)
	}
	blockedRecvReturns(t, errc, eventstore.ErrClosed, "the store was closed")
	recvEnded(t, c.sub, eventstore.ErrClosed, "after Store.Close")
	// An open subscription that was never read ends too (it may first hand
	// out what it had already read).
	for range 100 {
		rctx, cancel := context.WithTimeout(ctx, promptTimeout)
		m, err := idle.sub.Recv(rctx)
		cancel()
		if err != nil {
			if !errors.Is(err, eventstore.ErrClosed) {
				t.Fatalf("Recv on an unread subscription after Store.Close returned %v; want an error matching eventstore.ErrClosed", err)
			}
			break
		}
		idle.check(m)
	}

	wantClosed := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, eventstore.ErrClosed) {
			t.Errorf("%s after Store.Close returned %v; want an error matching eventstore.ErrClosed", op, err)
		}
	}
	_, err := st.Append(ctx, "alert-acme.c0ffee10", eventstore.Any, event("alert.raised", 10))
	wantClosed("Append", err)
	_, err = st.ReadStream(ctx, "alert-acme.c0ffee01", 0, 0)
	wantClosed("ReadStream", err)
	_, err = st.ReadAll(ctx, eventstore.Start, 10, eventstore.Filter{})
	wantClosed("ReadAll", err)
	sub, err := st.Subscribe(ctx, eventstore.Start, eventstore.Filter{})
	wantClosed("Subscribe", err)
	if sub != nil {
		_ = sub.Close()
	}
	if err := st.Close(); err != nil {
		t.Errorf("a second Store.Close returned %v; Close is idempotent", err)
	}
	closeAgain(t, "a subscription of a closed store", c.sub.Close)
}

// testCancelledContext: calls with a context that is already done fail with
// its error and have no effect.
func testCancelledContext(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	const stream = "incident-acme.01JNK0CTX"
	mustAppend(t, ctx, st, stream, eventstore.NoStream, event("incident.opened", 1))
	before, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	for _, c := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"expired", expired, context.DeadlineExceeded},
	} {
		_, err := st.Append(c.ctx, "incident-acme.01JNK0NEW", eventstore.NoStream, event("incident.opened", 2))
		if !errors.Is(err, c.want) {
			t.Errorf("Append with a %s context returned %v; want an error matching %v", c.name, err, c.want)
		}
		wantNotFound(t, ctx, st, "incident-acme.01JNK0NEW", "after an Append with a "+c.name+" context")
		_, err = st.Append(c.ctx, stream, eventstore.Exact(0), event("incident.note_added", 3))
		if !errors.Is(err, c.want) {
			t.Errorf("Append with a %s context returned %v; want an error matching %v", c.name, err, c.want)
		}
		wantLog(t, ctx, st, "after Appends with a "+c.name+" context", before)

		_, err = st.ReadStream(c.ctx, stream, 0, 0)
		if !errors.Is(err, c.want) {
			t.Errorf("ReadStream with a %s context returned %v; want an error matching %v", c.name, err, c.want)
		}
		_, err = st.ReadAll(c.ctx, eventstore.Start, 0, eventstore.Filter{})
		if !errors.Is(err, c.want) {
			t.Errorf("ReadAll with a %s context returned %v; want an error matching %v", c.name, err, c.want)
		}
		sub, err := st.Subscribe(c.ctx, eventstore.Start, eventstore.Filter{})
		if !errors.Is(err, c.want) {
			t.Errorf("Subscribe with a %s context returned %v; want an error matching %v", c.name, err, c.want)
		}
		if sub != nil {
			_ = sub.Close()
		}
	}
	// The store still works.
	mustAppend(t, ctx, st, stream, eventstore.Exact(0), event("incident.note_added", 4))
	evs := mustReadStream(t, ctx, st, stream)
	if len(evs) != 2 {
		t.Fatalf("stream has %d events, want 2", len(evs))
	}
	checkStream(t, stream, evs)
}

// testReopen: a reopened store has every acknowledged event, byte for byte,
// and carries on from where it was.
func testReopen(t *testing.T, s *suite) {
	t.Run("KeepsEverything", func(t *testing.T) {
		t.Parallel()
		if s.h.Reopen == nil {
			t.Skip("the backend cannot reopen a store (Harness.Reopen is nil)")
		}
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		appendHistory(t, ctx, st, 25)
		const stream = "incident-acme.01JNJHIST"
		before, end := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
		streamBefore := mustReadStream(t, ctx, st, stream)

		st = s.reopen(t, st)
		after, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
		sameEvents(t, "the log after reopening compared with before", after, before)
		sameEvents(t, "ReadStream after reopening compared with before", mustReadStream(t, ctx, st, stream), streamBefore)

		head := streamBefore[len(streamBefore)-1]
		_, err := st.Append(ctx, stream, eventstore.NoStream, event("incident.opened", 100))
		wantWrongVersion(t, err, stream, eventstore.NoStream, eventstore.Exact(head.Revision))
		res := mustAppend(t, ctx, st, stream, eventstore.Exact(head.Revision), event("incident.note_added", 101))
		evs := mustReadStream(t, ctx, st, stream)
		checkStream(t, stream, evs)
		if res.Revision != head.Revision+1 || !end.Less(res.Position) {
			t.Fatalf("the first append after reopening returned revision %d at %v; want revision %d after the old end %v", res.Revision, res.Position, head.Revision+1, end)
		}

		c := subscribe(t, ctx, st, eventstore.Start, eventstore.Filter{})
		c.untilCaughtUp(ctx)
		sameEvents(t, "a subscription after reopening", c.evs, append(before, evs[len(evs)-1]))
	})

	t.Run("CloseWhileAppending", func(t *testing.T) {
		t.Parallel()
		if s.h.Reopen == nil {
			t.Skip("the backend cannot reopen a store (Harness.Reopen is nil)")
		}
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		type ack struct {
			stream string
			id     eventstore.EventID
			res    eventstore.AppendResult
		}
		var (
			mu    sync.Mutex
			acks  []ack
			count atomic.Int64
		)
		ws := newWorkers(t, ctx)
		for w := range 4 {
			ws.Go(func(ctx context.Context) error {
				stream := fmt.Sprintf("log-acme.edr%02d", w)
				for i := 0; ; i++ {
					ev := event("log.received", w*100_000+i)
					res, err := st.Append(ctx, stream, eventstore.Any, ev)
					if err != nil {
						if !errors.Is(err, eventstore.ErrClosed) {
							return fmt.Errorf("an Append racing with Store.Close returned %w; want success or an error matching eventstore.ErrClosed", err)
						}
						return nil
					}
					mu.Lock()
					acks = append(acks, ack{stream, ev.EventID, res})
					mu.Unlock()
					count.Add(1)
				}
			})
		}
		// Close once the appends are well under way (or after a while if
		// they fail; ws.wait reports why).
		for deadline := time.Now().Add(5 * time.Second); count.Load() < 40 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		if err := st.Close(); err != nil {
			t.Fatalf("Store.Close while appends run: %v", err)
		}
		ws.wait(t, promptTimeout, "appends racing with Store.Close")

		re := s.reopen(t, st)
		streams := map[string][]eventstore.RecordedEvent{}
		for _, a := range acks {
			evs, ok := streams[a.stream]
			if !ok {
				evs = mustReadStream(t, ctx, re, a.stream)
				checkStream(t, a.stream, evs)
				streams[a.stream] = evs
			}
			if a.res.Revision >= uint64(len(evs)) || evs[a.res.Revision].EventID != a.id || evs[a.res.Revision].Position != a.res.Position {
				t.Fatalf("an append acknowledged as %s/%d at %v before Close is missing after reopening: acknowledged appends must survive Close", a.stream, a.res.Revision, a.res.Position)
			}
		}
	})
}
