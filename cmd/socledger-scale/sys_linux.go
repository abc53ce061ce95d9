//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// rssAnon returns the process's resident anonymous memory (RssAnon in
// /proc/self/status): its heap, stacks and other private memory, not the
// file pages it maps.
func rssAnon() (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("RssAnon:"))
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/self/status: RssAnon %q: %w", rest, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/self/status has no RssAnon line")
}

// dropPageCache writes back dirty pages and drops the whole page cache
// (and the dentry and inode caches) of the machine. It needs root.
func dropPageCache() error {
	syscall.Sync()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0)
}

// allocated returns the disk space a file takes (st_blocks × 512).
func allocated(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return fi.Size()
}

// freeSpace returns the bytes available to this user on the file system
// holding dir.
func freeSpace(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// ioCounters returns the read system calls this process made and the bytes
// it caused to be read from storage (page cache misses and their
// read-ahead), from /proc/self/io.
func ioCounters() (syscalls, storageBytes int64, err error) {
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, 0, err
	}
	found := 0
	for line := range bytes.Lines(data) {
		name, v, ok := bytes.Cut(bytes.TrimSpace(line), []byte(": "))
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/self/io: %s: %w", line, err)
		}
		switch string(name) {
		case "syscr":
			syscalls = n
			found++
		case "read_bytes":
			storageBytes = n
			found++
		}
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("/proc/self/io lacks syscr or read_bytes")
	}
	return syscalls, storageBytes, nil
}

// cpuTimes returns, in clock ticks, the time all CPUs of the machine were
// busy and in all (from /proc/stat), and the CPU time of this process and
// of its children it waited for (from /proc/self/stat).
func cpuTimes() (busy, total, self int64, err error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0, err
	}
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	f := bytes.Fields(line)
	if len(f) < 9 || string(f[0]) != "cpu" {
		return 0, 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var v [8]int64 // user nice system idle iowait irq softirq steal
	for i := range v {
		if v[i], err = strconv.ParseInt(string(f[i+1]), 10, 64); err != nil {
			return 0, 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
		total += v[i]
	}
	busy = total - v[3] - v[4]
	self, err = selfCPU()
	return busy, total, self, err
}

// selfCPU returns utime+stime+cutime+cstime of /proc/self/stat.
func selfCPU() (int64, error) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/self/stat: no ')'")
	}
	f := bytes.Fields(data[i+1:]) // from field 3 (state) on
	if len(f) < 15 {
		return 0, fmt.Errorf("/proc/self/stat: %d fields", len(f))
	}
	var sum int64
	for _, s := range f[11:15] { // fields 14 to 17: utime stime cutime cstime
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/self/stat: %w", err)
		}
		sum += n
	}
	return sum, nil
}
