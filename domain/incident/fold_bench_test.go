package incident_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
)

const benchEvents = 10_000

// benchStream returns a realistic incident stream of n events: opened from
// alerts with a profile snapshot, then a mix of notes, observables, alert
// links, tasks, status changes (with reopens), assignments, severity changes,
// escalations and regulatory facts (the sample payloads). Case events come
// from Decide, so the stream is one the rules accept. Updates in place (a
// task completed, an alert unlinked, an observable re-labelled) copy their
// list, so they are a few percent of the mix, as in real incidents.
func benchStream(tb testing.TB, n int) []incident.Event {
	tb.Helper()
	var regulatory []incident.Event
	for _, typ := range incident.RegulatoryEventTypes() {
		data, err := os.ReadFile(filepath.Join("testdata", "events", typ+".v1.json"))
		if err != nil {
			continue // no sample yet: the codec test says so
		}
		e, err := incident.Codec().Decode(typ, 1, data)
		if err != nil {
			tb.Fatal(err)
		}
		regulatory = append(regulatory, e)
	}
	r := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
	p := caseProfile()
	var (
		s      incident.State
		events []incident.Event
		seq    int
	)
	run := func(c incident.Command) {
		got, err := incident.Decide(c, s)
		if err != nil || len(got) == 0 {
			return // refused or a no-op: the mix moves on
		}
		events = append(events, got...)
		s = incident.Decider.Fold(s, got)
	}
	meta := func() domain.Meta {
		seq++
		at = at.Add(time.Duration(1+r.IntN(120)) * time.Second)
		return domain.Meta{CommandID: fmt.Sprint("cmd-", seq), Tenant: "acme", Actor: "user:alice", At: at}
	}
	run(incident.Open{Meta: meta(), IncidentID: caseInc, Title: "Ransomware on FS01", Severity: domain.SeverityHigh,
		Alerts: []string{"alert-0", "alert-1"}, Profile: &p})
	severities := domain.Severities
	types := []incident.ObservableType{incident.ObservableIP, incident.ObservableDomain, incident.ObservableSHA256, incident.ObservableHost, incident.ObservableUser}
	for len(events) < n {
		m := meta()
		switch k := r.IntN(100); {
		case s.Case.Closed():
			run(incident.Reopen{Meta: m, IncidentID: caseInc, Reason: "recurred"})
		case k < 40:
			run(incident.AddNote{Meta: m, IncidentID: caseInc, NoteID: fmt.Sprint("n", seq), Text: fmt.Sprintf("Analyst note %d: checked the proxy logs of WS-%d, nothing new.", seq, r.IntN(500))})
		case k < 63:
			typ := types[r.IntN(len(types))]
			var value string
			switch typ {
			case incident.ObservableIP:
				value = fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256))
			case incident.ObservableSHA256:
				value = fmt.Sprintf("%064x", r.Uint64())
			default:
				value = fmt.Sprintf("host-%d.corp.example", r.IntN(1_000_000))
			}
			run(incident.AddObservable{Meta: m, IncidentID: caseInc, Type: typ, Value: value, TLP: incident.TLPAmber})
		case k < 64: // an analyst marks an observable as an IOC
			if len(s.Case.Observables) > 0 {
				o := s.Case.Observables[r.IntN(len(s.Case.Observables))]
				run(incident.AddObservable{Meta: m, IncidentID: caseInc, Type: o.Type, Value: o.Value, TLP: incident.TLPRed, IOC: true})
			}
		case k < 76:
			run(incident.LinkAlert{Meta: m, IncidentID: caseInc, Alert: fmt.Sprint("alert-", seq)})
		case k < 77:
			if len(s.Case.Alerts) > 0 {
				run(incident.UnlinkAlert{Meta: m, IncidentID: caseInc, Alert: s.Case.Alerts[r.IntN(len(s.Case.Alerts))], Reason: "unrelated"})
			}
		case k < 80:
			run(incident.AddTask{Meta: m, IncidentID: caseInc, TaskID: fmt.Sprint("t", seq), Title: "Collect memory image of FS01"})
		case k < 82:
			if len(s.Case.Tasks) > 0 {
				run(incident.CompleteTask{Meta: m, IncidentID: caseInc, TaskID: s.Case.Tasks[r.IntN(len(s.Case.Tasks))].ID})
			}
		case k < 87:
			next := incident.Transitions(s.Case.Status)
			if to := next[r.IntN(len(next))]; to != incident.StatusClosed || r.IntN(10) == 0 {
				run(incident.ChangeStatus{Meta: m, IncidentID: caseInc, Status: to, Reason: "phase change"})
			}
		case k < 90:
			run(incident.Assign{Meta: m, IncidentID: caseInc, Assignee: fmt.Sprint("user:analyst", r.IntN(5))})
		case k < 92:
			run(incident.ChangeSeverity{Meta: m, IncidentID: caseInc, Severity: severities[r.IntN(len(severities))], Reason: "reassessed"})
		case k < 94:
			run(incident.Escalate{Meta: m, IncidentID: caseInc, Tier: 1 + r.IntN(3), Team: "ir"})
		default:
			if len(regulatory) > 0 {
				e := regulatory[r.IntN(len(regulatory))]
				events = append(events, e)
				s = incident.Evolve(s, e)
			}
		}
	}
	return events[:n]
}

// BenchmarkFold10k folds a 10,000-event incident stream.
func BenchmarkFold10k(b *testing.B) {
	events := benchStream(b, benchEvents)
	b.ReportAllocs()
	var s incident.State
	loops := 0
	for b.Loop() {
		s = incident.Decider.Fold(incident.State{}, events)
		loops++
	}
	if !s.Case.Exists() {
		b.Fatal("folded no incident")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(loops*len(events)), "ns/event")
}

// BenchmarkDecodeFold10k decodes the stored payloads of a 10,000-event
// stream with the codec and folds them: the cost of loading a stream.
func BenchmarkDecodeFold10k(b *testing.B) {
	c := incident.Codec()
	type stored struct {
		typ  string
		data []byte
	}
	var payloads []stored
	for _, e := range benchStream(b, benchEvents) {
		typ, _, data, err := c.Encode(e)
		if err != nil {
			b.Fatal(err)
		}
		payloads = append(payloads, stored{typ, data})
	}
	b.ReportAllocs()
	events := make([]incident.Event, len(payloads))
	var s incident.State
	loops := 0
	for b.Loop() {
		for i, p := range payloads {
			e, err := c.Decode(p.typ, 1, p.data)
			if err != nil {
				b.Fatal(err)
			}
			events[i] = e
		}
		s = incident.Decider.Fold(incident.State{}, events)
		loops++
	}
	if !s.Case.Exists() {
		b.Fatal("folded no incident")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(loops*len(payloads)), "ns/event")
}

// TestBenchStream checks that the benchmark's stream is the mix it claims.
func TestBenchStream(t *testing.T) {
	t.Parallel()
	events := benchStream(t, benchEvents)
	counts := map[string]int{}
	for _, e := range events {
		counts[e.EventType()]++
	}
	for _, typ := range []string{"incident.opened", "incident.profile_snapshotted", "incident.note_added", "incident.observable_added",
		"incident.status_changed", "incident.reopened", "incident.task_added", "incident.task_completed", "incident.alert_linked",
		"incident.alert_unlinked", "incident.assigned", "incident.severity_changed", "incident.escalated"} {
		if counts[typ] == 0 {
			t.Errorf("no %s in %v", typ, counts)
		}
	}
	if len(events) != benchEvents || events[0].EventType() != "incident.opened" {
		t.Fatalf("%d events", len(events))
	}
	types := make([]string, 0, len(counts))
	for typ := range counts {
		types = append(types, typ)
	}
	slices.Sort(types)
	t.Logf("%d types: %v", len(types), counts)
}
