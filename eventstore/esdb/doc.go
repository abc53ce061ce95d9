// Package esdb implements eventstore.Store on a KurrentDB / EventStoreDB
// cluster through EventStore-Client-Go v4 (github.com/EventStore/
// EventStore-Client-Go/v4/esdb), for socledger deployments that outgrow one
// machine. Open connects; the Store passes the eventstoretest contract suite,
// against the in-process server of package esdbtest in `go test` and against
// a real server when SOCLEDGER_ESDB_URL is set.
//
// # Mapping
//
// Streams, event IDs, types and data map one to one (data is sent as JSON
// content when it is valid JSON). Positions map both ways: the server's
// commit position is Position.Commit and its prepare position
// Position.Prepare, and Start is the client's Start. A Namespace in the
// Config is prepended to stream names on the server and hides every stream
// outside it.
//
// Every event's custom metadata on the server is a JSON envelope,
//
//	{"socledger":{"v":1,"prev":"<hex>","hash":"<hex>"},"meta":<caller's metadata>}
//
// holding its hash-chain links (eventstore.ChainHash) and the caller's
// metadata byte for byte ("meta64" in base64 when it is not JSON; no key
// when there is none), so RecordedEvent.Metadata, Prev and Hash read back
// exactly. An event written by another program has no envelope: its
// metadata reads back as stored, with zero chain links.
//
// # Appends and the hash chain
//
// The server assigns revisions, so the adapter computes the chain where it
// can be sure of the revision: it learns the stream's head (revision and
// hash) from a backwards read, or from a cache of the latest events of
// recently used streams, computes Prev and Hash for the new events, and
// appends with the head's exact revision whatever the caller's expected
// revision. If another writer got there first the server refuses; the
// adapter reads the head again and retries (Any, StreamExists), or reports
// a *eventstore.WrongExpectedVersionError whose Actual it read after the
// refusal. Concurrent writers, in one process or several, cannot fork a
// chain. The cache is only a guess: the server checks every exact revision,
// and a wrong guess costs one refused append and one read.
//
// Idempotence is emulated, because the server's own only covers some cases:
// before checking the expected revision, the event IDs are compared with the
// stream's latest Config.RetryWindow events (default 32) and, for an exact
// expected revision or NoStream, with the events right after it, however old.
// All found: the append is a retry and returns the result of the highest
// one; some found: *eventstore.PartialDuplicateError. A retry whose events
// are neither among the latest RetryWindow nor right after its exact
// expected revision is not recognised and appends again.
//
// ReadAll filters in the adapter, because the client's ReadAll has no
// server-side filter; Subscribe sends the stream prefixes (or the event-type
// prefixes) to the server, which skips the rest and sends checkpoints, and
// filters the remainder itself. System events (stream or type starting with
// '$') are never shown.
//
// # The client's traps, handled here
//
//   - esdb.FromError returns ok == false for every non-nil error: errors are
//     classified with errors.As to *esdb.Error and Code().
//   - A wrong expected version carries the current revision only in its
//     message: the adapter reads the stream's head instead.
//   - A missing stream is not an error of ReadStream but of the first Recv.
//   - A read of $all from a position starts with the event at that position,
//     a subscription after it: ReadAll skips what is not after from.
//   - When discovering a node fails (also the first connection), the client
//     closes itself for good; a call that then meets an Unavailable error
//     blocks forever reporting it. The Store builds a new client, never
//     closes a dead one (that would make the blocked call panic), and runs
//     each client call in a goroutine it can walk away from when ctx ends or
//     the client is found dead. Discovery also ignores ctx.
//   - Credentials are sent only over TLS: Open refuses credentials with
//     tls=false instead of connecting unauthenticated.
//   - The client logs to the standard logger by default: Config.Logger
//     replaces it, and nothing is logged without one.
//   - A subscription dropped by the server is not retried by the client: the
//     Store resumes it from its last position, so a consumer sees neither a
//     gap nor a repeat across a node restart.
//   - An idempotent success of the server carries no position, and the
//     position the server returns for an append is checked once against the
//     last event read back before it is trusted.
package esdb
