package engine_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/engine"
	"github.com/socledger/socledger/detection/sigma"
)

const ruleA = `title: Rule A
id: aaaaaaaa-0000-0000-0000-000000000001
level: high
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        CommandLine|contains: 'mimikatz'
    condition: sel
`

const ruleB = `title: Rule B
id: bbbbbbbb-0000-0000-0000-000000000002
level: low
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        CommandLine|contains: 'rubeus'
    condition: sel
`

const correlation = `title: Many failed logons
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [TargetUserName]
    timespan: 5m
    condition:
        gte: 10
`

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func procEvent(cmd string) (detection.Event, detection.Logsource) {
	return detection.Event{"EventID": "1", "Image": `C:\x\tool.exe`, "CommandLine": cmd},
		detection.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"}
}

func matchIDs(e *engine.Engine, ev detection.Event, ls detection.Logsource) []string {
	var ids []string
	e.Match(ev, ls, func(r *sigma.Rule) { ids = append(ids, r.ID) })
	return ids
}

// TestLoadReportsEveryRuleThatCannotLoad: a broken rule, a correlation rule
// and a YAML syntax error are each reported with file and reason, and the
// good rule still loads and matches.
func TestLoadReportsEveryRuleThatCannotLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yml"), ruleA)
	write(t, filepath.Join(dir, "x", "corr.yml"), correlation)
	write(t, filepath.Join(dir, "x", "syntax.yaml"), "title: [unclosed\n")
	write(t, filepath.Join(dir, "x", "notes.txt"), "not a rule")
	e, rep, err := engine.Load([]string{dir}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 3 || rep.Loaded != 1 || len(rep.Skipped) != 2 {
		t.Fatalf("report %+v: want 3 files, 1 loaded, 2 skipped", rep)
	}
	for _, s := range rep.Skipped {
		if s.File == "" || s.Reason == "" || s.Err == nil || rep.ByReason[s.Reason] == 0 {
			t.Errorf("skipped rule without file, reason or count: %+v", s)
		}
	}
	ev, ls := procEvent(`mimikatz.exe "sekurlsa::logonpasswords"`)
	if got := matchIDs(e, ev, ls); len(got) != 1 {
		t.Fatalf("matches %v, want rule A", got)
	}
	ev, ls = procEvent("notepad.exe")
	if got := matchIDs(e, ev, ls); len(got) != 0 {
		t.Fatalf("benign event matched %v", got)
	}
	ev, _ = procEvent("mimikatz")
	if got := matchIDs(e, ev, detection.Logsource{Product: "linux", Category: "process_creation"}); len(got) != 0 {
		t.Fatalf("a Windows rule matched a Linux event: %v", got)
	}
}

// TestReloadSwapsAtomically: matching goes on while a changed tree is
// reloaded, and every match sees either the old or the new rule set.
func TestReloadSwapsAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yml"), ruleA)
	set, _, err := engine.NewSet([]string{dir}, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev, ls := procEvent("mimikatz then rubeus")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if got := matchIDs(set.Engine(), ev, ls); len(got) != 1 && len(got) != 2 {
				t.Errorf("a match saw %v, neither the old set nor the new one", got)
				return
			}
		}
	}()
	write(t, filepath.Join(dir, "b.yml"), ruleB)
	rep, err := set.Reload()
	if err != nil || rep.Loaded != 2 {
		t.Fatalf("reload: %+v, %v", rep, err)
	}
	close(stop)
	wg.Wait()
	if got := matchIDs(set.Engine(), ev, ls); len(got) != 2 {
		t.Fatalf("after reload: %v, want both rules", got)
	}
}
