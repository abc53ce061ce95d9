// Package domain holds socledger's business rules as pure deciders, and the
// generic types every aggregate shares: Decider (Decide a command against the
// current state into events, Evolve the state by one event), the command
// metadata Meta that carries actor, tenant and business time, the stored
// event metadata EventMeta, the Codec that maps stable event type names to Go
// types and upcasts older schema versions, and the typed errors deciders
// return.
//
// The aggregates live in sub-packages: alert, incident, tenant and access.
// This package and its sub-packages import only the standard library and each
// other: they do no I/O, read no clock and never log. The caller passes time
// and actor in every command; eventstore.Execute runs a command against a
// store (read, fold, decide, append, retry on conflict).
package domain
