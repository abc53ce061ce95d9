package seal

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/eventstore"
)

// ErrConcurrentSealer: another sealer appended to an audit stream this
// sealer holds; this one stops rather than fork the seal chain.
var ErrConcurrentSealer = errors.New("seal: another sealer is writing the audit streams of this store")

// DefaultMaxHeads bounds the heads one round seals, so that no seal event
// grows past the store's event size limit; a round that finds more changed
// streams seals up to there and the next round continues.
const DefaultMaxHeads = 8192

// Sealer appends seals and truncation markers. It is safe for concurrent
// use: Seal and RecordTruncations may be called from different goroutines
// (serve seals on a timer while the store's scavenger records truncations),
// and run one at a time. Set Now, MaxHeads and MaxMarkerRuns before the
// first call. Run one Sealer per store: with a second one, in this process
// or another, one of them fails with ErrConcurrentSealer.
type Sealer struct {
	store eventstore.Store
	key   ed25519.PrivateKey
	// Now stamps the seal and marker events' metadata; nil means time.Now.
	Now func() time.Time
	// MaxHeads bounds the heads of one round; 0 means DefaultMaxHeads.
	MaxHeads int
	// MaxMarkerRuns bounds the runs of one truncation marker; 0 means
	// DefaultMaxMarkerRuns.
	MaxMarkerRuns int

	mu      sync.Mutex // guards the fields below and serialises appends
	loaded  bool
	covered eventstore.Position
	audits  map[string]*auditHead // audit stream → its last event and last seal
}

// auditHead is what the sealer knows of an audit stream it holds.
type auditHead struct {
	// revision is the stream's last revision (a seal or a marker): the
	// expected revision of the next append.
	revision uint64
	// seq, hash and to describe the stream's last seal (seq 0 when it has
	// none yet, only markers).
	seq  uint64
	hash string // the last seal's Hash
	to   string // the last seal's To
}

// NewSealer returns a sealer that signs with key.
func NewSealer(store eventstore.Store, key ed25519.PrivateKey) *Sealer {
	return &Sealer{store: store, key: key, audits: map[string]*auditHead{}}
}

// Round is what one call to Seal did.
type Round struct {
	// Seals is the number of seal events appended (0 when nothing changed).
	Seals int
	// Heads is the number of stream heads sealed.
	Heads int
	// Covered is the position the store is sealed up to after the round.
	Covered eventstore.Position
	// More: the round stopped at MaxHeads; call Seal again.
	More bool
}

// Seal runs one round: it reads the events appended since the previous
// round and seals the heads of the streams they changed.
//
// Truncation markers appended since the previous round count as changed
// heads of their audit streams, so that the round's system seal pins them.
func (s *Sealer) Seal(ctx context.Context) (Round, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		if err := s.load(ctx, SystemStream); err != nil {
			return Round{}, err
		}
		s.covered = eventstore.Start
		if a := s.audits[SystemStream]; a != nil && a.seq > 0 {
			var err error
			if s.covered, err = eventstore.ParsePosition(a.to); err != nil {
				return Round{}, fmt.Errorf("seal: last system seal: %w", err)
			}
		}
		s.loaded = true
	}
	maxHeads := s.MaxHeads
	if maxHeads <= 0 {
		maxHeads = DefaultMaxHeads
	}

	// Collect the changed heads, per audit stream.
	from := s.covered
	to := from
	changed := map[string]map[string]Head{}
	n := 0
	more := false
scan:
	for {
		page, err := s.store.ReadAll(ctx, to, 1024, eventstore.Filter{})
		if err != nil {
			return Round{}, fmt.Errorf("seal: read the log: %w", err)
		}
		for _, ev := range page.Events {
			// Seals are sealed by the system seal of their round; markers
			// are sealed (as heads of their audit streams) like any event.
			if isAudit(ev.StreamID) && ev.Type != TruncatedEventType {
				to = ev.Position
				continue
			}
			audit := AuditStream(ev.StreamID)
			heads := changed[audit]
			if heads == nil {
				heads = map[string]Head{}
				changed[audit] = heads
			}
			if _, seen := heads[ev.StreamID]; !seen {
				if n == maxHeads {
					more = true
					break scan
				}
				n++
			}
			heads[ev.StreamID] = Head{Stream: ev.StreamID, Revision: ev.Revision, Hash: ev.Hash, HashHex: ev.Hash.String()}
			to = ev.Position
		}
		if len(page.Events) == 0 || page.AtEnd {
			break
		}
	}
	round := Round{Covered: s.covered, More: more}
	if n == 0 {
		return round, nil
	}

	// Seal each tenant's streams, then the round in the system stream with
	// the heads of the audit streams it appended to.
	system := changed[SystemStream]
	if system == nil {
		system = map[string]Head{}
	}
	for _, audit := range slices.Sorted(maps.Keys(changed)) {
		if audit == SystemStream {
			continue
		}
		head, err := s.appendSeal(ctx, audit, from, to, slices.Collect(maps.Values(changed[audit])))
		if err != nil {
			return round, err
		}
		system[audit] = head
		round.Seals++
	}
	if _, err := s.appendSeal(ctx, SystemStream, from, to, slices.Collect(maps.Values(system))); err != nil {
		return round, err
	}
	round.Seals++
	round.Heads = n
	s.covered = to
	round.Covered = to
	return round, nil
}

// load reads the last revision and the last seal of an audit stream.
func (s *Sealer) load(ctx context.Context, audit string) error {
	if _, ok := s.audits[audit]; ok {
		return nil
	}
	var (
		head     *auditHead
		lastSeal *eventstore.RecordedEvent
	)
	for next := uint64(0); ; {
		evs, err := s.store.ReadStream(ctx, audit, next, 1024)
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			break
		}
		if err != nil {
			return fmt.Errorf("seal: read %s: %w", audit, err)
		}
		if len(evs) == 0 {
			break
		}
		for i := range evs {
			if evs[i].Type == EventType {
				lastSeal = &evs[i]
			}
		}
		last := evs[len(evs)-1]
		head = &auditHead{revision: last.Revision}
		next = last.Revision + 1
	}
	if head != nil && lastSeal != nil {
		sl, err := decode(lastSeal.Data)
		if err != nil {
			return fmt.Errorf("seal: %s revision %d: %w", audit, lastSeal.Revision, err)
		}
		head.seq, head.hash, head.to = sl.Seq, sl.Hash(audit), sl.To
	}
	s.audits[audit] = head
	return nil
}

// appendAudit appends one event to an audit stream with the exact expected
// revision the sealer holds it at, and returns the recorded event. After a
// failure it forgets what it believes about the audit streams.
func (s *Sealer) appendAudit(ctx context.Context, audit, eventType string, data []byte) (eventstore.RecordedEvent, error) {
	expected := eventstore.NoStream
	if a := s.audits[audit]; a != nil {
		expected = eventstore.Exact(a.revision)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	tenant, _ := domain.StreamTenant(audit)
	t := now().UTC()
	md, err := json.Marshal(domain.EventMeta{Tenant: tenant, Actor: "sealer", Schema: 1, OccurredAt: t, RecordedAt: t})
	if err != nil {
		return eventstore.RecordedEvent{}, fmt.Errorf("seal: encode metadata: %w", err)
	}
	res, err := s.store.Append(ctx, audit, expected, eventstore.EventData{Type: eventType, Data: data, Metadata: md})
	if err != nil {
		// Whatever happened, the append may have landed (an error after the
		// write, a cancelled wait): forget what this sealer believes about
		// the audit streams and read them again next time, so its own
		// write is never mistaken for another sealer's.
		clear(s.audits)
		s.loaded = false
		if errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			return eventstore.RecordedEvent{}, fmt.Errorf("%w: %w", ErrConcurrentSealer, err)
		}
		return eventstore.RecordedEvent{}, fmt.Errorf("seal: append to %s: %w", audit, err)
	}
	evs, err := s.store.ReadStream(ctx, audit, res.Revision, 1)
	if err != nil || len(evs) != 1 {
		clear(s.audits)
		s.loaded = false
		return eventstore.RecordedEvent{}, fmt.Errorf("seal: read back %s revision %d: %w", audit, res.Revision, errOrMissing(err))
	}
	return evs[0], nil
}

// errOrMissing is err, or an error saying the event read back is missing.
func errOrMissing(err error) error {
	if err != nil {
		return err
	}
	return errors.New("the event is missing")
}

// appendSeal signs and appends a seal of heads to audit and returns the
// audit stream's new head.
func (s *Sealer) appendSeal(ctx context.Context, audit string, from, to eventstore.Position, heads []Head) (Head, error) {
	if err := s.load(ctx, audit); err != nil {
		return Head{}, err
	}
	sortHeads(heads)
	sl := &Seal{Seq: 1, From: from.String(), To: to.String(), Heads: heads}
	if a := s.audits[audit]; a != nil {
		sl.Seq, sl.Prev = a.seq+1, a.hash
	}
	sl.sign(audit, s.key)
	data, err := encode(sl)
	if err != nil {
		return Head{}, err
	}
	ev, err := s.appendAudit(ctx, audit, EventType, data)
	if err != nil {
		return Head{}, err
	}
	s.audits[audit] = &auditHead{revision: ev.Revision, seq: sl.Seq, hash: sl.Hash(audit), to: sl.To}
	return Head{Stream: audit, Revision: ev.Revision, Hash: ev.Hash, HashHex: ev.Hash.String()}, nil
}
