package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/esdb"
	"github.com/socledger/socledger/eventstore/esdb/esdbtest"
	"github.com/socledger/socledger/eventstore/seal"
)

// readyz returns /readyz's status code and reason.
func (s *server) readyz(t *testing.T) (int, string) {
	t.Helper()
	code, body, _ := s.get(t, "/readyz")
	var v struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	return code, v.Reason
}

// waitReady polls /readyz until it answers code, and returns the reason.
func (s *server) waitReady(t *testing.T, code int, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got, reason := s.readyz(t)
		if got == code {
			return reason
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz answered %d (%q) for %v, want %d; logs:\n%s", got, reason, within, code, s.logs)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// sealKey creates a sealing key pair outside any data directory.
func sealKey(t *testing.T) (priv, pub string) {
	t.Helper()
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, "seal.key"), filepath.Join(dir, "seal.pub")
	if _, err := seal.GenerateKeyFiles(priv, pub); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// TestServeESDB: serve on the in-process cluster becomes ready, seals what
// another node writes, seals again when it stops, leaves no data directory,
// and verify --store esdb passes.
func TestServeESDB(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	srv := esdbtest.Start(t, esdbtest.Options{})
	priv, pub := sealKey(t)
	data := filepath.Join(t.TempDir(), "unused")
	s := startServe(t, []string{"--store", "esdb", "--esdb-url", srv.URL(), "--esdb-namespace", "prod/", "--data", data,
		"--addr", "127.0.0.1:0", "--seal-key", priv, "--seal-interval", "50ms"}, nil)
	s.waitReady(t, http.StatusOK, 30*time.Second)

	// Another node writes.
	other, err := esdb.Open(ctx, esdb.Config{URL: srv.URL(), Namespace: "prod/"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for i := range 30 {
		ev := eventstore.EventData{Type: "incident.note_added", Data: fmt.Appendf(nil, `{"text":"%d"}`, i), Metadata: []byte(`{"tenant":"acme"}`)}
		if _, err := other.Append(ctx, fmt.Sprintf("incident-acme.INC-%d", i%4), eventstore.Any, ev); err != nil {
			t.Fatal(err)
		}
	}
	for { // a seal round after the writes
		evs, err := other.ReadStream(ctx, seal.SystemStream, 0, 0)
		if err == nil && len(evs) > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no seal on the cluster; logs:\n%s", s.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.shutdown(t)
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("serve --store esdb created the data directory %s (%v)", data, err)
	}
	for _, want := range []string{`"message":"connecting to the event store"`, `"message":"event store reachable"`, `"message":"sealing with key"`} {
		if !strings.Contains(s.logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, s.logs)
		}
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"socledger", "verify", "--store", "esdb", "--esdb-url", srv.URL(), "--esdb-namespace", "prod/", "--pubkey", pub}, env(nil), &out, io.Discard); err != nil {
		t.Fatalf("verify --store esdb: %v", err)
	}
	var events, streams, seals int
	if _, err := fmt.Sscanf(out.String(), "ok: %d events in %d streams and %d seals match", &events, &streams, &seals); err != nil ||
		seals < 2 || events != 30+seals || strings.Contains(out.String(), "not sealed") {
		t.Fatalf("verify printed %q, want 30 events and their seals, nothing unsealed", out.String())
	}
}

// TestServeESDBClusterDown: serve started while the cluster is down serves
// /healthz, answers /readyz 503 with the reason and logs each attempt, then
// becomes ready when the cluster starts; readiness follows the cluster
// going away and coming back.
func TestServeESDBClusterDown(t *testing.T) {
	t.Parallel()
	addr := esdbtest.FreeAddr(t)
	s := startServe(t, []string{"--store", "esdb", "--esdb-url", esdbtest.URL(addr), "--addr", "127.0.0.1:0",
		"--seal-interval", "0", "--esdb-ping-interval", "100ms"}, nil)
	reason := s.waitReady(t, http.StatusServiceUnavailable, 10*time.Second)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(reason, "unreachable") {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz reason %q, want one saying the store is unreachable", reason)
		}
		time.Sleep(25 * time.Millisecond)
		_, reason = s.readyz(t)
	}
	if !strings.Contains(reason, addr) || !strings.Contains(reason, "cluster unavailable") {
		t.Errorf("/readyz reason %q: want the cluster's address and the cause", reason)
	}
	if code, _, _ := s.get(t, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d while the cluster is down, want 200", code)
	}

	srv := esdbtest.New(esdbtest.Options{Addr: addr})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	s.waitReady(t, http.StatusOK, 30*time.Second)
	attempts := 0
	for _, l := range s.logLines() {
		if l.Message == "event store unreachable; retrying" && l.Level == "warn" {
			attempts++
		}
	}
	if attempts == 0 {
		t.Errorf("no \"event store unreachable; retrying\" log line; logs:\n%s", s.logs)
	}

	srv.Stop()
	if reason := s.waitReady(t, http.StatusServiceUnavailable, 20*time.Second); !strings.Contains(reason, "unreachable") {
		t.Errorf("/readyz reason %q after the cluster stopped", reason)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	s.waitReady(t, http.StatusOK, 30*time.Second)
	s.shutdown(t)
	if !strings.Contains(s.logs.String(), `"message":"event store reachable again"`) {
		t.Errorf("no \"event store reachable again\" log line; logs:\n%s", s.logs)
	}
}

func TestServeESDBErrors(t *testing.T) {
	t.Parallel()
	priv, _ := sealKey(t)
	up := esdbtest.URL(esdbtest.FreeAddr(t)) // a well-formed URL; nothing listens
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no URL", []string{"--store", "esdb", "--seal-interval", "0"}, "--store esdb needs --esdb-url"},
		{"unknown store", []string{"--store", "postgres"}, `--store "postgres": want embedded or esdb`},
		{"bad scheme", []string{"--store", "esdb", "--esdb-url", "http://db:2113", "--seal-interval", "0"}, "connection URL http://db:2113"},
		{"bad setting", []string{"--store", "esdb", "--esdb-url", "esdb://db:2113?tls=maybe", "--seal-interval", "0"}, "connection URL esdb://db:2113?tls=maybe"},
		{"credentials in a flag", []string{"--store", "esdb", "--esdb-url", "esdb://admin:changeit@db:2113", "--seal-interval", "0"}, "SOCLEDGER_ESDB_USERNAME"},
		{"no seal key", []string{"--store", "esdb", "--esdb-url", up}, "--store esdb seals only with an explicit --seal-key"},
		{"missing seal key", []string{"--store", "esdb", "--esdb-url", up, "--seal-key", filepath.Join(t.TempDir(), "none.key")}, "never created"},
		{"missing CA file", []string{"--store", "esdb", "--esdb-url", "esdb://db:2113", "--esdb-ca-file", filepath.Join(t.TempDir(), "ca.pem"), "--seal-key", priv}, "TLS CA file"},
		{"bad ping interval", []string{"--store", "esdb", "--esdb-url", up, "--seal-interval", "0", "--esdb-ping-interval", "0s"}, "--esdb-ping-interval"},
		{"bad insecure", []string{"--store", "esdb", "--esdb-url", up, "--seal-interval", "0", "--esdb-insecure-skip-verify=maybe"}, "--esdb-insecure-skip-verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := runBriefly(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "changeit") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestParseServeFlagsESDB(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"SOCLEDGER_STORE":                     "esdb",
		"SOCLEDGER_ESDB_URL":                  "esdb://admin:changeit@db1:2113,db2:2113", // credentials may sit in the environment
		"SOCLEDGER_ESDB_NAMESPACE":            "prod/",
		"SOCLEDGER_ESDB_CA_FILE":              "/etc/socledger/ca.pem",
		"SOCLEDGER_ESDB_CERT_FILE":            "/etc/socledger/node.crt",
		"SOCLEDGER_ESDB_KEY_FILE":             "/etc/socledger/node.key",
		"SOCLEDGER_ESDB_INSECURE_SKIP_VERIFY": "true",
		"SOCLEDGER_ESDB_USERNAME":             "socledger",
		"SOCLEDGER_ESDB_PASSWORD":             "s3cret",
		"SOCLEDGER_ESDB_PING_INTERVAL":        "2s",
		"SOCLEDGER_SEAL_KEY":                  "/etc/socledger/seal.key",
	}
	got, err := parseServeFlags(nil, env(vars), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := esdbServe{
		Config: esdb.Config{
			URL: "esdb://admin:changeit@db1:2113,db2:2113", Namespace: "prod/",
			TLS:      esdb.TLS{CAFile: "/etc/socledger/ca.pem", CertFile: "/etc/socledger/node.crt", KeyFile: "/etc/socledger/node.key", InsecureSkipVerify: true},
			Username: "socledger", Password: "s3cret",
		},
		PingInterval: 2 * time.Second,
	}
	if got.ESDB == nil || got.ESDB.Logger != nil || got.ESDB.URL != want.URL || got.ESDB.Namespace != want.Namespace || got.ESDB.TLS != want.TLS ||
		got.ESDB.Username != want.Username || got.ESDB.Password != want.Password || got.ESDB.PingInterval != want.PingInterval {
		t.Fatalf("from the environment: got %+v, want %+v", got.ESDB, want)
	}
	if got.SealKey != "/etc/socledger/seal.key" || got.SealInterval != time.Minute {
		t.Errorf("sealing: key %q interval %v", got.SealKey, got.SealInterval)
	}

	// Flags win; a bare --esdb-insecure-skip-verify means true.
	got, err = parseServeFlags([]string{"--esdb-url", "esdb://db3:2113", "--esdb-namespace", "", "--esdb-insecure-skip-verify", "--seal-interval", "0"},
		env(map[string]string{"SOCLEDGER_STORE": "esdb", "SOCLEDGER_ESDB_URL": "esdb://db1:2113", "SOCLEDGER_ESDB_NAMESPACE": "prod/"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got.ESDB.URL != "esdb://db3:2113" || got.ESDB.Namespace != "" || !got.ESDB.TLS.InsecureSkipVerify || got.ESDB.PingInterval != defaultPingInterval || got.SealKey != "" {
		t.Fatalf("flags over the environment: %+v", got.ESDB)
	}

	// The help shows the flags but not the environment's credentials.
	var help bytes.Buffer
	if _, err := parseServeFlags([]string{"-h"}, env(vars), &help); err == nil {
		t.Fatal("serve -h: no flag.ErrHelp")
	}
	for _, want := range []string{"-store", "-esdb-url", "-esdb-ca-file", "-esdb-insecure-skip-verify", "SOCLEDGER_ESDB_USERNAME", "SOCLEDGER_ESDB_URL"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("serve -h lacks %q", want)
		}
	}
	if strings.Contains(help.String(), "changeit") || strings.Contains(help.String(), "s3cret") {
		t.Errorf("serve -h shows credentials from the environment:\n%s", help.String())
	}

	// The embedded store ignores the cluster's settings.
	got, err = parseServeFlags([]string{"--store", "embedded"}, env(vars), io.Discard)
	if err != nil || got.ESDB != nil {
		t.Fatalf("--store embedded: %+v, %v", got, err)
	}
}

// TestComplianceESDB: a tenant's compliance report read from the cluster,
// after migrate, is the one read from the data directory (but for the
// store's own timestamps, which are the cluster's).
func TestComplianceESDB(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	dir := recordedDir(t, scenario6File, scenario17File)
	srv := esdbtest.Start(t, esdbtest.Options{})
	if _, errOut, err := runMigrate(t, ctx, nil, "--from", "embedded:"+dir, "--to", "esdb:"+srv.URL()); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut)
	}
	for _, format := range []string{"csv", "json"} {
		args := []string{"--tenant", "shop", "--as-of", "2025-05-01T00:00:00Z", "--format", format}
		local, err := runCompliance(t, append([]string{"--data", dir}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		remote, err := runCompliance(t, append([]string{"--store", "esdb", "--esdb-url", srv.URL()}, args...)...)
		if err != nil {
			t.Fatalf("compliance --store esdb: %v", err)
		}
		if format == "json" {
			local, remote = withoutStoredAt(t, local), withoutStoredAt(t, remote)
		}
		if local != remote {
			t.Errorf("%s report from the cluster differs from the data directory's:\n%s\n---\n%s", format, remote, local)
		}
	}
	_, err := runCompliance(t, "--store", "esdb", "--esdb-url", esdbtest.URL(esdbtest.FreeAddr(t)), "--tenant", "shop", "--as-of", "now")
	if err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("compliance with the cluster down: %v", err)
	}
}

// withoutStoredAt re-encodes a JSON document without its "storedAt" keys.
func withoutStoredAt(t *testing.T, doc string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "storedAt")
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
