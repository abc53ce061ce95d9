package compliance

import (
	"fmt"
	"slices"
	"time"

	"github.com/socledger/socledger/domain/compliance/calendar"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// env is what the rules need besides the facts.
type env struct {
	p         tenant.Profile
	loc       *time.Location
	hol       *calendar.Holidays
	profileID string
}

// month returns t + 1 calendar month on the entity's calendar (§4.3).
func (e env) month(t time.Time) time.Time {
	return calendar.AddMonths(t, 1, e.loc, e.p.MonthRule).UTC()
}

// tsp reports whether the entity is a trust service provider.
func (e env) tsp() bool { return e.p.IsTSP || e.p.EntityType2690 == tenant.Entity2690TSP }

// reliefAllowed reports whether a due time of kind may move to noon of the
// next working day (§4.4).
func (e env) reliefAllowed(kind incident.ReportKind) bool {
	switch kind {
	case incident.DORAFinal:
		return true
	case incident.DORAInitial, incident.DORAIntermediate:
		switch e.p.DORAEntityType {
		case tenant.DORACreditInstitution, tenant.DORACCP, tenant.DORATradingVenue:
			return false
		}
		if e.p.NIS2Class == tenant.NIS2Essential || e.p.NIS2Class == tenant.NIS2Important {
			return false
		}
		return !e.p.WeekendReliefWithdrawn
	case incident.NIS2EarlyWarning, incident.NIS2IncidentNotification, incident.NIS2Progress, incident.NIS2Final:
		return e.p.NIS2WeekendRelief
	}
	return false
}

// draft is an obligation row while the rules compute it; finish turns it
// into an Obligation as of an instant.
type draft struct {
	o Obligation
	// key identifies the row across evaluations (latching): regime, kind
	// and seq, or the authority request's event ID.
	key      string
	anchorID string
	anchor   time.Time
	raw, due time.Time
	// undated: the rule sets no due time; blocked: it does, but an anchor
	// is missing; off: not required.
	undated, blocked, off bool
	subs                  []sub
	delay                 *typed[incident.DelayNotified]
	window                time.Duration
	hasWindow             bool
	sources               []string
}

func newDraft(r tenant.Regime, k incident.ReportKind, rule string) *draft {
	return &draft{o: Obligation{Regime: r, Kind: k, RuleRef: rule, Required: RequiredYes}}
}

// use adds source event IDs.
func (d *draft) use(ids ...string) { d.sources = append(d.sources, ids...) }

// useFact adds facts as sources.
func (d *draft) useFact(fs ...fact) {
	for _, f := range fs {
		d.use(f.id)
	}
}

// notRequired marks the row not required, for reason.
func (d *draft) notRequired(req Required, reason string) {
	d.off, d.o.Required, d.o.Reason = true, req, reason
}

// block marks the row blocked: its due time needs an anchor that is
// missing. missing flags a data gap (anchor_missing) rather than a report
// not yet made.
func (d *draft) block(missing bool) {
	d.blocked = true
	if missing {
		d.flag(FlagAnchorMissing)
	}
}

func (d *draft) flag(f string) {
	if !slices.Contains(d.o.Flags, f) {
		d.o.Flags = append(d.o.Flags, f)
	}
}

// setDue sets the anchor and the raw due time, and the due time after
// relief where e allows it for the row's kind.
func (d *draft) setDue(e env, anchorID string, anchor, raw time.Time, relief bool) {
	d.anchorID, d.anchor, d.raw, d.due = anchorID, anchor, raw.UTC(), raw.UTC()
	d.use(anchorID)
	if relief && e.reliefAllowed(d.o.Kind) {
		if r, moved := calendar.Relief(raw, e.loc, e.hol); moved {
			d.due, d.o.ReliefApplied = r.UTC(), true
		}
	}
}

// satisfy sets the submissions that satisfy the row.
func (d *draft) satisfy(ss []sub) {
	d.subs = ss
	for _, s := range ss {
		d.useFact(s.fact)
	}
}

// firstSub returns the first satisfying submission.
func (d *draft) firstSub() (sub, bool) {
	if len(d.subs) == 0 {
		return sub{}, false
	}
	return d.subs[0], true
}

// withdrawAfter applies a declassification or reclassification at `at`
// (§4.5): the row becomes not required unless its verdict was decided by
// then (submitted no later than at, or due no later than at).
func (d *draft) withdrawAfter(f fact, reason string) {
	if d.off {
		return
	}
	d.useFact(f)
	if s, ok := d.firstSub(); ok && !s.at.After(f.at) {
		return
	}
	if !d.due.IsZero() && !d.due.After(f.at) {
		return
	}
	d.notRequired(RequiredNo, reason)
}

// rows computes the obligation rows of the regimes that apply, from fs.
func rows(fs facts, e env) []*draft {
	var out []*draft
	for _, r := range tenant.Regimes {
		if ok, _ := applies(e.p, r); !ok {
			continue
		}
		switch r {
		case tenant.NIS2:
			out = append(out, nis2Rows(fs, e)...)
		case tenant.DORA:
			out = append(out, doraRows(fs, e)...)
		case tenant.GDPR:
			out = append(out, gdprRows(fs, e)...)
		}
	}
	for _, n := range of[incident.DelayNotified](fs, nil) {
		for _, d := range out {
			if d.delay == nil && d.o.Regime == n.e.Regime && d.o.Kind == n.e.Kind && (d.o.Seq == 0 || !n.at.Before(d.anchor)) {
				d.delay = &n
				d.useFact(n.fact)
			}
		}
	}
	for _, d := range out {
		if d.key == "" {
			d.key = fmt.Sprintf("%s/%s/%d", d.o.Regime, d.o.Kind, d.o.Seq)
		}
	}
	return out
}

// applies says whether regime r applies to an entity of profile p (§0),
// and on what basis.
func applies(p tenant.Profile, r tenant.Regime) (bool, string) {
	if !p.Has(r) {
		return false, "not in the entity profile"
	}
	switch r {
	case tenant.NIS2:
		if p.NIS2Art23Displaced {
			return false, "NIS2 Art. 23 displaced by DORA (NIS2 Art. 4, recital 28): the entity reports under DORA"
		}
		return true, fmt.Sprintf("NIS2 %s entity (Directive (EU) 2022/2555 Art. 23)", p.NIS2Class)
	case tenant.DORA:
		return true, fmt.Sprintf("DORA financial entity, %s (Regulation (EU) 2022/2554 Art. 19)", p.DORAEntityType)
	default:
		return true, "controller of personal data (GDPR Art. 33)"
	}
}

// requestRows returns a row per authority request of regime r for kind
// (every kind but the ones in skip when kind is empty). Each request is
// its own obligation; its due time is the one the authority set (no
// relief), else the row is undated. Submissions of the kind made at or after
// the request satisfy it.
func requestRows(fs facts, r tenant.Regime, kind incident.ReportKind, skip ...incident.ReportKind) []*draft {
	var out []*draft
	seq := map[incident.ReportKind]int{}
	for _, q := range of(fs, func(e incident.AuthorityRequestReceived) bool { return e.Regime == r }) {
		seq[q.e.Kind]++
		if (kind != "" && q.e.Kind != kind) || (kind == "" && slices.Contains(skip, q.e.Kind)) {
			continue
		}
		d := newDraft(r, q.e.Kind, requestRule(q.e.Kind))
		d.o.Seq, d.o.Reason = seq[q.e.Kind], ReasonAuthorityRequest
		d.o.Authority, d.o.AuthorityRef = q.e.Authority, q.e.Ref
		d.key = fmt.Sprintf("%s/%s/request/%s", r, q.e.Kind, q.id)
		d.anchorID, d.anchor = q.id, q.at
		d.use(q.id)
		if q.e.DueAt != nil {
			d.raw, d.due = q.e.DueAt.UTC(), q.e.DueAt.UTC()
		} else {
			d.undated = true
		}
		d.satisfy(fs.subs(q.e.Kind, q.at))
		out = append(out, d)
	}
	return out
}

func requestRule(k incident.ReportKind) string {
	switch k {
	case incident.NIS2Intermediate:
		return RuleNIS2Intermediate
	case incident.GDPRSupervisorySupplement:
		return RuleGDPRSupplement
	}
	switch k.Regime() {
	case tenant.NIS2:
		return RuleNIS2Request
	case tenant.DORA:
		return RuleDORARequest
	}
	return RuleGDPRRequest
}

// nis2Rows computes the NIS2 Art. 23(4) rows (§1.1, §4.2).
func nis2Rows(fs facts, e env) []*draft {
	ew := newDraft(tenant.NIS2, incident.NIS2EarlyWarning, RuleNIS2EarlyWarning)
	in := newDraft(tenant.NIS2, incident.NIS2IncidentNotification, RuleNIS2Notification)
	prog := newDraft(tenant.NIS2, incident.NIS2Progress, RuleNIS2Progress)
	fin := newDraft(tenant.NIS2, incident.NIS2Final, RuleNIS2Final)
	inter := requestRows(fs, tenant.NIS2, incident.NIS2Intermediate)
	if len(inter) == 0 {
		d := newDraft(tenant.NIS2, incident.NIS2Intermediate, RuleNIS2Intermediate)
		d.notRequired(RequiredConditional, ReasonNoRequest)
		d.satisfy(fs.subs(incident.NIS2Intermediate, time.Time{}))
		inter = []*draft{d}
	}
	out := append([]*draft{ew, in}, inter...)
	out = append(out, prog, fin)
	out = append(out, requestRows(fs, tenant.NIS2, "", incident.NIS2Intermediate)...)
	for _, d := range []*draft{ew, in, prog, fin} {
		d.satisfy(fs.subs(d.o.Kind, time.Time{}))
	}

	sig := of[incident.ClassifiedSignificantNIS2](fs, nil)
	if len(sig) == 0 {
		for _, d := range []*draft{ew, in, prog, fin} {
			d.notRequired(RequiredConditional, ReasonNotSignificant)
		}
		return out
	}
	trust := false
	for _, s := range sig {
		trust = trust || s.e.TrustServiceAffected
		for _, d := range []*draft{ew, in, prog, fin} {
			d.useFact(s.fact)
		}
	}
	ew.o.Reason, in.o.Reason, fin.o.Reason = ReasonSignificant, ReasonSignificant, ReasonSignificant
	inWindow := 72 * time.Hour
	if e.tsp() && trust {
		inWindow, in.o.Reason = 24*time.Hour, ReasonTSPTrustService
	}
	if a, ok := fs.awareness(tenant.NIS2); ok {
		ew.setDue(e, a.id, a.at, a.at.Add(24*time.Hour), true)
		in.setDue(e, a.id, a.at, a.at.Add(inWindow), true)
	} else {
		ew.block(true)
		in.block(true)
	}

	// Final report one month after the incident notification's
	// submission; if the incident is still being handled then, a progress
	// report at that time and the final report one month after handling.
	handled, hasHandled := first[incident.HandlingCompleted](fs, nil)
	if hasHandled {
		prog.useFact(handled.fact)
		fin.useFact(handled.fact)
	}
	inSub, submitted := in.firstSub()
	switch {
	case !submitted:
		fin.block(false)
		if hasHandled {
			prog.notRequired(RequiredNo, ReasonHandlingCompleted)
		} else {
			prog.o.Required, prog.o.Reason = RequiredConditional, ReasonHandlingOpen
			prog.block(false)
		}
	default:
		frDue := e.month(inSub.at)
		prog.setDue(e, inSub.id, inSub.at, frDue, true)
		if hasHandled && !handled.at.After(prog.due) {
			fin.setDue(e, inSub.id, inSub.at, frDue, true)
			resetDue(prog)
			prog.notRequired(RequiredNo, ReasonHandlingCompleted)
			break
		}
		prog.o.Reason = ReasonOngoing
		fin.o.RuleRef = RuleNIS2Progress
		if !hasHandled {
			prog.o.Required, prog.o.Reason = RequiredConditional, ReasonHandlingOpen
			fin.block(false)
			break
		}
		fin.setDue(e, handled.id, handled.at, e.month(handled.at), true)
	}

	if dc, ok := first[incident.DeclassifiedNIS2](fs, nil); ok {
		for _, d := range []*draft{ew, in, prog, fin} {
			d.withdrawAfter(dc.fact, ReasonDeclassified)
		}
	}
	return out
}

// resetDue clears a row's due time (keeping its sources).
func resetDue(d *draft) {
	d.anchorID, d.anchor, d.raw, d.due, d.o.ReliefApplied = "", time.Time{}, time.Time{}, time.Time{}, false
}

// doraRows computes the DORA rows (2025/301 Art. 5, ITS 2025/302 Art. 5;
// §2.3, §4.2).
func doraRows(fs facts, e env) []*draft {
	ini := newDraft(tenant.DORA, incident.DORAInitial, RuleDORAInitial)
	inter := newDraft(tenant.DORA, incident.DORAIntermediate, RuleDORAIntermediate)
	upd := newDraft(tenant.DORA, incident.DORAIntermediateUpdate, RuleDORAIntermediate)
	fin := newDraft(tenant.DORA, incident.DORAFinal, RuleDORAFinal)
	rc := newDraft(tenant.DORA, incident.DORAReclassification, RuleDORAReclass)
	main := []*draft{ini, inter, upd, fin}
	out := append(append([]*draft{}, main...), rc)
	out = append(out, requestRows(fs, tenant.DORA, "")...)
	for _, d := range []*draft{ini, inter, fin, rc} {
		d.satisfy(fs.subs(d.o.Kind, time.Time{}))
	}

	majors := of(fs, func(c incident.ClassificationAssessedDORA) bool { return c.Result == incident.DORAMajor })
	if len(majors) == 0 {
		req, reason := RequiredConditional, ReasonNotClassified
		if nm, ok := first(fs, func(c incident.ClassificationAssessedDORA) bool { return c.Result == incident.DORANonMajor }); ok {
			req, reason = RequiredNo, ReasonNonMajor
			for _, d := range main {
				d.useFact(nm.fact)
			}
		}
		upd.satisfy(fs.subs(upd.o.Kind, time.Time{}))
		for _, d := range main {
			d.notRequired(req, reason)
		}
		rc.notRequired(RequiredConditional, ReasonNotReclassified)
		return out
	}
	c := majors[0]
	for _, d := range main {
		d.useFact(c.fact)
		d.o.Reason = ReasonMajor
	}

	// Initial notification: 4 h from classification, and no later than
	// 24 h from awareness; 5(2) when classified 24 h or more after it.
	// Its anchor is the classification; awareness caps it.
	a, hasA := fs.awareness(tenant.DORA)
	aID := a.id
	if !hasA && c.e.Rule == incident.DORARuleRecurring {
		// Aggregated recurring incidents: template field 2.2 is the
		// detection of the last one (§2.2).
		if agg, ok := first(fs, func(g incident.RecurringIncidentsAggregated) bool { return g.Regime == tenant.DORA }); ok {
			a.at, aID, hasA = agg.e.LastDetectionAt.UTC(), agg.id, true
		}
	}
	if hasA {
		ini.use(aID)
		limit := a.at.Add(24 * time.Hour)
		raw := c.at.Add(4 * time.Hour)
		if c.at.Before(limit) {
			raw = earliestTime(raw, limit)
		} else {
			ini.o.RuleRef = RuleDORAInitialLate
		}
		ini.setDue(e, c.id, c.at, raw, true)
		ini.window, ini.hasWindow = ini.due.Sub(c.at), true
		if ini.window < 4*time.Hour {
			ini.flag(FlagCompressed)
		}
	} else {
		ini.anchorID, ini.anchor = c.id, c.at
		ini.block(true)
	}

	// Intermediate report: 72 h from the initial notification's submission.
	if s, ok := ini.firstSub(); ok {
		inter.setDue(e, s.id, s.at, s.at.Add(72*time.Hour), true)
	} else {
		inter.block(false)
	}

	// Updated intermediate report: without undue delay once regular
	// activities are recovered (no time limit).
	upd.undated = true
	if rec, ok := first[incident.RegularActivitiesRecovered](fs, nil); ok {
		upd.o.Reason = ReasonRecovered
		upd.anchorID, upd.anchor = rec.id, rec.at
		upd.use(rec.id)
		upd.satisfy(fs.subs(upd.o.Kind, rec.at))
	} else {
		upd.o.Required, upd.o.Reason = RequiredConditional, ReasonNotRecovered
		upd.satisfy(fs.subs(upd.o.Kind, time.Time{}))
	}

	// Final report: one month after the intermediate report or the latest
	// updated intermediate report (updates after the final report's own
	// submission do not count).
	var anchor sub
	if s, ok := inter.firstSub(); ok {
		anchor = s
		fin.useFact(s.fact)
		finSub, finDone := fin.firstSub()
		for _, u := range fs.subs(incident.DORAIntermediateUpdate, time.Time{}) {
			if finDone && u.at.After(finSub.at) {
				continue
			}
			fin.useFact(u.fact)
			if !u.at.Before(anchor.at) {
				anchor = u
			}
		}
		fin.setDue(e, anchor.id, anchor.at, e.month(anchor.at), true)
	} else {
		fin.block(false)
	}

	// Reclassification to non-major (§4.5).
	r, reclassified := first[incident.ReclassifiedNonMajorDORA](fs, nil)
	if !reclassified {
		rc.notRequired(RequiredConditional, ReasonNotReclassified)
		return out
	}
	for _, d := range main {
		d.withdrawAfter(r.fact, ReasonReclassified)
	}
	rc.anchorID, rc.anchor, rc.undated = r.id, r.at, true
	rc.use(r.id)
	var sent []sub
	for _, k := range []incident.ReportKind{incident.DORAInitial, incident.DORAIntermediate, incident.DORAIntermediateUpdate, incident.DORAFinal} {
		sent = append(sent, fs.subs(k, time.Time{})...)
	}
	if len(sent) == 0 {
		rc.notRequired(RequiredNo, ReasonNoReportSent)
		return out
	}
	rc.o.Reason = ReasonReportSent
	rc.useFact(sent[0].fact)
	return out
}

// gdprRows computes the GDPR Art. 33 and 34 rows (§3, §4.2).
func gdprRows(fs facts, e env) []*draft {
	sa := newDraft(tenant.GDPR, incident.GDPRSupervisoryAuthority, RuleGDPRAuthority)
	ds := newDraft(tenant.GDPR, incident.GDPRDataSubjects, RuleGDPRSubjects)
	out := []*draft{sa, ds}
	out = append(out, requestRows(fs, tenant.GDPR, "")...)
	sa.satisfy(fs.subs(sa.o.Kind, time.Time{}))
	ds.satisfy(fs.subs(ds.o.Kind, time.Time{}))

	as := of[incident.PersonalDataBreachAssessed](fs, nil)
	if len(as) == 0 {
		sa.notRequired(RequiredConditional, ReasonNotAssessed)
		ds.notRequired(RequiredConditional, ReasonNotAssessed)
		return out
	}
	notifiable := func(a incident.PersonalDataBreachAssessed) bool {
		return a.NotifySA || a.Risk != incident.BreachRiskNone
	}
	last := as[len(as)-1]
	sa.useFact(last.fact)
	ds.useFact(last.fact)

	// The supervisory authority: 72 h from awareness, if the breach is
	// likely to result in a risk; a later assessment that it is not ends
	// the obligation (if not yet due).
	firstN := slices.IndexFunc(as, func(a typed[incident.PersonalDataBreachAssessed]) bool { return notifiable(a.e) })
	switch {
	case firstN < 0:
		sa.notRequired(RequiredNo, ReasonUnlikelyRisk)
	default:
		sa.o.Reason = ReasonNotifiable
		sa.useFact(as[firstN].fact)
		if a, ok := fs.awareness(tenant.GDPR); ok {
			sa.setDue(e, a.id, a.at, a.at.Add(72*time.Hour), false)
			if s, ok := sa.firstSub(); ok && s.at.After(sa.due) && s.e.DelayReason == "" {
				sa.flag(FlagArt33ReasonsMissing)
			}
		} else {
			sa.block(true)
		}
		if !notifiable(last.e) {
			sa.withdrawAfter(last.fact, ReasonReassessed)
		}
	}

	// The data subjects: without undue delay if the risk is high (no time
	// limit).
	if last.e.Risk == incident.BreachRiskHigh || last.e.NotifySubjects {
		ds.o.Reason, ds.undated = ReasonHighRisk, true
		ds.anchorID, ds.anchor = last.id, last.at
	} else {
		ds.notRequired(RequiredNo, ReasonNoHighRisk)
	}
	return out
}
