package tenant

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/socledger/socledger/domain"
)

// MaxSLAMinutes bounds every SLA target: one year.
const MaxSLAMinutes = 366 * 24 * 60

// SLAPolicy is a tenant's service-level targets: how many minutes the SOC
// has, per severity, to acknowledge an alert or incident and to resolve it.
// A valid policy names every severity in both maps.
type SLAPolicy struct {
	AcknowledgeMinutes map[domain.Severity]int `json:"acknowledgeMinutes"`
	ResolveMinutes     map[domain.Severity]int `json:"resolveMinutes"`
}

// DefaultSLA returns the policy a tenant created without one gets.
func DefaultSLA() SLAPolicy {
	return SLAPolicy{
		AcknowledgeMinutes: map[domain.Severity]int{
			domain.SeverityCritical:      15,
			domain.SeverityHigh:          30,
			domain.SeverityMedium:        120,
			domain.SeverityLow:           480,
			domain.SeverityInformational: 1440,
		},
		ResolveMinutes: map[domain.Severity]int{
			domain.SeverityCritical:      240,
			domain.SeverityHigh:          480,
			domain.SeverityMedium:        1440,
			domain.SeverityLow:           4320,
			domain.SeverityInformational: 10080,
		},
	}
}

// IsZero reports whether p names no target at all.
func (p SLAPolicy) IsZero() bool {
	return len(p.AcknowledgeMinutes) == 0 && len(p.ResolveMinutes) == 0
}

// Clone returns a copy of p that shares no map with it.
func (p SLAPolicy) Clone() SLAPolicy {
	return SLAPolicy{AcknowledgeMinutes: maps.Clone(p.AcknowledgeMinutes), ResolveMinutes: maps.Clone(p.ResolveMinutes)}
}

// Equal reports whether p and q set the same targets.
func (p SLAPolicy) Equal(q SLAPolicy) bool {
	return maps.Equal(p.AcknowledgeMinutes, q.AcknowledgeMinutes) && maps.Equal(p.ResolveMinutes, q.ResolveMinutes)
}

// Validate checks p and returns the first problem as a *domain.FieldError
// whose Field is prefixed with prefix ("sla.resolveMinutes.high"): every
// severity present in both maps, no unknown severity, every target between
// 1 and MaxSLAMinutes, and resolving no sooner than acknowledging.
func (p SLAPolicy) Validate(prefix string) error {
	if err := validateMinutes(prefix+"acknowledgeMinutes", p.AcknowledgeMinutes); err != nil {
		return err
	}
	if err := validateMinutes(prefix+"resolveMinutes", p.ResolveMinutes); err != nil {
		return err
	}
	for _, s := range domain.Severities {
		if ack, res := p.AcknowledgeMinutes[s], p.ResolveMinutes[s]; res < ack {
			return &domain.FieldError{Field: prefix + "resolveMinutes." + string(s), Value: fmt.Sprint(res),
				Reason: fmt.Sprintf("shorter than the %d minutes to acknowledge", ack)}
		}
	}
	return nil
}

func validateMinutes(field string, m map[domain.Severity]int) error {
	if len(m) == 0 {
		return &domain.FieldError{Field: field, Reason: "missing: give minutes for every severity"}
	}
	keys := slices.Sorted(maps.Keys(m))
	for _, s := range keys {
		if s.Rank() == 0 {
			return &domain.FieldError{Field: field + "." + string(s), Value: string(s),
				Reason: fmt.Sprintf("unknown severity: must be one of %v", domain.Severities)}
		}
	}
	for _, s := range domain.Severities {
		v, ok := m[s]
		switch {
		case !ok:
			return &domain.FieldError{Field: field + "." + string(s), Reason: "missing: give minutes for every severity"}
		case v < 1 || v > MaxSLAMinutes:
			return &domain.FieldError{Field: field + "." + string(s), Value: fmt.Sprint(v),
				Reason: fmt.Sprintf("must be between 1 and %d minutes", MaxSLAMinutes)}
		}
	}
	return nil
}

// AcknowledgeWithin returns the time to acknowledge at severity s (0 for a
// severity the policy does not name).
func (p SLAPolicy) AcknowledgeWithin(s domain.Severity) time.Duration {
	return time.Duration(p.AcknowledgeMinutes[s]) * time.Minute
}

// ResolveWithin returns the time to resolve at severity s (0 for a severity
// the policy does not name).
func (p SLAPolicy) ResolveWithin(s domain.Severity) time.Duration {
	return time.Duration(p.ResolveMinutes[s]) * time.Minute
}
