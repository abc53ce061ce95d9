package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// dropCaches drops the data directory dir from the page cache as mode says
// (dropProc, dropFadvise, or dropAuto: proc, else fadvise) and returns the
// method it used.
func dropCaches(mode, dir string) (string, error) {
	if mode != dropFadvise {
		err := dropPageCache()
		if err == nil || mode == dropProc {
			return dropProc, err
		}
	}
	return dropFadvise, fadviseDir(dir)
}

// fadviseDir drops every file below dir from the page cache, once its dirty
// pages are written (fdatasync: DONTNEED leaves dirty pages alone).
func fadviseDir(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile (a temporary file)
		}
		if err != nil {
			return err
		}
		defer f.Close()
		if err := f.Sync(); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if err := fadviseDontNeed(f); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	})
}

// diskUsage returns the disk space the files below dir take (the sum of
// their allocated blocks) and the sum of their sizes.
func diskUsage(dir string) (alloc, size int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		alloc += allocated(fi)
		size += fi.Size()
		return nil
	})
	return alloc, size, err
}
