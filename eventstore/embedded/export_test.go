package embedded

// Test hooks for the external tests of this package.

// WithSealEvery makes the store seal its active segment after every n
// records (on top of SegmentSize), so that a test crosses many seals and
// index files with few events.
func WithSealEvery(o Options, n int) Options {
	o.sealEvery = n
	return o
}

// WithIndexHook makes the store call hook at the stages of writing a
// segment index file: "index-start", "index-half" (half of it written),
// "index-synced" (written and synced, not yet renamed into place),
// "index-done".
func WithIndexHook(o Options, hook func(stage string)) Options {
	o.indexHook = hook
	return o
}

// WithStreamHash makes the store hash stream names with hash in the index
// files it writes and reads (a constant makes every stream collide with
// every other).
func WithStreamHash(o Options, hash func(string) uint64) Options {
	o.hashName = hash
	return o
}

// WithHeadSlots sets the size of the writer's table of recently touched
// stream slots (1: every stream shares one slot, so an appender's head
// lookup is trusted only while the segments since are in memory).
func WithHeadSlots(o Options, n int) Options {
	o.headSlots = n
	return o
}

// NeedHead counts the appends the writer sent back to their appender for a
// fresh head lookup.
func (s *Store) NeedHead() int64 { return s.needHead.Load() }
