package eventstore

import (
	"fmt"
	"strconv"
	"strings"
)

// Position is a place in the global order of a store's log. Positions are
// opaque: compare them with Compare / Less, store them with String and read
// them back with ParsePosition; never compute with them.
//
// Commit and Prepare follow the two-part positions of KurrentDB /
// EventStoreDB; the embedded store sets both to the same value.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event: reading or subscribing
// "after Start" begins with the first event of the log.
var Start = Position{}

// Compare returns -1, 0 or +1 as p is before, equal to or after q.
func (p Position) Compare(q Position) int {
	switch {
	case p.Commit < q.Commit:
		return -1
	case p.Commit > q.Commit:
		return 1
	case p.Prepare < q.Prepare:
		return -1
	case p.Prepare > q.Prepare:
		return 1
	}
	return 0
}

// Less reports whether p is before q.
func (p Position) Less(q Position) bool { return p.Compare(q) < 0 }

// IsStart reports whether p is Start.
func (p Position) IsStart() bool { return p == Start }

// String formats p as "commit/prepare"; ParsePosition reads it back.
func (p Position) String() string {
	return strconv.FormatUint(p.Commit, 10) + "/" + strconv.FormatUint(p.Prepare, 10)
}

// ParsePosition parses the output of Position.String. A bare number n is read
// as n/n.
func ParsePosition(s string) (Position, error) {
	c, pr, found := strings.Cut(s, "/")
	commit, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("eventstore: position %q: commit part: %w", s, err)
	}
	if !found {
		return Position{Commit: commit, Prepare: commit}, nil
	}
	prepare, err := strconv.ParseUint(pr, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("eventstore: position %q: prepare part: %w", s, err)
	}
	return Position{Commit: commit, Prepare: prepare}, nil
}
