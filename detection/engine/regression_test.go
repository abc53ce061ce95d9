package engine_test

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/socledger/socledger/detection/detectiontest"
	"github.com/socledger/socledger/detection/engine"
	"github.com/socledger/socledger/detection/eventio"
	"github.com/socledger/socledger/detection/normalize"
	"github.com/socledger/socledger/detection/sigma"
)

// sharedData returns ../shared/data, or skips the test.
func sharedData(t testing.TB) string {
	t.Helper()
	return detectiontest.SharedData(t)
}

type hit struct {
	file  string
	index int
	rule  string
}

// TestSigmaHQRegression runs the whole shared SigmaHQ rule set over the
// SigmaHQ regression events (evtx_dump layout, some files with several
// objects one after another) and checks every expected match of
// expected_matches.csv: the AUTHORITATIVE rows come from SigmaHQ's own
// info.yml files, the computed rows from a reference evaluation.
func TestSigmaHQRegression(t *testing.T) {
	t.Parallel()
	data := sharedData(t)
	eng, rep, err := engine.Load([]string{filepath.Join(data, "sigma-rules")}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rules: %d files, %d loaded, %d skipped (load rate %.2f%%), by reason %v",
		rep.Files, rep.Loaded, len(rep.Skipped), 100*rep.LoadRate(), rep.ByReason)
	for _, s := range rep.Skipped {
		if s.Err == nil || s.Reason == "" || s.File == "" {
			t.Errorf("a skipped rule must name its file and reason: %+v", s)
		}
	}

	f, err := os.Open(filepath.Join(data, "sigma-conformance", "sigmahq-regression", "expected_matches.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	mapping := normalize.Default()
	got := make(map[hit]bool)
	read := make(map[string]bool)
	checked := 0
	for _, row := range rows[1:] {
		eventFile, indexes, ruleID, kind := row[0], row[1], row[3], row[6]
		if !read[eventFile] {
			read[eventFile] = true
			matchFile(t, eng, mapping, filepath.Join(data, eventFile), eventFile, got)
		}
		for _, ix := range strings.Fields(indexes) {
			i, err := strconv.Atoi(ix)
			if err != nil {
				t.Fatalf("bad index %q in expected_matches.csv", ix)
			}
			checked++
			if !got[hit{eventFile, i, ruleID}] {
				t.Errorf("%s: rule %s (%s, %s) did not match event %d", eventFile, ruleID, row[4], kind, i)
			}
		}
	}
	t.Logf("%d expected matches checked over %d event files", checked, len(read))
}

func matchFile(t *testing.T, eng *engine.Engine, mapping *normalize.Mapping, path, name string, got map[hit]bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := eventio.NewReader(f, name)
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		ev, ls, _ := mapping.Normalize(rec.Object)
		eng.Match(ev, ls, func(r *sigma.Rule) { got[hit{name, rec.Index, r.ID}] = true })
	}
}

// TestPrefilterAgreesWithFullEvaluation: the literal prefilter may only skip
// rules that cannot match. Over every event of the shared regression data
// and logs (and an upper-cased copy of each, for case folding), the rules
// that match with the prefilter are exactly those that match without it.
func TestPrefilterAgreesWithFullEvaluation(t *testing.T) {
	t.Parallel()
	data := sharedData(t)
	eng, _, err := engine.Load([]string{filepath.Join(data, "sigma-rules")}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mapping := normalize.Default()
	var files []string
	for _, root := range []string{"sigma-conformance/sigmahq-regression/regression_data", "logs"} {
		filepath.WalkDir(filepath.Join(data, root), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".ndjson")) {
				files = append(files, p)
			}
			return nil
		})
	}
	events, matched := 0, 0
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rd := eventio.NewReader(f, path)
		for {
			rec, err := rd.Next()
			if err != nil {
				break // EOF, or a file that is not events (schemas): skip the rest
			}
			ev, ls, _ := mapping.Normalize(rec.Object)
			for _, variant := range []func(string) string{func(s string) string { return s }, strings.ToUpper} {
				e := make(map[string]any, len(ev))
				for k, v := range ev {
					if s, ok := v.(string); ok {
						v = variant(s)
					}
					e[k] = v
				}
				var with, without []string
				eng.Match(e, ls, func(r *sigma.Rule) { with = append(with, r.ID) })
				eng.MatchAll(e, ls, func(r *sigma.Rule) { without = append(without, r.ID) })
				if strings.Join(with, ",") != strings.Join(without, ",") {
					t.Errorf("%s event %d: with the prefilter %v, without %v", path, rec.Index, with, without)
				}
				events++
				matched += len(without)
			}
		}
		f.Close()
	}
	t.Logf("%d events from %d files (with upper-cased copies), %d matches, prefilter agrees", events, len(files), matched)
	if events < 1000 {
		t.Fatalf("only %d events checked", events)
	}
}
