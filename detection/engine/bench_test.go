package engine_test

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/engine"
	"github.com/socledger/socledger/detection/eventio"
	"github.com/socledger/socledger/detection/normalize"
	"github.com/socledger/socledger/detection/sigma"
)

// benignEvents generates n benign events of a Windows/Sysmon, Linux and
// network mix, as raw objects the normaliser takes.
func benignEvents(n int) []map[string]any {
	rng := rand.New(rand.NewPCG(7, 7))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	users := []string{`ACME\alice`, `ACME\bob`, `NT AUTHORITY\SYSTEM`, `ACME\svc-backup`}
	images := []string{
		`C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\System32\svchost.exe`,
		`C:\Windows\explorer.exe`, `C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`,
		`C:\Windows\System32\RuntimeBroker.exe`, `C:\Program Files\Mozilla Firefox\firefox.exe`,
		`C:\Windows\System32\SearchIndexer.exe`, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`,
	}
	sysmon := "Microsoft-Windows-Sysmon/Operational"
	out := make([]map[string]any, n)
	for i := range out {
		img := pick(images...)
		guid := fmt.Sprintf("{%08x-1234-5678-9abc-%012x}", rng.Uint32(), rng.Uint64()&0xffffffffffff)
		switch k := rng.IntN(100); {
		case k < 35: // Sysmon process creation
			out[i] = map[string]any{"EventID": 1, "Channel": sysmon, "Computer": fmt.Sprintf("ws-%04d.acme.local", rng.IntN(5000)),
				"UtcTime": "2026-11-24 10:00:00.000", "ProcessGuid": guid, "ProcessId": rng.IntN(60000),
				"Image": img, "FileVersion": "10.0.19041.1", "Description": "Application", "Product": "Product",
				"Company": "Vendor Inc.", "OriginalFileName": img[strings.LastIndexByte(img, '\\')+1:],
				"CommandLine":      fmt.Sprintf(`"%s" --type=renderer --field-trial-handle=%d --lang=en-US /prefetch:%d`, img, rng.IntN(9999), rng.IntN(9)),
				"CurrentDirectory": `C:\Users\alice\`, "User": pick(users...), "LogonId": "0x3e7", "IntegrityLevel": "Medium",
				"Hashes": fmt.Sprintf("SHA256=%064x", rng.Uint64()), "ParentProcessGuid": guid, "ParentProcessId": rng.IntN(60000),
				"ParentImage": pick(images...), "ParentCommandLine": pick(`C:\Windows\explorer.exe`, `C:\Windows\system32\services.exe`)}
		case k < 50: // Sysmon network connection
			out[i] = map[string]any{"EventID": 3, "Channel": sysmon, "Image": img, "User": pick(users...), "Protocol": "tcp",
				"Initiated": "true", "SourceIp": fmt.Sprintf("10.1.%d.%d", rng.IntN(255), rng.IntN(255)), "SourcePort": 50000 + rng.IntN(10000),
				"DestinationIp": fmt.Sprintf("142.250.%d.%d", rng.IntN(255), rng.IntN(255)), "DestinationPort": pick("443", "80"),
				"DestinationHostname": pick("www.google.com", "outlook.office365.com", "update.microsoft.com")}
		case k < 60: // Sysmon file creation
			out[i] = map[string]any{"EventID": 11, "Channel": sysmon, "Image": img,
				"TargetFilename": fmt.Sprintf(`C:\Users\alice\AppData\Local\Temp\tmp%06d.tmp`, rng.IntN(999999)), "User": pick(users...)}
		case k < 70: // Sysmon registry value set
			out[i] = map[string]any{"EventID": 13, "Channel": sysmon, "EventType": "SetValue", "Image": img,
				"TargetObject": fmt.Sprintf(`HKU\S-1-5-21-1\Software\Vendor\App\Settings\Value%d`, rng.IntN(100)), "Details": "DWORD (0x00000001)"}
		case k < 78: // Security logon
			out[i] = map[string]any{"EventID": 4624, "Channel": "Security", "LogonType": pick("2", "3", "10"),
				"TargetUserName": pick("alice", "bob"), "TargetDomainName": "ACME", "IpAddress": "10.1.2.3",
				"WorkstationName": "WS-0042", "AuthenticationPackageName": "Kerberos", "LogonProcessName": "Kerberos"}
		case k < 88: // Linux auditd execve
			out[i] = map[string]any{"type": "EXECVE", "argc": "3", "a0": pick("ls", "cat", "systemctl", "grep"),
				"a1": "-la", "a2": fmt.Sprintf("/var/log/app%d.log", rng.IntN(50))}
		default: // Zeek conn and dns
			if rng.IntN(2) == 0 {
				out[i] = map[string]any{"_path": "conn", "ts": 1732442400.0 + float64(i), "uid": fmt.Sprintf("C%x", rng.Uint64()),
					"id.orig_h": "10.1.2.3", "id.orig_p": 51515, "id.resp_h": "93.184.216.34", "id.resp_p": 443, "proto": "tcp",
					"service": "ssl", "duration": 1.5, "orig_bytes": 1200, "resp_bytes": 5400, "conn_state": "SF"}
			} else {
				out[i] = map[string]any{"_path": "dns", "ts": 1732442400.0 + float64(i), "uid": fmt.Sprintf("C%x", rng.Uint64()),
					"id.orig_h": "10.1.2.3", "id.orig_p": 53000, "id.resp_h": "10.0.0.53", "id.resp_p": 53, "proto": "udp",
					"query": pick("www.google.com", "acme.sharepoint.com", "login.microsoftonline.com"), "qtype_name": "A", "rcode_name": "NOERROR"}
			}
		}
	}
	return out
}

// positiveEvents reads the shared SigmaHQ regression events.
func positiveEvents(b *testing.B, data string) []map[string]any {
	var out []map[string]any
	filepath.WalkDir(filepath.Join(data, "sigma-conformance/sigmahq-regression/regression_data"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		rd := eventio.NewReader(f, p)
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, rec.Object)
		}
	})
	return out
}

type normalized struct {
	ev detection.Event
	ls detection.Logsource
}

// mixedCorpus is 20,000 benign events with the shared positives mixed in at
// about 1%, normalised.
func mixedCorpus(b *testing.B, data string) []normalized {
	benign := benignEvents(20000)
	pos := positiveEvents(b, data)
	m := normalize.Default()
	var out []normalized
	for i, raw := range benign {
		if i%100 == 0 && len(pos) > 0 {
			ev, ls, _ := m.Normalize(pos[(i/100)%len(pos)])
			out = append(out, normalized{ev, ls})
		}
		// Normalize flattens in place: hand it JSON-like values.
		obj := make(map[string]any, len(raw))
		for k, v := range raw {
			switch v := v.(type) {
			case int:
				obj[k] = fmt.Sprint(v)
			case float64:
				obj[k] = fmt.Sprint(v)
			default:
				obj[k] = v
			}
		}
		ev, ls, _ := m.Normalize(obj)
		out = append(out, normalized{ev, ls})
	}
	return out
}

// BenchmarkEvaluateMixed evaluates the whole shared SigmaHQ rule set (routed
// by logsource, narrowed by the literal prefilter) over a realistic mixed
// corpus, one core.
func BenchmarkEvaluateMixed(b *testing.B) {
	data := sharedData(b)
	eng, _, err := engine.Load([]string{filepath.Join(data, "sigma-rules")}, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	corpus := mixedCorpus(b, data)
	matches := 0
	count := func(*sigma.Rule) { matches++ }
	for _, e := range corpus { // warm the routes
		eng.Match(e.ev, e.ls, count)
	}
	b.ReportAllocs()
	matches = 0
	i := 0
	start := time.Now()
	for b.Loop() {
		e := corpus[i%len(corpus)]
		eng.Match(e.ev, e.ls, count)
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(matches)/float64(i), "matches/event")
}

// BenchmarkLoadSigmaHQ reads, parses and compiles the whole shared rule set.
func BenchmarkLoadSigmaHQ(b *testing.B) {
	data := sharedData(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := engine.Load([]string{filepath.Join(data, "sigma-rules")}, engine.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
