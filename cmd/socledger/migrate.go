package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/esdb"
	"github.com/socledger/socledger/eventstore/seal"
)

// The migrate command copies an embedded store to a KurrentDB /
// EventStoreDB cluster.
//
// Decisions:
//
//   - Order: events are copied in the source's global order, one append at
//     a time, so the target's log is the source's in the same order (a
//     projection rebuilt from it sees what it saw before, and every seal
//     comes after the events it seals). A run of consecutive events of one
//     stream goes in one append (up to migrateBatch events and
//     migrateBatchBytes); a seal goes alone.
//   - Each event keeps its ID, type, data and metadata, byte for byte, and
//     is appended with the exact expected revision its source revision
//     implies (NoStream for revision 0). The esdb adapter chains events with
//     eventstore.ChainHash over the same stream, revision, type, data,
//     metadata and previous hash, so the hashes come out identical; the
//     verification checks it. Positions and the store's own timestamps
//     (RecordedEvent.Created) are the target's: saved positions (projection
//     checkpoints, integrators' cursors) do not carry over.
//   - Resuming: appends are atomic and in order, so after an interruption
//     the target holds a prefix of the source's log. A run first reads the
//     target's log alongside the source's, comparing each event (stream,
//     revision, ID, type, hashes), and copies from where the target ends: no
//     per-stream lookups, one sequential read, and the prefix is checked on
//     the way. An append whose outcome the last run did not learn is found
//     either by that read or, if it lands later, by the adapter's
//     idempotence (same IDs after the same exact revision); a run of events
//     partly present (the last run's batch was shorter) appends the rest.
//     An event the source does not have at that place stops the migration:
//     the target is not a copy (migrate into a namespace nothing else uses).
//   - Verification (unless --verify=false) reads both logs again and
//     compares every event, recomputes each target event's chain hash,
//     and checks every stream's head revision and hash on both sides; with
//     --pubkey it then runs seal.Verify on the target. Events appended to
//     the source after the copy began are not copied: rerun migrate (it
//     copies just those), which allows copying while serve still runs, and
//     a short final run after it stops.
//   - Seals name the source's positions (they are signed, so they are
//     copied as they are). seal.Verify requires a seal to cover positions
//     before its own; migrate checks that each copied seal's range lies
//     before the seal's position on the target, which holds because a
//     cluster's log record of an event is larger than the embedded store's
//     and its log starts later, and warns (exit status 1) if not.
//   - Credentials come only from SOCLEDGER_ESDB_USERNAME and
//     SOCLEDGER_ESDB_PASSWORD; a --to URL with credentials is refused.

// Batching and retries of the copy.
const (
	migrateBatch      = 500
	migrateBatchBytes = 512 << 10
	migratePage       = 1024
	// migrateAppendTimeout bounds one append; an append that timed out is
	// retried with the same event IDs.
	migrateAppendTimeout = 30 * time.Second
	// migrateRetryFor is how long the copy keeps retrying an append while
	// the cluster is unavailable.
	migrateRetryFor = 2 * time.Minute
)

// migrateConfig is the configuration of the migrate command.
type migrateConfig struct {
	From   string      // the embedded store's data directory
	To     esdb.Config // the target cluster
	PubKey string      // sealing public key file: run seal.Verify on the target
	Verify bool        // compare both logs at the end
}

func parseMigrateFlags(args []string, getenv func(string) string, stderr io.Writer) (migrateConfig, error) {
	var (
		cfg      migrateConfig
		from, to string
		ns       string
		flags    = flag.NewFlagSet("socledger migrate", flag.ContinueOnError)
		tlsFlags = &storeFlags{flags: flags}
	)
	flags.SetOutput(stderr)
	flags.StringVar(&from, "from", "", "the source: `embedded:DIR`, the data directory of an embedded store (opened read-only)")
	flags.StringVar(&to, "to", "", "the target: `esdb:URL`, a KurrentDB / EventStoreDB connection URL such as esdb:esdb://db1:2113,db2:2113,db3:2113")
	flags.StringVar(&ns, "namespace", getenv("SOCLEDGER_ESDB_NAMESPACE"), "a `prefix` of every stream name on the target, as serve's --esdb-namespace (env SOCLEDGER_ESDB_NAMESPACE)")
	flags.StringVar(&cfg.PubKey, "pubkey", "", "the sealing public key `file` (PEM), kept outside the data directory: check every chain and seal on the target at the end")
	flags.BoolVar(&cfg.Verify, "verify", true, "compare every event and every stream's head on both sides at the end")
	addESDBFlags(flags, getenv, tlsFlags)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: socledger migrate --from embedded:DIR --to esdb:URL [--namespace NS] [--pubkey FILE]

Copy every stream of an embedded store to a KurrentDB / EventStoreDB cluster,
with its events, event IDs, metadata and hash chains, in the store's global
order, then check that both sides match: every event, every stream's head
revision and hash, and with --pubkey every chain and seal on the target.

The copy is resumable: run the same command again after an interruption and
it continues where it stopped, without duplicates. It copies the source as
it finds it; run it again to copy what was appended since (so it can run
while serve still writes, then once more after serve stopped).

Progress goes to standard error (a bar on a terminal, lines otherwise),
the summary to standard output. Credentials for the cluster come from
SOCLEDGER_ESDB_USERNAME and SOCLEDGER_ESDB_PASSWORD only.

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return cfg, err
	}
	if flags.NArg() > 0 {
		return cfg, fmt.Errorf("migrate: unexpected argument %q", flags.Arg(0))
	}
	kind, dir, _ := strings.Cut(from, ":")
	switch {
	case from == "":
		return cfg, errors.New("migrate: --from embedded:DIR is required")
	case kind != "embedded" || dir == "":
		return cfg, fmt.Errorf("migrate: --from %q: want embedded:DIR, the data directory of an embedded store", from)
	case to == "":
		return cfg, errors.New("migrate: --to esdb:URL is required")
	}
	cfg.From = dir
	url := to
	if !strings.HasPrefix(to, "esdb://") && !strings.HasPrefix(to, "esdb+discover://") {
		kind, rest, _ := strings.Cut(to, ":")
		if kind != "esdb" || rest == "" {
			return cfg, fmt.Errorf("migrate: --to %q: want esdb:URL, e.g. esdb:esdb://db1:2113,db2:2113,db3:2113", redactURL(to))
		}
		url = rest
	}
	if hasUserInfo(url) {
		return cfg, errors.New("migrate: --to carries credentials, which any user can read with ps: put them in SOCLEDGER_ESDB_USERNAME and SOCLEDGER_ESDB_PASSWORD")
	}
	c, err := tlsFlags.cluster("migrate", url, ns, getenv)
	if err != nil {
		return cfg, err
	}
	cfg.To = *c
	if cfg.PubKey != "" && inside(cfg.From, cfg.PubKey) {
		return cfg, fmt.Errorf("migrate: --pubkey %s lies inside the data directory %s: whoever can rewrite the data could replace that key too; copy it elsewhere and pass that copy", cfg.PubKey, cfg.From)
	}
	return cfg, nil
}

// migrateCmd runs the migrate command.
func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseMigrateFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	return runMigration(ctx, cfg, stdout, stderr, nil)
}

// runMigration opens both stores and migrates. afterAppend, when set, is
// called after each append with the events copied so far (tests interrupt
// the copy with it).
func runMigration(ctx context.Context, cfg migrateConfig, stdout, stderr io.Writer, afterAppend func(copied int64)) error {
	var pub ed25519.PublicKey
	if cfg.PubKey != "" {
		var err error
		if pub, err = seal.LoadPublicKey(cfg.PubKey); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.From, "log")); err != nil {
		return fmt.Errorf("migrate: %s is not a socledger data directory: %w", cfg.From, err)
	}
	src, err := embedded.Open(cfg.From, embedded.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("migrate: open %s: %w", cfg.From, err)
	}
	defer src.Close()
	where := describeCluster(&cfg.To)
	dst, err := esdb.Open(ctx, cfg.To)
	if err != nil {
		if errors.Is(err, esdb.ErrUnavailable) {
			return fmt.Errorf("migrate: the target cluster %s cannot be reached: %w", where, err)
		}
		return fmt.Errorf("migrate: %w", err)
	}
	defer dst.Close()

	m := &migration{
		src:         src,
		dst:         dst,
		srcTotal:    func() int64 { return int64(src.Stats().Events) },
		prog:        newProgress(stderr, isTerminal(stderr)),
		afterAppend: afterAppend,
		retryFor:    migrateRetryFor,
	}
	start := time.Now()
	res, err := m.run(ctx, cfg.Verify, pub)
	if err != nil {
		m.prog.abort()
		if ctx.Err() != nil {
			return fmt.Errorf("migrate: interrupted after copying %d events (at least %d of the source's events are on the target): run the same command again to continue where it stopped: %w",
				res.Copied, res.Already+res.Copied, err)
		}
		return fmt.Errorf("migrate: %w", err)
	}
	took := time.Since(start)
	fmt.Fprintf(stdout, "migrated %s to %s: %d events copied, %d were there already, in %s",
		cfg.From, where, res.Copied, res.Already, took.Round(time.Millisecond))
	if res.Copied > 0 {
		fmt.Fprintf(stdout, " (%.0f events/s)", float64(res.Copied)/res.CopyTime.Seconds())
	}
	fmt.Fprintln(stdout)
	if cfg.Verify {
		fmt.Fprintf(stdout, "verified: the %d events of %d streams match, every stream's head revision and hash are equal on both sides\n", res.Events, res.Streams)
	}
	if res.Newer > 0 {
		fmt.Fprintf(stdout, "note: the source holds %d events appended after the copy began; run migrate again to copy them\n", res.Newer)
	}
	if res.Seals != nil {
		fmt.Fprintf(stdout, "seals: %d events in %d streams and %d seals match on the target (key %s)\n",
			res.Seals.Events, res.Seals.Streams, res.Seals.Seals, seal.KeyID(pub))
	}
	if res.BadSeals > 0 {
		return fmt.Errorf("migrate: %d copied seals cover source positions that are not before their own position on the target: verify on the target will reject them (see the warnings above)", res.BadSeals)
	}
	return nil
}

// migration copies one store's log to another.
type migration struct {
	src, dst    eventstore.Store
	srcTotal    func() int64 // events in the source so far
	prog        *progress
	afterAppend func(copied int64)
	retryFor    time.Duration
}

// migrateResult is what a migration did.
type migrateResult struct {
	Already  int64         // events found on the target at the start
	Copied   int64         // events appended
	CopyTime time.Duration // how long the copy took
	Events   int64         // events verified
	Streams  int           // streams verified
	Newer    int64         // source events after those verified
	BadSeals int           // seals whose range is not before them on the target
	Seals    *seal.Report  // seal.Verify on the target, with a key
}

func (m *migration) run(ctx context.Context, verify bool, pub ed25519.PublicKey) (migrateResult, error) {
	var res migrateResult
	src, already, err := m.resume(ctx)
	res.Already = already
	if err != nil {
		return res, err
	}
	start := time.Now()
	if err := m.copy(ctx, src, &res); err != nil {
		return res, err
	}
	res.CopyTime = time.Since(start)
	if verify {
		if err := m.verify(ctx, &res); err != nil {
			return res, err
		}
	}
	if pub != nil {
		m.prog.begin("seals", m.srcTotal())
		rep, err := seal.Verify(ctx, m.dst, pub, seal.VerifyOptions{Progress: func(n uint64) { m.prog.set(int64(n), 0) }})
		if err != nil {
			return res, fmt.Errorf("seals and chains on the target: %w", err)
		}
		m.prog.end()
		res.Seals = &rep
	}
	return res, nil
}

// resume reads the target's log alongside the source's, checking that it is
// a prefix of it, and returns the source's reader positioned after it.
func (m *migration) resume(ctx context.Context) (*logReader, int64, error) {
	src, tgt := newLogReader(m.src), newLogReader(m.dst)
	var n int64
	m.prog.begin("check", 0)
	for {
		t, err := tgt.next(ctx)
		if err != nil {
			return nil, n, fmt.Errorf("read the target: %w", err)
		}
		if t == nil {
			break
		}
		s, err := src.next(ctx)
		if err != nil {
			return nil, n, fmt.Errorf("read the source: %w", err)
		}
		if s == nil {
			return nil, n, fmt.Errorf("the target holds more events than the source (%d and more): it is not a copy of this store; migrate into a namespace nothing else uses", n+1)
		}
		if err := sameEvent(s, t); err != nil {
			return nil, n, fmt.Errorf("the target is not a copy of the source: its event #%d: %w; migrate into a namespace nothing else uses", n+1, err)
		}
		n++
		m.prog.set(n, 0)
	}
	if n > 0 {
		m.prog.end()
	} else {
		m.prog.abort()
	}
	return src, n, nil
}

// copy appends the rest of the source to the target.
func (m *migration) copy(ctx context.Context, src *logReader, res *migrateResult) error {
	m.prog.begin("copy", max(m.srcTotal()-res.Already, 0))
	for {
		batch, err := nextBatch(ctx, src)
		if err != nil {
			return fmt.Errorf("read the source: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		if err := m.copyBatch(ctx, batch, res); err != nil {
			return err
		}
		res.Copied += int64(len(batch))
		m.prog.set(res.Copied, max(m.srcTotal()-res.Already, res.Copied))
		if m.afterAppend != nil {
			m.afterAppend(res.Copied)
		}
	}
	m.prog.end()
	return nil
}

// nextBatch returns the next run of events of one stream that goes in one
// append: up to migrateBatch events and migrateBatchBytes, a seal alone.
func nextBatch(ctx context.Context, src *logReader) ([]*eventstore.RecordedEvent, error) {
	first, err := src.next(ctx)
	if err != nil || first == nil {
		return nil, err
	}
	batch := []*eventstore.RecordedEvent{first}
	size := eventBytes(first)
	for !isSeal(first) && len(batch) < migrateBatch {
		next := src.peek()
		if next == nil || next.StreamID != first.StreamID || isSeal(next) || size+eventBytes(next) > migrateBatchBytes {
			break
		}
		src.skip()
		batch = append(batch, next)
		size += eventBytes(next)
	}
	return batch, nil
}

// eventBytes estimates an event's size in an append (with the adapter's
// chain envelope).
func eventBytes(ev *eventstore.RecordedEvent) int {
	return len(ev.Type) + len(ev.Data) + len(ev.Metadata) + 256
}

func isSeal(ev *eventstore.RecordedEvent) bool {
	return ev.Type == seal.EventType && strings.HasPrefix(ev.StreamID, seal.Category+"-")
}

// copyBatch appends a run of events of one stream at the revisions they have
// in the source, retrying (with the same IDs) while the target is
// unavailable.
func (m *migration) copyBatch(ctx context.Context, batch []*eventstore.RecordedEvent, res *migrateResult) error {
	stream := batch[0].StreamID
	data := make([]eventstore.EventData, len(batch))
	for i, ev := range batch {
		data[i] = eventstore.EventData{EventID: ev.EventID, Type: ev.Type, Data: ev.Data, Metadata: ev.Metadata}
	}
	var (
		failing time.Time // when the target started failing
		wait    = 250 * time.Millisecond
	)
	for {
		first, last := batch[0], batch[len(batch)-1]
		expected := eventstore.NoStream
		if first.Revision > 0 {
			expected = eventstore.Exact(first.Revision - 1)
		}
		actx, cancel := context.WithTimeout(ctx, migrateAppendTimeout)
		out, err := m.dst.Append(actx, stream, expected, data...)
		cancel()
		switch {
		case err == nil:
			if out.Revision != last.Revision {
				return fmt.Errorf("%s revision %d was appended to the target at revision %d", stream, last.Revision, out.Revision)
			}
			if isSeal(first) {
				m.checkSealRange(first, out.Position, res)
			}
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, eventstore.ErrPartialDuplicate):
			// An earlier run appended the start of this run of events.
			n, err := m.presentPrefix(ctx, batch)
			if err != nil {
				return err
			}
			batch, data = batch[n:], data[n:]
			continue
		case errors.Is(err, eventstore.ErrWrongExpectedVersion):
			actual := "missing"
			w, ok := errors.AsType[*eventstore.WrongExpectedVersionError](err)
			if ok {
				actual = "at revision " + w.Actual.String()
			}
			if ok && w.Actual.IsNoStream() && first.Revision > 0 {
				return fmt.Errorf("%s starts at revision %d in the source: retention removed its older events (an audit.truncated marker records the cut), and a stream on the cluster cannot start past revision 0, so a store with expired log events cannot be migrated; %w",
					stream, first.Revision, err)
			}
			return fmt.Errorf("%s revision %d: the target stream is %s, where the source's is at revision %s: something else writes to the target; migrate into a namespace nothing else uses: %w",
				stream, first.Revision, actual, expected, err)
		case errors.Is(err, esdb.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded):
			if failing.IsZero() {
				failing = time.Now()
			}
			if time.Since(failing) > m.retryFor {
				return fmt.Errorf("append %s revisions %d to %d: the target did not answer for %v: %w", stream, first.Revision, last.Revision, m.retryFor, err)
			}
			m.prog.note(fmt.Sprintf("the target does not answer (%v); retrying %s revision %d with the same event IDs in %v", err, stream, first.Revision, wait))
			if err := sleepCtx(ctx, wait); err != nil {
				return err
			}
			wait = min(2*wait, 5*time.Second)
		default:
			return fmt.Errorf("append %s revisions %d to %d to the target: %w", stream, first.Revision, last.Revision, err)
		}
	}
}

// presentPrefix returns how many of batch's events the target already holds
// at their revisions (they must be a prefix of the batch).
func (m *migration) presentPrefix(ctx context.Context, batch []*eventstore.RecordedEvent) (int, error) {
	stream := batch[0].StreamID
	evs, err := m.dst.ReadStream(ctx, stream, batch[0].Revision, len(batch))
	if err != nil {
		return 0, fmt.Errorf("read back %s from revision %d on the target: %w", stream, batch[0].Revision, err)
	}
	n := 0
	for n < len(evs) && n < len(batch) && evs[n].EventID == batch[n].EventID {
		n++
	}
	if n == 0 || n == len(batch) || n < len(evs) {
		return 0, fmt.Errorf("%s revision %d on the target holds other events than the source: something else writes to the target; migrate into a namespace nothing else uses", stream, batch[0].Revision+uint64(n))
	}
	return n, nil
}

// checkSealRange warns when a copied seal covers positions that are not
// before its own on the target (seal.Verify would reject it).
func (m *migration) checkSealRange(ev *eventstore.RecordedEvent, at eventstore.Position, res *migrateResult) {
	var sl seal.Seal
	if json.Unmarshal(ev.Data, &sl) != nil {
		return // Verify reports a seal it cannot read
	}
	to, err := eventstore.ParsePosition(sl.To)
	if err != nil || to.Less(at) {
		return
	}
	res.BadSeals++
	m.prog.note(fmt.Sprintf("warning: seal #%d of %s covers source positions up to %s, which is not before its position %s on the target: verify on the target will reject it",
		sl.Seq, ev.StreamID, sl.To, at))
}

// verify reads both logs and compares them event by event, then every
// stream's head.
func (m *migration) verify(ctx context.Context, res *migrateResult) error {
	src, tgt := newLogReader(m.src), newLogReader(m.dst)
	type head struct {
		rev  uint64
		hash eventstore.Hash
	}
	srcHeads, tgtHeads := map[string]head{}, map[string]head{}
	m.prog.begin("verify", res.Already+res.Copied)
	var n int64
	for {
		t, err := tgt.next(ctx)
		if err != nil {
			return fmt.Errorf("verify: read the target: %w", err)
		}
		if t == nil {
			break
		}
		s, err := src.next(ctx)
		if err != nil {
			return fmt.Errorf("verify: read the source: %w", err)
		}
		if s == nil {
			return fmt.Errorf("verify: the target holds more events than the source (%d and more)", n+1)
		}
		if err := sameEvent(s, t); err != nil {
			return fmt.Errorf("verify: event #%d: %w", n+1, err)
		}
		switch h := eventstore.ChainHash(t.StreamID, t.Revision, t.Type, t.Data, t.Metadata, t.Prev); {
		case !bytes.Equal(s.Data, t.Data) || !bytes.Equal(s.Metadata, t.Metadata):
			return fmt.Errorf("verify: %s revision %d: its data or metadata differ between the source and the target", t.StreamID, t.Revision)
		case h != t.Hash:
			return fmt.Errorf("verify: %s revision %d: its bytes on the target hash to %s, not to its recorded hash %s", t.StreamID, t.Revision, h, t.Hash)
		}
		srcHeads[s.StreamID] = head{s.Revision, s.Hash}
		tgtHeads[t.StreamID] = head{t.Revision, t.Hash}
		n++
		m.prog.set(n, 0)
	}
	if n < res.Already+res.Copied {
		return fmt.Errorf("verify: the target holds %d events, fewer than the %d copied", n, res.Already+res.Copied)
	}
	if len(srcHeads) != len(tgtHeads) {
		return fmt.Errorf("verify: %d streams on the source, %d on the target", len(srcHeads), len(tgtHeads))
	}
	for stream, sh := range srcHeads {
		if th, ok := tgtHeads[stream]; !ok || th != sh {
			return fmt.Errorf("verify: stream %s: head revision %d hash %s on the source, revision %d hash %s on the target", stream, sh.rev, sh.hash, th.rev, th.hash)
		}
	}
	m.prog.end()
	res.Events, res.Streams = n, len(srcHeads)
	res.Newer = max(m.srcTotal()-n, 0)
	return nil
}

// sameEvent compares the identity and chain links of an event on the
// source and on the target.
func sameEvent(s, t *eventstore.RecordedEvent) error {
	switch {
	case s.StreamID != t.StreamID || s.Revision != t.Revision:
		return fmt.Errorf("it is %s revision %d where the source has %s revision %d", t.StreamID, t.Revision, s.StreamID, s.Revision)
	case s.EventID != t.EventID:
		return fmt.Errorf("%s revision %d has event ID %s on the target and %s on the source", s.StreamID, s.Revision, t.EventID, s.EventID)
	case s.Type != t.Type:
		return fmt.Errorf("%s revision %d has type %q on the target and %q on the source", s.StreamID, s.Revision, t.Type, s.Type)
	case s.Prev != t.Prev || s.Hash != t.Hash:
		return fmt.Errorf("%s revision %d has hash %s (prev %s) on the target and %s (prev %s) on the source", s.StreamID, s.Revision, t.Hash, t.Prev, s.Hash, s.Prev)
	}
	return nil
}

// logReader reads a store's log in global order, a page at a time, up to
// the end it finds.
type logReader struct {
	store eventstore.Store
	pos   eventstore.Position
	page  []eventstore.RecordedEvent
	i     int
	atEnd bool
}

func newLogReader(s eventstore.Store) *logReader { return &logReader{store: s} }

// next returns the next event, or nil at the end of the log.
func (r *logReader) next(ctx context.Context) (*eventstore.RecordedEvent, error) {
	for r.i >= len(r.page) {
		if r.atEnd {
			return nil, nil
		}
		p, err := r.store.ReadAll(ctx, r.pos, migratePage, eventstore.Filter{})
		if err != nil {
			return nil, err
		}
		r.page, r.i, r.atEnd = p.Events, 0, p.AtEnd
		if p.Checkpoint.Less(r.pos) || !p.AtEnd && !r.pos.Less(p.Checkpoint) {
			return nil, fmt.Errorf("the log read after %s did not move forward (checkpoint %s)", r.pos, p.Checkpoint)
		}
		r.pos = p.Checkpoint
	}
	ev := &r.page[r.i]
	r.i++
	return ev, nil
}

// peek returns the next event if it was already read, else nil.
func (r *logReader) peek() *eventstore.RecordedEvent {
	if r.i < len(r.page) {
		return &r.page[r.i]
	}
	return nil
}

// skip moves past the event peek returned.
func (r *logReader) skip() { r.i++ }

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// progress reports a long job on a writer: a bar redrawn in place on a
// terminal, a line every progressEvery otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	phase string
	total int64 // 0: not known
	done  int64
	start time.Time
	last  time.Time // last drawn
	drawn bool      // a bar is on the terminal's current line
}

// How often progress draws: the bar, and the plain lines.
const (
	progressBarEvery = 200 * time.Millisecond
	progressEvery    = 5 * time.Second
)

func newProgress(w io.Writer, tty bool) *progress {
	return &progress{w: w, tty: tty, now: time.Now}
}

// begin starts a phase of total events (0: not known).
func (p *progress) begin(phase string, total int64) {
	p.phase, p.total, p.done = phase, total, 0
	p.start = p.now()
	p.last = p.start
}

// set records that done events of the phase are done, out of total (when
// total is not 0), and draws when it is time.
func (p *progress) set(done, total int64) {
	p.done = done
	if total > 0 {
		p.total = total
	}
	every := progressEvery
	if p.tty {
		every = progressBarEvery
	}
	if now := p.now(); now.Sub(p.last) >= every {
		p.last = now
		p.draw()
	}
}

// note prints a line, keeping the bar below it.
func (p *progress) note(msg string) {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
	fmt.Fprintf(p.w, "migrate: %s\n", msg)
}

// end finishes the phase with a summary line.
func (p *progress) end() {
	elapsed := p.now().Sub(p.start)
	line := fmt.Sprintf("migrate: %s: %d events in %s (%s events/s)", p.phase, p.done, elapsed.Round(time.Millisecond), rate(p.done, elapsed))
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	fmt.Fprintln(p.w, line)
	p.drawn = false
}

// abort finishes the phase without a summary.
func (p *progress) abort() {
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// draw writes the phase's state.
func (p *progress) draw() {
	elapsed := p.now().Sub(p.start)
	r := float64(p.done) / max(elapsed.Seconds(), 1e-9)
	eta := "?"
	if p.total > 0 && r > 0 {
		eta = (time.Duration(float64(max(p.total-p.done, 0))/r) * time.Second).Round(time.Second).String()
	}
	if !p.tty {
		if p.total > 0 {
			fmt.Fprintf(p.w, "migrate: %s: %d/%d events (%.1f%%), %s events/s, ETA %s\n",
				p.phase, p.done, p.total, percent(p.done, p.total), rate(p.done, elapsed), eta)
		} else {
			fmt.Fprintf(p.w, "migrate: %s: %d events, %s events/s\n", p.phase, p.done, rate(p.done, elapsed))
		}
		return
	}
	const width = 30
	if p.total > 0 {
		fill := int(float64(width) * percent(p.done, p.total) / 100)
		fmt.Fprintf(p.w, "\r\x1b[K%-6s [%s%s] %5.1f%% %d/%d events  %s events/s  ETA %s",
			p.phase, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), percent(p.done, p.total), p.done, p.total, rate(p.done, elapsed), eta)
	} else {
		fmt.Fprintf(p.w, "\r\x1b[K%-6s %d events  %s events/s", p.phase, p.done, rate(p.done, elapsed))
	}
	p.drawn = true
}

func percent(done, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return min(100, 100*float64(done)/float64(total))
}

func rate(n int64, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(n)/d.Seconds())
}
