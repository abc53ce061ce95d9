package embedded

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/socledger/socledger/eventstore"
)

// subscriptionPage bounds what a subscription holds in memory: it reads the
// log a page at a time, so a slow subscriber costs one page, never a queue
// inside the writer.
const subscriptionPage = 256

type subscription struct {
	s        *Store
	ctx      context.Context
	cancel   context.CancelFunc
	filter   eventstore.Filter
	pos      eventstore.Position // scanned up to
	next     cursor              // where the record after pos is (zero: unknown)
	buf      []eventstore.Message
	head     int
	caughtUp bool
	// reader is kept from page to page while catching up, and let go at
	// the end of the log so a waiting subscription holds no read buffer.
	reader readerCache

	closeOnce sync.Once
	closed    chan struct{}
}

// Subscribe implements eventstore.Store. The subscription reads the log in
// pages (no gap, no duplicate: each page starts after the position the last
// one scanned to) and waits for the writer's next group commit when it has
// read everything durable.
func (s *Store) Subscribe(ctx context.Context, from eventstore.Position, filter eventstore.Filter) (eventstore.Subscription, error) {
	if err := s.beginRead(ctx); err != nil {
		return nil, fmt.Errorf("embedded: subscribe: %w", err)
	}
	s.closeMu.RUnlock()
	sctx, cancel := context.WithCancel(ctx)
	return &subscription{s: s, ctx: sctx, cancel: cancel, filter: filter, pos: from, closed: make(chan struct{})}, nil
}

// Recv implements eventstore.Subscription.
func (sub *subscription) Recv(ctx context.Context) (eventstore.Message, error) {
	s := sub.s
	for {
		if sub.head < len(sub.buf) {
			m := sub.buf[sub.head]
			sub.buf[sub.head] = eventstore.Message{}
			sub.head++
			return m, nil
		}
		if err := sub.ended(ctx); err != nil {
			return eventstore.Message{}, err
		}
		s.mu.RLock()
		notify := s.notify // taken before reading: a commit after this wakes us
		s.mu.RUnlock()
		atEnd, err := sub.fill()
		if err != nil {
			return eventstore.Message{}, err
		}
		if sub.head < len(sub.buf) || !atEnd {
			continue
		}
		var poll *time.Timer
		var pollC <-chan time.Time
		if s.readOnly { // no writer in this process to wake us
			poll = time.NewTimer(readOnlyPoll)
			pollC = poll.C
		}
		select {
		case <-notify:
		case <-pollC:
		case <-sub.closed:
		case <-sub.ctx.Done():
		case <-s.closing:
		case <-ctx.Done():
		}
		if poll != nil {
			poll.Stop()
		}
	}
}

// ended reports why the subscription cannot deliver more, or nil.
func (sub *subscription) ended(ctx context.Context) error {
	select {
	case <-sub.closed:
		return fmt.Errorf("embedded: subscription: %w", eventstore.ErrClosed)
	case <-sub.s.closing:
		return fmt.Errorf("embedded: subscription: %w", eventstore.ErrClosed)
	default:
	}
	if err := sub.ctx.Err(); err != nil {
		return fmt.Errorf("embedded: subscription: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("embedded: subscription: %w", err)
	}
	return nil
}

// fill reads the next page into the buffer and reports whether the log was
// read to its durable end.
func (sub *subscription) fill() (bool, error) {
	s := sub.s
	if err := s.beginRead(sub.ctx); err != nil {
		return false, fmt.Errorf("embedded: subscription: %w", err)
	}
	page, next, err := s.readAll(sub.ctx, sub.pos, sub.next, subscriptionPage, maxScanPerPage, sub.filter, &sub.reader)
	s.closeMu.RUnlock()
	if err != nil {
		return false, err
	}
	sub.buf, sub.head = sub.buf[:0], 0
	for i := range page.Events {
		ev := &page.Events[i]
		sub.buf = append(sub.buf, eventstore.Message{Kind: eventstore.EventAppeared, Event: ev, Position: ev.Position})
	}
	last := sub.pos
	if n := len(page.Events); n > 0 {
		last = page.Events[n-1].Position
	}
	if !sub.filter.IsEmpty() && last.Less(page.Checkpoint) {
		sub.buf = append(sub.buf, eventstore.Message{Kind: eventstore.Checkpoint, Position: page.Checkpoint})
	}
	sub.pos, sub.next = page.Checkpoint, next
	if page.AtEnd {
		sub.reader = readerCache{}
	}
	if page.AtEnd && !sub.caughtUp {
		sub.caughtUp = true
		sub.buf = append(sub.buf, eventstore.Message{Kind: eventstore.CaughtUp, Position: page.Checkpoint})
	}
	return page.AtEnd, nil
}

// Close implements eventstore.Subscription.
func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() {
		close(sub.closed)
		sub.cancel()
	})
	return nil
}
