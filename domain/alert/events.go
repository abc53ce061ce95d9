package alert

import (
	"time"

	"github.com/socledger/socledger/domain"
)

// Event is an alert event.
type Event interface {
	domain.Event
	isEvent()
}

// Raised records a new alert, or a new occurrence of a closed one
// (Occurrence counts them from 1). At is when the rule fired.
type Raised struct {
	AlertID     string          `json:"alertId"`
	Fingerprint string          `json:"fingerprint"`
	Occurrence  int             `json:"occurrence"`
	Source      string          `json:"source"`
	RuleID      string          `json:"ruleId"`
	RuleTitle   string          `json:"ruleTitle"`
	Severity    domain.Severity `json:"severity"`
	Observables []Observable    `json:"observables"`
	Techniques  []string        `json:"techniques"`
	RawEvents   []EventRef      `json:"rawEvents"`
	At          time.Time       `json:"at"`
}

// Recurred records a fire of the fingerprint of an open (or just reopened)
// alert: Count is the number of fires of the occurrence so far (the raise
// included), LastSeen the latest fire time, RawEvents the log events of
// this fire. At is when the rule fired.
type Recurred struct {
	Count     int        `json:"count"`
	LastSeen  time.Time  `json:"lastSeen"`
	RawEvents []EventRef `json:"rawEvents"`
	At        time.Time  `json:"at"`
}

// Acknowledged records that an analyst has seen the alert.
type Acknowledged struct {
	At time.Time `json:"at"`
}

// Assigned records the alert's new assignee.
type Assigned struct {
	Assignee string    `json:"assignee"`
	At       time.Time `json:"at"`
}

// Unassigned records that Assignee no longer has the alert.
type Unassigned struct {
	Assignee string    `json:"assignee"`
	At       time.Time `json:"at"`
}

// Commented records an analyst's comment.
type Commented struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// VerdictSet records a verdict. Previous is the verdict it replaces (empty
// for the first one).
type VerdictSet struct {
	Verdict          Verdict   `json:"verdict"`
	Previous         Verdict   `json:"previous,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	EvidenceEventIDs []string  `json:"evidenceEventIds"`
	At               time.Time `json:"at"`
}

// Suppressed records that the alert is hidden from the queue until Until.
type Suppressed struct {
	Until  time.Time `json:"until"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Unsuppressed records the early end of a suppression.
type Unsuppressed struct {
	At time.Time `json:"at"`
}

// Escalated records that the alert was escalated into an incident.
type Escalated struct {
	IncidentID string    `json:"incidentId"`
	At         time.Time `json:"at"`
}

// Closed records the closure of the alert, with the verdict it was closed
// under.
type Closed struct {
	Resolution string    `json:"resolution"`
	Verdict    Verdict   `json:"verdict"`
	At         time.Time `json:"at"`
}

// Reopened records that a closed alert was reopened, by an analyst or by a
// fire of its fingerprint (Trigger).
type Reopened struct {
	Trigger ReopenTrigger `json:"trigger"`
	Reason  string        `json:"reason"`
	At      time.Time     `json:"at"`
}

// EventType returns "alert.raised".
func (Raised) EventType() string { return "alert.raised" }

// EventType returns "alert.recurred".
func (Recurred) EventType() string { return "alert.recurred" }

// EventType returns "alert.acknowledged".
func (Acknowledged) EventType() string { return "alert.acknowledged" }

// EventType returns "alert.assigned".
func (Assigned) EventType() string { return "alert.assigned" }

// EventType returns "alert.unassigned".
func (Unassigned) EventType() string { return "alert.unassigned" }

// EventType returns "alert.commented".
func (Commented) EventType() string { return "alert.commented" }

// EventType returns "alert.verdict_set".
func (VerdictSet) EventType() string { return "alert.verdict_set" }

// EventType returns "alert.suppressed".
func (Suppressed) EventType() string { return "alert.suppressed" }

// EventType returns "alert.unsuppressed".
func (Unsuppressed) EventType() string { return "alert.unsuppressed" }

// EventType returns "alert.escalated".
func (Escalated) EventType() string { return "alert.escalated" }

// EventType returns "alert.closed".
func (Closed) EventType() string { return "alert.closed" }

// EventType returns "alert.reopened".
func (Reopened) EventType() string { return "alert.reopened" }

func (Raised) isEvent()       {}
func (Recurred) isEvent()     {}
func (Acknowledged) isEvent() {}
func (Assigned) isEvent()     {}
func (Unassigned) isEvent()   {}
func (Commented) isEvent()    {}
func (VerdictSet) isEvent()   {}
func (Suppressed) isEvent()   {}
func (Unsuppressed) isEvent() {}
func (Escalated) isEvent()    {}
func (Closed) isEvent()       {}
func (Reopened) isEvent()     {}

var codec = newCodec()

func newCodec() *domain.Codec[Event] {
	return domain.NewCodec[Event]().
		Register(Raised{}, 1).
		Register(Recurred{}, 1).
		Register(Acknowledged{}, 1).
		Register(Assigned{}, 1).
		Register(Unassigned{}, 1).
		Register(Commented{}, 1).
		Register(VerdictSet{}, 1).
		Register(Suppressed{}, 1).
		Register(Unsuppressed{}, 1).
		Register(Escalated{}, 1).
		Register(Closed{}, 1).
		Register(Reopened{}, 1)
}

// Codec returns the codec of alert events.
func Codec() *domain.Codec[Event] { return codec }
