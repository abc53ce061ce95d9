package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/embedded"
	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// The record command: NDJSON facts through the domain command path into a
// data directory (docs/record-format.md describes the file format).
//
// Decisions where the brief is silent:
//
//   - Blank lines are skipped (they still count for line numbers); a UTF-8
//     byte order mark at the start of a file is ignored.
//   - Field names are matched exactly (a JSON key "Incident" is an unknown
//     field, not "incident"); a key given twice is an error. Nested objects
//     (criteria, thresholds) reject unknown fields too.
//   - "at" is optional for TenantCreated, EntityProfileSnapshotted and the
//     three facts whose At is when the SOC stated them
//     (NotificationSubmitted, RecurringIncidentsAggregated,
//     TimestampCorrected); it defaults to the line's recording time
//     (recordedAt under --backfill, else the time record started).
//   - "recordedAt" without --backfill is an error, not silently ignored: a
//     file meant as a reconstruction recorded as live facts would give
//     other verdicts. Under --backfill it must not lie in the future nor
//     before the fact's business time (a submission's sentAt and
//     receivedAt included).
//   - TimestampCorrected may leave out "old": the field's current value on
//     the incident is filled in. EntityProfileSnapshotted without any
//     profile field snapshots the tenant's current profile.
//   - A file's facts are checked all together first (every line decided in
//     order against the store's state plus the lines before it) and every
//     bad line is reported (up to maxLineErrors). The data directory stays
//     locked by record from the check to the last append, so no other
//     writer can change the state in between.
//   - Several files are recorded one after the other; the first file with a
//     bad line stops the run (the files before it stay recorded). A changed
//     file is a new file: its command IDs change with its hash.
//   - Legal holds are four line types (TenantLegalHoldPlaced / Released,
//     IncidentLegalHoldPlaced / Released): "at" is optional (the time the
//     hold was placed or released; default the line's recording time), a
//     tenant hold line without "tenant" takes the tenant the file creates
//     when it creates exactly one, like IncidentOpened. Placing a hold
//     already in force or releasing one that is not is a line that changed
//     nothing.

// errNeedsBackfill rejects a line with recordedAt when --backfill is not
// given; it is reported once per file.
var errNeedsBackfill = &domain.FieldError{Field: "recordedAt",
	Reason: "honoured only with --backfill (reconstructing a past incident); remove it or pass --backfill (said once for the file)"}

// maxLineErrors bounds how many bad lines of one file are reported.
const maxLineErrors = 20

type recordConfig struct {
	DataDir  string
	Actor    string
	Tenant   string
	Backfill bool
	Files    []string
}

func parseRecordFlags(args []string, getenv func(string) string, stderr io.Writer) (recordConfig, error) {
	var cfg recordConfig
	flags := flag.NewFlagSet("socledger record", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&cfg.DataDir, "data", envOr(getenv, "SOCLEDGER_DATA", "./data"),
		"data `directory` of the embedded event store, created if missing (env SOCLEDGER_DATA)")
	defActor := envOr(getenv, "SOCLEDGER_ACTOR", getenv("USER"))
	flags.StringVar(&cfg.Actor, "actor", defActor,
		"who records: the events' actor is \"record by NAME\" (env SOCLEDGER_ACTOR, else $USER)")
	flags.StringVar(&cfg.Tenant, "tenant", "", "`tenant` of lines that name none and whose incident the file does not open")
	flags.BoolVar(&cfg.Backfill, "backfill", false,
		"honour each line's \"recordedAt\": reconstruct a past incident as if recorded then")
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: socledger record --data DIR [--actor NAME] [--tenant T] [--backfill] FILE…

Record a tenant with its entity profile, an incident's regulatory facts and
legal holds through the domain's commands into a data directory. Each FILE is NDJSON,
one fact per line: {"type": NAME, ...fields} with the event names and fields
of compliance-spec.md §5 in lowerCamelCase (docs/record-format.md). A bad line
is reported as FILE:LINE with the field, and then nothing of that file is
recorded. Recording the same file again records nothing new.

--backfill reconstructs a past incident: each line's "recordedAt" becomes the
time the fact counts as recorded (compliance reports as of earlier instants
see it from then). The store's own append time and the actor
("record --backfill by NAME") still show when and how it was written.

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return recordConfig{}, err
	}
	cfg.Files = flags.Args()
	switch {
	case len(cfg.Files) == 0:
		flags.Usage()
		return recordConfig{}, errors.New("record: no FILE given")
	case cfg.DataDir == "":
		return recordConfig{}, errors.New("record: --data must not be empty")
	case strings.TrimSpace(cfg.Actor) == "":
		return recordConfig{}, errors.New("record: --actor is required (or set SOCLEDGER_ACTOR or USER)")
	}
	if cfg.Tenant != "" {
		if err := domain.ValidateTenantID(cfg.Tenant); err != nil {
			return recordConfig{}, fmt.Errorf("record: --tenant: %w", err)
		}
	}
	cfg.Actor = strings.TrimSpace(cfg.Actor)
	return cfg, nil
}

// envOr returns the environment variable key, or def when it is unset.
func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// record records NDJSON fact files into a data directory (see
// parseRecordFlags' usage).
func record(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseRecordFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("record: create data directory %s: %w", cfg.DataDir, err)
	}
	store, err := embedded.Open(cfg.DataDir, embedded.Options{})
	if errors.Is(err, vfs.ErrLocked) {
		return fmt.Errorf("record: data directory %s is in use by another socledger process (stop serve first): %w", cfg.DataDir, err)
	}
	if err != nil {
		return fmt.Errorf("record: open store in %s: %w", cfg.DataDir, err)
	}
	r := &recorder{cfg: cfg, store: store, now: time.Now().UTC().Truncate(time.Millisecond)}
	for _, name := range cfg.Files {
		if err := ctx.Err(); err != nil {
			return errors.Join(err, store.Close())
		}
		sum, err := r.file(ctx, name)
		if err != nil {
			return errors.Join(err, store.Close())
		}
		fmt.Fprintf(stdout, "%s: %s\n", name, sum)
	}
	if err := store.Close(); err != nil {
		return fmt.Errorf("record: close store: %w", err)
	}
	return nil
}

// recordSummary counts what one file did.
type recordSummary struct {
	Recorded, Already, NoOp int
}

func (s recordSummary) String() string {
	out := fmt.Sprintf("%s recorded, %d already recorded", plural(s.Recorded, "fact"), s.Already)
	if s.NoOp > 0 {
		out += fmt.Sprintf(", %d changed nothing", s.NoOp)
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// recorder records files into one store.
type recorder struct {
	cfg   recordConfig
	store eventstore.Store
	// now is when record started: the default business time of facts that
	// take it from their recording, and the bound of recordedAt.
	now time.Time
}

// fact is one line's command, ready to decide.
type fact struct {
	line     int
	typ      string
	cmdID    string
	tenant   string
	incident string // "" for a tenant command
	tcmd     tenant.Command
	icmd     incident.Command
	// recordedAt is the line's recordedAt (only under --backfill).
	recordedAt *time.Time
	// What the check fills in from the state before deciding.
	snapshotTenant bool // IncidentOpened / EntityProfileSnapshotted without profile: the tenant's profile
	fillOld        bool // TimestampCorrected without "old"
	regulatory     bool // a regulatory fact (a possible targetLine)
	// outcome of the check
	dup  bool
	noop bool
}

// lineError is a rejected line.
type lineError struct {
	file string
	line int
	typ  string
	err  error
}

func (e *lineError) Error() string {
	if e.typ != "" {
		return fmt.Sprintf("%s:%d: %s: %v", e.file, e.line, e.typ, e.err)
	}
	return fmt.Sprintf("%s:%d: %v", e.file, e.line, e.err)
}

func (e *lineError) Unwrap() error { return e.err }

// file checks and then records one file.
func (r *recorder) file(ctx context.Context, name string) (recordSummary, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return recordSummary{}, fmt.Errorf("record: %w", err)
	}
	sum := sha256.Sum256(data)
	prefix := "record:" + hex.EncodeToString(sum[:])[:12] + ":"
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))

	chk := newMemState(ctx, r.store)
	p := &fileParser{r: r, file: name, prefix: prefix, byLine: map[int]*fact{}, incidentTenant: map[string]string{}}
	var (
		facts         []*fact
		errs          []error
		needsBackfill bool
	)
	for i, text := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		text = bytes.TrimSuffix(text, []byte("\r"))
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		f, typ, err := p.parse(n, text)
		if err == nil {
			err = flatProfileError(chk.decide(f))
		}
		if errors.Is(err, errNeedsBackfill) && needsBackfill {
			continue // said once for the file
		}
		needsBackfill = needsBackfill || errors.Is(err, errNeedsBackfill)
		if err != nil {
			errs = append(errs, &lineError{file: name, line: n, typ: typ, err: err})
			if len(errs) == maxLineErrors {
				break
			}
			continue
		}
		facts = append(facts, f)
	}
	if len(errs) > 0 {
		msg := "nothing of it was recorded"
		if len(errs) == maxLineErrors {
			msg += fmt.Sprintf("; the first %d bad lines", maxLineErrors)
		}
		return recordSummary{}, fmt.Errorf("record: %s: %s:\n%w", name, msg, errors.Join(errs...))
	}

	// Every line passed: record them for real.
	var s recordSummary
	var at time.Time
	x := &eventstore.Executor{Store: r.store, Now: func() time.Time { return at }}
	for _, f := range facts {
		switch {
		case f.dup:
			s.Already++
			continue
		case f.noop:
			s.NoOp++
			continue
		}
		at = time.Now()
		if f.recordedAt != nil {
			at = *f.recordedAt
		}
		var (
			dup bool
			n   int
			err error
		)
		if f.tcmd != nil {
			var res eventstore.Result[tenant.Event, tenant.State]
			res, err = eventstore.Execute(ctx, x, tenantAggregate, f.tcmd)
			dup, n = res.Duplicate, len(res.Events)
		} else {
			var res eventstore.Result[incident.Event, incident.State]
			res, err = eventstore.Execute(ctx, x, incidentAggregate, f.icmd)
			dup, n = res.Duplicate, len(res.Events)
		}
		if err != nil {
			return s, fmt.Errorf("record: %s:%d: %s: %w (%s before it; run record again once fixed: recorded lines are skipped)",
				name, f.line, f.typ, err, s)
		}
		switch {
		case dup:
			s.Already++
		case n == 0:
			s.NoOp++
		default:
			s.Recorded++
		}
	}
	return s, nil
}

var tenantAggregate = eventstore.Aggregate[tenant.Command, tenant.Event, tenant.State]{
	Name: "tenant", Decider: tenant.Decider, Codec: tenant.Codec(), Stream: tenant.StreamOf,
}

var incidentAggregate = eventstore.Aggregate[incident.Command, incident.Event, incident.State]{
	Name: "incident", Decider: incident.Decider, Codec: incident.Codec(), Stream: incident.StreamOf,
}

// ---- checking in memory ----

// memState holds the states of the streams a file touches: folded from the
// store, then evolved by each line's decided events, without writing.
type memState struct {
	ctx       context.Context
	store     eventstore.Store
	tenants   map[string]*memStream[tenant.State]
	incidents map[string]*memStream[incident.State]
}

type memStream[S any] struct {
	state S
	ids   map[string]bool // event IDs in the stream
}

func newMemState(ctx context.Context, store eventstore.Store) *memState {
	return &memState{ctx: ctx, store: store, tenants: map[string]*memStream[tenant.State]{}, incidents: map[string]*memStream[incident.State]{}}
}

// load folds stream from the store.
func load[C domain.Command, E domain.Event, S any](ctx context.Context, store eventstore.Store, agg eventstore.Aggregate[C, E, S], stream string) (*memStream[S], error) {
	m := &memStream[S]{state: agg.Decider.Initial, ids: map[string]bool{}}
	evs, err := store.ReadStream(ctx, stream, 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	for _, ev := range evs {
		meta, err := domain.DecodeMeta(ev.Metadata)
		if err != nil {
			return nil, fmt.Errorf("%s revision %d: %w", stream, ev.Revision, err)
		}
		e, err := agg.Codec.Decode(ev.Type, meta.Schema, ev.Data)
		if err != nil {
			return nil, fmt.Errorf("%s revision %d: %w", stream, ev.Revision, err)
		}
		m.state = agg.Decider.Evolve(m.state, e)
		m.ids[ev.EventID.String()] = true
	}
	return m, nil
}

// apply decides c against m and evolves m with its events; dup when the
// command's events are in the stream already.
func apply[C domain.Command, E domain.Event, S any](m *memStream[S], d domain.Decider[C, E, S], c C) (dup, noop bool, err error) {
	id := c.CommandMeta().CommandID
	if m.ids[domain.EventID(id, 0)] {
		return true, false, nil
	}
	events, err := d.Decide(c, m.state)
	if err != nil {
		return false, false, err
	}
	for i, e := range events {
		m.state = d.Evolve(m.state, e)
		m.ids[domain.EventID(id, i)] = true
	}
	return false, len(events) == 0, nil
}

func (s *memState) tenant(id string) (*memStream[tenant.State], error) {
	stream := tenant.Stream(id)
	if m := s.tenants[stream]; m != nil {
		return m, nil
	}
	m, err := load(s.ctx, s.store, tenantAggregate, stream)
	if err != nil {
		return nil, err
	}
	s.tenants[stream] = m
	return m, nil
}

func (s *memState) incident(tenantID, id string) (*memStream[incident.State], error) {
	stream := incident.Stream(tenantID, id)
	if m := s.incidents[stream]; m != nil {
		return m, nil
	}
	m, err := load(s.ctx, s.store, incidentAggregate, stream)
	if err != nil {
		return nil, err
	}
	s.incidents[stream] = m
	return m, nil
}

// decide fills in what f takes from the state, decides it and applies its
// events in memory.
func (s *memState) decide(f *fact) error {
	if f.tcmd != nil {
		if _, err := tenant.StreamOf(f.tcmd); err != nil {
			return err
		}
		m, err := s.tenant(f.tenant)
		if err != nil {
			return err
		}
		f.dup, f.noop, err = apply(m, tenant.Decider, f.tcmd)
		return err
	}
	if _, err := incident.StreamOf(f.icmd); err != nil {
		return err
	}
	m, err := s.incident(f.tenant, f.incident)
	if err != nil {
		return err
	}
	if m.ids[domain.EventID(f.cmdID, 0)] {
		f.dup = true
		return nil
	}
	if f.snapshotTenant {
		t, err := s.tenant(f.tenant)
		if err != nil {
			return err
		}
		if !t.state.Exists() {
			return fmt.Errorf("tenant %q is not created: record its TenantCreated first (in this file or an earlier one)", f.tenant)
		}
		p := t.state.Profile
		switch c := f.icmd.(type) {
		case incident.Open:
			c.Profile = &p
			f.icmd = c
		case incident.ReSnapshotProfile:
			c.Profile = p
			f.icmd = c
		}
	}
	if c, ok := f.icmd.(incident.CorrectTimestamp); ok && f.fillOld {
		if old, ok := m.state.Reg.EffectiveTime(c.TargetEventID, c.Field); ok {
			c.Old = &old
		}
		f.icmd = c
	}
	var err2 error
	f.dup, f.noop, err2 = apply(m, incident.Decider, f.icmd)
	return err2
}

// ---- parsing ----

// fileParser turns the lines of one file into facts.
type fileParser struct {
	r      *recorder
	file   string
	prefix string // of command IDs: "record:<hex12>:"
	byLine map[int]*fact
	// incidentTenant maps an incident opened earlier in the file to its
	// tenant; createdTenants lists the tenants created earlier in it.
	incidentTenant map[string]string
	createdTenants []string
}

// parse reads line n. It returns the fact and the line's type (for
// errors, once known).
func (p *fileParser) parse(n int, text []byte) (*fact, string, error) {
	fields, err := jsonObject(text)
	if err != nil {
		return nil, "", err
	}
	var typ string
	for _, f := range fields {
		if f.key == "type" {
			if err := json.Unmarshal(f.raw, &typ); err != nil {
				return nil, "", &domain.FieldError{Field: "type", Reason: "want a string naming the fact (" + strings.Join(lineTypeNames(), ", ") + ")"}
			}
		}
	}
	if typ == "" {
		return nil, "", &domain.FieldError{Field: "type", Reason: "missing: name the fact (" + strings.Join(lineTypeNames(), ", ") + ")"}
	}
	newLine, ok := lineTypes[typ]
	if !ok {
		return nil, "", &domain.FieldError{Field: "type", Value: typ, Reason: "unknown fact type; want one of " + strings.Join(lineTypeNames(), ", ")}
	}
	l := newLine()
	present, err := decodeFields(typ, fields, l)
	if err != nil {
		return nil, typ, err
	}
	h := l.head()
	f := &fact{line: n, typ: typ, cmdID: fmt.Sprintf("%s%d", p.prefix, n)}

	// recordedAt and the default business time.
	at := p.r.now
	if h.RecordedAt != nil {
		if !p.r.cfg.Backfill {
			return nil, typ, errNeedsBackfill
		}
		if h.RecordedAt.After(p.r.now) {
			return nil, typ, &domain.FieldError{Field: "recordedAt", Value: h.RecordedAt.Format(time.RFC3339), Reason: "in the future"}
		}
		ra := h.RecordedAt.UTC()
		f.recordedAt, at = &ra, ra
	}

	// The tenant: the line's, else the file's context, else --tenant.
	inc := l.incidentID()
	f.incident = inc
	f.tenant = h.Tenant
	if f.tenant == "" {
		switch {
		case inc != "" && p.incidentTenant[inc] != "":
			f.tenant = p.incidentTenant[inc]
		case (typ == "IncidentOpened" || tenantHoldLines[typ]) && len(p.createdTenants) == 1:
			f.tenant = p.createdTenants[0]
		default:
			f.tenant = p.r.cfg.Tenant
		}
	}
	if f.tenant == "" {
		return nil, typ, &domain.FieldError{Field: "tenant", Reason: "missing: give \"tenant\", open the incident earlier in the file, or pass --tenant"}
	}

	actor := "record by " + p.r.cfg.Actor
	if p.r.cfg.Backfill {
		actor = "record --backfill by " + p.r.cfg.Actor
	}
	meta := domain.Meta{CommandID: f.cmdID, Tenant: f.tenant, Actor: actor, At: at}
	if err := l.build(meta, present, f, p); err != nil {
		return nil, typ, err
	}
	if f.recordedAt != nil {
		if err := recordedAfter(*f.recordedAt, f); err != nil {
			return nil, typ, err
		}
	}
	switch typ {
	case "TenantCreated":
		if !slices.Contains(p.createdTenants, f.tenant) {
			p.createdTenants = append(p.createdTenants, f.tenant)
		}
	case "IncidentOpened":
		p.incidentTenant[inc] = f.tenant
	}
	p.byLine[n] = f
	return f, typ, nil
}

// recordedAfter checks that a backfilled fact is not recorded before it
// happened: its business time, and a submission's sent and received times.
func recordedAfter(rec time.Time, f *fact) error {
	var m domain.Meta
	if f.tcmd != nil {
		m = f.tcmd.CommandMeta()
	} else {
		m = f.icmd.CommandMeta()
	}
	type named struct {
		field string
		t     *time.Time
	}
	times := []named{{"at", &m.At}}
	if c, ok := f.icmd.(incident.SubmitNotification); ok {
		times = append(times, named{"sentAt", &c.SentAt}, named{"receivedAt", c.ReceivedAt})
	}
	for _, tt := range times {
		if tt.t != nil && !tt.t.IsZero() && rec.Before(*tt.t) {
			return &domain.FieldError{Field: "recordedAt", Value: rec.Format(time.RFC3339),
				Reason: fmt.Sprintf("before the fact's %s %s: a fact is recorded after it happened", tt.field, tt.t.UTC().Format(time.RFC3339))}
		}
	}
	return nil
}

// jsonField is one key of a line's object, in line order.
type jsonField struct {
	key string
	raw json.RawMessage
}

// jsonObject reads text as one JSON object and returns its keys and raw
// values in order.
func jsonObject(text []byte) ([]jsonField, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	bad := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("bad JSON at column %d: %v", se.Offset, err)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("bad JSON: the object is not closed")
		}
		return fmt.Errorf("bad JSON: %v", err)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, bad(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New(`bad JSON: want one object per line, {"type": NAME, ...fields}`)
	}
	var out []jsonField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, bad(err)
		}
		if slices.ContainsFunc(out, func(f jsonField) bool { return f.key == key }) {
			return nil, &domain.FieldError{Field: key, Reason: "given twice"}
		}
		out = append(out, jsonField{key: key, raw: raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, bad(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("bad JSON: more than one value on the line (one fact per line)")
	}
	return out, nil
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	timePtrType = reflect.TypeFor[*time.Time]()
)

// structFields maps the JSON names of v's fields (a struct, walking
// embedded structs) to the fields, and lists the names in order.
func structFields(v reflect.Value) (map[string]reflect.Value, []string) {
	byName := map[string]reflect.Value{}
	var names []string
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
				walk(v.Field(i))
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "" || name == "-" || !sf.IsExported() {
				continue
			}
			byName[name] = v.Field(i)
			names = append(names, name)
		}
	}
	walk(v)
	return byName, names
}

// decodeFields decodes fields into the line struct l (a pointer), field by
// field, so every error names its field. It returns the keys present.
func decodeFields(typ string, fields []jsonField, l factLine) (map[string]bool, error) {
	v := reflect.ValueOf(l).Elem()
	byName, names := structFields(v)
	present := map[string]bool{}
	for _, f := range fields {
		fv, ok := byName[f.key]
		if !ok {
			return nil, &domain.FieldError{Field: f.key, Reason: fmt.Sprintf("unknown field (%s takes %s)", typ, strings.Join(names, ", "))}
		}
		present[f.key] = true
		if err := decodeValue(f.key, f.raw, fv); err != nil {
			return nil, err
		}
	}
	return present, nil
}

// decodeValue decodes raw into the field fv named key.
func decodeValue(key string, raw json.RawMessage, fv reflect.Value) error {
	switch fv.Type() {
	case timeType, timePtrType:
		if string(raw) == "null" {
			if fv.Type() == timeType {
				return &domain.FieldError{Field: key, Reason: "want an RFC 3339 time such as 2025-03-03T08:00:00Z, not null"}
			}
			fv.SetZero()
			return nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return &domain.FieldError{Field: key, Value: string(raw), Reason: "want an RFC 3339 time string such as 2025-03-03T08:00:00Z"}
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return &domain.FieldError{Field: key, Value: s, Reason: "want an RFC 3339 time such as 2025-03-03T08:00:00Z or 2025-03-03T09:00:00+01:00"}
		}
		if fv.Type() == timeType {
			fv.Set(reflect.ValueOf(t))
		} else {
			fv.Set(reflect.ValueOf(&t))
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(fv.Addr().Interface()); err != nil {
		msg := strings.TrimPrefix(err.Error(), "json: ")
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			msg = fmt.Sprintf("want %s, got a JSON %s", jsonKind(te.Type), te.Value)
			if te.Field != "" {
				msg = fmt.Sprintf("%s: %s", te.Field, msg)
			}
		}
		return &domain.FieldError{Field: key, Reason: msg}
	}
	return nil
}

// jsonKind describes the JSON value a Go type takes.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// ---- the line types ----

// factLine is the decoded form of one line type.
type factLine interface {
	head() *lineHead
	incidentID() string
	// build sets f's command from the line; meta carries the command ID,
	// tenant, actor and the default business time. present lists the keys
	// the line gave.
	build(meta domain.Meta, present map[string]bool, f *fact, p *fileParser) error
}

// lineHead holds the fields every line may carry.
type lineHead struct {
	Type       string     `json:"type"`
	Tenant     string     `json:"tenant"`
	RecordedAt *time.Time `json:"recordedAt"`
}

func (h *lineHead) head() *lineHead { return h }

// incidentHead holds the fields of every incident line.
type incidentHead struct {
	lineHead
	Incident string `json:"incident"`
}

func (h *incidentHead) incidentID() string { return h.Incident }

// lineTypes maps each line type name to a new empty line.
var lineTypes = map[string]func() factLine{
	"TenantCreated":                func() factLine { return &tenantCreatedLine{} },
	"IncidentOpened":               func() factLine { return &incidentOpenedLine{} },
	"IncidentDetected":             func() factLine { return &detectedLine{} },
	"Detected":                     func() factLine { return &detectedLine{} },
	"EntityProfileSnapshotted":     func() factLine { return &profileSnapshottedLine{} },
	"AwarenessEstablished":         func() factLine { return &awarenessLine{} },
	"ClassifiedSignificantNIS2":    func() factLine { return &classifiedNIS2Line{} },
	"DeclassifiedNIS2":             func() factLine { return &declassifiedNIS2Line{} },
	"ClassificationAssessedDORA":   func() factLine { return &classificationDORALine{} },
	"ReclassifiedNonMajorDORA":     func() factLine { return &reclassifiedDORALine{} },
	"RecurringIncidentsAggregated": func() factLine { return &recurringLine{} },
	"PersonalDataBreachAssessed":   func() factLine { return &breachLine{} },
	"RegularActivitiesRecovered": func() factLine {
		return &atLine{command: func(m domain.Meta, id string, at time.Time) incident.Command {
			return incident.RecordRecovery{Meta: m, IncidentID: id, At: at}
		}}
	},
	"RootCauseAnalysisCompleted": func() factLine {
		return &atLine{command: func(m domain.Meta, id string, at time.Time) incident.Command {
			return incident.CompleteRootCauseAnalysis{Meta: m, IncidentID: id, At: at}
		}}
	},
	"HandlingCompleted": func() factLine {
		return &atLine{command: func(m domain.Meta, id string, at time.Time) incident.Command {
			return incident.CompleteHandling{Meta: m, IncidentID: id, At: at}
		}}
	},
	"AuthorityRequestReceived":  func() factLine { return &requestLine{} },
	"NotificationSubmitted":     func() factLine { return &submittedLine{} },
	"DelayNotified":             func() factLine { return &delayLine{} },
	"TimestampCorrected":        func() factLine { return &correctionLine{} },
	"TenantLegalHoldPlaced":     func() factLine { return &tenantHoldPlacedLine{} },
	"TenantLegalHoldReleased":   func() factLine { return &tenantHoldReleasedLine{} },
	"IncidentLegalHoldPlaced":   func() factLine { return &incidentHoldPlacedLine{} },
	"IncidentLegalHoldReleased": func() factLine { return &incidentHoldReleasedLine{} },
}

// lineTypeNames returns the line type names, sorted.
func lineTypeNames() []string {
	names := make([]string, 0, len(lineTypes))
	for n := range lineTypes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// profileKeys are the JSON names of tenant.Profile's fields.
var profileKeys = func() []string {
	var p tenant.Profile
	_, names := structFields(reflect.ValueOf(&p).Elem())
	return names
}()

type tenantCreatedLine struct {
	lineHead
	Name string     `json:"name"`
	At   *time.Time `json:"at"`
	tenant.Profile
}

func (*tenantCreatedLine) incidentID() string { return "" }

func (l *tenantCreatedLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	if err := loadableTZ(l.TZ); err != nil {
		return err
	}
	f.tcmd = tenant.Create{Meta: m, Name: l.Name, Profile: l.Profile}
	return nil
}

// loadableTZ checks that a profile's time zone can be loaded (the domain
// checks only its form), so a typo fails here rather than in a report.
func loadableTZ(tz string) error {
	if tz == "" {
		return nil
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return &domain.FieldError{Field: "tz", Value: tz, Reason: "not a known IANA time zone (such as Europe/Berlin or UTC)"}
	}
	return nil
}

// flatProfileError renames the domain's "profile.x" fields to the line's
// flat "x".
func flatProfileError(err error) error {
	var fe *domain.FieldError
	if errors.As(err, &fe) && strings.HasPrefix(fe.Field, "profile.") {
		return &domain.FieldError{Field: strings.TrimPrefix(fe.Field, "profile."), Value: fe.Value, Reason: fe.Reason}
	}
	return err
}

type incidentOpenedLine struct {
	incidentHead
	Title       string          `json:"title"`
	Severity    domain.Severity `json:"severity"`
	Description string          `json:"description"`
	At          time.Time       `json:"at"`
}

func (l *incidentOpenedLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	sev := l.Severity
	if sev == "" {
		sev = domain.SeverityMedium
	}
	f.icmd = incident.Open{Meta: m, IncidentID: l.Incident, Title: l.Title, Severity: sev, Description: l.Description, Source: incident.SourceManual}
	f.snapshotTenant = true
	return nil
}

type profileSnapshottedLine struct {
	incidentHead
	At     *time.Time `json:"at"`
	Reason string     `json:"reason"`
	tenant.Profile
}

func (l *profileSnapshottedLine) build(m domain.Meta, present map[string]bool, f *fact, _ *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	if err := loadableTZ(l.TZ); err != nil {
		return err
	}
	f.icmd = incident.ReSnapshotProfile{Meta: m, IncidentID: l.Incident, Profile: l.Profile, Reason: l.Reason}
	f.snapshotTenant = !slices.ContainsFunc(profileKeys, func(k string) bool { return present[k] })
	return nil
}

type detectedLine struct {
	incidentHead
	At        time.Time `json:"at"`
	Source    string    `json:"source"`
	SignalRef string    `json:"signalRef"`
}

func (l *detectedLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.RecordDetection{Meta: m, IncidentID: l.Incident, At: l.At, Source: l.Source, SignalRef: l.SignalRef}
	f.regulatory = true
	return nil
}

type awarenessLine struct {
	incidentHead
	Regime tenant.Regime `json:"regime"`
	At     time.Time     `json:"at"`
	Basis  string        `json:"basis"`
}

func (l *awarenessLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.EstablishAwareness{Meta: m, IncidentID: l.Incident, Regime: l.Regime, At: l.At, Basis: l.Basis}
	f.regulatory = true
	return nil
}

type classifiedNIS2Line struct {
	incidentHead
	At                   time.Time               `json:"at"`
	Criteria             []incident.CriterionHit `json:"criteria"`
	TrustServiceAffected bool                    `json:"trustServiceAffected"`
}

func (l *classifiedNIS2Line) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.ClassifySignificantNIS2{Meta: m, IncidentID: l.Incident, At: l.At, Criteria: l.Criteria, TrustServiceAffected: l.TrustServiceAffected}
	f.regulatory = true
	return nil
}

type declassifiedNIS2Line struct {
	incidentHead
	At        time.Time `json:"at"`
	Rationale string    `json:"rationale"`
}

func (l *declassifiedNIS2Line) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.DeclassifyNIS2{Meta: m, IncidentID: l.Incident, At: l.At, Rationale: l.Rationale}
	f.regulatory = true
	return nil
}

type classificationDORALine struct {
	incidentHead
	At         time.Time               `json:"at"`
	Result     incident.DORAResult     `json:"result"`
	Gate       []string                `json:"gate"`
	Thresholds []incident.CriterionHit `json:"thresholds"`
	Rule       incident.DORARule       `json:"rule"`
}

func (l *classificationDORALine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.AssessClassificationDORA{Meta: m, IncidentID: l.Incident, At: l.At, Result: l.Result, Gate: l.Gate, Thresholds: l.Thresholds, Rule: l.Rule}
	f.regulatory = true
	return nil
}

type reclassifiedDORALine struct {
	incidentHead
	At        time.Time `json:"at"`
	Rationale string    `json:"rationale"`
}

func (l *reclassifiedDORALine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.ReclassifyNonMajorDORA{Meta: m, IncidentID: l.Incident, At: l.At, Rationale: l.Rationale}
	f.regulatory = true
	return nil
}

type recurringLine struct {
	incidentHead
	At                *time.Time    `json:"at"`
	Regime            tenant.Regime `json:"regime"`
	MemberIncidentIDs []string      `json:"memberIncidentIds"`
	LastDetectionAt   time.Time     `json:"lastDetectionAt"`
	RootCause         string        `json:"rootCause"`
	AssessedAt        time.Time     `json:"assessedAt"`
}

func (l *recurringLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	f.icmd = incident.AggregateRecurringIncidents{Meta: m, IncidentID: l.Incident, Regime: l.Regime, MemberIncidentIDs: l.MemberIncidentIDs,
		LastDetectionAt: l.LastDetectionAt, RootCause: l.RootCause, AssessedAt: l.AssessedAt}
	f.regulatory = true
	return nil
}

type breachLine struct {
	incidentHead
	At             time.Time           `json:"at"`
	Risk           incident.BreachRisk `json:"risk"`
	NotifySA       bool                `json:"notifySa"`
	NotifySubjects bool                `json:"notifySubjects"`
}

func (l *breachLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.AssessPersonalDataBreach{Meta: m, IncidentID: l.Incident, At: l.At, Risk: l.Risk, NotifySA: l.NotifySA, NotifySubjects: l.NotifySubjects}
	f.regulatory = true
	return nil
}

// atLine is a fact that is only a time: regular activities recovered, root
// cause analysis completed, handling completed. command builds its command.
type atLine struct {
	incidentHead
	At      time.Time `json:"at"`
	command func(m domain.Meta, incidentID string, at time.Time) incident.Command
}

func (l *atLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = l.command(m, l.Incident, l.At)
	f.regulatory = true
	return nil
}

type requestLine struct {
	incidentHead
	Regime    tenant.Regime       `json:"regime"`
	Kind      incident.ReportKind `json:"kind"`
	At        time.Time           `json:"at"`
	DueAt     *time.Time          `json:"dueAt"`
	Authority string              `json:"authority"`
	Ref       string              `json:"ref"`
}

func (l *requestLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.ReceiveAuthorityRequest{Meta: m, IncidentID: l.Incident, Regime: l.Regime, Kind: l.Kind, At: l.At, DueAt: l.DueAt, Authority: l.Authority, Ref: l.Ref}
	f.regulatory = true
	return nil
}

type submittedLine struct {
	incidentHead
	At           *time.Time            `json:"at"`
	SubmissionID string                `json:"submissionId"`
	Kinds        []incident.ReportKind `json:"kinds"`
	SentAt       time.Time             `json:"sentAt"`
	ReceivedAt   *time.Time            `json:"receivedAt"`
	Authority    string                `json:"authority"`
	Channel      string                `json:"channel"`
	AuthorityRef string                `json:"authorityRef"`
	ContentHash  string                `json:"contentHash"`
	DelayReason  string                `json:"delayReason"`
}

func (l *submittedLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	f.icmd = incident.SubmitNotification{Meta: m, IncidentID: l.Incident, SubmissionID: l.SubmissionID, Kinds: l.Kinds, SentAt: l.SentAt,
		ReceivedAt: l.ReceivedAt, Authority: l.Authority, Channel: l.Channel, AuthorityRef: l.AuthorityRef, ContentHash: l.ContentHash, DelayReason: l.DelayReason}
	f.regulatory = true
	return nil
}

type delayLine struct {
	incidentHead
	Regime  tenant.Regime       `json:"regime"`
	Kind    incident.ReportKind `json:"kind"`
	At      time.Time           `json:"at"`
	Reasons string              `json:"reasons"`
}

func (l *delayLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	m.At = l.At
	f.icmd = incident.NotifyDelay{Meta: m, IncidentID: l.Incident, Regime: l.Regime, Kind: l.Kind, At: l.At, Reasons: l.Reasons}
	f.regulatory = true
	return nil
}

type correctionLine struct {
	incidentHead
	At            *time.Time `json:"at"`
	TargetEventID string     `json:"targetEventId"`
	TargetLine    int        `json:"targetLine"`
	Field         string     `json:"field"`
	Old           *time.Time `json:"old"`
	New           time.Time  `json:"new"`
	Reason        string     `json:"reason"`
}

func (l *correctionLine) build(m domain.Meta, present map[string]bool, f *fact, p *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	target := l.TargetEventID
	switch {
	case present["targetEventId"] && present["targetLine"]:
		return &domain.FieldError{Field: "targetLine", Reason: "give targetEventId or targetLine, not both"}
	case present["targetLine"]:
		tf, err := p.targetLine(l.TargetLine, f.line, l.Incident)
		if err != nil {
			return err
		}
		target = domain.EventID(tf.cmdID, 0)
	}
	f.icmd = incident.CorrectTimestamp{Meta: m, IncidentID: l.Incident, TargetEventID: target, Field: l.Field, Old: l.Old, New: l.New, Reason: l.Reason}
	f.fillOld = !present["old"]
	f.regulatory = true
	return nil
}

// targetLine returns the fact of line n, which line cur corrects.
func (p *fileParser) targetLine(n, cur int, inc string) (*fact, error) {
	fe := func(reason string) error {
		return &domain.FieldError{Field: "targetLine", Value: fmt.Sprint(n), Reason: reason}
	}
	if n <= 0 || n >= cur {
		return nil, fe("want the number of an earlier line of this file")
	}
	tf := p.byLine[n]
	switch {
	case tf == nil:
		return nil, fe("that line is blank or was rejected")
	case tf.incident != inc:
		return nil, fe(fmt.Sprintf("that line is a fact of incident %q, not %q", tf.incident, inc))
	case !tf.regulatory:
		return nil, fe(fmt.Sprintf("that line is %s, not a regulatory fact with a time to correct", tf.typ))
	}
	return tf, nil
}

// tenantHoldLines are the line types of a tenant's legal hold.
var tenantHoldLines = map[string]bool{"TenantLegalHoldPlaced": true, "TenantLegalHoldReleased": true}

// tenantHoldPlacedLine puts the tenant on legal hold.
type tenantHoldPlacedLine struct {
	lineHead
	At        *time.Time `json:"at"`
	Reason    string     `json:"reason"`
	Reference string     `json:"reference"`
}

func (*tenantHoldPlacedLine) incidentID() string { return "" }

func (l *tenantHoldPlacedLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	f.tcmd = tenant.PlaceLegalHold{Meta: m, Reason: l.Reason, Reference: l.Reference}
	return nil
}

// tenantHoldReleasedLine ends the tenant's legal hold.
type tenantHoldReleasedLine struct {
	lineHead
	At     *time.Time `json:"at"`
	Reason string     `json:"reason"`
}

func (*tenantHoldReleasedLine) incidentID() string { return "" }

func (l *tenantHoldReleasedLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	f.tcmd = tenant.ReleaseLegalHold{Meta: m, Reason: l.Reason}
	return nil
}

// incidentHoldPlacedLine puts an incident on legal hold.
type incidentHoldPlacedLine struct {
	incidentHead
	At        *time.Time `json:"at"`
	Reason    string     `json:"reason"`
	Reference string     `json:"reference"`
}

func (l *incidentHoldPlacedLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	f.icmd = incident.PlaceLegalHold{Meta: m, IncidentID: l.Incident, Reason: l.Reason, Reference: l.Reference}
	return nil
}

// incidentHoldReleasedLine ends an incident's legal hold.
type incidentHoldReleasedLine struct {
	incidentHead
	At     *time.Time `json:"at"`
	Reason string     `json:"reason"`
}

func (l *incidentHoldReleasedLine) build(m domain.Meta, _ map[string]bool, f *fact, _ *fileParser) error {
	if l.At != nil {
		m.At = *l.At
	}
	f.icmd = incident.ReleaseLegalHold{Meta: m, IncidentID: l.Incident, Reason: l.Reason}
	return nil
}
