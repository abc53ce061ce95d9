package domain

// Severity ranks alerts and incidents, with the levels of Sigma rules.
type Severity string

// Severities, lowest first.
const (
	SeverityInformational Severity = "informational"
	SeverityLow           Severity = "low"
	SeverityMedium        Severity = "medium"
	SeverityHigh          Severity = "high"
	SeverityCritical      Severity = "critical"
)

// Severities lists the severities, lowest first.
var Severities = []Severity{SeverityInformational, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Rank returns 1 (informational) to 5 (critical), 0 for an unknown severity.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i + 1
		}
	}
	return 0
}

// ValidateSeverity returns a *FieldError when s is not a known severity.
func ValidateSeverity(field string, s Severity) error {
	return OneOf(field, s, Severities...)
}
