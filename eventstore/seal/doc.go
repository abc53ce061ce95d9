// Package seal makes tampering with a socledger event store detectable beyond
// the per-stream hash chains: a Sealer periodically signs, with an Ed25519
// key, the heads (revision and chain hash) of every stream that changed since
// its previous seal, and Verify re-checks every chain and every seal against a
// public key given from outside the data directory.
//
// A stream's hash chain (eventstore.ChainHash) shows that no event of it was
// changed, removed or reordered unless the whole chain after it was
// recomputed; a seal pins the chain heads so that a recomputed chain no
// longer matches. Seals are events of type "audit.sealed" in the stream
// "audit-<tenant>" of the tenant whose streams they cover. Streams that
// belong to no tenant (access tokens, "access-<id>") and the heads of every
// audit-<tenant> stream sealed in a round are sealed in "audit-system", one
// seal per round, so the removal of a tenant's latest seal is caught too.
// Each seal names the previous seal of its audit stream (its hash), the range
// of global positions it covers and the key that signed it.
//
// One sealer writes at a time: seals are appended with an exact expected
// revision, so a second sealer on the same store loses the race and stops
// with ErrConcurrentSealer instead of forking the seal chain.
//
// Retention removes expired events of log streams, keeping every remaining
// event's revision, position and chain fields, so a chain then has runs of
// missing revisions. Before the store removes a run, Sealer.RecordTruncations
// appends a truncation marker: an "audit.truncated" event in the audit
// stream of the streams it names, listing runs (stream, first and last
// revision, the chain link before the run and the hash of its last event),
// signed with the sealing key over its own version tag
// ("socledger-truncated-v1") and the audit stream. Markers are not part of
// the seal chain; the audit stream's hash chain and the next system seal pin
// them. Verify accepts a run of missing revisions only when markers signed
// by the trusted key cover it and join the chain across it: a marker run
// ends where the missing run ends with the kept event's prev link as its
// hash, one starts where it starts with the hash of the event before it as
// its prev link, and runs that meet agree on the hash where they meet. A
// seal that names a head removed since must find it inside a marker run.
// Markers are appended long after the events they cover, so Verify checks
// missing runs once it has read the whole log. A marker of events still
// present (the process died between the marker and the removal) changes
// nothing: their chain is checked as usual.
//
// Events appended after the last seal are chained but not yet sealed: Verify
// reports how many there are. Someone able to rewrite the log could rewrite
// that tail and its chain undetected, which is why a SOC seals often (serve
// seals every minute by default).
package seal
