//go:build !race

package sigma_test

const raceEnabled = false
