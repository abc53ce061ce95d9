package access_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/domain"
	"github.com/socledger/socledger/domain/access"
)

var (
	t0      = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	expires = t0.AddDate(0, 6, 0)
	hash    = hex.EncodeToString(func() []byte { h := sha256.Sum256([]byte("s3cr3t-token-value")); return h[:] }())
)

func meta(id string) domain.Meta {
	return domain.Meta{CommandID: id, Actor: "user:root", At: t0}
}

func issue() access.Issue {
	return access.Issue{Meta: meta("i1"), TokenID: "tok-01", Name: "Splunk forwarder", Role: access.RoleIntegrator,
		Tenants: []string{"globex", "acme", "acme"}, SecretHash: hash, ExpiresAt: expires}
}

func issued() access.TokenIssued {
	return access.TokenIssued{TokenID: "tok-01", Name: "Splunk forwarder", Role: access.RoleIntegrator,
		Tenants: []string{"acme", "globex"}, SecretHash: hash, ExpiresAt: expires, At: t0}
}

func with(f func(*access.Issue)) access.Issue {
	c := issue()
	f(&c)
	return c
}

func TestDecide(t *testing.T) {
	t.Parallel()
	revoked := access.TokenRevoked{TokenID: "tok-01", Reason: "leaked in a ticket", At: t0}
	tests := []struct {
		name      string
		given     []access.Event
		when      access.Command
		want      []access.Event
		wantErr   error
		wantField string
	}{
		{
			name: "issue records role, sorted scope and hash",
			when: issue(),
			want: []access.Event{issued()},
		},
		{
			name: "issue an admin token for all tenants without expiry, acting in a tenant",
			when: access.Issue{Meta: domain.Meta{CommandID: "i2", Tenant: "acme", Actor: "user:root", At: t0},
				TokenID: "soc-admin", Name: " SOC lead ", Role: access.RoleAdmin, AllTenants: true, SecretHash: hash},
			want: []access.Event{access.TokenIssued{TokenID: "soc-admin", Name: "SOC lead", Role: access.RoleAdmin,
				Tenants: []string{}, AllTenants: true, SecretHash: hash, At: t0}},
		},
		{
			name: "analysts and responders may have all tenants",
			when: with(func(c *access.Issue) {
				c.Role, c.Tenants, c.AllTenants, c.ExpiresAt = access.RoleResponder, nil, true, time.Time{}
			}),
			want: []access.Event{access.TokenIssued{TokenID: "tok-01", Name: "Splunk forwarder", Role: access.RoleResponder,
				Tenants: []string{}, AllTenants: true, SecretHash: hash, At: t0}},
		},
		{
			name:    "issuing twice fails",
			given:   []access.Event{issued()},
			when:    issue(),
			wantErr: domain.ErrAlreadyExists,
		},
		{
			name:    "issuing a revoked token's ID again fails",
			given:   []access.Event{issued(), revoked},
			when:    with(func(c *access.Issue) { c.Meta.CommandID = "i9" }),
			wantErr: domain.ErrAlreadyExists,
		},
		{
			name:      "secret that is not a hash",
			when:      with(func(c *access.Issue) { c.SecretHash = "s3cr3t-token-value" }),
			wantErr:   domain.ErrInvalid,
			wantField: "secretHash",
		},
		{
			name:      "upper-case hash",
			when:      with(func(c *access.Issue) { c.SecretHash = strings.ToUpper(hash) }),
			wantErr:   domain.ErrInvalid,
			wantField: "secretHash",
		},
		{
			name:      "hash of the wrong length",
			when:      with(func(c *access.Issue) { c.SecretHash = hash[:40] }),
			wantErr:   domain.ErrInvalid,
			wantField: "secretHash",
		},
		{
			name:      "missing hash",
			when:      with(func(c *access.Issue) { c.SecretHash = "" }),
			wantErr:   domain.ErrInvalid,
			wantField: "secretHash",
		},
		{
			name:      "unknown role",
			when:      with(func(c *access.Issue) { c.Role = "root" }),
			wantErr:   domain.ErrInvalid,
			wantField: "role",
		},
		{
			name:      "missing role",
			when:      with(func(c *access.Issue) { c.Role = "" }),
			wantErr:   domain.ErrInvalid,
			wantField: "role",
		},
		{
			name:      "integrators cannot have all tenants",
			when:      with(func(c *access.Issue) { c.Tenants, c.AllTenants = nil, true }),
			wantErr:   domain.ErrInvalid,
			wantField: "allTenants",
		},
		{
			name:      "auditors cannot have all tenants",
			when:      with(func(c *access.Issue) { c.Role, c.Tenants, c.AllTenants = access.RoleAuditor, nil, true }),
			wantErr:   domain.ErrInvalid,
			wantField: "allTenants",
		},
		{
			name:      "ingest tokens cannot have all tenants",
			when:      with(func(c *access.Issue) { c.Role, c.Tenants, c.AllTenants = access.RoleIngest, nil, true }),
			wantErr:   domain.ErrInvalid,
			wantField: "allTenants",
		},
		{
			name:      "all tenants and a list",
			when:      with(func(c *access.Issue) { c.Role, c.AllTenants = access.RoleAdmin, true }),
			wantErr:   domain.ErrInvalid,
			wantField: "tenants",
		},
		{
			name:      "no scope",
			when:      with(func(c *access.Issue) { c.Tenants = nil }),
			wantErr:   domain.ErrInvalid,
			wantField: "tenants",
		},
		{
			name:      "invalid tenant in the scope",
			when:      with(func(c *access.Issue) { c.Tenants = []string{"acme", "Globex Inc"} }),
			wantErr:   domain.ErrInvalid,
			wantField: "tenants[1]",
		},
		{
			name:      "reserved tenant in the scope",
			when:      with(func(c *access.Issue) { c.Tenants = []string{domain.SystemTenant} }),
			wantErr:   domain.ErrInvalid,
			wantField: "tenants[0]",
		},
		{
			name:      "expiry at the time of issue",
			when:      with(func(c *access.Issue) { c.ExpiresAt = t0 }),
			wantErr:   domain.ErrInvalid,
			wantField: "expiresAt",
		},
		{
			name:      "expiry before the time of issue",
			when:      with(func(c *access.Issue) { c.ExpiresAt = t0.Add(-time.Hour) }),
			wantErr:   domain.ErrInvalid,
			wantField: "expiresAt",
		},
		{
			name:      "missing name",
			when:      with(func(c *access.Issue) { c.Name = " " }),
			wantErr:   domain.ErrInvalid,
			wantField: "name",
		},
		{
			name:      "name with a control character",
			when:      with(func(c *access.Issue) { c.Name = "a\x00b" }),
			wantErr:   domain.ErrInvalid,
			wantField: "name",
		},
		{
			name:      "missing token ID",
			when:      with(func(c *access.Issue) { c.TokenID = "" }),
			wantErr:   domain.ErrInvalid,
			wantField: "tokenId",
		},
		{
			name:      "malformed token ID",
			when:      with(func(c *access.Issue) { c.TokenID = "tok/01" }),
			wantErr:   domain.ErrInvalid,
			wantField: "tokenId",
		},
		{
			name:      "command without an ID",
			when:      with(func(c *access.Issue) { c.Meta.CommandID = "" }),
			wantErr:   domain.ErrInvalid,
			wantField: "commandId",
		},
		{
			name:      "command without an actor",
			when:      with(func(c *access.Issue) { c.Meta.Actor = "" }),
			wantErr:   domain.ErrInvalid,
			wantField: "actor",
		},
		{
			name:      "command without a business time",
			when:      with(func(c *access.Issue) { c.Meta.At = time.Time{} }),
			wantErr:   domain.ErrInvalid,
			wantField: "at",
		},
		{
			name:      "command acting in the reserved system tenant",
			when:      with(func(c *access.Issue) { c.Meta.Tenant = domain.SystemTenant }),
			wantErr:   domain.ErrInvalid,
			wantField: "tenant",
		},
		{
			name:      "command acting in a malformed tenant",
			when:      with(func(c *access.Issue) { c.Meta.Tenant = "ACME" }),
			wantErr:   domain.ErrInvalid,
			wantField: "tenant",
		},

		{
			name:  "revoke",
			given: []access.Event{issued()},
			when:  access.Revoke{Meta: meta("r1"), TokenID: "tok-01", Reason: " leaked in a ticket "},
			want:  []access.Event{revoked},
		},
		{
			name:  "revoke an expired token",
			given: []access.Event{issued()},
			when:  access.Revoke{Meta: domain.Meta{CommandID: "r1", Actor: "user:root", At: expires.AddDate(1, 0, 0)}, TokenID: "tok-01", Reason: "clean-up"},
			want:  []access.Event{access.TokenRevoked{TokenID: "tok-01", Reason: "clean-up", At: expires.AddDate(1, 0, 0)}},
		},
		{
			name:  "revoking a revoked token is a no-op",
			given: []access.Event{issued(), revoked},
			when:  access.Revoke{Meta: meta("r2"), TokenID: "tok-01", Reason: "again"},
		},
		{
			name:    "revoking a missing token fails",
			when:    access.Revoke{Meta: meta("r1"), TokenID: "tok-01", Reason: "leaked"},
			wantErr: domain.ErrNotFound,
		},
		{
			name:      "revoke without a reason",
			given:     []access.Event{issued()},
			when:      access.Revoke{Meta: meta("r1"), TokenID: "tok-01"},
			wantErr:   domain.ErrInvalid,
			wantField: "reason",
		},
		{
			name:      "revoke without a token ID",
			when:      access.Revoke{Meta: meta("r1"), Reason: "leaked"},
			wantErr:   domain.ErrInvalid,
			wantField: "tokenId",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := access.Decider.Fold(access.Decider.Initial, tt.given)
			got, err := access.Decide(tt.when, s)
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

func TestSecretNeverInError(t *testing.T) {
	t.Parallel()
	_, err := access.Decide(with(func(c *access.Issue) { c.SecretHash = "s3cr3t-token-value" }), access.State{})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error %v echoes the secret", err)
	}
}

func TestEvolve(t *testing.T) {
	t.Parallel()
	later := t0.Add(time.Hour)
	s := access.Decider.Fold(access.State{}, []access.Event{
		issued(),
		access.TokenRevoked{TokenID: "tok-01", Reason: "leaked", At: later},
	})
	want := access.State{TokenID: "tok-01", Name: "Splunk forwarder", Role: access.RoleIntegrator,
		Tenants: []string{"acme", "globex"}, SecretHash: hash, IssuedAt: t0, ExpiresAt: expires,
		Revoked: true, RevokedAt: later, RevokeReason: "leaked"}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("Fold:\n got %#v\nwant %#v", s, want)
	}

	ev := issued()
	s1 := access.Evolve(access.State{}, ev)
	ev.Tenants[0] = "initech"
	if s1.Tenants[0] != "acme" {
		t.Fatal("Evolve shares the tenants slice with the event")
	}
}

func TestAllows(t *testing.T) {
	t.Parallel()
	scoped := access.Evolve(access.State{}, issued())
	all := access.Evolve(access.State{}, access.TokenIssued{TokenID: "soc", Name: "SOC", Role: access.RoleAnalyst,
		Tenants: []string{}, AllTenants: true, SecretHash: hash, At: t0})
	revoked := access.Evolve(scoped, access.TokenRevoked{TokenID: "tok-01", Reason: "x", At: t0.Add(time.Hour)})

	tests := []struct {
		name   string
		s      access.State
		tenant string
		at     time.Time
		want   bool
	}{
		{"tenant in scope", scoped, "acme", t0.Add(time.Minute), true},
		{"other tenant in scope", scoped, "globex", t0.Add(time.Minute), true},
		{"tenant out of scope", scoped, "initech", t0.Add(time.Minute), false},
		{"empty tenant", scoped, "", t0.Add(time.Minute), false},
		{"just before expiry", scoped, "acme", expires.Add(-time.Nanosecond), true},
		{"at expiry", scoped, "acme", expires, false},
		{"after expiry", scoped, "acme", expires.AddDate(0, 0, 1), false},
		{"revoked", revoked, "acme", t0.Add(time.Minute), false},
		{"never issued", access.State{}, "acme", t0, false},
		{"all tenants, any tenant", all, "initech", t0.AddDate(10, 0, 0), true},
		{"all tenants, not the system tenant", all, domain.SystemTenant, t0, false},
		{"all tenants, not an invalid tenant", all, "", t0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.s.Allows(tt.tenant, tt.at); got != tt.want {
				t.Fatalf("Allows(%q, %v) = %v, want %v", tt.tenant, tt.at, got, tt.want)
			}
		})
	}
}

func TestStreamOf(t *testing.T) {
	t.Parallel()
	got, err := access.StreamOf(issue())
	if err != nil || got != "access-tok-01" || access.Stream("tok-01") != got {
		t.Fatalf("StreamOf = %q, %v; want access-tok-01", got, err)
	}
	got, err = access.StreamOf(access.Revoke{TokenID: "tok-01"})
	if err != nil || got != "access-tok-01" {
		t.Fatalf("StreamOf(Revoke) = %q, %v", got, err)
	}
	var fe *domain.FieldError
	if _, err := access.StreamOf(access.Revoke{TokenID: "../x"}); !errors.As(err, &fe) || fe.Field != "tokenId" {
		t.Fatalf("StreamOf(bad ID) error %v, want a tokenId field error", err)
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	for _, r := range access.Roles {
		want := r == access.RoleAdmin || r == access.RoleAnalyst || r == access.RoleResponder
		if got := r.MayHaveAllTenants(); got != want {
			t.Errorf("%s.MayHaveAllTenants() = %v, want %v", r, got, want)
		}
	}
}
