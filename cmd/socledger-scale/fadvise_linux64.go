//go:build linux && (amd64 || arm64 || riscv64 || loong64 || ppc64 || ppc64le || s390x || mips64 || mips64le)

package main

import (
	"os"
	"syscall"
)

// posixFadvDontNeed is POSIX_FADV_DONTNEED on Linux.
const posixFadvDontNeed = 4

// fadviseDontNeed asks the kernel to drop f's clean pages from the page
// cache: posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED). (golang.org/x/sys is
// only an indirect requirement of the module: importing it would change
// go.mod.)
func fadviseDontNeed(f *os.File) error {
	_, _, errno := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, posixFadvDontNeed, 0, 0)
	if errno != 0 {
		return os.NewSyscallError("fadvise64", errno)
	}
	return nil
}
