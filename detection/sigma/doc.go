// Package sigma parses Sigma rules (specification 2.1.0): detection rules,
// correlation rules and filters; it evaluates detection rules, with the
// filters that concern them, against a detection.Event. Correlation rules
// are evaluated over rule matches by package detection/correlation.
//
// Parse reads one rule document, ParseAll a multi-document file; both keep
// line numbers for errors and keep the order of keys. A document is a
// detection rule (Rule.Detection), a correlation rule (Rule.Correlation) or
// a filter (Rule.Filter), by its section; Rule.Kind says which. Compile
// turns a detection rule into a matcher once; (*Compiled).Match evaluates it
// against an event without allocating on the common path, and
// (*Compiled).RequiredLiterals describes the literal text a matching event
// must contain, for a prefilter across rules.
//
// # Supported
//
//   - Rule attributes: title, id, name, status, level, description, author,
//     license, taxonomy, date, modified, references, tags (with ATT&CK
//     technique ids and tactic names derived), logsource (product, category,
//     service, definition, and other keys), detection, falsepositives,
//     fields, scope, related. Other top-level attributes are kept in
//     Rule.Custom. Parse does not require the spec's mandatory title and
//     logsource; Rule.Validate checks them.
//   - Search identifiers: a map (its fields AND-ed), a list of maps (OR-ed), a
//     list of keywords (OR-ed, or AND-ed under a '|all' key), which match
//     anywhere in any string value of the event.
//   - Values: strings with the '*' and '?' wildcards and the spec's backslash
//     escapes ('\*', '\?' and '\\'; a backslash before anything else is
//     literal), compared case-insensitively (Unicode simple folding) unless
//     cased; numbers (equal numerically or as written) and booleans; null
//     (the field is missing or null); lists (OR-ed, AND-ed with all). A field
//     holding a list matches when one of its items matches. Numbers and
//     booleans of the event are matched by their text when the rule value is
//     a string.
//   - Modifiers: contains, startswith, endswith, all, cased, exists, neq,
//     windash (-, /, en dash, em dash and horizontal bar are interchangeable
//     everywhere in the value), base64, base64offset, utf16le, utf16be,
//     utf16, wide, re with the i, m and s flags (Go RE2 syntax, searched
//     anywhere in the value), cidr (IPv4 and IPv6), lt, lte, gt, gte,
//     minute, hour, day, week, month, year (taken from RFC 3339 or
//     "2006-01-02 15:04:05" timestamps, compared as numbers, alone or with
//     lt, lte, gt, gte), fieldref (alone or with startswith, endswith,
//     contains, cased, neq), expand (placeholders from
//     CompileOptions.Placeholders). Transformations apply in the order
//     written.
//   - Conditions: and, or, not, parentheses, identifiers, "1 of" and
//     "all of" a pattern or them (them leaves out identifiers starting with
//     '_'), with not binding tighter than and, and and tighter than or; a
//     list of conditions is OR-ed.
//
// A value with neq matches only when the field is present, not null, and
// does not match the value; exists: false matches only when the field is
// absent.
//
// # Correlation rules
//
// Parse reads the correlation section into a Correlation: Type (event_count,
// value_count, temporal, temporal_ordered, value_sum, value_avg,
// value_percentile), Rules (the referenced rules by id or name, as written;
// a plain string is one rule), GroupBy (a list, or one string), Timespan
// (ParseTimespan: a positive number and s, m, h, d, or pySigma's w, at most
// 366 days), Condition (gt, gte, lt, lte, eq, neq, AND-ed when several, as
// the specification's "gt: 100, lte: 200" range; field, one or more for
// value_count, exactly one numeric field for value_sum, value_avg and
// value_percentile; percentile, value_percentile's rank from 0 to 100,
// pySigma's attribute, 50 when absent), Aliases (alias → rule name or id →
// field), and Generate (top level, as the specification places it, or in
// the section, as pySigma reads it; false by default). A temporal or
// temporal_ordered rule without a condition requires all its rules (gte the
// number of rules). The title, id, name, level, tags and other attributes
// are the Rule's, as for detection rules.
//
// Parse refuses, with a *RuleError locating the attribute: a missing type,
// rules or timespan; an unknown type or attribute (a misspelt group-by
// would otherwise silently mean one group); a non-temporal rule without a
// condition; a condition without a comparison, with a non-numeric bound, or
// with field or percentile where the type takes none; a value_* rule
// without field; repeated rules or group-by entries. A condition written as
// a string (pySigma's extended temporal condition, "a and not b") is an
// *UnsupportedError. References are not resolved here: package correlation
// resolves them against the loaded rules.
//
// # Filters
//
// Parse reads a filter section into a Filter: Rules (by id or name) and the
// search identifiers and condition, parsed as a detection section is (errors
// name the filter section: "filter.selection"). CompileFilter compiles a
// filter once; Compile applies every filter of CompileOptions.Filters that
// applies to the rule ((*CompiledFilter).AppliesTo): the filter names the
// rule's id or name, and the filter's logsource covers the rule's
// (LogsourceCovers: each of product, category and service the filter gives
// equals the rule's, without case; what it leaves out matches anything). A
// filter that names a rule but does not cover its logsource is not applied.
// (*Compiled).Filters lists the filters applied.
//
// A filter's condition is AND-ed with the rule's: the rule's condition C
// becomes "(C) and (F)" for the filter's condition F, so a filter states
// what a match must also satisfy, and excludes events with a negation:
//
//	filter:
//	    rules: [5d8fd9da-6916-45ef-8d4d-3fa9d19d1a64]
//	    selection:
//	        ComputerName|startswith: 'DC-'
//	    condition: not selection   # drop the rule's matches on DC- hosts
//
// This is how pySigma and rsigma apply filters, and how pySigma's example
// filter is written. The specification's own example (condition: selection
// with a comment calling the selected accounts valid) reads as if the
// condition named what to exclude; under the rule above, it keeps only those
// accounts' matches. Write filters with the negation.
//
// # Not supported
//
// Reported as *UnsupportedError, never ignored: unknown modifiers, regular
// expressions RE2 cannot compile (lookaround, backreferences), placeholders
// without a value, the deprecated aggregation and near expressions in
// conditions, extended (string) correlation conditions, and Sigma 1.0 rule
// collections (action: global). Compile refuses correlation and filter
// rules with an *UnsupportedError (they are evaluated elsewhere, see above).
// Filters apply to detection rules only, not to correlation rules. Field
// name mapping (taxonomies, pipelines) is the caller's: rules see the
// event's field names, looked up exactly and then without regard to case
// (detection.Event.Lookup).
package sigma
