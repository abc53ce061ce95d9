package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// sealedOpts seal a segment every 7 records, so a few hundred events make
// dozens of sealed segments with index files.
func sealedOpts() embedded.Options {
	return embedded.WithSealEvery(embedded.Options{SegmentSize: 64 << 10, IdempotencyWindow: 16}, 7)
}

// buildSealed appends n events over k streams to a new store in dir.
func buildSealed(t *testing.T, dir string, n, k int) {
	t.Helper()
	s, err := embedded.Open(dir, sealedOpts())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range n {
		ev := eventstore.EventData{EventID: eventstore.NewEventID(), Type: "incident.note_added",
			Data: fmt.Appendf(nil, `{"note":%d,"pad":"%s"}`, i, strings.Repeat("x", i%97))}
		if i%3 == 0 {
			ev.Metadata = []byte(`{"actor":"alice"}`)
		}
		if _, err := s.Append(ctx, fmt.Sprintf("incident-acme.i%d", (i*7)%k), eventstore.Any, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// storeView is everything a reader can see of a store, for comparisons.
type storeView struct {
	all     []string
	streams map[string][]string
	partial map[string][]string
	after   []string
	stats   embedded.Stats
}

func describe(evs []eventstore.RecordedEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = fmt.Sprintf("%s/%d@%s %s %s %x %x %s", ev.StreamID, ev.Revision, ev.Position, ev.EventID, ev.Type, ev.Hash[:4], ev.Prev[:4], ev.Data)
	}
	return out
}

// view reads all of s: the whole log in pages, every stream whole and from
// its middle, and one event after every 5th position.
func view(t *testing.T, s *embedded.Store) storeView {
	t.Helper()
	ctx := context.Background()
	v := storeView{streams: map[string][]string{}, partial: map[string][]string{}, stats: s.Stats()}
	var evs []eventstore.RecordedEvent
	for from := eventstore.Start; ; {
		page, err := s.ReadAll(ctx, from, 50, eventstore.Filter{})
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
		evs = append(evs, page.Events...)
		from = page.Checkpoint
		if page.AtEnd {
			break
		}
	}
	v.all = describe(evs)
	names := map[string]int{}
	for _, ev := range evs {
		names[ev.StreamID]++
	}
	for name, n := range names {
		whole, err := s.ReadStream(ctx, name, 0, 0)
		if err != nil {
			t.Fatalf("ReadStream %s: %v", name, err)
		}
		v.streams[name] = describe(whole)
		part, err := s.ReadStream(ctx, name, uint64(n/2), 3)
		if err != nil {
			t.Fatalf("ReadStream %s from %d: %v", name, n/2, err)
		}
		v.partial[name] = describe(part)
	}
	for i := 0; i < len(evs); i += 5 {
		page, err := s.ReadAll(ctx, evs[i].Position, 1, eventstore.Filter{})
		if err != nil {
			t.Fatalf("ReadAll after %s: %v", evs[i].Position, err)
		}
		v.after = append(v.after, describe(page.Events)...)
	}
	return v
}

func viewOf(t *testing.T, dir string, opts embedded.Options) storeView {
	t.Helper()
	s, err := embedded.Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	return view(t, s)
}

func sameView(t *testing.T, what string, got, want storeView) {
	t.Helper()
	switch {
	case !slices.Equal(got.all, want.all):
		t.Fatalf("%s: ReadAll differs (%d events, want %d)", what, len(got.all), len(want.all))
	case !slices.Equal(got.after, want.after):
		t.Fatalf("%s: ReadAll after positions differs", what)
	case got.stats != want.stats:
		t.Fatalf("%s: stats %+v, want %+v", what, got.stats, want.stats)
	}
	for name, evs := range want.streams {
		if !slices.Equal(got.streams[name], evs) || !slices.Equal(got.partial[name], want.partial[name]) {
			t.Fatalf("%s: ReadStream %s differs", what, name)
		}
	}
}

func indexFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "log", "*.idx"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

func flipByte(t *testing.T, name string, at int64) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[at] ^= 0x5a
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIndexFilesRebuilt damages segment index files in every way (missing,
// truncated, a flipped byte in the header, the stream table, the entries or
// the sparse table, another segment's file in its place): a read-only
// store and the writer both read exactly what they read before, the writer
// rewrites the damaged files (at open, or when a read meets the damage), and
// appends go on from the right stream heads.
func TestIndexFilesRebuilt(t *testing.T) {
	t.Parallel()
	tpl := t.TempDir()
	buildSealed(t, tpl, 400, 11)
	want := viewOf(t, tpl, sealedOpts())
	if want.stats.Segments < 40 || want.stats.Events != 400 || want.stats.Streams != 11 {
		t.Fatalf("template: %+v", want.stats)
	}
	const page = 4096
	tests := []struct {
		name   string
		damage func(t *testing.T, idx []string)
	}{
		{"all removed", func(t *testing.T, idx []string) {
			for _, n := range idx {
				if err := os.Remove(n); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"truncated", func(t *testing.T, idx []string) {
			if err := os.Truncate(idx[3], page+100); err != nil {
				t.Fatal(err)
			}
		}},
		{"header byte flipped", func(t *testing.T, idx []string) { flipByte(t, idx[2], 20) }},
		{"stream table byte flipped", func(t *testing.T, idx []string) {
			for _, n := range idx {
				flipByte(t, n, page+3)
			}
		}},
		{"entries byte flipped", func(t *testing.T, idx []string) {
			for _, n := range idx[1:] {
				flipByte(t, n, 2*page+5)
			}
		}},
		{"sparse table byte flipped", func(t *testing.T, idx []string) {
			for _, n := range idx {
				flipByte(t, n, 3*page+1)
			}
		}},
		{"Bloom filter byte flipped", func(t *testing.T, idx []string) {
			for _, n := range idx {
				flipByte(t, n, 4*page+2)
			}
		}},
		{"another segment's index", func(t *testing.T, idx []string) {
			b, err := os.ReadFile(idx[5])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(idx[6], b, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(tpl)); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, indexFiles(t, dir))
			sameView(t, "read-only", viewOf(t, dir, embedded.Options{ReadOnly: true}), want)
			sameView(t, "writer", viewOf(t, dir, sealedOpts()), want)
			if n := len(indexFiles(t, dir)); n != want.stats.Segments-1 {
				t.Fatalf("%d index files after the writer's open, want %d", n, want.stats.Segments-1)
			}
			// Every index file is sound again: a read-only store that reads
			// everything finds nothing to rebuild, so nothing changes.
			before := map[string]string{}
			for _, n := range indexFiles(t, dir) {
				b, _ := os.ReadFile(n)
				before[n] = string(b)
			}
			sameView(t, "writer, reopened", viewOf(t, dir, sealedOpts()), want)
			for _, n := range indexFiles(t, dir) {
				if b, _ := os.ReadFile(n); string(b) != before[n] {
					t.Fatalf("%s was rebuilt again", filepath.Base(n))
				}
			}
			// Appends continue every stream's revisions and chain.
			s, err := embedded.Open(dir, sealedOpts())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			for name, evs := range want.streams {
				last := uint64(len(evs) - 1)
				res, err := s.Append(ctx, name, eventstore.Exact(last), eventstore.EventData{Type: "incident.note_added", Data: []byte(`{"after":1}`)})
				if err != nil {
					t.Fatalf("append to %s at %d: %v", name, last, err)
				}
				got, err := s.ReadStream(ctx, name, last, 0)
				if err != nil || len(got) != 2 || got[1].Prev != got[0].Hash || res.Revision != last+1 {
					t.Fatalf("append to %s: chain not continued (%v)", name, err)
				}
			}
		})
	}
}

// countingFS counts the reads of segment and index files.
type countingFS struct {
	vfs.OS
	segReads, idxReads atomic.Int64
}

func (c *countingFS) OpenFile(name string, flag int, perm uint32) (vfs.File, error) {
	f, err := c.OS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	switch filepath.Ext(name) {
	case ".seg", ".tmp": // segments are prepared as spare.tmp
		return countingFile{f, &c.segReads}, nil
	case ".idx":
		return countingFile{f, &c.idxReads}, nil
	}
	return f, nil
}

type countingFile struct {
	vfs.File
	n *atomic.Int64
}

// ReadAt counts reads of more than 64 bytes: records and index pages, not
// the peeks at a record header that sealing a segment makes.
func (f countingFile) ReadAt(p []byte, off int64) (int, error) {
	if len(p) > 64 {
		f.n.Add(1)
	}
	return f.File.ReadAt(p, off)
}

// TestReadStreamSkipsSegments: reading a stream whose few events lie in a
// few of a hundred sealed segments skips the others by their Bloom filters
// in memory (without them, by one index page each) and reads only its own
// records; looking up the head of a stream for an append does the same in
// the appender.
func TestReadStreamSkipsSegments(t *testing.T) {
	t.Parallel()
	t.Run("Bloom", func(t *testing.T) { t.Parallel(); testReadStreamSkipsSegments(t, 0) })
	t.Run("NoBloom", func(t *testing.T) { t.Parallel(); testReadStreamSkipsSegments(t, -1) })
}

func testReadStreamSkipsSegments(t *testing.T, bloomCache int64) {
	dir := t.TempDir()
	fs := &countingFS{}
	opts := embedded.WithSealEvery(embedded.Options{FS: fs, SegmentSize: 64 << 10, HeadCache: 2, BloomCache: bloomCache}, 10)
	s, err := embedded.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	batch := make([]eventstore.EventData, 10)
	for i := range batch {
		batch[i] = eventstore.EventData{Type: "log.received", Data: []byte(`{"line":"sshd: accepted publickey"}`)}
	}
	for i := range 100 {
		if i%33 == 5 {
			if _, err := s.Append(ctx, "incident-acme.rare", eventstore.Any, eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"n":%d}`, i)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Append(ctx, fmt.Sprintf("log-acme.host%d", i%4), eventstore.Any, batch...); err != nil {
			t.Fatal(err)
		}
	}
	segs := s.Stats().Segments
	if segs < 100 {
		t.Fatalf("%d segments, want at least 100", segs)
	}
	seg0, idx0 := fs.segReads.Load(), fs.idxReads.Load()
	evs, err := s.ReadStream(ctx, "incident-acme.rare", 0, 0)
	if err != nil || len(evs) != 3 {
		t.Fatalf("ReadStream: %d events, %v", len(evs), err)
	}
	segReads, idxReads := fs.segReads.Load()-seg0, fs.idxReads.Load()-idx0
	t.Logf("ReadStream of 3 events over %d segments: %d segment reads, %d index page reads", segs, segReads, idxReads)
	probes := int64(segs) // one stream table page per segment
	if bloomCache >= 0 {
		probes = 10 // the Bloom filters are in memory: a few false positives
	}
	if segReads > 3 || idxReads > probes+6 {
		t.Fatalf("ReadStream of 3 events over %d segments: %d segment reads, %d index page reads", segs, segReads, idxReads)
	}
	seg0, idx0 = fs.segReads.Load(), fs.idxReads.Load()
	res, err := s.Append(ctx, "incident-acme.rare", eventstore.Exact(2), eventstore.EventData{Type: "incident.note_added", Data: []byte(`{"n":"last"}`)})
	if err != nil || res.Revision != 3 {
		t.Fatalf("append at the head found on disk: %+v, %v", res, err)
	}
	segReads, idxReads = fs.segReads.Load()-seg0, fs.idxReads.Load()-idx0
	t.Logf("head lookup over %d segments: %d segment reads, %d index page reads", segs, segReads, idxReads)
	if segReads > 1 || idxReads > probes+6 {
		t.Fatalf("head lookup: %d segment reads, %d index page reads", segReads, idxReads)
	}
	if _, err := s.ReadStream(ctx, "incident-acme.never", 0, 0); !errorsIsNotFound(err) {
		t.Fatalf("ReadStream of a stream that never was: %v", err)
	}
}

func errorsIsNotFound(err error) bool {
	return errors.Is(err, eventstore.ErrStreamNotFound)
}
