package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/esdb"
)

// Choosing and reaching the event store: the flags serve, verify and
// compliance share (migrate shares the esdb ones), and the connection loop
// and readiness of serve on a cluster.
//
// Decisions:
//
//   - --store embedded (the default) keeps the store in --data; --store esdb
//     puts it on a KurrentDB / EventStoreDB cluster at --esdb-url, and the
//     data directory is then neither created nor used.
//   - Credentials come only from SOCLEDGER_ESDB_USERNAME and
//     SOCLEDGER_ESDB_PASSWORD, never from a flag: a flag shows in ps. A
//     connection URL given as a flag may not carry them either (the same URL
//     in SOCLEDGER_ESDB_URL may).
//   - serve starts serving HTTP before the cluster answers: /healthz is 200,
//     /readyz 503 with the reason, and it tries again with backoff (250ms
//     doubling to 10s, one log line per attempt) for as long as it runs.
//     A bad URL or TLS file is an error at once. Once connected, a Ping every
//     --esdb-ping-interval keeps /readyz honest.

// storeFlags are the flags that choose the event store and reach a cluster.
type storeFlags struct {
	flags                     *flag.FlagSet
	kind                      string
	url                       string
	namespace                 string
	caFile, certFile, keyFile string
	insecure                  string // a bool, parsed after the flags
}

// addStoreFlags defines --store and the --esdb-* flags on flags, each with
// its SOCLEDGER_* environment variable as the default.
func addStoreFlags(flags *flag.FlagSet, getenv func(string) string) *storeFlags {
	f := &storeFlags{flags: flags}
	flags.StringVar(&f.kind, "store", envOr(getenv, "SOCLEDGER_STORE", "embedded"),
		"event store `kind`: embedded (in --data) or esdb (a KurrentDB / EventStoreDB cluster at --esdb-url) (env SOCLEDGER_STORE)")
	addESDBFlags(flags, getenv, f)
	// Not the environment's URL as the default: it may hold credentials,
	// which the usage text would print.
	flags.StringVar(&f.url, "esdb-url", "",
		"KurrentDB / EventStoreDB connection `URL` for --store esdb, e.g. esdb://db1:2113,db2:2113,db3:2113 or esdb://host:2113?tls=false; credentials only in SOCLEDGER_ESDB_USERNAME / SOCLEDGER_ESDB_PASSWORD (env SOCLEDGER_ESDB_URL)")
	flags.StringVar(&f.namespace, "esdb-namespace", getenv("SOCLEDGER_ESDB_NAMESPACE"),
		"with --store esdb: a `prefix` of every stream name on the cluster, so several deployments can share it (env SOCLEDGER_ESDB_NAMESPACE)")
	return f
}

// addESDBFlags defines the TLS flags of a cluster connection.
func addESDBFlags(flags *flag.FlagSet, getenv func(string) string, f *storeFlags) {
	flags.StringVar(&f.caFile, "esdb-ca-file", getenv("SOCLEDGER_ESDB_CA_FILE"),
		"PEM `file` of the certificate authorities to trust for the cluster's TLS certificates; default the system's (env SOCLEDGER_ESDB_CA_FILE)")
	flags.StringVar(&f.certFile, "esdb-cert-file", getenv("SOCLEDGER_ESDB_CERT_FILE"),
		"client certificate `file` (PEM) for X.509 authentication to the cluster (env SOCLEDGER_ESDB_CERT_FILE)")
	flags.StringVar(&f.keyFile, "esdb-key-file", getenv("SOCLEDGER_ESDB_KEY_FILE"),
		"the client certificate's key `file` (PEM) (env SOCLEDGER_ESDB_KEY_FILE)")
	f.insecure = getenv("SOCLEDGER_ESDB_INSECURE_SKIP_VERIFY")
	flags.Var(boolText{&f.insecure}, "esdb-insecure-skip-verify",
		"accept any TLS certificate from the cluster: for tests only (env SOCLEDGER_ESDB_INSECURE_SKIP_VERIFY)")
}

// boolText is a bool flag (a bare flag means true) that keeps its text, so
// that the flag and its environment variable are validated alike.
type boolText struct{ v *string }

func (b boolText) String() string {
	if b.v == nil {
		return ""
	}
	return *b.v
}
func (b boolText) Set(s string) error { *b.v = s; return nil }
func (b boolText) IsBoolFlag() bool   { return true }

// esdbConfig returns the cluster configuration the flags describe, or nil
// for the embedded store. cmd prefixes errors.
func (f *storeFlags) esdbConfig(cmd string, getenv func(string) string) (*esdb.Config, error) {
	switch f.kind {
	case "embedded":
		return nil, nil
	case "esdb":
	default:
		return nil, fmt.Errorf("%s: --store %q: want embedded or esdb", cmd, f.kind)
	}
	if !flagSet(f.flags, "esdb-url") {
		f.url = getenv("SOCLEDGER_ESDB_URL")
	}
	if f.url == "" {
		return nil, fmt.Errorf("%s: --store esdb needs --esdb-url (or SOCLEDGER_ESDB_URL), e.g. esdb://db1:2113,db2:2113,db3:2113", cmd)
	}
	if flagSet(f.flags, "esdb-url") && hasUserInfo(f.url) {
		return nil, fmt.Errorf("%s: --esdb-url carries credentials, which any user can read with ps: put them in SOCLEDGER_ESDB_USERNAME and SOCLEDGER_ESDB_PASSWORD", cmd)
	}
	return f.cluster(cmd, f.url, f.namespace, getenv)
}

// cluster builds the configuration of the cluster at url.
func (f *storeFlags) cluster(cmd, url, namespace string, getenv func(string) string) (*esdb.Config, error) {
	cfg := &esdb.Config{
		URL:       url,
		Namespace: namespace,
		TLS:       esdb.TLS{CAFile: f.caFile, CertFile: f.certFile, KeyFile: f.keyFile},
		Username:  getenv("SOCLEDGER_ESDB_USERNAME"),
		Password:  getenv("SOCLEDGER_ESDB_PASSWORD"),
	}
	if f.insecure != "" {
		v, err := strconv.ParseBool(f.insecure)
		if err != nil {
			return nil, fmt.Errorf("%s: --esdb-insecure-skip-verify %q: want true or false", cmd, f.insecure)
		}
		cfg.TLS.InsecureSkipVerify = v
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, fmt.Errorf("%s: set both SOCLEDGER_ESDB_USERNAME and SOCLEDGER_ESDB_PASSWORD, or neither", cmd)
	}
	if (cfg.TLS.CertFile == "") != (cfg.TLS.KeyFile == "") {
		return nil, fmt.Errorf("%s: --esdb-cert-file and --esdb-key-file go together", cmd)
	}
	return cfg, nil
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(flags *flag.FlagSet, name string) bool {
	set := false
	flags.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// hasUserInfo reports whether a connection URL names a user.
func hasUserInfo(u string) bool {
	_, rest, ok := strings.Cut(u, "://")
	if !ok {
		return false
	}
	host, _, _ := strings.Cut(rest, "?")
	host, _, _ = strings.Cut(host, "/")
	return strings.Contains(host, "@")
}

// redactURL removes the credentials from a connection URL, for messages.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		if q := strings.IndexAny(rest, "/?"); q < 0 || at < q {
			rest = rest[at+1:]
		}
	}
	return scheme + "://" + rest
}

// describeCluster names a cluster (and its namespace) for messages.
func describeCluster(cfg *esdb.Config) string {
	s := redactURL(cfg.URL)
	if cfg.Namespace != "" {
		s += " (namespace " + cfg.Namespace + ")"
	}
	return s
}

// openReadStore opens the store of a reading command (verify, compliance):
// the embedded store in dataDir read-only, so a running server may keep
// writing, or the cluster cfg names (failing clearly when it cannot be
// reached).
func openReadStore(ctx context.Context, cmd, dataDir string, cfg *esdb.Config) (eventstore.Store, error) {
	if cfg != nil {
		s, err := esdb.Open(ctx, *cfg)
		if err != nil {
			if errors.Is(err, esdb.ErrUnavailable) {
				return nil, fmt.Errorf("%s: the event store cluster %s cannot be reached: %w", cmd, describeCluster(cfg), err)
			}
			return nil, fmt.Errorf("%s: %w", cmd, err)
		}
		return s, nil
	}
	if _, err := os.Stat(filepath.Join(dataDir, "log")); err != nil {
		return nil, fmt.Errorf("%s: %s is not a socledger data directory: %w", cmd, dataDir, err)
	}
	s, err := embedded.Open(dataDir, embedded.Options{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("%s: open %s: %w", cmd, dataDir, err)
	}
	return s, nil
}

// readiness is what /readyz reports: ready, or not and why. The zero value
// is not ready ("starting").
type readiness struct {
	mu      sync.Mutex
	reason  string // "" when ready
	started bool   // ready or notReady was called
	closing bool   // shutdown was called: never ready again
}

func (r *readiness) ready() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closing {
		r.reason, r.started = "", true
	}
}

func (r *readiness) notReady(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closing {
		r.reason, r.started = reason, true
	}
}

// shutdown makes the service not ready for good.
func (r *readiness) shutdown(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reason, r.started, r.closing = reason, true, true
}

// Load reports whether the service takes traffic.
func (r *readiness) Load() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.started && r.reason == ""
}

// Reason says why the service does not take traffic ("" when it does).
func (r *readiness) Reason() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.started {
		return "starting"
	}
	return r.reason
}

// Backoff of serve's connection attempts.
const (
	connectFirstRetry = 250 * time.Millisecond
	connectMaxRetry   = 10 * time.Second
	// pingTimeout bounds one connection attempt or readiness Ping.
	pingTimeout = 10 * time.Second
)

// connectCluster pings the cluster until it answers or ctx ends, logging
// each failed attempt once and keeping ready's reason up to date. It
// reports whether the cluster answered.
func connectCluster(ctx context.Context, s *esdb.Store, where string, ready *readiness, logger zerolog.Logger) bool {
	wait := connectFirstRetry
	for attempt := 1; ; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err := s.Ping(pctx)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		ready.notReady(fmt.Sprintf("event store %s unreachable (attempt %d, next in %v): %v", where, attempt, wait, err))
		ev := logger.Warn()
		if !errors.Is(err, esdb.ErrUnavailable) {
			ev = logger.Error() // reachable but refusing: credentials, certificates
		}
		ev.Err(err).Str("store", where).Int("attempt", attempt).Dur("retry_in", wait).Msg("event store unreachable; retrying")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		wait = min(2*wait, connectMaxRetry)
	}
}

// watchCluster pings the cluster every interval until ctx ends, so that
// /readyz says when it cannot be reached, and logs each change.
func watchCluster(ctx context.Context, s *esdb.Store, where string, interval time.Duration, ready *readiness, logger zerolog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	up := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err := s.Ping(pctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			ready.notReady(fmt.Sprintf("event store %s unreachable: %v", where, err))
			if up {
				logger.Warn().Err(err).Str("store", where).Msg("event store unreachable")
			}
			up = false
		default:
			ready.ready()
			if !up {
				logger.Info().Str("store", where).Msg("event store reachable again")
			}
			up = true
		}
	}
}

// closeNamed closes a store, saying so in the error.
func closeNamed(s io.Closer) error {
	if err := s.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}
