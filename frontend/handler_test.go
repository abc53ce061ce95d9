package frontend_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/socledger/socledger/frontend"
)

var site = fstest.MapFS{
	"index.html":              {Data: []byte("<!doctype html><title>console</title>")},
	"favicon.ico":             {Data: []byte("icon")},
	"assets/app-3f9a1c.js":    {Data: []byte("console.log(1)")},
	"assets/style-77b0e2.css": {Data: []byte("body{}")},
}

func TestHandler(t *testing.T) {
	t.Parallel()
	h := frontend.Handler(site)
	tests := []struct {
		name        string
		method      string
		path        string
		wantStatus  int
		wantBody    string // a substring; "" checks nothing
		wantType    string // a prefix of Content-Type; "" checks nothing
		wantCaching string // Cache-Control; "" checks nothing
	}{
		{name: "root", path: "/", wantStatus: 200, wantBody: "<title>console</title>", wantType: "text/html", wantCaching: "no-store"},
		{name: "index", path: "/index.html", wantStatus: 200, wantBody: "<title>console</title>", wantCaching: "no-store"},
		{name: "client route", path: "/incidents/42", wantStatus: 200, wantBody: "<title>console</title>", wantCaching: "no-store"},
		{name: "directory is not listed", path: "/assets/", wantStatus: 200, wantBody: "<title>console</title>"},
		{name: "directory without slash", path: "/assets", wantStatus: 200, wantBody: "<title>console</title>"},
		{name: "dot dot stays inside", path: "/assets/../../favicon.ico", wantStatus: 200, wantBody: "icon"},
		{name: "dot dot missing file", path: "/../../secret.txt", wantStatus: 404},
		{name: "hashed asset", path: "/assets/app-3f9a1c.js", wantStatus: 200, wantBody: "console.log(1)", wantType: "text/javascript", wantCaching: "public, max-age=31536000, immutable"},
		{name: "css", path: "/assets/style-77b0e2.css", wantStatus: 200, wantType: "text/css"},
		{name: "other file", path: "/favicon.ico", wantStatus: 200, wantBody: "icon", wantCaching: "no-cache"},
		{name: "missing file", path: "/assets/gone-000000.js", wantStatus: 404},
		{name: "head", method: http.MethodHead, path: "/", wantStatus: 200, wantCaching: "no-store"},
		{name: "post", method: http.MethodPost, path: "/", wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, tt.path, nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s: status %d, want %d; body %q", method, tt.path, res.StatusCode, tt.wantStatus, body)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("%s %s: body %q does not contain %q", method, tt.path, body, tt.wantBody)
			}
			if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, tt.wantType) {
				t.Errorf("%s %s: Content-Type %q, want %q…", method, tt.path, got, tt.wantType)
			}
			if got := res.Header.Get("Cache-Control"); tt.wantCaching != "" && got != tt.wantCaching {
				t.Errorf("%s %s: Cache-Control %q, want %q", method, tt.path, got, tt.wantCaching)
			}
		})
	}
}

func TestHandlerWithoutIndex(t *testing.T) {
	t.Parallel()
	h := frontend.Handler(fstest.MapFS{"app.js": {Data: []byte("x")}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/incidents", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500 when index.html is missing", rec.Code)
	}
}

func TestFSPlaceholder(t *testing.T) {
	t.Parallel()
	if err := fstest.TestFS(frontend.FS(), "index.html"); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	frontend.Handler(frontend.FS()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	for _, want := range []string{"the analyst console is not built yet", `href="/healthz"`} {
		if !strings.Contains(body, want) {
			t.Errorf("placeholder page lacks %q", want)
		}
	}
}
