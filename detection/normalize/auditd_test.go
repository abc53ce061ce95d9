package normalize_test

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socledger/socledger/detection"
	"github.com/socledger/socledger/detection/normalize"
)

func auditLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "auditd.log"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func TestParseAuditd(t *testing.T) {
	t.Parallel()
	lines := auditLines(t)
	tests := []struct {
		line int
		want map[string]string
	}{
		{0, map[string]string{
			"type": "SYSCALL", "msg": "audit(1700000000.123:4242)", "syscall": "59", "a0": "55d1",
			"comm": "arecord", "exe": "/usr/bin/arecord", "key": "audio_capture", "euid": "33",
		}},
		{1, map[string]string{"type": "EXECVE", "argc": "3", "a0": "arecord", "a1": "-vv", "a2": "-fdat"}},
		{2, map[string]string{"proctitle": "arecord -vv -fdat"}},
		{3, map[string]string{"type": "PATH", "name": "/usr/bin/arecord", "nametype": "NORMAL"}},
		{4, map[string]string{
			"comm": "/tmp/x y", "key": "(null)", "SYSCALL": "memfd_create", "AUID": "unset", "UID": "root", "uid": "0",
		}},
		{5, map[string]string{
			"type": "USER_AUTH", "pid": "12965", "op": "PAM:unix_chkpwd", "acct": "snap",
			"exe": "/sbin/unix_chkpwd", "hostname": "?", "terminal": "pts/0", "res": "failed",
		}},
		{6, map[string]string{"a0": "echo", "a1": "hello wo"}},
	}
	for _, tt := range tests {
		obj, err := normalize.ParseAuditd(lines[tt.line])
		if err != nil {
			t.Errorf("line %d: %v", tt.line+1, err)
			continue
		}
		for k, want := range tt.want {
			if got := obj[k]; got != want {
				t.Errorf("line %d: %s = %#v, want %q", tt.line+1, k, got, want)
			}
		}
	}
	if _, err := normalize.ParseAuditd("Jan  1 00:00:00 host sshd[1]: Accepted password"); !errors.Is(err, normalize.ErrNotAuditRecord) {
		t.Errorf("non-audit line: err = %v, want ErrNotAuditRecord", err)
	}
}

func TestNormalizeAuditd(t *testing.T) {
	t.Parallel()
	m := normalize.Default()
	want := detection.Logsource{Product: "linux", Service: "auditd"}
	syscalls := map[int]string{0: "execve", 4: "memfd_create"}
	for i, line := range auditLines(t) {
		obj, err := normalize.ParseAuditd(line)
		if err != nil {
			t.Fatal(err)
		}
		ev, ls, layout := m.Normalize(obj)
		if layout != normalize.LayoutAuditd || ls != want {
			t.Errorf("line %d: %v %+v, want auditd %+v", i+1, layout, ls, want)
		}
		if s, ok := syscalls[i]; ok && ev["SYSCALL"] != s {
			t.Errorf("line %d: SYSCALL = %#v, want %q", i+1, ev["SYSCALL"], s)
		}
		rule := detection.Logsource{Product: "linux", Service: "auditd"}
		if !m.Matches(rule, ls) {
			t.Errorf("line %d: an auditd rule does not get it", i+1)
		}
		if m.Matches(detection.Logsource{Product: "linux", Category: "process_creation"}, ls) {
			t.Errorf("line %d: a process_creation rule gets an audit record", i+1)
		}
	}
}

func TestNormalizeAuditdJSON(t *testing.T) {
	t.Parallel()
	// JSON forms that keep auditd's quotes and give the syscall by number
	// or by name.
	tests := []struct {
		obj         map[string]any
		wantSyscall any
	}{
		{map[string]any{"type": "SYSCALL", "msg": "audit(1.0:1)", "arch": "c000003e", "syscall": "133", "exe": `"/usr/bin/mknod"`}, "mknod"},
		{map[string]any{"type": "SYSCALL", "syscall": "personality", "auid": "1000"}, "personality"},
		{map[string]any{"type": "SYSCALL", "msg": "audit(1.0:1)", "arch": "c00000b7", "syscall": "221"}, nil},
	}
	for _, tt := range tests {
		ev, ls, layout := normalize.Default().Normalize(tt.obj)
		if layout != normalize.LayoutAuditd || ls.Service != "auditd" {
			t.Errorf("%v: layout %v, logsource %+v", tt.obj, layout, ls)
		}
		if ev["SYSCALL"] != tt.wantSyscall {
			t.Errorf("%v: SYSCALL = %#v, want %#v", tt.obj, ev["SYSCALL"], tt.wantSyscall)
		}
		if exe, ok := ev["exe"]; ok && exe != "/usr/bin/mknod" {
			t.Errorf("exe = %#v, want quotes removed", exe)
		}
	}
}

// TestWazuhAuditdSamples parses the raw audit lines of Wazuh's ruleset tests.
func TestWazuhAuditdSamples(t *testing.T) {
	t.Parallel()
	path := filepath.Join(sharedData(t), "logs", "wazuh", "ruleset-tests", "auditd.ini")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("absent: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		_, line, ok := strings.Cut(sc.Text(), " pass = ")
		if !ok || !strings.Contains(line, "type=") {
			continue
		}
		obj, err := normalize.ParseAuditd(line)
		if err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if _, ls, layout := normalize.Default().Normalize(obj); layout != normalize.LayoutAuditd || ls.Service != "auditd" {
			t.Errorf("%q: layout %v logsource %+v", line, layout, ls)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d audit lines found", n)
	}
	t.Logf("%d audit lines", n)
}

func TestSyscallNames(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"0": "read", "59": "execve", "99": "sysinfo", "101": "ptrace", "103": "syslog", "133": "mknod",
		"135": "personality", "257": "openat", "319": "memfd_create", "321": "bpf", "322": "execveat",
		"334": "rseq", "435": "clone3", "999": "",
	}
	for nr, name := range want {
		ev, _, _ := normalize.Default().Normalize(map[string]any{"type": "SYSCALL", "arch": "c000003e", "syscall": nr})
		got, _ := ev["SYSCALL"].(string)
		if got != name {
			t.Errorf("syscall %s = %q, want %q", nr, got, name)
		}
	}
}
