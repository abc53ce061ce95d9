package embedded

import (
	"context"
	"errors"
	"fmt"
	"path"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// appendReq is one Append waiting for the writer. The appender prepares
// its records (framing, copies, the CRC and the hash of the content) before
// it queues them, in parallel with other appenders; the writer only seals
// them with what depends on the order: position, revision and chain links.
type appendReq struct {
	ctx      context.Context
	stream   string
	expected eventstore.ExpectedRevision
	events   []eventstore.EventData
	// generated[i] reports that event i's ID was made by the store (nil:
	// none was); such an event cannot be a retry.
	generated []bool
	genBuf    []bool // generated's storage, kept with the pooled request
	records   []byte // the prepared records, back to back
	contents  []byte // their content hash states, back to back
	prepared  []preparedEvent
	hasher    eventstore.ChainHasher
	hint      headHint // the stream's head as the appender found it
	done      chan appendResp
}

type preparedEvent struct {
	off, size  int // in records
	coff, clen int // in contents
	crc        uint32
}

type appendResp struct {
	res eventstore.AppendResult
	err error
	// lookback: the expected revision was wrong, but the append may be a
	// retry beyond the idempotency window; the appender checks (see
	// Store.retryBeyondWindow).
	lookback bool
}

var reqPool = sync.Pool{New: func() any { return &appendReq{done: make(chan appendResp, 1)} }}

// newAppendReq prepares an append. It copies the caller's events (never
// writing to the caller's slice), and gives each event without an ID a
// random one. Those can never be retried (the caller does not know the ID),
// so the writer neither looks them up nor remembers them in the idempotency
// window.
func newAppendReq(ctx context.Context, stream string, expected eventstore.ExpectedRevision, events []eventstore.EventData) *appendReq {
	r := reqPool.Get().(*appendReq)
	r.ctx, r.stream, r.expected = ctx, stream, expected
	r.events, r.generated = append(r.events[:0], events...), nil
	for i := range r.events {
		if r.events[i].EventID.IsZero() {
			if r.generated == nil {
				r.generated = slices.Grow(r.genBuf[:0], len(events))[:len(events)]
				clear(r.generated)
				r.genBuf = r.generated
			}
			r.events[i].EventID = eventstore.NewEventID()
			r.generated[i] = true
		}
	}
	r.records, r.contents, r.prepared = r.records[:0], r.contents[:0], r.prepared[:0]
	for _, ev := range r.events {
		off, coff := len(r.records), len(r.contents)
		var crc uint32
		r.records, crc = prepareRecord(r.records, ev.EventID, stream, ev.Type, ev.Data, ev.Metadata)
		r.contents = r.hasher.Content(r.contents, ev.Type, ev.Data, ev.Metadata)
		r.prepared = append(r.prepared, preparedEvent{off: off, size: len(r.records) - off, crc: crc, coff: coff, clen: len(r.contents) - coff})
	}
	return r
}

// release returns r to the pool once its appender has the answer.
func (r *appendReq) release() {
	clear(r.events) // keep none of the caller's data alive
	r.ctx, r.events, r.generated, r.hint = nil, r.events[:0], nil, headHint{}
	if cap(r.records) > 1<<20 {
		// do not keep a large append's buffers
		r.records, r.contents, r.prepared, r.events, r.genBuf = nil, nil, nil, nil, nil
	}
	reqPool.Put(r)
}

// pendingStream is a stream's state as the batch being built leaves it.
type pendingStream struct {
	entry     *memStream // its entry in the active segment; nil if it has none yet
	name      string
	rev       int64 // last revision, -1 for none
	last      eventstore.Hash
	first     uint64   // revision of the first event this batch adds
	positions []uint64 // positions this batch adds
}

func (p *pendingStream) actual() eventstore.ExpectedRevision {
	if p.rev < 0 {
		return eventstore.NoStream
	}
	return eventstore.Exact(uint64(p.rev))
}

type reply struct {
	req  *appendReq
	resp appendResp
}

// writer is the state of the single writer goroutine.
type writer struct {
	s        *Store
	seg      *segment
	off      int64 // file offset in seg where the next flush writes
	buf      []byte
	flushPos []uint64 // positions of the records in buf
	pending  map[string]*pendingStream
	order    []*pendingStream
	// pendKept are pendingStream entries reused from group to group; the
	// first pendUsed belong to the group being built.
	pendKept []*pendingStream
	pendUsed int
	replies  []reply
	hasher   eventstore.ChainHasher
	created  int64
	// batchStart is the position of the first record of the current flush.
	batchStart uint64
	// group commit pacing
	lastGroup int
	syncTime  time.Duration
	// head file: last durable end written and when
	headPos  uint64
	headTime time.Time
	// job writes the index file of the segment sealed last (nil: none is
	// being written)
	job *indexJob
	// spare receives the next segment's file, prepared in the background
	spare chan spareSegment
}

func (w *writer) init(s *Store) {
	w.s = s
	w.seg = s.segs[len(s.segs)-1]
	w.off = int64(s.durable - w.seg.base)
	w.pending = make(map[string]*pendingStream)
	w.syncTime = 100 * time.Microsecond
	w.prepareSpare()
}

func (s *Store) runWriter() {
	defer close(s.writerDone)
	w := &s.w
	for {
		first, ok := w.next()
		if !ok {
			break
		}
		more := w.group(first)
		w.flush()
		if !more {
			break
		}
	}
	// Closed: every request still queued was taken above (the channel is
	// closed only when no Append is sending).
	w.writeHead(true)
	w.dropSpare()
	if err := w.finishJob(true); err != nil {
		w.fail(err)
	}
}

// next waits for the first request of a group. An appender just
// acknowledged usually comes straight back: spinning a few microseconds
// before parking saves a wake-up on both sides. When the writer does park,
// the head file is brought up to date first.
func (w *writer) next() (*appendReq, bool) {
	deadline := time.Now().Add(20 * time.Microsecond)
	for time.Now().Before(deadline) {
		select {
		case r, ok := <-w.s.reqs:
			return r, ok
		default:
			runtime.Gosched()
		}
	}
	w.writeHead(true)
	r, ok := <-w.s.reqs
	return r, ok
}

// group handles first and the requests that follow it into one group
// commit, each as it arrives so the writer's work overlaps the appenders'.
// Appenders acknowledged by the previous group come straight back; waiting
// briefly (a fraction of an fsync) for as many as the previous group had
// lets them share the next fsync instead of alternating between a small and
// a large group. It returns false when the queue is closed.
func (w *writer) group(first *appendReq) bool {
	if err := w.finishJob(false); err != nil {
		w.fail(err)
	}
	w.created = w.s.now().UnixNano()
	n, bytes := 1, len(first.records)
	w.handle(first)
	var deadline time.Time
	for bytes < w.s.maxBatchBytes && n < queueLen {
		select {
		case r, ok := <-w.s.reqs:
			if !ok {
				w.lastGroup = n
				return false
			}
			w.handle(r)
			n++
			bytes += len(r.records)
			continue
		default:
		}
		if n >= w.lastGroup {
			break
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(min(w.syncTime/2, 500*time.Microsecond))
		} else if now.After(deadline) {
			break
		}
		runtime.Gosched()
	}
	w.lastGroup = n
	return true
}

func (w *writer) respond(r *appendReq, res eventstore.AppendResult, err error) {
	w.replies = append(w.replies, reply{req: r, resp: appendResp{res: res, err: err}})
}

// state returns the stream's state for the batch being built: from the
// batch, else from the writer's memory (exact), else from the appender's
// hint if it is still good. The hint reflects every record before the
// durable end when the appender looked; it is good if no append to the
// stream can have happened since, as far as the writer can tell: when the
// segment that was active then is still covered by memory (an append since
// would be in memory), or when no record of a stream of the stream's slot
// in the touched table was appended since. Otherwise state returns nil: the
// appender must look again. No disk reads here.
func (w *writer) state(r *appendReq) *pendingStream {
	stream := r.stream
	if p := w.pending[stream]; p != nil {
		return p
	}
	s := w.s // only the writer changes the head memory: no lock needed to read it
	h, found, ok, e := s.memHead(stream)
	if !ok {
		if !r.hint.set || (r.hint.asOf < s.memFrom && s.touched[s.slot(stream)] >= r.hint.durable) {
			return nil
		}
		h, found = r.hint.head, r.hint.found
	}
	p := w.newPending(stream)
	if e != nil {
		p.entry, p.name = e, e.name
	}
	if found {
		p.rev, p.last = int64(h.rev), h.hash
	}
	p.first = uint64(p.rev + 1)
	w.pending[stream] = p
	w.order = append(w.order, p)
	return p
}

// pendingKept is how many pendingStream entries the writer keeps for the
// next groups: enough for a group of single-event appends, no more.
const pendingKept = 256

// newPending returns a blank pendingStream for this group, reusing one of an
// earlier group where it can (flush resets them).
func (w *writer) newPending(stream string) *pendingStream {
	if w.pendUsed < len(w.pendKept) {
		p := w.pendKept[w.pendUsed]
		w.pendUsed++
		positions := p.positions[:0]
		if cap(positions) > 1024 {
			positions = nil // a large batch's: do not keep it
		}
		*p = pendingStream{name: stream, rev: -1, positions: positions}
		return p
	}
	p := &pendingStream{name: stream, rev: -1}
	if len(w.pendKept) < pendingKept {
		w.pendKept = append(w.pendKept, p)
		w.pendUsed++
	}
	return p
}

func (w *writer) handle(r *appendReq) {
	s := w.s
	if errp := s.failed.Load(); errp != nil {
		w.respond(r, eventstore.AppendResult{}, *errp)
		return
	}
	if err := r.ctx.Err(); err != nil {
		w.respond(r, eventstore.AppendResult{}, fmt.Errorf("embedded: append to %q: %w", r.stream, err))
		return
	}
	// Idempotent retry, checked before the expected revision.
	var dups []int
	var last dupVal
	for i, ev := range r.events {
		if r.generated != nil && r.generated[i] {
			continue
		}
		if v, ok := s.window.lookup(r.stream, ev.EventID); ok {
			dups = append(dups, i)
			if v.rev >= last.rev {
				last = v
			}
		}
	}
	if len(dups) == len(r.events) {
		w.respond(r, eventstore.AppendResult{Revision: last.rev, Position: pos(last.pos)}, nil)
		return
	}
	if len(dups) > 0 {
		w.respond(r, eventstore.AppendResult{}, &eventstore.PartialDuplicateError{Stream: r.stream, Duplicates: dups, Total: len(r.events)})
		return
	}
	p := w.state(r)
	if p == nil {
		w.respond(r, eventstore.AppendResult{}, errNeedHead)
		return
	}
	if actual := p.actual(); !r.expected.Allows(actual) {
		_, exact := r.expected.Revision()
		lookback := (exact || r.expected.IsNoStream()) && p.rev >= 0
		w.replies = append(w.replies, reply{req: r, resp: appendResp{lookback: lookback,
			err: &eventstore.WrongExpectedVersionError{Stream: r.stream, Expected: r.expected, Actual: actual}}})
		return
	}
	if w.off+int64(len(w.buf)+len(r.records)) > s.segmentSize ||
		(s.sealEvery > 0 && len(s.active.all)+len(w.flushPos) >= s.sealEvery) {
		w.flush()
		if err := w.rotate(); err != nil {
			w.fail(err)
			w.respond(r, eventstore.AppendResult{}, *s.failed.Load())
			return
		}
		if p = w.state(r); p == nil {
			w.respond(r, eventstore.AppendResult{}, errNeedHead)
			return
		}
	}
	var res eventstore.AppendResult
	for i, ev := range r.events {
		pre := &r.prepared[i]
		position := w.seg.base + uint64(w.off) + uint64(len(w.buf))
		if len(w.flushPos) == 0 {
			w.batchStart = position
		}
		p.rev++
		m := recordMeta{
			position:   position,
			batchStart: w.batchStart,
			revision:   uint64(p.rev),
			created:    w.created,
			prev:       p.last,
			hash:       w.hasher.Link(r.contents[pre.coff:pre.coff+pre.clen], p.name, uint64(p.rev), p.last),
		}
		start := len(w.buf)
		w.buf = append(w.buf, r.records[pre.off:pre.off+pre.size]...)
		sealRecord(w.buf[start:], &m, pre.crc)
		p.last = m.hash
		p.positions = append(p.positions, position)
		w.flushPos = append(w.flushPos, position)
		if r.generated == nil || !r.generated[i] {
			s.window.add(p.name, ev.EventID, uint64(p.rev), position)
		}
		res = eventstore.AppendResult{Revision: uint64(p.rev), Position: pos(position)}
	}
	s.touched[s.slot(p.name)] = res.Position.Commit
	w.respond(r, res, nil)
}

// flush writes and syncs the records built so far, publishes them and
// answers the requests handled so far.
func (w *writer) flush() {
	s := w.s
	if len(w.buf) > 0 && s.failed.Load() == nil {
		start := time.Now()
		// Write whole pages: the log after the durable end is zeros (zero-
		// filled segments, zeroed torn tails), so padding the write with
		// zeros to the next page boundary changes nothing on disk but spares
		// the kernel reading the last page before it can modify it.
		n := len(w.buf)
		pad := min(int64(align4k(w.off+int64(n))), w.s.segmentSize) - (w.off + int64(n))
		w.buf = append(w.buf, make([]byte, pad)...)
		_, err := w.seg.f.WriteAt(w.buf, w.off)
		w.buf = w.buf[:n]
		if err == nil {
			err = w.seg.f.Sync()
		}
		if err != nil {
			w.fail(fmt.Errorf("embedded: write %s at offset %d: %w", w.seg.name, w.off, err))
		} else {
			w.syncTime = (w.syncTime*7 + time.Since(start)) / 8
			w.off += int64(len(w.buf))
			w.publish()
		}
	}
	w.buf = w.buf[:0]
	w.flushPos = w.flushPos[:0]
	clear(w.pending)
	w.order = w.order[:0]
	w.pendUsed = 0
	failed := s.failed.Load()
	for i, rp := range w.replies {
		if failed != nil && rp.resp.err == nil {
			rp.resp = appendResp{err: *failed}
		}
		rp.req.done <- rp.resp
		w.replies[i] = reply{}
	}
	w.replies = w.replies[:0]
}

func (w *writer) publish() {
	s := w.s
	s.mu.Lock()
	a := s.active
	for _, p := range w.order {
		if len(p.positions) == 0 {
			continue
		}
		e := p.entry
		if e == nil {
			e = &memStream{name: p.name, first: p.first}
			a.streams[p.name] = e
		}
		e.positions = append(e.positions, p.positions...)
		e.last = p.last
		if p.first == 0 {
			a.created++
		}
	}
	a.all = append(a.all, w.flushPos...)
	s.durable = w.seg.base + uint64(w.off)
	close(s.notify)
	s.notify = make(chan struct{})
	s.mu.Unlock()
	w.writeHead(false)
}

// writeHead publishes the durable end to read-only readers in other
// processes. It costs a write to a second file, so while appends stream in
// it is written at most once a millisecond; force writes it now (the writer
// is about to go idle or stop).
func (w *writer) writeHead(force bool) {
	s := w.s
	if w.headPos == s.durable || (!force && time.Since(w.headTime) < time.Millisecond) {
		return
	}
	w.headPos, w.headTime = s.durable, time.Now()
	s.writeHead()
}

type spareSegment struct {
	f   vfs.File
	err error
}

// prepareSpare starts preparing the file of the next segment.
func (w *writer) prepareSpare() {
	ch := make(chan spareSegment, 1)
	w.spare = ch
	go func() {
		f, err := prepareSegment(w.s.fs, w.s.logDir, w.s.segmentSize)
		ch <- spareSegment{f, err}
	}()
}

// dropSpare waits for the spare segment and deletes it (on close).
func (w *writer) dropSpare() {
	if sp := <-w.spare; sp.err == nil {
		sp.f.Close()
		_ = w.s.fs.Remove(path.Join(w.s.logDir, spareName)) // open removes leftovers anyway
	}
}

// rotate seals the active segment and starts the next one at the position
// right after its last record. The sealed segment's index stays in memory
// (prev) while a background job writes its index file; the job of the
// segment sealed before must be done first, so at most one is pending.
func (w *writer) rotate() error {
	s := w.s
	if s.failed.Load() != nil {
		return *s.failed.Load()
	}
	if err := w.finishJob(true); err != nil {
		return err
	}
	next := w.seg.base + uint64(w.off)
	spare := <-w.spare // prepared in the background since the last rotation
	seg, err := (*segment)(nil), spare.err
	if err == nil {
		seg, err = installSegment(s.fs, s.logDir, spare.f, next, s.segmentSize)
	}
	w.prepareSpare() // only now: it reuses the spare's temporary name
	if err != nil {
		return fmt.Errorf("embedded: seal segment %s: %w", w.seg.name, err)
	}
	sealed, active := w.seg, newMemIndex(seg.base)
	seg.mem.Store(active)
	s.mu.Lock()
	s.segs = append(s.segs, seg)
	s.prev, s.active = s.active, active
	s.durable = next + segHeaderSize
	s.mu.Unlock()
	w.seg, w.off = seg, segHeaderSize
	w.startJob(sealed, s.prev, int64(next-sealed.base))
	return nil
}

// indexJob writes the index file of a sealed segment and prepares the head
// generations that will replace its in-memory index.
type indexJob struct {
	seg  *segment
	mem  *memIndex
	done chan struct{}
	// results, valid after done
	fi   *fileIndex
	gens []*headGen
	err  error
}

func (w *writer) startJob(seg *segment, mem *memIndex, dataEnd int64) {
	s := w.s
	j := &indexJob{seg: seg, mem: mem, done: make(chan struct{})}
	gens := s.gens // only the writer changes them, and not while a job runs
	w.job = j
	go func() {
		defer close(j.done)
		if j.fi, j.err = s.writeIndex(seg, mem, dataEnd); j.err == nil {
			j.gens = newHeadGens(mem, gens, s.headCache)
			_ = s.blooms.load(j.fi) // the newest segment's filter; a failure shows when it is used
		}
	}()
}

// finishJob installs the result of the index job, if there is one and it is
// done (or, with wait, once it is): the segment switches to its index file,
// its in-memory index is dropped, and its heads join the head cache.
func (w *writer) finishJob(wait bool) error {
	j := w.job
	if j == nil {
		return nil
	}
	if wait {
		<-j.done
	} else {
		select {
		case <-j.done:
		default:
			return nil
		}
	}
	w.job = nil
	if j.err != nil {
		return fmt.Errorf("embedded: write the index of %s: %w", j.seg.name, j.err)
	}
	s := w.s
	j.seg.fidx.Store(j.fi)
	s.mu.Lock()
	j.seg.mem.Store(nil)
	s.prev = nil
	s.gens = j.gens
	s.memFrom = j.gens[len(j.gens)-1].from
	s.mu.Unlock()
	return nil
}

// fail puts the store in the failed state: after a failed write or fsync
// the durable state of the log is unknown until it is reopened.
func (w *writer) fail(err error) {
	err = fmt.Errorf("%w: %w (it accepts no more appends; reopen it to recover)", ErrFailed, err)
	w.s.failed.CompareAndSwap(nil, &err)
}

// ErrFailed is wrapped by every append error after a write or fsync of the
// log failed: the store must be reopened (recovery then works from what is
// on disk).
var ErrFailed = errors.New("embedded: store failed")

const pageSize = 4096

func align4k(n int64) int64 { return (n + pageSize - 1) &^ (pageSize - 1) }

func pos(p uint64) eventstore.Position { return eventstore.Position{Commit: p, Prepare: p} }

// window remembers the (stream, event ID) pairs of the most recent events
// to recognise retried appends. Only the writer (and recovery, before it
// starts) uses it.
type window struct {
	size int
	ring []dupKey
	next int
	m    map[dupKey]dupVal
}

type dupKey struct {
	stream string
	id     eventstore.EventID
}

type dupVal struct {
	rev, pos uint64
	slot     int
}

func (w *window) add(stream string, id eventstore.EventID, rev, position uint64) {
	if w.m == nil {
		w.m = make(map[dupKey]dupVal, w.size)
	}
	k := dupKey{stream, id}
	slot := len(w.ring)
	if slot < w.size {
		w.ring = append(w.ring, k)
	} else {
		slot = w.next
		if v, ok := w.m[w.ring[slot]]; ok && v.slot == slot {
			delete(w.m, w.ring[slot])
		}
		w.ring[slot] = k
		w.next = (w.next + 1) % w.size
	}
	w.m[k] = dupVal{rev: rev, pos: position, slot: slot}
}

func (w *window) lookup(stream string, id eventstore.EventID) (dupVal, bool) {
	v, ok := w.m[dupKey{stream, id}]
	return v, ok
}
