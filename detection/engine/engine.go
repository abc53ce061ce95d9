// Package engine runs a tree of Sigma rules over normalised events: it loads
// every rule file under one or more directories (a rule that cannot load is
// reported with its file, line and reason, counted by reason, and never stops
// the others), routes each event only to the rules whose logsource can match
// it, and reports the rules that match.
//
// Filter rules are applied to the rules they name when those are compiled.
// Correlation rules are handed to a correlation.Engine (Engine.Correlation),
// which the caller feeds with each event's matched rules and its time.
// No rule is ever evaluated partially.
package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/correlation"
	"github.com/socledger/socledger/detection/normalize"
	"github.com/socledger/socledger/detection/sigma"
)

// Options configure Load.
type Options struct {
	// Mapping decides which event logsources a rule's logsource covers;
	// nil means normalize.Default().
	Mapping *normalize.Mapping
	// Placeholders are the values of %name% placeholders for the expand
	// modifier.
	Placeholders map[string][]string
	// Correlation bounds the state of the correlation engine.
	Correlation correlation.Options
}

// Skipped is a rule (or file) that did not load.
type Skipped struct {
	File string
	Line int
	// Reason is the category counted in Report.ByReason ("unsupported
	// correlation rule", "invalid rule", "YAML syntax", …).
	Reason string
	Err    error
}

// Report says what Load did.
type Report struct {
	Files        int // rule files read
	Loaded       int // detection rules compiled
	Filters      int // filter rules compiled (applied to the rules they name)
	Correlations int // correlation rules evaluated
	Skipped      []Skipped
	ByReason     map[string]int // Skipped counted by Reason
}

// LoadRate is the share of rule documents that loaded.
func (r Report) LoadRate() float64 {
	loaded := r.Loaded + r.Filters + r.Correlations
	if loaded+len(r.Skipped) == 0 {
		return 1
	}
	return float64(loaded) / float64(loaded+len(r.Skipped))
}

// Engine is a compiled rule set. It is safe for concurrent use and never
// changes; a reload builds a new Engine (see Set).
type Engine struct {
	rules       []*sigma.Compiled
	mapping     *normalize.Mapping
	correlation *correlation.Engine

	mu     sync.RWMutex
	routes map[detection.Logsource]*prefilter
}

// Load reads every *.yml and *.yaml file under dirs. It fails only when a
// directory cannot be read at all; every rule that cannot load is in the
// Report.
func Load(dirs []string, opts Options) (*Engine, Report, error) {
	rep := Report{ByReason: make(map[string]int)}
	e := &Engine{mapping: opts.Mapping, routes: make(map[detection.Logsource]*prefilter)}
	if e.mapping == nil {
		e.mapping = normalize.Default()
	}
	var files []string
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".yaml")) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, rep, fmt.Errorf("engine: read rules directory %s: %w", dir, err)
		}
	}
	slices.Sort(files)
	skip := func(file string, line int, err error) {
		s := Skipped{File: file, Line: line, Reason: reason(err), Err: err}
		rep.Skipped = append(rep.Skipped, s)
		rep.ByReason[s.Reason]++
	}
	// Read everything first: a filter or a correlation may sit in another
	// file than the rules it names.
	var detections, correlations []*sigma.Rule
	var filters []*sigma.CompiledFilter
	copts := sigma.CompileOptions{Placeholders: opts.Placeholders}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			skip(file, 0, err)
			continue
		}
		rep.Files++
		for _, res := range sigma.ParseAll(src, file) {
			if res.Err != nil {
				line := 0
				if res.Rule != nil {
					line = res.Rule.Line
				}
				skip(file, line, res.Err)
				continue
			}
			r := res.Rule
			if err := r.Validate(); err != nil {
				skip(file, r.Line, err)
				continue
			}
			switch r.Kind {
			case sigma.KindCorrelation:
				correlations = append(correlations, r)
			case sigma.KindFilter:
				f, err := sigma.CompileFilter(r, copts)
				if err != nil {
					skip(file, r.Line, err)
					continue
				}
				filters = append(filters, f)
				rep.Filters++
			default:
				detections = append(detections, r)
			}
		}
	}
	copts.Filters = filters
	var compiled []*sigma.Rule
	for _, r := range detections {
		c, err := sigma.Compile(r, copts)
		if err != nil {
			skip(r.File, r.Line, err)
			continue
		}
		e.rules = append(e.rules, c)
		compiled = append(compiled, r)
		rep.Loaded++
	}
	corr, errs := correlation.New(correlations, compiled, opts.Correlation)
	for _, err := range errs {
		file, line := "", 0
		var re *sigma.RuleError
		if errors.As(err, &re) {
			file, line = re.File, re.Line
		}
		skip(file, line, err)
	}
	e.correlation = corr
	rep.Correlations = len(corr.Correlations())
	return e, rep, nil
}

// reason names the category of a load error, for counting.
func reason(err error) string {
	var ue *sigma.UnsupportedError
	var re *sigma.RuleError
	switch {
	case errors.As(err, &ue):
		return "unsupported " + ue.Construct
	case errors.As(err, &re):
		if re.Field != "" {
			return "invalid rule: " + strings.SplitN(re.Field, ".", 2)[0]
		}
		return "invalid rule"
	case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrNotExist):
		return "unreadable file"
	}
	return "other"
}

// Rules returns the compiled detection rules, in file order.
func (e *Engine) Rules() []*sigma.Compiled { return e.rules }

// Correlation returns the correlation engine over the loaded correlation
// rules. It holds the correlation windows, so a reload (a new Engine)
// starts them afresh.
func (e *Engine) Correlation() *correlation.Engine { return e.correlation }

// route returns the prefilter over the rules whose logsource covers ls,
// built once per distinct event logsource.
func (e *Engine) route(ls detection.Logsource) *prefilter {
	e.mu.RLock()
	p, ok := e.routes[ls]
	e.mu.RUnlock()
	if ok {
		return p
	}
	p = newPrefilter(e.candidates(ls))
	e.mu.Lock()
	if q, ok := e.routes[ls]; ok {
		p = q // built concurrently; keep one
	} else {
		e.routes[ls] = p
	}
	e.mu.Unlock()
	return p
}

// candidates returns the rules whose logsource covers ls, in file order.
func (e *Engine) candidates(ls detection.Logsource) []*sigma.Compiled {
	var c []*sigma.Compiled
	for _, r := range e.rules {
		if e.mapping.Matches(r.Rule().Logsource.Logsource, ls) {
			c = append(c, r)
		}
	}
	return c
}

// Match calls fn for every rule that matches ev, an event of logsource ls,
// in rule-file order. Only the rules whose logsource covers ls are
// considered, and of those only the ones whose required literals occur in
// the event are evaluated.
func (e *Engine) Match(ev detection.Event, ls detection.Logsource, fn func(*sigma.Rule)) {
	e.route(ls).match(ev, fn)
}

// matchAll is Match without the literal prefilter, for tests.
func (e *Engine) matchAll(ev detection.Event, ls detection.Logsource, fn func(*sigma.Rule)) {
	for _, r := range e.candidates(ls) {
		if r.Match(ev) {
			fn(r.Rule())
		}
	}
}
