package cow_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/socledger/socledger/domain/internal/cow"
)

func TestVersionsKeepWhatTheySaw(t *testing.T) {
	t.Parallel()
	var a *cow.Array[int]
	var s []int
	for i := range 20 {
		s, a = cow.Push(s, a, i)
	}
	base, baseArr := s, a
	left, _ := cow.Push(base, baseArr, 100)  // extends in place
	right, _ := cow.Push(base, baseArr, 200) // a sibling: must copy
	if left[20] != 100 || right[20] != 200 || len(base) != 20 {
		t.Fatalf("siblings interfere: left %v right %v", left[20:], right[20:])
	}
	upd, _ := cow.Replace(base, 3, -3)
	rem, _ := cow.Remove(base, 0)
	if base[3] != 3 || upd[3] != -3 || rem[0] != 1 || len(rem) != 19 || base[0] != 0 {
		t.Fatalf("update or removal changed the base: %v", base)
	}
	if want := append(slices.Clone(base), 100); !slices.Equal(left, want) {
		t.Fatalf("left %v", left)
	}
}

func TestConcurrentSiblings(t *testing.T) {
	t.Parallel()
	var a *cow.Array[int]
	var s []int
	for i := range 5 {
		s, a = cow.Push(s, a, i)
	}
	var wg sync.WaitGroup
	results := make([][]int, 8)
	for g := range results {
		wg.Go(func() {
			r, ra := s, a
			for i := range 100 {
				r, ra = cow.Push(r, ra, g*1000+i)
			}
			results[g] = r
		})
	}
	wg.Wait()
	for g, r := range results {
		for i := range 100 {
			if r[5+i] != g*1000+i {
				t.Fatalf("version %d sees %d at %d: another version wrote into it", g, r[5+i], 5+i)
			}
		}
	}
}
