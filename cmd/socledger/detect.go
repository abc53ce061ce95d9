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
// file, line and index name the event that completed it, and Correlation
// says which group matched and how.
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

	out := json.NewEncoder(stdout)
	start := time.Now()
	events, matches := 0, 0
	var inputErrs []error
	for _, name := range cfg.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, m, errs := detectFile(ctx, eng, mapping, name, out)
		events += n
		matches += m
		for _, err := range errs {
			fmt.Fprintf(stderr, "socledger detect: %v\n", err)
		}
		inputErrs = append(inputErrs, errs...)
	}
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

// detectFile runs the engine over one input and writes its matches. A
// malformed event is reported and skipped, and reading goes on with the next
// one, unless the reader cannot resynchronise (it then repeats its error).
func detectFile(ctx context.Context, eng *engine.Engine, mapping *normalize.Mapping, name string, out *json.Encoder) (events, matches int, errs []error) {
	// Correlations see each event's matched rules in file order, with the
	// event's own time (correlation.EventTime).
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return 0, 0, []error{err}
		}
		defer f.Close()
		r = f
	}
	rd := eventio.NewReader(r, name)
	corr := eng.Correlation()
	var matched []*sigma.Rule
	var at time.Time // an event without a time of its own takes the previous one's
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return events, matches, errs
		}
		if err != nil {
			if len(errs) > 0 && errs[len(errs)-1] == err {
				return events, matches, errs // final: the reader cannot go on
			}
			errs = append(errs, err)
			continue
		}
		if events%1024 == 0 && ctx.Err() != nil {
			return events, matches, append(errs, ctx.Err())
		}
		events++
		ev, ls, _ := mapping.Normalize(rec.Object)
		var werr error
		emit := func(rule *sigma.Rule, c *correlationMatch) {
			matches++
			if werr == nil {
				werr = out.Encode(detectMatch{
					RuleID: rule.ID, RuleTitle: rule.Title, Level: rule.Level, Tags: nonNil(rule.Tags),
					File: rec.File, Line: rec.Line, Index: rec.Index, Correlation: c,
				})
			}
		}
		matched = matched[:0]
		eng.Match(ev, ls, func(rule *sigma.Rule) {
			matched = append(matched, rule)
			if corr.Standalone(rule) { // not a rule a correlation keeps to itself (generate: false)
				emit(rule, nil)
			}
		})
		if t, ok := correlation.EventTime(ev); ok {
			at = t
		}
		corr.Observe(ev, at, matched, func(m correlation.Match) {
			if m.Report {
				emit(m.Rule, &correlationMatch{Type: string(m.Rule.Correlation.Type), Group: m.Group, Value: m.Value,
					Count: m.Count, First: m.First, Last: m.Last, Rules: m.RuleIDs})
			}
		})
		if werr != nil {
			return events, matches, append(errs, fmt.Errorf("write matches: %w", werr))
		}
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
