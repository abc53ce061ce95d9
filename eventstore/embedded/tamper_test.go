package embedded

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/seal"
)

// rewriteRecord edits the record at pos in place, as someone with write
// access to the data directory could, and gives it a valid CRC again. edit
// gets the record body (fixed part, then stream, type, data, metadata). The
// index checkpoint is removed so the index is rebuilt from the edited log.
func rewriteRecord(t *testing.T, dir string, pos eventstore.Position, edit func(body []byte)) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, logDir))
	if err != nil {
		t.Fatal(err)
	}
	var bases []uint64
	for _, e := range ents {
		if b, ok := parseSegmentFileName(e.Name()); ok {
			bases = append(bases, b)
		}
	}
	slices.Sort(bases)
	i, _ := slices.BinarySearch(bases, pos.Commit+1)
	base := bases[i-1]
	name := filepath.Join(dir, logDir, segmentFileName(base))
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	off := int64(pos.Commit - base)
	hdr := make([]byte, headerSize)
	if _, err := f.ReadAt(hdr, off); err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, headerSize+int(binary.LittleEndian.Uint32(hdr)))
	if _, err := f.ReadAt(rec, off); err != nil {
		t.Fatal(err)
	}
	body := rec[headerSize:]
	edit(body)
	crc := crc32.Update(crc32.Checksum(rec[0:4], castagnoli), castagnoli, body[recordFixed:])
	binary.LittleEndian.PutUint32(rec[4:], crc32.Update(crc, castagnoli, body[:recordFixed]))
	if _, err := f.WriteAt(rec, off); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, ckptFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}

// sealedStore writes a small store with a seal and returns its events.
func sealedStore(t *testing.T, dir string, priv ed25519.PrivateKey) []eventstore.RecordedEvent {
	t.Helper()
	s, err := Open(dir, Options{SegmentSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 6 {
		for _, stream := range []string{"incident-acme.INC-1", "alert-acme.f00d"} {
			ev := eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"text":"note %d"}`, i)}
			if _, err := s.Append(ctx, stream, eventstore.Any, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := seal.NewSealer(s, priv).Seal(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := s.ReadStream(ctx, "incident-acme.INC-1", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestVerifyCatchesRecordsRewrittenInPlace edits records on disk with valid
// CRCs, so the store opens and reads them without complaint, and checks that
// `socledger verify`'s check names the stream and revision.
func TestVerifyCatchesRecordsRewrittenInPlace(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tamper  func(t *testing.T, dir string, evs []eventstore.RecordedEvent)
		wantRev uint64
		reason  string
	}{
		{
			name: "content changed with a valid CRC",
			tamper: func(t *testing.T, dir string, evs []eventstore.RecordedEvent) {
				rewriteRecord(t, dir, evs[2].Position, func(body []byte) {
					i := strings.Index(string(body), "note 2")
					body[i+5] = '9'
				})
			},
			wantRev: 2, reason: "changed after it was written",
		},
		{
			name: "a pair of events reordered",
			tamper: func(t *testing.T, dir string, evs []eventstore.RecordedEvent) {
				// Swap everything but the place (position, batch, revision).
				var a, b []byte
				rewriteRecord(t, dir, evs[3].Position, func(body []byte) { a = slices.Clone(body) })
				rewriteRecord(t, dir, evs[4].Position, func(body []byte) {
					b = slices.Clone(body)
					copy(body[40:], a[40:])
				})
				rewriteRecord(t, dir, evs[3].Position, func(body []byte) { copy(body[40:], b[40:]) })
			},
			wantRev: 3, reason: "prev link",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			evs := sealedStore(t, dir, priv)
			tt.tamper(t, dir, evs)
			s, err := Open(dir, Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("the rewritten log does not open: %v", err)
			}
			defer s.Close()
			_, err = seal.Verify(t.Context(), s, pub, seal.VerifyOptions{})
			var me *seal.MismatchError
			if !errors.As(err, &me) || me.Stream != "incident-acme.INC-1" || me.Revision != tt.wantRev || !strings.Contains(me.Reason, tt.reason) {
				t.Fatalf("verify: %v, want incident-acme.INC-1 revision %d (%s)", err, tt.wantRev, tt.reason)
			}
		})
	}
}
