package esdb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/esdb"
	"github.com/socledger/socledger/eventstore/esdb/esdbtest"
)

// testContext is t.Context() bounded by d.
func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// ev returns an event with a random ID.
func ev(typ string, n int) eventstore.EventData {
	return eventstore.EventData{
		EventID:  eventstore.NewEventID(),
		Type:     typ,
		Data:     fmt.Appendf(nil, `{"n":%d}`, n),
		Metadata: fmt.Appendf(nil, `{"tenant":"acme","n":%d}`, n),
	}
}

func mustAppend(t *testing.T, ctx context.Context, s eventstore.Store, stream string, expected eventstore.ExpectedRevision, evs ...eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctx, stream, expected, evs...)
	if err != nil {
		t.Fatalf("Append(%q, %s): %v", stream, expected, err)
	}
	return res
}

// rawClient is a client of the library itself, to look at (or write to) the
// server behind the adapter's back.
func rawClient(t *testing.T, url string) *es.Client {
	t.Helper()
	conf, err := es.ParseConnectionString(url)
	if err != nil {
		t.Fatal(err)
	}
	conf.Logger = es.NoopLogging()
	c, err := es.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// rawAll reads the whole of $all with the raw client.
func rawAll(t *testing.T, ctx context.Context, c *es.Client) []*es.RecordedEvent {
	t.Helper()
	rs, err := c.ReadAll(ctx, es.ReadAllOptions{From: es.Start{}}, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []*es.RecordedEvent
	for {
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e.OriginalEvent())
	}
}

func TestPositionsMapBothWays(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	s := open(t, esdb.Config{URL: srv.URL()})
	defer s.Close()
	res := mustAppend(t, ctx, s, "log-acme.fw01", eventstore.NoStream, ev("log.received", 1), ev("log.received", 2), ev("log.received", 3))

	raw := rawAll(t, ctx, rawClient(t, srv.URL()))
	page, err := s.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 3 || len(page.Events) != 3 {
		t.Fatalf("raw read %d events, adapter %d; want 3", len(raw), len(page.Events))
	}
	for i, r := range raw {
		got := page.Events[i].Position
		if got.Commit != r.Position.Commit || got.Prepare != r.Position.Prepare {
			t.Fatalf("event %d at server position commit %d / prepare %d reads back at %v", i, r.Position.Commit, r.Position.Prepare, got)
		}
		if r.Position.Commit == r.Position.Prepare {
			t.Fatalf("the test server gave commit == prepare: the test cannot tell them apart")
		}
	}
	if res.Position != page.Events[2].Position {
		t.Fatalf("Append returned %v, the last event is at %v", res.Position, page.Events[2].Position)
	}
	// And back: reading and subscribing from a position continue after it.
	rest, err := s.ReadAll(ctx, page.Events[0].Position, 0, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rest.Events) != 2 || rest.Events[0].EventID != page.Events[1].EventID {
		t.Fatalf("ReadAll from the first event's position returned %d events", len(rest.Events))
	}
	sub, err := s.Subscribe(ctx, page.Events[1].Position, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	m, err := sub.Recv(ctx)
	if err != nil || m.Kind != eventstore.EventAppeared || m.Event.EventID != page.Events[2].EventID {
		t.Fatalf("Subscribe from the second event's position: first message %+v, %v; want the third event", m, err)
	}
}

func TestCredentialsNeedTLS(t *testing.T) {
	t.Parallel()
	for _, cfg := range []esdb.Config{
		{URL: "esdb://admin:changeit@127.0.0.1:1?tls=false"},
		{URL: "esdb://127.0.0.1:1?tls=false", Username: "admin", Password: "changeit"},
		{URL: "esdb://admin:changeit@127.0.0.1:1", TLS: esdb.TLS{Disable: true}},
	} {
		_, err := esdb.Open(t.Context(), cfg)
		if err == nil || !strings.Contains(err.Error(), "credentials") {
			t.Errorf("Open(%+v) = %v; want an error about credentials without TLS", cfg, err)
		}
		if err != nil && strings.Contains(err.Error(), "changeit") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	// With TLS the same credentials are accepted (lazily: nothing listens).
	s, err := esdb.Open(t.Context(), esdb.Config{URL: "esdb://admin:changeit@127.0.0.1:1", ConnectTimeout: -1})
	if err != nil {
		t.Fatalf("Open with credentials over TLS: %v", err)
	}
	_ = s.Close()
}

// TestClusterDownAtStart: Open fails clearly while nothing listens; a store
// opened lazily fails its calls (the client's first connection fails, which
// kills the client) and works once the server is up, because the adapter
// replaces the dead client.
func TestClusterDownAtStart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	addr := esdbtest.FreeAddr(t)
	srv := esdbtest.New(esdbtest.Options{Addr: addr})

	_, err := esdb.Open(ctx, esdb.Config{URL: esdbtest.URL(addr)})
	if !errors.Is(err, esdb.ErrUnavailable) {
		t.Fatalf("Open with the cluster down: %v; want an error matching esdb.ErrUnavailable", err)
	}

	s := open(t, esdb.Config{URL: esdbtest.URL(addr), ConnectTimeout: -1})
	defer s.Close()
	e := ev("alert.raised", 1)
	for range 2 {
		_, err = s.Append(ctx, "alert-acme.1", eventstore.NoStream, e)
		if !errors.Is(err, esdb.ErrUnavailable) {
			t.Fatalf("Append with the cluster down: %v; want an error matching esdb.ErrUnavailable", err)
		}
	}
	if err := s.Ping(ctx); !errors.Is(err, esdb.ErrUnavailable) {
		t.Fatalf("Ping with the cluster down: %v", err)
	}

	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping once the cluster is up: %v", err)
	}
	res := mustAppend(t, ctx, s, "alert-acme.1", eventstore.NoStream, e)
	if res.Revision != 0 {
		t.Fatalf("append after recovery: revision %d", res.Revision)
	}
}

// TestSlowServer: a call whose context ends while the server dawdles returns
// the context's error promptly and writes nothing.
func TestSlowServer(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	s := open(t, esdb.Config{URL: srv.URL()})
	defer s.Close()
	srv.SetDelay(2 * time.Second)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Append(short, "incident-acme.1", eventstore.NoStream, ev("incident.opened", 1))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Append against a slow server: %v; want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Append returned after %v; the deadline was 100ms", d)
	}
	srv.SetDelay(0)
	time.Sleep(2 * time.Second) // let the delayed call reach the server
	if _, err := s.ReadStream(ctx, "incident-acme.1", 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("after an append that timed out: ReadStream = %v; want nothing written", err)
	}
}

// TestSubscriptionSurvivesRestart: a subscription the server drops resumes
// from its last position, with no event lost or repeated.
func TestSubscriptionSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	s := open(t, esdb.Config{URL: srv.URL()})
	defer s.Close()
	var want []eventstore.EventID
	add := func(n int) {
		t.Helper()
		for i := range n {
			e := ev("alert.recurred", i)
			for {
				_, err := s.Append(ctx, "alert-acme.9", eventstore.Any, e) // a retry keeps e's ID
				if err == nil {
					break
				}
				if !errors.Is(err, esdb.ErrUnavailable) {
					t.Fatalf("Append: %v", err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			want = append(want, e.EventID)
		}
	}
	add(10)
	sub, err := s.Subscribe(ctx, eventstore.Start, eventstore.Filter{StreamPrefixes: []string{"alert-"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []eventstore.EventID
	last := eventstore.Start
	recvEvents := func(n int) {
		t.Helper()
		for len(got) < n {
			m, err := sub.Recv(ctx)
			if err != nil {
				t.Fatalf("Recv after %d events: %v", len(got), err)
			}
			if !last.Less(m.Position) && m.Kind == eventstore.EventAppeared {
				t.Fatalf("event at %v after a message at %v", m.Position, last)
			}
			last = m.Position
			if m.Kind == eventstore.EventAppeared {
				got = append(got, m.Event.EventID)
			}
		}
	}
	recvEvents(10)
	srv.Stop()
	time.Sleep(300 * time.Millisecond)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	add(5)
	recvEvents(15)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d: got %s, want %s", i, got[i], want[i])
		}
	}
	quiet, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	for {
		m, err := sub.Recv(quiet)
		if err != nil {
			break
		}
		if m.Kind == eventstore.EventAppeared {
			t.Fatalf("extra event %s/%d after the restart", m.Event.StreamID, m.Event.Revision)
		}
	}
}

// TestStaleCacheAndServerIdempotence: two stores (two socledger processes)
// on one stream. The second one's cached head is stale; the server refuses
// its exact revision, and the adapter reads the head again, so the actual
// revision it reports is the real one; a retry of the first process's
// append through the stale store is answered by the server's idempotence
// (no position), and the adapter reads the position back.
func TestStaleCacheAndServerIdempotence(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	a := open(t, esdb.Config{URL: srv.URL()})
	defer a.Close()
	b := open(t, esdb.Config{URL: srv.URL()})
	defer b.Close()
	c := open(t, esdb.Config{URL: srv.URL()})
	defer c.Close()
	const stream = "incident-acme.01JX"
	mustAppend(t, ctx, a, stream, eventstore.NoStream, ev("incident.opened", 0))
	e1 := ev("incident.note_added", 1)
	res1 := mustAppend(t, ctx, b, stream, eventstore.Exact(0), e1) // b caches head 1
	if got := mustAppend(t, ctx, c, stream, eventstore.Exact(0), e1); got != res1 {
		t.Fatalf("retry through c = %+v, want %+v", got, res1) // c caches head 1 too
	}
	e2 := ev("incident.note_added", 2)
	res2 := mustAppend(t, ctx, a, stream, eventstore.Exact(1), e2) // head 2 now

	// b's cache says head 1: the server refuses, b reads the head again.
	_, err := b.Append(ctx, stream, eventstore.Exact(1), ev("incident.note_added", 3))
	wev, ok := errors.AsType[*eventstore.WrongExpectedVersionError](err)
	if !ok || wev.Actual != eventstore.Exact(2) {
		t.Fatalf("stale append: %v; want a wrong expected version with actual revision 2", err)
	}

	// a's append retried through c, whose cache still says head 1 and does
	// not hold e2: c appends after revision 1, and the server recognises
	// the retry (a success without a position).
	appendsBefore, _ := srv.Calls()
	got, err := c.Append(ctx, stream, eventstore.Exact(1), e2)
	if err != nil || got != res2 {
		t.Fatalf("retry through another store = %+v, %v; want the original %+v", got, err, res2)
	}
	if appendsAfter, _ := srv.Calls(); appendsAfter != appendsBefore+1 {
		t.Fatalf("the retry made %d append calls, want 1 (answered by the server's idempotence)", appendsAfter-appendsBefore)
	}
	evs, err := a.ReadStream(ctx, stream, 0, 0)
	if err != nil || len(evs) != 3 {
		t.Fatalf("stream has %d events (%v), want 3", len(evs), err)
	}
	for i, e := range evs {
		if e.Hash != eventstore.ChainHash(stream, e.Revision, e.Type, e.Data, e.Metadata, e.Prev) || (i > 0 && e.Prev != evs[i-1].Hash) {
			t.Fatalf("the chain is broken at revision %d", i)
		}
	}
}

// TestRetryWindow: retries are recognised among the latest RetryWindow
// events, and after an exact expected revision (or NoStream) however old.
func TestRetryWindow(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	s := open(t, esdb.Config{URL: srv.URL(), RetryWindow: 4, TailCacheSize: -1})
	defer s.Close()
	const stream = "alert-acme.77"
	e0, e1, e2 := ev("alert.raised", 0), ev("alert.recurred", 1), ev("alert.recurred", 2)
	first := mustAppend(t, ctx, s, stream, eventstore.NoStream, e0)
	second := mustAppend(t, ctx, s, stream, eventstore.Exact(0), e1, e2)
	for i := range 10 {
		mustAppend(t, ctx, s, stream, eventstore.Any, ev("alert.recurred", 10+i))
	}
	if got := mustAppend(t, ctx, s, stream, eventstore.NoStream, e0); got != first {
		t.Fatalf("NoStream retry beyond the window returned %+v, want %+v", got, first)
	}
	if got := mustAppend(t, ctx, s, stream, eventstore.Exact(0), e1, e2); got != second {
		t.Fatalf("exact retry beyond the window returned %+v, want %+v", got, second)
	}
	_, err := s.Append(ctx, stream, eventstore.Exact(0), e1, ev("alert.closed", 99))
	if !errors.Is(err, eventstore.ErrPartialDuplicate) {
		t.Fatalf("partial exact retry beyond the window: %v", err)
	}
	// An Any retry beyond the window is not recognised (the documented
	// bound): it appends again.
	if got := mustAppend(t, ctx, s, stream, eventstore.Any, e1); got.Revision != 13 {
		t.Fatalf("Any retry beyond the window returned %+v; want a new event at revision 13", got)
	}
}

// TestNamespaces: two stores with different namespaces share a server
// without seeing each other's streams.
func TestNamespaces(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	a := open(t, esdb.Config{URL: srv.URL(), Namespace: "prod/"})
	defer a.Close()
	b := open(t, esdb.Config{URL: srv.URL(), Namespace: "staging/"})
	defer b.Close()
	mustAppend(t, ctx, a, "alert-acme.1", eventstore.NoStream, ev("alert.raised", 1))
	mustAppend(t, ctx, b, "alert-acme.1", eventstore.NoStream, ev("alert.raised", 2))
	mustAppend(t, ctx, b, "log-acme.fw", eventstore.NoStream, ev("log.received", 3))

	var streams []string
	for _, r := range rawAll(t, ctx, rawClient(t, srv.URL())) {
		streams = append(streams, r.StreamID)
	}
	if strings.Join(streams, " ") != "prod/alert-acme.1 staging/alert-acme.1 staging/log-acme.fw" {
		t.Fatalf("server streams %q", streams)
	}
	page, err := a.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{})
	if err != nil || len(page.Events) != 1 || page.Events[0].StreamID != "alert-acme.1" || !page.AtEnd {
		t.Fatalf("ReadAll in namespace prod/: %+v, %v", page, err)
	}
	sub, err := b.Subscribe(ctx, eventstore.Start, eventstore.Filter{EventTypePrefixes: []string{"alert."}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var events int
	for {
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind == eventstore.EventAppeared {
			events++
			if m.Event.StreamID != "alert-acme.1" || m.Event.Type != "alert.raised" {
				t.Fatalf("subscription in staging/ delivered %s %s", m.Event.StreamID, m.Event.Type)
			}
		}
		if m.Kind == eventstore.CaughtUp {
			break
		}
	}
	if events != 1 {
		t.Fatalf("subscription in staging/ delivered %d events before CaughtUp, want 1", events)
	}
}

// TestForeignEvents: system events are hidden; an event another program
// wrote without the envelope reads back as stored, with no chain links.
func TestForeignEvents(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	raw := rawClient(t, srv.URL())
	for _, w := range []struct{ stream, typ string }{
		{"$stats-127.0.0.1:2113", "$statsCollected"},
		{"alert-acme.5", "alert.raised"},
		{"alert-acme.5", "$>"},
	} {
		_, err := raw.AppendToStream(ctx, w.stream, es.AppendToStreamOptions{}, es.EventData{
			EventID: uuid.New(), EventType: w.typ, ContentType: es.ContentTypeJson,
			Data: []byte(`{}`), Metadata: []byte(`{"foreign":true}`),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, esdb.Config{URL: srv.URL()})
	defer s.Close()
	page, err := s.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 1 || page.Events[0].StreamID != "alert-acme.5" || page.Events[0].Type != "alert.raised" {
		t.Fatalf("ReadAll shows %d events; want only the user event", len(page.Events))
	}
	if e := page.Events[0]; string(e.Metadata) != `{"foreign":true}` || !e.Hash.IsZero() {
		t.Fatalf("foreign event: metadata %q, hash %s", e.Metadata, e.Hash)
	}
}

// TestFilteredSubscriptionClientSide: with stream and type prefixes the
// server applies the stream prefixes and the adapter the types; events the
// adapter skips are reported by a Checkpoint once nothing else is waiting.
func TestFilteredSubscriptionClientSide(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 20*time.Second)
	srv := esdbtest.Start(t, esdbtest.Options{})
	s := open(t, esdb.Config{URL: srv.URL()})
	defer s.Close()
	sub, err := s.Subscribe(ctx, eventstore.Start, eventstore.Filter{StreamPrefixes: []string{"incident-"}, EventTypePrefixes: []string{"incident.opened"}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	if m, err := sub.Recv(ctx); err != nil || m.Kind != eventstore.CaughtUp {
		t.Fatalf("first message on an empty store: %+v, %v; want CaughtUp", m, err)
	}
	opened := mustAppend(t, ctx, s, "incident-acme.2", eventstore.NoStream, ev("incident.opened", 1))
	notes := mustAppend(t, ctx, s, "incident-acme.2", eventstore.Exact(0), ev("incident.note_added", 2), ev("incident.note_added", 3))
	m, err := sub.Recv(ctx)
	if err != nil || m.Kind != eventstore.EventAppeared || m.Position != opened.Position {
		t.Fatalf("first live message %+v, %v; want the incident.opened event", m, err)
	}
	for {
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatalf("waiting for a checkpoint past the notes at %v: %v", notes.Position, err)
		}
		if m.Kind == eventstore.EventAppeared {
			t.Fatalf("delivered %s, which the filter excludes", m.Event.Type)
		}
		if m.Kind == eventstore.Checkpoint && !m.Position.Less(notes.Position) {
			break
		}
	}
}
