package esdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/socledger/socledger/eventstore"
)

// prepared is an event ready to append: the store's own copy, its ID and
// the hash state of its content (which does not depend on the revision).
type prepared struct {
	id       eventstore.EventID
	typ      string
	data     []byte
	meta     []byte
	metaJSON bool
	dataJSON bool
	content  eventstore.ChainContent
}

// Append implements eventstore.Store.
//
// The server assigns revisions, so the adapter chains events itself: it
// reads the stream's head (or takes it from its cache), computes Prev and
// Hash for the new events from it, and appends with that exact expected
// revision; if another writer got there first the server refuses, and the
// adapter reads the head again and retries (for Any and StreamExists, or
// reports the wrong expected version). The same read serves idempotence:
// the IDs are compared with the stream's latest Config.RetryWindow events
// and, for an exact expected revision or NoStream, with the events right
// after it.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	op := fmt.Sprintf("append to %q", stream)
	ctx, done, err := s.begin(ctx, op)
	if err != nil {
		return eventstore.AppendResult{}, err
	}
	defer done()
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := eventstore.ValidateEvents(stream, events, s.cfg.MaxEventSize); err != nil {
		return eventstore.AppendResult{}, err
	}
	evs, size := prepare(events)
	if size > s.cfg.MaxAppendSize {
		return eventstore.AppendResult{}, &eventstore.TooLargeError{Stream: stream, Index: -1, Size: size, Limit: s.cfg.MaxAppendSize}
	}
	res, err := s.append(ctx, stream, expected, evs)
	return res, s.wrap(ctx, op, err)
}

// prepare copies events, gives the ones without an ID a random one, and
// returns them with the size they take stored.
func prepare(events []eventstore.EventData) ([]prepared, int) {
	var h eventstore.ChainHasher
	out := make([]prepared, len(events))
	size := 0
	for i, ev := range events {
		p := prepared{id: ev.EventID, typ: ev.Type, data: bytes.Clone(ev.Data), meta: bytes.Clone(ev.Metadata)}
		if p.id.IsZero() {
			p.id = eventstore.NewEventID()
		}
		p.metaJSON = isJSON(p.meta)
		p.dataJSON = json.Valid(p.data)
		p.content = h.Content(nil, p.typ, p.data, p.meta)
		size += len(p.typ) + len(p.data) + envelopeSize(p.meta, p.metaJSON)
		out[i] = p
	}
	return out, size
}

func (s *Store) append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, evs []prepared) (eventstore.AppendResult, error) {
	t, fresh := s.tails.get(stream), false
	refresh := func() error {
		var err error
		t, err = s.fetchTail(ctx, stream)
		fresh = true
		return err
	}
	if t == nil {
		if err := refresh(); err != nil {
			return eventstore.AppendResult{}, err
		}
	}
	for conflicts := 0; ; {
		// A retry of an append that went through: every ID is there.
		// A cached tail is trusted to say "all" (with positions) or
		// "none" (the server checks the exact revision); anything else
		// is decided on a fresh read.
		dups, res, known := tailDuplicates(t, evs)
		switch {
		case len(dups) == len(evs) && known:
			return res, nil
		case len(dups) > 0 && !fresh:
			if err := refresh(); err != nil {
				return eventstore.AppendResult{}, err
			}
			continue
		case len(dups) > 0:
			return eventstore.AppendResult{}, &eventstore.PartialDuplicateError{Stream: stream, Duplicates: dups, Total: len(evs)}
		}
		// A retry of an exact (or NoStream) append older than the window.
		if start, ok := retryStart(expected); ok && t.exists && start <= t.head && !t.covers(start) {
			dups, res, err := s.rangeDuplicates(ctx, stream, start, evs)
			switch {
			case err != nil:
				return eventstore.AppendResult{}, err
			case len(dups) == len(evs):
				return res, nil
			case len(dups) > 0:
				return eventstore.AppendResult{}, &eventstore.PartialDuplicateError{Stream: stream, Duplicates: dups, Total: len(evs)}
			}
		}
		if !expected.Allows(t.actual()) {
			if !fresh {
				if err := refresh(); err != nil {
					return eventstore.AppendResult{}, err
				}
				continue
			}
			return eventstore.AppendResult{}, &eventstore.WrongExpectedVersionError{Stream: stream, Expected: expected, Actual: t.actual()}
		}
		res, next, err := s.appendExact(ctx, stream, t, evs)
		if err == nil {
			s.tails.put(stream, next)
			return res, nil
		}
		s.tails.drop(stream)
		if !wrongExpectedVersion(err) {
			return eventstore.AppendResult{}, err
		}
		// Someone else appended since t was read: read the head again.
		conflicts++
		if conflicts > s.cfg.ConflictRetries {
			return eventstore.AppendResult{}, fmt.Errorf("esdb: append to %q (expected %s): gave up after %d appends lost to concurrent writers", stream, expected, conflicts)
		}
		if conflicts > 1 {
			if err := sleep(ctx, time.Duration(rand.IntN(min(conflicts, 20))+1)*time.Millisecond); err != nil {
				return eventstore.AppendResult{}, err
			}
		}
		if err := refresh(); err != nil {
			return eventstore.AppendResult{}, err
		}
	}
}

// retryStart is the revision an exact retry's events would start at: n+1
// for Exact(n), 0 for NoStream.
func retryStart(expected eventstore.ExpectedRevision) (uint64, bool) {
	if rev, ok := expected.Revision(); ok {
		return rev + 1, true
	}
	return 0, expected.IsNoStream()
}

// tailDuplicates returns the indexes of the events whose IDs t holds, the
// result naming the highest of them, and whether its position is known.
func tailDuplicates(t *tail, evs []prepared) (dups []int, res eventstore.AppendResult, known bool) {
	var top tailEvent
	for i := range evs {
		if te, ok := t.lookup(evs[i].id); ok {
			dups = append(dups, i)
			if len(dups) == 1 || te.rev > top.rev {
				top = te
			}
		}
	}
	return dups, eventstore.AppendResult{Revision: top.rev, Position: top.pos}, top.known
}

// rangeDuplicates compares the events' IDs with those of the stream from
// revision start on.
func (s *Store) rangeDuplicates(ctx context.Context, stream string, start uint64, evs []prepared) ([]int, eventstore.AppendResult, error) {
	got, err := s.readStream(ctx, stream, es.Forwards, es.Revision(start), uint64(len(evs)))
	if err != nil {
		return nil, eventstore.AppendResult{}, err
	}
	var (
		dups []int
		top  rawEvent
	)
	for i := range evs {
		k := slices.IndexFunc(got, func(r rawEvent) bool { return r.EventID == evs[i].id })
		if k < 0 {
			continue
		}
		dups = append(dups, i)
		if len(dups) == 1 || got[k].Revision > top.Revision {
			top = got[k]
		}
	}
	return dups, eventstore.AppendResult{Revision: top.Revision, Position: top.Position}, nil
}

// fetchTail reads the stream's latest events and caches its tail.
func (s *Store) fetchTail(ctx context.Context, stream string) (*tail, error) {
	evs, err := s.readStream(ctx, stream, es.Backwards, es.End{}, uint64(s.cfg.RetryWindow))
	if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil, err
	}
	t := tailFromEvents(evs, s.cfg.RetryWindow)
	s.tails.put(stream, t)
	return t, nil
}

// appendExact appends evs right after t's head, chained to it, with the
// head's exact revision as the expected revision. It returns the result and
// the stream's tail after the append.
func (s *Store) appendExact(ctx context.Context, stream string, t *tail, evs []prepared) (eventstore.AppendResult, *tail, error) {
	var (
		h    eventstore.ChainHasher
		next uint64
		exp  es.ExpectedRevision = es.NoStream{}
		prev                     = t.hash
	)
	if t.exists {
		next, exp = t.head+1, es.Revision(t.head)
	} else {
		prev = eventstore.Hash{}
	}
	data := make([]es.EventData, len(evs))
	ids := make([]eventstore.EventID, len(evs))
	for i := range evs {
		e := &evs[i]
		hash := h.Link(e.content, stream, next+uint64(i), prev)
		ct := es.ContentTypeBinary
		if e.dataJSON {
			ct = es.ContentTypeJson
		}
		data[i] = es.EventData{
			EventID:     uuid.UUID(e.id),
			EventType:   e.typ,
			ContentType: ct,
			Data:        e.data,
			Metadata:    wrapMeta(make([]byte, 0, envelopeSize(e.meta, e.metaJSON)), e.meta, e.metaJSON, prev, hash),
		}
		ids[i] = e.id
		prev = hash
	}
	var wr *es.WriteResult
	err := s.call(ctx, func(c *es.Client) error {
		var err error
		wr, err = c.AppendToStream(ctx, s.physical(stream), es.AppendToStreamOptions{ExpectedRevision: exp}, data...)
		return err
	})
	if err != nil {
		return eventstore.AppendResult{}, nil, err
	}
	last := next + uint64(len(evs)) - 1
	pos, err := s.lastPosition(ctx, stream, last, len(evs), wr)
	if err != nil {
		return eventstore.AppendResult{}, nil, err
	}
	return eventstore.AppendResult{Revision: last, Position: pos}, t.extend(ids, pos, prev, s.cfg.RetryWindow), nil
}

// lastPosition returns the position of the last event of an append. The
// server answers with one position for the whole append; whether it is the
// last event's (commit, prepare) is checked once per kind of append (one
// event, several) by reading the event back, and read back every time if
// not. An idempotent success (the server recognised a retry) carries no
// position: read back too.
func (s *Store) lastPosition(ctx context.Context, stream string, last uint64, n int, wr *es.WriteResult) (eventstore.Position, error) {
	kind := 0
	if n > 1 {
		kind = 1
	}
	got := eventstore.Position{Commit: wr.CommitPosition, Prepare: wr.PreparePosition}
	usable := !got.IsStart() && wr.NextExpectedVersion == last
	if usable && s.trust[kind].Load() == 1 {
		return got, nil
	}
	evs, err := s.readStream(ctx, stream, es.Forwards, es.Revision(last), 1)
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("esdb: append to %q was acknowledged, but reading its last event back failed: %w", stream, err)
	}
	if len(evs) == 0 || evs[0].Revision != last {
		return eventstore.Position{}, fmt.Errorf("esdb: append to %q was acknowledged, but revision %d cannot be read back", stream, last)
	}
	real := evs[0].Position
	if usable {
		if real == got {
			s.trust[kind].CompareAndSwap(0, 1)
		} else {
			s.trust[kind].Store(2)
		}
	}
	return real, nil
}
