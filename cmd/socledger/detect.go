package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/socledger/socledger/detection/correlation"
	"github.com/socledger/socledger/detection/engine"
	"github.com/socledger/socledger/detection/eventio"
	"github.com/socledger/socledger/detection/normalize"
	"github.com/socledger/socledger/detection/sigma"
)

// stdin is what "socledger detect -" reads; tests replace it.
var stdin io.Reader = os.Stdin

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type detectConfig struct {
	Rules   stringList
	Mapping string
	Verbose bool
	Files   []string
}

func parseDetectFlags(args []string, stderr io.Writer) (detectConfig, error) {
	var cfg detectConfig
	flags := flag.NewFlagSet("socledger detect", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Var(&cfg.Rules, "rules", "`directory` of Sigma rules, read recursively (repeatable)")
	flags.StringVar(&cfg.Mapping, "mapping", "", "logsource and field mapping `file` (YAML) replacing the built-in one")
	flags.BoolVar(&cfg.Verbose, "v", false, "list every rule that did not load, with its file, line and reason")
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: socledger detect --rules DIR [--rules DIR…] [--mapping FILE] [FILE… | -]

Run Sigma rules over events offline. Events are read from each FILE (or
standard input with - or no FILE) as NDJSON, a JSON array, or JSON objects one
after another; their layout (evtx_dump, flat Windows, ECS, auditd, Zeek) is
recognised per event. One JSON line per match goes to standard output
(rule_id, rule_title, level, tags, file, line, index); a summary goes to
standard error. Exit status 1 when an input is unusable.

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return detectConfig{}, err
	}
	if len(cfg.Rules) == 0 {
		flags.Usage()
		return detectConfig{}, errors.New("detect: --rules is required")
	}
	cfg.Files = flags.Args()
	if len(cfg.Files) == 0 {
		cfg.Files = []string{"-"}
	}
	return cfg, nil
}

// detectMatch is one line of detect's output. For a correlation match,
// file, line and index name the event that completed it (or, for a window
// judged when it closed, the event that closed it, or the last event of
// the input), and Correlation says which group matched and how.
type detectMatch struct {
	RuleID      string            `json:"rule_id"`
	RuleTitle   string            `json:"rule_title"`
	Level       string            `json:"level"`
	Tags        []string          `json:"tags"`
	File        string            `json:"file"`
	Line        int               `json:"line"`
	Index       int               `json:"index"`
	Correlation *correlationMatch `json:"correlation,omitempty"`
}

type correlationMatch struct {
	Type  string            `json:"type"`
	Group map[string]string `json:"group"`
	Value float64           `json:"value"`
	Count int               `json:"count"`
	First time.Time         `json:"first"`
	Last  time.Time         `json:"last"`
	Rules []string          `json:"rules"`
}

// detect runs Sigma rules over event files (see parseDetectFlags' usage).
func detect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseDetectFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	mapping := normalize.Default()
	if cfg.Mapping != "" {
		f, err := os.Open(cfg.Mapping)
		if err != nil {
			return fmt.Errorf("detect: --mapping: %w", err)
		}
		mapping, err = normalize.LoadMapping(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("detect: --mapping %s: %w", cfg.Mapping, err)
		}
	}
	eng, rep, err := engine.Load(cfg.Rules, engine.Options{Mapping: mapping})
	if err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	if cfg.Verbose {
		for _, s := range rep.Skipped {
			fmt.Fprintf(stderr, "skipped: %v\n", s.Err)
		}
	}

	d := &detector{eng: eng, corr: eng.Correlation(), mapping: mapping, out: json.NewEncoder(stdout)}
	start := time.Now()
	var inputErrs []error
	for _, name := range cfg.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		errs := d.file(ctx, name)
		for _, err := range errs {
			fmt.Fprintf(stderr, "socledger detect: %v\n", err)
		}
		inputErrs = append(inputErrs, errs...)
	}
	if err := d.finish(); err != nil {
		return err
	}
	events, matches := d.events, d.matches
	elapsed := time.Since(start)
	fmt.Fprintf(stderr, "detect: %d events, %d matches, %d rules loaded (%d filters, %d correlations), %d skipped (%s), %.0f events/s\n",
		events, matches, rep.Loaded, rep.Filters, rep.Correlations, len(rep.Skipped), reasons(rep.ByReason), float64(events)/max(elapsed.Seconds(), 1e-9))
	if st := eng.Correlation().Stats(); st.EvictedGroups+st.DroppedEntries+st.Late+st.Unusable > 0 {
		fmt.Fprintf(stderr, "detect: correlation state: %d groups evicted (%d events), %d events dropped from full groups, %d late events ignored, %d matches without a usable value field\n",
			st.EvictedGroups, st.EvictedEntries, st.DroppedEntries, st.Late, st.Unusable)
	}
	if len(inputErrs) > 0 {
		return fmt.Errorf("detect: %d unusable input(s); every readable event was still checked", len(inputErrs))
	}
	return nil
}

// detector runs the engine over inputs, feeding the correlation engine
// with each event's matched rules in order and at the event's own time
// (correlation.EventTime; an event without one takes the previous one's).
type detector struct {
	eng     *engine.Engine
	corr    *correlation.Engine
	mapping *normalize.Mapping
	out     *json.Encoder
	events  int
	matches int
	matched []*sigma.Rule
	at      time.Time
	last    eventio.Record // the latest event, named by matches judged at the end
	werr    error
}

// file runs the engine over one input. A malformed event is reported and
// skipped, and reading goes on with the next one, unless the reader cannot
// resynchronise (it then repeats its error).
func (d *detector) file(ctx context.Context, name string) (errs []error) {
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return []error{err}
		}
		defer f.Close()
		r = f
	}
	rd := eventio.NewReader(r, name)
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return errs
		}
		if err != nil {
			if len(errs) > 0 && errs[len(errs)-1] == err {
				return errs // final: the reader cannot go on
			}
			errs = append(errs, err)
			continue
		}
		if d.events%1024 == 0 && ctx.Err() != nil {
			return append(errs, ctx.Err())
		}
		d.events++
		d.last = rec
		ev, ls, _ := d.mapping.Normalize(rec.Object)
		d.matched = d.matched[:0]
		d.eng.Match(ev, ls, func(rule *sigma.Rule) {
			d.matched = append(d.matched, rule)
			if d.corr.Standalone(rule) { // not a rule a correlation keeps to itself (generate: false)
				d.emit(rule, nil)
			}
		})
		if t, ok := correlation.EventTime(ev); ok {
			d.at = t
		}
		d.corr.Observe(ev, d.at, d.matched, d.emitCorrelation)
		if d.werr != nil {
			return append(errs, fmt.Errorf("write matches: %w", d.werr))
		}
	}
}

// finish judges the correlation windows the input's event time has closed
// ("fewer than" conditions are judged when their window closes); windows
// still open at the end of the input are not judged.
func (d *detector) finish() error {
	d.corr.Expire(time.Time{}, d.emitCorrelation)
	if d.werr != nil {
		return fmt.Errorf("detect: write matches: %w", d.werr)
	}
	return nil
}

func (d *detector) emitCorrelation(m correlation.Match) {
	if m.Report {
		d.emit(m.Rule, &correlationMatch{Type: string(m.Rule.Correlation.Type), Group: m.Group, Value: m.Value,
			Count: m.Count, First: m.First, Last: m.Last, Rules: m.RuleIDs})
	}
}

// emit writes one match, located at the latest event.
func (d *detector) emit(rule *sigma.Rule, c *correlationMatch) {
	d.matches++
	if d.werr == nil {
		d.werr = d.out.Encode(detectMatch{
			RuleID: rule.ID, RuleTitle: rule.Title, Level: rule.Level, Tags: nonNil(rule.Tags),
			File: d.last.File, Line: d.last.Line, Index: d.last.Index, Correlation: c,
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// reasons formats skip counts as "3 unsupported correlation rule, 1 …".
func reasons(by map[string]int) string {
	if len(by) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", by[k], k)
	}
	return strings.Join(parts, ", ")
}
