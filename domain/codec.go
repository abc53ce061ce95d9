package domain

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"
)

// EventMeta is the metadata stored with every event (JSON, explicit tags).
type EventMeta struct {
	Tenant string `json:"tenant"`
	Actor  string `json:"actor"`
	// CommandID is the command that recorded the event.
	CommandID     string `json:"command_id,omitempty"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	// Schema is the version of the event's payload schema.
	Schema int `json:"schema"`
	// OccurredAt is the business time of the command that recorded it.
	OccurredAt time.Time `json:"occurred_at"`
	// RecordedAt is when it was recorded, by the recording process's
	// clock. It travels with the event (a migration to another store keeps
	// it, unlike the store's own Created time).
	RecordedAt time.Time `json:"recorded_at"`
}

// Recorded is a decoded event with what the store and the metadata say about
// it.
type Recorded[E Event] struct {
	// ID is the event's UUID (canonical form).
	ID       string
	Stream   string
	Revision uint64
	Meta     EventMeta
	Event    E
}

// Upcaster rewrites the JSON payload of one schema version into the next
// (from N to N+1). Stored events are never rewritten; upcasting happens on
// every read.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

// Codec maps the stable type names of one aggregate's events to their Go
// types and back, and upcasts payloads written under older schema versions.
// Build it once (NewCodec, Register, Upcast) and then use it from any number
// of goroutines.
type Codec[E Event] struct {
	entries map[string]*codecEntry
	byType  map[reflect.Type]string
}

type codecEntry struct {
	goType    reflect.Type
	schema    int
	upcasters map[int]Upcaster
}

// NewCodec returns an empty codec.
func NewCodec[E Event]() *Codec[E] {
	return &Codec[E]{entries: map[string]*codecEntry{}, byType: map[reflect.Type]string{}}
}

// Register adds the event type of zero (a struct value, not a pointer) at
// schema version schema (1 for a type that never changed). It panics when the
// name or Go type is registered twice: that is a programming error found by
// the first test that builds the codec.
func (c *Codec[E]) Register(zero E, schema int) *Codec[E] {
	t := reflect.TypeOf(zero)
	name := zero.EventType()
	switch {
	case t.Kind() != reflect.Struct:
		panic(fmt.Sprintf("domain: codec: %s must be registered as a struct value, not %s", name, t.Kind()))
	case schema < 1:
		panic(fmt.Sprintf("domain: codec: %s: schema must be >= 1", name))
	case c.entries[name] != nil:
		panic(fmt.Sprintf("domain: codec: event type %q registered twice", name))
	case c.byType[t] != "":
		panic(fmt.Sprintf("domain: codec: Go type %s registered twice", t))
	}
	c.entries[name] = &codecEntry{goType: t, schema: schema, upcasters: map[int]Upcaster{}}
	c.byType[t] = name
	return c
}

// Upcast registers the upcaster of eventType's payload from schema version
// from to from+1. Every version below the current one needs one.
func (c *Codec[E]) Upcast(eventType string, from int, up Upcaster) *Codec[E] {
	e := c.entries[eventType]
	if e == nil || from < 1 || from >= e.schema {
		panic(fmt.Sprintf("domain: codec: upcaster of %q from schema %d has no registered target version", eventType, from))
	}
	e.upcasters[from] = up
	return c
}

// Types returns the registered type names, sorted.
func (c *Codec[E]) Types() []string {
	names := make([]string, 0, len(c.entries))
	for n := range c.entries {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Knows reports whether eventType is registered.
func (c *Codec[E]) Knows(eventType string) bool { return c.entries[eventType] != nil }

// Schema returns the current schema version of eventType (0 if unknown).
func (c *Codec[E]) Schema(eventType string) int {
	if e := c.entries[eventType]; e != nil {
		return e.schema
	}
	return 0
}

// Encode returns e's type name, current schema version and JSON payload.
func (c *Codec[E]) Encode(e E) (eventType string, schema int, data []byte, err error) {
	name := e.EventType()
	entry := c.entries[name]
	if entry == nil || entry.goType != reflect.TypeOf(e) {
		return "", 0, nil, &UnknownEventTypeError{Type: name}
	}
	data, err = json.Marshal(e)
	if err != nil {
		return "", 0, nil, fmt.Errorf("encode %s: %w", name, err)
	}
	return name, entry.schema, data, nil
}

// Decode decodes a stored payload of eventType written at schema version
// schema (0 is read as 1), upcasting it to the current version first.
func (c *Codec[E]) Decode(eventType string, schema int, data []byte) (E, error) {
	var zero E
	entry := c.entries[eventType]
	if entry == nil {
		return zero, &UnknownEventTypeError{Type: eventType}
	}
	if schema == 0 {
		schema = 1
	}
	if schema > entry.schema {
		return zero, &UnknownEventTypeError{Type: eventType, Schema: schema}
	}
	raw := json.RawMessage(data)
	for v := schema; v < entry.schema; v++ {
		up := entry.upcasters[v]
		if up == nil {
			return zero, fmt.Errorf("decode %s: no upcaster from schema %d to %d", eventType, v, v+1)
		}
		var err error
		if raw, err = up(raw); err != nil {
			return zero, fmt.Errorf("decode %s: upcast from schema %d: %w", eventType, v, err)
		}
	}
	p := reflect.New(entry.goType)
	if err := json.Unmarshal(raw, p.Interface()); err != nil {
		return zero, fmt.Errorf("decode %s schema %d: %w", eventType, schema, err)
	}
	ev, ok := p.Elem().Interface().(E)
	if !ok {
		return zero, fmt.Errorf("decode %s: %s is not an event of this codec", eventType, entry.goType)
	}
	return ev, nil
}

// DecodeMeta decodes stored event metadata.
func DecodeMeta(data []byte) (EventMeta, error) {
	var m EventMeta
	if len(data) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("decode event metadata: %w", err)
	}
	return m, nil
}
