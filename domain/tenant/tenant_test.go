package tenant_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
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

	tests := []struct {
		name      string
		given     []tenant.Event
		when      tenant.Command
		want      []tenant.Event
		wantErr   error
		wantField string
	}{
		{
			name: "create records name, default SLA and normalized profile",
			when: tenant.Create{Meta: meta("c1"), Name: "  Acme Bank AG ", Profile: tenant.Profile{
				Regimes:        []tenant.Regime{tenant.NIS2, tenant.DORA, tenant.GDPR, tenant.DORA},
				NIS2Class:      tenant.NIS2Essential,
				DORAEntityType: tenant.DORACreditInstitution,
				MemberState:    "DE",
				TZ:             "Europe/Berlin",
			}},
			want: []tenant.Event{created()},
		},
		{
			name: "create with an explicit SLA and an empty profile gets the profile defaults",
			when: tenant.Create{Meta: meta("c1"), Name: "Globex", SLA: sla(5, 30), Profile: tenant.Profile{MemberState: "FR"}},
			want: []tenant.Event{tenant.Created{Tenant: "acme", Name: "Globex", SLA: sla(5, 30), At: t0, Profile: tenant.Profile{
				Regimes: []tenant.Regime{}, NIS2Class: tenant.NIS2None, MemberState: "FR", TZ: "UTC", MonthRule: tenant.MonthSameInstant,
			}}},
		},
		{
			name:    "creating twice fails",
			given:   []tenant.Event{created()},
			when:    create(),
			wantErr: domain.ErrAlreadyExists,
		},
		{
			name:      "create without a name",
			when:      tenant.Create{Meta: meta("c1"), Name: "  ", Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "name",
		},
		{
			name:      "create with a control character in the name",
			when:      tenant.Create{Meta: meta("c1"), Name: "Acme\nBank", Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "name",
		},
		{
			name:      "create with a name that is too long",
			when:      tenant.Create{Meta: meta("c1"), Name: strings.Repeat("a", tenant.MaxNameLen+1), Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "name",
		},
		{
			name:      "tenant ID missing",
			when:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Actor: "user:alice", At: t0}, Name: "Acme", Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "tenant",
		},
		{
			name:      "reserved tenant ID",
			when:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Tenant: domain.SystemTenant, Actor: "user:alice", At: t0}, Name: "System", Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "tenant",
		},
		{
			name:      "malformed tenant ID",
			when:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Tenant: "Acme.Corp", Actor: "user:alice", At: t0}, Name: "Acme", Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "tenant",
		},
		{
			name:      "command without an ID",
			when:      tenant.Create{Meta: domain.Meta{Tenant: "acme", Actor: "user:alice", At: t0}, Name: "Acme", Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "commandId",
		},
		{
			name:      "command without an actor",
			when:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Tenant: "acme", At: t0}, Name: "Acme", Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "actor",
		},
		{
			name:      "command without a business time",
			when:      tenant.Create{Meta: domain.Meta{CommandID: "c1", Tenant: "acme", Actor: "user:alice"}, Name: "Acme", Profile: profile()},
			wantErr:   domain.ErrInvalid,
			wantField: "at",
		},
		{
			name:      "unknown regime",
			when:      withProfile(func(p *tenant.Profile) { p.Regimes = []tenant.Regime{tenant.GDPR, "HIPAA"} }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.regimes[1]",
		},
		{
			name:      "DORA without a DORA entity type",
			when:      withProfile(func(p *tenant.Profile) { p.DORAEntityType = "" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.doraEntityType",
		},
		{
			name:      "unknown DORA entity type",
			when:      withProfile(func(p *tenant.Profile) { p.DORAEntityType = "bank" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.doraEntityType",
		},
		{
			name:      "NIS2 with class none",
			when:      withProfile(func(p *tenant.Profile) { p.NIS2Class = tenant.NIS2None }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.nis2Class",
		},
		{
			name:      "NIS2 with the class left empty (defaults to none)",
			when:      withProfile(func(p *tenant.Profile) { p.NIS2Class = "" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.nis2Class",
		},
		{
			name:      "unknown NIS2 class",
			when:      withProfile(func(p *tenant.Profile) { p.NIS2Class = "critical" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.nis2Class",
		},
		{
			name:      "unknown 2024/2690 entity type",
			when:      withProfile(func(p *tenant.Profile) { p.EntityType2690 = "isp" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.entityType2690",
		},
		{
			name: "TSP flag contradicting the entity type",
			when: withProfile(func(p *tenant.Profile) {
				p.IsTSP = true
				p.EntityType2690 = tenant.Entity2690Cloud
			}),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.isTsp",
		},
		{
			name:      "bad member state",
			when:      withProfile(func(p *tenant.Profile) { p.MemberState = "de" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.memberState",
		},
		{
			name:      "missing member state",
			when:      withProfile(func(p *tenant.Profile) { p.MemberState = "" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.memberState",
		},
		{
			name:      "bad time zone",
			when:      withProfile(func(p *tenant.Profile) { p.TZ = "CET+1" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.tz",
		},
		{
			name:      "bad holiday calendar",
			when:      withProfile(func(p *tenant.Profile) { p.HolidayCalendarRef = "DE/BY" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.holidayCalendarRef",
		},
		{
			name:      "unknown month rule",
			when:      withProfile(func(p *tenant.Profile) { p.MonthRule = "CALENDAR" }),
			wantErr:   domain.ErrInvalid,
			wantField: "profile.monthRule",
		},
		{
			name:      "create with an invalid SLA",
			when:      tenant.Create{Meta: meta("c1"), Name: "Acme", Profile: profile(), SLA: tenant.SLAPolicy{AcknowledgeMinutes: sla(5, 5).AcknowledgeMinutes}},
			wantErr:   domain.ErrInvalid,
			wantField: "sla.resolveMinutes",
		},

		{
			name:  "rename",
			given: []tenant.Event{created()},
			when:  tenant.Rename{Meta: meta("r1"), Name: "Acme Bank SE"},
			want:  []tenant.Event{tenant.Renamed{Name: "Acme Bank SE", At: t0}},
		},
		{
			name:  "rename to the same name is a no-op",
			given: []tenant.Event{created()},
			when:  tenant.Rename{Meta: meta("r1"), Name: "Acme Bank AG "},
		},
		{
			name:    "rename a missing tenant",
			when:    tenant.Rename{Meta: meta("r1"), Name: "Acme"},
			wantErr: domain.ErrNotFound,
		},
		{
			name:      "rename to an empty name",
			given:     []tenant.Event{created()},
			when:      tenant.Rename{Meta: meta("r1")},
			wantErr:   domain.ErrInvalid,
			wantField: "name",
		},

		{
			name:  "change profile records the whole normalized profile and the reason",
			given: []tenant.Event{created()},
			when: tenant.ChangeProfile{Meta: domain.Meta{CommandID: "p1", Tenant: "acme", Actor: "user:alice", At: later},
				Profile: tenant.Profile{Regimes: []tenant.Regime{tenant.NIS2, tenant.GDPR}, NIS2Class: tenant.NIS2Essential,
					MemberState: "DE", TZ: "Europe/Berlin", HolidayCalendarRef: "DE-BY"},
				Reason: " sold the banking licence "},
			want: []tenant.Event{tenant.ProfileChanged{Profile: changed, Reason: "sold the banking licence", At: later}},
		},
		{
			name:  "changing the profile to an identical one is a no-op",
			given: []tenant.Event{created()},
			when: tenant.ChangeProfile{Meta: meta("p1"), Reason: "re-sent", Profile: tenant.Profile{
				Regimes:        []tenant.Regime{tenant.NIS2, tenant.GDPR, tenant.DORA},
				NIS2Class:      tenant.NIS2Essential,
				DORAEntityType: tenant.DORACreditInstitution,
				MemberState:    "DE",
				TZ:             "Europe/Berlin",
			}},
		},
		{
			name:  "changing back after a change is not a no-op",
			given: []tenant.Event{created(), tenant.ProfileChanged{Profile: changed, Reason: "x", At: t0}},
			when:  tenant.ChangeProfile{Meta: meta("p2"), Profile: profile(), Reason: "licence kept after all"},
			want:  []tenant.Event{tenant.ProfileChanged{Profile: profile(), Reason: "licence kept after all", At: t0}},
		},
		{
			name:    "change the profile of a missing tenant",
			when:    tenant.ChangeProfile{Meta: meta("p1"), Profile: profile(), Reason: "x"},
			wantErr: domain.ErrNotFound,
		},
		{
			name:      "change the profile without a reason",
			given:     []tenant.Event{created()},
			when:      tenant.ChangeProfile{Meta: meta("p1"), Profile: changed},
			wantErr:   domain.ErrInvalid,
			wantField: "reason",
		},
		{
			name:      "change to an invalid profile",
			given:     []tenant.Event{created()},
			when:      tenant.ChangeProfile{Meta: meta("p1"), Profile: tenant.Profile{Regimes: []tenant.Regime{tenant.DORA}, MemberState: "DE"}, Reason: "x"},
			wantErr:   domain.ErrInvalid,
			wantField: "profile.doraEntityType",
		},

		{
			name:  "change SLA",
			given: []tenant.Event{created()},
			when:  tenant.ChangeSLA{Meta: meta("s1"), SLA: sla(10, 60)},
			want:  []tenant.Event{tenant.SLAChanged{SLA: sla(10, 60), At: t0}},
		},
		{
			name:  "changing the SLA to the same policy is a no-op",
			given: []tenant.Event{created()},
			when:  tenant.ChangeSLA{Meta: meta("s1"), SLA: tenant.DefaultSLA()},
		},
		{
			name:    "change the SLA of a missing tenant",
			when:    tenant.ChangeSLA{Meta: meta("s1"), SLA: sla(10, 60)},
			wantErr: domain.ErrNotFound,
		},
		{
			name:      "change SLA to an empty policy",
			given:     []tenant.Event{created()},
			when:      tenant.ChangeSLA{Meta: meta("s1")},
			wantErr:   domain.ErrInvalid,
			wantField: "sla",
		},
		{
			name:      "SLA missing a severity",
			given:     []tenant.Event{created()},
			when:      withSLA(func(p *tenant.SLAPolicy) { delete(p.AcknowledgeMinutes, domain.SeverityLow) }),
			wantErr:   domain.ErrInvalid,
			wantField: "sla.acknowledgeMinutes.low",
		},
		{
			name:      "SLA with an unknown severity",
			given:     []tenant.Event{created()},
			when:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes["urgent"] = 5 }),
			wantErr:   domain.ErrInvalid,
			wantField: "sla.resolveMinutes.urgent",
		},
		{
			name:      "SLA with zero minutes",
			given:     []tenant.Event{created()},
			when:      withSLA(func(p *tenant.SLAPolicy) { p.AcknowledgeMinutes[domain.SeverityCritical] = 0 }),
			wantErr:   domain.ErrInvalid,
			wantField: "sla.acknowledgeMinutes.critical",
		},
		{
			name:      "SLA with negative minutes",
			given:     []tenant.Event{created()},
			when:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes[domain.SeverityHigh] = -5 }),
			wantErr:   domain.ErrInvalid,
			wantField: "sla.resolveMinutes.high",
		},
		{
			name:      "SLA target longer than a year",
			given:     []tenant.Event{created()},
			when:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes[domain.SeverityLow] = tenant.MaxSLAMinutes + 1 }),
			wantErr:   domain.ErrInvalid,
			wantField: "sla.resolveMinutes.low",
		},
		{
			name:      "SLA resolving sooner than acknowledging",
			given:     []tenant.Event{created()},
			when:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes[domain.SeverityMedium] = 5 }),
			wantErr:   domain.ErrInvalid,
			wantField: "sla.resolveMinutes.medium",
		},
		{
			name:      "SLA without resolve targets",
			given:     []tenant.Event{created()},
			when:      withSLA(func(p *tenant.SLAPolicy) { p.ResolveMinutes = nil }),
			wantErr:   domain.ErrInvalid,
			wantField: "sla.resolveMinutes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tenant.Decider.Fold(tenant.Decider.Initial, tt.given)
			got, err := tenant.Decide(tt.when, s)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("Decide: unexpected error %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Decide: error %v, want %v", err, tt.wantErr)
			}
			if tt.wantField != "" {
				var fe *domain.FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("Decide: error %v is not a *domain.FieldError", err)
				}
				if fe.Field != tt.wantField {
					t.Fatalf("Decide: field %q (%v), want %q", fe.Field, err, tt.wantField)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Decide:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
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
