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
	"github.com/socledger/socledger/domain/domaintest"
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
	domaintest.RunDecider(t, access.Decider, []domaintest.Row[access.Command, access.Event]{
		{
			Name: "issue records role, sorted scope and hash",
			When: issue(),
			Want: []access.Event{issued()},
		},
		{
			Name: "issue an admin token for all tenants without expiry, acting in a tenant",
			When: access.Issue{Meta: domain.Meta{CommandID: "i2", Tenant: "acme", Actor: "user:root", At: t0},
				TokenID: "soc-admin", Name: " SOC lead ", Role: access.RoleAdmin, AllTenants: true, SecretHash: hash},
			Want: []access.Event{access.TokenIssued{TokenID: "soc-admin", Name: "SOC lead", Role: access.RoleAdmin,
				Tenants: []string{}, AllTenants: true, SecretHash: hash, At: t0}},
		},
		{
			Name: "analysts and responders may have all tenants",
			When: with(func(c *access.Issue) {
				c.Role, c.Tenants, c.AllTenants, c.ExpiresAt = access.RoleResponder, nil, true, time.Time{}
			}),
			Want: []access.Event{access.TokenIssued{TokenID: "tok-01", Name: "Splunk forwarder", Role: access.RoleResponder,
				Tenants: []string{}, AllTenants: true, SecretHash: hash, At: t0}},
		},
		{
			Name:    "issuing twice fails",
			Given:   []access.Event{issued()},
			When:    issue(),
			WantErr: domain.ErrAlreadyExists,
		},
		{
			Name:    "issuing a revoked token's ID again fails",
			Given:   []access.Event{issued(), revoked},
			When:    with(func(c *access.Issue) { c.Meta.CommandID = "i9" }),
			WantErr: domain.ErrAlreadyExists,
		},
		{
			Name:      "secret that is not a hash",
			When:      with(func(c *access.Issue) { c.SecretHash = "s3cr3t-token-value" }),
			WantErr:   domain.ErrInvalid,
			WantField: "secretHash",
		},
		{
			Name:      "upper-case hash",
			When:      with(func(c *access.Issue) { c.SecretHash = strings.ToUpper(hash) }),
			WantErr:   domain.ErrInvalid,
			WantField: "secretHash",
		},
		{
			Name:      "hash of the wrong length",
			When:      with(func(c *access.Issue) { c.SecretHash = hash[:40] }),
			WantErr:   domain.ErrInvalid,
			WantField: "secretHash",
		},
		{
			Name:      "missing hash",
			When:      with(func(c *access.Issue) { c.SecretHash = "" }),
			WantErr:   domain.ErrInvalid,
			WantField: "secretHash",
		},
		{
			Name:      "unknown role",
			When:      with(func(c *access.Issue) { c.Role = "root" }),
			WantErr:   domain.ErrInvalid,
			WantField: "role",
		},
		{
			Name:      "missing role",
			When:      with(func(c *access.Issue) { c.Role = "" }),
			WantErr:   domain.ErrInvalid,
			WantField: "role",
		},
		{
			Name:      "integrators cannot have all tenants",
			When:      with(func(c *access.Issue) { c.Tenants, c.AllTenants = nil, true }),
			WantErr:   domain.ErrInvalid,
			WantField: "allTenants",
		},
		{
			Name:      "auditors cannot have all tenants",
			When:      with(func(c *access.Issue) { c.Role, c.Tenants, c.AllTenants = access.RoleAuditor, nil, true }),
			WantErr:   domain.ErrInvalid,
			WantField: "allTenants",
		},
		{
			Name:      "ingest tokens cannot have all tenants",
			When:      with(func(c *access.Issue) { c.Role, c.Tenants, c.AllTenants = access.RoleIngest, nil, true }),
			WantErr:   domain.ErrInvalid,
			WantField: "allTenants",
		},
		{
			Name:      "all tenants and a list",
			When:      with(func(c *access.Issue) { c.Role, c.AllTenants = access.RoleAdmin, true }),
			WantErr:   domain.ErrInvalid,
			WantField: "tenants",
		},
		{
			Name:      "no scope",
			When:      with(func(c *access.Issue) { c.Tenants = nil }),
			WantErr:   domain.ErrInvalid,
			WantField: "tenants",
		},
		{
			Name:      "invalid tenant in the scope",
			When:      with(func(c *access.Issue) { c.Tenants = []string{"acme", "Globex Inc"} }),
			WantErr:   domain.ErrInvalid,
			WantField: "tenants[1]",
		},
		{
			Name:      "reserved tenant in the scope",
			When:      with(func(c *access.Issue) { c.Tenants = []string{domain.SystemTenant} }),
			WantErr:   domain.ErrInvalid,
			WantField: "tenants[0]",
		},
		{
			Name:      "expiry at the time of issue",
			When:      with(func(c *access.Issue) { c.ExpiresAt = t0 }),
			WantErr:   domain.ErrInvalid,
			WantField: "expiresAt",
		},
		{
			Name:      "expiry before the time of issue",
			When:      with(func(c *access.Issue) { c.ExpiresAt = t0.Add(-time.Hour) }),
			WantErr:   domain.ErrInvalid,
			WantField: "expiresAt",
		},
		{
			Name:      "missing name",
			When:      with(func(c *access.Issue) { c.Name = " " }),
			WantErr:   domain.ErrInvalid,
			WantField: "name",
		},
		{
			Name:      "name with a control character",
			When:      with(func(c *access.Issue) { c.Name = "a\x00b" }),
			WantErr:   domain.ErrInvalid,
			WantField: "name",
		},
		{
			Name:      "missing token ID",
			When:      with(func(c *access.Issue) { c.TokenID = "" }),
			WantErr:   domain.ErrInvalid,
			WantField: "tokenId",
		},
		{
			Name:      "malformed token ID",
			When:      with(func(c *access.Issue) { c.TokenID = "tok/01" }),
			WantErr:   domain.ErrInvalid,
			WantField: "tokenId",
		},
		{
			Name:      "command without an ID",
			When:      with(func(c *access.Issue) { c.Meta.CommandID = "" }),
			WantErr:   domain.ErrInvalid,
			WantField: "commandId",
		},
		{
			Name:      "command without an actor",
			When:      with(func(c *access.Issue) { c.Meta.Actor = "" }),
			WantErr:   domain.ErrInvalid,
			WantField: "actor",
		},
		{
			Name:      "command without a business time",
			When:      with(func(c *access.Issue) { c.Meta.At = time.Time{} }),
			WantErr:   domain.ErrInvalid,
			WantField: "at",
		},
		{
			Name:      "command acting in the reserved system tenant",
			When:      with(func(c *access.Issue) { c.Meta.Tenant = domain.SystemTenant }),
			WantErr:   domain.ErrInvalid,
			WantField: "tenant",
		},
		{
			Name:      "command acting in a malformed tenant",
			When:      with(func(c *access.Issue) { c.Meta.Tenant = "ACME" }),
			WantErr:   domain.ErrInvalid,
			WantField: "tenant",
		},

		{
			Name:  "revoke",
			Given: []access.Event{issued()},
			When:  access.Revoke{Meta: meta("r1"), TokenID: "tok-01", Reason: " leaked in a ticket "},
			Want:  []access.Event{revoked},
		},
		{
			Name:  "revoke an expired token",
			Given: []access.Event{issued()},
			When:  access.Revoke{Meta: domain.Meta{CommandID: "r1", Actor: "user:root", At: expires.AddDate(1, 0, 0)}, TokenID: "tok-01", Reason: "clean-up"},
			Want:  []access.Event{access.TokenRevoked{TokenID: "tok-01", Reason: "clean-up", At: expires.AddDate(1, 0, 0)}},
		},
		{
			Name:  "revoking a revoked token is a no-op",
			Given: []access.Event{issued(), revoked},
			When:  access.Revoke{Meta: meta("r2"), TokenID: "tok-01", Reason: "again"},
		},
		{
			Name:    "revoking a missing token fails",
			When:    access.Revoke{Meta: meta("r1"), TokenID: "tok-01", Reason: "leaked"},
			WantErr: domain.ErrNotFound,
		},
		{
			Name:      "revoke without a reason",
			Given:     []access.Event{issued()},
			When:      access.Revoke{Meta: meta("r1"), TokenID: "tok-01"},
			WantErr:   domain.ErrInvalid,
			WantField: "reason",
		},
		{
			Name:      "revoke without a token ID",
			When:      access.Revoke{Meta: meta("r1"), Reason: "leaked"},
			WantErr:   domain.ErrInvalid,
			WantField: "tokenId",
		},
	})
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
