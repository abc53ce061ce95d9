// Package tenant is the tenant aggregate: a client organisation of the SOC,
// with its name, its SLA policy (minutes to acknowledge per severity) and its
// entity profile, the facts the NIS2 / DORA / GDPR reporting clocks depend on
// (regimes, NIS2 class, TSP flag, entity types, Member State, time zone,
// holiday calendar, month rule). Its stream is "tenant-<tenant>".
package tenant
