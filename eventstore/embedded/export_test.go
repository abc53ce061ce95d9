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
