package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/sigma"
)

// A prefilter narrows the rules of a route to those that can match an
// event, in one pass over the event's text. Each rule's RequiredLiterals are
// clauses of literals (see sigma.Compiled.RequiredLiterals): a rule is tried
// only if every clause has a literal somewhere in the event's folded texts.
//
// The pass slides over each folded text and looks up every 4-byte window in
// a 64 Ki-bit Bloom filter of the literals' first four bytes; a hit is
// checked against the literals starting with those bytes. Literals of two or
// three bytes are found the same way through a direct table of their first
// two bytes, and one-byte literals through a table of bytes. A rule is
// registered under the
// literals of its most selective clause; its other clauses are checked only
// when that one is satisfied, and Match decides.
type prefilter struct {
	rules  []*sigma.Compiled
	lits   [][]byte
	bloom  []uint64
	heads  map[uint32][]int32 // first 4 bytes → literals of 4 bytes or more
	bits2  []uint64           // first 2 bytes of the 2- and 3-byte literals
	heads2 map[uint16][]int32
	heads1 [256][]int32 // one-byte literals
	byLit  [][]int32    // literal → rules registered under it
	others [][][]int32  // rule → its clauses other than the registered one
	always []int32      // rules without required literals

	scratch sync.Pool // *pfScratch
}

type pfScratch struct {
	found   []bool
	foundAt []int32 // literal ids set in found, to reset
	stamp   []uint32
	epoch   uint32
	buf     []byte
	hits    []int32
}

const bloomBits = 1 << 16

func bloomIndex(k uint32) uint32 { return (k * 0x9E3779B1) >> (32 - 16) }

func newPrefilter(rules []*sigma.Compiled) *prefilter {
	p := &prefilter{rules: rules, bloom: make([]uint64, bloomBits/64), heads: make(map[uint32][]int32),
		bits2: make([]uint64, 1<<16/64), heads2: make(map[uint16][]int32), others: make([][][]int32, len(rules))}
	ids := make(map[string]int32)
	lit := func(s string) int32 {
		if id, ok := ids[s]; ok {
			return id
		}
		id := int32(len(p.lits))
		ids[s] = id
		p.lits = append(p.lits, []byte(s))
		p.byLit = append(p.byLit, nil)
		switch {
		case len(s) == 1:
			p.heads1[s[0]] = append(p.heads1[s[0]], id)
		case len(s) < 4:
			k := binary.LittleEndian.Uint16([]byte(s[:2]))
			p.heads2[k] = append(p.heads2[k], id)
			p.bits2[k/64] |= 1 << (k % 64)
		default:
			k := binary.LittleEndian.Uint32([]byte(s[:4]))
			p.heads[k] = append(p.heads[k], id)
			b := bloomIndex(k)
			p.bloom[b/64] |= 1 << (b % 64)
		}
		return id
	}
	for ri, r := range rules {
		clauses := r.RequiredLiterals()
		if len(clauses) == 0 {
			p.always = append(p.always, int32(ri))
			continue
		}
		best := 0
		for i, c := range clauses {
			if selectivity(c) > selectivity(clauses[best]) {
				best = i
			}
		}
		for i, c := range clauses {
			idsOf := make([]int32, len(c))
			for j, s := range c {
				idsOf[j] = lit(s)
			}
			if i == best {
				for _, id := range idsOf {
					p.byLit[id] = append(p.byLit[id], int32(ri))
				}
			} else {
				p.others[ri] = append(p.others[ri], idsOf)
			}
		}
	}
	p.scratch.New = func() any {
		return &pfScratch{found: make([]bool, len(p.lits)), stamp: make([]uint32, len(rules))}
	}
	return p
}

// selectivity ranks a clause by its shortest literal (a short literal is
// found in many events), then by how few literals it has.
func selectivity(c []string) int {
	shortest := 1 << 30
	for _, s := range c {
		shortest = min(shortest, len(s))
	}
	return shortest*8 - min(len(c), 7)
}

// match calls fn for each rule of the route that matches ev, in rule order.
func (p *prefilter) match(ev detection.Event, fn func(*sigma.Rule)) {
	s := p.scratch.Get().(*pfScratch)
	defer p.scratch.Put(s)
	s.epoch++
	if s.epoch == 0 { // wrapped: stamps from 2^32 events ago could collide
		clear(s.stamp)
		s.epoch = 1
	}
	for _, v := range ev {
		p.scanValue(s, v)
	}
	s.hits = s.hits[:0]
	for _, id := range s.foundAt {
		for _, ri := range p.byLit[id] {
			if s.stamp[ri] == s.epoch {
				continue
			}
			s.stamp[ri] = s.epoch
			if p.satisfied(s, ri) {
				s.hits = append(s.hits, ri)
			}
		}
	}
	for _, id := range s.foundAt {
		s.found[id] = false
	}
	s.foundAt = s.foundAt[:0]
	s.hits = append(s.hits, p.always...)
	slices.Sort(s.hits)
	for _, ri := range s.hits {
		if r := p.rules[ri]; r.Match(ev) {
			fn(r.Rule())
		}
	}
}

func (p *prefilter) satisfied(s *pfScratch, ri int32) bool {
	for _, clause := range p.others[ri] {
		if !slices.ContainsFunc(clause, func(id int32) bool { return s.found[id] }) {
			return false
		}
	}
	return true
}

func (p *prefilter) scanValue(s *pfScratch, v any) {
	switch v := v.(type) {
	case string:
		p.scanText(s, v)
	case json.Number:
		p.scanText(s, string(v))
	case bool:
		if v {
			p.scanText(s, "true")
		} else {
			p.scanText(s, "false")
		}
	case []any:
		for _, item := range v {
			p.scanValue(s, item)
		}
	}
}

// scanText marks the literals found in the folded text t.
func (p *prefilter) scanText(s *pfScratch, t string) {
	b := s.fold(t)
	for i := range b {
		for _, id := range p.heads1[b[i]] {
			s.mark(id)
		}
		if i+2 > len(b) {
			break
		}
		if k2 := binary.LittleEndian.Uint16(b[i:]); p.bits2[k2/64]&(1<<(k2%64)) != 0 {
			p.check(s, b[i:], p.heads2[k2])
		}
		if i+4 > len(b) {
			continue
		}
		k := binary.LittleEndian.Uint32(b[i:])
		if bi := bloomIndex(k); p.bloom[bi/64]&(1<<(bi%64)) != 0 {
			p.check(s, b[i:], p.heads[k])
		}
	}
}

// check marks the literals of ids that start at the beginning of b.
func (p *prefilter) check(s *pfScratch, b []byte, ids []int32) {
	for _, id := range ids {
		if !s.found[id] && bytes.HasPrefix(b, p.lits[id]) {
			s.mark(id)
		}
	}
}

func (s *pfScratch) mark(id int32) {
	if !s.found[id] {
		s.found[id] = true
		s.foundAt = append(s.foundAt, id)
	}
}

// fold returns t in sigma.FoldCase form, in the scratch buffer when t is
// ASCII.
func (s *pfScratch) fold(t string) []byte {
	s.buf = s.buf[:0]
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= utf8.RuneSelf {
			s.buf = append(s.buf[:0], sigma.FoldCase(t)...)
			return s.buf
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		s.buf = append(s.buf, c)
	}
	return s.buf
}
