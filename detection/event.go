package detection

import "strings"

// Event is one log event as the rule engine sees it: a flat map from field
// name to value. Nested objects are flattened by the normaliser with '.'
// between names ("process.command_line"); values are string, json.Number,
// bool, nil, or []any holding those. Field names keep their case; lookups
// that should ignore case use Lookup.
type Event map[string]any

// Lookup returns the value of field, trying the exact name first and then a
// case-insensitive match (Sigma rules and log sources disagree on case, e.g.
// "CommandLine" and "commandline").
func (e Event) Lookup(field string) (any, bool) {
	if v, ok := e[field]; ok {
		return v, true
	}
	for k, v := range e {
		if strings.EqualFold(k, field) {
			return v, true
		}
	}
	return nil, false
}

// Logsource says what kind of log an event is, in Sigma's terms
// (logsource: product, category, service). An empty part is unknown.
type Logsource struct {
	Product  string `json:"product,omitempty"`
	Category string `json:"category,omitempty"`
	Service  string `json:"service,omitempty"`
}
