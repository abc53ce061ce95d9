package esdb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socledger/socledger/eventstore"
)

// subscriptionBuffer is how many messages a subscription reads ahead of its
// consumer; past that the pump stops reading and gRPC flow control holds the
// server back, so a slow consumer costs no memory in the store.
const subscriptionBuffer = 64

// Subscribe implements eventstore.Store with a catch-up subscription to
// $all. The filter's stream prefixes (or, without them, its event-type
// prefixes) go to the server, which then skips other events without sending
// them and sends checkpoints instead; the rest of the filter, system events
// and other namespaces are filtered here, the skipped positions reported as
// Checkpoint messages when the consumer has caught up with what was read.
// A subscription the server drops (a node restart) resumes from its last
// position for up to Config.ResubscribeFor.
func (s *Store) Subscribe(ctx context.Context, from eventstore.Position, filter eventstore.Filter) (eventstore.Subscription, error) {
	const op = "subscribe"
	opCtx, done, err := s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer done()
	subCtx, cancel := context.WithCancelCause(ctx)
	sub := &subscription{
		s:      s,
		ctx:    subCtx,
		cancel: cancel,
		filter: filter,
		items:  make(chan item, subscriptionBuffer),
		last:   from,
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel(eventstore.ErrClosed)
		return nil, fmt.Errorf("esdb: %s: %w", op, eventstore.ErrClosed)
	}
	s.subs[sub] = struct{}{}
	s.mu.Unlock()

	started := make(chan error, 1)
	s.pumps.Add(1)
	go sub.run(from, started)
	select {
	case err := <-started:
		if err != nil {
			_ = sub.Close()
			return nil, s.wrap(opCtx, op, err)
		}
		return sub, nil
	case <-opCtx.Done():
		_ = sub.Close()
		return nil, s.ctxErr(opCtx, op)
	}
}

// item is what the pump hands to Recv.
type item struct {
	kind itemKind
	ev   *eventstore.RecordedEvent
	pos  eventstore.Position
}

type itemKind uint8

const (
	itemEvent      itemKind = iota + 1 // a matching event
	itemSkip                           // an event the filter excludes, at pos
	itemCheckpoint                     // the server's checkpoint
	itemCaughtUp                       // the server's CaughtUp
)

// subscription implements eventstore.Subscription. A pump goroutine reads
// the client's subscription into items; Recv turns items into messages.
type subscription struct {
	s      *Store
	ctx    context.Context // ends the subscription; its cause says why
	cancel context.CancelCauseFunc
	filter eventstore.Filter
	items  chan item // closed by the pump when it ends
	err    error     // why the pump ended, set before items is closed

	// Recv's state (Recv is not called concurrently with itself). end and
	// queued are set by the pump before Subscribe returns.
	last     eventstore.Position // position of the last message
	end      eventstore.Position // the head of $all when subscribing
	caughtUp bool
	queued   *eventstore.Message // a CaughtUp to send next
	skip     eventstore.Position // a skipped event not yet reported
	hasSkip  bool

	closeOnce sync.Once
}

// run is the pump. It reports on started whether the subscription began.
func (sub *subscription) run(from eventstore.Position, started chan<- error) {
	s := sub.s
	defer s.pumps.Add(-1)
	defer close(sub.items)
	// The head of $all before subscribing: once the subscription has passed
	// it (or the server says CaughtUp), everything durable when Subscribe
	// was called has been delivered.
	end, err := s.headPosition(sub.ctx)
	if err != nil {
		sub.err = err
		started <- err
		return
	}
	sub.end = end
	if !from.Less(end) {
		sub.caughtUp = true
		sub.queued = &eventstore.Message{Kind: eventstore.CaughtUp, Position: from}
	}
	esub, err := sub.open(from)
	if err != nil {
		sub.err = err
		started <- err
		return
	}
	started <- nil

	pos := from // the position to resume after: the last one handed over
	for {
		ev := esub.Recv()
		var it item
		switch {
		case ev.SubscriptionDropped != nil:
			_ = esub.Close()
			if sub.ctx.Err() != nil {
				sub.err = s.ctxErr(sub.ctx, "subscription")
				return
			}
			esub, err = sub.resume(pos, ev.SubscriptionDropped.Error)
			if err != nil {
				sub.err = err
				return
			}
			continue
		case ev.EventAppeared != nil:
			re := ev.EventAppeared.OriginalEvent()
			if re == nil {
				continue
			}
			r := s.decode(re)
			if !pos.Less(r.Position) {
				continue // already handed over (a resumed subscription)
			}
			pos = r.Position
			if r.ours && sub.filter.Match(r.StreamID, r.Type) {
				it = item{kind: itemEvent, ev: &r.RecordedEvent, pos: r.Position}
			} else {
				it = item{kind: itemSkip, pos: r.Position}
			}
		case ev.CheckPointReached != nil:
			p := fromPosition(*ev.CheckPointReached)
			if !pos.Less(p) {
				continue
			}
			pos = p
			it = item{kind: itemCheckpoint, pos: p}
		case ev.CaughtUp != nil:
			it = item{kind: itemCaughtUp}
		default:
			continue // FellBehind: the server is catching up again; nothing changes here
		}
		select {
		case sub.items <- it:
		case <-sub.ctx.Done():
			_ = esub.Close()
			sub.err = s.ctxErr(sub.ctx, "subscription")
			return
		}
	}
}

// open subscribes to $all after from, with the server-side part of the
// filter.
func (sub *subscription) open(from eventstore.Position) (*es.Subscription, error) {
	s := sub.s
	opts := es.SubscribeToAllOptions{
		From:               toPosition(from), // exclusive, like ours
		MaxSearchWindow:    s.cfg.MaxSearchWindow,
		CheckpointInterval: s.cfg.CheckpointInterval,
		Filter:             s.serverFilter(sub.filter),
	}
	var esub *es.Subscription
	err := s.call(sub.ctx, func(c *es.Client) error {
		var err error
		esub, err = c.SubscribeToAll(sub.ctx, opts)
		return err
	})
	if err != nil {
		if sub.ctx.Err() != nil {
			return nil, s.ctxErr(sub.ctx, "subscribe")
		}
		return nil, s.wrap(sub.ctx, "subscribe", err)
	}
	return esub, nil
}

// serverFilter is the part of f the server applies: stream prefixes (under
// the namespace), else event-type prefixes, else "no system events".
func (s *Store) serverFilter(f eventstore.Filter) *es.SubscriptionFilter {
	switch {
	case len(f.StreamPrefixes) > 0:
		prefixes := make([]string, len(f.StreamPrefixes))
		for i, p := range f.StreamPrefixes {
			prefixes[i] = s.cfg.Namespace + p
		}
		return &es.SubscriptionFilter{Type: es.StreamFilterType, Prefixes: prefixes}
	case s.cfg.Namespace != "":
		return &es.SubscriptionFilter{Type: es.StreamFilterType, Prefixes: []string{s.cfg.Namespace}}
	case len(f.EventTypePrefixes) > 0:
		return &es.SubscriptionFilter{Type: es.EventFilterType, Prefixes: f.EventTypePrefixes}
	}
	return es.ExcludeSystemEventsFilter()
}

// resume subscribes again after pos once the server dropped the
// subscription with cause, retrying for up to Config.ResubscribeFor.
func (sub *subscription) resume(pos eventstore.Position, cause error) (*es.Subscription, error) {
	s := sub.s
	if s.cfg.ResubscribeFor < 0 || !resumable(cause) {
		return nil, s.wrap(sub.ctx, "subscription dropped by the server", cause)
	}
	deadline := time.Now().Add(s.cfg.ResubscribeFor)
	backoff := 50 * time.Millisecond
	for {
		if err := sleep(sub.ctx, backoff); err != nil {
			return nil, s.ctxErr(sub.ctx, "subscription")
		}
		esub, err := sub.open(pos)
		if err == nil {
			return esub, nil
		}
		if sub.ctx.Err() != nil {
			return nil, s.ctxErr(sub.ctx, "subscription")
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("esdb: subscription dropped by the server (%v) and not resumed within %v: %w", cause, s.cfg.ResubscribeFor, err)
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// resumable reports whether a dropped subscription may be resumed: not when
// the server refused it for good.
func resumable(err error) bool {
	if e, ok := errors.AsType[*es.Error](err); ok {
		switch e.Code() {
		case es.ErrorCodeAccessDenied, es.ErrorCodeUnauthenticated, es.ErrorCodeResourceNotFound, es.ErrorCodeStreamDeleted, es.ErrorCodeUnsupportedFeature:
			return false
		}
	}
	switch status.Code(err) {
	case codes.PermissionDenied, codes.Unauthenticated, codes.InvalidArgument, codes.NotFound, codes.Unimplemented:
		return false
	}
	return true
}

// Recv implements eventstore.Subscription.
func (sub *subscription) Recv(ctx context.Context) (eventstore.Message, error) {
	if sub.ctx.Err() != nil {
		return eventstore.Message{}, sub.endErr()
	}
	if sub.queued != nil {
		m := *sub.queued
		sub.queued = nil
		return m, nil
	}
	for {
		var (
			it item
			ok bool
		)
		if sub.hasSkip {
			// Report skipped events once nothing more is waiting.
			select {
			case it, ok = <-sub.items:
			default:
				sub.hasSkip = false
				sub.last = sub.skip
				m := eventstore.Message{Kind: eventstore.Checkpoint, Position: sub.skip}
				sub.checkCaughtUp(sub.skip)
				return m, nil
			}
		} else {
			select {
			case it, ok = <-sub.items:
			case <-ctx.Done():
				return eventstore.Message{}, fmt.Errorf("esdb: subscription recv: %w", ctx.Err())
			case <-sub.ctx.Done():
				return eventstore.Message{}, sub.endErr()
			}
		}
		if !ok {
			return eventstore.Message{}, sub.endErr()
		}
		switch it.kind {
		case itemSkip:
			sub.skip, sub.hasSkip = it.pos, true
		case itemEvent, itemCheckpoint:
			if !sub.last.Less(it.pos) {
				continue
			}
			if sub.hasSkip && !it.pos.Less(sub.skip) {
				sub.hasSkip = false
			}
			sub.last = it.pos
			m := eventstore.Message{Kind: eventstore.Checkpoint, Position: it.pos}
			if it.kind == itemEvent {
				m.Kind, m.Event = eventstore.EventAppeared, it.ev
			}
			sub.checkCaughtUp(it.pos)
			return m, nil
		case itemCaughtUp:
			if sub.caughtUp {
				continue
			}
			p := sub.last
			if p.Less(sub.end) {
				p = sub.end
			}
			if sub.hasSkip && p.Less(sub.skip) {
				p = sub.skip
			}
			sub.hasSkip = false
			sub.caughtUp, sub.last = true, p
			return eventstore.Message{Kind: eventstore.CaughtUp, Position: p}, nil
		}
	}
}

// checkCaughtUp queues the CaughtUp message once a message reaches the head
// of $all as it was when subscribing.
func (sub *subscription) checkCaughtUp(p eventstore.Position) {
	if !sub.caughtUp && !p.Less(sub.end) {
		sub.caughtUp = true
		sub.queued = &eventstore.Message{Kind: eventstore.CaughtUp, Position: p}
	}
}

// endErr is why the subscription ended.
func (sub *subscription) endErr() error {
	if sub.ctx.Err() != nil {
		return sub.s.ctxErr(sub.ctx, "subscription")
	}
	if sub.err != nil {
		return sub.err
	}
	return fmt.Errorf("esdb: subscription: %w", eventstore.ErrClosed)
}

// Close implements eventstore.Subscription.
func (sub *subscription) Close() error {
	sub.closeOnce.Do(func() {
		sub.cancel(eventstore.ErrClosed)
		sub.s.mu.Lock()
		delete(sub.s.subs, sub)
		sub.s.mu.Unlock()
	})
	return nil
}
