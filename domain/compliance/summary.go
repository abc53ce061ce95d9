package compliance

import (
	"slices"
	"time"

	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// TenantSummary is the per-tenant compliance report over a period (§6, the
// issue's "per tenant over a period"): every incident with its obligations
// and misses, the on-time rate per regime and the next open deadlines.
type TenantSummary struct {
	Tenant string `json:"tenant"`
	// From and To bound the period (nil: unbounded).
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	// AsOf is the latest AsOf of the reports summarized.
	AsOf      time.Time         `json:"asOf"`
	Incidents []IncidentSummary `json:"incidents"`
	// Rates counts, per regime, the obligations due in the period that are
	// decided: on_time / (on_time + late + overdue).
	Rates []RegimeRate `json:"onTimeRates"`
	// Misses are every miss of the incidents, withdrawn ones included.
	Misses []Miss `json:"misses"`
	// NextDeadlines are the open due times (pending), earliest first.
	NextDeadlines  []Deadline `json:"nextDeadlines"`
	AnyMissed      bool       `json:"anyMissed"`
	RuleSetVersion string     `json:"ruleSetVersion"`
}

// IncidentSummary is one incident of a TenantSummary.
type IncidentSummary struct {
	Incident     string         `json:"incident"`
	AsOf         time.Time      `json:"asOf"`
	Regimes      []RegimeStatus `json:"regimes"`
	DetectedAt   *time.Time     `json:"detectedAt,omitempty"`
	AnyMissed    bool           `json:"anyMissed"`
	Obligations  []Obligation   `json:"obligations"`
	Misses       []Miss         `json:"misses"`
	NextDeadline *Deadline      `json:"nextDeadline,omitempty"`
}

// RegimeRate is the on-time rate of one regime.
type RegimeRate struct {
	Regime  tenant.Regime `json:"regime"`
	OnTime  int           `json:"onTime"`
	Late    int           `json:"late"`
	Overdue int           `json:"overdue"`
	// Rate is OnTime / (OnTime + Late + Overdue); nil when none is decided.
	Rate *float64 `json:"rate,omitempty"`
}

// Miss is one obligation whose due time passed unsubmitted.
type Miss struct {
	Incident    string              `json:"incident"`
	Regime      tenant.Regime       `json:"regime"`
	Kind        incident.ReportKind `json:"kind"`
	Seq         int                 `json:"seq,omitempty"`
	RuleRef     string              `json:"ruleRef"`
	DueAt       *time.Time          `json:"dueAt,omitempty"`
	MissedAt    time.Time           `json:"missedAt"`
	Verdict     Verdict             `json:"verdict"`
	WithdrawnBy string              `json:"withdrawnBy,omitempty"`
}

// Deadline is one open due time.
type Deadline struct {
	Incident string              `json:"incident"`
	Regime   tenant.Regime       `json:"regime"`
	Kind     incident.ReportKind `json:"kind"`
	Seq      int                 `json:"seq,omitempty"`
	RuleRef  string              `json:"ruleRef"`
	DueAt    time.Time           `json:"dueAt"`
	// Margin is DueAt - AsOf of the incident's report.
	Margin string `json:"margin"`
}

// Summarize builds the tenant summary of reports over the period [from, to]
// (a zero bound is open). An incident is included when one of its times
// (detection, awareness, anchor, due, submission or miss) falls in the
// period, or when it has an open obligation and began no later than to;
// incidents keep the order of reports. The on-time rates count the
// obligations due in the period; the misses and next deadlines are those of
// the incidents included.
func Summarize(tenantID string, from, to time.Time, reports []Report) TenantSummary {
	s := TenantSummary{Tenant: tenantID, From: ptr(from), To: ptr(to), RuleSetVersion: RuleSetVersion,
		Incidents: []IncidentSummary{}, Misses: []Miss{}, NextDeadlines: []Deadline{}}
	in := func(t time.Time) bool {
		return (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to))
	}
	type count struct{ onTime, late, overdue int }
	counts := map[tenant.Regime]*count{}
	for _, r := range reports {
		if !included(r, in, to) {
			continue
		}
		if r.AsOf.After(s.AsOf) {
			s.AsOf = r.AsOf
		}
		is := IncidentSummary{Incident: r.Incident, AsOf: r.AsOf, Regimes: r.Regimes, DetectedAt: r.DetectedAt,
			AnyMissed: r.AnyMissed, Obligations: r.Obligations, Misses: []Miss{}}
		for _, o := range r.Obligations {
			if o.MissedAt != nil {
				is.Misses = append(is.Misses, Miss{Incident: r.Incident, Regime: o.Regime, Kind: o.Kind, Seq: o.Seq, RuleRef: o.RuleRef,
					DueAt: o.DueAt, MissedAt: *o.MissedAt, Verdict: o.Verdict, WithdrawnBy: o.WithdrawnBy})
			}
			if o.Verdict == VerdictPending && o.DueAt != nil {
				d := Deadline{Incident: r.Incident, Regime: o.Regime, Kind: o.Kind, Seq: o.Seq, RuleRef: o.RuleRef,
					DueAt: *o.DueAt, Margin: o.DueAt.Sub(r.AsOf).String()}
				s.NextDeadlines = append(s.NextDeadlines, d)
				if is.NextDeadline == nil || d.DueAt.Before(is.NextDeadline.DueAt) {
					is.NextDeadline = &d
				}
			}
			if o.DueAt == nil || !in(*o.DueAt) {
				continue
			}
			c := counts[o.Regime]
			if c == nil {
				c = &count{}
				counts[o.Regime] = c
			}
			switch o.Verdict {
			case VerdictOnTime:
				c.onTime++
			case VerdictLate:
				c.late++
			case VerdictOverdue:
				c.overdue++
			}
		}
		s.AnyMissed = s.AnyMissed || r.AnyMissed
		s.Misses = append(s.Misses, is.Misses...)
		s.Incidents = append(s.Incidents, is)
	}
	for _, g := range tenant.Regimes {
		c := counts[g]
		if c == nil {
			continue
		}
		rr := RegimeRate{Regime: g, OnTime: c.onTime, Late: c.late, Overdue: c.overdue}
		if n := c.onTime + c.late + c.overdue; n > 0 {
			rate := float64(c.onTime) / float64(n)
			rr.Rate = &rate
		}
		s.Rates = append(s.Rates, rr)
	}
	slices.SortStableFunc(s.NextDeadlines, func(a, b Deadline) int { return a.DueAt.Compare(b.DueAt) })
	slices.SortStableFunc(s.Misses, func(a, b Miss) int { return a.MissedAt.Compare(b.MissedAt) })
	return s
}

// included reports whether report r belongs to the period (see Summarize).
func included(r Report, in func(time.Time) bool, to time.Time) bool {
	var times []time.Time
	if r.DetectedAt != nil {
		times = append(times, *r.DetectedAt)
	}
	for _, a := range r.Awareness {
		times = append(times, a)
	}
	open := false
	for _, o := range r.Obligations {
		for _, t := range []*time.Time{o.AnchorAt, o.DueAt, o.SubmittedAt, o.MissedAt} {
			if t != nil {
				times = append(times, *t)
			}
		}
		if o.Verdict == VerdictPending || o.Verdict == VerdictOverdue || o.Verdict == VerdictBlocked {
			open = true
		}
	}
	if slices.ContainsFunc(times, in) {
		return true
	}
	began := earliestTime(times...)
	return open && (to.IsZero() || began.IsZero() || !began.After(to))
}
