package incident

import (
	"slices"

	"github.com/socledger/socledger/domain"
)

// codec maps every incident event type, case and regulatory, to its Go type.
var codec = newCodec()

func newCodec() *domain.Codec[Event] {
	c := domain.NewCodec[Event]()
	for _, e := range slices.Concat(caseEvents, regulatoryEvents, holdEvents) {
		c.Register(e, 1)
	}
	return c
}

// Codec returns the codec of incident events: every case event
// (CaseEventTypes), every regulatory event (RegulatoryEventTypes) and the
// legal hold events (LegalHoldEventTypes), all at schema 1. It is built
// once; use it from any number of goroutines.
func Codec() *domain.Codec[Event] { return codec }
