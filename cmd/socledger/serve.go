package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
	"github.com/socledger/socledger/eventstore/esdb"
	"github.com/socledger/socledger/eventstore/seal"
	"github.com/socledger/socledger/frontend"
	"github.com/socledger/socledger/projections/legalhold"
)

// shutdownTimeout bounds how long serve waits for in-flight requests once
// it has been told to stop.
const shutdownTimeout = 10 * time.Second

// serveConfig is the configuration of the serve command.
type serveConfig struct {
	DataDir   string
	Addr      string
	LogFormat string // "auto", "json" or "console"
	// SealKey is the sealing private key file; empty means
	// <DataDir>/seal.key. SealInterval is how often the store is sealed;
	// 0 turns sealing off.
	SealKey      string
	SealInterval time.Duration
	// Retention is the log retention (embedded store only).
	Retention retentionFlags
	// ESDB, when set (--store esdb), puts the event store on a KurrentDB /
	// EventStoreDB cluster; nil means the embedded store in DataDir.
	ESDB *esdbServe
}

// esdbServe is how serve reaches a cluster.
type esdbServe struct {
	esdb.Config
	// PingInterval is how often serve pings the cluster once connected,
	// so that /readyz reflects it.
	PingInterval time.Duration
}

// defaultPingInterval is the default of --esdb-ping-interval.
const defaultPingInterval = 5 * time.Second

const serveUsage = `Usage: socledger serve [flags]

Run the service: open the event store and serve HTTP.

The store is the embedded one in --data, or with --store esdb a KurrentDB /
EventStoreDB cluster at --esdb-url (credentials in SOCLEDGER_ESDB_USERNAME
and SOCLEDGER_ESDB_PASSWORD only). On a cluster, serve starts serving before
the cluster answers and keeps trying: /healthz answers 200 and /readyz 503
with the reason until it is reachable. Several serve processes may share a
cluster; run the sealer (--seal-key, --seal-interval) on one of them
(docs/scale-out.md).

Flags:
`

// parseServeFlags reads serve's configuration: each setting comes from its
// flag if given, else from its SOCLEDGER_* environment variable if set, else
// from the default. Flag errors and -h output go to stderr; -h returns
// flag.ErrHelp.
func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	envOr := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var cfg serveConfig
	flags := flag.NewFlagSet("socledger serve", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&cfg.DataDir, "data", envOr("SOCLEDGER_DATA", "./data"),
		"data `directory` of the embedded event store, created if missing; unused with --store esdb (env SOCLEDGER_DATA)")
	store := addStoreFlags(flags, getenv)
	ping := envOr("SOCLEDGER_ESDB_PING_INTERVAL", defaultPingInterval.String())
	flags.Func("esdb-ping-interval", "with --store esdb: how often to ping the cluster once connected, for /readyz: a `duration` (env SOCLEDGER_ESDB_PING_INTERVAL) (default 5s)", func(v string) error {
		ping = v
		return nil
	})
	flags.StringVar(&cfg.Addr, "addr", envOr("SOCLEDGER_ADDR", "127.0.0.1:8080"),
		"`host:port` to serve HTTP on; port 0 picks a free port (env SOCLEDGER_ADDR)")
	flags.StringVar(&cfg.LogFormat, "log-format", envOr("SOCLEDGER_LOG_FORMAT", "auto"),
		"log `format`: json, console, or auto (console on a terminal, else json) (env SOCLEDGER_LOG_FORMAT)")
	flags.StringVar(&cfg.SealKey, "seal-key", envOr("SOCLEDGER_SEAL_KEY", ""),
		"Ed25519 sealing private key `file` (PEM); with the embedded store created with its public half beside it if missing, default <data>/seal.key; with --store esdb required unless --seal-interval is 0, and never created (env SOCLEDGER_SEAL_KEY)")
	interval := envOr("SOCLEDGER_SEAL_INTERVAL", "1m")
	flags.Func("seal-interval", "how often to seal the streams that changed: a `duration` such as 30s; 0 turns sealing off (env SOCLEDGER_SEAL_INTERVAL) (default 1m)", func(v string) error {
		interval = v
		return nil
	})
	addRetentionFlags(flags, getenv, &cfg.Retention)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), serveUsage)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return serveConfig{}, err
	}
	if flags.NArg() > 0 {
		return serveConfig{}, fmt.Errorf("serve: unexpected argument %q", flags.Arg(0))
	}
	switch cfg.LogFormat {
	case "auto", "json", "console":
	default:
		return serveConfig{}, fmt.Errorf("serve: --log-format %q: want auto, json or console", cfg.LogFormat)
	}
	if cfg.DataDir == "" {
		return serveConfig{}, errors.New("serve: --data must not be empty")
	}
	d, err := time.ParseDuration(interval)
	if err != nil || d < 0 {
		return serveConfig{}, fmt.Errorf("serve: --seal-interval %q: want a duration such as 1m or 30s, or 0 to turn sealing off", interval)
	}
	cfg.SealInterval = d
	if cfg.Retention.envErr != nil {
		return serveConfig{}, fmt.Errorf("serve: %w", cfg.Retention.envErr)
	}
	esdbCfg, err := store.esdbConfig("serve", getenv)
	if err != nil {
		return serveConfig{}, err
	}
	if len(cfg.Retention.rules) > 0 && esdbCfg != nil {
		return serveConfig{}, errors.New("serve: --retain applies to the embedded store; on a cluster, expire log streams with the cluster's own stream metadata ($maxAge) and scavenge")
	}
	if len(cfg.Retention.rules) > 0 && cfg.SealInterval == 0 {
		return serveConfig{}, errors.New("serve: --retain needs the sealer, which records every removal in a signed marker so that verify still passes: do not pass --seal-interval 0")
	}
	if esdbCfg == nil {
		if cfg.SealKey == "" {
			cfg.SealKey = filepath.Join(cfg.DataDir, "seal.key")
		}
		return cfg, nil
	}
	cfg.ESDB = &esdbServe{Config: *esdbCfg}
	if cfg.ESDB.PingInterval, err = time.ParseDuration(ping); err != nil || cfg.ESDB.PingInterval <= 0 {
		return serveConfig{}, fmt.Errorf("serve: --esdb-ping-interval %q: want a duration such as 5s", ping)
	}
	if cfg.SealKey == "" && cfg.SealInterval > 0 {
		return serveConfig{}, errors.New("serve: --store esdb seals only with an explicit --seal-key FILE, the same key on every node that may seal " +
			"(it is never created there); pass --seal-interval 0 on nodes that do not seal (see docs/scale-out.md)")
	}
	return cfg, nil
}

// newLogger returns the logger for format ("auto", "json" or "console")
// writing to w.
func newLogger(format string, w io.Writer) zerolog.Logger {
	if format == "console" || format == "auto" && isTerminal(w) {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	}
	return zerolog.New(w).With().Timestamp().Logger()
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// serve runs the service until ctx is done, then shuts it down gracefully.
func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogFormat, stderr)

	var (
		store   eventstore.Store
		local   *embedded.Store // the store, embedded
		cluster *esdb.Store     // the store, on a cluster
		where   string          // the cluster, for messages
	)
	if cfg.ESDB == nil {
		st, err := openEmbedded(cfg.DataDir, logger)
		if err != nil {
			return err
		}
		store, local = st, st
	} else {
		c := cfg.ESDB.Config
		// Connect in the background, serving /healthz meanwhile. The
		// client's own log (ten lines per failed connection) stays off:
		// each attempt is logged once, with its cause.
		c.ConnectTimeout = -1
		if cluster, err = esdb.Open(ctx, c); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		store, where = cluster, describeCluster(&c)
		logger.Info().Str("store", "esdb").Str("cluster", where).Msg("connecting to the event store")
	}

	var sealer *seal.Sealer
	if cfg.SealInterval > 0 {
		var key ed25519.PrivateKey
		if cluster == nil {
			key, err = loadSealKey(cfg.SealKey, logger)
		} else {
			key, err = loadExistingSealKey(cfg.SealKey, logger)
		}
		if err != nil {
			return errors.Join(err, closeNamed(store))
		}
		sealer = seal.NewSealer(store, key)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen on %s: %w", cfg.Addr, err), closeNamed(store))
	}

	// The background work: on a cluster, connect, then seal and watch the
	// connection; on the embedded store, seal. A seal round is not cut
	// short when serve stops (an append cut short might be written without
	// the sealer knowing, which then takes itself for a second sealer): the
	// sealer stops between rounds, and its context ends only when the
	// shutdown timeout does.
	ready := &readiness{}
	ready.notReady("starting")
	var connected atomic.Bool // the store answered: the final seal may run
	bg, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	sealCtx, cancelSeal := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSeal()
	stopSealing := make(chan struct{})
	bgDone := make(chan struct{})
	go func() {
		defer close(bgDone)
		if cluster != nil {
			if !connectCluster(bg, cluster, where, ready, logger) {
				return
			}
			logger.Info().Str("store", "esdb").Str("cluster", where).Msg("event store reachable")
			ready.ready()
		}
		connected.Store(true)
		var wg sync.WaitGroup
		if sealer != nil {
			wg.Go(func() { runSealer(sealCtx, stopSealing, sealer, cfg.SealInterval, logger) })
		}
		if local != nil && sealer != nil && len(cfg.Retention.rules) > 0 {
			holds := legalhold.New(store)
			wg.Go(func() {
				if err := holds.Run(bg); err != nil && bg.Err() == nil {
					logger.Error().Err(err).Str("component", "retention").Msg("legal hold projection stopped; no log event expires until serve restarts")
				}
			})
			ret := embedded.Retention{
				Rules: cfg.Retention.rules,
				Holds: holds.Holds,
				// Markers are appended like seals: never cut short
				// before the shutdown deadline.
				BeforeRemove: func(_ context.Context, cuts []eventstore.Truncation) error {
					return sealer.RecordTruncations(sealCtx, cuts)
				},
				IORate: cfg.Retention.rate,
			}
			wg.Go(func() { runScavenger(bg, local, ret, firstScavengeDelay, cfg.Retention.interval, logger) })
		}
		if cluster != nil {
			watchCluster(bg, cluster, where, cfg.ESDB.PingInterval, ready, logger)
		}
		wg.Wait()
	}()
	// stopBackground stops the background work, cutting a seal round
	// short only when deadline ends.
	stopBackground := func(deadline context.Context) {
		close(stopSealing)
		stopBg()
		stop := context.AfterFunc(deadline, cancelSeal)
		defer stop()
		<-bgDone
	}

	srv := &http.Server{
		Handler:           newHandler(ready, frontend.Handler(frontend.FS())),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		// No ReadTimeout or WriteTimeout: they would cut long-lived
		// subscription streams. Handlers bound their own work.
		ErrorLog: log.New(logger.With().Str("component", "http").Logger(), "", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if cluster == nil {
		ready.ready()
	}
	logger.Info().Str("addr", ln.Addr().String()).Msg("listening")

	select {
	case <-ctx.Done():
	case err := <-served: // Serve failed on its own
		ready.shutdown("stopped")
		deadline, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer cancel()
		stopBackground(deadline)
		return errors.Join(fmt.Errorf("serve HTTP on %s: %w", ln.Addr(), err), closeNamed(store))
	}

	logger.Info().Msg("shutting down")
	ready.shutdown("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn().Err(err).Msg("requests still running after the shutdown timeout; closing their connections")
		_ = srv.Close() // Shutdown's error already said what went wrong
	}
	<-served // http.ErrServerClosed
	stopBackground(shutdownCtx)
	if sealer != nil && connected.Load() {
		// Seal what the last requests wrote, so a clean stop leaves no
		// unsealed tail.
		sealAll(shutdownCtx, sealer, logger)
	}
	if err := closeNamed(store); err != nil {
		return err
	}
	logger.Info().Msg("stopped")
	return nil
}

// openEmbedded opens the embedded store in dir, creating dir if needed.
func openEmbedded(dir string, logger zerolog.Logger) (*embedded.Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	opening := time.Now()
	store, err := embedded.Open(dir, embedded.Options{})
	if errors.Is(err, vfs.ErrLocked) {
		return nil, fmt.Errorf("data directory %s is in use by another socledger process: %w", dir, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", dir, err)
	}
	st := store.Stats()
	logger.Info().Str("dir", dir).Int("events", st.Events).Int("streams", st.Streams).
		Int("segments", st.Segments).Dur("took", time.Since(opening)).Msg("store opened")
	return store, nil
}

// loadExistingSealKey reads the sealing key of a node on a cluster, which
// is never created: every node that may seal must hold the same key, so the
// operator makes it once and gives it to them.
func loadExistingSealKey(path string, logger zerolog.Logger) (ed25519.PrivateKey, error) {
	key, err := seal.LoadPrivateKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("serve: sealing key %s does not exist: with --store esdb it is never created, so that every node that may seal uses the same key; "+
			"copy the seal.key of the data directory you migrated from, or make one with `(umask 077 && openssl genpkey -algorithm ed25519 -out %s)` "+
			"(public half: `openssl pkey -in %s -pubout`), or pass --seal-interval 0 on a node that does not seal", path, path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	logger.Info().Str("key", path).Str("key_id", seal.KeyID(key.Public().(ed25519.PublicKey))).Msg("sealing with key")
	return key, nil
}

// loadSealKey reads the sealing key, creating it (and its public half,
// path with the extension .pub) when the file does not exist.
func loadSealKey(path string, logger zerolog.Logger) (ed25519.PrivateKey, error) {
	key, err := seal.LoadPrivateKey(path)
	if err == nil {
		logger.Info().Str("key", path).Str("key_id", seal.KeyID(key.Public().(ed25519.PublicKey))).Msg("sealing with key")
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("sealing key: %w", err)
	}
	pub := strings.TrimSuffix(path, filepath.Ext(path)) + ".pub"
	key, err = seal.GenerateKeyFiles(path, pub)
	if err != nil {
		return nil, fmt.Errorf("create sealing key: %w", err)
	}
	logger.Warn().Str("key", path).Str("pubkey", pub).Str("key_id", seal.KeyID(key.Public().(ed25519.PublicKey))).
		Msg("created a sealing key; copy the public key out of the data directory now and keep it safe: socledger verify --pubkey trusts only a copy kept elsewhere")
	return key, nil
}

// runSealer seals the store every interval until stop is closed (between
// rounds) or ctx is done (also during a round).
func runSealer(ctx context.Context, stop <-chan struct{}, s *seal.Sealer, interval time.Duration, logger zerolog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if !sealAll(ctx, s, logger) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// sealAll runs seal rounds until the store is sealed up to its end. It
// returns false when sealing must stop for good (another sealer writes).
func sealAll(ctx context.Context, s *seal.Sealer, logger zerolog.Logger) bool {
	for {
		r, err := s.Seal(ctx)
		switch {
		case errors.Is(err, seal.ErrConcurrentSealer):
			logger.Error().Err(err).Msg("sealing stopped")
			return false
		case err != nil:
			if ctx.Err() == nil {
				logger.Warn().Err(err).Msg("seal round failed; retrying at the next interval")
			}
			return true
		case r.Seals > 0:
			logger.Debug().Int("seals", r.Seals).Int("heads", r.Heads).Str("covered", r.Covered.String()).Msg("sealed")
		}
		if !r.More {
			return true
		}
	}
}

// readyState is what /readyz reports: *readiness, or any other Load() bool
// (then without a reason).
type readyState interface{ Load() bool }

// newHandler routes the health checks and sends every other request to site.
// ready tells /readyz whether the service takes traffic; when it also has a
// Reason() string method, /readyz gives the reason when it does not.
func newHandler(ready readyState, site http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok", "")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			reason := ""
			if r, ok := ready.(interface{ Reason() string }); ok {
				reason = r.Reason()
			}
			writeStatus(w, http.StatusServiceUnavailable, "unavailable", reason)
			return
		}
		writeStatus(w, http.StatusOK, "ok", "")
	})
	mux.Handle("/", site)
	return mux
}

// writeStatus writes {"status": status, "reason": reason} with code (no
// reason when it is empty), never cached.
func writeStatus(w http.ResponseWriter, code int, status, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(struct {
		Status string `json:"status"`
		Reason string `json:"reason,omitempty"`
	}{status, reason}) // a failed write means the client has gone
}
