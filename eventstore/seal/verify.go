package seal

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"

	"github.com/socledger/socledger/eventstore"
)

// ErrTampered: the store does not match its hash chains or its seals. The
// error is a *MismatchError.
var ErrTampered = errors.New("seal: the event store does not match its hash chains or seals")

// MismatchError names the first event that does not match.
type MismatchError struct {
	Stream   string
	Revision uint64
	Position eventstore.Position
	Reason   string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("stream %s revision %d (position %s): %s", e.Stream, e.Revision, e.Position, e.Reason)
}

// Is makes errors.Is(err, ErrTampered) true.
func (e *MismatchError) Is(target error) bool { return target == ErrTampered }

// Report summarises a verification that passed.
type Report struct {
	// Events and Streams are how many events and streams were checked.
	Events  uint64
	Streams int
	// Seals is how many seals were checked.
	Seals uint64
	// Truncations is how many truncation markers were checked; Removed
	// counts the events absent from the log (removed by retention) that
	// those markers account for.
	Truncations uint64
	Removed     uint64
	// SealedUpTo is the position covered by the last system seal (Start
	// when there is none); Unsealed counts the events after it.
	SealedUpTo eventstore.Position
	Unsealed   uint64
	// End is the position verification read up to.
	End eventstore.Position
}

// VerifyOptions tunes Verify.
type VerifyOptions struct {
	// PageSize is how many events each read returns; 0 means 1024.
	PageSize int
	// Progress, when set, is called after each page with the events
	// checked so far.
	Progress func(events uint64)
}

type streamState struct {
	seen bool   // the scan met an event of the stream
	next uint64 // the revision expected next
	last eventstore.Hash
	// gaps are the runs of revisions missing from the chain, and heads
	// the revisions seals named that were missing from the log when the
	// seal was met: both are checked against the markers at the end.
	gaps  []gap
	heads []removedHead
}

// gap is a run of revisions missing from a stream's chain in the log: from
// to to, inclusive, before the kept event at revision to+1.
type gap struct {
	order    uint64 // its place among the deferred checks (log order)
	from, to uint64
	// before is the hash of revision from-1 (zero when from is 0), after
	// the kept event's prev link.
	before, after eventstore.Hash
	keptPos       eventstore.Position
}

// removedHead is a sealed head missing from the log where its seal was
// met. Old seals name many heads that retention removed since, so it is
// kept small.
type removedHead struct {
	order uint64
	rev   uint64
	hash  eventstore.Hash
	seal  int // index in verifier.seals
}

// sealRef names a seal event that named removed heads.
type sealRef struct {
	stream   string
	revision uint64
	position eventstore.Position
	seq      uint64
}

// present reports whether the scan met revision rev of st's stream.
func (st *streamState) present(rev uint64) bool {
	if st == nil || rev >= st.next {
		return false
	}
	for _, g := range st.gaps {
		if g.from <= rev && rev <= g.to {
			return false
		}
	}
	return true
}

type auditState struct {
	seq  uint64
	hash string
}

// claim is what a marker run says about a revision's hash: the hash of
// revision point-1, keyed by point (so that point 0, "before revision 0",
// is the zero hash). marker is the marker event (stream, revision and
// position only).
type claim struct {
	hash   eventstore.Hash
	marker *eventstore.RecordedEvent
}

// runSpan is a range of revisions of one stream covered by marker runs.
type runSpan struct{ from, to uint64 }

type verifier struct {
	store  eventstore.Store
	pub    ed25519.PublicKey
	rep    *Report
	audits map[string]*auditState
	// streams holds the state of every stream met or named by a seal.
	streams map[string]*streamState
	// runs and claims hold the runs of the markers met, per stream, and
	// what they say about hashes (checked to agree as markers are met).
	// mergeRuns sorts and merges runs once every marker is met.
	runs   map[string][]runSpan
	claims map[string]map[uint64]claim
	// seals are the seals that named removed heads; deferred counts the
	// gaps and removed heads, the checks that need every marker.
	seals    []sealRef
	deferred uint64
	// preloaded holds, per audit stream whose markers were read ahead of
	// the scan (see preload), the first revision not read then; its markers
	// before it are not taken again when the scan meets them. broken marks
	// the audit streams whose read-ahead met a problem (the scan reports it
	// in its place).
	preloaded map[string]uint64
	broken    map[string]bool
}

// Verify reads the whole store in global order and checks every stream's
// hash chain (revisions in order, each event's Prev the hash of the one
// before, each Hash recomputed from the event's stored bytes) and every
// seal (signed by pub, chained to the previous seal of its audit stream, and
// naming stream heads whose stored hashes match). It stops at the first
// problem and returns it as a *MismatchError naming the stream and
// revision; a store that could not be read returns another error.
// Events appended while Verify runs are checked up to the end of the log
// as Verify first finds it.
//
// Revisions missing from a chain (events removed by retention) must be
// accounted for by truncation markers signed by pub: every run of missing
// revisions must lie inside the union of the runs that markers record for
// that stream; a marker run must end where it ends, with the kept event's
// prev link as its hash; unless it starts at revision 0, a marker run must
// start where it starts, with the hash of the event before it as its prev
// link; and runs that meet must agree on the hash where they meet. The
// kept event's own hash must still recompute. A seal may name a head that
// retention removed since: it must lie inside a marker run, and a run that
// ends at it must record the sealed hash. Markers are appended long after
// the events they cover: the gap checks wait until the whole log has been
// read, and at the first removed head a seal names, the markers of its audit
// stream are read ahead so that removed heads are checked at once (old seals
// name many heads retention removed since; keeping them all until the end
// would grow with the store's age). Of the problems found, the first in log
// order is returned.
func Verify(ctx context.Context, store eventstore.Store, pub ed25519.PublicKey, opts VerifyOptions) (Report, error) {
	var rep Report
	if len(pub) != ed25519.PublicKeySize {
		return rep, fmt.Errorf("seal: public key is %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	pageSize := opts.PageSize
	if pageSize <= 0 {
		pageSize = 1024
	}
	v := &verifier{
		store:     store,
		pub:       pub,
		rep:       &rep,
		audits:    map[string]*auditState{},
		streams:   map[string]*streamState{},
		runs:      map[string][]runSpan{},
		claims:    map[string]map[uint64]claim{},
		preloaded: map[string]uint64{},
		broken:    map[string]bool{},
	}
	var from eventstore.Position
	for {
		page, err := store.ReadAll(ctx, from, pageSize, eventstore.Filter{})
		if err != nil {
			return rep, fmt.Errorf("seal: verify: read after %s: %w", from, err)
		}
		for i := range page.Events {
			ev := &page.Events[i]
			if err := v.event(ctx, ev); err != nil {
				if isMarker(ev) {
					// A bad marker is the problem itself, whatever the
					// runs before it that it would have covered.
					return rep, err
				}
				return rep, v.firstProblem(ctx, ev.Position, pageSize, err)
			}
		}
		from = page.Checkpoint
		rep.End = from
		if opts.Progress != nil {
			opts.Progress(rep.Events)
		}
		if page.AtEnd {
			break
		}
	}
	if err := v.finish(ctx); err != nil {
		return rep, err
	}
	// Count the events after the last seal, up to where the check ended.
	for pos := rep.SealedUpTo; pos.Compare(rep.End) < 0; {
		page, err := store.ReadAll(ctx, pos, pageSize, eventstore.Filter{})
		if err != nil {
			return rep, fmt.Errorf("seal: verify: read after %s: %w", pos, err)
		}
		for _, ev := range page.Events {
			if ev.Position.Compare(rep.End) <= 0 && !isAudit(ev.StreamID) {
				rep.Unsealed++
			}
		}
		if page.AtEnd || len(page.Events) == 0 {
			break
		}
		pos = page.Checkpoint
	}
	return rep, nil
}

// event checks one event read from the log.
func (v *verifier) event(ctx context.Context, ev *eventstore.RecordedEvent) error {
	st := v.streams[ev.StreamID]
	if st == nil {
		st = &streamState{}
		v.streams[ev.StreamID] = st
	}
	if !st.seen {
		st.seen = true
		v.rep.Streams++
	}
	if err := v.checkChain(ev, st); err != nil {
		return err
	}
	st.next, st.last = ev.Revision+1, ev.Hash
	v.rep.Events++
	if !isAudit(ev.StreamID) {
		return nil
	}
	switch ev.Type {
	case EventType:
		to, err := v.checkSeal(ctx, ev)
		if err != nil {
			return err
		}
		v.rep.Seals++
		if ev.StreamID == SystemStream {
			v.rep.SealedUpTo = to
		}
	case TruncatedEventType:
		if next, ok := v.preloaded[ev.StreamID]; ok && ev.Revision < next {
			return nil // taken, and counted, by preload
		}
		if err := v.checkMarker(ev); err != nil {
			return err
		}
		v.rep.Truncations++
	}
	return nil
}

// isMarker reports whether ev is a truncation marker.
func isMarker(ev *eventstore.RecordedEvent) bool {
	return ev.Type == TruncatedEventType && isAudit(ev.StreamID)
}

// firstProblem returns the first problem in log order when the scan found
// err at position at: a deferred check of an event before it (a removed run
// or a removed sealed head that no marker accounts for) comes first. It
// reads the rest of the log for the markers those checks need.
func (v *verifier) firstProblem(ctx context.Context, at eventstore.Position, pageSize int, err error) error {
	if v.deferred == 0 || !errors.Is(err, ErrTampered) {
		return err
	}
	for from := at; ; {
		page, rerr := v.store.ReadAll(ctx, from, pageSize, eventstore.Filter{EventTypePrefixes: []string{TruncatedEventType}})
		if rerr != nil {
			return err
		}
		for i := range page.Events {
			if ev := &page.Events[i]; isMarker(ev) {
				_ = v.checkMarker(ev) // a bad marker after the problem accounts for nothing
			}
		}
		if page.AtEnd {
			break
		}
		from = page.Checkpoint
	}
	if derr := v.finish(ctx); derr != nil {
		return derr
	}
	return err
}

// finish runs the deferred checks once every marker has been met, and
// returns the problem that comes first in log order.
func (v *verifier) finish(ctx context.Context) error {
	if v.deferred == 0 {
		return nil
	}
	v.mergeRuns()
	var (
		first      error
		firstOrder uint64
		removed    uint64
	)
	found := func(order uint64, err error) {
		if first == nil || order < firstOrder {
			first, firstOrder = err, order
		}
	}
	for stream, st := range v.streams {
		for _, g := range st.gaps {
			if err := v.checkGap(stream, g); err != nil {
				found(g.order, err)
				continue
			}
			removed += g.to - g.from + 1
		}
		for _, h := range st.heads {
			if err := v.checkHead(ctx, stream, st, h); err != nil {
				if !errors.Is(err, ErrTampered) {
					return err
				}
				found(h.order, err)
			}
		}
	}
	if first != nil {
		return first
	}
	v.rep.Removed = removed
	return nil
}

// checkChain checks an event against its stream's chain so far. Missing
// revisions before it are recorded as a gap that markers must account for
// at the end; the chain goes on from the event.
func (v *verifier) checkChain(ev *eventstore.RecordedEvent, st *streamState) error {
	mismatch := func(format string, args ...any) error {
		return &MismatchError{Stream: ev.StreamID, Revision: ev.Revision, Position: ev.Position, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case ev.Revision < st.next:
		return mismatch("appears after revision %d in the log: events are out of order or repeated", st.next-1)
	case ev.Revision == st.next && ev.Prev != st.last:
		return mismatch("its prev link %s is not the hash %s of revision %d before it", ev.Prev, st.last, int64(ev.Revision)-1)
	}
	if h := eventstore.ChainHash(ev.StreamID, ev.Revision, ev.Type, ev.Data, ev.Metadata, ev.Prev); h != ev.Hash {
		return mismatch("its stored bytes hash to %s but its recorded hash is %s: the event was changed after it was written", h, ev.Hash)
	}
	if ev.Revision > st.next {
		st.gaps = append(st.gaps, gap{order: v.deferred, from: st.next, to: ev.Revision - 1, before: st.last, after: ev.Prev, keptPos: ev.Position})
		v.deferred++
	}
	return nil
}

// checkGap checks that marker runs account for the missing revisions g of
// stream.
func (v *verifier) checkGap(stream string, g gap) error {
	kept := g.to + 1
	mismatch := func(format string, args ...any) error {
		return &MismatchError{Stream: stream, Revision: kept, Position: g.keptPos, Reason: fmt.Sprintf(format, args...)}
	}
	missing := fmt.Sprintf("revisions %d to %d are missing (removed events)", g.from, g.to)
	switch {
	case g.from == 0:
		missing = fmt.Sprintf("the stream starts at revision %d: revisions 0 to %d are missing (removed events)", kept, g.to)
	case g.from == g.to:
		missing = fmt.Sprintf("revision %d is missing (a removed event)", g.from)
	}
	if ok, first := v.covered(stream, g.from, g.to); !ok {
		if first != g.from {
			return mismatch("%s and no signed truncation marker covers them (markers cover revisions %d to %d only)", missing, g.from, first-1)
		}
		return mismatch("%s and no signed truncation marker covers them", missing)
	}
	claims := v.claims[stream]
	end, ok := claims[g.to+1]
	switch {
	case !ok:
		return mismatch("%s; signed truncation markers cover them, but none ends at revision %d to link the chain to this event", missing, g.to)
	case end.hash != g.after:
		return mismatch("%s; its prev link %s is not the hash %s of revision %d recorded by the truncation marker at %s revision %d", missing, g.after, end.hash, g.to, end.marker.StreamID, end.marker.Revision)
	}
	if g.from > 0 {
		start, ok := claims[g.from]
		switch {
		case !ok:
			return mismatch("%s; signed truncation markers cover them, but none starts at revision %d to link the chain from revision %d", missing, g.from, g.from-1)
		case start.hash != g.before:
			return mismatch("%s; revision %d hashes to %s, not to the prev link %s recorded by the truncation marker at %s revision %d", missing, g.from-1, g.before, start.hash, start.marker.StreamID, start.marker.Revision)
		}
	}
	return nil
}

// checkMarker checks a truncation marker and records its runs.
func (v *verifier) checkMarker(ev *eventstore.RecordedEvent) error {
	bad := func(format string, args ...any) error {
		return &MismatchError{Stream: ev.StreamID, Revision: ev.Revision, Position: ev.Position, Reason: "truncation marker: " + fmt.Sprintf(format, args...)}
	}
	m, err := decodeMarker(ev.Data)
	if err != nil {
		return bad("%v", err)
	}
	if err := m.verifySignature(ev.StreamID, v.pub); err != nil {
		return bad("%v", err)
	}
	for _, r := range m.Runs {
		if want := AuditStream(r.Stream); want != ev.StreamID {
			return bad("names %s, whose truncations are recorded in %s", r, want)
		}
	}
	// Check the runs against the hashes other runs (of this marker and of
	// earlier ones) record before keeping any, and keep the marker's
	// identity, not its payload.
	at := &eventstore.RecordedEvent{StreamID: ev.StreamID, Revision: ev.Revision, Position: ev.Position}
	type point struct {
		stream string
		point  uint64
	}
	added := map[point]claim{}
	for _, r := range m.Runs {
		for _, c := range []struct {
			point uint64
			hash  eventstore.Hash
		}{{r.From, r.Prev}, {r.To + 1, r.Hash}} {
			old, ok := v.claims[r.Stream][c.point]
			if !ok {
				old, ok = added[point{r.Stream, c.point}]
			}
			switch {
			case !ok:
				added[point{r.Stream, c.point}] = claim{hash: c.hash, marker: at}
			case old.hash != c.hash:
				return bad("run %s says revision %d hashes to %s, but the marker at %s revision %d says %s", r, c.point-1, c.hash, old.marker.StreamID, old.marker.Revision, old.hash)
			}
		}
	}
	for p, c := range added {
		claims := v.claims[p.stream]
		if claims == nil {
			claims = map[uint64]claim{}
			v.claims[p.stream] = claims
		}
		claims[p.point] = c
	}
	for _, r := range m.Runs {
		v.runs[r.Stream] = append(v.runs[r.Stream], runSpan{r.From, r.To})
	}
	return nil
}

// mergeRuns sorts every stream's marker runs and merges those that overlap
// or meet.
func (v *verifier) mergeRuns() {
	for stream, spans := range v.runs {
		slices.SortFunc(spans, func(a, b runSpan) int { return cmp.Compare(a.from, b.from) })
		merged := spans[:0]
		for _, sp := range spans {
			if n := len(merged); n > 0 && sp.from <= merged[n-1].to+1 {
				merged[n-1].to = max(merged[n-1].to, sp.to)
				continue
			}
			merged = append(merged, sp)
		}
		v.runs[stream] = merged
	}
}

// covered reports whether marker runs cover revisions from to to of
// stream, and if not the first revision they leave uncovered.
func (v *verifier) covered(stream string, from, to uint64) (bool, uint64) {
	spans := v.runs[stream]
	// The last span starting at or before from.
	i, found := slices.BinarySearchFunc(spans, from, func(sp runSpan, rev uint64) int { return cmp.Compare(sp.from, rev) })
	if !found {
		i--
	}
	if i < 0 || spans[i].to < from {
		return false, from
	}
	if spans[i].to >= to {
		return true, 0
	}
	return false, spans[i].to + 1
}

// checkSeal checks a seal event and returns the position it covers.
func (v *verifier) checkSeal(ctx context.Context, ev *eventstore.RecordedEvent) (eventstore.Position, error) {
	bad := func(format string, args ...any) error {
		return &MismatchError{Stream: ev.StreamID, Revision: ev.Revision, Position: ev.Position, Reason: "seal: " + fmt.Sprintf(format, args...)}
	}
	sl, err := decode(ev.Data)
	if err != nil {
		return eventstore.Start, bad("%v", err)
	}
	if err := sl.verifySignature(ev.StreamID, v.pub); err != nil {
		return eventstore.Start, bad("%v", err)
	}
	prev := v.audits[ev.StreamID]
	if prev == nil {
		prev = &auditState{}
		v.audits[ev.StreamID] = prev
	}
	if sl.Seq != prev.seq+1 || sl.Prev != prev.hash {
		return eventstore.Start, bad("seal #%d names previous seal %q, but the previous seal of this stream is #%d %q: a seal was removed or reordered", sl.Seq, sl.Prev, prev.seq, prev.hash)
	}
	ref := -1
	deferHead := func(h Head) {
		if ref < 0 {
			v.seals = append(v.seals, sealRef{stream: ev.StreamID, revision: ev.Revision, position: ev.Position, seq: sl.Seq})
			ref = len(v.seals) - 1
		}
		st := v.streams[h.Stream]
		if st == nil {
			st = &streamState{}
			v.streams[h.Stream] = st
		}
		st.heads = append(st.heads, removedHead{order: v.deferred, rev: h.Revision, hash: h.Hash, seal: ref})
		v.deferred++
	}
	// With the seal's audit stream's markers read ahead (at the first
	// removed head it names), a removed head is checked at once instead of
	// waiting, in memory, for the end: old seals name many heads that
	// retention removed since.
	removed := func(h Head) error {
		if err := v.preload(ctx, ev.StreamID); err != nil {
			return err
		}
		if v.broken[ev.StreamID] {
			deferHead(h)
			return nil
		}
		return v.checkRemoved(h.Stream, h.Revision, h.Hash, sealRef{stream: ev.StreamID, revision: ev.Revision, position: ev.Position, seq: sl.Seq})
	}
	for _, h := range sl.Heads {
		if want := AuditStream(h.Stream); want != ev.StreamID {
			return eventstore.Start, bad("names stream %s, which is sealed in %s", h.Stream, want)
		}
		st := v.streams[h.Stream]
		if st == nil || h.Revision >= st.next {
			// Not met before the seal: removed, which markers appended
			// later must account for.
			if err := removed(h); err != nil {
				return eventstore.Start, err
			}
			continue
		}
		stored := st.last
		var pos eventstore.Position
		if h.Revision != st.next-1 {
			evs, err := v.store.ReadStream(ctx, h.Stream, h.Revision, 1)
			if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
				return eventstore.Start, fmt.Errorf("seal: verify: read %s revision %d named by %s revision %d: %w", h.Stream, h.Revision, ev.StreamID, ev.Revision, err)
			}
			if len(evs) == 0 || evs[0].Revision != h.Revision {
				// Removed: a later revision (or none) comes first.
				if err := removed(h); err != nil {
					return eventstore.Start, err
				}
				continue
			}
			stored, pos = evs[0].Hash, evs[0].Position
		}
		if stored != h.Hash {
			return eventstore.Start, rewritten(h.Stream, h.Revision, h.Hash, pos, stored, sealRef{ev.StreamID, ev.Revision, ev.Position, sl.Seq})
		}
	}
	from, err1 := eventstore.ParsePosition(sl.From)
	to, err2 := eventstore.ParsePosition(sl.To)
	if err := errors.Join(err1, err2); err != nil || from.Compare(to) > 0 || to.Compare(ev.Position) >= 0 {
		return eventstore.Start, bad("covers positions %s to %s, which do not lie before the seal itself (%v): positions were rewritten", sl.From, sl.To, err)
	}
	prev.seq, prev.hash = sl.Seq, sl.Hash(ev.StreamID)
	return to, nil
}

// rewritten is the mismatch of a sealed head whose stored hash differs.
func rewritten(stream string, rev uint64, sealed eventstore.Hash, pos eventstore.Position, stored eventstore.Hash, by sealRef) error {
	return &MismatchError{Stream: stream, Revision: rev, Position: pos, Reason: fmt.Sprintf("its hash %s is not the hash %s sealed by %s revision %d (seal #%d): the stream was rewritten after it was sealed", stored, sealed, by.stream, by.revision, by.seq)}
}

// checkHead checks a sealed head of stream that was missing from the log
// when its seal was met: it must have been removed under a marker run, or,
// if the log met it after the seal, be there with the sealed hash.
func (v *verifier) checkHead(ctx context.Context, stream string, st *streamState, h removedHead) error {
	by := v.seals[h.seal]
	missing := func(why string) error {
		return &MismatchError{Stream: stream, Revision: h.rev, Reason: fmt.Sprintf("sealed by %s revision %d (seal #%d) but missing from the log: %s", by.stream, by.revision, by.seq, why)}
	}
	if st.present(h.rev) {
		evs, err := v.store.ReadStream(ctx, stream, h.rev, 1)
		if err != nil && !errors.Is(err, eventstore.ErrStreamNotFound) {
			return fmt.Errorf("seal: verify: read %s revision %d named by %s revision %d: %w", stream, h.rev, by.stream, by.revision, err)
		}
		if len(evs) == 1 && evs[0].Revision == h.rev {
			if evs[0].Position.Compare(by.position) >= 0 {
				return missing(fmt.Sprintf("it comes after the seal, at position %s", evs[0].Position))
			}
			if evs[0].Hash != h.hash {
				return rewritten(stream, h.rev, h.hash, evs[0].Position, evs[0].Hash, by)
			}
			return nil
		}
		// Removed while Verify ran.
	}
	return v.checkRemoved(stream, h.rev, h.hash, by)
}

// checkRemoved checks a head that seal by named and the log no longer
// holds: marker runs must cover it, and one that ends at it must record
// the sealed hash. The runs are merged (mergeRuns).
func (v *verifier) checkRemoved(stream string, rev uint64, sealed eventstore.Hash, by sealRef) error {
	if ok, _ := v.covered(stream, rev, rev); !ok {
		return &MismatchError{Stream: stream, Revision: rev, Reason: fmt.Sprintf("sealed by %s revision %d (seal #%d) but missing from the log: events were removed and no signed truncation marker covers them", by.stream, by.revision, by.seq)}
	}
	if c, ok := v.claims[stream][rev+1]; ok && c.hash != sealed {
		return &MismatchError{Stream: stream, Revision: rev, Reason: fmt.Sprintf("the truncation marker at %s revision %d records its hash as %s, not the hash %s sealed by %s revision %d (seal #%d)", c.marker.StreamID, c.marker.Revision, c.hash, sealed, by.stream, by.revision, by.seq)}
	}
	return nil
}

// preload reads the markers of an audit stream ahead of the scan, once,
// when one of its seals names a removed head (markers come long after the
// seals in the log). A marker that does not check marks the stream broken:
// its removed heads then wait for the end, and the scan reports the marker
// where it lies.
func (v *verifier) preload(ctx context.Context, audit string) error {
	if _, ok := v.preloaded[audit]; ok || v.broken[audit] {
		return nil
	}
	const page = 1024
	// The scan already took the markers before the seal being checked.
	start := uint64(0)
	if st := v.streams[audit]; st != nil {
		start = st.next
	}
	next := start // the first revision not read
	count := uint64(0)
	for {
		evs, err := v.store.ReadStream(ctx, audit, next, page)
		if err != nil {
			return fmt.Errorf("seal: verify: read the markers of %s: %w", audit, err)
		}
		for i := range evs {
			ev := &evs[i]
			if isMarker(ev) {
				if v.checkMarker(ev) != nil {
					v.broken[audit] = true
					return nil
				}
				count++
			}
			next = ev.Revision + 1
		}
		if len(evs) < page {
			break
		}
	}
	v.preloaded[audit] = next
	v.rep.Truncations += count
	v.mergeRuns()
	return nil
}
