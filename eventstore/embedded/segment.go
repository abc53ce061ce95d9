package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// A segment is one preallocated file of the log, named by its base: the
// global position of its byte 0. A record at file offset off has position
// base+off; the first record sits right after the segment header, so no
// record has position 0 (eventstore.Start). When a segment is sealed the next
// one starts at the position just after its last record, so the sealed
// segment's data ends exactly at nextBase-base.
//
// Segment header (segHeaderSize bytes, little endian): magic "SOCLSEG1",
// u32 format version, u32 generation (0 as written, +1 for each scavenge
// rewrite; the index file names the generation it indexes), u64 base, u64
// file size at creation, u32 CRC-32C of the previous 32 bytes, zeros.
const (
	segHeaderSize = 64
	segMagic      = "SOCLSEG1"
	segVersion    = 1
	segSuffix     = ".seg"
	tmpSuffix     = ".tmp"
)

type segment struct {
	base uint64
	gen  uint32 // rewrites by scavenging (segment header)
	name string // path of the file
	f    vfs.File
	// replaced: a scavenge rewrite replaced this segment (its file and
	// index are the old ones, still read by readers that started before).
	replaced atomic.Bool

	// The segment's index: its index file once that is written (sealed
	// segments), else an in-memory index. A segment gets its index file
	// before it loses its in-memory index, so a reader always finds one.
	fidx atomic.Pointer[fileIndex]
	mem  atomic.Pointer[memIndex]
	// repairMu serialises rebuilding a damaged index file.
	repairMu sync.Mutex
}

// index returns the segment's index file, or else its in-memory index (both
// nil only for a segment a read-only store has not indexed yet, which it
// then treats as empty).
func (seg *segment) index() (*fileIndex, *memIndex) {
	if fi := seg.fidx.Load(); fi != nil {
		return fi, nil
	}
	if m := seg.mem.Load(); m != nil {
		return nil, m
	}
	return seg.fidx.Load(), nil
}

func segmentFileName(base uint64) string { return fmt.Sprintf("%020d%s", base, segSuffix) }

func parseSegmentFileName(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, segSuffix)
	if !ok || len(digits) != 20 {
		return 0, false
	}
	base, err := strconv.ParseUint(digits, 10, 64)
	return base, err == nil
}

func encodeSegHeader(base uint64, size int64, gen uint32) []byte {
	h := make([]byte, segHeaderSize)
	copy(h, segMagic)
	binary.LittleEndian.PutUint32(h[8:], segVersion)
	binary.LittleEndian.PutUint32(h[12:], gen)
	binary.LittleEndian.PutUint64(h[16:], base)
	binary.LittleEndian.PutUint64(h[24:], uint64(size))
	binary.LittleEndian.PutUint32(h[32:], crc32.Checksum(h[:32], castagnoli))
	return h
}

func checkSegHeader(h []byte, base uint64) error {
	switch {
	case len(h) < segHeaderSize:
		return errors.New("segment header is short")
	case string(h[:8]) != segMagic:
		return errors.New("not a socledger segment (bad magic)")
	case crc32.Checksum(h[:32], castagnoli) != binary.LittleEndian.Uint32(h[32:]):
		return errors.New("segment header checksum mismatch")
	case binary.LittleEndian.Uint32(h[8:]) != segVersion:
		return fmt.Errorf("segment format version %d is not supported", binary.LittleEndian.Uint32(h[8:]))
	case binary.LittleEndian.Uint64(h[16:]) != base:
		return fmt.Errorf("segment header says base %d, file name says %d", binary.LittleEndian.Uint64(h[16:]), base)
	}
	return nil
}

// spareName is the temporary name of a segment file being prepared.
const spareName = "spare" + tmpSuffix

// prepareSegment creates the file of a future segment under a temporary
// name and fills it with zeros that are written and synced, not merely
// allocated: on ext4 a write into allocated-but-unwritten space changes the
// extent tree, which makes every fdatasync commit the journal too.
func prepareSegment(fsys vfs.FS, dir string, size int64) (vfs.File, error) {
	name := path.Join(dir, spareName)
	f, err := fsys.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("prepare segment %s: %w", name, err)
	}
	err = f.Allocate(size)
	if zf, ok := fsys.(vfs.ZeroFiller); ok && err == nil {
		err = zf.ZeroFill(name, size)
	} else {
		zeros := make([]byte, min(size, 1<<20))
		for off := int64(0); err == nil && off < size; off += int64(len(zeros)) {
			_, err = f.WriteAt(zeros[:min(int64(len(zeros)), size-off)], off)
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("prepare segment %s: %w", name, err)
	}
	return f, nil
}

// installSegment turns a prepared file into the segment with the given
// base, durably: header written and synced, file renamed into place and the
// directory synced, so a crash never leaves a half-made segment in the log.
func installSegment(fsys vfs.FS, dir string, f vfs.File, base uint64, size int64) (*segment, error) {
	final := path.Join(dir, segmentFileName(base))
	_, err := f.WriteAt(encodeSegHeader(base, size, 0), 0)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = fsys.Rename(path.Join(dir, spareName), final)
	}
	if err == nil {
		err = fsys.SyncDir(dir)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("install segment %s: %w", final, err)
	}
	return &segment{base: base, name: final, f: f}, nil
}

// createSegment prepares and installs a segment in one go.
func createSegment(fsys vfs.FS, dir string, base uint64, size int64) (*segment, error) {
	f, err := prepareSegment(fsys, dir, size)
	if err != nil {
		return nil, err
	}
	return installSegment(fsys, dir, f, base, size)
}

// openSegment opens an existing segment and checks its header.
func openSegment(fsys vfs.FS, dir string, base uint64, readOnly bool) (*segment, error) {
	name := path.Join(dir, segmentFileName(base))
	flag := os.O_RDWR
	if readOnly {
		flag = os.O_RDONLY
	}
	f, err := fsys.OpenFile(name, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("open segment: %w", err)
	}
	h := make([]byte, segHeaderSize)
	if n, err := f.ReadAt(h, 0); n < segHeaderSize {
		f.Close()
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &CorruptionError{Segment: name, Offset: 0, Reason: "segment header unreadable: " + err.Error()}
	}
	if err := checkSegHeader(h, base); err != nil {
		f.Close()
		return nil, &CorruptionError{Segment: name, Offset: 0, Reason: err.Error()}
	}
	return &segment{base: base, gen: binary.LittleEndian.Uint32(h[12:]), name: name, f: f}, nil
}

// ErrCorrupt is wrapped by every *CorruptionError.
var ErrCorrupt = errors.New("embedded: log is damaged")

// CorruptionError reports damage in the log that recovery must not repair on
// its own because records that were acknowledged follow it (or it is in a
// sealed segment). Nothing is truncated; the store refuses to open.
type CorruptionError struct {
	Segment string // segment file
	Offset  int64  // byte offset of the damaged record in the file
	Reason  string
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("embedded: log damaged in %s at byte offset %d: %s; the store refuses to open rather than drop acknowledged events (restore the file from a backup or copy the data directory aside for inspection)",
		e.Segment, e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptionError) Is(target error) bool { return target == ErrCorrupt }
