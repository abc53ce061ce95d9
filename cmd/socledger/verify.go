package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/socledger/socledger/eventstore/seal"
)

// verify checks every hash chain and seal of a data directory (or of a
// cluster) against a public key given from outside it. The embedded store
// is opened read-only, so a running server may keep writing.
func verify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("socledger verify", flag.ContinueOnError)
	flags.SetOutput(stderr)
	dataDir := flags.String("data", "./data", "data `directory` of the event store (opened read-only)")
	pubPath := flags.String("pubkey", "", "the sealing public key `file` (PEM), kept outside the data directory")
	storeSel := addStoreFlags(flags, getenv)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: socledger verify --data DIR --pubkey FILE
       socledger verify --store esdb --esdb-url URL --pubkey FILE

Check that the event store was not altered: every stream's hash chain (no
event changed, removed or reordered) and every seal (signed with the key
whose public half is FILE, naming stream heads that still match). Exits 1
naming the first stream and revision that does not match. With --store esdb
it reads the store from a KurrentDB / EventStoreDB cluster.

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("verify: unexpected argument %q", flags.Arg(0))
	}
	cluster, err := storeSel.esdbConfig("verify", getenv)
	if err != nil {
		return err
	}
	if *pubPath == "" {
		return errors.New("verify: --pubkey is required: the public key that serve printed when it created the sealing key, kept outside the data directory")
	}
	// On a cluster there is no data directory to keep the key out of, but
	// the key still comes from the command line, never from the store.
	if cluster == nil && inside(*dataDir, *pubPath) {
		return fmt.Errorf("verify: --pubkey %s lies inside the data directory %s: whoever can rewrite the data could replace that key too; copy it elsewhere and pass that copy", *pubPath, *dataDir)
	}
	pub, err := seal.LoadPublicKey(*pubPath)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	store, err := openReadStore(ctx, "verify", *dataDir, cluster)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	rep, err := seal.Verify(ctx, store, pub, seal.VerifyOptions{})
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	fmt.Fprintf(stdout, "ok: %d events in %d streams and %d seals match (key %s), checked in %s\n",
		rep.Events, rep.Streams, rep.Seals, seal.KeyID(pub), time.Since(start).Round(time.Millisecond))
	if rep.Truncations > 0 {
		fmt.Fprintf(stdout, "note: %d events were removed by retention, each run recorded in one of %d signed truncation markers\n", rep.Removed, rep.Truncations)
	}
	if rep.Unsealed > 0 {
		fmt.Fprintf(stdout, "note: the last %d events (after position %s) are chained but not sealed yet\n", rep.Unsealed, rep.SealedUpTo)
	}
	return nil
}

// inside reports whether path lies in dir.
func inside(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	if r, err := filepath.EvalSymlinks(d); err == nil {
		d = r
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(r, filepath.Base(p))
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
