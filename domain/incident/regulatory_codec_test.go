package incident_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/socledger/socledger/domain/incident"
)

// regSample reads the sample payload of event type typ.
func regSample(t *testing.T, typ string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "events", typ+".v1.json"))
	if err != nil {
		t.Fatalf("sample of %s: %v", typ, err)
	}
	return data
}

// regEventID returns the "id" of a regulatory event's payload.
func regEventID(t *testing.T, e incident.Event) string {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// regKeys returns the sorted top-level keys of a JSON object.
func regKeys(t *testing.T, data []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestRegulatorySamples decodes the sample of every regulatory event type,
// checks that it spells exactly the fields the event encodes, and that
// encode → decode round-trips.
func TestRegulatorySamples(t *testing.T) {
	t.Parallel()
	c := incident.Codec()
	types := incident.RegulatoryEventTypes()
	if len(types) != 15 {
		t.Fatalf("%d regulatory event types", len(types))
	}
	for _, typ := range types {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			if !c.Knows(typ) || c.Schema(typ) != 1 {
				t.Fatalf("codec: known %v schema %d", c.Knows(typ), c.Schema(typ))
			}
			data := regSample(t, typ)
			e, err := c.Decode(typ, 1, data)
			if err != nil {
				t.Fatal(err)
			}
			if e.EventType() != typ {
				t.Fatalf("decoded a %s", e.EventType())
			}
			if regEventID(t, e) == "" {
				t.Error("sample has no id")
			}
			name, schema, out, err := c.Encode(e)
			if err != nil || name != typ || schema != 1 {
				t.Fatalf("encode: %s %d %v", name, schema, err)
			}
			if got, want := regKeys(t, out), regKeys(t, data); !reflect.DeepEqual(got, want) {
				t.Errorf("sample fields %v, event encodes %v", want, got)
			}
			back, err := c.Decode(typ, 1, out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, e) {
				t.Errorf("round trip\n got %#v\nwant %#v", back, e)
			}
		})
	}
}

// TestRegulatoryRoundTrip encodes and decodes events built by Decide (UTC
// times, nil optional fields).
func TestRegulatoryRoundTrip(t *testing.T) {
	t.Parallel()
	c := incident.Codec()
	for _, e := range []incident.Event{regAware, regDORAClassified, regInitial,
		incident.TimestampCorrected{ID: regID("x"), At: regAt("2025-03-10T12:00:00Z"), TargetEventID: regInitial.ID, Field: "receivedAt", New: regAt("2025-03-04T14:01:00Z"), Reason: "receipt"},
		incident.AuthorityRequestReceived{ID: regID("y"), Regime: "NIS2", Kind: incident.NIS2Intermediate, At: regAt("2025-03-06T10:00:00Z"), DueAt: regPtr("2025-03-07T12:00:00Z"), Authority: "BSI"},
	} {
		typ, schema, data, err := c.Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.Decode(typ, schema, data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, e) {
			t.Errorf("%s round trip\n got %#v\nwant %#v", typ, back, e)
		}
	}
}
