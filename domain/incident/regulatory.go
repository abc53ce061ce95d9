package incident

import (
	"slices"
	"time"

	"github.com/socledger/socledger/domain/internal/cow"
	"github.com/socledger/socledger/domain/tenant"
)

// The regulatory facts of an incident (compliance-spec.md §5): the events
// the NIS2 / DORA / GDPR reporting clocks run on. The commands and their
// rules are in regulatory_decide.go, the criterion-code grammar in
// regulatory_criteria.go.
//
// Decisions where the spec and brief are silent:
//
//   - Every regulatory event carries ID, the event's own ID
//     (domain.EventID of the command ID and the event's index), so a fact
//     can be named by a TimestampCorrected and by a report.
//   - Every event carries At. For most facts it is the fact's own business
//     time, given in the command (awareness may predate the command). The
//     three facts whose times §5 names otherwise (NotificationSubmitted:
//     SentAt/ReceivedAt; RecurringIncidentsAggregated: AssessedAt and
//     LastDetectionAt; TimestampCorrected) take At from the command's
//     Meta.At: when the SOC stated the fact. That At is never a clock anchor
//     and cannot be corrected.
//   - All times are stored in UTC.
//   - Regulatory facts are accepted on an open or a closed incident, never
//     on one that was not opened (domain.ErrNotFound). Field errors come
//     before that check.
//   - Recording the same fact twice is a second fact. The convenience views
//     pick one: Awareness the earliest (effective) awareness of the regime,
//     Detection the first recorded detection. Facts keeps them all.
//   - A correction never edits the original event: Regulatory keeps the
//     facts as recorded, and Effective / EffectiveTime apply the
//     corrections (in recording order). A correction can target any earlier
//     regulatory fact except another correction, only in that fact's time
//     fields (timeFields), and must leave the fact consistent (receivedAt
//     not before sentAt, dueAt after at).
//   - Stricter than §5 (rules a report relies on): awareness needs a basis
//     (§1.4 asks for the rationale), a NIS2 significant classification at
//     least one criterion, declassification and DORA reclassification a
//     rationale and an earlier (significant / major) classification,
//     the recurring criteria (2024/2690 Art. 4 and 3(1)(f), 2024/1772
//     rule 8(2)) a recorded aggregation of the same regime, a recurring
//     aggregation two distinct member incidents, a root cause,
//     the regime NIS2 or DORA and assessedAt not before lastDetectionAt, a
//     personal-data breach with risk "risk" or "high" notifySa true
//     (Art. 33(1)), request and delay kinds a report kind of their regime,
//     a submission an authority.

// ReportKind is a report or notice sent to an authority (compliance-spec.md
// §5).
type ReportKind string

// Report kinds.
const (
	NIS2EarlyWarning          ReportKind = "NIS2_EARLY_WARNING"
	NIS2IncidentNotification  ReportKind = "NIS2_INCIDENT_NOTIFICATION"
	NIS2Intermediate          ReportKind = "NIS2_INTERMEDIATE"
	NIS2Progress              ReportKind = "NIS2_PROGRESS"
	NIS2Final                 ReportKind = "NIS2_FINAL"
	DORAInitial               ReportKind = "DORA_INITIAL"
	DORAIntermediate          ReportKind = "DORA_INTERMEDIATE"
	DORAIntermediateUpdate    ReportKind = "DORA_INTERMEDIATE_UPDATE"
	DORAFinal                 ReportKind = "DORA_FINAL"
	DORAReclassification      ReportKind = "DORA_RECLASSIFICATION"
	DORACyberThreat           ReportKind = "DORA_CYBER_THREAT"
	GDPRSupervisoryAuthority  ReportKind = "GDPR_SA"
	GDPRSupervisorySupplement ReportKind = "GDPR_SA_SUPPLEMENT"
	GDPRDataSubjects          ReportKind = "GDPR_DATA_SUBJECTS"
)

// ReportKinds lists every report kind, in the order of §5.
var ReportKinds = []ReportKind{
	NIS2EarlyWarning, NIS2IncidentNotification, NIS2Intermediate, NIS2Progress, NIS2Final,
	DORAInitial, DORAIntermediate, DORAIntermediateUpdate, DORAFinal, DORAReclassification, DORACyberThreat,
	GDPRSupervisoryAuthority, GDPRSupervisorySupplement, GDPRDataSubjects,
}

// Regime returns the regime k belongs to ("" for an unknown kind).
func (k ReportKind) Regime() tenant.Regime {
	switch k {
	case NIS2EarlyWarning, NIS2IncidentNotification, NIS2Intermediate, NIS2Progress, NIS2Final:
		return tenant.NIS2
	case DORAInitial, DORAIntermediate, DORAIntermediateUpdate, DORAFinal, DORAReclassification, DORACyberThreat:
		return tenant.DORA
	case GDPRSupervisoryAuthority, GDPRSupervisorySupplement, GDPRDataSubjects:
		return tenant.GDPR
	}
	return ""
}

// CriterionHit is one classification criterion met (or assessed), with the
// value observed and the threshold it was compared to, as free text ("150000
// clients", "> 100000").
type CriterionHit struct {
	// Code names the criterion (see CriterionCodes): "IR2024/2690:7(a)",
	// "RTS2024/1772:9(3)(b)", "NIS2:23(3)(a)".
	Code      string `json:"code"`
	Value     string `json:"value"`
	Threshold string `json:"threshold"`
	// Estimated marks a value that is an estimate (2024/1772 and 2025/302
	// Art. 1(3): estimate when data are missing).
	Estimated bool   `json:"estimated"`
	Evidence  string `json:"evidence"`
}

// DORAResult is the result of a DORA classification.
type DORAResult string

// DORA classification results.
const (
	DORAMajor    DORAResult = "major"
	DORANonMajor DORAResult = "non_major"
)

// DORARule is the 2024/1772 Art. 8 rule that makes an incident major.
type DORARule string

// DORA classification rules.
const (
	// DORARuleDataAccess: Art. 8(1)(a), gate and the 9(5)(b) threshold.
	DORARuleDataAccess DORARule = "8(1)(a)"
	// DORARuleTwoThresholds: Art. 8(1)(b), gate and two or more of the
	// other thresholds of 9(1)-9(6).
	DORARuleTwoThresholds DORARule = "8(1)(b)"
	// DORARuleRecurring: Art. 8(2), recurring incidents that together meet
	// Art. 8(1).
	DORARuleRecurring DORARule = "8(2)"
)

// DORA Art. 6 gate points (critical services affected).
const (
	DORAGateCriticalFunctions = "6(a)"
	DORAGateFinancialServices = "6(b)"
	DORAGateMaliciousAccess   = "6(c)"
)

// DORAGates lists the Art. 6 gate points.
var DORAGates = []string{DORAGateCriticalFunctions, DORAGateFinancialServices, DORAGateMaliciousAccess}

// BreachRisk is the assessed risk of a personal-data breach to natural
// persons (GDPR Arts 33, 34).
type BreachRisk string

// Breach risks.
const (
	// BreachRiskNone: unlikely to result in a risk (no SA notification).
	BreachRiskNone BreachRisk = "none"
	// BreachRiskRisk: a risk; notify the supervisory authority.
	BreachRiskRisk BreachRisk = "risk"
	// BreachRiskHigh: a high risk; also tell the data subjects (Art. 34).
	BreachRiskHigh BreachRisk = "high"
)

// Detected records the first signal of the incident (§5 IncidentDetected).
type Detected struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// Source says where the signal came from ("edr", "siem", "customer").
	Source string `json:"source"`
	// SignalRef names the signal (an alert ID, a ticket), if any.
	SignalRef string `json:"signalRef"`
}

// AwarenessEstablished records when the entity became aware, in the sense
// of one regime, and why (§1.4, §3, §4.1).
type AwarenessEstablished struct {
	ID     string        `json:"id"`
	Regime tenant.Regime `json:"regime"`
	At     time.Time     `json:"at"`
	Basis  string        `json:"basis"`
}

// ClassifiedSignificantNIS2 records that the incident is significant under
// NIS2 Art. 23(3) (§1.2, §1.3).
type ClassifiedSignificantNIS2 struct {
	ID       string         `json:"id"`
	At       time.Time      `json:"at"`
	Criteria []CriterionHit `json:"criteria"`
	// TrustServiceAffected: a trust service of a TSP is hit (24 h
	// incident notification).
	TrustServiceAffected bool `json:"trustServiceAffected"`
}

// DeclassifiedNIS2 records that an incident classified significant is not.
type DeclassifiedNIS2 struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Rationale string    `json:"rationale"`
}

// ClassificationAssessedDORA records a DORA classification (2024/1772,
// §2.2).
type ClassificationAssessedDORA struct {
	ID     string     `json:"id"`
	At     time.Time  `json:"at"`
	Result DORAResult `json:"result"`
	// Gate lists the Art. 6 points met ("6(a)", "6(b)", "6(c)").
	Gate []string `json:"gate"`
	// Thresholds lists the Art. 9 thresholds met ("RTS2024/1772:9(1)(b)").
	Thresholds []CriterionHit `json:"thresholds"`
	// Rule is the Art. 8 rule that makes the incident major; empty when
	// non-major.
	Rule DORARule `json:"rule"`
}

// ReclassifiedNonMajorDORA records that a major incident at no time met the
// Art. 8 criteria (ITS 2025/302 Art. 5).
type ReclassifiedNonMajorDORA struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Rationale string    `json:"rationale"`
}

// RecurringIncidentsAggregated records that incidents with the same
// apparent root cause count as one (2024/2690 Art. 4, 2024/1772 Art. 8(2)).
type RecurringIncidentsAggregated struct {
	ID string `json:"id"`
	// At is when the SOC recorded the aggregation (the command's time).
	At                time.Time     `json:"at"`
	Regime            tenant.Regime `json:"regime"`
	MemberIncidentIDs []string      `json:"memberIncidentIds"`
	// LastDetectionAt is the detection of the last member (DORA template
	// field 2.2 of an aggregated report).
	LastDetectionAt time.Time `json:"lastDetectionAt"`
	RootCause       string    `json:"rootCause"`
	AssessedAt      time.Time `json:"assessedAt"`
}

// PersonalDataBreachAssessed records the GDPR risk assessment of a breach.
type PersonalDataBreachAssessed struct {
	ID             string     `json:"id"`
	At             time.Time  `json:"at"`
	Risk           BreachRisk `json:"risk"`
	NotifySA       bool       `json:"notifySa"`
	NotifySubjects bool       `json:"notifySubjects"`
}

// RegularActivitiesRecovered records that regular activities are recovered
// (the DORA updated-intermediate trigger).
type RegularActivitiesRecovered struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// RootCauseAnalysisCompleted records the end of the root-cause analysis
// (DORA final report).
type RootCauseAnalysisCompleted struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// HandlingCompleted records the end of the handling of the incident (the
// NIS2 Art. 23(4)(e) anchor; also "resolved").
type HandlingCompleted struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

// AuthorityRequestReceived records a report requested by an authority (a
// NIS2 intermediate report, a DORA update).
type AuthorityRequestReceived struct {
	ID     string        `json:"id"`
	Regime tenant.Regime `json:"regime"`
	// Kind is the report requested.
	Kind ReportKind `json:"kind"`
	At   time.Time  `json:"at"`
	// DueAt is the due time the authority set, if any.
	DueAt     *time.Time `json:"dueAt"`
	Authority string     `json:"authority"`
	// Ref is the authority's reference of the request.
	Ref string `json:"ref"`
}

// NotificationSubmitted records one submission to an authority, which may
// satisfy several report kinds (ITS 2025/302 Art. 2).
type NotificationSubmitted struct {
	ID string `json:"id"`
	// At is when the SOC recorded the submission (the command's time);
	// the clocks use SentAt and ReceivedAt.
	At           time.Time    `json:"at"`
	SubmissionID string       `json:"submissionId"`
	Kinds        []ReportKind `json:"kinds"`
	SentAt       time.Time    `json:"sentAt"`
	// ReceivedAt is the authority's receipt or acknowledgement, if known.
	ReceivedAt   *time.Time `json:"receivedAt"`
	Authority    string     `json:"authority"`
	Channel      string     `json:"channel"`
	AuthorityRef string     `json:"authorityRef"`
	ContentHash  string     `json:"contentHash"`
	// DelayReason gives the reasons for a late submission (GDPR Art.
	// 33(1)).
	DelayReason string `json:"delayReason"`
}

// DelayNotified records that the authority was told a report will be late
// (DORA 2025/301 Art. 5(3)).
type DelayNotified struct {
	ID      string        `json:"id"`
	Regime  tenant.Regime `json:"regime"`
	Kind    ReportKind    `json:"kind"`
	At      time.Time     `json:"at"`
	Reasons string        `json:"reasons"`
}

// TimestampCorrected corrects one time field of an earlier regulatory fact.
// The corrected fact stays as recorded; Regulatory.Effective applies the
// correction.
type TimestampCorrected struct {
	ID string `json:"id"`
	// At is when the correction was made (the command's time).
	At            time.Time `json:"at"`
	TargetEventID string    `json:"targetEventId"`
	// Field is the JSON name of the corrected field ("at", "sentAt").
	Field string `json:"field"`
	// Old is the value the correction replaces; nil when the field had
	// none (an unknown receivedAt or dueAt).
	Old    *time.Time `json:"old"`
	New    time.Time  `json:"new"`
	Reason string     `json:"reason"`
}

// EventType returns the stable type name of the event.
func (Detected) EventType() string                   { return "incident.detected" }
func (AwarenessEstablished) EventType() string       { return "incident.awareness_established" }
func (ClassifiedSignificantNIS2) EventType() string  { return "incident.classified_significant_nis2" }
func (DeclassifiedNIS2) EventType() string           { return "incident.declassified_nis2" }
func (ClassificationAssessedDORA) EventType() string { return "incident.classification_assessed_dora" }
func (ReclassifiedNonMajorDORA) EventType() string   { return "incident.reclassified_non_major_dora" }
func (RecurringIncidentsAggregated) EventType() string {
	return "incident.recurring_incidents_aggregated"
}
func (PersonalDataBreachAssessed) EventType() string { return "incident.personal_data_breach_assessed" }
func (RegularActivitiesRecovered) EventType() string { return "incident.regular_activities_recovered" }
func (RootCauseAnalysisCompleted) EventType() string { return "incident.root_cause_analysis_completed" }
func (HandlingCompleted) EventType() string          { return "incident.handling_completed" }
func (AuthorityRequestReceived) EventType() string   { return "incident.authority_request_received" }
func (NotificationSubmitted) EventType() string      { return "incident.notification_submitted" }
func (DelayNotified) EventType() string              { return "incident.delay_notified" }
func (TimestampCorrected) EventType() string         { return "incident.timestamp_corrected" }

func (Detected) isEvent()                     {}
func (AwarenessEstablished) isEvent()         {}
func (ClassifiedSignificantNIS2) isEvent()    {}
func (DeclassifiedNIS2) isEvent()             {}
func (ClassificationAssessedDORA) isEvent()   {}
func (ReclassifiedNonMajorDORA) isEvent()     {}
func (RecurringIncidentsAggregated) isEvent() {}
func (PersonalDataBreachAssessed) isEvent()   {}
func (RegularActivitiesRecovered) isEvent()   {}
func (RootCauseAnalysisCompleted) isEvent()   {}
func (HandlingCompleted) isEvent()            {}
func (AuthorityRequestReceived) isEvent()     {}
func (NotificationSubmitted) isEvent()        {}
func (DelayNotified) isEvent()                {}
func (TimestampCorrected) isEvent()           {}

func (Detected) regulatory()                     {}
func (AwarenessEstablished) regulatory()         {}
func (ClassifiedSignificantNIS2) regulatory()    {}
func (DeclassifiedNIS2) regulatory()             {}
func (ClassificationAssessedDORA) regulatory()   {}
func (ReclassifiedNonMajorDORA) regulatory()     {}
func (RecurringIncidentsAggregated) regulatory() {}
func (PersonalDataBreachAssessed) regulatory()   {}
func (RegularActivitiesRecovered) regulatory()   {}
func (RootCauseAnalysisCompleted) regulatory()   {}
func (HandlingCompleted) regulatory()            {}
func (AuthorityRequestReceived) regulatory()     {}
func (NotificationSubmitted) regulatory()        {}
func (DelayNotified) regulatory()                {}
func (TimestampCorrected) regulatory()           {}

func (e Detected) factID() string                     { return e.ID }
func (e AwarenessEstablished) factID() string         { return e.ID }
func (e ClassifiedSignificantNIS2) factID() string    { return e.ID }
func (e DeclassifiedNIS2) factID() string             { return e.ID }
func (e ClassificationAssessedDORA) factID() string   { return e.ID }
func (e ReclassifiedNonMajorDORA) factID() string     { return e.ID }
func (e RecurringIncidentsAggregated) factID() string { return e.ID }
func (e PersonalDataBreachAssessed) factID() string   { return e.ID }
func (e RegularActivitiesRecovered) factID() string   { return e.ID }
func (e RootCauseAnalysisCompleted) factID() string   { return e.ID }
func (e HandlingCompleted) factID() string            { return e.ID }
func (e AuthorityRequestReceived) factID() string     { return e.ID }
func (e NotificationSubmitted) factID() string        { return e.ID }
func (e DelayNotified) factID() string                { return e.ID }
func (e TimestampCorrected) factID() string           { return e.ID }

// regulatoryEvent is an event Evolve hands to evolveRegulatory.
type regulatoryEvent interface {
	Event
	regulatory()
}

// identified is implemented by every regulatory event.
type identified interface{ factID() string }

// regulatoryEvents holds a zero value of every regulatory event type.
var regulatoryEvents = []Event{
	Detected{}, AwarenessEstablished{}, ClassifiedSignificantNIS2{}, DeclassifiedNIS2{},
	ClassificationAssessedDORA{}, ReclassifiedNonMajorDORA{}, RecurringIncidentsAggregated{},
	PersonalDataBreachAssessed{}, RegularActivitiesRecovered{}, RootCauseAnalysisCompleted{},
	HandlingCompleted{}, AuthorityRequestReceived{}, NotificationSubmitted{}, DelayNotified{},
	TimestampCorrected{},
}

// RegulatoryEventTypes returns the type names of the regulatory events, in
// the order of §5.
func RegulatoryEventTypes() []string { return eventTypes(regulatoryEvents) }

// Fact is one recorded regulatory fact.
type Fact struct {
	// ID is the event's ID (the stored event's ID and the payload's ID).
	ID string
	// Type is the event type name ("incident.awareness_established").
	Type string
	// Event is the payload as recorded (one of the regulatory event types
	// of this file, a value, not a pointer); corrections never change it:
	// use Regulatory.Effective for the corrected payload.
	Event Event
}

// Regulatory is the regulatory side of an incident: its facts in the order
// they were recorded, for the compliance engine. The zero value has none.
//
// Facts is the input of record; the methods are views over it. Evolve never
// changes what an older copy of a Regulatory sees. Compare Regulatory values
// by their exported fields (its unexported fields track shared arrays).
type Regulatory struct {
	// Facts holds every regulatory event, corrections included, in
	// recording order.
	Facts []Fact
	// Corrections holds the TimestampCorrected events, in recording order
	// (they are in Facts too).
	Corrections []TimestampCorrected

	// The backing arrays of Facts and Corrections (see package cow).
	facts       *cow.Array[Fact]
	corrections *cow.Array[TimestampCorrected]
}

// evolveRegulatory appends e to r's facts.
func evolveRegulatory(r Regulatory, e regulatoryEvent) Regulatory {
	var id string
	if f, ok := e.(identified); ok {
		id = f.factID()
	}
	r.Facts, r.facts = cow.Push(r.Facts, r.facts, Fact{ID: id, Type: e.EventType(), Event: e})
	if c, ok := e.(TimestampCorrected); ok {
		r.Corrections, r.corrections = cow.Push(r.Corrections, r.corrections, c)
	}
	return r
}

// Fact returns the fact with event ID id, as recorded.
func (r Regulatory) Fact(id string) (Fact, bool) {
	for _, f := range r.Facts {
		if f.ID == id {
			return f, true
		}
	}
	return Fact{}, false
}

// Effective returns f's payload with every correction of its time fields
// applied, in recording order.
func (r Regulatory) Effective(f Fact) Event {
	e := f.Event
	for _, c := range r.Corrections {
		if c.TargetEventID == f.ID {
			if ne, ok := setTime(e, c.Field, c.New); ok {
				e = ne
			}
		}
	}
	return e
}

// EffectiveFacts returns every fact with its corrections applied (see
// Effective), in recording order. The result is a new slice.
func (r Regulatory) EffectiveFacts() []Fact {
	out := make([]Fact, len(r.Facts))
	for i, f := range r.Facts {
		f.Event = r.Effective(f)
		out[i] = f
	}
	return out
}

// EffectiveTime returns the value of time field field (its JSON name, "at",
// "sentAt") of the fact with event ID id after every correction, and false
// when there is no such fact, the fact has no such time field, or the
// (optional) field has no value.
func (r Regulatory) EffectiveTime(id, field string) (time.Time, bool) {
	f, ok := r.Fact(id)
	if !ok {
		return time.Time{}, false
	}
	return getTime(r.Effective(f), field)
}

// FactsOf returns the payloads of r's facts of type E with their corrections
// applied, in recording order.
func FactsOf[E Event](r Regulatory) []E {
	var out []E
	for _, f := range r.Facts {
		if _, ok := f.Event.(E); ok {
			out = append(out, r.Effective(f).(E))
		}
	}
	return out
}

// Detection returns the first recorded detection, corrected.
func (r Regulatory) Detection() (Detected, bool) {
	d := FactsOf[Detected](r)
	if len(d) == 0 {
		return Detected{}, false
	}
	return d[0], true
}

// Awareness returns the awareness of regime with the earliest effective At
// (the first recorded on a tie), corrected.
func (r Regulatory) Awareness(regime tenant.Regime) (AwarenessEstablished, bool) {
	var best AwarenessEstablished
	found := false
	for _, a := range FactsOf[AwarenessEstablished](r) {
		if a.Regime == regime && (!found || a.At.Before(best.At)) {
			best, found = a, true
		}
	}
	return best, found
}

// Submission returns the submission with ID submissionID, corrected.
func (r Regulatory) Submission(submissionID string) (NotificationSubmitted, bool) {
	for _, s := range FactsOf[NotificationSubmitted](r) {
		if s.SubmissionID == submissionID {
			return s, true
		}
	}
	return NotificationSubmitted{}, false
}

// timeFields lists, per event type, the JSON names of the business-time
// fields a TimestampCorrected may correct. The At of
// NotificationSubmitted, RecurringIncidentsAggregated and TimestampCorrected
// is the command's time, not a business time of the fact, so it is not
// listed; a correction corrects no other correction.
var timeFields = map[string][]string{
	Detected{}.EventType():                     {"at"},
	AwarenessEstablished{}.EventType():         {"at"},
	ClassifiedSignificantNIS2{}.EventType():    {"at"},
	DeclassifiedNIS2{}.EventType():             {"at"},
	ClassificationAssessedDORA{}.EventType():   {"at"},
	ReclassifiedNonMajorDORA{}.EventType():     {"at"},
	RecurringIncidentsAggregated{}.EventType(): {"lastDetectionAt", "assessedAt"},
	PersonalDataBreachAssessed{}.EventType():   {"at"},
	RegularActivitiesRecovered{}.EventType():   {"at"},
	RootCauseAnalysisCompleted{}.EventType():   {"at"},
	HandlingCompleted{}.EventType():            {"at"},
	AuthorityRequestReceived{}.EventType():     {"at", "dueAt"},
	NotificationSubmitted{}.EventType():        {"sentAt", "receivedAt"},
	DelayNotified{}.EventType():                {"at"},
	TimestampCorrected{}.EventType():           nil,
}

// TimeFields returns the JSON names of the time fields of regulatory event
// type eventType that a TimestampCorrected may correct (none for an unknown
// type or a correction).
func TimeFields(eventType string) []string { return slices.Clone(timeFields[eventType]) }

// optionalTimeFields are the time fields that may have no value.
var optionalTimeFields = []string{"dueAt", "receivedAt"}

// getTime returns the value of e's correctable time field field, and false
// when e has no such field or the field has no value.
func getTime(e Event, field string) (time.Time, bool) {
	if !slices.Contains(timeFields[e.EventType()], field) {
		return time.Time{}, false
	}
	var t time.Time
	switch e := e.(type) {
	case Detected:
		t = e.At
	case AwarenessEstablished:
		t = e.At
	case ClassifiedSignificantNIS2:
		t = e.At
	case DeclassifiedNIS2:
		t = e.At
	case ClassificationAssessedDORA:
		t = e.At
	case ReclassifiedNonMajorDORA:
		t = e.At
	case RecurringIncidentsAggregated:
		t = e.AssessedAt
		if field == "lastDetectionAt" {
			t = e.LastDetectionAt
		}
	case PersonalDataBreachAssessed:
		t = e.At
	case RegularActivitiesRecovered:
		t = e.At
	case RootCauseAnalysisCompleted:
		t = e.At
	case HandlingCompleted:
		t = e.At
	case AuthorityRequestReceived:
		t = e.At
		if field == "dueAt" {
			if e.DueAt == nil {
				return time.Time{}, false
			}
			t = *e.DueAt
		}
	case NotificationSubmitted:
		t = e.SentAt
		if field == "receivedAt" {
			if e.ReceivedAt == nil {
				return time.Time{}, false
			}
			t = *e.ReceivedAt
		}
	case DelayNotified:
		t = e.At
	default:
		return time.Time{}, false
	}
	return t, true
}

// setTime returns a copy of e with its correctable time field field set to
// t, and false when e has no such field.
func setTime(e Event, field string, t time.Time) (Event, bool) {
	if !slices.Contains(timeFields[e.EventType()], field) {
		return e, false
	}
	switch e := e.(type) {
	case Detected:
		e.At = t
		return e, true
	case AwarenessEstablished:
		e.At = t
		return e, true
	case ClassifiedSignificantNIS2:
		e.At = t
		return e, true
	case DeclassifiedNIS2:
		e.At = t
		return e, true
	case ClassificationAssessedDORA:
		e.At = t
		return e, true
	case ReclassifiedNonMajorDORA:
		e.At = t
		return e, true
	case RecurringIncidentsAggregated:
		if field == "lastDetectionAt" {
			e.LastDetectionAt = t
		} else {
			e.AssessedAt = t
		}
		return e, true
	case PersonalDataBreachAssessed:
		e.At = t
		return e, true
	case RegularActivitiesRecovered:
		e.At = t
		return e, true
	case RootCauseAnalysisCompleted:
		e.At = t
		return e, true
	case HandlingCompleted:
		e.At = t
		return e, true
	case AuthorityRequestReceived:
		if field == "dueAt" {
			e.DueAt = &t
		} else {
			e.At = t
		}
		return e, true
	case NotificationSubmitted:
		if field == "receivedAt" {
			e.ReceivedAt = &t
		} else {
			e.SentAt = t
		}
		return e, true
	case DelayNotified:
		e.At = t
		return e, true
	}
	return e, false
}
