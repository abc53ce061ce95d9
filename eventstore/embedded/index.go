package embedded

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
	"path"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// Segment index files. When a segment is sealed, a background job writes
// log/<base>.idx next to it (temporary file, fsync, rename, directory fsync),
// from the segment's in-memory index; once it is durable the in-memory index
// is dropped. An index file is a cache of what the segment holds: open
// rebuilds a missing or damaged one by scanning the segment, and a reader
// that finds a damaged page rebuilds it the same way.
//
// The file is a sequence of 4 KiB pages. Each page ends with a u32 item count
// and a u32 CRC-32C of the page's first 4092 bytes, so every read of a page
// is verified. Little endian throughout.
//
// Page 0, the header:
//
//	0    [8]  magic "SOCLSIX1"
//	8    u32  format version (1)
//	12   u32  page size (4096)
//	16   u64  segment base
//	24   u64  data end: file offset just after the last record (the next
//	          segment's base minus this one's)
//	32   u64  records
//	40   u64  streams (distinct streams with records here)
//	48   u64  streams created here (records with revision 0)
//	56   u64  position of the last record
//	64   u32  CRC field of the last record (ties the index to the segment's
//	          contents)
//	68   u32  reserved, 0
//	72   u64  first page of the stream table, 80 u64 its page count
//	88   u64  first page of the entries (one per record)
//	96   u64  first page of the sparse table, 104 u64 its entry count
//	112  u64  total pages
//	120  u64  first page of the Bloom filter, 128 u64 its word count
//	136  u64  generation of the segment it indexes (segment header)
//	144  u64  gap records among the records (see record.go)
//
// The stream table is a hash table with one page per bucket (127 slots of
// 32 bytes): a stream goes to the bucket chosen by the high bits of its
// streamHash, or the next page with room (wrapping). A page with room ends a
// lookup, so the table answers both "is the stream here" (exactly: it is the
// segment's membership filter, without a Bloom filter's false positives)
// and "where are its events" with one page read, usually. Slot: u64 stream
// hash, u64 revision of its first record here, u32 record count, u32 index
// of its first entry, 8 bytes reserved. A stream's records in a segment have
// consecutive revisions, and its entries are consecutive: entry i is
// revision first+i. Streams with the same 64-bit hash get a slot each;
// readers tell them apart by the stream name in the records.
//
// Entries (511 per page, 8 bytes): u32 file offset, u32 framed size of the
// record.
//
// The sparse table (255 per page, 16 bytes): u64 position, u32 file offset,
// u32 record number, for every 64th record and at least every 256 KiB: it
// maps a position to a record boundary at or before it, and a record number
// to a place to start reading, in a few page reads.
//
// The Bloom filter (511 u64 words per page), about 10 bits per stream, one
// word per stream hash (see bloomBits): the store keeps the filters of the
// newest segments in memory, within Options.BloomCache, so that looking for
// a stream skips most segments without reading their stream table.
const (
	idxSuffix      = ".idx"
	idxMagic       = "SOCLSIX1"
	idxVersion     = 1
	idxPageSize    = 4096
	idxTrailer     = idxPageSize - 8
	slotSize       = 32
	slotsPerPage   = idxTrailer / slotSize
	entrySize      = 8
	entriesPerPage = idxTrailer / entrySize
	sparseSize     = 16
	sparsePerPage  = idxTrailer / sparseSize
	tableFill      = 96 // streams per table page on average (of 127)
	sparseEvery    = 64
	sparseBytes    = 256 << 10
)

func indexFileName(base uint64) string { return fmt.Sprintf("%020d%s", base, idxSuffix) }

// idxHeader is the decoded header page.
type idxHeader struct {
	base                    uint64
	dataEnd                 int64
	records, streams        uint64
	created                 uint64
	lastPos                 uint64
	lastCRC                 uint32
	tablePage, tablePages   uint64
	entriesPage             uint64
	sparsePage, sparseCount uint64
	pages                   uint64
	bloomPage, bloomWords   uint64
	gen, gaps               uint64
}

func pagesFor(n, perPage uint64) uint64 { return (n + perPage - 1) / perPage }

// layout fills in the page numbers from the counts.
func (h *idxHeader) layout() {
	h.tablePage = 1
	h.tablePages = max(1, pagesFor(h.streams, tableFill))
	h.entriesPage = h.tablePage + h.tablePages
	h.sparsePage = h.entriesPage + pagesFor(h.records, entriesPerPage)
	h.bloomPage = h.sparsePage + pagesFor(h.sparseCount, sparsePerPage)
	h.bloomWords = max(1, pagesFor(h.streams*bloomBitsPerStream, 64))
	h.pages = h.bloomPage + pagesFor(h.bloomWords, entriesPerPage)
}

func (h *idxHeader) encode(p []byte) {
	copy(p, idxMagic)
	le := binary.LittleEndian
	le.PutUint32(p[8:], idxVersion)
	le.PutUint32(p[12:], idxPageSize)
	le.PutUint64(p[16:], h.base)
	le.PutUint64(p[24:], uint64(h.dataEnd))
	le.PutUint64(p[32:], h.records)
	le.PutUint64(p[40:], h.streams)
	le.PutUint64(p[48:], h.created)
	le.PutUint64(p[56:], h.lastPos)
	le.PutUint32(p[64:], h.lastCRC)
	le.PutUint64(p[72:], h.tablePage)
	le.PutUint64(p[80:], h.tablePages)
	le.PutUint64(p[88:], h.entriesPage)
	le.PutUint64(p[96:], h.sparsePage)
	le.PutUint64(p[104:], h.sparseCount)
	le.PutUint64(p[112:], h.pages)
	le.PutUint64(p[120:], h.bloomPage)
	le.PutUint64(p[128:], h.bloomWords)
	le.PutUint64(p[136:], h.gen)
	le.PutUint64(p[144:], h.gaps)
}

func (h *idxHeader) decode(p []byte) error {
	le := binary.LittleEndian
	switch {
	case string(p[:8]) != idxMagic:
		return errors.New("not a segment index (bad magic)")
	case le.Uint32(p[8:]) != idxVersion:
		return fmt.Errorf("segment index format version %d is not supported", le.Uint32(p[8:]))
	case le.Uint32(p[12:]) != idxPageSize:
		return fmt.Errorf("segment index page size %d is not supported", le.Uint32(p[12:]))
	}
	h.base = le.Uint64(p[16:])
	h.dataEnd = int64(le.Uint64(p[24:]))
	h.records = le.Uint64(p[32:])
	h.streams = le.Uint64(p[40:])
	h.created = le.Uint64(p[48:])
	h.lastPos = le.Uint64(p[56:])
	h.lastCRC = le.Uint32(p[64:])
	want := idxHeader{streams: h.streams, records: h.records, sparseCount: le.Uint64(p[104:])}
	want.layout()
	h.tablePage, h.tablePages = le.Uint64(p[72:]), le.Uint64(p[80:])
	h.entriesPage, h.sparsePage = le.Uint64(p[88:]), le.Uint64(p[96:])
	h.sparseCount, h.pages = want.sparseCount, le.Uint64(p[112:])
	h.bloomPage, h.bloomWords = le.Uint64(p[120:]), le.Uint64(p[128:])
	h.gen, h.gaps = le.Uint64(p[136:]), le.Uint64(p[144:])
	if h.tablePage != want.tablePage || h.tablePages != want.tablePages || h.entriesPage != want.entriesPage ||
		h.sparsePage != want.sparsePage || h.pages != want.pages || h.bloomPage != want.bloomPage ||
		h.bloomWords != want.bloomWords || h.streams > h.records ||
		h.created > h.streams || (h.records > 0) != (h.sparseCount > 0) || h.sparseCount > h.records ||
		h.gaps > h.records || h.streams > h.records-h.gaps {
		return errors.New("segment index header is inconsistent")
	}
	return nil
}

// sealPage writes a page's item count and checksum.
func sealPage(p []byte, count int) {
	binary.LittleEndian.PutUint32(p[idxTrailer:], uint32(count))
	binary.LittleEndian.PutUint32(p[idxTrailer+4:], crc32.Checksum(p[:idxTrailer+4], castagnoli))
}

// bucket maps a stream hash to a table page (the hash's high bits).
func bucket(h, pages uint64) uint64 {
	hi, _ := bits.Mul64(h, pages)
	return hi
}

// encodeIndex builds the index file of the sealed segment that m indexes,
// whose data ends at file offset dataEnd; lastCRC is the CRC field of its
// last record; hashName is streamHash (tests replace it).
func encodeIndex(m *memIndex, dataEnd int64, lastCRC uint32, gen uint32, hashName func(string) uint64) []byte {
	base := m.base
	h := idxHeader{base: base, dataEnd: dataEnd, records: uint64(len(m.all)), streams: uint64(len(m.streams)),
		created: uint64(m.created), lastCRC: lastCRC, gen: uint64(gen), gaps: uint64(m.gaps)}
	var sparse []uint64 // record numbers
	last := uint64(0)
	for i, p := range m.all {
		if i%sparseEvery == 0 || p-last >= sparseBytes {
			sparse = append(sparse, uint64(i))
			last = p
		}
	}
	if n := len(m.all); n > 0 {
		h.lastPos = m.all[n-1]
	}
	h.sparseCount = uint64(len(sparse))
	h.layout()
	b := make([]byte, h.pages*idxPageSize)
	page := func(n uint64) []byte { return b[n*idxPageSize : (n+1)*idxPageSize] }
	h.encode(page(0))
	// A record's size is the distance to the next record. A stream's next
	// record is usually close after its last one in m.all: look there first.
	sizeOf := func(p uint64, from int) (uint32, int) {
		i := from
		if i >= len(m.all) || m.all[i] != p {
			j, _ := slices.BinarySearch(m.all[from:], p)
			i = from + j
		}
		next := base + uint64(dataEnd)
		if i+1 < len(m.all) {
			next = m.all[i+1]
		}
		return uint32(next - p), i + 1
	}
	le := binary.LittleEndian
	counts := make([]int, h.tablePages)
	entry := uint64(0)
	bloom := make([]uint64, h.bloomWords)
	for _, e := range m.streams {
		hash := hashName(e.name)
		w, mask := bloomBits(hash, h.bloomWords)
		bloom[w] |= mask
		pg := bucket(hash, h.tablePages)
		for counts[pg] == slotsPerPage {
			pg = (pg + 1) % h.tablePages
		}
		slot := page(h.tablePage + pg)[counts[pg]*slotSize:]
		counts[pg]++
		le.PutUint64(slot[0:], hash)
		le.PutUint64(slot[8:], e.first)
		le.PutUint32(slot[16:], uint32(len(e.positions)))
		le.PutUint32(slot[20:], uint32(entry))
		at := 0
		for _, p := range e.positions {
			var size uint32
			size, at = sizeOf(p, at)
			ent := page(h.entriesPage + entry/entriesPerPage)[(entry%entriesPerPage)*entrySize:]
			le.PutUint32(ent[0:], uint32(p-base))
			le.PutUint32(ent[4:], size)
			entry++
		}
	}
	for i := range h.tablePages {
		sealPage(page(h.tablePage+i), counts[i])
	}
	for i := uint64(0); i*entriesPerPage < h.records; i++ {
		sealPage(page(h.entriesPage+i), int(min(entriesPerPage, h.records-i*entriesPerPage)))
	}
	for i, rec := range sparse {
		ent := page(h.sparsePage + uint64(i)/sparsePerPage)[(i%sparsePerPage)*sparseSize:]
		le.PutUint64(ent[0:], m.all[rec])
		le.PutUint32(ent[8:], uint32(m.all[rec]-base))
		le.PutUint32(ent[12:], uint32(rec))
	}
	for i := uint64(0); i*sparsePerPage < h.sparseCount; i++ {
		sealPage(page(h.sparsePage+i), int(min(sparsePerPage, h.sparseCount-i*sparsePerPage)))
	}
	for i, w := range bloom {
		le.PutUint64(page(h.bloomPage + uint64(i)/entriesPerPage)[(i%entriesPerPage)*8:], w)
	}
	for i := uint64(0); i*entriesPerPage < h.bloomWords; i++ {
		sealPage(page(h.bloomPage+i), int(min(entriesPerPage, h.bloomWords-i*entriesPerPage)))
	}
	sealPage(page(0), 0)
	return b
}

// fileIndex reads a segment's index file. Its methods may be called
// concurrently.
type fileIndex struct {
	idxHeader
	f    vfs.File
	name string
	seg  *segment
	// bloom is the Bloom filter while it is in memory; refused: the bloom
	// cache had no room for it (see Store.mayHold).
	bloom   atomic.Pointer[[]uint64]
	refused atomic.Bool
}

// bloomBitsPerStream sizes the Bloom filters: with 6 bits set in one 64-bit
// word per stream, about 3% false positives.
const bloomBitsPerStream = 10

// bloomBits returns the word and the bits of a stream hash in a filter of n
// words: the word from a remix of the hash (the stream table uses its high
// bits), six bits from six 6-bit fields of the remix.
func bloomBits(h, n uint64) (uint64, uint64) {
	r := h * 0x9e3779b97f4a7c15
	w, _ := bits.Mul64(r^(r>>29), n)
	var mask uint64
	for i := range 6 {
		mask |= 1 << ((r >> (6 * i)) & 63)
	}
	return w, mask
}

// loadBloom reads the Bloom filter.
func (x *fileIndex) loadBloom() ([]uint64, error) {
	buf := pagePool.Get().(*[idxPageSize]byte)
	defer pagePool.Put(buf)
	words := make([]uint64, x.bloomWords)
	for i := uint64(0); i*entriesPerPage < x.bloomWords; i++ {
		count, err := x.readPage(x.bloomPage+i, buf)
		if err != nil {
			return nil, err
		}
		n := min(entriesPerPage, x.bloomWords-i*entriesPerPage)
		if uint64(count) != n {
			return nil, &indexDamagedError{x, x.bloomPage + i, "Bloom filter count mismatch"}
		}
		for j := range n {
			words[i*entriesPerPage+j] = binary.LittleEndian.Uint64(buf[j*8:])
		}
	}
	return words, nil
}

// indexDamagedError reports a page of a segment index file that fails its
// checksum or does not make sense. The store rebuilds the file from its
// segment when it meets one; it is never returned to callers.
type indexDamagedError struct {
	fi     *fileIndex
	page   uint64
	reason string
}

func (e *indexDamagedError) Error() string {
	return fmt.Sprintf("embedded: segment index %s damaged at page %d: %s", e.fi.name, e.page, e.reason)
}

var pagePool = sync.Pool{New: func() any { return new([idxPageSize]byte) }}

// readPage reads and verifies page n into buf and returns its item count.
func (x *fileIndex) readPage(n uint64, buf *[idxPageSize]byte) (int, error) {
	if n >= x.pages {
		return 0, &indexDamagedError{x, n, "page number out of range"}
	}
	got, err := x.f.ReadAt(buf[:], int64(n)*idxPageSize)
	if got < idxPageSize {
		if err == nil || errors.Is(err, io.EOF) {
			return 0, &indexDamagedError{x, n, "file is short"}
		}
		return 0, fmt.Errorf("embedded: read %s: %w", x.name, err)
	}
	if crc32.Checksum(buf[:idxTrailer+4], castagnoli) != binary.LittleEndian.Uint32(buf[idxTrailer+4:]) {
		return 0, &indexDamagedError{x, n, "checksum mismatch"}
	}
	return int(binary.LittleEndian.Uint32(buf[idxTrailer:])), nil
}

// idxSlot is a stream's slot in a segment's stream table.
type idxSlot struct {
	first, count, start uint64
}

// lookup returns the slots with stream hash h (almost always none or one).
func (x *fileIndex) lookup(h uint64) ([]idxSlot, error) {
	buf := pagePool.Get().(*[idxPageSize]byte)
	defer pagePool.Put(buf)
	var out []idxSlot
	pg := bucket(h, x.tablePages)
	for range x.tablePages {
		n, err := x.readPage(x.tablePage+pg, buf)
		if err != nil {
			return nil, err
		}
		if n > slotsPerPage {
			return nil, &indexDamagedError{x, x.tablePage + pg, "bad slot count"}
		}
		for i := range n {
			s := buf[i*slotSize:]
			if binary.LittleEndian.Uint64(s) != h {
				continue
			}
			sl := idxSlot{first: binary.LittleEndian.Uint64(s[8:]), count: uint64(binary.LittleEndian.Uint32(s[16:])),
				start: uint64(binary.LittleEndian.Uint32(s[20:]))}
			if sl.count == 0 || sl.start+sl.count > x.records {
				return nil, &indexDamagedError{x, x.tablePage + pg, "slot out of range"}
			}
			out = append(out, sl)
		}
		if n < slotsPerPage {
			return out, nil
		}
		pg = (pg + 1) % x.tablePages
	}
	return out, nil
}

// idxEntry is where a record sits in its segment file.
type idxEntry struct {
	off  int64
	size int
}

// entries appends entries start..start+n-1 to dst.
func (x *fileIndex) entries(start, n uint64, dst []idxEntry) ([]idxEntry, error) {
	if start+n > x.records {
		return dst, &indexDamagedError{x, x.entriesPage, "entry out of range"}
	}
	buf := pagePool.Get().(*[idxPageSize]byte)
	defer pagePool.Put(buf)
	for n > 0 {
		pg := x.entriesPage + start/entriesPerPage
		count, err := x.readPage(pg, buf)
		if err != nil {
			return dst, err
		}
		i := start % entriesPerPage
		take := min(n, entriesPerPage-i)
		if i+take > uint64(count) {
			return dst, &indexDamagedError{x, pg, "entry count mismatch"}
		}
		for j := i; j < i+take; j++ {
			e := buf[j*entrySize:]
			ent := idxEntry{off: int64(binary.LittleEndian.Uint32(e)), size: int(binary.LittleEndian.Uint32(e[4:]))}
			if ent.off < segHeaderSize || ent.off+int64(ent.size) > x.dataEnd || ent.size < headerSize+recordFixed {
				return dst, &indexDamagedError{x, pg, "entry out of range"}
			}
			dst = append(dst, ent)
		}
		start += take
		n -= take
	}
	return dst, nil
}

// sparsePoint is an entry of the sparse table.
type sparsePoint struct {
	pos    uint64
	off    int64
	record uint64
}

func (x *fileIndex) sparseAt(i uint64, buf *[idxPageSize]byte, loaded *uint64) (sparsePoint, error) {
	pg := x.sparsePage + i/sparsePerPage
	if *loaded != pg {
		count, err := x.readPage(pg, buf)
		if err != nil {
			return sparsePoint{}, err
		}
		if uint64(count) != min(sparsePerPage, x.sparseCount-(pg-x.sparsePage)*sparsePerPage) {
			return sparsePoint{}, &indexDamagedError{x, pg, "sparse count mismatch"}
		}
		*loaded = pg
	}
	e := buf[(i%sparsePerPage)*sparseSize:]
	p := sparsePoint{pos: binary.LittleEndian.Uint64(e), off: int64(binary.LittleEndian.Uint32(e[8:])), record: uint64(binary.LittleEndian.Uint32(e[12:]))}
	if p.off < segHeaderSize || p.off >= x.dataEnd || p.record >= x.records {
		return sparsePoint{}, &indexDamagedError{x, pg, "sparse entry out of range"}
	}
	return p, nil
}

// sparseFind returns the last sparse entry whose key (position or record
// number) is at most v, or the segment's first record if there is none.
func (x *fileIndex) sparseFind(v uint64, byRecord bool) (sparsePoint, error) {
	first := sparsePoint{pos: x.base + segHeaderSize, off: segHeaderSize}
	if x.sparseCount == 0 {
		return first, nil
	}
	buf := pagePool.Get().(*[idxPageSize]byte)
	defer pagePool.Put(buf)
	loaded := ^uint64(0)
	key := func(p sparsePoint) uint64 {
		if byRecord {
			return p.record
		}
		return p.pos
	}
	// Smallest i with key > v, by binary search.
	lo, hi := uint64(0), x.sparseCount
	var err error
	for lo < hi && err == nil {
		mid := lo + (hi-lo)/2
		var p sparsePoint
		if p, err = x.sparseAt(mid, buf, &loaded); key(p) > v {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if err != nil {
		return sparsePoint{}, err
	}
	if lo == 0 {
		return first, nil
	}
	return x.sparseAt(lo-1, buf, &loaded)
}

// openFileIndex opens the index file of seg, a sealed segment whose data
// ends at file offset dataEnd, and checks that it is whole and belongs to
// the segment as it is on disk.
func openFileIndex(fsys vfs.FS, dir string, seg *segment, dataEnd int64) (*fileIndex, error) {
	name := path.Join(dir, indexFileName(seg.base))
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	x := &fileIndex{f: f, name: name, seg: seg}
	x.pages = 1
	if err := x.check(seg, dataEnd); err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

func (x *fileIndex) check(seg *segment, dataEnd int64) error {
	buf := pagePool.Get().(*[idxPageSize]byte)
	defer pagePool.Put(buf)
	if _, err := x.readPage(0, buf); err != nil {
		return err
	}
	damaged := func(reason string) error { return &indexDamagedError{x, 0, reason} }
	if err := x.idxHeader.decode(buf[:]); err != nil {
		return damaged(err.Error())
	}
	if x.base != seg.base || x.dataEnd != dataEnd || x.gen != uint64(seg.gen) {
		return damaged(fmt.Sprintf("it indexes segment %d generation %d up to offset %d, not %d generation %d up to %d", x.base, x.gen, x.dataEnd, seg.base, seg.gen, dataEnd))
	}
	size, err := x.f.Size()
	if err != nil {
		return fmt.Errorf("embedded: size of %s: %w", x.name, err)
	}
	if size != int64(x.pages)*idxPageSize {
		return damaged("file size does not match its header")
	}
	if x.records == 0 {
		if dataEnd != segHeaderSize {
			return damaged("no records, but the segment has data")
		}
		return nil
	}
	// The last record must be the one indexed, and end where the data ends.
	off := int64(x.lastPos - seg.base)
	if x.lastPos < seg.base || off < segHeaderSize || off >= dataEnd {
		return damaged("last record out of range")
	}
	var hdr [headerSize + 40]byte
	if n, err := seg.f.ReadAt(hdr[:], off); n < len(hdr) {
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("embedded: read %s at %d: %w", seg.name, off, err)
		}
		return damaged("the segment ends before its last record")
	}
	size32, ferr := frameSize(hdr[:], anyBody)
	if hdr[headerSize] == kindGap {
		size32 = int(getU64(hdr[headerSize+32:]))
	}
	if ferr != nil || binary.LittleEndian.Uint32(hdr[4:]) != x.lastCRC || getU64(hdr[headerSize+16:]) != x.lastPos || off+int64(size32) != dataEnd {
		return damaged("it does not match the segment's last record")
	}
	return nil
}

// anyBody bounds a record body in frameSize when only the header matters.
const anyBody = 1<<32 - 1

// writeIndex writes the index file of seg, a sealed segment indexed by m
// whose data ends at file offset dataEnd, durably (temporary file, fsync,
// rename, directory fsync), and opens it.
func (s *Store) writeIndex(seg *segment, m *memIndex, dataEnd int64) (*fileIndex, error) {
	final := path.Join(s.logDir, indexFileName(seg.base))
	tmp := final + tmpSuffix
	if err := s.stageIndex(seg, m, dataEnd, tmp); err != nil {
		return nil, err
	}
	s.hook("index-synced")
	err := s.fs.Rename(tmp, final)
	if err == nil {
		err = s.fs.SyncDir(s.logDir)
	}
	if err != nil {
		return nil, err
	}
	s.hook("index-done")
	return openFileIndex(s.fs, s.logDir, seg, dataEnd)
}

// stageIndex writes the index file of seg (indexed by m, data ending at
// dataEnd) under the temporary name tmp and syncs it.
func (s *Store) stageIndex(seg *segment, m *memIndex, dataEnd int64, tmp string) error {
	var lastCRC uint32
	if n := len(m.all); n > 0 {
		var hdr [headerSize]byte
		if got, err := seg.f.ReadAt(hdr[:], int64(m.all[n-1]-seg.base)); got < headerSize {
			return fmt.Errorf("read the last record of %s: %w", seg.name, err)
		}
		lastCRC = binary.LittleEndian.Uint32(hdr[4:])
	}
	b := encodeIndex(m, dataEnd, lastCRC, seg.gen, s.hashName)
	s.hook("index-start")
	f, err := s.fs.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	half := len(b) / 2 / idxPageSize * idxPageSize
	_, err = f.WriteAt(b[:half], 0)
	if err == nil {
		s.hook("index-half")
		_, err = f.WriteAt(b[half:], int64(half))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) hook(stage string) {
	if s.indexHook != nil {
		s.indexHook(stage)
	}
}

// scanIndex indexes a sealed segment in memory by scanning it, verifying
// every record: its data must run exactly to dataEnd.
func (s *Store) scanIndex(seg *segment, dataEnd int64) (*memIndex, error) {
	m := newMemIndex(seg.base)
	end, err := s.scanSegment(seg, segHeaderSize, dataEnd, m.add)
	if err != nil {
		return nil, err
	}
	if end != dataEnd {
		return nil, &CorruptionError{Segment: seg.name, Offset: end, Reason: fmt.Sprintf("sealed segment has no valid record here, but its data runs to offset %d", dataEnd)}
	}
	return m, nil
}

// attachIndex gives a sealed segment its index at open: the index file if
// it is sound, else one rebuilt from the segment (written to disk unless the
// store is read-only, which keeps it in memory).
func (s *Store) attachIndex(seg *segment, dataEnd int64) error {
	fi, err := openFileIndex(s.fs, s.logDir, seg, dataEnd)
	if err == nil {
		seg.fidx.Store(fi)
		return nil
	}
	var de *indexDamagedError
	if !errors.Is(err, os.ErrNotExist) && !errors.As(err, &de) {
		return fmt.Errorf("embedded: open the index of %s: %w", seg.name, err)
	}
	m, err := s.scanIndex(seg, dataEnd)
	if err != nil {
		return err
	}
	if s.readOnly {
		seg.mem.Store(m)
		return nil
	}
	if fi, err = s.writeIndex(seg, m, dataEnd); err != nil {
		return fmt.Errorf("embedded: rebuild the index of %s: %w", seg.name, err)
	}
	seg.fidx.Store(fi)
	return nil
}

// repairIndex replaces an index file found damaged while in use by one
// rebuilt from its segment (in memory for a read-only store). Concurrent
// users of the old file finish with it; it is closed at Close.
func (s *Store) repairIndex(bad *fileIndex) error {
	seg := bad.seg
	seg.repairMu.Lock()
	defer seg.repairMu.Unlock()
	if seg.fidx.Load() != bad {
		return nil // repaired meanwhile
	}
	m, err := s.scanIndex(seg, bad.dataEnd)
	if err != nil {
		return err
	}
	// A segment a scavenge replaced keeps its rebuilt index in memory: its
	// file name now belongs to the new segment's index.
	if s.readOnly || seg.replaced.Load() {
		seg.mem.Store(m)
		seg.fidx.Store(nil)
	} else {
		fi, err := s.writeIndex(seg, m, bad.dataEnd)
		if err != nil {
			return fmt.Errorf("embedded: rebuild the damaged index of %s: %w", seg.name, err)
		}
		seg.fidx.Store(fi)
	}
	s.blooms.drop(bad)
	s.mu.Lock()
	s.retired = append(s.retired, bad.f)
	s.mu.Unlock()
	return nil
}

// bloomCache keeps the Bloom filters of the newest sealed segments in
// memory, within a byte budget (Options.BloomCache): a newer segment's
// filter evicts the oldest one's when there is no room.
type bloomCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	loaded []*fileIndex // by segment base
}

// mayHold reports whether the segment of index fi may hold a stream with
// hash h: false only when its Bloom filter, in memory, says it does not.
func (s *Store) mayHold(fi *fileIndex, h uint64) (bool, error) {
	b := fi.bloom.Load()
	if b == nil && !fi.refused.Load() {
		if err := s.blooms.load(fi); err != nil {
			return true, err
		}
		b = fi.bloom.Load()
	}
	if b == nil {
		return true, nil
	}
	w, mask := bloomBits(h, uint64(len(*b)))
	return (*b)[w]&mask == mask, nil
}

// load brings fi's Bloom filter into memory if the budget allows, evicting
// older segments' filters; otherwise it marks fi refused.
func (c *bloomCache) load(fi *fileIndex) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if fi.bloom.Load() != nil || fi.refused.Load() {
		return nil
	}
	size := int64(fi.bloomWords) * 8
	for c.used+size > c.budget && len(c.loaded) > 0 && c.loaded[0].base < fi.base {
		old := c.loaded[0]
		old.bloom.Store(nil)
		old.refused.Store(true)
		c.used -= int64(old.bloomWords) * 8
		c.loaded = slices.Delete(c.loaded, 0, 1)
	}
	if c.used+size > c.budget {
		fi.refused.Store(true)
		return nil
	}
	words, err := fi.loadBloom()
	if err != nil {
		return err
	}
	fi.bloom.Store(&words)
	c.used += size
	i, _ := slices.BinarySearchFunc(c.loaded, fi.base, func(x *fileIndex, base uint64) int { return cmp.Compare(x.base, base) })
	c.loaded = slices.Insert(c.loaded, i, fi)
	return nil
}

// drop forgets the filter of an index file that was replaced.
func (c *bloomCache) drop(fi *fileIndex) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.loaded, fi); i >= 0 {
		c.used -= int64(fi.bloomWords) * 8
		c.loaded = slices.Delete(c.loaded, i, i+1)
	}
	fi.bloom.Store(nil)
	fi.refused.Store(true)
}
