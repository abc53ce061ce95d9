package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/esdb"
	"github.com/socledger/socledger/eventstore/esdb/esdbtest"
	"github.com/socledger/socledger/eventstore/seal"
)

// testContext is t.Context() bounded by d.
func testContext(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// sealedSource writes an embedded store of about n events: three tenants'
// incident, alert, log and tenant streams and access tokens, appended one
// to three events at a time (metadata JSON, none, or not JSON), sealed
// every 50 events. It returns the data directory and the sealing public
// key's file, kept outside it.
func sealedSource(t testing.TB, n int) (dir, pub string) {
	t.Helper()
	ctx := testContext(t, time.Minute)
	dir, keys := t.TempDir(), t.TempDir()
	pub = filepath.Join(keys, "seal.pub")
	priv, err := seal.GenerateKeyFiles(filepath.Join(keys, "seal.key"), pub)
	if err != nil {
		t.Fatal(err)
	}
	st, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sealer := seal.NewSealer(st, priv)
	sealAll := func() {
		for {
			r, err := sealer.Seal(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !r.More {
				return
			}
		}
	}
	tenants := []string{"acme", "globex", "initech"}
	for i := 0; i < n; {
		tn := tenants[i%3]
		var stream string
		switch i % 5 {
		case 0:
			stream = fmt.Sprintf("incident-%s.INC-%d", tn, i%7)
		case 1:
			stream = fmt.Sprintf("alert-%s.fp%02d", tn, i%11)
		case 2:
			stream = fmt.Sprintf("log-%s.fw%d", tn, i%2)
		case 3:
			stream = "tenant-" + tn
		default:
			stream = fmt.Sprintf("access-tok%d", i%4)
		}
		k := 1 + i%3
		evs := make([]eventstore.EventData, k)
		for j := range evs {
			e := eventstore.EventData{Type: "test.happened", Data: fmt.Appendf(nil, `{"i":%d,"j":%d}`, i, j)}
			switch (i + j) % 3 {
			case 0:
				e.Metadata = fmt.Appendf(nil, `{"tenant":%q,"actor":"test","schema":1}`, tn)
			case 1:
				e.Metadata = []byte("not json \x00\xff")
			}
			evs[j] = e
		}
		if _, err := st.Append(ctx, stream, eventstore.Any, evs...); err != nil {
			t.Fatal(err)
		}
		if i/50 != (i+k)/50 {
			sealAll()
		}
		i += k
	}
	sealAll()
	return dir, pub
}

// readLog reads a store's whole log.
func readLog(t testing.TB, ctx context.Context, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	for from := eventstore.Start; ; {
		p, err := s.ReadAll(ctx, from, 1000, eventstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Events...)
		from = p.Checkpoint
		if p.AtEnd {
			return out
		}
	}
}

// sourceLog reads an embedded store's log.
func sourceLog(t testing.TB, dir string) []eventstore.RecordedEvent {
	t.Helper()
	st, err := embedded.Open(dir, embedded.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return readLog(t, t.Context(), st)
}

// openCluster opens the esdbtest server's store in namespace ns.
func openCluster(t *testing.T, url, ns string) *esdb.Store {
	t.Helper()
	s, err := esdb.Open(t.Context(), esdb.Config{URL: url, Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// sameLogs fails unless the target's log is the source's: the same events
// in the same order (IDs, streams, revisions, types, bytes, chain links),
// each once.
func sameLogs(t *testing.T, src, dst []eventstore.RecordedEvent) {
	t.Helper()
	if len(dst) != len(src) {
		t.Fatalf("the target holds %d events, the source %d", len(dst), len(src))
	}
	seen := map[eventstore.EventID]bool{}
	for i := range src {
		s, d := &src[i], &dst[i]
		if seen[d.EventID] {
			t.Fatalf("event %s appears twice on the target", d.EventID)
		}
		seen[d.EventID] = true
		if err := sameEvent(s, d); err != nil {
			t.Fatalf("event #%d: %v", i+1, err)
		}
		if !bytes.Equal(s.Data, d.Data) || !bytes.Equal(s.Metadata, d.Metadata) {
			t.Fatalf("event #%d (%s revision %d): data or metadata differ", i+1, s.StreamID, s.Revision)
		}
		if h := eventstore.ChainHash(d.StreamID, d.Revision, d.Type, d.Data, d.Metadata, d.Prev); h != s.Hash {
			t.Fatalf("event #%d (%s revision %d): the target's bytes hash to %s, the source's hash is %s", i+1, s.StreamID, s.Revision, h, s.Hash)
		}
	}
}

// runMigrate runs "socledger migrate args…" and returns stdout, stderr and
// the error.
func runMigrate(t *testing.T, ctx context.Context, vars map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(ctx, append([]string{"socledger", "migrate"}, args...), env(vars), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// TestMigrate copies a sealed store of several tenants into a namespace of
// the in-process cluster: the logs match event for event, with the same
// hashes, seals verify on the target (in migrate and in verify --store
// esdb), and a second run finds everything there and copies nothing.
func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	dir, pub := sealedSource(t, 400)
	srv := esdbtest.Start(t, esdbtest.Options{})

	out, errOut, err := runMigrate(t, ctx, nil, "--from", "embedded:"+dir, "--to", "esdb:"+srv.URL(), "--namespace", "prod/", "--pubkey", pub)
	if err != nil {
		t.Fatalf("migrate: %v\nstderr:\n%s", err, errOut)
	}
	src := sourceLog(t, dir)
	if !strings.Contains(out, fmt.Sprintf("%d events copied, 0 were there already", len(src))) ||
		!strings.Contains(out, "verified: the ") || !strings.Contains(out, "seals: ") {
		t.Errorf("migrate printed:\n%s", out)
	}
	if !strings.Contains(errOut, "migrate: copy: ") || !strings.Contains(errOut, "migrate: verify: ") || strings.Contains(errOut, "\r") {
		t.Errorf("progress on a non-terminal stderr: want plain lines per phase, got:\n%s", errOut)
	}
	dst := openCluster(t, srv.URL(), "prod/")
	sameLogs(t, src, readLog(t, ctx, dst))

	// verify reads the cluster.
	var vout bytes.Buffer
	if err := run(ctx, []string{"socledger", "verify", "--store", "esdb", "--esdb-url", srv.URL(), "--esdb-namespace", "prod/", "--pubkey", pub},
		env(nil), &vout, io.Discard); err != nil || !strings.HasPrefix(vout.String(), "ok: ") {
		t.Fatalf("verify --store esdb: %v\n%s", err, vout.String())
	}

	// Nothing left to copy.
	out, errOut, err = runMigrate(t, ctx, nil, "--from", "embedded:"+dir, "--to", "esdb:"+srv.URL(), "--namespace", "prod/")
	if err != nil || !strings.Contains(out, fmt.Sprintf("0 events copied, %d were there already", len(src))) {
		t.Fatalf("second migrate: %v\n%s%s", err, out, errOut)
	}
	sameLogs(t, src, readLog(t, ctx, dst))
}

// TestMigrateResumes interrupts a migration in the middle (the context is
// cancelled after about half the events: between two appends, or while the
// server is writing one, which then lands after the run gave up), then runs
// it again: it continues where it stopped, the target holds every event once
// with the source's hashes, and the seals verify.
func TestMigrateResumes(t *testing.T) {
	t.Parallel()
	dir, pub := sealedSource(t, 1200)
	src := sourceLog(t, dir)
	for _, tc := range []struct {
		name         string
		duringAppend bool
	}{
		{"between appends", false},
		{"during an append", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t, 2*time.Minute)
			cut, cancel := context.WithCancel(ctx)
			defer cancel()
			var appends atomic.Int64
			const trigger = 300 // about half the appends
			srv := esdbtest.Start(t, esdbtest.Options{Intercept: func(_ context.Context, method string) error {
				if tc.duringAppend && method == "Append" && appends.Add(1) == trigger {
					cancel()
					time.Sleep(100 * time.Millisecond) // then write it all the same
				}
				return nil
			}})
			cfg, err := parseMigrateFlags([]string{"--from", "embedded:" + dir, "--to", "esdb:" + srv.URL()}, env(nil), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			half := int64(len(src) / 2)
			var acked int64 // events whose append the run saw succeed
			err = runMigration(cut, cfg, io.Discard, io.Discard, func(copied int64) {
				acked = copied
				if !tc.duringAppend && copied >= half {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "run the same command again") {
				t.Fatalf("interrupted migration: %v; want context.Canceled and a hint to run it again", err)
			}
			dst := openCluster(t, srv.URL(), "")
			time.Sleep(200 * time.Millisecond) // the append cut short lands
			partial := readLog(t, ctx, dst)
			if len(partial) < len(src)/4 || len(partial) >= len(src) {
				t.Fatalf("after the interruption the target holds %d of %d events; want about half", len(partial), len(src))
			}
			sameLogs(t, src[:len(partial)], partial)
			if tc.duringAppend && int64(len(partial)) <= acked {
				t.Fatalf("the target holds %d events, the run saw %d acknowledged: the append cut short did not land", len(partial), acked)
			}

			out, errOut, err := runMigrate(t, ctx, nil, "--from", "embedded:"+dir, "--to", "esdb:"+srv.URL(), "--pubkey", pub)
			if err != nil {
				t.Fatalf("resumed migration: %v\n%s", err, errOut)
			}
			want := fmt.Sprintf("%d events copied, %d were there already", len(src)-len(partial), len(partial))
			if !strings.Contains(out, want) || !strings.Contains(out, "seals: ") {
				t.Fatalf("resumed migration printed:\n%s\nwant %q", out, want)
			}
			if !strings.Contains(errOut, "migrate: check: ") {
				t.Errorf("the resumed run did not report checking the events already there:\n%s", errOut)
			}
			sameLogs(t, src, readLog(t, ctx, dst))
		})
	}
}

// TestMigrateLateWrite: a run of events the last run appended in part (its
// batch was shorter, or its last append landed after the resumed run read
// the target) is completed, not duplicated.
func TestMigrateLateWrite(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	srv := esdbtest.Start(t, esdbtest.Options{})
	dst := openCluster(t, srv.URL(), "")
	srcDir := t.TempDir()
	st, err := embedded.Open(srcDir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs := make([]eventstore.EventData, 5)
	for i := range evs {
		evs[i] = eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"n":%d}`, i), Metadata: []byte(`{"tenant":"acme"}`)}
	}
	if _, err := st.Append(ctx, "incident-acme.1", eventstore.NoStream, evs...); err != nil {
		t.Fatal(err)
	}
	src := readLog(t, ctx, st)
	// The late write: the first two events.
	for i := range 2 {
		e := src[i]
		if _, err := dst.Append(ctx, e.StreamID, eventstore.Any, eventstore.EventData{EventID: e.EventID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}); err != nil {
			t.Fatal(err)
		}
	}
	m := &migration{src: st, dst: dst, srcTotal: func() int64 { return 5 }, prog: newProgress(io.Discard, false), retryFor: time.Second}
	batch := make([]*eventstore.RecordedEvent, len(src))
	for i := range src {
		batch[i] = &src[i]
	}
	var res migrateResult
	if err := m.copyBatch(ctx, batch, &res); err != nil {
		t.Fatalf("copy of a run whose start is on the target: %v", err)
	}
	sameLogs(t, src, readLog(t, ctx, dst))
}

// TestMigrateRefusesAnotherTarget: a target holding events the source does
// not have is not a copy; migrate stops without writing.
func TestMigrateRefusesAnotherTarget(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	dir, _ := sealedSource(t, 20)
	srv := esdbtest.Start(t, esdbtest.Options{})
	dst := openCluster(t, srv.URL(), "")
	if _, err := dst.Append(ctx, "incident-acme.INC-0", eventstore.NoStream, eventstore.EventData{Type: "incident.opened", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	_, _, err := runMigrate(t, ctx, nil, "--from", "embedded:"+dir, "--to", "esdb:"+srv.URL())
	if err == nil || !strings.Contains(err.Error(), "not a copy of the source") {
		t.Fatalf("migrate into a cluster holding other events: %v; want a refusal", err)
	}
	if n := len(readLog(t, ctx, dst)); n != 1 {
		t.Fatalf("the target holds %d events after the refusal, want 1", n)
	}
}

func TestMigrateErrors(t *testing.T) {
	t.Parallel()
	dir, _ := sealedSource(t, 3)
	down := esdbtest.URL(esdbtest.FreeAddr(t))
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"no from", []string{"--to", "esdb:" + down}, nil, "--from embedded:DIR is required"},
		{"bad from", []string{"--from", dir, "--to", "esdb:" + down}, nil, "want embedded:DIR"},
		{"no to", []string{"--from", "embedded:" + dir}, nil, "--to esdb:URL is required"},
		{"bad to", []string{"--from", "embedded:" + dir, "--to", "kafka:x"}, nil, "want esdb:URL"},
		{"credentials in the URL", []string{"--from", "embedded:" + dir, "--to", "esdb:esdb://admin:changeit@db:2113"}, nil, "SOCLEDGER_ESDB_USERNAME"},
		{"half the credentials", []string{"--from", "embedded:" + dir, "--to", "esdb:" + down}, map[string]string{"SOCLEDGER_ESDB_USERNAME": "admin"}, "both SOCLEDGER_ESDB_USERNAME and SOCLEDGER_ESDB_PASSWORD"},
		{"key inside the data", []string{"--from", "embedded:" + dir, "--to", "esdb:" + down, "--pubkey", filepath.Join(dir, "seal.pub")}, nil, "inside the data directory"},
		{"not a data directory", []string{"--from", "embedded:" + t.TempDir(), "--to", "esdb:" + down}, nil, "not a socledger data directory"},
		{"bad URL", []string{"--from", "embedded:" + dir, "--to", "esdb:esdb://db:2113?tls=maybe"}, nil, "connection URL"},
		{"cluster down", []string{"--from", "embedded:" + dir, "--to", down}, nil, "cannot be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := runMigrate(t, testContext(t, time.Minute), tt.env, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "changeit") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	t.Parallel()
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	tick := func(d time.Duration) { clock = clock.Add(d) }

	var plain bytes.Buffer
	p := newProgress(&plain, false)
	p.now = now
	p.begin("copy", 1000)
	tick(time.Second)
	p.set(100, 0) // not yet: plain lines every 5s
	tick(4 * time.Second)
	p.set(500, 0)
	tick(5 * time.Second)
	p.set(1000, 0)
	p.end()
	want := "migrate: copy: 500/1000 events (50.0%), 100 events/s, ETA 5s\n" +
		"migrate: copy: 1000/1000 events (100.0%), 100 events/s, ETA 0s\n" +
		"migrate: copy: 1000 events in 10s (100 events/s)\n"
	if plain.String() != want {
		t.Errorf("plain progress:\n%s\nwant:\n%s", plain.String(), want)
	}

	var bar bytes.Buffer
	p = newProgress(&bar, true)
	p.now = now
	p.begin("verify", 200)
	tick(time.Second)
	p.set(50, 0)
	p.note("a note")
	p.end()
	got := bar.String()
	for _, w := range []string{"\r\x1b[Kverify [=======                       ]  25.0% 50/200 events  50 events/s  ETA 3s", "\r\x1b[Kmigrate: a note\n", "migrate: verify: 50 events in 1s (50 events/s)\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("bar output %q lacks %q", got, w)
		}
	}
}

// BenchmarkMigrate: migrate a sealed store of 20,000 events in 49 streams
// into a fresh in-process cluster, copying only and copying then verifying
// (every event on both sides, every chain and seal on the target).
func BenchmarkMigrate(b *testing.B) {
	dir, pub := sealedSource(b, 20_000)
	n := int64(len(sourceLog(b, dir)))
	for _, bc := range []struct {
		name   string
		verify bool
		pubkey string
	}{
		{"Copy", false, ""},
		{"CopyVerifySeals", true, pub},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := b.Context()
			var copied int64
			var took time.Duration
			for b.Loop() {
				srv := esdbtest.Start(b, esdbtest.Options{})
				cfg := migrateConfig{From: dir, To: esdb.Config{URL: srv.URL()}, Verify: bc.verify, PubKey: bc.pubkey}
				start := time.Now()
				if err := runMigration(ctx, cfg, io.Discard, io.Discard, nil); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				copied += n
				srv.Stop()
			}
			b.ReportMetric(float64(copied)/took.Seconds(), "events/s")
		})
	}
}

// TestMigrateRefusesATruncatedStore: a store whose log streams lost their
// oldest events to retention cannot be copied to a cluster (whose streams
// start at revision 0); migrate says so, naming the stream.
func TestMigrateRefusesATruncatedStore(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	dir := t.TempDir()
	at := time.Now().Add(-100 * 24 * time.Hour)
	st, err := embedded.Open(dir, embedded.Options{SegmentSize: 64 << 10, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1200 {
		if i == 600 {
			at = time.Now()
		}
		ev := eventstore.EventData{Type: "log.received", Data: fmt.Appendf(nil, `{"line":%d,"msg":"%0200d"}`, i, i)}
		if _, err := st.Append(ctx, "log-acme.fw", eventstore.Any, ev); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := st.Scavenge(ctx, embedded.Retention{Rules: []embedded.RetentionRule{{Prefix: "log-", MaxAge: 90 * 24 * time.Hour}}})
	if err != nil || rep.Removed == 0 {
		t.Fatalf("scavenge: %+v, %v", rep, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	srv := esdbtest.Start(t, esdbtest.Options{})
	_, errOut, err := runMigrate(t, ctx, nil, "--from", "embedded:"+dir, "--to", "esdb:"+srv.URL(), "--verify=false")
	if err == nil || !strings.Contains(err.Error(), "log-acme.fw starts at revision") || !strings.Contains(err.Error(), "retention removed its older events") {
		t.Fatalf("migrate of a truncated store: %v, want a refusal naming the stream\n%s", err, errOut)
	}
}
