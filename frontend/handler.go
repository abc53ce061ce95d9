// Package frontend serves socledger's analyst console, a TypeScript web app
// that is built into frontend/dist and embedded in the binary. Handler serves
// the files of any fs.FS as a single-page app; FS returns the built console
// when the binary is built with the "embed" tag, and otherwise a placeholder
// page, so the Go build and tests never need Node. Not built yet: the console
// itself (there is no dist to embed, so every binary serves the placeholder).
package frontend

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// Handler returns an http.Handler that serves the files of fsys:
//
//   - "/" and every path that names no file and has no file extension (a
//     client-side route such as /incidents/42, or a directory) get index.html;
//     directories are never listed;
//   - a path with an extension that names no file gets 404;
//   - HTML is never cached (Cache-Control: no-store), so a new build is picked
//     up at once; files under assets/, whose names the build tool makes unique
//     per content, are cached as immutable; other files are revalidated;
//   - only GET and HEAD are allowed.
//
// fsys must hold index.html at its root.
func Handler(fsys fs.FS) http.Handler {
	return &handler{fsys: fsys}
}

type handler struct {
	fsys fs.FS
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	if h.serveFile(w, r, name) {
		return
	}
	if path.Ext(name) != "" {
		http.NotFound(w, r)
		return
	}
	if !h.serveFile(w, r, "index.html") {
		http.Error(w, "frontend: index.html is missing", http.StatusInternalServerError)
	}
}

// serveFile serves the regular file name of h.fsys and reports whether it
// did; it reports false, having written nothing, when name is not a regular
// file.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	if !fs.ValidPath(name) {
		return false
	}
	f, err := h.fsys.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	content, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			return false
		}
		content = bytes.NewReader(b)
	}

	hdr := w.Header()
	switch {
	case path.Ext(name) == ".html":
		hdr.Set("Cache-Control", "no-store")
	case strings.HasPrefix(name, "assets/"):
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		hdr.Set("Cache-Control", "no-cache")
	}
	hdr.Set("X-Content-Type-Options", "nosniff")
	// Embedded files have no modification time; ServeContent then sends no
	// Last-Modified.
	http.ServeContent(w, r, name, info.ModTime(), content)
	return true
}
