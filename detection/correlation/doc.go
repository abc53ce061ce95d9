// Package correlation evaluates Sigma correlation rules (specification
// 2.1.0) over the matches of the rules they reference, as a stream in event
// time.
//
// New takes the parsed correlation rules (sigma.Rule of KindCorrelation)
// and the detection rules that loaded, resolves each correlation's rule
// references by id or name (a reference to no rule, or to several, is an
// error, as is a cycle), and leaves out, with a located *sigma.RuleError,
// every correlation it cannot evaluate. The caller then calls Observe once
// per event with the detection rules the event matched and the event's time
// (EventTime reads it from the usual timestamp fields); Observe calls emit
// with each Match: the correlation rule, the group-by values, the aggregate
// value, the count of events in the window, the first and last event times,
// and the rules that contributed.
//
// # Windows
//
// Each correlation keeps one window per group: per combination of the
// group-by values of the events (an alias resolves to the field the
// referenced rule's events use; a field absent or null is a value of its
// own, "absent", and is left out of Match.Group; values compare as text,
// exactly). The windows slide with the events, in event time, not in
// boundary-aligned buckets: when a match of a referenced rule at time t is
// recorded in a group whose newest entry is at time n, the window becomes
// [end - timespan, end] with end = max(t, n), both ends included; entries
// older than end - timespan leave the window, and the condition is
// evaluated on what remains, at once. So a correlation matches as soon as
// its condition holds for some span of timespan ending at an event, which is
// what the specification asks for ("The time frame should not be restricted
// to boundaries"), and with the boundary inclusive as rsigma's sliding
// windows have it: events at 10:00:00 and 10:05:00 are within 5m of each
// other. An event older than end - timespan (a late arrival) is counted in
// Stats.Late and not recorded; one within the window is placed by its time.
//
// After a match the window is kept, so every further event that keeps the
// condition true matches again (rsigma's default); Options.ResetOnMatch
// empties the window instead, so the threshold must be reached anew.
//
// A condition that already holds for a value of 0 ("fewer than N": lt, lte,
// neq on a count) cannot be judged while events still come in, so such a
// correlation uses tumbling windows instead: a window opens at a group's
// first event and closes timespan later; the condition is judged once, over
// the whole window, when event time passes its end (an event of the same
// group after the end, which opens the next window, or any later event once
// the group is the least recently updated, or Engine.Expire at the end of an
// input). A group that never saw an event has no window, so the absence of
// all events is not detected.
//
// # Types
//
// The value a condition is tested on (Match.Value) is, over the window:
//
//   - event_count: the number of events. An event matching several of the
//     referenced rules counts once, as a query "A or B" counts it.
//   - value_count: the number of distinct values of the condition's field
//     (of the combination of its fields, when it names several). Events
//     without the field are not counted (Stats.Unusable).
//   - temporal: how many of the referenced rules have an event in the
//     window, in any order; without a condition all of them must.
//   - temporal_ordered: the length of the longest prefix of the rule list
//     seen in order: an event of the first rule, then a later event of the
//     second, and so on (events at the same time are ordered as observed;
//     one event matching two rules is not a sequence of them). Without a
//     condition the whole list must be seen in order.
//   - value_sum, value_avg: the sum and the average of the field's numeric
//     values (numbers, or strings holding one). Events whose field is
//     missing or not a number are not counted (Stats.Unusable).
//   - value_percentile: the p-th percentile of the field's numeric values,
//     p being the condition's percentile (0 to 100, default 50, the median),
//     by linear interpolation between the closest ranks: the 0th is the
//     smallest value, the 100th the largest.
//
// # Chains and generate
//
// A correlation may reference correlations (the specification's chains): a
// match of the inner one is recorded in the outer one as an event holding
// the inner match's group-by values (so the outer one groups by those
// fields, or by aliases of them), at the time of the event that caused it.
// Correlations are evaluated in dependency order within one Observe, so an
// event can complete an inner correlation and, through it, an outer one.
//
// generate says whether the referenced rules also report their own
// matches; the default, false, reports only the correlation. Engine does
// not drop anything: Standalone tells the caller whether a rule's own
// matches should be reported (true unless every correlation that
// references it has generate false), and Match.Report says it for a
// correlation's match (an inner correlation of a chain is not reported on
// its own by default).
//
// # Bounds
//
// State is bounded by Options: at most MaxGroups groups across all
// correlations (default 100,000; when a new group would pass it, the least
// recently updated group is evicted), at most MaxEventsPerGroup entries per
// group (default 1,000; the oldest is dropped). New refuses an event_count
// or value_count condition that needs more entries than a group keeps.
// Groups whose window has passed are removed as the stream's newest time
// moves on (least recently updated first, as events come), and all of them
// by Expire. Stats counts the groups and entries held, the evictions, the
// dropped entries, the expired groups, the late and the unusable events, so
// that lost state is visible. Worst-case memory is MaxGroups ×
// MaxEventsPerGroup entries of 48 bytes (plus the text of value_count's
// values).
//
// An Engine is safe for concurrent use; Observe calls are serialised. The
// matches an event causes are emitted after the Engine has recorded them,
// outside its lock.
package correlation
