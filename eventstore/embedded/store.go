// Package embedded is socledger's default event store: a segmented,
// append-only log in a local data directory, whose memory stays bounded
// whatever the number of events it holds.
//
// # Layout
//
// The data directory holds:
//
//	LOCK                  held (flock) by the one writing process
//	log/<base>.seg        preallocated log segments, named by base position
//	log/<base>.idx        the index of a sealed segment (see index.go)
//	index.ckpt            the active segment's index and the idempotency
//	                      window, saved at Close (optional)
//	head                  the durable end of the log, for read-only processes
//
// Records are framed with their length and a CRC-32C and carry their own
// global position (see record.go). A position is the record's byte place in
// the log's address space (segment base + file offset); positions are
// strictly increasing but not dense.
//
// # Indexes and memory
//
// Only the active segment is indexed in memory (stream → positions of its
// events there, and the position of every record). When it is sealed, a
// background job writes its index file (see index.go): a hash table of the
// streams it holds (which answers exactly whether the segment holds a
// stream, in one page read), each stream's record offsets and sizes, a
// sparse position → offset table and a Bloom filter of its streams; then the
// in-memory index is dropped. The Bloom filters of the newest segments are
// kept in memory (Options.BloomCache), so a lookup skips most segments
// without the stream without any read. A reader finds a stream's events by
// probing the segments newest first, down to the one that holds the first
// revision it wants; ReadAll reads records one after another (they lie back
// to back), using the sparse table only to find where to start.
//
// Appends need each stream's head (last revision and hash, for the expected
// revision check and the hash chain). The writer knows the heads of the
// streams of the active segment exactly, and keeps those of recently sealed
// segments in a bounded cache (Options.HeadCache). An appender whose stream
// is in neither looks its head up in the index files itself, before it
// queues the append, and hands it to the writer as a hint: the writer, which
// does no disk reads, uses the hint only if it can tell that the stream was
// not appended to since the lookup (the segments written since are all still
// in its memory, or its table of recently touched stream slots says so);
// otherwise the appender looks again. So a cache miss costs its own appender
// a few page reads (mostly none, thanks to the Bloom filters) and never
// stalls group commit. Options describes what stays in memory and its
// limits.
//
// # Writing
//
// One writer goroutine takes appends from a queue, checks expected revisions
// and idempotent retries, assigns revisions, positions and hash-chain links,
// writes the whole group with one write and makes it durable with one
// fdatasync (group commit), and only then publishes the events to readers and
// acknowledges the appends. After an fsync failure the store stops accepting
// appends (the state of the page cache is unknown) and must be reopened.
//
// # Recovery
//
// On open, each sealed segment's index file is checked (header checksum,
// and that it matches the segment's last record); a missing or damaged one
// is rebuilt by scanning its segment, which also verifies every record in
// it. The active segment's index is loaded from index.ckpt (if it is valid
// for it) and rebuilt from the log after it; the idempotency window likewise
// (without a checkpoint, from the log's last records). A damaged record at
// the end of the last segment followed only by records of the same group
// commit is a torn write that was never acknowledged: it is cut off (and the
// bytes after it zeroed). Damage anywhere else in the part of the log open
// scans is reported as a *CorruptionError naming the segment file and byte
// offset, and the store does not open. Records that open does not scan (in
// sealed segments with a valid index file, or covered by the checkpoint)
// have their checksums verified whenever they are read, and damage there is
// the same *CorruptionError from the read.
//
// # Readers in other processes
//
// Open with Options.ReadOnly takes no lock; it reads what the writer has made
// durable (bounded by the head file while a writer holds the lock) and keeps
// following the log as it grows. It uses the writer's index files and
// indexes in memory only the segments that have none yet.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"os"
	"path"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

const (
	defaultSegmentSize   = 64 << 20
	minSegmentSize       = 64 << 10
	maxSegmentSize       = 4 << 30
	defaultMaxEventSize  = 4 << 20
	defaultMaxAppendSize = 16 << 20
	defaultMaxBatchBytes = 4 << 20
	defaultWindow        = 65536
	defaultHeadCache     = 131072
	defaultBloomCache    = 64 << 20
	queueLen             = 4096
	chunkSize            = 256 << 10
	smallRead            = 4 << 10
	defaultPageSize      = 1024
	maxScanPerPage       = 8192
	readOnlyPoll         = 25 * time.Millisecond
	lockFile             = "LOCK"
	headFile             = "head"
	logDir               = "log"
)

// Store is the embedded event store. It implements eventstore.Store.
type Store struct {
	dir, logDir string
	fs          vfs.FS
	readOnly    bool
	now         func() time.Time

	segmentSize   int64
	maxEventSize  int
	maxAppendSize int
	maxBatchBytes int
	windowSize    int
	headCache     int
	sealEvery     int
	indexHook     func(stage string)
	hashName      func(string) uint64 // streamHash, or a test's
	// touched[slot(stream)] is the position of the latest record appended
	// to any stream of that slot (writer-owned; see writer.state).
	touched  []uint64
	slotSeed maphash.Seed
	needHead atomic.Int64 // appends sent back for a fresh head lookup (tests)

	lock io.Closer
	head vfs.File // writer: the durable end, for read-only readers

	// mu guards segs, notify, durable, the in-memory indexes (the active
	// segment's is extended under it) and the writer's head memory (active,
	// prev, gens, memFrom: changed only by the writer, under mu).
	mu      sync.RWMutex
	segs    []*segment // by base
	notify  chan struct{}
	durable uint64 // position just after the last durable record
	// active indexes the last segment (writer). prev indexes the segment
	// sealed last while its index file is being written. gens are the head
	// generations of the segments sealed before (newest first), and memFrom
	// is the base of the oldest segment whose stream heads are in memory.
	active  *memIndex
	prev    *memIndex
	gens    []*headGen
	memFrom uint64
	retired []vfs.File // files replaced by a rebuild or a scavenge (see closeRetired)
	// era counts scavenge rewrites: a cursor found in one era is not valid
	// in another (the record it points at may have been removed).
	era uint64

	// lifecycle
	closeMu    sync.RWMutex // held (R) by appends while queueing and by reads
	closed     bool
	closing    chan struct{}
	reqs       chan *appendReq
	writerDone chan struct{}
	failed     atomic.Pointer[error]

	w      writer // owned by the writer goroutine
	window window // idempotency window: recovery, then the writer

	cursors cursorCache
	blooms  bloomCache
	scavMu  sync.Mutex // one scavenge pass at a time

	// read-only following of a log written by another process
	refreshMu   sync.Mutex
	tail        int64      // file offset in the last segment scanned so far; -1: not started
	unindexed   []*segment // sealed segments indexed in memory, waiting for their index file
	lastAttempt time.Time  // of attaching their index files
}

var _ eventstore.Store = (*Store)(nil)

// Open opens the store in dir, creating it if needed (unless read-only).
func Open(dir string, opts Options) (*Store, error) {
	s := &Store{
		dir:       dir,
		logDir:    path.Join(dir, logDir),
		fs:        opts.FS,
		readOnly:  opts.ReadOnly,
		now:       opts.Now,
		notify:    make(chan struct{}),
		closing:   make(chan struct{}),
		sealEvery: opts.sealEvery,
		indexHook: opts.indexHook,
		hashName:  opts.hashName,
		tail:      -1,
	}
	if s.fs == nil {
		s.fs = vfs.OS{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hashName == nil {
		s.hashName = streamHash[string]
	}
	s.segmentSize = opts.SegmentSize
	if s.segmentSize == 0 {
		s.segmentSize = defaultSegmentSize
	}
	if s.segmentSize < minSegmentSize || s.segmentSize > maxSegmentSize {
		return nil, fmt.Errorf("embedded: segment size %d is outside %d..%d", s.segmentSize, minSegmentSize, maxSegmentSize)
	}
	quarter := int(s.segmentSize / 4)
	s.maxAppendSize = cmpOr(opts.MaxAppendSize, defaultMaxAppendSize)
	s.maxAppendSize = min(s.maxAppendSize, quarter)
	s.maxBatchBytes = min(defaultMaxBatchBytes, quarter)
	s.maxEventSize = cmpOr(opts.MaxEventSize, defaultMaxEventSize)
	s.maxEventSize = min(s.maxEventSize, s.maxAppendSize-recordSize(eventstore.MaxStreamNameLen, 0, 0, 0))
	s.windowSize = cmpOr(opts.IdempotencyWindow, defaultWindow)
	s.headCache = cmpOr(opts.HeadCache, defaultHeadCache)
	s.blooms.budget = opts.BloomCache
	if s.blooms.budget == 0 {
		s.blooms.budget = defaultBloomCache
	}
	s.touched = make([]uint64, cmpOr(opts.headSlots, 1<<16))
	s.slotSeed = maphash.MakeSeed()

	var err error
	if s.readOnly {
		err = s.openReadOnly()
	} else {
		err = s.openWriter()
	}
	if err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

func cmpOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func (s *Store) openWriter() error {
	if err := s.fs.MkdirAll(s.logDir, 0o755); err != nil {
		return fmt.Errorf("embedded: create data directory %s: %w", s.dir, err)
	}
	lock, err := s.lockDir()
	if err != nil {
		return fmt.Errorf("embedded: lock data directory %s: %w", s.dir, err)
	}
	s.lock = lock
	if err := s.removeTemps(); err != nil {
		return err
	}
	if err := s.recover(); err != nil {
		return err
	}
	head, err := s.fs.OpenFile(path.Join(s.dir, headFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("embedded: open head file: %w", err)
	}
	s.head = head
	s.writeHead()
	s.reqs = make(chan *appendReq, queueLen)
	s.writerDone = make(chan struct{})
	s.w.init(s)
	go s.runWriter()
	return nil
}

func (s *Store) openReadOnly() error {
	names, err := s.fs.ReadDir(s.logDir)
	if err != nil {
		return fmt.Errorf("embedded: open %s read-only: %w", s.dir, err)
	}
	if !slices.ContainsFunc(names, func(n string) bool { _, ok := parseSegmentFileName(n); return ok }) {
		return fmt.Errorf("embedded: open %s read-only: no log segments (is this a socledger data directory?)", s.dir)
	}
	return s.refresh()
}

// lockWait is how long Open waits for the writer lock before it reports the
// directory as in use.
const lockWait = time.Second

// lockDir takes the writer lock, waiting up to lockWait while it is held.
// A lock just released can still be held for a moment: a process that forks
// (any exec, in this process or the previous writer) gives the child a copy
// of the descriptor that keeps the lock until the child has exec'd.
func (s *Store) lockDir() (io.Closer, error) {
	deadline := time.Now().Add(lockWait)
	for {
		lock, err := s.fs.Lock(path.Join(s.dir, lockFile))
		if err == nil || !errors.Is(err, vfs.ErrLocked) || time.Now().After(deadline) {
			return lock, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// removeTemps deletes segment and index files a crash left half-made.
func (s *Store) removeTemps() error {
	names, err := s.fs.ReadDir(s.logDir)
	if err != nil {
		return fmt.Errorf("embedded: list %s: %w", s.logDir, err)
	}
	removed := false
	for _, n := range names {
		if path.Ext(n) == tmpSuffix {
			if err := s.fs.Remove(path.Join(s.logDir, n)); err != nil {
				return fmt.Errorf("embedded: remove leftover %s: %w", n, err)
			}
			removed = true
		}
	}
	if removed {
		return s.fs.SyncDir(s.logDir)
	}
	return nil
}

func (s *Store) segmentBases() ([]uint64, error) {
	names, err := s.fs.ReadDir(s.logDir)
	if err != nil {
		return nil, fmt.Errorf("embedded: list %s: %w", s.logDir, err)
	}
	var bases []uint64
	for _, n := range names {
		if b, ok := parseSegmentFileName(n); ok {
			bases = append(bases, b)
		}
	}
	slices.Sort(bases)
	return bases, nil
}

// errNeedHead is the writer's answer to an append whose stream head it does
// not know and whose hint is too old: the appender looks it up again.
var errNeedHead = errors.New("embedded: stream head unknown")

// Append implements eventstore.Store.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) (eventstore.AppendResult, error) {
	if err := eventstore.ValidateStreamName(stream); err != nil {
		return eventstore.AppendResult{}, err
	}
	if err := eventstore.ValidateEvents(stream, events, s.maxEventSize); err != nil {
		return eventstore.AppendResult{}, err
	}
	size := 0
	for _, ev := range events {
		size += recordSize(len(stream), len(ev.Type), len(ev.Data), len(ev.Metadata))
	}
	if size > s.maxAppendSize {
		return eventstore.AppendResult{}, &eventstore.TooLargeError{Stream: stream, Index: -1, Size: size, Limit: s.maxAppendSize}
	}
	if err := ctx.Err(); err != nil {
		return eventstore.AppendResult{}, fmt.Errorf("embedded: append to %q: %w", stream, err)
	}
	if s.readOnly {
		return eventstore.AppendResult{}, fmt.Errorf("embedded: append to %q: %w", stream, eventstore.ErrReadOnly)
	}
	req := newAppendReq(ctx, stream, expected, events)
	res, err := s.append(ctx, req)
	req.release()
	return res, err
}

func (s *Store) append(ctx context.Context, req *appendReq) (eventstore.AppendResult, error) {
	stream := req.stream
	for attempt := 0; ; attempt++ {
		s.closeMu.RLock()
		if s.closed {
			s.closeMu.RUnlock()
			return eventstore.AppendResult{}, fmt.Errorf("embedded: append to %q: %w", stream, eventstore.ErrClosed)
		}
		if errp := s.failed.Load(); errp != nil {
			s.closeMu.RUnlock()
			return eventstore.AppendResult{}, *errp
		}
		if err := s.resolveHead(ctx, req); err != nil {
			s.closeMu.RUnlock()
			return eventstore.AppendResult{}, err
		}
		select {
		case s.reqs <- req:
		case <-ctx.Done():
			s.closeMu.RUnlock()
			return eventstore.AppendResult{}, fmt.Errorf("embedded: append to %q: %w", stream, ctx.Err())
		}
		s.closeMu.RUnlock()

		// The writer answers every request it took, even after ctx ends: wait
		// for it so that a nil error always means durable.
		resp := <-req.done
		switch {
		case resp.err == errNeedHead && attempt < 16:
			s.needHead.Add(1)
			continue
		case resp.err == errNeedHead:
			return eventstore.AppendResult{}, fmt.Errorf("embedded: append to %q: the stream's head kept moving out of memory while the append waited; try again", stream)
		case resp.lookback:
			if res, ok, err := s.retryBeyondWindow(ctx, req); err != nil || ok {
				return res, err
			}
		}
		return resp.res, resp.err
	}
}

// headHint is a stream's head as the appender found it before queueing the
// append (see resolveHead).
type headHint struct {
	set     bool
	asOf    uint64 // base of the active segment when it was looked up
	durable uint64 // the durable end then: the hint reflects every record before it
	found   bool   // the stream exists
	head    head
}

// resolveHead looks the head of the request's stream up, in memory or else
// in the index files, and attaches it to the request as a hint for the
// writer. The caller holds closeMu (R).
func (s *Store) resolveHead(ctx context.Context, req *appendReq) error {
	hint, err := s.lookupHead(ctx, req.stream)
	if err != nil {
		return fmt.Errorf("embedded: append to %q: %w", req.stream, err)
	}
	req.hint = hint
	return nil
}

// lookupHead finds a stream's head in the writer's memory, or else in the
// index files. The caller holds closeMu (R).
func (s *Store) lookupHead(ctx context.Context, name string) (headHint, error) {
	s.mu.RLock()
	h, found, ok, _ := s.memHead(name)
	asOf, durable, memFrom, segs := s.active.base, s.durable, s.memFrom, s.segs
	s.mu.RUnlock()
	if !ok {
		var err error
		if h, found, err = s.diskHead(ctx, name, segs, memFrom); err != nil {
			return headHint{}, err
		}
	}
	return headHint{set: true, asOf: asOf, durable: durable, found: found, head: h}, nil
}

// memHead looks a stream's head up in the writer's memory: the active
// segment, the segment sealed last, the head generations. ok reports that
// they cover the stream (found then says whether it exists). e is the
// stream's entry in the active segment, if any. The caller holds mu, or is
// the writer.
func (s *Store) memHead(name string) (h head, found, ok bool, e *memStream) {
	if e := s.active.streams[name]; e != nil {
		return e.head(), true, true, e
	}
	if s.prev != nil {
		if e := s.prev.streams[name]; e != nil {
			return e.head(), true, true, nil
		}
	}
	for _, g := range s.gens {
		if h, ok := g.heads[name]; ok {
			return h, true, true, nil
		}
	}
	return head{}, false, false, nil
}

// diskHead finds a stream's head in the index files of the segments before
// memFrom, newest first.
func (s *Store) diskHead(ctx context.Context, name string, segs []*segment, memFrom uint64) (head, bool, error) {
	hash := s.hashName(name)
	var res head
	var found bool
	err := s.withRepair(func() error {
		rd := newChunkReader(segs, s.maxAppendSize)
		var rec parsedRecord
		for i := len(segs) - 1; i >= 0; i-- {
			seg := segs[i]
			if seg.base >= memFrom {
				continue
			}
			if i%64 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			parts, err := s.streamParts(seg, name, hash)
			if err != nil {
				return err
			}
			for j := len(parts) - 1; j >= 0; j-- {
				p := &parts[j]
				last := p.first + p.count - 1
				if p.positions != nil {
					res, found = head{rev: last, hash: p.last}, true
					return nil
				}
				if ok, err := s.partRecord(rd, p, p.count-1, name, &rec); err != nil || !ok {
					if err != nil {
						return err
					}
					continue
				}
				res, found = head{rev: last, hash: rec.hash}, true
				return nil
			}
		}
		return nil
	})
	return res, found, err
}

// retryBeyondWindow recognises a retry whose events are no longer in the
// idempotency window: with an exact expected revision (or NoStream), the
// events right after it are compared by ID. It runs in the appender, after
// the writer found the expected revision wrong.
func (s *Store) retryBeyondWindow(ctx context.Context, r *appendReq) (eventstore.AppendResult, bool, error) {
	var start uint64
	if rev, ok := r.expected.Revision(); ok {
		start = rev + 1
	} else if !r.expected.IsNoStream() {
		return eventstore.AppendResult{}, false, nil
	}
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return eventstore.AppendResult{}, false, nil
	}
	evs, err := s.readStream(ctx, r.stream, start, len(r.events))
	if err != nil {
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			err = nil
		}
		return eventstore.AppendResult{}, false, err
	}
	if len(evs) != len(r.events) {
		return eventstore.AppendResult{}, false, nil
	}
	for i, ev := range r.events {
		if evs[i].EventID != ev.EventID {
			return eventstore.AppendResult{}, false, nil
		}
	}
	last := evs[len(evs)-1]
	return eventstore.AppendResult{Revision: last.Revision, Position: last.Position}, true, nil
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]eventstore.RecordedEvent, error) {
	if err := s.beginRead(ctx); err != nil {
		return nil, fmt.Errorf("embedded: read stream %q: %w", stream, err)
	}
	defer s.closeMu.RUnlock()
	return s.readStream(ctx, stream, from, max)
}

// streamPart is a stream's run of events in one segment (consecutive
// revisions first..first+count-1).
type streamPart struct {
	seg          *segment
	first, count uint64
	// in-memory index: the events' positions and the last one's hash
	positions []uint64
	last      eventstore.Hash
	// index file: the stream's first entry
	fi    *fileIndex
	start uint64
	// checked: known to be this stream (an index file slot may belong to
	// another stream with the same hash)
	checked bool
}

// streamParts returns the runs of stream name (hash h) in seg: none, one,
// or (index files only, on a hash collision) several.
func (s *Store) streamParts(seg *segment, name string, h uint64) ([]streamPart, error) {
	fi, mem := seg.index()
	if mem != nil {
		s.mu.RLock()
		e := mem.streams[name]
		var p streamPart
		if e != nil {
			n := len(e.positions)
			p = streamPart{seg: seg, first: e.first, count: uint64(n), positions: e.positions[:n:n], last: e.last, checked: true}
		}
		s.mu.RUnlock()
		if e == nil {
			return nil, nil
		}
		return []streamPart{p}, nil
	}
	if fi == nil {
		return nil, nil
	}
	if maybe, err := s.mayHold(fi, h); err != nil || !maybe {
		return nil, err
	}
	slots, err := fi.lookup(h)
	if err != nil || len(slots) == 0 {
		return nil, err
	}
	parts := make([]streamPart, len(slots))
	for i, sl := range slots {
		parts[i] = streamPart{seg: seg, first: sl.first, count: sl.count, fi: fi, start: sl.start}
	}
	return parts, nil
}

// partRecord reads the i-th record of an index file part into rec and
// reports whether it belongs to stream name (and if so, marks the part
// checked). A record that is not where the index says is index damage.
func (s *Store) partRecord(rd *chunkReader, p *streamPart, i uint64, name string, rec *parsedRecord) (bool, error) {
	ents, err := p.fi.entries(p.start+i, 1, nil)
	if err != nil {
		return false, err
	}
	pos := p.seg.base + uint64(ents[0].off)
	if err := rd.read(pos, pos+uint64(ents[0].size), rec); err != nil {
		return false, err
	}
	if rec.size != ents[0].size {
		return false, &indexDamagedError{p.fi, p.fi.entriesPage, "entry size does not match its record"}
	}
	if string(rec.stream) != name {
		return false, nil
	}
	if rec.revision != p.first+i {
		return false, &indexDamagedError{p.fi, p.fi.tablePage, "slot revision does not match its record"}
	}
	p.checked = true
	return true, nil
}

// errOtherStream: a part read as the stream's belongs to another stream with
// the same hash; the read starts again checking every part first.
var errOtherStream = errors.New("embedded: stream hash collision")

func (s *Store) readStream(ctx context.Context, name string, from uint64, max int) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	err := s.withRepair(func() error {
		var err error
		out, err = s.readStreamOnce(ctx, name, from, max, false)
		if errors.Is(err, errOtherStream) {
			out, err = s.readStreamOnce(ctx, name, from, max, true)
		}
		return err
	})
	if err != nil {
		var ce *CorruptionError
		if errors.As(err, &ce) || errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("embedded: read stream %q: %w", name, err)
	}
	return out, nil
}

// recRef is a record to read: its position, and its framed size if known.
type recRef struct {
	pos  uint64
	size int
}

// end is where the record ends, or just after its position if its size is
// not known.
func (r recRef) end() uint64 { return r.pos + uint64(max(r.size, 1)) }

// readParallel is how many reads of one stream read go to the disk at
// once: a stream spread over the whole log has a few events in each of
// hundreds of segments, and with a cold page cache each is a disk round
// trip; issued one after another they would add up.
const readParallel = 16

// parallel runs fn(0..n-1) on up to readParallel goroutines (inline when n
// is 1) and returns the error of the lowest index that failed.
func parallel(n int, fn func(i int) error) error {
	if n == 1 {
		return fn(0)
	}
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, readParallel) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				errs[i] = fn(i)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// readStreamOnce probes the segments newest first for the stream's runs,
// down to the one holding revision from, then reads the wanted events
// oldest first. Carefully, it checks every index file part's stream name
// before it uses the part; otherwise only parts it will not read. Probes,
// index entry reads and record reads each run readParallel at a time.
func (s *Store) readStreamOnce(ctx context.Context, name string, from uint64, count int, careful bool) ([]eventstore.RecordedEvent, error) {
	s.mu.RLock()
	segs := s.segs
	s.mu.RUnlock()
	hash := s.hashName(name)
	rd := newChunkReader(segs, s.maxAppendSize)
	var rec parsedRecord
	var parts []streamPart
	// Probe in batches of growing size: a read of recent events usually
	// ends in the newest segment or two.
	batch := 1
	for hi, stop := len(segs), false; hi > 0 && !stop; batch = min(batch*2, readParallel) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lo := max(0, hi-batch)
		found := make([][]streamPart, hi-lo)
		if err := parallel(hi-lo, func(j int) error {
			var err error
			found[j], err = s.streamParts(segs[lo+j], name, hash)
			return err
		}); err != nil {
			return nil, err
		}
		for i := hi - 1; i >= lo && !stop; i-- {
			ps := found[i-lo]
			for j := range ps {
				p := &ps[j]
				if !p.checked && (careful || p.first+p.count <= from) {
					ok, err := s.partRecord(rd, p, 0, name, &rec)
					if err != nil {
						return nil, err
					}
					if !ok {
						continue
					}
				}
				parts = append(parts, *p)
				stop = stop || p.first <= from
			}
		}
		hi = lo
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("embedded: read stream %q: %w", name, eventstore.ErrStreamNotFound)
	}
	slices.Reverse(parts)
	// Revisions a scavenge removed are skipped: count is of the events
	// returned, from the first one at or after from.
	left := uint64(math.MaxUint64)
	if count > 0 {
		left = uint64(count)
	}
	type span struct{ lo, hi uint64 }
	spans := make([]span, len(parts))
	var wanted []int // parts with events to read
	for pi := range parts {
		p := &parts[pi]
		lo := max(from, p.first)
		if lo >= p.first+p.count || left == 0 {
			continue
		}
		hi := lo + min(p.first+p.count-lo, left)
		left -= hi - lo
		spans[pi] = span{lo, hi}
		wanted = append(wanted, pi)
	}
	// The records to read, with their part and revision.
	partRefs := make([][]recRef, len(wanted))
	if err := parallel(len(wanted), func(w int) error {
		p, sp := &parts[wanted[w]], spans[wanted[w]]
		refs := make([]recRef, 0, sp.hi-sp.lo)
		if p.positions != nil {
			for _, pos := range p.positions[sp.lo-p.first : sp.hi-p.first] {
				refs = append(refs, recRef{pos: pos})
			}
		} else {
			ents, err := p.fi.entries(p.start+sp.lo-p.first, sp.hi-sp.lo, nil)
			if err != nil {
				return err
			}
			for _, e := range ents {
				refs = append(refs, recRef{pos: p.seg.base + uint64(e.off), size: e.size})
			}
		}
		partRefs[w] = refs
		return nil
	}); err != nil {
		return nil, err
	}
	type want struct {
		ref  recRef
		part int
		rev  uint64
	}
	var all []want
	for w, refs := range partRefs {
		pi := wanted[w]
		for k, ref := range refs {
			all = append(all, want{ref, pi, spans[pi].lo + uint64(k)})
		}
	}
	out := make([]eventstore.RecordedEvent, len(all))
	// Contiguous shares, one per worker, so each keeps its read-ahead.
	workers := max(1, min(readParallel, len(all)/16))
	share := (len(all) + workers - 1) / max(workers, 1)
	err := parallel(workers, func(wk int) error {
		from, to := wk*share, min(len(all), (wk+1)*share)
		rd := rd
		if workers > 1 {
			rd = newChunkReader(segs, s.maxAppendSize)
		}
		var rec parsedRecord
		for k := from; k < to; k++ {
			if (k-from)%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			a := all[k]
			p := &parts[a.part]
			// Read ahead only over the stream's next events that lie
			// close by: a stream's events may be spread over the whole log.
			until := a.ref.end()
			for j := k + 1; j < to && j <= k+32 && all[j].ref.pos < until+smallRead; j++ {
				until = all[j].ref.end()
			}
			if err := rd.read(a.ref.pos, until, &rec); err != nil {
				return err
			}
			if string(rec.stream) != name || rec.revision != a.rev || (a.ref.size > 0 && rec.size != a.ref.size) {
				switch {
				case p.fi == nil:
					return &CorruptionError{Segment: p.seg.name, Offset: int64(a.ref.pos - p.seg.base), Reason: "indexed record belongs to another stream or revision"}
				case !careful && string(rec.stream) != name:
					return errOtherStream
				}
				return &indexDamagedError{p.fi, p.fi.entriesPage, "entry does not match its record"}
			}
			out[k] = rd.event(&rec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// Nothing in range: the stream exists if one of its parts is it.
		for pi := range parts {
			p := &parts[pi]
			if p.checked {
				return out, nil
			}
			ok, err := s.partRecord(rd, p, 0, name, &rec)
			if err != nil {
				return nil, err
			}
			if ok {
				return out, nil
			}
		}
		return nil, fmt.Errorf("embedded: read stream %q: %w", name, eventstore.ErrStreamNotFound)
	}
	return out, nil
}

// withRepair runs fn, and when it meets a damaged index file, rebuilds the
// file from its segment and runs fn again, as long as each run meets
// another damaged file.
func (s *Store) withRepair(fn func() error) error {
	var repaired map[*fileIndex]bool
	for {
		err := fn()
		var de *indexDamagedError
		if !errors.As(err, &de) || repaired[de.fi] {
			return err
		}
		if rerr := s.repairIndex(de.fi); rerr != nil {
			return rerr
		}
		if repaired == nil {
			repaired = make(map[*fileIndex]bool)
		}
		repaired[de.fi] = true
	}
}

// beginRead checks the context and the store's state and, on success, holds
// closeMu for reading; the caller releases it.
func (s *Store) beginRead(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return eventstore.ErrClosed
	}
	if s.readOnly {
		if err := s.refresh(); err != nil {
			s.closeMu.RUnlock()
			return err
		}
	}
	return nil
}

// ReadAll implements eventstore.Store.
func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, max int, filter eventstore.Filter) (eventstore.Page, error) {
	if err := s.beginRead(ctx); err != nil {
		return eventstore.Page{}, fmt.Errorf("embedded: read all: %w", err)
	}
	defer s.closeMu.RUnlock()
	if max <= 0 {
		max = defaultPageSize
	}
	page, _, err := s.readAll(ctx, from, cursor{}, max, maxScanPerPage, filter, nil)
	return page, err
}

// cursor is where the record after a page is: its position, valid in the
// era it was found in.
type cursor struct {
	pos, era uint64
}

// readAll scans at most maxScan records after from and returns at most max
// matching events, and the position where the next record after the page
// is (or will be written): a cursor for the next page. next, when not zero,
// is that cursor from the previous page (from its Checkpoint). Records are
// read one after another: in a segment they lie back to back, and a sealed
// segment's data ends where the next segment begins. The caller holds
// closeMu (R).
func (s *Store) readAll(ctx context.Context, from eventstore.Position, next cursor, max, maxScan int, filter eventstore.Filter, rc *readerCache) (eventstore.Page, cursor, error) {
	s.mu.RLock()
	segs := s.segs
	durable := s.durable
	era := s.era
	s.mu.RUnlock()
	page := eventstore.Page{Checkpoint: from}
	if len(segs) == 0 {
		page.AtEnd = true
		return page, cursor{}, nil
	}
	rd := rc.reader(segs, era, s.maxAppendSize)
	defer rd.clip(durable)
	pos := next.pos
	if pos == 0 || next.era != era {
		var ok bool
		if pos, ok = s.cursors.get(from.Commit, era); !ok {
			var err error
			if pos, err = s.seekAfter(rd, from.Commit, durable); err != nil {
				return eventstore.Page{}, cursor{}, err
			}
		}
	}
	var rec parsedRecord
	empty := filter.IsEmpty()
	if empty && pos < durable {
		page.Events = make([]eventstore.RecordedEvent, 0, min(max, maxScan, 4096))
	}
	for scanned := 0; scanned < maxScan; scanned++ {
		pos = rd.firstFrom(pos)
		if pos >= durable {
			break
		}
		if scanned%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return eventstore.Page{}, cursor{}, fmt.Errorf("embedded: read all: %w", err)
			}
		}
		if err := rd.read(pos, 0, &rec); err != nil {
			return eventstore.Page{}, cursor{}, err
		}
		page.Checkpoint = eventstore.Position{Commit: pos, Prepare: pos}
		pos += uint64(rec.span)
		if rec.gap {
			continue
		}
		if empty || (matchBytes(filter.StreamPrefixes, rec.stream) && matchBytes(filter.EventTypePrefixes, rec.typ)) {
			page.Events = append(page.Events, rd.event(&rec))
			if len(page.Events) == max {
				break
			}
		}
	}
	pos = rd.firstFrom(pos)
	page.AtEnd = pos >= durable
	if page.Checkpoint != from {
		s.cursors.put(page.Checkpoint.Commit, cursor{pos, era})
	}
	return page, cursor{pos, era}, nil
}

// seekAfter returns the position of the first record after position from
// (or where it will be written).
func (s *Store) seekAfter(rd *chunkReader, from, durable uint64) (uint64, error) {
	segs := rd.segs
	if first := segs[0].base + segHeaderSize; from < first {
		return first, nil
	}
	if from >= durable {
		return durable, nil
	}
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base > from }) - 1
	seg := segs[i]
	end := durable
	if i+1 < len(segs) {
		end = segs[i+1].base
	}
	if from < seg.base+segHeaderSize {
		return seg.base + segHeaderSize, nil
	}
	var pos uint64
	err := s.withRepair(func() error {
		fi, mem := seg.index()
		switch {
		case mem != nil:
			s.mu.RLock()
			all := mem.all
			s.mu.RUnlock()
			j, found := slices.BinarySearch(all, from)
			if found {
				j++
			}
			pos = end
			if j < len(all) {
				pos = all[j]
			}
			return nil
		case fi != nil:
			sp, err := fi.sparseFind(from, false)
			if err != nil {
				return err
			}
			var rec parsedRecord
			for pos = seg.base + uint64(sp.off); pos <= from && pos < end; pos += uint64(rec.span) {
				if err := rd.read(pos, 0, &rec); err != nil {
					return err
				}
			}
			return nil
		}
		pos = end
		return nil
	})
	return pos, err
}

// cursorCache remembers where the record after a page's checkpoint is, so
// that reading the next page does not have to look it up.
type cursorCache struct {
	mu    sync.Mutex
	after [64]uint64
	next  [64]cursor
	i     int
}

func (c *cursorCache) get(after, era uint64) (uint64, bool) {
	if after == 0 {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, a := range c.after {
		if a == after && c.next[i].era == era {
			return c.next[i].pos, true
		}
	}
	return 0, false
}

func (c *cursorCache) put(after uint64, next cursor) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, a := range c.after {
		if a == after {
			c.next[i] = next
			return
		}
	}
	c.after[c.i], c.next[c.i] = after, next
	c.i = (c.i + 1) % len(c.after)
}

func matchBytes(prefixes []string, b []byte) bool {
	if len(prefixes) == 0 {
		return true
	}
	for _, p := range prefixes {
		if len(b) >= len(p) && string(b[:len(p)]) == p {
			return true
		}
	}
	return false
}

// Close implements eventstore.Store.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	s.closeMu.Unlock()

	var err error
	if !s.readOnly {
		close(s.reqs) // no Append is sending: they hold closeMu (R) while they do
		<-s.writerDone
		if s.failed.Load() == nil {
			err = s.writeCheckpoint(s.snapshot())
		}
	}
	if cerr := s.closeFiles(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) closeFiles() error {
	var errs []error
	s.mu.Lock()
	for _, seg := range s.segs {
		errs = append(errs, seg.f.Close())
		if fi := seg.fidx.Load(); fi != nil {
			errs = append(errs, fi.f.Close())
		}
	}
	for _, f := range s.retired {
		errs = append(errs, f.Close())
	}
	s.segs, s.retired = nil, nil
	s.mu.Unlock()
	if s.head != nil {
		errs = append(errs, s.head.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

// MaxEventSize is the largest event (type, data and metadata together) an
// append accepts.
func (s *Store) MaxEventSize() int { return s.maxEventSize }

// Stats describes the store's size.
type Stats struct {
	Events   int
	Streams  int
	Segments int
}

// Stats returns the store's current size (from the segments' indexes).
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := Stats{Segments: len(s.segs)}
	for _, seg := range s.segs {
		if fi, mem := seg.index(); fi != nil {
			st.Events += int(fi.records - fi.gaps)
			st.Streams += int(fi.created)
		} else if mem != nil {
			st.Events += len(mem.all) - mem.gaps
			st.Streams += mem.created
		}
	}
	return st
}

// chunkReader reads records by position through a buffer of consecutive
// bytes, so a scan in position order does one read per chunk. Each chunk is a
// new allocation once a record from it was handed out, so returned events
// may alias it safely.
type chunkReader struct {
	segs    []*segment
	maxBody int
	at      *segment // the segment segmentFor found last
	atEnd   uint64   // base of the segment after it
	seg     *segment // the segment buf holds bytes of
	buf     []byte
	bufOff  int64
	handed  bool
	names   map[string]string
}

func newChunkReader(segs []*segment, maxAppend int) *chunkReader {
	return &chunkReader{segs: segs, maxBody: maxAppend}
}

// clip forgets what the buffer holds at or beyond durable (the durable end
// when the bytes were read): a reader kept for a later read must read those
// bytes again once they are durable.
func (c *chunkReader) clip(durable uint64) {
	if c.seg == nil {
		return
	}
	if lim := int64(durable - c.seg.base); c.bufOff+int64(len(c.buf)) > lim {
		c.buf = c.buf[:max(0, lim-c.bufOff)]
	}
}

// readerCache keeps a chunkReader from one read to the next of a
// subscription's pages: the rest of the chunk one page read serves the next
// page, instead of being read (and allocated) again. A retention pass
// (a new era) rewrites segments, so the reader is not kept across one.
type readerCache struct {
	rd  *chunkReader
	era uint64
}

// reader returns the kept reader, or a new one (always a new one for a nil
// cache), for the segments segs.
func (rc *readerCache) reader(segs []*segment, era uint64, maxAppend int) *chunkReader {
	if rc == nil {
		return newChunkReader(segs, maxAppend)
	}
	if rc.rd == nil || rc.era != era {
		rc.rd, rc.era = newChunkReader(segs, maxAppend), era
	}
	rc.rd.segs, rc.rd.at = segs, nil // segments may have been added since
	return rc.rd
}

func (c *chunkReader) segmentFor(pos uint64) *segment {
	if c.at != nil && pos >= c.at.base && pos < c.atEnd {
		return c.at
	}
	i := sort.Search(len(c.segs), func(i int) bool { return c.segs[i].base > pos })
	if i == 0 {
		return nil
	}
	c.at, c.atEnd = c.segs[i-1], maxPos
	if i < len(c.segs) {
		c.atEnd = c.segs[i].base
	}
	return c.at
}

// firstFrom returns pos, or the first record place of its segment when pos
// falls in the segment's header (where the previous segment's data ended).
func (c *chunkReader) firstFrom(pos uint64) uint64 {
	if seg := c.segmentFor(pos); seg != nil && pos < seg.base+segHeaderSize {
		return seg.base + segHeaderSize
	}
	return pos
}

func (c *chunkReader) load(seg *segment, off int64, n int) error {
	if c.handed || cap(c.buf) < n {
		c.buf = make([]byte, n)
		c.handed = false
	}
	c.buf = c.buf[:n]
	got, err := seg.f.ReadAt(c.buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("embedded: read %s at %d: %w", seg.name, off, err)
	}
	c.buf = c.buf[:got]
	c.seg, c.bufOff = seg, off
	return nil
}

// read decodes the record at pos, which the index says exists. until is how
// far reading is useful: 0 for a sequential scan (a whole chunk), else the
// end of the record, or of a later record the caller will ask for next (a
// stream read; a small read if it is less than a record header away).
func (c *chunkReader) read(pos, until uint64, r *parsedRecord) error {
	seg := c.segmentFor(pos)
	if seg == nil {
		return fmt.Errorf("embedded: position %d is before the first segment", pos)
	}
	off := int64(pos - seg.base)
	ahead := chunkSize
	switch {
	case until >= pos+headerSize+recordFixed:
		ahead = int(min(uint64(chunkSize), until-pos))
	case until != 0:
		ahead = smallRead
	}
	if seg != c.seg || off < c.bufOff || off+headerSize+recordFixed > c.bufOff+int64(len(c.buf)) {
		if err := c.load(seg, off, ahead); err != nil {
			return err
		}
	}
	if off+headerSize+recordFixed > c.bufOff+int64(len(c.buf)) {
		return &CorruptionError{Segment: seg.name, Offset: off, Reason: "indexed record runs past the end of the file"}
	}
	size, err := frameSize(c.buf[off-c.bufOff:], c.maxBody)
	if err != nil {
		return &CorruptionError{Segment: seg.name, Offset: off, Reason: "indexed record has a bad header"}
	}
	if off+int64(size) > c.bufOff+int64(len(c.buf)) {
		if err := c.load(seg, off, max(ahead, size)); err != nil {
			return err
		}
	}
	start := off - c.bufOff
	if int64(len(c.buf)) < start+int64(size) {
		return &CorruptionError{Segment: seg.name, Offset: off, Reason: "indexed record runs past the end of the file"}
	}
	if err := parseRecord(c.buf[start:start+int64(size)], pos, r); err != nil {
		return &CorruptionError{Segment: seg.name, Offset: off, Reason: "indexed record: " + err.Error()}
	}
	return nil
}

// event builds the RecordedEvent of a record just read; its byte slices
// alias the current chunk, which is then never reused.
func (c *chunkReader) event(r *parsedRecord) eventstore.RecordedEvent {
	c.handed = true
	ev := eventstore.RecordedEvent{
		EventID:  r.id,
		Type:     c.intern(r.typ),
		Data:     r.data,
		StreamID: c.intern(r.stream),
		Revision: r.revision,
		Position: eventstore.Position{Commit: r.position, Prepare: r.position},
		Created:  time.Unix(0, r.created).UTC(),
		Prev:     r.prev,
		Hash:     r.hash,
	}
	if len(r.meta) > 0 {
		ev.Metadata = r.meta
	}
	return ev
}

func (c *chunkReader) intern(b []byte) string {
	if s, ok := c.names[string(b)]; ok {
		return s
	}
	if c.names == nil || len(c.names) > 4096 {
		c.names = make(map[string]string)
	}
	s := string(b)
	c.names[s] = s
	return s
}

// writeHead records the durable end for read-only readers in other
// processes: 8 bytes of position and 8 of its complement, so a reader can
// tell a torn read. Not synced: after a machine crash the writer rewrites it.
func (s *Store) writeHead() {
	var b [16]byte
	putU64(b[0:], s.durable)
	putU64(b[8:], ^s.durable)
	_, _ = s.head.WriteAt(b[:], 0) // advisory only: readers fall back to scanning
}

func (s *Store) readHead() (uint64, bool) {
	f, err := s.fs.OpenFile(path.Join(s.dir, headFile), os.O_RDONLY, 0)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	for range 3 {
		var b [16]byte
		if n, _ := f.ReadAt(b[:], 0); n == 16 && getU64(b[0:]) == ^getU64(b[8:]) {
			return getU64(b[0:]), true
		}
	}
	return 0, false
}

const maxPos = uint64(math.MaxUint64)
