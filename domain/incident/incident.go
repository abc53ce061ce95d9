package incident

import (
	"slices"

	"github.com/socledger/socledger/domain"
)

// Category is the stream category of incidents.
const Category = "incident"

// Stream returns the stream of incident id of tenant.
func Stream(tenant, id string) string { return domain.StreamName(Category, tenant, id) }

// Command is a command on an incident.
type Command interface {
	domain.Command
	// Incident returns the ID of the incident the command acts on.
	Incident() string
	isCommand()
}

// Event is an incident event.
type Event interface {
	domain.Event
	isEvent()
}

// StreamOf returns the stream c acts on.
func StreamOf(c Command) (string, error) {
	m := c.CommandMeta()
	if err := domain.ValidateTenantID(m.Tenant); err != nil {
		return "", err
	}
	if err := domain.ValidateID("incident", c.Incident()); err != nil {
		return "", err
	}
	return Stream(m.Tenant, c.Incident()), nil
}

// State is an incident as its events left it. The zero State is an incident
// that was never opened.
type State struct {
	// Case holds the case-management facts (status, severity, alerts,
	// notes, tasks, …); see case.go.
	Case Case
	// Reg holds the regulatory facts (compliance-spec.md §5); see
	// regulatory.go.
	Reg Regulatory
	// LegalHold is the incident's explicit legal hold (LegalHold.Held says
	// whether it is on hold); see legalhold.go.
	LegalHold LegalHold
}

// Decider is the incident aggregate.
var Decider = domain.Decider[Command, Event, State]{Decide: Decide, Evolve: Evolve}

// Decide decides c against s.
func Decide(c Command, s State) ([]Event, error) {
	if err := c.CommandMeta().Validate(); err != nil {
		return nil, err
	}
	if err := domain.ValidateID("incident", c.Incident()); err != nil {
		return nil, err
	}
	switch c.(type) {
	case PlaceLegalHold, ReleaseLegalHold:
		return decideLegalHold(c, s)
	}
	if rc, ok := c.(regulatoryCommand); ok {
		return decideRegulatory(rc, s)
	}
	return decideCase(c, s)
}

// Evolve applies e to s.
func Evolve(s State, e Event) State {
	switch e.(type) {
	case LegalHoldPlaced, LegalHoldReleased:
		s.LegalHold = evolveLegalHold(s.LegalHold, e)
		return s
	}
	if re, ok := e.(regulatoryEvent); ok {
		s.Reg = evolveRegulatory(s.Reg, re)
		return s
	}
	s.Case = evolveCase(s.Case, e)
	return s
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// cloneNil returns a copy of s, nil when s is empty.
func cloneNil[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// eventTypes returns the type names of events, in order.
func eventTypes(events []Event) []string {
	names := make([]string, len(events))
	for i, e := range events {
		names[i] = e.EventType()
	}
	return names
}
