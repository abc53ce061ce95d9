package esdb_test

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/esdb"
	"github.com/socledger/socledger/eventstore/esdb/esdbtest"
	"github.com/socledger/socledger/eventstore/eventstoretest"
)

// testMaxEventSize keeps the suite's oversized-event case small.
const testMaxEventSize = 64 << 10

// open opens a store or fails the test.
func open(t testing.TB, cfg esdb.Config) *esdb.Store {
	t.Helper()
	s, err := esdb.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformance runs the contract suite against the adapter and an
// in-process server per store (a new, empty "cluster" for every case; a
// reopened store connects to the same one again).
func TestConformance(t *testing.T) {
	t.Parallel()
	var servers sync.Map // eventstore.Store → *esdbtest.Server
	config := func(srv *esdbtest.Server) esdb.Config {
		return esdb.Config{URL: srv.URL(), MaxEventSize: testMaxEventSize, CloseTimeout: 2 * time.Second}
	}
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t *testing.T) eventstore.Store {
			srv := esdbtest.Start(t, esdbtest.Options{})
			s := open(t, config(srv))
			servers.Store(s, srv)
			return s
		},
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			srv, _ := servers.Load(s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			r := open(t, config(srv.(*esdbtest.Server)))
			servers.Store(r, srv)
			return r
		},
		MaxEventSize: testMaxEventSize,
	})
}

// TestConformanceRealServer runs the contract suite against the KurrentDB /
// EventStoreDB node at SOCLEDGER_ESDB_URL. Each store gets a namespace of
// its own, so the cases see empty stores on a shared server.
func TestConformanceRealServer(t *testing.T) {
	t.Parallel()
	url := os.Getenv("SOCLEDGER_ESDB_URL")
	if url == "" {
		t.Skip("SOCLEDGER_ESDB_URL is not set; set it to run the contract suite against a real node, e.g. " +
			"SOCLEDGER_ESDB_URL='esdb://localhost:2113?tls=false' after `docker run -p 2113:2113 docker.kurrent.io/kurrent-latest/kurrentdb --insecure`")
	}
	var namespaces sync.Map // eventstore.Store → namespace
	config := func(ns string) esdb.Config {
		return esdb.Config{URL: url, Namespace: ns, MaxEventSize: testMaxEventSize, MaxScan: -1}
	}
	eventstoretest.Run(t, eventstoretest.Harness{
		New: func(t *testing.T) eventstore.Store {
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			ns := "sltest" + hex.EncodeToString(b) + "/"
			s := open(t, config(ns))
			namespaces.Store(s, ns)
			return s
		},
		Reopen: func(t *testing.T, s eventstore.Store) eventstore.Store {
			ns, _ := namespaces.Load(s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			r := open(t, config(ns.(string)))
			namespaces.Store(r, ns)
			return r
		},
		MaxEventSize: testMaxEventSize,
	})
}
