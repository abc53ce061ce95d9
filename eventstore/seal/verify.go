package seal

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

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
	next uint64 // the revision expected next
	last eventstore.Hash
}

type auditState struct {
	seq  uint64
	hash string
}

// Verify reads the whole store in global order and checks every stream's
// hash chain (revisions in order with none missing, each event's Prev the
// hash of the one before, each Hash recomputed from the event's stored
// bytes) and every seal (signed by pub, chained to the previous seal of its
// audit stream, and naming stream heads whose stored hashes match). It stops
// at the first problem and returns it as a *MismatchError naming the stream
// and revision; a store that could not be read returns another error.
// Events appended while Verify runs are checked up to the end of the log
// as Verify first finds it.
func Verify(ctx context.Context, store eventstore.Store, pub ed25519.PublicKey, opts VerifyOptions) (Report, error) {
	var rep Report
	if len(pub) != ed25519.PublicKeySize {
		return rep, fmt.Errorf("seal: public key is %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	pageSize := opts.PageSize
	if pageSize <= 0 {
		pageSize = 1024
	}
	streams := map[string]*streamState{}
	audits := map[string]*auditState{}
	var from eventstore.Position
	for {
		page, err := store.ReadAll(ctx, from, pageSize, eventstore.Filter{})
		if err != nil {
			return rep, fmt.Errorf("seal: verify: read after %s: %w", from, err)
		}
		for i := range page.Events {
			ev := &page.Events[i]
			st := streams[ev.StreamID]
			if st == nil {
				st = &streamState{}
				streams[ev.StreamID] = st
			}
			if err := checkChain(ev, st); err != nil {
				return rep, err
			}
			st.next, st.last = ev.Revision+1, ev.Hash
			rep.Events++
			if ev.Type == EventType && isAudit(ev.StreamID) {
				to, err := checkSeal(ctx, store, pub, ev, audits, streams)
				if err != nil {
					return rep, err
				}
				rep.Seals++
				if ev.StreamID == SystemStream {
					rep.SealedUpTo = to
				}
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
	rep.Streams = len(streams)
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

func checkChain(ev *eventstore.RecordedEvent, st *streamState) error {
	mismatch := func(format string, args ...any) error {
		return &MismatchError{Stream: ev.StreamID, Revision: ev.Revision, Position: ev.Position, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case ev.Revision > st.next:
		if st.next == 0 {
			return mismatch("the stream starts at revision %d: revisions 0 to %d are missing (removed events)", ev.Revision, ev.Revision-1)
		}
		return mismatch("follows revision %d: revisions %d to %d are missing (removed events)", st.next-1, st.next, ev.Revision-1)
	case ev.Revision < st.next:
		return mismatch("appears after revision %d in the log: events are out of order or repeated", st.next-1)
	case ev.Prev != st.last:
		return mismatch("its prev link %s is not the hash %s of revision %d before it", ev.Prev, st.last, int64(ev.Revision)-1)
	}
	if h := eventstore.ChainHash(ev.StreamID, ev.Revision, ev.Type, ev.Data, ev.Metadata, ev.Prev); h != ev.Hash {
		return mismatch("its stored bytes hash to %s but its recorded hash is %s: the event was changed after it was written", h, ev.Hash)
	}
	return nil
}

// checkSeal checks a seal event and returns the position it covers.
func checkSeal(ctx context.Context, store eventstore.Store, pub ed25519.PublicKey, ev *eventstore.RecordedEvent, audits map[string]*auditState, streams map[string]*streamState) (eventstore.Position, error) {
	bad := func(format string, args ...any) error {
		return &MismatchError{Stream: ev.StreamID, Revision: ev.Revision, Position: ev.Position, Reason: "seal: " + fmt.Sprintf(format, args...)}
	}
	sl, err := decode(ev.Data)
	if err != nil {
		return eventstore.Start, bad("%v", err)
	}
	if err := sl.verifySignature(ev.StreamID, pub); err != nil {
		return eventstore.Start, bad("%v", err)
	}
	prev := audits[ev.StreamID]
	if prev == nil {
		prev = &auditState{}
		audits[ev.StreamID] = prev
	}
	if sl.Seq != prev.seq+1 || sl.Prev != prev.hash {
		return eventstore.Start, bad("seal #%d names previous seal %q, but the previous seal of this stream is #%d %q: a seal was removed or reordered", sl.Seq, sl.Prev, prev.seq, prev.hash)
	}
	for _, h := range sl.Heads {
		if want := AuditStream(h.Stream); want != ev.StreamID {
			return eventstore.Start, bad("names stream %s, which is sealed in %s", h.Stream, want)
		}
		st := streams[h.Stream]
		if st == nil || h.Revision >= st.next {
			return eventstore.Start, &MismatchError{Stream: h.Stream, Revision: h.Revision, Reason: fmt.Sprintf("sealed by %s revision %d (seal #%d) but missing from the log: events were removed", ev.StreamID, ev.Revision, sl.Seq)}
		}
		stored := st.last
		var pos eventstore.Position
		if h.Revision != st.next-1 {
			evs, err := store.ReadStream(ctx, h.Stream, h.Revision, 1)
			if err != nil || len(evs) != 1 {
				return eventstore.Start, fmt.Errorf("seal: verify: read %s revision %d named by %s revision %d: %v", h.Stream, h.Revision, ev.StreamID, ev.Revision, err)
			}
			stored, pos = evs[0].Hash, evs[0].Position
		}
		if stored != h.Hash {
			return eventstore.Start, &MismatchError{Stream: h.Stream, Revision: h.Revision, Position: pos, Reason: fmt.Sprintf("its hash %s is not the hash %s sealed by %s revision %d (seal #%d): the stream was rewritten after it was sealed", stored, h.Hash, ev.StreamID, ev.Revision, sl.Seq)}
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
