package esdb

import (
	"container/list"
	"sync"

	"github.com/socledger/socledger/eventstore"
)

// tail is what an append needs to know of a stream: its head (revision and
// chain hash) and the IDs of its latest events, to recognise retries. A tail
// is immutable once built.
type tail struct {
	exists bool
	head   uint64          // revision of the last event, if exists
	hash   eventstore.Hash // its chain hash
	recent []tailEvent     // the latest events, by revision, ending at head
	whole  bool            // recent starts at revision 0: it is the whole stream
}

// tailEvent is one of a tail's latest events. The position of an event that
// was not the last of its append is not known when the tail was built from
// that append (known false).
type tailEvent struct {
	id    eventstore.EventID
	rev   uint64
	pos   eventstore.Position
	known bool
}

// actual describes the stream's state as a WrongExpectedVersionError does.
func (t *tail) actual() eventstore.ExpectedRevision {
	if !t.exists {
		return eventstore.NoStream
	}
	return eventstore.Exact(t.head)
}

// lookup returns the tail event with the given ID.
func (t *tail) lookup(id eventstore.EventID) (tailEvent, bool) {
	for i := len(t.recent) - 1; i >= 0; i-- {
		if t.recent[i].id == id {
			return t.recent[i], true
		}
	}
	return tailEvent{}, false
}

// covers reports whether the tail holds every event from revision rev on.
func (t *tail) covers(rev uint64) bool {
	return t.whole || !t.exists || len(t.recent) > 0 && t.recent[0].rev <= rev
}

// tailFromEvents builds a tail from a stream's latest events, newest first
// (a backwards read from the end), or a missing stream's tail for none.
func tailFromEvents(evs []rawEvent, window int) *tail {
	if len(evs) == 0 {
		return &tail{whole: true}
	}
	t := &tail{exists: true, head: evs[0].Revision, hash: evs[0].Hash}
	n := min(len(evs), window)
	t.recent = make([]tailEvent, n)
	for i := range n {
		ev := evs[n-1-i]
		t.recent[i] = tailEvent{id: ev.EventID, rev: ev.Revision, pos: ev.Position, known: true}
	}
	t.whole = t.recent[0].rev == 0
	return t
}

// extend returns the tail after appending events with ids (the last at
// position last and with chain hash hash), keeping at most window events.
func (t *tail) extend(ids []eventstore.EventID, last eventstore.Position, hash eventstore.Hash, window int) *tail {
	next := uint64(0)
	if t.exists {
		next = t.head + 1
	}
	recent := make([]tailEvent, 0, min(len(t.recent)+len(ids), window))
	keepOld := max(0, min(len(t.recent), window-len(ids)))
	recent = append(recent, t.recent[len(t.recent)-keepOld:]...)
	first := max(0, len(ids)-window)
	for i := first; i < len(ids); i++ {
		e := tailEvent{id: ids[i], rev: next + uint64(i)}
		if i == len(ids)-1 {
			e.pos, e.known = last, true
		}
		recent = append(recent, e)
	}
	return &tail{
		exists: true,
		head:   next + uint64(len(ids)) - 1,
		hash:   hash,
		recent: recent,
		whole:  len(recent) > 0 && recent[0].rev == 0,
	}
}

// tailCache keeps the tails of recently used streams, least recently used
// out first. A cached tail may be stale (another process appended since):
// appends use it only with an exact expected revision, which the server
// checks, and read the stream again when it refuses.
type tailCache struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *cacheEntry, most recent first
	items map[string]*list.Element
}

type cacheEntry struct {
	stream string
	t      *tail
}

func newTailCache(size int) *tailCache {
	return &tailCache{size: size, order: list.New(), items: map[string]*list.Element{}}
}

func (c *tailCache) get(stream string) *tail {
	if c.size <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[stream]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry).t
	}
	return nil
}

// put stores t unless the cache already holds a later head for the stream.
func (c *tailCache) put(stream string, t *tail) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[stream]; ok {
		ce := e.Value.(*cacheEntry)
		if ce.t.exists && (!t.exists || t.head < ce.t.head) {
			return
		}
		ce.t = t
		c.order.MoveToFront(e)
		return
	}
	c.items[stream] = c.order.PushFront(&cacheEntry{stream: stream, t: t})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).stream)
	}
}

func (c *tailCache) drop(stream string) {
	if c.size <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[stream]; ok {
		c.order.Remove(e)
		delete(c.items, stream)
	}
}
