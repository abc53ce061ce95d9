package seal_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/seal"
)

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func open(t *testing.T, dir string, opts embedded.Options) *embedded.Store {
	t.Helper()
	if opts.SegmentSize == 0 {
		opts.SegmentSize = 1 << 20
	}
	s, err := embedded.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func appendN(t *testing.T, s eventstore.Store, stream string, n int) {
	t.Helper()
	for i := range n {
		ev := eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"text":"note %d"}`, i), Metadata: []byte(`{"tenant":"x"}`)}
		if _, err := s.Append(context.Background(), stream, eventstore.Any, ev); err != nil {
			t.Fatal(err)
		}
	}
}

func mustSeal(t *testing.T, sl *seal.Sealer) seal.Round {
	t.Helper()
	r, err := sl.Seal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustVerify(t *testing.T, s eventstore.Store, pub ed25519.PublicKey) seal.Report {
	t.Helper()
	rep, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{PageSize: 7})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func TestSealAndVerify(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	s := open(t, t.TempDir(), embedded.Options{})
	appendN(t, s, "incident-acme.INC-1", 5)
	appendN(t, s, "alert-acme.abc", 3)
	appendN(t, s, "incident-globex.INC-9", 2)
	appendN(t, s, "access-tok1", 1)

	sl := seal.NewSealer(s, priv)
	r := mustSeal(t, sl)
	// acme, globex and the system seal; heads: 2 + 1 + 1 (access).
	if r.Seals != 3 || r.Heads != 4 || r.More {
		t.Fatalf("round %+v, want 3 seals of 4 heads", r)
	}
	if r := mustSeal(t, sl); r.Seals != 0 {
		t.Fatalf("a round with no change appended %d seals", r.Seals)
	}
	rep := mustVerify(t, s, pub)
	if rep.Seals != 3 || rep.Unsealed != 0 || rep.Streams != 7 || rep.Events != 14 {
		t.Fatalf("report %+v", rep)
	}

	appendN(t, s, "incident-acme.INC-1", 2)
	if rep := mustVerify(t, s, pub); rep.Unsealed != 2 {
		t.Fatalf("report %+v, want 2 unsealed events", rep)
	}
	// A new sealer (a restart) continues the seal chains.
	r = mustSeal(t, seal.NewSealer(s, priv))
	if r.Seals != 2 || r.Heads != 1 {
		t.Fatalf("round after restart %+v, want the acme and system seals of 1 head", r)
	}
	if rep := mustVerify(t, s, pub); rep.Seals != 5 || rep.Unsealed != 0 {
		t.Fatalf("report %+v", rep)
	}
	evs, err := s.ReadStream(t.Context(), "audit-acme", 0, 0)
	if err != nil || len(evs) != 2 {
		t.Fatalf("audit-acme: %d events, %v", len(evs), err)
	}
}

func TestSealRoundsAreBounded(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	s := open(t, t.TempDir(), embedded.Options{})
	for i := range 25 {
		appendN(t, s, fmt.Sprintf("log-acme.src%d", i), 2)
	}
	sl := seal.NewSealer(s, priv)
	sl.MaxHeads = 10
	rounds := 0
	for {
		r := mustSeal(t, sl)
		rounds++
		if !r.More {
			break
		}
	}
	if rounds != 3 {
		t.Fatalf("%d rounds for 25 streams at 10 heads a round, want 3", rounds)
	}
	if rep := mustVerify(t, s, pub); rep.Seals != 6 || rep.Unsealed != 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestVerifyRejectsASealOfAnotherKey(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	_, forger := newKey(t)
	s := open(t, t.TempDir(), embedded.Options{})
	appendN(t, s, "incident-acme.INC-1", 3)
	mustSeal(t, seal.NewSealer(s, priv))
	appendN(t, s, "incident-acme.INC-1", 1)
	mustSeal(t, seal.NewSealer(s, forger))

	_, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{})
	var me *seal.MismatchError
	if !errors.As(err, &me) || !errors.Is(err, seal.ErrTampered) || me.Stream != "audit-acme" || me.Revision != 1 || !strings.Contains(me.Reason, "key") {
		t.Fatalf("verify: %v, want audit-acme revision 1 signed by another key", err)
	}
}

func TestOneSealerAtATime(t *testing.T) {
	t.Parallel()
	_, priv := newKey(t)
	s := open(t, t.TempDir(), embedded.Options{})
	appendN(t, s, "incident-acme.INC-1", 1)
	a, b := seal.NewSealer(s, priv), seal.NewSealer(s, priv)
	mustSeal(t, a)
	mustSeal(t, b) // b loads the seals a wrote: nothing new to seal
	appendN(t, s, "incident-acme.INC-1", 1)
	mustSeal(t, b)
	appendN(t, s, "incident-acme.INC-1", 1)
	if _, err := a.Seal(t.Context()); !errors.Is(err, seal.ErrConcurrentSealer) {
		t.Fatalf("a stale sealer: %v, want ErrConcurrentSealer", err)
	}
}

// TestVerifyCatchesARebuiltLog: whoever can write the data directory can
// rebuild the whole log without one event, recomputing every hash chain.
// The chains then check, but the seals name the old heads.
func TestVerifyCatchesARebuiltLog(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	orig := open(t, t.TempDir(), embedded.Options{})
	appendN(t, orig, "incident-acme.INC-1", 6)
	appendN(t, orig, "incident-acme.INC-2", 2)
	mustSeal(t, seal.NewSealer(orig, priv))
	appendN(t, orig, "incident-acme.INC-2", 1)
	mustSeal(t, seal.NewSealer(orig, priv))
	mustVerify(t, orig, pub)

	tests := []struct {
		name       string
		skip       func(ev eventstore.RecordedEvent) bool
		edit       func(ev *eventstore.EventData, rec eventstore.RecordedEvent)
		wantStream string
		wantRev    uint64
	}{
		{
			name: "an event removed",
			skip: func(ev eventstore.RecordedEvent) bool {
				return ev.StreamID == "incident-acme.INC-1" && ev.Revision == 2
			},
			wantStream: "incident-acme.INC-1", wantRev: 5,
		},
		{
			name: "an event's content changed",
			edit: func(ev *eventstore.EventData, rec eventstore.RecordedEvent) {
				if rec.StreamID == "incident-acme.INC-2" && rec.Revision == 0 {
					ev.Data = []byte(`{"text":"nothing happened"}`)
				}
			},
			wantStream: "incident-acme.INC-2", wantRev: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rebuilt := open(t, t.TempDir(), embedded.Options{})
			for from := eventstore.Start; ; {
				page, err := orig.ReadAll(t.Context(), from, 100, eventstore.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				for _, ev := range page.Events {
					if tt.skip != nil && tt.skip(ev) {
						continue
					}
					d := eventstore.EventData{EventID: ev.EventID, Type: ev.Type, Data: ev.Data, Metadata: ev.Metadata}
					if tt.edit != nil {
						tt.edit(&d, ev)
					}
					if _, err := rebuilt.Append(t.Context(), ev.StreamID, eventstore.Any, d); err != nil {
						t.Fatal(err)
					}
				}
				if page.AtEnd {
					break
				}
				from = page.Checkpoint
			}
			_, err := seal.Verify(t.Context(), rebuilt, pub, seal.VerifyOptions{})
			var me *seal.MismatchError
			if !errors.As(err, &me) || me.Stream != tt.wantStream || me.Revision != tt.wantRev {
				t.Fatalf("verify: %v, want a mismatch at %s revision %d", err, tt.wantStream, tt.wantRev)
			}
		})
	}
}

// TestVerifyWhileTheServerWrites opens the data directory read-only, as
// `socledger verify` does, while a writer appends and seals.
func TestVerifyWhileTheServerWrites(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	dir := t.TempDir()
	w := open(t, dir, embedded.Options{})
	appendN(t, w, "incident-acme.INC-1", 3)
	sl := seal.NewSealer(w, priv)
	mustSeal(t, sl)

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			ev := eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"text":"%d"}`, i)}
			if _, err := w.Append(ctx, fmt.Sprintf("incident-acme.INC-%d", i%7), eventstore.Any, ev); err != nil && ctx.Err() == nil {
				t.Error(err)
				return
			}
			if i%50 == 0 {
				if _, err := sl.Seal(ctx); err != nil && ctx.Err() == nil {
					t.Error(err)
					return
				}
			}
		}
	})
	r := open(t, dir, embedded.Options{ReadOnly: true})
	var last seal.Report
	for range 5 {
		rep, err := seal.Verify(t.Context(), r, pub, seal.VerifyOptions{PageSize: 64})
		if err != nil {
			cancel()
			wg.Wait()
			t.Fatalf("verify while writing: %v", err)
		}
		if rep.Events < last.Events {
			t.Errorf("verify saw %d events after %d", rep.Events, last.Events)
		}
		last = rep
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if last.Seals < 2 {
		t.Errorf("report %+v: the writer's seals were not seen", last)
	}
}

func TestKeyFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	priv, err := seal.GenerateKeyFiles(filepath.Join(dir, "seal.key"), filepath.Join(dir, "seal.pub"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := seal.LoadPrivateKey(filepath.Join(dir, "seal.key"))
	if err != nil || !back.Equal(priv) {
		t.Fatalf("private key round trip: %v", err)
	}
	pub, err := seal.LoadPublicKey(filepath.Join(dir, "seal.pub"))
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
	if _, err := seal.GenerateKeyFiles(filepath.Join(dir, "seal.key"), filepath.Join(dir, "x.pub")); err == nil {
		t.Fatal("an existing private key was overwritten")
	}
	if _, err := seal.LoadPublicKey(filepath.Join(dir, "seal.key")); err == nil {
		t.Fatal("a private key file was accepted as a public key")
	}
}

// lostAck appends, then reports a failure once: the seal landed but the
// sealer was not told.
type lostAck struct {
	eventstore.Store
	fail bool
}

func (s *lostAck) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	res, err := s.Store.Append(ctx, stream, exp, evs...)
	if err == nil && s.fail {
		s.fail = false
		return eventstore.AppendResult{}, context.DeadlineExceeded
	}
	return res, err
}

// TestSealerSurvivesALostAcknowledgement: a seal append that landed but
// reported an error must not make the next round think another sealer is
// at work.
func TestSealerSurvivesALostAcknowledgement(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	base := open(t, t.TempDir(), embedded.Options{})
	s := &lostAck{Store: base}
	appendN(t, base, "incident-acme.INC-1", 2)
	sl := seal.NewSealer(s, priv)
	mustSeal(t, sl)
	appendN(t, base, "incident-acme.INC-1", 1)
	s.fail = true
	if _, err := sl.Seal(t.Context()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("round with a lost acknowledgement: %v", err)
	}
	appendN(t, base, "incident-acme.INC-1", 1)
	if _, err := sl.Seal(t.Context()); err != nil {
		t.Fatalf("next round: %v, want it to carry on after reloading the audit streams", err)
	}
	if rep := mustVerify(t, base, pub); rep.Unsealed != 0 {
		t.Fatalf("report %+v", rep)
	}
}
