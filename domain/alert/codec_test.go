package alert_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/socledger/socledger/domain/alert"
)

// TestSamples decodes testdata/events/<type>.v1.json for every registered
// event type, checks that every sample names a registered type, and that
// encode → decode gives the event back.
func TestSamples(t *testing.T) {
	t.Parallel()
	c := alert.Codec()
	want := []string{"alert.acknowledged", "alert.assigned", "alert.closed", "alert.commented", "alert.escalated",
		"alert.raised", "alert.recurred", "alert.reopened", "alert.suppressed", "alert.unassigned",
		"alert.unsuppressed", "alert.verdict_set"}
	if got := c.Types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Types() = %v, want %v", got, want)
	}
	for _, typ := range c.Types() {
		if c.Schema(typ) != 1 {
			t.Errorf("%s: schema %d, want 1", typ, c.Schema(typ))
		}
		data, err := os.ReadFile(filepath.Join("testdata", "events", typ+".v1.json"))
		if err != nil {
			t.Errorf("%s: no sample: %v", typ, err)
			continue
		}
		ev, err := c.Decode(typ, 1, data)
		if err != nil {
			t.Errorf("%s: sample does not decode: %v", typ, err)
			continue
		}
		if ev.EventType() != typ {
			t.Errorf("%s: decoded a %s", typ, ev.EventType())
		}
		if r, ok := ev.(alert.Raised); ok && (r.AlertID != alert.FingerprintID(r.Fingerprint) || len(r.RawEvents) == 0 || r.At.IsZero()) {
			t.Errorf("%s: sample's alert ID is not its fingerprint's, or fields did not decode: %#v", typ, r)
		}
		name, schema, enc, err := c.Encode(ev)
		if err != nil || name != typ || schema != 1 {
			t.Errorf("%s: Encode = %q, %d, %v", typ, name, schema, err)
			continue
		}
		back, err := c.Decode(name, schema, enc)
		if err != nil || !reflect.DeepEqual(back, ev) {
			t.Errorf("%s: round trip:\n got %#v (%v)\nwant %#v", typ, back, err, ev)
		}
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	for _, f := range files {
		typ := strings.TrimSuffix(filepath.Base(f), ".v1.json")
		if !c.Knows(typ) {
			t.Errorf("sample %s names no registered event type", f)
		}
	}
}

// TestDecidedEventsRoundTrip encodes and decodes the events Decide records,
// so that what a decider sees after a reload equals what it recorded.
func TestDecidedEventsRoundTrip(t *testing.T) {
	t.Parallel()
	events := append(closedAlert(), recurred(2, t0, t0, ref(ev2)),
		alert.Reopened{Trigger: alert.TriggerAnalyst, Reason: "x", At: t0})
	for _, ev := range events {
		name, schema, data, err := alert.Codec().Encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		back, err := alert.Codec().Decode(name, schema, data)
		if err != nil || !reflect.DeepEqual(back, ev) {
			t.Errorf("%s: round trip:\n got %#v (%v)\nwant %#v", name, back, err, ev)
		}
	}
}
