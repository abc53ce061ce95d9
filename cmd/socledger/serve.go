package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
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

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen on %s: %w", cfg.Addr, err), closeStore(store))
	}

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
	if err := closeStore(store); err != nil {
		return err
	}
	logger.Info().Msg("stopped")
	return nil
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
