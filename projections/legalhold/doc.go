// Package legalhold is the legal hold projection: it tells the event
// store's retention which expired log events must be kept. A log event
// ("log-<tenant>.<source>") is held when its tenant is on legal hold, or
// when its event ID is referenced (a raw event of a fire, or verdict
// evidence) by an alert that is open, or that is linked to an incident that
// is open or on legal hold.
//
// The projection folds, in memory, a subscription from eventstore.Start to
// the alert-, incident- and tenant- categories (filtered by stream prefix):
// alerts (open or closed, their raw event and evidence IDs), incidents
// (open or closed, explicit hold, linked alerts) and tenants (explicit
// hold). Run applies it; Holds waits until every event up to a position is
// applied and returns the predicate the store's scavenge pass asks; Stats
// counts what it holds.
//
// Decisions where the brief was silent:
//
//   - An alert's references are those of its whole stream: every
//     occurrence's raw events and every verdict's evidence (a later verdict
//     or a reopening does not drop the earlier ones). They count in the
//     alert's tenant only: an ID held for tenant acme does not hold an event
//     of another tenant's stream with the same ID.
//   - An incident covers the alerts linked to it and the alerts it moved to
//     another incident by a merge or a split: a hold placed on a merged
//     incident still covers the alerts it had. A plain unlink ends the
//     coverage. An alert ID that was never raised is covered as an empty
//     alert, so its raw events count from the moment it is raised.
//   - A merge or split is two commands on two streams. Until the receiving
//     incident records MergeReceived / SplitFrom, the incident that moved
//     the alerts stays tracked even once it is closed (covering all it
//     covers, not only the moved alerts), so they are never unheld in
//     between. The receiving incident covers every alert
//     the mover moved to it as soon as it records the receipt (its own
//     AlertLinked events follow).
//   - Memory: only open alerts, alerts linked to a tracked incident, and
//     incidents that are open, on hold or moving alerts are kept (with the
//     IDs they reference); a tenant hold is one entry. When something
//     dropped comes back (a closed alert reopened, raised again or linked to
//     an incident; a closed incident reopened or put on hold), its stream
//     is read again from the store, up to the event that brought it back.
//   - The predicate reads the live state under a read lock: it reflects
//     every event applied so far, including those applied after Holds
//     returned. A stream name without a tenant is never held.
//   - Holds needs Run to make progress: it waits while Run has not started,
//     and fails with ErrStopped once Run has returned. upTo must be a
//     position the log holds (an event's position, a checkpoint or Start),
//     as the store's end-of-log position is.
//   - An event the codecs cannot decode (an unknown type, a bad payload or
//     metadata) stops Run with an error naming its stream and revision
//     (*eventstore.DecodeError); so does a failed read of a stream. Run may
//     be called again and resumes after the last applied position.
package legalhold
