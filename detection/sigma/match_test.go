package sigma_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/sigma"
)

type matchCase struct {
	name      string
	detection string // the detection section, unindented
	event     detection.Event
	want      bool
}

func runMatchCases(t *testing.T, cases []matchCase, opts sigma.CompileOptions) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := compile(t, ruleWith(tt.detection), opts)
			if got := c.Match(tt.event); got != tt.want {
				t.Fatalf("Match(%q) = %v, want %v\ndetection:\n%s", tt.event, got, tt.want, tt.detection)
			}
			if tt.want {
				checkLiterals(t, c, tt.event)
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestMatchValues(t *testing.T) {
	t.Parallel()
	const image = "sel:\n  Image: 'C:\\Windows\\System32\\whoami.exe'\ncondition: sel"
	runMatchCases(t, []matchCase{
		{"exact ignores case", image, detection.Event{"Image": `c:\windows\system32\WHOAMI.EXE`}, true},
		{"exact is whole value", image, detection.Event{"Image": `c:\windows\system32\whoami.exe2`}, false},
		{"field lookup ignores case", image, detection.Event{"image": `C:\Windows\System32\whoami.exe`}, true},
		{"missing field", image, detection.Event{"CommandLine": "whoami"}, false},
		{"unicode folding", "sel:\n  Name: 'ÄRGER'\ncondition: sel", detection.Event{"Name": "ärger"}, true},
		{"kelvin sign folds like EqualFold", "sel:\n  Name|contains: 'k'\ncondition: sel", detection.Event{"Name": "\u212a"}, true},
		{"list is OR", "sel:\n  Image|endswith:\n    - '\\a.exe'\n    - '\\b.exe'\ncondition: sel", detection.Event{"Image": `C:\x\B.exe`}, true},
		{"list is OR: none", "sel:\n  Image|endswith:\n    - '\\a.exe'\n    - '\\b.exe'\ncondition: sel", detection.Event{"Image": `C:\x\c.exe`}, false},
		{"map is AND", "sel:\n  A: x\n  B: y\ncondition: sel", detection.Event{"A": "x", "B": "y"}, true},
		{"map is AND: one differs", "sel:\n  A: x\n  B: y\ncondition: sel", detection.Event{"A": "x", "B": "z"}, false},
		{"list of maps is OR", "sel:\n  - A: x\n  - B: y\ncondition: sel", detection.Event{"B": "Y"}, true},
		{"list of maps is OR: none", "sel:\n  - A: x\n  - B: y\ncondition: sel", detection.Event{"A": "y", "B": "x"}, false},
		{"list event value: any item", "sel:\n  Tags: admin\ncondition: sel", detection.Event{"Tags": []any{"user", "ADMIN"}}, true},
		{"list event value: no item", "sel:\n  Tags: admin\ncondition: sel", detection.Event{"Tags": []any{"user"}}, false},
		{"null: field missing", "sel:\n  A: x\nfilter:\n  B: null\ncondition: sel and filter", detection.Event{"A": "x"}, true},
		{"null: field null", "sel:\n  B: null\ncondition: sel", detection.Event{"B": nil}, true},
		{"null: empty string is not null", "sel:\n  B: null\ncondition: sel", detection.Event{"B": ""}, false},
		{"null: tilde", "sel:\n  B: ~\ncondition: sel", detection.Event{}, true},
		{"empty string", "sel:\n  B: ''\ncondition: sel", detection.Event{"B": ""}, true},
		{"empty string: missing field", "sel:\n  B: ''\ncondition: sel", detection.Event{}, false},
		{"empty string: null", "sel:\n  B: ''\ncondition: sel", detection.Event{"B": nil}, false},
		{"lone star matches any value", "sel:\n  B: '*'\ncondition: sel", detection.Event{"B": ""}, true},
		{"lone star: not null", "sel:\n  B: '*'\ncondition: sel", detection.Event{"B": nil}, false},
		{"number equals json.Number", "sel:\n  EventID: 4688\ncondition: sel", detection.Event{"EventID": json.Number("4688")}, true},
		{"number equals numeric string", "sel:\n  EventID: 4688\ncondition: sel", detection.Event{"EventID": "4688"}, true},
		{"number differs", "sel:\n  EventID: 4688\ncondition: sel", detection.Event{"EventID": json.Number("4689")}, false},
		{"number list", "sel:\n  EventID:\n    - 517\n    - 1102\ncondition: sel", detection.Event{"EventID": json.Number("1102")}, true},
		{"quoted number matches number text", "sel:\n  EventID: '4688'\ncondition: sel", detection.Event{"EventID": json.Number("4688")}, true},
		{"float compares numerically", "sel:\n  Ratio: 1.5\ncondition: sel", detection.Event{"Ratio": json.Number("1.50")}, true},
		{"hex number", "sel:\n  Flags: 0x10\ncondition: sel", detection.Event{"Flags": json.Number("16")}, true},
		{"hex number as written", "sel:\n  Flags: 0x10\ncondition: sel", detection.Event{"Flags": "0x10"}, true},
		{"quoted hex is a string", "sel:\n  Flags: '0x10'\ncondition: sel", detection.Event{"Flags": json.Number("16")}, false},
		{"bool", "sel:\n  Enabled: true\ncondition: sel", detection.Event{"Enabled": true}, true},
		{"bool text", "sel:\n  Enabled: true\ncondition: sel", detection.Event{"Enabled": "True"}, true},
		{"bool differs", "sel:\n  Enabled: true\ncondition: sel", detection.Event{"Enabled": false}, false},
		{"quoted bool is a string", "sel:\n  Signed: 'false'\ncondition: sel", detection.Event{"Signed": false}, true},
		{"number as a string pattern", "sel:\n  Port|startswith: 44\ncondition: sel", detection.Event{"Port": json.Number("443")}, true},
	}, sigma.CompileOptions{})
}

func TestMatchEscaping(t *testing.T) {
	t.Parallel()
	runMatchCases(t, []matchCase{
		{"star wildcard", "sel:\n  Image: 'C:\\\\*\\cmd.exe'\ncondition: sel", detection.Event{"Image": `C:\Windows\System32\cmd.exe`}, true},
		{"escaped star is literal", "sel:\n  Image: 'C:\\*\\cmd.exe'\ncondition: sel", detection.Event{"Image": `C:*\cmd.exe`}, true},
		{"escaped star is not a wildcard", "sel:\n  Image: 'C:\\*\\cmd.exe'\ncondition: sel", detection.Event{"Image": `C:\Windows\cmd.exe`}, false},
		{"question mark is one character", "sel:\n  Image: 'prog?.exe'\ncondition: sel", detection.Event{"Image": "progA.exe"}, true},
		{"question mark is not zero characters", "sel:\n  Image: 'prog?.exe'\ncondition: sel", detection.Event{"Image": "prog.exe"}, false},
		{"question mark is not two characters", "sel:\n  Image: 'prog?.exe'\ncondition: sel", detection.Event{"Image": "progAB.exe"}, false},
		{"question mark is one rune", "sel:\n  Image: 'prog?.exe'\ncondition: sel", detection.Event{"Image": "progé.exe"}, true},
		{"escaped question mark", "sel:\n  Q: 'why\\?'\ncondition: sel", detection.Event{"Q": "why?"}, true},
		{"escaped question mark is literal", "sel:\n  Q: 'why\\?'\ncondition: sel", detection.Event{"Q": "whyX"}, false},
		// README "Escaping": '\\\\\*\\IPC$' is the literal \\*\IPC$.
		{"five backslashes and star", "sel:\n  ShareName: '\\\\\\\\\\*\\\\IPC$'\ncondition: sel", detection.Event{"ShareName": `\\*\IPC$`}, true},
		{"five backslashes and star: star is literal", "sel:\n  ShareName: '\\\\\\\\\\*\\\\IPC$'\ncondition: sel", detection.Event{"ShareName": `\\server\IPC$`}, false},
		{"four backslashes are two", "sel:\n  P|contains: '\\\\\\\\server'\ncondition: sel", detection.Event{"P": `\\server\share`}, true},
		{"four backslashes are not one", "sel:\n  P|contains: '\\\\\\\\server'\ncondition: sel", detection.Event{"P": `C:\server`}, false},
		{"three backslashes are two", "sel:\n  P: 'a\\\\\\b'\ncondition: sel", detection.Event{"P": `a\\b`}, true},
		{"two backslashes are one", "sel:\n  P: 'a\\\\b'\ncondition: sel", detection.Event{"P": `a\b`}, true},
		{"lone backslash is literal", "sel:\n  P: 'C:\\Windows\\'\ncondition: sel", detection.Event{"P": `C:\Windows\`}, true},
		{"escaped backslash then wildcard", "sel:\n  P: 'C:\\\\*'\ncondition: sel", detection.Event{"P": `C:\Temp`}, true},
		{"wildcards inside contains", "sel:\n  CommandLine|contains: 'tasklist*|*find'\ncondition: sel", detection.Event{"CommandLine": "cmd /c tasklist /v | find lsass"}, true},
		{"wildcards inside contains: order", "sel:\n  CommandLine|contains: 'tasklist*|*find'\ncondition: sel", detection.Event{"CommandLine": "find | tasklist"}, false},
		{"glob with several stars", "sel:\n  P: 'a*b*c'\ncondition: sel", detection.Event{"P": "AxxBxxBxxC"}, true},
		{"glob with several stars: suffix", "sel:\n  P: 'a*b*c'\ncondition: sel", detection.Event{"P": "abcd"}, false},
		{"glob: overlapping prefix and suffix", "sel:\n  P: 'ab*ba'\ncondition: sel", detection.Event{"P": "aba"}, false},
		{"glob: question mark in middle segment", "sel:\n  P: '*a?c*'\ncondition: sel", detection.Event{"P": "xxabcxx"}, true},
		{"percent without expand is literal", "sel:\n  P: '%name%'\ncondition: sel", detection.Event{"P": "%NAME%"}, true},
	}, sigma.CompileOptions{})
}

func TestMatchModifiers(t *testing.T) {
	t.Parallel()
	const windash = "sel:\n  CommandLine|windash|contains: ' -exec '\ncondition: sel"
	runMatchCases(t, []matchCase{
		{"contains", "sel:\n  C|contains: ' -enc '\ncondition: sel", detection.Event{"C": "powershell -ENC abc"}, true},
		{"contains: absent", "sel:\n  C|contains: ' -enc '\ncondition: sel", detection.Event{"C": "powershell-enc"}, false},
		{"startswith", "sel:\n  U|startswith: 'adm_'\ncondition: sel", detection.Event{"U": "ADM_bob"}, true},
		{"startswith: elsewhere", "sel:\n  U|startswith: 'adm_'\ncondition: sel", detection.Event{"U": "x_adm_bob"}, false},
		{"endswith", "sel:\n  I|endswith: '\\cmd.exe'\ncondition: sel", detection.Event{"I": `C:\Windows\CMD.exe`}, true},
		{"endswith: elsewhere", "sel:\n  I|endswith: '\\cmd.exe'\ncondition: sel", detection.Event{"I": `C:\cmd.exe.bak`}, false},
		{"all", "sel:\n  C|contains|all:\n    - 'a1'\n    - 'b2'\ncondition: sel", detection.Event{"C": "x b2 y a1"}, true},
		{"all: one missing", "sel:\n  C|contains|all:\n    - 'a1'\n    - 'b2'\ncondition: sel", detection.Event{"C": "x b2 y"}, false},
		{"all over list items", "sel:\n  T|all:\n    - a\n    - b\ncondition: sel", detection.Event{"T": []any{"b", "a"}}, true},
		{"cased", "sel:\n  C|cased: 'Whoami'\ncondition: sel", detection.Event{"C": "Whoami"}, true},
		{"cased: other case", "sel:\n  C|cased: 'Whoami'\ncondition: sel", detection.Event{"C": "whoami"}, false},
		{"cased contains", "sel:\n  C|contains|cased: ' -D'\ncondition: sel", detection.Event{"C": "x -d"}, false},
		{"cased glob", "sel:\n  C|cased: 'A*z'\ncondition: sel", detection.Event{"C": "Abcz"}, true},
		{"cased glob: other case", "sel:\n  C|cased: 'A*z'\ncondition: sel", detection.Event{"C": "abcz"}, false},
		{"exists true", "sel:\n  P|exists: true\ncondition: sel", detection.Event{"P": nil}, true},
		{"exists true: absent", "sel:\n  P|exists: true\ncondition: sel", detection.Event{"Q": "x"}, false},
		{"exists false", "sel:\n  P|exists: false\ncondition: sel", detection.Event{"Q": "x"}, true},
		{"exists false: present", "sel:\n  P|exists: false\ncondition: sel", detection.Event{"P": ""}, false},
		{"neq", "sel:\n  User|neq: SYSTEM\ncondition: sel", detection.Event{"User": "admin"}, true},
		{"neq: equal ignoring case", "sel:\n  User|neq: SYSTEM\ncondition: sel", detection.Event{"User": "system"}, false},
		{"neq: missing field", "sel:\n  User|neq: SYSTEM\ncondition: sel", detection.Event{}, false},
		{"neq all", "sel:\n  User|neq|all:\n    - a\n    - b\ncondition: sel", detection.Event{"User": "c"}, true},
		{"neq all: one equal", "sel:\n  User|neq|all:\n    - a\n    - b\ncondition: sel", detection.Event{"User": "b"}, false},
		{"windash hyphen", windash, detection.Event{"CommandLine": "x -exec y"}, true},
		{"windash slash", windash, detection.Event{"CommandLine": "x /exec y"}, true},
		{"windash en dash", windash, detection.Event{"CommandLine": "x –exec y"}, true},
		{"windash em dash", windash, detection.Event{"CommandLine": "x —exec y"}, true},
		{"windash horizontal bar", windash, detection.Event{"CommandLine": "x ―exec y"}, true},
		{"windash other character", windash, detection.Event{"CommandLine": "x +exec y"}, false},
		{"windash several dashes", "sel:\n  C|windash: '-a -b'\ncondition: sel", detection.Event{"C": "/a –b"}, true},
		{"windash written with slash", "sel:\n  C|contains|windash: '/s'\ncondition: sel", detection.Event{"C": "dir -S"}, true},
		{"base64", "sel:\n  D|base64: 'hello'\ncondition: sel", detection.Event{"D": b64("hello")}, true},
		{"base64 contains", "sel:\n  D|base64|contains: 'hello'\ncondition: sel", detection.Event{"D": "x " + b64("hello") + " y"}, true},
		{"base64: other text", "sel:\n  D|base64|contains: 'hello'\ncondition: sel", detection.Event{"D": b64("help!")}, false},
		{"base64offset offset 0", "sel:\n  C|base64offset|contains: '/bin/sh'\ncondition: sel", detection.Event{"C": "echo " + b64("/bin/sh -c id")}, true},
		{"base64offset offset 1", "sel:\n  C|base64offset|contains: '/bin/sh'\ncondition: sel", detection.Event{"C": "echo " + b64("x/bin/sh -c id")}, true},
		{"base64offset offset 2", "sel:\n  C|base64offset|contains: '/bin/sh'\ncondition: sel", detection.Event{"C": "echo " + b64("xy/bin/sh")}, true},
		{"base64offset offset 3", "sel:\n  C|base64offset|contains: '/bin/sh'\ncondition: sel", detection.Event{"C": b64("xyz/bin/sh;")}, true},
		{"base64offset: absent", "sel:\n  C|base64offset|contains: '/bin/sh'\ncondition: sel", detection.Event{"C": b64("xy/bin/bash")}, false},
		{"wide base64offset", "sel:\n  C|wide|base64offset|contains: 'cmd'\ncondition: sel", detection.Event{"C": b64("/\x00c\x00 \x00c\x00m\x00d\x00")}, true},
		{"wide base64offset: ASCII text", "sel:\n  C|wide|base64offset|contains: 'cmd'\ncondition: sel", detection.Event{"C": b64("/c cmd")}, false},
		{"utf16le", "sel:\n  D|utf16le|contains: 'cmd'\ncondition: sel", detection.Event{"D": "x\x00c\x00m\x00d\x00"}, true},
		{"utf16le: ASCII", "sel:\n  D|utf16le|contains: 'cmd'\ncondition: sel", detection.Event{"D": "cmd"}, false},
		{"utf16le base64", "sel:\n  D|utf16le|base64: 'cmd'\ncondition: sel", detection.Event{"D": "YwBtAGQA"}, true},
		{"wide base64", "sel:\n  D|wide|base64: 'cmd'\ncondition: sel", detection.Event{"D": "YwBtAGQA"}, true},
		{"utf16be base64", "sel:\n  D|utf16be|base64: 'cmd'\ncondition: sel", detection.Event{"D": "AGMAbQBk"}, true},
		{"utf16be: not le", "sel:\n  D|utf16be|base64: 'cmd'\ncondition: sel", detection.Event{"D": "YwBtAGQA"}, false},
		{"utf16 with BOM", "sel:\n  D|utf16|base64: 'cmd'\ncondition: sel", detection.Event{"D": "//5jAG0AZAA="}, true},
		{"re", "sel:\n  C|re: '\\s-[FTd]\\s'\ncondition: sel", detection.Event{"C": "wget -F x"}, true},
		{"re is case-sensitive", "sel:\n  C|re: '\\s-[FTd]\\s'\ncondition: sel", detection.Event{"C": "wget -f x"}, false},
		{"re i", "sel:\n  C|re|i: '\\s-[FTd]\\s'\ncondition: sel", detection.Event{"C": "wget -f x"}, true},
		{"re searches anywhere", "sel:\n  C|re: 'b+'\ncondition: sel", detection.Event{"C": "abbbc"}, true},
		{"re without m", "sel:\n  C|re: '^foo$'\ncondition: sel", detection.Event{"C": "bar\nfoo"}, false},
		{"re m", "sel:\n  C|re|m: '^foo$'\ncondition: sel", detection.Event{"C": "bar\nfoo"}, true},
		{"re without s", "sel:\n  C|re: 'a.b'\ncondition: sel", detection.Event{"C": "a\nb"}, false},
		{"re s", "sel:\n  C|re|s: 'a.b'\ncondition: sel", detection.Event{"C": "a\nb"}, true},
		{"re list", "sel:\n  C|re:\n    - '^x'\n    - 'y$'\ncondition: sel", detection.Event{"C": "ay"}, true},
		{"re on a number", "sel:\n  Port|re: '^44[0-9]$'\ncondition: sel", detection.Event{"Port": json.Number("443")}, true},
		{"cidr v4", "sel:\n  Ip|cidr: '10.0.0.0/8'\ncondition: sel", detection.Event{"Ip": "10.1.2.3"}, true},
		{"cidr v4: outside", "sel:\n  Ip|cidr: '10.0.0.0/8'\ncondition: sel", detection.Event{"Ip": "11.0.0.1"}, false},
		{"cidr v4: mapped v6 address", "sel:\n  Ip|cidr: '10.0.0.0/8'\ncondition: sel", detection.Event{"Ip": "::ffff:10.9.8.7"}, true},
		{"cidr v6", "sel:\n  Ip|cidr: 'fc00::/7'\ncondition: sel", detection.Event{"Ip": "fd12:3456::1"}, true},
		{"cidr v6: outside", "sel:\n  Ip|cidr: 'fc00::/7'\ncondition: sel", detection.Event{"Ip": "fe80::1"}, false},
		{"cidr v6: zone ignored", "sel:\n  Ip|cidr: 'fe80::/10'\ncondition: sel", detection.Event{"Ip": "fe80::1%eth0"}, true},
		{"cidr: v4 address in v6 network", "sel:\n  Ip|cidr: '::1/128'\ncondition: sel", detection.Event{"Ip": "127.0.0.1"}, false},
		{"cidr: not an address", "sel:\n  Ip|cidr: '10.0.0.0/8'\ncondition: sel", detection.Event{"Ip": "10.example"}, false},
		{"cidr list", "sel:\n  Ip|cidr:\n    - '192.168.0.0/16'\n    - '::1/128'\ncondition: sel", detection.Event{"Ip": "::1"}, true},
		{"cidr single address", "sel:\n  Ip|cidr: '8.8.8.8'\ncondition: sel", detection.Event{"Ip": "8.8.8.8"}, true},
		{"gt", "sel:\n  Size|gt: 100\ncondition: sel", detection.Event{"Size": json.Number("101")}, true},
		{"gt: equal", "sel:\n  Size|gt: 100\ncondition: sel", detection.Event{"Size": json.Number("100")}, false},
		{"gte: equal", "sel:\n  Size|gte: 100\ncondition: sel", detection.Event{"Size": json.Number("100")}, true},
		{"lt", "sel:\n  Size|lt: 100\ncondition: sel", detection.Event{"Size": "99.5"}, true},
		{"lt: greater", "sel:\n  Size|lt: 100\ncondition: sel", detection.Event{"Size": json.Number("1e3")}, false},
		{"lte: equal", "sel:\n  Size|lte: 100\ncondition: sel", detection.Event{"Size": json.Number("100.0")}, true},
		{"lt: not a number", "sel:\n  Size|lt: 100\ncondition: sel", detection.Event{"Size": "small"}, false},
		{"gt: large integers stay exact", "sel:\n  N|gt: 9007199254740992\ncondition: sel", detection.Event{"N": json.Number("9007199254740993")}, true},
		{"fieldref", "sel:\n  Image|fieldref: ParentImage\ncondition: sel", detection.Event{"Image": `C:\A.exe`, "ParentImage": `c:\a.exe`}, true},
		{"fieldref: differs", "sel:\n  Image|fieldref: ParentImage\ncondition: sel", detection.Event{"Image": `C:\A.exe`, "ParentImage": `C:\B.exe`}, false},
		{"fieldref: reference missing", "sel:\n  Image|fieldref: ParentImage\ncondition: sel", detection.Event{"Image": `C:\A.exe`}, false},
		{"fieldref: numbers", "sel:\n  A|fieldref: B\ncondition: sel", detection.Event{"A": json.Number("10"), "B": "10.0"}, true},
		{"fieldref startswith", "sel:\n  Path|fieldref|startswith: Dir\ncondition: sel", detection.Event{"Path": `C:\Temp\x.exe`, "Dir": `c:\temp`}, true},
		{"fieldref startswith: no", "sel:\n  Path|fieldref|startswith: Dir\ncondition: sel", detection.Event{"Path": `D:\Temp\x.exe`, "Dir": `c:\temp`}, false},
		{"fieldref endswith", "sel:\n  Path|fieldref|endswith: Name\ncondition: sel", detection.Event{"Path": `C:\Temp\X.EXE`, "Name": `x.exe`}, true},
		{"fieldref contains", "sel:\n  Cmd|fieldref|contains: User\ncondition: sel", detection.Event{"Cmd": "net user BOB /add", "User": "bob"}, true},
		{"fieldref contains cased", "sel:\n  Cmd|fieldref|contains|cased: User\ncondition: sel", detection.Event{"Cmd": "net user BOB /add", "User": "bob"}, false},
		{"fieldref neq", "sel:\n  User|fieldref|neq: ParentUser\ncondition: sel", detection.Event{"User": "a", "ParentUser": "b"}, true},
		{"hour", "sel:\n  T|hour: 3\ncondition: sel", detection.Event{"T": "2024-05-01T03:15:00Z"}, true},
		{"hour: other", "sel:\n  T|hour: 3\ncondition: sel", detection.Event{"T": "2024-05-01T04:15:00Z"}, false},
		{"hour gte", "sel:\n  T|hour|gte: 22\ncondition: sel", detection.Event{"T": "2024-05-01 23:59:59.123"}, true},
		{"month", "sel:\n  T|month: 12\ncondition: sel", detection.Event{"T": "2024-12-24"}, true},
		{"year lt", "sel:\n  T|year|lt: 2000\ncondition: sel", detection.Event{"T": "1999-01-01T00:00:00+02:00"}, true},
		{"week", "sel:\n  T|week: 1\ncondition: sel", detection.Event{"T": "2024-01-03T00:00:00Z"}, true},
		{"time: not a timestamp", "sel:\n  T|hour: 3\ncondition: sel", detection.Event{"T": "03"}, false},
	}, sigma.CompileOptions{})
}

func TestMatchKeywords(t *testing.T) {
	t.Parallel()
	const keywords = "keywords:\n  - 'EVILSERVICE'\n  - 'Trojan*FOUND'\ncondition: keywords"
	runMatchCases(t, []matchCase{
		{"keyword anywhere in a value", keywords, detection.Event{"Message": "started evilservice now"}, true},
		{"keyword with wildcard", keywords, detection.Event{"Message": "clamd: Trojan.X FOUND", "Host": "h"}, true},
		{"keyword in list item", keywords, detection.Event{"Lines": []any{"a", "EvilService"}}, true},
		{"keyword absent", keywords, detection.Event{"Message": "all good", "Other": "evil service"}, false},
		{"keyword not in field names", keywords, detection.Event{"EVILSERVICE": "x"}, false},
		{"keyword not in numbers", "keywords:\n  - '4624'\ncondition: keywords", detection.Event{"EventID": json.Number("4624")}, false},
		{"keywords all", "keywords:\n  '|all':\n    - 'OabVirtualDirectory'\n    - ' -ExternalUrl '\ncondition: keywords",
			detection.Event{"A": "Set-OabVirtualDirectory", "B": "x -ExternalUrl y"}, true},
		{"keywords all: one missing", "keywords:\n  '|all':\n    - 'OabVirtualDirectory'\n    - ' -ExternalUrl '\ncondition: keywords",
			detection.Event{"A": "Set-OabVirtualDirectory"}, false},
		{"keyword re", "keywords:\n  '|re': 'id=[0-9]+'\ncondition: keywords", detection.Event{"Msg": "user id=42"}, true},
		{"keywords and fields", "sel:\n  Host: web1\nkw:\n  - 'denied'\ncondition: sel and kw", detection.Event{"Host": "web1", "Msg": "access DENIED"}, true},
		{"mixed list of keyword and map", "sel:\n  - 'denied'\n  - Host: web1\ncondition: sel", detection.Event{"Host": "web1"}, true},
	}, sigma.CompileOptions{})
}

func TestMatchExpand(t *testing.T) {
	t.Parallel()
	opts := sigma.CompileOptions{Placeholders: map[string][]string{
		"Admins": {"root", "adm_*"},
		"Domain": {"corp"},
	}}
	runMatchCases(t, []matchCase{
		{"placeholder value", "sel:\n  User|expand: '%Admins%'\ncondition: sel", detection.Event{"User": "ROOT"}, true},
		{"placeholder value with wildcard", "sel:\n  User|expand: '%Admins%'\ncondition: sel", detection.Event{"User": "adm_bob"}, true},
		{"placeholder: other value", "sel:\n  User|expand: '%Admins%'\ncondition: sel", detection.Event{"User": "guest"}, false},
		{"placeholder within text", "sel:\n  User|expand: '%Domain%\\\\%Admins%'\ncondition: sel", detection.Event{"User": `corp\root`}, true},
		{"backslash escapes percent", "sel:\n  User|expand: '%Domain%\\%Admins%'\ncondition: sel", detection.Event{"User": `corp%Admins%`}, true},
		{"escaped percent", "sel:\n  V|expand: '\\%plain%Domain%'\ncondition: sel", detection.Event{"V": "%plaincorp"}, true},
		{"expand then contains", "sel:\n  User|expand|contains: '%Domain%'\ncondition: sel", detection.Event{"User": "x.corp.y"}, true},
	}, opts)
}

func TestMatchConditions(t *testing.T) {
	t.Parallel()
	const abc = "a:\n  A: 1\nb:\n  B: 1\nc:\n  C: 1\n"
	ev := func(fields ...string) detection.Event {
		e := detection.Event{"X": "x"}
		for _, f := range fields {
			e[f] = json.Number("1")
		}
		return e
	}
	runMatchCases(t, []matchCase{
		{"and binds tighter than or: a", abc + "condition: a or b and c", ev("A"), true},
		{"and binds tighter than or: b", abc + "condition: a or b and c", ev("B"), false},
		{"and binds tighter than or: bc", abc + "condition: a or b and c", ev("B", "C"), true},
		{"parentheses", abc + "condition: (a or b) and c", ev("A"), false},
		{"parentheses: ac", abc + "condition: (a or b) and c", ev("A", "C"), true},
		{"not binds tighter than and", abc + "condition: not a and b", ev("B"), true},
		{"not binds tighter than and: ab", abc + "condition: not a and b", ev("A", "B"), false},
		{"not binds tighter than or", abc + "condition: not a or b", ev("A"), false},
		{"not of a group", abc + "condition: not (a or b)", ev("C"), true},
		{"double not", abc + "condition: not not a", ev("A"), true},
		{"keywords are case-insensitive", abc + "condition: a AND NOT b", ev("A"), true},
		{"multi-line condition", abc + "condition: >\n  a and\n  (b or\n  c)", ev("A", "C"), true},
		{"condition list is OR", abc + "condition:\n  - a and b\n  - c", ev("C"), true},
		{"condition list is OR: none", abc + "condition:\n  - a and b\n  - c", ev("A"), false},
		{"1 of pattern", "sel_a:\n  A: 1\nsel_b:\n  B: 1\nfilter:\n  C: 1\ncondition: 1 of sel_*", ev("B"), true},
		{"1 of pattern: none", "sel_a:\n  A: 1\nsel_b:\n  B: 1\nfilter:\n  C: 1\ncondition: 1 of sel_*", ev("C"), false},
		{"all of pattern", "sel_a:\n  A: 1\nsel_b:\n  B: 1\nfilter:\n  C: 1\ncondition: all of sel_*", ev("A", "B"), true},
		{"all of pattern: one missing", "sel_a:\n  A: 1\nsel_b:\n  B: 1\nfilter:\n  C: 1\ncondition: all of sel_*", ev("A", "C"), false},
		{"pattern with inner wildcard", "sel_a_x:\n  A: 1\nsel_b_y:\n  B: 1\ncondition: all of sel*x", ev("A"), true},
		{"not 1 of filters", "sel:\n  A: 1\nfilter_1:\n  B: 1\nfilter_2:\n  C: 1\ncondition: sel and not 1 of filter_*", ev("A", "C"), false},
		{"not 1 of filters: clean", "sel:\n  A: 1\nfilter_1:\n  B: 1\nfilter_2:\n  C: 1\ncondition: sel and not 1 of filter_*", ev("A"), true},
		{"1 of them", abc + "condition: 1 of them", ev("B"), true},
		{"all of them", abc + "condition: all of them", ev("A", "B"), false},
		{"all of them: all", abc + "condition: all of them", ev("A", "B", "C"), true},
		{"them leaves out underscore", "a:\n  A: 1\n_b:\n  B: 1\ncondition: all of them", ev("A"), true},
		{"underscore by name", "a:\n  A: 1\n_b:\n  B: 1\ncondition: a and _b", ev("A"), false},
	}, sigma.CompileOptions{})
}
