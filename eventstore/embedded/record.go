package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/socledger/socledger/eventstore"
)

// Record framing. Every record starts on an 8-byte boundary of its segment:
//
//	header  u32 body length, u32 CRC-32C (Castagnoli) of the length bytes, then
//	        the body's variable part, then its fixed part

//	body    fixed part (recordFixed bytes, below), then stream, type, data, metadata
//	padding zeros up to the next multiple of 8 (not covered by the CRC)
//
// Fixed part of the body, little endian:
//
//	0   u8   kind (kindEvent)
//	1   u8   reserved, 0
//	2   u16  stream name length
//	4   u16  event type length
//	6   u16  reserved, 0
//	8   u32  data length
//	12  u32  metadata length
//	16  u64  position (the record's own global position)
//	24  u64  batch start (position of the first record of its group commit)
//	32  u64  revision in its stream
//	40  i64  created, Unix nanoseconds
//	48  [16] event ID
//	64  [32] prev (hash chain)
//	96  [32] hash (hash chain)
//
// A record carries its own position so that a segment can later be rewritten
// without some records (retention) while every remaining record keeps its
// position, and so that a stale record left at an old place by a torn write is
// never mistaken for a record at a new place. The batch start lets recovery
// tell a torn final group commit (damage followed only by records of the same
// batch) from damage in the middle of the log.
const (
	headerSize  = 8
	recordFixed = 128
	kindEvent   = 1
	kindGap     = 2
	alignment   = 8
	gapSize     = headerSize + recordFixed // framed size of a gap record
)

// Gap records. A scavenge pass (see scavenge.go) rewrites a sealed segment
// without expired events: every remaining record stays at its file offset
// (so at its position), and each run of removed records becomes a gap: a
// record of kind kindGap at the run's first offset, with no variable part,
// whose fixed part holds its position (at 16) and the run's length in bytes
// (at 32, where an event has its revision). The rest of the run is a hole in
// the file, which takes no disk space. A sequential reader skips the run;
// index files list gaps among their records but in no stream.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordSize is the framed, aligned size of a record with the given variable
// part lengths.
func recordSize(stream, typ, data, meta int) int {
	return align(headerSize + recordFixed + stream + typ + data + meta)
}

func align(n int) int { return (n + alignment - 1) &^ (alignment - 1) }

// recordMeta is the decoded fixed part of a record.
type recordMeta struct {
	position   uint64
	batchStart uint64
	revision   uint64
	created    int64
	id         eventstore.EventID
	prev, hash eventstore.Hash
}

// prepareRecord appends a framed record to dst with everything an appender
// knows before the writer orders it (lengths, event ID, the variable part)
// and the writer's fields zero, and returns the CRC-32C state over the
// length bytes and the variable part. The CRC covers the fixed part last, so
// the writer only has to checksum those 128 bytes when it seals the record.
func prepareRecord(dst []byte, id eventstore.EventID, stream, typ string, data, meta []byte) ([]byte, uint32) {
	bodyLen := recordFixed + len(stream) + len(typ) + len(data) + len(meta)
	start := len(dst)
	total := align(headerSize + bodyLen)
	dst = append(dst, make([]byte, total)...)
	rec := dst[start : start+total]
	body := rec[headerSize : headerSize+bodyLen]
	binary.LittleEndian.PutUint32(rec[0:], uint32(bodyLen))
	body[0] = kindEvent
	binary.LittleEndian.PutUint16(body[2:], uint16(len(stream)))
	binary.LittleEndian.PutUint16(body[4:], uint16(len(typ)))
	binary.LittleEndian.PutUint32(body[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(body[12:], uint32(len(meta)))
	copy(body[48:64], id[:])
	n := recordFixed
	n += copy(body[n:], stream)
	n += copy(body[n:], typ)
	n += copy(body[n:], data)
	copy(body[n:], meta)
	return dst, crc32.Update(crc32.Checksum(rec[0:4], castagnoli), castagnoli, body[recordFixed:])
}

// sealRecord fills in the writer's fields of a prepared record (rec starts
// at its header) and its CRC.
func sealRecord(rec []byte, m *recordMeta, crc uint32) {
	fixed := rec[headerSize : headerSize+recordFixed]
	binary.LittleEndian.PutUint64(fixed[16:], m.position)
	binary.LittleEndian.PutUint64(fixed[24:], m.batchStart)
	binary.LittleEndian.PutUint64(fixed[32:], m.revision)
	binary.LittleEndian.PutUint64(fixed[40:], uint64(m.created))
	copy(fixed[64:96], m.prev[:])
	copy(fixed[96:128], m.hash[:])
	binary.LittleEndian.PutUint32(rec[4:], crc32.Update(crc, castagnoli, fixed))
}

// errNoRecord: the bytes at this place are not a valid record (zeros, a torn
// or damaged record).
var errNoRecord = errors.New("no valid record")

// parsedRecord is a record decoded from a buffer; its byte slices alias the
// buffer.
type parsedRecord struct {
	recordMeta
	stream, typ, data, meta []byte
	size                    int // framed, aligned size
	// gap: the record is a gap (no event); span is how many bytes it and
	// the removed run after it cover. For an event, span is size.
	gap  bool
	span int
}

// encodeGap returns the framed gap record for a removed run of span bytes
// that starts at position pos.
func encodeGap(pos uint64, span int) []byte {
	rec := make([]byte, gapSize)
	binary.LittleEndian.PutUint32(rec[0:], recordFixed)
	body := rec[headerSize:]
	body[0] = kindGap
	binary.LittleEndian.PutUint64(body[16:], pos)
	binary.LittleEndian.PutUint64(body[24:], pos)
	binary.LittleEndian.PutUint64(body[32:], uint64(span))
	crc := crc32.Update(crc32.Checksum(rec[0:4], castagnoli), castagnoli, body[:recordFixed])
	binary.LittleEndian.PutUint32(rec[4:], crc)
	return rec
}

// frameSize reads a record header and returns the framed size it announces,
// or errNoRecord when the header cannot start a record. maxBody bounds the
// body length.
func frameSize(hdr []byte, maxBody int) (int, error) {
	bodyLen := int(binary.LittleEndian.Uint32(hdr[0:4]))
	if bodyLen < recordFixed || bodyLen > maxBody {
		return 0, errNoRecord
	}
	return align(headerSize + bodyLen), nil
}

// parseRecord decodes the record at the start of buf, which must hold the
// whole framed record (frameSize bytes). It checks the CRC, the structure and
// that the record's stored position is wantPos.
func parseRecord(buf []byte, wantPos uint64, r *parsedRecord) error {
	if len(buf) < headerSize+recordFixed {
		return errNoRecord
	}
	bodyLen := int(binary.LittleEndian.Uint32(buf[0:4]))
	if bodyLen < recordFixed || headerSize+bodyLen > len(buf) {
		return errNoRecord
	}
	body := buf[headerSize : headerSize+bodyLen]
	crc := crc32.Update(crc32.Checksum(buf[0:4], castagnoli), castagnoli, body[recordFixed:])
	crc = crc32.Update(crc, castagnoli, body[:recordFixed])
	if crc != binary.LittleEndian.Uint32(buf[4:8]) {
		return errNoRecord
	}
	if body[0] == kindGap {
		return parseGap(body, bodyLen, wantPos, r)
	}
	if body[0] != kindEvent {
		return fmt.Errorf("%w: unknown record kind %d", errNoRecord, body[0])
	}
	sl := int(binary.LittleEndian.Uint16(body[2:]))
	tl := int(binary.LittleEndian.Uint16(body[4:]))
	dl := int(binary.LittleEndian.Uint32(body[8:]))
	ml := int(binary.LittleEndian.Uint32(body[12:]))
	if recordFixed+sl+tl+dl+ml != bodyLen {
		return fmt.Errorf("%w: field lengths do not add up", errNoRecord)
	}
	r.position = binary.LittleEndian.Uint64(body[16:])
	if r.position != wantPos {
		return fmt.Errorf("%w: record says position %d", errNoRecord, r.position)
	}
	r.batchStart = binary.LittleEndian.Uint64(body[24:])
	r.revision = binary.LittleEndian.Uint64(body[32:])
	r.created = int64(binary.LittleEndian.Uint64(body[40:]))
	copy(r.id[:], body[48:64])
	copy(r.prev[:], body[64:96])
	copy(r.hash[:], body[96:128])
	n := recordFixed
	r.stream = body[n : n+sl : n+sl]
	n += sl
	r.typ = body[n : n+tl : n+tl]
	n += tl
	r.data = body[n : n+dl : n+dl]
	n += dl
	r.meta = body[n : n+ml : n+ml]
	r.size = align(headerSize + bodyLen)
	r.gap, r.span = false, r.size
	return nil
}

func parseGap(body []byte, bodyLen int, wantPos uint64, r *parsedRecord) error {
	span := binary.LittleEndian.Uint64(body[32:])
	pos := binary.LittleEndian.Uint64(body[16:])
	switch {
	case bodyLen != recordFixed:
		return fmt.Errorf("%w: gap record with a variable part", errNoRecord)
	case pos != wantPos:
		return fmt.Errorf("%w: record says position %d", errNoRecord, pos)
	case span < gapSize || span > maxSegmentSize || span%alignment != 0:
		return fmt.Errorf("%w: gap record spans %d bytes", errNoRecord, span)
	}
	*r = parsedRecord{gap: true, size: gapSize, span: int(span)}
	r.position, r.batchStart = pos, pos
	return nil
}
