package eventstore

import "fmt"

// A Truncation records that retention removed a run of a stream's events:
// revisions From to To (inclusive; these are also the chain sequence
// numbers). Prev is the chain link of revision From (the hash of revision
// From-1; zero when From is 0) and Hash the hash of revision To, which is the
// chain link of the first event kept after the run. Together they let a
// verifier join the chain across the removed run: the events before it end
// with Prev, the events after it start from Hash.
//
// A store that removes events reports each run before the removal takes
// effect, so that a signed record of it (an "audit.truncated" event of
// package seal) is durable before the events are gone.
type Truncation struct {
	Stream   string
	From, To uint64
	Prev     Hash
	Hash     Hash
}

func (t Truncation) String() string {
	return fmt.Sprintf("%s revisions %d to %d", t.Stream, t.From, t.To)
}
