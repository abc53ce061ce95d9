package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

type scavengeResult struct {
	BaselineDuration time.Duration `json:"baseline_ns"`
	BaselineEvents   int64         `json:"baseline_events"`
	BaselineRate     float64       `json:"baseline_events_per_second"`
	// Duration is the scavenge's; DuringEvents were appended meanwhile.
	Duration     time.Duration `json:"scavenge_ns"`
	DuringEvents int64         `json:"during_events"`
	DuringRate   float64       `json:"during_events_per_second"`
	// Window is the time appended from the scavenge's start: at least
	// cfg.ScavengeMin, and at least the scavenge.
	Window          time.Duration  `json:"window_ns"`
	WindowEvents    int64          `json:"window_events"`
	WindowRate      float64        `json:"window_events_per_second"`
	Report          scavengeReport `json:"report"`
	Truncations     int64          `json:"truncations"`
	DiskBefore      int64          `json:"disk_before_bytes"`
	DiskAfter       int64          `json:"disk_after_bytes"`
	AppendedBetween int64          `json:"appended_between_events"`
	HotIntact       int            `json:"hot_streams_complete"`
	// AppendsStoppedAfter is set when the appends stopped (the disk nearly
	// full) that long after the scavenge started.
	AppendsStoppedAfter time.Duration `json:"appends_stopped_after_ns,omitempty"`
}

// scavengeReport is embedded.ScavengeReport with JSON names.
type scavengeReport struct {
	Segments   int   `json:"segments"`
	Rewritten  int   `json:"rewritten"`
	Removed    int64 `json:"removed"`
	Held       int64 `json:"held"`
	Heads      int64 `json:"heads"`
	BytesFreed int64 `json:"bytes_freed"`
}

// scavenge measures appends (cfg.Appenders appenders, batches of cfg.Batch
// to the log streams) for cfg.Baseline, then, without stopping them, runs a
// scavenge with a 90-day retention of the log streams, and keeps appending
// until the scavenge has ended and cfg.ScavengeMin has passed. The appends
// stop early when the file system's free space falls below
// cfg.MinFreeGB: unthrottled, they write about 250 MB/s, which a scavenge
// of some minutes (at its default I/O rate) would turn into more than the
// disk holds.
func (b *bench) scavenge(ctx context.Context, s *embedded.Store) error {
	res := &scavengeResult{}
	b.res.Scavenge = res
	b.mon.setPhase("appends (baseline)")
	l := b.startLoad(ctx, s)
	defer l.stop()
	guardCtx, stopGuard := context.WithCancel(ctx)
	defer stopGuard()
	go b.guardDisk(guardCtx, l)

	t0, c0 := time.Now(), l.completed.Load()
	if err := sleep(ctx, b.cfg.Baseline); err != nil {
		return err
	}
	if err := l.err(); err != nil {
		return err
	}
	t1, c1 := time.Now(), l.completed.Load()
	res.BaselineDuration, res.BaselineEvents = t1.Sub(t0), c1-c0
	res.BaselineRate = float64(res.BaselineEvents) / res.BaselineDuration.Seconds()
	b.logf("appends before the scavenge: %.0f events/s", res.BaselineRate)

	var err error
	if res.DiskBefore, _, err = diskUsage(b.dir); err != nil {
		return err
	}
	var truncations atomic.Int64
	b.logf("scavenge: retention %s of log- streams, %d appenders appending meanwhile", retention, b.cfg.Appenders)
	b.mon.setPhase("scavenge")
	t1, c1 = time.Now(), l.completed.Load()
	rep, err := s.Scavenge(ctx, embedded.Retention{
		Rules: []embedded.RetentionRule{{Prefix: "log-", MaxAge: retention}},
		BeforeRemove: func(_ context.Context, cuts []eventstore.Truncation) error {
			truncations.Add(int64(len(cuts)))
			return nil
		},
	})
	t2, c2 := time.Now(), l.completed.Load()
	b.mon.setPhase("appends (after the scavenge)")
	res.Report = scavengeReport(rep)
	res.Truncations = truncations.Load()
	res.Duration, res.DuringEvents = t2.Sub(t1), c2-c1
	if err != nil {
		return fmt.Errorf("scavenge: %w", err)
	}
	if res.DiskAfter, _, err = diskUsage(b.dir); err != nil {
		return err
	}
	res.AppendedBetween = c2 - c1
	overlap := res.Duration
	if stopped, ok := l.stoppedAt(); ok {
		if err := l.err(); err != nil && !errors.Is(err, errLowDisk) {
			return err
		}
		overlap = min(overlap, stopped.Sub(t1))
		res.AppendsStoppedAfter = max(0, stopped.Sub(t1))
		if overlap <= 0 {
			return fmt.Errorf("the appends stopped before the scavenge started: %w", l.err())
		}
	}
	res.DuringRate = float64(res.DuringEvents) / overlap.Seconds()
	b.logf("scavenge: %s, %d events removed, %d of %d segments rewritten, %s freed; appends meanwhile %.0f events/s",
		res.Duration.Round(time.Millisecond), rep.Removed, rep.Rewritten, rep.Segments, mib(rep.BytesFreed), res.DuringRate)

	if _, ok := l.stoppedAt(); !ok {
		if err := sleep(ctx, time.Until(t1.Add(b.cfg.ScavengeMin))); err != nil {
			return err
		}
	}
	l.stop()
	stopped, _ := l.stoppedAt()
	res.Window, res.WindowEvents = stopped.Sub(t1), l.completed.Load()-c1
	res.WindowRate = float64(res.WindowEvents) / res.Window.Seconds()
	if err := l.err(); err != nil && !errors.Is(err, errLowDisk) {
		return err
	}

	// Retention applies to log- streams only: the hot incident streams
	// keep every event.
	for _, name := range b.w.hotStreams() {
		evs, err := s.ReadStream(ctx, name, 0, 0)
		if err != nil {
			return err
		}
		if len(evs) == b.cfg.HotEvents {
			res.HotIntact++
		}
	}
	return nil
}

// errLowDisk stops the appends of the scavenge step when the disk is
// nearly full.
var errLowDisk = errors.New("stopped appending: the disk is nearly full")

// guardDisk stops l when the free space of the data directory's file
// system falls below cfg.MinFreeGB.
func (b *bench) guardDisk(ctx context.Context, l *load) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		free, err := freeSpace(b.dir)
		if err != nil {
			return
		}
		if float64(free) < b.cfg.MinFreeGB*1e9 {
			b.logf("%s free on the disk, less than --min-free-gb %g: stopping the appends", gb(free), b.cfg.MinFreeGB)
			l.cancel(fmt.Errorf("%w (%s free)", errLowDisk, gb(free)))
			l.stop()
			return
		}
	}
}

// load appends batches to the log streams with cfg.Appenders appenders
// until stopped.
type load struct {
	completed atomic.Int64
	cancel    context.CancelCauseFunc
	ctx       context.Context
	wg        sync.WaitGroup
	running   atomic.Int64
	mu        sync.Mutex
	stopped   time.Time // when the last appender returned
}

func (b *bench) startLoad(ctx context.Context, s *embedded.Store) *load {
	l := &load{}
	l.ctx, l.cancel = context.WithCancelCause(ctx)
	l.running.Store(int64(b.cfg.Appenders))
	for a := range b.cfg.Appenders {
		l.wg.Go(func() {
			defer l.exit()
			bt := newBatches(b.cfg.EventSize, b.cfg.Batch)
			for i := int64(a); l.ctx.Err() == nil; i += int64(b.cfg.Appenders) {
				name := b.w.stream(kindLog, i%b.w.logStreams)
				if _, err := s.Append(l.ctx, name, eventstore.Any, bt.get(kindLog, 0, b.cfg.Batch)...); err != nil {
					if l.ctx.Err() == nil {
						l.cancel(fmt.Errorf("append to %s: %w", name, err))
					}
					return
				}
				l.completed.Add(int64(b.cfg.Batch))
			}
		})
	}
	return l
}

// exit is called by each appender as it returns.
func (l *load) exit() {
	if l.running.Add(-1) == 0 {
		l.mu.Lock()
		l.stopped = time.Now()
		l.mu.Unlock()
	}
}

// err returns why the load stopped, or nil if it runs or was stopped by
// stop.
func (l *load) err() error {
	if err := context.Cause(l.ctx); err != nil && !errors.Is(err, errStopped) {
		return err
	}
	return nil
}

// stop stops the appenders and waits for them.
func (l *load) stop() {
	l.cancel(errStopped)
	l.wg.Wait()
}

// stoppedAt returns when the load stopped, if it did.
func (l *load) stoppedAt() (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopped, !l.stopped.IsZero()
}

var errStopped = errors.New("load stopped")

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
