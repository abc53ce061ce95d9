package classify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
)

// DORAInput holds the classification criteria of an ICT-related incident
// as the financial entity assessed them (DORA Art. 18(1), 2024/1772 Arts 1
// to 9). Values the entity could not determine are estimated (Art. 9(1),
// second subparagraph, and Art. 3) and marked so.
type DORAInput struct {
	// Gate holds the Art. 6 facts (critical services affected).
	Gate DORAGate
	// Clients affected: Percent of all clients using the affected service
	// (9(1)(a): more than 10 %), Count of clients using it (9(1)(b): more
	// than 100 000).
	Clients Share
	// Counterparts: Percent of the financial counterparts carrying out
	// activities related to the service (9(1)(c): more than 30 %).
	Counterparts Share
	// TransactionsNumber: Percent of the daily average number of
	// transactions of the service (9(1)(d): more than 10 %).
	TransactionsNumber Share
	// TransactionsValue: Percent of the daily average value of
	// transactions of the service (9(1)(e): more than 10 %).
	TransactionsValue Share
	// RelevantClients: clients or counterparts identified as relevant
	// (Art. 1(3)) were affected (9(1)(f)).
	RelevantClients Flag
	// Reputation holds the Art. 2 indicators (9(2)).
	Reputation Reputation
	// Duration from occurrence to resolution (Art. 3; 9(3)(a): more than
	// 24 hours).
	Duration Span
	// Downtime of ICT services supporting critical or important functions
	// (9(3)(b): more than 2 hours).
	Downtime Span
	// MemberStates with an impact (Art. 4; 9(4): two or more).
	MemberStates MemberStates
	// DataLosses holds the Art. 5 facts (9(5)).
	DataLosses DataLosses
	// EconomicImpact: costs and losses, actual or likely (Art. 7; 9(6): more
	// than EUR 100 000).
	EconomicImpact Money
}

// DORAGate holds the facts of the 2024/1772 Art. 6 gate ("critical services
// affected"); any one meets it.
type DORAGate struct {
	// CriticalFunctions: affects ICT services or network and information
	// systems supporting critical or important functions (6(a)).
	CriticalFunctions bool
	// FinancialServices: affects financial services that need an
	// authorisation or registration or are supervised (6(b)).
	FinancialServices bool
	// MaliciousAccess: a successful, malicious and unauthorised access to
	// the network and information systems (6(c)). A 9(5)(b) access
	// (DataLosses.MaliciousAccess) meets 6(c) too.
	MaliciousAccess bool
}

// Reputation holds the reputational-impact indicators of 2024/1772 Art. 2;
// any one meets 9(2).
type Reputation struct {
	MediaCoverage        Flag
	RepetitiveComplaints Flag
	// RegulatoryBreach: the entity will likely not meet, or has not met,
	// regulatory requirements.
	RegulatoryBreach Flag
	// ClientLoss: the entity will likely lose clients or counterparts.
	ClientLoss Flag
}

// MemberStates are the Member States where the incident had an impact:
// their ISO 3166-1 alpha-2 codes, or only how many when they are not known
// by name. The number is the larger of the distinct codes and Count.
type MemberStates struct {
	Codes     []string
	Count     int
	Estimated bool
}

// Number returns how many Member States are impacted.
func (m MemberStates) Number() int { return max(len(sortedUnique(m.Codes)), m.Count) }

// DataLosses holds the data-loss facts of 2024/1772 Art. 5 and 9(5).
type DataLosses struct {
	// Impact: an impact on the availability, authenticity, integrity or
	// confidentiality of data that adversely affects the entity's business
	// objectives or its ability to meet regulatory requirements (9(5)(a)).
	Impact Flag
	// MaliciousAccess: a successful, malicious and unauthorised access to
	// network and information systems that may result in data losses
	// (9(5)(b); enough on its own under 8(1)(a)).
	MaliciousAccess Flag
}

// DORAClassification is the result of DORA: whether the incident is major,
// by which Art. 8 rule, and the gate points and thresholds met, in the
// shapes of incident.AssessClassificationDORA.
type DORAClassification struct {
	Major bool
	// Rule is the Art. 8 rule ("8(1)(a)", "8(1)(b)", "8(2)"); empty when
	// not major.
	Rule incident.DORARule
	// Gate lists the Art. 6 points met ("6(a)", "6(b)", "6(c)").
	Gate []string
	// Thresholds lists every Art. 9 condition met, in code order
	// ("RTS2024/1772:9(1)(b)"), major or not.
	Thresholds []incident.CriterionHit
	// Estimated: a threshold listed rests on an estimate.
	Estimated bool
	// Explanation says in words why.
	Explanation string
}

// Result returns the incident.DORAResult of c.
func (c DORAClassification) Result() incident.DORAResult {
	if c.Major {
		return incident.DORAMajor
	}
	return incident.DORANonMajor
}

// The 2024/1772 thresholds.
const (
	rts = "RTS2024/1772:"

	clientsPercentLimit      = 10.0    // 9(1)(a)
	clientsCountLimit        = 100_000 // 9(1)(b)
	counterpartsPercentLimit = 30.0    // 9(1)(c)
	transactionsPercentLimit = 10.0    // 9(1)(d), (e)
	durationLimit            = 24 * time.Hour
	downtimeLimit            = 2 * time.Hour
	memberStatesMin          = 2
	economicLimitCents       = 100_000 * 100 // 9(6)
)

// DORA classifies an incident under 2024/1772 Art. 8(1): major when the
// Art. 6 gate is met and either the 9(5)(b) threshold is met (8(1)(a)) or
// two or more of the other thresholds 9(1)-9(6) are (8(1)(b)). It returns a
// *domain.FieldError for a malformed input.
func DORA(in DORAInput) (DORAClassification, error) {
	if err := in.validate(); err != nil {
		return DORAClassification{}, err
	}
	c := DORAClassification{Gate: in.gatePoints(), Thresholds: in.thresholdHits()}
	dataAccess, others := countThresholds(c.Thresholds)
	gate := len(c.Gate) > 0
	switch {
	case gate && dataAccess:
		c.Major, c.Rule = true, incident.DORARuleDataAccess
	case gate && len(others) >= 2:
		c.Major, c.Rule = true, incident.DORARuleTwoThresholds
	}
	c.Estimated = slices.ContainsFunc(c.Thresholds, func(h incident.CriterionHit) bool { return h.Estimated })
	c.Explanation = explainDORA(c, others)
	return c, nil
}

// validate checks that in holds no negative value, no percentage of a
// population above 100 % and only well-formed Member State codes.
func (in DORAInput) validate() error {
	err := firstErr(
		checkShare("clients", in.Clients, true),
		checkShare("counterparts", in.Counterparts, true),
		checkShare("transactionsNumber", in.TransactionsNumber, false),
		checkShare("transactionsValue", in.TransactionsValue, false),
		checkSpan("duration", in.Duration),
		checkSpan("downtime", in.Downtime),
		checkMoney("economicImpact", in.EconomicImpact),
	)
	if err != nil {
		return err
	}
	if in.MemberStates.Count < 0 {
		return &domain.FieldError{Field: "memberStates.count", Value: fmt.Sprint(in.MemberStates.Count), Reason: "negative"}
	}
	for i, c := range in.MemberStates.Codes {
		if !memberStatePattern.MatchString(c) {
			return &domain.FieldError{Field: fmt.Sprintf("memberStates.codes[%d]", i), Value: c, Reason: "want an ISO 3166-1 alpha-2 code such as DE"}
		}
	}
	return nil
}

// gatePoints returns the Art. 6 points met.
func (in DORAInput) gatePoints() []string {
	var g []string
	if in.Gate.CriticalFunctions {
		g = append(g, incident.DORAGateCriticalFunctions)
	}
	if in.Gate.FinancialServices {
		g = append(g, incident.DORAGateFinancialServices)
	}
	if in.Gate.MaliciousAccess || in.DataLosses.MaliciousAccess.Yes {
		g = append(g, incident.DORAGateMaliciousAccess)
	}
	return g
}

// thresholdHits returns the Art. 9 conditions in meets, in code order.
func (in DORAInput) thresholdHits() []incident.CriterionHit {
	var hits []incident.CriterionHit
	add := func(ref, value, threshold string, est bool) {
		hits = append(hits, incident.CriterionHit{Code: rts + ref, Value: value, Threshold: threshold, Estimated: est})
	}
	if percentOver(in.Clients.Percent, clientsPercentLimit) {
		add("9(1)(a)", fmtPercent(in.Clients.Percent)+" of the clients using the service", "> "+fmtPercent(clientsPercentLimit), in.Clients.Estimated)
	}
	if in.Clients.Count > clientsCountLimit {
		add("9(1)(b)", fmt.Sprintf("%d clients", in.Clients.Count), fmt.Sprintf("> %d clients", clientsCountLimit), in.Clients.Estimated)
	}
	if percentOver(in.Counterparts.Percent, counterpartsPercentLimit) {
		add("9(1)(c)", fmtPercent(in.Counterparts.Percent)+" of the financial counterparts", "> "+fmtPercent(counterpartsPercentLimit), in.Counterparts.Estimated)
	}
	if percentOver(in.TransactionsNumber.Percent, transactionsPercentLimit) {
		add("9(1)(d)", fmtPercent(in.TransactionsNumber.Percent)+" of the daily average number of transactions", "> "+fmtPercent(transactionsPercentLimit), in.TransactionsNumber.Estimated)
	}
	if percentOver(in.TransactionsValue.Percent, transactionsPercentLimit) {
		add("9(1)(e)", fmtPercent(in.TransactionsValue.Percent)+" of the daily average value of transactions", "> "+fmtPercent(transactionsPercentLimit), in.TransactionsValue.Estimated)
	}
	if in.RelevantClients.Yes {
		add("9(1)(f)", "relevant clients or counterparts affected", "any relevant client or counterpart (Art. 1(3))", in.RelevantClients.Estimated)
	}
	if names, est := in.Reputation.met(); len(names) > 0 {
		add("9(2)", strings.Join(names, ", "), "any Art. 2 indicator", est)
	}
	if in.Duration.Duration > durationLimit {
		add("9(3)(a)", "duration "+fmtDuration(in.Duration.Duration), "> "+fmtDuration(durationLimit), in.Duration.Estimated)
	}
	if in.Downtime.Duration > downtimeLimit {
		add("9(3)(b)", "downtime "+fmtDuration(in.Downtime.Duration)+" of services supporting critical or important functions", "> "+fmtDuration(downtimeLimit), in.Downtime.Estimated)
	}
	if n := in.MemberStates.Number(); n >= memberStatesMin {
		v := fmt.Sprintf("%d Member States", n)
		if codes := sortedUnique(in.MemberStates.Codes); len(codes) > 0 {
			v += " (" + strings.Join(codes, ", ") + ")"
		}
		add("9(4)", v, fmt.Sprintf(">= %d Member States", memberStatesMin), in.MemberStates.Estimated)
	}
	if in.DataLosses.Impact.Yes {
		add("9(5)(a)", "impact on the availability, authenticity, integrity or confidentiality of data", "adverse effect on business objectives or regulatory compliance", in.DataLosses.Impact.Estimated)
	}
	if in.DataLosses.MaliciousAccess.Yes {
		add("9(5)(b)", "successful, malicious, unauthorised access that may result in data losses", "any such access", in.DataLosses.MaliciousAccess.Estimated)
	}
	if in.EconomicImpact.Cents > economicLimitCents {
		add("9(6)", "costs and losses "+fmtMoney(in.EconomicImpact.Cents), "> "+fmtMoney(economicLimitCents), in.EconomicImpact.Estimated)
	}
	return hits
}

// met returns the names of the indicators met, and whether all of them are
// estimates.
func (r Reputation) met() (names []string, estimated bool) {
	estimated = true
	for _, ind := range []struct {
		name string
		f    Flag
	}{
		{"media coverage", r.MediaCoverage},
		{"repetitive complaints", r.RepetitiveComplaints},
		{"likely regulatory breach", r.RegulatoryBreach},
		{"likely loss of clients or counterparts", r.ClientLoss},
	} {
		if ind.f.Yes {
			names = append(names, ind.name)
			estimated = estimated && ind.f.Estimated
		}
	}
	return names, estimated && len(names) > 0
}

// thresholdOf returns the threshold a 2024/1772 Art. 9 code belongs to:
// its 9(n) paragraph, except 9(5)(b), which counts on its own.
func thresholdOf(code string) string {
	ref := strings.TrimPrefix(code, rts)
	if ref == "9(5)(b)" || len(ref) < 4 {
		return ref
	}
	return ref[:4]
}

// countThresholds reports whether hits meet 9(5)(b), and the other 9(n)
// thresholds they meet, in order.
func countThresholds(hits []incident.CriterionHit) (dataAccess bool, others []string) {
	for _, h := range hits {
		th := thresholdOf(h.Code)
		switch {
		case th == "9(5)(b)":
			dataAccess = true
		case !slices.Contains(others, th):
			others = append(others, th)
		}
	}
	return dataAccess, others
}

// explainDORA says in words why c is (not) major.
func explainDORA(c DORAClassification, others []string) string {
	var b strings.Builder
	gate := "critical services affected (Art. 6: " + strings.Join(c.Gate, ", ") + ")"
	switch {
	case c.Rule == incident.DORARuleDataAccess:
		fmt.Fprintf(&b, "Major incident under Art. 8(1)(a) of Delegated Regulation (EU) 2024/1772: %s and the 9(5)(b) threshold met (a successful, malicious, unauthorised access that may result in data losses), which is enough on its own.", gate)
	case c.Rule == incident.DORARuleTwoThresholds:
		fmt.Fprintf(&b, "Major incident under Art. 8(1)(b) of Delegated Regulation (EU) 2024/1772: %s and %d of the materiality thresholds 9(1)-9(6) met (%s); two are needed.", gate, len(others), strings.Join(others, ", "))
	case len(c.Gate) == 0:
		b.WriteString("Not a major incident under Art. 8(1) of Delegated Regulation (EU) 2024/1772: no critical service affected (the Art. 6 gate is not met), whatever thresholds are met.")
	default:
		fmt.Fprintf(&b, "Not a major incident under Art. 8(1) of Delegated Regulation (EU) 2024/1772: %s, but the 9(5)(b) threshold is not met and only %d of the other materiality thresholds 9(1)-9(6) (two are needed).", gate, len(others))
	}
	b.WriteString(" Thresholds met: ")
	b.WriteString(describeHits(c.Thresholds, rts))
	b.WriteString(".")
	if est := estimatedCodes(c.Thresholds, rts); len(est) > 0 {
		b.WriteString(" Estimated: " + strings.Join(est, ", ") + ".")
	}
	return b.String()
}

// describeHits lists hits as "9(1)(b) 150000 clients (> 100000 clients)",
// without the act prefix; "none" when empty.
func describeHits(hits []incident.CriterionHit, prefix string) string {
	if len(hits) == 0 {
		return "none"
	}
	parts := make([]string, len(hits))
	for i, h := range hits {
		parts[i] = fmt.Sprintf("%s %s (%s)", strings.TrimPrefix(h.Code, prefix), h.Value, h.Threshold)
	}
	return strings.Join(parts, "; ")
}

// estimatedCodes returns the codes of the estimated hits, without prefix.
func estimatedCodes(hits []incident.CriterionHit, prefix string) []string {
	var out []string
	for _, h := range hits {
		if h.Estimated {
			out = append(out, strings.TrimPrefix(h.Code, prefix))
		}
	}
	return out
}
