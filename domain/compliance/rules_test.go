package compliance_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/compliance"
	"github.com/socledger/socledger/domain/compliance/calendar"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// nis2Notified is a significant NIS2 incident (awareness and classification
// at aware) whose incident notification was submitted at in and whose
// handling completed at handled (if set).
func nis2Notified(t *testing.T, p tenant.Profile, aware, in, handled string) *history {
	h := newHistory(t, p, "2025-01-01 00:00")
	h.aware(tenant.NIS2, aware)
	h.significant(aware, false)
	h.submit(aware, ew)
	h.submit(in, notif)
	if handled != "" {
		h.handled(handled)
	}
	return h
}

func TestMonthAddition(t *testing.T) {
	t.Parallel()
	essential := nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud)
	endOfDay := essential
	endOfDay.MonthRule = tenant.MonthEU1182EndOfDay
	rows := []struct {
		name            string
		p               tenant.Profile
		aware, in, done string
		berlin          bool
		want            time.Time
	}{
		{"clamped to the month's last day", essential, "01-30 15:00", "01-31 15:00", "02-01 00:00", false, ts("02-28 15:00")},
		{"EU 1182/71: end of the clamped day", endOfDay, "01-30 15:00", "01-31 15:00", "02-01 00:00", false,
			time.Date(2025, 2, 28, 23, 59, 59, 999999999, time.UTC)},
		{"Berlin: same local time across the spring change", essential, "03-09 09:00", "03-10 09:00", "03-11 00:00", true, ts("04-10 08:00")},
		{"Berlin: autumn overlap takes the earlier instant", essential, "09-25 00:30", "09-26 00:30", "09-27 00:00", true, ts("10-26 00:30")},
		{"Berlin: spring-forward gap moves to the first instant after it", essential, "2027-02-27 01:30", "2027-02-28 01:30", "2027-03-01 00:00", true,
			ts("2027-03-28 01:00")},
		{"Berlin EU 1182/71: end of the local day", endOfDay, "01-30 15:00", "01-31 15:00", "02-01 00:00", true,
			time.Date(2025, 2, 28, 22, 59, 59, 999999999, time.UTC)},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := nis2Notified(t, tt.p, tt.aware, tt.in, tt.done)
			var opts []func(*compliance.Input)
			if tt.berlin {
				opts = append(opts, func(in *compliance.Input) { in.Location = berlin(t) })
			}
			r := h.eval("2027-12-31 00:00", opts...)
			o := row(t, r, nisFinal, 0)
			if o.DueAt == nil || !o.DueAt.Equal(tt.want) || o.AnchorAt == nil || !o.AnchorAt.Equal(ts(tt.in)) {
				t.Fatalf("final report due %v (anchor %v), want %v", fmtT(o.DueAt), fmtT(o.AnchorAt), tt.want)
			}
			if p := row(t, r, progress, 0); p.Verdict != notRequired {
				t.Errorf("progress %s, want not_required (handling completed first)", p.Verdict)
			}
		})
	}
}

// TestNIS2WeekendRelief: NIS2 has no weekend rule unless the profile
// switches the national one on.
func TestNIS2WeekendRelief(t *testing.T) {
	t.Parallel()
	p := nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud)
	p.NIS2WeekendRelief = true
	r := scenario1(t, p).eval("04-10 00:00")
	check(t, r,
		want{kind: ew, verdict: onTime, due: "03-04 10:00"},
		want{kind: nisFinal, verdict: onTime, raw: "04-05 09:00", due: "04-07 12:00", relief: true},
	)
}

func TestHolidayRelief(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	de, _ := calendar.National("DE")
	tenantCal, err := calendar.Parse("DE-X", []byte("extends DE\n2025-03-10 Tenant day\n"))
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name              string
		aware, classified string
		hol               *calendar.Holidays
		raw, due          string
	}{
		{"Good Friday and Easter Monday skipped", "04-17 14:00", "04-18 06:00", de, "04-18 10:00", "04-22 10:00"},
		{"tenant calendar adds a holiday", "03-07 20:00", "03-08 09:00", tenantCal, "03-08 13:00", "03-11 11:00"},
		{"no calendar: weekends only", "03-07 20:00", "03-08 09:00", nil, "03-08 13:00", "03-10 11:00"},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := doraMajor(t, tenant.DORAPaymentInstitution, tt.aware, tt.classified)
			r := h.eval("2025-06-01 00:00", func(in *compliance.Input) { in.Location, in.Holidays = loc, tt.hol })
			check(t, r, want{kind: initial, verdict: overdue, raw: tt.raw, due: tt.due, relief: true, missed: tt.due})
		})
	}
}

func TestReliefEligibility(t *testing.T) {
	t.Parallel()
	type dues struct{ initial, inter string }
	noRelief := dues{"03-08 13:00", "03-15 09:00"}
	relief := dues{"03-10 12:00", "03-17 12:00"}
	rows := []struct {
		name   string
		mutate func(p *tenant.Profile)
		want   dues
	}{
		{"credit institution", func(p *tenant.Profile) { p.DORAEntityType = tenant.DORACreditInstitution }, noRelief},
		{"central counterparty", func(p *tenant.Profile) { p.DORAEntityType = tenant.DORACCP }, noRelief},
		{"trading venue operator", func(p *tenant.Profile) { p.DORAEntityType = tenant.DORATradingVenue }, noRelief},
		{"payment institution", func(p *tenant.Profile) {}, relief},
		{"insurance undertaking", func(p *tenant.Profile) { p.DORAEntityType = tenant.DORAInsurance }, relief},
		{"NIS2 important entity", func(p *tenant.Profile) {
			p.Regimes, p.NIS2Class, p.NIS2Art23Displaced = []tenant.Regime{tenant.DORA, tenant.NIS2}, tenant.NIS2Important, true
		}, noRelief},
		{"NIS2 essential entity", func(p *tenant.Profile) {
			p.Regimes, p.NIS2Class, p.NIS2Art23Displaced = []tenant.Regime{tenant.DORA, tenant.NIS2}, tenant.NIS2Essential, true
		}, noRelief},
		{"relief withdrawn by the authority", func(p *tenant.Profile) { p.WeekendReliefWithdrawn = true }, noRelief},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := doraProfile(tenant.DORAPaymentInstitution)
			tt.mutate(&p)
			h := newHistory(t, p, "03-01 00:00")
			h.aware(tenant.DORA, "03-07 20:00")
			h.major("03-08 09:00")
			h.submit("03-12 09:00", initial)
			h.submit("03-12 10:00", inter)
			r := h.eval("03-20 00:00")
			gets := tt.want != noRelief
			check(t, r,
				want{kind: initial, verdict: late, raw: "03-08 13:00", due: tt.want.initial, relief: gets, missed: tt.want.initial},
				want{kind: inter, verdict: onTime, raw: "03-15 09:00", due: tt.want.inter, relief: gets},
				// Final reports keep the relief for everyone (5(5)), also
				// when it was withdrawn (5(6), [D]).
				want{kind: final, verdict: pending, raw: "04-12 10:00", due: "04-14 12:00", relief: true},
			)
		})
	}
}

func TestDORAInitialBoundary(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name, classified, due, rule, window string
		flags                               []string
	}{
		{"classified exactly 24 h after awareness: C + 4 h (5(2))", "03-04 08:00", "03-04 12:00", compliance.RuleDORAInitialLate, "4h0m0s", nil},
		{"classified a minute earlier: capped at 24 h", "03-04 07:59", "03-04 08:00", compliance.RuleDORAInitial, "1m0s", []string{compliance.FlagCompressed}},
		{"classified at once: C + 4 h", "03-03 08:00", "03-03 12:00", compliance.RuleDORAInitial, "4h0m0s", nil},
		{"classified 20 h after: C + 4 h equals the cap", "03-04 04:00", "03-04 08:00", compliance.RuleDORAInitial, "4h0m0s", nil},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", tt.classified).eval(tt.classified)
			check(t, r, want{kind: initial, verdict: pending, due: tt.due, flags: tt.flags})
			if o := row(t, r, initial, 0); o.RuleRef != tt.rule || o.WindowAfterClassification != tt.window {
				t.Errorf("ruleRef %q window %q, want %q %q", o.RuleRef, o.WindowAfterClassification, tt.rule, tt.window)
			}
		})
	}
}

func TestLatching(t *testing.T) {
	t.Parallel()
	// DORA final report: due one month after the intermediate report
	// (04-04 10:00); an update submitted after that moves it, the miss stays.
	shifted := func(t *testing.T) *history {
		h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
		h.submit("03-03 12:00", initial)
		h.submit("03-04 10:00", inter)
		h.recovered("03-20 00:00")
		h.submit("04-08 09:00", update)
		h.submit("04-20 10:00", final)
		return h
	}
	// The same, but the update was submitted on 03-18 and recorded only on
	// 04-09: no miss once it is known.
	recordedLate := func(t *testing.T) *history {
		h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
		h.submit("03-03 12:00", initial)
		h.submit("03-04 10:00", inter)
		h.recovered("03-18 00:00")
		h.recordAt("04-09 08:00").submit("03-18 09:00", update)
		h.live().submit("04-15 10:00", final)
		return h
	}
	// NIS2 early warning sent before the due time, recorded after it.
	ewRecordedLate := func(t *testing.T) *history {
		h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
		h.aware(tenant.NIS2, "03-03 10:00")
		h.significant("03-03 10:00", false)
		h.recordAt("03-04 15:00").submit("03-04 09:00", ew)
		return h
	}
	ewLateRecordedLate := func(t *testing.T) *history {
		h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
		h.aware(tenant.NIS2, "03-03 10:00")
		h.significant("03-03 10:00", false)
		h.recordAt("03-04 15:00").submit("03-04 11:00", ew)
		return h
	}
	rows := []struct {
		name      string
		build     func(t *testing.T) *history
		asOf      string
		want      want
		anyMissed bool
	}{
		{"anchor shift: overdue before the update", shifted, "04-04 12:00",
			want{kind: final, verdict: overdue, due: "04-04 10:00", missed: "04-04 10:00"}, true},
		{"anchor shift: the miss stays after the update moved the due time", shifted, "04-21 00:00",
			want{kind: final, verdict: onTime, due: "05-08 09:00", missed: "04-04 10:00"}, true},
		{"update recorded late: overdue as known on 04-08", recordedLate, "04-08 00:00",
			want{kind: final, verdict: overdue, due: "04-04 10:00", missed: "04-04 10:00"}, true},
		{"update recorded late: no miss once known", recordedLate, "04-16 00:00",
			want{kind: final, verdict: onTime, due: "04-18 09:00"}, false},
		{"submission recorded late: overdue as known before", ewRecordedLate, "03-04 12:00",
			want{kind: ew, verdict: overdue, due: "03-04 10:00", missed: "03-04 10:00"}, true},
		{"submission recorded late: on time, flagged, no miss", ewRecordedLate, "03-04 16:00",
			want{kind: ew, verdict: onTime, due: "03-04 10:00", flags: []string{compliance.FlagRecordedLate}}, false},
		{"late submission recorded late: late, not flagged", ewLateRecordedLate, "03-04 16:00",
			want{kind: ew, verdict: late, due: "03-04 10:00", missed: "03-04 10:00"}, true},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.build(t).eval(tt.asOf)
			check(t, r, tt.want)
			if r.AnyMissed != tt.anyMissed {
				t.Errorf("anyMissed %v, want %v", r.AnyMissed, tt.anyMissed)
			}
			o := row(t, r, tt.want.kind, 0)
			if slices.Contains(o.Flags, compliance.FlagRecordedLate) != (len(o.Submissions) > 0 && o.Submissions[0].RecordedLate) {
				t.Errorf("recorded_late flag %v and submission %+v disagree", o.Flags, o.Submissions)
			}
		})
	}
}

func TestReclassification(t *testing.T) {
	t.Parallel()
	major := func(t *testing.T) *history {
		return doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
	}
	rows := []struct {
		name      string
		build     func(t *testing.T) *history
		asOf      string
		want      []want
		anyMissed bool
	}{
		{"an overdue initial notification stays overdue; nothing sent: no notice", func(t *testing.T) *history {
			h := major(t)
			h.reclassify("03-04 10:00")
			return h
		}, "03-10 00:00", []want{
			{kind: initial, verdict: overdue, due: "03-03 13:00", missed: "03-03 13:00"},
			{kind: inter, verdict: notRequired, reason: compliance.ReasonReclassified},
			{kind: final, verdict: notRequired, reason: compliance.ReasonReclassified},
			{kind: reclass, verdict: notRequired, reason: compliance.ReasonNoReportSent},
		}, true},
		{"reclassified before the initial notification was due", func(t *testing.T) *history {
			h := major(t)
			h.reclassify("03-03 11:00")
			return h
		}, "03-10 00:00", []want{
			{kind: initial, verdict: notRequired, reason: compliance.ReasonReclassified},
		}, false},
		{"notice expected while not sent", func(t *testing.T) *history {
			h := major(t)
			h.submit("03-03 12:00", initial)
			h.reclassify("03-05 15:00")
			return h
		}, "03-10 00:00", []want{
			{kind: initial, verdict: onTime, due: "03-03 13:00"},
			{kind: reclass, verdict: pending, flags: []string{compliance.FlagReclassificationNotice, compliance.FlagUndated}},
		}, false},
		{"reclassification recorded after the intermediate due time: overdue as known then", func(t *testing.T) *history {
			h := major(t)
			h.submit("03-03 12:00", initial)
			h.recordAt("03-08 09:00").reclassify("03-05 15:00")
			return h
		}, "03-07 00:00", []want{
			{kind: inter, verdict: overdue, due: "03-06 12:00", missed: "03-06 12:00"},
		}, true},
		{"reclassification recorded after the intermediate due time: not required once known", func(t *testing.T) *history {
			h := major(t)
			h.submit("03-03 12:00", initial)
			h.recordAt("03-08 09:00").reclassify("03-05 15:00")
			return h
		}, "03-09 00:00", []want{
			{kind: inter, verdict: notRequired, reason: compliance.ReasonReclassified},
		}, false},
		{"NIS2 declassification: the early warning stays on time, the rest is not required", func(t *testing.T) *history {
			h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
			h.aware(tenant.NIS2, "03-03 10:00")
			h.significant("03-03 10:00", false)
			h.submit("03-03 20:00", ew)
			h.declassify("03-05 12:00")
			return h
		}, "03-10 00:00", []want{
			{kind: ew, verdict: onTime, due: "03-04 10:00"},
			{kind: notif, verdict: notRequired, reason: compliance.ReasonDeclassified},
			{kind: progress, verdict: notRequired, reason: compliance.ReasonDeclassified},
			{kind: nisFinal, verdict: notRequired, reason: compliance.ReasonDeclassified},
		}, false},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.build(t).eval(tt.asOf)
			check(t, r, tt.want...)
			if r.AnyMissed != tt.anyMissed {
				t.Errorf("anyMissed %v, want %v", r.AnyMissed, tt.anyMissed)
			}
		})
	}
}

func TestCombinedSubmissions(t *testing.T) {
	t.Parallel()
	t.Run("DORA initial and intermediate together", func(t *testing.T) {
		t.Parallel()
		h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
		h.recovered("03-03 11:00")
		h.submit("03-03 12:00", initial, inter, update)
		r := h.eval("03-05 00:00")
		check(t, r,
			want{kind: initial, verdict: onTime, due: "03-03 13:00", submitted: "03-03 12:00"},
			want{kind: inter, verdict: onTime, due: "03-06 12:00", margin: "72h0m0s", submitted: "03-03 12:00"},
			want{kind: update, verdict: submitted, flags: undated},
			want{kind: final, verdict: pending, due: "04-03 12:00"},
		)
		if s := row(t, r, inter, 0).Submissions; len(s) != 1 || len(s[0].Kinds) != 3 {
			t.Errorf("submissions %+v, want the one combined submission", s)
		}
	})
	t.Run("NIS2 early warning and incident notification together", func(t *testing.T) {
		t.Parallel()
		h := newHistory(t, nis2Profile(tenant.NIS2Important, ""), "03-03 09:00")
		h.aware(tenant.NIS2, "03-03 10:00")
		h.significant("03-03 10:00", false)
		h.submit("03-03 20:00", ew, notif)
		check(t, h.eval("03-05 00:00"),
			want{kind: ew, verdict: onTime, due: "03-04 10:00"},
			want{kind: notif, verdict: onTime, due: "03-06 10:00"},
			want{kind: progress, verdict: pending, due: "04-03 20:00"},
		)
	})
	t.Run("the receipt time counts", func(t *testing.T) {
		t.Parallel()
		h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
		h.submitX(submission{id: "S-1", sent: "03-03 12:30", received: "03-03 13:30", kinds: []incident.ReportKind{initial}})
		r := h.eval("03-04 00:00")
		check(t, r,
			want{kind: initial, verdict: late, due: "03-03 13:00", submitted: "03-03 13:30", missed: "03-03 13:00"},
			want{kind: inter, verdict: pending, due: "03-06 13:30"},
		)
		if s := row(t, r, initial, 0).Submissions[0]; !s.SentAt.Equal(ts("03-03 12:30")) || s.ReceivedAt == nil {
			t.Errorf("submission %+v: want both times", s)
		}
	})
}

func TestGDPR(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name  string
		build func(h *history)
		want  []want
		info  string
	}{
		{"on time without reasons: no flag", func(h *history) {
			h.aware(tenant.GDPR, "03-03 10:00")
			h.breach("03-03 12:00", incident.BreachRiskRisk, false)
			h.submit("03-05 10:00", gdprSA)
		}, []want{{kind: gdprSA, verdict: onTime, due: "03-06 10:00", margin: "24h0m0s"}}, ""},
		{"unlikely to result in a risk", func(h *history) {
			h.aware(tenant.GDPR, "03-03 10:00")
			h.breach("03-03 12:00", incident.BreachRiskNone, false)
		}, []want{{kind: gdprSA, verdict: notRequired, reason: compliance.ReasonUnlikelyRisk}}, ""},
		{"reassessed as unlikely before the due time", func(h *history) {
			h.aware(tenant.GDPR, "03-03 10:00")
			h.breach("03-03 12:00", incident.BreachRiskRisk, false)
			h.breach("03-04 12:00", incident.BreachRiskNone, false)
		}, []want{{kind: gdprSA, verdict: notRequired, reason: compliance.ReasonReassessed}}, ""},
		{"high risk: tell the data subjects (no time limit)", func(h *history) {
			h.aware(tenant.GDPR, "03-03 10:00")
			h.breach("03-03 12:00", incident.BreachRiskHigh, true)
		}, []want{
			{kind: gdprSA, verdict: overdue, due: "03-06 10:00", missed: "03-06 10:00"},
			{kind: subjects, verdict: pending, flags: undated, reason: compliance.ReasonHighRisk, elapsed: "156h0m0s"},
		}, compliance.RuleGDPRSubjects},
		{"not assessed: conditional", func(h *history) {
			h.aware(tenant.GDPR, "03-03 10:00")
		}, []want{{kind: gdprSA, verdict: notRequired, reason: compliance.ReasonNotAssessed}}, "risk is not assessed"},
		{"notifiable without awareness: blocked", func(h *history) {
			h.breach("03-03 12:00", incident.BreachRiskRisk, false)
		}, []want{{kind: gdprSA, verdict: blocked, flags: []string{compliance.FlagAnchorMissing}}}, ""},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHistory(t, gdprProfile(), "03-03 09:00")
			tt.build(h)
			r := h.eval("03-10 00:00")
			check(t, r, tt.want...)
			if tt.info != "" && !slices.ContainsFunc(r.Informational, func(s string) bool { return strings.Contains(s, tt.info) }) {
				t.Errorf("informational %q, want an item on %q", r.Informational, tt.info)
			}
		})
	}
}

func TestTSP24h(t *testing.T) {
	t.Parallel()
	rows := []struct {
		name  string
		p     tenant.Profile
		trust bool
		due   string
	}{
		{"TSP, trust service affected", nis2Profile(tenant.NIS2Essential, tenant.Entity2690TSP), true, "03-04 10:00"},
		{"TSP, trust service not affected", nis2Profile(tenant.NIS2Essential, tenant.Entity2690TSP), false, "03-06 10:00"},
		{"not a TSP", nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), true, "03-06 10:00"},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHistory(t, tt.p, "03-03 09:00")
			h.aware(tenant.NIS2, "03-03 10:00")
			h.significant("03-03 10:00", tt.trust)
			check(t, h.eval("03-03 12:00"), want{kind: notif, verdict: pending, due: tt.due})
		})
	}
}

func TestAuthorityRequests(t *testing.T) {
	t.Parallel()
	h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
	h.aware(tenant.NIS2, "03-03 10:00")
	h.significant("03-03 10:00", false)
	h.submit("03-09 10:00", nisInter) // before any request: answers none
	h.request(tenant.NIS2, nisInter, "03-10 09:00", tp("03-12 17:00"))
	h.submit("03-12 15:00", nisInter)
	h.request(tenant.NIS2, nisInter, "03-20 09:00", nil)
	r := h.eval("03-25 00:00")
	check(t, r,
		want{kind: nisInter, seq: 1, verdict: onTime, due: "03-12 17:00", margin: "2h0m0s", submitted: "03-12 15:00", reason: compliance.ReasonAuthorityRequest},
		want{kind: nisInter, seq: 2, verdict: pending, flags: undated, elapsed: "111h0m0s"},
	)
	if o := row(t, r, nisInter, 1); o.Authority != "BSI" || o.AuthorityRef == "" || o.RuleRef != compliance.RuleNIS2Intermediate {
		t.Errorf("request row %+v", o)
	}
	if slices.ContainsFunc(r.Obligations, func(o compliance.Obligation) bool { return o.Kind == nisInter && o.Seq == 0 }) {
		t.Error("a placeholder intermediate row next to the requests")
	}

	t.Run("without a request", func(t *testing.T) {
		t.Parallel()
		h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
		h.aware(tenant.NIS2, "03-03 10:00")
		h.significant("03-03 10:00", false)
		check(t, h.eval("03-05 00:00"), want{kind: nisInter, verdict: notRequired, reason: compliance.ReasonNoRequest})
	})
	t.Run("DORA: a requested update is its own row", func(t *testing.T) {
		t.Parallel()
		h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
		h.submit("03-03 12:00", initial)
		h.request(tenant.DORA, update, "03-04 09:00", tp("03-05 09:00"))
		r := h.eval("03-06 00:00")
		check(t, r,
			want{kind: update, seq: 1, verdict: overdue, due: "03-05 09:00", missed: "03-05 09:00"},
			want{kind: update, verdict: pending, flags: undated, reason: compliance.ReasonNotRecovered},
		)
	})
}

func TestProgressThenFinal(t *testing.T) {
	t.Parallel()
	essential := nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud)
	rows := []struct {
		name  string
		build func(h *history)
		asOf  string
		want  []want
	}{
		{"ongoing at the final report's due time: progress, then final a month after handling", func(h *history) {
			h.submit("04-04 10:00", progress)
			h.handled("04-20 12:00")
			h.submit("05-15 10:00", nisFinal)
		}, "05-30 00:00", []want{
			{kind: progress, verdict: onTime, due: "04-05 09:00", reason: compliance.ReasonOngoing},
			{kind: nisFinal, verdict: onTime, due: "05-20 12:00"},
		}},
		{"no progress report: overdue, final blocked until handling ends", func(h *history) {}, "04-10 00:00", []want{
			{kind: progress, verdict: overdue, due: "04-05 09:00", missed: "04-05 09:00", reason: compliance.ReasonHandlingOpen},
			{kind: nisFinal, verdict: blocked},
		}},
		{"handled before the final report's due time: no progress report", func(h *history) {
			h.handled("04-04 12:00")
		}, "04-04 13:00", []want{
			{kind: progress, verdict: notRequired, reason: compliance.ReasonHandlingCompleted},
			{kind: nisFinal, verdict: pending, due: "04-05 09:00"},
		}},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := nis2Notified(t, essential, "03-03 10:00", "03-05 09:00", "")
			tt.build(h)
			r := h.eval(tt.asOf)
			check(t, r, tt.want...)
			if o := row(t, r, nisFinal, 0); tt.want[0].verdict != notRequired && o.RuleRef != compliance.RuleNIS2Progress {
				t.Errorf("final after progress: ruleRef %q", o.RuleRef)
			}
		})
	}
}

func TestCorrections(t *testing.T) {
	t.Parallel()
	t.Run("a correction that removes a miss: withdrawnBy", func(t *testing.T) {
		t.Parallel()
		h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
		aw := h.aware(tenant.NIS2, "03-03 10:00")
		h.significant("03-03 10:00", false)
		fix := h.correct(aw, "at", tp("03-03 10:00"), "03-04 12:00", "03-05 08:00")
		h.submit("03-05 11:00", ew)

		before := h.eval("03-05 07:00")
		check(t, before, want{kind: ew, verdict: overdue, due: "03-04 10:00", missed: "03-04 10:00"})
		after := h.eval("03-05 12:00")
		check(t, after,
			want{kind: ew, verdict: onTime, due: "03-05 12:00", missed: "03-04 10:00", withdrawnBy: fix},
			want{kind: notif, verdict: pending, due: "03-07 12:00"},
		)
		if after.AnyMissed {
			t.Error("anyMissed with only a withdrawn miss")
		}
		if o := row(t, after, ew, 0); !slices.Contains(o.SourceEventIDs, fix) || !slices.Contains(o.SourceEventIDs, aw) {
			t.Errorf("sources %v, want the awareness and its correction", o.SourceEventIDs)
		}
	})
	t.Run("a correction that reveals a miss", func(t *testing.T) {
		t.Parallel()
		h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
		h.aware(tenant.NIS2, "03-03 10:00")
		h.significant("03-03 10:00", false)
		s := h.submit("03-04 09:00", ew)
		h.correct(s, "sentAt", tp("03-04 09:00"), "03-04 11:00", "03-04 12:00")
		check(t, h.eval("03-04 13:00"), want{kind: ew, verdict: late, due: "03-04 10:00", missed: "03-04 10:00"})
	})
	t.Run("a correction made before the wrong due time passed: nothing withdrawn", func(t *testing.T) {
		t.Parallel()
		h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
		aw := h.aware(tenant.NIS2, "03-03 10:00")
		h.significant("03-03 10:00", false)
		h.correct(aw, "at", tp("03-03 10:00"), "03-03 12:00", "03-03 11:00")
		h.submit("03-04 11:00", ew)
		check(t, h.eval("03-05 00:00"), want{kind: ew, verdict: onTime, due: "03-04 12:00"})
	})
}

func TestRegimes(t *testing.T) {
	t.Parallel()
	p := tenant.Profile{Regimes: []tenant.Regime{tenant.DORA, tenant.GDPR, tenant.NIS2}, NIS2Class: tenant.NIS2Essential,
		NIS2Art23Displaced: true, DORAEntityType: tenant.DORACreditInstitution, MemberState: "DE", TZ: "UTC"}
	h := newHistory(t, p, "03-03 07:00")
	h.detect("03-03 07:30")
	h.aware(tenant.NIS2, "03-03 08:00")
	h.significant("03-03 08:00", false)
	h.aware(tenant.DORA, "03-03 08:00")
	h.major("03-03 09:00")
	h.aware(tenant.GDPR, "03-03 11:00")
	h.breach("03-03 12:00", incident.BreachRiskRisk, false)
	r := h.eval("03-03 12:30")
	for _, o := range r.Obligations {
		if o.Regime == tenant.NIS2 {
			t.Errorf("NIS2 row %s although Art. 23 is displaced", o.Kind)
		}
	}
	check(t, r,
		want{kind: initial, verdict: pending, due: "03-03 13:00"},
		want{kind: gdprSA, verdict: pending, due: "03-06 11:00"},
	)
	got := map[tenant.Regime]bool{}
	for _, s := range r.Regimes {
		got[s.Regime] = s.Applies
		if s.Regime == tenant.NIS2 && !strings.Contains(s.Basis, "displaced") {
			t.Errorf("NIS2 basis %q", s.Basis)
		}
	}
	if got[tenant.NIS2] || !got[tenant.DORA] || !got[tenant.GDPR] {
		t.Errorf("regimes %+v", r.Regimes)
	}
	if r.NextDeadline == nil || r.NextDeadline.Kind != initial {
		t.Errorf("next deadline %+v, want the DORA initial notification", r.NextDeadline)
	}
	if r.DetectionToAwareness[tenant.GDPR] != "3h30m0s" || r.AwarenessToClassification[tenant.DORA] != "1h0m0s" {
		t.Errorf("lags %v %v", r.DetectionToAwareness, r.AwarenessToClassification)
	}

	t.Run("a regime outside the profile", func(t *testing.T) {
		t.Parallel()
		h := newHistory(t, gdprProfile(), "03-03 07:00")
		h.aware(tenant.DORA, "03-03 08:00")
		h.major("03-03 09:00")
		r := h.eval("03-04 00:00")
		for _, o := range r.Obligations {
			if o.Regime != tenant.GDPR {
				t.Errorf("%s row for a GDPR-only entity", o.Kind)
			}
		}
	})
}

func TestAsOfSelectsRecordedFacts(t *testing.T) {
	t.Parallel()
	h := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 09:00")
	h.aware(tenant.NIS2, "03-03 10:00")
	h.recordAt("03-03 12:00").significant("03-03 10:00", false)
	check(t, h.eval("03-03 11:00"), want{kind: ew, verdict: notRequired, reason: compliance.ReasonNotSignificant})
	check(t, h.eval("03-03 12:00"), want{kind: ew, verdict: pending, due: "03-04 10:00", margin: "22h0m0s"})
}

func TestProfileSnapshotWins(t *testing.T) {
	t.Parallel()
	tsp := nis2Profile(tenant.NIS2Essential, tenant.Entity2690TSP)
	cloud := nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud)
	build := func(h *history) {
		h.aware(tenant.NIS2, "03-03 10:00")
		h.significant("03-03 10:00", true)
	}
	h := newHistory(t, tsp, "03-03 09:00")
	build(h)
	r := h.eval("03-03 12:00", func(in *compliance.Input) { in.Profile = cloud })
	check(t, r, want{kind: notif, verdict: pending, due: "03-04 10:00"})
	if r.ProfileEventID == "" || !slices.Contains(row(t, r, notif, 0).SourceEventIDs, r.ProfileEventID) {
		t.Errorf("profile event %q not cited", r.ProfileEventID)
	}

	// Opened without a snapshot: Input.Profile.
	h2 := &history{t: t}
	h2.recordAt("03-03 09:00")
	h2.run(incident.Open{Meta: h2.meta(ts("03-03 09:00")), IncidentID: testIncident, Title: "Outage", Severity: domain.SeverityHigh})
	h2.live()
	build(h2)
	check(t, h2.eval("03-03 12:00", func(in *compliance.Input) { in.Profile = cloud }), want{kind: notif, verdict: pending, due: "03-06 10:00"})
	check(t, h2.eval("03-03 12:00", func(in *compliance.Input) { in.Profile = tsp }), want{kind: notif, verdict: pending, due: "03-04 10:00"})
}

func TestDelayNotices(t *testing.T) {
	t.Parallel()
	h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
	n1 := h.delay(tenant.DORA, initial, "03-03 12:00")
	h.submit("03-03 14:00", initial)
	h.delay(tenant.DORA, inter, "03-06 15:00")
	r := h.eval("03-07 00:00")
	check(t, r,
		want{kind: initial, verdict: late, due: "03-03 13:00", missed: "03-03 13:00"},
		want{kind: inter, verdict: overdue, due: "03-06 14:00", missed: "03-06 14:00"},
	)
	if d := row(t, r, initial, 0).Delay; d == nil || !d.Timely || d.EventID != n1 || !d.At.Equal(ts("03-03 12:00")) {
		t.Errorf("initial delay notice %+v, want timely", d)
	}
	if d := row(t, r, inter, 0).Delay; d == nil || d.Timely {
		t.Errorf("intermediate delay notice %+v, want not timely", d)
	}
}

func TestAnchorMissing(t *testing.T) {
	t.Parallel()
	h := newHistory(t, doraProfile(tenant.DORACreditInstitution), "03-03 07:00")
	h.major("03-03 09:00")
	r := h.eval("03-04 00:00")
	check(t, r,
		want{kind: initial, verdict: blocked, flags: []string{compliance.FlagAnchorMissing}},
		want{kind: inter, verdict: blocked},
	)
	if !slices.Contains(r.Flags, compliance.FlagAnchorMissing) {
		t.Errorf("report flags %v", r.Flags)
	}

	h2 := newHistory(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), "03-03 07:00")
	h2.significant("03-03 09:00", false)
	check(t, h2.eval("03-04 00:00"),
		want{kind: ew, verdict: blocked, flags: []string{compliance.FlagAnchorMissing}},
		want{kind: notif, verdict: blocked, flags: []string{compliance.FlagAnchorMissing}},
	)
}

func TestRecurringAggregation(t *testing.T) {
	t.Parallel()
	h := newHistory(t, doraProfile(tenant.DORAPaymentInstitution), "03-01 00:00")
	h.run(incident.AggregateRecurringIncidents{Meta: h.meta(ts("03-03 10:00")), IncidentID: testIncident, Regime: tenant.DORA,
		MemberIncidentIDs: []string{"INC-0", testIncident}, LastDetectionAt: ts("03-02 12:00"), RootCause: "expired certificate",
		AssessedAt: ts("03-03 10:00")})
	h.run(incident.AssessClassificationDORA{Meta: h.meta(ts("03-03 10:00")), IncidentID: testIncident, At: ts("03-03 10:00"),
		Result: incident.DORAMajor, Gate: []string{incident.DORAGateFinancialServices}, Rule: incident.DORARuleRecurring,
		Thresholds: []incident.CriterionHit{{Code: "RTS2024/1772:9(1)(b)"}, {Code: "RTS2024/1772:9(6)"}}})
	r := h.eval("03-03 11:00")
	// Template field 2.2 of an aggregated report: the last detection.
	check(t, r, want{kind: initial, verdict: pending, due: "03-03 12:00", flags: []string{compliance.FlagCompressed}})
	if !slices.ContainsFunc(r.Informational, func(s string) bool { return strings.Contains(s, "expired certificate") }) {
		t.Errorf("informational %q", r.Informational)
	}
}

func TestInformational(t *testing.T) {
	t.Parallel()
	h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
	h.submit("03-03 10:00", incident.DORACyberThreat)
	r := h.eval("03-04 00:00")
	for _, ref := range []string{compliance.RuleDORAClientNotice, compliance.RuleDORACyberThreat} {
		if !slices.ContainsFunc(r.Informational, func(s string) bool { return strings.HasPrefix(s, ref) }) {
			t.Errorf("informational %q: want %s", r.Informational, ref)
		}
	}
}

func TestEmptyIncident(t *testing.T) {
	t.Parallel()
	r := compliance.Evaluate(compliance.Input{Incident: testIncident, Profile: doraProfile(tenant.DORACreditInstitution), AsOf: ts("03-03 00:00")})
	if r.AnyMissed || r.NextDeadline != nil || r.Obligations == nil {
		t.Errorf("empty report %+v", r)
	}
	for _, o := range r.Obligations {
		if o.Verdict != notRequired {
			t.Errorf("%s: %s, want not_required", o.Kind, o.Verdict)
		}
	}
}
