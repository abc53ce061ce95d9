package normalize_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/normalize"
)

func TestDefaultMappingText(t *testing.T) {
	t.Parallel()
	m, err := normalize.LoadMapping(bytes.NewReader(normalize.DefaultMappingYAML()))
	if err != nil {
		t.Fatalf("embedded default mapping: %v", err)
	}
	if m == nil || normalize.Default() == nil {
		t.Fatal("nil mapping")
	}
}

const customMapping = `
title: custom
logsources:
  myapp_proc:
    product: windows
    category: process_creation
    conditions:
      app: edr
      kind: [ProcStart, ProcessStart]
      Channel: null
    fieldmappings:
      Image: [proc.path, proc.image]
      CommandLine: proc.cmd
  myapp:
    rewrite: {product: windows, service: myedr}
    conditions: {app: edr}
  thor_style:
    product: windows
    service: legacy
    sources: ['WinEventLog:Legacy App', 'File:/var/log/x.log']
  files_only:
    category: webserver
    sources: ['File:/var/log/apache/*.log']
categories:
  process_creation: [process_event]
`

func TestCustomMapping(t *testing.T) {
	t.Parallel()
	m, err := normalize.LoadMapping(strings.NewReader(customMapping))
	if err != nil {
		t.Fatal(err)
	}
	ev, ls, _ := m.Normalize(map[string]any{"app": "EDR", "kind": "processstart", "proc": map[string]any{"image": "/bin/sh", "cmd": "sh -c id"}})
	if want := (detection.Logsource{Product: "windows", Category: "process_creation", Service: "myedr"}); ls != want {
		t.Errorf("logsource = %+v, want %+v", ls, want)
	}
	if ev["Image"] != "/bin/sh" || ev["CommandLine"] != "sh -c id" || ev["proc.image"] != "/bin/sh" {
		t.Errorf("fieldmappings not applied: %v", ev)
	}
	if !m.Matches(detection.Logsource{Category: "process_event"}, ls) {
		t.Error("custom categories not applied")
	}
	if m.Matches(detection.Logsource{Category: "registry_event"}, detection.Logsource{Category: "registry_set"}) {
		t.Error("a categories section replaces the default nesting")
	}

	// A Channel makes the null condition fail; the other entry still holds.
	_, ls, _ = m.Normalize(map[string]any{"app": "edr", "kind": "ProcStart", "Channel": "x"})
	if want := (detection.Logsource{Product: "windows", Service: "myedr"}); ls != want {
		t.Errorf("with Channel: logsource = %+v, want %+v", ls, want)
	}

	_, ls, _ = m.Normalize(map[string]any{"EventID": 1, "Channel": "legacy app"})
	if want := (detection.Logsource{Product: "windows", Service: "legacy"}); ls != want {
		t.Errorf("sources: logsource = %+v, want %+v", ls, want)
	}
}

func TestLoadMappingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		give     string
		wantLine int
		wantText string
	}{
		{"yaml syntax", "logsources:\n  a:\n\tproduct: x\n", 3, "cannot start any token"},
		{"empty", "", 0, "empty"},
		{"no logsources", "title: x\n", 1, "no logsources"},
		{"unknown top key", "logsources: {}\nfieldmapping: {}\n", 2, `unknown key "fieldmapping"`},
		{"unknown entry key", "logsources:\n  a:\n    conditions: {EventID: 1}\n    prodcut: windows\n", 4, `unknown key "prodcut"`},
		{"no conditions", "logsources:\n  a:\n    product: windows\n", 3, "no conditions"},
		{"condition object", "logsources:\n  a:\n    conditions:\n      EventID: {a: 1}\n", 4, "condition EventID"},
		{"empty list", "logsources:\n  a:\n    conditions:\n      EventID: []\n", 4, "empty list"},
		{"fieldmapping object", "logsources:\n  a:\n    conditions: {EventID: 1}\n    fieldmappings:\n      Image: {x: y}\n", 5, "fieldmapping Image"},
		{"product list", "logsources:\n  a:\n    product: [a, b]\n    conditions: {EventID: 1}\n", 3, "product: want a single value"},
		{"rewrite key", "logsources:\n  a:\n    conditions: {EventID: 1}\n    rewrite: {os: x}\n", 4, `rewrite: unknown key "os"`},
		{"sources and channel", "logsources:\n  a:\n    conditions: {Channel: A}\n    sources: ['WinEventLog:B']\n", 4, "both sources"},
		{"categories list of maps", "logsources: {}\ncategories:\n  a: [{b: c}]\n", 3, "categories: a"},
		{"not a mapping", "- a\n- b\n", 1, "want a mapping"},
	}
	for _, tt := range tests {
		_, err := normalize.LoadMapping(strings.NewReader(tt.give))
		var me *normalize.MappingError
		if !errors.As(err, &me) {
			t.Errorf("%s: err = %v, want *MappingError", tt.name, err)
			continue
		}
		if me.Line != tt.wantLine || !strings.Contains(me.Error(), tt.wantText) {
			t.Errorf("%s: %v (line %d), want line %d and %q", tt.name, err, me.Line, tt.wantLine, tt.wantText)
		}
	}
}

func TestAliasesInMapping(t *testing.T) {
	t.Parallel()
	const yml = `
logsources:
  a:
    category: c
    conditions: {k: v}
    fieldmappings: &fm
      X: x
  b:
    category: d
    conditions: {k: w}
    fieldmappings: *fm
`
	m, err := normalize.LoadMapping(strings.NewReader(yml))
	if err != nil {
		t.Fatal(err)
	}
	ev, ls, _ := m.Normalize(map[string]any{"k": "w", "x": "1"})
	if ls.Category != "d" || ev["X"] != "1" {
		t.Errorf("alias: %+v %v", ls, ev)
	}
}
