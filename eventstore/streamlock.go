package eventstore

import (
	"context"
	"sync"
)

// streamLocks serialises the commands one process runs on the same stream,
// so that concurrent commands on a hot stream queue instead of racing for
// each revision and deciding again after every lost race. Commands on
// different streams never wait for each other. Writers in other processes
// are still handled by the expected-revision check and retries.
type streamLocks struct {
	mu    sync.Mutex
	locks map[string]*streamLock
}

type streamLock struct {
	ch   chan struct{} // holds a token while the lock is held
	refs int
}

// lock waits for stream's lock or for ctx to end, and returns the unlock
// function.
func (l *streamLocks) lock(ctx context.Context, stream string) (func(), error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]*streamLock)
	}
	sl := l.locks[stream]
	if sl == nil {
		sl = &streamLock{ch: make(chan struct{}, 1)}
		l.locks[stream] = sl
	}
	sl.refs++
	l.mu.Unlock()

	release := func() {
		l.mu.Lock()
		sl.refs--
		if sl.refs == 0 {
			delete(l.locks, stream)
		}
		l.mu.Unlock()
	}
	select {
	case sl.ch <- struct{}{}:
		return func() { <-sl.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
