package alert

import (
	"slices"
	"time"

	"github.com/socledger/socledger/domain"
)

// State is an alert as its events left it: the facts of its current
// occurrence and what the queue shows. The zero State is an alert that was
// never raised. The tenant is not part of it: it is in the stream name and in
// every event's metadata.
type State struct {
	AlertID     string
	Fingerprint string
	// Occurrence counts the occurrences from 1; a closed alert whose
	// fingerprint fires again may start the next one.
	Occurrence  int
	Source      string
	RuleID      string
	RuleTitle   string
	Severity    domain.Severity
	Observables []Observable
	Techniques  []string
	// RawEvents are the log events of the occurrence's first fire.
	RawEvents []EventRef

	Status Status
	// Count is the number of fires of the occurrence (1 when raised).
	Count int
	// FirstSeen is when the occurrence was raised; LastSeen the latest fire.
	FirstSeen time.Time
	LastSeen  time.Time

	Acknowledged   bool
	AcknowledgedAt time.Time
	Assignee       string

	Verdict          Verdict
	VerdictReason    string
	EvidenceEventIDs []string
	VerdictAt        time.Time

	// SuppressedUntil is the end of the latest suppression (zero if none or
	// ended early); see SuppressedAt.
	SuppressedUntil time.Time
	SuppressReason  string

	// IncidentID is the incident the alert is escalated into.
	IncidentID  string
	EscalatedAt time.Time

	ClosedAt   time.Time
	Resolution string

	// Reopens counts the reopenings of the occurrence; ReopenedAt is the
	// latest.
	Reopens    int
	ReopenedAt time.Time
	// Comments counts the comments of the occurrence.
	Comments int
}

// Exists reports whether the alert was raised.
func (s State) Exists() bool { return s.AlertID != "" }

// Closed reports whether the alert is closed.
func (s State) Closed() bool { return s.Status == StatusClosed }

// SuppressedAt reports whether the alert is suppressed at at.
func (s State) SuppressedAt(at time.Time) bool { return s.SuppressedUntil.After(at) }

// Decider is the alert aggregate.
var Decider = domain.Decider[Command, Event, State]{Decide: Decide, Evolve: Evolve}

// Evolve applies e to s.
func Evolve(s State, e Event) State {
	switch e := e.(type) {
	case Raised:
		s = State{
			AlertID:     e.AlertID,
			Fingerprint: e.Fingerprint,
			Occurrence:  e.Occurrence,
			Source:      e.Source,
			RuleID:      e.RuleID,
			RuleTitle:   e.RuleTitle,
			Severity:    e.Severity,
			Observables: slices.Clone(e.Observables),
			Techniques:  slices.Clone(e.Techniques),
			RawEvents:   slices.Clone(e.RawEvents),
			Count:       1,
			FirstSeen:   e.At,
			LastSeen:    e.At,
		}
	case Recurred:
		s.Count = e.Count
		s.LastSeen = e.LastSeen
	case Acknowledged:
		s.Acknowledged = true
		s.AcknowledgedAt = e.At
	case Assigned:
		s.Assignee = e.Assignee
	case Unassigned:
		s.Assignee = ""
	case Commented:
		s.Comments++
	case VerdictSet:
		s.Verdict = e.Verdict
		s.VerdictReason = e.Reason
		s.EvidenceEventIDs = slices.Clone(e.EvidenceEventIDs)
		s.VerdictAt = e.At
	case Suppressed:
		s.SuppressedUntil = e.Until
		s.SuppressReason = e.Reason
	case Unsuppressed:
		s.SuppressedUntil = time.Time{}
		s.SuppressReason = ""
	case Escalated:
		s.IncidentID = e.IncidentID
		s.EscalatedAt = e.At
	case Closed:
		s.ClosedAt = e.At
		s.Resolution = e.Resolution
		s.Status = StatusClosed
		return s
	case Reopened:
		s.Status = ""
		s.ClosedAt = time.Time{}
		s.Resolution = ""
		s.Acknowledged = false
		s.AcknowledgedAt = time.Time{}
		s.Verdict = ""
		s.VerdictReason = ""
		s.EvidenceEventIDs = nil
		s.VerdictAt = time.Time{}
		s.SuppressedUntil = time.Time{}
		s.SuppressReason = ""
		s.IncidentID = ""
		s.EscalatedAt = time.Time{}
		s.Reopens++
		s.ReopenedAt = e.At
	}
	if s.Status != StatusClosed && s.Exists() {
		s.Status = openStatus(s)
	}
	return s
}

// openStatus is the status of an alert that is not closed.
func openStatus(s State) Status {
	switch {
	case s.IncidentID != "":
		return StatusEscalated
	case s.Acknowledged:
		return StatusAcknowledged
	}
	return StatusNew
}
