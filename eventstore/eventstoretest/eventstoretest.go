package eventstoretest

import (
	"testing"

	"github.com/socledger/socledger/eventstore"
)

// Harness tells Run how to make stores of the backend under test.
type Harness struct {
	// New returns a new, empty store. The suite closes it (Close must be
	// idempotent); New may register more cleanup with t.Cleanup.
	New func(t *testing.T) eventstore.Store
	// Reopen closes s and opens the same store again (same data). Nil if the
	// backend cannot reopen; tests that need it are skipped.
	Reopen func(t *testing.T, s eventstore.Store) eventstore.Store
	// MaxEventSize is the backend's limit on type+data+metadata of one event
	// (0: skip the oversized test). An event of exactly MaxEventSize bytes
	// must be accepted in an append of its own; one byte more must fail with
	// a *eventstore.TooLargeError.
	MaxEventSize int
}

// Run runs the contract suite against the backend h describes, as parallel
// subtests of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("eventstoretest: Harness.New is nil")
	}
	s := &suite{h: h}
	tests := []struct {
		name string
		fn   func(*testing.T, *suite)
	}{
		{"RoundTrip", testRoundTrip},
		{"StoreKeepsItsOwnCopy", testOwnCopy},
		{"ReadStream", testReadStream},
		{"ExpectedRevision", testExpectedRevision},
		{"ConcurrentAppendsOneStream", testConcurrentOneStream},
		{"ConcurrentAppendsManyStreams", testConcurrentManyStreams},
		{"ReadAllPaging", testReadAllPaging},
		{"Filters", testFilters},
		{"Subscribe", testSubscribe},
		{"FilteredSubscription", testFilteredSubscription},
		{"SubscriptionCancel", testSubscriptionCancel},
		{"Close", testClose},
		{"CancelledContext", testCancelledContext},
		{"IdempotentRetry", testIdempotentRetry},
		{"BadInput", testBadInput},
		{"PositionString", testPositionString},
		{"Reopen", testReopen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, s)
		})
	}
}

// suite carries the harness to the test functions.
type suite struct {
	h Harness
}

// newStore returns a new, empty store that is closed when t ends.
func (s *suite) newStore(t *testing.T) eventstore.Store {
	t.Helper()
	st := s.h.New(t)
	if st == nil {
		t.Fatal("Harness.New returned a nil store")
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("closing the store at the end of the test: %v (Close must be idempotent and succeed)", err)
		}
	})
	return st
}

// reopen closes st and opens the same store again, closed when t ends. It
// skips t if the backend cannot reopen.
func (s *suite) reopen(t *testing.T, st eventstore.Store) eventstore.Store {
	t.Helper()
	if s.h.Reopen == nil {
		t.Skip("the backend cannot reopen a store (Harness.Reopen is nil)")
	}
	re := s.h.Reopen(t, st)
	if re == nil {
		t.Fatal("Harness.Reopen returned a nil store")
	}
	t.Cleanup(func() {
		if err := re.Close(); err != nil {
			t.Errorf("closing the reopened store at the end of the test: %v", err)
		}
	})
	return re
}
