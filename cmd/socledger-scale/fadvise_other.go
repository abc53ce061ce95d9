//go:build !(linux && (amd64 || arm64 || riscv64 || loong64 || ppc64 || ppc64le || s390x || mips64 || mips64le))

package main

import (
	"errors"
	"os"
)

func fadviseDontNeed(*os.File) error { return errors.ErrUnsupported }
