package embedded_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

const recoverySegment = 64 << 10

// logTemplate is a closed store of n events appended one by one (one group
// commit each), and where each record sits in its segment file.
type logTemplate struct {
	dir     string
	segment string // path of the segment file, relative to dir
	events  []eventstore.RecordedEvent
	offsets []int64 // file offset of each record
	bodies  []int   // length of header + body (CRC-covered bytes) of each record
	sizes   []int   // framed size with padding
}

func buildTemplate(t testing.TB, n int, keepCheckpoint bool) *logTemplate {
	t.Helper()
	dir := t.TempDir()
	s, err := embedded.Open(dir, embedded.Options{SegmentSize: recoverySegment})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range n {
		_, err := s.Append(ctx, fmt.Sprintf("incident-acme.i%d", i%3), eventstore.Any, eventstore.EventData{
			Type: "incident.note_added", Data: fmt.Appendf(nil, `{"note":"note %d %s"}`, i, make([]byte, i*7)),
			Metadata: []byte(`{"actor":"alice"}`),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{})
	if err != nil || len(page.Events) != n {
		t.Fatalf("read back %d events: %v", len(page.Events), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !keepCheckpoint {
		// As after a crash before any checkpoint covered the tail.
		if err := os.Remove(filepath.Join(dir, "index.ckpt")); err != nil {
			t.Fatal(err)
		}
	}
	tpl := &logTemplate{dir: dir, segment: filepath.Join("log", fmt.Sprintf("%020d.seg", 0)), events: page.Events}
	raw, err := os.ReadFile(filepath.Join(dir, tpl.segment))
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range page.Events {
		off := int64(ev.Position.Commit) // segment 0 has base 0
		body := int(binary.LittleEndian.Uint32(raw[off:]))
		tpl.offsets = append(tpl.offsets, off)
		tpl.bodies = append(tpl.bodies, 8+body)
		tpl.sizes = append(tpl.sizes, (8+body+7)&^7)
	}
	return tpl
}

// damage copies the template and applies f to its segment file's bytes.
func (tpl *logTemplate) damage(t testing.TB, f func(seg []byte) []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(tpl.dir)); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, tpl.segment)
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, f(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// expectEvents opens dir and checks it holds exactly the first n events of
// the template, then that an append works and survives a reopen.
func (tpl *logTemplate) expectEvents(t testing.TB, dir string, n int, what string) {
	t.Helper()
	s, err := embedded.Open(dir, embedded.Options{SegmentSize: recoverySegment})
	if err != nil {
		t.Fatalf("%s: open: %v", what, err)
	}
	ctx := context.Background()
	page, err := s.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{})
	if err != nil {
		t.Fatalf("%s: read: %v", what, err)
	}
	if len(page.Events) != n {
		t.Fatalf("%s: %d events after recovery, want %d", what, len(page.Events), n)
	}
	for i, ev := range page.Events {
		want := tpl.events[i]
		if ev.EventID != want.EventID || string(ev.Data) != string(want.Data) || ev.Position != want.Position || ev.Hash != want.Hash {
			t.Fatalf("%s: event %d differs after recovery", what, i)
		}
	}
	res, err := s.Append(ctx, "incident-acme.after", eventstore.NoStream, eventstore.EventData{Type: "incident.opened", Data: []byte(`{"title":"after recovery"}`)})
	if err != nil {
		t.Fatalf("%s: append after recovery: %v", what, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = embedded.Open(dir, embedded.Options{SegmentSize: recoverySegment})
	if err != nil {
		t.Fatalf("%s: reopen after the append: %v", what, err)
	}
	defer s.Close()
	evs, err := s.ReadStream(ctx, "incident-acme.after", 0, 0)
	if err != nil || len(evs) != 1 || evs[0].Position != res.Position {
		t.Fatalf("%s: the append after recovery did not survive a reopen: %v", what, err)
	}
	if page, _ := s.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{}); len(page.Events) != n+1 {
		t.Fatalf("%s: %d events after the append, want %d", what, len(page.Events), n+1)
	}
}

// TestRecoverTornTail truncates and corrupts the last record at every byte:
// the store opens at the last whole record (or keeps the record when only
// its padding, which no reader looks at, changed).
func TestRecoverTornTail(t *testing.T) {
	t.Parallel()
	const n = 12
	tpl := buildTemplate(t, n, false)
	last := n - 1
	off, body, size := tpl.offsets[last], tpl.bodies[last], tpl.sizes[last]
	for i := range size {
		at := off + int64(i)
		dir := tpl.damage(t, func(seg []byte) []byte { return seg[:at] })
		tpl.expectEvents(t, dir, n-1, fmt.Sprintf("truncated at byte %d of the last record", i))

		dir = tpl.damage(t, func(seg []byte) []byte { seg[at] ^= 0x5a; return seg })
		want := n - 1
		if i >= body {
			want = n // padding
		}
		tpl.expectEvents(t, dir, want, fmt.Sprintf("byte %d of the last record flipped", i))
	}
}

// TestRecoverMiddleDamage corrupts every checksummed byte of a record in the
// middle of the log: the store refuses to open and names the record's
// segment and offset.
func TestRecoverMiddleDamage(t *testing.T) {
	t.Parallel()
	const n = 12
	tpl := buildTemplate(t, n, false)
	for _, k := range []int{0, n / 2, n - 2} {
		off, body := tpl.offsets[k], tpl.bodies[k]
		for i := range body {
			at := off + int64(i)
			dir := tpl.damage(t, func(seg []byte) []byte { seg[at] ^= 0xa5; return seg })
			_, err := embedded.Open(dir, embedded.Options{SegmentSize: recoverySegment})
			var ce *embedded.CorruptionError
			if !errors.As(err, &ce) || !errors.Is(err, embedded.ErrCorrupt) {
				t.Fatalf("record %d byte %d flipped: open returned %v, want a *CorruptionError", k, i, err)
			}
			if ce.Offset != off || filepath.Base(ce.Segment) != filepath.Base(tpl.segment) {
				t.Fatalf("record %d byte %d flipped: error names %s offset %d, want %s offset %d", k, i, ce.Segment, ce.Offset, tpl.segment, off)
			}
		}
	}
}

// TestRecoverDamageBelowCheckpoint: after a clean shutdown the index
// checkpoint covers the whole log, so open does not rescan it; damage to a
// covered record is never cut off as a torn tail: reading it reports a
// *CorruptionError naming its offset, and appends go after it.
func TestRecoverDamageBelowCheckpoint(t *testing.T) {
	t.Parallel()
	const n = 6
	tpl := buildTemplate(t, n, true)
	off := tpl.offsets[n-1]
	dir := tpl.damage(t, func(seg []byte) []byte { seg[off+20] ^= 1; return seg })
	s, err := embedded.Open(dir, embedded.Options{SegmentSize: recoverySegment})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	res, err := s.Append(ctx, "incident-acme.after", eventstore.Any, eventstore.EventData{Type: "incident.opened", Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Position.Commit <= tpl.events[n-1].Position.Commit {
		t.Fatalf("append landed at %s, not after the damaged record at %s", res.Position, tpl.events[n-1].Position)
	}
	_, err = s.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{})
	var ce *embedded.CorruptionError
	if !errors.As(err, &ce) || ce.Offset != off {
		t.Fatalf("ReadAll returned %v, want a *CorruptionError at offset %d", err, off)
	}
	_, err = s.ReadStream(ctx, tpl.events[n-1].StreamID, 0, 0)
	if !errors.As(err, &ce) || ce.Offset != off {
		t.Fatalf("ReadStream returned %v, want a *CorruptionError at offset %d", err, off)
	}
}

// FuzzRecoverTail damages the end of the log in arbitrary ways (truncation
// and a flipped byte anywhere in the last two records): open must never
// panic, and must either refuse with a *CorruptionError or keep every record
// before the damage intact and accept appends.
func FuzzRecoverTail(f *testing.F) {
	const n = 8
	tpl := buildTemplate(f, n, false)
	f.Add(uint16(0), uint16(3), byte(0xff), false)
	f.Add(uint16(5), uint16(0), byte(1), true)
	f.Add(uint16(200), uint16(90), byte(0x80), true)
	span := int(tpl.offsets[n-1]-tpl.offsets[n-2]) + tpl.sizes[n-1]
	f.Fuzz(func(t *testing.T, cut, flipAt uint16, xor byte, truncate bool) {
		start := tpl.offsets[n-2]
		at := start + int64(int(flipAt)%span)
		end := start + int64(int(cut)%span)
		dir := tpl.damage(t, func(seg []byte) []byte {
			seg[at] ^= xor
			if truncate {
				seg = seg[:max(end, at+1)]
			}
			return seg
		})
		s, err := embedded.Open(dir, embedded.Options{SegmentSize: recoverySegment})
		if err != nil {
			var ce *embedded.CorruptionError
			if !errors.As(err, &ce) {
				t.Fatalf("open failed without a *CorruptionError: %v", err)
			}
			return
		}
		defer s.Close()
		page, err := s.ReadAll(context.Background(), eventstore.Start, 0, eventstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) < n-2 {
			t.Fatalf("%d events survive, want at least the %d before the damaged records", len(page.Events), n-2)
		}
		for i, ev := range page.Events {
			if ev.EventID != tpl.events[i].EventID || string(ev.Data) != string(tpl.events[i].Data) {
				t.Fatalf("event %d changed", i)
			}
		}
		if _, err := s.Append(context.Background(), "incident-acme.fuzz", eventstore.Any, eventstore.EventData{Type: "incident.opened", Data: []byte(`{}`)}); err != nil {
			t.Fatalf("append after recovery: %v", err)
		}
	})
}

// TestDamagedCheckpointIgnored: the index checkpoint is a cache; a damaged
// or truncated one is ignored and the index is rebuilt from the log.
func TestDamagedCheckpointIgnored(t *testing.T) {
	t.Parallel()
	const n = 9
	tpl := buildTemplate(t, n, true)
	for _, tc := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)/3] }},
		{"empty", func([]byte) []byte { return nil }},
	} {
		dir := tpl.damage(t, func(seg []byte) []byte { return seg })
		name := filepath.Join(dir, "index.ckpt")
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, tc.damage(b), 0o644); err != nil {
			t.Fatal(err)
		}
		tpl.expectEvents(t, dir, n, "checkpoint "+tc.name)
	}
}
