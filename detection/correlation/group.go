package correlation

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/socledger/socledger/detection"
)

// entry is one rule match in a group's window.
type entry struct {
	at  int64  // event time, Unix nanoseconds
	seq uint64 // the observation (event) it came from
	ref int32  // which referenced rule matched
	key string // value_count: the distinct value
	num float64
}

// before orders entries by time, then by observation.
func (a entry) before(b entry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// group is the window of one correlation for one combination of group-by
// values: its entries in time order (entries[head:]), with the counts that
// value_count and temporal need kept up to date.
type group struct {
	c          *corr
	key        string
	entries    []entry
	head       int
	last       int64 // newest entry time, or the time the group was made
	distinct   map[string]int
	perRef     []int
	prev, next *group // LRU list
}

func (g *group) len() int { return len(g.entries) - g.head }

// insert places en by time (late entries within the window go before newer
// ones) and reports false, adding nothing, when the same event is already
// recorded: once per event for the counting types, once per event and
// referenced rule for temporal ones.
func (g *group) insert(en entry, perRule bool) bool {
	i := len(g.entries)
	for i > g.head && en.before(g.entries[i-1]) {
		i--
	}
	for j := i - 1; j >= g.head && g.entries[j].seq == en.seq; j-- {
		if !perRule || g.entries[j].ref == en.ref {
			return false
		}
	}
	g.entries = append(g.entries, entry{})
	copy(g.entries[i+1:], g.entries[i:])
	g.entries[i] = en
	if g.distinct != nil {
		g.distinct[en.key]++
	}
	if g.perRef != nil {
		g.perRef[en.ref]++
	}
	return true
}

// popFront drops the oldest entry.
func (g *group) popFront() {
	en := g.entries[g.head]
	g.entries[g.head] = entry{}
	g.head++
	if g.distinct != nil {
		if g.distinct[en.key]--; g.distinct[en.key] == 0 {
			delete(g.distinct, en.key)
		}
	}
	if g.perRef != nil {
		g.perRef[en.ref]--
	}
	switch {
	case g.head == len(g.entries):
		g.entries, g.head = g.entries[:0], 0
	case g.head >= 32 && g.head*2 >= len(g.entries):
		n := copy(g.entries, g.entries[g.head:])
		clear(g.entries[n:])
		g.entries, g.head = g.entries[:n], 0
	}
}

// reset empties the window.
func (g *group) reset() {
	clear(g.entries)
	g.entries, g.head = g.entries[:0], 0
	clear(g.distinct)
	clear(g.perRef)
}

// number is the numeric value of an event value: a number, or a string
// holding one.
func number(v any) (float64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = strings.TrimSpace(x)
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e308 || f < -1e308 {
		return 0, false
	}
	return f, true
}

// DefaultTimeFields are the fields EventTime tries, in order: ECS and
// generic JSON (@timestamp, timestamp), evtx_dump as normalised
// (TimeCreated_SystemTime), Sysmon (UtcTime), flat Windows exports
// (EventTime, TimeCreated), Zeek (ts) and a plain time.
var DefaultTimeFields = []string{
	"@timestamp", "timestamp", "TimeCreated_SystemTime", "UtcTime", "EventTime", "TimeCreated", "ts", "time",
}

// EventTime returns the time of an event: the first of fields (by default
// DefaultTimeFields) that holds a time. A string is read as RFC 3339
// (with or without fractional seconds), or as "2006-01-02 15:04:05.999"
// or "2006-01-02T15:04:05.999" without a zone, taken as UTC (Sysmon's
// UtcTime); a number, or a string of digits, as Unix time in seconds
// (fractions allowed), milliseconds, microseconds or nanoseconds, told
// apart by magnitude.
func EventTime(ev detection.Event, fields ...string) (time.Time, bool) {
	if len(fields) == 0 {
		fields = DefaultTimeFields
	}
	for _, f := range fields {
		v, ok := ev.Lookup(f)
		if !ok {
			continue
		}
		if t, ok := parseTime(v); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseTime(v any) (time.Time, bool) {
	if s, ok := v.(string); ok {
		s = strings.TrimSpace(s)
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), true
			}
		}
	}
	n, ok := number(v)
	if !ok || n <= 0 {
		return time.Time{}, false
	}
	switch {
	case n < 1e11: // seconds: until the year 5138
		sec, frac := int64(n), n-float64(int64(n))
		return time.Unix(sec, int64(frac*1e9+0.5)).UTC(), true
	case n < 1e14:
		return time.UnixMilli(int64(n)).UTC(), true
	case n < 1e17:
		return time.UnixMicro(int64(n)).UTC(), true
	case n < 9.2e18:
		return time.Unix(0, int64(n)).UTC(), true
	}
	return time.Time{}, false
}
