// Package cow gives aggregate states lists that Evolve can grow in amortised
// constant time while every older version of the state keeps seeing exactly
// the elements it saw: a fold appends in place, and a version that was
// already extended by someone else (a sibling) copies instead.
//
// An Array is a backing array that several versions of a list share, each
// seeing a prefix of it. Used counts the elements some version has written;
// a version may write the next element in place only if its length equals
// used, which it claims with a compare-and-swap, so concurrent evolves of one
// state are safe. Updates and removals copy the list.
package cow

import "sync/atomic"

// Array is a shared backing array; the zero value is not used: the
// functions below return the Array a list lives in.
type Array[T any] struct {
	arr  []T // len(arr) == cap(arr); never re-sliced
	used atomic.Int64
}

// Push returns s with v appended, and the Array it now lives in. The returned
// slice's capacity is clipped, so a caller's own append copies.
func Push[T any](s []T, a *Array[T], v T) ([]T, *Array[T]) {
	n := len(s)
	if a != nil && n < len(a.arr) && (n == 0 || &s[0] == &a.arr[0]) && a.used.CompareAndSwap(int64(n), int64(n)+1) {
		a.arr[n] = v
		return a.arr[: n+1 : n+1], a
	}
	na := copied(s, n+1, n+1)
	na.arr[n] = v
	return na.arr[: n+1 : n+1], na
}

// Replace returns a copy of s with s[i] = v, in a new Array with some room
// for the appends that follow.
func Replace[T any](s []T, i int, v T) ([]T, *Array[T]) {
	a := copied(s, len(s), len(s)/4)
	a.arr[i] = v
	return a.arr[:len(s):len(s)], a
}

// Remove returns a copy of s without s[i], in a new Array.
func Remove[T any](s []T, i int) ([]T, *Array[T]) {
	n := len(s) - 1
	a := copied(s[:i], n, n/4)
	copy(a.arr[i:], s[i+1:])
	return a.arr[:n:n], a
}

// copied returns a new Array for n elements and room more (at least 8 in
// all) holding a copy of s, len(s) <= n.
func copied[T any](s []T, n, room int) *Array[T] {
	a := &Array[T]{arr: make([]T, max(8, n+room))}
	copy(a.arr, s)
	a.used.Store(int64(n))
	return a
}
