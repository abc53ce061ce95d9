package embedded_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
	"github.com/socledger/socledger/eventstore/embedded/vfs/crashfs"
)

// ackLog records every append the store acknowledged, by stream.
type ackLog struct {
	mu      sync.Mutex
	streams map[string]map[uint64]eventstore.EventData // stream → revision → event
}

func newAckLog() *ackLog { return &ackLog{streams: make(map[string]map[uint64]eventstore.EventData)} }

func (a *ackLog) add(stream string, res eventstore.AppendResult, events []eventstore.EventData) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := a.streams[stream]
	if m == nil {
		m = make(map[uint64]eventstore.EventData)
		a.streams[stream] = m
	}
	first := res.Revision + 1 - uint64(len(events))
	for i, ev := range events {
		m[first+uint64(i)] = ev
	}
}

// check asserts that every acknowledged event is in the store at its
// revision, that revisions are gap-free and that the global order is
// strictly increasing and complete.
func (a *ackLog) check(t *testing.T, s eventstore.Store) {
	t.Helper()
	ctx := context.Background()
	a.mu.Lock()
	defer a.mu.Unlock()
	total := 0
	for stream, acked := range a.streams {
		evs, err := s.ReadStream(ctx, stream, 0, 0)
		if err != nil {
			t.Fatalf("stream %s with %d acknowledged events: %v", stream, len(acked), err)
		}
		total += len(evs)
		for i, ev := range evs {
			if ev.Revision != uint64(i) {
				t.Fatalf("stream %s: event %d has revision %d (gap)", stream, i, ev.Revision)
			}
		}
		for rev, want := range acked {
			if rev >= uint64(len(evs)) {
				t.Fatalf("stream %s: acknowledged revision %d lost (stream has %d events)", stream, rev, len(evs))
			}
			got := evs[rev]
			if got.EventID != want.EventID || string(got.Data) != string(want.Data) {
				t.Fatalf("stream %s revision %d: got event %s %s, acknowledged %s %s", stream, rev, got.EventID, got.Data, want.EventID, want.Data)
			}
		}
	}
	var last eventstore.Position
	n := 0
	for from := eventstore.Start; ; {
		page, err := s.ReadAll(ctx, from, 500, eventstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Events {
			if !last.Less(ev.Position) {
				t.Fatalf("global order: position %s after %s", ev.Position, last)
			}
			last = ev.Position
			n++
		}
		from = page.Checkpoint
		if page.AtEnd {
			break
		}
	}
	if n < total {
		t.Fatalf("ReadAll returned %d events, streams hold %d", n, total)
	}
}

// appendUntilError runs appenders against s until each sees an error (the
// simulated crash) or stop is closed, recording what was acknowledged.
func appendUntilError(s eventstore.Store, acks *ackLog, seed uint64, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(g)))
			ctx := context.Background()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				stream := fmt.Sprintf("alert-acme.s%d", rng.IntN(6))
				n := 1 + rng.IntN(3)
				events := make([]eventstore.EventData, n)
				for j := range events {
					events[j] = eventstore.EventData{
						EventID: eventstore.NewEventID(),
						Type:    "alert.raised",
						Data:    fmt.Appendf(nil, `{"g":%d,"i":%d,"pad":"%s"}`, g, i, make([]byte, rng.IntN(400))),
					}
				}
				res, err := s.Append(ctx, stream, eventstore.Any, events...)
				if err != nil {
					return
				}
				acks.add(stream, res, events)
			}
		}()
	}
	wg.Wait()
}

// TestMachineCrash simulates hundreds of power losses at random points of a
// concurrent append workload on a strict in-memory file system that forgets
// everything not made durable (and, in half the rounds, keeps a random part
// of it, as a disk tearing sectors would). After each crash the store must
// open, hold every acknowledged event with gap-free revisions and increasing
// positions, and accept appends again.
func TestMachineCrash(t *testing.T) {
	t.Parallel()
	rounds := 300
	if testing.Short() {
		rounds = 40
	}
	opts := func(fs *crashfs.FS) embedded.Options {
		// Small segments, so crashes also land in seals and in the writing
		// of segment index files.
		return embedded.Options{FS: fs, SegmentSize: 64 << 10, IdempotencyWindow: 64}
	}
	machineCrashRounds(t, rounds, opts, func(fs *crashfs.FS, rng *rand.Rand) { fs.SetCrashAfter(1 + rng.IntN(250)) })
}

// TestMachineCrashDuringIndexWrite crashes the machine at every step of
// writing a segment's index file (creating the temporary file, each write,
// its fsync, the rename, the directory fsync), in the first few seals of each
// cycle, with a seal every few records. Open must rebuild what the crash left
// (a missing index, a leftover temporary file) and lose nothing acknowledged.
func TestMachineCrashDuringIndexWrite(t *testing.T) {
	t.Parallel()
	rounds := 120
	if testing.Short() {
		rounds = 20
	}
	opts := func(fs *crashfs.FS) embedded.Options {
		return embedded.WithSealEvery(embedded.Options{FS: fs, SegmentSize: 64 << 10, IdempotencyWindow: 64}, 9)
	}
	machineCrashRounds(t, rounds, opts, func(fs *crashfs.FS, rng *rand.Rand) {
		// Writing an index file is 6 operations: create, write, write,
		// sync (of .idx.tmp), rename (to .idx) and the directory's sync.
		// Crash at one of those of the first 3 index writes from now.
		target, seen, renamed := 1+rng.IntN(18), 0, false
		fs.SetCrashHook(func(op crashfs.Op) bool {
			switch {
			case strings.Contains(op.Name, ".idx"):
				seen++
				renamed = renamed || op.Kind == "rename"
			case op.Kind == "syncdir" && renamed:
				seen++
				renamed = false
			default:
				return false
			}
			return seen == target
		})
	})
}

// machineCrashRounds runs rounds of three crash/recover cycles each on one
// simulated disk; arm sets up each cycle's crash.
func machineCrashRounds(t *testing.T, rounds int, opts func(*crashfs.FS) embedded.Options, arm func(*crashfs.FS, *rand.Rand)) {
	t.Helper()
	for round := range rounds {
		seed := uint64(round)
		rng := rand.New(rand.NewPCG(seed, 99))
		fs := crashfs.New(crashfs.Config{TornWrites: round%2 == 1})
		acks := newAckLog()
		// Several crash/recover cycles on the same "disk".
		for cycle := range 3 {
			s, err := embedded.Open("/data", opts(fs))
			if err != nil {
				t.Fatalf("round %d cycle %d: open after crash: %v", round, cycle, err)
			}
			if cycle > 0 {
				acks.check(t, s)
				checkIndexFiles(t, fs, "/data/log")
			}
			arm(fs, rng)
			stop := make(chan struct{})
			timer := time.AfterFunc(5*time.Second, func() { close(stop) }) // a crash point never reached
			appendUntilError(s, acks, seed*10+uint64(cycle), stop)
			timer.Stop()
			s.Close() // fails after the crash; the process is "dead"
			fs.Crash(rng)
		}
		s, err := embedded.Open("/data", opts(fs))
		if err != nil {
			t.Fatalf("round %d: final open: %v", round, err)
		}
		acks.check(t, s)
		checkIndexFiles(t, fs, "/data/log")
		res, err := s.Append(context.Background(), "alert-acme.after", eventstore.Any, eventstore.EventData{Type: "alert.raised", Data: []byte(`{}`)})
		if err != nil {
			t.Fatalf("round %d: append after recovery: %v", round, err)
		}
		if evs, err := s.ReadStream(context.Background(), "alert-acme.after", 0, 0); err != nil || evs[len(evs)-1].Position != res.Position {
			t.Fatalf("round %d: read after recovery: %v", round, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("round %d: close: %v", round, err)
		}
	}
}

// checkIndexFiles checks, after an open, that every sealed segment (all
// but the last) has its index file and no temporary file is left.
func checkIndexFiles(t *testing.T, fs vfs.FS, dir string) {
	t.Helper()
	names, err := fs.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	segs, idx := 0, map[string]bool{}
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, ".seg"):
			segs++
		case strings.HasSuffix(n, ".idx"):
			idx[strings.TrimSuffix(n, ".idx")] = true
		case strings.HasSuffix(n, ".tmp") && n != "spare.tmp":
			t.Fatalf("%s left after open", n)
		}
	}
	seen := 0
	for _, n := range names {
		if base, ok := strings.CutSuffix(n, ".seg"); ok {
			seen++
			if seen < segs && !idx[base] {
				t.Fatalf("sealed segment %s has no index file after open", n)
			}
		}
	}
}

// TestProcessCrash kills a child process that appends continuously with
// SIGKILL at random moments and checks, after each kill, that everything the
// child reported as acknowledged is in the store.
func TestProcessCrash(t *testing.T) {
	t.Parallel()
	if os.Getenv(childEnv) != "" {
		t.Skip("in child")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	acks := newAckLog()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	rounds := 20
	for round := range rounds {
		killAfter := time.Duration(50+rng.IntN(250)) * time.Millisecond
		runChild(t, exe, dir, round, killAfter, "", acks)
		s, err := embedded.Open(dir, embedded.Options{SegmentSize: 256 << 10})
		if err != nil {
			t.Fatalf("round %d: open after kill -9: %v", round, err)
		}
		acks.check(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for _, m := range acks.streams {
		total += len(m)
	}
	t.Logf("%d rounds, %d acknowledged events checked", rounds, total)
	if total == 0 {
		t.Fatal("the child acknowledged nothing")
	}
}

const (
	childEnv      = "SOCLEDGER_CRASH_CHILD_DIR"
	childStageEnv = "SOCLEDGER_CRASH_CHILD_STAGE"
)

// TestProcessCrashDuringIndexWrite kills (SIGKILL) a child that appends with
// a seal every few records exactly while it writes a segment's index file,
// at each stage of the write in turn: before the temporary file exists, with
// half of it written, written and synced but not renamed, and just after the
// rename. Each reopen must keep every acknowledged event and leave every
// sealed segment with a sound index file.
func TestProcessCrashDuringIndexWrite(t *testing.T) {
	t.Parallel()
	if os.Getenv(childEnv) != "" {
		t.Skip("in child")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	acks := newAckLog()
	stages := []string{"index-start", "index-half", "index-synced", "index-done"}
	for round := range 20 {
		runChild(t, exe, dir, 1000+round, 0, stages[round%len(stages)], acks)
		s, err := embedded.Open(dir, childOptions())
		if err != nil {
			t.Fatalf("round %d: open after kill -9 at %s: %v", round, stages[round%len(stages)], err)
		}
		acks.check(t, s)
		checkIndexFiles(t, vfs.OS{}, filepath.Join(dir, "log"))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// childOptions are the options of TestCrashChild (and of the parent's
// reopens): small segments, and with a kill stage a seal every 40 records.
func childOptions() embedded.Options {
	opts := embedded.Options{SegmentSize: 256 << 10}
	if os.Getenv(childStageEnv) != "" {
		opts = embedded.WithSealEvery(opts, 40)
	}
	return opts
}

type childAck struct {
	Stream   string   `json:"stream"`
	Revision uint64   `json:"revision"`
	IDs      []string `json:"ids"`
	Data     []string `json:"data"`
}

// runChild starts this test binary as an appending child process on dir,
// kills it with SIGKILL after killAfter (or, with killOn, as soon as it
// reports that it reached index-writing stage killOn), and records what it
// acknowledged.
func runChild(t *testing.T, exe, dir string, round int, killAfter time.Duration, killOn string, acks *ackLog) {
	t.Helper()
	cmd := exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir, fmt.Sprintf("SOCLEDGER_CRASH_CHILD_SEED=%d", round))
	if killOn != "" {
		cmd.Env = append(cmd.Env, childStageEnv+"="+killOn)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	reached := make(chan struct{})
	go func() {
		n := 0
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			if bytes.HasPrefix(sc.Bytes(), []byte("stage ")) {
				close(reached)
				continue
			}
			line, ok := bytes.CutPrefix(sc.Bytes(), []byte("ack "))
			if !ok {
				continue
			}
			var a childAck
			if err := json.Unmarshal(line, &a); err != nil {
				t.Errorf("child printed a bad ack line %q: %v", line, err)
				continue
			}
			events := make([]eventstore.EventData, len(a.IDs))
			for i := range a.IDs {
				id, err := eventstore.ParseEventID(a.IDs[i])
				if err != nil {
					t.Error(err)
				}
				events[i] = eventstore.EventData{EventID: id, Data: []byte(a.Data[i])}
			}
			acks.add(a.Stream, eventstore.AppendResult{Revision: a.Revision}, events)
			n++
		}
		done <- n
	}()
	if killOn == "" {
		time.Sleep(killAfter)
	} else {
		select {
		case <-reached: // the child waits there for the kill
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: the child never reached index stage %s", round, killOn)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	n := <-done
	state, _ := cmd.Process.Wait()
	if state != nil && state.Exited() {
		t.Fatalf("round %d: child exited by itself (%v) before the kill; it acknowledged %d appends", round, state, n)
	}
}

// TestCrashChild is the child process of TestProcessCrash: it appends until
// it is killed and prints one "ack" line per acknowledged append.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("run by TestProcessCrash as its child process")
	}
	var mu sync.Mutex
	opts := childOptions()
	if stage := os.Getenv(childStageEnv); stage != "" {
		// Report reaching the stage (in the third index write, so there is
		// something to lose) and wait there to be killed.
		writes := 0
		opts = embedded.WithIndexHook(opts, func(at string) {
			if at == "index-start" {
				writes++
			}
			if at == stage && writes >= 3 {
				mu.Lock()
				os.Stdout.Write([]byte("stage " + at + "\n"))
				mu.Unlock()
				time.Sleep(time.Minute)
			}
		})
	}
	s, err := embedded.Open(dir, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		os.Exit(3)
	}
	seed, _ := strconv.ParseUint(os.Getenv("SOCLEDGER_CRASH_CHILD_SEED"), 10, 64)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(g)))
			for i := 0; ; i++ {
				stream := fmt.Sprintf("incident-acme.c%d", rng.IntN(8))
				events := make([]eventstore.EventData, 1+rng.IntN(3))
				a := childAck{Stream: stream}
				for j := range events {
					events[j] = eventstore.EventData{
						EventID: eventstore.NewEventID(),
						Type:    "incident.note_added",
						Data:    fmt.Appendf(nil, `{"seed":%d,"g":%d,"i":%d,"note":"%s"}`, seed, g, i, bytes.Repeat([]byte("x"), rng.IntN(300))),
					}
					a.IDs = append(a.IDs, events[j].EventID.String())
					a.Data = append(a.Data, string(events[j].Data))
				}
				res, err := s.Append(context.Background(), stream, eventstore.Any, events...)
				if err != nil {
					fmt.Fprintln(os.Stderr, "child: append:", err)
					os.Exit(4)
				}
				a.Revision = res.Revision
				line, _ := json.Marshal(a)
				mu.Lock()
				os.Stdout.Write(append(append([]byte("ack "), line...), '\n')) // one write: atomic on a pipe
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestFailedWriteStopsAppends: after a write or fsync fails, the store
// refuses further appends with ErrFailed (the page cache's state is
// unknown), and a reopen recovers every acknowledged event.
func TestFailedWriteStopsAppends(t *testing.T) {
	t.Parallel()
	fs := crashfs.New(crashfs.Config{})
	ctx := context.Background()
	s, err := embedded.Open("/data", embedded.Options{FS: fs, SegmentSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	acks := newAckLog()
	ev := []eventstore.EventData{{EventID: eventstore.NewEventID(), Type: "alert.raised", Data: []byte(`{"n":1}`)}}
	res, err := s.Append(ctx, "alert-acme.a", eventstore.NoStream, ev...)
	if err != nil {
		t.Fatal(err)
	}
	acks.add("alert-acme.a", res, ev)
	fs.SetCrashAfter(1) // the next write fails
	if _, err := s.Append(ctx, "alert-acme.a", eventstore.Any, eventstore.EventData{Type: "alert.raised", Data: []byte(`{"n":2}`)}); !errors.Is(err, embedded.ErrFailed) {
		t.Fatalf("append whose write failed: %v, want ErrFailed", err)
	}
	if _, err := s.Append(ctx, "alert-acme.b", eventstore.Any, eventstore.EventData{Type: "alert.raised", Data: []byte(`{"n":3}`)}); !errors.Is(err, embedded.ErrFailed) {
		t.Fatalf("append after the failure: %v, want ErrFailed", err)
	}
	s.Close()
	fs.Crash(nil)
	s, err = embedded.Open("/data", embedded.Options{FS: fs, SegmentSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	acks.check(t, s)
}

// TestIdempotentRetryAfterCrash: after a machine crash there is no
// checkpoint, so open rebuilds the idempotency window from the last records
// of the log, reaching back into sealed segments: a retry (expected revision
// Any, so only the window can recognise it) of any of the last appends
// returns the original result and writes nothing.
func TestIdempotentRetryAfterCrash(t *testing.T) {
	t.Parallel()
	fs := crashfs.New(crashfs.Config{})
	opts := embedded.WithSealEvery(embedded.Options{FS: fs, SegmentSize: 64 << 10, IdempotencyWindow: 50}, 7)
	s, err := embedded.Open("/data", opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	type appended struct {
		stream string
		ev     eventstore.EventData
		res    eventstore.AppendResult
	}
	var log []appended
	for i := range 100 {
		a := appended{stream: fmt.Sprintf("alert-acme.r%d", i%5), ev: eventstore.EventData{EventID: eventstore.NewEventID(), Type: "alert.raised", Data: fmt.Appendf(nil, `{"i":%d}`, i)}}
		if a.res, err = s.Append(ctx, a.stream, eventstore.Any, a.ev); err != nil {
			t.Fatal(err)
		}
		log = append(log, a)
	}
	fs.SetCrashAfter(1) // Close cannot write a checkpoint
	s.Close()
	fs.Crash(nil)
	if s, err = embedded.Open("/data", opts); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if segs := s.Stats().Segments; segs < 10 {
		t.Fatalf("%d segments; the window should reach into sealed ones", segs)
	}
	for _, a := range log[50:] {
		res, err := s.Append(ctx, a.stream, eventstore.Any, a.ev)
		if err != nil || res != a.res {
			t.Fatalf("retry of %s revision %d after the crash: %+v, %v; want %+v", a.stream, a.res.Revision, res, err, a.res)
		}
	}
	if st := s.Stats(); st.Events != 100 {
		t.Fatalf("%d events after the retries, want 100", st.Events)
	}
}
