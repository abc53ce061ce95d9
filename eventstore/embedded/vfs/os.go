package vfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"
	"unsafe"
)

// ErrLocked is returned by Lock when another holder has the lock.
var ErrLocked = errors.New("vfs: locked by another process")

// OS is the operating system's file system.
type OS struct{}

var _ FS = OS{}

// OpenFile implements FS.
func (OS) OpenFile(name string, flag int, perm uint32) (File, error) {
	f, err := os.OpenFile(name, flag, os.FileMode(perm))
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

// Rename implements FS.
func (OS) Rename(oldname, newname string) error { return os.Rename(oldname, newname) }

// Remove implements FS.
func (OS) Remove(name string) error { return os.Remove(name) }

// ReadDir implements FS.
func (OS) ReadDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	slices.Sort(names)
	return names, nil
}

// MkdirAll implements FS. It syncs the parent of every directory it creates.
func (o OS) MkdirAll(dir string, perm uint32) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("vfs: %s is not a directory", dir)
		}
		return nil
	}
	parent := parentDir(dir)
	if parent != dir {
		if err := o.MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, os.FileMode(perm)); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return o.SyncDir(parent)
}

func parentDir(p string) string {
	for len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			if i == 0 {
				return "/"
			}
			return p[:i]
		}
	}
	return "."
}

// SyncDir implements FS.
func (OS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Lock implements FS with flock(2).
func (OS) Lock(name string) (io.Closer, error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", name, ErrLocked)
		}
		return nil, fmt.Errorf("vfs: lock %s: %w", name, err)
	}
	return f, nil // closing the file releases the lock
}

// Locked implements FS: it probes with a shared non-blocking flock.
func (OS) Locked(name string) (bool, error) {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return true, nil
		}
		return false, fmt.Errorf("vfs: probe lock %s: %w", name, err)
	}
	return false, nil // closing f drops the shared lock
}

var _ ZeroFiller = OS{}

// ZeroFill implements ZeroFiller with O_DIRECT writes of an aligned zero
// buffer (little CPU, no page cache churn), falling back to ordinary writes
// where direct I/O is not supported.
func (OS) ZeroFill(name string, size int64) error {
	const chunk = 1 << 20
	const pageAlign = 4096
	raw := make([]byte, chunk+pageAlign)
	skip := (pageAlign - int(uintptr(unsafe.Pointer(&raw[0]))%pageAlign)) % pageAlign
	zeros := raw[skip : skip+chunk]
	flag := os.O_WRONLY
	if size%pageAlign == 0 {
		flag |= syscall.O_DIRECT
	}
	f, err := os.OpenFile(name, flag, 0)
	if err != nil && flag&syscall.O_DIRECT != 0 {
		f, err = os.OpenFile(name, os.O_WRONLY, 0)
	}
	if err != nil {
		return err
	}
	for off := int64(0); err == nil && off < size; off += chunk {
		_, err = f.WriteAt(zeros[:min(chunk, size-off)], off)
	}
	if err == nil {
		err = osFile{f}.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

type osFile struct{ f *os.File }

func (o osFile) ReadAt(p []byte, off int64) (int, error)  { return o.f.ReadAt(p, off) }
func (o osFile) WriteAt(p []byte, off int64) (int, error) { return o.f.WriteAt(p, off) }
func (o osFile) Close() error                             { return o.f.Close() }
func (o osFile) Truncate(size int64) error                { return o.f.Truncate(size) }

func (o osFile) Sync() error {
	for {
		err := syscall.Fdatasync(int(o.f.Fd()))
		if err != syscall.EINTR {
			if err != nil {
				return &os.PathError{Op: "fdatasync", Path: o.f.Name(), Err: err}
			}
			return nil
		}
	}
}

func (o osFile) Allocate(size int64) error {
	cur, err := o.Size()
	if err != nil {
		return err
	}
	if size <= cur {
		return nil
	}
	err = syscall.Fallocate(int(o.f.Fd()), 0, 0, size)
	if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) {
		return o.f.Truncate(size) // file systems without fallocate: a sparse file
	}
	if err != nil {
		return &os.PathError{Op: "fallocate", Path: o.f.Name(), Err: err}
	}
	return nil
}

func (o osFile) Size() (int64, error) {
	fi, err := o.f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// DiskUsage implements DiskUser: the bytes the file system allocated to
// the file (holes take none).
func (o osFile) DiskUsage() (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(o.f.Fd()), &st); err != nil {
		return 0, &os.PathError{Op: "fstat", Path: o.f.Name(), Err: err}
	}
	return st.Blocks * 512, nil
}
