package embedded_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// TestSlowSubscriberDoesNotHoldTheWriter: subscriptions read the log in
// pages, so a subscriber that stops reading costs the store no queue: the
// writer goes on at full speed, and the subscriber later gets every event,
// in order, from the log.
func TestSlowSubscriberDoesNotHoldTheWriter(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s, err := embedded.Open(t.TempDir(), embedded.Options{SegmentSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	subs := make([]eventstore.Subscription, 8)
	for i := range subs {
		if subs[i], err = s.Subscribe(ctx, eventstore.Start, eventstore.Filter{}); err != nil {
			t.Fatal(err)
		}
		if _, err := subs[i].Recv(ctx); err != nil { // started, then never read while appending
			t.Fatal(err)
		}
	}
	const n = 20000
	batch := make([]eventstore.EventData, 100)
	for i := range batch {
		batch[i] = eventstore.EventData{Type: "log.received", Data: []byte(`{"msg":"sshd: Failed password for root from 203.0.113.7"}`)}
	}
	for i := 0; i < n; i += len(batch) {
		if _, err := s.Append(ctx, fmt.Sprintf("log-acme.host%d", i%7), eventstore.Any, batch...); err != nil {
			t.Fatal(err)
		}
	}
	for i, sub := range subs {
		var last eventstore.Position
		got := 0
		for got < n {
			m, err := sub.Recv(ctx)
			if err != nil {
				t.Fatalf("subscriber %d after %d events: %v", i, got, err)
			}
			if m.Kind != eventstore.EventAppeared {
				continue
			}
			if !last.Less(m.Position) {
				t.Fatalf("subscriber %d: position %s after %s", i, m.Position, last)
			}
			last = m.Position
			got++
		}
	}
}

// TestCatchUpReadsPastTheEndOfItsLastPage: a catching-up subscription keeps
// its read buffer from one page to the next, and that buffer may have been
// read when the log ended inside it. Events committed since must be read
// from the file, not from the zeros the buffer held there.
func TestCatchUpReadsPastTheEndOfItsLastPage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	appendN := func(from, n int) {
		for i := from; i < from+n; i++ {
			ev := eventstore.EventData{Type: "alert.raised", Data: fmt.Appendf(nil, `{"n":%d}`, i)}
			if _, err := s.Append(ctx, "alert-acme.a1", eventstore.Any, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Fewer small events than one read chunk holds, more than one page.
	appendN(0, 300)
	sub, err := s.Subscribe(ctx, eventstore.Start, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := 0
	recv := func(until int) {
		for got < until {
			m, err := sub.Recv(ctx)
			if err != nil {
				t.Fatalf("after %d events: %v", got, err)
			}
			if m.Kind != eventstore.EventAppeared {
				continue
			}
			if want := fmt.Sprintf(`{"n":%d}`, got); string(m.Event.Data) != want || m.Event.Revision != uint64(got) {
				t.Fatalf("event %d: revision %d, data %s; want revision %d, data %s", got, m.Event.Revision, m.Event.Data, got, want)
			}
			got++
		}
	}
	recv(200) // within the first page: the rest of the log is buffered already
	appendN(300, 300)
	recv(600)
}
