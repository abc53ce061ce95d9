package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/socledger/socledger/domain"
)

// Category is the stream category of alerts.
const Category = "alert"

// Stream returns the stream of alert id (a FingerprintID) of tenant:
// "alert-<tenant>.<id>".
func Stream(tenant, id string) string { return domain.StreamName(Category, tenant, id) }

// FingerprintID returns the ID of the alert of fingerprint: the lower-case
// hex of the first 16 bytes of the SHA-256 of the fingerprint (32
// characters). Every fire of one fingerprint in one tenant lands on the same
// stream.
func FingerprintID(fingerprint string) string {
	sum := sha256.Sum256([]byte(fingerprint))
	return hex.EncodeToString(sum[:16])
}

// Limits on what one command may carry.
const (
	MaxFingerprintLen = 4096 // bytes
	MaxIDLen          = 256  // characters of a rule ID, source or assignee
	MaxTitleLen       = 500  // characters of a rule title
	MaxTextLen        = 10000
	MaxObservables    = 256
	MaxObservableLen  = 2048 // characters of an observable's value
	MaxTechniques     = 64
	MaxRawEvents      = 100 // raw event references per raise or refire
	MaxEvidence       = 100 // evidence event IDs per verdict
)

// Status is where an alert stands in the queue.
type Status string

// Statuses. The zero Status is an alert that was never raised.
const (
	StatusNew          Status = "new"
	StatusAcknowledged Status = "acknowledged"
	StatusEscalated    Status = "escalated"
	StatusClosed       Status = "closed"
)

// Verdict is an analyst's judgement of an alert.
type Verdict string

// Verdicts.
const (
	VerdictTruePositive   Verdict = "true_positive"
	VerdictBenignPositive Verdict = "benign_positive"
	VerdictFalsePositive  Verdict = "false_positive"
	VerdictUndetermined   Verdict = "undetermined"
)

// Verdicts lists every verdict.
var Verdicts = []Verdict{VerdictTruePositive, VerdictBenignPositive, VerdictFalsePositive, VerdictUndetermined}

// ReopenPolicy is a tenant's choice of what a fire of a closed alert's
// fingerprint does.
type ReopenPolicy string

// Reopen policies.
const (
	// PolicyReopen: a fire within the dedup window after the closure
	// reopens the alert (and counts as a recurrence); a later fire starts
	// a new occurrence.
	PolicyReopen ReopenPolicy = "reopen"
	// PolicyNew: every fire of a closed alert starts a new occurrence.
	PolicyNew ReopenPolicy = "new"
)

// ReopenPolicies lists every reopen policy.
var ReopenPolicies = []ReopenPolicy{PolicyReopen, PolicyNew}

// ReopenTrigger says why an alert was reopened.
type ReopenTrigger string

// Reopen triggers.
const (
	// TriggerAnalyst: a Reopen command.
	TriggerAnalyst ReopenTrigger = "analyst"
	// TriggerRefire: the fingerprint fired again within the dedup window
	// after the closure, under PolicyReopen.
	TriggerRefire ReopenTrigger = "refire"
)

// Observable is a value the alert is about (an IP address, a host, a user,
// a file hash).
type Observable struct {
	// Type is a lower-case word: "ip", "domain", "url", "host", "user",
	// "email", "hash-sha256", "process", "file", …
	Type  string `json:"type"`
	Value string `json:"value"`
}

// EventRef names a stored log event that made the rule fire: its stream (a
// stream of the alert's tenant, usually "log-<tenant>.<source>") and its
// event ID (a UUID).
type EventRef struct {
	Stream  string `json:"stream"`
	EventID string `json:"eventId"`
}

// ErrClosed is matched (errors.Is) by the error of a triage command on a
// closed alert. That error also matches domain.ErrInvalidTransition and is a
// *domain.InvalidTransitionError with From "closed".
var ErrClosed = errors.New("alert: closed")

// closedError reports a triage command on a closed alert.
type closedError struct {
	transition *domain.InvalidTransitionError
}

func newClosedError(to string) error {
	return &closedError{&domain.InvalidTransitionError{Aggregate: Category, From: string(StatusClosed), To: to,
		Reason: "the alert is closed; reopen it first"}}
}

func (e *closedError) Error() string   { return e.transition.Error() }
func (e *closedError) Unwrap() []error { return []error{ErrClosed, e.transition} }

// AlreadyEscalatedError reports an Escalate into another incident than the
// one the alert is already escalated into. It matches domain.ErrConflict.
type AlreadyEscalatedError struct {
	// IncidentID is the incident the alert is escalated into.
	IncidentID string
	// Requested is the incident the command named.
	Requested string
}

func (e *AlreadyEscalatedError) Error() string {
	return fmt.Sprintf("alert: already escalated into incident %s; cannot escalate into %s", e.IncidentID, e.Requested)
}

// Is makes errors.Is(err, domain.ErrConflict) true.
func (e *AlreadyEscalatedError) Is(target error) bool { return target == domain.ErrConflict }

// Command is a command on an alert.
type Command interface {
	domain.Command
	// Alert returns the ID of the alert the command acts on (for Raise,
	// the FingerprintID of its fingerprint).
	Alert() string
	isCommand()
}

// Raise reports a fire of a detection rule. It raises the alert of its
// fingerprint, or records a recurrence, a reopening or a new occurrence
// (see the package doc). Meta.At is when the rule fired (the time of the
// matched log event).
type Raise struct {
	domain.Meta
	Source      string
	RuleID      string
	RuleTitle   string
	Severity    domain.Severity
	Fingerprint string
	Observables []Observable
	// Techniques are ATT&CK technique IDs ("T1059" or "T1059.001").
	Techniques []string
	RawEvents  []EventRef
	// DedupWindow and ReopenPolicy are the tenant's alert policy.
	DedupWindow  time.Duration
	ReopenPolicy ReopenPolicy
}

// Acknowledge records that an analyst has seen the alert.
type Acknowledge struct {
	domain.Meta
	AlertID string
}

// Assign gives the alert to Assignee ("user:alice").
type Assign struct {
	domain.Meta
	AlertID  string
	Assignee string
}

// Unassign takes the alert from its assignee.
type Unassign struct {
	domain.Meta
	AlertID string
}

// Comment adds an analyst's comment.
type Comment struct {
	domain.Meta
	AlertID string
	Text    string
}

// SetVerdict records the analyst's verdict. A false_positive verdict, and
// any change of a verdict already set, needs a reason.
type SetVerdict struct {
	domain.Meta
	AlertID          string
	Verdict          Verdict
	Reason           string
	EvidenceEventIDs []string
}

// Suppress hides the alert from the queue until Until (after Meta.At).
type Suppress struct {
	domain.Meta
	AlertID string
	Until   time.Time
	Reason  string
}

// Unsuppress ends a suppression early.
type Unsuppress struct {
	domain.Meta
	AlertID string
}

// Escalate escalates the alert into incident IncidentID.
type Escalate struct {
	domain.Meta
	AlertID    string
	IncidentID string
}

// Close closes the alert with a resolution. It needs a verdict: one already
// set, or Verdict (with Reason and EvidenceEventIDs as in SetVerdict), which
// is then recorded before the closure.
type Close struct {
	domain.Meta
	AlertID          string
	Resolution       string
	Verdict          Verdict
	Reason           string
	EvidenceEventIDs []string
}

// Reopen reopens a closed alert.
type Reopen struct {
	domain.Meta
	AlertID string
	Reason  string
}

// Alert returns FingerprintID(c.Fingerprint).
func (c Raise) Alert() string { return FingerprintID(c.Fingerprint) }

// Alert returns c.AlertID.
func (c Acknowledge) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c Assign) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c Unassign) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c Comment) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c SetVerdict) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c Suppress) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c Unsuppress) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c Escalate) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c Close) Alert() string { return c.AlertID }

// Alert returns c.AlertID.
func (c Reopen) Alert() string { return c.AlertID }

func (Raise) isCommand()       {}
func (Acknowledge) isCommand() {}
func (Assign) isCommand()      {}
func (Unassign) isCommand()    {}
func (Comment) isCommand()     {}
func (SetVerdict) isCommand()  {}
func (Suppress) isCommand()    {}
func (Unsuppress) isCommand()  {}
func (Escalate) isCommand()    {}
func (Close) isCommand()       {}
func (Reopen) isCommand()      {}

// StreamOf returns the stream c acts on, "alert-<tenant>.<alert ID>",
// after checking the tenant and the fingerprint (Raise) or alert ID.
func StreamOf(c Command) (string, error) {
	if err := domain.ValidateTenantID(c.CommandMeta().Tenant); err != nil {
		return "", err
	}
	if err := validateTarget(c); err != nil {
		return "", err
	}
	return Stream(c.CommandMeta().Tenant, c.Alert()), nil
}

// ValidateAlertID returns a *domain.FieldError on field "alertId" unless id
// has the form of a FingerprintID (32 lower-case hex digits).
func ValidateAlertID(id string) error {
	if id == "" {
		return &domain.FieldError{Field: "alertId", Reason: "missing"}
	}
	if len(id) != 32 || !isLowerHex(id) {
		return &domain.FieldError{Field: "alertId", Value: id, Reason: "want 32 lower-case hex digits (the fingerprint ID)"}
	}
	return nil
}

// validateTarget checks what c's stream is built from: Raise's fingerprint,
// or the alert ID of any other command.
func validateTarget(c Command) error {
	if r, ok := c.(Raise); ok {
		return validateFingerprint(r.Fingerprint)
	}
	return ValidateAlertID(c.Alert())
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
