package engine

import "sync/atomic"

// Set holds the current Engine of a rules tree and swaps in a new one on
// Reload, atomically: a Match in progress finishes on the engine it started
// with, and no Match ever sees a half-loaded rule set.
type Set struct {
	dirs []string
	opts Options
	cur  atomic.Pointer[Engine]
}

// NewSet loads the rules under dirs.
func NewSet(dirs []string, opts Options) (*Set, Report, error) {
	s := &Set{dirs: dirs, opts: opts}
	rep, err := s.Reload()
	if err != nil {
		return nil, rep, err
	}
	return s, rep, nil
}

// Engine returns the current engine.
func (s *Set) Engine() *Engine { return s.cur.Load() }

// Reload loads the rules tree again and, if the directories could be read,
// swaps the new engine in. On error the current engine stays.
func (s *Set) Reload() (Report, error) {
	e, rep, err := Load(s.dirs, s.opts)
	if err != nil {
		return rep, err
	}
	s.cur.Store(e)
	return rep, nil
}
