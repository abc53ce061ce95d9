package seal

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
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

// Sealer appends seals. It is not safe for concurrent use: run one Sealer
// per store, from one goroutine (serve runs it on a timer).
type Sealer struct {
	store eventstore.Store
	key   ed25519.PrivateKey
	// Now stamps the seal events' metadata; nil means time.Now.
	Now func() time.Time
	// MaxHeads bounds the heads of one round; 0 means DefaultMaxHeads.
	MaxHeads int

	loaded  bool
	covered eventstore.Position
	audits  map[string]*auditHead // audit stream → its last seal
}

type auditHead struct {
	revision uint64
	seq      uint64
	hash     string // the last seal's Hash
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
func (s *Sealer) Seal(ctx context.Context) (Round, error) {
	if !s.loaded {
		if err := s.load(ctx, SystemStream); err != nil {
			return Round{}, err
		}
		if a := s.audits[SystemStream]; a != nil {
			evs, err := s.store.ReadStream(ctx, SystemStream, a.revision, 1)
			if err != nil || len(evs) != 1 {
				return Round{}, fmt.Errorf("seal: read the last system seal: %v", err)
			}
			last, err := decode(evs[0].Data)
			if err != nil {
				return Round{}, err
			}
			if s.covered, err = eventstore.ParsePosition(last.To); err != nil {
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
			if isAudit(ev.StreamID) {
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

// load reads the last seal of an audit stream.
func (s *Sealer) load(ctx context.Context, audit string) error {
	if _, ok := s.audits[audit]; ok {
		return nil
	}
	var last *eventstore.RecordedEvent
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
		last = &evs[len(evs)-1]
		next = last.Revision + 1
	}
	if last == nil {
		s.audits[audit] = nil
		return nil
	}
	sl, err := decode(last.Data)
	if err != nil {
		return fmt.Errorf("seal: %s revision %d: %w", audit, last.Revision, err)
	}
	s.audits[audit] = &auditHead{revision: last.Revision, seq: sl.Seq, hash: sl.Hash(audit)}
	return nil
}

// appendSeal signs and appends a seal of heads to audit and returns the
// audit stream's new head.
func (s *Sealer) appendSeal(ctx context.Context, audit string, from, to eventstore.Position, heads []Head) (Head, error) {
	if err := s.load(ctx, audit); err != nil {
		return Head{}, err
	}
	sortHeads(heads)
	sl := &Seal{Seq: 1, From: from.String(), To: to.String(), Heads: heads}
	expected := eventstore.NoStream
	if a := s.audits[audit]; a != nil {
		sl.Seq, sl.Prev, expected = a.seq+1, a.hash, eventstore.Exact(a.revision)
	}
	sl.sign(audit, s.key)
	data, err := encode(sl)
	if err != nil {
		return Head{}, err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	tenant, _ := domain.StreamTenant(audit)
	t := now().UTC()
	md, err := json.Marshal(domain.EventMeta{Tenant: tenant, Actor: "sealer", Schema: 1, OccurredAt: t, RecordedAt: t})
	if err != nil {
		return Head{}, fmt.Errorf("seal: encode metadata: %w", err)
	}
	res, err := s.store.Append(ctx, audit, expected, eventstore.EventData{Type: EventType, Data: data, Metadata: md})
	if err != nil {
		// Whatever happened, the append may have landed (an error after the
		// write, a cancelled wait): forget what this sealer believes about
		// the audit streams and read them again next round, so its own
		// write is never mistaken for another sealer's.
		clear(s.audits)
		s.loaded = false
		if errors.Is(err, eventstore.ErrWrongExpectedVersion) {
			return Head{}, fmt.Errorf("%w: %v", ErrConcurrentSealer, err)
		}
		return Head{}, fmt.Errorf("seal: append to %s: %w", audit, err)
	}
	evs, err := s.store.ReadStream(ctx, audit, res.Revision, 1)
	if err != nil || len(evs) != 1 {
		return Head{}, fmt.Errorf("seal: read back %s revision %d: %v", audit, res.Revision, err)
	}
	s.audits[audit] = &auditHead{revision: res.Revision, seq: sl.Seq, hash: sl.Hash(audit)}
	return Head{Stream: audit, Revision: res.Revision, Hash: evs[0].Hash, HashHex: evs[0].Hash.String()}, nil
}
