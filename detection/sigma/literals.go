package sigma

import (
	"slices"
	"strings"
)

// RequiredLiterals describes, for a prefilter that decides which rules to
// try on an event, literal text that any event matching c must contain. It
// returns nil when no such description can be derived (the rule may match
// events without any particular text: a negation at the top, a numeric or
// CIDR test, a regular expression, a lone wildcard, a null test).
//
// Otherwise the result is a conjunction of clauses, each a non-empty
// disjunction of non-empty literals in FoldCase form. The guarantee is: if
// c.Match(ev) is true, then for every clause at least one of its literals is
// a substring of FoldCase(t) for at least one text t of ev. The texts of an
// event are its string values, the text of its json.Number values, "true"
// and "false" for its booleans, and the same for the items of list values;
// field names are not texts. A literal never spans two texts, but two clauses
// may be satisfied by different texts. So a prefilter that finds, in the
// folded texts of an event, no literal of some clause may skip the rule;
// one that finds literals of every clause must still call Match. The
// clauses are few (at most 8) and chosen to be selective; their order means
// nothing. The result must not be modified.
func (c *Compiled) RequiredLiterals() [][]string {
	return c.literals
}

// cnf is a conjunction of clauses, each a disjunction of literals; nil means
// no constraint.
type cnf [][]string

const (
	maxClauses        = 8
	maxReduceLiterals = 256
)

// bestLiteral returns the longest literal run of a pattern, folded, or "".
func bestLiteral(a sstr) string {
	best := ""
	for _, it := range a {
		if it.kind == itemLit && len(it.text) > len(best) {
			best = it.text
		}
	}
	return FoldCase(best)
}

// fieldCNF combines the literal clauses of a field's values: with all, every
// constrained value gives a clause; otherwise one clause holds them all, and
// one unconstrained value leaves the field unconstrained.
func fieldCNF(lits [][]string, all bool) cnf {
	var out cnf
	if all {
		for _, l := range lits {
			if l != nil {
				out = append(out, l)
			}
		}
		return out
	}
	var clause []string
	for _, l := range lits {
		if l == nil {
			return nil
		}
		clause = append(clause, l...)
	}
	if len(clause) == 0 {
		return nil
	}
	return cnf{clause}
}

// andCNF is the conjunction: all clauses of all parts.
func andCNF(parts []cnf) cnf {
	var out cnf
	for _, p := range parts {
		out = append(out, p...)
	}
	return out.trim()
}

// orCNF is a weakening of the disjunction: the union of the most selective
// clause of each part (if every part implies its clause, the disjunction
// implies their union). One unconstrained part leaves it unconstrained.
func orCNF(parts []cnf) cnf {
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	var clause []string
	for _, p := range parts {
		if len(p) == 0 {
			return nil
		}
		clause = append(clause, p.best()...)
	}
	return cnf{reduce(clause)}
}

// score orders clauses by selectivity: a longer shortest literal first, then
// fewer literals.
func score(c []string) (int, int) {
	shortest := -1
	for _, l := range c {
		if shortest < 0 || len(l) < shortest {
			shortest = len(l)
		}
	}
	return shortest, -len(c)
}

func better(a, b []string) bool {
	sa, na := score(a)
	sb, nb := score(b)
	return sa > sb || (sa == sb && na > nb)
}

func (c cnf) best() []string {
	var best []string
	for _, cl := range c {
		if best == nil || better(cl, best) {
			best = cl
		}
	}
	return best
}

// trim reduces each clause, drops duplicates and keeps the most selective
// maxClauses clauses (dropping a clause only weakens the conjunction).
func (c cnf) trim() cnf {
	if len(c) == 0 {
		return nil
	}
	out := make(cnf, 0, len(c))
	seen := map[string]bool{}
	for _, cl := range c {
		cl = reduce(cl)
		key := strings.Join(cl, "\x00")
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, cl)
	}
	slices.SortStableFunc(out, func(a, b []string) int {
		switch {
		case better(a, b):
			return -1
		case better(b, a):
			return 1
		}
		return 0
	})
	if len(out) > maxClauses {
		out = out[:maxClauses]
	}
	return out
}

// reduce sorts and deduplicates a clause and drops literals that contain
// another literal of the clause (if the longer is present so is the shorter,
// so the clause means the same without it).
func reduce(clause []string) []string {
	out := slices.Clone(clause)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > maxReduceLiterals {
		return out
	}
	kept := out[:0:0]
	for i, l := range out {
		implied := false
		for j, m := range out {
			if i != j && len(m) < len(l) && strings.Contains(l, m) {
				implied = true
				break
			}
		}
		if !implied {
			kept = append(kept, l)
		}
	}
	return kept
}

// finish returns the final form of the literals of a rule.
func (c cnf) finish() [][]string {
	c = c.trim()
	if len(c) == 0 {
		return nil
	}
	return c
}
