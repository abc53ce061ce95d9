package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/seal"
)

// runVerify runs "socledger verify args…" and returns stdout and the error.
func runVerify(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(t.Context(), append([]string{"socledger", "verify"}, args...), env(nil), &out, io.Discard)
	return out.String(), err
}

// TestServeSealsAndVerifyPasses: serve creates a sealing key on first start
// and seals what it wrote before it stops; verify, given a copy of the
// public key from outside the data directory, passes.
func TestServeSealsAndVerifyPasses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Some history written by an earlier run.
	st, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		ev := eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"text":"%d"}`, i)}
		if _, err := st.Append(t.Context(), fmt.Sprintf("incident-acme.INC-%d", i%3), eventstore.Any, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	s := startServe(t, []string{"--data", dir, "--addr", "127.0.0.1:0", "--seal-interval", "50ms"}, nil)
	s.shutdown(t)
	if !strings.Contains(s.logs.String(), "created a sealing key") {
		t.Errorf("serve did not say it created a sealing key; logs:\n%s", s.logs)
	}

	pubInData := filepath.Join(dir, "seal.pub")
	if _, err := runVerify(t, "--data", dir, "--pubkey", pubInData); err == nil || !strings.Contains(err.Error(), "inside the data directory") {
		t.Fatalf("verify with the data directory's own public key: %v, want a refusal", err)
	}
	pub := filepath.Join(t.TempDir(), "socledger-seal.pub")
	b, err := os.ReadFile(pubInData)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runVerify(t, "--data", dir, "--pubkey", pub)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	// 20 events and their seals: at least acme's and the system's (a round
	// cut short by the shutdown leaves an extra acme seal, chained).
	var events, streams, seals int
	if _, err := fmt.Sscanf(out, "ok: %d events in %d streams and %d seals match", &events, &streams, &seals); err != nil ||
		seals < 2 || events != 20+seals || streams != 5 || strings.Contains(out, "not sealed") {
		t.Fatalf("verify printed %q, want 20 events plus their seals in 5 streams, nothing unsealed", out)
	}
}

// TestVerifyFailsNamingTheStreamAndRevision rebuilds a sealed log without one
// event (recomputing every chain, as someone rewriting the data directory
// would) and expects verify to fail naming the stream and revision.
func TestVerifyFailsNamingTheStreamAndRevision(t *testing.T) {
	t.Parallel()
	keys := t.TempDir()
	priv, err := seal.GenerateKeyFiles(filepath.Join(keys, "seal.key"), filepath.Join(keys, "seal.pub"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	orig, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	for i := range 4 {
		ev := eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"text":"%d"}`, i)}
		if _, err := orig.Append(ctx, "incident-acme.INC-1", eventstore.Any, ev); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := seal.NewSealer(orig, priv).Seal(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rebuilt, err := embedded.Open(dir, embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := orig.ReadAll(ctx, eventstore.Start, 0, eventstore.Filter{})
	if err != nil || !page.AtEnd {
		t.Fatal(err)
	}
	for _, ev := range page.Events {
		if ev.StreamID == "incident-acme.INC-1" && ev.Revision == 1 {
			continue
		}
		if _, err := rebuilt.Append(ctx, ev.StreamID, eventstore.Any, eventstore.EventData{EventID: ev.EventID, Type: ev.Type, Data: ev.Data, Metadata: ev.Metadata}); err != nil {
			t.Fatal(err)
		}
	}
	if err := rebuilt.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = runVerify(t, "--data", dir, "--pubkey", filepath.Join(keys, "seal.pub"))
	if err == nil || !strings.Contains(err.Error(), "stream incident-acme.INC-1 revision 3") {
		t.Fatalf("verify: %v, want a failure naming incident-acme.INC-1 revision 3", err)
	}
	if _, err := runVerify(t, "--data", t.TempDir(), "--pubkey", filepath.Join(keys, "seal.pub")); err == nil || !strings.Contains(err.Error(), "not a socledger data directory") {
		t.Fatalf("verify of an empty directory: %v", err)
	}
}
