// Package eventstore defines socledger's append-only event store: the Store
// interface every backend implements, the recorded event and position types,
// expected-revision checks, read filters, subscriptions and the typed errors a
// caller can test with errors.Is and errors.As.
//
// Backends live in sub-packages: embedded (a segmented log on local disk, the
// default) and esdb (a KurrentDB / EventStoreDB cluster). The package
// eventstoretest holds the contract suite every backend must pass.
//
// Stream names have the form "<category>-<tenant>.<id>" (for example
// "alert-acme.9f2c…" or "incident-acme.01J…"); ValidateStreamName states the
// exact rules. Positions are opaque, strictly increasing in global order and not
// necessarily dense; the zero Position, Start, means "before the first event".
package eventstore

import (
	"context"
	"time"
)

// Store is an append-only event store.
//
// All methods are safe for concurrent use. Every method honours ctx: a call
// whose context is done returns an error wrapping ctx.Err(). An append that
// returned an error may still have been written (for example when ctx ended
// after the append reached the writer); retrying it with the same EventIDs is
// safe, see Append.
type Store interface {
	// Append appends events to stream, atomically: either all are written
	// with consecutive revisions and consecutive positions in global order,
	// or none are.
	//
	// expected is checked against the stream's current revision; a mismatch
	// returns a *WrongExpectedVersionError (errors.Is(err,
	// ErrWrongExpectedVersion)). Before that check, if every event carries an
	// EventID that the stream already holds, the append is an idempotent
	// retry: nothing is written and the result names the revision and
	// position of the last (highest revision) of those events. Only the IDs
	// are compared, not the contents. If only some of them are already
	// there, it returns a *PartialDuplicateError. Two events of one append
	// with the same EventID are an *InvalidEventError. Backends bound how far
	// back they recognise retries (the embedded store keeps a window of recent
	// events and also recognises retries of an exact expected revision).
	//
	// The append is durable when Append returns nil: a crash of the process
	// or of the machine at any later instant does not lose it.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (AppendResult, error)

	// ReadStream returns up to max events of stream, in revision order,
	// starting at revision from (inclusive). max <= 0 means no limit. A
	// stream with no events returns an error wrapping ErrStreamNotFound;
	// reading past the last revision of an existing stream returns no events
	// and no error.
	ReadStream(ctx context.Context, stream string, from uint64, max int) ([]RecordedEvent, error)

	// ReadAll returns up to max events that match filter, in global order,
	// starting after position from (exclusive; Start reads from the first
	// event). max <= 0 means a backend default. The page's Checkpoint is the
	// position scanned up to, never before from: passing it as from
	// continues exactly after the page without rescanning what the filter
	// skipped. A backend may stop scanning before max events are found; a
	// page that is not AtEnd always moves Checkpoint forward, and only
	// Page.AtEnd says the log was read to its durable end.
	ReadAll(ctx context.Context, from Position, max int, filter Filter) (Page, error)

	// Subscribe delivers every event that matches filter after position from
	// (exclusive), first from the log (catch-up) and then as they are
	// appended (live), in global order, with no gap and no duplicate across
	// the boundary. Only durable events are delivered. One CaughtUp message
	// marks the end of the catch-up (also when there was nothing to catch
	// up). A filtered subscription sends a Checkpoint message whenever it
	// scanned past events the filter skipped, during catch-up and live, so a
	// consumer can store its resume point. A subscriber that reads slowly
	// does not hold memory in the store: it reads from the log again. The
	// subscription ends when ctx is done, when it is closed, or when the
	// store is closed; messages already read from the log may still be
	// delivered before Recv reports the end.
	Subscribe(ctx context.Context, from Position, filter Filter) (Subscription, error)

	// Close stops the store: appends already accepted are finished and made
	// durable, later calls return ErrClosed, and open subscriptions end with
	// ErrClosed. Close is idempotent.
	Close() error
}

// EventData is an event to append.
type EventData struct {
	// EventID identifies the event. A zero EventID is replaced by a random
	// one; a caller that may retry an append sets it deterministically (for
	// example a UUIDv5 of a command ID) so the retry is recognised.
	EventID EventID
	// Type is a stable name, "<aggregate>.<past_tense>" (e.g. "alert.raised").
	Type string
	// Data is the event's payload (JSON).
	Data []byte
	// Metadata is the event's metadata (JSON: tenant, actor, correlation and
	// causation IDs, schema version, business time).
	Metadata []byte
}

// RecordedEvent is an event as the store recorded it.
//
// Data and Metadata of events a read returns may share memory with the
// other events read at the same time (the embedded store hands out slices
// of its read buffer, up to 256 KiB, instead of copying each event). They
// are never changed afterwards, but a consumer that keeps one for long, in
// a projection's state for example, should keep a copy (bytes.Clone) or it
// keeps the whole buffer alive.
type RecordedEvent struct {
	EventID  EventID
	Type     string
	Data     []byte
	Metadata []byte

	// StreamID is the stream the event belongs to.
	StreamID string
	// Revision is the event's number in its stream, from 0.
	Revision uint64
	// Position is the event's place in global order.
	Position Position
	// Created is when the store recorded the event (UTC).
	Created time.Time

	// Prev and Hash are the event's links in its stream's hash chain
	// (see ChainHash): Prev is the Hash of the previous event of the stream,
	// zero for revision 0.
	Prev Hash
	Hash Hash
}

// AppendResult describes a successful append.
type AppendResult struct {
	// Revision is the revision of the last event appended: the value to pass
	// as Exact(...) for the next append to the stream.
	Revision uint64
	// Position is the global position of the last event appended. A reader
	// that has seen Position has seen the whole append.
	Position Position
}

// Page is the result of ReadAll.
type Page struct {
	// Events are the matching events, in global order.
	Events []RecordedEvent
	// Checkpoint is the position the read scanned up to (at least the
	// position of the last event in Events). Passing it to the next ReadAll
	// continues after this page.
	Checkpoint Position
	// AtEnd reports that the read reached the end of the durable log.
	AtEnd bool
}

// Filter selects events for ReadAll and Subscribe. An empty filter matches
// every event. When both lists are set, an event must match both.
type Filter struct {
	// StreamPrefixes: the event's stream name starts with one of these
	// (typically a category, "alert-" or "incident-acme.").
	StreamPrefixes []string
	// EventTypePrefixes: the event's type starts with one of these
	// ("incident." or "alert.raised").
	EventTypePrefixes []string
}

// IsEmpty reports whether f matches every event.
func (f Filter) IsEmpty() bool {
	return len(f.StreamPrefixes) == 0 && len(f.EventTypePrefixes) == 0
}

// Match reports whether an event of the given stream and type passes f.
func (f Filter) Match(stream, eventType string) bool {
	return matchPrefix(f.StreamPrefixes, stream) && matchPrefix(f.EventTypePrefixes, eventType)
}

func matchPrefix(prefixes []string, s string) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}

// Subscription is a live stream of messages from Store.Subscribe.
type Subscription interface {
	// Recv blocks until the next message is available, the subscription
	// ends, or ctx is done. A Recv that returns because its own ctx is done
	// loses nothing: the next Recv continues where it left off. After the
	// subscription ends, Recv returns the reason: ErrClosed when the store or
	// the subscription was closed, or an error wrapping the subscribe
	// context's error. Recv is not safe for concurrent use with itself.
	Recv(ctx context.Context) (Message, error)
	// Close ends the subscription and frees its resources. It is safe to call
	// from another goroutine while Recv blocks, and more than once.
	Close() error
}

// MessageKind says what a subscription Message carries.
type MessageKind uint8

// Message kinds.
const (
	// EventAppeared: Message.Event holds the next matching event.
	EventAppeared MessageKind = iota + 1
	// Checkpoint: the subscription scanned the log up to Message.Position
	// without finding more matching events; a consumer may store Position as
	// its resume point.
	Checkpoint
	// CaughtUp: the subscription has delivered every event durable when it
	// reached the end of the log (sent once, then it goes live). Position is
	// the position scanned up to.
	CaughtUp
)

func (k MessageKind) String() string {
	switch k {
	case EventAppeared:
		return "event"
	case Checkpoint:
		return "checkpoint"
	case CaughtUp:
		return "caught-up"
	}
	return "unknown"
}

// Message is one item of a subscription.
type Message struct {
	Kind MessageKind
	// Event is set when Kind is EventAppeared.
	Event *RecordedEvent
	// Position is the position to resume after: the event's position for
	// EventAppeared, the position scanned up to otherwise.
	Position Position
}
