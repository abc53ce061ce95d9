package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zones without the system's zoneinfo

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/compliance"
	"github.com/socledger/socledger/domain/compliance/calendar"
	"github.com/socledger/socledger/domain/incident"
	"github.com/socledger/socledger/domain/tenant"
	"github.com/socledger/socledger/eventstore"
	"github.com/socledger/socledger/eventstore/esdb"
)

// The compliance command: the reporting obligations of a tenant's incidents
// as of an instant, from a data directory opened read-only.
//
// Decisions where the brief is silent:
//
//   - --as-of is required: a report never reads the wall clock unless told
//     to with --as-of now, and then the instant it used is in the report.
//   - The tenant's profile and each incident's events are taken as recorded
//     by --as-of (RecordedAt ≤ as-of), so the time zone and holiday
//     calendar are those of the profile the report uses: the incident's
//     latest snapshot recorded by then, else the tenant's profile then (its
//     current one if the tenant was recorded later). An
//     incident with nothing recorded by --as-of is not in a tenant report
//     (and is an error with --incident).
//   - An unknown holiday calendar is an error when weekend relief can apply
//     (DORA, or NIS2 with nis2WeekendRelief); otherwise the report goes on
//     without holidays and says so on stderr.

// complianceConfig is the configuration of the compliance command.
type complianceConfig struct {
	DataDir string
	// ESDB, when set (--store esdb), reads the store from a cluster.
	ESDB     *esdb.Config
	Tenant   string
	Incident string
	AsOf     time.Time
	From, To *time.Time
	Format   string
	Holidays string
}

// parseTime parses an RFC 3339 flag value.
func parseTime(flagName, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("compliance: --%s %q: want an RFC 3339 time such as 2025-03-10T00:00:00Z", flagName, v)
	}
	return t.UTC(), nil
}

func parseComplianceFlags(args []string, getenv func(string) string, now func() time.Time, stderr io.Writer) (complianceConfig, error) {
	var (
		cfg              complianceConfig
		asOf, from, to   string
		flags            = flag.NewFlagSet("socledger compliance", flag.ContinueOnError)
		formats          = []string{"json", "csv", "html"}
		formatListString = strings.Join(formats, ", ")
	)
	flags.SetOutput(stderr)
	flags.StringVar(&cfg.DataDir, "data", envOr(getenv, "SOCLEDGER_DATA", "./data"), "data `directory` of the event store, opened read-only (env SOCLEDGER_DATA)")
	flags.StringVar(&cfg.Tenant, "tenant", "", "the `tenant` to report on (required)")
	flags.StringVar(&cfg.Incident, "incident", "", "report on this incident `ID` only; default every incident of the tenant")
	flags.StringVar(&asOf, "as-of", "", "the `instant` the report is made as of: RFC 3339, or \"now\" for the wall clock (required)")
	flags.StringVar(&from, "from", "", "tenant report: the period starts at this RFC 3339 `time` (default open)")
	flags.StringVar(&to, "to", "", "tenant report: the period ends at this RFC 3339 `time`, inclusive (default open)")
	flags.StringVar(&cfg.Format, "format", "json", "output `format`: "+formatListString)
	flags.StringVar(&cfg.Holidays, "holidays", "", "bank-holiday calendar `file` of the tenant, replacing the built-in national calendar")
	storeSel := addStoreFlags(flags, getenv)
	flags.Usage = func() {
		fmt.Fprint(flags.Output(), `Usage: socledger compliance --data DIR --tenant T [--incident ID] --as-of TIME
	[--from TIME --to TIME] [--format json|csv|html] [--holidays FILE]

Print the NIS2 / DORA / GDPR reporting obligations of a tenant's incidents
(compliance-spec.md): for each report owed, its due time (with calendar-month
and weekend / bank-holiday rules), whether and when it was submitted, and the
verdict (pending, on_time, late, overdue, not_required, blocked, submitted),
as of TIME: only the facts recorded by then count. --as-of is required; pass
--as-of now to report as of the wall clock (the report shows the instant).

Every obligation cites the event IDs it was computed from and their chain
hashes, which "socledger verify" checks. The data directory is opened
read-only, so a running server may keep writing; with --store esdb the
store is read from a KurrentDB / EventStoreDB cluster.

A tenant report (no --incident) covers the incidents of the period
[--from, --to]: those with a time (detection, awareness, anchor, due time,
submission or miss) in it, or still open and begun by --to; it sums up the
on-time rate per regime, the misses and the next open deadlines.

Formats: json (the report as the engine made it, lowerCamelCase, plus the
source hashes and events), csv (one row per obligation), html (a printable
page without external assets).

Flags:
`)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return cfg, err
	}
	if flags.NArg() > 0 {
		return cfg, fmt.Errorf("compliance: unexpected argument %q", flags.Arg(0))
	}
	var err error
	if cfg.ESDB, err = storeSel.esdbConfig("compliance", getenv); err != nil {
		return cfg, err
	}
	switch {
	case cfg.Tenant == "":
		return cfg, errors.New("compliance: --tenant is required")
	case asOf == "":
		return cfg, errors.New("compliance: --as-of is required: an RFC 3339 instant such as 2025-03-10T00:00:00Z, or \"now\"")
	case cfg.DataDir == "":
		return cfg, errors.New("compliance: --data must not be empty")
	}
	if err := domain.ValidateTenantID(cfg.Tenant); err != nil {
		return cfg, fmt.Errorf("compliance: --tenant: %w", err)
	}
	if cfg.Incident != "" {
		if err := domain.ValidateID("incident", cfg.Incident); err != nil {
			return cfg, fmt.Errorf("compliance: --incident: %w", err)
		}
	}
	if !slices.Contains(formats, cfg.Format) {
		return cfg, fmt.Errorf("compliance: --format %q: want one of %s", cfg.Format, formatListString)
	}
	if asOf == "now" {
		cfg.AsOf = now().UTC()
	} else if cfg.AsOf, err = parseTime("as-of", asOf); err != nil {
		return cfg, err
	}
	for _, p := range []struct {
		name, v string
		dst     **time.Time
	}{{"from", from, &cfg.From}, {"to", to, &cfg.To}} {
		if p.v == "" {
			continue
		}
		t, err := parseTime(p.name, p.v)
		if err != nil {
			return cfg, err
		}
		*p.dst = &t
	}
	if cfg.From != nil && cfg.To != nil && !cfg.From.Before(*cfg.To) {
		return cfg, fmt.Errorf("compliance: --from %s is not before --to %s", cfg.From.Format(time.RFC3339), cfg.To.Format(time.RFC3339))
	}
	if cfg.Incident != "" && (cfg.From != nil || cfg.To != nil) {
		return cfg, errors.New("compliance: --from and --to select incidents of a tenant report; leave them out with --incident")
	}
	return cfg, nil
}

// complianceReport prints the compliance report (see parseComplianceFlags'
// usage).
func complianceReport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseComplianceFlags(args, getenv, time.Now, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	store, err := openReadStore(ctx, "compliance", cfg.DataDir, cfg.ESDB)
	if err != nil {
		return err
	}
	defer store.Close()
	view, err := buildView(ctx, store, cfg, stderr)
	if err != nil {
		return fmt.Errorf("compliance: %w", err)
	}
	switch cfg.Format {
	case "csv":
		err = writeCSV(stdout, view)
	case "html":
		err = writeHTML(stdout, view, time.Now().UTC().Truncate(time.Second))
	default:
		err = writeJSON(stdout, view)
	}
	if err != nil {
		return fmt.Errorf("compliance: write %s: %w", cfg.Format, err)
	}
	return nil
}

// eventRef is what the report says about one stored event, so an auditor
// can find and check it.
type eventRef struct {
	ID       string    `json:"id"`
	Stream   string    `json:"stream"`
	Revision uint64    `json:"revision"`
	Type     string    `json:"type"`
	Actor    string    `json:"actor"`
	Occurred time.Time `json:"occurredAt"`
	Recorded time.Time `json:"recordedAt"`
	// Stored is when the store appended it (its own clock).
	Stored time.Time `json:"storedAt"`
	// Hash is the event's link in its stream's hash chain.
	Hash string `json:"hash"`
}

// incidentView is one incident's report with what the report was computed
// from.
type incidentView struct {
	Tenant   string
	Report   compliance.Report
	Location *time.Location
	Calendar string
	// Events are the incident's events recorded by as-of, in stream order;
	// Later counts those recorded after it.
	Events []eventRef
	Later  int
	byID   map[string]eventRef
}

// hashes returns the chain hashes of ids, "" for an unknown ID.
func (v *incidentView) hashes(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = v.byID[id].Hash
	}
	return out
}

// view is everything a report format prints.
type view struct {
	Tenant   string
	Name     string
	AsOf     time.Time
	From, To *time.Time
	// Single: the report is on one incident (--incident).
	Single    bool
	Incidents []*incidentView
	// Summary is the tenant summary (nil with --incident).
	Summary *compliance.TenantSummary
}

// buildView reads the tenant and its incidents and evaluates them.
func buildView(ctx context.Context, store eventstore.Store, cfg complianceConfig, stderr io.Writer) (*view, error) {
	ts, err := readTenant(ctx, store, cfg.Tenant, cfg.AsOf)
	if err != nil {
		return nil, err
	}
	v := &view{Tenant: cfg.Tenant, Name: ts.Name, AsOf: cfg.AsOf, From: cfg.From, To: cfg.To, Single: cfg.Incident != ""}

	var streams map[string][]eventstore.RecordedEvent
	var order []string
	if cfg.Incident != "" {
		stream := incident.Stream(cfg.Tenant, cfg.Incident)
		evs, err := store.ReadStream(ctx, stream, 0, 0)
		if errors.Is(err, eventstore.ErrStreamNotFound) {
			return nil, fmt.Errorf("unknown incident %q of tenant %q", cfg.Incident, cfg.Tenant)
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", stream, err)
		}
		streams, order = map[string][]eventstore.RecordedEvent{stream: evs}, []string{stream}
	} else if streams, order, err = readIncidents(ctx, store, cfg.Tenant); err != nil {
		return nil, err
	}

	env := &calendars{holidaysFile: cfg.Holidays, stderr: stderr, locs: map[string]*time.Location{}, hols: map[string]*calendar.Holidays{}}
	for _, stream := range order {
		iv, err := evaluateIncident(stream, streams[stream], ts.Profile, cfg, env)
		if err != nil {
			return nil, err
		}
		if iv == nil {
			if cfg.Incident != "" {
				return nil, fmt.Errorf("incident %q of tenant %q: nothing was recorded by %s", cfg.Incident, cfg.Tenant, cfg.AsOf.Format(time.RFC3339))
			}
			continue
		}
		v.Incidents = append(v.Incidents, iv)
	}
	if v.Single {
		return v, nil
	}
	// The tenant summary decides which incidents belong to the period.
	reports := make([]compliance.Report, len(v.Incidents))
	for i, iv := range v.Incidents {
		reports[i] = iv.Report
	}
	var from, to time.Time
	if cfg.From != nil {
		from = *cfg.From
	}
	if cfg.To != nil {
		to = *cfg.To
	}
	sum := compliance.Summarize(cfg.Tenant, from, to, reports)
	v.Summary = &sum
	kept := v.Incidents[:0]
	for _, iv := range v.Incidents {
		if slices.ContainsFunc(sum.Incidents, func(is compliance.IncidentSummary) bool { return is.Incident == iv.Report.Incident }) {
			kept = append(kept, iv)
		}
	}
	v.Incidents = kept
	return v, nil
}

// readTenant folds the tenant's events recorded by asOf (all of them if
// it was created later).
func readTenant(ctx context.Context, store eventstore.Store, id string, asOf time.Time) (tenant.State, error) {
	stream := tenant.Stream(id)
	evs, err := store.ReadStream(ctx, stream, 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return tenant.State{}, fmt.Errorf("unknown tenant %q", id)
	}
	if err != nil {
		return tenant.State{}, fmt.Errorf("read %s: %w", stream, err)
	}
	var asOfState, all tenant.State
	for _, ev := range evs {
		meta, err := domain.DecodeMeta(ev.Metadata)
		if err != nil {
			return tenant.State{}, fmt.Errorf("%s revision %d: %w", stream, ev.Revision, err)
		}
		e, err := tenant.Codec().Decode(ev.Type, meta.Schema, ev.Data)
		if err != nil {
			return tenant.State{}, fmt.Errorf("%s revision %d: %w", stream, ev.Revision, err)
		}
		all = tenant.Evolve(all, e)
		if !meta.RecordedAt.After(asOf) {
			asOfState = tenant.Evolve(asOfState, e)
		}
	}
	if !all.Exists() {
		return tenant.State{}, fmt.Errorf("unknown tenant %q (its stream holds no creation)", id)
	}
	if asOfState.Exists() {
		return asOfState, nil
	}
	return all, nil
}

// readIncidents reads every incident stream of tenant, in the order they
// were first written.
func readIncidents(ctx context.Context, store eventstore.Store, tenantID string) (map[string][]eventstore.RecordedEvent, []string, error) {
	streams := map[string][]eventstore.RecordedEvent{}
	var order []string
	filter := eventstore.Filter{StreamPrefixes: []string{incident.Stream(tenantID, "") + "."}}
	from := eventstore.Start
	for {
		page, err := store.ReadAll(ctx, from, 1024, filter)
		if err != nil {
			return nil, nil, fmt.Errorf("read the incidents of %s: %w", tenantID, err)
		}
		for _, ev := range page.Events {
			if _, ok := streams[ev.StreamID]; !ok {
				order = append(order, ev.StreamID)
			}
			streams[ev.StreamID] = append(streams[ev.StreamID], ev)
		}
		if page.AtEnd {
			return streams, order, nil
		}
		from = page.Checkpoint
	}
}

// calendars loads and caches time zones and holiday calendars.
type calendars struct {
	holidaysFile string
	stderr       io.Writer
	locs         map[string]*time.Location
	hols         map[string]*calendar.Holidays
}

func (c *calendars) location(tz string) (*time.Location, error) {
	if l, ok := c.locs[tz]; ok {
		return l, nil
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q of the entity profile: %w", tz, err)
	}
	c.locs[tz] = l
	return l, nil
}

// holidays returns the calendar of p: the --holidays file, else the
// built-in national calendar p names.
func (c *calendars) holidays(p tenant.Profile) (*calendar.Holidays, error) {
	name := p.HolidayCalendar()
	if h, ok := c.hols[name]; ok {
		return h, nil
	}
	var h *calendar.Holidays
	if c.holidaysFile != "" {
		data, err := os.ReadFile(c.holidaysFile)
		if err != nil {
			return nil, fmt.Errorf("--holidays: %w", err)
		}
		if h, err = calendar.Parse(name, data); err != nil {
			return nil, fmt.Errorf("--holidays %s: %w", c.holidaysFile, err)
		}
	} else if nh, ok := calendar.National(name); ok {
		h = nh
	} else if p.Has(tenant.DORA) || p.Has(tenant.NIS2) && p.NIS2WeekendRelief {
		return nil, fmt.Errorf("no built-in bank-holiday calendar %q (the profile's holiday calendar); pass the tenant's calendar with --holidays FILE", name)
	} else {
		fmt.Fprintf(c.stderr, "compliance: no built-in bank-holiday calendar %q; none is needed (no weekend relief applies to this profile)\n", name)
	}
	c.hols[name] = h
	return h, nil
}

// evaluateIncident decodes one incident stream and evaluates it as of
// cfg.AsOf; nil when nothing of it was recorded by then.
func evaluateIncident(stream string, raw []eventstore.RecordedEvent, tenantProfile tenant.Profile, cfg complianceConfig, env *calendars) (*incidentView, error) {
	iv := &incidentView{Tenant: cfg.Tenant, byID: map[string]eventRef{}}
	var events []domain.Recorded[incident.Event]
	var state incident.State
	for _, ev := range raw {
		meta, err := domain.DecodeMeta(ev.Metadata)
		if err != nil {
			return nil, fmt.Errorf("%s revision %d: %w", stream, ev.Revision, err)
		}
		e, err := incident.Codec().Decode(ev.Type, meta.Schema, ev.Data)
		if err != nil {
			return nil, fmt.Errorf("%s revision %d: %w", stream, ev.Revision, err)
		}
		id := ev.EventID.String()
		ref := eventRef{ID: id, Stream: stream, Revision: ev.Revision, Type: ev.Type, Actor: meta.Actor,
			Occurred: meta.OccurredAt, Recorded: meta.RecordedAt, Stored: ev.Created, Hash: ev.Hash.String()}
		iv.byID[id] = ref
		events = append(events, domain.Recorded[incident.Event]{ID: id, Stream: stream, Revision: ev.Revision, Meta: meta, Event: e})
		if meta.RecordedAt.After(cfg.AsOf) {
			iv.Later++
			continue
		}
		iv.Events = append(iv.Events, ref)
		state = incident.Evolve(state, e)
	}
	if len(iv.Events) == 0 {
		return nil, nil
	}
	id := state.Case.ID
	if id == "" {
		_, id, _ = strings.Cut(stream, ".")
	}
	profile := tenantProfile
	if state.Case.HasProfile() {
		profile = state.Case.Profile
	}
	loc, err := env.location(profile.Normalize().TZ)
	if err != nil {
		return nil, fmt.Errorf("incident %s: %w", id, err)
	}
	hol, err := env.holidays(profile)
	if err != nil {
		return nil, fmt.Errorf("incident %s: %w", id, err)
	}
	iv.Location = loc
	if hol != nil {
		iv.Calendar = hol.Name
	}
	iv.Report = compliance.Evaluate(compliance.Input{
		Incident: id, Profile: tenantProfile, Location: loc, Holidays: hol, Events: events, AsOf: cfg.AsOf,
	})
	return iv, nil
}
