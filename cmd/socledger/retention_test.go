package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/alert"
	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// TestServeRetention: serve with --retain removes expired log events in the
// background, keeps those an open alert references and each stream's last
// event, records signed markers first, and verify passes afterwards.
func TestServeRetention(t *testing.T) {
	// Not parallel: it shortens firstScavengeDelay for the serve it runs.
	dir := t.TempDir()
	ctx := context.Background()
	now := time.Now()
	old := now.Add(-100 * 24 * time.Hour)
	at := old
	st, err := embedded.Open(dir, embedded.Options{SegmentSize: 64 << 10, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	logEvent := func(stream string, i int) eventstore.EventData {
		return eventstore.EventData{Type: "log.received", Data: fmt.Appendf(nil, `{"line":%d,"msg":"%0200d"}`, i, i)}
	}
	var evidence eventstore.EventID
	for i := range 300 {
		for _, stream := range []string{"log-acme.fw", "log-acme.dns", "log-beta.proxy"} {
			ev := logEvent(stream, i)
			ev.EventID = eventstore.NewEventID()
			if stream == "log-acme.fw" && i == 150 {
				evidence = ev.EventID
			}
			if _, err := st.Append(ctx, stream, eventstore.Any, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An open alert raised from log-acme.fw's event 150.
	x := &eventstore.Executor{Store: st}
	alerts := eventstore.Aggregate[alert.Command, alert.Event, alert.State]{Name: "alert", Decider: alert.Decider, Codec: alert.Codec(), Stream: alert.StreamOf}
	raise := alert.Raise{
		Meta:   domain.Meta{CommandID: "raise-1", Tenant: "acme", Actor: "system:detection", At: old},
		Source: "sigma", RuleID: "5f3e7c1a-0000-4000-8000-000000000001", RuleTitle: "Firewall deny burst", Severity: domain.SeverityHigh,
		Fingerprint: "fw|deny|10.0.0.7", RawEvents: []alert.EventRef{{Stream: "log-acme.fw", EventID: evidence.String()}},
		DedupWindow: time.Hour, ReopenPolicy: alert.PolicyReopen,
	}
	if _, err := eventstore.Execute(ctx, x, alerts, alert.Command(raise)); err != nil {
		t.Fatal(err)
	}
	// Recent events, so the old segments are sealed and not the newest.
	at = now
	for i := range 600 {
		if _, err := st.Append(ctx, "log-acme.fw", eventstore.Any, logEvent("log-acme.fw", 1000+i)); err != nil {
			t.Fatal(err)
		}
	}
	before := readStoreEvents(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	firstScavengeDelay = 10 * time.Millisecond
	defer func() { firstScavengeDelay = time.Minute }()
	s := startServe(t, []string{"--data", dir, "--addr", "127.0.0.1:0", "--seal-interval", "50ms", "--retain", "log=90d", "--retain", "log-beta=forever"}, nil)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.logs.String(), `"message":"scavenge pass"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no scavenge pass logged within 20s; logs:\n%s", s.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.shutdown(t)
	for _, line := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(line, `"level":"error"`) || strings.Contains(line, `"level":"warn"`) && !strings.Contains(line, "created a sealing key") {
			t.Fatalf("serve logged a problem: %s\nlogs:\n%s", line, s.logs)
		}
	}

	ro, err := embedded.Open(dir, embedded.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	after := readStoreEvents(t, ro)
	streams := func(evs []eventstore.RecordedEvent) map[string][]uint64 {
		m := map[string][]uint64{}
		for _, ev := range evs {
			m[ev.StreamID] = append(m[ev.StreamID], ev.Revision)
		}
		return m
	}
	b, a := streams(before), streams(after)
	if got := a["log-acme.dns"]; len(got) != 1 || got[0] != 299 {
		t.Errorf("log-acme.dns after retention: revisions %v, want only its last event (299)", got)
	}
	if len(a["log-beta.proxy"]) != 300 {
		t.Errorf("log-beta.proxy (exempt) has %d events after retention, want 300", len(a["log-beta.proxy"]))
	}
	fw := a["log-acme.fw"]
	if len(fw) >= len(b["log-acme.fw"]) || fw[0] > 150 {
		t.Errorf("log-acme.fw after retention starts at %d with %d events (of %d): want old events removed and the alert's evidence (150) kept", fw[0], len(fw), len(b["log-acme.fw"]))
	}
	evs, err := ro.ReadStream(ctx, "log-acme.fw", 150, 1)
	if err != nil || len(evs) != 1 || evs[0].EventID != evidence {
		t.Fatalf("the event the open alert references is gone: %v %v", evs, err)
	}
	for _, r := range fw {
		if r < 150 {
			t.Errorf("log-acme.fw revision %d (expired, before the held event in its segment) was kept", r)
		}
	}
	markers := 0
	for _, ev := range after {
		if ev.Type == "audit.truncated" && ev.StreamID == "audit-acme" {
			markers++
		}
	}
	if markers == 0 {
		t.Fatal("no audit.truncated marker in audit-acme")
	}

	pub := filepath.Join(t.TempDir(), "seal.pub")
	key, err := os.ReadFile(filepath.Join(dir, "seal.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, key, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runVerify(t, "--data", dir, "--pubkey", pub)
	if err != nil {
		t.Fatalf("verify after retention: %v", err)
	}
	if !strings.Contains(out, "removed by retention") {
		t.Errorf("verify output %q does not account for the removed events", out)
	}
}

func readStoreEvents(t *testing.T, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	from := eventstore.Start
	for {
		page, err := s.ReadAll(context.Background(), from, 1000, eventstore.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Events...)
		from = page.Checkpoint
		if page.AtEnd {
			return out
		}
	}
}
