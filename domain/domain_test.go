package domain_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
)

// noteAdded is at schema 2: schema 1 called the text "body".
type noteAdded struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

func (noteAdded) EventType() string { return "test.note_added" }

type closed struct {
	Reason string `json:"reason"`
}

func (closed) EventType() string { return "test.closed" }

func newCodec() *domain.Codec[domain.Event] {
	return domain.NewCodec[domain.Event]().
		Register(noteAdded{}, 2).
		Register(closed{}, 1).
		Upcast("test.note_added", 1, func(data json.RawMessage) (json.RawMessage, error) {
			var v1 map[string]any
			if err := json.Unmarshal(data, &v1); err != nil {
				return nil, err
			}
			v1["text"] = v1["body"]
			delete(v1, "body")
			return json.Marshal(v1)
		})
}

func TestCodecUpcastsOlderSchemas(t *testing.T) {
	t.Parallel()
	c := newCodec()
	at := time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)
	got, err := c.Decode("test.note_added", 1, []byte(`{"body":"isolated host","at":"2025-03-03T10:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (noteAdded{Text: "isolated host", At: at}); got != want {
		t.Fatalf("v1 decoded to %#v, want %#v", got, want)
	}
	typ, schema, data, err := c.Encode(noteAdded{Text: "x", At: at})
	if err != nil || typ != "test.note_added" || schema != 2 {
		t.Fatalf("encode: %s %d %v", typ, schema, err)
	}
	back, err := c.Decode(typ, schema, data)
	if err != nil || back != (noteAdded{Text: "x", At: at}) {
		t.Fatalf("round trip %#v %v", back, err)
	}
	if got, _ := c.Decode("test.closed", 0, []byte(`{"reason":"fp"}`)); got != (closed{Reason: "fp"}) {
		t.Fatalf("schema 0 (absent) read as 1: %#v", got)
	}
}

func TestCodecErrors(t *testing.T) {
	t.Parallel()
	c := newCodec()
	var ue *domain.UnknownEventTypeError
	if _, err := c.Decode("test.exploded", 1, []byte(`{}`)); !errors.As(err, &ue) || !errors.Is(err, domain.ErrUnknownEventType) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := c.Decode("test.closed", 2, []byte(`{}`)); !errors.As(err, &ue) || ue.Schema != 2 {
		t.Errorf("newer schema than the codec knows: %v", err)
	}
	if _, err := c.Decode("test.closed", 1, []byte(`{"reason":`)); err == nil {
		t.Error("truncated JSON decoded")
	}
	if got := c.Types(); len(got) != 2 || got[0] != "test.closed" {
		t.Errorf("Types %v", got)
	}
}

func TestCodecRegisterTwicePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("registering a type twice did not panic")
		}
	}()
	domain.NewCodec[domain.Event]().Register(closed{}, 1).Register(closed{}, 1)
}

func TestEventIDIsDeterministicUUIDv5(t *testing.T) {
	t.Parallel()
	a, b := domain.EventID("cmd-1", 0), domain.EventID("cmd-1", 0)
	if a != b {
		t.Fatalf("%s != %s", a, b)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a) {
		t.Fatalf("%s is not a version 5 UUID", a)
	}
	seen := map[string]bool{a: true}
	for _, id := range []string{domain.EventID("cmd-1", 1), domain.EventID("cmd-10", 0), domain.EventID("cmd-", 10)} {
		if seen[id] {
			t.Fatalf("collision: %s", id)
		}
		seen[id] = true
	}
}

func TestMetaValidate(t *testing.T) {
	t.Parallel()
	ok := domain.Meta{CommandID: "c", Tenant: "acme", Actor: "user:a", At: time.Unix(1, 0)}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(*domain.Meta)
		field string
	}{
		{"no command ID", func(m *domain.Meta) { m.CommandID = "" }, "commandId"},
		{"no actor", func(m *domain.Meta) { m.Actor = "" }, "actor"},
		{"no time", func(m *domain.Meta) { m.At = time.Time{} }, "at"},
		{"no tenant", func(m *domain.Meta) { m.Tenant = "" }, "tenant"},
		{"tenant with a dot", func(m *domain.Meta) { m.Tenant = "acme.corp" }, "tenant"},
		{"upper-case tenant", func(m *domain.Meta) { m.Tenant = "Acme" }, "tenant"},
		{"reserved tenant", func(m *domain.Meta) { m.Tenant = domain.SystemTenant }, "tenant"},
	}
	for _, tt := range tests {
		m := ok
		tt.edit(&m)
		var fe *domain.FieldError
		if err := m.Validate(); !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("%s: %v, want a field error on %s", tt.name, err, tt.field)
		}
	}
}

func TestStreamNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ stream, category, tenant string }{
		{"incident-acme.INC-1", "incident", "acme"},
		{"tenant-acme-corp", "tenant", "acme-corp"},
		{"log-acme.fw01.example.com", "log", "acme"},
	}
	for _, tt := range tests {
		tenant, ok := domain.StreamTenant(tt.stream)
		if !ok || tenant != tt.tenant || domain.StreamCategory(tt.stream) != tt.category {
			t.Errorf("%s: category %q tenant %q", tt.stream, domain.StreamCategory(tt.stream), tenant)
		}
	}
	if got := domain.StreamName("incident", "acme", "INC-1"); got != "incident-acme.INC-1" {
		t.Errorf("StreamName %s", got)
	}
}

func TestFold(t *testing.T) {
	t.Parallel()
	d := domain.Decider[int, int, int]{Evolve: func(s, e int) int { return s*10 + e }}
	if got := d.Fold(0, []int{1, 2, 3}); got != 123 {
		t.Fatalf("Fold applied events out of order: %d", got)
	}
}
