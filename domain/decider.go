package domain

import (
	"fmt"
	"regexp"
	"time"
)

// Decider is an aggregate written as two pure functions: Decide turns a
// command and the current state into the events that record its effect (or a
// typed error; no events and no error is an idempotent no-op), and Evolve
// applies one event to the state. Evolve holds no rules and cannot fail: an
// event is a fact already recorded.
type Decider[C, E, S any] struct {
	// Initial is the state of an aggregate with no events.
	Initial S
	Decide  func(C, S) ([]E, error)
	Evolve  func(S, E) S
}

// Fold applies events to s in order.
func (d Decider[C, E, S]) Fold(s S, events []E) S {
	for _, e := range events {
		s = d.Evolve(s, e)
	}
	return s
}

// Event is a domain event: a fact, named in the past tense, with a stable
// type name "<aggregate>.<past_tense>" that never derives from a Go type name.
type Event interface {
	EventType() string
}

// Command is a request to change an aggregate. Every command embeds Meta.
type Command interface {
	CommandMeta() Meta
}

// Meta is what every command carries besides its own fields.
type Meta struct {
	// CommandID identifies the command; the IDs of the events it records are
	// derived from it, so running the same command twice records it once.
	CommandID string
	// Tenant is the client organisation the command acts on.
	Tenant string
	// Actor is who issued the command: an analyst ("user:alice"), a token
	// ("token:…") or a component ("detection", "ingest").
	Actor string
	// At is the business time of the command (when it happened), chosen by
	// the caller; deciders never read a clock.
	At time.Time
	// CorrelationID groups the commands and events of one piece of work;
	// empty means the command ID. CausationID names the event or command
	// that caused this one.
	CorrelationID string
	CausationID   string
}

// CommandMeta returns m; a command that embeds Meta implements Command.
func (m Meta) CommandMeta() Meta { return m }

// Validate checks that m names its command, tenant, actor and time.
func (m Meta) Validate() error {
	switch {
	case m.CommandID == "":
		return &FieldError{Field: "commandId", Reason: "missing"}
	case m.Actor == "":
		return &FieldError{Field: "actor", Reason: "missing"}
	case m.At.IsZero():
		return &FieldError{Field: "at", Reason: "missing (the business time of the command)"}
	}
	return ValidateTenantID(m.Tenant)
}

// SystemTenant is reserved for streams that belong to no tenant (access
// tokens with a cross-tenant scope, the audit seals of those streams).
const SystemTenant = "system"

var tenantIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidateTenantID checks a tenant ID: 1 to 63 lower-case letters, digits,
// '_' and '-', starting with a letter or digit, and not the reserved
// SystemTenant. Tenant IDs are part of stream names, so they cannot hold '.'.
func ValidateTenantID(id string) error {
	switch {
	case id == "":
		return &FieldError{Field: "tenant", Reason: "missing"}
	case id == SystemTenant:
		return &FieldError{Field: "tenant", Value: id, Reason: "reserved"}
	case !tenantIDPattern.MatchString(id):
		return &FieldError{Field: "tenant", Value: id, Reason: "use 1 to 63 lower-case letters, digits, '_' and '-', starting with a letter or digit"}
	}
	return nil
}

var streamIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$`)

// ValidateID checks an aggregate ID used in a stream name (an incident ID, a
// token ID): 1 to 128 ASCII letters, digits, '_', '.', ':' and '-',
// starting with a letter or digit. field names the command field in errors.
func ValidateID(field, id string) error {
	if id == "" {
		return &FieldError{Field: field, Reason: "missing"}
	}
	if !streamIDPattern.MatchString(id) {
		return &FieldError{Field: field, Value: id, Reason: "use 1 to 128 ASCII letters, digits, '_', '.', ':' and '-', starting with a letter or digit"}
	}
	return nil
}

// StreamName returns the stream "<category>-<tenant>.<id>" of an aggregate,
// or "<category>-<tenant>" when id is empty.
func StreamName(category, tenant, id string) string {
	if id == "" {
		return category + "-" + tenant
	}
	return category + "-" + tenant + "." + id
}

// StreamTenant returns the tenant part of a stream name
// "<category>-<tenant>[.<id>]", and false when the name has no '-'.
func StreamTenant(stream string) (string, bool) {
	for i := 0; i < len(stream); i++ {
		if stream[i] == '-' {
			rest := stream[i+1:]
			for j := 0; j < len(rest); j++ {
				if rest[j] == '.' {
					return rest[:j], true
				}
			}
			return rest, true
		}
	}
	return "", false
}

// StreamCategory returns the category of a stream name (the part before the
// first '-').
func StreamCategory(stream string) string {
	for i := 0; i < len(stream); i++ {
		if stream[i] == '-' {
			return stream[:i]
		}
	}
	return stream
}

// RequireTime returns a *FieldError when t is zero.
func RequireTime(field string, t time.Time) error {
	if t.IsZero() {
		return &FieldError{Field: field, Reason: "missing (a time is required)"}
	}
	return nil
}

// RequireText returns a *FieldError when s is empty.
func RequireText(field, s string) error {
	if s == "" {
		return &FieldError{Field: field, Reason: "missing"}
	}
	return nil
}

// OneOf returns a *FieldError when v is not one of allowed.
func OneOf[T ~string](field string, v T, allowed ...T) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return &FieldError{Field: field, Value: string(v), Reason: fmt.Sprintf("must be one of %v", allowed)}
}
