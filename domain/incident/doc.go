// Package incident is the incident aggregate: a case opened by hand or from
// escalated alerts and worked through the NIST SP 800-61 phases, with its
// alerts, assignee, severity, escalations, notes, observables and tasks
// (case.go), and the regulatory facts the NIS2 / DORA / GDPR reporting
// clocks run on (regulatory.go, compliance-spec.md §5). Its stream is
// "incident-<tenant>.<id>".
//
// # Case management
//
// Status moves (ChangeStatus) follow this table; * marks a move that needs a
// reason (a backward move, or closing before recovery):
//
//	new           → triage, investigating, closed*
//	triage        → investigating, closed*
//	investigating → contained, closed*
//	contained     → eradicated, recovered, investigating*
//	eradicated    → recovered, closed*, investigating*
//	recovered     → closed, investigating*
//	closed        → (Reopen only)
//
// Any other move is a *domain.InvalidTransitionError; moving to the current
// status is a no-op (closing a closed incident too). Reopen needs a reason
// and sends a closed incident back to triage, investigating (the default),
// contained, eradicated or recovered; on an open incident it is an
// InvalidTransitionError.
//
// A closed incident refuses every case command but Reopen with an error
// matching ErrClosed; notes too are accepted again only after a reopen.
// Regulatory facts are not case commands: they are recorded on closed
// incidents as well (regulatory.go). Open and OpenSplit on an existing
// incident return domain.ErrAlreadyExists, any other command on one never
// opened domain.ErrNotFound. Field errors come before state errors.
//
// Decisions where the brief was silent:
//
//   - Alerts are named by their alert ID (the id part of their stream
//     "alert-<tenant>.<id>"); the tenant is the incident's, so an incident
//     never links another tenant's alert. Links change only through
//     AlertLinked / AlertUnlinked (Open, a merge and a split record one per
//     alert), so an alert-to-incident index needs just those two events.
//     Unlinking an alert that is not linked matches domain.ErrNotFound.
//   - Open's source is manual or alerts (empty: alerts when it names alerts,
//     else manual); alerts needs at least one alert. Repeated alert IDs are
//     dropped. Open without a profile records no snapshot; ReSnapshotProfile
//     (reason required) records the first or a new one, and is a no-op when
//     the profile equals the latest snapshot. Snapshots are normalized
//     (tenant.Profile.Normalize) and validated; Case.Profile is the latest,
//     Case.Snapshots all of them.
//   - Merge is a pair of commands, each on its own stream: MergeInto on the
//     source records MergedInto (closing it, from any open status) and
//     unlinks its alerts (MovedTo the target); ReceiveMerge on the target
//     records MergeReceived and links the alerts it lacks (MovedFrom the
//     source). A merged incident is terminal: every command errs with
//     ErrClosed (and ErrMerged); Reopen errs with ErrMerged (and an invalid
//     transition). A wrong merge is undone by splitting the alerts off the
//     target.
//   - Split is the mirror pair: Split on the parent records SplitOff and
//     unlinks the alerts (they must be linked); OpenSplit opens the child
//     with source split, SplitFrom, a link per alert and the profile
//     snapshot. The caller picks the child's ID and runs both commands.
//   - Assign with the current assignee, Unassign with none, Escalate to the
//     current tier and team, and ChangeSeverity to the current severity are
//     no-ops. Escalation never lowers the tier (domain.ErrConflict); a new
//     team at the same tier is an escalation. Tier 0 means never escalated.
//   - Notes and tasks carry IDs chosen by the caller: the same ID with the
//     same text (title) is a no-op, with another domain.ErrConflict (notes
//     are never edited). Completing an unknown task matches
//     domain.ErrNotFound, a completed one is a no-op.
//   - Observables are identified by type and normalized value (IPs and
//     prefixes canonical; domains, host names, hashes and e-mail domains in
//     lower case; hashes checked for length). Adding one again with the same
//     TLP and IOC flag is a no-op; with another TLP or flag it records
//     ObservableAdded with Replaces set, which replaces the entry. An empty
//     TLP is TLP:AMBER.
//   - Titles are one line of at most 256 bytes; descriptions, notes and
//     reasons at most 64 KiB; observable values 4 KiB. Event times are the
//     command's time in UTC.
//   - Legal hold (legalhold.go): PlaceLegalHold and ReleaseLegalHold record
//     "incident.legal_hold_placed" and "incident.legal_hold_released"
//     (State.LegalHold). They are accepted in any status, closed and merged
//     included (a hold matters most once the case is closed), never on an
//     incident not opened (domain.ErrNotFound). The reason is required and
//     the reference optional, each one trimmed line (MaxHoldReasonLen,
//     MaxHoldReferenceLen bytes). Placing while on hold and releasing while
//     not on hold are no-ops whatever the reason: to change a hold's reason,
//     release it and place it again.
//   - Case's slices are shared between versions of the state: appends go in
//     place into a shared backing array (claimed with a compare-and-swap,
//     so an older or sibling version never sees them), updates (a task
//     completed, an alert unlinked, an observable replaced) copy the list.
package incident
