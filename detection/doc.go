// Package detection matches normalised log events against Sigma rules. It
// holds the types its sub-packages share: Event (a flat map of fields) and
// Logsource (Sigma's product, category and service).
//
// The sub-packages:
//
//   - eventio reads events from NDJSON, JSON arrays or JSON objects one after
//     another, with the file, line and index of each;
//   - normalize recognises an event's layout (evtx_dump, flat Windows, ECS,
//     auditd, Zeek, Wazuh), flattens it into an Event with the field names
//     Sigma rules use, and derives its Logsource from a mapping (YAML, in the
//     spirit of SigmaHQ's thor.yml);
//   - sigma parses Sigma rules (detection, every field modifier, the
//     condition grammar) and compiles each once into a matcher;
//   - engine loads a rules tree (reporting each rule that cannot load, with
//     its file, line and reason), applies filter rules to the rules they
//     name, routes each event to the rules whose logsource covers it,
//     narrows them with a cross-rule literal prefilter, and reports the
//     matches;
//   - correlation evaluates correlation rules (event_count, value_count,
//     temporal, temporal_ordered, value_sum, value_avg, value_percentile)
//     over the matches of the rules they reference, in event time, with
//     bounded and counted state.
//
// Not built yet: alert fingerprints and the commands that raise alerts
// (they need the domain aggregates).
package detection
