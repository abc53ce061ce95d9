// Package crashfs is a strict in-memory implementation of vfs.FS that
// simulates machine crashes (power loss), for the embedded event store's
// crash tests.
//
// # Model
//
// Every file (inode) has two versions of its contents: the current bytes,
// which reads see, and the durable bytes, which survive a crash. WriteAt,
// Truncate and Allocate change the current bytes only; File.Sync copies the
// current bytes (data and size, like fdatasync) to the durable ones.
//
// Every directory likewise has current entries (name → inode), which
// OpenFile, ReadDir and friends see, and durable entries. Creating a file
// with OpenFile, Rename and Remove change the current entries only;
// FS.SyncDir copies a directory's current entries to its durable ones. A file
// that is synced but whose directory is not is therefore lost in a crash, and
// an unsynced rename or remove is undone. Directories themselves are always
// durable: MkdirAll creates them durably and, like vfs.OS, syncs the parent
// of every directory it creates; removing an empty directory is durable at
// once. Names are slash-separated and normalised with path.Clean; relative
// names live under the root "." and absolute ones under "/", two separate
// trees that both always exist. Names escaping the root ("../x") are
// rejected.
//
// # Crashes
//
// Crash simulates a power loss followed by a reboot: every directory's
// entries become its durable entries, every surviving file's contents become
// its durable bytes, every open File handle and lock closer becomes invalid
// (each method returns an error wrapping ErrCrashed), all locks are released
// (the process died), and the FS is usable again: the test then reopens its
// store on the same FS, as after a reboot.
//
// With Config.TornWrites, Crash instead simulates a page cache that was
// partly written back, in arbitrary order: for every file, each 512-byte
// sector (SectorSize) whose current contents differ from its durable ones
// independently takes its current contents with probability 1/2, else keeps
// its durable ones. A file that grew since its last Sync grows to the end of
// the last new sector kept, and the new sectors not kept read as zeros (the
// size was written back but not that data); a file that shrank since its
// last Sync keeps its old or takes its new size, with probability 1/2 each.
// Sectors never tear internally, except for the one write that was
// interrupted by an injected crash (see below). Namespace changes are never
// torn: they are durable exactly when SyncDir says so.
//
// # Crash injection
//
// A test can make the process "die" at a chosen mutating operation with
// SetCrashAfter (or SetCrashHook). The mutating operations are File.WriteAt,
// File.Sync, File.Truncate, File.Allocate, OpenFile with os.O_CREATE or
// os.O_TRUNC, Rename, Remove and SyncDir; each call of one counts, whether
// it then succeeds or fails, and Ops reports how many there were so far, so a
// test can measure a workload once and then crash it at random points. The
// crashing operation and every later call of any method (reads included) on
// the FS, its files and its lock closers fail with an error wrapping
// ErrCrashed, until the test calls Crash. With TornWrites, if the crashing
// operation was a WriteAt, a random prefix of its bytes (chosen by Crash's
// rng, possibly none or all of them) is applied to the current contents
// before the crash is simulated, so the interrupted write can be torn inside
// a sector.
//
// Crash draws randomness only from the *rand.Rand it is given, visiting
// files in creation order, so a seeded generator makes a test deterministic.
//
// # Sizes and costs
//
// Everything is held in memory, about twice the size of every file. Sync
// copies only the byte ranges changed since the previous Sync (tracked as a
// few dirty ranges per file) plus any growth, so appending and syncing is
// cheap however large the file; Crash copies every surviving file whole. The
// model is meant for files of up to a few MiB (the store's crash tests use
// segments of 64–256 KiB); Config.MaxFileSize (1 GiB by default) rejects
// writes that would make a file larger, catching runaway offsets.
//
// All methods are safe for concurrent use; one mutex serialises them.
package crashfs

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/socledger/socledger/eventstore/embedded/vfs"
)

// ErrCrashed is wrapped by the error of every operation made after an
// injected crash, and of every operation on a file handle or lock closer
// that was open when Crash was called.
var ErrCrashed = errors.New("crashfs: crashed")

// SectorSize is the unit in which Crash tears unsynced data with
// Config.TornWrites.
const SectorSize = 512

// DefaultMaxFileSize is the largest file size allowed when
// Config.MaxFileSize is zero.
const DefaultMaxFileSize = 1 << 30

var (
	errIsDir       = errors.New("is a directory")
	errNotDir      = errors.New("not a directory")
	errNotEmpty    = errors.New("directory not empty")
	errTooLarge    = errors.New("file too large")
	errNotReadable = errors.New("file not open for reading")
	errNotWritable = errors.New("file not open for writing")
)

// Config configures an FS.
type Config struct {
	// TornWrites makes Crash keep a random subset of each file's unsynced
	// sectors instead of none, and lets the write interrupted by an
	// injected crash be partly applied (see the package documentation).
	TornWrites bool
	// MaxFileSize is the largest size a file may reach; writes, truncations
	// and allocations beyond it fail. Zero means DefaultMaxFileSize.
	MaxFileSize int64
}

// Op describes a mutating operation, for SetCrashHook.
type Op struct {
	// Seq is the operation's number: Ops() just after it was counted.
	Seq int
	// Kind is "write", "sync", "truncate", "allocate", "open" (OpenFile
	// with os.O_CREATE or os.O_TRUNC), "rename", "remove" or "syncdir".
	Kind string
	// Name is the file or directory operated on, cleaned (the old name for
	// "rename").
	Name string
}

// FS is an in-memory vfs.FS that simulates crashes. Create it with New.
type FS struct {
	mu      sync.Mutex
	cfg     Config
	dirs    map[string]*dir // by cleaned path; "." and "/" always exist
	nextIno uint64
	epoch   uint64 // incremented by Crash; handles of older epochs are dead
	ops     int
	crashAt int // crash when ops reaches it; 0: never
	hook    func(Op) bool
	dead    bool          // an injected crash happened; waiting for Crash
	pending *pendingWrite // the WriteAt an injected crash interrupted
	locks   map[string]*lockCloser
}

var _ vfs.FS = (*FS)(nil)

type dir struct {
	cur, dur map[string]*inode // file entries by base name
	subdirs  map[string]struct{}
}

func newDir() *dir {
	return &dir{
		cur:     make(map[string]*inode),
		dur:     make(map[string]*inode),
		subdirs: make(map[string]struct{}),
	}
}

type pendingWrite struct {
	ino  *inode
	off  int64
	data []byte
}

// New returns an empty FS.
func New(cfg Config) *FS {
	if cfg.MaxFileSize <= 0 {
		cfg.MaxFileSize = DefaultMaxFileSize
	}
	return &FS{
		cfg:   cfg,
		dirs:  map[string]*dir{".": newDir(), "/": newDir()},
		locks: make(map[string]*lockCloser),
	}
}

// Ops returns the number of mutating operations made so far (see the
// package documentation). Crash does not reset it.
func (f *FS) Ops() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ops
}

// SetCrashAfter arms an injected crash at the n-th mutating operation from
// now (n = 1: the very next one). n <= 0 disarms it. Crash disarms it too.
func (f *FS) SetCrashAfter(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n <= 0 {
		f.crashAt = 0
	} else {
		f.crashAt = f.ops + n
	}
}

// SetCrashHook installs a function called with every mutating operation
// before it takes effect; if it returns true, the process crashes at that
// operation, as with SetCrashAfter. It is called with the FS's mutex held
// and must not call the FS. nil removes it; Crash removes it too.
func (f *FS) SetCrashHook(hook func(Op) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = hook
}

// Crashed reports whether an injected crash has happened and Crash has not
// been called since: every operation fails with ErrCrashed.
func (f *FS) Crashed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dead
}

// Crash simulates a power loss and reboot (see the package documentation):
// only durable state survives, open handles and locks die, and injected
// crashes are disarmed. rng is used only with Config.TornWrites; nil means a
// fixed seed.
func (f *FS) Crash(rng *rand.Rand) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rng == nil {
		rng = rand.New(rand.NewPCG(1, 2))
	}
	if f.cfg.TornWrites && f.pending != nil && len(f.pending.data) > 0 {
		p := f.pending
		if k := rng.IntN(len(p.data) + 1); k > 0 {
			p.ino.writeAt(p.data[:k], p.off)
		}
	}
	f.pending = nil

	seen := make(map[*inode]bool)
	var inodes []*inode
	for _, d := range f.dirs {
		for _, ino := range d.dur {
			if !seen[ino] {
				seen[ino] = true
				inodes = append(inodes, ino)
			}
		}
		d.cur = maps.Clone(d.dur)
	}
	slices.SortFunc(inodes, func(a, b *inode) int { return cmp.Compare(a.id, b.id) })
	for _, ino := range inodes {
		if f.cfg.TornWrites {
			ino.tear(rng)
		} else {
			ino.cur = slices.Clone(ino.dur)
		}
		ino.dirty = nil
	}

	f.epoch++
	f.dead = false
	f.crashAt = 0
	f.hook = nil
	clear(f.locks)
}

// mutate counts a mutating operation and decides whether the process
// crashes at it, returning ErrCrashed if so or if it is already dead.
func (f *FS) mutate(kind, name string) error {
	if f.dead {
		return ErrCrashed
	}
	f.ops++
	crash := f.crashAt != 0 && f.ops >= f.crashAt
	if !crash && f.hook != nil {
		crash = f.hook(Op{Seq: f.ops, Kind: kind, Name: name})
	}
	if crash {
		f.dead = true
		f.crashAt = 0
		return ErrCrashed
	}
	return nil
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// cleanName normalises a name with path.Clean and rejects names that are
// empty or escape the root.
func cleanName(name string) (string, error) {
	if name == "" {
		return "", fs.ErrInvalid
	}
	p := path.Clean(name)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fs.ErrInvalid
	}
	return p, nil
}

// fileDir returns the directory holding the file entry p (cleaned) and its
// base name, failing if p is a directory or its directory does not exist.
func (f *FS) fileDir(p string) (*dir, string, error) {
	if _, ok := f.dirs[p]; ok {
		return nil, "", errIsDir
	}
	parent := path.Dir(p)
	d, ok := f.dirs[parent]
	if !ok {
		if f.isFile(parent) {
			return nil, "", errNotDir
		}
		return nil, "", fs.ErrNotExist
	}
	return d, path.Base(p), nil
}

// isFile reports whether p (cleaned) is a file in the current namespace.
func (f *FS) isFile(p string) bool {
	if _, ok := f.dirs[p]; ok {
		return false
	}
	d, ok := f.dirs[path.Dir(p)]
	if !ok {
		return false
	}
	_, ok = d.cur[path.Base(p)]
	return ok
}

func (f *FS) newInode() *inode {
	f.nextIno++
	return &inode{id: f.nextIno}
}

// OpenFile implements vfs.FS. flag must combine one of os.O_RDONLY,
// os.O_WRONLY and os.O_RDWR with any of os.O_CREATE, os.O_EXCL and
// os.O_TRUNC; os.O_TRUNC needs write access. perm is ignored.
func (f *FS) OpenFile(name string, flag int, perm uint32) (vfs.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return nil, pathErr("open", name, ErrCrashed)
	}
	p, err := cleanName(name)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	const access = os.O_RDONLY | os.O_WRONLY | os.O_RDWR
	const supported = access | os.O_CREATE | os.O_EXCL | os.O_TRUNC
	acc := flag & access
	if flag&^supported != 0 || (acc != os.O_RDONLY && acc != os.O_WRONLY && acc != os.O_RDWR) {
		return nil, pathErr("open", name, fmt.Errorf("crashfs: unsupported flags %#x: %w", flag, fs.ErrInvalid))
	}
	if flag&os.O_TRUNC != 0 && acc == os.O_RDONLY {
		return nil, pathErr("open", name, fmt.Errorf("crashfs: O_TRUNC without write access: %w", fs.ErrInvalid))
	}
	if flag&(os.O_CREATE|os.O_TRUNC) != 0 {
		if err := f.mutate("open", p); err != nil {
			return nil, pathErr("open", name, err)
		}
	}
	d, base, err := f.fileDir(p)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	ino, ok := d.cur[base]
	switch {
	case !ok && flag&os.O_CREATE == 0:
		return nil, pathErr("open", name, fs.ErrNotExist)
	case !ok:
		ino = f.newInode()
		d.cur[base] = ino
	case flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, pathErr("open", name, fs.ErrExist)
	}
	if flag&os.O_TRUNC != 0 {
		ino.setLen(0)
	}
	return &file{
		fs:       f,
		ino:      ino,
		name:     name,
		path:     p,
		epoch:    f.epoch,
		readable: acc != os.O_WRONLY,
		writable: acc != os.O_RDONLY,
	}, nil
}

// Rename implements vfs.FS. Only files can be renamed; the names may be in
// different directories, each change being durable after SyncDir of its
// directory.
func (f *FS) Rename(oldname, newname string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	lerr := func(err error) error {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: err}
	}
	if f.dead {
		return lerr(ErrCrashed)
	}
	op, err := cleanName(oldname)
	if err != nil {
		return lerr(err)
	}
	np, err := cleanName(newname)
	if err != nil {
		return lerr(err)
	}
	if err := f.mutate("rename", op); err != nil {
		return lerr(err)
	}
	sd, sb, err := f.fileDir(op)
	if err != nil {
		return lerr(err)
	}
	ino, ok := sd.cur[sb]
	if !ok {
		return lerr(fs.ErrNotExist)
	}
	td, tb, err := f.fileDir(np)
	if err != nil {
		return lerr(err)
	}
	if op == np {
		return nil
	}
	delete(sd.cur, sb)
	td.cur[tb] = ino
	return nil
}

// Remove implements vfs.FS. Removing a file is durable after SyncDir;
// removing an empty directory is durable at once (and forgets any durable
// entries it still had).
func (f *FS) Remove(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return pathErr("remove", name, ErrCrashed)
	}
	p, err := cleanName(name)
	if err != nil {
		return pathErr("remove", name, err)
	}
	if err := f.mutate("remove", p); err != nil {
		return pathErr("remove", name, err)
	}
	if d, ok := f.dirs[p]; ok {
		if p == "." || p == "/" {
			return pathErr("remove", name, fmt.Errorf("crashfs: cannot remove the root: %w", fs.ErrInvalid))
		}
		if len(d.cur) > 0 || len(d.subdirs) > 0 {
			return pathErr("remove", name, errNotEmpty)
		}
		delete(f.dirs, p)
		delete(f.dirs[path.Dir(p)].subdirs, path.Base(p))
		return nil
	}
	d, base, err := f.fileDir(p)
	if err != nil {
		return pathErr("remove", name, err)
	}
	if _, ok := d.cur[base]; !ok {
		return pathErr("remove", name, fs.ErrNotExist)
	}
	delete(d.cur, base)
	return nil
}

// ReadDir implements vfs.FS: the sorted names of the files (current
// entries) and subdirectories of dir.
func (f *FS) ReadDir(dirname string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.lookupDir("readdir", dirname)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(d.cur)+len(d.subdirs))
	for n := range d.cur {
		names = append(names, n)
	}
	for n := range d.subdirs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// lookupDir returns the directory named name, failing if the process is
// dead or there is no such directory.
func (f *FS) lookupDir(op, name string) (*dir, error) {
	if f.dead {
		return nil, pathErr(op, name, ErrCrashed)
	}
	p, err := cleanName(name)
	if err != nil {
		return nil, pathErr(op, name, err)
	}
	d, ok := f.dirs[p]
	if !ok {
		if f.isFile(p) {
			return nil, pathErr(op, name, errNotDir)
		}
		return nil, pathErr(op, name, fs.ErrNotExist)
	}
	return d, nil
}

// MkdirAll implements vfs.FS. Like vfs.OS, it syncs the parent of every
// directory it creates (making all that parent's current entries durable);
// it is not a counted mutating operation. perm is ignored.
func (f *FS) MkdirAll(dirname string, perm uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return pathErr("mkdir", dirname, ErrCrashed)
	}
	p, err := cleanName(dirname)
	if err != nil {
		return pathErr("mkdir", dirname, err)
	}
	return f.mkdirAll(p, dirname)
}

func (f *FS) mkdirAll(p, orig string) error {
	if _, ok := f.dirs[p]; ok {
		return nil
	}
	parent := path.Dir(p)
	if err := f.mkdirAll(parent, orig); err != nil {
		return err
	}
	pd := f.dirs[parent]
	base := path.Base(p)
	if _, ok := pd.cur[base]; ok {
		return pathErr("mkdir", orig, errNotDir)
	}
	f.dirs[p] = newDir()
	pd.subdirs[base] = struct{}{}
	pd.dur = maps.Clone(pd.cur)
	return nil
}

// SyncDir implements vfs.FS.
func (f *FS) SyncDir(dirname string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return pathErr("syncdir", dirname, ErrCrashed)
	}
	p, err := cleanName(dirname)
	if err != nil {
		return pathErr("syncdir", dirname, err)
	}
	if err := f.mutate("syncdir", p); err != nil {
		return pathErr("syncdir", dirname, err)
	}
	d, err := f.lookupDir("syncdir", dirname)
	if err != nil {
		return err
	}
	d.dur = maps.Clone(d.cur)
	return nil
}

// Lock implements vfs.FS: an exclusive lock within this FS, keyed by the
// cleaned name. It creates the file if missing (a current entry only, like
// OpenFile; not a counted operation). A second Lock fails with an error
// wrapping vfs.ErrLocked until the first closer is closed or Crash is
// called.
func (f *FS) Lock(name string) (io.Closer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return nil, pathErr("lock", name, ErrCrashed)
	}
	p, err := cleanName(name)
	if err != nil {
		return nil, pathErr("lock", name, err)
	}
	d, base, err := f.fileDir(p)
	if err != nil {
		return nil, pathErr("lock", name, err)
	}
	if _, ok := f.locks[p]; ok {
		return nil, pathErr("lock", name, vfs.ErrLocked)
	}
	if _, ok := d.cur[base]; !ok {
		d.cur[base] = f.newInode()
	}
	l := &lockCloser{fs: f, name: p, epoch: f.epoch}
	f.locks[p] = l
	return l, nil
}

// Locked implements vfs.FS: whether a lock on name is held.
func (f *FS) Locked(name string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return false, pathErr("locked", name, ErrCrashed)
	}
	p, err := cleanName(name)
	if err != nil {
		return false, pathErr("locked", name, err)
	}
	_, ok := f.locks[p]
	return ok, nil
}

type lockCloser struct {
	fs     *FS
	name   string
	epoch  uint64
	closed bool
}

func (l *lockCloser) Close() error {
	f := l.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead || l.epoch != f.epoch {
		return pathErr("unlock", l.name, ErrCrashed)
	}
	if l.closed {
		return pathErr("unlock", l.name, fs.ErrClosed)
	}
	l.closed = true
	if f.locks[l.name] == l {
		delete(f.locks, l.name)
	}
	return nil
}

// file is an open file handle.
type file struct {
	fs       *FS
	ino      *inode
	name     string // as given to OpenFile, for errors
	path     string // cleaned, for Op
	epoch    uint64
	readable bool
	writable bool
	closed   bool
}

// check fails if the handle cannot be used; f.fs.mu must be held.
func (h *file) check(op string) error {
	if h.fs.dead || h.epoch != h.fs.epoch {
		return pathErr(op, h.name, ErrCrashed)
	}
	if h.closed {
		return pathErr(op, h.name, fs.ErrClosed)
	}
	return nil
}

// checkWrite is check plus write access and valid bounds: off >= 0 and
// end <= Config.MaxFileSize, end < 0 meaning an overflow.
func (h *file) checkWrite(op string, off, end int64) error {
	if err := h.check(op); err != nil {
		return err
	}
	if !h.writable {
		return pathErr(op, h.name, errNotWritable)
	}
	if off < 0 || end < 0 {
		return pathErr(op, h.name, fs.ErrInvalid)
	}
	if end > h.fs.cfg.MaxFileSize {
		return pathErr(op, h.name, errTooLarge)
	}
	return nil
}

func (h *file) ReadAt(p []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("read"); err != nil {
		return 0, err
	}
	if !h.readable {
		return 0, pathErr("read", h.name, errNotReadable)
	}
	if off < 0 {
		return 0, pathErr("read", h.name, fs.ErrInvalid)
	}
	if len(p) == 0 {
		return 0, nil
	}
	cur := h.ino.cur
	if off >= int64(len(cur)) {
		return 0, io.EOF
	}
	n := copy(p, cur[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (h *file) WriteAt(p []byte, off int64) (int, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	end := off
	if len(p) > 0 {
		end = off + int64(len(p))
	}
	if err := h.checkWrite("write", off, end); err != nil {
		return 0, err
	}
	if err := h.fs.mutate("write", h.path); err != nil {
		h.fs.pending = &pendingWrite{ino: h.ino, off: off, data: slices.Clone(p)}
		return 0, pathErr("write", h.name, err)
	}
	h.ino.writeAt(p, off)
	return len(p), nil
}

func (h *file) Close() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("close"); err != nil {
		return err
	}
	h.closed = true
	return nil
}

func (h *file) Sync() error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("sync"); err != nil {
		return err
	}
	if err := h.fs.mutate("sync", h.path); err != nil {
		return pathErr("sync", h.name, err)
	}
	h.ino.sync()
	return nil
}

func (h *file) Truncate(size int64) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.checkWrite("truncate", 0, size); err != nil {
		return err
	}
	if err := h.fs.mutate("truncate", h.path); err != nil {
		return pathErr("truncate", h.name, err)
	}
	h.ino.setLen(size)
	return nil
}

func (h *file) Allocate(size int64) error {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.checkWrite("allocate", 0, size); err != nil {
		return err
	}
	if err := h.fs.mutate("allocate", h.path); err != nil {
		return pathErr("allocate", h.name, err)
	}
	if size > int64(len(h.ino.cur)) {
		h.ino.setLen(size)
	}
	return nil
}

func (h *file) Size() (int64, error) {
	h.fs.mu.Lock()
	defer h.fs.mu.Unlock()
	if err := h.check("size"); err != nil {
		return 0, err
	}
	return int64(len(h.ino.cur)), nil
}

// inode is a file's contents. cur and dur never share memory. dirty covers
// every byte position where cur may differ from dur, including positions
// added or removed by size changes since the last sync.
type inode struct {
	id       uint64 // creation order, for deterministic crashes
	cur, dur []byte
	dirty    []span
}

// span is the byte range [lo, hi).
type span struct{ lo, hi int64 }

// maxSpans bounds the dirty list; beyond it the list collapses into one
// covering span (correct, just copies more on the next Sync).
const maxSpans = 32

// addSpan adds [lo, hi) to spans, a sorted list of disjoint, non-adjacent
// spans, merging as needed.
func addSpan(spans []span, lo, hi int64) []span {
	if lo >= hi {
		return spans
	}
	i := sort.Search(len(spans), func(i int) bool { return spans[i].hi >= lo })
	j := i
	for j < len(spans) && spans[j].lo <= hi {
		lo = min(lo, spans[j].lo)
		hi = max(hi, spans[j].hi)
		j++
	}
	return slices.Replace(spans, i, j, span{lo, hi})
}

func (ino *inode) markDirty(lo, hi int64) {
	ino.dirty = addSpan(ino.dirty, lo, hi)
	if len(ino.dirty) > maxSpans {
		ino.dirty = []span{{ino.dirty[0].lo, ino.dirty[len(ino.dirty)-1].hi}}
	}
}

// setLen shrinks cur or extends it with zeros.
func (ino *inode) setLen(n int64) {
	old := int64(len(ino.cur))
	switch {
	case n < old:
		ino.cur = ino.cur[:n]
		ino.markDirty(n, old)
	case n > old:
		if n > int64(cap(ino.cur)) {
			ino.cur = slices.Grow(ino.cur, int(n-old))
		}
		ino.cur = ino.cur[:n]
		clear(ino.cur[old:])
		ino.markDirty(old, n)
	}
}

func (ino *inode) writeAt(p []byte, off int64) {
	if len(p) == 0 {
		return
	}
	end := off + int64(len(p))
	if end > int64(len(ino.cur)) {
		ino.setLen(end)
	}
	copy(ino.cur[off:end], p)
	ino.markDirty(off, end)
}

// sync makes dur equal to cur, copying only dirty ranges and growth.
func (ino *inode) sync() {
	n, d := int64(len(ino.cur)), int64(len(ino.dur))
	if n < d {
		ino.dur = ino.dur[:n]
	} else if n > d {
		ino.dur = append(ino.dur, ino.cur[d:n]...)
	}
	common := min(n, d)
	for _, s := range ino.dirty {
		if hi := min(s.hi, common); s.lo < hi {
			copy(ino.dur[s.lo:hi], ino.cur[s.lo:hi])
		}
	}
	ino.dirty = ino.dirty[:0]
}

// tear replaces cur and dur with a random mix of the two, sector by sector,
// as documented for Config.TornWrites.
func (ino *inode) tear(rng *rand.Rand) {
	c, d := int64(len(ino.cur)), int64(len(ino.dur))
	spans := slices.Clone(ino.dirty)
	spans = addSpan(spans, min(c, d), max(c, d))
	limit := max(c, d)
	var kept []int64 // sector numbers, ascending
	last := int64(-1)
	for _, s := range spans {
		hi := min(s.hi, limit)
		for sec := s.lo / SectorSize; sec*SectorSize < hi; sec++ {
			if sec <= last {
				continue
			}
			last = sec
			a, b := sec*SectorSize, (sec+1)*SectorSize
			if bytes.Equal(ino.cur[min(a, c):min(b, c)], ino.dur[min(a, d):min(b, d)]) {
				continue
			}
			if rng.IntN(2) == 0 {
				kept = append(kept, sec)
			}
		}
	}
	l := d
	if c > d {
		for _, sec := range kept {
			l = max(l, min((sec+1)*SectorSize, c))
		}
	} else if c < d && rng.IntN(2) == 0 {
		l = c
	}
	out := make([]byte, l)
	copy(out, ino.dur[:min(d, l)])
	for _, sec := range kept {
		a := sec * SectorSize
		if e := min((sec+1)*SectorSize, c, l); a < e {
			copy(out[a:e], ino.cur[a:e])
		}
	}
	ino.cur = out
	ino.dur = slices.Clone(out)
}
