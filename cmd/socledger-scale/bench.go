package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// span is how far the fill's clock starts behind the real time (see
// fillClock); retention is the maximum age of log events in the scavenge.
const (
	span      = 180 * 24 * time.Hour
	retention = 90 * 24 * time.Hour
)

// bench is one run of the benchmark.
type bench struct {
	cfg config
	w   workload
	dir string // the store's data directory
	exe string // this program, run as the appending child
	log io.Writer

	issued atomic.Int64 // events the fill has issued (drives the clock)
	clock  *fillClock
	mon    *monitor
	res    *results
}

// run runs every step, recording what it measured in the results (also
// when a step fails).
// setup prepares the clock, the results and the monitor of a run.
func (b *bench) setup() {
	b.clock = &fillClock{span: span, total: b.cfg.Events, issued: &b.issued}
	b.res = newResults(b.cfg, b.w, b.dir)
	b.mon = newMonitor()
}

func (b *bench) run(ctx context.Context) (*results, error) {
	b.setup()
	monCtx, stopMon := context.WithCancel(ctx)
	defer stopMon()
	go b.mon.run(monCtx, 100*time.Millisecond)
	defer func() {
		b.mon.setPhase("")
		b.res.PeakRSSAnon, b.res.OtherCPU = b.mon.results()
		delete(b.res.PeakRSSAnon, "")
	}()

	b.logf("data directory %s", b.dir)
	b.logf("fill: %d events over %d streams (%d log streams, %d alert and incident streams, %d hot streams of %d events)",
		b.cfg.Events, b.cfg.Streams, b.w.logStreams, b.w.otherStreams, b.cfg.Hot, b.cfg.HotEvents)
	// About 280 bytes of disk per event (100-byte events; more with
	// larger ones), and room for the child's appends.
	need := int64(float64(b.cfg.Events)*float64(200+b.cfg.EventSize)*1.3 + b.cfg.MinFreeGB*1e9)
	if free, err := freeSpace(b.dir); err == nil && free < need {
		return b.res, fmt.Errorf("%s free on the disk of %s; the fill needs about %s (with --min-free-gb %g left over): use --dir elsewhere or fewer --events",
			gb(free), b.dir, gb(need), b.cfg.MinFreeGB)
	}
	b.mon.setPhase("fill")
	s, err := embedded.Open(b.dir, b.opts())
	if err != nil {
		return b.res, err
	}
	fill, err := b.fill(ctx, s)
	b.res.Fill = fill
	if err != nil {
		s.Close()
		return b.res, fmt.Errorf("fill: %w", err)
	}

	b.mon.setPhase("reopen")
	if s, err = b.reopens(ctx, s); err != nil {
		return b.res, err
	}
	defer func() {
		if s != nil {
			s.Close()
		}
	}()

	if err := b.reads(ctx, s); err != nil {
		return b.res, fmt.Errorf("reads: %w", err)
	}

	if !b.cfg.SkipScavenge {
		if err := b.scavenge(ctx, s); err != nil {
			return b.res, fmt.Errorf("appends during a scavenge: %w", err)
		}
	}
	b.mon.setPhase("close")
	err = s.Close()
	s = nil
	return b.res, err
}

// readsOnly opens a kept store and times the reads alone.
func (b *bench) readsOnly(ctx context.Context) (*results, error) {
	b.setup()
	s, err := embedded.Open(b.dir, b.opts())
	if err != nil {
		return b.res, err
	}
	err = b.reads(ctx, s)
	return b.res, errors.Join(err, s.Close())
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func (b *bench) opts() embedded.Options {
	return embedded.Options{Now: b.clock.now, SegmentSize: b.cfg.SegmentSize}
}

// fill appends the workload with cfg.Appenders concurrent appenders,
// sampling memory every cfg.SampleEvery events.
func (b *bench) fill(ctx context.Context, s *embedded.Store) (*fillResult, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ops := make(chan op, 4*b.cfg.Appenders)
	go b.w.schedule(ctx, ops, &b.issued)
	var completed, appends atomic.Int64
	var wg sync.WaitGroup
	maxN := max(b.cfg.Batch, int(b.w.total[kindOther]/b.w.otherStreams)+1)
	start := time.Now()
	for range b.cfg.Appenders {
		wg.Go(func() {
			bt := newBatches(b.cfg.EventSize, maxN)
			for o := range ops {
				name := b.w.stream(o.kind, o.idx)
				if _, err := s.Append(ctx, name, eventstore.Any, bt.get(o.kind, o.idx, o.n)...); err != nil {
					cancel(fmt.Errorf("append to %s: %w", name, err))
					return
				}
				completed.Add(int64(o.n))
				appends.Add(1)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	res := &fillResult{}
	next := b.cfg.SampleEvery
	// One sample as soon as the count passes a multiple of SampleEvery
	// (within a tick of the 10 ms ticker: some 10,000 events late at full
	// speed).
	sampleUpTo := func(n int64) {
		if n < next {
			return
		}
		m := b.sample(s, n, time.Since(start))
		res.Samples = append(res.Samples, m)
		b.logf("fill: %d events (%.0f events/s), RssAnon %s (peak since the last sample %s), Go heap in use %s, %d segments",
			m.Events, float64(m.Events)/m.Elapsed.Seconds(), mib(m.RSSAnon), mib(m.RSSAnonPeak), mib(m.HeapInUse), m.Segments)
		for next <= n {
			next += b.cfg.SampleEvery
		}
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case <-tick.C:
			sampleUpTo(completed.Load())
		}
	}
	res.Duration = time.Since(start)
	res.Events, res.Appends = completed.Load(), appends.Load()
	if err := context.Cause(ctx); err != nil {
		return res, err
	}
	sampleUpTo(res.Events)
	res.Rate = float64(res.Events) / res.Duration.Seconds()
	res.PeakRSSAnon = b.mon.peak("fill")
	res.Segments = s.Stats().Segments
	var err error
	if res.DiskAllocated, res.DiskSize, err = diskUsage(b.dir); err != nil {
		return res, err
	}
	b.logf("fill: done, %d events in %d appends in %s (%.0f events/s), %d segments, %s on disk",
		res.Events, res.Appends, res.Duration.Round(time.Millisecond), res.Rate, res.Segments, gb(res.DiskAllocated))
	return res, nil
}

// sample measures the memory once events events are appended: RssAnon as
// it is, then the Go heap in use after a garbage collection.
func (b *bench) sample(s *embedded.Store, events int64, elapsed time.Duration) memSample {
	m := memSample{Events: events, Elapsed: elapsed}
	m.RSSAnon, _ = rssAnon()
	b.mon.observe(m.RSSAnon)
	m.RSSAnonPeak = b.mon.takeInterval()
	m.HeapInUse = heapInUse()
	m.Segments = s.Stats().Segments
	return m
}

// heapInUse returns the bytes of heap objects after a garbage collection.
func heapInUse() int64 {
	runtime.GC()
	sm := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sm)
	if sm[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sm[0].Value.Uint64())
}

// reopens closes s and times Open: after the clean Close, with the page
// cache as it is and with it dropped, then after a kill -9 of a child
// process appending to the store, likewise. It returns the store as the
// last open left it.
func (b *bench) reopens(ctx context.Context, s *embedded.Store) (*embedded.Store, error) {
	start := time.Now()
	err := s.Close()
	b.res.CloseDuration = time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("close after the fill: %w", err)
	}
	b.logf("close after the fill: %s", b.res.CloseDuration.Round(time.Millisecond))
	events := int64(b.res.Fill.Events)
	cases := []openResult{
		{Shutdown: "clean", Cache: "warm"},
		{Shutdown: "clean", Cache: "cold"},
		{Shutdown: "kill -9", Cache: "warm"},
		{Shutdown: "kill -9", Cache: "cold"},
	}
	for i, o := range cases {
		o.EventsBefore = events
		if o.Shutdown == "kill -9" {
			if o.ChildAcked, err = b.runChild(ctx); err != nil {
				return nil, fmt.Errorf("appending child: %w", err)
			}
		}
		if o.Cache == "cold" {
			if err := b.drop(); err != nil {
				return nil, err
			}
		}
		start := time.Now()
		st, err := embedded.Open(b.dir, b.opts())
		o.Duration = time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("open after %s shutdown (%s page cache): %w", o.Shutdown, o.Cache, err)
		}
		o.EventsAfter = int64(st.Stats().Events)
		events = o.EventsAfter
		b.res.Opens = append(b.res.Opens, o)
		b.logf("open after a %s shutdown, %s page cache: %s (%d events)", o.Shutdown, o.Cache, o.Duration.Round(time.Millisecond), o.EventsAfter)
		if i == len(cases)-1 {
			return st, nil
		}
		if err := st.Close(); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// drop drops the data directory from the page cache.
func (b *bench) drop() error {
	method, err := dropCaches(b.cfg.DropCaches, b.dir)
	if err != nil {
		return fmt.Errorf("dropping the page cache (%s): %w", method, err)
	}
	b.res.DropMethod = method
	return nil
}

// reads times ReadStream of the whole hot streams, with a warm page cache
// and with the caches dropped before each read.
func (b *bench) reads(ctx context.Context, s *embedded.Store) error {
	hot := b.w.hotStreams()
	read := func(name string) (time.Duration, error) {
		start := time.Now()
		evs, err := s.ReadStream(ctx, name, 0, 0)
		d := time.Since(start)
		switch {
		case err != nil:
			return d, err
		case len(evs) != b.cfg.HotEvents || evs[len(evs)-1].Revision != uint64(b.cfg.HotEvents-1):
			return d, fmt.Errorf("%s: read %d events, want revisions 0 to %d", name, len(evs), b.cfg.HotEvents-1)
		}
		return d, nil
	}
	// Write back whatever the fill and the kill -9 child left dirty, so
	// that no writeback of the earlier steps lands in the timed reads (the
	// log line says how long it took: usually nothing is left).
	start := time.Now()
	syscall.Sync()
	b.logf("reads: wrote back the page cache's dirty pages first (sync, %s)", time.Since(start).Round(time.Millisecond))
	for _, name := range hot { // warm up
		if _, err := read(name); err != nil {
			return err
		}
	}
	timed := func(l *latencyResult, name string) error {
		sys0, disk0, ioErr := ioCounters()
		d, err := read(name)
		if err != nil {
			return err
		}
		sys1, disk1, _ := ioCounters()
		l.add(d)
		if ioErr == nil {
			l.syscalls += sys1 - sys0
			l.storage += disk1 - disk0
		}
		return nil
	}
	b.mon.setPhase("reads (warm)")
	warm := latencyResult{Cache: "warm", Events: b.cfg.HotEvents}
	for i := 0; i < b.cfg.WarmReads; i++ {
		if err := timed(&warm, hot[i%len(hot)]); err != nil {
			return err
		}
	}
	warm.summarize()
	b.res.Reads = append(b.res.Reads, warm)
	b.logf("ReadStream, warm page cache: %d reads, p50 %s, p99 %s, max %s; per read %.0f read calls, %.0f KiB from storage",
		warm.Reads, us(warm.P50), us(warm.P99), us(warm.Max), warm.ReadCalls, warm.StorageBytes/1024)
	b.mon.setPhase("reads (cold)")
	cold := latencyResult{Cache: "cold", Events: b.cfg.HotEvents}
	for i := 0; i < b.cfg.ColdReads; i++ {
		if err := b.drop(); err != nil {
			return err
		}
		if err := timed(&cold, hot[i%len(hot)]); err != nil {
			return err
		}
	}
	cold.summarize()
	b.res.Reads = append(b.res.Reads, cold)
	b.logf("ReadStream, caches dropped (%s) before each: %d reads, p50 %s, p99 %s, max %s; per read %.0f read calls, %.0f KiB from storage",
		b.res.DropMethod, cold.Reads, us(cold.P50), us(cold.P99), us(cold.Max), cold.ReadCalls, cold.StorageBytes/1024)
	return nil
}

// monitor polls RssAnon and keeps its peak per phase of the run and per
// sampling interval of the fill, and measures how much CPU other processes
// of the machine used during each phase (the figures mean little if the
// machine was busy with something else).
type monitor struct {
	mu       sync.Mutex
	phase    string
	peaks    map[string]int64
	interval int64    // peak since the last takeInterval
	cpu0     [3]int64 // busy, total and own CPU time at the phase's start
	cpuOK    bool
	otherCPU map[string]float64
}

func newMonitor() *monitor {
	return &monitor{peaks: map[string]int64{}, otherCPU: map[string]float64{}}
}

func (m *monitor) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if v, err := rssAnon(); err == nil {
				m.observe(v)
			}
		}
	}
}

// setPhase ends the current phase and starts phase p ("" ends the last).
func (m *monitor) setPhase(p string) {
	if v, err := rssAnon(); err == nil {
		m.observe(v)
	}
	busy, total, self, err := cpuTimes()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.phase != "" && m.cpuOK && err == nil && total > m.cpu0[1] {
		other := float64((busy-m.cpu0[0])-(self-m.cpu0[2])) / float64(total-m.cpu0[1])
		m.otherCPU[m.phase] = min(max(other, 0), 1)
	}
	m.phase, m.cpu0, m.cpuOK = p, [3]int64{busy, total, self}, err == nil
}

func (m *monitor) observe(v int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.peaks[m.phase] = max(m.peaks[m.phase], v)
	m.interval = max(m.interval, v)
}

// takeInterval returns the peak since its last call.
func (m *monitor) takeInterval() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.interval
	m.interval = 0
	return v
}

func (m *monitor) peak(phase string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peaks[phase]
}

// results returns the peaks and other processes' CPU shares by phase.
func (m *monitor) results() (peaks map[string]int64, otherCPU map[string]float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.peaks), maps.Clone(m.otherCPU)
}

func us(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
