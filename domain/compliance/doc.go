// Package compliance computes the NIS2 / DORA / GDPR incident-reporting
// obligations of an incident (compliance-spec.md §1-§6): which reports are
// owed, when each is due (with calendar-month and weekend / bank-holiday
// rules), whether each was submitted on time, and what was missed, as of a
// given instant. It is pure: the caller passes the entity profile, the
// entity's time zone and holiday calendar, the incident's events and the
// as-of instant.
//
// Evaluate computes one incident's Report; Summarize the per-tenant
// TenantSummary over a period. Every obligation row names its rule
// (RuleNIS2EarlyWarning, …), the reason it is or is not required (Reason…
// constants; a not_required verdict carries its reason there), and the
// event IDs it was computed from (corrections and the profile snapshot
// included).
//
// # Decisions where the spec and the brief are silent or open
//
//   - Facts: the events with Meta.RecordedAt ≤ AsOf (Meta.OccurredAt when
//     RecordedAt is zero; an event with neither counts as known), folded
//     with incident.Evolve; the Regulatory views apply the corrections. The
//     profile snapshot of the incident wins over Input.Profile. When a fact
//     is recorded twice, the earliest business time counts (awareness,
//     classification, handling, recovery, declassification,
//     reclassification); the satisfying submission of a row is the earliest
//     (by submission time) that lists its kind.
//   - Latching (§4.5) is replayed in business time, not in recording order:
//     every business time at which a fact took effect opens a window, and a
//     due time computed from the facts in effect that passes inside its
//     window (and before AsOf) with no submission made by then is a miss;
//     MissedAt is the earliest such due time. So an anchor shift (a later
//     DORA update) never erases a miss, a submission made before the due
//     time is never a miss however late it is recorded (§4.5
//     recorded_late), and a history recorded in one batch (socledger
//     record) latches the same misses as one recorded live. A fact recorded
//     late that shows a due time was never owed (an update submitted
//     earlier, a reclassification, handling completed before the NIS2 final
//     report was due) removes the miss once it is recorded.
//   - Corrections: a miss found with the first k-1 corrections and gone
//     with the first k keeps its MissedAt with WithdrawnBy = correction k,
//     provided its due time had passed when correction k was recorded.
//   - NIS2: the rows are required once the incident is classified
//     significant (conditional before); the incident notification is due
//     in 24 h when the entity is a TSP (IsTSP or entity type
//     trust_service_provider) and any significant classification says a
//     trust service is affected. The progress report is conditional while
//     handling is open; the final report after a progress report is blocked
//     until HandlingCompleted and cites Art. 23(4)(e). A DeclassifiedNIS2
//     is handled like a DORA reclassification.
//   - DORA initial notification: its anchor is the classification as major
//     (awareness caps it and is cited); windowAfterClassification is DueAt
//     (after relief) minus the classification, compressed when under 4 h.
//     A major classification by rule 8(2) with no DORA awareness takes the
//     DORA aggregation's LastDetectionAt (template field 2.2 of an
//     aggregated report). The updated intermediate report is required once
//     regular activities are recovered, and met by an update submitted at
//     or after the recovery (before it, conditional, and any update counts).
//     The final report counts the updates submitted no later than the final
//     report itself. A reclassification notice is expected when any
//     initial, intermediate, update or final report was submitted.
//   - Reclassification and declassification make not required every row
//     not decided by then: neither submitted nor due by its At. Authority
//     requests are not withdrawn (the authority asked).
//   - Authority requests: one row each (Seq numbered per regime and kind in
//     order of the request time), due at the authority's due time with no
//     relief, or undated; only submissions made at or after the request
//     answer it. The NIS2 intermediate report exists only as request rows;
//     with no request one not_required row says so.
//   - GDPR: the supervisory-authority row is required from the first
//     assessment that the breach is likely to result in a risk; a later
//     assessment that it is not works like a reclassification. The data
//     subjects row (Art. 34, undated) follows the latest assessment.
//     art33_1_reasons_missing flags a first submission after the due time
//     without DelayReason. GDPR has no weekend relief.
//   - anchor_missing flags a missing awareness only (a data gap); a row
//     waiting for an earlier report or for the end of handling is blocked
//     without it. A blocked or undated row that has a submission is
//     submitted. A not_required row shows no due time.
//   - A delay notice attaches to the rows of its regime and kind (request
//     rows: notices made at or after the request); it is timely when made no
//     later than the row's due time, or when the row has none.
package compliance
