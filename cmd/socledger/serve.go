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
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
	"github.com/socledger/socledger/eventstore/seal"
	"github.com/socledger/socledger/frontend"
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
}

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
		"data `directory` of the embedded event store, created if missing (env SOCLEDGER_DATA)")
	flags.StringVar(&cfg.Addr, "addr", envOr("SOCLEDGER_ADDR", "127.0.0.1:8080"),
		"`host:port` to serve HTTP on; port 0 picks a free port (env SOCLEDGER_ADDR)")
	flags.StringVar(&cfg.LogFormat, "log-format", envOr("SOCLEDGER_LOG_FORMAT", "auto"),
		"log `format`: json, console, or auto (console on a terminal, else json) (env SOCLEDGER_LOG_FORMAT)")
	flags.StringVar(&cfg.SealKey, "seal-key", envOr("SOCLEDGER_SEAL_KEY", ""),
		"Ed25519 sealing private key `file` (PEM), created with its public half beside it if missing; default <data>/seal.key (env SOCLEDGER_SEAL_KEY)")
	interval := envOr("SOCLEDGER_SEAL_INTERVAL", "1m")
	flags.Func("seal-interval", "how often to seal the streams that changed: a `duration` such as 30s; 0 turns sealing off (env SOCLEDGER_SEAL_INTERVAL) (default 1m)", func(v string) error {
		interval = v
		return nil
	})
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), "Usage: socledger serve [flags]\n\nRun the service: open the event store and serve HTTP.\n\nFlags:\n")
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
	if cfg.SealKey == "" {
		cfg.SealKey = filepath.Join(cfg.DataDir, "seal.key")
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

	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory %s: %w", cfg.DataDir, err)
	}
	opening := time.Now()
	store, err := embedded.Open(cfg.DataDir, embedded.Options{})
	if errors.Is(err, vfs.ErrLocked) {
		return fmt.Errorf("data directory %s is in use by another socledger process: %w", cfg.DataDir, err)
	}
	if err != nil {
		return fmt.Errorf("open store in %s: %w", cfg.DataDir, err)
	}
	st := store.Stats()
	logger.Info().Str("dir", cfg.DataDir).Int("events", st.Events).Int("streams", st.Streams).
		Int("segments", st.Segments).Dur("took", time.Since(opening)).Msg("store opened")

	var sealer *seal.Sealer
	if cfg.SealInterval > 0 {
		key, err := loadSealKey(cfg.SealKey, logger)
		if err != nil {
			return errors.Join(err, closeStore(store))
		}
		sealer = seal.NewSealer(store, key)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen on %s: %w", cfg.Addr, err), closeStore(store))
	}
	sealCtx, stopSealing := context.WithCancel(context.WithoutCancel(ctx))
	sealed := make(chan struct{})
	go func() {
		defer close(sealed)
		if sealer != nil {
			runSealer(sealCtx, sealer, cfg.SealInterval, logger)
		}
	}()

	var ready atomic.Bool
	srv := &http.Server{
		Handler:           newHandler(&ready, frontend.Handler(frontend.FS())),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		// No ReadTimeout or WriteTimeout: they would cut long-lived
		// subscription streams. Handlers bound their own work.
		ErrorLog: log.New(logger.With().Str("component", "http").Logger(), "", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ready.Store(true)
	logger.Info().Str("addr", ln.Addr().String()).Msg("listening")

	select {
	case <-ctx.Done():
	case err := <-served: // Serve failed on its own
		ready.Store(false)
		stopSealing()
		<-sealed
		return errors.Join(fmt.Errorf("serve HTTP on %s: %w", ln.Addr(), err), closeStore(store))
	}

	logger.Info().Msg("shutting down")
	ready.Store(false)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn().Err(err).Msg("requests still running after the shutdown timeout; closing their connections")
		_ = srv.Close() // Shutdown's error already said what went wrong
	}
	<-served // http.ErrServerClosed
	stopSealing()
	<-sealed
	if sealer != nil {
		// Seal what the last requests wrote, so a clean stop leaves no
		// unsealed tail.
		sealAll(shutdownCtx, sealer, logger)
	}
	if err := closeStore(store); err != nil {
		return err
	}
	logger.Info().Msg("stopped")
	return nil
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

// runSealer seals the store every interval until ctx is done.
func runSealer(ctx context.Context, s *seal.Sealer, interval time.Duration, logger zerolog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if !sealAll(ctx, s, logger) {
			return
		}
		select {
		case <-ctx.Done():
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

func closeStore(s *embedded.Store) error {
	if err := s.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// newHandler routes the health checks and sends every other request to site.
// ready tells /readyz whether the service takes traffic.
func newHandler(ready *atomic.Bool, site http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			writeStatus(w, http.StatusServiceUnavailable, "unavailable")
			return
		}
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.Handle("/", site)
	return mux
}

// writeStatus writes {"status": status} with code, never cached.
func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(struct {
		Status string `json:"status"`
	}{status}) // a failed write means the client has gone
}
