package sigma_test

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/socledger/socledger/detection/sigma"
)

func TestRequiredLiterals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		detection string
		want      [][]string
	}{
		{"endswith list", "sel:\n  Image|endswith:\n    - '\\WHOAMI.exe'\n    - '\\net.exe'\ncondition: sel",
			[][]string{{`\net.exe`, `\whoami.exe`}}},
		{"map gives a clause per field", "sel:\n  Image|endswith: '\\cmd.exe'\n  CommandLine|contains: ' /c '\ncondition: sel",
			[][]string{{`\cmd.exe`}, {` /c `}}},
		{"all gives a clause per value", "sel:\n  C|contains|all:\n    - 'alpha'\n    - 'beta'\ncondition: sel",
			[][]string{{"alpha"}, {"beta"}}},
		{"longest literal of a glob", "sel:\n  P: 'C:\\\\*\\system32\\\\?\\x.dll'\ncondition: sel",
			[][]string{{`\system32\`}}},
		{"windash splits literals", "sel:\n  C|windash|contains: ' -encodedcommand'\ncondition: sel",
			[][]string{{"encodedcommand"}}},
		{"longer literal implied by shorter one", "sel:\n  C|contains:\n    - 'mimikatz'\n    - 'katz'\ncondition: sel",
			[][]string{{"katz"}}},
		{"or of searches", "a:\n  X: 'one'\nb:\n  Y: 'two'\ncondition: a or b", [][]string{{"one", "two"}}},
		{"and of searches", "a:\n  X: 'one'\nb:\n  Y: 'two'\ncondition: a and b", [][]string{{"one"}, {"two"}}},
		{"negation adds nothing", "a:\n  X: 'one'\nf:\n  Y: 'two'\ncondition: a and not f", [][]string{{"one"}}},
		{"1 of pattern", "s1:\n  X: 'one'\ns2:\n  Y: 'two'\ncondition: 1 of s*", [][]string{{"one", "two"}}},
		{"keywords", "keywords:\n  - 'Trojan*FOUND'\n  - 'Rootkit'\ncondition: keywords", [][]string{{"rootkit", "trojan"}}},
		{"base64offset variants", "sel:\n  C|base64offset|contains: '/bin/sh'\ncondition: sel",
			[][]string{{"9iaw4vc2", "l2jpbi9za", "vymlul3no"}}},
		// The UTF-16LE encodings of '::FromBase64String' that SigmaHQ's rules
		// spell out by hand.
		{"wide base64offset variants", "sel:\n  C|wide|base64offset|contains: '::FromBase64String'\ncondition: sel",
			[][]string{{
				strings.ToLower("6ADoARgByAG8AbQBCAGEAcwBlADYANABTAHQAcgBpAG4AZw"),
				strings.ToLower("oAOgBGAHIAbwBtAEIAYQBzAGUANgA0AFMAdAByAGkAbgBnA"),
				strings.ToLower("OgA6AEYAcgBvAG0AQgBhAHMAZQA2ADQAUwB0AHIAaQBuAGcA"),
			}}},
		{"utf16le literal keeps NUL bytes", "sel:\n  C|utf16le|contains: 'ab'\ncondition: sel", [][]string{{"a\x00b\x00"}}},
		{"negation at top", "a:\n  X: 'one'\ncondition: not a", nil},
		{"number", "sel:\n  EventID: 4688\ncondition: sel", nil},
		{"number with a string", "sel:\n  EventID: 4688\n  Image|endswith: '\\a.exe'\ncondition: sel", [][]string{{`\a.exe`}}},
		{"lone wildcard", "sel:\n  X: '*'\ncondition: sel", nil},
		{"regex", "sel:\n  X|re: 'abc+'\ncondition: sel", nil},
		{"null", "sel:\n  X: null\ncondition: sel", nil},
		{"cidr", "sel:\n  X|cidr: 10.0.0.0/8\ncondition: sel", nil},
		{"one unconstrained value", "sel:\n  X:\n    - 'abc'\n    - '*'\ncondition: sel", nil},
		{"neq", "sel:\n  X|neq: abc\ncondition: sel", nil},
		{"or with an unconstrained side", "a:\n  X: 'one'\nb:\n  Y: 1\ncondition: a or b", nil},
		{"non-ASCII is folded", "sel:\n  X|contains: 'ÉTÉ'\ncondition: sel", [][]string{{"été"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := compile(t, ruleWith(tt.detection), sigma.CompileOptions{})
			if got := c.RequiredLiterals(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RequiredLiterals() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestFoldCase checks FoldCase against strings.EqualFold's notion of
// equality: runes that fold together get the same form.
func TestFoldCase(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		want := sigma.FoldCase(string(r))
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if got := sigma.FoldCase(string(f)); got != want {
				t.Fatalf("FoldCase(%q) = %q but FoldCase(%q) = %q, though they fold together", r, want, f, got)
			}
		}
	}
	if got := sigma.FoldCase("C:\\Windows\\K\u212aſS\xff"); got != "c:\\windows\\kkss\xff" {
		t.Errorf("FoldCase = %q", got)
	}
}

// TestRequiredLiteralsCoverage logs how many SigmaHQ rules a prefilter could
// skip by literals.
func TestRequiredLiteralsCoverage(t *testing.T) {
	t.Parallel()
	files := sigmaHQFiles(t)
	with, total := 0, 0
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sigma.Parse(src, path)
		if err != nil {
			continue
		}
		c, err := sigma.Compile(r, sigma.CompileOptions{})
		if err != nil {
			continue
		}
		total++
		if lits := c.RequiredLiterals(); lits != nil {
			with++
			for _, clause := range lits {
				if len(clause) == 0 {
					t.Errorf("%s: empty clause in %q", path, lits)
				}
				for _, l := range clause {
					if l == "" || l != sigma.FoldCase(l) {
						t.Errorf("%s: literal %q is empty or not folded", path, l)
					}
				}
			}
		}
	}
	t.Logf("%d of %d compiled SigmaHQ rules have required literals", with, total)
}
