package incident

import (
	"fmt"
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
)

// The explicit legal hold of an incident: while it is in force, the log
// events its linked alerts reference (their raw events and verdict
// evidence) never expire, even after the incident is closed
// (projections/legalhold). It is neither a case command nor a regulatory
// fact: it is accepted in any status, closed and merged included.

// Limits on the text of a legal hold, in bytes.
const (
	MaxHoldReasonLen    = 1024
	MaxHoldReferenceLen = MaxTitleLen
)

// PlaceLegalHold puts the incident on legal hold (LegalHoldPlaced). Reason
// is required; Reference optionally names the matter, case or request the
// hold is for.
type PlaceLegalHold struct {
	domain.Meta
	IncidentID string
	Reason     string
	Reference  string
}

// ReleaseLegalHold ends the incident's legal hold (LegalHoldReleased);
// Reason is required.
type ReleaseLegalHold struct {
	domain.Meta
	IncidentID string
	Reason     string
}

func (c PlaceLegalHold) Incident() string   { return c.IncidentID }
func (c ReleaseLegalHold) Incident() string { return c.IncidentID }

func (PlaceLegalHold) isCommand()   {}
func (ReleaseLegalHold) isCommand() {}

// LegalHoldPlaced records that the incident was put on legal hold.
type LegalHoldPlaced struct {
	Reason    string    `json:"reason"`
	Reference string    `json:"reference,omitempty"`
	At        time.Time `json:"at"`
}

// LegalHoldReleased records that the incident's legal hold ended.
type LegalHoldReleased struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

func (LegalHoldPlaced) EventType() string   { return "incident.legal_hold_placed" }
func (LegalHoldReleased) EventType() string { return "incident.legal_hold_released" }

func (LegalHoldPlaced) isEvent()   {}
func (LegalHoldReleased) isEvent() {}

// holdEvents holds a zero value of every legal hold event type.
var holdEvents = []Event{LegalHoldPlaced{}, LegalHoldReleased{}}

// LegalHoldEventTypes returns the type names of the legal hold events.
func LegalHoldEventTypes() []string { return eventTypes(holdEvents) }

// LegalHold is the incident's explicit legal hold as its events left it.
type LegalHold struct {
	// Held reports whether the hold is in force.
	Held bool
	// Reason, Reference and Since (the business time it was placed)
	// describe the hold in force; all empty when Held is false.
	Reason    string
	Reference string
	Since     time.Time
}

// decideLegalHold decides PlaceLegalHold and ReleaseLegalHold: fields
// first, then that the incident was opened (in any status since), then the
// no-op rule (placing while held, releasing while not held).
func decideLegalHold(c Command, s State) ([]Event, error) {
	switch c := c.(type) {
	case PlaceLegalHold:
		reason, ref := strings.TrimSpace(c.Reason), strings.TrimSpace(c.Reference)
		if err := firstErr(line("reason", reason, true, MaxHoldReasonLen), line("reference", ref, false, MaxHoldReferenceLen)); err != nil {
			return nil, err
		}
		if err := mustExist(s.Case, c.IncidentID); err != nil {
			return nil, err
		}
		if s.LegalHold.Held {
			return nil, nil
		}
		return []Event{LegalHoldPlaced{Reason: reason, Reference: ref, At: c.At.UTC()}}, nil
	case ReleaseLegalHold:
		reason := strings.TrimSpace(c.Reason)
		if err := line("reason", reason, true, MaxHoldReasonLen); err != nil {
			return nil, err
		}
		if err := mustExist(s.Case, c.IncidentID); err != nil {
			return nil, err
		}
		if !s.LegalHold.Held {
			return nil, nil
		}
		return []Event{LegalHoldReleased{Reason: reason, At: c.At.UTC()}}, nil
	}
	return nil, fmt.Errorf("incident: %T is not a legal hold command: %w", c, domain.ErrInvalid)
}

// evolveLegalHold applies a legal hold event to h.
func evolveLegalHold(h LegalHold, e Event) LegalHold {
	switch e := e.(type) {
	case LegalHoldPlaced:
		return LegalHold{Held: true, Reason: e.Reason, Reference: e.Reference, Since: e.At}
	case LegalHoldReleased:
		return LegalHold{}
	}
	return h
}
