package access

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
)

// Category is the stream category of API tokens.
const Category = "access"

// MaxNameLen bounds a token's name (its description), in characters.
const MaxNameLen = 200

// Stream returns the stream of token tokenID: "access-<tokenID>".
func Stream(tokenID string) string { return Category + "-" + tokenID }

// Role is what a token may do.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"
	RoleAnalyst    Role = "analyst"
	RoleResponder  Role = "responder"
	RoleAuditor    Role = "auditor"
	RoleIntegrator Role = "integrator"
	RoleIngest     Role = "ingest"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleAnalyst, RoleResponder, RoleAuditor, RoleIntegrator, RoleIngest}

// MayHaveAllTenants reports whether a token of role r may be scoped to all
// tenants (MSSP staff roles).
func (r Role) MayHaveAllTenants() bool {
	return r == RoleAdmin || r == RoleAnalyst || r == RoleResponder
}

// Command is a command on a token.
type Command interface {
	domain.Command
	// Token returns the ID of the token the command acts on.
	Token() string
	isCommand()
}

// Issue issues a token.
type Issue struct {
	domain.Meta
	TokenID string
	// Name describes the token ("Splunk forwarder, Acme").
	Name string
	Role Role
	// Tenants is the scope; empty when AllTenants is set.
	Tenants    []string
	AllTenants bool
	// SecretHash is the lower-case hex SHA-256 of the token's secret.
	SecretHash string
	// ExpiresAt is when the token stops working; zero means never.
	ExpiresAt time.Time
}

// Revoke revokes a token.
type Revoke struct {
	domain.Meta
	TokenID string
	Reason  string
}

// Token returns c.TokenID.
func (c Issue) Token() string { return c.TokenID }

// Token returns c.TokenID.
func (c Revoke) Token() string { return c.TokenID }

func (Issue) isCommand()  {}
func (Revoke) isCommand() {}

// StreamOf returns the stream c acts on, "access-<tokenID>".
func StreamOf(c Command) (string, error) {
	if err := domain.ValidateID("tokenId", c.Token()); err != nil {
		return "", err
	}
	return Stream(c.Token()), nil
}

// Event is an access event.
type Event interface {
	domain.Event
	isEvent()
}

// TokenIssued records a new token: its role, scope and secret hash.
type TokenIssued struct {
	TokenID    string    `json:"tokenId"`
	Name       string    `json:"name"`
	Role       Role      `json:"role"`
	Tenants    []string  `json:"tenants"`
	AllTenants bool      `json:"allTenants"`
	SecretHash string    `json:"secretHash"`
	ExpiresAt  time.Time `json:"expiresAt,omitzero"`
	At         time.Time `json:"at"`
}

// TokenRevoked records that a token no longer works.
type TokenRevoked struct {
	TokenID string    `json:"tokenId"`
	Reason  string    `json:"reason"`
	At      time.Time `json:"at"`
}

// EventType returns "access.token_issued".
func (TokenIssued) EventType() string { return "access.token_issued" }

// EventType returns "access.token_revoked".
func (TokenRevoked) EventType() string { return "access.token_revoked" }

func (TokenIssued) isEvent()  {}
func (TokenRevoked) isEvent() {}

var codec = newCodec()

func newCodec() *domain.Codec[Event] {
	return domain.NewCodec[Event]().
		Register(TokenIssued{}, 1).
		Register(TokenRevoked{}, 1)
}

// Codec returns the codec of access events.
func Codec() *domain.Codec[Event] { return codec }

// State is a token as its events left it. The zero State is a token that
// was never issued.
type State struct {
	TokenID    string
	Name       string
	Role       Role
	Tenants    []string
	AllTenants bool
	SecretHash string
	IssuedAt   time.Time
	// ExpiresAt is zero for a token that never expires.
	ExpiresAt    time.Time
	Revoked      bool
	RevokedAt    time.Time
	RevokeReason string
}

// Exists reports whether the token was issued.
func (s State) Exists() bool { return s.TokenID != "" }

// Expired reports whether the token has expired at at.
func (s State) Expired(at time.Time) bool {
	return !s.ExpiresAt.IsZero() && !at.Before(s.ExpiresAt)
}

// Allows reports whether the token may act on tenant at time at: it was
// issued, is not revoked, has not expired at at, and tenant is in its scope
// (AllTenants: any valid tenant ID, never domain.SystemTenant).
func (s State) Allows(tenant string, at time.Time) bool {
	if !s.Exists() || s.Revoked || s.Expired(at) {
		return false
	}
	if s.AllTenants {
		return domain.ValidateTenantID(tenant) == nil
	}
	return tenant != "" && slices.Contains(s.Tenants, tenant)
}

// Decider is the access aggregate.
var Decider = domain.Decider[Command, Event, State]{Decide: Decide, Evolve: Evolve}

// Decide decides c against s.
func Decide(c Command, s State) ([]Event, error) {
	m := c.CommandMeta()
	if err := validateMeta(m); err != nil {
		return nil, err
	}
	if err := domain.ValidateID("tokenId", c.Token()); err != nil {
		return nil, err
	}
	at := m.At.UTC()
	switch c := c.(type) {
	case Issue:
		ev, err := issued(c, at)
		if err != nil {
			return nil, err
		}
		if s.Exists() {
			return nil, fmt.Errorf("token %q: %w", c.TokenID, domain.ErrAlreadyExists)
		}
		return []Event{ev}, nil

	case Revoke:
		reason := strings.TrimSpace(c.Reason)
		if err := domain.RequireText("reason", reason); err != nil {
			return nil, err
		}
		if !s.Exists() {
			return nil, fmt.Errorf("token %q: %w", c.TokenID, domain.ErrNotFound)
		}
		if s.Revoked {
			return nil, nil
		}
		return []Event{TokenRevoked{TokenID: c.TokenID, Reason: reason, At: at}}, nil
	}
	return nil, fmt.Errorf("access: unknown command %T: %w", c, domain.ErrInvalid)
}

// Evolve applies e to s.
func Evolve(s State, e Event) State {
	switch e := e.(type) {
	case TokenIssued:
		s.TokenID = e.TokenID
		s.Name = e.Name
		s.Role = e.Role
		s.Tenants = slices.Clone(e.Tenants)
		s.AllTenants = e.AllTenants
		s.SecretHash = e.SecretHash
		s.IssuedAt = e.At
		s.ExpiresAt = e.ExpiresAt
	case TokenRevoked:
		s.Revoked = true
		s.RevokedAt = e.At
		s.RevokeReason = e.Reason
	}
	return s
}

// validateMeta checks m like domain.Meta.Validate, except that the tenant
// may be empty.
func validateMeta(m domain.Meta) error {
	switch {
	case m.CommandID == "":
		return &domain.FieldError{Field: "commandId", Reason: "missing"}
	case m.Actor == "":
		return &domain.FieldError{Field: "actor", Reason: "missing"}
	case m.At.IsZero():
		return &domain.FieldError{Field: "at", Reason: "missing (the business time of the command)"}
	case m.Tenant == "":
		return nil
	}
	return domain.ValidateTenantID(m.Tenant)
}

// issued validates c and returns the event it records.
func issued(c Issue, at time.Time) (TokenIssued, error) {
	name, err := domain.CleanLine("name", c.Name, MaxNameLen)
	if err != nil {
		return TokenIssued{}, err
	}
	if err := domain.OneOf("role", c.Role, Roles...); err != nil {
		return TokenIssued{}, err
	}
	tenants, err := validateScope(c)
	if err != nil {
		return TokenIssued{}, err
	}
	if !isSHA256Hex(c.SecretHash) {
		return TokenIssued{}, &domain.FieldError{Field: "secretHash",
			Reason: "want the lower-case hex SHA-256 of the secret (64 characters 0-9a-f), never the secret"}
	}
	var expires time.Time
	if !c.ExpiresAt.IsZero() {
		expires = c.ExpiresAt.UTC()
		if !expires.After(at) {
			return TokenIssued{}, &domain.FieldError{Field: "expiresAt", Value: expires.Format(time.RFC3339),
				Reason: "must be after the time of issue"}
		}
	}
	return TokenIssued{TokenID: c.TokenID, Name: name, Role: c.Role, Tenants: tenants, AllTenants: c.AllTenants,
		SecretHash: c.SecretHash, ExpiresAt: expires, At: at}, nil
}

// validateScope returns c's tenants sorted and deduplicated (never nil).
func validateScope(c Issue) ([]string, error) {
	if c.AllTenants {
		if !c.Role.MayHaveAllTenants() {
			return nil, &domain.FieldError{Field: "allTenants", Value: string(c.Role),
				Reason: "a token of this role must list its tenants"}
		}
		if len(c.Tenants) > 0 {
			return nil, &domain.FieldError{Field: "tenants", Reason: "must be empty when allTenants is set"}
		}
		return []string{}, nil
	}
	if len(c.Tenants) == 0 {
		return nil, &domain.FieldError{Field: "tenants", Reason: "missing: list the tenants or set allTenants"}
	}
	for i, t := range c.Tenants {
		if err := domain.ValidateTenantID(t); err != nil {
			var fe *domain.FieldError
			if errors.As(err, &fe) {
				return nil, &domain.FieldError{Field: fmt.Sprintf("tenants[%d]", i), Value: fe.Value, Reason: fe.Reason}
			}
			return nil, err
		}
	}
	tenants := slices.Clone(c.Tenants)
	slices.Sort(tenants)
	return slices.Compact(tenants), nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
