package embedded_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
	"github.com/socledger/socledger/eventstore/embedded/vfs/crashfs"
)

// clock is a settable clock for the store's recorded-at times.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const day = 24 * time.Hour

var logRetention = []embedded.RetentionRule{{Prefix: "log-", MaxAge: 90 * day}, {Prefix: "log-keep.", MaxAge: 0}}

// fillOld appends, at the clock's current time, n rounds of one event to
// each of the streams, interleaved, and returns the streams' event counts.
func fillOld(t *testing.T, s eventstore.Store, streams []string, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		for _, name := range streams {
			data := fmt.Appendf(nil, `{"n":%d,"pad":"%040d"}`, i, i)
			if _, err := s.Append(ctx, name, eventstore.Any, eventstore.EventData{Type: "log.received", Data: data}); err != nil {
				t.Fatalf("append to %s: %v", name, err)
			}
		}
	}
}

func readEverything(t *testing.T, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	from := eventstore.Start
	for {
		page, err := s.ReadAll(context.Background(), from, 500, eventstore.Filter{})
		if err != nil {
			t.Fatalf("read all after %s: %v", from, err)
		}
		out = append(out, page.Events...)
		from = page.Checkpoint
		if page.AtEnd {
			return out
		}
	}
}

// scavengeFixture is a store whose log streams have expired events: 120
// rounds over the streams recorded 100 days ago, then 10 recent events to
// the first two log streams and the alert (the others get none, so their
// last, expired event must stay).
type scavengeFixture struct {
	s       *embedded.Store
	dir     string
	opts    embedded.Options
	clock   *clock
	streams []string
	before  []eventstore.RecordedEvent
}

var fixtureStreams = []string{"log-acme.fw1", "log-acme.fw2", "alert-acme.a1", "log-acme.dns", "log-keep.fw", "log-beta.proxy", "incident-acme.INC-1"}

func newScavengeFixture(t *testing.T, fs vfs.FS, dir string) *scavengeFixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	opts := embedded.WithSealEvery(embedded.Options{FS: fs, Now: c.Now, SegmentSize: 64 << 10, IdempotencyWindow: 64}, 97)
	s, err := embedded.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	f := &scavengeFixture{s: s, dir: dir, opts: opts, clock: c, streams: fixtureStreams}
	fillOld(t, s, fixtureStreams, 120)
	c.advance(100 * day)
	fillOld(t, s, []string{"log-acme.fw1", "log-acme.fw2", "alert-acme.a1"}, 10)
	// Seal a few segments of recent events, so the old ones are not among
	// the two newest.
	fillOld(t, s, []string{"alert-acme.a2"}, 300)
	f.before = readEverything(t, s)
	return f
}

// expectedAfter is what a scavenge with logRetention and no holds keeps.
func (f *scavengeFixture) expectedAfter() []eventstore.RecordedEvent {
	cut := f.clock.Now().Add(-90 * day)
	last := map[string]uint64{}
	for _, ev := range f.before {
		last[ev.StreamID] = ev.Revision
	}
	var out []eventstore.RecordedEvent
	for _, ev := range f.before {
		expired := len(ev.StreamID) > 4 && ev.StreamID[:4] == "log-" && ev.StreamID[:9] != "log-keep." && ev.Created.Before(cut)
		if !expired || last[ev.StreamID] == ev.Revision {
			out = append(out, ev)
		}
	}
	return out
}

func sameEvents(t *testing.T, what string, got, want []eventstore.RecordedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.StreamID != w.StreamID || g.Revision != w.Revision || g.Position != w.Position || g.Hash != w.Hash ||
			g.Prev != w.Prev || g.EventID != w.EventID || string(g.Data) != string(w.Data) || !g.Created.Equal(w.Created) {
			t.Fatalf("%s: event %d is %s@%d pos %s, want %s@%d pos %s", what, i, g.StreamID, g.Revision, g.Position, w.StreamID, w.Revision, w.Position)
		}
	}
}

func TestScavengeRemovesExpiredLogEvents(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := newScavengeFixture(t, nil, dir)
	ctx := context.Background()
	usage := func() int64 {
		var total int64
		files, _ := filepath.Glob(filepath.Join(dir, "log", "*"))
		for _, name := range files {
			var st syscall.Stat_t
			if err := syscall.Stat(name, &st); err != nil {
				t.Fatal(err)
			}
			total += st.Blocks * 512
		}
		return total
	}
	usedBefore := usage()

	var cuts []eventstore.Truncation
	rep, err := f.s.Scavenge(ctx, embedded.Retention{Rules: logRetention, IORate: 1 << 30,
		BeforeRemove: func(_ context.Context, c []eventstore.Truncation) error {
			cuts = append(cuts, c...)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := f.expectedAfter()
	removed := len(f.before) - len(want)
	if rep.Removed != int64(removed) || rep.Rewritten == 0 || rep.Heads != 2 || rep.BytesFreed <= 0 {
		t.Fatalf("report %+v: want %d removed, 2 heads kept (log-acme.dns, log-beta.proxy), bytes freed", rep, removed)
	}
	if got := usage(); got >= usedBefore {
		t.Errorf("disk usage %d bytes after the scavenge, %d before: no space returned", got, usedBefore)
	}
	after := readEverything(t, f.s)
	sameEvents(t, "after scavenge", after, want)

	// The truncations name exactly the removed events, with their chain links.
	byKey := map[string]eventstore.RecordedEvent{}
	for _, ev := range f.before {
		byKey[fmt.Sprintf("%s@%d", ev.StreamID, ev.Revision)] = ev
	}
	kept := map[string]bool{}
	for _, ev := range want {
		kept[fmt.Sprintf("%s@%d", ev.StreamID, ev.Revision)] = true
	}
	covered := 0
	for _, c := range cuts {
		first, last := byKey[fmt.Sprintf("%s@%d", c.Stream, c.From)], byKey[fmt.Sprintf("%s@%d", c.Stream, c.To)]
		if c.Prev != first.Prev || c.Hash != last.Hash {
			t.Errorf("truncation %s: chain links do not match the removed events", c)
		}
		for r := c.From; r <= c.To; r++ {
			if kept[fmt.Sprintf("%s@%d", c.Stream, r)] {
				t.Errorf("truncation %s names revision %d, which was kept", c, r)
			}
			covered++
		}
	}
	if covered != removed {
		t.Errorf("truncations cover %d events, %d were removed", covered, removed)
	}

	// Stream reads skip the removed events; the kept last event stays.
	evs, err := f.s.ReadStream(ctx, "log-acme.dns", 0, 0)
	if err != nil || len(evs) != 1 || evs[0].Revision != 119 {
		t.Fatalf("read log-acme.dns: %d events, %v; want its last event only", len(evs), err)
	}
	evs, err = f.s.ReadStream(ctx, "log-acme.fw1", 0, 5)
	if err != nil || len(evs) != 5 || evs[0].Revision != 120 {
		t.Fatalf("read log-acme.fw1 from 0: %v, %v; want revisions from 120", evs, err)
	}
	if evs, err := f.s.ReadStream(ctx, "log-keep.fw", 0, 0); err != nil || len(evs) != 120 {
		t.Fatalf("read log-keep.fw (kept for good): %d events, %v", len(evs), err)
	}
	// A read from a removed event's position goes on with the next kept one.
	var removedPos eventstore.Position
	for _, ev := range f.before {
		if !kept[fmt.Sprintf("%s@%d", ev.StreamID, ev.Revision)] {
			removedPos = ev.Position
			break
		}
	}
	page, err := f.s.ReadAll(ctx, removedPos, 1, eventstore.Filter{})
	if err != nil || len(page.Events) != 1 {
		t.Fatalf("read after a removed position: %v", err)
	}
	if i := slices.IndexFunc(want, func(ev eventstore.RecordedEvent) bool { return ev.Position.Compare(removedPos) > 0 }); want[i].Position != page.Events[0].Position {
		t.Fatalf("read after removed position %s gave %s, want %s", removedPos, page.Events[0].Position, want[i].Position)
	}

	// Appends go on from the kept head, chain included.
	res, err := f.s.Append(ctx, "log-acme.dns", eventstore.StreamExists, eventstore.EventData{Type: "log.received", Data: []byte(`{}`)})
	if err != nil || res.Revision != 120 {
		t.Fatalf("append to log-acme.dns: %+v, %v; want revision 120", res, err)
	}
	evs, _ = f.s.ReadStream(ctx, "log-acme.dns", 120, 1)
	if evs[0].Prev != want[slices.IndexFunc(want, func(ev eventstore.RecordedEvent) bool { return ev.StreamID == "log-acme.dns" })].Hash {
		t.Fatal("the appended event's prev link is not the kept head's hash")
	}
	want = readEverything(t, f.s)

	// A subscription from the start sees the same.
	sub, err := f.s.Subscribe(ctx, eventstore.Start, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []eventstore.RecordedEvent
	for len(got) < len(want) {
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind == eventstore.EventAppeared {
			got = append(got, *m.Event)
		}
	}
	sub.Close()
	sameEvents(t, "subscription after scavenge", got, want)

	// The append made log-acme.dns's old last event removable: a second
	// pass removes it, a third finds nothing to do.
	rep, err = f.s.Scavenge(ctx, embedded.Retention{Rules: logRetention})
	if err != nil || rep.Removed != 1 || rep.Heads != 1 {
		t.Fatalf("second pass: %+v, %v; want the old head of log-acme.dns removed", rep, err)
	}
	want = slices.DeleteFunc(want, func(ev eventstore.RecordedEvent) bool { return ev.StreamID == "log-acme.dns" && ev.Revision == 119 })
	sameEvents(t, "after the second pass", readEverything(t, f.s), want)
	rep, err = f.s.Scavenge(ctx, embedded.Retention{Rules: logRetention})
	if err != nil || rep.Removed != 0 || rep.Rewritten != 0 {
		t.Fatalf("third pass: %+v, %v; want nothing removed", rep, err)
	}

	// After a reopen everything reads the same, from the rewritten files.
	if err := f.s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := embedded.Open(dir, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sameEvents(t, "after reopen", readEverything(t, s), want)
	// Also with every index file rebuilt from the segments.
	s.Close()
	idx, _ := filepath.Glob(filepath.Join(dir, "log", "*.idx"))
	for _, name := range idx {
		os.Remove(name)
	}
	s, err = embedded.Open(dir, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	sameEvents(t, "after rebuilding the index files", readEverything(t, s), want)
	ro, err := embedded.Open(dir, embedded.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	sameEvents(t, "read-only", readEverything(t, ro), want)
}

func TestScavengeLegalHold(t *testing.T) {
	t.Parallel()
	f := newScavengeFixture(t, nil, t.TempDir())
	defer f.s.Close()
	ctx := context.Background()
	// Hold revision 30 of log-acme.fw2.
	var heldEv eventstore.RecordedEvent
	for _, ev := range f.before {
		if ev.StreamID == "log-acme.fw2" && ev.Revision == 30 {
			heldEv = ev
		}
	}
	var asked eventstore.Position
	ret := embedded.Retention{Rules: logRetention, Holds: func(_ context.Context, upTo eventstore.Position) (func(string, eventstore.EventID) bool, error) {
		asked = upTo
		return func(stream string, id eventstore.EventID) bool { return id == heldEv.EventID }, nil
	}}
	rep, err := f.s.Scavenge(ctx, ret)
	if err != nil {
		t.Fatal(err)
	}
	if asked != f.before[len(f.before)-1].Position {
		t.Errorf("holds asked up to %s, want the end of the log %s", asked, f.before[len(f.before)-1].Position)
	}
	if rep.Held != 1 {
		t.Errorf("report %+v: want 1 held", rep)
	}
	evs, err := f.s.ReadStream(ctx, "log-acme.fw2", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if evs[0].Revision > 30 || !slices.ContainsFunc(evs, func(ev eventstore.RecordedEvent) bool { return ev.EventID == heldEv.EventID }) {
		t.Fatalf("held event revision 30 not kept: stream starts at %d", evs[0].Revision)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Revision <= evs[i-1].Revision {
			t.Fatal("revisions out of order")
		}
	}
	if evs[0].Revision == 0 && len(evs) == 130 {
		t.Fatal("nothing of log-acme.fw2 was removed")
	}
	// Released: the next pass removes it.
	ret.Holds = nil
	if _, err := f.s.Scavenge(ctx, ret); err != nil {
		t.Fatal(err)
	}
	evs, _ = f.s.ReadStream(ctx, "log-acme.fw2", 0, 0)
	if evs[0].Revision != 120 {
		t.Fatalf("after the hold is lifted, log-acme.fw2 starts at %d, want 120", evs[0].Revision)
	}
}

func TestScavengeBeforeRemoveFailureKeepsEverything(t *testing.T) {
	t.Parallel()
	f := newScavengeFixture(t, nil, t.TempDir())
	defer f.s.Close()
	boom := errors.New("sealer unavailable")
	_, err := f.s.Scavenge(context.Background(), embedded.Retention{Rules: logRetention,
		BeforeRemove: func(context.Context, []eventstore.Truncation) error { return boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("scavenge: %v, want the callback's error", err)
	}
	sameEvents(t, "after a failed pass", readEverything(t, f.s), f.before)
	names, _ := os.ReadDir(filepath.Join(f.dir, "log"))
	for _, n := range names {
		if filepath.Ext(n.Name()) == ".tmp" && n.Name() != "spare.tmp" {
			t.Errorf("temporary file %s left behind", n.Name())
		}
	}
}

func TestScavengeRejectsBadRules(t *testing.T) {
	t.Parallel()
	s, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, rules := range [][]embedded.RetentionRule{{{Prefix: "", MaxAge: day}}, {{Prefix: "log-", MaxAge: -day}}} {
		if _, err := s.Scavenge(context.Background(), embedded.Retention{Rules: rules}); !errors.Is(err, embedded.ErrBadRetention) {
			t.Errorf("rules %+v: %v, want ErrBadRetention", rules, err)
		}
	}
}

// TestScavengeConcurrentWithAppendsAndReads runs a pass while appenders and
// readers keep going; every acknowledged event that retention must keep is
// there afterwards, and readers never fail.
func TestScavengeConcurrentWithAppendsAndReads(t *testing.T) {
	t.Parallel()
	f := newScavengeFixture(t, nil, t.TempDir())
	defer f.s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("log-acme.live%d", w)
				if _, err := f.s.Append(context.Background(), name, eventstore.Any, eventstore.EventData{Type: "log.received", Data: []byte(`{"live":true}`)}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				from := eventstore.Start
				for ctx.Err() == nil {
					page, err := f.s.ReadAll(context.Background(), from, 64, eventstore.Filter{StreamPrefixes: []string{"alert-", "log-acme.fw"}})
					if err != nil {
						errs <- err
						return
					}
					from = page.Checkpoint
					if page.AtEnd {
						break
					}
				}
				if _, err := f.s.ReadStream(context.Background(), "log-acme.fw1", 0, 0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	rep, err := f.s.Scavenge(context.Background(), embedded.Retention{Rules: logRetention, IORate: 4 << 20})
	cancel()
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent append or read: %v", e)
	}
	if err != nil || rep.Removed == 0 {
		t.Fatalf("scavenge: %+v, %v", rep, err)
	}
	all := readEverything(t, f.s)
	var old []eventstore.RecordedEvent
	for _, ev := range all {
		if ev.Position.Compare(f.before[len(f.before)-1].Position) <= 0 {
			old = append(old, ev)
		}
	}
	sameEvents(t, "old events after a concurrent pass", old, f.expectedAfter())
}

// TestMachineCrashDuringScavenge crashes the machine at a random file
// operation of a scavenge pass (writing the new segment and index, their
// syncs, the renames, the directory sync). The store must open, hold every
// event retention keeps and, for the expired ones, either all of a
// rewritten segment's or none; a pass after recovery ends where an
// uninterrupted one would.
func TestMachineCrashDuringScavenge(t *testing.T) {
	t.Parallel()
	rounds := 40
	if testing.Short() {
		rounds = 8
	}
	for round := range rounds {
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		fs := crashfs.New(crashfs.Config{TornWrites: round%2 == 1})
		f := newScavengeFixture(t, fs, "/data")
		f.s.Close()
		s, err := embedded.Open("/data", f.opts)
		if err != nil {
			t.Fatal(err)
		}
		fs.SetCrashAfter(1 + rng.IntN(120))
		_, err = s.Scavenge(context.Background(), embedded.Retention{Rules: logRetention, IORate: 1 << 30})
		crashed := fs.Crashed()
		s.Close()
		fs.Crash(rng)
		if !crashed && err != nil {
			t.Fatalf("round %d: scavenge failed without a crash: %v", round, err)
		}
		s, err = embedded.Open("/data", f.opts)
		if err != nil {
			t.Fatalf("round %d: open after a crash during scavenge: %v", round, err)
		}
		checkIndexFiles(t, fs, "/data/log")
		got := readEverything(t, s)
		want := f.expectedAfter()
		// Everything kept must be there, unchanged; what is there beyond it
		// is expired events a crash kept from removal.
		j := 0
		for _, ev := range got {
			if j < len(want) && ev.Position == want[j].Position {
				j++
			}
		}
		if j != len(want) {
			t.Fatalf("round %d: only %d of the %d events retention keeps survived", round, j, len(want))
		}
		sameEvents(t, fmt.Sprintf("round %d: every event still there", round), got, subset(f.before, got))
		if _, err := s.Scavenge(context.Background(), embedded.Retention{Rules: logRetention}); err != nil {
			t.Fatalf("round %d: scavenge after recovery: %v", round, err)
		}
		sameEvents(t, fmt.Sprintf("round %d: after a second pass", round), readEverything(t, s), want)
		s.Close()
	}
}

// subset returns the events of all whose positions are in got, in order.
func subset(all, got []eventstore.RecordedEvent) []eventstore.RecordedEvent {
	in := map[eventstore.Position]bool{}
	for _, ev := range got {
		in[ev.Position] = true
	}
	var out []eventstore.RecordedEvent
	for _, ev := range all {
		if in[ev.Position] {
			out = append(out, ev)
		}
	}
	return out
}

const scavengeChildEnv = "SOCLEDGER_SCAVENGE_CHILD_DIR"

// TestProcessCrashDuringScavenge kills (SIGKILL) a child process in the
// middle of slow scavenge passes while it also appends. After each kill the
// store opens with every event retention keeps, every append the child
// acknowledged, nothing else than what was written, and no leftover or
// half-written segment in use.
func TestProcessCrashDuringScavenge(t *testing.T) {
	t.Parallel()
	if os.Getenv(scavengeChildEnv) != "" {
		t.Skip("in child")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	rounds := 6
	if testing.Short() {
		rounds = 3
	}
	for round := range rounds {
		dir := t.TempDir()
		f := newScavengeFixture(t, nil, dir)
		f.s.Close()
		cmd := exec.Command(exe, "-test.run=^TestScavengeChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), scavengeChildEnv+"="+dir)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := make(chan []uint64, 1)
		go func() {
			var revs []uint64
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if line, ok := bytes.CutPrefix(sc.Bytes(), []byte("ack ")); ok {
					var rev uint64
					fmt.Sscan(string(line), &rev)
					revs = append(revs, rev)
				}
			}
			acked <- revs
		}()
		time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
		cmd.Process.Kill()
		revs := <-acked
		state, _ := cmd.Process.Wait()
		if state != nil && state.Exited() {
			t.Fatalf("round %d: child exited by itself: %v", round, state)
		}
		s, err := embedded.Open(dir, f.opts)
		if err != nil {
			t.Fatalf("round %d: open after kill -9 during scavenge: %v", round, err)
		}
		checkIndexFiles(t, vfs.OS{}, filepath.Join(dir, "log"))
		got := readEverything(t, s)
		var old, live []eventstore.RecordedEvent
		for _, ev := range got {
			if ev.StreamID == "log-acme.live" {
				live = append(live, ev)
			} else {
				old = append(old, ev)
			}
		}
		sameEvents(t, fmt.Sprintf("round %d: events from before", round), old, subset(f.before, old))
		if len(subset(f.expectedAfter(), old)) != len(f.expectedAfter()) {
			t.Fatalf("round %d: events retention keeps were lost", round)
		}
		for _, rev := range revs {
			if rev >= uint64(len(live)) || live[rev].Revision != rev {
				t.Fatalf("round %d: acknowledged append revision %d of log-acme.live is missing (%d there)", round, rev, len(live))
			}
		}
		t.Logf("round %d: %d of %d old events left, %d appends acknowledged", round, len(old), len(f.before), len(revs))
		s.Close()
	}
}

// TestScavengeChild is the child of TestProcessCrashDuringScavenge.
func TestScavengeChild(t *testing.T) {
	dir := os.Getenv(scavengeChildEnv)
	if dir == "" {
		t.Skip("run by TestProcessCrashDuringScavenge as its child process")
	}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(100 * day)}
	s, err := embedded.Open(dir, embedded.WithSealEvery(embedded.Options{Now: c.Now, SegmentSize: 64 << 10, IdempotencyWindow: 64}, 97))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			res, err := s.Append(context.Background(), "log-acme.live", eventstore.Any, eventstore.EventData{Type: "log.received", Data: []byte(`{}`)})
			if err != nil {
				return
			}
			fmt.Printf("ack %d\n", res.Revision)
		}
	}()
	for {
		if _, err := s.Scavenge(context.Background(), embedded.Retention{Rules: logRetention, IORate: 256 << 10}); err != nil {
			t.Fatal(err)
		}
	}
}
