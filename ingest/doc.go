// Package ingest takes log lines in from sources (HTTP NDJSON, syslog RFC 5424
// and RFC 3164 over UDP and TCP, CEF, Suricata EVE, ECS / Wazuh JSON),
// normalises each into one flat event with the field names Sigma rules expect,
// appends it to its tenant's log stream, runs detection over it and raises or
// recurs alerts. A batch is acknowledged only once it is durable; overload is
// answered with backpressure (HTTP 429, slower TCP reads), never by dropping
// lines. It imports only detection, eventstore and domain. Not built yet: the
// listeners, the parsers, the normaliser and the batching.
package ingest
