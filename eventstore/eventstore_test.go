package eventstore_test

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/socledger/socledger/eventstore"
)

func TestValidateStreamName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		ok   bool
	}{
		{"alert-acme.9f2c01", true},
		{"incident-acme.01JAB3", true},
		{"tenant-acme", true},
		{"access-7f3a", true},
		{"log-acme.fw01.example.com:514", true},
		{"", false},
		{"$all", false},
		{"alert", false},
		{"alert-", false},
		{"Alert-acme", false},
		{"al ert-acme", false},
		{"alert-ac me", false},
		{"alert-acme/x", false},
		{"alert-acme\\x", false},
		{"alert-acme\x00", false},
		{"alert-acmé", false},
		{"a" + strings.Repeat("-", 254), true},
		{"a" + strings.Repeat("-", 255), false},
	}
	for _, tt := range tests {
		err := eventstore.ValidateStreamName(tt.give)
		if tt.ok != (err == nil) {
			t.Errorf("ValidateStreamName(%q) = %v, want ok=%v", tt.give, err, tt.ok)
		}
		var se *eventstore.InvalidStreamError
		if err != nil && (!errors.Is(err, eventstore.ErrInvalidStream) || !errors.As(err, &se) || se.Stream != tt.give || se.Reason == "") {
			t.Errorf("ValidateStreamName(%q): %v is not a *InvalidStreamError naming the stream with a reason", tt.give, err)
		}
	}
}

func TestValidateEvents(t *testing.T) {
	t.Parallel()
	id := eventstore.NewEventID()
	ev := func(typ, data string) eventstore.EventData {
		return eventstore.EventData{Type: typ, Data: []byte(data)}
	}
	withID := func(e eventstore.EventData) eventstore.EventData { e.EventID = id; return e }
	tests := []struct {
		name      string
		give      []eventstore.EventData
		wantErr   error
		wantIndex int
	}{
		{"ok", []eventstore.EventData{ev("alert.raised", `{}`), ev("alert.acknowledged", `{}`)}, nil, 0},
		{"none", nil, eventstore.ErrNoEvents, 0},
		{"empty type", []eventstore.EventData{ev("alert.raised", `{}`), ev("", `{}`)}, eventstore.ErrInvalidEvent, 1},
		{"type with space", []eventstore.EventData{ev("alert raised", `{}`)}, eventstore.ErrInvalidEvent, 0},
		{"empty data", []eventstore.EventData{ev("alert.raised", "")}, eventstore.ErrInvalidEvent, 0},
		{"too large", []eventstore.EventData{ev("alert.raised", strings.Repeat("x", 100))}, eventstore.ErrTooLarge, 0},
		{"repeated ID", []eventstore.EventData{withID(ev("a.b", `{}`)), ev("a.b", `{}`), withID(ev("a.c", `{}`))}, eventstore.ErrInvalidEvent, 2},
	}
	for _, tt := range tests {
		err := eventstore.ValidateEvents("alert-acme.x", tt.give, 64)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.wantErr)
			continue
		}
		var ie *eventstore.InvalidEventError
		if errors.As(err, &ie) && ie.Index != tt.wantIndex {
			t.Errorf("%s: error names event %d, want %d", tt.name, ie.Index, tt.wantIndex)
		}
	}
}

func TestChainHasherMatchesChainHash(t *testing.T) {
	t.Parallel()
	var c eventstore.ChainHasher
	prev := eventstore.Hash{}
	for i := range 5 {
		data := []byte(strings.Repeat("d", i*50))
		want := eventstore.ChainHash("incident-acme.1", uint64(i), "incident.note_added", data, []byte(`{"actor":"a"}`), prev)
		got := c.Link(c.Content(nil, "incident.note_added", data, []byte(`{"actor":"a"}`)), "incident-acme.1", uint64(i), prev)
		if got != want || got.IsZero() {
			t.Fatalf("revision %d: ChainHasher %s, ChainHash %s", i, got, want)
		}
		// Every input is bound: another stream, sequence, content or prev
		// changes it.
		if eventstore.ChainHash("incident-acme.2", uint64(i), "incident.note_added", data, []byte(`{"actor":"a"}`), prev) == want ||
			eventstore.ChainHash("incident-acme.1", uint64(i), "incident.note_added", data, []byte(`{"actor":"b"}`), prev) == want ||
			eventstore.ChainHash("incident-acme.1", uint64(i+1), "incident.note_added", data, []byte(`{"actor":"a"}`), prev) == want ||
			eventstore.ChainHash("incident-acme.1", uint64(i), "incident.note_added", data, []byte(`{"actor":"a"}`), want) == want {
			t.Fatal("hash does not bind stream, sequence and prev")
		}
		prev = want
	}
}

func TestPositionAndIDRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []eventstore.Position{{Commit: 64, Prepare: 64}, {Commit: 1 << 40, Prepare: 1<<40 + 3}} {
		got, err := eventstore.ParsePosition(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePosition(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := eventstore.ParsePosition("12/x"); err == nil {
		t.Error("ParsePosition accepted a bad prepare part")
	}
	if !eventstore.Start.Less(eventstore.Position{Commit: 64, Prepare: 64}) || !eventstore.Start.IsStart() {
		t.Error("Start is not before every position")
	}
	id := eventstore.NewEventID()
	got, err := eventstore.ParseEventID(id.String())
	if err != nil || got != id || id.String()[14] != '4' {
		t.Errorf("EventID round trip: %s → %s, %v", id, got, err)
	}
	if _, err := eventstore.ParseEventID("not-a-uuid"); err == nil {
		t.Error("ParseEventID accepted garbage")
	}
}

// TestChainHashLayout pins the bytes ChainHash covers, computed here by hand:
// verify tools outside this code base must be able to recompute it.
func TestChainHashLayout(t *testing.T) {
	t.Parallel()
	field := func(b []byte, v []byte) []byte {
		return append(binary.BigEndian.AppendUint64(b, uint64(len(v))), v...)
	}
	var prev eventstore.Hash
	prev[0], prev[31] = 0xab, 0xcd
	var b []byte
	b = field(b, []byte("alert.raised"))
	b = field(b, []byte(`{"rule":"r1"}`))
	b = field(b, []byte(`{"tenant":"acme"}`))
	b = field(b, []byte("alert-acme.f00d"))
	b = field(b, binary.BigEndian.AppendUint64(nil, 7))
	b = field(b, prev[:])
	want := eventstore.Hash(sha256.Sum256(b))
	got := eventstore.ChainHash("alert-acme.f00d", 7, "alert.raised", []byte(`{"rule":"r1"}`), []byte(`{"tenant":"acme"}`), prev)
	if got != want {
		t.Fatalf("ChainHash = %s, want %s (SHA-256 of the documented layout)", got, want)
	}
}
