package engine

import (
	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/sigma"
)

// MatchAll exposes matchAll to the tests: every routed rule, no prefilter.
func (e *Engine) MatchAll(ev detection.Event, ls detection.Logsource, fn func(*sigma.Rule)) {
	e.matchAll(ev, ls, fn)
}
