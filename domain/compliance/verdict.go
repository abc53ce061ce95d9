package compliance

import (
	"slices"
	"time"

	"github.com/socledger/socledger/domain/incident"
)

// finish returns the obligation d describes, with its verdict as of asOf
// (§4.5).
func (d *draft) finish(asOf time.Time, corrections func(id string) []string, profileID string) Obligation {
	o := d.o
	o.Flags = slices.Clone(o.Flags)
	o.RuleSetVersion = RuleSetVersion
	o.AnchorEventID = d.anchorID
	o.AnchorAt = ptr(d.anchor)
	if !d.off {
		// A row not required has no due time (a withdrawn one keeps its
		// anchor and sources).
		o.RawDueAt = ptr(d.raw)
		o.DueAt = ptr(d.due)
	} else {
		o.ReliefApplied = false
	}
	if d.hasWindow && !d.off {
		o.WindowAfterClassification = d.window.String()
	}
	for _, s := range d.subs {
		o.Submissions = append(o.Submissions, submission(s, d.due))
	}
	s, submitted := d.firstSub()
	if submitted {
		o.SubmittedAt = ptr(s.at)
	}
	elapsed := func(to time.Time) {
		if !d.anchor.IsZero() {
			o.Elapsed = to.Sub(d.anchor).String()
		}
	}
	switch {
	case d.off:
		o.Verdict = VerdictNotRequired
	case d.due.IsZero():
		switch {
		case submitted:
			o.Verdict = VerdictSubmitted
			elapsed(s.at)
		case d.blocked:
			o.Verdict = VerdictBlocked
		default:
			o.Verdict = VerdictPending
			elapsed(asOf)
		}
		if d.undated {
			o.Flags = append(o.Flags, FlagUndated)
		}
	case submitted:
		o.Verdict = VerdictOnTime
		if s.at.After(d.due) {
			o.Verdict = VerdictLate
			o.Lateness = s.at.Sub(d.due).String()
		} else if s.rec.After(d.due) {
			o.Flags = append(o.Flags, FlagRecordedLate)
		}
		o.Margin = d.due.Sub(s.at).String()
		elapsed(s.at)
	case asOf.After(d.due):
		o.Verdict = VerdictOverdue
		o.Margin = d.due.Sub(asOf).String()
		o.Lateness = asOf.Sub(d.due).String()
	default:
		o.Verdict = VerdictPending
		o.Margin = d.due.Sub(asOf).String()
	}
	if o.Kind == incident.DORAReclassification && o.Verdict == VerdictPending {
		o.Flags = append(o.Flags, FlagReclassificationNotice)
	}
	if d.delay != nil {
		o.Delay = &DelayNotice{At: d.delay.at, Reasons: d.delay.e.Reasons, EventID: d.delay.id,
			Timely: d.due.IsZero() || !d.delay.at.After(d.due)}
	}
	slices.Sort(o.Flags)
	var src []string
	for _, id := range unique(d.sources) {
		src = append(src, id)
		src = append(src, corrections(id)...)
	}
	if profileID != "" {
		src = append(src, profileID)
	}
	o.SourceEventIDs = unique(src)
	return o
}

// submission returns the report's view of s, for an obligation due at due
// (zero: undated).
func submission(s sub, due time.Time) Submission {
	e := s.e
	return Submission{SubmissionID: e.SubmissionID, Kinds: slices.Clone(e.Kinds), SentAt: e.SentAt.UTC(),
		ReceivedAt: ptrOf(e.ReceivedAt), At: s.at, Authority: e.Authority, AuthorityRef: e.AuthorityRef,
		Channel: e.Channel, DelayReason: e.DelayReason, RecordedAt: s.rec, EventID: s.id,
		RecordedLate: !due.IsZero() && !s.at.After(due) && s.rec.After(due)}
}

// misses replays fs in business time and returns, per row key, the earliest
// due time that passed with the row unsubmitted (§4.5 latching). Each
// business time at which a fact took effect opens a window that lasts until
// the next one (or asOf); a due time computed from the facts in effect in a
// window that passes before the window ends, with no submission made by
// then, is missed. A later shift of the due time (a new anchor) never
// erases it; a submission made before it, however late it was recorded,
// prevents it.
func misses(fs facts, e env, asOf time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	cuts := fs.cutoffs(asOf)
	for i, t := range cuts {
		end := asOf
		if i+1 < len(cuts) {
			end = cuts[i+1]
		}
		for _, d := range rows(fs.upTo(t), e) {
			if d.off || d.due.IsZero() || !d.due.Before(end) {
				continue
			}
			if s, ok := d.firstSub(); ok && !s.at.After(d.due) {
				continue
			}
			if prev, ok := out[d.key]; !ok || d.due.Before(prev) {
				out[d.key] = d.due
			}
		}
	}
	return out
}

// withdrawn is a miss a correction removed.
type withdrawn struct {
	at time.Time
	by string
}

// withdrawals returns the misses that corrections removed: replaying the
// misses with the first k corrections for k = 0…K, a miss present with k-1
// and gone with k was withdrawn by correction k, provided its due time had
// passed when that correction was recorded. A miss present with all
// corrections (final) is not withdrawn.
func withdrawals(steps []map[string]time.Time, corrections []incident.TimestampCorrected, rec map[string]time.Time) map[string]withdrawn {
	out := map[string]withdrawn{}
	for k := 1; k < len(steps); k++ {
		c := corrections[k-1]
		for key, at := range steps[k-1] {
			if _, still := steps[k][key]; !still && at.Before(rec[c.ID]) {
				out[key] = withdrawn{at: at, by: c.ID}
			}
		}
	}
	final := steps[len(steps)-1]
	for key := range out {
		if _, ok := final[key]; ok {
			delete(out, key)
		}
	}
	return out
}

func ptr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func ptrOf(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return ptr(*t)
}
