package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors. Deciders return typed errors that match these with
// errors.Is; the API maps them to error codes.
var (
	// ErrInvalid: a command field is missing or malformed (*FieldError).
	ErrInvalid = errors.New("invalid command")
	// ErrNotFound: the command needs an aggregate that does not exist yet.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: the command creates an aggregate that exists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalidTransition: the command moves the aggregate along a
	// transition its rules do not allow (*InvalidTransitionError).
	ErrInvalidTransition = errors.New("invalid transition")
	// ErrConflict: the command contradicts the aggregate's state in a way
	// that is not a status transition (for example a second verdict
	// without a reason).
	ErrConflict = errors.New("conflict")
	// ErrUnknownEventType: a stored event type no codec knows
	// (*UnknownEventTypeError).
	ErrUnknownEventType = errors.New("unknown event type")
)

// FieldError reports a command field that is missing or malformed.
type FieldError struct {
	// Field is the field's name as the API spells it (lowerCamelCase),
	// with a path for nested fields ("criteria[1].code").
	Field string
	// Value is the offending value, when there is one.
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("field %s: %q: %s", e.Field, e.Value, e.Reason)
	}
	return fmt.Sprintf("field %s: %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// InvalidTransitionError reports a command that would move an aggregate from
// one status to another along a transition that is not allowed.
type InvalidTransitionError struct {
	// Aggregate names the kind ("incident", "alert").
	Aggregate string
	From, To  string
	// Reason says why, when it is more than "not allowed".
	Reason string
}

func (e *InvalidTransitionError) Error() string {
	s := fmt.Sprintf("%s: cannot go from %s to %s", e.Aggregate, e.From, e.To)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *InvalidTransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// UnknownEventTypeError reports a stored event whose type no codec knows, or
// whose schema version is newer than the codec's.
type UnknownEventTypeError struct {
	Type   string
	Schema int
}

func (e *UnknownEventTypeError) Error() string {
	if e.Schema > 0 {
		return fmt.Sprintf("event type %q schema %d is unknown to this version of socledger", e.Type, e.Schema)
	}
	return fmt.Sprintf("event type %q is unknown", e.Type)
}

// Is makes errors.Is(err, ErrUnknownEventType) true.
func (e *UnknownEventTypeError) Is(target error) bool { return target == ErrUnknownEventType }
