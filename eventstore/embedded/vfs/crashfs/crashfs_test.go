package crashfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/socledger/socledger/eventstore/embedded/vfs"
	"github.com/socledger/socledger/eventstore/embedded/vfs/crashfs"
)

const rw = os.O_RDWR | os.O_CREATE

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func open(t *testing.T, fsys vfs.FS, name string, flag int) vfs.File {
	t.Helper()
	f, err := fsys.OpenFile(name, flag, 0o644)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	return f
}

func write(t *testing.T, f vfs.File, off int64, s string) {
	t.Helper()
	n, err := f.WriteAt([]byte(s), off)
	if err != nil || n != len(s) {
		t.Fatalf("WriteAt(%q, %d) = %d, %v", s, off, n, err)
	}
}

// contents reads the whole file name, failing the test on error.
func contents(t *testing.T, fsys vfs.FS, name string) string {
	t.Helper()
	b, err := readFile(fsys, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

func readFile(fsys vfs.FS, name string) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size, err := f.Size()
	if err != nil {
		return nil, err
	}
	b := make([]byte, size)
	if n, err := f.ReadAt(b, 0); err != nil && !(err == io.EOF && n == len(b)) {
		return nil, err
	}
	return b, nil
}

// createFile creates name with contents s, syncs it and its directory.
func createFile(t *testing.T, fsys vfs.FS, dir, name, s string) {
	t.Helper()
	f := open(t, fsys, name, rw|os.O_TRUNC)
	write(t, f, 0, s)
	must(t, f.Sync())
	must(t, f.Close())
	must(t, fsys.SyncDir(dir))
}

func readDir(t *testing.T, fsys vfs.FS, dir string) []string {
	t.Helper()
	names, err := fsys.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir %s: %v", dir, err)
	}
	return names
}

func TestBasicFileSemantics(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	must(t, fsys.MkdirAll("d", 0o755))
	f := open(t, fsys, "d/f", rw)

	// WriteAt beyond the end extends with zeros.
	write(t, f, 4, "abc")
	if got := contents(t, fsys, "d/f"); got != "\x00\x00\x00\x00abc" {
		t.Fatalf("contents = %q", got)
	}
	if size, err := f.Size(); err != nil || size != 7 {
		t.Fatalf("Size = %d, %v", size, err)
	}

	// ReadAt at and past EOF.
	buf := make([]byte, 5)
	n, err := f.ReadAt(buf, 4)
	if n != 3 || err != io.EOF || string(buf[:n]) != "abc" {
		t.Fatalf("ReadAt short = %d, %v, %q", n, err, buf[:n])
	}
	if n, err := f.ReadAt(buf, 7); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at EOF = %d, %v", n, err)
	}
	if n, err := f.ReadAt(buf, 100); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt past EOF = %d, %v", n, err)
	}
	if n, err := f.ReadAt(buf[:3], 4); n != 3 || err != nil {
		t.Fatalf("ReadAt exact = %d, %v", n, err)
	}
	if _, err := f.ReadAt(buf, -1); err == nil {
		t.Fatal("ReadAt negative offset succeeded")
	}
	if _, err := f.WriteAt(buf, -1); err == nil {
		t.Fatal("WriteAt negative offset succeeded")
	}

	// Allocate extends with zeros only when larger.
	must(t, f.Allocate(10))
	if got := contents(t, fsys, "d/f"); got != "\x00\x00\x00\x00abc\x00\x00\x00" {
		t.Fatalf("after Allocate = %q", got)
	}
	must(t, f.Allocate(2))
	if size, _ := f.Size(); size != 10 {
		t.Fatalf("Allocate shrank the file to %d", size)
	}

	// Truncate shrinks, and growing again reads zeros.
	must(t, f.Truncate(5))
	must(t, f.Truncate(8))
	if got := contents(t, fsys, "d/f"); got != "\x00\x00\x00\x00a\x00\x00\x00" {
		t.Fatalf("after Truncate = %q", got)
	}
	if err := f.Truncate(-1); err == nil {
		t.Fatal("Truncate(-1) succeeded")
	}

	// O_TRUNC truncates; O_EXCL refuses an existing file.
	g := open(t, fsys, "d/f", os.O_RDWR|os.O_TRUNC)
	if size, _ := f.Size(); size != 0 {
		t.Fatalf("size after O_TRUNC = %d", size)
	}
	must(t, g.Close())
	if _, err := fsys.OpenFile("d/f", rw|os.O_EXCL, 0o644); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("O_EXCL on existing file: %v", err)
	}
	h := open(t, fsys, "d/new", rw|os.O_EXCL)
	must(t, h.Close())

	// Missing files and directories.
	if _, err := fsys.OpenFile("d/missing", os.O_RDWR, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open missing: %v", err)
	}
	if _, err := fsys.OpenFile("nodir/f", rw, 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("create in missing dir: %v", err)
	}
	if _, err := fsys.OpenFile("d", os.O_RDONLY, 0); err == nil {
		t.Fatal("opening a directory as a file succeeded")
	}

	// Read-only handles reject writes; closed handles reject everything.
	r := open(t, fsys, "d/f", os.O_RDONLY)
	if _, err := r.WriteAt([]byte("x"), 0); err == nil {
		t.Fatal("WriteAt on read-only handle succeeded")
	}
	if err := r.Truncate(0); err == nil {
		t.Fatal("Truncate on read-only handle succeeded")
	}
	if err := r.Allocate(10); err == nil {
		t.Fatal("Allocate on read-only handle succeeded")
	}
	must(t, r.Close())
	if err := r.Close(); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := r.ReadAt(buf, 0); !errors.Is(err, fs.ErrClosed) {
		t.Fatalf("ReadAt after Close: %v", err)
	}
	if _, err := fsys.OpenFile("d/f", os.O_RDONLY|os.O_TRUNC, 0); err == nil {
		t.Fatal("O_TRUNC on read-only open succeeded")
	}
	if _, err := fsys.OpenFile("d/f", os.O_RDWR|os.O_APPEND, 0); err == nil {
		t.Fatal("unsupported flag O_APPEND accepted")
	}
	must(t, f.Close())
}

func TestMaxFileSize(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{MaxFileSize: 1000})
	f := open(t, fsys, "f", rw)
	if _, err := f.WriteAt([]byte("x"), 1000); err == nil {
		t.Fatal("write past MaxFileSize succeeded")
	}
	if err := f.Allocate(1001); err == nil {
		t.Fatal("Allocate past MaxFileSize succeeded")
	}
	write(t, f, 999, "x")
}

func TestDirectories(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	must(t, fsys.MkdirAll("a/b/c", 0o755))
	must(t, fsys.MkdirAll("a/b/c", 0o755)) // idempotent
	must(t, fsys.MkdirAll("/abs/dir", 0o755))
	createFile(t, fsys, "a/b", "a/b/z", "z")
	createFile(t, fsys, "a/b", "a/b/a", "a")
	createFile(t, fsys, "a/./b/../b", "./a/b/../b/m", "m")

	if got, want := readDir(t, fsys, "a/b"), []string{"a", "c", "m", "z"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir a/b = %q, want %q", got, want)
	}
	if got, want := readDir(t, fsys, "a/b/"), []string{"a", "c", "m", "z"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir a/b/ = %q, want %q", got, want)
	}
	if got := readDir(t, fsys, "a/b/c"); len(got) != 0 {
		t.Fatalf("ReadDir a/b/c = %q", got)
	}
	if got, want := readDir(t, fsys, "."), []string{"a"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir . = %q, want %q", got, want)
	}
	if got, want := readDir(t, fsys, "/"), []string{"abs"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir / = %q, want %q", got, want)
	}
	if got := contents(t, fsys, "a/b/m"); got != "m" {
		t.Fatalf("a/b/m = %q", got)
	}
	if _, err := fsys.ReadDir("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadDir missing: %v", err)
	}
	if _, err := fsys.ReadDir("a/b/z"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadDir on a file: %v", err)
	}
	if err := fsys.SyncDir("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("SyncDir missing: %v", err)
	}
	if err := fsys.MkdirAll("a/b/z/q", 0o755); err == nil {
		t.Fatal("MkdirAll through a file succeeded")
	}
	if _, err := fsys.OpenFile("a/b/c", rw, 0o644); err == nil {
		t.Fatal("creating a file over a directory succeeded")
	}
	if _, err := fsys.OpenFile("../x", rw, 0o644); err == nil {
		t.Fatal("name escaping the root accepted")
	}

	// Removing directories: only empty ones.
	if err := fsys.Remove("a/b"); err == nil {
		t.Fatal("removing a non-empty directory succeeded")
	}
	must(t, fsys.Remove("a/b/c"))
	if got, want := readDir(t, fsys, "a/b"), []string{"a", "m", "z"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir a/b after rmdir = %q, want %q", got, want)
	}

	// Directories are durable; their synced files survive a crash.
	must(t, fsys.MkdirAll("x/y", 0o755))
	fsys.Crash(nil)
	if got, want := readDir(t, fsys, "a/b"), []string{"a", "m", "z"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir a/b after crash = %q, want %q", got, want)
	}
	if got := readDir(t, fsys, "x/y"); len(got) != 0 {
		t.Fatalf("ReadDir x/y after crash = %q", got)
	}
	if got, want := readDir(t, fsys, "x"), []string{"y"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir x after crash = %q", got)
	}
}

func TestUnsyncedWritesLost(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	f := open(t, fsys, "f", rw)
	must(t, fsys.SyncDir("."))
	write(t, f, 0, "hello")
	if got := contents(t, fsys, "f"); got != "hello" {
		t.Fatalf("before crash: %q", got)
	}
	fsys.Crash(rand.New(rand.NewPCG(1, 1)))
	if got := contents(t, fsys, "f"); got != "" {
		t.Fatalf("after crash: %q, want empty", got)
	}
}

func TestSyncedWritesKept(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	createFile(t, fsys, ".", "f", "0123456789")
	f := open(t, fsys, "f", os.O_RDWR)
	write(t, f, 2, "ab")
	write(t, f, 10, "XYZ")
	must(t, f.Sync())
	write(t, f, 0, "__")    // overwrite, unsynced
	write(t, f, 13, "more") // growth, unsynced
	must(t, f.Truncate(12)) // shrink, unsynced
	fsys.Crash(nil)
	if got := contents(t, fsys, "f"); got != "01ab456789XYZ" {
		t.Fatalf("after crash: %q", got)
	}

	// Shrinks are durable after Sync too.
	g := open(t, fsys, "f", os.O_RDWR)
	must(t, g.Truncate(3))
	must(t, g.Sync())
	must(t, g.Allocate(5))
	fsys.Crash(nil)
	if got := contents(t, fsys, "f"); got != "01a" {
		t.Fatalf("after truncate+sync+crash: %q", got)
	}
}

func TestNewFileNeedsSyncDir(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	must(t, fsys.MkdirAll("d", 0o755))
	f := open(t, fsys, "d/new", rw)
	write(t, f, 0, "data")
	must(t, f.Sync())
	fsys.Crash(nil)
	if _, err := fsys.OpenFile("d/new", os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("unsynced new file after crash: %v", err)
	}
	if got := readDir(t, fsys, "d"); len(got) != 0 {
		t.Fatalf("ReadDir after crash = %q", got)
	}

	// With SyncDir the file survives, with its synced data.
	f = open(t, fsys, "d/new", rw)
	write(t, f, 0, "data")
	must(t, f.Sync())
	must(t, fsys.SyncDir("d"))
	fsys.Crash(nil)
	if got := contents(t, fsys, "d/new"); got != "data" {
		t.Fatalf("synced new file after crash: %q", got)
	}

	// Syncing the directory but not the file keeps an empty file.
	g := open(t, fsys, "d/empty", rw)
	write(t, g, 0, "lost")
	must(t, fsys.SyncDir("d"))
	fsys.Crash(nil)
	if got := contents(t, fsys, "d/empty"); got != "" {
		t.Fatalf("file with unsynced data after crash: %q", got)
	}
}

func TestRenameNeedsSyncDir(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	createFile(t, fsys, ".", "a", "old")
	createFile(t, fsys, ".", "tmp", "new")
	must(t, fsys.Rename("tmp", "a"))
	if got := contents(t, fsys, "a"); got != "new" {
		t.Fatalf("a after rename: %q", got)
	}
	if got, want := readDir(t, fsys, "."), []string{"a"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir after rename = %q", got)
	}
	fsys.Crash(nil)
	if got := contents(t, fsys, "a"); got != "old" {
		t.Fatalf("a after crash: %q, want old", got)
	}
	if got := contents(t, fsys, "tmp"); got != "new" {
		t.Fatalf("tmp after crash: %q, want new", got)
	}

	must(t, fsys.Rename("tmp", "a"))
	must(t, fsys.SyncDir("."))
	fsys.Crash(nil)
	if got := contents(t, fsys, "a"); got != "new" {
		t.Fatalf("a after synced rename and crash: %q", got)
	}
	if got, want := readDir(t, fsys, "."), []string{"a"}; !slices.Equal(got, want) {
		t.Fatalf("ReadDir after synced rename and crash = %q", got)
	}

	if err := fsys.Rename("missing", "b"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("rename missing: %v", err)
	}
}

func TestRemoveNeedsSyncDir(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	createFile(t, fsys, ".", "f", "keep")
	must(t, fsys.Remove("f"))
	if _, err := fsys.OpenFile("f", os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open removed file: %v", err)
	}
	if err := fsys.Remove("f"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("second remove: %v", err)
	}
	fsys.Crash(nil)
	if got := contents(t, fsys, "f"); got != "keep" {
		t.Fatalf("after crash: %q", got)
	}
	must(t, fsys.Remove("f"))
	must(t, fsys.SyncDir("."))
	fsys.Crash(nil)
	if _, err := fsys.OpenFile("f", os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("synced remove undone by crash: %v", err)
	}
}

func TestRemovedFileHandleStillWorks(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	createFile(t, fsys, ".", "f", "abc")
	f := open(t, fsys, "f", os.O_RDWR)
	must(t, fsys.Remove("f"))
	write(t, f, 3, "d")
	must(t, f.Sync())
	buf := make([]byte, 4)
	if n, err := f.ReadAt(buf, 0); n != 4 || err != nil || string(buf) != "abcd" {
		t.Fatalf("ReadAt unlinked = %d, %v, %q", n, err, buf)
	}
	// The remove was not synced, so the file comes back with its synced data.
	fsys.Crash(nil)
	if got := contents(t, fsys, "f"); got != "abcd" {
		t.Fatalf("after crash: %q", got)
	}
}

func TestHandlesDeadAfterCrash(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	createFile(t, fsys, ".", "f", "abc")
	f := open(t, fsys, "f", os.O_RDWR)
	fsys.Crash(nil)
	buf := make([]byte, 3)
	checks := map[string]error{
		"ReadAt":   func() error { _, err := f.ReadAt(buf, 0); return err }(),
		"WriteAt":  func() error { _, err := f.WriteAt(buf, 0); return err }(),
		"Sync":     f.Sync(),
		"Truncate": f.Truncate(0),
		"Allocate": f.Allocate(10),
		"Size":     func() error { _, err := f.Size(); return err }(),
		"Close":    f.Close(),
	}
	for name, err := range checks {
		if !errors.Is(err, crashfs.ErrCrashed) {
			t.Errorf("%s on a pre-crash handle: %v, want ErrCrashed", name, err)
		}
	}
	// The file itself is untouched by those calls and usable through a new handle.
	if got := contents(t, fsys, "f"); got != "abc" {
		t.Fatalf("contents = %q", got)
	}
}

func TestLocks(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	must(t, fsys.MkdirAll("db", 0o755))
	if locked, err := fsys.Locked("db/LOCK"); err != nil || locked {
		t.Fatalf("Locked before Lock = %v, %v", locked, err)
	}
	l1, err := fsys.Lock("db/LOCK")
	must(t, err)
	if got, want := readDir(t, fsys, "db"), []string{"LOCK"}; !slices.Equal(got, want) {
		t.Fatalf("Lock did not create the file: %q", got)
	}
	if _, err := fsys.Lock("db/./LOCK"); !errors.Is(err, vfs.ErrLocked) {
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}
	if locked, err := fsys.Locked("db/LOCK"); err != nil || !locked {
		t.Fatalf("Locked = %v, %v", locked, err)
	}
	must(t, l1.Close())
	if err := l1.Close(); err == nil {
		t.Fatal("second Close of a lock succeeded")
	}
	if locked, _ := fsys.Locked("db/LOCK"); locked {
		t.Fatal("Locked after Close")
	}
	l2, err := fsys.Lock("db/LOCK")
	must(t, err)
	if _, err := fsys.Lock("nodir/LOCK"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Lock in missing dir: %v", err)
	}

	// A crash releases the lock; the stale closer cannot release a new one.
	fsys.Crash(nil)
	if locked, _ := fsys.Locked("db/LOCK"); locked {
		t.Fatal("lock survived the crash")
	}
	l3, err := fsys.Lock("db/LOCK")
	must(t, err)
	if err := l2.Close(); !errors.Is(err, crashfs.ErrCrashed) {
		t.Fatalf("Close of pre-crash lock: %v", err)
	}
	if locked, _ := fsys.Locked("db/LOCK"); !locked {
		t.Fatal("pre-crash closer released the new lock")
	}
	must(t, l3.Close())
}

func TestCrashAfter(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	f := open(t, fsys, "f", rw) // op 1
	if fsys.Ops() != 1 {
		t.Fatalf("Ops = %d after one create", fsys.Ops())
	}
	g := open(t, fsys, "f", os.O_RDONLY) // not a mutating op
	if fsys.Ops() != 1 {
		t.Fatalf("Ops = %d after a read-only open", fsys.Ops())
	}
	must(t, fsys.SyncDir(".")) // op 2
	fsys.SetCrashAfter(3)
	write(t, f, 0, "a") // op 3
	must(t, f.Sync())   // op 4
	if fsys.Crashed() {
		t.Fatal("crashed too early")
	}
	if _, err := f.WriteAt([]byte("b"), 1); !errors.Is(err, crashfs.ErrCrashed) { // op 5
		t.Fatalf("third op after SetCrashAfter(3): %v", err)
	}
	if !fsys.Crashed() {
		t.Fatal("Crashed() = false")
	}
	if fsys.Ops() != 5 {
		t.Fatalf("Ops = %d, want 5", fsys.Ops())
	}
	// Everything fails now, mutating or not.
	buf := make([]byte, 1)
	errs := map[string]error{
		"Sync":     f.Sync(),
		"ReadAt":   func() error { _, err := g.ReadAt(buf, 0); return err }(),
		"Size":     func() error { _, err := f.Size(); return err }(),
		"Close":    g.Close(),
		"Open":     func() error { _, err := fsys.OpenFile("f", os.O_RDONLY, 0); return err }(),
		"Create":   func() error { _, err := fsys.OpenFile("g", rw, 0); return err }(),
		"ReadDir":  func() error { _, err := fsys.ReadDir("."); return err }(),
		"SyncDir":  fsys.SyncDir("."),
		"Rename":   fsys.Rename("f", "g"),
		"Remove":   fsys.Remove("f"),
		"MkdirAll": fsys.MkdirAll("d", 0o755),
		"Lock":     func() error { _, err := fsys.Lock("L"); return err }(),
		"Locked":   func() error { _, err := fsys.Locked("L"); return err }(),
	}
	for name, err := range errs {
		if !errors.Is(err, crashfs.ErrCrashed) {
			t.Errorf("%s after injected crash: %v, want ErrCrashed", name, err)
		}
	}
	if fsys.Ops() != 5 {
		t.Fatalf("Ops counted operations of a dead process: %d", fsys.Ops())
	}
	fsys.Crash(nil)
	if fsys.Crashed() {
		t.Fatal("Crashed() after Crash")
	}
	if got := contents(t, fsys, "f"); got != "a" {
		t.Fatalf("after crash: %q", got)
	}
	// Crash disarmed injection; the FS works again.
	h := open(t, fsys, "f", os.O_RDWR)
	for i := range 10 {
		write(t, h, int64(i), "x")
	}
	must(t, h.Close())

	fsys.SetCrashAfter(2)
	fsys.SetCrashAfter(0) // disarm
	for i := range 5 {
		write(t, open(t, fsys, "f", os.O_RDWR), int64(i), "y")
	}
}

func TestCrashHook(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	var seen []crashfs.Op
	fsys.SetCrashHook(func(op crashfs.Op) bool {
		seen = append(seen, op)
		return op.Kind == "rename"
	})
	createFile(t, fsys, ".", "tmp", "x")
	if err := fsys.Rename("./tmp", "final"); !errors.Is(err, crashfs.ErrCrashed) {
		t.Fatalf("Rename with hook: %v", err)
	}
	want := []crashfs.Op{
		{Seq: 1, Kind: "open", Name: "tmp"},
		{Seq: 2, Kind: "write", Name: "tmp"},
		{Seq: 3, Kind: "sync", Name: "tmp"},
		{Seq: 4, Kind: "syncdir", Name: "."},
		{Seq: 5, Kind: "rename", Name: "tmp"},
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("hook saw %+v, want %+v", seen, want)
	}
	fsys.Crash(nil)
	if got, w := readDir(t, fsys, "."), []string{"tmp"}; !slices.Equal(got, w) {
		t.Fatalf("after crash: %q", got)
	}
	createFile(t, fsys, ".", "more", "y") // hook removed by Crash
}

// workload is a small store-like sequence of operations that stops at the
// first error, returning the number of operations it completed.
func workload(fsys vfs.FS) (int, error) {
	steps := 0
	step := func(err error) error {
		if err == nil {
			steps++
		}
		return err
	}
	if err := fsys.MkdirAll("db", 0o755); err != nil {
		return steps, err
	}
	for seg := range 3 {
		tmp, final := fmt.Sprintf("db/%d.tmp", seg), fmt.Sprintf("db/%d.seg", seg)
		f, err := fsys.OpenFile(tmp, rw|os.O_TRUNC, 0o644)
		if step(err) != nil {
			return steps, err
		}
		if err := step(f.Allocate(4096)); err != nil {
			return steps, err
		}
		for i := range 4 {
			if _, err := f.WriteAt(bytes.Repeat([]byte{byte('a' + i)}, 100), int64(i*100)); step(err) != nil {
				return steps, err
			}
			if err := step(f.Sync()); err != nil {
				return steps, err
			}
		}
		if err := step(fsys.Rename(tmp, final)); err != nil {
			return steps, err
		}
		if err := step(fsys.SyncDir("db")); err != nil {
			return steps, err
		}
		if seg > 0 {
			if err := step(fsys.Remove(fmt.Sprintf("db/%d.seg", seg-1))); err != nil {
				return steps, err
			}
		}
	}
	return steps, nil
}

func TestCrashAtEveryOp(t *testing.T) {
	probe := crashfs.New(crashfs.Config{})
	steps, err := workload(probe)
	must(t, err)
	total := probe.Ops()
	if total != steps {
		t.Fatalf("Ops = %d, workload made %d steps", total, steps)
	}
	for n := 1; n <= total; n++ {
		fsys := crashfs.New(crashfs.Config{})
		fsys.SetCrashAfter(n)
		done, err := workload(fsys)
		if !errors.Is(err, crashfs.ErrCrashed) {
			t.Fatalf("crash at %d: workload error %v", n, err)
		}
		if done != n-1 {
			t.Fatalf("crash at %d: workload completed %d ops, want %d", n, done, n-1)
		}
		fsys.Crash(rand.New(rand.NewPCG(uint64(n), 0)))
		// Invariant of this workload: every .seg file is complete.
		names := readDir(t, fsys, "db")
		for _, name := range names {
			b, err := readFile(fsys, "db/"+name)
			must(t, err)
			if bytes.HasSuffix([]byte(name), []byte(".seg")) {
				if len(b) != 4096 || b[399] != 'd' {
					t.Fatalf("crash at %d: %s is incomplete (%d bytes)", n, name, len(b))
				}
			}
		}
	}
	// SetCrashAfter counts from now, not from the FS's creation.
	probe.SetCrashAfter(total)
	if done, err := workload(probe); !errors.Is(err, crashfs.ErrCrashed) || done != total-1 {
		t.Fatalf("SetCrashAfter(%d) on a second run: %d ops done, %v", total, done, err)
	}
}

func TestTornWrites(t *testing.T) {
	const sectors = 64
	run := func(seed uint64) []byte {
		fsys := crashfs.New(crashfs.Config{TornWrites: true})
		f := open(t, fsys, "f", rw)
		_, err := f.WriteAt(make([]byte, sectors*crashfs.SectorSize), 0)
		must(t, err)
		must(t, f.Sync())
		must(t, fsys.SyncDir("."))
		_, err = f.WriteAt(bytes.Repeat([]byte{0xAA}, sectors*crashfs.SectorSize), 0)
		must(t, err)
		fsys.Crash(rand.New(rand.NewPCG(seed, 7)))
		b, err := readFile(fsys, "f")
		must(t, err)
		return b
	}
	b := run(42)
	if len(b) != sectors*crashfs.SectorSize {
		t.Fatalf("size = %d", len(b))
	}
	kept := 0
	for s := range sectors {
		sec := b[s*crashfs.SectorSize : (s+1)*crashfs.SectorSize]
		switch {
		case bytes.Equal(sec, bytes.Repeat([]byte{0xAA}, crashfs.SectorSize)):
			kept++
		case bytes.Equal(sec, make([]byte, crashfs.SectorSize)):
		default:
			t.Fatalf("sector %d torn inside", s)
		}
	}
	if kept == 0 || kept == sectors {
		t.Fatalf("kept %d of %d unsynced sectors; want some but not all", kept, sectors)
	}
	if !bytes.Equal(run(42), b) {
		t.Fatal("same seed gave a different result")
	}
	if bytes.Equal(run(43), b) {
		t.Fatal("different seeds gave the same result (unlikely)")
	}

	// Synced data is never torn.
	fsys := crashfs.New(crashfs.Config{TornWrites: true})
	createFile(t, fsys, ".", "f", string(bytes.Repeat([]byte{1}, 4*crashfs.SectorSize)))
	fsys.Crash(rand.New(rand.NewPCG(1, 2)))
	if got := contents(t, fsys, "f"); got != string(bytes.Repeat([]byte{1}, 4*crashfs.SectorSize)) {
		t.Fatal("synced data changed by a torn crash")
	}
}

func TestTornGrowth(t *testing.T) {
	const sectors = 16
	sizes := make(map[int]bool)
	for seed := range uint64(50) {
		fsys := crashfs.New(crashfs.Config{TornWrites: true})
		createFile(t, fsys, ".", "f", "head")
		f := open(t, fsys, "f", os.O_RDWR)
		data := bytes.Repeat([]byte{0xBB}, sectors*crashfs.SectorSize-4)
		write(t, f, 4, string(data))
		fsys.Crash(rand.New(rand.NewPCG(seed, 0)))
		b, err := readFile(fsys, "f")
		must(t, err)
		sizes[len(b)] = true
		if len(b) != 4 && len(b)%crashfs.SectorSize != 0 {
			t.Fatalf("seed %d: size %d is neither old nor a sector boundary", seed, len(b))
		}
		if len(b) < 4 {
			t.Fatalf("seed %d: size %d below the durable size", seed, len(b))
		}
		// Each sector is old (head + zeros) or new, never a mix.
		for s := 0; s*crashfs.SectorSize < len(b); s++ {
			sec := b[s*crashfs.SectorSize : min((s+1)*crashfs.SectorSize, len(b))]
			if s == 0 {
				if string(sec[:4]) != "head" {
					t.Fatalf("seed %d: head lost", seed)
				}
				sec = sec[4:]
			}
			allNew := bytes.Count(sec, []byte{0xBB}) == len(sec)
			allZero := bytes.Count(sec, []byte{0}) == len(sec)
			if !allNew && !allZero {
				t.Fatalf("seed %d: sector %d is a mix", seed, s)
			}
		}
	}
	if len(sizes) < 3 {
		t.Fatalf("only sizes %v over 50 seeds; growth should vary", sizes)
	}

	// An unsynced shrink keeps the old or takes the new size.
	got := make(map[int]bool)
	for seed := range uint64(20) {
		fsys := crashfs.New(crashfs.Config{TornWrites: true})
		createFile(t, fsys, ".", "f", string(bytes.Repeat([]byte{1}, 3*crashfs.SectorSize)))
		f := open(t, fsys, "f", os.O_RDWR)
		must(t, f.Truncate(100))
		fsys.Crash(rand.New(rand.NewPCG(seed, 0)))
		b, err := readFile(fsys, "f")
		must(t, err)
		if bytes.Count(b, []byte{1}) != len(b) {
			t.Fatalf("seed %d: shrink changed data", seed)
		}
		got[len(b)] = true
	}
	if !got[100] || !got[3*crashfs.SectorSize] || len(got) != 2 {
		t.Fatalf("sizes after torn shrink: %v", got)
	}
}

func TestTornInterruptedWrite(t *testing.T) {
	const size = 8 * crashfs.SectorSize
	partial := false
	for seed := range uint64(40) {
		fsys := crashfs.New(crashfs.Config{TornWrites: true})
		createFile(t, fsys, ".", "f", string(make([]byte, size)))
		f := open(t, fsys, "f", os.O_RDWR)
		fsys.SetCrashAfter(1)
		if _, err := f.WriteAt(bytes.Repeat([]byte{0xCC}, size), 0); !errors.Is(err, crashfs.ErrCrashed) {
			t.Fatalf("interrupted write: %v", err)
		}
		fsys.Crash(rand.New(rand.NewPCG(seed, 1)))
		b, err := readFile(fsys, "f")
		must(t, err)
		if len(b) != size {
			t.Fatalf("seed %d: size %d", seed, len(b))
		}
		// Within each sector, new bytes form a prefix (the write was applied
		// in order up to some point).
		for s := range 8 {
			sec := b[s*crashfs.SectorSize : (s+1)*crashfs.SectorSize]
			k := bytes.IndexByte(sec, 0)
			if k < 0 {
				k = len(sec)
			}
			if bytes.Count(sec[:k], []byte{0xCC}) != k || bytes.Count(sec[k:], []byte{0}) != len(sec)-k {
				t.Fatalf("seed %d: sector %d is not a prefix of the write", seed, s)
			}
			if k > 0 && k < len(sec) {
				partial = true
			}
		}
	}
	if !partial {
		t.Fatal("no seed tore the interrupted write inside a sector")
	}
}

func TestConcurrentReadWrite(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	f := open(t, fsys, "f", rw)
	must(t, f.Allocate(8*1024))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			buf := bytes.Repeat([]byte{byte(g + 1)}, 1024)
			rbuf := make([]byte, 1024)
			for range 200 {
				if _, err := f.WriteAt(buf, int64(g*1024)); err != nil {
					t.Error(err)
					return
				}
				if _, err := f.ReadAt(rbuf, int64(g*1024)); err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(rbuf, buf) {
					t.Error("read back other data")
					return
				}
				if err := f.Sync(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	must(t, fsys.SyncDir("."))
	fsys.Crash(nil)
	b, err := readFile(fsys, "f")
	must(t, err)
	for g := range 8 {
		if bytes.Count(b[g*1024:(g+1)*1024], []byte{byte(g + 1)}) != 1024 {
			t.Fatalf("region %d lost", g)
		}
	}
}

func TestManySmallSyncedAppends(t *testing.T) {
	fsys := crashfs.New(crashfs.Config{})
	f := open(t, fsys, "f", rw)
	must(t, fsys.SyncDir("."))
	must(t, f.Allocate(4<<20))
	must(t, f.Sync())
	start := time.Now()
	rec := bytes.Repeat([]byte{'r'}, 100)
	const n = 20000
	for i := range n {
		if _, err := f.WriteAt(rec, int64(i*len(rec))); err != nil {
			t.Fatal(err)
		}
		must(t, f.Sync())
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("%d synced appends into a 4 MiB file took %v", n, d)
	}
	fsys.Crash(nil)
	b, err := readFile(fsys, "f")
	must(t, err)
	if len(b) != 4<<20 || bytes.Count(b[:n*len(rec)], []byte{'r'}) != n*len(rec) {
		t.Fatal("appends lost")
	}
}

// TestAgainstModel runs random operations on one directory against a naive
// model that copies whole files on every Sync, crashing now and then.
func TestAgainstModel(t *testing.T) {
	type minode struct{ cur, dur []byte }
	type model struct {
		cur, dur map[string]*minode
	}
	names := []string{"a", "b", "c"}
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 99))
		fsys := crashfs.New(crashfs.Config{MaxFileSize: 1 << 20})
		m := model{cur: map[string]*minode{}, dur: map[string]*minode{}}
		handles := map[string]vfs.File{}
		minodes := map[string]*minode{} // inode behind each handle
		for step := range 400 {
			name := names[rng.IntN(len(names))]
			where := fmt.Sprintf("seed %d step %d", seed, step)
			switch k := rng.IntN(20); {
			case k < 2: // create / open
				f, err := fsys.OpenFile(name, rw, 0o644)
				must(t, err)
				if m.cur[name] == nil {
					m.cur[name] = &minode{}
				}
				if h := handles[name]; h != nil {
					must(t, h.Close())
				}
				handles[name], minodes[name] = f, m.cur[name]
			case k < 9: // write
				if handles[name] == nil {
					continue
				}
				mi := minodes[name]
				off := rng.IntN(4 * crashfs.SectorSize)
				if rng.IntN(3) == 0 {
					off = len(mi.cur) + rng.IntN(700)
				}
				p := make([]byte, rng.IntN(1500))
				for i := range p {
					p[i] = byte(rng.IntN(256))
				}
				_, err := handles[name].WriteAt(p, int64(off))
				must(t, err)
				if len(p) > 0 {
					if end := off + len(p); end > len(mi.cur) {
						mi.cur = append(mi.cur, make([]byte, end-len(mi.cur))...)
					}
					copy(mi.cur[off:], p)
				}
			case k < 11: // truncate / allocate
				if handles[name] == nil {
					continue
				}
				mi := minodes[name]
				size := rng.IntN(5 * crashfs.SectorSize)
				if rng.IntN(2) == 0 {
					must(t, handles[name].Truncate(int64(size)))
				} else {
					must(t, handles[name].Allocate(int64(size)))
					if size < len(mi.cur) {
						size = len(mi.cur)
					}
				}
				if size < len(mi.cur) {
					mi.cur = mi.cur[:size:size]
				} else {
					mi.cur = append(mi.cur, make([]byte, size-len(mi.cur))...)
				}
			case k < 14: // sync
				if handles[name] == nil {
					continue
				}
				must(t, handles[name].Sync())
				minodes[name].dur = slices.Clone(minodes[name].cur)
			case k < 15: // rename
				to := names[rng.IntN(len(names))]
				err := fsys.Rename(name, to)
				if m.cur[name] == nil {
					if !errors.Is(err, fs.ErrNotExist) {
						t.Fatalf("%s: rename missing: %v", where, err)
					}
					continue
				}
				must(t, err)
				ino := m.cur[name]
				delete(m.cur, name)
				m.cur[to] = ino
			case k < 16: // remove
				err := fsys.Remove(name)
				if m.cur[name] == nil {
					if !errors.Is(err, fs.ErrNotExist) {
						t.Fatalf("%s: remove missing: %v", where, err)
					}
					continue
				}
				must(t, err)
				delete(m.cur, name)
			case k < 18: // syncdir
				must(t, fsys.SyncDir("."))
				m.dur = cloneMap(m.cur)
			default: // crash
				fsys.Crash(nil)
				m.cur = cloneMap(m.dur)
				for _, mi := range m.cur {
					mi.cur = slices.Clone(mi.dur)
				}
				clear(handles)
				clear(minodes)
			}
			// Compare the namespace and every file's current contents.
			var want []string
			for n := range m.cur {
				want = append(want, n)
			}
			slices.Sort(want)
			if got := readDir(t, fsys, "."); !slices.Equal(got, want) {
				t.Fatalf("%s: ReadDir = %q, want %q", where, got, want)
			}
			for _, n := range want {
				b, err := readFile(fsys, n)
				must(t, err)
				if !bytes.Equal(b, m.cur[n].cur) {
					t.Fatalf("%s: %s has %d bytes, model %d (or contents differ)", where, n, len(b), len(m.cur[n].cur))
				}
			}
		}
	}
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
