package seal_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/seal"
)

// retained is a store as retention leaves it for readers: the events it
// was told to remove are gone from ReadAll and ReadStream, every other
// event keeps its revision, position and chain fields. edit, when set,
// changes events as they are read (tampering with what is on disk).
type retained struct {
	eventstore.Store
	mu      sync.Mutex
	removed map[string]map[uint64]bool
	edit    func(ev *eventstore.RecordedEvent)
}

func newRetained(s eventstore.Store) *retained {
	return &retained{Store: s, removed: map[string]map[uint64]bool{}}
}

// remove hides revisions from to to of stream.
func (s *retained) remove(stream string, from, to uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	revs := s.removed[stream]
	if revs == nil {
		revs = map[uint64]bool{}
		s.removed[stream] = revs
	}
	for r := from; r <= to; r++ {
		revs[r] = true
	}
}

// keep filters evs in place and applies edit.
func (s *retained) keep(evs []eventstore.RecordedEvent) []eventstore.RecordedEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := evs[:0]
	for _, ev := range evs {
		if s.removed[ev.StreamID][ev.Revision] {
			continue
		}
		if s.edit != nil {
			s.edit(&ev)
		}
		out = append(out, ev)
	}
	return out
}

func (s *retained) ReadAll(ctx context.Context, from eventstore.Position, max int, f eventstore.Filter) (eventstore.Page, error) {
	page, err := s.Store.ReadAll(ctx, from, max, f)
	page.Events = s.keep(page.Events)
	return page, err
}

func (s *retained) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]eventstore.RecordedEvent, error) {
	evs, err := s.Store.ReadStream(ctx, stream, from, 0)
	if err != nil {
		return nil, err
	}
	evs = s.keep(evs)
	if max > 0 && len(evs) > max {
		evs = evs[:max]
	}
	return evs, nil
}

// cutOf returns the truncation of revisions from to to of stream, as the
// store reports it before removing them.
func cutOf(t *testing.T, s eventstore.Store, stream string, from, to uint64) eventstore.Truncation {
	t.Helper()
	if r, ok := s.(*retained); ok {
		s = r.Store // what is on disk, before the removal
	}
	evs, err := s.ReadStream(context.Background(), stream, 0, 0)
	if err != nil || uint64(len(evs)) <= to {
		t.Fatalf("read %s: %d events, %v", stream, len(evs), err)
	}
	return eventstore.Truncation{Stream: stream, From: from, To: to, Prev: evs[from].Prev, Hash: evs[to].Hash}
}

// scavenge records the cuts with sl, then removes them, as retention does.
func scavenge(t *testing.T, s *retained, sl *seal.Sealer, cuts ...eventstore.Truncation) {
	t.Helper()
	if err := sl.RecordTruncations(t.Context(), cuts); err != nil {
		t.Fatalf("record %v: %v", cuts, err)
	}
	for _, c := range cuts {
		s.remove(c.Stream, c.From, c.To)
	}
}

func wantMismatch(t *testing.T, err error, stream string, rev uint64, reason string) {
	t.Helper()
	var me *seal.MismatchError
	if !errors.As(err, &me) || !errors.Is(err, seal.ErrTampered) || me.Stream != stream || me.Revision != rev || !strings.Contains(me.Reason, reason) {
		t.Fatalf("verify: %v, want a mismatch at %s revision %d (%q)", err, stream, rev, reason)
	}
}

const fw = "log-acme.fw01"

// setup returns a store with 10 events of fw and 2 of an incident, sealed,
// behind a retention view, and the sealer that sealed it.
func setup(t *testing.T) (*retained, *seal.Sealer, ed25519.PublicKey) {
	t.Helper()
	pub, priv := newKey(t)
	base := open(t, t.TempDir(), embedded.Options{})
	appendN(t, base, fw, 10)
	appendN(t, base, "incident-acme.INC-1", 2)
	s := newRetained(base)
	sl := seal.NewSealer(s, priv)
	mustSeal(t, sl)
	return s, sl, pub
}

func TestVerifyAcceptsCutsCoveredByMarkers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		passes      [][2]uint64 // the runs of fw removed, one scavenge pass each
		wantRemoved uint64
	}{
		{name: "a prefix", passes: [][2]uint64{{0, 4}}, wantRemoved: 5},
		{name: "a single event", passes: [][2]uint64{{0, 0}}, wantRemoved: 1},
		{name: "the middle, around a held event", passes: [][2]uint64{{0, 3}, {5, 8}}, wantRemoved: 8},
		{name: "adjacent runs of two passes", passes: [][2]uint64{{0, 3}, {4, 7}}, wantRemoved: 8},
		{name: "a held event removed by a later pass", passes: [][2]uint64{{0, 3}, {5, 8}, {4, 4}}, wantRemoved: 9},
		{name: "a wider run after an interrupted pass", passes: [][2]uint64{{0, 3}, {0, 6}}, wantRemoved: 7},
		{name: "inside the stream, not from 0", passes: [][2]uint64{{2, 6}}, wantRemoved: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, sl, pub := setup(t)
			for _, p := range tt.passes {
				scavenge(t, s, sl, cutOf(t, s.Store, fw, p[0], p[1]))
			}
			rep := mustVerify(t, s, pub)
			if rep.Truncations != uint64(len(tt.passes)) || rep.Removed != tt.wantRemoved || rep.Events != 14+uint64(len(tt.passes))-tt.wantRemoved {
				t.Fatalf("report %+v, want %d markers accounting for %d removed events", rep, len(tt.passes), tt.wantRemoved)
			}
			// The next round seals the audit stream the markers changed;
			// later appends and seals still verify.
			if r := mustSeal(t, sl); r.Seals != 1 || r.Heads != 1 {
				t.Fatalf("round after the markers %+v, want the system seal of audit-acme's head", r)
			}
			appendN(t, s, fw, 2)
			mustSeal(t, sl)
			if rep := mustVerify(t, s, pub); rep.Unsealed != 0 || rep.Removed != tt.wantRemoved {
				t.Fatalf("report %+v", rep)
			}
		})
	}
}

func TestVerifyAcceptsAMarkerOfEventsStillPresent(t *testing.T) {
	t.Parallel()
	s, sl, pub := setup(t)
	// The process died between the marker and the removal.
	if err := sl.RecordTruncations(t.Context(), []eventstore.Truncation{cutOf(t, s, fw, 0, 4)}); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, s, pub); rep.Truncations != 1 || rep.Removed != 0 {
		t.Fatalf("report %+v", rep)
	}
	// A later pass removes a wider run.
	scavenge(t, s, sl, cutOf(t, s, fw, 0, 6))
	if rep := mustVerify(t, s, pub); rep.Truncations != 2 || rep.Removed != 7 {
		t.Fatalf("report %+v", rep)
	}
}

func TestVerifyRejectsCutsNotAccountedFor(t *testing.T) {
	t.Parallel()
	other := eventstore.Hash{1, 2, 3}
	tests := []struct {
		name string
		// cut removes events and records markers.
		cut        func(t *testing.T, s *retained, sl *seal.Sealer)
		wantStream string
		wantRev    uint64
		reason     string
	}{
		{
			name:       "a prefix without a marker",
			cut:        func(t *testing.T, s *retained, sl *seal.Sealer) { s.remove(fw, 0, 4) },
			wantStream: fw, wantRev: 5, reason: "revisions 0 to 4 are missing (removed events) and no signed truncation marker covers them",
		},
		{
			name:       "a middle run without a marker",
			cut:        func(t *testing.T, s *retained, sl *seal.Sealer) { s.remove(fw, 3, 6) },
			wantStream: fw, wantRev: 7, reason: "revisions 3 to 6 are missing (removed events) and no signed truncation marker covers them",
		},
		{
			name: "a removed event beyond the marker's run",
			cut: func(t *testing.T, s *retained, sl *seal.Sealer) {
				scavenge(t, s, sl, cutOf(t, s, fw, 0, 3))
				s.remove(fw, 4, 4)
			},
			wantStream: fw, wantRev: 5, reason: "markers cover revisions 0 to 3 only",
		},
		{
			name: "a removed event before the marker's run",
			cut: func(t *testing.T, s *retained, sl *seal.Sealer) {
				scavenge(t, s, sl, cutOf(t, s, fw, 3, 5))
				s.remove(fw, 2, 2)
			},
			wantStream: fw, wantRev: 6, reason: "no signed truncation marker covers them",
		},
		{
			name: "a marker whose hash is not the kept event's prev link",
			cut: func(t *testing.T, s *retained, sl *seal.Sealer) {
				c := cutOf(t, s, fw, 0, 4)
				c.Hash = other
				scavenge(t, s, sl, c)
			},
			wantStream: fw, wantRev: 5, reason: "its prev link",
		},
		{
			name: "a marker whose prev link is not the hash of the event before",
			cut: func(t *testing.T, s *retained, sl *seal.Sealer) {
				c := cutOf(t, s, fw, 3, 5)
				c.Prev = other
				scavenge(t, s, sl, c)
			},
			wantStream: fw, wantRev: 6, reason: "revision 2 hashes to",
		},
		{
			name: "a marker covering the run that ends elsewhere",
			cut: func(t *testing.T, s *retained, sl *seal.Sealer) {
				// Recorded for a wider run, but fewer events are gone: the
				// kept event's prev link is pinned by no marker.
				if err := sl.RecordTruncations(t.Context(), []eventstore.Truncation{cutOf(t, s, fw, 0, 6)}); err != nil {
					t.Fatal(err)
				}
				s.remove(fw, 0, 4)
			},
			wantStream: fw, wantRev: 5, reason: "none ends at revision 4",
		},
		{
			name: "adjacent markers that do not chain",
			cut: func(t *testing.T, s *retained, sl *seal.Sealer) {
				scavenge(t, s, sl, cutOf(t, s, fw, 0, 3))
				c := cutOf(t, s, fw, 4, 6)
				c.Prev = other
				scavenge(t, s, sl, c)
			},
			wantStream: "audit-acme", wantRev: 2, reason: "revision 3 hashes to",
		},
		{
			name: "an audit stream's first seal",
			cut: func(t *testing.T, s *retained, sl *seal.Sealer) {
				appendN(t, s, fw, 1)
				mustSeal(t, sl)
				s.remove("audit-acme", 0, 0)
			},
			// The system seal named it before the gap is met.
			wantStream: "audit-acme", wantRev: 0, reason: "sealed by audit-system revision 0 (seal #1) but missing from the log",
		},
		{
			name: "a run whose prev link at revision 0 is not zero",
			cut: func(t *testing.T, s *retained, sl *seal.Sealer) {
				c := cutOf(t, s, fw, 0, 4)
				c.Prev = other
				err := sl.RecordTruncations(t.Context(), []eventstore.Truncation{c})
				if !errors.Is(err, seal.ErrInvalidTruncation) {
					t.Fatalf("record %v: %v, want ErrInvalidTruncation", c, err)
				}
				s.remove(fw, 0, 4)
			},
			wantStream: fw, wantRev: 5, reason: "no signed truncation marker covers them",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, sl, pub := setup(t)
			tt.cut(t, s, sl)
			_, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{PageSize: 5})
			wantMismatch(t, err, tt.wantStream, tt.wantRev, tt.reason)
		})
	}
}

func TestVerifyRejectsAForgedMarker(t *testing.T) {
	t.Parallel()
	s, _, pub := setup(t)
	_, forgerKey := newKey(t)
	forger := seal.NewSealer(s, forgerKey)
	scavenge(t, s, forger, cutOf(t, s, fw, 0, 4))
	_, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{})
	wantMismatch(t, err, "audit-acme", 1, "not by the trusted key")
}

// TestVerifyChecksTheMarkersAuditStream: a marker signed with the trusted
// key counts only in the audit stream of the streams it names (the payload
// format is public; these markers are made by hand).
func TestVerifyChecksTheMarkersAuditStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		audit  string
		reason string // "" for a marker that is accepted
	}{
		{audit: "audit-acme"},
		{audit: "audit-globex", reason: "recorded in audit-acme"},
		{audit: "audit-system", reason: "recorded in audit-acme"},
	}
	for _, tt := range tests {
		t.Run(tt.audit, func(t *testing.T) {
			t.Parallel()
			pub, priv := newKey(t)
			base := open(t, t.TempDir(), embedded.Options{})
			appendN(t, base, fw, 6)
			c := cutOf(t, base, fw, 0, 2)
			m := &seal.Marker{
				Runs:  []seal.Run{{Stream: fw, From: c.From, To: c.To, Prev: c.Prev, PrevHex: c.Prev.String(), Hash: c.Hash, HashHex: c.Hash.String()}},
				KeyID: seal.KeyID(pub),
			}
			m.Signature = hex.EncodeToString(ed25519.Sign(priv, m.SignedBytes(tt.audit)))
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := base.Append(t.Context(), tt.audit, eventstore.NoStream, eventstore.EventData{Type: seal.TruncatedEventType, Data: data, Metadata: []byte(`{"tenant":"x"}`)}); err != nil {
				t.Fatal(err)
			}
			s := newRetained(base)
			s.remove(fw, 0, 2)
			rep, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{})
			if tt.reason == "" {
				if err != nil || rep.Removed != 3 {
					t.Fatalf("verify: %+v, %v", rep, err)
				}
				return
			}
			wantMismatch(t, err, tt.audit, 0, tt.reason)
		})
	}
}

func TestVerifyChecksSealsOfRemovedHeads(t *testing.T) {
	t.Parallel()
	// Two seals: the first names fw at revision 4, the second at 9.
	setup2 := func(t *testing.T) (*retained, *seal.Sealer, ed25519.PublicKey) {
		pub, priv := newKey(t)
		base := open(t, t.TempDir(), embedded.Options{})
		s := newRetained(base)
		sl := seal.NewSealer(s, priv)
		appendN(t, base, fw, 5)
		mustSeal(t, sl)
		appendN(t, base, fw, 5)
		mustSeal(t, sl)
		return s, sl, pub
	}
	t.Run("inside a marker run", func(t *testing.T) {
		t.Parallel()
		s, sl, pub := setup2(t)
		scavenge(t, s, sl, cutOf(t, s, fw, 0, 6))
		if rep := mustVerify(t, s, pub); rep.Removed != 7 || rep.Seals != 4 {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("at the end of a marker run", func(t *testing.T) {
		t.Parallel()
		s, sl, pub := setup2(t)
		scavenge(t, s, sl, cutOf(t, s, fw, 0, 4))
		if rep := mustVerify(t, s, pub); rep.Removed != 5 {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("across two markers", func(t *testing.T) {
		t.Parallel()
		s, sl, pub := setup2(t)
		scavenge(t, s, sl, cutOf(t, s, fw, 0, 2))
		scavenge(t, s, sl, cutOf(t, s, fw, 3, 8))
		if rep := mustVerify(t, s, pub); rep.Removed != 9 {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("without a marker", func(t *testing.T) {
		t.Parallel()
		s, _, pub := setup2(t)
		s.remove(fw, 0, 4)
		_, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{})
		wantMismatch(t, err, fw, 4, "sealed by audit-acme revision 0 (seal #1) but missing from the log")
	})
	t.Run("at the end of a marker run with another hash", func(t *testing.T) {
		t.Parallel()
		s, sl, pub := setup2(t)
		c := cutOf(t, s, fw, 0, 4)
		c.Hash = eventstore.Hash{9}
		scavenge(t, s, sl, c)
		_, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{})
		wantMismatch(t, err, fw, 4, "not the hash")
	})
	t.Run("the last sealed head removed", func(t *testing.T) {
		t.Parallel()
		// Retention never removes a stream's last event; whoever does is
		// caught by the seal of that head, marker or not.
		s, sl, pub := setup2(t)
		if err := sl.RecordTruncations(t.Context(), []eventstore.Truncation{cutOf(t, s, fw, 0, 8)}); err != nil {
			t.Fatal(err)
		}
		s.remove(fw, 0, 9)
		_, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{})
		wantMismatch(t, err, fw, 9, "no signed truncation marker covers them")
	})
}

func TestVerifyCatchesTamperingAfterACut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rev     uint64
		edit    func(ev *eventstore.RecordedEvent)
		wantRev uint64
		reason  string
	}{
		{name: "the first kept event's content", rev: 5, edit: func(ev *eventstore.RecordedEvent) { ev.Data = []byte(`{"text":"nothing"}`) }, wantRev: 5, reason: "changed after it was written"},
		{name: "a later event's content", rev: 8, edit: func(ev *eventstore.RecordedEvent) { ev.Data = []byte(`{"text":"nothing"}`) }, wantRev: 8, reason: "changed after it was written"},
		{name: "the first kept event's prev link", rev: 5, edit: func(ev *eventstore.RecordedEvent) {
			ev.Prev = eventstore.Hash{7}
			ev.Hash = eventstore.ChainHash(ev.StreamID, ev.Revision, ev.Type, ev.Data, ev.Metadata, ev.Prev)
		}, wantRev: 5, reason: "its prev link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, sl, pub := setup(t)
			scavenge(t, s, sl, cutOf(t, s, fw, 0, 4))
			mustSeal(t, sl)
			s.edit = func(ev *eventstore.RecordedEvent) {
				if ev.StreamID == fw && ev.Revision == tt.rev {
					tt.edit(ev)
				}
			}
			_, err := seal.Verify(t.Context(), s, pub, seal.VerifyOptions{PageSize: 3})
			wantMismatch(t, err, fw, tt.wantRev, tt.reason)
		})
	}
}

func TestRecordTruncations(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	base := open(t, t.TempDir(), embedded.Options{})
	appendN(t, base, fw, 3)
	appendN(t, base, "log-globex.dns", 3)
	sl := seal.NewSealer(base, priv)

	if err := sl.RecordTruncations(t.Context(), nil); err != nil {
		t.Fatalf("no cuts: %v", err)
	}
	bad := eventstore.Truncation{Stream: fw, From: 2, To: 1}
	if err := sl.RecordTruncations(t.Context(), []eventstore.Truncation{bad}); !errors.Is(err, seal.ErrInvalidTruncation) {
		t.Fatalf("record %v: %v, want ErrInvalidTruncation", bad, err)
	}
	// One marker per audit stream, appended before any seal.
	cuts := []eventstore.Truncation{cutOf(t, base, "log-globex.dns", 0, 1), cutOf(t, base, fw, 1, 1), cutOf(t, base, fw, 0, 0)}
	if err := sl.RecordTruncations(t.Context(), cuts); err != nil {
		t.Fatal(err)
	}
	for _, audit := range []string{"audit-acme", "audit-globex"} {
		evs, err := base.ReadStream(t.Context(), audit, 0, 0)
		if err != nil || len(evs) != 1 || evs[0].Type != seal.TruncatedEventType {
			t.Fatalf("%s: %d events, %v, want one marker", audit, len(evs), err)
		}
		var md struct {
			Tenant string `json:"tenant"`
			Actor  string `json:"actor"`
		}
		var m seal.Marker
		if err := json.Unmarshal(evs[0].Metadata, &md); err != nil || md.Tenant != strings.TrimPrefix(audit, "audit-") || md.Actor != "sealer" {
			t.Fatalf("%s marker metadata %s: %v", audit, evs[0].Metadata, err)
		}
		if err := json.Unmarshal(evs[0].Data, &m); err != nil || m.KeyID != seal.KeyID(pub) || m.Signature == "" {
			t.Fatalf("%s marker %s: %v", audit, evs[0].Data, err)
		}
		if audit == "audit-acme" && (len(m.Runs) != 2 || m.Runs[0].From != 0 || m.Runs[1].From != 1 || m.Runs[1].PrevHex != cuts[2].Hash.String()) {
			t.Fatalf("audit-acme marker runs %+v, want revisions 0 and 1 in order", m.Runs)
		}
	}
	// Seals continue after the markers: the first seal of each audit
	// stream comes after its marker.
	r := mustSeal(t, sl)
	if r.Seals != 3 {
		t.Fatalf("round %+v, want the acme, globex and system seals", r)
	}
	if rep := mustVerify(t, base, pub); rep.Truncations != 2 || rep.Seals != 3 || rep.Removed != 0 {
		t.Fatalf("report %+v", rep)
	}
	// A restarted sealer finds the audit streams' last events.
	sl = seal.NewSealer(base, priv)
	if err := sl.RecordTruncations(t.Context(), []eventstore.Truncation{cutOf(t, base, fw, 0, 1)}); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
	appendN(t, base, fw, 1)
	mustSeal(t, sl)
	if rep := mustVerify(t, base, pub); rep.Truncations != 3 || rep.Seals != 5 {
		t.Fatalf("report %+v", rep)
	}
}

func TestRecordTruncationsSplitsLargeMarkers(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	base := open(t, t.TempDir(), embedded.Options{})
	appendN(t, base, fw, 20)
	s := newRetained(base)
	sl := seal.NewSealer(s, priv)
	sl.MaxMarkerRuns = 3
	// Seven single-event runs around held events, and one of another
	// tenant's stream.
	var cuts []eventstore.Truncation
	for rev := uint64(0); rev < 14; rev += 2 {
		cuts = append(cuts, cutOf(t, base, fw, rev, rev))
	}
	appendN(t, base, "log-globex.dns", 2)
	cuts = append(cuts, cutOf(t, base, "log-globex.dns", 0, 0))
	scavenge(t, s, sl, cuts...)
	for audit, want := range map[string]int{"audit-acme": 3, "audit-globex": 1} {
		evs, err := base.ReadStream(t.Context(), audit, 0, 0)
		if err != nil || len(evs) != want {
			t.Fatalf("%s: %d events, %v, want %d markers", audit, len(evs), err, want)
		}
	}
	if rep := mustVerify(t, s, pub); rep.Truncations != 4 || rep.Removed != 8 {
		t.Fatalf("report %+v", rep)
	}
}

func TestRecordTruncationsWithAnotherSealer(t *testing.T) {
	t.Parallel()
	_, priv := newKey(t)
	base := open(t, t.TempDir(), embedded.Options{})
	appendN(t, base, fw, 5)
	a, b := seal.NewSealer(base, priv), seal.NewSealer(base, priv)
	for _, sl := range []*seal.Sealer{a, b} {
		if err := sl.RecordTruncations(t.Context(), []eventstore.Truncation{cutOf(t, base, fw, 0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	err := a.RecordTruncations(t.Context(), []eventstore.Truncation{cutOf(t, base, fw, 0, 1)})
	if !errors.Is(err, seal.ErrConcurrentSealer) {
		t.Fatalf("a stale sealer: %v, want ErrConcurrentSealer", err)
	}
}

// TestSealAndRecordTruncationsConcurrently runs seal rounds and scavenge
// passes from two goroutines on one Sealer (run it with -race).
func TestSealAndRecordTruncationsConcurrently(t *testing.T) {
	t.Parallel()
	pub, priv := newKey(t)
	base := open(t, t.TempDir(), embedded.Options{})
	s := newRetained(base)
	sl := seal.NewSealer(s, priv)
	const passes = 20
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			if _, err := sl.Seal(ctx); err != nil && ctx.Err() == nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() {
		defer cancel()
		if err := scavengePasses(ctx, base, s, sl, passes); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	mustSeal(t, sl)
	rep := mustVerify(t, s, pub)
	if rep.Truncations != passes || rep.Removed != 5*passes || rep.Unsealed != 0 {
		t.Fatalf("report %+v", rep)
	}
}

// scavengePasses appends to fw and removes the first half of what it
// appended, recording each cut first, passes times.
func scavengePasses(ctx context.Context, base eventstore.Store, s *retained, sl *seal.Sealer, passes int) error {
	for i := range uint64(passes) {
		for range 10 {
			ev := eventstore.EventData{Type: "log.received", Data: []byte(`{"msg":"x"}`)}
			if _, err := base.Append(ctx, fw, eventstore.Any, ev); err != nil {
				return err
			}
		}
		if _, err := base.Append(ctx, "incident-acme.INC-1", eventstore.Any, eventstore.EventData{Type: "incident.note_added", Data: []byte(`{}`)}); err != nil {
			return err
		}
		evs, err := base.ReadStream(ctx, fw, 10*i, 5)
		if err != nil || len(evs) != 5 {
			return fmt.Errorf("read %s: %d events, %v", fw, len(evs), err)
		}
		c := eventstore.Truncation{Stream: fw, From: 10 * i, To: 10*i + 4, Prev: evs[0].Prev, Hash: evs[4].Hash}
		if err := sl.RecordTruncations(ctx, []eventstore.Truncation{c}); err != nil {
			return err
		}
		s.remove(c.Stream, c.From, c.To)
	}
	return nil
}
