// Package projections folds the event log into the read models that socledger
// serves: the per-tenant alert queue with its SLA clocks, incident lists and
// timelines (also as of any past instant), compliance obligations, SOC metrics
// and the audit trail. Each projection runs from a stored checkpoint over a
// category-filtered subscription of the event store, can be rebuilt from the
// start of the log, and publishes its changes to a bounded hub that drops a
// slow subscriber rather than stall the others. It imports only eventstore and
// domain. Not built yet: the runners, the read models and the change hub.
package projections
