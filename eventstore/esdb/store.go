package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	es "github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socledger/socledger/eventstore"
)

// ErrUnavailable matches errors caused by the cluster being unreachable or
// not answering: no node could be reached, the connection was lost, or the
// server reported itself unavailable. Such an operation may be retried
// (appends with the same EventIDs). The error also wraps the client's.
var ErrUnavailable = errors.New("esdb: cluster unavailable")

// Store is an eventstore.Store on a KurrentDB / EventStoreDB cluster. Open
// makes one; it is safe for concurrent use.
type Store struct {
	cfg    Config
	base   es.Configuration
	target string // the URL without credentials, for messages

	mu        sync.Mutex
	gen       *clientGen
	closed    bool // no new operations
	shut      bool // the client is closed: no new clients either
	subs      map[*subscription]struct{}
	stopOps   context.Context // cancelled with ErrClosed when Close gives up waiting
	cancelOps context.CancelCauseFunc

	active atomic.Int64 // operations admitted by begin and not done
	pumps  atomic.Int64 // subscription pump goroutines
	tails  *tailCache
	// trust says whether the position the server returns for an append is
	// that of its last event, for appends of one event [0] and of several
	// [1]: 0 not known yet, 1 yes, 2 no (read it back).
	trust [2]atomic.Int32
}

var _ eventstore.Store = (*Store)(nil)

// clientGen is one EventStore-Client-Go client. A client whose connection
// state machine gave up discovering a node is dead for good: its calls fail
// with ErrorCodeConnectionClosed, and a call that hits an Unavailable error
// on it blocks forever trying to report it. The Store replaces a dead client
// with a new one and never closes it (closing would make those blocked
// calls panic).
type clientGen struct {
	c        *es.Client
	busy     atomic.Int64 // goroutines inside c (a call stuck in a dead client stays)
	dead     chan struct{}
	deadOnce sync.Once
}

func (g *clientGen) markDead() { g.deadOnce.Do(func() { close(g.dead) }) }

func (g *clientGen) isDead() bool {
	select {
	case <-g.dead:
		return true
	default:
		return false
	}
}

// Open returns a Store for the cluster cfg.URL names. Unless
// cfg.ConnectTimeout is negative it first reads the head of $all, so that an
// unreachable cluster, bad credentials or a bad certificate fail here with a
// clear error (matching ErrUnavailable when the cluster cannot be reached);
// ctx also bounds that first contact.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	conf, err := cfg.clientConfig()
	if err != nil {
		return nil, err
	}
	s := &Store{
		cfg:    cfg,
		base:   *conf,
		target: redact(cfg.URL),
		subs:   map[*subscription]struct{}{},
		tails:  newTailCache(cfg.TailCacheSize),
	}
	s.stopOps, s.cancelOps = context.WithCancelCause(context.Background())
	if cfg.ConnectTimeout > 0 {
		pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
		if err := s.Ping(pctx); err != nil {
			_ = s.Close()
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%w: no answer within %v: %w", ErrUnavailable, cfg.ConnectTimeout, err)
			}
			return nil, fmt.Errorf("esdb: connecting to %s: %w", s.target, err)
		}
	}
	return s, nil
}

// Ping reads the head of $all: it fails when the cluster cannot be reached
// or refuses the store's credentials. It suits a readiness check.
func (s *Store) Ping(ctx context.Context) error {
	ctx, done, err := s.begin(ctx, "ping")
	if err != nil {
		return err
	}
	defer done()
	_, err = s.headPosition(ctx)
	return s.wrap(ctx, "ping", err)
}

// MaxEventSize returns the limit on one event's type, data and metadata.
func (s *Store) MaxEventSize() int { return s.cfg.MaxEventSize }

// Close stops the store: new calls fail with ErrClosed, subscriptions end
// with ErrClosed, and calls in flight get up to Config.CloseTimeout to finish
// before they are cancelled. Then the client is closed. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	subs := make([]*subscription, 0, len(s.subs))
	for sub := range s.subs {
		subs = append(subs, sub)
	}
	s.mu.Unlock()
	for _, sub := range subs {
		sub.cancel(eventstore.ErrClosed)
	}
	idle := s.waitIdle(s.cfg.CloseTimeout)
	if !idle {
		s.cancelOps(eventstore.ErrClosed)
		idle = s.waitIdle(time.Second)
	}
	s.cancelOps(eventstore.ErrClosed)
	s.mu.Lock()
	s.shut = true
	gen := s.gen
	s.gen = nil
	s.mu.Unlock()
	// Closing a client while a call is inside it can make that call panic
	// (it sends on the closed channel of the client's state machine); a
	// client still busy after the grace period is left to the garbage
	// collector instead.
	if gen != nil && idle && !gen.isDead() {
		_ = gen.c.Close()
	}
	return nil
}

// waitIdle waits up to d for every operation and subscription to finish and
// every goroutine inside the current client to leave (one stuck in a dead
// client never does, but a dead client is never closed).
func (s *Store) waitIdle(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for s.active.Load() > 0 || s.pumps.Load() > 0 || s.clientBusy() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}

// clientBusy reports whether a goroutine is inside the current, live client.
func (s *Store) clientBusy() bool {
	s.mu.Lock()
	gen := s.gen
	s.mu.Unlock()
	return gen != nil && !gen.isDead() && gen.busy.Load() > 0
}

// begin admits an operation: it fails with ErrClosed after Close and with
// ctx's error when ctx is done, and otherwise returns the operation's context
// (cancelled with ErrClosed if Close stops waiting for it).
func (s *Store) begin(ctx context.Context, op string) (context.Context, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("esdb: %s: %w", op, err)
	}
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.active.Add(1)
	}
	s.mu.Unlock()
	if closed {
		return nil, nil, fmt.Errorf("esdb: %s: %w", op, eventstore.ErrClosed)
	}
	opCtx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(s.stopOps, func() { cancel(eventstore.ErrClosed) })
	return opCtx, func() { stop(); cancel(nil); s.active.Add(-1) }, nil
}

// client returns the current client, replacing a dead one.
func (s *Store) client() (*clientGen, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return nil, eventstore.ErrClosed
	}
	if s.gen != nil && !s.gen.isDead() {
		return s.gen, nil
	}
	conf := s.base
	c, err := es.NewClient(&conf)
	if err != nil {
		return nil, fmt.Errorf("esdb: %w", err)
	}
	s.gen = &clientGen{c: c, dead: make(chan struct{})}
	return s.gen, nil
}

// call runs f with the client in a goroutine of its own and waits for it,
// for ctx, or for the client to be found dead. The client's own calls do not
// always honour ctx: discovering a node ignores it, and a call can block for
// good on a dead client, so the caller must be able to walk away. f's
// goroutine finishes on its own (or, on a dead client, never does).
func (s *Store) call(ctx context.Context, f func(c *es.Client) error) error {
	gen, err := s.client()
	if err != nil {
		return err
	}
	gen.busy.Add(1)
	done := make(chan error, 1)
	go func() {
		defer gen.busy.Add(-1)
		err := f(gen.c)
		if clientDead(err) {
			gen.markDead()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done:
			return err
		default:
		}
		return ctx.Err()
	case <-gen.dead:
		select {
		case err := <-done:
			return err
		default:
		}
		return fmt.Errorf("%w: the connection to %s was lost", ErrUnavailable, s.target)
	}
}

// clientDead reports whether err shows that the client gave up for good:
// its first (or a later) discovery of a node failed, which closes it.
func clientDead(err error) bool {
	e, ok := errors.AsType[*es.Error](err)
	if !ok {
		return false
	}
	return e.Code() == es.ErrorCodeConnectionClosed ||
		strings.Contains(e.Error(), "maximum discovery attempt count reached")
}

// unavailable reports whether err means the cluster cannot be reached.
func unavailable(err error) bool {
	if errors.Is(err, ErrUnavailable) || clientDead(err) {
		return true
	}
	if e, ok := errors.AsType[*es.Error](err); ok {
		switch e.Code() {
		case es.ErrorUnavailable, es.ErrorCodeDeadlineExceeded, es.ErrorCodeNotLeader:
			return true
		}
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return false
}

// wrongExpectedVersion reports whether err is the server refusing an append
// for its expected revision. esdb.FromError cannot tell (it returns false for
// every non-nil error): look for *esdb.Error and its code.
func wrongExpectedVersion(err error) bool {
	e, ok := errors.AsType[*es.Error](err)
	return ok && e.Code() == es.ErrorCodeWrongExpectedVersion
}

// notFound reports whether err is the server saying a stream has no events
// (or was deleted).
func notFound(err error) bool {
	e, ok := errors.AsType[*es.Error](err)
	return ok && (e.Code() == es.ErrorCodeResourceNotFound || e.Code() == es.ErrorCodeStreamDeleted)
}

// wrap gives err the operation's context: the context's error (ErrClosed if
// Close cancelled it) when ctx ended, the store's own typed errors as they
// are, ErrUnavailable for an unreachable cluster.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return s.ctxErr(ctx, op)
	case deadlineExceeded(err) && deadlineDue(ctx):
		// gRPC sends the caller's deadline to the server, whose own
		// timeout can come back a moment before ctx's timer fires.
		return fmt.Errorf("esdb: %s: %w (%w)", op, context.DeadlineExceeded, err)
	case isStoreError(err):
		return err
	case unavailable(err) && !errors.Is(err, ErrUnavailable):
		return fmt.Errorf("esdb: %s: %w at %s: %w", op, ErrUnavailable, s.target, err)
	}
	return fmt.Errorf("esdb: %s: %w", op, err)
}

// deadlineExceeded reports whether err is a gRPC deadline expiry.
func deadlineExceeded(err error) bool {
	if e, ok := errors.AsType[*es.Error](err); ok && e.Code() == es.ErrorCodeDeadlineExceeded {
		return true
	}
	return status.Code(err) == codes.DeadlineExceeded
}

// deadlineDue reports whether ctx's deadline has come, give or take the
// clock skew between gRPC's timer and ctx's.
func deadlineDue(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && time.Until(d) < 50*time.Millisecond
}

// ctxErr is the error of an operation whose context ended.
func (s *Store) ctxErr(ctx context.Context, op string) error {
	if errors.Is(context.Cause(ctx), eventstore.ErrClosed) {
		return fmt.Errorf("esdb: %s: %w", op, eventstore.ErrClosed)
	}
	return fmt.Errorf("esdb: %s: %w", op, ctx.Err())
}

func isStoreError(err error) bool {
	for _, target := range []error{
		eventstore.ErrWrongExpectedVersion, eventstore.ErrStreamNotFound, eventstore.ErrPartialDuplicate,
		eventstore.ErrClosed, eventstore.ErrInvalidEvent, eventstore.ErrInvalidStream, eventstore.ErrTooLarge,
		eventstore.ErrNoEvents,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readEvents reads with a client ReadStream until its end, decoding each
// event; the missing stream of a stream read is reported by the first Recv,
// not by ReadStream. keep, when not nil, says which decoded events to return.
func (s *Store) readEvents(ctx context.Context, open func(c *es.Client) (*es.ReadStream, error), keep func(*rawEvent) bool) ([]rawEvent, error) {
	var out []rawEvent
	err := s.call(ctx, func(c *es.Client) error {
		rs, err := open(c)
		if err != nil {
			return err
		}
		defer rs.Close()
		for {
			ev, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			re := ev.OriginalEvent()
			if re == nil {
				continue
			}
			r := s.decode(re)
			if keep == nil || keep(&r) {
				out = append(out, r)
			}
		}
	})
	return out, err
}

// headPosition returns the position of the last record of $all (system
// records included), or Start for an empty log.
func (s *Store) headPosition(ctx context.Context) (eventstore.Position, error) {
	evs, err := s.readEvents(ctx, func(c *es.Client) (*es.ReadStream, error) {
		return c.ReadAll(ctx, es.ReadAllOptions{Direction: es.Backwards, From: es.End{}}, 1)
	}, nil)
	if err != nil || len(evs) == 0 {
		return eventstore.Start, err
	}
	return evs[0].Position, nil
}
