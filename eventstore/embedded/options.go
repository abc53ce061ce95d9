package embedded

import (
	"time"

	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// Options configure Open. The zero value is the production configuration.
type Options struct {
	// FS is the file system; nil means vfs.OS{}.
	FS vfs.FS
	// ReadOnly opens the store for reading while another process may be
	// writing it: no lock is taken, Append returns eventstore.ErrReadOnly,
	// and reads see every event the writer has made durable.
	ReadOnly bool
	// SegmentSize is the size of each preallocated log segment file; 0 means
	// 64 MiB. Minimum 64 KiB.
	SegmentSize int64
	// MaxEventSize limits type + data + metadata of one event; 0 means 4 MiB.
	MaxEventSize int
	// MaxAppendSize limits the encoded size of one append; 0 means 32 MiB
	// (and never more than a quarter of SegmentSize).
	MaxAppendSize int
	// IdempotencyWindow is how many recent events' IDs are remembered to
	// recognise retried appends (rebuilt from the log on open); 0 means
	// 262,144.
	IdempotencyWindow int
	// CheckpointEvery is how many segment seals pass between background
	// index checkpoints (a checkpoint bounds how much log an open after a
	// crash must scan); 0 means 4.
	CheckpointEvery int
	// Now is the clock that stamps RecordedEvent.Created; nil means time.Now.
	Now func() time.Time
}
