package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
)

// collector receives a subscription's messages in the test goroutine and
// checks each against the contract: events in strictly increasing global
// order after from, matching the filter, never at or before an earlier
// message's position; checkpoints never going back; one CaughtUp.
type collector struct {
	t        *testing.T
	sub      eventstore.Subscription
	filter   eventstore.Filter
	last     eventstore.Position // position of the latest message (from, at first)
	msgs     []eventstore.Message
	evs      []eventstore.RecordedEvent
	caughtUp int // index in msgs of the CaughtUp message, -1 before it
	seen     map[eventstore.EventID]eventstore.Position
}

// subscribe subscribes to st and returns a collector for the subscription,
// which is closed when t ends.
func subscribe(t *testing.T, ctx context.Context, st eventstore.Store, from eventstore.Position, filter eventstore.Filter) *collector {
	t.Helper()
	sub, err := st.Subscribe(ctx, from, filter)
	if err != nil {
		t.Fatalf("Subscribe(from %v, %+v): %v", from, filter, err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	return &collector{t: t, sub: sub, filter: filter, last: from, caughtUp: -1, seen: map[eventstore.EventID]eventstore.Position{}}
}

// check records m and fails the test if it breaks the contract.
func (c *collector) check(m eventstore.Message) {
	t := c.t
	t.Helper()
	switch m.Kind {
	case eventstore.EventAppeared:
		if m.Event == nil {
			t.Fatalf("subscription message %d is an EventAppeared with a nil Event", len(c.msgs))
		}
		ev := *m.Event
		if m.Position != ev.Position {
			t.Fatalf("subscription delivered event %s/%d at %v in a message with Position %v: the resume point must be the event's position", ev.StreamID, ev.Revision, ev.Position, m.Position)
		}
		if at, dup := c.seen[ev.EventID]; dup {
			t.Fatalf("subscription delivered event %s/%d (at %v) twice, the first time at %v", ev.StreamID, ev.Revision, ev.Position, at)
		}
		if !c.last.Less(ev.Position) {
			t.Fatalf("subscription delivered event %s/%d at %v after a message at %v: events must come in global order, after from and after every checkpoint", ev.StreamID, ev.Revision, ev.Position, c.last)
		}
		if !matches(c.filter, ev.StreamID, ev.Type) {
			t.Fatalf("subscription with filter %+v delivered event of stream %q, type %q, which the filter excludes", c.filter, ev.StreamID, ev.Type)
		}
		checkHash(t, ev)
		c.seen[ev.EventID] = ev.Position
		c.evs = append(c.evs, ev)
	case eventstore.Checkpoint, eventstore.CaughtUp:
		if m.Position.Less(c.last) {
			t.Fatalf("subscription sent a %s message at %v after a message at %v: a consumer storing it as its resume point would go back and see events twice", m.Kind, m.Position, c.last)
		}
		if m.Kind == eventstore.CaughtUp {
			if c.caughtUp >= 0 {
				t.Fatalf("subscription sent CaughtUp twice (messages %d and %d): it must be sent once", c.caughtUp, len(c.msgs))
			}
			c.caughtUp = len(c.msgs)
		}
	default:
		t.Fatalf("subscription message %d has unknown kind %d", len(c.msgs), m.Kind)
	}
	c.last = m.Position
	c.msgs = append(c.msgs, m)
}

// until receives and checks messages until done reports true, failing the
// test if ctx ends or Recv fails first.
func (c *collector) until(ctx context.Context, what string, done func() bool) {
	c.t.Helper()
	for !done() {
		m, err := c.sub.Recv(ctx)
		if err != nil {
			c.t.Fatalf("waiting for %s: Recv failed after %d events: %v", what, len(c.evs), err)
		}
		c.check(m)
	}
}

// untilEvents receives until n events in all have been delivered.
func (c *collector) untilEvents(ctx context.Context, n int) {
	c.t.Helper()
	c.until(ctx, fmt.Sprintf("%d events", n), func() bool { return len(c.evs) >= n })
}

// untilCaughtUp receives until the CaughtUp message.
func (c *collector) untilCaughtUp(ctx context.Context) {
	c.t.Helper()
	c.until(ctx, "the CaughtUp message", func() bool { return c.caughtUp >= 0 })
}

// quiet receives for a short while and fails if an event arrives: nothing is
// being appended, so none may.
func (c *collector) quiet() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.t.Context(), quietTimeout)
	defer cancel()
	for {
		m, err := c.sub.Recv(ctx)
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				c.t.Fatalf("Recv whose own context expired returned %v; want an error wrapping context.DeadlineExceeded", err)
			}
			return
		}
		c.check(m)
		if m.Kind == eventstore.EventAppeared {
			c.t.Fatalf("subscription delivered event %s/%d at %v after every appended event had been delivered", m.Event.StreamID, m.Event.Revision, m.Position)
		}
	}
}

// appendConcurrently starts writers goroutines, each making appends appends
// of 1 or 2 events to its own incident stream, and returns how many events
// they append in all.
func appendConcurrently(ws *workers, st eventstore.Store, writers, appends int) int {
	total := 0
	for w := range writers {
		for i := range appends {
			total += 1 + (w+i)%2
		}
		ws.Go(func(ctx context.Context) error {
			stream := fmt.Sprintf("incident-acme.01JNJLIVE%d", w)
			for i := range appends {
				evs := events("incident.note_added", 10_000+w*1000+i*2, 1+(w+i)%2)
				if _, err := st.Append(ctx, stream, eventstore.Any, evs...); err != nil {
					return fmt.Errorf("append to %q: %w", stream, err)
				}
			}
			return nil
		})
	}
	return total
}

// appendHistory appends n events across a few streams, in appends of 1-3.
func appendHistory(t *testing.T, ctx context.Context, st eventstore.Store, n int) {
	t.Helper()
	streams := []struct{ stream, typ string }{
		{"alert-acme.c0ffee01", "alert.raised"},
		{"incident-acme.01JNJHIST", "incident.note_added"},
		{"log-acme.fw01", "log.received"},
	}
	for i := 0; i < n; {
		k := min(1+i%3, n-i)
		sh := streams[i%len(streams)]
		mustAppend(t, ctx, st, sh.stream, eventstore.Any, events(sh.typ, i, k)...)
		i += k
	}
}

// testSubscribe: catch-up then live, from Start, from a middle position and
// from the end, while other goroutines append; CaughtUp once.
func testSubscribe(t *testing.T, s *suite) {
	for _, where := range []string{"Start", "Middle", "Last"} {
		t.Run("From"+where+"WhileAppending", func(t *testing.T) {
			t.Parallel()
			st := s.newStore(t)
			ctx := testContext(t, testTimeout)
			appendHistory(t, ctx, st, 30)
			history, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
			lastBefore := history[len(history)-1].Position
			var from eventstore.Position
			switch where {
			case "Middle":
				from = history[len(history)/2].Position
			case "Last":
				from = lastBefore
			}
			c := subscribe(t, ctx, st, from, eventstore.Filter{})
			ws := newWorkers(t, ctx)
			live := appendConcurrently(ws, st, 4, 15)
			before := 0
			for _, ev := range history {
				if from.Less(ev.Position) {
					before++
				}
			}
			c.untilEvents(ctx, before+live)
			ws.wait(t, testTimeout, "background appends")
			c.untilCaughtUp(ctx)
			c.quiet()

			want, _ := readAll(t, ctx, st, from, 0, eventstore.Filter{})
			sameEvents(t, "events delivered by the subscription compared with ReadAll after the appends", c.evs, want)

			// Every event durable before Subscribe comes before CaughtUp.
			cu := c.msgs[c.caughtUp]
			if cu.Position.Less(lastBefore) {
				t.Fatalf("CaughtUp at %v, before the last event appended before Subscribe (%v)", cu.Position, lastBefore)
			}
			for i, m := range c.msgs[c.caughtUp+1:] {
				if m.Kind == eventstore.EventAppeared && !lastBefore.Less(m.Position) {
					t.Fatalf("event at %v, appended before Subscribe, was delivered after CaughtUp (message %d): CaughtUp means the history has been delivered", m.Position, c.caughtUp+1+i)
				}
			}
		})
	}

	t.Run("CaughtUpThenLive", func(t *testing.T) {
		t.Parallel()
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		appendHistory(t, ctx, st, 12)
		history, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
		c := subscribe(t, ctx, st, eventstore.Start, eventstore.Filter{})
		// CaughtUp must come without anything else being appended.
		c.untilCaughtUp(ctx)
		sameEvents(t, "events delivered before CaughtUp", c.evs, history)
		if cu := c.msgs[c.caughtUp]; cu.Position.Less(history[len(history)-1].Position) {
			t.Fatalf("CaughtUp at %v is behind the last event delivered at %v", cu.Position, history[len(history)-1].Position)
		}
		for i := range 5 {
			mustAppend(t, ctx, st, "alert-acme.c0ffee02", eventstore.Any, event("alert.raised", 100+i))
			c.untilEvents(ctx, len(history)+i+1)
		}
		c.quiet()
		want, _ := readAll(t, ctx, st, eventstore.Start, 0, eventstore.Filter{})
		sameEvents(t, "events delivered by the subscription compared with ReadAll", c.evs, want)
	})

	t.Run("NothingToCatchUp", func(t *testing.T) {
		t.Parallel()
		st := s.newStore(t)
		ctx := testContext(t, testTimeout)
		c := subscribe(t, ctx, st, eventstore.Start, eventstore.Filter{})
		c.untilCaughtUp(ctx)
		if len(c.evs) != 0 {
			t.Fatalf("a subscription to an empty store delivered %d events before CaughtUp", len(c.evs))
		}
		res := mustAppend(t, ctx, st, "tenant-acme", eventstore.NoStream, event("tenant.created", 1))
		c.untilEvents(ctx, 1)
		if c.evs[0].Position != res.Position {
			t.Fatalf("the live event arrived at %v, but Append returned %v", c.evs[0].Position, res.Position)
		}

		// From the last position there is nothing to catch up on either.
		c2 := subscribe(t, ctx, st, res.Position, eventstore.Filter{})
		c2.untilCaughtUp(ctx)
		if len(c2.evs) != 0 {
			t.Fatalf("a subscription from the last event's position delivered %d events before CaughtUp; from is exclusive", len(c2.evs))
		}
	})
}

// testFilteredSubscription: a filtered subscription delivers only matches
// and reports checkpoints that move past skipped events.
func testFilteredSubscription(t *testing.T, s *suite) {
	st := s.newStore(t)
	ctx := testContext(t, testTimeout)
	filter := eventstore.Filter{StreamPrefixes: []string{"incident-acme."}}
	k := appendMixed(t, ctx, st, 0, 2*len(mixedTraffic))
	c := subscribe(t, ctx, st, eventstore.Start, filter)
	c.untilCaughtUp(ctx)
	history, _ := readAll(t, ctx, st, eventstore.Start, 0, filter)
	sameEvents(t, "events delivered before CaughtUp compared with a filtered ReadAll", c.evs, history)

	// Live: matching and other events interleaved, then a long run of
	// logs after the last match.
	type tail struct {
		last eventstore.Position
		err  error
	}
	done := make(chan tail, 1)
	go func() {
		var res eventstore.AppendResult
		var err error
		for i := range 3 * len(mixedTraffic) {
			m := mixedTraffic[(k+i)%len(mixedTraffic)]
			if _, err = st.Append(ctx, m.stream, eventstore.Any, event(m.typ, k+i)); err != nil {
				done <- tail{err: err}
				return
			}
		}
		for i := range 40 {
			if res, err = st.Append(ctx, "log-acme.fw01", eventstore.Any, events("log.received", 5000+i*3, 3)...); err != nil {
				done <- tail{err: err}
				return
			}
		}
		done <- tail{last: res.Position}
	}()

	var (
		lastLog    eventstore.Position
		appended   bool
		checkpoint eventstore.Position // latest Checkpoint message
		want       []eventstore.RecordedEvent
	)
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for !appended || len(c.evs) < len(want) || checkpoint.Less(lastLog) {
		if !appended {
			select {
			case tl := <-done:
				if tl.err != nil {
					t.Fatalf("appending live events: %v", tl.err)
				}
				appended, lastLog = true, tl.last
				want, _ = readAll(t, ctx, st, eventstore.Start, 0, filter)
				continue
			default:
			}
		}
		// While the appends run, poll so that their end is noticed.
		recvCtx, cancelRecv := waitCtx, context.CancelFunc(func() {})
		if !appended {
			recvCtx, cancelRecv = context.WithTimeout(waitCtx, 50*time.Millisecond)
		}
		m, err := c.sub.Recv(recvCtx)
		cancelRecv()
		if err != nil {
			if !appended && waitCtx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				continue
			}
			if appended && len(c.evs) >= len(want) {
				t.Fatalf("no Checkpoint at or after the last skipped event (%v) arrived within 10s (latest checkpoint %v): a filtered consumer cannot record its progress past skipped events", lastLog, checkpoint)
			}
			t.Fatalf("filtered subscription: Recv failed after %d events: %v", len(c.evs), err)
		}
		c.check(m)
		if m.Kind == eventstore.Checkpoint {
			checkpoint = m.Position
		}
	}
	sameEvents(t, "events delivered by the filtered subscription compared with a filtered ReadAll", c.evs, want)
	c.quiet()
}
