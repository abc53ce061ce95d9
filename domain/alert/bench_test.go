package alert_test

import (
	"testing"
	"time"

	"github.com/socledger/socledger/domain/alert"
)

// BenchmarkFold folds an alert of 10,000 events: the raise, then
// recurrences and comments taking turns.
func BenchmarkFold(b *testing.B) {
	events := make([]alert.Event, 0, 10_000)
	events = append(events, raised(t0, 1, ref(ev1)))
	for i := 1; len(events) < 10_000; i++ {
		when := at(time.Duration(i) * time.Second)
		if i%2 == 0 {
			events = append(events, alert.Commented{Text: "Still firing; watching.", At: when})
		} else {
			events = append(events, recurred(i/2+2, when, when, ref(ev2)))
		}
	}
	b.ReportAllocs()
	var s alert.State
	for b.Loop() {
		s = alert.Decider.Fold(alert.State{}, events)
	}
	if s.Count != 5001 || s.Comments != 4999 {
		b.Fatalf("count %d comments %d", s.Count, s.Comments)
	}
}
