package incident_test

import (
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/domaintest"
	"github.com/socledger/socledger/domain/incident"
)

// TestCodecTypes checks that the codec knows exactly the case, the
// regulatory and the legal hold event types, all at schema 1, with stable
// "incident.<past_tense_snake_case>" names.
func TestCodecTypes(t *testing.T) {
	t.Parallel()
	c := incident.Codec()
	want := slices.Concat(incident.CaseEventTypes(), incident.RegulatoryEventTypes(), incident.LegalHoldEventTypes())
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
	if n := len(incident.RegulatoryEventTypes()); n != 15 {
		t.Errorf("%d regulatory event types, want 15", n)
	}
	if incident.Codec() != c {
		t.Error("Codec builds a new codec on every call")
	}
}

// TestCodecSamples checks the codec against testdata/events (see
// domaintest.CheckSamples): a sample of every case and regulatory event
// type, each spelling exactly the fields the event encodes, and every
// regulatory sample with its fact ID.
func TestCodecSamples(t *testing.T) {
	t.Parallel()
	samples := domaintest.CheckSamples(t, incident.Codec(), filepath.Join("testdata", "events"))
	for _, typ := range incident.RegulatoryEventTypes() {
		if e, ok := samples[typ]; ok && regEventID(t, e) == "" {
			t.Errorf("%s: sample has no id", typ)
		}
	}
}

// TestCaseRoundTrip encodes and decodes events as Decide builds them.
func TestCaseRoundTrip(t *testing.T) {
	t.Parallel()
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
	domaintest.CheckRoundTrip(t, incident.Codec(), events...)
}
