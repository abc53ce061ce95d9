// Package graph is socledger's GraphQL API: the schema (graph/*.graphqls), the
// code gqlgen generates from it, the resolvers, and authentication and
// role-based, tenant-scoped authorisation. Queries read from projections;
// mutations execute commands against the event store and return the position
// they wrote; subscriptions (alert queue, incident timeline, resumable event
// stream) are served over WebSocket, SSE and HTTP. It imports only
// projections, eventstore and domain. Not built yet: the schema, the generated
// code, the resolvers and auth.
package graph
