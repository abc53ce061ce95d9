package embedded_test

import (
	"sync"
	"testing"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/eventstoretest"
)

// TestConformance runs the contract suite against the embedded store, with
// small segments so that the suite's appends cross segment seals.
func TestConformance(t *testing.T) {
	t.Parallel()
	runConformance(t, embedded.Options{SegmentSize: 256 << 10, MaxEventSize: 32 << 10})
}

// TestConformanceManySeals runs the contract suite with a seal every few
// records, so that every test reads and appends across many sealed segments
// and their index files, and stream heads come from the head cache (kept
// tiny) or, through the appenders, from the index files, whose Bloom
// filters mostly do not fit in memory.
func TestConformanceManySeals(t *testing.T) {
	t.Parallel()
	opts := embedded.Options{SegmentSize: 64 << 10, MaxEventSize: 8 << 10, HeadCache: 2, BloomCache: 64}
	runConformance(t, embedded.WithSealEvery(opts, 3))
}

// TestConformanceHashCollisions runs the contract suite with every stream
// name hashing to the same value, so that every index file lookup meets
// other streams' slots and must tell them apart by the records' names.
func TestConformanceHashCollisions(t *testing.T) {
	t.Parallel()
	opts := embedded.Options{SegmentSize: 64 << 10, MaxEventSize: 8 << 10, HeadCache: 2}
	opts = embedded.WithStreamHash(embedded.WithSealEvery(opts, 5), func(string) uint64 { return 42 })
	runConformance(t, opts)
}

func runConformance(t *testing.T, opts embedded.Options) {
	var dirs sync.Map // eventstore.Store → its directory
	open := func(t *testing.T, dir string) eventstore.Store {
		s, err := embedded.Open(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	probe := open(t, t.TempDir())
	maxEvent := probe.(*embedded.Store).MaxEventSize()
	probe.Close()
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t *testing.T) eventstore.Store {
			dir := t.TempDir()
			s := open(t, dir)
			dirs.Store(s, dir)
			return s
		},
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			dir, _ := dirs.Load(s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			r := open(t, dir.(string))
			dirs.Store(r, dir)
			return r
		},
		MaxEventSize: maxEvent,
	})
}
