package esdb_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/esdb"
	"github.com/socledger/socledger/eventstore/esdb/esdbtest"
)

// The benchmarks measure the adapter and the client against the in-process
// server over loopback gRPC: an upper bound for a real cluster, whose disk
// and replication come on top, but a fair measure of the adapter's own
// costs (reads before appends, envelopes, hashing, decoding).

func benchStore(b *testing.B) (*esdb.Store, *esdbtest.Server) {
	b.Helper()
	srv := esdbtest.Start(b, esdbtest.Options{})
	s, err := esdb.Open(b.Context(), esdb.Config{URL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s, srv
}

func benchEvent(n int) eventstore.EventData {
	return eventstore.EventData{
		EventID:  eventstore.NewEventID(),
		Type:     "log.received",
		Data:     fmt.Appendf(nil, `{"source":"fw01","line":"<134>1 2026-03-02T10:00:00Z fw01 filterlog - - - block in on em0 src=10.0.%d.%d"}`, n/256%256, n%256),
		Metadata: []byte(`{"tenant":"acme","actor":"ingest:fw01","schema":1}`),
	}
}

// BenchmarkAppend: one-event appends with Any to one stream (the head comes
// from the cache: one round trip per append).
func BenchmarkAppend(b *testing.B) {
	s, _ := benchStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	n := 0
	start := time.Now()
	for b.Loop() {
		if _, err := s.Append(ctx, "log-acme.fw01", eventstore.Any, benchEvent(n)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "appends/s")
}

// BenchmarkAppendBatch: appends of 100 events (an ingest batch).
func BenchmarkAppendBatch(b *testing.B) {
	s, _ := benchStore(b)
	ctx := b.Context()
	batch := make([]eventstore.EventData, 100)
	b.ReportAllocs()
	n := 0
	start := time.Now()
	for b.Loop() {
		for i := range batch {
			batch[i] = benchEvent(n + i)
		}
		if _, err := s.Append(ctx, "log-acme.fw01", eventstore.Any, batch...); err != nil {
			b.Fatal(err)
		}
		n += len(batch)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkAppendParallel: one-event appends from GOMAXPROCS goroutines,
// each to its own stream.
func BenchmarkAppendParallel(b *testing.B) {
	s, _ := benchStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	var streams atomic.Int64
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		stream := fmt.Sprintf("log-acme.host%d", streams.Add(1))
		n := 0
		for pb.Next() {
			if _, err := s.Append(ctx, stream, eventstore.Any, benchEvent(n)); err != nil {
				b.Error(err)
				return
			}
			n++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}

// BenchmarkCatchUp: a subscription from Start over 20,000 events, to
// CaughtUp; unfiltered and with a category filter matching 1 in 10.
func BenchmarkCatchUp(b *testing.B) {
	for _, tc := range []struct {
		name   string
		filter eventstore.Filter
		want   int
	}{
		{"All", eventstore.Filter{}, 20_000},
		{"Category", eventstore.Filter{StreamPrefixes: []string{"alert-"}}, 2_000},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, _ := benchStore(b)
			ctx := b.Context()
			batch := make([]eventstore.EventData, 100)
			for k := range 200 {
				stream := "log-acme.fw01"
				if k%10 == 0 {
					stream = "alert-acme.c0ffee"
				}
				for i := range batch {
					batch[i] = benchEvent(k*100 + i)
				}
				if _, err := s.Append(ctx, stream, eventstore.Any, batch...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			scanned := 0
			start := time.Now()
			for b.Loop() {
				sub, err := s.Subscribe(ctx, eventstore.Start, tc.filter)
				if err != nil {
					b.Fatal(err)
				}
				got := 0
				for {
					m, err := sub.Recv(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if m.Kind == eventstore.EventAppeared {
						got++
					}
					if m.Kind == eventstore.CaughtUp {
						break
					}
				}
				_ = sub.Close()
				if got != tc.want {
					b.Fatalf("caught up with %d events, want %d", got, tc.want)
				}
				scanned += 20_000
			}
			b.ReportMetric(float64(scanned)/time.Since(start).Seconds(), "scanned/s")
			b.ReportMetric(float64(scanned/20_000*tc.want)/time.Since(start).Seconds(), "events/s")
		})
	}
}
