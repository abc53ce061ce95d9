package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const whoamiRule = `title: Whoami Execution
id: 11111111-2222-3333-4444-555555555555
status: test
level: medium
tags:
    - attack.discovery
    - attack.t1033
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
`

const brokenRule = `title: Broken
logsource:
    product: windows
detection:
    selection:
        Image|nosuchmodifier: x
    condition: selection
`

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDetect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	writeFile(t, filepath.Join(rules, "whoami.yml"), whoamiRule)
	writeFile(t, filepath.Join(rules, "sub", "broken.yml"), brokenRule)
	// A Sysmon event in evtx_dump layout spread over several lines, then a
	// flat Security 4688 event, then a benign one: JSON objects one after
	// another, as the SigmaHQ regression files are.
	events := writeFile(t, filepath.Join(dir, "events.json"), `{"Event": {
  "System": {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "ws1"},
  "EventData": {"Image": "C:\\Windows\\System32\\whoami.exe", "CommandLine": "whoami /all"}
}}
{"EventID": 4688, "Channel": "Security", "NewProcessName": "C:\\Windows\\System32\\WHOAMI.EXE"}
{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\Windows\\notepad.exe"}
`)
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"socledger", "detect", "--rules", rules, events}, func(string) string { return "" }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("detect: %v\n%s", err, stderr.String())
	}
	var got []detectMatch
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var m detectMatch
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		got = append(got, m)
	}
	want := []detectMatch{
		{RuleID: "11111111-2222-3333-4444-555555555555", RuleTitle: "Whoami Execution", Level: "medium", Tags: []string{"attack.discovery", "attack.t1033"}, File: events, Line: 1, Index: 0},
		{RuleID: "11111111-2222-3333-4444-555555555555", RuleTitle: "Whoami Execution", Level: "medium", Tags: []string{"attack.discovery", "attack.t1033"}, File: events, Line: 5, Index: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d matches %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].RuleID != want[i].RuleID || got[i].Line != want[i].Line || got[i].Index != want[i].Index ||
			got[i].File != want[i].File || got[i].Level != want[i].Level || strings.Join(got[i].Tags, ",") != strings.Join(want[i].Tags, ",") {
			t.Errorf("match %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	summary := stderr.String()
	for _, s := range []string{"3 events", "2 matches", "1 rules loaded", "1 skipped", "unsupported"} {
		if !strings.Contains(summary, s) {
			t.Errorf("summary %q does not say %q", summary, s)
		}
	}
}

func TestDetectBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	writeFile(t, filepath.Join(rules, "whoami.yml"), whoamiRule)
	good := `{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\x\\whoami.exe"}`
	events := writeFile(t, filepath.Join(dir, "bad.ndjson"), good+"\n"+`{"EventID": 1, "Image": oops}`+"\n"+good+"\n")
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"socledger", "detect", "--rules", rules, events}, func(string) string { return "" }, &stdout, &stderr)
	if err == nil {
		t.Fatal("detect accepted malformed input")
	}
	if !strings.Contains(stderr.String(), events+":2") {
		t.Errorf("the error does not name the file and line %s:2:\n%s", events, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"index":0`) || !strings.Contains(stdout.String(), `"line":3,"index":2`) {
		t.Errorf("the matches before and after the bad line were not both printed:\n%s", stdout.String())
	}
}

func TestDetectNeedsRules(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), []string{"socledger", "detect", "x.json"}, func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--rules") {
		t.Fatalf("detect without --rules: %v", err)
	}
}
