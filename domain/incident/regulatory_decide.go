package incident

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/tenant"
)

// Sentinel errors of the regulatory commands.
var (
	// ErrSubmissionExists: a submission with this SubmissionID is already
	// recorded on the incident. It matches domain.ErrAlreadyExists.
	ErrSubmissionExists = fmt.Errorf("incident: submission already recorded: %w", domain.ErrAlreadyExists)
	// ErrNotClassified: a declassification or reclassification with no
	// earlier classification to undo. It matches domain.ErrConflict.
	ErrNotClassified = fmt.Errorf("incident: no classification to withdraw: %w", domain.ErrConflict)
)

// RecordDetection records the incident's first signal (Detected).
type RecordDetection struct {
	domain.Meta
	IncidentID string
	At         time.Time
	Source     string
	SignalRef  string
}

// EstablishAwareness records when the entity became aware under a regime
// (AwarenessEstablished).
type EstablishAwareness struct {
	domain.Meta
	IncidentID string
	Regime     tenant.Regime
	At         time.Time
	Basis      string
}

// ClassifySignificantNIS2 classifies the incident significant under NIS2
// (ClassifiedSignificantNIS2).
type ClassifySignificantNIS2 struct {
	domain.Meta
	IncidentID           string
	At                   time.Time
	Criteria             []CriterionHit
	TrustServiceAffected bool
}

// DeclassifyNIS2 withdraws a NIS2 significant classification
// (DeclassifiedNIS2).
type DeclassifyNIS2 struct {
	domain.Meta
	IncidentID string
	At         time.Time
	Rationale  string
}

// AssessClassificationDORA records a DORA classification
// (ClassificationAssessedDORA).
type AssessClassificationDORA struct {
	domain.Meta
	IncidentID string
	At         time.Time
	Result     DORAResult
	Gate       []string
	Thresholds []CriterionHit
	Rule       DORARule
}

// ReclassifyNonMajorDORA reclassifies a major DORA incident as non-major
// (ReclassifiedNonMajorDORA).
type ReclassifyNonMajorDORA struct {
	domain.Meta
	IncidentID string
	At         time.Time
	Rationale  string
}

// AggregateRecurringIncidents records recurring incidents counted as one
// (RecurringIncidentsAggregated). Meta.At becomes the event's At.
type AggregateRecurringIncidents struct {
	domain.Meta
	IncidentID        string
	Regime            tenant.Regime
	MemberIncidentIDs []string
	LastDetectionAt   time.Time
	RootCause         string
	AssessedAt        time.Time
}

// AssessPersonalDataBreach records the GDPR risk assessment of a breach
// (PersonalDataBreachAssessed).
type AssessPersonalDataBreach struct {
	domain.Meta
	IncidentID     string
	At             time.Time
	Risk           BreachRisk
	NotifySA       bool
	NotifySubjects bool
}

// RecordRecovery records that regular activities are recovered
// (RegularActivitiesRecovered).
type RecordRecovery struct {
	domain.Meta
	IncidentID string
	At         time.Time
}

// CompleteRootCauseAnalysis records the end of the root-cause analysis
// (RootCauseAnalysisCompleted).
type CompleteRootCauseAnalysis struct {
	domain.Meta
	IncidentID string
	At         time.Time
}

// CompleteHandling records the end of the incident's handling
// (HandlingCompleted).
type CompleteHandling struct {
	domain.Meta
	IncidentID string
	At         time.Time
}

// ReceiveAuthorityRequest records a report requested by an authority
// (AuthorityRequestReceived).
type ReceiveAuthorityRequest struct {
	domain.Meta
	IncidentID string
	Regime     tenant.Regime
	Kind       ReportKind
	At         time.Time
	DueAt      *time.Time
	Authority  string
	Ref        string
}

// SubmitNotification records a submission to an authority
// (NotificationSubmitted). Meta.At becomes the event's At.
type SubmitNotification struct {
	domain.Meta
	IncidentID   string
	SubmissionID string
	Kinds        []ReportKind
	SentAt       time.Time
	ReceivedAt   *time.Time
	Authority    string
	Channel      string
	AuthorityRef string
	ContentHash  string
	DelayReason  string
}

// NotifyDelay records that the authority was told a report will be late
// (DelayNotified).
type NotifyDelay struct {
	domain.Meta
	IncidentID string
	Regime     tenant.Regime
	Kind       ReportKind
	At         time.Time
	Reasons    string
}

// CorrectTimestamp corrects a time field of an earlier regulatory fact
// (TimestampCorrected). Old is the field's current value (nil when it has
// none). Meta.At becomes the event's At.
type CorrectTimestamp struct {
	domain.Meta
	IncidentID    string
	TargetEventID string
	Field         string
	Old           *time.Time
	New           time.Time
	Reason        string
}

func (c RecordDetection) Incident() string             { return c.IncidentID }
func (c EstablishAwareness) Incident() string          { return c.IncidentID }
func (c ClassifySignificantNIS2) Incident() string     { return c.IncidentID }
func (c DeclassifyNIS2) Incident() string              { return c.IncidentID }
func (c AssessClassificationDORA) Incident() string    { return c.IncidentID }
func (c ReclassifyNonMajorDORA) Incident() string      { return c.IncidentID }
func (c AggregateRecurringIncidents) Incident() string { return c.IncidentID }
func (c AssessPersonalDataBreach) Incident() string    { return c.IncidentID }
func (c RecordRecovery) Incident() string              { return c.IncidentID }
func (c CompleteRootCauseAnalysis) Incident() string   { return c.IncidentID }
func (c CompleteHandling) Incident() string            { return c.IncidentID }
func (c ReceiveAuthorityRequest) Incident() string     { return c.IncidentID }
func (c SubmitNotification) Incident() string          { return c.IncidentID }
func (c NotifyDelay) Incident() string                 { return c.IncidentID }
func (c CorrectTimestamp) Incident() string            { return c.IncidentID }

func (RecordDetection) isCommand()             {}
func (EstablishAwareness) isCommand()          {}
func (ClassifySignificantNIS2) isCommand()     {}
func (DeclassifyNIS2) isCommand()              {}
func (AssessClassificationDORA) isCommand()    {}
func (ReclassifyNonMajorDORA) isCommand()      {}
func (AggregateRecurringIncidents) isCommand() {}
func (AssessPersonalDataBreach) isCommand()    {}
func (RecordRecovery) isCommand()              {}
func (CompleteRootCauseAnalysis) isCommand()   {}
func (CompleteHandling) isCommand()            {}
func (ReceiveAuthorityRequest) isCommand()     {}
func (SubmitNotification) isCommand()          {}
func (NotifyDelay) isCommand()                 {}
func (CorrectTimestamp) isCommand()            {}

func (RecordDetection) regulatory()             {}
func (EstablishAwareness) regulatory()          {}
func (ClassifySignificantNIS2) regulatory()     {}
func (DeclassifyNIS2) regulatory()              {}
func (AssessClassificationDORA) regulatory()    {}
func (ReclassifyNonMajorDORA) regulatory()      {}
func (AggregateRecurringIncidents) regulatory() {}
func (AssessPersonalDataBreach) regulatory()    {}
func (RecordRecovery) regulatory()              {}
func (CompleteRootCauseAnalysis) regulatory()   {}
func (CompleteHandling) regulatory()            {}
func (ReceiveAuthorityRequest) regulatory()     {}
func (SubmitNotification) regulatory()          {}
func (NotifyDelay) regulatory()                 {}
func (CorrectTimestamp) regulatory()            {}

// regulatoryCommand is a command Decide hands to decideRegulatory.
type regulatoryCommand interface {
	Command
	regulatory()
}

// decideRegulatory decides a regulatory command: it checks the command's
// fields, that the incident was opened, and the rules that depend on
// earlier facts; each command records exactly one event, whose ID is
// domain.EventID(command ID, 0).
func decideRegulatory(c regulatoryCommand, s State) ([]Event, error) {
	id := domain.EventID(c.CommandMeta().CommandID, 0)
	e, err := buildRegulatory(c, id)
	if err != nil {
		return nil, err
	}
	if !opened(s) {
		return nil, fmt.Errorf("incident %s: %w", c.Incident(), domain.ErrNotFound)
	}
	if err := checkAgainst(e, s.Reg); err != nil {
		return nil, err
	}
	return []Event{e}, nil
}

// buildRegulatory validates c's own fields and returns its event.
func buildRegulatory(c regulatoryCommand, id string) (Event, error) {
	switch c := c.(type) {
	case RecordDetection:
		e := Detected{ID: id, At: utc(c.At), Source: c.Source, SignalRef: c.SignalRef}
		return e, firstErr(domain.RequireTime("at", e.At), domain.RequireText("source", e.Source))
	case EstablishAwareness:
		e := AwarenessEstablished{ID: id, Regime: c.Regime, At: utc(c.At), Basis: c.Basis}
		return e, firstErr(validRegime("regime", e.Regime), domain.RequireTime("at", e.At), domain.RequireText("basis", e.Basis))
	case ClassifySignificantNIS2:
		e := ClassifiedSignificantNIS2{ID: id, At: utc(c.At), Criteria: cloneNil(c.Criteria), TrustServiceAffected: c.TrustServiceAffected}
		return e, firstErr(domain.RequireTime("at", e.At), validCriteria("criteria", e.Criteria, CriterionNIS2, true))
	case DeclassifyNIS2:
		e := DeclassifiedNIS2{ID: id, At: utc(c.At), Rationale: c.Rationale}
		return e, firstErr(domain.RequireTime("at", e.At), domain.RequireText("rationale", e.Rationale))
	case AssessClassificationDORA:
		e := ClassificationAssessedDORA{ID: id, At: utc(c.At), Result: c.Result, Gate: cloneNil(c.Gate), Thresholds: cloneNil(c.Thresholds), Rule: c.Rule}
		return e, firstErr(domain.RequireTime("at", e.At), validDORA(e))
	case ReclassifyNonMajorDORA:
		e := ReclassifiedNonMajorDORA{ID: id, At: utc(c.At), Rationale: c.Rationale}
		return e, firstErr(domain.RequireTime("at", e.At), domain.RequireText("rationale", e.Rationale))
	case AggregateRecurringIncidents:
		e := RecurringIncidentsAggregated{ID: id, At: utc(c.Meta.At), Regime: c.Regime, MemberIncidentIDs: cloneNil(c.MemberIncidentIDs),
			LastDetectionAt: utc(c.LastDetectionAt), RootCause: c.RootCause, AssessedAt: utc(c.AssessedAt)}
		return e, validRecurring(e)
	case AssessPersonalDataBreach:
		e := PersonalDataBreachAssessed{ID: id, At: utc(c.At), Risk: c.Risk, NotifySA: c.NotifySA, NotifySubjects: c.NotifySubjects}
		return e, firstErr(domain.RequireTime("at", e.At), validBreach(e))
	case RecordRecovery:
		e := RegularActivitiesRecovered{ID: id, At: utc(c.At)}
		return e, domain.RequireTime("at", e.At)
	case CompleteRootCauseAnalysis:
		e := RootCauseAnalysisCompleted{ID: id, At: utc(c.At)}
		return e, domain.RequireTime("at", e.At)
	case CompleteHandling:
		e := HandlingCompleted{ID: id, At: utc(c.At)}
		return e, domain.RequireTime("at", e.At)
	case ReceiveAuthorityRequest:
		e := AuthorityRequestReceived{ID: id, Regime: c.Regime, Kind: c.Kind, At: utc(c.At), DueAt: utcPtr(c.DueAt), Authority: c.Authority, Ref: c.Ref}
		return e, firstErr(validRegime("regime", e.Regime), validKindOf("kind", e.Kind, e.Regime), domain.RequireTime("at", e.At),
			domain.RequireText("authority", e.Authority), consistentTimes(e))
	case SubmitNotification:
		e := NotificationSubmitted{ID: id, At: utc(c.Meta.At), SubmissionID: c.SubmissionID, Kinds: cloneNil(c.Kinds), SentAt: utc(c.SentAt),
			ReceivedAt: utcPtr(c.ReceivedAt), Authority: c.Authority, Channel: c.Channel, AuthorityRef: c.AuthorityRef,
			ContentHash: c.ContentHash, DelayReason: c.DelayReason}
		return e, firstErr(domain.ValidateID("submissionId", e.SubmissionID), validKinds(e.Kinds), domain.RequireTime("sentAt", e.SentAt),
			domain.RequireText("authority", e.Authority), consistentTimes(e))
	case NotifyDelay:
		e := DelayNotified{ID: id, Regime: c.Regime, Kind: c.Kind, At: utc(c.At), Reasons: c.Reasons}
		return e, firstErr(validRegime("regime", e.Regime), validKindOf("kind", e.Kind, e.Regime), domain.RequireTime("at", e.At),
			domain.RequireText("reasons", e.Reasons))
	case CorrectTimestamp:
		e := TimestampCorrected{ID: id, At: utc(c.Meta.At), TargetEventID: c.TargetEventID, Field: c.Field, Old: utcPtr(c.Old), New: utc(c.New), Reason: c.Reason}
		return e, firstErr(domain.RequireText("targetEventId", e.TargetEventID), domain.RequireText("field", e.Field),
			domain.RequireTime("new", e.New), domain.RequireText("reason", e.Reason))
	}
	return nil, fmt.Errorf("incident: unknown regulatory command %T", c)
}

// checkAgainst checks the rules of e that depend on the facts already
// recorded.
func checkAgainst(e Event, r Regulatory) error {
	switch e := e.(type) {
	case ClassifiedSignificantNIS2:
		for i, h := range e.Criteria {
			if (h.Code == criterionRecurringNIS2 || h.Code == criterionRecurringNIS2Art3) && !hasAggregation(r, tenant.NIS2) {
				return &domain.FieldError{Field: fmt.Sprintf("criteria[%d].code", i), Value: h.Code, Reason: "the recurring-incidents criterion needs a recorded NIS2 recurring-incidents aggregation"}
			}
		}
	case DeclassifiedNIS2:
		if len(FactsOf[ClassifiedSignificantNIS2](r)) == 0 {
			return fmt.Errorf("declassify NIS2: no significant classification recorded: %w", ErrNotClassified)
		}
	case ReclassifiedNonMajorDORA:
		if !slices.ContainsFunc(FactsOf[ClassificationAssessedDORA](r), func(c ClassificationAssessedDORA) bool { return c.Result == DORAMajor }) {
			return fmt.Errorf("reclassify DORA: no major classification recorded: %w", ErrNotClassified)
		}
	case ClassificationAssessedDORA:
		if e.Rule == DORARuleRecurring && !hasAggregation(r, tenant.DORA) {
			return &domain.FieldError{Field: "rule", Value: string(e.Rule), Reason: "Art. 8(2) needs a recorded DORA recurring-incidents aggregation"}
		}
	case NotificationSubmitted:
		if _, ok := r.Submission(e.SubmissionID); ok {
			return fmt.Errorf("submission %q: %w", e.SubmissionID, ErrSubmissionExists)
		}
	case TimestampCorrected:
		return checkCorrection(e, r)
	}
	return nil
}

// The 2024/2690 criteria of recurring incidents: Art. 4, and Art. 3(1)(f),
// which refers to it.
const (
	criterionRecurringNIS2     = "IR2024/2690:4"
	criterionRecurringNIS2Art3 = "IR2024/2690:3(f)"
)

// hasAggregation reports whether r holds a recurring-incidents aggregation
// of regime.
func hasAggregation(r Regulatory, regime tenant.Regime) bool {
	return slices.ContainsFunc(FactsOf[RecurringIncidentsAggregated](r), func(a RecurringIncidentsAggregated) bool { return a.Regime == regime })
}

// checkCorrection checks that c names an earlier fact, one of its time
// fields and that field's current value, and that the corrected fact stays
// consistent.
func checkCorrection(c TimestampCorrected, r Regulatory) error {
	target, ok := r.Fact(c.TargetEventID)
	if !ok {
		return &domain.FieldError{Field: "targetEventId", Value: c.TargetEventID, Reason: "names no earlier regulatory fact of this incident"}
	}
	fields := timeFields[target.Type]
	if len(fields) == 0 {
		return &domain.FieldError{Field: "targetEventId", Value: c.TargetEventID, Reason: fmt.Sprintf("a %s has no time field to correct; correct the original fact", target.Type)}
	}
	if !slices.Contains(fields, c.Field) {
		return &domain.FieldError{Field: "field", Value: c.Field, Reason: fmt.Sprintf("not a time field of %s (use one of %v)", target.Type, fields)}
	}
	cur := r.Effective(target)
	now, has := getTime(cur, c.Field)
	switch {
	case !has && c.Old != nil:
		return &domain.FieldError{Field: "old", Value: c.Old.Format(time.RFC3339Nano), Reason: fmt.Sprintf("%s has no value; leave old empty", c.Field)}
	case has && c.Old == nil:
		return &domain.FieldError{Field: "old", Reason: fmt.Sprintf("missing (%s is %s)", c.Field, now.Format(time.RFC3339Nano))}
	case has && !c.Old.Equal(now):
		return &domain.FieldError{Field: "old", Value: c.Old.Format(time.RFC3339Nano), Reason: fmt.Sprintf("%s is %s", c.Field, now.Format(time.RFC3339Nano))}
	case has && c.New.Equal(now):
		return &domain.FieldError{Field: "new", Value: c.New.Format(time.RFC3339Nano), Reason: "equals the current value"}
	}
	next, _ := setTime(cur, c.Field, c.New)
	if err := consistentTimes(next); err != nil {
		var fe *domain.FieldError
		if errors.As(err, &fe) {
			return &domain.FieldError{Field: "new", Value: c.New.Format(time.RFC3339Nano), Reason: fmt.Sprintf("would leave %s: %s", fe.Field, fe.Reason)}
		}
		return err
	}
	return nil
}

// consistentTimes checks the order of a fact's time fields.
func consistentTimes(e Event) error {
	switch e := e.(type) {
	case NotificationSubmitted:
		if e.ReceivedAt != nil && e.ReceivedAt.Before(e.SentAt) {
			return &domain.FieldError{Field: "receivedAt", Value: e.ReceivedAt.Format(time.RFC3339Nano), Reason: "before sentAt"}
		}
	case AuthorityRequestReceived:
		if e.DueAt != nil && !e.DueAt.After(e.At) {
			return &domain.FieldError{Field: "dueAt", Value: e.DueAt.Format(time.RFC3339Nano), Reason: "not after at"}
		}
	case RecurringIncidentsAggregated:
		if e.AssessedAt.Before(e.LastDetectionAt) {
			return &domain.FieldError{Field: "assessedAt", Value: e.AssessedAt.Format(time.RFC3339Nano), Reason: "before lastDetectionAt"}
		}
	}
	return nil
}

// validRegime checks a regime.
func validRegime(field string, r tenant.Regime) error {
	return domain.OneOf(field, r, tenant.Regimes...)
}

// validKindOf checks a report kind of regime r (when r is known).
func validKindOf(field string, k ReportKind, r tenant.Regime) error {
	if err := domain.OneOf(field, k, ReportKinds...); err != nil {
		return err
	}
	if slices.Contains(tenant.Regimes, r) && k.Regime() != r {
		return &domain.FieldError{Field: field, Value: string(k), Reason: fmt.Sprintf("not a report of regime %s", r)}
	}
	return nil
}

// validKinds checks a submission's report kinds: at least one, known,
// unique.
func validKinds(kinds []ReportKind) error {
	if len(kinds) == 0 {
		return &domain.FieldError{Field: "kinds", Reason: "missing (at least one report kind)"}
	}
	for i, k := range kinds {
		f := fmt.Sprintf("kinds[%d]", i)
		if err := domain.OneOf(f, k, ReportKinds...); err != nil {
			return err
		}
		if slices.Contains(kinds[:i], k) {
			return &domain.FieldError{Field: f, Value: string(k), Reason: "listed twice"}
		}
	}
	return nil
}

// validCriteria checks criterion hits of family f: known, unique codes
// (and at least one when required).
func validCriteria(field string, hits []CriterionHit, f CriterionFamily, required bool) error {
	if required && len(hits) == 0 {
		return &domain.FieldError{Field: field, Reason: "missing (at least one criterion)"}
	}
	for i, h := range hits {
		cf := fmt.Sprintf("%s[%d].code", field, i)
		if h.Code == "" {
			return &domain.FieldError{Field: cf, Reason: "missing"}
		}
		if fam, ok := CriterionCodeFamily(h.Code); !ok || fam != f {
			return &domain.FieldError{Field: cf, Value: h.Code, Reason: fmt.Sprintf("not a known %s criterion code (%s…; see CriterionCodes)", f, criterionActs(f))}
		}
		if slices.ContainsFunc(hits[:i], func(o CriterionHit) bool { return o.Code == h.Code }) {
			return &domain.FieldError{Field: cf, Value: h.Code, Reason: "listed twice"}
		}
	}
	return nil
}

// validDORA checks a DORA classification against 2024/1772 Art. 8 (§2.2):
// major needs a rule; 8(1)(a) and 8(1)(b) (and 8(2), whose incidents
// together meet 8(1)) need the Art. 6 gate; 8(1)(a) the 9(5)(b) threshold;
// 8(1)(b) two or more of the other thresholds (counted per 9(n) paragraph);
// non-major has no rule and must not meet 8(1).
func validDORA(e ClassificationAssessedDORA) error {
	if err := domain.OneOf("result", e.Result, DORAMajor, DORANonMajor); err != nil {
		return err
	}
	for i, g := range e.Gate {
		f := fmt.Sprintf("gate[%d]", i)
		if err := domain.OneOf(f, g, DORAGates...); err != nil {
			return err
		}
		if slices.Contains(e.Gate[:i], g) {
			return &domain.FieldError{Field: f, Value: g, Reason: "listed twice"}
		}
	}
	if err := validCriteria("thresholds", e.Thresholds, CriterionDORAThreshold, false); err != nil {
		return err
	}
	dataAccess, others := thresholdsMet(e.Thresholds)
	meets81 := len(e.Gate) > 0 && (dataAccess || others >= 2)
	if e.Result == DORANonMajor {
		switch {
		case e.Rule != "":
			return &domain.FieldError{Field: "rule", Value: string(e.Rule), Reason: "must be empty when result is non_major"}
		case meets81:
			return &domain.FieldError{Field: "result", Value: string(e.Result), Reason: "gate and thresholds meet Art. 8(1) of 2024/1772: the incident is major"}
		}
		return nil
	}
	if e.Rule == "" {
		return &domain.FieldError{Field: "rule", Reason: "missing (a major incident needs the Art. 8 rule: 8(1)(a), 8(1)(b) or 8(2))"}
	}
	if err := domain.OneOf("rule", e.Rule, DORARuleDataAccess, DORARuleTwoThresholds, DORARuleRecurring); err != nil {
		return err
	}
	if len(e.Gate) == 0 {
		return &domain.FieldError{Field: "gate", Reason: fmt.Sprintf("missing (rule %s needs an Art. 6 point: 6(a), 6(b) or 6(c))", e.Rule)}
	}
	switch e.Rule {
	case DORARuleDataAccess:
		if !dataAccess {
			return &domain.FieldError{Field: "thresholds", Reason: "rule 8(1)(a) needs the threshold " + thresholdDataAccess}
		}
	case DORARuleTwoThresholds:
		if others < 2 {
			return &domain.FieldError{Field: "thresholds", Reason: fmt.Sprintf("rule 8(1)(b) needs two or more thresholds of 9(1)-9(6) other than 9(5)(b); %d met", others)}
		}
	case DORARuleRecurring:
		if !dataAccess && others < 2 {
			return &domain.FieldError{Field: "thresholds", Reason: "rule 8(2) needs the aggregated incidents to meet Art. 8(1) together: 9(5)(b), or two or more other thresholds"}
		}
	}
	return nil
}

// thresholdsMet reports whether hits include 9(5)(b), and how many distinct
// other 9(n) thresholds they meet.
func thresholdsMet(hits []CriterionHit) (dataAccess bool, others int) {
	var seen []string
	for _, h := range hits {
		th := criterionCodes[h.Code].threshold
		switch {
		case th == "9(5)(b)":
			dataAccess = true
		case th != "" && !slices.Contains(seen, th):
			seen = append(seen, th)
		}
	}
	return dataAccess, len(seen)
}

// validRecurring checks a recurring-incidents aggregation.
func validRecurring(e RecurringIncidentsAggregated) error {
	if err := domain.OneOf("regime", e.Regime, tenant.NIS2, tenant.DORA); err != nil {
		return err
	}
	if len(e.MemberIncidentIDs) < 2 {
		return &domain.FieldError{Field: "memberIncidentIds", Reason: "at least two incidents recur"}
	}
	for i, m := range e.MemberIncidentIDs {
		f := fmt.Sprintf("memberIncidentIds[%d]", i)
		if err := domain.ValidateID(f, m); err != nil {
			return err
		}
		if slices.Contains(e.MemberIncidentIDs[:i], m) {
			return &domain.FieldError{Field: f, Value: m, Reason: "listed twice"}
		}
	}
	return firstErr(domain.RequireTime("lastDetectionAt", e.LastDetectionAt), domain.RequireText("rootCause", e.RootCause),
		domain.RequireTime("assessedAt", e.AssessedAt), consistentTimes(e))
}

// validBreach checks a personal-data breach assessment.
func validBreach(e PersonalDataBreachAssessed) error {
	if err := domain.OneOf("risk", e.Risk, BreachRiskNone, BreachRiskRisk, BreachRiskHigh); err != nil {
		return err
	}
	if e.Risk != BreachRiskNone && !e.NotifySA {
		return &domain.FieldError{Field: "notifySa", Reason: fmt.Sprintf("must be true when risk is %s (GDPR Art. 33(1))", e.Risk)}
	}
	return nil
}

// utc returns t in UTC (zero stays zero).
func utc(t time.Time) time.Time { return t.UTC() }

// utcPtr returns a copy of *t in UTC, nil for nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// opened reports whether the incident was opened (closed incidents count:
// reporting continues after closure).
func opened(s State) bool { return s.Case.Exists() }
