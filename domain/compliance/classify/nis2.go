package classify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// NIS2Facts holds what the entity assessed about an incident for the NIS2
// significance test (Directive (EU) 2022/2555 Art. 23(3)) and its
// specification for the entity types of Implementing Regulation (EU)
// 2024/2690. Users are counted per 2024/2690 Art. 3(3): customers with a
// contract plus persons associated with business customers, in the Union.
// Potential impact counts ("has caused or is capable of causing").
type NIS2Facts struct {
	// Scheduled: the incident is a scheduled interruption of service or a
	// planned consequence of scheduled maintenance (2024/2690 Art. 3(2):
	// never significant).
	Scheduled bool

	// DirectLoss: direct financial loss, caused or possible (3(1)(a)).
	DirectLoss Money
	// PriorYearTurnover: total annual turnover of the preceding financial
	// year (3(1)(a): 5 % of it); zero when unknown.
	PriorYearTurnover Money
	// TradeSecrets: exfiltration of trade secrets (3(1)(b)).
	TradeSecrets Flag
	// Death of a natural person (3(1)(c)).
	Death Flag
	// HealthDamage: considerable damage to a natural person's health
	// (3(1)(d)).
	HealthDamage Flag
	// MaliciousAccess: a successful, suspectedly malicious and unauthorised
	// access to network and information systems, capable of causing severe
	// operational disruption (3(1)(e)).
	MaliciousAccess Flag

	// Unavailable: complete unavailability of the service: its longest
	// continuous duration (Arts 5(a), 6(a), 7(a), 8(a), 9(a), 10(a), 14(a))
	// and the users for whom it was completely unavailable (11(a)-13(a)).
	Unavailable Outage
	// Limited: limited availability: its duration (7(b)-10(b)) and the
	// users it affected (7(b), 9(b)-13(b), 14(c)).
	Limited Outage
	// WeeklyUnavailability: a trust service's unavailability to users or
	// relying parties in one calendar week, the worst week (14(b)); it is
	// at least Unavailable.Duration.
	WeeklyUnavailability Span
	// SlowResolution: the longest period in which the average response
	// time of the domain name resolution service was more than 10 s
	// (5(b), 6(b)).
	SlowResolution Span
	// DataCompromised: the integrity, confidentiality or authenticity of
	// data of the service is compromised, whatever the cause (5(c), 6(c)).
	DataCompromised Flag
	// DataCompromisedMalicious: ... as a result of a suspectedly malicious
	// action (7(c)-13(c)); implies DataCompromised.
	DataCompromisedMalicious Flag
	// DataCompromisedUsers: the users impacted by the compromise (7(d),
	// 9(d)-13(d), 14(e)).
	DataCompromisedUsers Share
	// Misconfiguration: for a DNS service provider, the compromise is only
	// incorrect data of Domains because of misconfiguration (the 5(c)
	// exception applies to fewer than 1 000 and at most 1 % of the domain
	// names it manages).
	Misconfiguration DNSMisconfiguration
	// PhysicalAccessCompromised: physical access to a data centre (8(d)), or
	// to a TSP's area restricted to trusted personnel or its protection
	// (14(d)), is compromised.
	PhysicalAccessCompromised Flag

	// SevereDisruptionOrLoss: caused or capable of causing severe
	// operational disruption of the services or financial loss for the
	// entity (Art. 23(3)(a); entities outside 2024/2690 only).
	SevereDisruptionOrLoss Flag
	// DamageToOthers: affected or capable of affecting other natural or
	// legal persons by causing considerable material or non-material damage
	// (Art. 23(3)(b); entities outside 2024/2690 only).
	DamageToOthers Flag
}

// DNSMisconfiguration describes a DNS data compromise that is only
// incorrect data from misconfiguration (2024/2690 Art. 5(c)).
type DNSMisconfiguration struct {
	Only bool
	// Domains: the domain names with incorrect data, and their share of
	// the domain names the provider manages.
	Domains Share
}

// NIS2Classification is the result of NIS2: whether the incident is
// significant and the criteria met, in the shape of
// incident.ClassifySignificantNIS2.
type NIS2Classification struct {
	Significant bool
	// Criteria lists every criterion met ("IR2024/2690:7(a)",
	// "NIS2:23(3)(a)"); empty when not significant.
	Criteria []incident.CriterionHit
	// Estimated: a criterion listed rests on an estimate.
	Estimated bool
	// Explanation says in words why.
	Explanation string
}

// The 2024/2690 thresholds.
const (
	ir  = "IR2024/2690:"
	dir = "NIS2:"

	lossLimitCents          = 500_000 * 100 // 3(1)(a)
	lossTurnoverDivisor     = 20            // 3(1)(a): 5 % of turnover
	outageLimit             = 30 * time.Minute
	tspOutageLimit          = 20 * time.Minute
	limitedLimit            = time.Hour
	slowResolutionLimit     = time.Hour
	tspWeeklyLimit          = time.Hour
	usersPercentLimit       = 5.0
	usersCountLimit         = 1_000_000
	tspLimitedPercentLimit  = 1.0
	tspLimitedCountLimit    = 200_000
	tspDataPercentLimit     = 0.1
	tspDataCountLimit       = 100
	dnsMisconfigCountLimit  = 1_000 // "fewer than"
	dnsMisconfigPercentCeil = 1.0   // "no more than"
)

// entityArticle maps each 2024/2690 entity type to its article and name.
var entityArticle = map[tenant.EntityType2690]struct {
	art  int
	name string
}{
	tenant.Entity2690DNS:         {5, "DNS service provider"},
	tenant.Entity2690TLD:         {6, "TLD name registry"},
	tenant.Entity2690Cloud:       {7, "cloud computing service provider"},
	tenant.Entity2690DataCentre:  {8, "data centre service provider"},
	tenant.Entity2690CDN:         {9, "content delivery network provider"},
	tenant.Entity2690MSP:         {10, "managed service provider"},
	tenant.Entity2690MSSP:        {10, "managed security service provider"},
	tenant.Entity2690Marketplace: {11, "provider of an online marketplace"},
	tenant.Entity2690Search:      {12, "provider of an online search engine"},
	tenant.Entity2690Social:      {13, "provider of a social networking services platform"},
	tenant.Entity2690TSP:         {14, "trust service provider"},
}

// NIS2 classifies an incident of an entity under NIS2 Art. 23(3). For an
// entity type of 2024/2690 it applies that regulation (Art. 3(1)(a)-(e),
// the entity's article of Arts 5-14, Art. 3(2)); for any other entity
// (entity "") the general test of Art. 23(3)(a) and (b) from the entity's
// own assessments. Art. 4 (recurring incidents) is NIS2Recurring's. It
// returns a *domain.FieldError for a malformed input.
func NIS2(entity tenant.EntityType2690, f NIS2Facts) (NIS2Classification, error) {
	if err := f.validate(entity); err != nil {
		return NIS2Classification{}, err
	}
	if entity == "" {
		return general(f), nil
	}
	ea := entityArticle[entity]
	if f.Scheduled {
		return NIS2Classification{Explanation: fmt.Sprintf("Not significant: the incident is a scheduled interruption or a planned consequence of scheduled maintenance, which Art. 3(2) of Implementing Regulation (EU) 2024/2690 excludes (%s).", ea.name)}, nil
	}
	hits := append(f.art3Hits(), f.articleHits(entity)...)
	c := classification(hits)
	var b strings.Builder
	if c.Significant {
		fmt.Fprintf(&b, "Significant incident under Art. 23(3) of Directive (EU) 2022/2555 as specified by Implementing Regulation (EU) 2024/2690 for a %s (Art. 3(1) and Art. %d): %s.", ea.name, ea.art, describeHits(hits, ir))
	} else {
		fmt.Fprintf(&b, "Not significant under Implementing Regulation (EU) 2024/2690 for a %s: no criterion of Art. 3(1)(a)-(e) or Art. %d is met; recurring incidents are assessed separately (Art. 4).", ea.name, ea.art)
	}
	if f.SevereDisruptionOrLoss.Yes || f.DamageToOthers.Yes {
		b.WriteString(" The general Art. 23(3) assessments were not used: 2024/2690 specifies the cases for this entity type.")
	}
	if est := estimatedCodes(hits, ir); len(est) > 0 {
		b.WriteString(" Estimated: " + strings.Join(est, ", ") + ".")
	}
	c.Explanation = b.String()
	return c, nil
}

// classification returns the classification of hits (no explanation).
func classification(hits []incident.CriterionHit) NIS2Classification {
	return NIS2Classification{
		Significant: len(hits) > 0,
		Criteria:    hits,
		Estimated:   slices.ContainsFunc(hits, func(h incident.CriterionHit) bool { return h.Estimated }),
	}
}

// general applies Art. 23(3) from the entity's assessments.
func general(f NIS2Facts) NIS2Classification {
	var hits []incident.CriterionHit
	if f.SevereDisruptionOrLoss.Yes {
		hits = append(hits, incident.CriterionHit{Code: dir + "23(3)(a)", Value: "severe operational disruption of the services or financial loss for the entity, caused or possible",
			Threshold: "the entity's assessment", Estimated: f.SevereDisruptionOrLoss.Estimated})
	}
	if f.DamageToOthers.Yes {
		hits = append(hits, incident.CriterionHit{Code: dir + "23(3)(b)", Value: "considerable material or non-material damage to other natural or legal persons, caused or possible",
			Threshold: "the entity's assessment", Estimated: f.DamageToOthers.Estimated})
	}
	c := classification(hits)
	if c.Significant {
		c.Explanation = "Significant incident under Art. 23(3) of Directive (EU) 2022/2555 (the entity is of no type of Implementing Regulation (EU) 2024/2690; national rules may add criteria): " + describeHits(hits, dir) + "."
	} else {
		c.Explanation = "Not significant under Art. 23(3) of Directive (EU) 2022/2555: the entity assessed neither severe operational disruption or financial loss (a) nor considerable damage to others (b); national rules may add criteria."
	}
	if est := estimatedCodes(hits, dir); len(est) > 0 {
		c.Explanation += " Estimated: " + strings.Join(est, ", ") + "."
	}
	return c
}

// validate checks f and entity.
func (f NIS2Facts) validate(entity tenant.EntityType2690) error {
	if entity != "" {
		if err := domain.OneOf("entityType2690", entity, tenant.EntityTypes2690...); err != nil {
			return err
		}
	}
	return firstErr(
		checkMoney("directLoss", f.DirectLoss),
		checkMoney("priorYearTurnover", f.PriorYearTurnover),
		checkOutage("unavailable", f.Unavailable),
		checkOutage("limited", f.Limited),
		checkSpan("weeklyUnavailability", f.WeeklyUnavailability),
		checkSpan("slowResolution", f.SlowResolution),
		checkShare("dataCompromisedUsers", f.DataCompromisedUsers, true),
		checkShare("misconfiguration.domains", f.Misconfiguration.Domains, true),
	)
}

// lossThreshold returns the 3(1)(a) threshold for a turnover (in cents):
// the lower of EUR 500 000 and 5 % of the turnover (when known), and its
// description.
func lossThreshold(turnover int64) (int64, string) {
	if turnover <= 0 {
		return lossLimitCents, fmt.Sprintf("> %s (5 %% of the prior-year turnover: unknown)", fmtMoney(lossLimitCents))
	}
	pct := turnover / lossTurnoverDivisor
	return min(lossLimitCents, pct), fmt.Sprintf("> %s (the lower of %s and 5 %% of the prior-year turnover of %s)",
		fmtMoney(min(lossLimitCents, pct)), fmtMoney(lossLimitCents), fmtMoney(turnover))
}

// lossMet reports whether loss (cents) exceeds the 3(1)(a) threshold of
// turnover: more than EUR 500 000, or more than 5 % of a known turnover
// (loss > turnover/20 with integer division is exact for whole cents).
func lossMet(loss, turnover int64) bool {
	th, _ := lossThreshold(turnover)
	return loss > th
}

// art3Hits returns the 2024/2690 Art. 3(1)(a)-(e) criteria met.
func (f NIS2Facts) art3Hits() []incident.CriterionHit {
	var hits []incident.CriterionHit
	add := func(point, value, threshold string, est bool) {
		hits = append(hits, incident.CriterionHit{Code: ir + "3(" + point + ")", Value: value, Threshold: threshold, Estimated: est})
	}
	if lossMet(f.DirectLoss.Cents, f.PriorYearTurnover.Cents) {
		_, th := lossThreshold(f.PriorYearTurnover.Cents)
		add("a", "direct financial loss "+fmtMoney(f.DirectLoss.Cents), th, f.DirectLoss.Estimated || (f.PriorYearTurnover.Estimated && f.DirectLoss.Cents <= lossLimitCents))
	}
	if f.TradeSecrets.Yes {
		add("b", "exfiltration of trade secrets", "any (Directive (EU) 2016/943 Art. 2(1))", f.TradeSecrets.Estimated)
	}
	if f.Death.Yes {
		add("c", "death of a natural person", "any", f.Death.Estimated)
	}
	if f.HealthDamage.Yes {
		add("d", "considerable damage to a natural person's health", "any", f.HealthDamage.Estimated)
	}
	if f.MaliciousAccess.Yes {
		add("e", "successful, suspectedly malicious, unauthorised access capable of causing severe operational disruption", "any", f.MaliciousAccess.Estimated)
	}
	return hits
}

// articleHits returns the criteria of the entity's article (Arts 5-14) met.
func (f NIS2Facts) articleHits(entity tenant.EntityType2690) []incident.CriterionHit {
	art := entityArticle[entity].art
	var hits []incident.CriterionHit
	add := func(point, value, threshold string, est bool) {
		hits = append(hits, incident.CriterionHit{Code: ir + strconv.Itoa(art) + "(" + point + ")", Value: value, Threshold: threshold, Estimated: est})
	}
	full := func(point string, limit time.Duration) {
		if f.Unavailable.Duration > limit {
			th := "> " + fmtDuration(limit)
			if limit == 0 {
				th = "any complete unavailability"
			}
			add(point, "completely unavailable for "+fmtDuration(f.Unavailable.Duration), th, f.Unavailable.Estimated)
		}
	}
	users := func(point, what string, s Share, pct float64, count int64) {
		if overEither(s, pct, count) {
			add(point, what+" "+fmtShare(s, "users"), fmt.Sprintf("> %s or > %d users, whichever is smaller", fmtPercent(pct), count), s.Estimated)
		}
	}
	malicious := func(point string) {
		if f.DataCompromisedMalicious.Yes {
			add(point, "integrity, confidentiality or authenticity of data compromised by a suspectedly malicious action", "any", f.DataCompromisedMalicious.Estimated)
		}
	}
	physical := func(point string) {
		if f.PhysicalAccessCompromised.Yes {
			add(point, "physical access compromised", "any", f.PhysicalAccessCompromised.Estimated)
		}
	}
	slow := func(point string) {
		if f.SlowResolution.Duration > slowResolutionLimit {
			add(point, "average response time > 10 s for "+fmtDuration(f.SlowResolution.Duration), "> "+fmtDuration(slowResolutionLimit), f.SlowResolution.Estimated)
		}
	}
	compromised, compromisedEst := f.compromised()
	switch art {
	case 5: // DNS
		full("a", outageLimit)
		slow("b")
		if compromised && !f.dnsException() {
			add("c", "integrity, confidentiality or authenticity of authoritative DNS data compromised", "any, except misconfiguration of < 1000 and <= 1 % of domain names", compromisedEst)
		}
	case 6: // TLD
		full("a", 0)
		slow("b")
		if compromised {
			add("c", "integrity, confidentiality or authenticity of TLD data compromised", "any", compromisedEst)
		}
	case 7, 9, 10: // cloud, CDN, MSP/MSSP
		full("a", outageLimit)
		if f.Limited.Duration > limitedLimit && overEither(f.Limited.Users, usersPercentLimit, usersCountLimit) {
			add("b", fmt.Sprintf("limited availability for %s for %s", fmtShare(f.Limited.Users, "users"), fmtDuration(f.Limited.Duration)),
				fmt.Sprintf("> %s or > %d users, whichever is smaller, for > %s", fmtPercent(usersPercentLimit), usersCountLimit, fmtDuration(limitedLimit)),
				f.Limited.Estimated || f.Limited.Users.Estimated)
		}
		malicious("c")
		users("d", "data compromised for", f.DataCompromisedUsers, usersPercentLimit, usersCountLimit)
	case 8: // data centre
		full("a", 0)
		if f.Limited.Duration > limitedLimit {
			add("b", "limited availability for "+fmtDuration(f.Limited.Duration), "> "+fmtDuration(limitedLimit), f.Limited.Estimated)
		}
		malicious("c")
		physical("d")
	case 11, 12, 13: // marketplace, search engine, social network
		users("a", "completely unavailable for", f.Unavailable.Users, usersPercentLimit, usersCountLimit)
		users("b", "limited availability for", f.Limited.Users, usersPercentLimit, usersCountLimit)
		malicious("c")
		users("d", "data compromised for", f.DataCompromisedUsers, usersPercentLimit, usersCountLimit)
	case 14: // trust services
		full("a", tspOutageLimit)
		weekly, weeklyEst := f.WeeklyUnavailability.Duration, f.WeeklyUnavailability.Estimated
		if f.Unavailable.Duration > weekly {
			weekly, weeklyEst = f.Unavailable.Duration, f.Unavailable.Estimated
		}
		if weekly > tspWeeklyLimit {
			add("b", "unavailable for "+fmtDuration(weekly)+" in a calendar week", "> "+fmtDuration(tspWeeklyLimit)+" per calendar week", weeklyEst)
		}
		users("c", "limited availability for", f.Limited.Users, tspLimitedPercentLimit, tspLimitedCountLimit)
		physical("d")
		users("e", "data compromised for", f.DataCompromisedUsers, tspDataPercentLimit, tspDataCountLimit)
	}
	return hits
}

// compromised reports whether data were compromised (whatever the cause),
// and whether that is an estimate.
func (f NIS2Facts) compromised() (bool, bool) {
	switch {
	case f.DataCompromised.Yes && !f.DataCompromised.Estimated:
		return true, false
	case f.DataCompromisedMalicious.Yes && !f.DataCompromisedMalicious.Estimated:
		return true, false
	}
	return f.DataCompromised.Yes || f.DataCompromisedMalicious.Yes, true
}

// dnsException reports whether the 5(c) misconfiguration exception applies:
// no suspected malice, and fewer than 1 000 and at most 1 % of the domain
// names have incorrect data because of misconfiguration.
func (f NIS2Facts) dnsException() bool {
	m := f.Misconfiguration
	return m.Only && !f.DataCompromisedMalicious.Yes && m.Domains.Count < dnsMisconfigCountLimit && m.Domains.Percent <= dnsMisconfigPercentCeil
}
