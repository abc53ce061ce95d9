package compliance

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// Evaluate computes the compliance report of one incident as of in.AsOf
// (compliance-spec.md §4, §6). It uses the events recorded by AsOf
// (Meta.RecordedAt, else Meta.OccurredAt), at their business times, with
// their corrections applied; the incident's own profile snapshot wins over
// in.Profile.
func Evaluate(in Input) Report {
	asOf := in.AsOf.UTC()
	evs := known(in.Events, asOf)
	all := fold(evs, -1)
	p := in.Profile.Normalize()
	if all.state.Case.HasProfile() {
		p = all.state.Case.Profile
	} else {
		all.profileID = ""
	}
	e := env{p: p, loc: in.Location, hol: in.Holidays, profileID: all.profileID}
	if e.loc == nil {
		e.loc = time.UTC
	}
	fs := all.collect()
	corrOf := func(id string) []string {
		for _, f := range fs {
			if f.id == id {
				return f.corrections
			}
		}
		return nil
	}

	// Misses: replayed with all corrections, and with the first k of them
	// for the misses the corrections withdrew.
	steps := []map[string]time.Time{}
	for k := range all.corrections {
		steps = append(steps, misses(fold(evs, k).collect(), e, asOf))
	}
	steps = append(steps, misses(fs, e, asOf))
	missed := steps[len(steps)-1]
	gone := withdrawals(steps, all.corrections, all.rec)

	r := Report{Incident: in.Incident, AsOf: asOf, RuleSetVersion: RuleSetVersion, ProfileEventID: e.profileID,
		Obligations: []Obligation{}}
	if r.Incident == "" {
		r.Incident = all.state.Case.ID
	}
	for _, g := range tenant.Regimes {
		ok, basis := applies(p, g)
		r.Regimes = append(r.Regimes, RegimeStatus{Regime: g, Applies: ok, Basis: basis})
	}
	for _, d := range rows(fs, e) {
		o := d.finish(asOf, corrOf, e.profileID)
		if at, ok := missed[d.key]; ok {
			o.MissedAt = ptr(at)
		} else if w, ok := gone[d.key]; ok {
			o.MissedAt, o.WithdrawnBy = ptr(w.at), w.by
		}
		if (o.Verdict == VerdictLate || o.Verdict == VerdictOverdue) && (o.MissedAt == nil || o.WithdrawnBy != "") {
			o.MissedAt, o.WithdrawnBy = o.DueAt, ""
		}
		r.Obligations = append(r.Obligations, o)
	}
	for i, o := range r.Obligations {
		if (o.MissedAt != nil && o.WithdrawnBy == "") || o.Verdict == VerdictLate || o.Verdict == VerdictOverdue {
			r.AnyMissed = true
		}
		if o.Verdict == VerdictPending && o.DueAt != nil && (r.NextDeadline == nil || o.DueAt.Before(*r.NextDeadline.DueAt)) {
			r.NextDeadline = &r.Obligations[i]
		}
		for _, f := range o.Flags {
			if f != FlagUndated && !slices.Contains(r.Flags, f) {
				r.Flags = append(r.Flags, f)
			}
		}
	}
	if r.NextDeadline != nil {
		next := *r.NextDeadline
		r.NextDeadline = &next
	}
	slices.Sort(r.Flags)
	incidentLevel(&r, fs, e)
	return r
}

// incidentLevel fills the report's incident-level fields (§6): detection,
// awareness, lags, classifications and the informational items.
func incidentLevel(r *Report, fs facts, e env) {
	var detected time.Time
	for _, f := range fs {
		if d, ok := f.ev.(incident.Detected); ok {
			detected = d.At.UTC()
			r.DetectedAt = ptr(detected)
			break
		}
	}
	class := map[tenant.Regime]time.Time{}
	if c, ok := first[incident.ClassifiedSignificantNIS2](fs, nil); ok {
		class[tenant.NIS2] = c.at
	}
	if c, ok := first(fs, func(c incident.ClassificationAssessedDORA) bool { return c.Result == incident.DORAMajor }); ok {
		class[tenant.DORA] = c.at
	}
	if c, ok := first[incident.PersonalDataBreachAssessed](fs, nil); ok {
		class[tenant.GDPR] = c.at
	}
	for _, g := range tenant.Regimes {
		a, ok := fs.awareness(g)
		if !ok {
			continue
		}
		if r.Awareness == nil {
			r.Awareness = map[tenant.Regime]time.Time{}
			r.DetectionToAwareness = map[tenant.Regime]string{}
			r.AwarenessToClassification = map[tenant.Regime]string{}
		}
		r.Awareness[g] = a.at
		if !detected.IsZero() {
			r.DetectionToAwareness[g] = a.at.Sub(detected).String()
		}
		if c, ok := class[g]; ok {
			r.AwarenessToClassification[g] = c.Sub(a.at).String()
		}
	}
	if len(r.AwarenessToClassification) == 0 {
		r.AwarenessToClassification = nil
	}
	if len(r.DetectionToAwareness) == 0 {
		r.DetectionToAwareness = nil
	}

	for _, f := range fs {
		switch c := f.ev.(type) {
		case incident.ClassifiedSignificantNIS2:
			s := ClassificationSummary{Regime: tenant.NIS2, At: f.at, Result: "significant", Hits: c.Criteria, EventID: f.id}
			if c.TrustServiceAffected {
				s.Result = "significant (trust service affected)"
			}
			for _, h := range c.Criteria {
				s.Criteria = append(s.Criteria, h.Code)
			}
			r.Classification = append(r.Classification, s)
		case incident.DeclassifiedNIS2:
			r.Classification = append(r.Classification, ClassificationSummary{Regime: tenant.NIS2, At: f.at, Result: "declassified", EventID: f.id})
		case incident.ClassificationAssessedDORA:
			s := ClassificationSummary{Regime: tenant.DORA, At: f.at, Result: string(c.Result), Hits: c.Thresholds, EventID: f.id}
			if c.Rule != "" {
				s.Rule = "RTS2024/1772:" + string(c.Rule)
			}
			for _, g := range c.Gate {
				s.Criteria = append(s.Criteria, "RTS2024/1772:"+g)
			}
			for _, h := range c.Thresholds {
				s.Criteria = append(s.Criteria, h.Code)
			}
			r.Classification = append(r.Classification, s)
		case incident.ReclassifiedNonMajorDORA:
			r.Classification = append(r.Classification, ClassificationSummary{Regime: tenant.DORA, At: f.at, Result: "reclassified_non_major", EventID: f.id})
		case incident.PersonalDataBreachAssessed:
			r.Classification = append(r.Classification, ClassificationSummary{Regime: tenant.GDPR, At: f.at, Result: gdprResult(c.Risk), EventID: f.id})
		}
	}
	r.Informational = informational(fs, e)
}

// informational lists the items without deadlines an auditor expects (§6
// "Also").
func informational(fs facts, e env) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	day := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	nis2, _ := applies(e.p, tenant.NIS2)
	dora, _ := applies(e.p, tenant.DORA)
	gdpr, _ := applies(e.p, tenant.GDPR)
	if _, ok := first[incident.ClassifiedSignificantNIS2](fs, nil); ok && nis2 {
		add("%s: notify the recipients of the services affected by the significant incident where appropriate (no time limit)", RuleNIS2RecipientNote)
		if s := fs.subs(incident.NIS2EarlyWarning, time.Time{}); len(s) > 0 {
			add("%s: the CSIRT or authority answers the early warning of %s within 24 h where possible (authority duty, logged only)", RuleNIS2CSIRTResponse, day(s[0].at))
		}
	}
	if _, ok := first(fs, func(c incident.ClassificationAssessedDORA) bool { return c.Result == incident.DORAMajor }); ok && dora {
		add("%s: inform the clients whose financial interests are affected, without undue delay (no time limit)", RuleDORAClientNotice)
	}
	for _, s := range fs.subs(incident.DORACyberThreat, time.Time{}) {
		add("%s: voluntary notification of a significant cyber threat, submission %s at %s", RuleDORACyberThreat, s.e.SubmissionID, day(s.at))
	}
	if _, ok := fs.awareness(tenant.GDPR); ok && gdpr {
		add("%s: document the personal data breach, its effects and the remedial action", RuleGDPRDocumentBreach)
		if _, assessed := first[incident.PersonalDataBreachAssessed](fs, nil); !assessed {
			add("%s: awareness of a personal data breach is recorded but its risk is not assessed: notify the supervisory authority unless the breach is unlikely to result in a risk", RuleGDPRAuthority)
		}
	}
	if a, ok := first(fs, func(a incident.PersonalDataBreachAssessed) bool { return a.Risk == incident.BreachRiskHigh }); ok && gdpr {
		add("%s: high risk assessed at %s: communicate the breach to the data subjects without undue delay", RuleGDPRSubjects, day(a.at))
	}
	for _, g := range of[incident.RecurringIncidentsAggregated](fs, nil) {
		add("recurring incidents aggregated under %s at %s: %s (same root cause: %s; last detection %s)", g.e.Regime, day(g.at),
			strings.Join(g.e.MemberIncidentIDs, ", "), g.e.RootCause, day(g.e.LastDetectionAt))
	}
	if rca, ok := first[incident.RootCauseAnalysisCompleted](fs, nil); ok {
		add("root-cause analysis completed at %s", day(rca.at))
	}
	return out
}

// gdprResult names a personal-data breach assessment's risk for the report:
// no_risk, risk or high_risk (GDPR Art. 33(1) and 34(1)).
func gdprResult(r incident.BreachRisk) string {
	switch r {
	case incident.BreachRiskNone:
		return "no_risk"
	case incident.BreachRiskHigh:
		return "high_risk"
	}
	return string(r)
}
