package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

func TestSecondWriterRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := embedded.Open(dir, embedded.Options{SegmentSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = embedded.Open(dir, embedded.Options{SegmentSize: 64 << 10})
	if !errors.Is(err, vfs.ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second writer: got %v, want an error wrapping vfs.ErrLocked that names %s", err, dir)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := embedded.Open(dir, embedded.Options{SegmentSize: 64 << 10})
	if err != nil {
		t.Fatalf("open after the first writer closed: %v", err)
	}
	s2.Close()
}

// TestReadOnlyFollowsWriter opens a read-only store beside a running writer
// (as `socledger verify` or a report does) and checks that it sees every
// event the writer appends, across segment seals, in the same order and at
// the same positions, and that it cannot write.
//
// With a seal every few records, the follower meets sealed segments whose
// index file the writer has not written yet (it indexes them in memory,
// then switches to the file) and many it reads through their index files.
func TestReadOnlyFollowsWriter(t *testing.T) {
	t.Parallel()
	t.Run("SegmentSize", func(t *testing.T) {
		t.Parallel()
		testReadOnlyFollowsWriter(t, embedded.Options{SegmentSize: 64 << 10})
	})
	t.Run("ManySeals", func(t *testing.T) {
		t.Parallel()
		testReadOnlyFollowsWriter(t, embedded.WithSealEvery(embedded.Options{SegmentSize: 64 << 10}, 5))
	})
}

func testReadOnlyFollowsWriter(t *testing.T, opts embedded.Options) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	w, err := embedded.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Append(ctx, "tenant-acme", eventstore.NoStream, eventstore.EventData{Type: "tenant.created", Data: []byte(`{"name":"ACME"}`)}); err != nil {
		t.Fatal(err)
	}
	r, err := embedded.Open(dir, embedded.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Append(ctx, "tenant-acme", eventstore.Any, eventstore.EventData{Type: "tenant.created", Data: []byte(`{}`)}); !errors.Is(err, eventstore.ErrReadOnly) {
		t.Fatalf("append to a read-only store: %v, want ErrReadOnly", err)
	}
	sub, err := r.Subscribe(ctx, eventstore.Start, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	const appenders, per = 4, 150
	var wg sync.WaitGroup
	for g := range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				_, err := w.Append(ctx, fmt.Sprintf("alert-acme.g%d", g), eventstore.Any, eventstore.EventData{
					Type: "alert.raised", Data: fmt.Appendf(nil, `{"g":%d,"i":%d,"pad":"%0300d"}`, g, i, 0)})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var got []eventstore.RecordedEvent
	for len(got) < 1+appenders*per {
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatalf("read-only subscription after %d events: %v", len(got), err)
		}
		if m.Kind == eventstore.EventAppeared {
			got = append(got, *m.Event)
		}
	}
	wg.Wait()
	want, err := w.ReadAll(ctx, eventstore.Start, 10000, eventstore.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Events) != len(got) {
		t.Fatalf("writer has %d events, read-only follower saw %d", len(want.Events), len(got))
	}
	for i := range got {
		if got[i].EventID != want.Events[i].EventID || got[i].Position != want.Events[i].Position {
			t.Fatalf("event %d: follower saw %s at %s, writer has %s at %s", i, got[i].EventID, got[i].Position, want.Events[i].EventID, want.Events[i].Position)
		}
	}
	if w.Stats().Segments < 2 {
		t.Fatalf("the test should cross a segment seal; the writer has %d segment(s)", w.Stats().Segments)
	}
	evs, err := r.ReadStream(ctx, "alert-acme.g2", 0, 0)
	if err != nil || len(evs) != per {
		t.Fatalf("follower ReadStream: %d events, %v", len(evs), err)
	}
}

func TestReadOnlyAfterWriterClosed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := t.Context()
	w, err := embedded.Open(dir, embedded.Options{SegmentSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if _, err := w.Append(ctx, "audit-acme", eventstore.Any, eventstore.EventData{Type: "audit.sealed", Data: fmt.Appendf(nil, `{"n":%d,"pad":"%0200d"}`, i, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := embedded.Open(dir, embedded.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	evs, err := r.ReadStream(ctx, "audit-acme", 0, 0)
	if err != nil || len(evs) != 300 {
		t.Fatalf("read-only open of a closed store: %d events, %v", len(evs), err)
	}
	if _, err := embedded.Open(filepath.Join(dir, "missing"), embedded.Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("read-only open of a missing directory: %v, want an error naming it", err)
	}
}
