package compliance_test

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin without the host's zoneinfo

	"github.com/socledger/socledger/domain/compliance"
	"github.com/socledger/socledger/domain/compliance/calendar"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// Short names of the verdicts, flags and report kinds.
const (
	onTime      = compliance.VerdictOnTime
	late        = compliance.VerdictLate
	overdue     = compliance.VerdictOverdue
	pending     = compliance.VerdictPending
	notRequired = compliance.VerdictNotRequired
	blocked     = compliance.VerdictBlocked
	submitted   = compliance.VerdictSubmitted

	ew       = incident.NIS2EarlyWarning
	notif    = incident.NIS2IncidentNotification
	nisInter = incident.NIS2Intermediate
	progress = incident.NIS2Progress
	nisFinal = incident.NIS2Final
	initial  = incident.DORAInitial
	inter    = incident.DORAIntermediate
	update   = incident.DORAIntermediateUpdate
	final    = incident.DORAFinal
	reclass  = incident.DORAReclassification
	gdprSA   = incident.GDPRSupervisoryAuthority
	subjects = incident.GDPRDataSubjects
)

var undated = []string{compliance.FlagUndated}

// scenario is one worked scenario of compliance-spec.md §7 (or a variant).
type scenario struct {
	name      string
	build     func(t *testing.T) *history
	asOf      string
	berlin    bool // evaluate in Europe/Berlin with the DE bank holidays
	want      []want
	anyMissed bool
	check     func(t *testing.T, r compliance.Report)
}

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// inBerlin evaluates in Europe/Berlin with the German bank holidays.
func inBerlin(t testing.TB) func(*compliance.Input) {
	loc := berlin(t)
	de, ok := calendar.National("DE")
	if !ok {
		t.Fatal("no DE calendar")
	}
	return func(in *compliance.Input) { in.Location, in.Holidays = loc, de }
}

func scenario1(t *testing.T, p tenant.Profile) *history {
	h := newHistory(t, p, "03-03 07:00")
	h.detect("03-03 08:00")
	h.aware(tenant.NIS2, "03-03 10:00")
	h.significant("03-03 10:00", false, "IR2024/2690:7(a)")
	h.submit("03-03 20:00", ew)
	h.submit("03-05 09:00", notif)
	h.handled("03-10 12:00")
	h.submit("04-02 12:00", nisFinal)
	return h
}

func scenario2(t *testing.T) *history {
	h := newHistory(t, nis2Profile(tenant.NIS2Important, ""), "03-03 09:00")
	h.aware(tenant.NIS2, "03-03 10:00")
	h.significant("03-03 10:00", false, "NIS2:23(3)(a)")
	h.submit("03-04 11:30", ew)
	h.submit("03-06 09:00", notif)
	return h
}

func scenario3(t *testing.T, p tenant.Profile, trust bool, code string) *history {
	h := newHistory(t, p, "03-03 09:00")
	h.aware(tenant.NIS2, "03-03 10:00")
	h.significant("03-03 10:00", trust, code)
	h.submit("03-03 18:00", ew)
	h.submit("03-05 08:00", notif)
	return h
}

func scenario6(t *testing.T, withUpdate bool) *history {
	h := newHistory(t, doraProfile(tenant.DORACreditInstitution), "03-04 08:45")
	h.aware(tenant.DORA, "03-04 09:00")
	h.major("03-04 11:00")
	h.submit("03-04 14:00", initial)
	h.submit("03-07 10:00", inter)
	h.recovered("03-08 16:00")
	if withUpdate {
		h.submit("03-10 09:00", update)
	}
	h.submit("04-09 15:00", final)
	return h
}

func doraMajor(t *testing.T, et tenant.DORAEntityType, aware, classified string) *history {
	h := newHistory(t, doraProfile(et), "03-01 00:00")
	h.aware(tenant.DORA, aware)
	h.major(classified)
	return h
}

func scenario17(t *testing.T, reason string) *history {
	h := newHistory(t, gdprProfile(), "03-03 09:00")
	h.aware(tenant.GDPR, "03-03 10:00")
	h.breach("03-03 12:00", incident.BreachRiskRisk, false)
	h.submitX(submission{id: "SA-1", sent: "03-06 12:00", reason: reason, kinds: []incident.ReportKind{gdprSA}})
	return h
}

func TestScenarios(t *testing.T) {
	t.Parallel()
	rows := []scenario{
		{
			name: "1 NIS2 essential cloud provider, all on time",
			build: func(t *testing.T) *history {
				return scenario1(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud))
			},
			asOf: "04-10 00:00",
			want: []want{
				{kind: ew, verdict: onTime, due: "03-04 10:00", margin: "14h0m0s", elapsed: "10h0m0s"},
				{kind: notif, verdict: onTime, due: "03-06 10:00", margin: "25h0m0s"},
				{kind: nisInter, verdict: notRequired, reason: compliance.ReasonNoRequest},
				{kind: progress, verdict: notRequired, reason: compliance.ReasonHandlingCompleted},
				{kind: nisFinal, verdict: onTime, due: "04-05 09:00", margin: "69h0m0s"}, // Saturday: no NIS2 relief
			},
			check: func(t *testing.T, r compliance.Report) {
				if got := r.DetectionToAwareness[tenant.NIS2]; got != "2h0m0s" {
					t.Errorf("detection→awareness %q, want 2h0m0s", got)
				}
				if got := r.AwarenessToClassification[tenant.NIS2]; got != "0s" {
					t.Errorf("awareness→classification %q, want 0s", got)
				}
				if len(r.Classification) != 1 || r.Classification[0].Criteria[0] != "IR2024/2690:7(a)" {
					t.Errorf("classification %+v", r.Classification)
				}
				if r.NextDeadline != nil {
					t.Errorf("next deadline %+v, want none", r.NextDeadline)
				}
			},
		},
		{
			name:      "2 NIS2 important, early warning late",
			build:     scenario2,
			asOf:      "03-07 00:00",
			anyMissed: true,
			want: []want{
				{kind: ew, verdict: late, due: "03-04 10:00", margin: "-1h30m0s", missed: "03-04 10:00"},
				{kind: notif, verdict: onTime, due: "03-06 10:00", margin: "1h0m0s"},
				{kind: progress, verdict: pending, due: "04-06 09:00", reason: compliance.ReasonHandlingOpen},
				{kind: nisFinal, verdict: blocked},
			},
			check: func(t *testing.T, r compliance.Report) {
				if o := row(t, r, ew, 0); o.Lateness != "1h30m0s" {
					t.Errorf("lateness %q, want 1h30m0s", o.Lateness)
				}
				if r.NextDeadline == nil || r.NextDeadline.Kind != progress {
					t.Errorf("next deadline %+v, want the progress report", r.NextDeadline)
				}
			},
		},
		{
			name: "3 NIS2 TSP, trust service hit: incident notification within 24 h",
			build: func(t *testing.T) *history {
				return scenario3(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690TSP), true, "IR2024/2690:14(a)")
			},
			asOf:      "03-07 00:00",
			anyMissed: true,
			want: []want{
				{kind: ew, verdict: onTime, due: "03-04 10:00", margin: "16h0m0s"},
				{kind: notif, verdict: late, due: "03-04 10:00", margin: "-22h0m0s", missed: "03-04 10:00", reason: compliance.ReasonTSPTrustService},
			},
		},
		{
			name: "3 variant: on time for a non-TSP",
			build: func(t *testing.T) *history {
				return scenario3(t, nis2Profile(tenant.NIS2Essential, tenant.Entity2690Cloud), false, "NIS2:23(3)(a)")
			},
			asOf: "03-07 00:00",
			want: []want{
				{kind: ew, verdict: onTime, due: "03-04 10:00"},
				{kind: notif, verdict: onTime, due: "03-06 10:00", margin: "26h0m0s", reason: compliance.ReasonSignificant},
			},
		},
		{
			name:  "6 DORA credit institution, all on time",
			build: func(t *testing.T) *history { return scenario6(t, true) },
			asOf:  "04-15 00:00",
			want: []want{
				{kind: initial, verdict: onTime, due: "03-04 15:00", margin: "1h0m0s", elapsed: "3h0m0s"},
				{kind: inter, verdict: onTime, due: "03-07 14:00", margin: "4h0m0s"},
				{kind: update, verdict: submitted, flags: undated, elapsed: "41h0m0s"},
				{kind: final, verdict: onTime, due: "04-10 09:00", margin: "18h0m0s"},
				{kind: reclass, verdict: notRequired, reason: compliance.ReasonNotReclassified},
			},
			check: func(t *testing.T, r compliance.Report) {
				if o := row(t, r, initial, 0); o.WindowAfterClassification != "4h0m0s" {
					t.Errorf("window %q, want 4h0m0s", o.WindowAfterClassification)
				}
				c := r.Classification[0]
				if c.Rule != "RTS2024/1772:8(1)(b)" || len(c.Criteria) != 3 || c.Result != "major" {
					t.Errorf("classification %+v", c)
				}
			},
		},
		{
			name:      "6 variant: without the update the final report is due 04-07 10:00",
			build:     func(t *testing.T) *history { return scenario6(t, false) },
			asOf:      "04-15 00:00",
			anyMissed: true,
			want: []want{
				{kind: update, verdict: pending, flags: undated, elapsed: "896h0m0s"},
				{kind: final, verdict: late, due: "04-07 10:00", margin: "-53h0m0s", missed: "04-07 10:00"},
			},
		},
		{
			name: "7 DORA classified within 24 h: the 24 h limb governs",
			build: func(t *testing.T) *history {
				h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-04 06:00")
				h.submit("03-04 09:30", initial)
				return h
			},
			asOf:      "03-05 00:00",
			anyMissed: true,
			want: []want{
				{kind: initial, verdict: late, due: "03-04 08:00", margin: "-1h30m0s", missed: "03-04 08:00",
					flags: []string{compliance.FlagCompressed}, elapsed: "3h30m0s"},
			},
			check: func(t *testing.T, r compliance.Report) {
				if o := row(t, r, initial, 0); o.WindowAfterClassification != "2h0m0s" || o.RuleRef != compliance.RuleDORAInitial {
					t.Errorf("window %q, ruleRef %q", o.WindowAfterClassification, o.RuleRef)
				}
			},
		},
		{
			name: "8 DORA classified more than 24 h after awareness: 5(2)",
			build: func(t *testing.T) *history {
				h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-06 14:00")
				h.submit("03-06 17:00", initial)
				return h
			},
			asOf: "03-07 00:00",
			want: []want{
				{kind: initial, verdict: onTime, due: "03-06 18:00", margin: "1h0m0s"},
			},
			check: func(t *testing.T, r compliance.Report) {
				if got := r.AwarenessToClassification[tenant.DORA]; got != "78h0m0s" {
					t.Errorf("awareness→classification %q, want 78h0m0s", got)
				}
				if o := row(t, r, initial, 0); o.RuleRef != compliance.RuleDORAInitialLate {
					t.Errorf("ruleRef %q", o.RuleRef)
				}
			},
		},
		{
			name: "9 DORA payment institution, Berlin: relief to Monday noon",
			build: func(t *testing.T) *history {
				h := doraMajor(t, tenant.DORAPaymentInstitution, "03-07 20:00", "03-08 09:00")
				h.submit("03-10 10:30", initial)
				return h
			},
			asOf:   "03-11 00:00",
			berlin: true,
			want: []want{
				{kind: initial, verdict: onTime, raw: "03-08 13:00", due: "03-10 11:00", relief: true, margin: "30m0s"},
				{kind: inter, verdict: pending, due: "03-13 10:30"},
			},
		},
		{
			name: "12 DORA reclassification",
			build: func(t *testing.T) *history {
				h := doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
				h.submit("03-03 12:00", initial)
				h.reclassify("03-05 15:00")
				h.submit("03-05 16:00", reclass)
				return h
			},
			asOf: "03-10 00:00",
			want: []want{
				{kind: initial, verdict: onTime, due: "03-03 13:00"},
				{kind: inter, verdict: notRequired, reason: compliance.ReasonReclassified},
				{kind: update, verdict: notRequired, reason: compliance.ReasonReclassified},
				{kind: final, verdict: notRequired, reason: compliance.ReasonReclassified},
				{kind: reclass, verdict: submitted, flags: undated, reason: compliance.ReasonReportSent, elapsed: "1h0m0s"},
			},
		},
		{
			name: "14 DORA, nothing submitted",
			build: func(t *testing.T) *history {
				return doraMajor(t, tenant.DORACreditInstitution, "03-03 08:00", "03-03 09:00")
			},
			asOf:      "03-10 00:00",
			anyMissed: true,
			want: []want{
				{kind: initial, verdict: overdue, due: "03-03 13:00", missed: "03-03 13:00", margin: "-155h0m0s"},
				{kind: inter, verdict: blocked},
				{kind: final, verdict: blocked},
			},
			check: func(t *testing.T, r compliance.Report) {
				if r.NextDeadline != nil {
					t.Errorf("next deadline %+v, want none", r.NextDeadline)
				}
			},
		},
		{
			name:      "17 GDPR late with reasons",
			build:     func(t *testing.T) *history { return scenario17(t, "forensic analysis needed to scope the breach") },
			asOf:      "03-10 00:00",
			anyMissed: true,
			want: []want{
				{kind: gdprSA, verdict: late, due: "03-06 10:00", margin: "-2h0m0s", missed: "03-06 10:00"},
				{kind: subjects, verdict: notRequired, reason: compliance.ReasonNoHighRisk},
			},
			check: func(t *testing.T, r compliance.Report) {
				if o := row(t, r, gdprSA, 0); o.Submissions[0].DelayReason == "" {
					t.Error("reasons for the delay not reported")
				}
			},
		},
		{
			name:      "17 variant: no reasons",
			build:     func(t *testing.T) *history { return scenario17(t, "") },
			asOf:      "03-10 00:00",
			anyMissed: true,
			want: []want{
				{kind: gdprSA, verdict: late, due: "03-06 10:00", margin: "-2h0m0s", missed: "03-06 10:00",
					flags: []string{compliance.FlagArt33ReasonsMissing}},
			},
		},
	}
	for _, sc := range rows {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			h := sc.build(t)
			var opts []func(*compliance.Input)
			if sc.berlin {
				opts = append(opts, inBerlin(t))
			}
			r := h.eval(sc.asOf, opts...)
			check(t, r, sc.want...)
			if r.AnyMissed != sc.anyMissed {
				t.Errorf("anyMissed %v, want %v (%v)", r.AnyMissed, sc.anyMissed, kinds(r))
			}
			if r.RuleSetVersion != compliance.RuleSetVersion || r.Incident != testIncident || !r.AsOf.Equal(ts(sc.asOf)) {
				t.Errorf("report header %q %q %v", r.RuleSetVersion, r.Incident, r.AsOf)
			}
			if sc.check != nil {
				sc.check(t, r)
			}
		})
	}
}
