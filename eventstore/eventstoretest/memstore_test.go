package eventstoretest_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/eventstoretest"
)

// TestMemStore runs the suite against memStore, a deliberately simple
// reference implementation of the contract, to keep the suite honest.
func TestMemStore(t *testing.T) {
	t.Parallel()
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(*testing.T) eventstore.Store { return newMemStore(memMaxEventSize) },
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			ms := s.(*memStore)
			if err := ms.Close(); err != nil {
				t.Fatalf("closing before reopening: %v", err)
			}
			return ms.reopen()
		},
		MaxEventSize: memMaxEventSize,
	})
}

// TestMemStoreNoReopen runs the suite without Reopen, as for a backend that
// cannot reopen.
func TestMemStoreNoReopen(t *testing.T) {
	t.Parallel()
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(*testing.T) eventstore.Store { return newMemStore(memMaxEventSize) },
	})
}

const (
	memMaxEventSize = 64 << 10
	memScanLimit    = 16  // events ReadAll examines per call, to exercise short pages
	memDefaultMax   = 100 // ReadAll's max when the caller passes <= 0
)

// memStore keeps the log in memory under one mutex. Positions are n/n for
// the n-th event (1, 2, 3, …).
type memStore struct {
	maxEventSize int

	mu      sync.Mutex
	log     []eventstore.RecordedEvent               // log[i] has position i+1
	streams map[string][]int                         // stream → indexes into log, by revision
	ids     map[string]map[eventstore.EventID]uint64 // stream → event ID → revision
	closed  bool
	wake    chan struct{} // closed (and replaced) on every append and on Close
	done    chan struct{} // closed on Close
}

var _ eventstore.Store = (*memStore)(nil)

func newMemStore(maxEventSize int) *memStore {
	return &memStore{
		maxEventSize: maxEventSize,
		streams:      map[string][]int{},
		ids:          map[string]map[eventstore.EventID]uint64{},
		wake:         make(chan struct{}),
		done:         make(chan struct{}),
	}
}

// reopen returns a new store with s's data, as if read back from disk.
func (s *memStore) reopen() *memStore {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := newMemStore(s.maxEventSize)
	r.log = slices.Clone(s.log)
	for k, v := range s.streams {
		r.streams[k] = slices.Clone(v)
	}
	for k, v := range s.ids {
		m := make(map[eventstore.EventID]uint64, len(v))
		for id, rev := range v {
			m[id] = rev
		}
		r.ids[k] = m
	}
	return r
}

func pos(i int) eventstore.Position {
	return eventstore.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}
}

func cloneEvent(ev eventstore.RecordedEvent) eventstore.RecordedEvent {
	ev.Data = slices.Clone(ev.Data)
	ev.Metadata = slices.Clone(ev.Metadata)
	return ev
}

func (s *memStore) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("memstore: append to %q: %w", stream, err)
	}
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := eventstore.ValidateEvents(stream, events, s.maxEventSize); err != nil {
		return eventstore.AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return eventstore.AppendResult{}, fmt.Errorf("memstore: append to %q: %w", stream, eventstore.ErrClosed)
	}
	revs := s.streams[stream]
	known := s.ids[stream]

	// Idempotence, before the expected revision.
	var dups []int
	for i, ev := range events {
		if _, ok := known[ev.EventID]; ok && !ev.EventID.IsZero() {
			dups = append(dups, i)
		}
	}
	if len(dups) > 0 {
		first := known[events[0].EventID]
		retry := len(dups) == len(events)
		for i, ev := range events {
			if retry && known[ev.EventID] != first+uint64(i) {
				retry = false
			}
		}
		if !retry {
			return eventstore.AppendResult{}, &eventstore.PartialDuplicateError{Stream: stream, Duplicates: dups, Total: len(events)}
		}
		last := first + uint64(len(events)-1)
		return eventstore.AppendResult{Revision: last, Position: pos(revs[last])}, nil
	}

	actual := eventstore.NoStream
	if len(revs) > 0 {
		actual = eventstore.Exact(uint64(len(revs) - 1))
	}
	if !expected.Allows(actual) {
		return eventstore.AppendResult{}, &eventstore.WrongExpectedVersionError{Stream: stream, Expected: expected, Actual: actual}
	}

	if known == nil {
		known = map[eventstore.EventID]uint64{}
		s.ids[stream] = known
	}
	var prev eventstore.Hash
	if len(revs) > 0 {
		prev = s.log[revs[len(revs)-1]].Hash
	}
	now := time.Now().UTC()
	for _, ev := range events {
		id := ev.EventID
		if id.IsZero() {
			id = eventstore.NewEventID()
		}
		rev := uint64(len(revs))
		rec := eventstore.RecordedEvent{
			EventID:  id,
			Type:     ev.Type,
			Data:     slices.Clone(ev.Data),
			Metadata: slices.Clone(ev.Metadata),
			StreamID: stream,
			Revision: rev,
			Position: pos(len(s.log)),
			Created:  now,
			Prev:     prev,
		}
		rec.Hash = eventstore.ChainHash(stream, rev, rec.Type, rec.Data, rec.Metadata, prev)
		prev = rec.Hash
		s.log = append(s.log, rec)
		revs = append(revs, len(s.log)-1)
		known[id] = rev
	}
	s.streams[stream] = revs
	close(s.wake)
	s.wake = make(chan struct{})
	return eventstore.AppendResult{Revision: uint64(len(revs) - 1), Position: pos(len(s.log) - 1)}, nil
}

func (s *memStore) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]eventstore.RecordedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: read %q: %w", stream, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("memstore: read %q: %w", stream, eventstore.ErrClosed)
	}
	revs := s.streams[stream]
	if len(revs) == 0 {
		return nil, fmt.Errorf("memstore: read %q: %w", stream, eventstore.ErrStreamNotFound)
	}
	var out []eventstore.RecordedEvent
	for r := from; r < uint64(len(revs)) && (max <= 0 || len(out) < max); r++ {
		out = append(out, cloneEvent(s.log[revs[r]]))
	}
	return out, nil
}

// scan is ReadAll under the lock; it also returns the channel that is closed
// on the next append.
func (s *memStore) scan(from eventstore.Position, max int, filter eventstore.Filter) (eventstore.Page, <-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return eventstore.Page{}, nil, eventstore.ErrClosed
	}
	if max <= 0 {
		max = memDefaultMax
	}
	page := eventstore.Page{Checkpoint: from}
	i := int(min(from.Commit, uint64(len(s.log)))) // log[i] is the first event after from
	for scanned := 0; i < len(s.log) && len(page.Events) < max && scanned < memScanLimit; i, scanned = i+1, scanned+1 {
		ev := s.log[i]
		if filter.Match(ev.StreamID, ev.Type) {
			page.Events = append(page.Events, cloneEvent(ev))
		}
		page.Checkpoint = ev.Position
	}
	page.AtEnd = i == len(s.log)
	return page, s.wake, nil
}

func (s *memStore) ReadAll(ctx context.Context, from eventstore.Position, max int, filter eventstore.Filter) (eventstore.Page, error) {
	if err := ctx.Err(); err != nil {
		return eventstore.Page{}, fmt.Errorf("memstore: read all: %w", err)
	}
	page, _, err := s.scan(from, max, filter)
	if err != nil {
		return eventstore.Page{}, fmt.Errorf("memstore: read all: %w", err)
	}
	return page, nil
}

func (s *memStore) Subscribe(ctx context.Context, from eventstore.Position, filter eventstore.Filter) (eventstore.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memstore: subscribe: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("memstore: subscribe: %w", eventstore.ErrClosed)
	}
	return &memSub{store: s, ctx: ctx, pos: from, filter: filter, closed: make(chan struct{})}, nil
}

func (s *memStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.wake)
	close(s.done)
	return nil
}

// memSub reads the log on demand in Recv: it holds no goroutine, and a
// message is only taken off pending when Recv returns it, so an ended Recv
// context loses nothing.
type memSub struct {
	store     *memStore
	ctx       context.Context
	filter    eventstore.Filter
	pos       eventstore.Position // scanned up to
	pending   []eventstore.Message
	caughtUp  bool
	closed    chan struct{}
	closeOnce sync.Once
}

func (sub *memSub) ended() error {
	select {
	case <-sub.closed:
		return fmt.Errorf("memstore: subscription: %w", eventstore.ErrClosed)
	case <-sub.store.done:
		return fmt.Errorf("memstore: subscription: %w", eventstore.ErrClosed)
	default:
	}
	if err := sub.ctx.Err(); err != nil {
		return fmt.Errorf("memstore: subscription: %w", err)
	}
	return nil
}

func (sub *memSub) Recv(ctx context.Context) (eventstore.Message, error) {
	for {
		if err := sub.ended(); err != nil {
			return eventstore.Message{}, err
		}
		if len(sub.pending) > 0 {
			m := sub.pending[0]
			sub.pending = sub.pending[1:]
			return m, nil
		}
		if err := ctx.Err(); err != nil {
			return eventstore.Message{}, err
		}
		page, wake, err := sub.store.scan(sub.pos, 0, sub.filter)
		if err != nil {
			return eventstore.Message{}, fmt.Errorf("memstore: subscription: %w", err)
		}
		for i := range page.Events {
			ev := page.Events[i]
			sub.pending = append(sub.pending, eventstore.Message{Kind: eventstore.EventAppeared, Event: &ev, Position: ev.Position})
		}
		if sub.pos.Less(page.Checkpoint) && (len(page.Events) == 0 || page.Events[len(page.Events)-1].Position.Less(page.Checkpoint)) {
			sub.pending = append(sub.pending, eventstore.Message{Kind: eventstore.Checkpoint, Position: page.Checkpoint})
		}
		sub.pos = page.Checkpoint
		if page.AtEnd && !sub.caughtUp {
			sub.caughtUp = true
			sub.pending = append(sub.pending, eventstore.Message{Kind: eventstore.CaughtUp, Position: sub.pos})
		}
		if len(sub.pending) > 0 || !page.AtEnd {
			continue
		}
		select {
		case <-wake:
		case <-sub.closed:
		case <-sub.ctx.Done():
		case <-ctx.Done():
			return eventstore.Message{}, ctx.Err()
		}
	}
}

func (sub *memSub) Close() error {
	sub.closeOnce.Do(func() { close(sub.closed) })
	return nil
}
