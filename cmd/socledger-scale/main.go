// Command socledger-scale runs the "event store at scale" benchmark of the
// embedded store and prints its figures next to their targets.
//
// It fills a store in a new data directory with 50 million 100-byte events
// over 1,000,000 streams (16 concurrent appenders, batches of 100, a few
// "hot" streams of 1,000 single-event appends spread over the whole log,
// recorded by a clock that puts the first half of the log more than 90
// days before the second), sampling the process's anonymous memory every
// 5 million events. Then it times Open after a clean Close and after a kill
// -9 of a child process that was appending (itself, re-run with
// --child-append), times ReadStream of the hot streams with a warm page
// cache and with the caches dropped before each read, and measures appends
// while a scavenge applies a 90-day retention to the log streams. The
// results go to standard output as a table (every figure with its target
// and PASS, FAIL or INFO) and, with --json FILE, to a JSON file.
//
// Usage:
//
//	socledger-scale [flags]
//
// "make bench-scale" runs it with the defaults, in about 10 minutes. The
// filled store takes about 14 GB under --dir (default: the system's
// temporary directory); the unthrottled appends during the scavenge (some
// 250 MB/s) then write until the scavenge ends or the disk is down to
// --min-free-gb free. It deletes what it wrote unless --keep.
//
// Dropping the page cache writes /proc/sys/vm/drop_caches (root only);
// without that permission, or with --drop-caches=fadvise, it asks the
// kernel to drop each file of the data directory from the page cache
// instead. --events, --streams and --hot scale the benchmark down (its test
// runs the whole flow on 200,000 events).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "socledger-scale:", err)
		os.Exit(1)
	}
}

// config is the benchmark's configuration: its flags.
type config struct {
	Dir          string        `json:"-"`
	Keep         bool          `json:"-"`
	JSON         string        `json:"-"`
	Events       int64         `json:"events"`
	Streams      int64         `json:"streams"`
	Hot          int           `json:"hot_streams"`
	HotEvents    int           `json:"hot_stream_events"`
	Appenders    int           `json:"appenders"`
	Batch        int           `json:"batch"`
	EventSize    int           `json:"event_size"`
	SegmentSize  int64         `json:"segment_size,omitempty"`
	SampleEvery  int64         `json:"sample_every"`
	KillAfter    time.Duration `json:"kill_after_ns"`
	WarmReads    int           `json:"warm_reads"`
	ColdReads    int           `json:"cold_reads"`
	DropCaches   string        `json:"drop_caches"`
	Baseline     time.Duration `json:"baseline_ns"`
	ScavengeMin  time.Duration `json:"scavenge_min_ns"`
	SkipScavenge bool          `json:"skip_scavenge,omitempty"`
	// ReadsOnly: time only the reads, on a store kept (--keep) by an
	// earlier run with the same workload flags.
	ReadsOnly string  `json:"reads_only,omitempty"`
	MinFreeGB float64 `json:"min_free_gb"`

	childAppend string // internal: run as the appending child on this data directory
}

const (
	dropAuto    = "auto"
	dropProc    = "proc"
	dropFadvise = "fadvise"
)

// parseFlags parses the command line (args without the program name).
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("socledger-scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: socledger-scale [flags]\n\nRuns the embedded store at scale (see the package doc) and prints its figures.\n\nFlags:")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.Dir, "dir", os.TempDir(), "create the store's data `directory` below this one")
	fs.BoolVar(&c.Keep, "keep", false, "keep the data directory at the end")
	fs.StringVar(&c.JSON, "json", "", "also write the results as JSON to `file`")
	fs.Int64Var(&c.Events, "events", 50_000_000, "events to fill the store with")
	fs.Int64Var(&c.Streams, "streams", 1_000_000, "streams they go to")
	fs.IntVar(&c.Hot, "hot", 10, "hot streams: each gets --hot-events single-event appends spread over the whole fill")
	fs.IntVar(&c.HotEvents, "hot-events", 1000, "events of each hot stream")
	fs.IntVar(&c.Appenders, "appenders", 16, "concurrent appenders")
	fs.IntVar(&c.Batch, "batch", 100, "events per append to a log stream")
	fs.IntVar(&c.EventSize, "event-size", 100, "bytes of data per event")
	fs.Int64Var(&c.SegmentSize, "segment-size", 0, "the store's segment size in bytes (0: its default)")
	fs.Int64Var(&c.SampleEvery, "sample-every", 0, "sample memory every this many events (0: a tenth of --events)")
	fs.DurationVar(&c.KillAfter, "kill-after", 5*time.Second, "how long the child appends before it is killed")
	fs.IntVar(&c.WarmReads, "warm-reads", 200, "timed reads of hot streams with a warm page cache")
	fs.IntVar(&c.ColdReads, "cold-reads", 30, "timed reads of hot streams, each after dropping the caches")
	fs.StringVar(&c.DropCaches, "drop-caches", dropAuto, "how to drop the page cache: proc (/proc/sys/vm/drop_caches), fadvise (each file of the data directory) or auto (proc, else fadvise)")
	fs.DurationVar(&c.Baseline, "baseline", 20*time.Second, "how long to measure appends before the scavenge")
	fs.DurationVar(&c.ScavengeMin, "scavenge-min", 20*time.Second, "append during the scavenge for at least this long")
	fs.Float64Var(&c.MinFreeGB, "min-free-gb", 15, "stop the appends during the scavenge when the data directory's file system has less than this many GB free")
	fs.BoolVar(&c.SkipScavenge, "skip-scavenge", false, "skip the appends-during-scavenge step")
	fs.StringVar(&c.ReadsOnly, "reads-only", "", "only time the ReadStream reads, on the data `directory` an earlier run with the same workload flags kept (--keep)")
	fs.StringVar(&c.childAppend, "child-append", "", "internal: append to the store in `dir` until killed")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if c.SampleEvery <= 0 {
		c.SampleEvery = max(1, c.Events/10)
	}
	switch c.DropCaches {
	case dropAuto, dropProc, dropFadvise:
	default:
		return c, fmt.Errorf("--drop-caches: %q is not auto, proc or fadvise", c.DropCaches)
	}
	switch {
	case c.Appenders < 1, c.Batch < 1, c.EventSize < 16, c.Hot < 1, c.HotEvents < 1:
		return c, errors.New("--appenders, --batch, --hot and --hot-events must be at least 1, --event-size at least 16")
	case c.WarmReads < 1, c.ColdReads < 1:
		return c, errors.New("--warm-reads and --cold-reads must be at least 1")
	}
	return c, nil
}

// run runs the tool with the command line args (program name first).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args[1:], stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if cfg.childAppend != "" {
		return runChild(ctx, cfg, stdout)
	}
	w, err := newWorkload(cfg)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to run it as a child: %w", err)
	}
	if cfg.ReadsOnly != "" {
		b := &bench{cfg: cfg, w: w, dir: cfg.ReadsOnly, exe: exe, log: &syncWriter{w: stderr}}
		res, err := b.readsOnly(ctx)
		res.finish()
		res.print(stdout)
		return err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(cfg.Dir, "socledger-scale-")
	if err != nil {
		return err
	}
	b := &bench{cfg: cfg, w: w, dir: dir, exe: exe, log: &syncWriter{w: stderr}}
	res, err := b.run(ctx)
	if cfg.Keep {
		fmt.Fprintf(stderr, "kept the data directory %s\n", dir)
	} else if rerr := os.RemoveAll(dir); rerr != nil {
		err = errors.Join(err, rerr)
	}
	res.finish()
	res.print(stdout)
	if cfg.JSON != "" {
		if jerr := res.writeJSON(cfg.JSON); jerr != nil {
			err = errors.Join(err, jerr)
		}
	}
	return err
}

// syncWriter serialises writes to w (the log is written by the benchmark's
// goroutines and the child's stderr).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
