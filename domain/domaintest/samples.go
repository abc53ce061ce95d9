package domaintest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/socledger/socledger/domain"
)

// sampleName is the name of a sample file: "<type>.v<schema>.json".
var sampleName = regexp.MustCompile(`^(.+)\.v([1-9][0-9]*)\.json$`)

// CheckSamples checks codec c against the sample payloads in dir, one file
// "<type>.v<schema>.json" a payload (testdata/events in the domain
// packages):
//
//   - every registered type has a sample at its current schema, which
//     decodes to an event of that type, spells exactly the top-level fields
//     the event encodes, and encodes and decodes back to an equal event
//     (reflect.DeepEqual);
//   - every other sample names a registered type at an older schema and
//     decodes (upcast) without error;
//   - no other .json file is in dir.
//
// It returns the decoded samples at the current schema by type name, for
// the checks of the caller's own.
func CheckSamples[E domain.Event](t *testing.T, c *domain.Codec[E], dir string) map[string]E {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		m := sampleName.FindStringSubmatch(filepath.Base(f))
		if m == nil || !c.Knows(m[1]) {
			t.Errorf("%s: a sample of no registered event type", f)
			continue
		}
		typ := m[1]
		schema, err := strconv.Atoi(m[2])
		switch {
		case err != nil || schema > c.Schema(typ):
			t.Errorf("%s: %s is at schema %d", f, typ, c.Schema(typ))
		case schema < c.Schema(typ):
			if _, err := c.Decode(typ, schema, readFile(t, f)); err != nil {
				t.Errorf("%s: does not decode: %v", f, err)
			}
		}
	}
	samples := make(map[string]E)
	for _, typ := range c.Types() {
		t.Run(typ, func(t *testing.T) {
			schema := c.Schema(typ)
			data := readFile(t, filepath.Join(dir, typ+".v"+strconv.Itoa(schema)+".json"))
			e, err := c.Decode(typ, schema, data)
			if err != nil {
				t.Fatalf("sample does not decode: %v", err)
			}
			if e.EventType() != typ {
				t.Fatalf("sample decoded to a %s", e.EventType())
			}
			out := roundTrip(t, c, e)
			if out == nil {
				return
			}
			if got, want := jsonKeys(t, out), jsonKeys(t, data); !slices.Equal(got, want) {
				t.Errorf("the sample spells the fields %v, the event encodes %v", want, got)
			}
			samples[typ] = e
		})
	}
	return samples
}

// CheckRoundTrip checks that each event encodes with c under its own type
// name and current schema, and decodes back to an equal event
// (reflect.DeepEqual).
func CheckRoundTrip[E domain.Event](t *testing.T, c *domain.Codec[E], events ...E) {
	t.Helper()
	for _, e := range events {
		roundTrip(t, c, e)
	}
}

// roundTrip is CheckRoundTrip of one event; it returns the event's
// encoding, nil when it does not encode.
func roundTrip[E domain.Event](t *testing.T, c *domain.Codec[E], e E) []byte {
	t.Helper()
	name, schema, data, err := c.Encode(e)
	if err != nil || name != e.EventType() || schema != c.Schema(name) {
		t.Errorf("Encode(%#v) = %q, %d, %v", e, name, schema, err)
		return nil
	}
	back, err := c.Decode(name, schema, data)
	if err != nil || !reflect.DeepEqual(back, e) {
		t.Errorf("%s: round trip:\n got %#v (%v)\nwant %#v", name, back, err, e)
	}
	return data
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	return data
}

// jsonKeys returns the sorted top-level keys of a JSON object.
func jsonKeys(t *testing.T, data []byte) []string {
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
