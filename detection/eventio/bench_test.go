package eventio_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/socledger/socledger/detection/eventio"
)

// ndjsonCorpus returns n Sysmon process-creation events in winlogbeat-like
// flat NDJSON, about 900 bytes each.
func ndjsonCorpus(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"@timestamp":"2024-02-13T06:56:%02d.223Z","EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational",`+
			`"Computer":"ws%03d.corp.example","Provider_Name":"Microsoft-Windows-Sysmon","EventRecordID":%d,`+
			`"RuleName":"-","UtcTime":"2024-02-13 06:56:24.223","ProcessGuid":"{3400037d-7178-65c6-1d00-%012d}","ProcessId":%d,`+
			`"Image":"C:\\Windows\\System32\\cmd.exe","FileVersion":"10.0.17763.1 (WinBuild.160101.0800)",`+
			`"Description":"Windows Command Processor","Product":"Microsoft® Windows® Operating System","Company":"Microsoft Corporation",`+
			`"OriginalFileName":"Cmd.Exe","CommandLine":"cmd.exe /c whoami /all > C:\\Users\\Public\\out%d.txt",`+
			`"CurrentDirectory":"C:\\Users\\alice\\","User":"CORP\\alice","LogonGuid":"{3400037d-7178-65c6-e703-000000000000}",`+
			`"LogonId":"0x3e7","TerminalSessionId":1,"IntegrityLevel":"High",`+
			`"Hashes":"SHA1=5E4F2C531C549BB72A658ED9DD16D491EDDBB286,MD5=FAB4B30C1C4F0A9202A7B42DCF1729DC",`+
			`"ParentProcessGuid":"{3400037d-7178-65c6-1d00-000000000b00}","ParentProcessId":4460,`+
			`"ParentImage":"C:\\Windows\\explorer.exe","ParentCommandLine":"C:\\Windows\\Explorer.EXE","ParentUser":"CORP\\alice",`+
			`"tags":["sysmon","edr"]}`+"\n",
			i%60, i%500, 600000+i, i, 1000+i%30000, i)
	}
	return b.Bytes()
}

// BenchmarkReadNDJSON reads 10,000 events per iteration and reports
// events/s.
func BenchmarkReadNDJSON(b *testing.B) {
	const n = 10000
	data := ndjsonCorpus(n)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := eventio.NewReader(bytes.NewReader(data), "bench.ndjson")
		count := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		if count != n {
			b.Fatalf("read %d events, want %d", count, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
