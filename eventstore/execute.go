package eventstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/socledger/socledger/domain"
)

// Aggregate binds a domain decider to the store: how to decode and encode its
// events, and which stream a command acts on.
type Aggregate[C domain.Command, E domain.Event, S any] struct {
	// Name names the aggregate in errors ("incident").
	Name    string
	Decider domain.Decider[C, E, S]
	Codec   *domain.Codec[E]
	// Stream returns the stream a command acts on, or an error (typically a
	// *domain.FieldError) when the command names no valid stream.
	Stream func(C) (string, error)
}

// Executor runs commands against a Store: read the stream, fold it, decide,
// append with the expected revision, and on a conflict (another writer
// appended in between) read what is new and decide again, a bounded number
// of times. Commands on one stream run one at a time within an Executor
// (they queue rather than race); writers elsewhere are caught by the
// expected revision. Set Store; an Executor must not be copied after use.
//
// Every event a command records gets the ID domain.EventID(command ID, i),
// so running the same command again (a client retry after a timeout, a
// re-ingested detection) records it once: Execute finds the command's
// events in the stream and returns them with Duplicate set, and the store
// itself recognises an append of the same IDs as a retry.
type Executor struct {
	Store Store
	// Now stamps EventMeta.RecordedAt; nil means time.Now.
	Now func() time.Time
	// MaxAttempts bounds the decide-and-append attempts of one command;
	// 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Cache, when set, keeps the states of recently used streams so a
	// command reads only the events appended since. A command whose ID the
	// cache does not remember among the stream's recent ones, and whose
	// events are older than the cached state, is decided again rather
	// than recognised as a duplicate; the store then recognises its event
	// IDs, and deciders treat repeated facts (a note ID already present)
	// as no-ops.
	Cache *StateCache

	locks streamLocks
}

// DefaultMaxAttempts is the default bound of Executor.MaxAttempts.
const DefaultMaxAttempts = 8

// readPage is how many events Execute reads per ReadStream call.
const readPage = 512

// Result is the outcome of a command.
type Result[E domain.Event, S any] struct {
	Stream string
	// Events are the events the command recorded (or, for a duplicate,
	// had recorded earlier). Empty for a no-op.
	Events []domain.Recorded[E]
	// State is the aggregate's state after the command, as far as this
	// executor read the stream.
	State S
	// Revision and Position are those of the stream's last event read or
	// written; HasRevision is false when the stream has no events.
	Revision    uint64
	HasRevision bool
	Position    Position
	// Attempts is how many times the command was decided (1 without a
	// conflict).
	Attempts int
	// Duplicate: the command had been recorded before; nothing was written.
	Duplicate bool
}

// NoOp reports whether the command changed nothing (the decider returned no
// events).
func (r Result[E, S]) NoOp() bool { return len(r.Events) == 0 }

// ConflictError reports a command that kept losing the race for its stream:
// every attempt found that another writer had appended first.
type ConflictError struct {
	Stream   string
	Attempts int
	Err      error // the last *WrongExpectedVersionError
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("eventstore: stream %q: command gave up after %d attempts lost to concurrent writers: %v", e.Stream, e.Attempts, e.Err)
}

// Unwrap returns the last *WrongExpectedVersionError, so errors.Is(err,
// ErrWrongExpectedVersion) holds.
func (e *ConflictError) Unwrap() error { return e.Err }

// CommandError wraps a decider's error with the stream and command it was
// about. The decider's typed error stays reachable with errors.Is / As.
type CommandError struct {
	Stream    string
	CommandID string
	Err       error
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("command %s on %s: %v", e.CommandID, e.Stream, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// DecodeError reports a stored event the aggregate's codec cannot decode.
type DecodeError struct {
	Stream   string
	Revision uint64
	Type     string
	Err      error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("eventstore: stream %q revision %d (%s): %v", e.Stream, e.Revision, e.Type, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Execute runs cmd against agg's stream in x.Store. A decider error comes
// back as a *CommandError wrapping it; losing every attempt to concurrent
// writers as a *ConflictError.
func Execute[C domain.Command, E domain.Event, S any](ctx context.Context, x *Executor, agg Aggregate[C, E, S], cmd C) (Result[E, S], error) {
	res := Result[E, S]{State: agg.Decider.Initial}
	meta := cmd.CommandMeta()
	if meta.CommandID == "" {
		return res, &domain.FieldError{Field: "commandId", Reason: "missing: every command needs an ID so that a retry is recognised"}
	}
	stream, err := agg.Stream(cmd)
	if err != nil {
		return res, &CommandError{Stream: agg.Name, CommandID: meta.CommandID, Err: err}
	}
	res.Stream = stream
	unlock, err := x.locks.lock(ctx, stream)
	if err != nil {
		return res, fmt.Errorf("command %s on %s: waiting for the commands before it: %w", meta.CommandID, stream, err)
	}
	defer unlock()
	maxAttempts := x.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	now := x.Now
	if now == nil {
		now = time.Now
	}

	var (
		next    uint64 // next revision to read
		lastErr error
	)
	if x.Cache != nil {
		if e, ok := x.Cache.get(stream); ok && !slices.Contains(e.commands, meta.CommandID) {
			if st, ok := e.state.(S); ok {
				res.State, next = st, e.next
				res.Revision, res.HasRevision, res.Position = e.revision, e.has, e.position
			}
		}
		defer func() {
			if res.Stream != "" && (res.HasRevision || next > 0) {
				x.Cache.put(cacheEntry{stream: stream, state: res.State, next: nextOf(res.Revision, res.HasRevision),
					revision: res.Revision, has: res.HasRevision, position: res.Position}, recordedCommand(res.Events, meta.CommandID))
			}
		}()
	}
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		res.Attempts = attempt
		// Catch up with the stream from where the previous attempt left off.
		dup, err := catchUp(ctx, x.Store, agg, stream, meta.CommandID, &next, &res)
		if err != nil {
			return res, err
		}
		if dup {
			res.Duplicate = true
			return res, nil
		}
		events, err := agg.Decider.Decide(cmd, res.State)
		if err != nil {
			return res, &CommandError{Stream: stream, CommandID: meta.CommandID, Err: err}
		}
		if len(events) == 0 {
			return res, nil
		}
		recorded := now().UTC()
		data := make([]EventData, len(events))
		metas := make([]domain.EventMeta, len(events))
		for i, e := range events {
			typ, schema, payload, err := agg.Codec.Encode(e)
			if err != nil {
				return res, &CommandError{Stream: stream, CommandID: meta.CommandID, Err: err}
			}
			em := domain.EventMeta{
				Tenant: meta.Tenant, Actor: meta.Actor, CommandID: meta.CommandID,
				CorrelationID: meta.CorrelationID, CausationID: meta.CausationID,
				Schema: schema, OccurredAt: meta.At.UTC(), RecordedAt: recorded,
			}
			if em.CorrelationID == "" {
				em.CorrelationID = meta.CommandID
			}
			metas[i] = em
			md, err := encodeMeta(em)
			if err != nil {
				return res, err
			}
			id, _ := ParseEventID(domain.EventID(meta.CommandID, i))
			data[i] = EventData{EventID: id, Type: typ, Data: payload, Metadata: md}
		}
		expected := NoStream
		if res.HasRevision {
			expected = Exact(res.Revision)
		}
		ar, err := x.Store.Append(ctx, stream, expected, data...)
		if errors.Is(err, ErrWrongExpectedVersion) {
			lastErr = err
			continue
		}
		if err != nil {
			return res, fmt.Errorf("command %s on %s: %w", meta.CommandID, stream, err)
		}
		first := ar.Revision + 1 - uint64(len(events))
		for i, e := range events {
			res.Events = append(res.Events, domain.Recorded[E]{
				ID: data[i].EventID.String(), Stream: stream, Revision: first + uint64(i), Meta: metas[i], Event: e,
			})
			res.State = agg.Decider.Evolve(res.State, e)
		}
		res.Revision, res.HasRevision, res.Position = ar.Revision, true, ar.Position
		return res, nil
	}
	return res, &ConflictError{Stream: stream, Attempts: maxAttempts, Err: lastErr}
}

func nextOf(rev uint64, has bool) uint64 {
	if !has {
		return 0
	}
	return rev + 1
}

// recordedCommand returns id when events (the command's) is not empty.
func recordedCommand[E domain.Event](events []domain.Recorded[E], id string) string {
	if len(events) == 0 {
		return ""
	}
	return id
}

// catchUp reads stream from *next and folds it into res.State. It reports
// whether the stream holds the events of command commandID (their IDs are
// domain.EventID(commandID, 0), 1, …), which it collects into res.Events.
func catchUp[C domain.Command, E domain.Event, S any](ctx context.Context, store Store, agg Aggregate[C, E, S], stream, commandID string, next *uint64, res *Result[E, S]) (bool, error) {
	want, _ := ParseEventID(domain.EventID(commandID, 0))
	for {
		evs, err := store.ReadStream(ctx, stream, *next, readPage)
		if errors.Is(err, ErrStreamNotFound) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read %s: %w", stream, err)
		}
		for i := range evs {
			ev := &evs[i]
			em, err := domain.DecodeMeta(ev.Metadata)
			if err != nil {
				return false, &DecodeError{Stream: stream, Revision: ev.Revision, Type: ev.Type, Err: err}
			}
			e, err := agg.Codec.Decode(ev.Type, em.Schema, ev.Data)
			if err != nil {
				return false, &DecodeError{Stream: stream, Revision: ev.Revision, Type: ev.Type, Err: err}
			}
			if ev.EventID == want {
				res.Events = append(res.Events, domain.Recorded[E]{ID: ev.EventID.String(), Stream: stream, Revision: ev.Revision, Meta: em, Event: e})
				want, _ = ParseEventID(domain.EventID(commandID, len(res.Events)))
			}
			res.State = agg.Decider.Evolve(res.State, e)
			res.Revision, res.HasRevision, res.Position = ev.Revision, true, ev.Position
			*next = ev.Revision + 1
		}
		if len(evs) < readPage {
			return len(res.Events) > 0, nil
		}
	}
}
