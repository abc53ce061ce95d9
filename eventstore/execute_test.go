package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// A counter aggregate: the smallest decider that has a rule (a limit).
type counterCmd struct {
	domain.Meta
	ID  string
	Add int
}

type counterAdded struct {
	N int `json:"n"`
}

func (counterAdded) EventType() string { return "counter.added" }

type counterState struct{ Total, Events int }

var errOverLimit = errors.New("counter: over the limit")

const counterLimit = 1000

var counterCodec = domain.NewCodec[counterAdded]().Register(counterAdded{}, 1)

var counter = eventstore.Aggregate[counterCmd, counterAdded, counterState]{
	Name: "counter",
	Decider: domain.Decider[counterCmd, counterAdded, counterState]{
		Decide: func(c counterCmd, s counterState) ([]counterAdded, error) {
			if err := c.Meta.Validate(); err != nil {
				return nil, err
			}
			switch {
			case c.Add == 0:
				return nil, nil
			case s.Total+c.Add > counterLimit:
				return nil, fmt.Errorf("adding %d to %d: %w", c.Add, s.Total, errOverLimit)
			}
			return []counterAdded{{N: c.Add}}, nil
		},
		Evolve: func(s counterState, e counterAdded) counterState {
			s.Total += e.N
			s.Events++
			return s
		},
	},
	Codec:  counterCodec,
	Stream: func(c counterCmd) (string, error) { return domain.StreamName("counter", c.Tenant, c.ID), nil },
}

var t0 = time.Date(2025, 3, 3, 10, 0, 0, 0, time.UTC)

func cmd(id string, add int) counterCmd {
	return counterCmd{Meta: domain.Meta{CommandID: id, Tenant: "acme", Actor: "user:alice", At: t0}, ID: "c1", Add: add}
}

func openStore(t *testing.T) eventstore.Store {
	t.Helper()
	s, err := embedded.Open(t.TempDir(), embedded.Options{SegmentSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestExecuteRecordsEventsWithMetadata(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	recorded := time.Date(2025, 3, 3, 10, 0, 5, 0, time.UTC)
	x := &eventstore.Executor{Store: store, Now: func() time.Time { return recorded }}
	c := cmd("cmd-1", 5)
	c.CausationID = "alert-acme.abc/3"
	res, err := eventstore.Execute(t.Context(), x, counter, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicate || res.NoOp() || len(res.Events) != 1 || res.Revision != 0 || !res.HasRevision || res.State.Total != 5 || res.Attempts != 1 {
		t.Fatalf("result %+v", res)
	}
	evs, err := store.ReadStream(t.Context(), "counter-acme.c1", 0, 0)
	if err != nil || len(evs) != 1 {
		t.Fatalf("stream: %v %v", evs, err)
	}
	ev := evs[0]
	if got, want := ev.EventID.String(), domain.EventID("cmd-1", 0); got != want || res.Events[0].ID != want {
		t.Errorf("event ID %s (result %s), want %s derived from the command ID", got, res.Events[0].ID, want)
	}
	if ev.Type != "counter.added" || string(ev.Data) != `{"n":5}` {
		t.Errorf("stored %s %s", ev.Type, ev.Data)
	}
	var m map[string]any
	if err := json.Unmarshal(ev.Metadata, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"tenant": "acme", "actor": "user:alice", "command_id": "cmd-1", "correlation_id": "cmd-1",
		"causation_id": "alert-acme.abc/3", "schema": 1.0,
		"occurred_at": "2025-03-03T10:00:00Z", "recorded_at": "2025-03-03T10:00:05Z",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("metadata %s = %v, want %v (all: %s)", k, m[k], v, ev.Metadata)
		}
	}
}

func TestExecuteSameCommandTwiceRecordsOnce(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	x := &eventstore.Executor{Store: store}
	first, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-1", 5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-2", 1)); err != nil {
		t.Fatal(err)
	}
	again, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-1", 5))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Duplicate || len(again.Events) != 1 || again.Events[0].ID != first.Events[0].ID || again.Events[0].Revision != 0 {
		t.Fatalf("retry: %+v, want the original event back as a duplicate", again)
	}
	if again.State.Total != 6 {
		t.Errorf("state after retry %+v, want the whole stream folded (6)", again.State)
	}
	evs, _ := store.ReadStream(t.Context(), "counter-acme.c1", 0, 0)
	if len(evs) != 2 {
		t.Fatalf("stream has %d events, want 2: the retried command was written twice", len(evs))
	}
}

// ackLost appends, then reports a failure, as when the client's deadline
// passes just after the store wrote the events.
type ackLost struct {
	eventstore.Store
	once sync.Once
}

func (s *ackLost) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	res, err := s.Store.Append(ctx, stream, exp, evs...)
	lost := false
	s.once.Do(func() { lost = true })
	if err == nil && lost {
		return eventstore.AppendResult{}, fmt.Errorf("append: %w", context.DeadlineExceeded)
	}
	return res, err
}

func TestExecuteRetryAfterLostAcknowledgement(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	x := &eventstore.Executor{Store: &ackLost{Store: store}}
	if _, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-1", 5)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("first run: %v, want the lost acknowledgement", err)
	}
	res, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-1", 5))
	if err != nil || !res.Duplicate || res.State.Total != 5 {
		t.Fatalf("retry: %+v %v, want a duplicate", res, err)
	}
	evs, _ := store.ReadStream(t.Context(), "counter-acme.c1", 0, 0)
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
}

func TestExecuteConcurrentCommandsOnOneStreamLoseNothing(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	var retried sync.Map
	for w := range writers {
		wg.Go(func() {
			// One executor per writer, as in separate processes: they
			// race for each revision.
			x := &eventstore.Executor{Store: store, MaxAttempts: 64}
			for i := range each {
				res, err := eventstore.Execute(t.Context(), x, counter, cmd(fmt.Sprintf("w%d-%d", w, i), 1))
				if err != nil {
					errs <- err
					return
				}
				if res.Attempts > 1 {
					retried.Store(w, true)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res, err := eventstore.Execute(t.Context(), &eventstore.Executor{Store: store}, counter, cmd("read", 0))
	if err != nil {
		t.Fatal(err)
	}
	if res.State.Total != writers*each || res.State.Events != writers*each {
		t.Fatalf("total %+v, want %d: a concurrent command was lost or doubled", res.State, writers*each)
	}
	n := 0
	retried.Range(func(any, any) bool { n++; return true })
	t.Logf("%d of %d writers had to decide again after losing a race", n, writers)
}

// racer appends a foreign event to the stream before every append, so every
// attempt of the command loses.
type racer struct {
	eventstore.Store
	n   int
	add int // what each foreign event adds; 0 means 1
}

func (s *racer) Append(ctx context.Context, stream string, exp eventstore.ExpectedRevision, evs ...eventstore.EventData) (eventstore.AppendResult, error) {
	s.n++
	md, _ := json.Marshal(domain.EventMeta{Tenant: "acme", Actor: "other", Schema: 1})
	data := fmt.Appendf(nil, `{"n":%d}`, max(s.add, 1))
	if _, err := s.Store.Append(ctx, stream, eventstore.Any, eventstore.EventData{Type: "counter.added", Data: data, Metadata: md}); err != nil {
		return eventstore.AppendResult{}, err
	}
	return s.Store.Append(ctx, stream, exp, evs...)
}

func TestExecuteGivesUpAfterBoundedConflicts(t *testing.T) {
	t.Parallel()
	r := &racer{Store: openStore(t)}
	x := &eventstore.Executor{Store: r, MaxAttempts: 3}
	_, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-1", 5))
	var ce *eventstore.ConflictError
	if !errors.As(err, &ce) || !errors.Is(err, eventstore.ErrWrongExpectedVersion) || ce.Attempts != 3 || r.n != 3 {
		t.Fatalf("err %v (appends %d), want a *ConflictError after 3 attempts", err, r.n)
	}
}

// TestExecuteRedecidesOnTheNewState: after a conflict the command is decided
// again against what the other writer appended, so a rule that the first
// decision passed can refuse it.
func TestExecuteRedecidesOnTheNewState(t *testing.T) {
	t.Parallel()
	r := &racer{Store: openStore(t), add: counterLimit - 1}
	x := &eventstore.Executor{Store: r}
	_, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-1", 5))
	if !errors.Is(err, errOverLimit) || r.n != 1 {
		t.Fatalf("err %v after %d appends, want the limit rule applied to the re-read state", err, r.n)
	}
}

func TestExecuteDeciderErrors(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	x := &eventstore.Executor{Store: store}
	if _, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-1", counterLimit)); err != nil {
		t.Fatal(err)
	}
	_, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-2", 1))
	var ce *eventstore.CommandError
	if !errors.Is(err, errOverLimit) || !errors.As(err, &ce) || ce.Stream != "counter-acme.c1" || ce.CommandID != "cmd-2" {
		t.Fatalf("err %v, want a *CommandError wrapping the rule", err)
	}
	bad := cmd("cmd-3", 1)
	bad.Actor = ""
	var fe *domain.FieldError
	if _, err := eventstore.Execute(t.Context(), x, counter, bad); !errors.As(err, &fe) || fe.Field != "actor" {
		t.Fatalf("err %v, want a field error naming actor", err)
	}
	noID := cmd("", 1)
	if _, err := eventstore.Execute(t.Context(), x, counter, noID); !errors.As(err, &fe) || fe.Field != "commandId" {
		t.Fatalf("err %v, want a field error naming commandId", err)
	}
	res, err := eventstore.Execute(t.Context(), x, counter, cmd("cmd-4", 0))
	if err != nil || !res.NoOp() || res.Revision != 0 {
		t.Fatalf("no-op: %+v %v", res, err)
	}
	evs, _ := store.ReadStream(t.Context(), "counter-acme.c1", 0, 0)
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1: a refused or no-op command wrote something", len(evs))
	}
}

func TestExecuteUnknownStoredEvent(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	if _, err := store.Append(t.Context(), "counter-acme.c1", eventstore.NoStream, eventstore.EventData{Type: "counter.exploded", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	_, err := eventstore.Execute(t.Context(), &eventstore.Executor{Store: store}, counter, cmd("cmd-1", 1))
	var de *eventstore.DecodeError
	if !errors.As(err, &de) || !errors.Is(err, domain.ErrUnknownEventType) || de.Revision != 0 {
		t.Fatalf("err %v, want a *DecodeError naming revision 0", err)
	}
}

func TestExecuteWithStateCache(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	cache := eventstore.NewStateCache(2)
	cached := &eventstore.Executor{Store: store, Cache: cache}
	plain := &eventstore.Executor{Store: store}

	for i := range 3 {
		if _, err := eventstore.Execute(t.Context(), cached, counter, cmd(fmt.Sprintf("c%d", i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	// Another writer (another process) appends behind the cache's back.
	if _, err := eventstore.Execute(t.Context(), plain, counter, cmd("other", 10)); err != nil {
		t.Fatal(err)
	}
	res, err := eventstore.Execute(t.Context(), cached, counter, cmd("c3", 1))
	if err != nil || res.State.Total != 14 || res.State.Events != 5 || res.Revision != 4 || res.Attempts != 1 {
		t.Fatalf("after a foreign append: %+v %v, want the cached state caught up (total 14, revision 4)", res, err)
	}
	// A retry of a recent command is still a duplicate.
	res, err = eventstore.Execute(t.Context(), cached, counter, cmd("c1", 1))
	if err != nil || !res.Duplicate || res.Events[0].Revision != 1 || res.State.Total != 14 {
		t.Fatalf("retry through the cache: %+v %v, want the original event back", res, err)
	}
	// The cache is bounded.
	for _, id := range []string{"c2", "c3", "c4"} {
		c := cmd("x-"+id, 1)
		c.ID = id
		if _, err := eventstore.Execute(t.Context(), cached, counter, c); err != nil {
			t.Fatal(err)
		}
	}
	if cache.Len() != 2 {
		t.Fatalf("cache holds %d streams, want at most 2", cache.Len())
	}
	res, err = eventstore.Execute(t.Context(), cached, counter, cmd("c5", 1))
	if err != nil || res.State.Total != 15 {
		t.Fatalf("after eviction: %+v %v", res, err)
	}
}

func TestExecuteConcurrentWithStateCache(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	x := &eventstore.Executor{Store: store, MaxAttempts: 64, Cache: eventstore.NewStateCache(16)}
	const writers, each = 8, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			// Half the writers share x (they queue on its stream lock);
			// the others have their own executor and a cache that goes
			// stale whenever another writer appends.
			x := x
			if w%2 == 1 {
				x = &eventstore.Executor{Store: store, MaxAttempts: 64, Cache: eventstore.NewStateCache(16)}
			}
			for i := range each {
				if _, err := eventstore.Execute(t.Context(), x, counter, cmd(fmt.Sprintf("w%d-%d", w, i), 1)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	res, err := eventstore.Execute(t.Context(), &eventstore.Executor{Store: store}, counter, cmd("read", 0))
	if err != nil || res.State.Total != writers*each {
		t.Fatalf("total %+v %v, want %d", res.State, err, writers*each)
	}
	res, err = eventstore.Execute(t.Context(), x, counter, cmd("read2", 0))
	if err != nil || res.State.Total != writers*each {
		t.Fatalf("cached total %+v %v, want %d", res.State, err, writers*each)
	}
}

func TestExecuteQueuesCommandsOnOneStream(t *testing.T) {
	t.Parallel()
	store := openStore(t)
	x := &eventstore.Executor{Store: store, Cache: eventstore.NewStateCache(4)}
	const writers = 16
	var wg sync.WaitGroup
	var attempts sync.Map
	for w := range writers {
		wg.Go(func() {
			res, err := eventstore.Execute(t.Context(), x, counter, cmd(fmt.Sprintf("w%d", w), 1))
			if err != nil {
				t.Error(err)
			}
			attempts.Store(w, res.Attempts)
		})
	}
	wg.Wait()
	attempts.Range(func(w, a any) bool {
		if a.(int) != 1 {
			t.Errorf("writer %v needed %v attempts: commands of one executor on one stream should queue, not race", w, a)
		}
		return true
	})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := eventstore.Execute(ctx, x, counter, cmd("late", 1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled command: %v", err)
	}
}
