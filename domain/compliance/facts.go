package compliance

import (
	"slices"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
)

// fact is one regulatory fact as the engine reads it: the payload with every
// correction known as of AsOf applied, its business time, and when it was
// recorded.
type fact struct {
	id string
	ev incident.Event
	// at is the business time: the fact's At, a submission's time (§4.5)
	// or an aggregation's AssessedAt.
	at  time.Time
	rec time.Time
	// corrections are the IDs of the corrections of this fact, in
	// recording order.
	corrections []string
}

// facts are regulatory facts in recording order (corrections excluded:
// they are applied).
type facts []fact

// typed is a fact with its payload of type E.
type typed[E incident.Event] struct {
	fact
	e E
}

// of returns the facts of type E that keep says to keep (nil keeps all),
// sorted by business time (recording order on a tie).
func of[E incident.Event](fs facts, keep func(E) bool) []typed[E] {
	var out []typed[E]
	for _, f := range fs {
		if e, ok := f.ev.(E); ok && (keep == nil || keep(e)) {
			out = append(out, typed[E]{f, e})
		}
	}
	slices.SortStableFunc(out, func(a, b typed[E]) int { return a.at.Compare(b.at) })
	return out
}

// first returns the earliest fact of type E that keep keeps.
func first[E incident.Event](fs facts, keep func(E) bool) (typed[E], bool) {
	all := of(fs, keep)
	if len(all) == 0 {
		return typed[E]{}, false
	}
	return all[0], true
}

// upTo returns the facts whose business time is not after t.
func (fs facts) upTo(t time.Time) facts {
	var out facts
	for _, f := range fs {
		if !f.at.After(t) {
			out = append(out, f)
		}
	}
	return out
}

// awareness returns the earliest awareness of regime.
func (fs facts) awareness(r tenant.Regime) (typed[incident.AwarenessEstablished], bool) {
	return first(fs, func(a incident.AwarenessEstablished) bool { return a.Regime == r })
}

// sub is one submission: a NotificationSubmitted and its time.
type sub = typed[incident.NotificationSubmitted]

// subs returns the submissions that include kind and were made at or after
// from (zero: any), by submission time.
func (fs facts) subs(kind incident.ReportKind, from time.Time) []sub {
	return of(fs, func(e incident.NotificationSubmitted) bool {
		return slices.Contains(e.Kinds, kind) && !submissionTime(e).Before(from)
	})
}

// submissionTime is the time that counts for a submission (§4.5): the
// authority's receipt if known, else the sent time.
func submissionTime(e incident.NotificationSubmitted) time.Time {
	if e.ReceivedAt != nil {
		return e.ReceivedAt.UTC()
	}
	return e.SentAt.UTC()
}

// businessTime returns the time a fact took effect.
func businessTime(e incident.Event) time.Time {
	var t time.Time
	switch e := e.(type) {
	case incident.Detected:
		t = e.At
	case incident.AwarenessEstablished:
		t = e.At
	case incident.ClassifiedSignificantNIS2:
		t = e.At
	case incident.DeclassifiedNIS2:
		t = e.At
	case incident.ClassificationAssessedDORA:
		t = e.At
	case incident.ReclassifiedNonMajorDORA:
		t = e.At
	case incident.RecurringIncidentsAggregated:
		t = e.AssessedAt
	case incident.PersonalDataBreachAssessed:
		t = e.At
	case incident.RegularActivitiesRecovered:
		t = e.At
	case incident.RootCauseAnalysisCompleted:
		t = e.At
	case incident.HandlingCompleted:
		t = e.At
	case incident.AuthorityRequestReceived:
		t = e.At
	case incident.NotificationSubmitted:
		t = submissionTime(e)
	case incident.DelayNotified:
		t = e.At
	}
	return t.UTC()
}

// recordedAt is when an event was recorded: Meta.RecordedAt, else
// Meta.OccurredAt; zero when neither is known.
func recordedAt(r domain.Recorded[incident.Event]) time.Time {
	if !r.Meta.RecordedAt.IsZero() {
		return r.Meta.RecordedAt
	}
	return r.Meta.OccurredAt
}

// known returns the events recorded by asOf, in stream order. An event with
// no recording time at all counts as known.
func known(events []domain.Recorded[incident.Event], asOf time.Time) []domain.Recorded[incident.Event] {
	var out []domain.Recorded[incident.Event]
	for _, r := range events {
		if rec := recordedAt(r); rec.IsZero() || !rec.After(asOf) {
			out = append(out, r)
		}
	}
	return out
}

// folded is the incident as of AsOf, with what the engine needs beside the
// state.
type folded struct {
	state incident.State
	// rec maps a regulatory fact's ID to its recording time.
	rec map[string]time.Time
	// profileID is the event ID of the latest profile snapshot.
	profileID string
	// corrections are the corrections folded, in recording order.
	corrections []incident.TimestampCorrected
}

// fold folds events (incident.Evolve) keeping only the first keep
// corrections (all when keep < 0): the other corrections are left out, as
// if they had not been recorded.
func fold(events []domain.Recorded[incident.Event], keep int) folded {
	f := folded{rec: map[string]time.Time{}}
	seen := 0
	for _, r := range events {
		if c, ok := r.Event.(incident.TimestampCorrected); ok {
			if keep >= 0 && seen >= keep {
				continue
			}
			seen++
			f.corrections = append(f.corrections, c)
		}
		n := len(f.state.Reg.Facts)
		f.state = incident.Decider.Evolve(f.state, r.Event)
		if len(f.state.Reg.Facts) > n {
			f.rec[f.state.Reg.Facts[n].ID] = recordedAt(r).UTC()
		}
		if _, ok := r.Event.(incident.ProfileSnapshotted); ok {
			f.profileID = r.ID
		}
	}
	return f
}

// collect returns the facts of f's regulatory state, corrected.
func (f folded) collect() facts {
	corr := map[string][]string{}
	for _, c := range f.state.Reg.Corrections {
		corr[c.TargetEventID] = append(corr[c.TargetEventID], c.ID)
	}
	var fs facts
	for _, x := range f.state.Reg.EffectiveFacts() {
		if _, ok := x.Event.(incident.TimestampCorrected); ok {
			continue
		}
		fs = append(fs, fact{id: x.ID, ev: x.Event, at: businessTime(x.Event), rec: f.rec[x.ID], corrections: corr[x.ID]})
	}
	return fs
}

// cutoffs returns the distinct business times of fs not after asOf, sorted.
func (fs facts) cutoffs(asOf time.Time) []time.Time {
	var ts []time.Time
	for _, f := range fs {
		if !f.at.After(asOf) {
			ts = append(ts, f.at)
		}
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(ts, func(a, b time.Time) bool { return a.Equal(b) })
}

// earliestTime returns the earliest non-zero time of ts, zero if none.
func earliestTime(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if !t.IsZero() && (out.IsZero() || t.Before(out)) {
			out = t
		}
	}
	return out
}

// unique returns ss without empty strings and duplicates, keeping the
// first of each in order.
func unique(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
