package correlation

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/sigma"
)

// Options bound the state of an Engine.
type Options struct {
	// MaxGroups bounds the groups (one per correlation and combination of
	// group-by values) kept across all correlations; 0 means 100,000. When a
	// new group would pass it, the least recently updated group is evicted
	// (Stats.EvictedGroups).
	MaxGroups int
	// MaxEventsPerGroup bounds the entries a group keeps in its window; 0
	// means 1,000. When a group is full its oldest entry is dropped
	// (Stats.DroppedEntries). New refuses a count condition that needs more
	// entries than this to hold.
	MaxEventsPerGroup int
	// ResetOnMatch clears a group's window once it has matched, so the
	// condition must be met again from scratch before the next match. By
	// default (false) the window is kept and every further observation that
	// still satisfies the condition matches again, as rsigma does.
	ResetOnMatch bool
}

// Defaults of Options.
const (
	DefaultMaxGroups         = 100_000
	DefaultMaxEventsPerGroup = 1_000
)

// Match is one correlation match.
type Match struct {
	Rule *sigma.Rule // the correlation rule
	// Group holds the group-by values of the group that matched, by group-by
	// entry as the correlation writes it (an alias name stays the alias
	// name). A field absent from the events is left out.
	Group map[string]string
	// Value is the aggregate that satisfied the condition: the number of
	// events (event_count), of distinct values (value_count), of referenced
	// rules seen (temporal) or seen in order (temporal_ordered: the longest
	// prefix of the rule list), or the sum, average or percentile of the
	// field (value_sum, value_avg, value_percentile).
	Value float64
	// Count is the number of events in the window.
	Count int
	// First and Last are the times of the oldest and newest event in the
	// window.
	First, Last time.Time
	// Rules are the referenced rules that contributed events to the window,
	// in the order of the correlation's rules; RuleIDs their ids (or name,
	// or title, for a rule without one).
	Rules   []*sigma.Rule
	RuleIDs []string
	// Report is Engine.Standalone(Rule): false when the correlation is
	// referenced by another (a chain) that does not generate it.
	Report bool
}

// Stats count what an Engine holds and what it had to let go.
type Stats struct {
	Correlations int    // correlation rules evaluated
	Groups       int    // groups held now
	Entries      int    // entries held now, across groups
	Observed     uint64 // rule matches recorded in a window
	Matches      uint64 // correlation matches
	// EvictedGroups counts the groups evicted, least recently updated
	// first, to stay within MaxGroups; EvictedEntries the entries they held.
	EvictedGroups  uint64
	EvictedEntries uint64
	// DroppedEntries counts the oldest entries dropped from full groups
	// (MaxEventsPerGroup).
	DroppedEntries uint64
	// ExpiredGroups counts the groups removed because their window had
	// passed (by event time).
	ExpiredGroups uint64
	// Late counts observations older than their group's window, ignored.
	Late uint64
	// Unusable counts rule matches a value_* correlation could not use: the
	// aggregated field is missing, or not a number for value_sum,
	// value_avg and value_percentile.
	Unusable uint64
}

// Engine evaluates correlation rules over the matches of the rules they
// reference. It is safe for concurrent use; observations are serialised.
type Engine struct {
	opts   Options
	corrs  []*corr                  // in evaluation order: a correlation after those it references
	byRule map[*sigma.Rule][]target // a detection rule → the correlations referencing it
	report map[*sigma.Rule]bool     // referenced rules → whether some referencing correlation generates them
	levels int

	mu        sync.Mutex
	seq       uint64
	watermark int64
	closed    []Match // matches of windows closed by expire, for the caller to emit
	groups    int
	lru       group // sentinel: lru.next is the most recently updated group
	stats     Stats
	buckets   [][]work
	keyBuf    []byte
	nums      []float64
}

// target is one referenced rule of a correlation: the correlation and the
// index of the rule in its rule list.
type target struct {
	c   *corr
	ref int
}

// work is one rule match to record in a correlation.
type work struct {
	t   target
	ev  detection.Event
	at  int64
	seq uint64
}

type corr struct {
	rule   *sigma.Rule
	spec   *sigma.Correlation
	refs   []*sigma.Rule // resolved referenced rules
	refIDs []string
	// fields[i][g] is the event field of group-by entry g in the events of
	// referenced rule i (aliases applied).
	fields [][]string
	span   int64
	// atClose: the condition already holds for a value of 0 ("fewer than
	// N", lt/lte), so it can only be judged once the window is over. Such a
	// correlation uses tumbling windows: one starts at a group's first event
	// and closes timespan later, and the condition is evaluated then.
	atClose    bool
	level      int
	dependents []target
	groups     map[string]*group
}

// New builds an Engine for the correlation rules, resolving the rules they
// reference by id or name among detections (the detection rules that
// loaded) and the correlations themselves (a chain).
//
// A correlation that cannot be evaluated is left out, with an error saying
// why: a reference to no loaded rule, or to more than one; a reference to a
// correlation left out; a cycle of references; an alias naming a rule the
// correlation does not reference; a count condition needing more than
// Options.MaxEventsPerGroup entries. Each error is a *sigma.RuleError with
// the correlation's file and line; the Engine evaluates the others.
func New(correlations, detections []*sigma.Rule, opts Options) (*Engine, []error) {
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = DefaultMaxGroups
	}
	if opts.MaxEventsPerGroup <= 0 {
		opts.MaxEventsPerGroup = DefaultMaxEventsPerGroup
	}
	e := &Engine{
		opts:   opts,
		byRule: map[*sigma.Rule][]target{},
		report: map[*sigma.Rule]bool{},
	}
	e.lru.next, e.lru.prev = &e.lru, &e.lru

	// Index every rule by id and by name.
	index := map[string][]*sigma.Rule{}
	add := func(r *sigma.Rule) {
		for _, k := range []string{r.ID, r.Name} {
			if k != "" && !slices.Contains(index[k], r) {
				index[k] = append(index[k], r)
			}
		}
	}
	var errs []error
	fail := func(r *sigma.Rule, line int, field, format string, args ...any) {
		errs = append(errs, &sigma.RuleError{File: r.File, Line: line, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	for _, r := range detections {
		if r != nil && r.Kind == sigma.KindDetection {
			add(r)
		}
	}
	byRule := map[*sigma.Rule]*corr{}
	var all []*corr
	for _, r := range correlations {
		if r == nil || r.Kind != sigma.KindCorrelation || r.Correlation == nil {
			if r != nil {
				fail(r, r.Line, "correlation", "not a correlation rule")
			}
			continue
		}
		if _, dup := byRule[r]; dup {
			continue
		}
		c := &corr{rule: r, spec: r.Correlation, span: int64(r.Correlation.Timespan), groups: map[string]*group{}}
		c.atClose = c.spec.Condition.Holds(0)
		byRule[r] = c
		all = append(all, c)
		add(r)
	}

	// Resolve references; bad ones leave their correlation out.
	bad := map[*corr]bool{}
	for _, c := range all {
		for _, ref := range c.spec.Rules {
			found := index[ref]
			switch {
			case len(found) == 0:
				fail(c.rule, c.spec.Line, "correlation.rules", "%q names no loaded rule (by id or name)", ref)
			case len(found) > 1:
				fail(c.rule, c.spec.Line, "correlation.rules", "%q names %d rules (%s and %s); ids and names must be unique",
					ref, len(found), where(found[0]), where(found[1]))
			case found[0] == c.rule:
				fail(c.rule, c.spec.Line, "correlation.rules", "%q is the correlation itself", ref)
			case slices.Contains(c.refs, found[0]):
				fail(c.rule, c.spec.Line, "correlation.rules", "%q names a rule already referenced", ref)
			default:
				c.refs = append(c.refs, found[0])
				continue
			}
			bad[c] = true
			break
		}
		if !bad[c] {
			if err := c.resolveFields(); err != nil {
				errs = append(errs, err)
				bad[c] = true
			} else if err := c.checkCapacity(opts.MaxEventsPerGroup); err != nil {
				errs = append(errs, err)
				bad[c] = true
			}
		}
	}

	// Order: a correlation after the correlations it references; a cycle,
	// or a reference to a correlation left out, leaves it out too.
	const (
		unvisited = iota // the zero value of state
		visiting
		done
	)
	state := map[*corr]int{}
	var visit func(c *corr) bool
	visit = func(c *corr) bool {
		switch state[c] {
		case visiting:
			return false
		case done:
			return !bad[c]
		}
		state[c] = visiting
		ok := !bad[c]
		level := 0
		if ok {
			for _, r := range c.refs {
				d, isCorr := byRule[r]
				if !isCorr {
					continue
				}
				if state[d] == visiting {
					fail(c.rule, c.spec.Line, "correlation.rules", "references %s, which leads back to this correlation (a cycle)", where(d.rule))
					ok = false
					break
				}
				if !visit(d) {
					if state[d] == done {
						fail(c.rule, c.spec.Line, "correlation.rules", "references %s, which cannot be evaluated", where(d.rule))
					}
					ok = false
					break
				}
				level = max(level, d.level+1)
			}
		}
		state[c] = done
		if !ok {
			bad[c] = true
			return false
		}
		c.level = level
		e.corrs = append(e.corrs, c)
		return true
	}
	for _, c := range all {
		visit(c)
	}

	// Wire the good correlations to the rules they reference.
	for _, c := range e.corrs {
		e.levels = max(e.levels, c.level+1)
		for i, r := range c.refs {
			c.refIDs = append(c.refIDs, ruleID(r))
			t := target{c: c, ref: i}
			if d, isCorr := byRule[r]; isCorr {
				d.dependents = append(d.dependents, t)
			} else {
				e.byRule[r] = append(e.byRule[r], t)
			}
			e.report[r] = e.report[r] || c.spec.Generate
		}
	}
	e.buckets = make([][]work, e.levels)
	e.stats.Correlations = len(e.corrs)
	return e, errs
}

func where(r *sigma.Rule) string {
	name := r.Title
	if name == "" {
		name = ruleID(r)
	}
	return fmt.Sprintf("%q (%s:%d)", name, r.File, r.Line)
}

// ruleID is a rule's id, or its name, or its title.
func ruleID(r *sigma.Rule) string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Name != "":
		return r.Name
	}
	return r.Title
}

// resolveFields works out the event field of each group-by entry for each
// referenced rule, and checks that every alias names referenced rules.
func (c *corr) resolveFields() error {
	names := func(i int) []string { return []string{c.spec.Rules[i], c.refs[i].ID, c.refs[i].Name} }
	for alias, m := range c.spec.Aliases {
		for ref := range m {
			known := false
			for i := range c.refs {
				if slices.Contains(names(i), ref) {
					known = true
					break
				}
			}
			if !known {
				return &sigma.RuleError{File: c.rule.File, Line: c.spec.Line, Field: "correlation.aliases." + alias + "." + ref,
					Reason: fmt.Sprintf("%q is not a rule this correlation references", ref)}
			}
		}
	}
	c.fields = make([][]string, len(c.refs))
	for i := range c.refs {
		c.fields[i] = make([]string, len(c.spec.GroupBy))
		for g, name := range c.spec.GroupBy {
			c.fields[i][g] = c.spec.FieldFor(name, names(i)...)
		}
	}
	return nil
}

// checkCapacity refuses a count condition that needs more entries in one
// window than a group keeps.
func (c *corr) checkCapacity(capacity int) error {
	switch c.spec.Type {
	case sigma.CorrelationEventCount, sigma.CorrelationValueCount:
	default:
		return nil
	}
	need := 0.0
	for _, b := range c.spec.Condition.Bounds {
		switch b.Op {
		case sigma.OpGT:
			need = max(need, math.Floor(b.Value)+1)
		case sigma.OpGTE, sigma.OpEQ:
			need = max(need, math.Ceil(b.Value))
		}
	}
	if need > float64(capacity) {
		return &sigma.RuleError{File: c.rule.File, Line: c.spec.Condition.Line, Field: "correlation.condition",
			Reason: fmt.Sprintf("%s needs %v events in one window, more than Options.MaxEventsPerGroup (%d) keeps",
				c.spec.Condition.String(), need, capacity)}
	}
	return nil
}

// Correlations returns the correlation rules the Engine evaluates, each
// after the correlations it references.
func (e *Engine) Correlations() []*sigma.Rule {
	out := make([]*sigma.Rule, len(e.corrs))
	for i, c := range e.corrs {
		out[i] = c.rule
	}
	return out
}

// Referenced reports whether some evaluated correlation references r (a
// detection rule or a correlation rule).
func (e *Engine) Referenced(r *sigma.Rule) bool {
	_, ok := e.report[r]
	return ok
}

// Standalone reports whether r's own matches should be reported: true for a
// rule no evaluated correlation references, and for one referenced by at
// least one correlation with generate: true. The specification's default
// (generate: false) reports only the correlation, so the base rules of a
// correlation, and the inner correlations of a chain, are not reported on
// their own. The caller decides what to do with the answer.
func (e *Engine) Standalone(r *sigma.Rule) bool {
	gen, referenced := e.report[r]
	return !referenced || gen
}

// Stats returns the current counts.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Groups = e.groups
	return s
}

// Observe records one event's matches in the correlations that reference
// the matched rules, and calls emit for each correlation match it causes,
// after it has recorded them all (emit may call the Engine). matched are
// the detection rules the event matched (those no correlation references
// are ignored; an event matching none costs nothing), at the event's time
// (see EventTime; a zero at stands for the newest time observed so far).
// Events should come in event-time order: an event older than its group's
// window is counted in Stats.Late and ignored.
//
// A correlation match is also recorded in the correlations that reference
// that correlation (a chain), as an event holding its group-by values at
// the time of the event that caused it.
func (e *Engine) Observe(ev detection.Event, at time.Time, matched []*sigma.Rule, emit func(Match)) {
	referenced := false
	for _, r := range matched {
		if len(e.byRule[r]) > 0 {
			referenced = true
			break
		}
	}
	if !referenced {
		return
	}
	var out []Match
	e.mu.Lock()
	t := e.watermark
	if !at.IsZero() {
		t = at.UnixNano()
	}
	e.seq++
	e.watermark = max(e.watermark, t)
	e.closed = e.closed[:0]
	e.expire(e.watermark, false)
	out = append(out, e.closed...)
	for _, r := range matched {
		for _, tg := range e.byRule[r] {
			e.buckets[tg.c.level] = append(e.buckets[tg.c.level], work{t: tg, ev: ev, at: t, seq: e.seq})
		}
	}
	for lvl := range e.buckets {
		for i := 0; i < len(e.buckets[lvl]); i++ {
			w := e.buckets[lvl][i]
			m, ok := e.record(w)
			if !ok {
				continue
			}
			out = append(out, m)
			if len(w.t.c.dependents) > 0 {
				inner := make(detection.Event, len(m.Group))
				for k, v := range m.Group {
					inner[k] = v
				}
				for _, d := range w.t.c.dependents {
					e.buckets[d.c.level] = append(e.buckets[d.c.level], work{t: d, ev: inner, at: w.at, seq: w.seq})
				}
			}
		}
		clear(e.buckets[lvl])
		e.buckets[lvl] = e.buckets[lvl][:0]
	}
	e.mu.Unlock()
	for _, m := range out {
		emit(m)
	}
}

// Expire removes every group whose window has passed at now (event time),
// counting them in Stats.ExpiredGroups, and calls emit for each match of a
// window closed by it (correlations judged at window close, see Match).
// Observe expires groups as it goes, least recently updated first; Expire
// is for a quiet stream or the end of an input, to let go of the state of
// groups that will not be updated again and judge their closed windows.
// emit may be nil.
func (e *Engine) Expire(now time.Time, emit func(Match)) {
	e.mu.Lock()
	e.watermark = max(e.watermark, now.UnixNano())
	e.closed = e.closed[:0]
	e.expire(e.watermark, true)
	out := append([]Match(nil), e.closed...)
	e.mu.Unlock()
	if emit != nil {
		for _, m := range out {
			emit(m)
		}
	}
}

// expire removes expired groups: from the least recently updated end of the
// list until one that has not expired, or all of them. The closed window of
// an expired at-close group is judged first (matches go to e.closed).
func (e *Engine) expire(now int64, all bool) {
	for g := e.lru.prev; g != &e.lru; {
		prev := g.prev
		if g.last < now-g.c.span {
			if g.c.atClose {
				e.closeWindow(g)
			}
			e.stats.ExpiredGroups++
			e.remove(g)
		} else if !all {
			return
		}
		g = prev
	}
}

// closeWindow judges the window of an at-close group, appending a match to
// e.closed, and empties the group for its next window.
func (e *Engine) closeWindow(g *group) {
	if g.len() == 0 {
		return
	}
	if value, ok := e.aggregate(g); ok && g.c.spec.Condition.Holds(value) {
		newest := g.entries[len(g.entries)-1]
		m := e.match(g, work{t: target{c: g.c, ref: int(newest.ref)}, at: newest.at, seq: newest.seq}, value, []byte(g.key))
		e.stats.Matches++
		e.closed = append(e.closed, m)
	}
	e.stats.Entries -= g.len()
	g.reset()
}

// record adds one rule match to its group and evaluates the condition.
func (e *Engine) record(w work) (Match, bool) {
	c := w.t.c
	ent := entry{at: w.at, seq: w.seq, ref: int32(w.t.ref)}
	switch c.spec.Type {
	case sigma.CorrelationValueCount:
		k, ok := c.valueKey(w.ev)
		if !ok {
			e.stats.Unusable++
			return Match{}, false
		}
		ent.key = k
	case sigma.CorrelationValueSum, sigma.CorrelationValueAvg, sigma.CorrelationValuePercentile:
		v, _ := w.ev.Lookup(c.spec.Condition.Fields[0])
		n, ok := number(v)
		if !ok {
			e.stats.Unusable++
			return Match{}, false
		}
		ent.num = n
	}

	key := e.groupKey(c, w.t.ref, w.ev)
	g := c.groups[string(key)]
	if g == nil {
		if e.groups >= e.opts.MaxGroups {
			e.expire(e.watermark, false)
		}
		for e.groups >= e.opts.MaxGroups && e.lru.prev != &e.lru {
			victim := e.lru.prev
			e.stats.EvictedGroups++
			e.stats.EvictedEntries += uint64(victim.len())
			e.remove(victim)
		}
		g = &group{c: c, key: string(key), last: w.at}
		if c.spec.Type == sigma.CorrelationValueCount {
			g.distinct = map[string]int{}
		}
		if c.spec.Type.Temporal() {
			g.perRef = make([]int, len(c.refs))
		}
		c.groups[g.key] = g
		e.groups++
	} else {
		e.unlink(g)
	}
	e.pushFront(g)

	if c.atClose {
		return e.recordAtClose(g, ent, w)
	}
	end := max(g.last, w.at)
	cutoff := end - c.span
	if w.at < cutoff {
		e.stats.Late++
		return Match{}, false
	}
	e.evict(g, cutoff)
	if !g.insert(ent, c.spec.Type.Temporal()) {
		return Match{}, false // the same event, already recorded
	}
	e.stats.Observed++
	e.stats.Entries++
	g.last = end
	if g.len() > e.opts.MaxEventsPerGroup {
		g.popFront()
		e.stats.DroppedEntries++
		e.stats.Entries--
	}

	value, ok := e.aggregate(g)
	if !ok || !c.spec.Condition.Holds(value) {
		return Match{}, false
	}
	m := e.match(g, w, value, key)
	e.stats.Matches++
	if e.opts.ResetOnMatch {
		e.stats.Entries -= g.len()
		g.reset()
	}
	return m, true
}

// recordAtClose records an entry of an at-close correlation: an event past
// the group's current window closes it (judging it) and opens the next one.
func (e *Engine) recordAtClose(g *group, ent entry, w work) (Match, bool) {
	var m Match
	closed := false
	if g.len() > 0 {
		start := g.entries[g.head].at
		if w.at < start {
			e.stats.Late++
			return Match{}, false
		}
		if w.at > start+g.c.span {
			e.closed = e.closed[:0]
			e.closeWindow(g)
			if len(e.closed) > 0 {
				m, closed = e.closed[0], true
				e.closed = e.closed[:0]
			}
		}
	}
	if g.insert(ent, g.c.spec.Type.Temporal()) {
		e.stats.Observed++
		e.stats.Entries++
		if g.len() > e.opts.MaxEventsPerGroup {
			g.popFront()
			e.stats.DroppedEntries++
			e.stats.Entries--
		}
	}
	g.last = max(g.last, w.at)
	return m, closed
}

// evict drops the entries of g older than cutoff.
func (e *Engine) evict(g *group, cutoff int64) {
	for g.len() > 0 && g.entries[g.head].at < cutoff {
		g.popFront()
		e.stats.Entries--
	}
}

// aggregate computes the value the condition is tested on.
func (e *Engine) aggregate(g *group) (float64, bool) {
	live := g.entries[g.head:]
	switch g.c.spec.Type {
	case sigma.CorrelationEventCount:
		return float64(len(live)), true
	case sigma.CorrelationValueCount:
		return float64(len(g.distinct)), true
	case sigma.CorrelationTemporal:
		n := 0
		for _, k := range g.perRef {
			if k > 0 {
				n++
			}
		}
		return float64(n), true
	case sigma.CorrelationTemporalOrdered:
		return float64(orderedPrefix(live, len(g.c.refs))), true
	case sigma.CorrelationValueSum, sigma.CorrelationValueAvg:
		if len(live) == 0 {
			return 0, false
		}
		sum := 0.0
		for _, en := range live {
			sum += en.num
		}
		if g.c.spec.Type == sigma.CorrelationValueAvg {
			return sum / float64(len(live)), true
		}
		return sum, true
	case sigma.CorrelationValuePercentile:
		if len(live) == 0 {
			return 0, false
		}
		e.nums = e.nums[:0]
		for _, en := range live {
			e.nums = append(e.nums, en.num)
		}
		return percentile(e.nums, g.c.spec.Condition.Percentile), true
	}
	return 0, false
}

// orderedPrefix is the length of the longest prefix of the rule list
// (0..n-1) that the entries hold in order: an entry of rule 0, then a later
// event's entry of rule 1, and so on. Taking the earliest entry at each step
// finds the longest such prefix.
func orderedPrefix(live []entry, n int) int {
	step := 0
	var prev uint64
	for _, en := range live {
		if step == n {
			break
		}
		if int(en.ref) == step && (step == 0 || en.seq != prev) {
			step++
			prev = en.seq
		}
	}
	return step
}

// percentile is the p-th percentile (0..100) of xs by linear interpolation
// between the closest ranks (the "inclusive" definition: the 0th is the
// smallest value, the 100th the largest, the 50th the median). It sorts xs.
func percentile(xs []float64, p float64) float64 {
	slices.Sort(xs)
	pos := p / 100 * float64(len(xs)-1)
	lo := int(math.Floor(pos))
	if lo >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[lo] + (pos-float64(lo))*(xs[lo+1]-xs[lo])
}

// match builds the Match of a group that satisfied its condition.
func (e *Engine) match(g *group, w work, value float64, key []byte) Match {
	c := g.c
	live := g.entries[g.head:]
	m := Match{
		Rule:   c.rule,
		Value:  value,
		Report: e.Standalone(c.rule),
		Group:  make(map[string]string, len(c.spec.GroupBy)),
	}
	for i, name := range c.spec.GroupBy {
		if v, ok := keyPart(key, i); ok {
			m.Group[name] = v
		}
	}
	if len(live) > 0 {
		m.First = time.Unix(0, live[0].at).UTC()
		m.Last = time.Unix(0, live[len(live)-1].at).UTC()
	}
	seen := make([]bool, len(c.refs))
	var prev uint64
	for i, en := range live {
		seen[en.ref] = true
		if i == 0 || en.seq != prev {
			m.Count++
		}
		prev = en.seq
	}
	for i, ok := range seen {
		if ok {
			m.Rules = append(m.Rules, c.refs[i])
			m.RuleIDs = append(m.RuleIDs, c.refIDs[i])
		}
	}
	return m
}

// groupKey encodes the group-by values of an event matched by referenced
// rule ref: per entry, 0 for an absent value, or 1, the length and the
// text. The result is valid until the next call.
func (e *Engine) groupKey(c *corr, ref int, ev detection.Event) []byte {
	b := e.keyBuf[:0]
	for _, f := range c.fields[ref] {
		v, _ := ev.Lookup(f)
		s, ok := detection.ScalarText(v)
		if !ok {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	e.keyBuf = b
	return b
}

// keyPart decodes the i-th value of a group key.
func keyPart(key []byte, i int) (string, bool) {
	for j := 0; ; j++ {
		if len(key) == 0 {
			return "", false
		}
		if key[0] == 0 {
			if j == i {
				return "", false
			}
			key = key[1:]
			continue
		}
		colon := 1
		for key[colon] != ':' {
			colon++
		}
		n, _ := strconv.Atoi(string(key[1:colon]))
		if j == i {
			return string(key[colon+1 : colon+1+n]), true
		}
		key = key[colon+1+n:]
	}
}

// valueKey is the distinct value a value_count correlation counts: the
// text of the field, or of each field (a combination), all present.
func (c *corr) valueKey(ev detection.Event) (string, bool) {
	fields := c.spec.Condition.Fields
	if len(fields) == 1 {
		v, _ := ev.Lookup(fields[0])
		return detection.ScalarText(v)
	}
	var b []byte
	for _, f := range fields {
		v, _ := ev.Lookup(f)
		s, ok := detection.ScalarText(v)
		if !ok {
			return "", false
		}
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return string(b), true
}

// LRU list.

func (e *Engine) pushFront(g *group) {
	g.prev, g.next = &e.lru, e.lru.next
	e.lru.next.prev = g
	e.lru.next = g
}

func (e *Engine) unlink(g *group) {
	g.prev.next, g.next.prev = g.next, g.prev
	g.prev, g.next = nil, nil
}

func (e *Engine) remove(g *group) {
	e.unlink(g)
	delete(g.c.groups, g.key)
	e.groups--
	e.stats.Entries -= g.len()
}
