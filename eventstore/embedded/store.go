// Package embedded is socledger's default event store: a segmented,
// append-only log in a local data directory.
//
// # Layout
//
// The data directory holds:
//
//	LOCK                  held (flock) by the one writing process
//	log/<base>.seg        preallocated log segments, named by base position
//	index.ckpt            checkpoint of the in-memory index (optional)
//	head                  the durable end of the log, for read-only processes
//
// Records are framed with their length and a CRC-32C and carry their own
// global position (see record.go). A position is the record's byte place in
// the log's address space (segment base + file offset); positions are
// strictly increasing but not dense.
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
// On open the index is loaded from its checkpoint (if valid) and rebuilt from
// the log after it. A damaged record at the end of the last segment followed
// only by records of the same group commit is a torn write that was never
// acknowledged: it is cut off (and the bytes after it zeroed). Damage anywhere
// else in the part of the log open scans is reported as a *CorruptionError
// naming the segment file and byte offset, and the store does not open.
// Records covered by the checkpoint are not rescanned at open; their
// checksums are verified whenever they are read, and damage there is the same
// *CorruptionError from the read.
//
// # Readers in other processes
//
// Open with Options.ReadOnly takes no lock; it reads what the writer has made
// durable (bounded by the head file while a writer holds the lock) and keeps
// following the log as it grows.
package embedded

import (
	"context"
	"errors"
	"fmt"
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
	defaultMaxEventSize  = 4 << 20
	defaultMaxAppendSize = 16 << 20
	defaultMaxBatchBytes = 4 << 20
	defaultWindow        = 65536
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

	segmentSize     int64
	maxEventSize    int
	maxAppendSize   int
	maxBatchBytes   int
	windowSize      int
	checkpointEvery int

	lock io.Closer
	head vfs.File // writer: the durable end, for read-only readers

	// mu guards the published index: streams, all, segs, notify, durable.
	mu      sync.RWMutex
	streams map[string]*streamEntry
	all     []uint64   // position of every record, in order
	segs    []*segment // by base
	notify  chan struct{}
	durable uint64 // position just after the last durable record

	// lifecycle
	closeMu    sync.RWMutex // held (R) by appends while queueing and by reads
	closed     bool
	closing    chan struct{}
	reqs       chan *appendReq
	writerDone chan struct{}
	failed     atomic.Pointer[error]

	w      writer // owned by the writer goroutine
	window window // idempotency window: recovery, then the writer

	// read-only following of a log written by another process
	refreshMu sync.Mutex
	tail      int64 // file offset in the last segment scanned so far
}

// streamEntry is the index of one stream.
type streamEntry struct {
	name      string
	positions []uint64 // position of revision i
	last      eventstore.Hash
}

var _ eventstore.Store = (*Store)(nil)

// Open opens the store in dir, creating it if needed (unless read-only).
func Open(dir string, opts Options) (*Store, error) {
	s := &Store{
		dir:      dir,
		logDir:   path.Join(dir, logDir),
		fs:       opts.FS,
		readOnly: opts.ReadOnly,
		now:      opts.Now,
		streams:  make(map[string]*streamEntry),
		notify:   make(chan struct{}),
		closing:  make(chan struct{}),
	}
	if s.fs == nil {
		s.fs = vfs.OS{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.segmentSize = opts.SegmentSize
	if s.segmentSize == 0 {
		s.segmentSize = defaultSegmentSize
	}
	if s.segmentSize < minSegmentSize {
		return nil, fmt.Errorf("embedded: segment size %d is below the minimum %d", s.segmentSize, minSegmentSize)
	}
	quarter := int(s.segmentSize / 4)
	s.maxAppendSize = cmpOr(opts.MaxAppendSize, defaultMaxAppendSize)
	s.maxAppendSize = min(s.maxAppendSize, quarter)
	s.maxBatchBytes = min(defaultMaxBatchBytes, quarter)
	s.maxEventSize = cmpOr(opts.MaxEventSize, defaultMaxEventSize)
	s.maxEventSize = min(s.maxEventSize, s.maxAppendSize-recordSize(eventstore.MaxStreamNameLen, 0, 0, 0))
	s.windowSize = cmpOr(opts.IdempotencyWindow, defaultWindow)
	s.checkpointEvery = cmpOr(opts.CheckpointEvery, 4)

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

// removeTemps deletes segment files a crash left half-made.
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
	// Events without an ID get a random one. Those can never be retried
	// (the caller does not know the ID), so the writer does not look them up
	// or remember them in the idempotency window.
	evs := events
	var generated []bool
	for i := range events {
		if events[i].EventID.IsZero() {
			if generated == nil {
				evs = slices.Clone(events) // never write to the caller's slice
				generated = make([]bool, len(events))
			}
			evs[i].EventID = eventstore.NewEventID()
			generated[i] = true
		}
	}
	req := newAppendReq(ctx, stream, expected, evs, generated)

	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return eventstore.AppendResult{}, fmt.Errorf("embedded: append to %q: %w", stream, eventstore.ErrClosed)
	}
	if errp := s.failed.Load(); errp != nil {
		s.closeMu.RUnlock()
		return eventstore.AppendResult{}, *errp
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
	req.release()
	return resp.res, resp.err
}

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]eventstore.RecordedEvent, error) {
	if err := s.beginRead(ctx); err != nil {
		return nil, fmt.Errorf("embedded: read stream %q: %w", stream, err)
	}
	defer s.closeMu.RUnlock()
	s.mu.RLock()
	e := s.streams[stream]
	var positions []uint64
	if e != nil && from < uint64(len(e.positions)) {
		positions = e.positions[from:]
		if max > 0 && len(positions) > max {
			positions = positions[:max]
		}
	}
	segs := s.segs
	s.mu.RUnlock()
	if e == nil {
		return nil, fmt.Errorf("embedded: read stream %q: %w", stream, eventstore.ErrStreamNotFound)
	}
	out := make([]eventstore.RecordedEvent, 0, len(positions))
	rd := newChunkReader(segs, s.maxAppendSize)
	var rec parsedRecord
	for i, pos := range positions {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("embedded: read stream %q: %w", stream, err)
			}
		}
		// Read ahead only as far as the stream's next events: a stream's
		// events may be spread over the whole log.
		until := pos + 1
		if j := min(i+32, len(positions)-1); j > i {
			until = positions[j]
		}
		if err := rd.read(pos, until, &rec); err != nil {
			return nil, err
		}
		out = append(out, rd.event(&rec))
	}
	return out, nil
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
	return s.readAll(ctx, from, max, maxScanPerPage, filter)
}

// readAll scans at most maxScan records after from and returns at most max
// matching events. The caller holds closeMu (R).
func (s *Store) readAll(ctx context.Context, from eventstore.Position, max, maxScan int, filter eventstore.Filter) (eventstore.Page, error) {
	s.mu.RLock()
	all := s.all
	segs := s.segs
	s.mu.RUnlock()
	i := sort.Search(len(all), func(i int) bool { return all[i] > from.Commit })
	todo := all[i:]
	if len(todo) > maxScan {
		todo = todo[:maxScan]
	}
	page := eventstore.Page{Checkpoint: from}
	if len(todo) == 0 {
		page.AtEnd = true
		return page, nil
	}
	rd := newChunkReader(segs, s.maxAppendSize)
	var rec parsedRecord
	empty := filter.IsEmpty()
	scanned := 0
	for _, pos := range todo {
		if scanned%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return eventstore.Page{}, fmt.Errorf("embedded: read all: %w", err)
			}
		}
		if err := rd.read(pos, 0, &rec); err != nil {
			return eventstore.Page{}, err
		}
		scanned++
		page.Checkpoint = eventstore.Position{Commit: pos, Prepare: pos}
		if empty || (matchBytes(filter.StreamPrefixes, rec.stream) && matchBytes(filter.EventTypePrefixes, rec.typ)) {
			page.Events = append(page.Events, rd.event(&rec))
			if len(page.Events) == max {
				break
			}
		}
	}
	page.AtEnd = i+scanned == len(all)
	return page, nil
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
	}
	s.segs = nil
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

// Stats returns the store's current size.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{Events: len(s.all), Streams: len(s.streams), Segments: len(s.segs)}
}

// chunkReader reads records by position through a buffer of consecutive
// bytes, so a scan in position order does one read per chunk. Each chunk is a
// new allocation once a record from it was handed out, so returned events
// may alias it safely.
type chunkReader struct {
	segs    []*segment
	maxBody int
	seg     *segment
	segEnd  uint64 // base of the segment after seg
	buf     []byte
	bufOff  int64
	handed  bool
	names   map[string]string
}

func newChunkReader(segs []*segment, maxAppend int) *chunkReader {
	return &chunkReader{segs: segs, maxBody: maxAppend}
}

func (c *chunkReader) segmentFor(pos uint64) *segment {
	if c.seg != nil && pos >= c.seg.base && pos < c.segEnd {
		return c.seg
	}
	i := sort.Search(len(c.segs), func(i int) bool { return c.segs[i].base > pos })
	if i == 0 {
		return nil
	}
	c.segEnd = maxPos
	if i < len(c.segs) {
		c.segEnd = c.segs[i].base
	}
	return c.segs[i-1]
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
// far reading ahead is useful: the position of a later record the caller
// will ask for next (a stream read), or 0 for a sequential scan (a whole
// chunk).
func (c *chunkReader) read(pos, until uint64, r *parsedRecord) error {
	seg := c.segmentFor(pos)
	if seg == nil {
		return fmt.Errorf("embedded: position %d is before the first segment", pos)
	}
	off := int64(pos - seg.base)
	ahead := chunkSize
	if until > pos {
		ahead = int(min(uint64(chunkSize), until-pos+smallRead))
	} else if until != 0 {
		ahead = smallRead
	}
	if seg != c.seg || off < c.bufOff || off+headerSize+recordFixed > c.bufOff+int64(len(c.buf)) {
		if err := c.load(seg, off, ahead); err != nil {
			return err
		}
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
