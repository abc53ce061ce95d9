package correlation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/detection/correlation"
	"github.com/socledger/socledger/detection/sigma"
)

// FuzzCorrelation parses a correlation section from the fuzzer over the
// test's base rules and runs a fixed stream of events through it with small
// bounds: no panic, the bounds hold, and the counts add up.
func FuzzCorrelation(f *testing.F) {
	for _, s := range []string{
		"type: event_count\nrules: [failed_logon]\ngroup-by: [User]\ntimespan: 1m\ncondition: {gte: 2}",
		"type: value_count\nrules: [failed_logon, recon_a]\ngroup-by: [Computer, User]\ntimespan: 5m\ncondition: {field: [User, CommandLine], gt: 1}",
		"type: temporal_ordered\nrules: [recon_a, recon_b, recon_c]\ngroup-by: [h]\ntimespan: 2m\naliases:\n    h:\n        recon_a: Computer\n        recon_b: User",
		"type: value_percentile\nrules: [web_transfer]\ngroup-by: [SourceIP]\ntimespan: 1h\ncondition: {field: BytesOut, percentile: 0, lte: 100}",
		"type: value_avg\nrules: [web_transfer, failed_logon]\ntimespan: 10s\ncondition: {field: BytesOut, neq: 0}",
	} {
		f.Add(s, uint8(3))
	}
	rules := load(f, baseRules, "base.yml")
	var events []timed
	for i := range 40 {
		off := time.Duration(i*7%60) * time.Second
		switch i % 5 {
		case 0:
			events = append(events, failed(off, string(rune('a'+i%3))))
		case 1:
			events = append(events, cmd(off, "h"+string(rune('0'+i%4)), []string{"whoami", "net user", "ipconfig", "whoami net user"}[i%4]))
		case 2:
			events = append(events, upload(off, "10.0.0."+string(rune('0'+i%3)), []string{"100", "x", "1e3", "-5"}[i%4]))
		default:
			events = append(events, at(off, "User", "u", "EventID", "4625"))
		}
	}
	f.Fuzz(func(t *testing.T, section string, maxGroups uint8) {
		src := "title: fuzz\ncorrelation:\n    " + strings.ReplaceAll(section, "\n", "\n    ") + "\n"
		r, err := sigma.Parse([]byte(src), "fuzz.yml")
		if err != nil || r.Kind != sigma.KindCorrelation {
			return
		}
		opts := correlation.Options{MaxGroups: int(maxGroups%8) + 1, MaxEventsPerGroup: 4}
		e, errs := correlation.New([]*sigma.Rule{r}, rules.detectionRules(), opts)
		if len(errs) > 0 {
			return
		}
		got, _ := rules.feed(e, events)
		st := e.Stats()
		if st.Groups > opts.MaxGroups || st.Entries < 0 || st.Entries > st.Groups*opts.MaxEventsPerGroup ||
			st.Matches != uint64(len(got)) {
			t.Fatalf("stats %+v with %d matches and options %+v", st, len(got), opts)
		}
		for _, m := range got {
			if m.Count == 0 || m.Count > opts.MaxEventsPerGroup || m.Last.Before(m.First) || len(m.Rules) == 0 {
				t.Fatalf("match %+v", m)
			}
		}
		e.Expire(t0.Add(24*time.Hour), nil)
		if st := e.Stats(); st.Groups != 0 || st.Entries != 0 {
			t.Fatalf("after Expire: %+v", st)
		}
	})
}
