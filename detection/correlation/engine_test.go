package correlation_test

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/correlation"
	"github.com/socledger/socledger/detection/sigma"
)

// baseRules are the detection rules the correlations of the tests refer to.
const baseRules = `title: Failed logon
id: 0000000a-0000-4000-8000-000000000001
name: failed_logon
logsource: {product: windows, service: security}
detection:
    sel: {EventID: '4625'}
    condition: sel
---
title: Successful logon
id: 0000000a-0000-4000-8000-000000000002
name: successful_logon
logsource: {product: windows, service: security}
detection:
    sel: {EventID: '4624'}
    condition: sel
---
title: Recon A
name: recon_a
logsource: {product: windows, category: process_creation}
detection:
    sel: {CommandLine|contains: whoami}
    condition: sel
---
title: Recon B
name: recon_b
logsource: {product: windows, category: process_creation}
detection:
    sel: {CommandLine|contains: 'net user'}
    condition: sel
---
title: Recon C
name: recon_c
logsource: {product: windows, category: process_creation}
detection:
    sel: {CommandLine|contains: ipconfig}
    condition: sel
---
title: Web transfer
name: web_transfer
logsource: {category: proxy}
detection:
    sel: {Action: upload}
    condition: sel
---
title: Internal error
name: internal_error
logsource: {category: webserver}
detection:
    sel: {http.response.status_code: '500'}
    condition: sel
---
title: New network connection
name: new_network_connection
logsource: {category: network_connection}
detection:
    sel:
        event.category: network
        event.type: connection
    condition: sel
`

func failed(off time.Duration, user string) timed {
	return at(off, "EventID", "4625", "User", user, "Computer", "ws1")
}

func cmd(off time.Duration, host, line string) timed {
	return at(off, "CommandLine", line, "Computer", host, "User", "u")
}

func upload(off time.Duration, src string, bytes string) timed {
	return at(off, "Action", "upload", "SourceIP", src, "BytesOut", bytes)
}

// TestCorrelationTypes runs each correlation type over a short stream and
// checks the values of the matches it emits, in order, and the group of
// the last one.
func TestCorrelationTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		corr      string // the correlation section, indented by 4
		events    []timed
		want      []float64
		wantGroup map[string]string
	}{
		{
			name: "event_count positive",
			corr: "type: event_count\nrules: [failed_logon]\ngroup-by: [User]\ntimespan: 5m\ncondition: {gte: 3}",
			events: []timed{failed(0, "a"), failed(time.Minute, "a"), failed(time.Minute, "b"),
				failed(2*time.Minute, "a"), failed(3*time.Minute, "a")},
			want: []float64{3, 4}, wantGroup: map[string]string{"User": "a"},
		},
		{
			name:   "event_count negative: too few, or too spread out",
			corr:   "type: event_count\nrules: [failed_logon]\ngroup-by: [User]\ntimespan: 5m\ncondition: {gte: 3}",
			events: []timed{failed(0, "a"), failed(time.Minute, "a"), failed(0, "b"), failed(3*time.Minute, "b"), failed(6*time.Minute, "b")},
		},
		{
			name:   "window boundary: an event exactly one timespan old is in",
			corr:   "type: event_count\nrules: [failed_logon]\ngroup-by: [User]\ntimespan: 5m\ncondition: {gte: 3}",
			events: []timed{failed(0, "a"), failed(2*time.Minute, "a"), failed(5*time.Minute, "a")},
			want:   []float64{3}, wantGroup: map[string]string{"User": "a"},
		},
		{
			name:   "window boundary: one nanosecond more and it is out",
			corr:   "type: event_count\nrules: [failed_logon]\ngroup-by: [User]\ntimespan: 5m\ncondition: {gte: 3}",
			events: []timed{failed(0, "a"), failed(2*time.Minute, "a"), failed(5*time.Minute+1, "a")},
		},
		{
			name:   "event_count range (gt 1, lte 2)",
			corr:   "type: event_count\nrules: [failed_logon]\ngroup-by: [User]\ntimespan: 5m\ncondition: {gt: 1, lte: 2}",
			events: []timed{failed(0, "a"), failed(1, "a"), failed(2, "a")},
			want:   []float64{2},
		},
		{
			name: "event_count without group-by: one group",
			corr: "type: event_count\nrules: [failed_logon]\ntimespan: 1h\ncondition: {eq: 2}",
			events: []timed{failed(0, "a"), failed(1, "b"),
				failed(2, "c")},
			want: []float64{2}, wantGroup: map[string]string{},
		},
		{
			name: "event_count over two rules counts an event matching both once",
			corr: "type: event_count\nrules: [recon_a, recon_b]\ngroup-by: [Computer]\ntimespan: 5m\ncondition: {gte: 2}",
			events: []timed{cmd(0, "h1", "whoami & net user"), cmd(time.Second, "h2", "whoami"),
				cmd(2*time.Second, "h2", "net user x")},
			want: []float64{2}, wantGroup: map[string]string{"Computer": "h2"},
		},
		{
			// neq 1 holds for 0, so it is judged when the window closes.
			name:   "event_count neq 1",
			corr:   "type: event_count\nrules: [failed_logon]\ngroup-by: [User]\ntimespan: 5m\ncondition: {neq: 1}",
			events: []timed{failed(0, "a"), failed(1, "a")},
			want:   []float64{2},
		},
		{
			// "Fewer than 3 in 5 minutes" is judged when each window closes:
			// a's window holds 2 events (a match), b's 3 (none); c's second
			// window, opened by an event after the first one closed, holds 1.
			name: "event_count lt 3 judged at window close",
			corr: "type: event_count\nrules: [failed_logon]\ngroup-by: [User]\ntimespan: 5m\ncondition: {lt: 3}",
			events: []timed{failed(0, "a"), failed(time.Minute, "a"),
				failed(0, "b"), failed(time.Minute, "b"), failed(2*time.Minute, "b"),
				failed(0, "c"), failed(time.Minute, "c"), failed(2*time.Minute, "c"), failed(10*time.Minute, "c")},
			want: []float64{2, 1}, wantGroup: map[string]string{"User": "c"}, // least recently updated first
		},
		{
			name: "value_count",
			corr: "type: value_count\nrules: [failed_logon]\ngroup-by: [Computer]\ntimespan: 1h\ncondition: {field: User, gte: 3}",
			events: []timed{failed(0, "u1"), failed(1, "u1"), failed(2, "u2"), failed(3, "u2"),
				at(4, "EventID", "4625", "Computer", "ws1"), // no User: not counted
				failed(5, "u3"), failed(6, "u1")},
			want: []float64{3, 3}, wantGroup: map[string]string{"Computer": "ws1"},
		},
		{
			name: "value_count over two fields counts combinations",
			corr: "type: value_count\nrules: [failed_logon]\ngroup-by: [Computer]\ntimespan: 1h\ncondition: {field: [User, Src], gte: 3}",
			events: []timed{
				at(0, "EventID", "4625", "Computer", "ws1", "User", "a", "Src", "1"),
				at(1, "EventID", "4625", "Computer", "ws1", "User", "a", "Src", "2"),
				at(2, "EventID", "4625", "Computer", "ws1", "User", "a", "Src", "2"),
				at(3, "EventID", "4625", "Computer", "ws1", "User", "b", "Src", "1"),
			},
			want: []float64{3},
		},
		{
			name: "temporal: all rules, any order",
			corr: "type: temporal\nrules: [recon_a, recon_b, recon_c]\ngroup-by: [Computer]\ntimespan: 5m",
			events: []timed{cmd(0, "h1", "ipconfig /all"), cmd(time.Minute, "h2", "whoami"), cmd(time.Minute, "h1", "net user"),
				cmd(2*time.Minute, "h2", "net user"), cmd(3*time.Minute, "h1", "whoami /priv")},
			want: []float64{3}, wantGroup: map[string]string{"Computer": "h1"},
		},
		{
			name:   "temporal: the first rule's event left the window",
			corr:   "type: temporal\nrules: [recon_a, recon_b, recon_c]\ngroup-by: [Computer]\ntimespan: 5m",
			events: []timed{cmd(0, "h1", "whoami"), cmd(time.Minute, "h1", "net user"), cmd(6*time.Minute, "h1", "ipconfig")},
		},
		{
			name:   "temporal with a condition: two of three",
			corr:   "type: temporal\nrules: [recon_a, recon_b, recon_c]\ngroup-by: [Computer]\ntimespan: 5m\ncondition: {gte: 2}",
			events: []timed{cmd(0, "h1", "whoami"), cmd(time.Minute, "h1", "whoami"), cmd(2*time.Minute, "h1", "ipconfig")},
			want:   []float64{2},
		},
		{
			name: "temporal_ordered: in order",
			corr: "type: temporal_ordered\nrules: [recon_a, recon_b, recon_c]\ngroup-by: [Computer]\ntimespan: 5m",
			events: []timed{cmd(0, "h1", "net user"), cmd(time.Second, "h1", "whoami"), cmd(2*time.Second, "h1", "ipconfig"),
				cmd(3*time.Second, "h1", "net user"), cmd(4*time.Second, "h1", "ipconfig")},
			want: []float64{3}, wantGroup: map[string]string{"Computer": "h1"},
		},
		{
			name: "temporal_ordered: out of order does not match",
			corr: "type: temporal_ordered\nrules: [recon_a, recon_b, recon_c]\ngroup-by: [Computer]\ntimespan: 5m",
			events: []timed{cmd(0, "h1", "ipconfig"), cmd(time.Second, "h1", "net user"), cmd(2*time.Second, "h1", "whoami"),
				cmd(3*time.Second, "h1", "ipconfig")},
		},
		{
			name:   "temporal_ordered: one event matching two rules is not a sequence",
			corr:   "type: temporal_ordered\nrules: [recon_a, recon_b]\ngroup-by: [Computer]\ntimespan: 5m",
			events: []timed{cmd(0, "h1", "whoami & net user"), cmd(time.Second, "h1", "net user")},
			want:   []float64{2},
		},
		{
			name: "value_sum",
			corr: "type: value_sum\nrules: [web_transfer]\ngroup-by: [SourceIP]\ntimespan: 1h\ncondition: {field: BytesOut, gt: 1000}",
			events: []timed{upload(0, "10.0.0.1", "400"), upload(1, "10.0.0.2", "900"), upload(2, "10.0.0.1", "300"),
				upload(3, "10.0.0.1", "not a number"), upload(4, "10.0.0.1", "400.5")},
			want: []float64{1100.5}, wantGroup: map[string]string{"SourceIP": "10.0.0.1"},
		},
		{
			name:   "value_avg",
			corr:   "type: value_avg\nrules: [web_transfer]\ngroup-by: [SourceIP]\ntimespan: 1h\ncondition: {field: BytesOut, gt: 500}",
			events: []timed{upload(0, "10.0.0.1", "600"), upload(1, "10.0.0.1", "300"), upload(2, "10.0.0.1", "900")},
			want:   []float64{600, 600},
		},
		{
			name: "value_percentile (90th)",
			corr: "type: value_percentile\nrules: [web_transfer]\ngroup-by: [SourceIP]\ntimespan: 1h\ncondition: {field: BytesOut, percentile: 90, gte: 1000}",
			events: []timed{upload(0, "h", "100"), upload(1, "h", "400"), upload(2, "h", "300"), upload(3, "h", "200"),
				upload(4, "h", "5000")},
			want: []float64{3160}, // sorted 100 200 300 400 5000: rank 3.6 → 400 + 0.6 × 4600
		},
		{
			name:   "value_percentile default is the median",
			corr:   "type: value_percentile\nrules: [web_transfer]\ngroup-by: [SourceIP]\ntimespan: 1h\ncondition: {field: BytesOut, gte: 150}",
			events: []timed{upload(0, "h", "100"), upload(1, "h", "200"), upload(2, "h", "1000")},
			want:   []float64{150, 200},
		},
		{
			name: "group-by with aliases (the specification's example)",
			corr: "type: temporal\nrules: [internal_error, new_network_connection]\ngroup-by: [internal_ip, remote_ip]\ntimespan: 10s\n" +
				"aliases:\n    internal_ip:\n        internal_error: destination.ip\n        new_network_connection: source.ip\n" +
				"    remote_ip:\n        internal_error: source.ip\n        new_network_connection: destination.ip",
			events: []timed{
				at(0, "http.response.status_code", "500", "destination.ip", "10.0.0.5", "source.ip", "203.0.113.9"),
				at(time.Second, "event.category", "network", "event.type", "connection", "source.ip", "203.0.113.9", "destination.ip", "10.0.0.5"),
				at(2*time.Second, "event.category", "network", "event.type", "connection", "source.ip", "10.0.0.5", "destination.ip", "203.0.113.9"),
			},
			want: []float64{2}, wantGroup: map[string]string{"internal_ip": "10.0.0.5", "remote_ip": "203.0.113.9"},
		},
		{
			name:   "an absent group-by field is a value of its own, left out of the group",
			corr:   "type: event_count\nrules: [failed_logon]\ngroup-by: [User, Domain]\ntimespan: 5m\ncondition: {gte: 2}",
			events: []timed{failed(0, "a"), at(1, "EventID", "4625", "User", "a", "Domain", ""), failed(2, "a")},
			want:   []float64{2}, wantGroup: map[string]string{"User": "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := baseRules + "---\ntitle: Correlation\nid: 0000000c-0000-4000-8000-000000000001\ncorrelation:\n    " +
				strings.ReplaceAll(tt.corr, "\n", "\n    ") + "\n"
			s := load(t, src, "corr.yml")
			e := s.engine(t, correlation.Options{})
			got, _ := s.feed(e, tt.events)
			// End of input, long after: windows judged at close are judged.
			e.Expire(t0.Add(24*time.Hour), func(m correlation.Match) { got = append(got, m) })
			var values []float64
			for _, m := range got {
				values = append(values, m.Value)
			}
			if !slices.EqualFunc(values, tt.want, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
				t.Fatalf("match values %v, want %v", values, tt.want)
			}
			if len(got) == 0 {
				return
			}
			last := got[len(got)-1]
			if tt.wantGroup != nil && !maps.Equal(last.Group, tt.wantGroup) {
				t.Errorf("group %v, want %v", last.Group, tt.wantGroup)
			}
			if last.Rule.ID != "0000000c-0000-4000-8000-000000000001" || !last.Report || last.Count == 0 ||
				last.First.After(last.Last) || len(last.Rules) == 0 || len(last.Rules) != len(last.RuleIDs) {
				t.Errorf("match %+v: want the rule, Report, a count, First <= Last and the contributing rules", last)
			}
		})
	}
}

// TestMatchDetails checks every field of a match.
func TestMatchDetails(t *testing.T) {
	t.Parallel()
	s := load(t, baseRules+`---
title: Brute force then success
id: 0000000c-0000-4000-8000-000000000002
level: high
correlation:
    type: temporal
    rules: [failed_logon, successful_logon]
    group-by: [User]
    timespan: 10m
`, "corr.yml")
	e := s.engine(t, correlation.Options{})
	got, _ := s.feed(e, []timed{
		failed(0, "alice"), failed(time.Minute, "alice"),
		at(3*time.Minute, "EventID", "4624", "User", "alice"),
	})
	if len(got) != 1 {
		t.Fatalf("matches %+v, want one", got)
	}
	m := got[0]
	want := correlation.Match{
		Rule: s.correlations[0], Group: map[string]string{"User": "alice"}, Value: 2, Count: 3,
		First: t0, Last: t0.Add(3 * time.Minute), Rules: s.detectionRules()[:2],
		RuleIDs: []string{"0000000a-0000-4000-8000-000000000001", "0000000a-0000-4000-8000-000000000002"}, Report: true,
	}
	if m.Rule != want.Rule || !maps.Equal(m.Group, want.Group) || m.Value != want.Value || m.Count != want.Count ||
		!m.First.Equal(want.First) || !m.Last.Equal(want.Last) || !slices.Equal(m.Rules, want.Rules) ||
		!slices.Equal(m.RuleIDs, want.RuleIDs) || m.Report != want.Report {
		t.Errorf("match\n%+v\nwant\n%+v", m, want)
	}
}

// TestBoundedState checks that state stays within the options and that
// every eviction is counted.
func TestBoundedState(t *testing.T) {
	t.Parallel()
	src := baseRules + "---\ntitle: Count\ncorrelation:\n    type: event_count\n    rules: [failed_logon]\n    group-by: [User]\n    timespan: 5m\n    condition: {gte: 2}\n"
	events := []timed{failed(0, "a"), failed(time.Second, "b"), failed(2*time.Second, "c"), failed(3*time.Second, "a")}

	t.Run("unbounded", func(t *testing.T) {
		t.Parallel()
		s := load(t, src, "c.yml")
		e := s.engine(t, correlation.Options{})
		if got, _ := s.feed(e, events); len(got) != 1 {
			t.Fatalf("matches %+v, want a's second event to match", got)
		}
		if st := e.Stats(); st.Groups != 3 || st.Entries != 4 || st.EvictedGroups != 0 || st.Observed != 4 || st.Matches != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("MaxGroups evicts the least recently updated", func(t *testing.T) {
		t.Parallel()
		s := load(t, src, "c.yml")
		e := s.engine(t, correlation.Options{MaxGroups: 2})
		if got, _ := s.feed(e, events); len(got) != 0 {
			t.Fatalf("matches %+v: a's group was evicted, it cannot match", got)
		}
		// c evicts a, a evicts b.
		if st := e.Stats(); st.Groups != 2 || st.EvictedGroups != 2 || st.EvictedEntries != 2 || st.Entries != 2 {
			t.Errorf("stats %+v, want 2 groups held, 2 evicted with 2 entries", st)
		}
	})
	t.Run("MaxEventsPerGroup drops the oldest entries", func(t *testing.T) {
		t.Parallel()
		s := load(t, src, "c.yml")
		e := s.engine(t, correlation.Options{MaxEventsPerGroup: 2})
		var evs []timed
		for i := range 5 {
			evs = append(evs, failed(time.Duration(i)*time.Second, "a"))
		}
		got, _ := s.feed(e, evs)
		if len(got) != 4 || got[3].Value != 2 || !got[3].First.Equal(t0.Add(3*time.Second)) {
			t.Fatalf("matches %+v, want 4 with a window of the last 2 events", got)
		}
		if st := e.Stats(); st.DroppedEntries != 3 || st.Entries != 2 {
			t.Errorf("stats %+v, want 3 dropped entries and 2 held", st)
		}
	})
	t.Run("a condition beyond MaxEventsPerGroup is refused", func(t *testing.T) {
		t.Parallel()
		s := load(t, src, "c.yml")
		_, errs := correlation.New(s.correlations, s.detectionRules(), correlation.Options{MaxEventsPerGroup: 1})
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "MaxEventsPerGroup") {
			t.Fatalf("errors %v, want one about MaxEventsPerGroup", errs)
		}
	})
	t.Run("windows expire by event time", func(t *testing.T) {
		t.Parallel()
		s := load(t, src, "c.yml")
		e := s.engine(t, correlation.Options{})
		s.feed(e, []timed{failed(0, "a"), failed(time.Second, "b"), failed(10*time.Minute, "c")})
		if st := e.Stats(); st.Groups != 1 || st.ExpiredGroups != 2 || st.Entries != 1 {
			t.Errorf("stats %+v, want a and b expired when c came 10 minutes later", st)
		}
		e.Expire(t0.Add(time.Hour), nil)
		if st := e.Stats(); st.Groups != 0 || st.ExpiredGroups != 3 || st.Entries != 0 {
			t.Errorf("stats after Expire %+v, want every group expired", st)
		}
	})
	t.Run("late events are counted and ignored", func(t *testing.T) {
		t.Parallel()
		s := load(t, src, "c.yml")
		e := s.engine(t, correlation.Options{})
		got, _ := s.feed(e, []timed{failed(10*time.Minute, "a"), failed(time.Minute, "a"), failed(9*time.Minute, "a")})
		if len(got) != 1 || got[0].Count != 2 || !got[0].First.Equal(t0.Add(9*time.Minute)) {
			t.Fatalf("matches %+v, want the in-window late event counted, placed first", got)
		}
		if st := e.Stats(); st.Late != 1 {
			t.Errorf("stats %+v, want 1 late", st)
		}
	})
	t.Run("ResetOnMatch", func(t *testing.T) {
		t.Parallel()
		s := load(t, src, "c.yml")
		e := s.engine(t, correlation.Options{ResetOnMatch: true})
		var evs []timed
		for i := range 5 {
			evs = append(evs, failed(time.Duration(i)*time.Second, "a"))
		}
		if got, _ := s.feed(e, evs); len(got) != 2 {
			t.Fatalf("matches %+v, want 2 (events 2 and 4)", got)
		}
		if st := e.Stats(); st.Entries != 1 {
			t.Errorf("stats %+v, want the fifth event held", st)
		}
	})
}

// TestGenerate checks which rules report their own matches.
func TestGenerate(t *testing.T) {
	t.Parallel()
	src := baseRules + `---
title: Recon burst
name: recon_burst
correlation:
    type: event_count
    rules: [recon_a]
    group-by: [Computer]
    timespan: 5m
    condition: {gte: 2}
---
title: Logon burst
generate: true
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [User]
    timespan: 5m
    condition: {gte: 2}
---
title: Recon chain
correlation:
    type: temporal
    rules: [recon_burst, recon_b]
    group-by: [Computer]
    timespan: 5m
`
	s := load(t, src, "g.yml")
	e := s.engine(t, correlation.Options{})
	byName := map[string]*sigma.Rule{}
	for _, r := range append(s.detectionRules(), s.correlations...) {
		byName[r.Title] = r
	}
	for title, want := range map[string]bool{
		"Recon A":          false, // referenced by recon_burst, generate false
		"Recon B":          false, // referenced by the chain
		"Failed logon":     true,  // its correlation has generate: true
		"Recon C":          true,  // not referenced
		"Successful logon": true,
		"Recon burst":      false, // an inner correlation of the chain
		"Logon burst":      true,
		"Recon chain":      true,
	} {
		if got := e.Standalone(byName[title]); got != want {
			t.Errorf("Standalone(%s) = %v, want %v", title, got, want)
		}
	}
	if !e.Referenced(byName["Recon A"]) || e.Referenced(byName["Recon C"]) {
		t.Error("Referenced is wrong")
	}
	if got := e.Correlations(); len(got) != 3 || got[2].Title != "Recon chain" {
		t.Errorf("Correlations() = %v, want the chain last", got)
	}
}

// TestChain runs the specification's example: multiple failed logons (an
// event_count correlation) followed by a successful logon, ordered.
func TestChain(t *testing.T) {
	t.Parallel()
	src := `title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 3
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: [529, 4625]
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: [528, 4624]
    condition: selection
`
	s := load(t, src, "chain.yml")
	e := s.engine(t, correlation.Options{})
	logon := func(off time.Duration, id int, user string) timed {
		return timed{at: t0.Add(off), ev: detection.Event{"EventID": json.Number(strconv.Itoa(id)), "User": user}}
	}
	got, det := s.feed(e, []timed{
		logon(0, 4624, "bob"), // success before the failures: no sequence
		logon(time.Minute, 4625, "bob"), logon(2*time.Minute, 4625, "bob"),
		logon(3*time.Minute, 4625, "eve"),
		logon(4*time.Minute, 4625, "bob"), // the third failure: the inner correlation matches
		logon(5*time.Minute, 4624, "eve"), // eve had one failure only
		logon(6*time.Minute, 4624, "bob"), // the outer correlation matches
	})
	var titles []string
	for _, m := range got {
		titles = append(titles, m.Rule.Title)
	}
	if !slices.Equal(titles, []string{"Multiple failed logons", "Correlation - Multiple Failed Logins Followed by Successful Login"}) {
		t.Fatalf("matches %v, want the inner then the outer correlation", titles)
	}
	inner, outer := got[0], got[1]
	// The outer window holds bob's early success too (at 0), the inner
	// match (at 4m) and the success that completes the sequence (at 6m).
	if inner.Report || !outer.Report || outer.Group["User"] != "bob" || outer.Value != 2 || outer.Count != 3 ||
		!outer.First.Equal(t0) || !outer.Last.Equal(t0.Add(6*time.Minute)) || inner.Value != 3 {
		t.Errorf("inner %+v\nouter %+v", inner, outer)
	}
	if det["53ba33fd-3a50-4468-a5ef-c583635cfa92"] != 4 || e.Standalone(s.detectionRules()[0]) {
		t.Errorf("detections %v: the base rule matched, and is not reported on its own", det)
	}
}

// TestNewErrors checks that a correlation that cannot be evaluated is left
// out with a located error, and the others still load.
func TestNewErrors(t *testing.T) {
	t.Parallel()
	corr := func(title, body string) string {
		return "---\ntitle: " + title + "\ncorrelation:\n    " + strings.ReplaceAll(body, "\n", "\n    ") + "\n"
	}
	src := baseRules +
		corr("Good", "type: event_count\nrules: [failed_logon]\ntimespan: 1m\ncondition: {gte: 2}") +
		corr("Unknown", "type: event_count\nrules: [failed_logon, no_such_rule]\ntimespan: 1m\ncondition: {gte: 2}") +
		corr("Bad alias", "type: temporal\nrules: [recon_a, recon_b]\ngroup-by: [host]\ntimespan: 1m\naliases:\n    host:\n        recon_c: Computer") +
		"---\ntitle: Cycle 1\nname: cycle_1\ncorrelation:\n    type: temporal\n    rules: [cycle_2, recon_a]\n    timespan: 1m\n" +
		"---\ntitle: Cycle 2\nname: cycle_2\ncorrelation:\n    type: temporal\n    rules: [cycle_1, recon_a]\n    timespan: 1m\n" +
		"---\ntitle: Over the cycle\ncorrelation:\n    type: temporal\n    rules: [cycle_1, recon_b]\n    timespan: 1m\n" +
		"---\ntitle: Self\nname: self\ncorrelation:\n    type: temporal\n    rules: [self, recon_b]\n    timespan: 1m\n" +
		"---\ntitle: Dup A\nname: dup\nlogsource: {product: x}\ndetection: {s: {a: 1}, condition: s}\n" +
		"---\ntitle: Dup B\nname: dup\nlogsource: {product: x}\ndetection: {s: {a: 2}, condition: s}\n" +
		corr("Ambiguous", "type: event_count\nrules: [dup]\ntimespan: 1m\ncondition: {gte: 2}")
	s := load(t, src, "errs.yml")
	e, errs := correlation.New(s.correlations, s.detectionRules(), correlation.Options{})
	if got := e.Correlations(); len(got) != 1 || got[0].Title != "Good" {
		t.Errorf("loaded %v, want only Good", got)
	}
	wants := []string{`"no_such_rule" names no loaded rule`, `"recon_c" is not a rule this correlation references`,
		"a cycle", "cannot be evaluated", "the correlation itself", `"dup" names 2 rules`}
	if len(errs) < len(wants) {
		t.Errorf("%d errors, want at least %d: %v", len(errs), len(wants), errors.Join(errs...))
	}
	all := errors.Join(errs...).Error()
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("errors do not say %q:\n%s", w, all)
		}
	}
	for _, err := range errs {
		re, ok := errors.AsType[*sigma.RuleError](err)
		if !ok || re.File != "errs.yml" || re.Line == 0 {
			t.Errorf("error %v is not a located *sigma.RuleError", err)
		}
	}
}

// TestObserveIgnoresUnreferenced: rules no correlation references cost
// nothing and change nothing.
func TestObserveIgnoresUnreferenced(t *testing.T) {
	t.Parallel()
	s := load(t, baseRules+"---\ntitle: C\ncorrelation:\n    type: event_count\n    rules: [failed_logon]\n    timespan: 1m\n    condition: {gte: 1}\n", "c.yml")
	e := s.engine(t, correlation.Options{})
	s.feed(e, []timed{cmd(0, "h", "whoami"), cmd(1, "h", "ipconfig")})
	if st := e.Stats(); st.Observed != 0 || st.Groups != 0 {
		t.Errorf("stats %+v, want nothing recorded", st)
	}
}

// TestObserveUnreferencedDoesNotAllocate: the common case (an event whose
// matches no correlation references) is free. AllocsPerRun forbids
// parallel tests.
func TestObserveUnreferencedDoesNotAllocate(t *testing.T) { //nolint:paralleltest // AllocsPerRun panics in parallel tests
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	s := load(t, baseRules+"---\ntitle: C\ncorrelation:\n    type: event_count\n    rules: [failed_logon]\n    timespan: 1m\n    condition: {gte: 1}\n", "c.yml")
	e := s.engine(t, correlation.Options{})
	ev, matched, emit := detection.Event{"CommandLine": "whoami"}, []*sigma.Rule{s.detectionRules()[2]}, func(correlation.Match) {}
	allocs := testing.AllocsPerRun(100, func() { e.Observe(ev, t0, matched, emit) })
	if allocs != 0 {
		t.Errorf("Observe of an unreferenced rule allocates %v times", allocs)
	}
}

func TestEventTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2024, 3, 1, 10, 0, 0, 500_000_000, time.UTC)
	for _, ev := range []detection.Event{
		{"@timestamp": "2024-03-01T10:00:00.500Z"},
		{"timestamp": "2024-03-01T11:00:00.5+01:00"},
		{"TimeCreated_SystemTime": "2024-03-01T10:00:00.500000Z"},
		{"UtcTime": "2024-03-01 10:00:00.500"},
		{"EventTime": "2024-03-01T10:00:00.5"},
		{"ts": json.Number("1709287200.5")},
		{"ts": json.Number("1709287200500")},
		{"time": float64(1709287200.5)},
		{"@timestamp": "garbage", "ts": "1709287200.5"},
	} {
		got, ok := correlation.EventTime(ev)
		if !ok || !got.Equal(want) {
			t.Errorf("EventTime(%v) = %v, %v; want %v", ev, got, ok, want)
		}
	}
	if _, ok := correlation.EventTime(detection.Event{"Image": "x"}); ok {
		t.Error("an event without a time field has a time")
	}
	if got, ok := correlation.EventTime(detection.Event{"when": "2024-03-01T10:00:00.5Z"}, "when"); !ok || !got.Equal(want) {
		t.Errorf("EventTime with a field = %v, %v", got, ok)
	}
}

// TestPySigmaCorrelations loads pySigma's valid correlation file (base
// rules and three correlations in one multi-document file) and evaluates
// its temporal correlation.
func TestPySigmaCorrelations(t *testing.T) {
	t.Parallel()
	path := filepath.Join(sharedData(t, "sigma-conformance"), "pysigma", "tests", "files", "correlation_rule_valid", "correlation_rule.yml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := load(t, string(src), path)
	e := s.engine(t, correlation.Options{})
	if len(e.Correlations()) != 3 {
		t.Fatalf("correlations %v, want 3", e.Correlations())
	}
	got, _ := s.feed(e, []timed{
		at(0, "fieldA", "value1", "fieldB", "value2", "fieldC", "x", "fieldD", "y"),
		at(time.Minute, "fieldA", "value3", "fieldB", "value4", "fieldC", "x"),
		at(20*time.Minute, "fieldA", "value3", "fieldB", "value4", "fieldC", "z"),
	})
	var temporal []correlation.Match
	for _, m := range got {
		if m.Rule.Title == "Temporal correlation rule" {
			temporal = append(temporal, m)
		}
	}
	if len(temporal) != 1 || temporal[0].Group["fieldC"] != "x" || temporal[0].Value != 2 {
		t.Errorf("temporal matches %+v, want one for fieldC x", temporal)
	}
}

// TestConcurrentObserve: Observe, Stats and Expire may be called from
// several goroutines (run with -race).
func TestConcurrentObserve(t *testing.T) {
	t.Parallel()
	s := load(t, baseRules+"---\ntitle: C\ncorrelation:\n    type: value_count\n    rules: [failed_logon]\n    group-by: [Computer]\n    timespan: 1m\n    condition: {field: User, gte: 50}\n", "c.yml")
	e := s.engine(t, correlation.Options{MaxGroups: 10})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []timed
			for i := range 200 {
				mine = append(mine, at(time.Duration(i)*time.Second, "EventID", "4625",
					"Computer", "ws"+strconv.Itoa(i%20), "User", "u"+strconv.Itoa(w*1000+i)))
			}
			s.feed(e, mine)
			e.Stats()
			e.Expire(t0.Add(time.Duration(w)*time.Second), nil)
		}()
	}
	wg.Wait()
	st := e.Stats()
	// The goroutines' events interleave out of time order: some are late.
	if st.Groups > 10 || st.EvictedGroups == 0 || st.Observed+st.Late != 800 {
		t.Errorf("stats %+v: want at most 10 groups, evictions, 800 observations recorded or late", st)
	}
}
