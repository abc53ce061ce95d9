package main

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// TestDetectCorrelationAndFilter: a filter removes the matches of the rule
// it names on the hosts it selects, and an event_count correlation over the
// remaining failed logons fires once a user reaches the threshold within the
// window, with its group in the output.
func TestDetectCorrelationAndFilter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	writeFile(t, filepath.Join(rules, "failed_logon.yml"), `title: Failed logon
id: 0e95725d-7320-415d-80f7-004da920fc11
name: failed_logon
level: low
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
`)
	writeFile(t, filepath.Join(rules, "brute_force.yml"), `title: Brute force against one account
id: 0e95725d-7320-415d-80f7-004da920fc12
level: high
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - TargetUserName
    timespan: 5m
    generate: true # also report the failed logons themselves
    condition:
        gte: 3
`)
	writeFile(t, filepath.Join(rules, "filter_lab.yml"), `title: Lab hosts are noisy
id: 0e95725d-7320-415d-80f7-004da920fc13
logsource:
    product: windows
filter:
    rules:
        - failed_logon
    selection:
        Computer|startswith: 'LAB-'
    condition: not selection
`)
	var lines []string
	logon := func(sec int, user, host string) {
		lines = append(lines, fmt.Sprintf(`{"EventID": 4625, "Channel": "Security", "Computer": %q, "TargetUserName": %q, "TimeCreated_SystemTime": "2026-11-24T10:00:%02dZ"}`, host, user, sec))
	}
	logon(0, "alice", "WS-1")
	logon(10, "alice", "LAB-7") // filtered out: neither reported nor counted
	logon(20, "bob", "WS-2")
	logon(30, "alice", "WS-1")
	logon(40, "alice", "WS-3") // third for alice: the correlation fires
	events := writeFile(t, filepath.Join(dir, "logons.ndjson"), strings.Join(lines, "\n")+"\n")
	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"socledger", "detect", "--rules", rules, events}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("detect: %v\n%s", err, stderr.String())
	}
	var base, corr []detectMatch
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var m detectMatch
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		if m.Correlation != nil {
			corr = append(corr, m)
		} else {
			base = append(base, m)
		}
	}
	if len(base) != 4 {
		t.Errorf("%d failed-logon matches, want 4 (the LAB- host filtered): %+v", len(base), base)
	}
	if len(corr) != 1 {
		t.Fatalf("%d correlation matches, want 1:\n%s", len(corr), stdout.String())
	}
	c := corr[0]
	if c.Level != "high" || c.Index != 4 || c.Correlation.Type != "event_count" || c.Correlation.Group["TargetUserName"] != "alice" || c.Correlation.Count != 3 {
		t.Errorf("correlation match %+v %+v: want alice's third failed logon (index 4), count 3", c, *c.Correlation)
	}
	if !strings.Contains(stderr.String(), "1 filters, 1 correlations") {
		t.Errorf("summary does not count the filter and the correlation: %s", stderr.String())
	}
}
