// Package vfs is the small file-system interface through which the embedded
// event store does all its file I/O, with the real implementation (OS).
//
// The interface exists so tests can substitute a strict in-memory file system
// (package crashfs) that forgets every write not yet made durable when a
// machine crash is simulated: file data becomes durable only through
// File.Sync, and the creation, renaming and removal of directory entries only
// through FS.SyncDir on their directory.
package vfs

import "io"

// FS is a file system. Names are slash-separated paths as the os package
// takes them.
type FS interface {
	// OpenFile opens a file as os.OpenFile does; flag is a combination of
	// os.O_RDONLY, os.O_RDWR, os.O_CREATE, os.O_EXCL and os.O_TRUNC
	// (other flags are not supported). Creating a file changes its directory:
	// the new entry is durable only after SyncDir.
	OpenFile(name string, flag int, perm uint32) (File, error)
	// Rename atomically replaces newname with oldname. Durable after SyncDir
	// of the directory (both names are in the same directory).
	Rename(oldname, newname string) error
	// Remove removes a file. Durable after SyncDir.
	Remove(name string) error
	// ReadDir returns the names of the entries of dir, sorted.
	ReadDir(dir string) ([]string, error)
	// MkdirAll creates dir and its parents; each new directory is durable
	// when the call returns.
	MkdirAll(dir string, perm uint32) error
	// SyncDir makes the entries of dir durable (fsync of the directory).
	SyncDir(dir string) error
	// Lock takes an exclusive advisory lock on the file name (creating it),
	// held until the returned closer is closed or the process ends. It fails
	// at once with an error wrapping ErrLocked if another holder has it.
	Lock(name string) (io.Closer, error)
	// Locked reports whether another holder has an exclusive lock on name
	// (false if the file does not exist).
	Locked(name string) (bool, error)
}

// File is an open file. ReadAt and WriteAt may be called concurrently.
type File interface {
	io.ReaderAt
	io.WriterAt
	io.Closer
	// Sync makes the file's data (and its size) durable: fdatasync.
	Sync() error
	// Truncate changes the file's size; durable after Sync.
	Truncate(size int64) error
	// Allocate reserves space so that the file is at least size bytes long,
	// reading as zeros beyond its old end (fallocate where available);
	// durable after Sync.
	Allocate(size int64) error
	// Size returns the file's current size.
	Size() (int64, error)
}

// ZeroFiller is implemented by file systems that can overwrite the first
// size bytes of an existing file with zeros more cheaply than WriteAt (the
// OS does it with direct I/O, bypassing the page cache). The zeros are
// durable when ZeroFill returns.
type ZeroFiller interface {
	ZeroFill(name string, size int64) error
}

// DiskUser is implemented by files that can tell how much disk space they
// take, which is less than their size when they have holes (a segment
// rewritten by a scavenge). Without it, a file's size is its usage.
type DiskUser interface {
	DiskUsage() (int64, error)
}

// DiskUsage returns the disk space f takes.
func DiskUsage(f File) (int64, error) {
	if d, ok := f.(DiskUser); ok {
		return d.DiskUsage()
	}
	return f.Size()
}
