//go:build !embed

package frontend

import (
	"embed"
	"io/fs"
)

// placeholder holds the page served while the console is not built into the
// binary.
//
//go:embed placeholder/index.html
var placeholder embed.FS

// FS returns the console's files. This build has none (it was built without
// the "embed" tag), so FS returns a placeholder index.html that says so.
func FS() fs.FS {
	sub, err := fs.Sub(placeholder, "placeholder")
	if err != nil { // only for an invalid directory name, which this is not
		panic(err)
	}
	return sub
}
