package compliance_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/compliance"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// plan is one command of a random history, with its business and
// recording times.
type plan struct {
	at, rec time.Time
	mk      func(m domain.Meta) incident.Command
}

// generator builds random, valid incident histories.
type generator struct {
	rng   *rand.Rand
	plans []plan
	n     int
}

// after returns t plus up to maxH hours (at least a minute).
func (g *generator) after(t time.Time, maxH int) time.Time {
	return t.Add(time.Duration(g.rng.IntN(maxH*60)+1) * time.Minute)
}

func (g *generator) chance(pct int) bool { return g.rng.IntN(100) < pct }

// add plans a command at business time at, recorded then or (30 %) up to
// five days later.
func (g *generator) add(at time.Time, mk func(m domain.Meta) incident.Command) int {
	rec := at
	if g.chance(30) {
		rec = g.after(at, 120)
	}
	g.plans = append(g.plans, plan{at: at, rec: rec, mk: mk})
	return len(g.plans) - 1
}

// submit plans a submission of kinds at sent (with a receipt 30 % of the
// time).
func (g *generator) submit(sent time.Time, kinds ...incident.ReportKind) {
	g.n++
	id := fmt.Sprintf("S-%d", g.n)
	var recv *time.Time
	if g.chance(30) {
		r := g.after(sent, 3)
		recv = &r
	}
	reason := ""
	if g.chance(50) {
		reason = "investigation"
	}
	g.add(sent, func(m domain.Meta) incident.Command {
		return incident.SubmitNotification{Meta: m, IncidentID: testIncident, SubmissionID: id, Kinds: kinds, SentAt: sent,
			ReceivedAt: recv, Authority: "authority", DelayReason: reason}
	})
}

// aware plans an awareness of regime r at at, and (20 %) a correction of
// its time recorded later.
func (g *generator) aware(r tenant.Regime, at time.Time) {
	i := g.add(at, func(m domain.Meta) incident.Command {
		return incident.EstablishAwareness{Meta: m, IncidentID: testIncident, Regime: r, At: at, Basis: "assessment"}
	})
	if !g.chance(20) {
		return
	}
	target := g.plans[i]
	to := at.Add(time.Duration(g.rng.IntN(40*60)-20*60) * time.Minute)
	rec := g.after(target.rec, 150)
	old := at
	g.plans = append(g.plans, plan{at: rec, rec: rec, mk: func(m domain.Meta) incident.Command {
		return incident.CorrectTimestamp{Meta: m, IncidentID: testIncident, TargetEventID: domain.EventID(fmt.Sprintf("gen-%d", i), 0),
			Field: "at", Old: &old, New: to, Reason: "typo"}
	}})
}

// randomHistory records a random incident: a random profile and random
// facts of its regimes, recorded in order of their recording times.
func randomHistory(t *testing.T, rng *rand.Rand) *history {
	g := &generator{rng: rng}
	profiles := []tenant.Profile{
		nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud),
		nis2Profile(tenant.NIS2Important, tenant.Entity2690TSP),
		doraProfile(tenant.DORACreditInstitution),
		doraProfile(tenant.DORAPaymentInstitution),
		gdprProfile(),
		{Regimes: []tenant.Regime{tenant.NIS2, tenant.GDPR}, NIS2Class: tenant.NIS2Essential, NIS2WeekendRelief: true, MemberState: "DE", TZ: "UTC"},
		{Regimes: []tenant.Regime{tenant.DORA, tenant.GDPR}, DORAEntityType: tenant.DORAInsurance, MonthRule: tenant.MonthEU1182EndOfDay, MemberState: "DE", TZ: "UTC"},
	}
	p := profiles[rng.IntN(len(profiles))]
	base := ts("03-03 00:00")
	det := g.after(base, 10)
	g.add(det, func(m domain.Meta) incident.Command {
		return incident.RecordDetection{Meta: m, IncidentID: testIncident, At: det, Source: "siem"}
	})
	if g.chance(60) {
		done := g.after(det, 1000)
		g.add(done, func(m domain.Meta) incident.Command {
			return incident.CompleteHandling{Meta: m, IncidentID: testIncident, At: done}
		})
	}
	if p.Has(tenant.NIS2) {
		aw := g.after(det, 20)
		g.aware(tenant.NIS2, aw)
		if g.chance(90) {
			c, trust := g.after(aw, 30), g.chance(50)
			g.add(c, func(m domain.Meta) incident.Command {
				return incident.ClassifySignificantNIS2{Meta: m, IncidentID: testIncident, At: c, TrustServiceAffected: trust,
					Criteria: []incident.CriterionHit{{Code: "NIS2:23(3)(a)"}}}
			})
			if g.chance(15) {
				d := g.after(c, 100)
				g.add(d, func(m domain.Meta) incident.Command {
					return incident.DeclassifyNIS2{Meta: m, IncidentID: testIncident, At: d, Rationale: "minor"}
				})
			}
		}
		for range g.rng.IntN(3) {
			q := g.after(aw, 200)
			var due *time.Time
			if g.chance(60) {
				d := g.after(q, 72)
				due = &d
			}
			g.add(q, func(m domain.Meta) incident.Command {
				return incident.ReceiveAuthorityRequest{Meta: m, IncidentID: testIncident, Regime: tenant.NIS2, Kind: incident.NIS2Intermediate,
					At: q, DueAt: due, Authority: "CSIRT"}
			})
			if g.chance(70) {
				g.submit(g.after(q, 100), incident.NIS2Intermediate)
			}
		}
		if g.chance(20) {
			g.submit(g.after(aw, 30), ew, notif)
		} else {
			if g.chance(75) {
				g.submit(g.after(aw, 30), ew)
			}
			if g.chance(75) {
				g.submit(g.after(aw, 90), notif)
			}
		}
		if g.chance(60) {
			g.submit(g.after(aw, 800), progress)
		}
		if g.chance(60) {
			g.submit(g.after(aw, 1200), nisFinal)
		}
	}
	if p.Has(tenant.DORA) {
		aw := g.after(det, 20)
		g.aware(tenant.DORA, aw)
		c := aw.Add(time.Duration(g.rng.IntN(44*60)-4*60) * time.Minute)
		if g.chance(85) {
			g.add(c, func(m domain.Meta) incident.Command {
				return incident.AssessClassificationDORA{Meta: m, IncidentID: testIncident, At: c, Result: incident.DORAMajor,
					Gate: []string{"6(a)"}, Rule: incident.DORARuleDataAccess, Thresholds: []incident.CriterionHit{{Code: "RTS2024/1772:9(5)(b)"}}}
			})
			if g.chance(15) {
				r := g.after(c, 150)
				g.add(r, func(m domain.Meta) incident.Command {
					return incident.ReclassifyNonMajorDORA{Meta: m, IncidentID: testIncident, At: r, Rationale: "at no time major"}
				})
				if g.chance(50) {
					g.submit(g.after(r, 50), reclass)
				}
			}
		} else {
			g.add(c, func(m domain.Meta) incident.Command {
				return incident.AssessClassificationDORA{Meta: m, IncidentID: testIncident, At: c, Result: incident.DORANonMajor}
			})
		}
		if g.chance(20) {
			d := g.after(c, 4)
			g.add(d, func(m domain.Meta) incident.Command {
				return incident.NotifyDelay{Meta: m, IncidentID: testIncident, Regime: tenant.DORA, Kind: initial, At: d, Reasons: "systems down"}
			})
		}
		s := c
		if g.chance(85) {
			s = g.after(c, 8)
			g.submit(s, initial)
		}
		if g.chance(75) {
			s = g.after(s, 90)
			g.submit(s, inter)
		}
		if g.chance(60) {
			rec := g.after(s, 200)
			g.add(rec, func(m domain.Meta) incident.Command {
				return incident.RecordRecovery{Meta: m, IncidentID: testIncident, At: rec}
			})
		}
		for range g.rng.IntN(3) {
			s = g.after(s, 500)
			g.submit(s, update)
		}
		if g.chance(60) {
			g.submit(g.after(s, 1000), final)
		}
	}
	if p.Has(tenant.GDPR) {
		aw := g.after(det, 30)
		g.aware(tenant.GDPR, aw)
		if g.chance(85) {
			a := g.after(aw, 40)
			risk := []incident.BreachRisk{incident.BreachRiskNone, incident.BreachRiskRisk, incident.BreachRiskHigh}[g.rng.IntN(3)]
			g.add(a, func(m domain.Meta) incident.Command {
				return incident.AssessPersonalDataBreach{Meta: m, IncidentID: testIncident, At: a, Risk: risk,
					NotifySA: risk != incident.BreachRiskNone, NotifySubjects: risk == incident.BreachRiskHigh}
			})
		}
		if g.chance(70) {
			g.submit(g.after(aw, 110), gdprSA)
		}
	}

	h := newHistory(t, p, "2025-03-01 00:00")
	order := make([]int, len(g.plans))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return g.plans[a].rec.Compare(g.plans[b].rec) })
	for _, i := range order {
		pl := g.plans[i]
		m := domain.Meta{CommandID: fmt.Sprintf("gen-%d", i), Tenant: testTenant, Actor: "user:gen", At: pl.rec}
		// Commands the decider refuses in this order (a correction of a
		// fact recorded later, a reclassification before the
		// classification is recorded) are left out.
		_, _ = h.try(pl.mk(m))
	}
	return h
}

// rowKey identifies a row across reports: authority requests by their
// request event, other rows by kind and seq.
func rowKey(o compliance.Obligation) string {
	if o.Reason == compliance.ReasonAuthorityRequest {
		return string(o.Kind) + "/" + o.AnchorEventID
	}
	return fmt.Sprintf("%s/%d", o.Kind, o.Seq)
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// TestAsOfMonotone: moving asOf forward never turns late into on_time and
// never changes a due time that depends only on facts recorded by the
// earlier asOf (a correction recorded later is such a fact: it is cited as a
// source); overdue becomes on_time only with a recorded_late submission (or
// a due time moved by facts recorded later), and late only by a submission
// recorded later; a miss never disappears unless facts recorded later
// explain it.
func TestAsOfMonotone(t *testing.T) {
	t.Parallel()
	const seed = 20250303
	rng := rand.New(rand.NewPCG(seed, seed))
	histories := 300
	if testing.Short() {
		histories = 40
	}
	for n := range histories {
		h := randomHistory(t, rng)
		rec := map[string]time.Time{}
		for _, e := range h.evs {
			rec[e.ID] = e.Meta.RecordedAt
		}
		var asOfs []time.Time
		for range 7 {
			asOfs = append(asOfs, ts("03-03 00:00").Add(time.Duration(rng.IntN(70*24*60))*time.Minute))
		}
		asOfs = append(asOfs, ts("09-01 00:00"))
		slices.SortFunc(asOfs, func(a, b time.Time) int { return a.Compare(b) })
		var reports []compliance.Report
		for _, a := range asOfs {
			reports = append(reports, compliance.Evaluate(compliance.Input{Incident: testIncident, Events: h.evs, AsOf: a}))
		}
		var problems []string
		for i := range reports {
			for j := i + 1; j < len(reports); j++ {
				problems = append(problems, compare(reports[i], reports[j], rec)...)
			}
		}
		if len(problems) > 0 {
			t.Fatalf("history %d (seed %d):\n%s\nevents:\n%s", n, seed, strings.Join(problems, "\n"), dump(h))
		}
	}
}

// compare checks the properties between r1 and the later r2.
func compare(r1, r2 compliance.Report, rec map[string]time.Time) []string {
	var out []string
	before := map[string]compliance.Obligation{}
	for _, o := range r1.Obligations {
		before[rowKey(o)] = o
	}
	for _, o2 := range r2.Obligations {
		o1, ok := before[rowKey(o2)]
		if !ok {
			continue
		}
		bad := func(format string, args ...any) {
			out = append(out, fmt.Sprintf("%s → %s %s: ", r1.AsOf.Format(time.RFC3339), r2.AsOf.Format(time.RFC3339), rowKey(o2))+
				fmt.Sprintf(format, args...)+fmt.Sprintf("\n  before %+v\n  after  %+v", o1, o2))
		}
		later := slices.ContainsFunc(o2.SourceEventIDs, func(id string) bool { return rec[id].After(r1.AsOf) })
		dueChanged := !sameTime(o1.DueAt, o2.DueAt) && o1.DueAt != nil && o2.DueAt != nil
		recordedLate := slices.Contains(o2.Flags, compliance.FlagRecordedLate)
		newSub := slices.ContainsFunc(o2.Submissions, func(s compliance.Submission) bool { return s.RecordedAt.After(r1.AsOf) })
		if dueChanged && !later {
			bad("due time changed with no fact recorded since")
		}
		switch {
		case o1.Verdict == late && o2.Verdict == onTime && !recordedLate && !dueChanged:
			bad("late became on_time")
		case o1.Verdict == overdue && o2.Verdict == onTime && !recordedLate && !dueChanged:
			bad("overdue became on_time without a recorded_late submission")
		case o1.Verdict == overdue && o2.Verdict == late && !newSub:
			bad("overdue became late without a submission recorded since")
		case o1.Verdict == onTime && (o2.Verdict == late || o2.Verdict == overdue) && !later:
			bad("on_time became %s with no fact recorded since", o2.Verdict)
		}
		if recordedLate && !slices.ContainsFunc(o2.Submissions, func(s compliance.Submission) bool { return s.RecordedLate }) {
			bad("recorded_late flag without a recorded-late submission")
		}
		missed1 := o1.MissedAt != nil && o1.WithdrawnBy == ""
		missed2 := o2.MissedAt != nil && o2.WithdrawnBy == ""
		if missed1 && (!missed2 || !o2.MissedAt.Equal(*o1.MissedAt)) && !later {
			bad("miss changed with no fact recorded since")
		}
		if (o2.Verdict == late || o2.Verdict == overdue) && !missed2 {
			bad("%s without missedAt", o2.Verdict)
		}
	}
	return out
}

// dump lists a history's regulatory events.
func dump(h *history) string {
	var b strings.Builder
	for _, e := range h.evs {
		fmt.Fprintf(&b, "  rec %s %s %s %+v\n", e.Meta.RecordedAt.Format(time.RFC3339), e.ID[:8], e.Event.EventType(), e.Event)
	}
	return b.String()
}
