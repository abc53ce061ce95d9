package compliance

import (
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/compliance/calendar"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// RuleSetVersion names the version of the rules this package implements
// (compliance-spec.md); every report and due time carries it.
const RuleSetVersion = "socledger-compliance-2025.1"

// Input is everything Evaluate needs. It never reads a clock: AsOf is the
// instant the report is made as of.
type Input struct {
	// Incident is the incident's ID.
	Incident string
	// Profile is the tenant's entity profile, used when the incident has
	// no snapshot of its own (the snapshot taken when it was opened wins).
	Profile tenant.Profile
	// Location is the entity's time zone (the profile's TZ, loaded by the
	// caller); nil means UTC.
	Location *time.Location
	// Holidays is the entity's bank-holiday calendar; nil means none.
	Holidays *calendar.Holidays
	// Events are the incident stream's events in order, with their
	// metadata (Meta.RecordedAt decides which are known as of AsOf).
	Events []domain.Recorded[incident.Event]
	// AsOf is the instant the report is made as of.
	AsOf time.Time
}

// Verdict is the state of one obligation as of AsOf (§4.5).
type Verdict string

// Verdicts.
const (
	VerdictPending     Verdict = "pending"
	VerdictOnTime      Verdict = "on_time"
	VerdictLate        Verdict = "late"
	VerdictOverdue     Verdict = "overdue"
	VerdictNotRequired Verdict = "not_required"
	VerdictBlocked     Verdict = "blocked"
	// VerdictSubmitted: an obligation without a due time that was met.
	VerdictSubmitted Verdict = "submitted"
)

// Required says whether an obligation applies.
type Required string

// Required values.
const (
	RequiredYes         Required = "yes"
	RequiredConditional Required = "conditional"
	RequiredNo          Required = "no"
)

// Flags on obligations and incidents.
const (
	FlagCompressed             = "compressed"
	FlagArt33ReasonsMissing    = "art33_1_reasons_missing"
	FlagAnchorMissing          = "anchor_missing"
	FlagRecordedLate           = "recorded_late"
	FlagUndated                = "undated"
	FlagReclassificationNotice = "reclassification_notice_expected"
)

// Submission is one notification that satisfied an obligation.
type Submission struct {
	SubmissionID string `json:"submissionId"`
	// Kinds are every report kind the submission covers (ITS 2025/302
	// Art. 2: one submission may satisfy several obligations).
	Kinds      []incident.ReportKind `json:"kinds"`
	SentAt     time.Time             `json:"sentAt"`
	ReceivedAt *time.Time            `json:"receivedAt,omitempty"`
	// At is the submission time that counts: ReceivedAt if known, else
	// SentAt (§4.5).
	At           time.Time `json:"at"`
	Authority    string    `json:"authority"`
	AuthorityRef string    `json:"authorityRef,omitempty"`
	Channel      string    `json:"channel,omitempty"`
	DelayReason  string    `json:"delayReason,omitempty"`
	RecordedAt   time.Time `json:"recordedAt"`
	EventID      string    `json:"eventId"`
	// RecordedLate: made no later than the obligation's due time but
	// recorded after it (§4.5: not a miss).
	RecordedLate bool `json:"recordedLate,omitempty"`
}

// DelayNotice is a DORA Art. 5(3) notice (or another regime's) that a report
// will be late.
type DelayNotice struct {
	At      time.Time `json:"at"`
	Reasons string    `json:"reasons"`
	// Timely: sent no later than the due time it concerns.
	Timely  bool   `json:"timely"`
	EventID string `json:"eventId"`
}

// Obligation is one report the entity owes (or may owe) an authority.
type Obligation struct {
	Regime tenant.Regime       `json:"regime"`
	Kind   incident.ReportKind `json:"kind"`
	// Seq distinguishes several obligations of one kind (authority
	// requests, numbered from 1 per regime and kind); 0 otherwise.
	Seq int `json:"seq,omitempty"`
	// Authority and AuthorityRef name the authority request a row of
	// Reason ReasonAuthorityRequest answers.
	Authority    string   `json:"authority,omitempty"`
	AuthorityRef string   `json:"authorityRef,omitempty"`
	Required     Required `json:"required"`
	// Reason explains Required (and not_required verdicts).
	Reason  string `json:"reason,omitempty"`
	RuleRef string `json:"ruleRef"`
	// Anchor is the fact the due time counts from.
	AnchorEventID string     `json:"anchorEventId,omitempty"`
	AnchorAt      *time.Time `json:"anchorAt,omitempty"`
	RawDueAt      *time.Time `json:"rawDueAt,omitempty"`
	ReliefApplied bool       `json:"reliefApplied"`
	DueAt         *time.Time `json:"dueAt,omitempty"`
	// Submissions that satisfied it; SubmittedAt is the first one's At.
	Submissions []Submission `json:"submissions,omitempty"`
	SubmittedAt *time.Time   `json:"submittedAt,omitempty"`
	Verdict     Verdict      `json:"verdict"`
	// Margin is DueAt - SubmittedAt (negative when late), or DueAt - AsOf
	// for an open obligation; Elapsed is SubmittedAt - AnchorAt. Both in
	// Go duration syntax; empty when they do not apply.
	Margin  string `json:"margin,omitempty"`
	Elapsed string `json:"elapsed,omitempty"`
	// Lateness is SubmittedAt - DueAt for a late obligation, AsOf - DueAt
	// for an overdue one.
	Lateness string `json:"lateness,omitempty"`
	// MissedAt latches the due time that passed unsubmitted (§4.5); a
	// correction that removes the miss sets WithdrawnBy.
	MissedAt    *time.Time   `json:"missedAt,omitempty"`
	WithdrawnBy string       `json:"withdrawnBy,omitempty"`
	Delay       *DelayNotice `json:"delay,omitempty"`
	// WindowAfterClassification is DORA initial's DueAt - classification.
	WindowAfterClassification string   `json:"windowAfterClassification,omitempty"`
	Flags                     []string `json:"flags,omitempty"`
	// SourceEventIDs are the events the row was computed from.
	SourceEventIDs []string `json:"sourceEventIds"`
	RuleSetVersion string   `json:"ruleSetVersion"`
}

// RegimeStatus says whether a regime applies to the incident, and why.
type RegimeStatus struct {
	Regime  tenant.Regime `json:"regime"`
	Applies bool          `json:"applies"`
	Basis   string        `json:"basis"`
}

// Report is the compliance report of one incident as of AsOf (§6).
type Report struct {
	Incident   string         `json:"incident"`
	AsOf       time.Time      `json:"asOf"`
	Regimes    []RegimeStatus `json:"regimes"`
	DetectedAt *time.Time     `json:"detectedAt,omitempty"`
	// Awareness per regime ("NIS2", "DORA", "GDPR").
	Awareness map[tenant.Regime]time.Time `json:"awareness,omitempty"`
	// Lags: detection → awareness per regime, awareness → classification.
	DetectionToAwareness      map[tenant.Regime]string `json:"detectionToAwareness,omitempty"`
	AwarenessToClassification map[tenant.Regime]string `json:"awarenessToClassification,omitempty"`
	Classification            []ClassificationSummary  `json:"classification,omitempty"`
	Obligations               []Obligation             `json:"obligations"`
	// Informational items without deadlines (§6 "Also").
	Informational []string `json:"informational,omitempty"`
	AnyMissed     bool     `json:"anyMissed"`
	// NextDeadline is the earliest due time of an obligation still open.
	NextDeadline   *Obligation `json:"nextDeadline,omitempty"`
	Flags          []string    `json:"flags,omitempty"`
	RuleSetVersion string      `json:"ruleSetVersion"`
	// ProfileEventID is the event ID of the incident's profile snapshot the
	// report used; empty when it used Input.Profile (no snapshot).
	ProfileEventID string `json:"profileEventId,omitempty"`
}

// ClassificationSummary is one classification fact as the report shows it.
type ClassificationSummary struct {
	Regime   tenant.Regime `json:"regime"`
	At       time.Time     `json:"at"`
	Result   string        `json:"result"`
	Rule     string        `json:"rule,omitempty"`
	Criteria []string      `json:"criteria,omitempty"`
	// Hits are the criteria with their values, thresholds and evidence.
	Hits    []incident.CriterionHit `json:"hits,omitempty"`
	EventID string                  `json:"eventId"`
}
