// Package esdbtest runs an in-process stand-in for a KurrentDB / EventStoreDB
// node, so that the esdb adapter (and anything built on it) can be tested with
// `go test` and no Docker. It serves the gRPC Streams.Append and Streams.Read
// protocol from EventStore-Client-Go's own generated protos/streams package on
// 127.0.0.1, keeps its log in memory, and survives Stop / Start on the same
// address with its data, so tests can take the "cluster" away and bring it back.
//
// What it implements:
//   - Append with every expected revision (any, no stream, stream exists,
//     exact), answering a wrong expected version with the current revision,
//     and the server's idempotent write (the same event IDs right after an
//     exact expected revision succeed without writing, with no position) and
//     a maximum append size;
//   - Read of a stream, forwards and backwards, from a revision, the start or
//     the end, with StreamNotFound for a stream without events (sent as a
//     message, as the real server does, so the client reports it on the first
//     Recv);
//   - Read of $all, forwards (from a position, inclusive) and backwards (before
//     a position, exclusive), optionally filtered;
//   - catch-up then live subscriptions to $all and to a stream, from the start,
//     the end or a position / revision (exclusive), with server-side filters on
//     stream-name or event-type prefixes or a regular expression, checkpoints
//     every max-search-window × multiplier skipped events and whenever the
//     subscription reaches the end of the log with skipped events behind it,
//     and one CaughtUp message when the catch-up reaches the end.
//
// Positions imitate the transaction log: each append's events get increasing
// prepare positions and share the commit position of the append's commit
// record, so commit and prepare differ and a mapping that swapped them fails.
// Each event carries the system metadata the client requires ("type",
// "content-type" and "created", in .NET ticks since the Unix epoch: the
// client calls log.Fatalf on an event without a parsable "created").
//
// It does not implement gossip, server features (the client treats
// Unimplemented as an old server), persistent subscriptions, deletes,
// BatchAppend, access control or TLS: connect with tls=false, which the URL
// method does. Never import the client's protos/status or protos/code
// packages here: they register proto types that clash with
// google.golang.org/genproto's and panic at init.
package esdbtest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Options configures a Server.
type Options struct {
	// Addr is the address to listen on; "" picks a free port on 127.0.0.1.
	// Later Starts reuse the address of the first.
	Addr string
	// MaxAppendSize limits the data and custom metadata of one append, as
	// the real server's MaxAppendSize does (0: 1 MiB, the server default).
	MaxAppendSize int
	// Intercept, when set, runs at the start of every Append and Read call
	// with the method name ("Append" or "Read"); an error it returns fails
	// the call (return a status error, e.g. status.Error(codes.Unavailable,
	// "…"), to choose the gRPC code). Fault tests use it.
	Intercept func(ctx context.Context, method string) error
}

// Server is an in-memory KurrentDB stand-in. Its methods are safe for
// concurrent use.
type Server struct {
	opts Options

	mu      sync.Mutex
	log     []*record        // in global order
	streams map[string][]int // stream → indexes into log, by revision
	next    uint64           // log offset of the next record
	wake    chan struct{}    // closed (and replaced) on every append and on Stop
	addr    string
	gs      *grpc.Server
	running bool

	delay   atomic.Int64 // nanoseconds every call waits before it is served
	appends atomic.Int64
	reads   atomic.Int64
}

// record is one stored event. Records are immutable once in the log.
type record struct {
	id       [16]byte
	stream   string
	revision uint64
	commit   uint64
	prepare  uint64
	sysMeta  map[string]string
	userMeta []byte
	data     []byte
}

// eventType is the event's type as the client sent it.
func (r *record) eventType() string { return r.sysMeta["type"] }

func (r *record) after(commit, prepare uint64) bool {
	return r.commit > commit || r.commit == commit && r.prepare > prepare
}

// New returns a server that is not listening yet.
func New(opts Options) *Server {
	if opts.MaxAppendSize <= 0 {
		opts.MaxAppendSize = 1 << 20
	}
	return &Server{
		opts:    opts,
		streams: map[string][]int{},
		next:    1 << 10, // the real log starts with system records
		wake:    make(chan struct{}),
		addr:    opts.Addr,
	}
}

// Start returns a listening server that is stopped when t ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatalf("esdbtest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start listens (on the address of the first Start after the first) and
// serves in the background. Starting a running server is an error.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return errors.New("esdbtest: server already running")
	}
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("esdbtest: listen on %s: %w", addr, err)
	}
	s.addr = lis.Addr().String()
	gs := grpc.NewServer()
	api.RegisterStreamsServer(gs, &streamsService{s: s})
	s.gs, s.running = gs, true
	go func() { _ = gs.Serve(lis) }()
	return nil
}

// Stop stops serving at once, as a crashed node would: the listener and
// every connection close, open calls and subscriptions fail. The data stays;
// Start serves it again. Stop is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	gs := s.gs
	s.gs, s.running = nil, false
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
	if gs != nil {
		gs.Stop()
	}
}

// Addr is the host:port the server listens (or listened) on.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL is a connection string for the server: plain text (tls=false) and
// quick to give up discovering a node that is down.
func (s *Server) URL() string { return URL(s.Addr()) }

// URL is the connection string the esdbtest servers use for addr.
func URL(addr string) string {
	return "esdb://" + addr + "?tls=false&maxDiscoverAttempts=3&discoveryInterval=50&gossipTimeout=2"
}

// FreeAddr returns an address on 127.0.0.1 that nothing listens on (it
// listened briefly to find a free port), for a server to be started later
// or never ("the cluster is down").
func FreeAddr(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("esdbtest: %v", err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	return addr
}

// SetDelay makes every later Append and Read call wait d before it is
// served (a slow server); 0 removes the delay.
func (s *Server) SetDelay(d time.Duration) { s.delay.Store(int64(d)) }

// Len returns the number of events in the log.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}

// Calls returns how many Append and Read calls the server has received.
func (s *Server) Calls() (appends, reads int64) { return s.appends.Load(), s.reads.Load() }

// begin runs the delay and the interceptor of a call.
func (s *Server) begin(ctx context.Context, method string) error {
	if d := time.Duration(s.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	if s.opts.Intercept != nil {
		if err := s.opts.Intercept(ctx, method); err != nil {
			if _, ok := status.FromError(err); ok {
				return err
			}
			return status.Error(codes.Unknown, err.Error())
		}
	}
	return nil
}

// streamsService implements the Streams gRPC service.
type streamsService struct {
	api.UnimplementedStreamsServer
	s *Server
}

func (svc *streamsService) Append(stream api.Streams_AppendServer) error {
	s := svc.s
	s.appends.Add(1)
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil || opts.GetStreamIdentifier() == nil {
		return status.Error(codes.InvalidArgument, "the first message of an append must carry its options")
	}
	name := string(opts.GetStreamIdentifier().GetStreamName())
	var proposed []*api.AppendReq_ProposedMessage
	size := 0
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		m := req.GetProposedMessage()
		if m == nil {
			return status.Error(codes.InvalidArgument, "an append message after the options must be a proposed message")
		}
		if m.GetMetadata()["type"] == "" {
			return status.Error(codes.InvalidArgument, "proposed message without a type")
		}
		size += len(m.GetData()) + len(m.GetCustomMetadata())
		proposed = append(proposed, m)
	}
	if err := s.begin(stream.Context(), "Append"); err != nil {
		return err
	}
	if size > s.opts.MaxAppendSize {
		return status.Errorf(codes.InvalidArgument, "Maximum Append Size of %d Exceeded.", s.opts.MaxAppendSize)
	}
	resp, err := s.append(name, opts, proposed)
	if err != nil {
		return err
	}
	return stream.SendAndClose(resp)
}

// append writes proposed to stream under the lock, or answers with a wrong
// expected version or an idempotent success.
func (s *Server) append(name string, opts *api.AppendReq_Options, proposed []*api.AppendReq_ProposedMessage) (*api.AppendResp, error) {
	ids := make([][16]byte, len(proposed))
	for i, m := range proposed {
		id, err := uuidFromProto(m.GetId())
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		ids[i] = id
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		return nil, status.Error(codes.Unavailable, "server stopped")
	}
	revs := s.streams[name]
	current := int64(len(revs)) - 1 // -1: no stream
	var expected int64
	ok := true
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Any:
		expected = -2
	case *api.AppendReq_Options_NoStream:
		expected, ok = -1, current == -1
	case *api.AppendReq_Options_StreamExists:
		expected, ok = -4, current >= 0
	case *api.AppendReq_Options_Revision:
		expected, ok = int64(e.Revision), current == int64(e.Revision)
	default:
		return nil, status.Error(codes.InvalidArgument, "append without an expected revision")
	}
	if !ok {
		// The server's idempotence: the same IDs right after an exact
		// expected revision are a retry that already succeeded.
		if expected >= -1 && len(proposed) > 0 && expected+int64(len(proposed)) <= current {
			same := true
			for i, id := range ids {
				if s.log[revs[expected+1+int64(i)]].id != id {
					same = false
					break
				}
			}
			if same {
				return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
					CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(expected) + uint64(len(proposed))},
					PositionOption:        &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}},
				}}}, nil
			}
		}
		wrong := &api.AppendResp_WrongExpectedVersion{}
		if current < 0 {
			wrong.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
		} else {
			wrong.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
		}
		switch expected {
		case -1:
			wrong.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
		case -4:
			wrong.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
		default:
			wrong.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: uint64(expected)}
		}
		return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: wrong}}, nil
	}
	if len(proposed) == 0 {
		success := &api.AppendResp_Success{PositionOption: &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}}
		if current < 0 {
			success.CurrentRevisionOption = &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
		} else {
			success.CurrentRevisionOption = &api.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(current)}
		}
		return &api.AppendResp{Result: &api.AppendResp_Success_{Success: success}}, nil
	}

	// Prepares at increasing offsets, then one commit record.
	created := strconv.FormatInt(time.Now().UnixNano()/100, 10)
	prepares := make([]uint64, len(proposed))
	off := s.next
	for i, m := range proposed {
		prepares[i] = off
		off += uint64(64 + len(name) + len(m.GetData()) + len(m.GetCustomMetadata()))
	}
	commit := off
	s.next = commit + 32
	for i, m := range proposed {
		sys := map[string]string{"created": created, "type": m.GetMetadata()["type"], "content-type": m.GetMetadata()["content-type"]}
		if sys["content-type"] == "" {
			sys["content-type"] = "application/octet-stream"
		}
		r := &record{
			id:       ids[i],
			stream:   name,
			revision: uint64(current + 1 + int64(i)),
			commit:   commit,
			prepare:  prepares[i],
			sysMeta:  sys,
			userMeta: append([]byte(nil), m.GetCustomMetadata()...),
			data:     append([]byte(nil), m.GetData()...),
		}
		s.streams[name] = append(s.streams[name], len(s.log))
		s.log = append(s.log, r)
	}
	close(s.wake)
	s.wake = make(chan struct{})
	last := s.log[len(s.log)-1]
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: last.revision},
		PositionOption: &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: last.commit, PreparePosition: last.prepare,
		}},
	}}}, nil
}

func (svc *streamsService) Read(req *api.ReadReq, stream api.Streams_ReadServer) error {
	s := svc.s
	s.reads.Add(1)
	opts := req.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "read without options")
	}
	if err := s.begin(stream.Context(), "Read"); err != nil {
		return err
	}
	match, f, err := newFilter(opts)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	r := &reader{s: s, out: stream, structured: opts.GetUuidOption().GetString_() == nil, match: match, filter: f}
	if opts.GetSubscription() != nil {
		return r.subscribe(opts)
	}
	count := opts.GetCount()
	backwards := opts.GetReadDirection() == api.ReadReq_Options_Backwards
	if st := opts.GetStream(); st != nil {
		return r.readStream(st, backwards, count)
	}
	if all := opts.GetAll(); all != nil {
		return r.readAll(all, backwards, count)
	}
	return status.Error(codes.InvalidArgument, "read of neither a stream nor $all")
}

// reader serves one Read call.
type reader struct {
	s          *Server
	out        api.Streams_ReadServer
	structured bool
	match      func(*record) bool // nil: every event
	filter     *api.ReadReq_Options_FilterOptions
}

func (r *reader) send(rec *record) error {
	return r.out.Send(&api.ReadResp{Content: &api.ReadResp_Event{Event: r.event(rec)}})
}

func (r *reader) event(rec *record) *api.ReadResp_ReadEvent {
	id := &shared.UUID{}
	if r.structured {
		id.Value = &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
			MostSignificantBits:  int64(binary.BigEndian.Uint64(rec.id[:8])),
			LeastSignificantBits: int64(binary.BigEndian.Uint64(rec.id[8:])),
		}}
	} else {
		id.Value = &shared.UUID_String_{String_: formatUUID(rec.id)}
	}
	meta := make(map[string]string, len(rec.sysMeta))
	for k, v := range rec.sysMeta {
		meta[k] = v
	}
	return &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               id,
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(rec.stream)},
			StreamRevision:   rec.revision,
			CommitPosition:   rec.commit,
			PreparePosition:  rec.prepare,
			Metadata:         meta,
			CustomMetadata:   rec.userMeta,
			Data:             rec.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: rec.commit},
	}
}

func (r *reader) readStream(st *api.ReadReq_Options_StreamOptions, backwards bool, count uint64) error {
	name := string(st.GetStreamIdentifier().GetStreamName())
	r.s.mu.Lock()
	revs := r.s.streams[name]
	log := r.s.log
	r.s.mu.Unlock()
	if len(revs) == 0 {
		return r.out.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
		}}})
	}
	last := uint64(len(revs) - 1)
	var from uint64
	switch o := st.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		from = o.Revision
	case *api.ReadReq_Options_StreamOptions_End:
		from = last + 1
		if backwards {
			from = last
		}
	}
	var sent uint64
	if backwards {
		if from > last {
			from = last
		}
		for rev := int64(from); rev >= 0 && sent < count; rev-- {
			if err := r.send(log[revs[rev]]); err != nil {
				return err
			}
			sent++
		}
		return nil
	}
	for rev := from; rev <= last && sent < count; rev++ {
		if err := r.send(log[revs[rev]]); err != nil {
			return err
		}
		sent++
	}
	return nil
}

func (r *reader) readAll(all *api.ReadReq_Options_AllOptions, backwards bool, count uint64) error {
	r.s.mu.Lock()
	log := r.s.log
	r.s.mu.Unlock()
	var i int // first index to read (forwards) or one past it (backwards)
	switch o := all.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		c, p := o.Position.GetCommitPosition(), o.Position.GetPreparePosition()
		// Forwards the position is inclusive, backwards exclusive: both
		// start at the first record not before it.
		i = sort.Search(len(log), func(k int) bool { return !(c > log[k].commit || c == log[k].commit && p > log[k].prepare) })
	case *api.ReadReq_Options_AllOptions_End:
		i = len(log)
	}
	var sent uint64
	if backwards {
		for k := i - 1; k >= 0 && sent < count; k-- {
			if r.match != nil && !r.match(log[k]) {
				continue
			}
			if err := r.send(log[k]); err != nil {
				return err
			}
			sent++
		}
		return nil
	}
	for k := i; k < len(log) && sent < count; k++ {
		if r.match != nil && !r.match(log[k]) {
			continue
		}
		if err := r.send(log[k]); err != nil {
			return err
		}
		sent++
	}
	return nil
}

// subscribe serves a catch-up subscription, then goes live until the call
// ends or the server stops.
func (r *reader) subscribe(opts *api.ReadReq_Options) error {
	ctx := r.out.Context()
	if err := r.out.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: fmt.Sprintf("esdbtest-%d", time.Now().UnixNano()),
	}}}); err != nil {
		return err
	}
	// next is the index of the next record to consider; keep tells whether
	// a record belongs to the subscription (its stream, for a stream
	// subscription).
	var (
		next int
		keep func(*record) bool
	)
	r.s.mu.Lock()
	log := r.s.log
	r.s.mu.Unlock()
	if st := opts.GetStream(); st != nil {
		name := string(st.GetStreamIdentifier().GetStreamName())
		keep = func(rec *record) bool { return rec.stream == name }
		switch o := st.GetRevisionOption().(type) {
		case *api.ReadReq_Options_StreamOptions_Revision:
			for next < len(log) && !(log[next].stream == name && log[next].revision > o.Revision) {
				next++
			}
		case *api.ReadReq_Options_StreamOptions_End:
			next = len(log)
		}
	} else {
		keep = func(*record) bool { return true }
		switch o := opts.GetAll().GetAllOption().(type) {
		case *api.ReadReq_Options_AllOptions_Position:
			c, p := o.Position.GetCommitPosition(), o.Position.GetPreparePosition()
			next = sort.Search(len(log), func(k int) bool { return log[k].after(c, p) }) // exclusive
		case *api.ReadReq_Options_AllOptions_End:
			next = len(log)
		}
	}

	every := uint64(0) // checkpoint after this many skipped records (0: no checkpoints)
	if r.filter != nil {
		window := uint64(32)
		if m, ok := r.filter.GetWindow().(*api.ReadReq_Options_FilterOptions_Max); ok && m.Max > 0 {
			window = uint64(m.Max)
		}
		every = window * uint64(max(r.filter.GetCheckpointIntervalMultiplier(), 1))
	}
	var (
		skipped     uint64
		lastScanned *record
		caughtUp    bool
	)
	checkpoint := func() error {
		skipped = 0
		return r.out.Send(&api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
			CommitPosition: lastScanned.commit, PreparePosition: lastScanned.prepare,
		}}})
	}
	for {
		r.s.mu.Lock()
		log, wake, running := r.s.log, r.s.wake, r.s.running
		r.s.mu.Unlock()
		if !running {
			return status.Error(codes.Unavailable, "server stopped")
		}
		if next >= len(log) {
			if every > 0 && skipped > 0 {
				if err := checkpoint(); err != nil {
					return err
				}
			}
			if !caughtUp {
				caughtUp = true
				if err := r.out.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
					return err
				}
			}
			select {
			case <-wake:
				continue
			case <-ctx.Done():
				return status.FromContextError(ctx.Err()).Err()
			}
		}
		for ; next < len(log); next++ {
			rec := log[next]
			if !keep(rec) {
				continue
			}
			if r.match == nil || r.match(rec) {
				skipped = 0
				if err := r.send(rec); err != nil {
					return err
				}
				continue
			}
			lastScanned = rec
			skipped++
			if every > 0 && skipped >= every {
				if err := checkpoint(); err != nil {
					return err
				}
			}
		}
	}
}

// newFilter builds the matcher of a read's filter option (nil: no filter).
func newFilter(opts *api.ReadReq_Options) (func(*record) bool, *api.ReadReq_Options_FilterOptions, error) {
	f := opts.GetFilter()
	if f == nil {
		return nil, nil, nil
	}
	var expr *api.ReadReq_Options_FilterOptions_Expression
	field := func(r *record) string { return r.stream }
	switch e := f.GetFilter().(type) {
	case *api.ReadReq_Options_FilterOptions_StreamIdentifier:
		expr = e.StreamIdentifier
	case *api.ReadReq_Options_FilterOptions_EventType:
		expr = e.EventType
		field = (*record).eventType
	default:
		return nil, nil, errors.New("filter on neither stream nor event type")
	}
	if re := expr.GetRegex(); re != "" {
		rx, err := regexp.Compile(re)
		if err != nil {
			return nil, nil, fmt.Errorf("filter regex %q: %w", re, err)
		}
		return func(r *record) bool { return rx.MatchString(field(r)) }, f, nil
	}
	prefixes := expr.GetPrefix()
	return func(r *record) bool {
		v := field(r)
		for _, p := range prefixes {
			if strings.HasPrefix(v, p) {
				return true
			}
		}
		return false
	}, f, nil
}

func uuidFromProto(u *shared.UUID) ([16]byte, error) {
	var id [16]byte
	switch v := u.GetValue().(type) {
	case *shared.UUID_Structured_:
		binary.BigEndian.PutUint64(id[:8], uint64(v.Structured.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(id[8:], uint64(v.Structured.GetLeastSignificantBits()))
		return id, nil
	case *shared.UUID_String_:
		h := strings.ReplaceAll(v.String_, "-", "")
		if len(h) != 32 {
			return id, fmt.Errorf("bad event ID %q", v.String_)
		}
		for i := range id {
			b, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
			if err != nil {
				return id, fmt.Errorf("bad event ID %q", v.String_)
			}
			id[i] = byte(b)
		}
		return id, nil
	}
	return id, errors.New("proposed message without an event ID")
}

func formatUUID(id [16]byte) string {
	const hexDigits = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return string(b)
}
