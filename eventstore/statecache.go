package eventstore

import (
	"container/list"
	"slices"
	"sync"
)

// StateCache keeps the folded state of recently used streams, so that
// Execute reads only the events appended since (most commands act on a
// stream that was just read: an incident being worked, an alert refiring).
// It is bounded: the least recently used stream is dropped past its size.
// Safe for concurrent use. States are kept as values; deciders' Evolve
// functions never mutate a state they were given, so a cached state is
// never changed behind the cache's back.
type StateCache struct {
	mu  sync.Mutex
	max int
	m   map[string]*list.Element
	lru list.List // of *cacheEntry, most recent first
}

// recentCommands is how many command IDs a cache entry remembers, so a
// retried command is still recognised as a duplicate without rereading the
// stream.
const recentCommands = 32

type cacheEntry struct {
	stream   string
	state    any
	next     uint64 // next revision to read
	revision uint64
	has      bool
	position Position
	commands []string // IDs of the last commands recorded through this cache
}

// NewStateCache returns a cache of at most size streams (at least 1).
func NewStateCache(size int) *StateCache {
	return &StateCache{max: max(size, 1), m: make(map[string]*list.Element)}
}

// Len returns the number of cached streams.
func (c *StateCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

func (c *StateCache) get(stream string) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[stream]
	if !ok {
		return cacheEntry{}, false
	}
	c.lru.MoveToFront(el)
	return *el.Value.(*cacheEntry), true
}

// put stores e unless the cache holds a newer state of the stream; command,
// when not empty, is added to the entry's recent commands.
func (c *StateCache) put(e cacheEntry, command string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[e.stream]; ok {
		old := el.Value.(*cacheEntry)
		c.lru.MoveToFront(el)
		if old.next > e.next {
			return
		}
		e.commands = old.commands
		*old = e
		old.addCommand(command)
		return
	}
	ne := &e
	ne.commands = nil
	ne.addCommand(command)
	c.m[e.stream] = c.lru.PushFront(ne)
	for len(c.m) > c.max {
		last := c.lru.Back()
		delete(c.m, last.Value.(*cacheEntry).stream)
		c.lru.Remove(last)
	}
}

func (e *cacheEntry) addCommand(id string) {
	if id == "" {
		return
	}
	cmds := slices.Clone(e.commands) // copies handed out by get share the old array
	if len(cmds) == recentCommands {
		cmds = cmds[1:]
	}
	e.commands = append(cmds, id)
}
