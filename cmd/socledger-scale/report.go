package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// results is everything a run measured. It is written as JSON with --json.
type results struct {
	Config     config       `json:"config"`
	Workload   workloadInfo `json:"workload"`
	Dir        string       `json:"dir"`
	Started    time.Time    `json:"started"`
	DropMethod string       `json:"drop_caches_method,omitempty"`
	Fill       *fillResult  `json:"fill,omitempty"`
	// CloseDuration is the clean Close after the fill.
	CloseDuration time.Duration    `json:"close_after_fill_ns,omitempty"`
	Opens         []openResult     `json:"opens,omitempty"`
	Reads         []latencyResult  `json:"reads,omitempty"`
	Scavenge      *scavengeResult  `json:"scavenge,omitempty"`
	PeakRSSAnon   map[string]int64 `json:"peak_rss_anon_bytes"` // by phase of the run
	// OtherCPU is the share of the machine's CPU time that other processes
	// used during each phase (0 to 1).
	OtherCPU map[string]float64 `json:"other_processes_cpu"`
	Checks   []check            `json:"checks"`
}

type workloadInfo struct {
	LogStreams   int64 `json:"log_streams"`
	LogEvents    int64 `json:"log_events"`
	OtherStreams int64 `json:"alert_incident_streams"`
	OtherEvents  int64 `json:"alert_incident_events"`
	HotStreams   int   `json:"hot_streams"`
	HotEvents    int64 `json:"hot_events"`
}

func newResults(cfg config, w workload, dir string) *results {
	return &results{
		Config: cfg,
		Workload: workloadInfo{
			LogStreams: w.logStreams, LogEvents: w.total[kindLog],
			OtherStreams: w.otherStreams, OtherEvents: w.total[kindOther],
			HotStreams: cfg.Hot, HotEvents: w.total[kindHot],
		},
		Dir:     dir,
		Started: time.Now().UTC(),
	}
}

type fillResult struct {
	Events        int64         `json:"events"`
	Appends       int64         `json:"appends"`
	Duration      time.Duration `json:"duration_ns"`
	Rate          float64       `json:"events_per_second"`
	Samples       []memSample   `json:"samples"`
	PeakRSSAnon   int64         `json:"peak_rss_anon_bytes"`
	Segments      int           `json:"segments"`
	DiskAllocated int64         `json:"disk_allocated_bytes"`
	DiskSize      int64         `json:"disk_size_bytes"`
}

// memSample is the memory once Events events were appended.
type memSample struct {
	Events  int64 `json:"events"`
	RSSAnon int64 `json:"rss_anon_bytes"`
	// RSSAnonPeak is the peak RssAnon (polled every 100 ms) since the
	// previous sample.
	RSSAnonPeak int64         `json:"rss_anon_peak_bytes"`
	HeapInUse   int64         `json:"heap_in_use_bytes"` // after a GC
	Segments    int           `json:"segments"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

type openResult struct {
	Shutdown     string        `json:"shutdown"` // "clean" or "kill -9"
	Cache        string        `json:"page_cache"`
	Duration     time.Duration `json:"duration_ns"`
	EventsBefore int64         `json:"events_before"`
	ChildAcked   int64         `json:"child_acked_events,omitempty"`
	EventsAfter  int64         `json:"events_after"`
}

// latencyResult is the latency of reading whole hot streams.
type latencyResult struct {
	Cache   string          `json:"page_cache"`
	Events  int             `json:"events_per_read"`
	Reads   int             `json:"reads"`
	P50     time.Duration   `json:"p50_ns"`
	P99     time.Duration   `json:"p99_ns"`
	Max     time.Duration   `json:"max_ns"`
	Samples []time.Duration `json:"samples_ns"`
	// ReadCalls and StorageBytes are the means per read of the read system
	// calls and of the bytes read from storage (/proc/self/io; the
	// process's other threads may add a few calls).
	ReadCalls    float64 `json:"read_calls_per_read"`
	StorageBytes float64 `json:"storage_bytes_per_read"`

	syscalls, storage int64
}

func (l *latencyResult) add(d time.Duration) { l.Samples = append(l.Samples, d) }

func (l *latencyResult) summarize() {
	l.Reads = len(l.Samples)
	l.P50, l.P99, l.Max = percentile(l.Samples, 0.50), percentile(l.Samples, 0.99), percentile(l.Samples, 1)
	if l.Reads > 0 {
		l.ReadCalls, l.StorageBytes = float64(l.syscalls)/float64(l.Reads), float64(l.storage)/float64(l.Reads)
	}
}

// percentile returns the nearest-rank q-quantile of ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// check is one row of the results table: a figure and its target.
type check struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Target string  `json:"target,omitempty"`
	Status string  `json:"status"` // PASS, FAIL, INFO, or NOT RUN (the step failed or was skipped)
	Note   string  `json:"note,omitempty"`
}

const (
	pass   = "PASS"
	fail   = "FAIL"
	info   = "INFO"
	notRun = "NOT RUN"
)

const memLimit = 256 << 20

// phases are the phases of a run, in order (see monitor).
var phases = []string{"fill", "reopen", "reads (warm)", "reads (cold)", "appends (baseline)", "scavenge", "appends (after the scavenge)"}

// finish fills r.Checks from what was measured.
func (r *results) finish() {
	var cs []check
	add := func(c check) { cs = append(cs, c) }
	verdict := func(ok bool) string {
		if ok {
			return pass
		}
		return fail
	}
	missing := func(name, target string) { add(check{Name: name, Target: target, Status: notRun}) }

	// 1. Fill and memory.
	if f := r.Fill; f != nil && len(f.Samples) > 0 {
		add(check{Name: "fill: append rate", Value: f.Rate, Unit: "events/s", Status: info,
			Note: fmt.Sprintf("%s events in %s appends, %s", count(f.Events), count(f.Appends), f.Duration.Round(time.Second))})
		add(check{Name: "fill: store on disk", Value: float64(f.DiskAllocated), Unit: "bytes", Status: info,
			Note: fmt.Sprintf("%d segments, %.0f bytes per event", f.Segments, float64(f.DiskAllocated)/float64(max(1, f.Events)))})
		add(check{Name: "memory: peak RssAnon during the fill", Value: float64(f.PeakRSSAnon), Unit: "bytes",
			Target: "≤ 256 MiB", Status: verdict(f.PeakRSSAnon <= memLimit), Note: "polled every 100 ms"})
		half, last := f.sampleNear(f.Events/2), f.Samples[len(f.Samples)-1]
		span := fmt.Sprintf("%s → %s events", count(half.Events), count(last.Events))
		add(check{Name: "memory: RssAnon at " + count(last.Events) + " events", Value: float64(last.RSSAnon), Unit: "bytes",
			Target: "≤ 256 MiB", Status: verdict(last.RSSAnon <= memLimit),
			Note: fmt.Sprintf("%s at %s events", mib(half.RSSAnon), count(half.Events))})
		// RssAnon at one instant depends on where the garbage collector is
		// in its cycle (±10% here); its peak over the interval before each
		// sample, many cycles, does not.
		for _, m := range []struct {
			name, what string
			from, to   int64
		}{
			{"memory: RssAnon growth, " + span, "peak of the interval before each sample", half.RSSAnonPeak, last.RSSAnonPeak},
			{"memory: Go heap in use growth, " + span, "after a GC", half.HeapInUse, last.HeapInUse},
		} {
			growth := m.to - m.from
			perEvent := float64(growth) / float64(max(1, last.Events-half.Events))
			add(check{Name: m.name, Value: float64(growth), Unit: "bytes",
				Target: "no growth (≤ +5%)", Status: verdict(float64(growth) <= 0.05*float64(m.from)),
				Note: fmt.Sprintf("%s: %s → %s, %+.1f%%, %+.2f bytes per event", m.what, mib(m.from), mib(m.to),
					100*float64(growth)/float64(max(1, m.from)), perEvent)})
		}
	} else {
		missing("fill and memory", "≤ 256 MiB, no growth")
	}

	// 2, 3. Opens.
	if r.CloseDuration > 0 {
		add(check{Name: "close after the fill", Value: r.CloseDuration.Seconds(), Unit: "s", Status: info})
	}
	for _, c := range []struct {
		shutdown, cache string
		limit           time.Duration
	}{{"clean", "warm", 5 * time.Second}, {"clean", "cold", 5 * time.Second}, {"kill -9", "warm", 30 * time.Second}, {"kill -9", "cold", 30 * time.Second}} {
		name := fmt.Sprintf("open after a %s shutdown, %s page cache", c.shutdown, c.cache)
		target := "< " + c.limit.String()
		i := slices.IndexFunc(r.Opens, func(o openResult) bool { return o.Shutdown == c.shutdown && o.Cache == c.cache })
		if i < 0 {
			missing(name, target)
			continue
		}
		o := r.Opens[i]
		add(check{Name: name, Value: o.Duration.Seconds(), Unit: "s", Target: target, Status: verdict(o.Duration < c.limit),
			Note: count(o.EventsAfter) + " events"})
		if c.shutdown == "kill -9" {
			kept := o.EventsAfter - o.EventsBefore
			add(check{Name: fmt.Sprintf("kill -9 (%s): child's events kept", c.cache), Value: float64(kept), Unit: "events",
				Target: "≥ acknowledged", Status: verdict(kept >= o.ChildAcked),
				Note: fmt.Sprintf("%s acknowledged before the kill", count(o.ChildAcked))})
		}
	}

	// 4. Reads.
	for _, c := range []struct {
		cache string
		limit time.Duration
		note  string
	}{{"warm", 10 * time.Millisecond, "warm page cache"}, {"cold", 100 * time.Millisecond, "caches dropped before each read"}} {
		name := fmt.Sprintf("ReadStream of a hot stream, %s: p99", c.note)
		target := "< " + c.limit.String()
		i := slices.IndexFunc(r.Reads, func(l latencyResult) bool { return l.Cache == c.cache })
		if i < 0 {
			missing(name, target)
			continue
		}
		l := r.Reads[i]
		note := fmt.Sprintf("%d reads of %d events; per read %.0f read calls, %.0f KiB from storage", l.Reads, l.Events, l.ReadCalls, l.StorageBytes/1024)
		if c.cache == "cold" {
			note += "; dropped with " + r.DropMethod
		}
		add(check{Name: fmt.Sprintf("ReadStream of a hot stream, %s: p50", c.note), Value: ms(l.P50), Unit: "ms", Status: info})
		add(check{Name: name, Value: ms(l.P99), Unit: "ms", Target: target, Status: verdict(l.P99 < c.limit), Note: note})
		add(check{Name: fmt.Sprintf("ReadStream of a hot stream, %s: max", c.note), Value: ms(l.Max), Unit: "ms", Status: info})
	}

	// 5. Appends during a scavenge.
	if sc := r.Scavenge; sc != nil {
		add(check{Name: "appends before the scavenge (baseline)", Value: sc.BaselineRate, Unit: "events/s", Status: info,
			Note: fmt.Sprintf("%s events in %s", count(sc.BaselineEvents), sc.BaselineDuration.Round(time.Millisecond))})
		note := fmt.Sprintf("%s events in %s; %.0f%% of the baseline", count(sc.DuringEvents), sc.Duration.Round(time.Millisecond), 100*sc.DuringRate/max(1, sc.BaselineRate))
		if sc.AppendsStoppedAfter > 0 {
			note = fmt.Sprintf("appends ran for the first %s of the %s scavenge (then stopped: the disk was nearly full): %s events; %.0f%% of the baseline",
				sc.AppendsStoppedAfter.Round(time.Second), sc.Duration.Round(time.Second), count(sc.DuringEvents), 100*sc.DuringRate/max(1, sc.BaselineRate))
		}
		add(check{Name: "appends while the scavenge runs", Value: sc.DuringRate, Unit: "events/s", Target: "≥ 100,000 events/s",
			Status: verdict(sc.DuringRate >= 100_000), Note: note})
		if sc.AppendsStoppedAfter == 0 && sc.Window > sc.Duration {
			add(check{Name: "appends from the scavenge's start, at least --scavenge-min", Value: sc.WindowRate, Unit: "events/s", Status: info,
				Note: fmt.Sprintf("%s events in %s (the scavenge, then appends only)", count(sc.WindowEvents), sc.Window.Round(time.Millisecond))})
		}
		add(check{Name: "scavenge: duration", Value: sc.Duration.Seconds(), Unit: "s", Status: info,
			Note: fmt.Sprintf("%d of %d segments rewritten", sc.Report.Rewritten, sc.Report.Segments)})
		add(check{Name: "scavenge: events removed", Value: float64(sc.Report.Removed), Unit: "events", Status: info,
			Note: fmt.Sprintf("%s held, %s kept as stream heads, %s truncations reported", count(sc.Report.Held), count(sc.Report.Heads), count(sc.Truncations))})
		add(check{Name: "scavenge: bytes freed (its report)", Value: float64(sc.Report.BytesFreed), Unit: "bytes", Status: info})
		add(check{Name: "disk used before the scavenge", Value: float64(sc.DiskBefore), Unit: "bytes", Status: info})
		note = fmt.Sprintf("%s events appended in between", count(sc.AppendedBetween))
		if f := r.Fill; f != nil && f.Events > 0 {
			perEvent := float64(f.DiskAllocated) / float64(f.Events)
			appended := perEvent * float64(sc.AppendedBetween)
			note += fmt.Sprintf(" (≈ %s at the fill's %.0f bytes per event; before + that − after = %s)",
				gb(int64(appended)), perEvent, gb(sc.DiskBefore+int64(appended)-sc.DiskAfter))
		}
		add(check{Name: "disk used after the scavenge", Value: float64(sc.DiskAfter), Unit: "bytes", Status: info, Note: note})
		add(check{Name: "hot (incident) streams complete after the scavenge", Value: float64(sc.HotIntact), Unit: "streams",
			Target: fmt.Sprintf("all %d", r.Config.Hot), Status: verdict(sc.HotIntact == r.Config.Hot)})
		add(check{Name: "memory: peak RssAnon during the scavenge", Value: float64(r.PeakRSSAnon["scavenge"]), Unit: "bytes",
			Target: "≤ 256 MiB", Status: verdict(r.PeakRSSAnon["scavenge"] <= memLimit)})
	} else {
		missing("appends while the scavenge runs", "≥ 100,000 events/s")
	}
	var peak int64
	for _, v := range r.PeakRSSAnon {
		peak = max(peak, v)
	}
	add(check{Name: "memory: peak RssAnon, whole run", Value: float64(peak), Unit: "bytes", Target: "≤ 256 MiB", Status: verdict(peak <= memLimit)})
	for _, p := range phases {
		if v, ok := r.OtherCPU[p]; ok {
			add(check{Name: "machine: CPU used by other processes during " + p, Value: 100 * v, Unit: "%", Status: info,
				Note: "share of all CPUs"})
		}
	}
	r.Checks = cs
}

// sampleNear returns the sample taken closest to n events.
func (f *fillResult) sampleNear(n int64) memSample {
	best := f.Samples[0]
	for _, m := range f.Samples {
		if abs(m.Events-n) < abs(best.Events-n) {
			best = m
		}
	}
	return best
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// print writes the results as text tables.
func (r *results) print(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "\nsocledger-scale: %s events of %d bytes over %s streams (%s log streams: %s events; %s alert and incident streams: %s events; %d hot streams of %d single-event appends), %d appenders, batches of %d, started %s\n",
		count(c.Events), c.EventSize, count(c.Streams), count(r.Workload.LogStreams), count(r.Workload.LogEvents),
		count(r.Workload.OtherStreams), count(r.Workload.OtherEvents), c.Hot, c.HotEvents, c.Appenders, c.Batch, r.Started.Format(time.RFC3339))
	if f := r.Fill; f != nil && len(f.Samples) > 0 {
		fmt.Fprintln(w, "\nMemory during the fill (RssAnon from /proc/self/status; Go heap in use after a GC, runtime/metrics):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "events\tRssAnon\tpeak since the previous sample\tGo heap in use\tsegments\telapsed\tevents/s so far\t")
		for _, m := range f.Samples {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t\n", count(m.Events), mib(m.RSSAnon), mib(m.RSSAnonPeak), mib(m.HeapInUse), m.Segments,
				m.Elapsed.Round(time.Second), count(int64(float64(m.Events)/m.Elapsed.Seconds())))
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\nResults:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\ttarget\t\tnote")
	fails := 0
	for _, ch := range r.Checks {
		v := "-"
		if ch.Status != notRun {
			v = ch.format()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ch.Name, v, ch.Target, ch.Status, ch.Note)
		if ch.Status == fail || ch.Status == notRun {
			fails++
		}
	}
	tw.Flush()
	if fails > 0 {
		fmt.Fprintf(w, "\n%d figure(s) FAIL or NOT RUN.\n", fails)
	} else {
		fmt.Fprintln(w, "\nEvery figure meets its target.")
	}
}

// format formats the check's value with its unit.
func (c check) format() string {
	switch c.Unit {
	case "bytes":
		if math.Abs(c.Value) >= 10<<30 {
			return gb(int64(c.Value))
		}
		return mib(int64(c.Value))
	case "ms":
		return fmt.Sprintf("%.2f ms", c.Value)
	case "s":
		return fmt.Sprintf("%.2f s", c.Value)
	case "%":
		return fmt.Sprintf("%.0f%%", c.Value)
	case "events/s", "events", "streams":
		return count(int64(c.Value)) + " " + c.Unit
	}
	return fmt.Sprintf("%g %s", c.Value, c.Unit)
}

func (r *results) writeJSON(name string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(name, append(data, '\n'), 0o644)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func gb(n int64) string { return fmt.Sprintf("%.2f GB", float64(n)/1e9) }

// count formats n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(abs(n))
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
