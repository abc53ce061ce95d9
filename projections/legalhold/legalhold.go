package legalhold

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/alert"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
	"github.com/socledger/socledger/eventstore"
)

// ErrStopped is matched (errors.Is) by the error of Holds when Run has
// returned before applying the log up to the position asked for.
var ErrStopped = errors.New("legalhold: projection stopped")

// errRunning is returned by a Run called while another Run is running.
var errRunning = errors.New("legalhold: Run is already running")

// filter is the subscription filter of the projection: the alert, incident
// and tenant categories.
var filter = eventstore.Filter{StreamPrefixes: []string{alert.Category + "-", incident.Category + "-", tenant.Category + "-"}}

// Projection is the legal hold projection. Create it with New, run Run in
// a goroutine, and ask Holds (from any goroutine) for the retention
// predicate. Stats and Holds are safe for concurrent use with Run and with
// each other.
type Projection struct {
	store eventstore.Store

	// mu guards the state the predicate and Stats read: held, tenants and
	// stats. Only Run writes them.
	mu      sync.RWMutex
	held    map[heldKey]int // references by tracked alerts, per tenant and event ID
	tenants map[string]bool // tenants on explicit hold
	stats   Stats

	// The rest of the fold, read and written by Run only.
	alerts    map[string]*alertEntry    // by alert stream
	incidents map[string]*incidentEntry // by incident stream

	// pmu guards the progress of Run, which Holds waits on.
	pmu     sync.Mutex
	applied eventstore.Position
	wake    chan struct{} // closed (and replaced) when applied or the run state changes
	running bool
	stopped error // why the last Run returned (nil before the first one)
}

// heldKey is an event ID in a tenant.
type heldKey struct {
	tenant string
	id     eventstore.EventID
}

// Stats counts what the projection tracks.
type Stats struct {
	// Applied is the position the projection has applied the log up to.
	Applied eventstore.Position
	// HeldTenants counts the tenants on explicit legal hold.
	HeldTenants int
	// HeldIncidents counts the incidents on explicit legal hold.
	HeldIncidents int
	// HeldEventIDs counts the distinct event IDs (per tenant) referenced
	// by tracked alerts: those the predicate holds besides whole tenants.
	HeldEventIDs int
	// OpenAlerts and OpenIncidents count the open alerts and incidents.
	OpenAlerts    int
	OpenIncidents int
	// TrackedAlerts and TrackedIncidents count those kept in memory: the
	// open ones, the alerts linked to a tracked incident, the incidents on
	// hold or moving alerts to another incident.
	TrackedAlerts    int
	TrackedIncidents int
}

// New returns a projection over store that has applied nothing yet.
func New(store eventstore.Store) *Projection {
	return &Projection{
		store:     store,
		held:      map[heldKey]int{},
		tenants:   map[string]bool{},
		alerts:    map[string]*alertEntry{},
		incidents: map[string]*incidentEntry{},
		wake:      make(chan struct{}),
	}
}

// Run subscribes to the alert, incident and tenant categories after the
// last applied position (eventstore.Start at first) and applies every event
// until ctx ends (it returns nil) or the subscription fails (an error
// wrapping eventstore.ErrClosed when the store closed). An event it cannot
// decode, or a stream it cannot read back, stops it with an error naming
// the stream and revision. Run must not be called while another Run is
// running; once it returns it may be called again and resumes where it
// stopped.
func (p *Projection) Run(ctx context.Context) (err error) {
	p.pmu.Lock()
	if p.running {
		p.pmu.Unlock()
		return errRunning
	}
	p.running, p.stopped = true, nil
	from := p.applied
	p.signalLocked()
	p.pmu.Unlock()
	defer func() {
		p.pmu.Lock()
		p.running = false
		p.stopped = err
		if p.stopped == nil {
			p.stopped = context.Cause(ctx)
		}
		if p.stopped == nil {
			p.stopped = errors.New("legalhold: Run returned")
		}
		p.signalLocked()
		p.pmu.Unlock()
	}()

	sub, err := p.store.Subscribe(ctx, from, filter)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("legalhold: subscribe: %w", err)
	}
	defer sub.Close()
	for {
		m, err := sub.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("legalhold: subscription: %w", err)
		}
		if m.Kind == eventstore.EventAppeared && m.Event != nil {
			if err := p.apply(ctx, m.Event); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("legalhold: %w", err)
			}
		}
		p.advance(m.Position)
	}
}

// Holds waits until the projection has applied every event up to upTo (an
// event's position or a checkpoint; eventstore.Start returns at once) and
// returns the retention predicate: whether the event id of stream must be
// kept. It fails when ctx ends first, or with an error matching ErrStopped
// once Run has returned without reaching upTo. The predicate is safe to
// call from any goroutine while Run keeps applying, and always answers from
// the latest applied state.
func (p *Projection) Holds(ctx context.Context, upTo eventstore.Position) (func(stream string, id eventstore.EventID) bool, error) {
	for {
		p.pmu.Lock()
		applied, wake, running, stopped := p.applied, p.wake, p.running, p.stopped
		p.pmu.Unlock()
		if upTo.Compare(applied) <= 0 {
			return p.holds, nil
		}
		if !running && stopped != nil {
			return nil, fmt.Errorf("%w at %s, before %s: %w", ErrStopped, applied, upTo, stopped)
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, fmt.Errorf("legalhold: waiting for the projection to apply the log up to %s (at %s): %w", upTo, applied, context.Cause(ctx))
		}
	}
}

// holds is the retention predicate (see Holds).
func (p *Projection) holds(stream string, id eventstore.EventID) bool {
	t, ok := domain.StreamTenant(stream)
	if !ok || t == "" {
		return false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.tenants[t] || p.held[heldKey{t, id}] > 0
}

// Stats returns what the projection tracks now.
func (p *Projection) Stats() Stats {
	p.mu.RLock()
	s := p.stats
	p.mu.RUnlock()
	p.pmu.Lock()
	s.Applied = p.applied
	p.pmu.Unlock()
	return s
}

// advance records that everything up to pos is applied.
func (p *Projection) advance(pos eventstore.Position) {
	p.pmu.Lock()
	if p.applied.Less(pos) {
		p.applied = pos
		p.signalLocked()
	}
	p.pmu.Unlock()
}

// signalLocked wakes the waiting Holds calls; the caller holds pmu.
func (p *Projection) signalLocked() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// update changes the shared state under the write lock.
func (p *Projection) update(f func()) {
	p.mu.Lock()
	f()
	p.mu.Unlock()
}
