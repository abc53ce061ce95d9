// Package domaintest holds the test helpers the domain packages share:
// CheckSamples checks an aggregate's codec against its sample payloads, and
// RunDecider runs given / when / then rows against a decider. Only tests
// import it.
package domaintest
