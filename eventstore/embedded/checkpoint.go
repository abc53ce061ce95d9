package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path"
	"slices"
	"strings"
)

// The index checkpoint (file index.ckpt) saves the in-memory index so open
// only scans the log written after it. It is a cache: when it is missing,
// damaged or does not match the segments on disk, open rebuilds the index
// from the whole log. Open trusts the records it covers (their checksums are
// verified when they are read); it scans and verifies the log after it.
//
// Format: magic "SOCLIDX1", u64 durable end position, then uvarints: segment
// count and bases; stream count and per stream its name, revision count,
// delta-coded positions and 32-byte last hash; global record count and
// delta-coded positions; window count and per entry (oldest first) stream
// number, 16-byte event ID, revision, position; finally u32 CRC-32C of all
// the preceding bytes.
const (
	ckptFile  = "index.ckpt"
	ckptMagic = "SOCLIDX1"
)

type checkpointStart struct {
	segIndex int
	offset   int64
}

// indexSnapshot is a consistent view of the index for a checkpoint. The
// index only grows (positions are appended, never changed), so copying slice
// headers under the lock is enough; the window is copied.
type indexSnapshot struct {
	durable uint64
	bases   []uint64
	streams []streamSnapshot
	all     []uint64
	window  []windowEntry
}

type streamSnapshot struct {
	name      string
	positions []uint64
	last      [32]byte
}

type windowEntry struct {
	k dupKey
	v dupVal
}

// snapshot takes an indexSnapshot. Only the writer goroutine (or Close,
// after it stopped) may call it: it reads the writer-owned window, and the
// index must have nothing pending.
func (s *Store) snapshot() *indexSnapshot {
	s.mu.RLock()
	snap := &indexSnapshot{durable: s.durable, all: s.all, streams: make([]streamSnapshot, 0, len(s.streams))}
	for _, seg := range s.segs {
		snap.bases = append(snap.bases, seg.base)
	}
	for _, e := range s.streams {
		snap.streams = append(snap.streams, streamSnapshot{name: e.name, positions: e.positions, last: e.last})
	}
	s.mu.RUnlock()
	w := &s.window
	ring := w.ring
	if len(w.ring) == w.size {
		ring = append(slices.Clone(w.ring[w.next:]), w.ring[:w.next]...)
	}
	for slot, k := range ring {
		if v, ok := w.m[k]; ok && v.slot == (slot+w.next)%max(len(w.ring), 1) {
			snap.window = append(snap.window, windowEntry{k, v})
		}
	}
	return snap
}

// writeCheckpoint saves a snapshot durably (temporary file, fsync, rename,
// directory fsync).
func (s *Store) writeCheckpoint(snap *indexSnapshot) error {
	b := snap.encode()
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

func (snap *indexSnapshot) encode() []byte {
	b := make([]byte, 0, 64+len(snap.all)*4+len(snap.streams)*64)
	b = append(b, ckptMagic...)
	b = binary.LittleEndian.AppendUint64(b, snap.durable)
	b = binary.AppendUvarint(b, uint64(len(snap.bases)))
	for _, base := range snap.bases {
		b = binary.AppendUvarint(b, base)
	}
	slices.SortFunc(snap.streams, func(a, b streamSnapshot) int { return strings.Compare(a.name, b.name) })
	number := make(map[string]int, len(snap.streams))
	b = binary.AppendUvarint(b, uint64(len(snap.streams)))
	for i, st := range snap.streams {
		number[st.name] = i
		b = binary.AppendUvarint(b, uint64(len(st.name)))
		b = append(b, st.name...)
		b = appendDeltas(b, st.positions)
		b = append(b, st.last[:]...)
	}
	b = appendDeltas(b, snap.all)
	var live []windowEntry
	for _, e := range snap.window {
		if _, known := number[e.k.stream]; known {
			live = append(live, e)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(live)))
	for _, e := range live {
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

// loadCheckpoint loads the index checkpoint into the (empty) index if it is
// valid for the segments on disk, and says where scanning must resume.
func (s *Store) loadCheckpoint(bases []uint64) (checkpointStart, bool) {
	f, err := s.fs.OpenFile(path.Join(s.dir, ckptFile), os.O_RDONLY, 0)
	if err != nil {
		return checkpointStart{}, false
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil || size < int64(len(ckptMagic)+12) {
		return checkpointStart{}, false
	}
	b := make([]byte, size)
	if n, err := f.ReadAt(b, 0); n != len(b) && !errors.Is(err, io.EOF) {
		return checkpointStart{}, false
	}
	body := b[:len(b)-4]
	if string(b[:8]) != ckptMagic || crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return checkpointStart{}, false
	}
	d := decoder{b: body[8:]}
	durable := d.u64()
	nseg := d.uvarint()
	if d.err != nil || nseg == 0 || nseg > uint64(len(bases)) {
		return checkpointStart{}, false
	}
	for i := range nseg {
		if d.uvarint() != bases[i] {
			return checkpointStart{}, false
		}
	}
	last := bases[nseg-1]
	if durable < last+segHeaderSize {
		return checkpointStart{}, false
	}
	streams := make(map[string]*streamEntry)
	nstreams := d.uvarint()
	names := make([]string, 0, min(nstreams, 1<<20))
	for range nstreams {
		if d.err != nil {
			return checkpointStart{}, false
		}
		name := string(d.bytes(int(d.uvarint())))
		e := &streamEntry{name: name, positions: d.deltas()}
		copy(e.last[:], d.bytes(32))
		streams[name] = e
		names = append(names, name)
	}
	all := d.deltas()
	var win window
	win.size = s.windowSize
	nwin := d.uvarint()
	for range nwin {
		idx := d.uvarint()
		idb := d.bytes(16)
		rev, p := d.uvarint(), d.uvarint()
		if d.err != nil || idx >= uint64(len(names)) {
			return checkpointStart{}, false
		}
		var id [16]byte
		copy(id[:], idb)
		win.add(names[idx], id, rev, p)
	}
	if d.err != nil || len(d.b) != 0 {
		return checkpointStart{}, false
	}
	s.streams, s.all, s.window = streams, all, win
	return checkpointStart{segIndex: int(nseg - 1), offset: int64(durable - last)}, true
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
