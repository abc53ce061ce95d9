// Package tenant is the tenant aggregate: a client organisation of the SOC,
// with its name, its SLA policy (minutes to acknowledge per severity) and its
// entity profile, the facts the NIS2 / DORA / GDPR reporting clocks depend on
// (regimes, NIS2 class, TSP flag, entity types, Member State, time zone,
// holiday calendar, month rule). Its stream is "tenant-<tenant>".
//
// Commands: Create, Rename, ChangeProfile, ChangeSLA, PlaceLegalHold and
// ReleaseLegalHold; events "tenant.created", "tenant.renamed",
// "tenant.profile_changed", "tenant.sla_changed",
// "tenant.legal_hold_placed" and "tenant.legal_hold_released". Decisions:
//
//   - The tenant ID is the command's Meta.Tenant (domain.ValidateTenantID);
//     Stream takes that one argument because the stream has no ID part.
//     tenant.created repeats the ID in its payload.
//   - Creating a tenant that exists fails with domain.ErrAlreadyExists; any
//     other command on a tenant that does not exist, with domain.ErrNotFound.
//     Fields are validated before the state is looked at.
//   - The profile is normalized (Profile.Normalize; Regimes never null) and
//     validated with field names prefixed "profile.". A profile change must
//     give a reason. Renaming to the same name, changing the profile to one
//     with the same facts or the SLA to the same policy records nothing.
//   - An SLA policy names minutes to acknowledge and to resolve for every
//     severity (1 to MaxSLAMinutes, resolve no sooner than acknowledge).
//     Create without a policy gets DefaultSLA; ChangeSLA must give the whole
//     policy. Field names look like "sla.acknowledgeMinutes.critical".
//   - Names are trimmed, 1 to MaxNameLen characters, with no control
//     characters. Event times are the command's business time, in UTC.
//   - A legal hold keeps every log event of the tenant from expiring while
//     it is in force (State.LegalHold.Held). Placing and releasing it need a
//     reason: one trimmed line of at most MaxHoldReasonLen characters; the
//     optional reference (the matter or request, one line of at most
//     MaxHoldReferenceLen characters) is recorded when placing. Placing a
//     hold on a tenant already on hold, or releasing one not on hold, records
//     nothing, whatever the reason: to change a hold's reason, release it and
//     place it again. Both need the tenant to exist (domain.ErrNotFound).
package tenant
