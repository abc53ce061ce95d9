//go:build !linux

package main

import (
	"errors"
	"io/fs"
)

func rssAnon() (int64, error) { return 0, errors.ErrUnsupported }

func dropPageCache() error { return errors.ErrUnsupported }

func allocated(fi fs.FileInfo) int64 { return fi.Size() }

func freeSpace(string) (int64, error) { return 0, errors.ErrUnsupported }

func ioCounters() (int64, int64, error) { return 0, 0, errors.ErrUnsupported }

func cpuTimes() (int64, int64, int64, error) { return 0, 0, 0, errors.ErrUnsupported }
