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
// Events appended after the last seal are chained but not yet sealed: Verify
// reports how many there are. Someone able to rewrite the log could rewrite
// that tail and its chain undetected, which is why a SOC seals often (serve
// seals every minute by default).
package seal
