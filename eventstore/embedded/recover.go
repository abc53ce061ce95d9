package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"time"
)

// recover opens the segments of a writable store: every sealed segment gets
// its index file (rebuilt if missing or damaged), the active segment its
// in-memory index (from the checkpoint if it is valid, then from the log
// after it), the torn tail is repaired, and the idempotency window is
// rebuilt (from the checkpoint, else from the last records of the log).
func (s *Store) recover() error {
	s.window.size = s.windowSize
	bases, err := s.segmentBases()
	if err != nil {
		return err
	}
	if len(bases) == 0 {
		seg, err := createSegment(s.fs, s.logDir, 0, s.segmentSize)
		if err != nil {
			return fmt.Errorf("embedded: %w", err)
		}
		s.segs = []*segment{seg}
		s.active = newMemIndex(0)
		seg.mem.Store(s.active)
		s.durable = segHeaderSize
		return nil
	}
	for _, b := range bases {
		seg, err := openSegment(s.fs, s.logDir, b, false)
		if err != nil {
			return fmt.Errorf("embedded: %w", err)
		}
		s.segs = append(s.segs, seg)
	}
	last := len(s.segs) - 1
	for i, seg := range s.segs[:last] {
		if err := s.attachIndex(seg, int64(bases[i+1]-seg.base)); err != nil {
			return err
		}
	}
	seg := s.segs[last]
	size, err := seg.f.Size()
	if err != nil {
		return fmt.Errorf("embedded: size of %s: %w", seg.name, err)
	}
	s.active, s.memFrom = newMemIndex(seg.base), seg.base
	start := int64(segHeaderSize)
	ck, haveCkpt := s.loadCheckpoint(seg, size)
	if haveCkpt {
		s.active, start = ck.index, int64(ck.durable-seg.base)
	}
	seg.mem.Store(s.active)
	tail := windowRing{size: s.windowSize}
	end, err := s.scanSegment(seg, start, size, func(seg *segment, off int64, r *parsedRecord) error {
		if err := s.active.add(seg, off, r); err != nil || r.gap {
			return err
		}
		tail.add(s.active.streams[string(r.stream)].name, r)
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.repairTail(seg, end, size); err != nil {
		return err
	}
	s.durable = seg.base + uint64(end)
	var older []windowEntry
	if haveCkpt {
		older = ck.window
	} else if need := s.windowSize - tail.len(); need > 0 {
		if older, err = s.windowFromLog(need); err != nil {
			return err
		}
	}
	for _, e := range older {
		s.window.add(e.k.stream, e.k.id, e.v.rev, e.v.pos)
	}
	for _, e := range tail.entries() {
		s.window.add(e.k.stream, e.k.id, e.v.rev, e.v.pos)
	}
	return nil
}

// windowRing keeps the last size window entries of a scan.
type windowRing struct {
	size int
	buf  []windowEntry
	next int
}

func (w *windowRing) add(stream string, r *parsedRecord) {
	e := windowEntry{k: dupKey{stream: stream, id: r.id}, v: dupVal{rev: r.revision, pos: r.position}}
	if len(w.buf) < w.size {
		w.buf = append(w.buf, e)
		return
	}
	w.buf[w.next] = e
	w.next = (w.next + 1) % w.size
}

func (w *windowRing) len() int { return len(w.buf) }

// entries returns the entries oldest first.
func (w *windowRing) entries() []windowEntry {
	return append(slices.Clone(w.buf[w.next:]), w.buf[:w.next]...)
}

// windowFromLog reads the window entries of the last need records before
// the active segment, oldest first, from the sealed segments' tails (their
// sparse tables say where to start reading).
func (s *Store) windowFromLog(need int) ([]windowEntry, error) {
	var chunks [][]windowEntry
	for i := len(s.segs) - 2; i >= 0 && need > 0; i-- {
		seg := s.segs[i]
		dataEnd := int64(s.segs[i+1].base - seg.base)
		var got []windowEntry
		err := s.withRepair(func() error {
			got = got[:0]
			fi, mem := seg.index()
			var records, skip uint64
			sp := sparsePoint{off: segHeaderSize}
			if fi != nil {
				records = fi.records
				skip = records - min(records, uint64(need))
				var err error
				if sp, err = fi.sparseFind(skip, true); err != nil {
					return err
				}
			} else if mem != nil {
				records = uint64(len(mem.all))
				skip = records - min(records, uint64(need))
				sp = sparsePoint{off: int64(mem.all[skip] - seg.base), record: skip}
			}
			n := sp.record
			_, err := s.scanSegment(seg, sp.off, dataEnd, func(_ *segment, _ int64, r *parsedRecord) error {
				if n >= skip && !r.gap {
					got = append(got, windowEntry{k: dupKey{stream: string(r.stream), id: r.id}, v: dupVal{rev: r.revision, pos: r.position}})
				}
				n++
				return nil
			})
			return err
		})
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, got)
		need -= len(got)
	}
	var out []windowEntry
	for i := len(chunks) - 1; i >= 0; i-- {
		out = append(out, chunks[i]...)
	}
	return out, nil
}

// scanSegment reads the records of seg from file offset off while they end
// at or before limit, calling fn for each (gap records too: r.gap), and
// returns the offset after the last valid record (and the run of a gap). It
// stops at the first place that holds no valid record.
func (s *Store) scanSegment(seg *segment, off, limit int64, fn func(*segment, int64, *parsedRecord) error) (int64, error) {
	const readSize = 1 << 20
	var buf []byte
	bufOff := int64(-1)
	ensure := func(from int64, n int) error {
		if bufOff >= 0 && from >= bufOff && from+int64(n) <= bufOff+int64(len(buf)) {
			return nil
		}
		want := int64(max(n, readSize))
		want = min(want, limit-from)
		if int64(cap(buf)) < want {
			buf = make([]byte, want)
		}
		buf = buf[:want]
		got, err := seg.f.ReadAt(buf, from)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("embedded: read %s at %d: %w", seg.name, from, err)
		}
		buf, bufOff = buf[:got], from
		return nil
	}
	var rec parsedRecord
	for off+headerSize+recordFixed <= limit {
		if err := ensure(off, headerSize+recordFixed); err != nil {
			return off, err
		}
		if int64(len(buf)) < off-bufOff+headerSize+recordFixed {
			return off, nil
		}
		size, err := frameSize(buf[off-bufOff:], s.maxAppendSize)
		if err != nil || off+int64(size) > limit {
			return off, nil
		}
		if err := ensure(off, size); err != nil {
			return off, err
		}
		if int64(len(buf)) < off-bufOff+int64(size) {
			return off, nil
		}
		if parseRecord(buf[off-bufOff:off-bufOff+int64(size)], seg.base+uint64(off), &rec) != nil || off+int64(rec.span) > limit {
			return off, nil
		}
		if err := fn(seg, off, &rec); err != nil {
			return off, err
		}
		off += int64(rec.span)
	}
	return off, nil
}

// repairTail handles the end of the last segment, where the scan stopped at
// file offset end. If valid records of a later group commit follow, the
// damage is in the middle of the log: refuse. Otherwise whatever follows is
// the torn, never acknowledged remainder of the last group commit: zero it so
// a later crash can never mistake it for records.
func (s *Store) repairTail(seg *segment, end, size int64) error {
	endPos := seg.base + uint64(end)
	window := min(size, end+int64(s.maxBatchBytes+s.maxAppendSize)+headerSize)
	if window <= end {
		return s.preallocate(seg, size)
	}
	buf := make([]byte, window-end)
	got, err := seg.f.ReadAt(buf, end)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("embedded: read %s at %d: %w", seg.name, end, err)
	}
	buf = buf[:got]
	dirty := int64(-1)
	var rec parsedRecord
	for i := 0; i+alignment <= len(buf); i += alignment {
		if binary.LittleEndian.Uint64(buf[i:]) == 0 {
			continue
		}
		dirty = int64(i + alignment)
		if i == 0 || i+headerSize+recordFixed > len(buf) {
			continue
		}
		off := end + int64(i)
		// Cheap test first: the position field must name this place.
		if binary.LittleEndian.Uint64(buf[i+headerSize+16:]) != seg.base+uint64(off) {
			continue
		}
		n, err := frameSize(buf[i:], s.maxAppendSize)
		if err != nil || i+n > len(buf) || parseRecord(buf[i:i+n], seg.base+uint64(off), &rec) != nil {
			continue
		}
		if rec.batchStart > endPos {
			return &CorruptionError{Segment: seg.name, Offset: end,
				Reason: fmt.Sprintf("damaged record, and a valid record written by a later group commit follows at offset %d", off)}
		}
		if dirty < int64(i+n) {
			dirty = int64(i + n)
		}
	}
	if dirty > 0 {
		if _, err := seg.f.WriteAt(make([]byte, dirty), end); err != nil {
			return fmt.Errorf("embedded: clear torn tail of %s at %d: %w", seg.name, end, err)
		}
		if err := seg.f.Sync(); err != nil {
			return fmt.Errorf("embedded: clear torn tail of %s at %d: %w", seg.name, end, err)
		}
	}
	return s.preallocate(seg, size)
}

// preallocate restores a last segment that lost its preallocation.
func (s *Store) preallocate(seg *segment, size int64) error {
	if size >= s.segmentSize {
		return nil
	}
	if err := seg.f.Allocate(s.segmentSize); err != nil {
		return fmt.Errorf("embedded: preallocate %s: %w", seg.name, err)
	}
	return seg.f.Sync()
}

// refresh follows a log written by another process (read-only stores). A
// sealed segment is indexed by its index file when it has one (nothing is
// scanned), else by scanning it into memory; the last segment is scanned as
// it grows. Segments indexed in memory switch to their index file once the
// writer has written it.
func (s *Store) refresh() error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	limit := maxPos
	writing, err := s.fs.Locked(path.Join(s.dir, lockFile))
	if err != nil {
		return fmt.Errorf("embedded: %w", err)
	}
	if writing {
		h, ok := s.readHead()
		if !ok {
			return nil // nothing new can be trusted yet
		}
		limit = h
	}
	bases, err := s.segmentBases()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attachWaiting()
	for {
		if len(s.segs) == 0 {
			if len(bases) == 0 {
				return nil
			}
			seg, err := openSegment(s.fs, s.logDir, bases[0], true)
			if err != nil {
				return fmt.Errorf("embedded: %w", err)
			}
			s.segs = []*segment{seg}
			s.tail = -1
		}
		seg := s.segs[len(s.segs)-1]
		next, hasNext := uint64(0), false
		for _, b := range bases {
			if b > seg.base {
				next, hasNext = b, true
				break
			}
		}
		sealed := hasNext && (limit == maxPos || limit > next)
		if s.tail < 0 && sealed {
			if fi, err := openFileIndex(s.fs, s.logDir, seg, int64(next-seg.base)); err == nil {
				seg.fidx.Store(fi)
				s.advance(next)
			}
		}
		if seg.fidx.Load() == nil {
			if s.tail < 0 {
				s.tail = segHeaderSize
				seg.mem.Store(newMemIndex(seg.base))
			}
			segLimit, err := seg.f.Size()
			if err != nil {
				return fmt.Errorf("embedded: size of %s: %w", seg.name, err)
			}
			if hasNext {
				segLimit = int64(next - seg.base)
			}
			if limit != maxPos && limit <= seg.base+uint64(segLimit) {
				segLimit = int64(limit - seg.base)
			}
			end, err := s.scanSegment(seg, s.tail, segLimit, seg.mem.Load().add)
			if err != nil {
				return err
			}
			s.tail = end
			s.advance(seg.base + uint64(end))
			if !sealed {
				return nil
			}
			if end != int64(next-seg.base) {
				return &CorruptionError{Segment: seg.name, Offset: end, Reason: fmt.Sprintf("sealed segment has no valid record here, but its data runs to offset %d", next-seg.base)}
			}
			if fi, err := openFileIndex(s.fs, s.logDir, seg, end); err == nil {
				seg.fidx.Store(fi)
				seg.mem.Store(nil)
			} else {
				s.unindexed = append(s.unindexed, seg)
			}
		} else if !sealed {
			return nil
		}
		nseg, err := openSegment(s.fs, s.logDir, next, true)
		if err != nil {
			return fmt.Errorf("embedded: %w", err)
		}
		s.segs = append(s.segs, nseg)
		s.tail = -1
	}
}

// advance moves the durable end a read-only store shows and wakes its
// subscriptions. The caller holds mu.
func (s *Store) advance(durable uint64) {
	if durable > s.durable {
		s.durable = durable
		close(s.notify)
		s.notify = make(chan struct{})
	}
}

// attachWaiting switches sealed segments indexed in memory to their index
// files, once the writer has written them (tried at most every 100 ms). The
// caller holds mu.
func (s *Store) attachWaiting() {
	if len(s.unindexed) == 0 || time.Since(s.lastAttempt) < 100*time.Millisecond {
		return
	}
	s.lastAttempt = time.Now()
	kept := s.unindexed[:0]
	for _, seg := range s.unindexed {
		i := sort.Search(len(s.segs), func(i int) bool { return s.segs[i].base > seg.base })
		if fi, err := openFileIndex(s.fs, s.logDir, seg, int64(s.segs[i].base-seg.base)); err == nil {
			seg.fidx.Store(fi)
			seg.mem.Store(nil)
			continue
		}
		kept = append(kept, seg)
	}
	s.unindexed = kept
}

func putU64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }
func getU64(b []byte) uint64    { return binary.LittleEndian.Uint64(b) }
