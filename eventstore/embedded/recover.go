package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
)

// recover rebuilds the index of a writable store: from the checkpoint if it
// is valid, then from the log after it, and repairs a torn tail.
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
	startSeg, startOff := 0, int64(segHeaderSize)
	if ck, ok := s.loadCheckpoint(bases); ok {
		startSeg, startOff = ck.segIndex, ck.offset
	}
	for i := startSeg; i < len(s.segs); i++ {
		seg := s.segs[i]
		off := int64(segHeaderSize)
		if i == startSeg {
			off = startOff
		}
		last := i == len(s.segs)-1
		size, err := seg.f.Size()
		if err != nil {
			return fmt.Errorf("embedded: size of %s: %w", seg.name, err)
		}
		limit := size
		if !last {
			limit = int64(s.segs[i+1].base - seg.base)
		}
		end, err := s.scanSegment(seg, off, limit, s.indexRecord)
		if err != nil {
			return err
		}
		if !last {
			if end != limit {
				return &CorruptionError{Segment: seg.name, Offset: end, Reason: fmt.Sprintf("sealed segment has no valid record here, but its data runs to offset %d", limit)}
			}
			continue
		}
		if err := s.repairTail(seg, end, size); err != nil {
			return err
		}
		s.durable = seg.base + uint64(end)
	}
	return nil
}

// indexRecord adds a record found by a scan to the index.
func (s *Store) indexRecord(seg *segment, off int64, r *parsedRecord) error {
	name := string(r.stream)
	e := s.streams[name]
	if e == nil {
		e = &streamEntry{name: name}
		s.streams[name] = e
	}
	if r.revision != uint64(len(e.positions)) {
		return &CorruptionError{Segment: seg.name, Offset: off,
			Reason: fmt.Sprintf("stream %q: record has revision %d, expected %d", name, r.revision, len(e.positions))}
	}
	e.positions = append(e.positions, r.position)
	e.last = r.hash
	s.all = append(s.all, r.position)
	if s.window.size > 0 {
		s.window.add(e.name, r.id, r.revision, r.position)
	}
	return nil
}

// scanSegment reads the records of seg from file offset off while they end
// at or before limit, calling fn for each, and returns the offset after the
// last valid record. It stops at the first place that holds no valid record.
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
		if parseRecord(buf[off-bufOff:off-bufOff+int64(size)], seg.base+uint64(off), &rec) != nil {
			return off, nil
		}
		if err := fn(seg, off, &rec); err != nil {
			return off, err
		}
		off += int64(size)
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

// refresh follows a log written by another process (read-only stores): it
// indexes the records made durable since the last call.
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
			s.tail = segHeaderSize
		}
		seg := s.segs[len(s.segs)-1]
		next, hasNext := uint64(0), false
		for _, b := range bases {
			if b > seg.base {
				next, hasNext = b, true
				break
			}
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
		before := len(s.all)
		end, err := s.scanSegment(seg, s.tail, segLimit, s.indexRecord)
		if err != nil {
			return err
		}
		s.tail = end
		if len(s.all) > before || s.durable < seg.base+uint64(end) {
			s.durable = seg.base + uint64(end)
			close(s.notify)
			s.notify = make(chan struct{})
		}
		if !hasNext || (limit != maxPos && limit <= next) {
			return nil
		}
		if end != int64(next-seg.base) {
			return &CorruptionError{Segment: seg.name, Offset: end, Reason: fmt.Sprintf("sealed segment has no valid record here, but its data runs to offset %d", next-seg.base)}
		}
		nseg, err := openSegment(s.fs, s.logDir, next, true)
		if err != nil {
			return fmt.Errorf("embedded: %w", err)
		}
		s.segs = append(s.segs, nseg)
		s.tail = segHeaderSize
	}
}

func putU64(b []byte, v uint64) { binary.LittleEndian.PutUint64(b, v) }
func getU64(b []byte) uint64    { return binary.LittleEndian.Uint64(b) }
