package seal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/socledger/socledger/eventstore"
)

// ErrInvalidTruncation: RecordTruncations was given a run that retention
// cannot have removed (from after to, a non-zero prev link before revision
// 0, no stream). Nothing was recorded.
var ErrInvalidTruncation = errors.New("seal: invalid truncation")

// DefaultMaxMarkerRuns bounds the runs of one marker event, so that no
// marker grows past the store's event size limit (4,096 runs of the longest
// stream names encode to under 2 MiB); a call that records more splits
// them over several markers.
const DefaultMaxMarkerRuns = 4096

// RecordTruncations durably records that the runs of events in cuts are
// being removed by retention; the store calls it before the removal takes
// effect. It appends to the audit stream of each stream named one signed
// "audit.truncated" marker of its runs (several when they are more than
// MaxMarkerRuns), with the exact expected revision this sealer holds that
// audit stream at. When it returns nil every marker is durable. After an
// error some may be, which is harmless: a marker that names events still
// present changes nothing Verify checks about them, and the next pass
// records their runs again.
//
// A run that retention cannot have removed returns an error wrapping
// ErrInvalidTruncation and records nothing. Another writer of the audit
// streams makes it return an error wrapping ErrConcurrentSealer. Markers
// are not part of the seal chain; the next Seal round seals the heads of
// the audit streams they were appended to.
func (s *Sealer) RecordTruncations(ctx context.Context, cuts []eventstore.Truncation) error {
	byAudit := map[string][]Run{}
	for _, c := range cuts {
		r := Run{Stream: c.Stream, From: c.From, To: c.To, Prev: c.Prev, PrevHex: c.Prev.String(), Hash: c.Hash, HashHex: c.Hash.String()}
		if why := r.check(); why != "" {
			return fmt.Errorf("%w: %s: %s", ErrInvalidTruncation, c, why)
		}
		audit := AuditStream(c.Stream)
		byAudit[audit] = append(byAudit[audit], r)
	}
	if len(byAudit) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	maxRuns := s.MaxMarkerRuns
	if maxRuns <= 0 {
		maxRuns = DefaultMaxMarkerRuns
	}
	for _, audit := range slices.Sorted(maps.Keys(byAudit)) {
		runs := byAudit[audit]
		slices.SortFunc(runs, func(a, b Run) int {
			return cmp.Or(strings.Compare(a.Stream, b.Stream), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
		})
		runs = slices.Compact(runs) // the same run reported twice
		for len(runs) > 0 {
			n := min(len(runs), maxRuns)
			if err := s.appendMarker(ctx, audit, runs[:n]); err != nil {
				return err
			}
			runs = runs[n:]
		}
	}
	return nil
}

// appendMarker signs and appends a marker of runs to audit.
func (s *Sealer) appendMarker(ctx context.Context, audit string, runs []Run) error {
	if err := s.load(ctx, audit); err != nil {
		return err
	}
	m := &Marker{Runs: runs}
	m.sign(audit, s.key)
	data, err := encodeMarker(m)
	if err != nil {
		return fmt.Errorf("seal: %s: %w", audit, err)
	}
	ev, err := s.appendAudit(ctx, audit, TruncatedEventType, data)
	if err != nil {
		return err
	}
	head := auditHead{revision: ev.Revision}
	if a := s.audits[audit]; a != nil {
		head.seq, head.hash, head.to = a.seq, a.hash, a.to
	}
	s.audits[audit] = &head
	return nil
}
