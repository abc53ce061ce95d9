package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore/embedded"
)

// syncBuffer is a bytes.Buffer safe for concurrent use: serve logs to it
// while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env returns a getenv that reads only vars.
func env(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

// server is a serve command started by startServe.
type server struct {
	addr string        // the address it listens on
	base string        // "http://" + addr
	logs *syncBuffer   // its stderr
	stop func()        // cancels its context
	done chan struct{} // closed when run has returned
	err  error         // run's result, once done is closed
	http *http.Client  // a client with a timeout
}

// logLines returns the JSON log lines the server has written so far.
func (s *server) logLines() []logLine { return parseLogs(s.logs.String()) }

// logLine is a JSON log line of serve.
type logLine struct {
	Level   string `json:"level"`
	Message string `json:"message"`
	Addr    string `json:"addr"`
	Dir     string `json:"dir"`
}

func parseLogs(s string) []logLine {
	var lines []logLine
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			lines = append(lines, l)
		}
	}
	return lines
}

// startServe runs "socledger serve args…" with the environment vars and
// waits until it logs the address it listens on and /healthz answers 200.
// The server is stopped when the test ends.
func startServe(t *testing.T, args []string, vars map[string]string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	s := &server{
		logs: &syncBuffer{},
		stop: cancel,
		done: make(chan struct{}),
		http: &http.Client{Timeout: 5 * time.Second},
	}
	go func() {
		defer close(s.done)
		s.err = run(ctx, append([]string{"socledger", "serve"}, args...), env(vars), io.Discard, s.logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			t.Errorf("serve did not return within 15s of cancellation")
		}
	})

	deadline := time.Now().Add(10 * time.Second)
	for s.addr == "" {
		select {
		case <-s.done:
			t.Fatalf("serve returned before listening: %v\nlogs:\n%s", s.err, s.logs)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve logged no \"listening\" line within 10s; logs:\n%s", s.logs)
		}
		for _, l := range s.logLines() {
			if l.Message == "listening" {
				s.addr = l.Addr
			}
		}
	}
	s.base = "http://" + s.addr

	for {
		res, err := s.http.Get(s.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz did not return 200 within 10s (last: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get GETs path and returns the status code, the body and the headers.
func (s *server) get(t *testing.T, path string) (int, string, http.Header) {
	t.Helper()
	res, err := s.http.Get(s.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return res.StatusCode, string(body), res.Header
}

// shutdown cancels the server's context and checks that run returns nil
// promptly.
func (s *server) shutdown(t *testing.T) {
	t.Helper()
	s.stop()
	select {
	case <-s.done:
		if s.err != nil {
			t.Fatalf("run returned %v after cancellation, want nil; logs:\n%s", s.err, s.logs)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("run did not return within 5s of cancellation; logs:\n%s", s.logs)
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServe(t, []string{"--data", dir, "--addr", "127.0.0.1:0"}, nil)

	if host, port, err := net.SplitHostPort(s.addr); err != nil || host != "127.0.0.1" || port == "0" {
		t.Errorf("listening on %q, want 127.0.0.1 and a real port", s.addr)
	}
	var opened bool
	for _, l := range s.logLines() {
		if l.Message == "store opened" && l.Dir == dir {
			opened = true
		}
	}
	if !opened {
		t.Errorf("no \"store opened\" log line with dir %q; logs:\n%s", dir, s.logs)
	}

	code, body, hdr := s.get(t, "/healthz")
	if code != http.StatusOK || strings.TrimSpace(body) != `{"status":"ok"}` || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("GET /healthz = %d %q (Content-Type %q), want 200 {\"status\":\"ok\"} application/json", code, body, hdr.Get("Content-Type"))
	}
	if code, body, _ := s.get(t, "/readyz"); code != http.StatusOK {
		t.Errorf("GET /readyz = %d %q, want 200", code, body)
	}
	code, body, hdr = s.get(t, "/")
	if code != http.StatusOK || !strings.Contains(body, "the analyst console is not built yet") {
		t.Errorf("GET / = %d, body %q; want 200 and the placeholder page", code, body)
	}
	if got := hdr.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
		t.Errorf("GET / Content-Type %q, want text/html", got)
	}

	s.shutdown(t)
	var messages []string
	for _, l := range s.logLines() {
		messages = append(messages, l.Message)
	}
	got := strings.Join(messages, ", ")
	if !strings.Contains(got, "shutting down") || !strings.HasSuffix(got, "stopped") {
		t.Errorf("log messages %q, want \"shutting down\" and last \"stopped\"", got)
	}
}

func TestServeAddrFromEnvironment(t *testing.T) {
	t.Parallel()
	s := startServe(t, []string{"--data", t.TempDir()}, map[string]string{"SOCLEDGER_ADDR": "127.0.0.1:0"})
	if _, port, _ := net.SplitHostPort(s.addr); port == "8080" || port == "0" {
		t.Errorf("listening on %s: SOCLEDGER_ADDR=127.0.0.1:0 was not used", s.addr)
	}
	s.shutdown(t)
}

func TestServeFlagOverridesEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := startServe(t, []string{"--addr", "127.0.0.1:0"}, map[string]string{
		"SOCLEDGER_ADDR": "127.0.0.1:99999", // an invalid port: serve fails if it is used
		"SOCLEDGER_DATA": dir,
	})
	var opened bool
	for _, l := range s.logLines() {
		opened = opened || l.Message == "store opened" && l.Dir == dir
	}
	if !opened {
		t.Errorf("SOCLEDGER_DATA=%s was not used; logs:\n%s", dir, s.logs)
	}
	s.shutdown(t)
}

// runBriefly runs "socledger args…" with an empty environment, for a command
// expected to fail at once: should it start serving instead, it is stopped
// after 5s and runBriefly returns nil.
func runBriefly(t *testing.T, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	return run(ctx, append([]string{"socledger"}, args...), env(nil), io.Discard, io.Discard)
}

func TestServeDataDirInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	startServe(t, []string{"--data", dir, "--addr", "127.0.0.1:0"}, nil)

	err := runBriefly(t, "serve", "--data", dir, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "data directory "+dir+" is in use by another socledger process") {
		t.Fatalf("second serve on %s: err = %v, want \"data directory %s is in use by another socledger process\"", dir, err, dir)
	}
}

func TestServeUnusableDataDir(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(file, "data")
	err := runBriefly(t, "serve", "--data", data, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), data) {
		t.Fatalf("serve --data %s: err = %v, want an error naming the path", data, err)
	}
}

func TestServeUnusableAddr(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	err = runBriefly(t, "serve", "--data", t.TempDir(), "--addr", busy)
	if err == nil || !strings.Contains(err.Error(), "listen on "+busy) {
		t.Fatalf("serve --addr %s (in use): err = %v, want an error naming the address", busy, err)
	}
}

func TestParseServeFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    serveConfig
		wantErr string
	}{
		{
			name: "defaults",
			want: serveConfig{DataDir: "./data", Addr: "127.0.0.1:8080", LogFormat: "auto", SealKey: "data/seal.key", SealInterval: time.Minute},
		},
		{
			name: "environment",
			env:  map[string]string{"SOCLEDGER_DATA": "/var/lib/socledger", "SOCLEDGER_ADDR": ":9000", "SOCLEDGER_LOG_FORMAT": "json"},
			want: serveConfig{DataDir: "/var/lib/socledger", Addr: ":9000", LogFormat: "json", SealKey: "/var/lib/socledger/seal.key", SealInterval: time.Minute},
		},
		{
			name: "sealing from environment",
			env:  map[string]string{"SOCLEDGER_SEAL_KEY": "/etc/socledger/seal.key", "SOCLEDGER_SEAL_INTERVAL": "30s"},
			want: serveConfig{DataDir: "./data", Addr: "127.0.0.1:8080", LogFormat: "auto", SealKey: "/etc/socledger/seal.key", SealInterval: 30 * time.Second},
		},
		{
			name: "sealing off",
			args: []string{"--seal-interval", "0"},
			env:  map[string]string{"SOCLEDGER_SEAL_INTERVAL": "30s"},
			want: serveConfig{DataDir: "./data", Addr: "127.0.0.1:8080", LogFormat: "auto", SealKey: "data/seal.key"},
		},
		{
			name:    "bad seal interval",
			args:    []string{"--seal-interval", "often"},
			wantErr: `--seal-interval "often"`,
		},
		{
			name: "flags win over environment",
			args: []string{"--data", "d", "--addr", "127.0.0.1:0", "--log-format", "console"},
			env:  map[string]string{"SOCLEDGER_DATA": "/var/lib/socledger", "SOCLEDGER_ADDR": ":9000", "SOCLEDGER_LOG_FORMAT": "json"},
			want: serveConfig{DataDir: "d", Addr: "127.0.0.1:0", LogFormat: "console", SealKey: "d/seal.key", SealInterval: time.Minute},
		},
		{
			name:    "bad log format",
			args:    []string{"--log-format", "xml"},
			wantErr: `--log-format "xml"`,
		},
		{
			name:    "bad log format from environment",
			env:     map[string]string{"SOCLEDGER_LOG_FORMAT": "text"},
			wantErr: `--log-format "text"`,
		},
		{
			name:    "unknown flag",
			args:    []string{"--port", "1"},
			wantErr: "flag provided but not defined: -port",
		},
		{
			name:    "stray argument",
			args:    []string{"now"},
			wantErr: `unexpected argument "now"`,
		},
		{
			name:    "empty data",
			args:    []string{"--data", ""},
			wantErr: "--data must not be empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseServeFlags(tt.args, env(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want.Retention.interval == 0 {
				want.Retention.interval, want.Retention.rate = defaultScavengeInterval, embedded.DefaultScavengeRate
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestServeRetentionFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    retentionFlags
		wantErr string
	}{
		{name: "none", want: retentionFlags{interval: time.Hour, rate: 32 << 20}},
		{
			name: "every tenant and one exempt",
			args: []string{"--retain", "log=90d", "--retain", "log-acme=forever", "--retain", "log-beta=36h", "--scavenge-interval", "10m", "--scavenge-rate", "8M"},
			want: retentionFlags{rules: []embedded.RetentionRule{{Prefix: "log-", MaxAge: 90 * 24 * time.Hour}, {Prefix: "log-acme.", MaxAge: 0}, {Prefix: "log-beta.", MaxAge: 36 * time.Hour}},
				interval: 10 * time.Minute, rate: 8 << 20},
		},
		{
			name: "environment, a flag overrides a rule",
			args: []string{"--retain", "log=30d"},
			env:  map[string]string{"SOCLEDGER_RETAIN": "log=90d, log-acme=7d", "SOCLEDGER_SCAVENGE_RATE": "512K"},
			want: retentionFlags{rules: []embedded.RetentionRule{{Prefix: "log-", MaxAge: 30 * 24 * time.Hour}, {Prefix: "log-acme.", MaxAge: 7 * 24 * time.Hour}},
				interval: time.Hour, rate: 512 << 10},
		},
		{name: "alerts are kept for good", args: []string{"--retain", "alert=30d"}, wantErr: `rule "alert=30d": only log streams expire`},
		{name: "audit from the environment", env: map[string]string{"SOCLEDGER_RETAIN": "audit-acme=1d"}, wantErr: `SOCLEDGER_RETAIN: rule "audit-acme=1d": only log streams expire`},
		{name: "bad age", args: []string{"--retain", "log=soon"}, wantErr: `age "soon"`},
		{name: "zero days", args: []string{"--retain", "log=0d"}, wantErr: `age "0d"`},
		{name: "bad tenant", args: []string{"--retain", "log-Acme Corp=1d"}, wantErr: "tenant"},
		{name: "no equals", args: []string{"--retain", "log"}, wantErr: "want CATEGORY[-TENANT]=AGE"},
		{name: "bad rate", args: []string{"--scavenge-rate", "fast"}, wantErr: `rate "fast"`},
		{name: "bad interval", args: []string{"--scavenge-interval", "0s"}, wantErr: "positive duration"},
		{name: "needs the sealer", args: []string{"--retain", "log=90d", "--seal-interval", "0"}, wantErr: "--retain needs the sealer"},
		{name: "not on a cluster", args: []string{"--retain", "log=90d", "--store", "esdb", "--esdb-url", "esdb://db:2113", "--seal-key", "k"}, wantErr: "--retain applies to the embedded store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseServeFlags(tt.args, env(tt.env), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Retention, tt.want) {
				t.Errorf("got %+v, want %+v", got.Retention, tt.want)
			}
		})
	}
}

func TestServeHelp(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if _, err := parseServeFlags([]string{"-h"}, env(nil), &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve -h: err = %v, want flag.ErrHelp", err)
	}
	if err := run(t.Context(), []string{"socledger", "serve", "-h"}, env(nil), io.Discard, &stderr); err != nil {
		t.Fatalf("run serve -h: %v", err)
	}
	for _, want := range []string{"-data", "SOCLEDGER_DATA", "-addr", "SOCLEDGER_ADDR", "-log-format"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("serve -h output lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"help", "-h", "--help"} {
		var stdout bytes.Buffer
		if err := run(t.Context(), []string{"socledger", arg}, env(nil), &stdout, io.Discard); err != nil {
			t.Errorf("socledger %s: %v", arg, err)
		}
		if !strings.Contains(stdout.String(), "serve") {
			t.Errorf("socledger %s: usage does not list serve:\n%s", arg, stdout.String())
		}
	}
}

func TestNoCommand(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"socledger"}, env(nil), io.Discard, &stderr)
	if err == nil {
		t.Error("socledger with no command: err = nil, want an error")
	}
	if !strings.Contains(stderr.String(), "serve") {
		t.Errorf("usage on stderr does not list serve:\n%s", stderr.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"socledger", "frobnicate"}, env(nil), io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), `"frobnicate"`) {
		t.Errorf("err = %v, want an error naming \"frobnicate\"", err)
	}
	if !strings.Contains(stderr.String(), "serve") {
		t.Errorf("usage on stderr does not list serve:\n%s", stderr.String())
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	var ready atomic.Bool
	h := newHandler(&ready, http.NotFoundHandler())
	status := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code
	}
	if got := status(); got != http.StatusServiceUnavailable {
		t.Errorf("not ready: /readyz = %d, want 503", got)
	}
	ready.Store(true)
	if got := status(); got != http.StatusOK {
		t.Errorf("ready: /readyz = %d, want 200", got)
	}
}
