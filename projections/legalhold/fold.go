package legalhold

import (
	"context"
	"errors"
	"fmt"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/alert"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
	"github.com/socledger/socledger/eventstore"
)

// The fold. Run applies one event at a time: it decodes it, reads back from
// the store whatever the event brings back into memory (all reads happen
// before the first change, so an event that fails changes nothing and can
// be applied again), then changes the state. Only Run touches alerts and
// incidents; the shared state (held IDs, tenant holds, counts) changes under
// mu, in steps that never release a reference the event keeps.

// readPage is how many events one ReadStream call of a read-back returns.
const readPage = 512

// alertEntry is a tracked alert: open, or linked to a tracked incident.
type alertEntry struct {
	stream, tenant string
	open           bool
	// ids are the event IDs its stream references (raw events, evidence).
	ids map[eventstore.EventID]struct{}
	// linkedBy are the streams of the tracked incidents that cover it.
	linkedBy map[string]struct{}
}

func newAlert(stream string) *alertEntry {
	t, _ := domain.StreamTenant(stream)
	return &alertEntry{stream: stream, tenant: t, ids: map[eventstore.EventID]struct{}{}, linkedBy: map[string]struct{}{}}
}

func (a *alertEntry) needed() bool { return a.open || len(a.linkedBy) > 0 }

// fold applies e to a and returns the event IDs e references that a did
// not reference yet.
func (a *alertEntry) fold(e alert.Event) []eventstore.EventID {
	var added []eventstore.EventID
	ref := func(s string) {
		id, err := eventstore.ParseEventID(s)
		if err != nil {
			return // not an event ID: it names no stored event
		}
		if _, ok := a.ids[id]; !ok {
			a.ids[id] = struct{}{}
			added = append(added, id)
		}
	}
	switch e := e.(type) {
	case alert.Raised:
		a.open = true
		for _, r := range e.RawEvents {
			ref(r.EventID)
		}
	case alert.Recurred:
		for _, r := range e.RawEvents {
			ref(r.EventID)
		}
	case alert.VerdictSet:
		for _, id := range e.EvidenceEventIDs {
			ref(id)
		}
	case alert.Closed:
		a.open = false
	case alert.Reopened:
		a.open = true
	}
	return added
}

// incidentEntry is a tracked incident: open, on hold, or moving alerts to
// another incident that has not recorded receiving them.
type incidentEntry struct {
	stream, tenant string
	open, held     bool
	// alerts are the streams of the alerts it covers: linked to it, or
	// moved from it by a merge or split.
	alerts map[string]struct{}
	// moving maps the stream of an incident it moved alerts to (a merge
	// target, a split child) to those alerts' streams, until that incident
	// records receiving them.
	moving map[string][]string
	// received lists the streams of the incidents it recorded receiving
	// alerts from (for a receipt recorded before the move).
	received map[string]struct{}
}

func newIncident(stream string) *incidentEntry {
	t, _ := domain.StreamTenant(stream)
	return &incidentEntry{stream: stream, tenant: t, alerts: map[string]struct{}{}, moving: map[string][]string{}, received: map[string]struct{}{}}
}

func (n *incidentEntry) needed() bool { return n.open || n.held || len(n.moving) > 0 }

// status applies what e says of the incident's status and hold.
func (n *incidentEntry) status(e incident.Event) {
	switch e := e.(type) {
	case incident.Opened, incident.Reopened:
		n.open = true
	case incident.StatusChanged:
		n.open = e.To != incident.StatusClosed
	case incident.MergedInto:
		n.open = false
	case incident.LegalHoldPlaced:
		n.held = true
	case incident.LegalHoldReleased:
		n.held = false
	}
}

// apply applies one recorded event of the filtered categories.
func (p *Projection) apply(ctx context.Context, rec *eventstore.RecordedEvent) error {
	switch domain.StreamCategory(rec.StreamID) {
	case alert.Category:
		e, err := decode(alert.Codec(), rec)
		if err != nil {
			return err
		}
		return p.applyAlert(ctx, rec, e)
	case incident.Category:
		e, err := decode(incident.Codec(), rec)
		if err != nil {
			return err
		}
		return p.applyIncident(ctx, rec, e)
	case tenant.Category:
		e, err := decode(tenant.Codec(), rec)
		if err != nil {
			return err
		}
		p.applyTenant(rec, e)
	}
	return nil
}

// decode decodes a recorded event with codec c.
func decode[E domain.Event](c *domain.Codec[E], rec *eventstore.RecordedEvent) (E, error) {
	m, err := domain.DecodeMeta(rec.Metadata)
	if err == nil {
		var e E
		if e, err = c.Decode(rec.Type, m.Schema, rec.Data); err == nil {
			return e, nil
		}
	}
	var zero E
	return zero, &eventstore.DecodeError{Stream: rec.StreamID, Revision: rec.Revision, Type: rec.Type, Err: err}
}

func (p *Projection) applyTenant(rec *eventstore.RecordedEvent, e tenant.Event) {
	t, ok := domain.StreamTenant(rec.StreamID)
	if !ok {
		return
	}
	switch e.(type) {
	case tenant.LegalHoldPlaced:
		p.update(func() {
			if !p.tenants[t] {
				p.tenants[t] = true
				p.stats.HeldTenants++
			}
		})
	case tenant.LegalHoldReleased:
		p.update(func() {
			if p.tenants[t] {
				delete(p.tenants, t)
				p.stats.HeldTenants--
			}
		})
	}
}

func (p *Projection) applyAlert(ctx context.Context, rec *eventstore.RecordedEvent, e alert.Event) error {
	a := p.alerts[rec.StreamID]
	if a == nil {
		// Not tracked: never raised, or closed and covered by no tracked
		// incident. Only a raise or a reopening brings it back.
		switch e.(type) {
		case alert.Raised, alert.Reopened:
		default:
			return nil
		}
		a = newAlert(rec.StreamID)
		if rec.Revision > 0 {
			var err error
			if a, err = p.loadAlert(ctx, rec.StreamID, rec.Position); err != nil {
				return err
			}
		}
		p.trackAlert(a)
	}
	wasOpen := a.open
	added := a.fold(e)
	p.update(func() {
		for _, id := range added {
			p.holdLocked(a.tenant, id)
		}
		p.stats.OpenAlerts += delta(wasOpen, a.open)
	})
	p.dropAlertIfUnneeded(a)
	return nil
}

func (p *Projection) applyIncident(ctx context.Context, rec *eventstore.RecordedEvent, e incident.Event) error {
	n := p.incidents[rec.StreamID]
	var revived *incidentEntry
	if n == nil {
		// Not tracked: never opened, or closed, not on hold and moving
		// nothing. Only what reopens it or puts it on hold brings it back.
		switch e := e.(type) {
		case incident.Opened, incident.Reopened, incident.LegalHoldPlaced:
		case incident.StatusChanged:
			if e.To == incident.StatusClosed {
				return nil
			}
		default:
			return nil
		}
		revived = newIncident(rec.StreamID)
		if rec.Revision > 0 {
			var err error
			if revived, err = p.loadIncident(ctx, rec.StreamID, rec.Position); err != nil {
				return err
			}
		}
		n = revived
	}
	// Read back every alert this event makes n cover that is not tracked,
	// before changing anything.
	var need []string
	if revived != nil {
		for as := range revived.alerts {
			need = append(need, as)
		}
	}
	if l, ok := e.(incident.AlertLinked); ok {
		need = append(need, alert.Stream(n.tenant, l.Alert))
	}
	staged := map[string]*alertEntry{}
	for _, as := range need {
		if p.alerts[as] != nil || staged[as] != nil {
			continue
		}
		a, err := p.loadAlert(ctx, as, rec.Position)
		if err != nil {
			return err
		}
		staged[as] = a
	}

	if revived != nil {
		p.trackIncident(n, staged)
	}
	wasOpen, wasHeld := n.open, n.held
	n.status(e)
	p.update(func() {
		p.stats.OpenIncidents += delta(wasOpen, n.open)
		p.stats.HeldIncidents += delta(wasHeld, n.held)
	})
	switch e := e.(type) {
	case incident.AlertLinked:
		p.link(n, alert.Stream(n.tenant, e.Alert), staged)
	case incident.AlertUnlinked:
		if e.MovedTo == "" {
			p.unlink(n, alert.Stream(n.tenant, e.Alert))
		}
	case incident.MergedInto:
		p.move(n, e.Into, e.Alerts)
	case incident.SplitOff:
		p.move(n, e.Child, e.Alerts)
	case incident.MergeReceived:
		p.receive(n, e.From)
	case incident.SplitFrom:
		p.receive(n, e.Parent)
	}
	p.dropIncidentIfUnneeded(n)
	return nil
}

// trackAlert starts tracking a (new or read back) and holds its IDs.
func (p *Projection) trackAlert(a *alertEntry) {
	p.alerts[a.stream] = a
	p.update(func() {
		for id := range a.ids {
			p.holdLocked(a.tenant, id)
		}
		p.stats.TrackedAlerts++
		p.stats.OpenAlerts += delta(false, a.open)
	})
}

// dropAlertIfUnneeded stops tracking a when it is closed and no tracked
// incident covers it, and releases its IDs.
func (p *Projection) dropAlertIfUnneeded(a *alertEntry) {
	if a.needed() {
		return
	}
	delete(p.alerts, a.stream)
	p.update(func() {
		for id := range a.ids {
			p.releaseLocked(a.tenant, id)
		}
		p.stats.TrackedAlerts--
	})
}

// trackIncident starts tracking n (new or read back) and links the alerts
// it covers (staged holds those read back for it).
func (p *Projection) trackIncident(n *incidentEntry, staged map[string]*alertEntry) {
	p.incidents[n.stream] = n
	p.update(func() {
		p.stats.TrackedIncidents++
		p.stats.OpenIncidents += delta(false, n.open)
		p.stats.HeldIncidents += delta(false, n.held)
	})
	for as := range n.alerts {
		p.cover(n, as, staged)
	}
}

// dropIncidentIfUnneeded stops tracking n when it is closed, not on hold
// and moving nothing, and drops the alerts only it covered.
func (p *Projection) dropIncidentIfUnneeded(n *incidentEntry) {
	if n.needed() {
		return
	}
	delete(p.incidents, n.stream)
	p.update(func() { p.stats.TrackedIncidents-- })
	for as := range n.alerts {
		if a := p.alerts[as]; a != nil {
			delete(a.linkedBy, n.stream)
			p.dropAlertIfUnneeded(a)
		}
	}
}

// link makes n cover the alert of stream as.
func (p *Projection) link(n *incidentEntry, as string, staged map[string]*alertEntry) {
	n.alerts[as] = struct{}{}
	p.cover(n, as, staged)
}

// cover records that n covers the alert of stream as, tracking the alert
// first if needed (read back into staged, or new: never raised).
func (p *Projection) cover(n *incidentEntry, as string, staged map[string]*alertEntry) {
	a := p.alerts[as]
	if a == nil {
		if a = staged[as]; a == nil {
			a = newAlert(as)
		}
		p.trackAlert(a)
	}
	a.linkedBy[n.stream] = struct{}{}
}

// unlink ends n's coverage of the alert of stream as.
func (p *Projection) unlink(n *incidentEntry, as string) {
	if _, ok := n.alerts[as]; !ok {
		return
	}
	delete(n.alerts, as)
	if a := p.alerts[as]; a != nil {
		delete(a.linkedBy, n.stream)
		p.dropAlertIfUnneeded(a)
	}
}

// move records that n moved alerts (IDs) to incident to (an ID of n's
// tenant), unless to has already recorded receiving them: n keeps
// covering them until it does.
func (p *Projection) move(n *incidentEntry, to string, alerts []string) {
	target := incident.Stream(n.tenant, to)
	if t := p.incidents[target]; t != nil {
		if _, ok := t.received[n.stream]; ok {
			return
		}
	}
	if len(alerts) == 0 {
		return
	}
	streams := make([]string, 0, len(alerts))
	for _, id := range alerts {
		streams = append(streams, alert.Stream(n.tenant, id))
	}
	n.moving[target] = append(n.moving[target], streams...)
}

// receive records that n received alerts from incident from (an ID of n's
// tenant): n covers every alert from moved to it, and from stops covering
// them on n's behalf.
func (p *Projection) receive(n *incidentEntry, from string) {
	source := incident.Stream(n.tenant, from)
	n.received[source] = struct{}{}
	s := p.incidents[source]
	if s == nil {
		return
	}
	moved, ok := s.moving[n.stream]
	if !ok {
		return
	}
	for _, as := range moved {
		p.link(n, as, nil) // tracked: s covers it
	}
	delete(s.moving, n.stream)
	p.dropIncidentIfUnneeded(s)
}

// holdLocked adds a reference to event id of tenant; the caller holds mu.
func (p *Projection) holdLocked(tenant string, id eventstore.EventID) {
	k := heldKey{tenant, id}
	p.held[k]++
	if p.held[k] == 1 {
		p.stats.HeldEventIDs++
	}
}

// releaseLocked removes a reference to event id of tenant; the caller
// holds mu.
func (p *Projection) releaseLocked(tenant string, id eventstore.EventID) {
	k := heldKey{tenant, id}
	switch p.held[k] {
	case 0:
	case 1:
		delete(p.held, k)
		p.stats.HeldEventIDs--
	default:
		p.held[k]--
	}
}

// delta is the change of a count of things that are true: -1, 0 or 1.
func delta(was, is bool) int {
	switch {
	case is && !was:
		return 1
	case was && !is:
		return -1
	}
	return 0
}

// loadAlert reads back the alert of stream from the store: its events
// before position before (those the projection applied already).
func (p *Projection) loadAlert(ctx context.Context, stream string, before eventstore.Position) (*alertEntry, error) {
	a := newAlert(stream)
	err := p.readBefore(ctx, stream, before, func(rec *eventstore.RecordedEvent) error {
		e, err := decode(alert.Codec(), rec)
		if err != nil {
			return err
		}
		a.fold(e)
		return nil
	})
	return a, err
}

// loadIncident reads back the incident of stream from the store: its events
// before position before. What it was moving is not read back: an incident
// is dropped only once every incident it moved alerts to received them.
func (p *Projection) loadIncident(ctx context.Context, stream string, before eventstore.Position) (*incidentEntry, error) {
	n := newIncident(stream)
	err := p.readBefore(ctx, stream, before, func(rec *eventstore.RecordedEvent) error {
		e, err := decode(incident.Codec(), rec)
		if err != nil {
			return err
		}
		n.status(e)
		switch e := e.(type) {
		case incident.AlertLinked:
			n.alerts[alert.Stream(n.tenant, e.Alert)] = struct{}{}
		case incident.AlertUnlinked:
			if e.MovedTo == "" {
				delete(n.alerts, alert.Stream(n.tenant, e.Alert))
			}
		}
		return nil
	})
	return n, err
}

// readBefore calls fn with each event of stream whose position is before
// before, in revision order. A stream with no events has none.
func (p *Projection) readBefore(ctx context.Context, stream string, before eventstore.Position, fn func(*eventstore.RecordedEvent) error) error {
	var from uint64
	for {
		evs, err := p.store.ReadStream(ctx, stream, from, readPage)
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read back %s: %w", stream, err)
		}
		for i := range evs {
			if !evs[i].Position.Less(before) {
				return nil
			}
			if err := fn(&evs[i]); err != nil {
				return err
			}
		}
		if len(evs) < readPage {
			return nil
		}
		from = evs[len(evs)-1].Revision + 1
	}
}
