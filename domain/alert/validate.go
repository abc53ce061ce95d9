package alert

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/socledger/socledger/domain"
)

var (
	techniquePattern      = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	observableTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)
	uuidPattern           = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// validateRaise checks c's fields and returns the Raised event of a first
// occurrence.
func validateRaise(c Raise, tenant string, at time.Time) (Raised, error) {
	if err := validateFingerprint(c.Fingerprint); err != nil {
		return Raised{}, err
	}
	source, err := domain.CleanLine("source", c.Source, MaxIDLen)
	if err != nil {
		return Raised{}, err
	}
	ruleID, err := domain.CleanLine("ruleId", c.RuleID, MaxIDLen)
	if err != nil {
		return Raised{}, err
	}
	title, err := domain.CleanLine("ruleTitle", c.RuleTitle, MaxTitleLen)
	if err != nil {
		return Raised{}, err
	}
	if err := domain.ValidateSeverity("severity", c.Severity); err != nil {
		return Raised{}, err
	}
	observables, err := validateObservables(c.Observables)
	if err != nil {
		return Raised{}, err
	}
	techniques, err := validateTechniques(c.Techniques)
	if err != nil {
		return Raised{}, err
	}
	refs, err := validateRawEvents(c.RawEvents, tenant)
	if err != nil {
		return Raised{}, err
	}
	if err := domain.OneOf("reopenPolicy", c.ReopenPolicy, ReopenPolicies...); err != nil {
		return Raised{}, err
	}
	switch {
	case c.DedupWindow < 0:
		return Raised{}, &domain.FieldError{Field: "dedupWindow", Value: c.DedupWindow.String(), Reason: "must not be negative"}
	case c.DedupWindow == 0 && c.ReopenPolicy == PolicyReopen:
		return Raised{}, &domain.FieldError{Field: "dedupWindow", Value: c.DedupWindow.String(),
			Reason: "must be positive under the reopen policy"}
	}
	return Raised{
		AlertID:     FingerprintID(c.Fingerprint),
		Fingerprint: c.Fingerprint,
		Occurrence:  1,
		Source:      source,
		RuleID:      ruleID,
		RuleTitle:   title,
		Severity:    c.Severity,
		Observables: observables,
		Techniques:  techniques,
		RawEvents:   refs,
		At:          at,
	}, nil
}

func validateFingerprint(fp string) error {
	switch {
	case fp == "":
		return &domain.FieldError{Field: "fingerprint", Reason: "missing"}
	case len(fp) > MaxFingerprintLen:
		return &domain.FieldError{Field: "fingerprint", Reason: fmt.Sprintf("longer than %d bytes", MaxFingerprintLen)}
	case !utf8.ValidString(fp):
		return &domain.FieldError{Field: "fingerprint", Reason: "not valid UTF-8"}
	}
	return nil
}

// validateToken checks a name without spaces ("user:alice"): 1 to MaxIDLen
// characters, no white space or control characters.
func validateToken(field, s string) (string, error) {
	switch {
	case s == "":
		return "", &domain.FieldError{Field: field, Reason: "missing"}
	case !utf8.ValidString(s):
		return "", &domain.FieldError{Field: field, Reason: "not valid UTF-8"}
	case utf8.RuneCountInString(s) > MaxIDLen:
		return "", &domain.FieldError{Field: field, Reason: fmt.Sprintf("longer than %d characters", MaxIDLen)}
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return "", &domain.FieldError{Field: field, Value: s, Reason: "contains white space or a control character"}
	}
	return s, nil
}

// validateObservables checks and normalizes (lower-case type, trimmed
// value) each observable and drops repeats, keeping the first. Never nil.
func validateObservables(in []Observable) ([]Observable, error) {
	if len(in) > MaxObservables {
		return nil, &domain.FieldError{Field: "observables", Reason: fmt.Sprintf("more than %d", MaxObservables)}
	}
	out := make([]Observable, 0, len(in))
	for i, o := range in {
		typ := strings.ToLower(strings.TrimSpace(o.Type))
		if !observableTypePattern.MatchString(typ) {
			return nil, &domain.FieldError{Field: fmt.Sprintf("observables[%d].type", i), Value: o.Type,
				Reason: "want a lower-case word of up to 32 letters, digits, '_' and '-' (ip, domain, user, hash-sha256, …)"}
		}
		value, err := domain.CleanLine(fmt.Sprintf("observables[%d].value", i), o.Value, MaxObservableLen)
		if err != nil {
			return nil, err
		}
		o = Observable{Type: typ, Value: value}
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// validateTechniques checks ATT&CK technique IDs, upper-cases them, sorts
// them and drops repeats. Never nil.
func validateTechniques(in []string) ([]string, error) {
	if len(in) > MaxTechniques {
		return nil, &domain.FieldError{Field: "techniques", Reason: fmt.Sprintf("more than %d", MaxTechniques)}
	}
	out := make([]string, 0, len(in))
	for i, t := range in {
		id := strings.ToUpper(strings.TrimSpace(t))
		if !techniquePattern.MatchString(id) {
			return nil, &domain.FieldError{Field: fmt.Sprintf("techniques[%d]", i), Value: t,
				Reason: "want an ATT&CK technique ID such as T1059 or T1059.001"}
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// validateRawEvents checks each reference (a stream of tenant and a UUID
// event ID, lower-cased) and drops repeats, keeping order. Never nil.
func validateRawEvents(in []EventRef, tenant string) ([]EventRef, error) {
	if len(in) > MaxRawEvents {
		return nil, &domain.FieldError{Field: "rawEvents", Reason: fmt.Sprintf("more than %d", MaxRawEvents)}
	}
	out := make([]EventRef, 0, len(in))
	for i, r := range in {
		field := fmt.Sprintf("rawEvents[%d]", i)
		if !validStreamName(r.Stream) {
			return nil, &domain.FieldError{Field: field + ".stream", Value: r.Stream,
				Reason: "want a stream name of 1 to 255 printable ASCII characters without spaces"}
		}
		if t, ok := domain.StreamTenant(r.Stream); !ok || t != tenant {
			return nil, &domain.FieldError{Field: field + ".stream", Value: r.Stream,
				Reason: fmt.Sprintf("must be a stream of tenant %s", tenant)}
		}
		id, err := validateUUID(field+".eventId", r.EventID)
		if err != nil {
			return nil, err
		}
		r = EventRef{Stream: r.Stream, EventID: id}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

func validStreamName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '/' || c == '\\' {
			return false
		}
	}
	return true
}

// validateUUID returns id in canonical lower-case form, or a
// *domain.FieldError.
func validateUUID(field, id string) (string, error) {
	if id == "" {
		return "", &domain.FieldError{Field: field, Reason: "missing"}
	}
	lower := strings.ToLower(id)
	if !uuidPattern.MatchString(lower) {
		return "", &domain.FieldError{Field: field, Value: id, Reason: "want an event ID (a UUID)"}
	}
	return lower, nil
}

// validateVerdict checks a verdict with its reason and evidence and returns
// the VerdictSet it would record (without Previous and At).
func validateVerdict(v Verdict, reason string, evidence []string) (VerdictSet, error) {
	if err := domain.OneOf("verdict", v, Verdicts...); err != nil {
		return VerdictSet{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason != "" {
		var err error
		if reason, err = domain.CleanText("reason", reason, MaxTextLen); err != nil {
			return VerdictSet{}, err
		}
	} else if v == VerdictFalsePositive {
		return VerdictSet{}, &domain.FieldError{Field: "reason", Reason: "missing: a false_positive verdict needs a reason"}
	}
	if len(evidence) > MaxEvidence {
		return VerdictSet{}, &domain.FieldError{Field: "evidenceEventIds", Reason: fmt.Sprintf("more than %d", MaxEvidence)}
	}
	ids := make([]string, 0, len(evidence))
	for i, e := range evidence {
		id, err := validateUUID(fmt.Sprintf("evidenceEventIds[%d]", i), e)
		if err != nil {
			return VerdictSet{}, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return VerdictSet{Verdict: v, Reason: reason, EvidenceEventIDs: ids}, nil
}
