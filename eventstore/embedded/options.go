package embedded

import (
	"time"

	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// Options configure Open. The zero value is the production configuration.
//
// # Memory
//
// The store's memory does not grow with the number of events it holds.
// What it keeps, with the defaults:
//
//   - the index of the active segment and, while its index file is being
//     written, of the segment sealed last: about 16 bytes per record plus
//     about 100 bytes per stream written there (SegmentSize bounds both: a
//     64 MiB segment of 250-byte records is about 270,000 records, 4 MiB
//     plus the streams);
//   - the stream-head cache: the last revision and hash of up to HeadCache
//     streams written in recent sealed segments, about 100 bytes each plus
//     the name (131,072 streams: about 16 MiB);
//   - the Bloom filters of the newest sealed segments, up to BloomCache
//     bytes (64 MiB: 10 bits per stream and segment, so about 50 million
//     stream-segment pairs, e.g. 250 segments of 200,000 streams);
//   - the idempotency window: IdempotencyWindow stream and event ID pairs,
//     about 270 bytes each (65,536: about 17 MiB);
//   - a table of 65,536 recently touched stream slots (512 KiB) that lets
//     the writer trust an appender's head lookup;
//   - per sealed segment, about 700 bytes and two open files (the segment
//     and its index), whatever the segment holds.
//
// Everything else (which segments hold a stream and where, the heads of
// streams not written recently) is read from the segments' index files
// through the page cache when needed. Measured (TestHeapBounded, 1 MiB
// segments, 1,000 streams, a small BloomCache): 19.4 MiB of live heap at
// 1,000,000 events, 19.6 MiB at 2,000,000.
type Options struct {
	// FS is the file system; nil means vfs.OS{}.
	FS vfs.FS
	// ReadOnly opens the store for reading while another process may be
	// writing it: no lock is taken, Append returns eventstore.ErrReadOnly,
	// and reads see every event the writer has made durable.
	ReadOnly bool
	// SegmentSize is the size of each preallocated log segment file; 0 means
	// 64 MiB. Minimum 64 KiB, maximum 4 GiB. It also bounds the in-memory
	// index of the active segment.
	SegmentSize int64
	// MaxEventSize limits type + data + metadata of one event; 0 means 4 MiB.
	MaxEventSize int
	// MaxAppendSize limits the encoded size of one append; 0 means 16 MiB
	// (and never more than a quarter of SegmentSize).
	MaxAppendSize int
	// IdempotencyWindow is how many recent events' IDs are remembered to
	// recognise retried appends (rebuilt from the log on open); 0 means
	// 65,536.
	IdempotencyWindow int
	// HeadCache is how many stream heads (last revision and hash) of
	// streams written in recently sealed segments are kept in memory; 0
	// means 131,072. An append to a stream found neither there nor in the
	// active segment looks its head up in the segments' index files before
	// it reaches the writer (newest segment first; one page read per
	// segment), so a miss costs the appender a little time and never stalls
	// other appends.
	HeadCache int
	// BloomCache is how many bytes of the sealed segments' Bloom filters
	// (about 10 bits per stream and segment) are kept in memory, newest
	// segments first; 0 means 64 MiB, negative means none. Looking for a
	// stream skips a segment whose filter is in memory and says no without
	// any read, and reads one index page otherwise.
	BloomCache int64
	// Now is the clock that stamps RecordedEvent.Created; nil means time.Now.
	Now func() time.Time

	// Test hooks (see export_test.go): seal the active segment after this
	// many records; call indexHook at the stages of writing an index file;
	// hash stream names with hashName instead of streamHash.
	sealEvery int
	indexHook func(stage string)
	hashName  func(string) uint64
	headSlots int // size of the writer's "stream touched" table (0: 65,536)
}
