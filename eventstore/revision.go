package eventstore

import "strconv"

// ExpectedRevision is the state a stream must be in for an append to go
// ahead: Any, NoStream, StreamExists or Exact(n). It also describes a
// stream's actual state in a WrongExpectedVersionError (NoStream or Exact).
type ExpectedRevision struct {
	kind revisionKind
	rev  uint64
}

type revisionKind uint8

const (
	kindAny revisionKind = iota
	kindNoStream
	kindStreamExists
	kindExact
)

var (
	// Any appends whatever the stream's state.
	Any = ExpectedRevision{kind: kindAny}
	// NoStream appends only if the stream has no events.
	NoStream = ExpectedRevision{kind: kindNoStream}
	// StreamExists appends only if the stream has at least one event.
	StreamExists = ExpectedRevision{kind: kindStreamExists}
)

// Exact appends only if the stream's last event has revision rev.
func Exact(rev uint64) ExpectedRevision { return ExpectedRevision{kind: kindExact, rev: rev} }

// Revision returns the exact revision and true, or 0 and false for Any,
// NoStream and StreamExists.
func (e ExpectedRevision) Revision() (uint64, bool) { return e.rev, e.kind == kindExact }

// IsAny, IsNoStream and IsStreamExists report the special kinds.
func (e ExpectedRevision) IsAny() bool { return e.kind == kindAny }

// IsNoStream reports whether e is NoStream.
func (e ExpectedRevision) IsNoStream() bool { return e.kind == kindNoStream }

// IsStreamExists reports whether e is StreamExists.
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == kindStreamExists }

// Allows reports whether a stream whose current state is actual (NoStream or
// Exact) satisfies e.
func (e ExpectedRevision) Allows(actual ExpectedRevision) bool {
	switch e.kind {
	case kindAny:
		return true
	case kindNoStream:
		return actual.kind == kindNoStream
	case kindStreamExists:
		return actual.kind == kindExact
	default:
		return actual.kind == kindExact && actual.rev == e.rev
	}
}

func (e ExpectedRevision) String() string {
	switch e.kind {
	case kindAny:
		return "any"
	case kindNoStream:
		return "no stream"
	case kindStreamExists:
		return "stream exists"
	default:
		return strconv.FormatUint(e.rev, 10)
	}
}
