package alert

import (
	"fmt"
	"slices"
	"time"

	"github.com/socledger/socledger/domain"
)

// Decide decides c against s.
func Decide(c Command, s State) ([]Event, error) {
	m := c.CommandMeta()
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := validateTarget(c); err != nil {
		return nil, err
	}
	if s.Exists() && s.AlertID != c.Alert() {
		return nil, fmt.Errorf("alert: a command on alert %s decided against alert %s: %w", c.Alert(), s.AlertID, domain.ErrConflict)
	}
	at := m.At.UTC()
	switch c := c.(type) {
	case Raise:
		return decideRaise(c, m.Tenant, s, at)

	case Acknowledge:
		if err := requireOpen(s, c.AlertID, "acknowledged"); err != nil {
			return nil, err
		}
		if s.Acknowledged {
			return nil, nil
		}
		return []Event{Acknowledged{At: at}}, nil

	case Assign:
		assignee, err := validateToken("assignee", c.Assignee)
		if err != nil {
			return nil, err
		}
		if err := requireOpen(s, c.AlertID, "assigned"); err != nil {
			return nil, err
		}
		if s.Assignee == assignee {
			return nil, nil
		}
		return []Event{Assigned{Assignee: assignee, At: at}}, nil

	case Unassign:
		if err := requireOpen(s, c.AlertID, "unassigned"); err != nil {
			return nil, err
		}
		if s.Assignee == "" {
			return nil, nil
		}
		return []Event{Unassigned{Assignee: s.Assignee, At: at}}, nil

	case Comment:
		text, err := domain.CleanText("text", c.Text, MaxTextLen)
		if err != nil {
			return nil, err
		}
		if err := requireExists(s, c.AlertID); err != nil {
			return nil, err
		}
		return []Event{Commented{Text: text, At: at}}, nil

	case SetVerdict:
		v, err := validateVerdict(c.Verdict, c.Reason, c.EvidenceEventIDs)
		if err != nil {
			return nil, err
		}
		if err := requireOpen(s, c.AlertID, "verdict_set"); err != nil {
			return nil, err
		}
		return decideVerdict(s, v, at)

	case Suppress:
		if err := domain.RequireTime("until", c.Until); err != nil {
			return nil, err
		}
		until := c.Until.UTC()
		if !until.After(at) {
			return nil, &domain.FieldError{Field: "until", Value: until.Format(time.RFC3339),
				Reason: "must be after the time of the command"}
		}
		reason, err := domain.CleanText("reason", c.Reason, MaxTextLen)
		if err != nil {
			return nil, err
		}
		if err := requireOpen(s, c.AlertID, "suppressed"); err != nil {
			return nil, err
		}
		if s.SuppressedUntil.Equal(until) && s.SuppressReason == reason {
			return nil, nil
		}
		return []Event{Suppressed{Until: until, Reason: reason, At: at}}, nil

	case Unsuppress:
		if err := requireOpen(s, c.AlertID, "unsuppressed"); err != nil {
			return nil, err
		}
		if !s.SuppressedAt(at) {
			return nil, nil
		}
		return []Event{Unsuppressed{At: at}}, nil

	case Escalate:
		if err := domain.ValidateID("incidentId", c.IncidentID); err != nil {
			return nil, err
		}
		if err := requireOpen(s, c.AlertID, "escalated"); err != nil {
			return nil, err
		}
		switch s.IncidentID {
		case c.IncidentID:
			return nil, nil
		case "":
			return []Event{Escalated{IncidentID: c.IncidentID, At: at}}, nil
		}
		return nil, &AlreadyEscalatedError{IncidentID: s.IncidentID, Requested: c.IncidentID}

	case Close:
		return decideClose(c, s, at)

	case Reopen:
		reason, err := domain.CleanText("reason", c.Reason, MaxTextLen)
		if err != nil {
			return nil, err
		}
		if err := requireExists(s, c.AlertID); err != nil {
			return nil, err
		}
		if !s.Closed() {
			return nil, &domain.InvalidTransitionError{Aggregate: Category, From: string(s.Status), To: string(StatusNew),
				Reason: "only a closed alert can be reopened"}
		}
		return []Event{Reopened{Trigger: TriggerAnalyst, Reason: reason, At: at}}, nil
	}
	return nil, fmt.Errorf("alert: unknown command %T: %w", c, domain.ErrInvalid)
}

// decideRaise decides a fire of the rule: a new alert, a recurrence of an
// open one, the reopening of a closed one (PolicyReopen, within the dedup
// window after the closure) or a new occurrence.
func decideRaise(c Raise, tenant string, s State, at time.Time) ([]Event, error) {
	raised, err := validateRaise(c, tenant, at)
	if err != nil {
		return nil, err
	}
	if !s.Exists() {
		return []Event{raised}, nil
	}
	if s.Fingerprint != raised.Fingerprint {
		return nil, fmt.Errorf("alert %s: fingerprint %q differs from the alert's %q: %w",
			s.AlertID, raised.Fingerprint, s.Fingerprint, domain.ErrConflict)
	}
	recurred := Recurred{Count: s.Count + 1, LastSeen: s.LastSeen, RawEvents: raised.RawEvents, At: at}
	if at.After(recurred.LastSeen) {
		recurred.LastSeen = at
	}
	if !s.Closed() {
		return []Event{recurred}, nil
	}
	if c.ReopenPolicy == PolicyReopen && !at.After(s.ClosedAt.Add(c.DedupWindow)) {
		reopened := Reopened{Trigger: TriggerRefire, At: at,
			Reason: fmt.Sprintf("the fingerprint fired again within the dedup window (%s) after the closure", c.DedupWindow)}
		return []Event{reopened, recurred}, nil
	}
	raised.Occurrence = s.Occurrence + 1
	return []Event{raised}, nil
}

// decideVerdict records v unless it changes nothing (see the package doc).
func decideVerdict(s State, v VerdictSet, at time.Time) ([]Event, error) {
	if v.Verdict == s.Verdict {
		if v.Reason == "" && len(v.EvidenceEventIDs) == 0 {
			return nil, nil
		}
		if v.Reason == s.VerdictReason && slices.Equal(v.EvidenceEventIDs, s.EvidenceEventIDs) {
			return nil, nil
		}
	} else if s.Verdict != "" && v.Reason == "" {
		return nil, fmt.Errorf("alert: the verdict is already %s; changing it to %s needs a reason: %w",
			s.Verdict, v.Verdict, domain.ErrConflict)
	}
	v.Previous = s.Verdict
	v.At = at
	return []Event{v}, nil
}

func decideClose(c Close, s State, at time.Time) ([]Event, error) {
	resolution, err := domain.CleanText("resolution", c.Resolution, MaxTextLen)
	if err != nil {
		return nil, err
	}
	var v VerdictSet
	if c.Verdict != "" {
		if v, err = validateVerdict(c.Verdict, c.Reason, c.EvidenceEventIDs); err != nil {
			return nil, err
		}
	} else if c.Reason != "" || len(c.EvidenceEventIDs) > 0 {
		return nil, &domain.FieldError{Field: "verdict", Reason: "missing: a reason or evidence was given without a verdict"}
	}
	if err := requireExists(s, c.AlertID); err != nil {
		return nil, err
	}
	if s.Closed() {
		if c.Verdict == "" || c.Verdict == s.Verdict {
			return nil, nil
		}
		return nil, newClosedError("verdict_set")
	}
	var events []Event
	verdict := s.Verdict
	if c.Verdict != "" {
		if events, err = decideVerdict(s, v, at); err != nil {
			return nil, err
		}
		verdict = c.Verdict
	}
	if verdict == "" {
		return nil, &domain.FieldError{Field: "verdict",
			Reason: "missing: the alert has no verdict; set one first or give one with the close"}
	}
	return append(events, Closed{Resolution: resolution, Verdict: verdict, At: at}), nil
}

func requireExists(s State, id string) error {
	if !s.Exists() {
		return fmt.Errorf("alert %s: %w", id, domain.ErrNotFound)
	}
	return nil
}

// requireOpen checks that the alert exists and is not closed; to names what
// the command would record, for the error.
func requireOpen(s State, id, to string) error {
	if err := requireExists(s, id); err != nil {
		return err
	}
	if s.Closed() {
		return newClosedError(to)
	}
	return nil
}
