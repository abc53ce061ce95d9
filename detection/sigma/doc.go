// Package sigma parses Sigma detection rules (specification 2.1.0) and
// evaluates them against a detection.Event.
//
// Parse reads one rule document, ParseAll a multi-document file; both keep
// line numbers for errors and keep the order of keys. Compile turns a rule
// into a matcher once; (*Compiled).Match evaluates it against an event
// without allocating on the common path, and (*Compiled).RequiredLiterals
// describes the literal text a matching event must contain, for a prefilter
// across rules.
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
// # Not supported yet
//
// Correlation rules (a correlation section) and global filters (a filter
// section) are recognised: Parse returns them as KindCorrelation and
// KindFilter rules with an *UnsupportedError, and Compile refuses them. Also
// reported as *UnsupportedError, never ignored: unknown modifiers,
// regular expressions RE2 cannot compile (lookaround, backreferences),
// placeholders without a value, the deprecated aggregation and near
// expressions in conditions, and Sigma 1.0 rule collections (action:
// global). Field name mapping (taxonomies, pipelines) is the caller's: rules
// see the event's field names, looked up exactly and then without regard to
// case (detection.Event.Lookup).
package sigma
