package classify

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// recurringWindowMonths is the window of recurring incidents ("at least
// twice within 6 months").
const recurringWindowMonths = 6

// RecurringGroup is a set of recurring incidents that count as one: same
// apparent root cause, all detected within six months of the first.
type RecurringGroup struct {
	// RootCause is the root cause as the first member states it.
	RootCause string
	// Members are the incident IDs, in order of detection.
	Members         []string
	FirstDetectedAt time.Time
	// LastDetectedAt is the detection of the last member (DORA template
	// field 2.2 of the aggregated report).
	LastDetectedAt time.Time
}

// Exclusion is an incident a recurring assessment left out, and why.
type Exclusion struct {
	ID     string
	Reason string
}

// DORAIncident is one ICT-related incident for the recurring assessment.
type DORAIncident struct {
	ID         string
	DetectedAt time.Time
	// RootCause is the apparent root cause (DORA Art. 20, first
	// subparagraph, point (b)).
	RootCause string
	Criteria  DORAInput
}

// DORARecurringInput is the input of the monthly recurring-incidents
// assessment of 2024/1772 Art. 8(2).
type DORARecurringInput struct {
	// Exempt: the entity is a microenterprise or a financial entity of DORA
	// Art. 16(1); Art. 8(2) does not apply to it.
	Exempt    bool
	Incidents []DORAIncident
}

// DORARecurringGroup is a group of recurring incidents that together are
// one major incident under Art. 8(2).
type DORARecurringGroup struct {
	RecurringGroup
	// Combined holds the members' criteria combined (CombineDORA).
	Combined DORAInput
	// Classification is the combined criteria's, with Rule "8(2)".
	Classification DORAClassification
}

// DORARecurringResult is the result of DORARecurring.
type DORARecurringResult struct {
	Groups []DORARecurringGroup
	// Excluded lists the incidents that cannot recur: individually major,
	// or with no root cause.
	Excluded    []Exclusion
	Explanation string
}

// DORARecurring finds recurring incidents under 2024/1772 Art. 8(2):
// individually non-major incidents, at least two within six months, with
// the same apparent root cause, that together meet Art. 8(1), are one major
// incident. The entity assesses this monthly; it does not apply to exempt
// entities. See the package doc for how groups are formed and values
// combined. It returns a *domain.FieldError for a malformed input.
func DORARecurring(in DORARecurringInput) (DORARecurringResult, error) {
	if in.Exempt {
		return DORARecurringResult{Explanation: "Art. 8(2) of Delegated Regulation (EU) 2024/1772 (recurring incidents) does not apply to microenterprises or to the financial entities of DORA Art. 16(1)."}, nil
	}
	var res DORARecurringResult
	var cands []candidate
	for i, inc := range in.Incidents {
		f := fmt.Sprintf("incidents[%d]", i)
		if err := checkMember(f, inc.ID, inc.DetectedAt, i, func(j int) string { return in.Incidents[j].ID }); err != nil {
			return DORARecurringResult{}, err
		}
		c, err := DORA(inc.Criteria)
		if err != nil {
			return DORARecurringResult{}, prefixed(f+".criteria.", err)
		}
		switch {
		case c.Major:
			res.Excluded = append(res.Excluded, Exclusion{inc.ID, "individually major (" + string(c.Rule) + ")"})
		case normalizeCause(inc.RootCause) == "":
			res.Excluded = append(res.Excluded, Exclusion{inc.ID, "no apparent root cause"})
		default:
			cands = append(cands, candidate{idx: i, id: inc.ID, at: inc.DetectedAt, cause: inc.RootCause})
		}
	}
	combine := func(idxs []int) DORAInput {
		ins := make([]DORAInput, len(idxs))
		for k, i := range idxs {
			ins[k] = in.Incidents[i].Criteria
		}
		return CombineDORA(ins...)
	}
	for _, g := range findGroups(cands, func(idxs []int) bool {
		c, err := DORA(combine(idxs))
		return err == nil && c.Major
	}) {
		combined := combine(g.idxs)
		c, _ := DORA(combined)
		c.Rule = incident.DORARuleRecurring
		c.Explanation = fmt.Sprintf("Major incident under Art. 8(2) of Delegated Regulation (EU) 2024/1772: %d individually non-major incidents (%s) with the same apparent root cause %q, detected from %s to %s (within 6 months), together meet Art. 8(1). Combined values: counts, percentages, amounts, durations and downtimes summed; flags and gate points or-ed; Member States united. Assessed monthly. Taken as one incident: %s",
			len(g.Members), strings.Join(g.Members, ", "), g.RootCause, g.FirstDetectedAt.Format(time.RFC3339), g.LastDetectedAt.Format(time.RFC3339), c.Explanation)
		res.Groups = append(res.Groups, DORARecurringGroup{RecurringGroup: g.RecurringGroup, Combined: combined, Classification: c})
	}
	res.Explanation = fmt.Sprintf("Art. 8(2) of Delegated Regulation (EU) 2024/1772 (assessed monthly): %d group(s) of recurring incidents found among %d individually non-major incident(s); %d incident(s) excluded.",
		len(res.Groups), len(cands), len(res.Excluded))
	return res, nil
}

// CombineDORA combines the criteria of recurring incidents into those of
// the one incident they count as (2024/1772 Art. 8(2)(c), "collectively"):
// counts, percentages, amounts, durations and downtimes are summed, flags
// and gate facts or-ed, Member State codes united (Count: the largest). A
// sum is estimated when a member's non-zero part is; a flag when every
// member that has it has it as an estimate.
func CombineDORA(ins ...DORAInput) DORAInput {
	var out DORAInput
	var states []string
	for _, in := range ins {
		out.Gate.CriticalFunctions = out.Gate.CriticalFunctions || in.Gate.CriticalFunctions
		out.Gate.FinancialServices = out.Gate.FinancialServices || in.Gate.FinancialServices
		out.Gate.MaliciousAccess = out.Gate.MaliciousAccess || in.Gate.MaliciousAccess
		out.Clients = addShare(out.Clients, in.Clients)
		out.Counterparts = addShare(out.Counterparts, in.Counterparts)
		out.TransactionsNumber = addShare(out.TransactionsNumber, in.TransactionsNumber)
		out.TransactionsValue = addShare(out.TransactionsValue, in.TransactionsValue)
		out.RelevantClients = orFlag(out.RelevantClients, in.RelevantClients)
		out.Reputation.MediaCoverage = orFlag(out.Reputation.MediaCoverage, in.Reputation.MediaCoverage)
		out.Reputation.RepetitiveComplaints = orFlag(out.Reputation.RepetitiveComplaints, in.Reputation.RepetitiveComplaints)
		out.Reputation.RegulatoryBreach = orFlag(out.Reputation.RegulatoryBreach, in.Reputation.RegulatoryBreach)
		out.Reputation.ClientLoss = orFlag(out.Reputation.ClientLoss, in.Reputation.ClientLoss)
		out.Duration = addSpan(out.Duration, in.Duration)
		out.Downtime = addSpan(out.Downtime, in.Downtime)
		states = append(states, in.MemberStates.Codes...)
		out.MemberStates.Count = max(out.MemberStates.Count, in.MemberStates.Count)
		if in.MemberStates.Estimated && in.MemberStates.Number() > 0 {
			out.MemberStates.Estimated = true
		}
		out.DataLosses.Impact = orFlag(out.DataLosses.Impact, in.DataLosses.Impact)
		out.DataLosses.MaliciousAccess = orFlag(out.DataLosses.MaliciousAccess, in.DataLosses.MaliciousAccess)
		out.EconomicImpact = addMoney(out.EconomicImpact, in.EconomicImpact)
	}
	if len(states) > 0 {
		out.MemberStates.Codes = sortedUnique(states)
	}
	return out
}

func addShare(a, b Share) Share {
	return Share{Count: a.Count + b.Count, Percent: a.Percent + b.Percent,
		Estimated: a.Estimated || (b.Estimated && (b.Count != 0 || b.Percent != 0))}
}

func addSpan(a, b Span) Span {
	return Span{Duration: a.Duration + b.Duration, Estimated: a.Estimated || (b.Estimated && b.Duration != 0)}
}

func addMoney(a, b Money) Money {
	return Money{Cents: a.Cents + b.Cents, Estimated: a.Estimated || (b.Estimated && b.Cents != 0)}
}

// orFlag ors two flags: estimated unless one of them is an established yes.
func orFlag(a, b Flag) Flag {
	switch {
	case a.Yes && b.Yes:
		return Flag{Yes: true, Estimated: a.Estimated && b.Estimated}
	case a.Yes:
		return a
	case b.Yes:
		return b
	}
	return Flag{}
}

// NIS2Incident is one incident for the recurring assessment of 2024/2690
// Art. 4.
type NIS2Incident struct {
	ID         string
	DetectedAt time.Time
	RootCause  string
	Facts      NIS2Facts
}

// NIS2RecurringInput is the input of NIS2Recurring.
type NIS2RecurringInput struct {
	EntityType tenant.EntityType2690
	// PriorYearTurnover is the entity's turnover for Art. 3(1)(a); a
	// member's own Facts.PriorYearTurnover, when set, is used for its
	// individual assessment.
	PriorYearTurnover Money
	Incidents         []NIS2Incident
}

// NIS2RecurringGroup is a group of recurring incidents that together are
// one significant incident under 2024/2690 Art. 4.
type NIS2RecurringGroup struct {
	RecurringGroup
	// CombinedLoss is the members' direct financial losses summed.
	CombinedLoss Money
	// Classification is significant with the criterion "IR2024/2690:4".
	Classification NIS2Classification
}

// NIS2RecurringResult is the result of NIS2Recurring.
type NIS2RecurringResult struct {
	Groups []NIS2RecurringGroup
	// Excluded lists the incidents that cannot recur: individually
	// significant, scheduled maintenance (Art. 3(2)) or with no root cause.
	Excluded    []Exclusion
	Explanation string
}

// NIS2Recurring finds recurring incidents under 2024/2690 Art. 4:
// individually non-significant incidents, at least two within six months,
// with the same apparent root cause, whose direct financial losses together
// exceed the Art. 3(1)(a) threshold, are one significant incident. It
// applies to the entity types of 2024/2690 only. It returns a
// *domain.FieldError for a malformed input.
func NIS2Recurring(in NIS2RecurringInput) (NIS2RecurringResult, error) {
	if in.EntityType == "" {
		return NIS2RecurringResult{Explanation: "Art. 4 of Implementing Regulation (EU) 2024/2690 (recurring incidents) applies to its entity types only; the entity is of none."}, nil
	}
	if err := firstErr(domain.OneOf("entityType2690", in.EntityType, tenant.EntityTypes2690...), checkMoney("priorYearTurnover", in.PriorYearTurnover)); err != nil {
		return NIS2RecurringResult{}, err
	}
	var res NIS2RecurringResult
	var cands []candidate
	for i, inc := range in.Incidents {
		f := fmt.Sprintf("incidents[%d]", i)
		if err := checkMember(f, inc.ID, inc.DetectedAt, i, func(j int) string { return in.Incidents[j].ID }); err != nil {
			return NIS2RecurringResult{}, err
		}
		facts := inc.Facts
		if facts.PriorYearTurnover.Cents == 0 {
			facts.PriorYearTurnover = in.PriorYearTurnover
		}
		c, err := NIS2(in.EntityType, facts)
		if err != nil {
			return NIS2RecurringResult{}, prefixed(f+".facts.", err)
		}
		switch {
		case c.Significant:
			res.Excluded = append(res.Excluded, Exclusion{inc.ID, "individually significant (" + codesOf(c.Criteria) + ")"})
		case inc.Facts.Scheduled:
			res.Excluded = append(res.Excluded, Exclusion{inc.ID, "scheduled maintenance (Art. 3(2))"})
		case normalizeCause(inc.RootCause) == "":
			res.Excluded = append(res.Excluded, Exclusion{inc.ID, "no apparent root cause"})
		default:
			cands = append(cands, candidate{idx: i, id: inc.ID, at: inc.DetectedAt, cause: inc.RootCause})
		}
	}
	loss := func(idxs []int) Money {
		var m Money
		for _, i := range idxs {
			m = addMoney(m, in.Incidents[i].Facts.DirectLoss)
		}
		return m
	}
	turnover := in.PriorYearTurnover
	for _, g := range findGroups(cands, func(idxs []int) bool { return lossMet(loss(idxs).Cents, turnover.Cents) }) {
		m := loss(g.idxs)
		_, th := lossThreshold(turnover.Cents)
		hit := incident.CriterionHit{Code: ir + "4", Value: fmt.Sprintf("direct financial loss %s combined over %d incidents (%s)", fmtMoney(m.Cents), len(g.Members), strings.Join(g.Members, ", ")),
			Threshold: th + ", Art. 3(1)(a) collectively", Estimated: m.Estimated || (turnover.Estimated && m.Cents <= lossLimitCents)}
		c := classification([]incident.CriterionHit{hit})
		c.Explanation = fmt.Sprintf("Significant incident under Art. 4 of Implementing Regulation (EU) 2024/2690: %d individually non-significant incidents (%s) with the same apparent root cause %q, detected from %s to %s (within 6 months), together meet Art. 3(1)(a): %s %s.",
			len(g.Members), strings.Join(g.Members, ", "), g.RootCause, g.FirstDetectedAt.Format(time.RFC3339), g.LastDetectedAt.Format(time.RFC3339), hit.Value, hit.Threshold)
		res.Groups = append(res.Groups, NIS2RecurringGroup{RecurringGroup: g.RecurringGroup, CombinedLoss: m, Classification: c})
	}
	res.Explanation = fmt.Sprintf("Art. 4 of Implementing Regulation (EU) 2024/2690: %d group(s) of recurring incidents found among %d individually non-significant incident(s); %d incident(s) excluded.",
		len(res.Groups), len(cands), len(res.Excluded))
	return res, nil
}

// candidate is an incident that may recur.
type candidate struct {
	idx   int // index in the input
	id    string
	at    time.Time
	cause string
}

// group is a group found by findGroups.
type group struct {
	RecurringGroup
	idxs []int // input indexes, in order of detection
}

// findGroups groups candidates per normalized root cause and, in order of
// detection, takes each group from the earliest candidate left to the
// first later candidate within six months of it with which meets holds
// (meets must be monotone: a superset of a group that meets meets too).
// Groups are returned by first detection, then root cause.
func findGroups(cands []candidate, meets func(idxs []int) bool) []group {
	byCause := map[string][]candidate{}
	for _, c := range cands {
		k := normalizeCause(c.cause)
		byCause[k] = append(byCause[k], c)
	}
	var out []group
	for _, cs := range byCause {
		slices.SortStableFunc(cs, func(a, b candidate) int {
			return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.id, b.id))
		})
		for i := 0; i < len(cs); {
			limit := addMonthsUTC(cs[i].at, recurringWindowMonths)
			end := -1
			idxs := []int{cs[i].idx}
			for j := i + 1; j < len(cs) && !cs[j].at.After(limit); j++ {
				idxs = append(idxs, cs[j].idx)
				if meets(idxs) {
					end = j
					break
				}
			}
			if end < 0 {
				i++
				continue
			}
			g := group{idxs: idxs, RecurringGroup: RecurringGroup{RootCause: cs[i].cause, FirstDetectedAt: cs[i].at, LastDetectedAt: cs[end].at}}
			for _, c := range cs[i : end+1] {
				g.Members = append(g.Members, c.id)
			}
			out = append(out, g)
			i = end + 1
		}
	}
	slices.SortFunc(out, func(a, b group) int {
		return cmp.Or(a.FirstDetectedAt.Compare(b.FirstDetectedAt), cmp.Compare(normalizeCause(a.RootCause), normalizeCause(b.RootCause)))
	})
	return out
}

// normalizeCause returns the comparable form of a root cause: trimmed,
// lower-cased, white space collapsed.
func normalizeCause(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// addMonthsUTC returns t plus n calendar months in UTC, clamped to the last
// day of the target month (31 Aug + 6 months = 28/29 Feb).
func addMonthsUTC(t time.Time, n int) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	last := time.Date(y, m+time.Month(n)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(y, m+time.Month(n), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// checkMember checks a recurring-assessment member: an ID (unique among
// the first i) and a detection time.
func checkMember(field, id string, at time.Time, i int, idAt func(int) string) error {
	if err := domain.ValidateID(field+".id", id); err != nil {
		return err
	}
	for j := range i {
		if idAt(j) == id {
			return &domain.FieldError{Field: field + ".id", Value: id, Reason: "listed twice"}
		}
	}
	return domain.RequireTime(field+".detectedAt", at)
}

// prefixed returns err with its field prefixed, when it is a
// *domain.FieldError.
func prefixed(prefix string, err error) error {
	var fe *domain.FieldError
	if errors.As(err, &fe) {
		return &domain.FieldError{Field: prefix + fe.Field, Value: fe.Value, Reason: fe.Reason}
	}
	return err
}

// codesOf lists the codes of hits.
func codesOf(hits []incident.CriterionHit) string {
	codes := make([]string, len(hits))
	for i, h := range hits {
		codes[i] = h.Code
	}
	return strings.Join(codes, ", ")
}
