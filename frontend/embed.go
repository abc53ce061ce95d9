//go:build embed

package frontend

import (
	"embed"
	"io/fs"
)

// dist holds the built console (npm run build writes frontend/dist).
//
//go:embed all:dist
var dist embed.FS

// FS returns the console's files, embedded from frontend/dist at build time.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // only for an invalid directory name, which this is not
		panic(err)
	}
	return sub
}
