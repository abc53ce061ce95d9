package esdb

import (
	"context"
	"fmt"
	"math"
	"strings"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/socledger/socledger/eventstore"
)

// rawEvent is an event as read from the server.
type rawEvent struct {
	eventstore.RecordedEvent
	// ours: the event is in the store's namespace and not a system event
	// (a stream or type starting with '$'); other events are never shown.
	ours bool
	// chained: the event carried the chain envelope.
	chained bool
}

// decode turns an event of the client into ours: positions map commit to
// Commit and prepare to Prepare, the envelope gives back the caller's
// metadata and the chain links, the namespace is taken off the stream name.
func (s *Store) decode(re *es.RecordedEvent) rawEvent {
	r := rawEvent{RecordedEvent: eventstore.RecordedEvent{
		EventID:  eventstore.EventID(re.EventID),
		Type:     re.EventType,
		Data:     re.Data,
		Revision: re.EventNumber,
		Position: fromPosition(re.Position),
		Created:  re.CreatedDate.UTC(),
	}}
	stream, inNamespace := strings.CutPrefix(re.StreamID, s.cfg.Namespace)
	r.StreamID = stream
	r.ours = inNamespace && stream != "" && !strings.HasPrefix(re.StreamID, "$") && !strings.HasPrefix(re.EventType, "$")
	if meta, prev, hash, ok := unwrapMeta(re.UserMetadata); ok {
		r.Metadata, r.Prev, r.Hash, r.chained = meta, prev, hash, true
	} else if len(re.UserMetadata) > 0 {
		r.Metadata = re.UserMetadata
	}
	return r
}

// fromPosition and toPosition map positions between the client and us.
func fromPosition(p es.Position) eventstore.Position {
	return eventstore.Position{Commit: p.Commit, Prepare: p.Prepare}
}

func toPosition(p eventstore.Position) es.AllPosition {
	if p.IsStart() {
		return es.Start{}
	}
	return es.Position{Commit: p.Commit, Prepare: p.Prepare}
}

// physical is the stream's name on the server.
func (s *Store) physical(stream string) string { return s.cfg.Namespace + stream }

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]eventstore.RecordedEvent, error) {
	op := fmt.Sprintf("read stream %q", stream)
	ctx, done, err := s.begin(ctx, op)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return nil, fmt.Errorf("esdb: %s: %w: %w", op, eventstore.ErrStreamNotFound, err)
	}
	count := uint64(math.MaxInt64)
	if max > 0 {
		count = uint64(max)
	}
	evs, err := s.readStream(ctx, stream, es.Forwards, es.Revision(from), count)
	if err != nil {
		return nil, s.wrap(ctx, op, err)
	}
	out := make([]eventstore.RecordedEvent, len(evs))
	for i := range evs {
		out[i] = evs[i].RecordedEvent
	}
	return out, nil
}

// readStream reads count events of stream; a stream without events is an
// error wrapping ErrStreamNotFound.
func (s *Store) readStream(ctx context.Context, stream string, dir es.Direction, from es.StreamPosition, count uint64) ([]rawEvent, error) {
	evs, err := s.readEvents(ctx, func(c *es.Client) (*es.ReadStream, error) {
		return c.ReadStream(ctx, s.physical(stream), es.ReadStreamOptions{Direction: dir, From: from}, count)
	}, nil)
	if err != nil && notFound(err) && ctx.Err() == nil {
		return nil, fmt.Errorf("esdb: stream %q: %w", stream, eventstore.ErrStreamNotFound)
	}
	return evs, err
}

// ReadAll implements eventstore.Store. The client reads $all without a
// filter, so the adapter filters (and hides system events and streams of
// other namespaces) itself, scanning at most Config.MaxScan events a call.
func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, limit int, filter eventstore.Filter) (eventstore.Page, error) {
	const op = "read $all"
	ctx, done, err := s.begin(ctx, op)
	if err != nil {
		return eventstore.Page{}, err
	}
	defer done()
	if limit <= 0 {
		limit = s.cfg.PageSize
	}
	page := eventstore.Page{Checkpoint: from}
	scanned := 0
	for {
		batch := limit - len(page.Events)
		if !filter.IsEmpty() || s.cfg.Namespace != "" {
			batch = min(4*batch, s.cfg.PageSize)
		}
		if s.cfg.MaxScan > 0 {
			batch = min(batch, s.cfg.MaxScan-scanned)
		}
		batch = max(batch, 1)
		// A read of $all from a position starts with the event at that
		// position (subscriptions start after it): read one more and
		// skip what is not after the checkpoint.
		count := batch + 1
		at := page.Checkpoint
		raw, err := s.readEvents(ctx, func(c *es.Client) (*es.ReadStream, error) {
			return c.ReadAll(ctx, es.ReadAllOptions{From: toPosition(at)}, uint64(count))
		}, nil)
		if err != nil {
			return eventstore.Page{}, s.wrap(ctx, op, err)
		}
		for i := range raw {
			r := &raw[i]
			if !page.Checkpoint.Less(r.Position) {
				continue
			}
			page.Checkpoint = r.Position
			scanned++
			if !r.ours || !filter.Match(r.StreamID, r.Type) {
				continue
			}
			page.Events = append(page.Events, r.RecordedEvent)
			if len(page.Events) == limit {
				page.AtEnd = i == len(raw)-1 && len(raw) < count
				return page, nil
			}
		}
		if len(raw) < count {
			page.AtEnd = true
			return page, nil
		}
		if s.cfg.MaxScan > 0 && scanned >= s.cfg.MaxScan {
			return page, nil
		}
	}
}
