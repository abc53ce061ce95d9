// Package detection matches normalised log events against Sigma rules: it
// parses SigmaHQ rules (selections, field modifiers, conditions, ATT&CK tags
// and the event_count, value_count, temporal and temporal_ordered correlation
// rules), compiles each once into a matcher, routes events by logsource, and
// turns a match into an alert fingerprint and a command to raise the alert.
// Constructs it does not support are reported per rule, never ignored. It
// imports only domain. Not built yet: the parser, the compiler, the evaluator
// and correlation.
package detection
