package embedded

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// Retention, and the scavenge pass that applies it.
//
// A scavenge pass reads the sealed segments oldest first and rewrites each
// one that holds events to remove: a new file of the same base where every
// remaining record sits at its old offset (so keeps its position) and each
// run of removed records is a gap record followed by a hole (record.go), so
// the file system gets the space back. The new file and its index file are
// written under temporary names and synced; then the truncations are
// reported (Retention.BeforeRemove: serve records signed markers); then
// both are renamed into place and the directory synced. Each file names the
// segment's generation, which the rewrite increments, so a crash between the
// two renames leaves a pair whose generations differ, and open rebuilds the
// index from the segment; a crash before them leaves temporary files that
// open deletes. Readers that started before the switch finish on the old
// files, whose descriptors are closed once no read is in flight.
//
// What is removed, per segment and stream: the longest run of the stream's
// records in the segment, from its first one there, that are all expired
// (older than the stream's rule allows, by the time the store recorded
// them), not held (Retention.Holds) and not the stream's last event. So a
// stream keeps consecutive revisions within every segment, which is what
// the index files require; a held event keeps the expired events after it
// in the same segment until the hold is lifted (at most a segment's worth).
// The last event of a stream is always kept, as in EventStoreDB: it carries
// the stream's revision and chain head, which the next append continues.
//
// The pass does its own reads through the page cache at a bounded rate
// (Retention.IORate), never holds a lock the writer needs, and appends
// continue at full speed meanwhile.

// RetentionRule gives the streams whose names start with Prefix a maximum
// age. The longest matching prefix decides; a MaxAge of 0 keeps them for
// good (to exempt, say, one tenant's logs from a shorter general rule).
type RetentionRule struct {
	Prefix string
	MaxAge time.Duration
}

// Retention configures a scavenge pass.
type Retention struct {
	Rules []RetentionRule
	// Holds, when set, is called at the start of the pass with the position
	// of the last event then (eventstore.Start for an empty store), and
	// returns the legal holds as of that position: a function that reports
	// whether an event must be kept although it expired.
	Holds func(ctx context.Context, upTo eventstore.Position) (func(stream string, id eventstore.EventID) bool, error)
	// BeforeRemove, when set, is called with the runs of events a segment
	// rewrite removes, before the removal takes effect (and with nothing
	// yet removed when it fails, which ends the pass with its error).
	BeforeRemove func(ctx context.Context, cuts []eventstore.Truncation) error
	// IORate bounds the bytes per second the pass reads and writes; 0
	// means DefaultScavengeRate.
	IORate int64
}

// DefaultScavengeRate is the scavenger's I/O rate when Retention.IORate is 0.
const DefaultScavengeRate = 32 << 20

// ScavengeReport says what a pass did.
type ScavengeReport struct {
	// Segments is how many sealed segments the pass read, Rewritten how
	// many it rewrote.
	Segments, Rewritten int
	// Removed counts the events removed. Held counts the expired events
	// kept for a legal hold (with the expired events after them in the same
	// segment and stream), Heads the expired events kept as the last event
	// of their stream.
	Removed, Held, Heads int64
	// BytesFreed is the disk space the rewrites gave back.
	BytesFreed int64
}

// ErrBadRetention: a retention rule is not valid.
var ErrBadRetention = errors.New("embedded: invalid retention rule")

func (r *Retention) validate() error {
	for i, rule := range r.Rules {
		switch {
		case rule.Prefix == "":
			return fmt.Errorf("%w: rule %d: empty stream prefix", ErrBadRetention, i+1)
		case rule.MaxAge < 0:
			return fmt.Errorf("%w: rule %d (%s): negative maximum age %s", ErrBadRetention, i+1, rule.Prefix, rule.MaxAge)
		}
	}
	return nil
}

// maxAge returns the maximum age of stream, or 0 when it is kept for good.
func (r *Retention) maxAge(stream []byte) time.Duration {
	best, age := -1, time.Duration(0)
	for _, rule := range r.Rules {
		if len(rule.Prefix) > best && len(stream) >= len(rule.Prefix) && string(stream[:len(rule.Prefix)]) == rule.Prefix {
			best, age = len(rule.Prefix), rule.MaxAge
		}
	}
	return age
}

// Scavenge runs one scavenge pass with the given retention; see the
// description at the top of scavenge.go. Passes do not overlap: a call
// waits for the one running. It returns early, with what it did so far,
// when ctx ends or the store closes.
func (s *Store) Scavenge(ctx context.Context, r Retention) (ScavengeReport, error) {
	var rep ScavengeReport
	if s.readOnly {
		return rep, fmt.Errorf("embedded: scavenge: %w", eventstore.ErrReadOnly)
	}
	if err := r.validate(); err != nil {
		return rep, err
	}
	minAge := time.Duration(0)
	for _, rule := range r.Rules {
		if rule.MaxAge > 0 && (minAge == 0 || rule.MaxAge < minAge) {
			minAge = rule.MaxAge
		}
	}
	s.scavMu.Lock()
	defer s.scavMu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	defer s.closeRetired()
	if err := s.beginRead(ctx); err != nil {
		return rep, fmt.Errorf("embedded: scavenge: %w", err)
	}
	s.mu.RLock()
	segs := s.segs
	last := s.lastPosition()
	s.mu.RUnlock()
	s.closeMu.RUnlock()
	if minAge == 0 {
		return rep, nil
	}
	held := func(string, eventstore.EventID) bool { return false }
	if r.Holds != nil {
		h, err := r.Holds(ctx, pos(last))
		if err != nil {
			return rep, fmt.Errorf("embedded: scavenge: legal holds: %w", err)
		}
		held = h
	}
	sc := &scavenger{s: s, r: &r, now: s.now(), minAge: minAge, held: held,
		pace: newPacer(cmp.Or(r.IORate, DefaultScavengeRate)), segs: segs, heads: map[string]uint64{}, rep: &rep}
	// The two newest segments are the active one and the one whose index
	// file may still be being written.
	for i := 0; i+2 < len(segs); i++ {
		seg := segs[i]
		fi := seg.fidx.Load()
		if fi == nil || seg.replaced.Load() {
			continue
		}
		young, err := sc.segment(ctx, seg, fi)
		if err != nil {
			if ctx.Err() != nil && s.isClosed() {
				err = eventstore.ErrClosed
			}
			return rep, fmt.Errorf("embedded: scavenge %s: %w", seg.name, err)
		}
		if young {
			break
		}
	}
	return rep, nil
}

// lastPosition returns the position of the last durable record (0 when
// there is none). The caller holds mu.
func (s *Store) lastPosition() uint64 {
	for i := len(s.segs) - 1; i >= 0; i-- {
		fi, mem := s.segs[i].index()
		switch {
		case mem != nil && len(mem.all) > 0:
			return mem.all[len(mem.all)-1]
		case fi != nil && fi.records > 0:
			return fi.lastPos
		}
	}
	return 0
}

func (s *Store) isClosed() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

type scavenger struct {
	s      *Store
	r      *Retention
	now    time.Time
	minAge time.Duration
	held   func(stream string, id eventstore.EventID) bool
	pace   *pacer
	segs   []*segment
	heads  map[string]uint64 // stream → last revision, as looked up this pass
	rep    *ScavengeReport
}

// maxHeadMemo bounds the stream heads a pass remembers.
const maxHeadMemo = 1 << 16

// scanItem is a record of the segment being scavenged.
type scanItem struct {
	off    int64
	size   int // framed size (gapSize for a gap)
	span   int
	remove bool // a gap, or an event to remove
}

// streamCut follows one stream through the segment: the run of its records
// from its first one here that are all removable.
type streamCut struct {
	first, count uint64 // revisions of the stream here
	items        []int  // scan items of the removable run
	stopped      bool   // a record that must stay ended the run
	prev         eventstore.Hash
	hash, penult eventstore.Hash // of the run's last record, and of the one before
}

// segment scavenges one sealed segment. young reports that its first event
// is younger than every rule's maximum age, so no later segment has
// anything to remove either.
func (sc *scavenger) segment(ctx context.Context, seg *segment, fi *fileIndex) (young bool, err error) {
	s := sc.s
	sc.rep.Segments++
	var items []scanItem
	cuts := map[string]*streamCut{}
	var order []string
	first := true
	expired := 0
	_, err = s.scanSegment(seg, segHeaderSize, fi.dataEnd, func(_ *segment, off int64, rec *parsedRecord) error {
		if err := sc.pace.wait(ctx, rec.size); err != nil {
			return err
		}
		if rec.gap {
			items = append(items, scanItem{off: off, size: rec.size, span: rec.span, remove: true})
			return nil
		}
		age := sc.now.Sub(time.Unix(0, rec.created))
		if first {
			first = false
			if age <= sc.minAge {
				young = true
				return errStopScan
			}
		}
		items = append(items, scanItem{off: off, size: rec.size, span: rec.span})
		maxAge := sc.r.maxAge(rec.stream)
		if maxAge == 0 {
			return nil // kept for good: nothing to follow
		}
		c := cuts[string(rec.stream)]
		if c == nil {
			c = &streamCut{first: rec.revision, prev: rec.prev}
			cuts[string(rec.stream)] = c
			order = append(order, string(rec.stream))
		}
		c.count++
		if c.stopped {
			return nil
		}
		switch {
		case age <= maxAge:
			c.stopped = true
		case sc.held(string(rec.stream), rec.id):
			c.stopped = true
			sc.rep.Held++
		default:
			c.items = append(c.items, len(items)-1)
			c.penult, c.hash = c.hash, rec.hash
			expired++
		}
		return nil
	})
	if errors.Is(err, errStopScan) {
		return young, nil
	}
	if err != nil || expired == 0 {
		return false, err
	}
	// Keep a stream's last event: only a stream whose records here are all
	// removable can have it here.
	var truncs []eventstore.Truncation
	removed := 0
	for _, name := range order {
		c := cuts[name]
		if len(c.items) == 0 {
			continue
		}
		if uint64(len(c.items)) == c.count {
			last := c.first + c.count - 1
			head, err := sc.head(ctx, name, last)
			if err != nil {
				return false, err
			}
			if head == last {
				c.items = c.items[:len(c.items)-1]
				sc.rep.Heads++
				if len(c.items) == 0 {
					continue
				}
				c.hash = c.penult
			}
		}
		for _, i := range c.items {
			items[i].remove = true
		}
		removed += len(c.items)
		truncs = append(truncs, eventstore.Truncation{Stream: name, From: c.first, To: c.first + uint64(len(c.items)) - 1, Prev: c.prev, Hash: c.hash})
	}
	if removed == 0 {
		return false, nil
	}
	if err := sc.rewrite(ctx, seg, fi, items, truncs); err != nil {
		return false, err
	}
	sc.rep.Rewritten++
	sc.rep.Removed += int64(removed)
	return false, nil
}

// errStopScan ends a scan early without an error.
var errStopScan = errors.New("embedded: scan stopped")

// head returns the last revision of stream (which has revision last in the
// segment being scavenged), from the writer's memory or the index files.
func (sc *scavenger) head(ctx context.Context, name string, last uint64) (uint64, error) {
	if h, ok := sc.heads[name]; ok && h != last {
		return h, nil
	}
	s := sc.s
	if err := s.beginRead(ctx); err != nil {
		return 0, err
	}
	defer s.closeMu.RUnlock()
	h, err := s.lookupHead(ctx, name)
	if err != nil {
		return 0, err
	}
	if !h.found {
		return 0, fmt.Errorf("stream %q not found while looking up its head", name)
	}
	if len(sc.heads) >= maxHeadMemo {
		clear(sc.heads) // a cache: bounded, whatever the number of streams
	}
	sc.heads[name] = h.head.rev
	return h.head.rev, nil
}

// rewrite writes the segment without the records marked removed, reports
// the truncations, and switches the store to the new file.
func (sc *scavenger) rewrite(ctx context.Context, seg *segment, fi *fileIndex, items []scanItem, truncs []eventstore.Truncation) error {
	s := sc.s
	dataEnd := fi.dataEnd
	segName := path.Join(s.logDir, segmentFileName(seg.base))
	idxName := path.Join(s.logDir, indexFileName(seg.base))
	segTmp, idxTmp := segName+tmpSuffix, idxName+".scavenge"+tmpSuffix
	before, err := diskUsage(seg.f, fi.f)
	if err != nil {
		return err
	}
	size, err := seg.f.Size()
	if err != nil {
		return err
	}
	f, err := s.fs.OpenFile(segTmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			_ = s.fs.Remove(segTmp)
			_ = s.fs.Remove(idxTmp)
		}
	}()
	next := &segment{base: seg.base, gen: seg.gen + 1, name: segName, f: f}
	m := newMemIndex(seg.base)
	w := segWriter{f: f, pace: sc.pace, ctx: ctx}
	if err := w.write(encodeSegHeader(seg.base, size, next.gen), 0); err != nil {
		return err
	}
	gapStart := int64(-1)
	endGap := func(end int64) error {
		if gapStart < 0 {
			return nil
		}
		m.addGap(seg.base + uint64(gapStart))
		err := w.write(encodeGap(seg.base+uint64(gapStart), int(end-gapStart)), gapStart)
		gapStart = -1
		return err
	}
	var buf []byte
	for i := 0; i < len(items); {
		it := items[i]
		if it.remove {
			if gapStart < 0 {
				gapStart = it.off
			}
			i++
			continue
		}
		if err := endGap(it.off); err != nil {
			return err
		}
		// Copy the run of kept records that starts here, up to 1 MiB at a time.
		j, end := i, it.off
		for j < len(items) && !items[j].remove && end-it.off < 1<<20 {
			end += int64(items[j].size)
			j++
		}
		if cap(buf) < int(end-it.off) {
			buf = make([]byte, end-it.off)
		}
		b := buf[:end-it.off]
		if err := sc.pace.wait(ctx, len(b)); err != nil {
			return err
		}
		if n, err := seg.f.ReadAt(b, it.off); n < len(b) {
			return fmt.Errorf("read %s at %d: %w", seg.name, it.off, err)
		}
		for k := i; k < j; k++ {
			o := items[k].off - it.off
			var rec parsedRecord
			if err := parseRecord(b[o:o+int64(items[k].size)], seg.base+uint64(items[k].off), &rec); err != nil {
				return &CorruptionError{Segment: seg.name, Offset: items[k].off, Reason: "record changed while the segment was scavenged: " + err.Error()}
			}
			if err := m.add(next, items[k].off, &rec); err != nil {
				return err
			}
		}
		if err := w.write(b, it.off); err != nil {
			return err
		}
		i = j
	}
	if err := endGap(dataEnd); err != nil {
		return err
	}
	if err := f.Truncate(dataEnd); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := s.stageIndex(next, m, dataEnd, idxTmp); err != nil {
		return err
	}
	if sc.r.BeforeRemove != nil {
		if err := sc.r.BeforeRemove(ctx, truncs); err != nil {
			return fmt.Errorf("record truncations: %w", err)
		}
	}
	// From here on the old segment's index must not be rebuilt under its
	// file name, which becomes the new one's.
	seg.repairMu.Lock()
	seg.replaced.Store(true)
	seg.repairMu.Unlock()
	if err := s.beginRead(ctx); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	err = s.fs.Rename(segTmp, segName)
	if err == nil {
		err = s.fs.Rename(idxTmp, idxName)
	}
	if err == nil {
		err = s.fs.SyncDir(s.logDir)
	}
	if err != nil {
		// The store goes on with the old files it has open; open sorts out
		// whatever pair is on disk (generations tell).
		return fmt.Errorf("switch to the rewritten segment: %w", err)
	}
	done = true
	nfi, err := openFileIndex(s.fs, s.logDir, next, dataEnd)
	if err != nil {
		var de *indexDamagedError
		if !errors.As(err, &de) {
			return fmt.Errorf("open the rewritten segment's index: %w", err)
		}
		next.mem.Store(m) // keep it in memory; open rebuilds the file
	} else {
		next.fidx.Store(nfi)
	}
	after, _ := diskUsage(f, indexFile(nfi))
	s.blooms.drop(fi)
	s.mu.Lock()
	segs := slices.Clone(s.segs)
	if i := slices.Index(segs, seg); i >= 0 {
		segs[i] = next
	}
	s.segs = segs
	s.era++
	s.retired = append(s.retired, seg.f, fi.f)
	s.mu.Unlock()
	sc.rep.BytesFreed += before - after
	return nil
}

func indexFile(fi *fileIndex) vfs.File {
	if fi == nil {
		return nil
	}
	return fi.f
}

func diskUsage(files ...vfs.File) (int64, error) {
	var total int64
	for _, f := range files {
		if f == nil {
			continue
		}
		n, err := vfs.DiskUsage(f)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// segWriter writes a rewritten segment at the scavenge rate, syncing every
// few MiB so that its final sync never has much to write at once (a large
// writeback would delay the writer's own syncs).
type segWriter struct {
	f        vfs.File
	pace     *pacer
	ctx      context.Context
	unsynced int
}

func (w *segWriter) write(b []byte, off int64) error {
	if err := w.pace.wait(w.ctx, len(b)); err != nil {
		return err
	}
	if _, err := w.f.WriteAt(b, off); err != nil {
		return err
	}
	w.unsynced += len(b)
	if w.unsynced >= 8<<20 {
		w.unsynced = 0
		return w.f.Sync()
	}
	return nil
}

// closeRetired closes the files that scavenge rewrites and index rebuilds
// replaced, once no read or append is in flight (one may still use the old
// files); if reads keep coming, they wait for a later pass, or Close.
func (s *Store) closeRetired() {
	for range 50 {
		if s.closeMu.TryLock() {
			if !s.closed {
				s.mu.Lock()
				retired := s.retired
				s.retired = nil
				s.mu.Unlock()
				for _, f := range retired {
					_ = f.Close() // read-only descriptors of replaced files
				}
			}
			s.closeMu.Unlock()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pacer spreads I/O over time at a given rate.
type pacer struct {
	rate  float64 // bytes per second
	start time.Time
	bytes int64
}

func newPacer(rate int64) *pacer { return &pacer{rate: float64(rate), start: time.Now()} }

// wait accounts for n bytes and sleeps while the pass is ahead of its rate.
func (p *pacer) wait(ctx context.Context, n int) error {
	p.bytes += int64(n)
	due := p.start.Add(time.Duration(float64(p.bytes) / p.rate * float64(time.Second)))
	d := time.Until(due)
	if d < 2*time.Millisecond {
		if d < -time.Second {
			// Idle for a while (or slow I/O): do not burst to catch up.
			p.start, p.bytes = time.Now(), 0
		}
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
