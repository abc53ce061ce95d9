package sigma_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/sigma"
)

// processEvent is a Sysmon-like process creation event.
var processEvent = detection.Event{
	"EventID":           json.Number("1"),
	"Channel":           "Microsoft-Windows-Sysmon/Operational",
	"Image":             `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
	"OriginalFileName":  "PowerShell.EXE",
	"CommandLine":       `powershell.exe -NoProfile -ExecutionPolicy Bypass -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA`,
	"ParentImage":       `C:\Windows\explorer.exe`,
	"ParentCommandLine": `C:\Windows\Explorer.EXE`,
	"User":              `CORP\alice`,
	"IntegrityLevel":    "Medium",
	"Hashes":            "SHA256=0123456789ABCDEF,IMPHASH=FEDCBA9876543210",
	"DestinationIp":     "10.20.30.40",
	"Tags":              []any{"a", "b"},
	"Signed":            true,
}

// allocRules exercise every matcher kind.
var allocRules = []struct {
	detection string
	matches   bool // against processEvent
}{
	{"sel:\n  Image|endswith: '\\powershell.exe'\n  CommandLine|contains|all:\n    - ' -noprofile '\n    - ' -encodedcommand '\ncondition: sel", true},
	{"sel:\n  Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'\ncondition: sel", true},
	{"sel:\n  CommandLine|windash|contains: ' -executionpolicy bypass'\ncondition: sel", true},
	{"sel:\n  CommandLine: 'power*-?xecution*'\ncondition: sel", true},
	{"sel:\n  CommandLine|re|i: 'encodedcommand\\s+[a-z0-9+/=]{20,}'\ncondition: sel", true},
	{"sel:\n  DestinationIp|cidr:\n    - '10.0.0.0/8'\n    - 'fc00::/7'\ncondition: sel", true},
	{"sel:\n  Image|cidr: '10.0.0.0/8'\ncondition: sel", false},
	{"sel:\n  EventID: 1\n  Signed: true\ncondition: sel", true},
	{"sel:\n  EventID|gte: 1\ncondition: sel", true},
	{"keywords:\n  - 'IMPHASH=FEDCBA'\ncondition: keywords", true},
	{"sel:\n  ParentImage|fieldref|contains: ParentCommandLine\ncondition: sel", true},
	{"sel:\n  CommandLine|base64offset|contains: 'IEX (New'\ncondition: sel", false},
	{"sel:\n  CommandLine|wide|base64offset|contains: 'IEX (New'\ncondition: sel", true},
	{"sel:\n  Tags: b\n  Missing: null\n  User|exists: true\nfilter:\n  User|neq: 'NT AUTHORITY\\SYSTEM'\ncondition: sel and filter", true},
	{"a:\n  Image|endswith: '\\cmd.exe'\nb:\n  User|startswith: 'corp\\'\ncondition: not a and 1 of b*", true},
}

// TestMatchDoesNotAllocate checks the no-allocation promise of Match for
// normalised events. It cannot run in parallel: AllocsPerRun forbids it.
func TestMatchDoesNotAllocate(t *testing.T) { //nolint:paralleltest // AllocsPerRun panics in parallel tests
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	for _, r := range allocRules {
		c := compile(t, ruleWith(r.detection), sigma.CompileOptions{})
		if n := testing.AllocsPerRun(100, func() { c.Match(processEvent) }); n != 0 {
			t.Errorf("Match allocates %.1f times per call for\n%s", n, r.detection)
		}
	}
}

func TestAllocRulesMatch(t *testing.T) {
	t.Parallel()
	for _, r := range allocRules {
		c := compile(t, ruleWith(r.detection), sigma.CompileOptions{})
		if got := c.Match(processEvent); got != r.matches {
			t.Errorf("Match = %v, want %v for\n%s", got, r.matches, r.detection)
		}
	}
}

func loadSigmaHQ(b *testing.B) []*sigma.Rule {
	b.Helper()
	var rules []*sigma.Rule
	for _, path := range sigmaHQFiles(b) {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if r, err := sigma.Parse(src, path); err == nil {
			rules = append(rules, r)
		}
	}
	return rules
}

// BenchmarkCompileSigmaHQ compiles every shared SigmaHQ rule per iteration.
func BenchmarkCompileSigmaHQ(b *testing.B) {
	rules := loadSigmaHQ(b)
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		for _, r := range rules {
			if _, err := sigma.Compile(r, sigma.CompileOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		n++
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(n), "ms/all-rules")
	b.ReportMetric(float64(len(rules)), "rules")
}

// BenchmarkParseSigmaHQ parses every shared SigmaHQ rule file per iteration.
func BenchmarkParseSigmaHQ(b *testing.B) {
	var srcs [][]byte
	for _, path := range sigmaHQFiles(b) {
		src, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, src := range srcs {
			_, _ = sigma.Parse(src, "r.yml")
		}
	}
}

// BenchmarkMatchSigmaHQ evaluates every compiled SigmaHQ rule against one
// process creation event (no logsource routing, no prefilter).
func BenchmarkMatchSigmaHQ(b *testing.B) {
	var compiled []*sigma.Compiled
	for _, r := range loadSigmaHQ(b) {
		if c, err := sigma.Compile(r, sigma.CompileOptions{}); err == nil {
			compiled = append(compiled, c)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range compiled {
			c.Match(processEvent)
		}
	}
	b.ReportMetric(float64(len(compiled)), "rules")
}

// BenchmarkMatchRule evaluates one typical rule.
func BenchmarkMatchRule(b *testing.B) {
	c := compile(b, ruleWith(allocRules[0].detection), sigma.CompileOptions{})
	b.ReportAllocs()
	for b.Loop() {
		c.Match(processEvent)
	}
}

// TestMatchConcurrent runs one compiled rule from several goroutines (for
// the race detector).
func TestMatchConcurrent(t *testing.T) {
	t.Parallel()
	var compiled []*sigma.Compiled
	for _, r := range allocRules {
		compiled = append(compiled, compile(t, ruleWith(r.detection), sigma.CompileOptions{}))
	}
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := true
			for range 50 {
				for i, c := range compiled {
					ok = ok && c.Match(processEvent) == allocRules[i].matches
				}
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a concurrent Match gave a wrong result")
		}
	}
}
