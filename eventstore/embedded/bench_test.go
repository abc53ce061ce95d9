package embedded_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// The benchmarks run on a disk-backed directory: $SOCLEDGER_BENCH_DIR if
// set, else the package directory's testdata/bench-tmp (t.TempDir is often a
// tmpfs, where fdatasync costs nothing and the figures mean nothing).

func benchDir(b *testing.B) string {
	root := os.Getenv("SOCLEDGER_BENCH_DIR")
	if root == "" {
		root = filepath.Join("testdata", "bench-tmp")
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		b.Fatal(err)
	}
	dir, err := os.MkdirTemp(root, strings.ReplaceAll(b.Name()[len("Benchmark"):], "/", "_")+"-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// syncCounter is a vfs.FS that counts durable syncs (file data and
// directories).
type syncCounter struct {
	vfs.OS
	syncs    atomic.Int64
	syncTime atomic.Int64 // nanoseconds spent in file syncs
}

func (c *syncCounter) OpenFile(name string, flag int, perm uint32) (vfs.File, error) {
	f, err := c.OS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return countedFile{File: f, c: c}, nil
}

func (c *syncCounter) SyncDir(dir string) error {
	c.syncs.Add(1)
	return c.OS.SyncDir(dir)
}

type countedFile struct {
	vfs.File
	c *syncCounter
}

func (f countedFile) Sync() error {
	f.c.syncs.Add(1)
	if os.Getenv("SOCLEDGER_BENCH_NOSYNC") != "" {
		return nil
	}
	start := time.Now()
	err := f.File.Sync()
	f.c.syncTime.Add(int64(time.Since(start)))
	return err
}

func payload(n int) []byte {
	b := make([]byte, n)
	copy(b, `{"rule":"proc_creation_win_susp_whoami","host":"ws-0042","user":"acme\\alice","cmdline":"`)
	for i := 88; i < n-2; i++ {
		b[i] = 'a' + byte(i%26)
	}
	copy(b[n-2:], `"}`)
	return b
}

func openBench(b *testing.B) (*embedded.Store, *syncCounter) {
	c := &syncCounter{}
	s, err := embedded.Open(benchDir(b), embedded.Options{FS: c})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, c
}

// rawSyncTime measures write+fdatasync of n bytes at increasing offsets of a
// zero-filled file in dir: what the disk allows one durable append.
func rawSyncTime(b *testing.B, dir string, n int) time.Duration {
	f, err := vfs.OS{}.OpenFile(filepath.Join(dir, "raw.dat"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(filepath.Join(dir, "raw.dat"))
	defer f.Close()
	const rounds = 1000
	// Zero-filled like a log segment, so the figure is what the disk allows
	// the store.
	if _, err := f.WriteAt(make([]byte, rounds*(n+8)), 0); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	buf := payload(n)
	start := time.Now()
	for i := range rounds {
		if _, err := f.WriteAt(buf, int64(i*(n+8))); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start) / rounds
}

// runConcurrent runs b.Loop, handing each iteration to one of workers
// goroutines that calls op. The token channel is buffered so that workers
// take their next operation without waiting for the benchmark goroutine to
// be scheduled; at most 2×workers operations are handed out ahead.
func runConcurrent(b *testing.B, workers int, op func(worker int, i int64)) time.Duration {
	work := make(chan int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				op(w, i)
			}
		}()
	}
	start := time.Now()
	var i int64
	for b.Loop() {
		work <- i
		i++
	}
	close(work)
	wg.Wait()
	return time.Since(start)
}

func BenchmarkAppendBatch(b *testing.B) {
	s, c := openBench(b)
	const appenders, batch, size = 16, 100, 600
	data := payload(size)
	ctx := context.Background()
	events := make([][]eventstore.EventData, appenders)
	for w := range events {
		events[w] = make([]eventstore.EventData, batch)
		for i := range events[w] {
			events[w][i] = eventstore.EventData{Type: "log.received", Data: data}
		}
	}
	b.SetBytes(batch * size)
	b.ReportAllocs()
	base := c.syncs.Load()
	elapsed := runConcurrent(b, appenders, func(w int, i int64) {
		if _, err := s.Append(ctx, fmt.Sprintf("log-acme.src%02d", w), eventstore.Any, events[w]...); err != nil {
			b.Error(err)
		}
	})
	b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(c.syncs.Load()-base)/float64(b.N), "fsyncs/op")
}

func BenchmarkAppendConcurrent(b *testing.B) {
	s, c := openBench(b)
	const appenders, size = 64, 600
	// The disk's cost of one durable write of a group of 64 records, and of
	// one record, measured in this run.
	group := rawSyncTime(b, benchDir(b), appenders*(size+200))
	single := rawSyncTime(b, benchDir(b), size+200)
	data := payload(size)
	ctx := context.Background()
	streams := make([]string, 4096)
	for i := range streams {
		streams[i] = fmt.Sprintf("alert-acme.a%d", i)
	}
	floor := turnaroundFloor(appenders, size+200)
	b.ReportAllocs()
	base, baseTime, baseCPU := c.syncs.Load(), c.syncTime.Load(), processCPU()
	elapsed := runConcurrent(b, appenders, func(w int, i int64) {
		ev := eventstore.EventData{Type: "alert.raised", Data: data}
		if _, err := s.Append(ctx, streams[i%int64(len(streams))], eventstore.Any, ev); err != nil {
			b.Error(err)
		}
	})
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(c.syncs.Load()-base)/float64(b.N), "fsyncs/op")
	b.ReportMetric(float64(single.Microseconds()), "fsync-1-µs")
	b.ReportMetric(float64(group.Microseconds()), "fsync-64-µs")
	b.ReportMetric(0.8*appenders/group.Seconds(), "target-events/s")
	b.ReportMetric(float64(processCPU()-baseCPU)/float64(b.N)/1e3, "cpu-µs/op")
	b.ReportMetric(float64(floor.Microseconds()), "floor-µs")
	// What a store with no cost of its own could reach here: every cycle
	// is at least a group's fsync plus the floor.
	b.ReportMetric(appenders/(group+floor).Seconds(), "ceiling-events/s")
	// Where a cycle goes: the store's own syncs, and the time between them
	// (acknowledging a group, the appenders coming back, the next write),
	// when the disk has nothing to do.
	if syncs := c.syncs.Load() - base; syncs > 0 {
		own := time.Duration(c.syncTime.Load()-baseTime) / time.Duration(syncs)
		b.ReportMetric(float64(own.Microseconds()), "sync-µs")
		b.ReportMetric(float64((elapsed/time.Duration(syncs) - own).Microseconds()), "between-syncs-µs")
	}
}

// turnaroundFloor measures, on this machine, the least time between an
// fsync that acknowledges n appenders and the moment all n are back with
// their next record, whatever the store does: n goroutines parked on one
// channel are woken at once (one close), and each copies a record of size
// bytes, computes its SHA-256 and CRC-32C (what every append must) and
// queues it. Each round starts after an idle pause, as after an fsync.
func turnaroundFloor(n, size int) time.Duration {
	const rounds = 1000
	data := payload(size)
	queue := make(chan []byte, n)
	wake := make([]chan struct{}, rounds)
	for r := range wake {
		wake[r] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := make([]byte, 0, size+sha256.Size+4)
			for r := range rounds {
				<-wake[r]
				rec = append(rec[:0], data...)
				sum := sha256.Sum256(rec)
				rec = binary.LittleEndian.AppendUint32(append(rec, sum[:]...), crc32.Checksum(rec, castagnoli))
				queue <- rec
			}
		}()
	}
	var total time.Duration
	for r := range rounds {
		time.Sleep(150 * time.Microsecond) // everyone parked, as during an fsync
		start := time.Now()
		close(wake[r])
		for range n {
			<-queue
		}
		total += time.Since(start)
	}
	wg.Wait()
	return total / rounds
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// processCPU returns the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkAppendSerial(b *testing.B) {
	s, c := openBench(b)
	const size = 600
	raw := rawSyncTime(b, benchDir(b), size+200)
	data := payload(size)
	ctx := context.Background()
	b.ReportAllocs()
	base := c.syncs.Load()
	start := time.Now()
	for b.Loop() {
		if _, err := s.Append(ctx, "incident-acme.01JSERIAL", eventstore.Any, eventstore.EventData{Type: "incident.note_added", Data: data}); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(c.syncs.Load()-base)/float64(b.N), "fsyncs/op")
	b.ReportMetric(1/raw.Seconds(), "raw-syncs/s")
	b.ReportMetric(0.8/raw.Seconds(), "target-events/s")
}

// fill appends n events of 600 bytes over 1000 streams, in batches.
func fill(b *testing.B, s *embedded.Store, n int) {
	data := payload(600)
	ctx := context.Background()
	batch := make([]eventstore.EventData, 100)
	for i := range batch {
		batch[i] = eventstore.EventData{Type: "log.received", Data: data}
	}
	for i := 0; i < n; i += len(batch) {
		if _, err := s.Append(ctx, fmt.Sprintf("log-acme.src%03d", (i/len(batch))%1000), eventstore.Any, batch...); err != nil {
			b.Fatal(err)
		}
	}
}

const readEvents = 200_000

func BenchmarkReadAll(b *testing.B) {
	s, _ := openBench(b)
	fill(b, s, readEvents)
	ctx := context.Background()
	b.ReportAllocs()
	from := eventstore.Start
	events := 0
	start := time.Now()
	for b.Loop() {
		page, err := s.ReadAll(ctx, from, 1000, eventstore.Filter{})
		if err != nil {
			b.Fatal(err)
		}
		events += len(page.Events)
		from = page.Checkpoint
		if page.AtEnd {
			from = eventstore.Start
		}
	}
	b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
}

func BenchmarkSubscribeCatchUp(b *testing.B) {
	s, _ := openBench(b)
	fill(b, s, readEvents)
	ctx := context.Background()
	b.ReportAllocs()
	sub, err := s.Subscribe(ctx, eventstore.Start, eventstore.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	events := 0
	start := time.Now()
	for b.Loop() {
		m, err := sub.Recv(ctx)
		if err != nil {
			b.Fatal(err)
		}
		switch m.Kind {
		case eventstore.EventAppeared:
			events++
		case eventstore.CaughtUp:
			sub.Close()
			if sub, err = s.Subscribe(ctx, eventstore.Start, eventstore.Filter{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
	sub.Close()
}

// spreadStore is a store of 256 KiB segments holding the 1,000 events of
// incident-acme.spread, one after every 100 log events (600 bytes, over
// 1,000 streams): about 74 MB, about 290 segments, three or four of the
// stream's events in each.
func spreadStore(b *testing.B, headCache int) *embedded.Store {
	c := &syncCounter{}
	s, err := embedded.Open(benchDir(b), embedded.Options{FS: c, SegmentSize: 256 << 10, HeadCache: headCache})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := context.Background()
	data := payload(600)
	batch := make([]eventstore.EventData, 50)
	for i := range batch {
		batch[i] = eventstore.EventData{Type: "log.received", Data: data}
	}
	for i := range 1000 {
		if _, err := s.Append(ctx, "incident-acme.spread", eventstore.Any, eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"note":%d}`, i)}); err != nil {
			b.Fatal(err)
		}
		for range 2 {
			if _, err := s.Append(ctx, fmt.Sprintf("log-acme.src%03d", i), eventstore.Any, batch...); err != nil {
				b.Fatal(err)
			}
		}
	}
	return s
}

// BenchmarkReadStreamSpread reads a 1,000-event stream whose events are
// spread over about 290 sealed segments (warm page cache): every segment's
// index is probed, and only the stream's own records are read. "Tail" reads
// its last 10 events (the probe stops at the segment holding the first
// one); "Missing" a stream that does not exist (every segment probed).
func BenchmarkReadStreamSpread(b *testing.B) {
	s := spreadStore(b, 0)
	ctx := context.Background()
	for _, bc := range []struct {
		name, stream string
		from         uint64
		want         int
	}{{"Whole", "incident-acme.spread", 0, 1000}, {"Tail", "incident-acme.spread", 990, 10}, {"Missing", "incident-acme.none", 0, -1}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				evs, err := s.ReadStream(ctx, bc.stream, bc.from, 0)
				if bc.want < 0 && errors.Is(err, eventstore.ErrStreamNotFound) {
					continue
				}
				if err != nil || len(evs) != bc.want {
					b.Fatalf("%d events, %v", len(evs), err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/read")
			b.ReportMetric(float64(s.Stats().Segments), "segments")
		})
	}
}

// BenchmarkAppendNewStream: 16 concurrent appenders each create new
// streams (as raising alerts does) in a store of about 290 sealed segments.
// A new stream's head is in no memory: with the default head cache, which
// here covers every sealed segment (they hold few streams), that is known
// from memory; with a one-entry head cache ("Probe") the appender probes
// every segment's index file before the append reaches the writer.
func BenchmarkAppendNewStream(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache int
	}{{"Cached", 0}, {"Probe", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			s := spreadStore(b, bc.cache)
			ctx := context.Background()
			ev := eventstore.EventData{Type: "alert.raised", Data: payload(600)}
			b.ReportAllocs()
			elapsed := runConcurrent(b, 16, func(w int, i int64) {
				if _, err := s.Append(ctx, fmt.Sprintf("alert-acme.new%d", i), eventstore.NoStream, ev); err != nil {
					b.Error(err)
				}
			})
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
		})
	}
}
