// Package domain holds socledger's business rules: the alert, incident, tenant
// and access aggregates written as pure deciders (Decide a command against the
// current state into events, Evolve the state by one event), their stable event
// type names and codecs, and the NIS2 / DORA / GDPR compliance clock rules. The
// package and its sub-packages import only the standard library and each other:
// they do no I/O, read no clock and never log; the caller passes time and actor
// in every command. Nothing is built here yet: the generic Decider type, the
// aggregates, their events and the compliance rules are still to come.
package domain
