package correlation_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/correlation"
	"github.com/socledger/socledger/detection/sigma"
)

// BenchmarkObserve records failed logons of 10,000 users, one per
// millisecond, in an event_count and a value_count correlation that rarely
// match.
func BenchmarkObserve(b *testing.B) {
	s := load(b, baseRules+`---
title: Count
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [User]
    timespan: 1m
    condition: {gte: 1000}
---
title: Spray
correlation:
    type: value_count
    rules: [failed_logon]
    group-by: [Computer]
    timespan: 1m
    condition: {field: User, gte: 1000}
`, "b.yml")
	e := s.engine(b, correlation.Options{})
	matched := []*sigma.Rule{s.detectionRules()[0]}
	events := make([]detection.Event, 10_000)
	for i := range events {
		events[i] = detection.Event{"EventID": "4625", "User": "u" + strconv.Itoa(i), "Computer": "ws" + strconv.Itoa(i%100)}
	}
	emit := func(correlation.Match) {}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Observe(events[i%len(events)], t0.Add(time.Duration(i)*time.Millisecond), matched, emit)
	}
}
