package tenant

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
)

// Category is the stream category of tenants.
const Category = "tenant"

// MaxNameLen bounds a tenant's display name, in characters.
const MaxNameLen = 200

// Stream returns the stream of tenant: "tenant-<tenant>". A tenant is its
// own aggregate, so the stream has no ID part.
func Stream(tenant string) string { return domain.StreamName(Category, tenant, "") }

// Command is a command on a tenant. The tenant is the command's
// Meta.Tenant.
type Command interface {
	domain.Command
	isCommand()
}

// Create creates the tenant Meta.Tenant. A zero SLA means DefaultSLA().
type Create struct {
	domain.Meta
	Name    string
	SLA     SLAPolicy
	Profile Profile
}

// Rename changes the tenant's display name.
type Rename struct {
	domain.Meta
	Name string
}

// ChangeProfile replaces the tenant's entity profile. Reason is required:
// the profile drives regulatory deadlines, so an auditor wants to know why
// it changed.
type ChangeProfile struct {
	domain.Meta
	Profile Profile
	Reason  string
}

// ChangeSLA replaces the tenant's SLA policy (all of it: send every
// severity; DefaultSLA() to go back to the defaults).
type ChangeSLA struct {
	domain.Meta
	SLA SLAPolicy
}

func (Create) isCommand()        {}
func (Rename) isCommand()        {}
func (ChangeProfile) isCommand() {}
func (ChangeSLA) isCommand()     {}

// StreamOf returns the stream c acts on, "tenant-<Meta.Tenant>".
func StreamOf(c Command) (string, error) {
	t := c.CommandMeta().Tenant
	if err := domain.ValidateTenantID(t); err != nil {
		return "", err
	}
	return Stream(t), nil
}

// Event is a tenant event.
type Event interface {
	domain.Event
	isEvent()
}

// Created records a new tenant with its name, SLA policy and entity profile
// (normalized).
type Created struct {
	Tenant  string    `json:"tenant"`
	Name    string    `json:"name"`
	SLA     SLAPolicy `json:"sla"`
	Profile Profile   `json:"profile"`
	At      time.Time `json:"at"`
}

// Renamed records a new display name.
type Renamed struct {
	Name string    `json:"name"`
	At   time.Time `json:"at"`
}

// ProfileChanged records the tenant's new entity profile (normalized, all
// of it) and why it changed. Incidents opened before keep their snapshot.
type ProfileChanged struct {
	Profile Profile   `json:"profile"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// SLAChanged records the tenant's new SLA policy (all of it).
type SLAChanged struct {
	SLA SLAPolicy `json:"sla"`
	At  time.Time `json:"at"`
}

// EventType returns "tenant.created".
func (Created) EventType() string { return "tenant.created" }

// EventType returns "tenant.renamed".
func (Renamed) EventType() string { return "tenant.renamed" }

// EventType returns "tenant.profile_changed".
func (ProfileChanged) EventType() string { return "tenant.profile_changed" }

// EventType returns "tenant.sla_changed".
func (SLAChanged) EventType() string { return "tenant.sla_changed" }

func (Created) isEvent()        {}
func (Renamed) isEvent()        {}
func (ProfileChanged) isEvent() {}
func (SLAChanged) isEvent()     {}

var codec = newCodec()

func newCodec() *domain.Codec[Event] {
	return domain.NewCodec[Event]().
		Register(Created{}, 1).
		Register(Renamed{}, 1).
		Register(ProfileChanged{}, 1).
		Register(SLAChanged{}, 1).
		Register(LegalHoldPlaced{}, 1).
		Register(LegalHoldReleased{}, 1)
}

// Codec returns the codec of tenant events.
func Codec() *domain.Codec[Event] { return codec }

// State is a tenant as its events left it. The zero State is a tenant that
// was never created.
type State struct {
	// ID is the tenant ID; empty until the tenant is created.
	ID      string
	Name    string
	SLA     SLAPolicy
	Profile Profile
	// CreatedAt is the business time of the creation; ProfileChangedAt
	// that of the last profile change (zero if the profile never changed).
	CreatedAt        time.Time
	ProfileChangedAt time.Time
	// LegalHold is the tenant's explicit legal hold (LegalHold.Held says
	// whether it is on hold).
	LegalHold LegalHold
}

// Exists reports whether the tenant was created.
func (s State) Exists() bool { return s.ID != "" }

// Decider is the tenant aggregate.
var Decider = domain.Decider[Command, Event, State]{Decide: Decide, Evolve: Evolve}

// Decide decides c against s.
func Decide(c Command, s State) ([]Event, error) {
	m := c.CommandMeta()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	at := m.At.UTC()
	switch c := c.(type) {
	case Create:
		name, err := domain.CleanLine("name", c.Name, MaxNameLen)
		if err != nil {
			return nil, err
		}
		sla := c.SLA.Clone()
		if sla.IsZero() {
			sla = DefaultSLA()
		}
		if err := sla.Validate("sla."); err != nil {
			return nil, err
		}
		p, err := normalizeProfile(c.Profile)
		if err != nil {
			return nil, err
		}
		if s.Exists() {
			return nil, fmt.Errorf("tenant %q: %w", s.ID, domain.ErrAlreadyExists)
		}
		return []Event{Created{Tenant: m.Tenant, Name: name, SLA: sla, Profile: p, At: at}}, nil

	case Rename:
		name, err := domain.CleanLine("name", c.Name, MaxNameLen)
		if err != nil {
			return nil, err
		}
		if err := requireExists(m.Tenant, s); err != nil {
			return nil, err
		}
		if name == s.Name {
			return nil, nil
		}
		return []Event{Renamed{Name: name, At: at}}, nil

	case ChangeProfile:
		p, err := normalizeProfile(c.Profile)
		if err != nil {
			return nil, err
		}
		reason := strings.TrimSpace(c.Reason)
		if err := domain.RequireText("reason", reason); err != nil {
			return nil, err
		}
		if err := requireExists(m.Tenant, s); err != nil {
			return nil, err
		}
		if p.Equal(s.Profile.Normalize()) {
			return nil, nil
		}
		return []Event{ProfileChanged{Profile: p, Reason: reason, At: at}}, nil

	case ChangeSLA:
		if c.SLA.IsZero() {
			return nil, &domain.FieldError{Field: "sla", Reason: "missing: give the whole policy (DefaultSLA to reset)"}
		}
		sla := c.SLA.Clone()
		if err := sla.Validate("sla."); err != nil {
			return nil, err
		}
		if err := requireExists(m.Tenant, s); err != nil {
			return nil, err
		}
		if sla.Equal(s.SLA) {
			return nil, nil
		}
		return []Event{SLAChanged{SLA: sla, At: at}}, nil

	case PlaceLegalHold:
		return decidePlaceLegalHold(c, s)

	case ReleaseLegalHold:
		return decideReleaseLegalHold(c, s)
	}
	return nil, fmt.Errorf("tenant: unknown command %T: %w", c, domain.ErrInvalid)
}

// Evolve applies e to s.
func Evolve(s State, e Event) State {
	switch e := e.(type) {
	case Created:
		s.ID = e.Tenant
		s.Name = e.Name
		s.SLA = e.SLA.Clone()
		s.Profile = cloneProfile(e.Profile)
		s.CreatedAt = e.At
	case Renamed:
		s.Name = e.Name
	case ProfileChanged:
		s.Profile = cloneProfile(e.Profile)
		s.ProfileChangedAt = e.At
	case SLAChanged:
		s.SLA = e.SLA.Clone()
	case LegalHoldPlaced:
		s.LegalHold = LegalHold{Held: true, Reason: e.Reason, Reference: e.Reference, Since: e.At}
	case LegalHoldReleased:
		s.LegalHold = LegalHold{}
	}
	return s
}

func requireExists(tenant string, s State) error {
	if !s.Exists() {
		return fmt.Errorf("tenant %q: %w", tenant, domain.ErrNotFound)
	}
	return nil
}

// normalizeProfile normalizes and validates p. Regimes is never nil
// afterwards, so events always carry a JSON array.
func normalizeProfile(p Profile) (Profile, error) {
	p = p.Normalize()
	if p.Regimes == nil {
		p.Regimes = []Regime{}
	}
	if err := p.Validate("profile."); err != nil {
		return Profile{}, err
	}
	return p, nil
}

func cloneProfile(p Profile) Profile {
	p.Regimes = slices.Clone(p.Regimes)
	return p
}
