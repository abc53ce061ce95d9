package eventstore

import (
	"errors"
	"fmt"
)

// Sentinel errors. Backends wrap them with context; test with errors.Is.
var (
	// ErrWrongExpectedVersion: the stream was not in the expected state.
	// The error is a *WrongExpectedVersionError.
	ErrWrongExpectedVersion = errors.New("eventstore: wrong expected version")
	// ErrStreamNotFound: the stream has no events.
	ErrStreamNotFound = errors.New("eventstore: stream not found")
	// ErrPartialDuplicate: some, but not all, events of an append were
	// already in the stream. The error is a *PartialDuplicateError.
	ErrPartialDuplicate = errors.New("eventstore: append partly duplicates events already in the stream")
	// ErrClosed: the store (or the subscription) is closed.
	ErrClosed = errors.New("eventstore: closed")
	// ErrReadOnly: the store was opened read-only.
	ErrReadOnly = errors.New("eventstore: store is read-only")
	// ErrNoEvents: an append with no events.
	ErrNoEvents = errors.New("eventstore: append has no events")
	// ErrInvalidStream: a stream name that breaks the naming rules. The error
	// is a *InvalidStreamError.
	ErrInvalidStream = errors.New("eventstore: invalid stream name")
	// ErrInvalidEvent: an event that is empty or malformed. The error is a
	// *InvalidEventError.
	ErrInvalidEvent = errors.New("eventstore: invalid event")
	// ErrTooLarge: an event or an append larger than the store accepts. The
	// error is a *TooLargeError.
	ErrTooLarge = errors.New("eventstore: too large")
)

// WrongExpectedVersionError reports an append whose expected revision did not
// match the stream.
type WrongExpectedVersionError struct {
	Stream   string
	Expected ExpectedRevision
	// Actual is NoStream or Exact(last revision).
	Actual ExpectedRevision
}

func (e *WrongExpectedVersionError) Error() string {
	return fmt.Sprintf("eventstore: stream %q: expected revision %s, actual %s", e.Stream, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrWrongExpectedVersion) true.
func (e *WrongExpectedVersionError) Is(target error) bool { return target == ErrWrongExpectedVersion }

// PartialDuplicateError reports an append of which only some events were
// already in the stream: it is neither a retry nor a new append.
type PartialDuplicateError struct {
	Stream string
	// Duplicates are the indexes (in the append) of the events already there.
	Duplicates []int
	Total      int
}

func (e *PartialDuplicateError) Error() string {
	return fmt.Sprintf("eventstore: stream %q: %d of %d events (indexes %v) are already in the stream; retry the whole original append or none of it",
		e.Stream, len(e.Duplicates), e.Total, e.Duplicates)
}

// Is makes errors.Is(err, ErrPartialDuplicate) true.
func (e *PartialDuplicateError) Is(target error) bool { return target == ErrPartialDuplicate }

// InvalidStreamError reports a stream name that breaks the naming rules.
type InvalidStreamError struct {
	Stream string
	Reason string
}

func (e *InvalidStreamError) Error() string {
	return fmt.Sprintf("eventstore: invalid stream name %q: %s", e.Stream, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidStream) true.
func (e *InvalidStreamError) Is(target error) bool { return target == ErrInvalidStream }

// InvalidEventError reports an event of an append that cannot be stored.
type InvalidEventError struct {
	Stream string
	// Index is the event's index in the append.
	Index  int
	Reason string
}

func (e *InvalidEventError) Error() string {
	return fmt.Sprintf("eventstore: stream %q: event %d: %s", e.Stream, e.Index, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidEvent) true.
func (e *InvalidEventError) Is(target error) bool { return target == ErrInvalidEvent }

// TooLargeError reports an event (Index >= 0) or a whole append (Index -1)
// over the store's limit.
type TooLargeError struct {
	Stream string
	Index  int
	Size   int
	Limit  int
}

func (e *TooLargeError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("eventstore: stream %q: append of %d bytes exceeds the limit of %d bytes", e.Stream, e.Size, e.Limit)
	}
	return fmt.Sprintf("eventstore: stream %q: event %d is %d bytes, over the limit of %d bytes", e.Stream, e.Index, e.Size, e.Limit)
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }
