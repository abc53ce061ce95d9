package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
)

// TestMain runs the test binary as the benchmark's appending child when
// the benchmark under test re-runs "itself" with --child-append.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "--child-append" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunSmall runs the whole benchmark on 200,000 events (small segments,
// so the hot streams spread over some 50 of them) and checks that it
// measured every figure and that the figures are sane; not that they meet
// the targets, which is the full-size run's business.
func TestRunSmall(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	jsonFile := filepath.Join(root, "results.json")
	var stdout, stderr bytes.Buffer
	args := []string{"socledger-scale",
		"--dir", root, "--json", jsonFile,
		"--events", "200000", "--streams", "5000", "--hot", "5",
		"--segment-size", "1048576", "--kill-after", "300ms",
		"--warm-reads", "20", "--cold-reads", "5", "--drop-caches", "fadvise",
		"--baseline", "500ms", "--scavenge-min", "500ms", "--min-free-gb", "0.5",
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s\nstdout:\n%s", err, &stderr, &stdout)
	}
	t.Logf("stdout:\n%s", &stdout)

	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var r results
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(root); err != nil || len(entries) != 1 {
		t.Errorf("the data directory is still there (or unreadable: %v): %v", err, entries)
	}

	f := r.Fill
	switch {
	case f == nil:
		t.Fatal("no fill results")
	case f.Events != 200_000:
		t.Errorf("fill: %d events, want 200,000", f.Events)
	case len(f.Samples) < 5:
		t.Errorf("fill: %d memory samples, want one every 20,000 events (a few may merge)", len(f.Samples))
	case f.Samples[len(f.Samples)-1].Events != 200_000:
		t.Errorf("fill: last memory sample at %d events, want 200,000", f.Samples[len(f.Samples)-1].Events)
	case f.Segments < 40:
		t.Errorf("fill: %d segments, want the log spread over some 50", f.Segments)
	}
	for _, m := range f.Samples {
		if m.RSSAnon <= 0 || m.RSSAnonPeak < m.RSSAnon || m.HeapInUse <= 0 || m.HeapInUse > 256<<20 {
			t.Errorf("implausible memory sample %+v", m)
		}
	}
	if want := r.Workload.LogEvents + r.Workload.OtherEvents + r.Workload.HotEvents; want != 200_000 {
		t.Errorf("the workload's kinds add up to %d events", want)
	}

	if len(r.Opens) != 4 {
		t.Fatalf("%d timed opens, want 4", len(r.Opens))
	}
	for _, o := range r.Opens {
		if o.Duration <= 0 || o.EventsAfter < f.Events {
			t.Errorf("open %+v", o)
		}
		if o.Shutdown == "kill -9" && (o.ChildAcked <= 0 || o.EventsAfter-o.EventsBefore < o.ChildAcked) {
			t.Errorf("open after kill -9: %+v: the child's acknowledged events are not all there", o)
		}
	}

	if len(r.Reads) != 2 {
		t.Fatalf("%d read latency results, want warm and cold", len(r.Reads))
	}
	for _, l := range r.Reads {
		want := map[string]int{"warm": 20, "cold": 5}[l.Cache]
		if l.Reads != want || len(l.Samples) != want || l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max || l.Events != 1000 || l.ReadCalls < 1 {
			t.Errorf("%s reads: %+v", l.Cache, l)
		}
	}
	if len(r.OtherCPU) < len(phases) {
		t.Errorf("other processes' CPU use measured in phases %v, want %v", r.OtherCPU, phases)
	}
	if r.DropMethod != dropFadvise {
		t.Errorf("caches dropped with %q, want fadvise", r.DropMethod)
	}

	sc := r.Scavenge
	switch {
	case sc == nil:
		t.Fatal("no scavenge results")
	case sc.BaselineRate <= 0 || sc.DuringRate <= 0 || sc.Duration <= 0:
		t.Errorf("scavenge: %+v", sc)
	case sc.Report.Removed == 0 || sc.Report.Rewritten == 0 || sc.Truncations == 0:
		t.Errorf("the scavenge removed nothing of the first half's log events: %+v", sc)
	case sc.Report.Removed > r.Workload.LogEvents:
		t.Errorf("the scavenge removed %d events, more than the fill's %d log events", sc.Report.Removed, r.Workload.LogEvents)
	case sc.HotIntact != 5:
		t.Errorf("%d of 5 hot incident streams complete after the scavenge", sc.HotIntact)
	case sc.DiskBefore <= 0 || sc.DiskAfter <= 0:
		t.Errorf("disk usage before/after: %d, %d", sc.DiskBefore, sc.DiskAfter)
	}

	// Every figure of the issue is in the table, measured.
	for _, want := range []string{
		"memory: peak RssAnon during the fill",
		"memory: RssAnon growth",
		"memory: Go heap in use growth",
		"open after a clean shutdown, warm page cache",
		"open after a clean shutdown, cold page cache",
		"open after a kill -9 shutdown, warm page cache",
		"open after a kill -9 shutdown, cold page cache",
		"ReadStream of a hot stream, warm page cache: p99",
		"ReadStream of a hot stream, caches dropped before each read: p99",
		"appends before the scavenge (baseline)",
		"appends while the scavenge runs",
		"disk used before the scavenge",
		"disk used after the scavenge",
	} {
		found := false
		for _, c := range r.Checks {
			if strings.HasPrefix(c.Name, want) {
				found = true
				if c.Status == notRun {
					t.Errorf("%s: not run", c.Name)
				}
			}
		}
		if !found {
			t.Errorf("no %q row in the results", want)
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the printed table has no %q row", want)
		}
	}
	for _, c := range r.Checks {
		if c.Status != pass && c.Status != fail && c.Status != info {
			t.Errorf("%s: status %q", c.Name, c.Status)
		}
	}
}

// TestWorkload checks the fill's plan without running it, at a tenth of
// the default scale: the totals, one append per alert or incident stream,
// and that each hot stream's appends are spread evenly over the fill.
func TestWorkload(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"--events", "5000000", "--streams", "100000"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWorkload(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if w.logStreams+w.otherStreams+int64(cfg.Hot) != cfg.Streams {
		t.Errorf("%d log + %d other + %d hot streams, want %d", w.logStreams, w.otherStreams, cfg.Hot, cfg.Streams)
	}
	ops := make(chan op, 1024)
	var issued atomic.Int64
	go w.schedule(t.Context(), ops, &issued)
	var events, hotSeen int64
	var perKind [kinds]int64
	hotAt := make([][]int64, cfg.Hot) // event count when each hot append was issued
	otherStreams := map[int64]bool{}
	for o := range ops {
		switch o.kind {
		case kindLog:
			if o.n != cfg.Batch || o.idx >= w.logStreams {
				t.Fatalf("log op %+v", o)
			}
		case kindOther:
			if o.n < 1 || otherStreams[o.idx] {
				t.Fatalf("other op %+v (one append per stream)", o)
			}
			otherStreams[o.idx] = true
		case kindHot:
			hotAt[o.idx] = append(hotAt[o.idx], events)
			hotSeen++
		}
		perKind[o.kind] += int64(o.n)
		events += int64(o.n)
	}
	if events != cfg.Events || issued.Load() != cfg.Events {
		t.Errorf("the plan has %d events (issued %d), want %d", events, issued.Load(), cfg.Events)
	}
	if int64(len(otherStreams)) != w.otherStreams {
		t.Errorf("%d alert and incident streams appended to, want %d", len(otherStreams), w.otherStreams)
	}
	for k := range kinds {
		if perKind[k] != w.total[k] {
			t.Errorf("kind %d: %d events, want %d", k, perKind[k], w.total[k])
		}
	}
	// Each hot stream's appends are evenly spread: one about every
	// events/hot-events events, the first near the start, the last near
	// the end.
	gap := cfg.Events / int64(cfg.HotEvents)
	for i, at := range hotAt {
		if len(at) != cfg.HotEvents {
			t.Fatalf("hot stream %d: %d appends", i, len(at))
		}
		if at[0] > gap || at[len(at)-1] < cfg.Events-2*gap {
			t.Errorf("hot stream %d: appends from event %d to %d of %d", i, at[0], at[len(at)-1], cfg.Events)
		}
		for j := 1; j < len(at); j++ {
			if d := at[j] - at[j-1]; d < gap/2 || d > 2*gap {
				t.Fatalf("hot stream %d: appends %d and %d are %d events apart, want about %d", i, j-1, j, d, gap)
			}
		}
	}
	for _, name := range []string{w.stream(kindLog, 12345), w.stream(kindOther, 3), w.stream(kindOther, 4), w.hotStreams()[0]} {
		if err := eventstore.ValidateStreamName(name); err != nil {
			t.Error(err)
		}
	}
	if got := w.stream(kindLog, 12345); got != "log-t45.src123" {
		t.Errorf("log stream 12345 is %q", got)
	}
	if got := w.stream(kindOther, 3); !strings.HasPrefix(got, "incident-t3.") {
		t.Errorf("other stream 3 is %q, want an incident", got)
	}
	if got := w.stream(kindOther, 4); !strings.HasPrefix(got, "alert-t4.") {
		t.Errorf("other stream 4 is %q, want an alert", got)
	}
}
