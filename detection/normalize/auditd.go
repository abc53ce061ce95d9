package normalize

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/socledger/socledger/detection"
)

// ErrNotAuditRecord is returned (wrapped) by ParseAuditd for a line without
// type=.
var ErrNotAuditRecord = errors.New("normalize: not an audit record")

// ParseAuditd turns one line of the Linux audit log (audit.log, or the same
// after a syslog header) into an object Normalize recognises as auditd:
//
//	type=EXECVE msg=audit(1700000000.123:42): argc=3 a0="arecord" a1=2D7676 a2="-fdat"
//
// becomes {"type":"EXECVE", "msg":"audit(1700000000.123:42)", "argc":"3",
// "a0":"arecord", "a1":"-vv", "a2":"-fdat"}. All values are strings, as the
// SigmaHQ auditd rules compare them. It decodes what auditd hex-encodes
// (unquoted name, exe, comm, cwd, proctitle, path, key, data, cmd and acct
// values, and EXECVE arguments; proctitle's NUL separators become spaces),
// joins split arguments (a1[0], a1[1]… into a1), reads the key=value
// pairs of a user message's msg='…' into the record (not replacing the
// record's own), and keeps the enriched fields after the 0x1d separator
// (SYSCALL=execve, UID="root"). Words that are not key=value are skipped.
func ParseAuditd(line string) (map[string]any, error) {
	line = strings.TrimRight(line, "\r\n")
	p := auditParser{obj: make(map[string]any, 16)}
	p.parse(line, false)
	typ, ok := p.obj["type"].(string)
	if !ok {
		s := line
		if len(s) > 60 {
			s = s[:60] + "…"
		}
		return nil, fmt.Errorf("%w: no type= in %q", ErrNotAuditRecord, s)
	}
	for _, k := range p.unquoted {
		s, ok := p.obj[k].(string)
		if !ok || !encodedField(typ, k) || !isUpperHex(s) {
			continue
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			continue
		}
		switch k {
		case "proctitle":
			p.obj[k] = strings.TrimRight(strings.ReplaceAll(string(b), "\x00", " "), " ")
		case "key":
			p.obj[k] = strings.ReplaceAll(string(b), "\x01", ",")
		default:
			p.obj[k] = string(b)
		}
	}
	return p.obj, nil
}

type auditParser struct {
	obj      map[string]any
	unquoted []string // keys whose values were not quoted
}

func isSep(c byte) bool { return c == ' ' || c == '\t' || c == 0x1d }

// parse reads key=value pairs from s; inner pairs (of msg='…') do not
// replace the record's own.
func (p *auditParser) parse(s string, inner bool) {
	for i := 0; i < len(s); {
		for i < len(s) && isSep(s[i]) {
			i++
		}
		start := i
		for i < len(s) && s[i] != '=' && !isSep(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '=' {
			continue // a word, not a pair
		}
		key := strings.TrimLeft(s[start:i], "(")
		i++
		var val string
		quoted := false
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				val, i = s[i+1:], len(s)
			} else {
				val, i = s[i+1:i+1+end], i+2+end
			}
			quoted = true
			if q == '\'' && key == "msg" {
				p.parse(val, true)
				continue
			}
		} else {
			j := i
			for j < len(s) && !isSep(s[j]) {
				j++
			}
			val, i = s[i:j], j
			if inner {
				val = strings.TrimRight(val, ",)")
			}
		}
		if key == "" {
			continue
		}
		if key == "msg" && strings.HasPrefix(val, "audit(") {
			val = strings.TrimSuffix(val, ":")
		}
		p.store(key, val, quoted, inner)
	}
}

func (p *auditParser) store(key, val string, quoted, inner bool) {
	// Long EXECVE arguments come in pieces: a1_len=N a1[0]=… a1[1]=…
	if open := strings.IndexByte(key, '['); open > 0 && strings.HasSuffix(key, "]") && isArgKey(key[:open]) {
		base := key[:open]
		prev, _ := p.obj[base].(string)
		if !quoted && isUpperHex(val) {
			if b, err := hex.DecodeString(val); err == nil {
				val = string(b)
			}
		}
		p.obj[base] = prev + val
		return
	}
	if strings.HasSuffix(key, "_len") && isArgKey(strings.TrimSuffix(key, "_len")) {
		return
	}
	if _, ok := p.obj[key]; ok && inner {
		return
	}
	p.obj[key] = val
	if !quoted {
		p.unquoted = append(p.unquoted, key)
	}
}

// isArgKey tells whether k is an EXECVE argument name: a0, a1, ….
func isArgKey(k string) bool {
	if len(k) < 2 || k[0] != 'a' {
		return false
	}
	for i := 1; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
	}
	return true
}

// encodedField tells whether auditd may hex-encode key in a record of typ.
func encodedField(typ, key string) bool {
	switch key {
	case "name", "exe", "comm", "cwd", "proctitle", "path", "key", "data", "cmd", "acct":
		return true
	}
	return typ == "EXECVE" && isArgKey(key)
}

func isUpperHex(s string) bool {
	if len(s) < 2 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// auditHints are fields that, beside an upper-case type, mark an audit
// record that lacks msg=audit(…).
var auditHints = []string{"syscall", "SYSCALL", "arch", "argc", "auid", "proctitle", "nametype", "a0"}

func isAuditd(obj map[string]any) bool {
	t, ok := obj["type"].(string)
	if !ok || !isAuditType(t) {
		return false
	}
	if msg, ok := obj["msg"].(string); ok && strings.HasPrefix(msg, "audit(") {
		return true
	}
	for _, k := range auditHints {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

// isAuditType tells whether t looks like an audit record type (SYSCALL,
// USER_LOGIN, ANOM_ABEND…).
func isAuditType(t string) bool {
	if len(t) < 3 || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	for i := 1; i < len(t); i++ {
		c := t[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// fromAuditd flattens an audit record, unquotes values that kept their
// quotes, and adds SYSCALL (the system call's name, as the SigmaHQ rules
// use it) from syscall when the record lacks it.
func fromAuditd(obj map[string]any) detection.Event {
	flattenInPlace(obj)
	for k, v := range obj {
		if s, ok := v.(string); ok && len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			obj[k] = s[1 : len(s)-1]
		}
	}
	if _, ok := obj["SYSCALL"]; !ok {
		if nr, ok := detection.ScalarText(obj["syscall"]); ok {
			arch, _ := obj["arch"].(string)
			if a, ok := obj["ARCH"].(string); ok && arch == "" {
				arch = a
			}
			if name := syscallName(arch, nr); name != "" {
				obj["SYSCALL"] = name
			}
		}
	}
	return detection.Event(obj)
}

// syscallName is the name of system call nr on arch, for x86_64 (audit's
// arch=c000003e); a name given instead of a number is returned as it is.
// Other architectures get "".
func syscallName(arch, nr string) string {
	n, err := strconv.Atoi(nr)
	if err != nil {
		if isIdent(nr) {
			return nr
		}
		return ""
	}
	switch strings.ToLower(arch) {
	case "c000003e", "x86_64", "":
	default:
		return ""
	}
	if n >= 0 && n < len(x8664Syscalls()) {
		return x8664Syscalls()[n]
	}
	return x8664SyscallsHigh[n]
}

// x8664Syscalls lists the x86_64 system calls 0–334 by number.
var x8664Syscalls = sync.OnceValue(func() []string {
	return strings.Fields(`read write open close stat fstat lstat poll lseek mmap
		mprotect munmap brk rt_sigaction rt_sigprocmask rt_sigreturn ioctl pread64 pwrite64 readv
		writev access pipe select sched_yield mremap msync mincore madvise shmget
		shmat shmctl dup dup2 pause nanosleep getitimer alarm setitimer getpid
		sendfile socket connect accept sendto recvfrom sendmsg recvmsg shutdown bind
		listen getsockname getpeername socketpair setsockopt getsockopt clone fork vfork execve
		exit wait4 kill uname semget semop semctl shmdt msgget msgsnd
		msgrcv msgctl fcntl flock fsync fdatasync truncate ftruncate getdents getcwd
		chdir fchdir rename mkdir rmdir creat link unlink symlink readlink
		chmod fchmod chown fchown lchown umask gettimeofday getrlimit getrusage sysinfo
		times ptrace getuid syslog getgid setuid setgid geteuid getegid setpgid
		getppid getpgrp setsid setreuid setregid getgroups setgroups setresuid getresuid setresgid
		getresgid getpgid setfsuid setfsgid getsid capget capset rt_sigpending rt_sigtimedwait rt_sigqueueinfo
		rt_sigsuspend sigaltstack utime mknod uselib personality ustat statfs fstatfs sysfs
		getpriority setpriority sched_setparam sched_getparam sched_setscheduler sched_getscheduler sched_get_priority_max sched_get_priority_min sched_rr_get_interval mlock
		munlock mlockall munlockall vhangup modify_ldt pivot_root _sysctl prctl arch_prctl adjtimex
		setrlimit chroot sync acct settimeofday mount umount2 swapon swapoff reboot
		sethostname setdomainname iopl ioperm create_module init_module delete_module get_kernel_syms query_module quotactl
		nfsservctl getpmsg putpmsg afs_syscall tuxcall security gettid readahead setxattr lsetxattr
		fsetxattr getxattr lgetxattr fgetxattr listxattr llistxattr flistxattr removexattr lremovexattr fremovexattr
		tkill time futex sched_setaffinity sched_getaffinity set_thread_area io_setup io_destroy io_getevents io_submit
		io_cancel get_thread_area lookup_dcookie epoll_create epoll_ctl_old epoll_wait_old remap_file_pages getdents64 set_tid_address restart_syscall
		semtimedop fadvise64 timer_create timer_settime timer_gettime timer_getoverrun timer_delete clock_settime clock_gettime clock_getres
		clock_nanosleep exit_group epoll_wait epoll_ctl tgkill utimes vserver mbind set_mempolicy get_mempolicy
		mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr kexec_load waitid add_key request_key
		keyctl ioprio_set ioprio_get inotify_init inotify_add_watch inotify_rm_watch migrate_pages openat mkdirat mknodat
		fchownat futimesat newfstatat unlinkat renameat linkat symlinkat readlinkat fchmodat faccessat
		pselect6 ppoll unshare set_robust_list get_robust_list splice tee sync_file_range vmsplice move_pages
		utimensat epoll_pwait signalfd timerfd_create eventfd fallocate timerfd_settime timerfd_gettime accept4 signalfd4
		eventfd2 epoll_create1 dup3 pipe2 inotify_init1 preadv pwritev rt_tgsigqueueinfo perf_event_open recvmmsg
		fanotify_init fanotify_mark prlimit64 name_to_handle_at open_by_handle_at clock_adjtime syncfs sendmmsg setns getcpu
		process_vm_readv process_vm_writev kcmp finit_module sched_setattr sched_getattr renameat2 seccomp getrandom memfd_create
		kexec_file_load bpf execveat userfaultfd membarrier mlock2 copy_file_range preadv2 pwritev2 pkey_mprotect
		pkey_alloc pkey_free statx io_pgetevents rseq`)
})

// x8664SyscallsHigh are the x86_64 system calls from 424 on.
var x8664SyscallsHigh = map[int]string{
	424: "pidfd_send_signal", 425: "io_uring_setup", 426: "io_uring_enter", 427: "io_uring_register",
	428: "open_tree", 429: "move_mount", 430: "fsopen", 431: "fsconfig", 432: "fsmount", 433: "fspick",
	434: "pidfd_open", 435: "clone3", 436: "close_range", 437: "openat2", 438: "pidfd_getfd",
	439: "faccessat2", 440: "process_madvise", 441: "epoll_pwait2", 442: "mount_setattr",
	443: "quotactl_fd", 444: "landlock_create_ruleset", 445: "landlock_add_rule",
	446: "landlock_restrict_self", 447: "memfd_secret", 448: "process_mrelease",
}
