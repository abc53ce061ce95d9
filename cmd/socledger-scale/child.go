package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
)

// The kill -9 case: the benchmark runs itself with --child-append DIR; the
// child opens the store, prints "ready", appends batches to the log streams
// with cfg.Appenders appenders and prints "acked N" (N: the events
// acknowledged so far) after every acknowledged append, until it is killed.

// runChild runs the appending child on the data directory and kills it
// with SIGKILL cfg.KillAfter after it reported ready. It returns how many
// events the child reported acknowledged.
func (b *bench) runChild(ctx context.Context) (int64, error) {
	cmd := exec.CommandContext(ctx, b.exe,
		"--child-append", b.dir,
		"--events", strconv.FormatInt(b.cfg.Events, 10),
		"--streams", strconv.FormatInt(b.cfg.Streams, 10),
		"--hot", strconv.Itoa(b.cfg.Hot),
		"--hot-events", strconv.Itoa(b.cfg.HotEvents),
		"--appenders", strconv.Itoa(b.cfg.Appenders),
		"--batch", strconv.Itoa(b.cfg.Batch),
		"--event-size", strconv.Itoa(b.cfg.EventSize),
		"--segment-size", strconv.FormatInt(b.cfg.SegmentSize, 10),
	)
	cmd.Stderr = b.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	var acked atomic.Int64
	ready := make(chan struct{})
	eof := make(chan struct{})
	go func() {
		defer close(eof)
		sc := bufio.NewScanner(out)
		isReady := false
		for sc.Scan() {
			line := sc.Bytes()
			if n, ok := bytes.CutPrefix(line, []byte("acked ")); ok {
				if v, err := strconv.ParseInt(string(n), 10, 64); err == nil {
					acked.Store(max(acked.Load(), v))
				}
			} else if string(line) == "ready" && !isReady {
				isReady = true
				close(ready)
			}
		}
		io.Copy(io.Discard, out)
	}()
	kill := func() {
		cmd.Process.Kill()
		<-eof
		cmd.Wait()
	}
	select {
	case <-ready:
	case <-eof:
		err := cmd.Wait()
		return 0, fmt.Errorf("the child ended before it was ready: %v", err)
	case <-ctx.Done():
		kill()
		return 0, ctx.Err()
	}
	b.logf("kill -9: the child opened the store; killing it in %s", b.cfg.KillAfter)
	select {
	case <-time.After(b.cfg.KillAfter):
	case <-eof:
		err := cmd.Wait()
		return 0, fmt.Errorf("the child ended before it was killed: %v", err)
	case <-ctx.Done():
		kill()
		return 0, ctx.Err()
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		return 0, err
	}
	<-eof
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Exited() {
		return 0, fmt.Errorf("the child did not die of the kill: %v", err)
	}
	n := acked.Load()
	b.logf("kill -9: killed the child after it had %d events acknowledged", n)
	if n == 0 {
		return 0, errors.New("the child acknowledged no append before the kill")
	}
	return n, nil
}

// runChild is the child process: it appends to the store in
// cfg.childAppend until it is killed.
func runChild(ctx context.Context, cfg config, stdout io.Writer) error {
	w, err := newWorkload(cfg)
	if err != nil {
		return err
	}
	s, err := embedded.Open(cfg.childAppend, embedded.Options{SegmentSize: cfg.SegmentSize})
	if err != nil {
		return err
	}
	defer s.Close()
	var mu sync.Mutex
	var acked int64
	fmt.Fprintln(stdout, "ready")
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for a := range cfg.Appenders {
		wg.Go(func() {
			bt := newBatches(cfg.EventSize, cfg.Batch)
			for i := int64(a); ctx.Err() == nil; i += int64(cfg.Appenders) {
				name := w.stream(kindLog, i%w.logStreams)
				if _, err := s.Append(ctx, name, eventstore.Any, bt.get(kindLog, 0, cfg.Batch)...); err != nil {
					cancel(err)
					return
				}
				mu.Lock()
				acked += int64(cfg.Batch)
				fmt.Fprintf(stdout, "acked %d\n", acked)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}
