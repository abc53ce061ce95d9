// Package eventstoretest is the contract suite every eventstore.Store backend
// must pass: the behaviour documented on eventstore.Store and
// eventstore.Subscription, checked the way callers rely on it, with errors
// tested by errors.Is and errors.As.
//
// A backend runs it from one test of its own package:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		eventstoretest.Run(t, eventstoretest.Harness{
//			New: func(t *testing.T) eventstore.Store {
//				s, err := embedded.Open(t.TempDir(), embedded.Options{})
//				if err != nil {
//					t.Fatal(err)
//				}
//				return s
//			},
//			MaxEventSize: 4 << 20,
//		})
//	}
//
// Every case gets its own empty store from Harness.New, runs in parallel with
// the others, and works under deadlines, so that a backend that hangs fails
// the test instead of hanging the test binary. Import this package from
// _test.go files only.
//
// The cases cover: the round trip of appended events and the fields the store
// assigns (revisions, positions, Created, the hash chain of
// eventstore.ChainHash); ReadStream paging; every expected revision against
// new and existing streams; optimistic concurrency with many writers on one
// stream; atomic, globally ordered appends to many streams; ReadAll paging and
// filters with resumable checkpoints; catch-up and live subscriptions from
// Start, from the middle and from the end while others append, CaughtUp sent
// once, filtered subscriptions reporting checkpoints past skipped events;
// cancellation of Subscribe and Recv contexts; Subscription.Close and
// Store.Close; calls with a done context; idempotent retries (also across a
// reopen) and partial duplicates; malformed appends; position strings; and,
// when the backend can reopen, that everything acknowledged survives Close.
//
// Where the eventstore documentation is implicit, the suite holds backends
// to what a caller needs:
//   - the store copies the bytes it is given and hands out copies, so a
//     caller reusing a buffer cannot rewrite history;
//   - a ReadAll Checkpoint is never before from, and a page that is not
//     AtEnd moves the Checkpoint forward (otherwise a reader loops);
//   - a subscription's message positions never go back, and an event is
//     always after every earlier message's position (checkpoints included);
//   - CaughtUp is sent even when there is nothing to catch up on (an empty
//     store, or from the last position), without waiting for a new event;
//   - a live filtered subscription sends a Checkpoint message past a run of
//     skipped events within seconds, even if no matching event follows;
//   - a second Store.Close returns nil; a second Subscription.Close returns
//     nil or an error matching eventstore.ErrClosed.
package eventstoretest
