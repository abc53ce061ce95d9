package tenant

import (
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
)

// Limits on the text of a legal hold, in characters.
const (
	MaxHoldReasonLen    = 500
	MaxHoldReferenceLen = MaxNameLen
)

// PlaceLegalHold puts the tenant on legal hold: none of its log events
// expire while the hold is in force (the store's retention asks
// projections/legalhold). Reason is required; Reference optionally names
// the matter, case or request the hold is for.
type PlaceLegalHold struct {
	domain.Meta
	Reason    string
	Reference string
}

// ReleaseLegalHold ends the tenant's legal hold; Reason is required.
type ReleaseLegalHold struct {
	domain.Meta
	Reason string
}

func (PlaceLegalHold) isCommand()   {}
func (ReleaseLegalHold) isCommand() {}

// LegalHoldPlaced records that the tenant was put on legal hold.
type LegalHoldPlaced struct {
	Reason    string    `json:"reason"`
	Reference string    `json:"reference,omitempty"`
	At        time.Time `json:"at"`
}

// LegalHoldReleased records that the tenant's legal hold ended.
type LegalHoldReleased struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// EventType returns "tenant.legal_hold_placed".
func (LegalHoldPlaced) EventType() string { return "tenant.legal_hold_placed" }

// EventType returns "tenant.legal_hold_released".
func (LegalHoldReleased) EventType() string { return "tenant.legal_hold_released" }

func (LegalHoldPlaced) isEvent()   {}
func (LegalHoldReleased) isEvent() {}

// LegalHold is the tenant's explicit legal hold as its events left it.
type LegalHold struct {
	// Held reports whether the hold is in force.
	Held bool
	// Reason, Reference and Since (the business time it was placed)
	// describe the hold in force; all empty when Held is false.
	Reason    string
	Reference string
	Since     time.Time
}

// decidePlaceLegalHold checks c's fields, then that the tenant exists; a
// tenant already on hold records nothing.
func decidePlaceLegalHold(c PlaceLegalHold, s State) ([]Event, error) {
	reason, err := domain.CleanLine("reason", c.Reason, MaxHoldReasonLen)
	if err != nil {
		return nil, err
	}
	var ref string
	if strings.TrimSpace(c.Reference) != "" {
		if ref, err = domain.CleanLine("reference", c.Reference, MaxHoldReferenceLen); err != nil {
			return nil, err
		}
	}
	if err := requireExists(c.Tenant, s); err != nil {
		return nil, err
	}
	if s.LegalHold.Held {
		return nil, nil
	}
	return []Event{LegalHoldPlaced{Reason: reason, Reference: ref, At: c.At.UTC()}}, nil
}

// decideReleaseLegalHold checks c's reason, then that the tenant exists; a
// tenant not on hold records nothing.
func decideReleaseLegalHold(c ReleaseLegalHold, s State) ([]Event, error) {
	reason, err := domain.CleanLine("reason", c.Reason, MaxHoldReasonLen)
	if err != nil {
		return nil, err
	}
	if err := requireExists(c.Tenant, s); err != nil {
		return nil, err
	}
	if !s.LegalHold.Held {
		return nil, nil
	}
	return []Event{LegalHoldReleased{Reason: reason, At: c.At.UTC()}}, nil
}
