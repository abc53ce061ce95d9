package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path"
	"slices"
)

// The checkpoint (file index.ckpt), written at Close, saves the active
// segment's in-memory index and the idempotency window, so that an open
// after a clean shutdown scans no log at all (sealed segments have their
// index files). It is a cache: when it is missing, damaged or not for the
// last segment, open rebuilds both from the log. Open trusts the records it
// covers (their checksums are verified when they are read) and scans the
// log after it. Its size is bounded by one segment's index plus the window.
//
// Format: magic "SOCLCKP2", u64 durable end position, u64 base of the active
// segment, then uvarints: stream count and per stream its name, the revision
// of its first event in the segment, its delta-coded positions and 32-byte
// last hash; delta-coded positions of all the segment's records; the count
// of streams created in the segment; the window: count of distinct stream
// names and the names, then count of entries and per entry (oldest first)
// name number, 16-byte event ID, revision, position; finally u32 CRC-32C of
// all the preceding bytes.
const (
	ckptFile  = "index.ckpt"
	ckptMagic = "SOCLCKP2"
)

// checkpoint is the content of index.ckpt.
type checkpoint struct {
	durable uint64
	index   *memIndex
	window  []windowEntry // oldest first
}

type windowEntry struct {
	k dupKey
	v dupVal
}

// snapshot takes a checkpoint. Only Close calls it, after the writer has
// stopped: it reads the writer-owned window.
func (s *Store) snapshot() *checkpoint {
	s.mu.RLock()
	ck := &checkpoint{durable: s.durable, index: s.active}
	s.mu.RUnlock()
	w := &s.window
	ring := w.ring
	if len(w.ring) == w.size {
		ring = append(slices.Clone(w.ring[w.next:]), w.ring[:w.next]...)
	}
	for slot, k := range ring {
		if v, ok := w.m[k]; ok && v.slot == (slot+w.next)%max(len(w.ring), 1) {
			ck.window = append(ck.window, windowEntry{k, v})
		}
	}
	return ck
}

// writeCheckpoint saves a checkpoint durably (temporary file, fsync,
// rename, directory fsync).
func (s *Store) writeCheckpoint(ck *checkpoint) error {
	b := ck.encode()
	final := path.Join(s.dir, ckptFile)
	tmp := final + tmpSuffix
	f, err := s.fs.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("embedded: write index checkpoint: %w", err)
	}
	_, err = f.WriteAt(b, 0)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.fs.Rename(tmp, final)
	}
	if err == nil {
		err = s.fs.SyncDir(s.dir)
	}
	if err != nil {
		return fmt.Errorf("embedded: write index checkpoint: %w", err)
	}
	return nil
}

func (ck *checkpoint) encode() []byte {
	m := ck.index
	b := make([]byte, 0, 64+len(m.all)*4+len(m.streams)*64+len(ck.window)*24)
	b = append(b, ckptMagic...)
	b = binary.LittleEndian.AppendUint64(b, ck.durable)
	b = binary.LittleEndian.AppendUint64(b, m.base)
	names := slices.Sorted(maps.Keys(m.streams))
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, name := range names {
		e := m.streams[name]
		b = binary.AppendUvarint(b, uint64(len(name)))
		b = append(b, name...)
		b = binary.AppendUvarint(b, e.first)
		b = appendDeltas(b, e.positions)
		b = append(b, e.last[:]...)
	}
	b = appendDeltas(b, m.all)
	b = binary.AppendUvarint(b, uint64(m.created))
	number := make(map[string]int)
	var wnames []string
	for _, e := range ck.window {
		if _, ok := number[e.k.stream]; !ok {
			number[e.k.stream] = len(wnames)
			wnames = append(wnames, e.k.stream)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(wnames)))
	for _, name := range wnames {
		b = binary.AppendUvarint(b, uint64(len(name)))
		b = append(b, name...)
	}
	b = binary.AppendUvarint(b, uint64(len(ck.window)))
	for _, e := range ck.window {
		b = binary.AppendUvarint(b, uint64(number[e.k.stream]))
		b = append(b, e.k.id[:]...)
		b = binary.AppendUvarint(b, e.v.rev)
		b = binary.AppendUvarint(b, e.v.pos)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func appendDeltas(b []byte, positions []uint64) []byte {
	b = binary.AppendUvarint(b, uint64(len(positions)))
	prev := uint64(0)
	for _, p := range positions {
		b = binary.AppendUvarint(b, p-prev)
		prev = p
	}
	return b
}

// loadCheckpoint reads the checkpoint if it is valid for seg, the last
// segment (size bytes long).
func (s *Store) loadCheckpoint(seg *segment, size int64) (*checkpoint, bool) {
	f, err := s.fs.OpenFile(path.Join(s.dir, ckptFile), os.O_RDONLY, 0)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	fsize, err := f.Size()
	if err != nil || fsize < int64(len(ckptMagic)+20) {
		return nil, false
	}
	b := make([]byte, fsize)
	if n, err := f.ReadAt(b, 0); n != len(b) && !errors.Is(err, io.EOF) {
		return nil, false
	}
	body := b[:len(b)-4]
	if string(b[:8]) != ckptMagic || crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, false
	}
	d := decoder{b: body[8:]}
	ck := &checkpoint{durable: d.u64()}
	base := d.u64()
	lo, hi := base+segHeaderSize, ck.durable
	if d.err != nil || base != seg.base || hi < lo || hi > base+uint64(size) {
		return nil, false
	}
	m := newMemIndex(base)
	inRange := func(ps []uint64) bool {
		for i, p := range ps {
			if p < lo || p >= hi || (i > 0 && p <= ps[i-1]) {
				return false
			}
		}
		return true
	}
	nstreams := d.uvarint()
	total := 0
	for range nstreams {
		if d.err != nil {
			return nil, false
		}
		e := &memStream{name: string(d.bytes(int(d.uvarint())))}
		e.first = d.uvarint()
		e.positions = d.deltas()
		copy(e.last[:], d.bytes(32))
		if len(e.positions) == 0 || !inRange(e.positions) {
			return nil, false
		}
		m.streams[e.name] = e
		total += len(e.positions)
	}
	m.all = d.deltas()
	m.created = int(d.uvarint())
	if d.err != nil || len(m.all) != total || !inRange(m.all) || m.created > len(m.streams) {
		return nil, false
	}
	nnames := d.uvarint()
	names := make([]string, 0, min(nnames, 1<<16))
	for range nnames {
		if d.err != nil {
			return nil, false
		}
		name := string(d.bytes(int(d.uvarint())))
		if e := m.streams[name]; e != nil {
			name = e.name
		}
		names = append(names, name)
	}
	nwin := d.uvarint()
	for range nwin {
		idx := d.uvarint()
		idb := d.bytes(16)
		rev, p := d.uvarint(), d.uvarint()
		if d.err != nil || idx >= uint64(len(names)) {
			return nil, false
		}
		var id [16]byte
		copy(id[:], idb)
		ck.window = append(ck.window, windowEntry{k: dupKey{stream: names[idx], id: id}, v: dupVal{rev: rev, pos: p}})
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, false
	}
	ck.index = m
	return ck, true
}

// decoder reads the checkpoint; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("checkpoint is truncated")

func (d *decoder) u64() uint64 {
	if len(d.b) < 8 {
		d.err = errShort
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n int) []byte {
	if n < 0 || len(d.b) < n {
		d.err = errShort
		return make([]byte, max(n, 0))
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) deltas() []uint64 {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = errShort
		return nil
	}
	out := make([]uint64, n)
	prev := uint64(0)
	for i := range out {
		prev += d.uvarint()
		out[i] = prev
	}
	return out
}
