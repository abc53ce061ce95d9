// Package alert is the alert aggregate: what a detection rule's fire
// becomes in the SOC's queue, and its triage (acknowledgement, assignment,
// comments, verdict, suppression, escalation into an incident, closure,
// reopening). Its stream is "alert-<tenant>.<FingerprintID(fingerprint)>",
// so every fire of one fingerprint in a tenant lands on one stream: two
// racing detections cannot open two alerts, and the decider that handles a
// refire sees the alert's whole history.
//
// Commands: Raise, Acknowledge, Assign, Unassign, Comment, SetVerdict,
// Suppress, Unsuppress, Escalate, Close and Reopen. Events: "alert.raised"
// (Raised), "alert.recurred" (Recurred), "alert.acknowledged",
// "alert.assigned", "alert.unassigned", "alert.commented",
// "alert.verdict_set" (VerdictSet), "alert.suppressed",
// "alert.unsuppressed", "alert.escalated", "alert.closed" and
// "alert.reopened". Decisions:
//
//   - Raise names the alert by its fingerprint; every other command by its
//     AlertID (the FingerprintID, 32 lower-case hex digits). Meta.At of a
//     Raise is when the rule fired. Fields are validated before the state is
//     looked at; every command but Raise on an alert never raised fails with
//     domain.ErrNotFound.
//   - A fire of the fingerprint of an open alert (new, acknowledged or
//     escalated; suppressed or not) records Recurred with the new Count, the
//     later of LastSeen and the fire's time, and the fire's raw events; it
//     changes nothing else (a suppression stays). The dedup window matters
//     only once the alert is closed. A fire of a closed alert, under the
//     tenant's ReopenPolicy (carried by Raise with its DedupWindow):
//     PolicyReopen and at most DedupWindow after the closure (or before it:
//     a late log) records Reopened (trigger "refire") then Recurred;
//     otherwise, and always under PolicyNew, Raised again with Occurrence+1,
//     which starts the state afresh (count, triage, assignee, comments).
//     PolicyReopen needs a positive window.
//   - Raw event references are {stream, eventId}: a stream of the command's
//     tenant (a pushed SIEM alert is appended to a log stream first) and a
//     UUID event ID, at most MaxRawEvents per fire (detection caps them);
//     none is allowed. Techniques are ATT&CK IDs (T1059, T1059.001; case is
//     ignored), stored upper-case, sorted, without repeats. Observables are
//     {type, value} with a lower-case type word; repeats are dropped. Source,
//     rule ID and title are trimmed single-line text. Recurrences add raw
//     events only: rule, severity and observables stay those of the
//     occurrence's raise.
//   - Retries are recognised by the executor through the command ID (event
//     IDs derive from it): detection should derive a Raise's command ID from
//     the tenant, fingerprint and raw events, so re-ingesting a log records
//     nothing twice.
//   - Triage on a closed alert (Acknowledge, Assign, Unassign, SetVerdict,
//     Suppress, Unsuppress, Escalate) fails with an error matching ErrClosed
//     and domain.ErrInvalidTransition (a *domain.InvalidTransitionError from
//     "closed"). Comments are allowed on closed alerts.
//   - Idempotent no-ops (nil, nil): acknowledging twice, assigning the
//     assignee, unassigning an unassigned alert, suppressing with the same
//     until and reason, unsuppressing an alert not suppressed at Meta.At,
//     escalating into the incident already escalated into, closing a closed
//     alert (with no verdict or the same one; another verdict is ErrClosed).
//     Escalating into another incident is an *AlreadyEscalatedError
//     (domain.ErrConflict).
//   - A verdict replaces the previous verdict, reason and evidence (event
//     IDs, UUIDs); VerdictSet names the one it replaces. false_positive needs
//     a reason (*domain.FieldError on "reason"); changing a set verdict to
//     another needs a reason (domain.ErrConflict). Naming the current verdict
//     without reason and evidence, or repeating verdict, reason and evidence,
//     records nothing.
//   - Close needs a resolution and a verdict: the one already set, or one
//     given in the command (recorded as VerdictSet before Closed, under the
//     rules above); with neither it fails with a *domain.FieldError on
//     "verdict". Closed repeats the verdict it was closed under.
//   - Suppress needs an until after Meta.At and a reason; suppression hides
//     the alert from the queue (State.SuppressedAt) without changing its
//     status, and a refire does not end it.
//   - Reopen needs a reason and a closed alert (otherwise a
//     *domain.InvalidTransitionError from the current status). Reopening,
//     by an analyst or a refire, puts the alert back to "new" for fresh
//     triage: acknowledgement, verdict, suppression and escalation are
//     cleared (the events keep them); assignee, count and comments stay.
//   - Status: closed; else escalated when escalated into an incident; else
//     acknowledged; else new. The tenant is not stored in events or State:
//     it is in the stream name and the events' metadata.
package alert
