// Package detectiontest helps the detection packages' tests find the shared
// public test material (SigmaHQ rules, conformance cases, real logs), which
// lives beside the project root as ../shared/data.
package detectiontest

import (
	"os"
	"path/filepath"
	"testing"
)

// SharedData returns the path of ../shared/data (joined with sub), found
// by walking up from the test's working directory to go.mod. It skips the
// test with a message saying what is missing when the path does not exist:
// the project's own fixtures cover its core behaviour without it.
func SharedData(t testing.TB, sub ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the working directory; cannot locate ../shared/data")
		}
		dir = parent
	}
	path := filepath.Join(append([]string{dir, "..", "shared", "data"}, sub...)...)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared test data %s is absent (%v); it lives beside the project root as ../shared/data", path, err)
	}
	return path
}
