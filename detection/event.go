package detection

import (
	"encoding/json"
	"strconv"
	"strings"
)

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

// ScalarText returns the text of a scalar event value, the form rules match
// and group by: a string as it is, a number as written (json.Number) or in
// its shortest decimal form (Go numbers), a boolean as "true" or "false".
// Null, lists and objects have none.
func ScalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return string(x), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	}
	return "", false
}
