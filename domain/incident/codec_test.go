package incident_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
)

// TestCodecTypes checks that the codec knows exactly the case and the
// regulatory event types, all at schema 1, with stable
// "incident.<past_tense_snake_case>" names.
func TestCodecTypes(t *testing.T) {
	t.Parallel()
	c := incident.Codec()
	want := append(incident.CaseEventTypes(), incident.RegulatoryEventTypes()...)
	slices.Sort(want)
	if got := c.Types(); !reflect.DeepEqual(got, want) {
		t.Fatalf("codec types\n got %v\nwant %v", got, want)
	}
	name := regexp.MustCompile(`^incident\.[a-z][a-z0-9_]*$`)
	for _, typ := range c.Types() {
		if !name.MatchString(typ) || c.Schema(typ) != 1 {
			t.Errorf("%s: schema %d", typ, c.Schema(typ))
		}
	}
	if incident.Codec() != c {
		t.Error("Codec builds a new codec on every call")
	}
}

// TestCodecSamples decodes testdata/events/<type>.v1.json for every
// registered type (case and regulatory), checks that the sample spells
// exactly the fields the event encodes, and that encode → decode round-trips.
// A sample of a type the codec does not know fails too.
func TestCodecSamples(t *testing.T) {
	t.Parallel()
	c := incident.Codec()
	files, err := filepath.Glob(filepath.Join("testdata", "events", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		typ, ok := strings.CutSuffix(filepath.Base(f), ".v1.json")
		if !ok || !c.Knows(typ) {
			t.Errorf("%s: a sample of no registered type at schema 1", f)
		}
	}
	for _, typ := range c.Types() {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", "events", typ+".v1.json"))
			if err != nil {
				t.Fatalf("no sample: %v", err)
			}
			e, err := c.Decode(typ, 1, data)
			if err != nil {
				t.Fatal(err)
			}
			if e.EventType() != typ {
				t.Fatalf("decoded a %s", e.EventType())
			}
			name, schema, out, err := c.Encode(e)
			if err != nil || name != typ || schema != 1 {
				t.Fatalf("encode: %s %d %v", name, schema, err)
			}
			if got, want := jsonKeys(t, out), jsonKeys(t, data); !reflect.DeepEqual(got, want) {
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

// TestCaseRoundTrip encodes and decodes events as Decide builds them.
func TestCaseRoundTrip(t *testing.T) {
	t.Parallel()
	c := incident.Codec()
	p := caseProfile()
	var events []incident.Event
	decide := func(cmd incident.Command) {
		t.Helper()
		s := incident.Decider.Fold(incident.State{}, events)
		got, err := incident.Decide(cmd, s)
		if err != nil {
			t.Fatalf("%T: %v", cmd, err)
		}
		events = append(events, got...)
	}
	decide(incident.Open{Meta: caseMeta("c1"), IncidentID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh,
		Alerts: []string{"alert-1", "alert-2"}, Profile: &p})
	decide(incident.AddObservable{Meta: caseMeta("c2"), IncidentID: caseInc, Type: incident.ObservableIP, Value: "2001:DB8::1", IOC: true})
	decide(incident.Escalate{Meta: caseMeta("c3"), IncidentID: caseInc, Tier: 2, Team: "ir"})
	decide(incident.Split{Meta: caseMeta("c4"), IncidentID: caseInc, Child: "INC-2", Alerts: []string{"alert-2"}})
	decide(incident.MergeInto{Meta: caseMeta("c5"), IncidentID: caseInc, Target: "INC-0"})
	for _, e := range events {
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
