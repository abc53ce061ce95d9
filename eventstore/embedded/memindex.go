package embedded

import (
	"fmt"
	"hash/maphash"

	"github.com/socledger/socledger/eventstore"
)

// memIndex is the in-memory index of one segment: the active segment (which
// the writer extends, under Store.mu), the segment sealed last while its
// index file is being written, or, in a read-only store, a segment whose
// index file is not there (yet). Every other segment is indexed by its index
// file alone, so memory holds at most a segment or two of per-event entries.
type memIndex struct {
	base    uint64
	streams map[string]*memStream
	all     []uint64 // position of every record (gaps too), in order
	created int      // records with revision 0: streams that began here
	gaps    int      // gap records (in all, in no stream)
}

// memStream is one stream's events in a segment: consecutive revisions from
// first (a stream's events in one segment always are).
type memStream struct {
	name      string
	first     uint64
	positions []uint64
	last      eventstore.Hash // hash of its last event here
}

func newMemIndex(base uint64) *memIndex {
	return &memIndex{base: base, streams: make(map[string]*memStream)}
}

func (e *memStream) head() head {
	return head{rev: e.first + uint64(len(e.positions)) - 1, hash: e.last}
}

// add indexes a record found by a scan of seg at file offset off. A stream's
// revisions must follow on within the segment.
func (m *memIndex) add(seg *segment, off int64, r *parsedRecord) error {
	if r.gap {
		m.addGap(r.position)
		return nil
	}
	e := m.streams[string(r.stream)]
	if e == nil {
		e = &memStream{name: string(r.stream), first: r.revision}
		m.streams[e.name] = e
	} else if want := e.first + uint64(len(e.positions)); r.revision != want {
		return &CorruptionError{Segment: seg.name, Offset: off,
			Reason: fmt.Sprintf("stream %q: record has revision %d, expected %d", e.name, r.revision, want)}
	}
	e.positions = append(e.positions, r.position)
	e.last = r.hash
	m.all = append(m.all, r.position)
	if r.revision == 0 {
		m.created++
	}
	return nil
}

// addGap indexes a gap record at position pos: a record in no stream.
func (m *memIndex) addGap(pos uint64) {
	m.all = append(m.all, pos)
	m.gaps++
}

// head is what appends need of a stream: its last revision and the hash of
// its last event (the next event's chain link).
type head struct {
	rev  uint64
	hash eventstore.Hash
}

// headGen holds the heads of the streams written in a run of consecutive
// sealed segments (bases from..to), as they were when the newest of them was
// sealed. The writer keeps a few, newest first, bounded by
// Options.HeadCache: the stream-head cache. A generation is never changed
// once made.
type headGen struct {
	from, to uint64
	heads    map[string]head
}

// newHeadGens returns the generations after sealing the segment indexed by m:
// its heads first, merged with the newest older generation while that one is
// small (so there are never many small generations to look through), then as
// many older generations as fit within limit heads. The newest generation
// is always kept, whatever its size.
func newHeadGens(m *memIndex, gens []*headGen, limit int) []*headGen {
	g := &headGen{from: m.base, to: m.base, heads: make(map[string]head, len(m.streams))}
	for name, e := range m.streams {
		g.heads[name] = e.head()
	}
	rest := gens
	if len(rest) > 0 && len(rest[0].heads) < limit/8 && len(g.heads) < limit/8 {
		for name, h := range rest[0].heads {
			if _, ok := g.heads[name]; !ok {
				g.heads[name] = h
			}
		}
		g.from = rest[0].from
		rest = rest[1:]
	}
	out := []*headGen{g}
	total := len(g.heads)
	for _, old := range rest {
		if total+len(old.heads) > limit {
			break
		}
		out = append(out, old)
		total += len(old.heads)
	}
	return out
}

// streamHash is the 64-bit hash that names a stream in index files:
// FNV-1a, then a finaliser that spreads its bits (murmur3's fmix64). It is
// part of the file format and must never change.
func streamHash[T string | []byte](name T) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// slot is the stream's place in the writer's touched table.
func (s *Store) slot(stream string) uint64 {
	return maphash.String(s.slotSeed, stream) % uint64(len(s.touched))
}
