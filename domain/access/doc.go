// Package access is the API token aggregate: a token issued with a role and
// a tenant scope, known to the domain only by the SHA-256 hash of its secret,
// and revoked when it must no longer work. Its stream is "access-<tokenID>"
// (Stream(tokenID)): a token belongs to no single tenant, so its stream has
// no tenant part, and the seals of these streams go to "audit-system".
//
// Commands: Issue and Revoke; events "access.token_issued" and
// "access.token_revoked". Decisions:
//
//   - Meta.Tenant is only the tenant the issuing admin acted in; it plays no
//     part in the rules. It may be empty (recommended, so that the events'
//     metadata names no tenant and they stay out of tenant-scoped feeds) or
//     any valid tenant ID; the reserved domain.SystemTenant is rejected.
//     CommandID, Actor and At are required as for every command.
//   - Roles are those of the API: admin, analyst, responder, auditor,
//     integrator and ingest (log intake only).
//   - The scope is either a list of tenants (each a valid tenant ID, sorted
//     and deduplicated) or AllTenants, never both and never neither.
//     AllTenants is for MSSP staff: admin, analyst and responder tokens.
//     Auditor, integrator and ingest tokens are per client organisation and
//     must list their tenants.
//   - SecretHash is the lower-case hex SHA-256 of the secret (64 characters);
//     the domain never sees the secret. Name (a description) is required.
//     ExpiresAt is optional (zero = never) and must be after the command's
//     time; a token is expired from ExpiresAt on.
//   - Issuing a token ID that exists fails with domain.ErrAlreadyExists
//     (whatever its fields: a retry of the same command is recognised by the
//     executor through its command ID). Revoking needs a reason; revoking a
//     revoked token records nothing; revoking a token never issued fails
//     with domain.ErrNotFound. Expired tokens can be revoked.
//   - State.Allows(tenant, at) is the check the API makes per request: the
//     token exists, is not revoked, has not expired at at, and its scope
//     holds tenant. It does not compare at with the issue time (clocks of
//     different nodes may disagree by a little). AllTenants covers every
//     valid tenant ID but not domain.SystemTenant: what may be done outside
//     any tenant is a question of Role.
package access
