package normalize_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/detectiontest"
	"github.com/socledger/socledger/detection/normalize"
	"go.yaml.in/yaml/v3"
)

// sharedData returns ../shared/data, or skips the test.
func sharedData(t testing.TB) string {
	t.Helper()
	return detectiontest.SharedData(t)
}

// ruleLogsource reads the logsource of a Sigma rule file.
func ruleLogsource(t *testing.T, path string) detection.Logsource {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rule struct {
		Logsource detection.Logsource `yaml:"logsource"`
	}
	if err := yaml.Unmarshal(data, &rule); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rule.Logsource
}

// TestRegressionRouting checks, for every row of the SigmaHQ regression
// expectations, that the rule's logsource matches the logsource of each
// event it must fire on.
func TestRegressionRouting(t *testing.T) {
	t.Parallel()
	data := sharedData(t)
	f, err := os.Open(filepath.Join(data, "sigma-conformance", "sigmahq-regression", "expected_matches.csv"))
	if err != nil {
		t.Skipf("absent: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := normalize.Default()
	type normalized struct {
		ev detection.Event
		ls detection.Logsource
	}
	cache := map[string][]normalized{}
	checked := 0
	for _, row := range rows[1:] {
		eventFile, indexes, ruleFile := row[0], row[1], row[2]
		evs, ok := cache[eventFile]
		if !ok {
			for _, obj := range readObjects(t, filepath.Join(data, eventFile)) {
				ev, ls, layout := m.Normalize(obj)
				if layout != normalize.LayoutEvtx || ls.Product != "windows" || ls.Service == "" {
					t.Errorf("%s: layout %v, logsource %+v: want evtx, windows, a service", eventFile, layout, ls)
				}
				evs = append(evs, normalized{ev, ls})
			}
			cache[eventFile] = evs
		}
		rule := ruleLogsource(t, filepath.Join(data, ruleFile))
		for _, s := range strings.Fields(indexes) {
			i, err := strconv.Atoi(s)
			if err != nil || i >= len(evs) {
				t.Fatalf("%s: bad index %q", eventFile, s)
			}
			if !m.Matches(rule, evs[i].ls) {
				t.Errorf("%s #%d (%+v) does not reach %s (%+v)", eventFile, i, evs[i].ls, ruleFile, rule)
			}
			checked++
		}
	}
	t.Logf("%d (event, rule) pairs routed, %d event files", checked, len(cache))
	if checked < 300 {
		t.Errorf("only %d pairs checked", checked)
	}
}

// TestRegressionDefender pins the Defender case the space rule exists for.
func TestRegressionDefender(t *testing.T) {
	t.Parallel()
	path := filepath.Join(sharedData(t), "sigma-conformance", "sigmahq-regression", "regression_data",
		"rules-emerging-threats", "2026", "Exploits", "RedSun",
		"win_defender_exploit_redsun_tiering_engine_detected_as_eicar",
		"a7c3e5f2-8b1d-4e9a-b6c2-3d7f5e8a9b4c.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("absent: %v", err)
	}
	ev, ls, _ := normalize.Default().Normalize(readObjects(t, path)[0])
	want := map[string]string{
		"ThreatName":  "Tool:Win32/EICAR_Test_File",
		"SourceName":  "Real-Time Protection",
		"ProcessName": `C:\Users\xodih\Downloads\RedSun.exe`,
	}
	for k, w := range want {
		if ev[k] != w {
			t.Errorf("%s = %#v, want %q", k, ev[k], w)
		}
	}
	if !strings.HasSuffix(ev["Path"].(string), `\TieringEngineService.exe`) {
		t.Errorf("Path = %#v", ev["Path"])
	}
	if ls != (detection.Logsource{Product: "windows", Service: "windefend"}) {
		t.Errorf("logsource = %+v", ls) // 1119 is not one of the antivirus event IDs
	}
}

// TestZeekSamples normalises the brimdata Zeek logs and the Bro JSON of
// Metron, and checks every SigmaHQ zeek rule's service is a type we give.
func TestZeekSamples(t *testing.T) {
	t.Parallel()
	data := sharedData(t)
	m := normalize.Default()
	files, _ := filepath.Glob(filepath.Join(data, "logs", "zeek", "brimdata-zed-sample-data", "*.json"))
	if len(files) == 0 {
		t.Skip("no brimdata zeek files")
	}
	for _, file := range files {
		typ := strings.TrimSuffix(filepath.Base(file), ".json")
		for i, obj := range readObjects(t, file) {
			path := obj["_path"]
			// Drop _path on odd events: the type must come from the fields.
			if i%2 == 1 {
				delete(obj, "_path")
			}
			ev, ls, layout := m.Normalize(obj)
			if layout != normalize.LayoutZeek || ls.Product != "zeek" {
				t.Fatalf("%s #%d: layout %v, logsource %+v", file, i, layout, ls)
			}
			if ls.Service != typ || path != typ {
				t.Errorf("%s #%d: service %q (_path %v), want %q", file, i, ls.Service, path, typ)
				break
			}
			if ev["id.orig_h"] == nil || ev["_path"] != typ {
				t.Errorf("%s #%d: id.orig_h %v, _path %v", file, i, ev["id.orig_h"], ev["_path"])
			}
		}
	}

	bro := filepath.Join(data, "logs", "zeek", "metron-bro", "BroExampleOutput")
	if _, err := os.Stat(bro); err == nil {
		seen := map[string]int{}
		for _, obj := range readObjects(t, bro) {
			var wrapper string
			for k := range obj {
				wrapper = k
			}
			ev, ls, layout := m.Normalize(obj)
			if layout != normalize.LayoutZeek || ls.Service != wrapper || ev["ts"] == nil || ev["_path"] != wrapper {
				t.Errorf("bro %s: layout %v, logsource %+v", wrapper, layout, ls)
			}
			seen[ls.Service]++
		}
		t.Logf("Bro JSON types: %v", seen)
	}

	rules, _ := filepath.Glob(filepath.Join(data, "sigma-rules", "SigmaHQ", "rules", "network", "zeek", "*.yml"))
	known := map[string]bool{"smb_files": true, "x509": true, "http": true, "dns": true, "dce_rpc": true, "rdp": true, "kerberos": true, "conn": true}
	for _, r := range rules {
		if ls := ruleLogsource(t, r); ls.Product != "zeek" || !known[ls.Service] {
			t.Errorf("%s: logsource %+v not produced by the zeek layout", r, ls)
		}
	}
}

// TestWinlogbeatSample normalises Zircolite's winlogbeat Sysmon events.
func TestWinlogbeatSample(t *testing.T) {
	t.Parallel()
	path := filepath.Join(sharedData(t), "logs", "ecs", "zircolite", "winlogbeat_sysmon_sample.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("absent: %v", err)
	}
	objs := readObjects(t, path)
	want := []struct {
		ls     detection.Logsource
		fields map[string]any
	}{
		{
			detection.Logsource{Product: "windows", Category: "file_event", Service: "sysmon"},
			map[string]any{
				"EventID":        "11",
				"Image":          `C:\Windows\System32\svchost.exe`,
				"TargetFilename": `C:\Windows\ServiceState\EventLog\Data\lastalive1.dat`,
				"User":           `NT AUTHORITY\LOCAL SERVICE`, // event_data's, not user.*
			},
		},
		{
			detection.Logsource{Product: "windows", Category: "registry_set", Service: "sysmon"},
			map[string]any{
				"TargetObject": `HKLM\System\CurrentControlSet\Services\WdBoot\Start`,
				"Details":      "DWORD (0x00000003)",
				"EventType":    "SetValue",
				"Image":        `C:\Windows\system32\services.exe`,
			},
		},
	}
	if len(objs) != len(want) {
		t.Fatalf("%d events, want %d", len(objs), len(want))
	}
	for i, obj := range objs {
		ev, ls, layout := normalize.Default().Normalize(obj)
		if layout != normalize.LayoutECS || ls != want[i].ls {
			t.Errorf("#%d: layout %v, logsource %+v, want ecs %+v", i, layout, ls, want[i].ls)
		}
		for k, w := range want[i].fields {
			if ev[k] != w {
				t.Errorf("#%d: %s = %#v, want %#v", i, k, ev[k], w)
			}
		}
	}
}

// TestECSAlert normalises the ECS alert document, which mixes dotted keys
// and nested objects.
func TestECSAlert(t *testing.T) {
	t.Parallel()
	path := filepath.Join(sharedData(t), "logs", "ecs", "example-alert.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("absent: %v", err)
	}
	ev, _, layout := normalize.Default().Normalize(readObjects(t, path)[0])
	if layout != normalize.LayoutECS {
		t.Errorf("layout = %v", layout)
	}
	if ev["kibana.alert.rule.name"] == nil || ev["agent.build.original"] == nil {
		t.Errorf("dotted and nested names not both kept")
	}
	checkFlat(t, ev)
}

// TestRsigmaCorpus: bare events with no layout reach every rule.
func TestRsigmaCorpus(t *testing.T) {
	t.Parallel()
	path := filepath.Join(sharedData(t), "sigma-conformance", "rsigma", "backtest", "corpus", "a.ndjson")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("absent: %v", err)
	}
	m := normalize.Default()
	for _, obj := range readObjects(t, path) {
		ev, ls, layout := m.Normalize(obj)
		if layout != normalize.LayoutGeneric || ls != (detection.Logsource{}) || ev["Image"] == nil {
			t.Errorf("%v: layout %v logsource %+v", obj, layout, ls)
		}
		if !m.Matches(detection.Logsource{Product: "windows", Category: "process_creation"}, ls) {
			t.Errorf("generic event not routed to a process_creation rule")
		}
	}
}

// TestThorMapping loads SigmaHQ's thor.yml as a mapping.
func TestThorMapping(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(sharedData(t), "sigma-rules", "SigmaHQ", "tests", "thor.yml"))
	if err != nil {
		t.Skipf("absent: %v", err)
	}
	defer f.Close()
	m, err := normalize.LoadMapping(f)
	if err != nil {
		t.Fatal(err)
	}
	ev, ls, _ := fixtureWith(t, m, "security_4688.evtx.json", 0)
	if ls.Category != "process_creation" || ls.Service != "security" || ev["Image"] != `C:\Windows\System32\net.exe` {
		t.Errorf("4688 under thor.yml: %+v, Image %v", ls, ev["Image"])
	}
	_, ls, _ = fixtureWith(t, m, "sysmon_1.evtx.json", 0)
	if ls != (detection.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"}) {
		t.Errorf("sysmon 1 under thor.yml: %+v", ls)
	}
	_, ls, _ = fixtureWith(t, m, "sysmon_1.evtx.json", 1)
	if ls.Category != "registry_set" {
		t.Errorf("sysmon 13 under thor.yml: %+v", ls)
	}
}

func fixtureWith(t *testing.T, m *normalize.Mapping, name string, i int) (detection.Event, detection.Logsource, normalize.Layout) {
	t.Helper()
	return m.Normalize(readObjects(t, filepath.Join("testdata", name))[i])
}

// TestWazuhWindowsSamples normalises the Windows events of Wazuh's ruleset
// tests (Sysmon 1 and 10, Security).
func TestWazuhWindowsSamples(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(sharedData(t), "logs", "wazuh", "ruleset-tests")
	m := normalize.Default()
	want := map[string]detection.Logsource{
		"sysmon_eid_1.ini":  {Product: "windows", Category: "process_creation", Service: "sysmon"},
		"sysmon_eid_10.ini": {Product: "windows", Category: "process_access", Service: "sysmon"},
		"win_security.ini":  {Product: "windows", Service: "security"},
	}
	for file, wantLS := range want {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Skipf("absent: %v", err)
		}
		n := 0
		for line := range strings.Lines(string(data)) {
			_, js, ok := strings.Cut(line, " pass = ")
			if !ok {
				continue
			}
			var obj map[string]any
			dec := json.NewDecoder(strings.NewReader(js))
			dec.UseNumber()
			if err := dec.Decode(&obj); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			ev, ls, layout := m.Normalize(obj)
			if layout != normalize.LayoutWazuh || ls != wantLS {
				t.Errorf("%s: layout %v, logsource %+v, want %+v", file, layout, ls, wantLS)
			}
			if ev["EventID"] == nil || ev["Channel"] == nil || ev["Computer"] == nil || ev["Provider_Name"] == nil {
				t.Errorf("%s: System fields missing: %v", file, ev)
			}
			switch file {
			case "sysmon_eid_1.ini":
				if ev["Image"] == nil || ev["CommandLine"] == nil {
					t.Errorf("%s: Image/CommandLine missing: %v", file, ev)
				}
			case "sysmon_eid_10.ini":
				if ev["TargetImage"] == nil || ev["GrantedAccess"] == nil || ev["SourceProcessGUID"] == nil {
					t.Errorf("%s: TargetImage/GrantedAccess missing: %v", file, ev)
				}
			case "win_security.ini":
				if ev["SubjectUserName"] == nil {
					t.Errorf("%s: SubjectUserName missing: %v", file, ev)
				}
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s: no events", file)
		}
	}

	// The same inside an alert, as an Elasticsearch hit.
	alert := map[string]any{"_index": "wazuh-alerts", "_source": map[string]any{
		"rule": map[string]any{"id": "92000"},
		"data": map[string]any{"win": map[string]any{
			"system":    map[string]any{"eventID": "4688", "channel": "Security", "computer": "dc1"},
			"eventdata": map[string]any{"newProcessName": `C:\x.exe`},
		}},
	}}
	ev, ls, layout := m.Normalize(alert)
	if layout != normalize.LayoutWazuh || ls.Category != "process_creation" || ev["Image"] != `C:\x.exe` || ev["rule.id"] != "92000" || ev["_index"] != "wazuh-alerts" {
		t.Errorf("wazuh alert hit: %v %+v %v", layout, ls, ev)
	}
}
