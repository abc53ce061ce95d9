package correlation_test

import (
	"errors"
	"testing"
	"time"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/correlation"
	"github.com/socledger/socledger/detection/detectiontest"
	"github.com/socledger/socledger/detection/sigma"
)

// ruleSet is a parsed and compiled set of documents: detection rules
// (filters applied), correlation rules and filters.
type ruleSet struct {
	detections   []*sigma.Compiled
	correlations []*sigma.Rule
	filters      []*sigma.CompiledFilter
}

func (s *ruleSet) detectionRules() []*sigma.Rule {
	out := make([]*sigma.Rule, len(s.detections))
	for i, c := range s.detections {
		out[i] = c.Rule()
	}
	return out
}

// load parses documents, compiles the filters, then the detection rules
// with the filters, failing the test on any error.
func load(t testing.TB, src, file string) *ruleSet {
	t.Helper()
	s := &ruleSet{}
	var dets []*sigma.Rule
	for _, res := range sigma.ParseAll([]byte(src), file) {
		if res.Err != nil {
			t.Fatalf("parse: %v", res.Err)
		}
		switch res.Rule.Kind {
		case sigma.KindDetection:
			dets = append(dets, res.Rule)
		case sigma.KindCorrelation:
			s.correlations = append(s.correlations, res.Rule)
		case sigma.KindFilter:
			f, err := sigma.CompileFilter(res.Rule, sigma.CompileOptions{})
			if err != nil {
				t.Fatalf("CompileFilter: %v", err)
			}
			s.filters = append(s.filters, f)
		}
	}
	for _, r := range dets {
		c, err := sigma.Compile(r, sigma.CompileOptions{Filters: s.filters})
		if err != nil {
			t.Fatalf("Compile: %v", err)
		}
		s.detections = append(s.detections, c)
	}
	return s
}

// engine builds the correlation engine of a rule set, failing on errors.
func (s *ruleSet) engine(t testing.TB, opts correlation.Options) *correlation.Engine {
	t.Helper()
	e, errs := correlation.New(s.correlations, s.detectionRules(), opts)
	if len(errs) > 0 {
		t.Fatalf("correlation.New: %v", errors.Join(errs...))
	}
	return e
}

// feed runs events through the detection rules and the correlation engine;
// it returns the correlation matches and the detection matches by rule id
// (or name).
func (s *ruleSet) feed(e *correlation.Engine, events []timed) (corr []correlation.Match, det map[string]int) {
	det = map[string]int{}
	var matched []*sigma.Rule
	for _, te := range events {
		matched = matched[:0]
		for _, c := range s.detections {
			if c.Match(te.ev) {
				matched = append(matched, c.Rule())
				det[key(c.Rule())]++
			}
		}
		e.Observe(te.ev, te.at, matched, func(m correlation.Match) { corr = append(corr, m) })
	}
	return corr, det
}

func key(r *sigma.Rule) string {
	if r.ID != "" {
		return r.ID
	}
	if r.Name != "" {
		return r.Name
	}
	return r.Title
}

// timed is an event at a time.
type timed struct {
	at time.Time
	ev detection.Event
}

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

// at builds an event at t0 plus offset.
func at(offset time.Duration, kv ...string) timed {
	ev := detection.Event{}
	for i := 0; i+1 < len(kv); i += 2 {
		ev[kv[i]] = kv[i+1]
	}
	return timed{at: t0.Add(offset), ev: ev}
}

// sharedData returns ../shared/data/sub, or skips the test.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	return detectiontest.SharedData(t, sub)
}
