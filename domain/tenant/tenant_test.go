package tenant_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/domaintest"
	"github.com/socledger/socledger/domain/tenant"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func meta(id string) domain.Meta {
	return domain.Meta{CommandID: id, Tenant: "acme", Actor: "user:alice", At: t0}
}

// profile returns a valid, normalized DORA + NIS2 profile.
func profile() tenant.Profile {
	return tenant.Profile{
		Regimes:        []tenant.Regime{tenant.DORA, tenant.GDPR, tenant.NIS2},
		NIS2Class:      tenant.NIS2Essential,
		DORAEntityType: tenant.DORACreditInstitution,
		MemberState:    "DE",
		TZ:             "Europe/Berlin",
		MonthRule:      tenant.MonthSameInstant,
	}
}

func sla(ack, res int) tenant.SLAPolicy {
	p := tenant.SLAPolicy{AcknowledgeMinutes: map[domain.Severity]int{}, ResolveMinutes: map[domain.Severity]int{}}
	for _, s := range domain.Severities {
		p.AcknowledgeMinutes[s] = ack
		p.ResolveMinutes[s] = res
	}
	return p
}

func created() tenant.Created {
	return tenant.Created{Tenant: "acme", Name: "Acme Bank AG", SLA: tenant.DefaultSLA(), Profile: profile(), At: t0}
}

func create() tenant.Create {
	return tenant.Create{Meta: meta("c1"), Name: "Acme Bank AG", Profile: profile()}
}

func withProfile(f func(*tenant.Profile)) tenant.Create {
	c := create()
	f(&c.Profile)
	return c
}

func withSLA(f func(*tenant.SLAPolicy)) tenant.ChangeSLA {
	p := sla(10, 60)
	f(&p)
	return tenant.ChangeSLA{Meta: meta("s1"), SLA: p}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	later := t0.Add(time.Hour)
	changed := profile()
	changed.Regimes = []tenant.Regime{tenant.GDPR, tenant.NIS2}
	changed.DORAEntityType = ""
	changed.HolidayCalendarRef = "DE-BY"

	domaintest.RunDecider(t, tenant.Decider, []domaintest.Row[tenant.Command, tenant.Event]{
		{
			Name: "create records name, default SLA and normalized profile",
			When: tenant.Create{Meta: meta("c1"), Name: "  Acme Bank AG ", Profile: tenant.Profile{
				Regimes:        []tenant.Regime{tenant.NIS2, tenant.DORA, tenant.GDPR, tenant.DORA},
				NIS2Class:      tenant.NIS2Essential,
				DORAEntityType: tenant.DORACreditInstitution,
				MemberState:    "DE",
				TZ:             "Europe/Berlin",
			}},
			Want: []tenant.Event{created()},
		},
		{
			Name: "create with an explicit SLA and an empty profile gets the profile defaults",
			When: tenant.Create{Meta: meta("c1"), Name: "Globex", SLA: sla(5, 30), Profile: tenant.Profile{MemberState: "FR"}},
			Want: []tenant.Event{tenant.Created{Tenant: "acme", Name: "Globex", SLA: sla(5, 30), At: t0, Profile: tenant.Profile{
				Regimes: []tenant.Regime{}, NIS2Class: tenant.NIS2None, MemberState: "FR", TZ: "UTC", MonthRule: tenant.MonthSameInstant,
			}}},
		},
		{
			Name:    "creating twice fails",
			Given:   []tenant.Event{created()},
			When:    create(),
			WantErr: domain.ErrAlreadyExists,
		},
		{
			Name:      "create without a name",
			When:      tenant.Create{Meta: meta("c1"), Name: "  ", Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "name",
		},
		{
			Name:      "create with a control character in the name",
			When:      tenant.Create{Meta: meta("c1"), Name: "Acme\nBank", Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "name",
		},
		{
			Name:      "create with a name that is too long",
			When:      tenant.Create{Meta: meta("c1"), Name: strings.Repeat("a", tenant.MaxNameLen+1), Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "name",
		},
		{
			Name:      "tenant ID missing",
			When:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Actor: "user:alice", At: t0}, Name: "Acme", Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "tenant",
		},
		{
			Name:      "reserved tenant ID",
			When:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Tenant: domain.SystemTenant, Actor: "user:alice", At: t0}, Name: "System", Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "tenant",
		},
		{
			Name:      "malformed tenant ID",
			When:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Tenant: "Acme.Corp", Actor: "user:alice", At: t0}, Name: "Acme", Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "tenant",
		},
		{
			Name:      "command without an ID",
			When:      tenant.Create{Meta: domain.Meta{Tenant: "acme", Actor: "user:alice", At: t0}, Name: "Acme", Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "commandId",
		},
		{
			Name:      "command without an actor",
			When:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Tenant: "acme", At: t0}, Name: "Acme", Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "actor",
		},
		{
			Name:      "command without a business time",
			When:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Tenant: "acme", Actor: "user:alice"}, Name: "Acme", Profile: profile()},
			WantErr:   domain.ErrInvalid,
			WantField: "at",
		},
		{
			Name:      "unknown regime",
			When:      withProfile(func(p *tenant.Profile) { p.Regimes = []tenant.Regime{tenant.GDPR, "HIPAA"} }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.regimes[1]",
		},
		{
			Name:      "DORA without a DORA entity type",
			When:      withProfile(func(p *tenant.Profile) { p.DORAEntityType = "" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.doraEntityType",
		},
		{
			Name:      "unknown DORA entity type",
			When:      withProfile(func(p *tenant.Profile) { p.DORAEntityType = "bank" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.doraEntityType",
		},
		{
			Name:      "NIS2 with class none",
			When:      withProfile(func(p *tenant.Profile) { p.NIS2Class = tenant.NIS2None }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.nis2Class",
		},
		{
			Name:      "NIS2 with the class left empty (defaults to none)",
			When:      withProfile(func(p *tenant.Profile) { p.NIS2Class = "" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.nis2Class",
		},
		{
			Name:      "unknown NIS2 class",
			When:      withProfile(func(p *tenant.Profile) { p.NIS2Class = "critical" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.nis2Class",
		},
		{
			Name:      "unknown 2024/2690 entity type",
			When:      withProfile(func(p *tenant.Profile) { p.EntityType2690 = "isp" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.entityType2690",
		},
		{
			Name: "TSP flag contradicting the entity type",
			When: withProfile(func(p *tenant.Profile) {
				p.IsTSP = true
				p.EntityType2690 = tenant.Entity2690Cloud
			}),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.isTsp",
		},
		{
			Name:      "bad member state",
			When:      withProfile(func(p *tenant.Profile) { p.MemberState = "de" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.memberState",
		},
		{
			Name:      "missing member state",
			When:      withProfile(func(p *tenant.Profile) { p.MemberState = "" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.memberState",
		},
		{
			Name:      "bad time zone",
			When:      withProfile(func(p *tenant.Profile) { p.TZ = "CET+1" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.tz",
		},
		{
			Name:      "bad holiday calendar",
			When:      withProfile(func(p *tenant.Profile) { p.HolidayCalendarRef = "DE/BY" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.holidayCalendarRef",
		},
		{
			Name:      "unknown month rule",
			When:      withProfile(func(p *tenant.Profile) { p.MonthRule = "CALENDAR" }),
			WantErr:   domain.ErrInvalid,
			WantField: "profile.monthRule",
		},
		{
			Name:      "create with an invalid SLA",
			When:      tenant.Create{Meta: meta("c1"), Name: "Acme", Profile: profile(), SLA: tenant.SLAPolicy{AcknowledgeMinutes: sla(5, 5).AcknowledgeMinutes}},
			WantErr:   domain.ErrInvalid,
			WantField: "sla.resolveMinutes",
		},

		{
			Name:  "rename",
			Given: []tenant.Event{created()},
			When:  tenant.Rename{Meta: meta("r1"), Name: "Acme Bank SE"},
			Want:  []tenant.Event{tenant.Renamed{Name: "Acme Bank SE", At: t0}},
		},
		{
			Name:  "rename to the same name is a no-op",
			Given: []tenant.Event{created()},
			When:  tenant.Rename{Meta: meta("r1"), Name: "Acme Bank AG "},
		},
		{
			Name:    "rename a missing tenant",
			When:    tenant.Rename{Meta: meta("r1"), Name: "Acme"},
			WantErr: domain.ErrNotFound,
		},
		{
			Name:      "rename to an empty name",
			Given:     []tenant.Event{created()},
			When:      tenant.Rename{Meta: meta("r1")},
			WantErr:   domain.ErrInvalid,
			WantField: "name",
		},

		{
			Name:  "change profile records the whole normalized profile and the reason",
			Given: []tenant.Event{created()},
			When: tenant.ChangeProfile{Meta: domain.Meta{CommandID: "p1", Tenant: "acme", Actor: "user:alice", At: later},
				Profile: tenant.Profile{Regimes: []tenant.Regime{tenant.NIS2, tenant.GDPR}, NIS2Class: tenant.NIS2Essential,
					MemberState: "DE", TZ: "Europe/Berlin", HolidayCalendarRef: "DE-BY"},
				Reason: " sold the banking licence "},
			Want: []tenant.Event{tenant.ProfileChanged{Profile: changed, Reason: "sold the banking licence", At: later}},
		},
		{
			Name:  "changing the profile to an identical one is a no-op",
			Given: []tenant.Event{created()},
			When: tenant.ChangeProfile{Meta: meta("p1"), Reason: "re-sent", Profile: tenant.Profile{
				Regimes:        []tenant.Regime{tenant.NIS2, tenant.GDPR, tenant.DORA},
				NIS2Class:      tenant.NIS2Essential,
				DORAEntityType: tenant.DORACreditInstitution,
				MemberState:    "DE",
				TZ:             "Europe/Berlin",
			}},
		},
		{
			Name:  "changing back after a change is not a no-op",
			Given: []tenant.Event{created(), tenant.ProfileChanged{Profile: changed, Reason: "x", At: t0}},
			When:  tenant.ChangeProfile{Meta: meta("p2"), Profile: profile(), Reason: "licence kept after all"},
			Want:  []tenant.Event{tenant.ProfileChanged{Profile: profile(), Reason: "licence kept after all", At: t0}},
		},
		{
			Name:    "change the profile of a missing tenant",
			When:    tenant.ChangeProfile{Meta: meta("p1"), Profile: profile(), Reason: "x"},
			WantErr: domain.ErrNotFound,
		},
		{
			Name:      "change the profile without a reason",
			Given:     []tenant.Event{created()},
			When:      tenant.ChangeProfile{Meta: meta("p1"), Profile: changed},
			WantErr:   domain.ErrInvalid,
			WantField: "reason",
		},
		{
			Name:      "change to an invalid profile",
			Given:     []tenant.Event{created()},
			When:      tenant.ChangeProfile{Meta: meta("p1"), Profile: tenant.Profile{Regimes: []tenant.Regime{tenant.DORA}, MemberState: "DE"}, Reason: "x"},
			WantErr:   domain.ErrInvalid,
			WantField: "profile.doraEntityType",
		},

		{
			Name:  "change SLA",
			Given: []tenant.Event{created()},
			When:  tenant.ChangeSLA{Meta: meta("s1"), SLA: sla(10, 60)},
			Want:  []tenant.Event{tenant.SLAChanged{SLA: sla(10, 60), At: t0}},
		},
		{
			Name:  "changing the SLA to the same policy is a no-op",
			Given: []tenant.Event{created()},
			When:  tenant.ChangeSLA{Meta: meta("s1"), SLA: tenant.DefaultSLA()},
		},
		{
			Name:    "change the SLA of a missing tenant",
			When:    tenant.ChangeSLA{Meta: meta("s1"), SLA: sla(10, 60)},
			WantErr: domain.ErrNotFound,
		},
		{
			Name:      "change SLA to an empty policy",
			Given:     []tenant.Event{created()},
			When:      tenant.ChangeSLA{Meta: meta("s1")},
			WantErr:   domain.ErrInvalid,
			WantField: "sla",
		},
		{
			Name:      "SLA missing a severity",
			Given:     []tenant.Event{created()},
			When:      withSLA(func(p *tenant.SLAPolicy) { delete(p.AcknowledgeMinutes, domain.SeverityLow) }),
			WantErr:   domain.ErrInvalid,
			WantField: "sla.acknowledgeMinutes.low",
		},
		{
			Name:      "SLA with an unknown severity",
			Given:     []tenant.Event{created()},
			When:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes["urgent"] = 5 }),
			WantErr:   domain.ErrInvalid,
			WantField: "sla.resolveMinutes.urgent",
		},
		{
			Name:      "SLA with zero minutes",
			Given:     []tenant.Event{created()},
			When:      withSLA(func(p *tenant.SLAPolicy) { p.AcknowledgeMinutes[domain.SeverityCritical] = 0 }),
			WantErr:   domain.ErrInvalid,
			WantField: "sla.acknowledgeMinutes.critical",
		},
		{
			Name:      "SLA with negative minutes",
			Given:     []tenant.Event{created()},
			When:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes[domain.SeverityHigh] = -5 }),
			WantErr:   domain.ErrInvalid,
			WantField: "sla.resolveMinutes.high",
		},
		{
			Name:      "SLA target longer than a year",
			Given:     []tenant.Event{created()},
			When:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes[domain.SeverityLow] = tenant.MaxSLAMinutes + 1 }),
			WantErr:   domain.ErrInvalid,
			WantField: "sla.resolveMinutes.low",
		},
		{
			Name:      "SLA resolving sooner than acknowledging",
			Given:     []tenant.Event{created()},
			When:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes[domain.SeverityMedium] = 5 }),
			WantErr:   domain.ErrInvalid,
			WantField: "sla.resolveMinutes.medium",
		},
		{
			Name:      "SLA without resolve targets",
			Given:     []tenant.Event{created()},
			When:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes = nil }),
			WantErr:   domain.ErrInvalid,
			WantField: "sla.resolveMinutes",
		},
	})
}

func TestEvolve(t *testing.T) {
	t.Parallel()
	later := t0.Add(24 * time.Hour)
	changed := profile()
	changed.Regimes = []tenant.Regime{tenant.GDPR}
	changed.DORAEntityType = ""
	events := []tenant.Event{
		created(),
		tenant.Renamed{Name: "Acme SE", At: later},
		tenant.ProfileChanged{Profile: changed, Reason: "x", At: later},
		tenant.SLAChanged{SLA: sla(1, 2), At: later},
	}
	s := tenant.Decider.Fold(tenant.State{}, events)
	want := tenant.State{ID: "acme", Name: "Acme SE", SLA: sla(1, 2), Profile: changed, CreatedAt: t0, ProfileChangedAt: later}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("Fold:\n got %#v\nwant %#v", s, want)
	}
	if !s.Exists() || (tenant.State{}).Exists() {
		t.Fatal("Exists: wrong")
	}

	// Evolve shares no slice or map with the event it applied.
	ev := created()
	s1 := tenant.Evolve(tenant.State{}, ev)
	ev.Profile.Regimes[0] = tenant.GDPR
	ev.SLA.AcknowledgeMinutes[domain.SeverityCritical] = 999
	if s1.Profile.Regimes[0] != tenant.DORA || s1.SLA.AcknowledgeMinutes[domain.SeverityCritical] != 15 {
		t.Fatalf("Evolve shares memory with the event: %#v", s1)
	}
}

func TestDecideDoesNotShareCommandMaps(t *testing.T) {
	t.Parallel()
	c := tenant.ChangeSLA{Meta: meta("s1"), SLA: sla(10, 60)}
	evs, err := tenant.Decide(c, tenant.Evolve(tenant.State{}, created()))
	if err != nil {
		t.Fatal(err)
	}
	c.SLA.AcknowledgeMinutes[domain.SeverityLow] = 1
	if got := evs[0].(tenant.SLAChanged).SLA.AcknowledgeMinutes[domain.SeverityLow]; got != 10 {
		t.Fatalf("event changed with the command: %d", got)
	}
}

func TestStreamOf(t *testing.T) {
	t.Parallel()
	got, err := tenant.StreamOf(create())
	if err != nil || got != "tenant-acme" || tenant.Stream("acme") != got {
		t.Fatalf("StreamOf = %q, %v; want tenant-acme", got, err)
	}
	var fe *domain.FieldError
	_, err = tenant.StreamOf(tenant.Rename{Meta: domain.Meta{Tenant: domain.SystemTenant}})
	if !errors.As(err, &fe) || fe.Field != "tenant" {
		t.Fatalf("StreamOf(system) error %v, want a tenant field error", err)
	}
}

func TestSLAPolicy(t *testing.T) {
	t.Parallel()
	p := tenant.DefaultSLA()
	if err := p.Validate(""); err != nil {
		t.Fatalf("DefaultSLA invalid: %v", err)
	}
	if got := p.AcknowledgeWithin(domain.SeverityCritical); got != 15*time.Minute {
		t.Errorf("AcknowledgeWithin(critical) = %v", got)
	}
	if got := p.ResolveWithin(domain.SeverityHigh); got != 8*time.Hour {
		t.Errorf("ResolveWithin(high) = %v", got)
	}
	if got := p.ResolveWithin("urgent"); got != 0 {
		t.Errorf("ResolveWithin(unknown) = %v", got)
	}
	if !(tenant.SLAPolicy{}).IsZero() || p.IsZero() {
		t.Error("IsZero wrong")
	}
	q := p.Clone()
	q.ResolveMinutes[domain.SeverityLow]++
	if p.Equal(q) || !p.Equal(tenant.DefaultSLA()) {
		t.Error("Clone / Equal wrong")
	}
}

func TestLegalHold(t *testing.T) {
	t.Parallel()
	later := t0.Add(48 * time.Hour)
	placed := tenant.LegalHoldPlaced{Reason: "Litigation hold requested by legal", Reference: "LIT-2026-014", At: t0}
	place := func(id, reason, ref string) tenant.PlaceLegalHold {
		return tenant.PlaceLegalHold{Meta: meta(id), Reason: reason, Reference: ref}
	}
	release := func(id, reason string) tenant.ReleaseLegalHold {
		return tenant.ReleaseLegalHold{Meta: meta(id), Reason: reason}
	}
	domaintest.RunDecider(t, tenant.Decider, []domaintest.Row[tenant.Command, tenant.Event]{
		{
			Name:  "place a hold: reason and reference trimmed, time in UTC",
			Given: []tenant.Event{created()},
			When: tenant.PlaceLegalHold{Meta: domain.Meta{CommandID: "h1", Tenant: "acme", Actor: "user:alice", At: t0.In(time.FixedZone("CET", 3600))},
				Reason: "  Litigation hold requested by legal ", Reference: " LIT-2026-014 "},
			Want: []tenant.Event{placed},
		},
		{
			Name:  "place a hold without a reference",
			Given: []tenant.Event{created()},
			When:  place("h1", "Regulator inquiry", "  "),
			Want:  []tenant.Event{tenant.LegalHoldPlaced{Reason: "Regulator inquiry", At: t0}},
		},
		{
			Name:  "placing a hold on a tenant on hold is a no-op, whatever the reason",
			Given: []tenant.Event{created(), placed},
			When:  place("h2", "Another matter", "LIT-2026-015"),
		},
		{
			Name:    "place a hold on a missing tenant",
			When:    place("h1", "Litigation", ""),
			WantErr: domain.ErrNotFound,
		},
		{
			Name:      "place a hold without a reason",
			Given:     []tenant.Event{created()},
			When:      place("h1", " ", "LIT-1"),
			WantErr:   domain.ErrInvalid,
			WantField: "reason",
		},
		{
			Name:      "a hold's reason is one line",
			Given:     []tenant.Event{created()},
			When:      place("h1", "Litigation\nhold", ""),
			WantErr:   domain.ErrInvalid,
			WantField: "reason",
		},
		{
			Name:      "a hold's reason is bounded",
			Given:     []tenant.Event{created()},
			When:      place("h1", strings.Repeat("r", tenant.MaxHoldReasonLen+1), ""),
			WantErr:   domain.ErrInvalid,
			WantField: "reason",
		},
		{
			Name:      "a hold's reference is one line",
			Given:     []tenant.Event{created()},
			When:      place("h1", "Litigation", "LIT\t1"),
			WantErr:   domain.ErrInvalid,
			WantField: "reference",
		},
		{
			Name:      "a hold's reference is bounded",
			Given:     []tenant.Event{created()},
			When:      place("h1", "Litigation", strings.Repeat("x", tenant.MaxHoldReferenceLen+1)),
			WantErr:   domain.ErrInvalid,
			WantField: "reference",
		},
		{
			Name:      "field errors come before the tenant's existence",
			When:      place("h1", "", ""),
			WantErr:   domain.ErrInvalid,
			WantField: "reason",
		},
		{
			Name:      "placing a hold needs a command ID",
			Given:     []tenant.Event{created()},
			When:      tenant.PlaceLegalHold{Meta: domain.Meta{Tenant: "acme", Actor: "user:alice", At: t0}, Reason: "x"},
			WantErr:   domain.ErrInvalid,
			WantField: "commandId",
		},

		{
			Name:  "release a hold",
			Given: []tenant.Event{created(), placed},
			When:  release("r1", " Litigation settled "),
			Want:  []tenant.Event{tenant.LegalHoldReleased{Reason: "Litigation settled", At: t0}},
		},
		{
			Name:  "releasing a tenant not on hold is a no-op",
			Given: []tenant.Event{created()},
			When:  release("r1", "Litigation settled"),
		},
		{
			Name:  "releasing a hold already released is a no-op",
			Given: []tenant.Event{created(), placed, tenant.LegalHoldReleased{Reason: "settled", At: t0}},
			When:  release("r2", "settled"),
		},
		{
			Name:  "a hold can be placed again after a release",
			Given: []tenant.Event{created(), placed, tenant.LegalHoldReleased{Reason: "settled", At: t0}},
			When:  place("h2", "Appeal filed", "LIT-2026-014-A"),
			Want:  []tenant.Event{tenant.LegalHoldPlaced{Reason: "Appeal filed", Reference: "LIT-2026-014-A", At: t0}},
		},
		{
			Name:      "release without a reason",
			Given:     []tenant.Event{created(), placed},
			When:      release("r1", ""),
			WantErr:   domain.ErrInvalid,
			WantField: "reason",
		},
		{
			Name:      "a release's reason is one line",
			Given:     []tenant.Event{created(), placed},
			When:      release("r1", "settled\r\n"+"really"),
			WantErr:   domain.ErrInvalid,
			WantField: "reason",
		},
		{
			Name:    "release the hold of a missing tenant",
			When:    release("r1", "settled"),
			WantErr: domain.ErrNotFound,
		},
	})

	// Evolve: the hold in force, then none.
	s := tenant.Decider.Fold(tenant.State{}, []tenant.Event{created(), placed})
	if want := (tenant.LegalHold{Held: true, Reason: placed.Reason, Reference: placed.Reference, Since: t0}); s.LegalHold != want {
		t.Fatalf("after placing: %+v, want %+v", s.LegalHold, want)
	}
	s = tenant.Evolve(s, tenant.LegalHoldReleased{Reason: "settled", At: later})
	if s.LegalHold != (tenant.LegalHold{}) {
		t.Fatalf("after releasing: %+v, want no hold", s.LegalHold)
	}
}
