package embedded_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// Command execution (read → fold → decide → append) of the incident
// aggregate on the embedded store: what an analyst's "add a note" costs.

var incidents = eventstore.Aggregate[incident.Command, incident.Event, incident.State]{
	Name: "incident", Decider: incident.Decider, Codec: incident.Codec(), Stream: incident.StreamOf,
}

var benchAt = time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)

func benchMeta(id string) domain.Meta {
	return domain.Meta{CommandID: id, Tenant: "acme", Actor: "user:alice", At: benchAt}
}

// openIncidents opens n incidents and returns their IDs.
func openIncidents(b *testing.B, x *eventstore.Executor, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("INC-%d", i)
		var c incident.Command = incident.Open{Meta: benchMeta("open-" + ids[i]), IncidentID: ids[i], Title: "Suspicious PowerShell on ws-0042", Severity: domain.SeverityHigh}
		if _, err := eventstore.Execute(context.Background(), x, incidents, c); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

func addNote(id string, n int64) incident.Command {
	return incident.AddNote{
		Meta: benchMeta(fmt.Sprintf("note-%s-%d", id, n)), IncidentID: id, NoteID: fmt.Sprintf("n%d", n),
		Text: "Isolated ws-0042 from the network; collecting memory image for analysis.",
	}
}

func newExecutor(s *embedded.Store) *eventstore.Executor {
	return &eventstore.Executor{Store: s, Cache: eventstore.NewStateCache(4096), MaxAttempts: 1000}
}

// BenchmarkExecuteConcurrent: 256 writers, each adding notes to its own
// incident; group commit shares each fdatasync among the waiting writers.
func BenchmarkExecuteConcurrent(b *testing.B) {
	s, c := openBench(b)
	const writers = 256
	x := newExecutor(s)
	ids := openIncidents(b, x, writers)
	ctx := context.Background()
	var attempts atomic.Int64
	b.ReportAllocs()
	base := c.syncs.Load()
	elapsed := runConcurrent(b, writers, func(w int, i int64) {
		res, err := eventstore.Execute(ctx, x, incidents, addNote(ids[w], i))
		if err != nil {
			b.Error(err)
		}
		attempts.Add(int64(res.Attempts))
	})
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commands/s")
	b.ReportMetric(float64(c.syncs.Load()-base)/float64(b.N), "fsyncs/op")
	b.ReportMetric(float64(attempts.Load()-int64(b.N))/float64(b.N), "retries/op")
}

// BenchmarkExecuteSerial: one writer, one command at a time; bounded by one
// fdatasync per command.
func BenchmarkExecuteSerial(b *testing.B) {
	s, c := openBench(b)
	raw := rawSyncTime(b, benchDir(b), 1024)
	x := newExecutor(s)
	id := openIncidents(b, x, 1)[0]
	ctx := context.Background()
	b.ReportAllocs()
	base := c.syncs.Load()
	start := time.Now()
	var n int64
	for b.Loop() {
		if _, err := eventstore.Execute(ctx, x, incidents, addNote(id, n)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commands/s")
	b.ReportMetric(float64(c.syncs.Load()-base)/float64(b.N), "fsyncs/op")
	b.ReportMetric(1/raw.Seconds(), "raw-syncs/s")
}

// BenchmarkExecuteHotStream: 64 writers adding notes to one incident
// through 4 executors (as 4 serve processes on one store would): within an
// executor the commands queue on the stream; between executors they race
// for each revision, and the losers read the new events and decide again.
func BenchmarkExecuteHotStream(b *testing.B) {
	s, _ := openBench(b)
	const writers, executors = 64, 4
	xs := make([]*eventstore.Executor, executors)
	for i := range xs {
		xs[i] = newExecutor(s)
	}
	id := openIncidents(b, xs[0], 1)[0]
	ctx := context.Background()
	var attempts atomic.Int64
	b.ReportAllocs()
	elapsed := runConcurrent(b, writers, func(w int, i int64) {
		res, err := eventstore.Execute(ctx, xs[w%executors], incidents, addNote(id, i))
		if err != nil {
			b.Error(err)
		}
		attempts.Add(int64(res.Attempts))
	})
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commands/s")
	b.ReportMetric(float64(attempts.Load()-int64(b.N))/float64(b.N), "retries/op")
}
