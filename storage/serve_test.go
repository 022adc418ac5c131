package storage

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	dir := t.TempDir()
	fsys := NewFileSystem(filepath.Join(dir, "media"), "/")
	ctx := context.Background()
	var pngData bytes.Buffer
	png.Encode(&pngData, image.NewRGBA(image.Rect(0, 0, 2, 2)))
	save := func(name string, data []byte) string {
		n, err := fsys.Save(ctx, name, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	photo := save("photos/cat.png", pngData.Bytes())
	fake := save("photos/fake.png", []byte("<html><script>alert(1)</script>"))
	svg := save("logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`))
	page := save("page.html", []byte("<h1>hi</h1>"))
	save("docs/été.pdf", []byte("%PDF-1.7\n"))
	// A secret beside the media directory, and a link inside it pointing out.
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644)
	os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(dir, "media", "link.txt"))

	mem := &Memory{BaseURL: "/m/"}
	memPhoto, _ := mem.Save(ctx, "a.png", bytes.NewReader(pngData.Bytes()))
	files, memFiles := Handler(fsys), Handler(mem)

	for _, tc := range []struct {
		name, method, path string
		status             int
		typ, disposition   string // "" for none
		body               string // a part of it
	}{
		{"image inline", "GET", "/" + photo, 200, "image/png", "", "\x89PNG"},
		{"image head", "HEAD", "/" + photo, 200, "image/png", "", ""},
		{"html named png is a download", "GET", "/" + fake, 200, "image/png", `attachment; filename=fake.png`, "<html>"},
		{"svg is a download", "GET", "/" + svg, 200, "image/svg+xml", `attachment; filename=logo.svg`, "<svg"},
		{"html is a download", "GET", "/" + page, 200, "text/html; charset=utf-8", `attachment; filename=page.html`, "<h1>"},
		{"unicode name", "GET", "/docs/été.pdf", 200, "application/pdf", `attachment; filename*=utf-8''%C3%A9t%C3%A9.pdf`, "%PDF"},
		{"memory storage", "GET", "mem:/" + memPhoto, 200, "image/png", "", "\x89PNG"},
		{"missing", "GET", "/photos/none.png", 404, "", "", ""},
		{"traversal", "GET", "/../secret.txt", 404, "", "", ""},
		{"absolute", "GET", "//" + dir + "/secret.txt", 404, "", "", ""},
		{"backslash traversal", "GET", `/..\secret.txt`, 404, "", "", ""},
		{"nul", "GET", "/photos/cat.png\x00.txt", 404, "", "", ""},
		{"symlink out", "GET", "/link.txt", 404, "", "", ""},
		{"hidden file", "GET", "/.htaccess", 404, "", "", ""},
		{"directory", "GET", "/photos", 404, "", "", ""},
		{"post", "POST", "/" + photo, 405, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The path as the handler sees it under its mount, decoded and
			// uncleaned (a router in front may not clean it).
			h := files
			path := tc.path
			if p, ok := strings.CutPrefix(path, "mem:"); ok {
				h, path = memFiles, p
			}
			req := httptest.NewRequest(tc.method, "/", nil)
			req.URL.Path = path
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if strings.Contains(w.Body.String(), "secret") {
				t.Fatal("served the file outside the storage")
			}
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if tc.status != 200 {
				return
			}
			hd := w.Header()
			if hd.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(hd.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("headers %v", hd)
			}
			if hd.Get("Content-Type") != tc.typ || hd.Get("Content-Disposition") != tc.disposition {
				t.Errorf("type %q disposition %q", hd.Get("Content-Type"), hd.Get("Content-Disposition"))
			}
			if !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("body %q", w.Body.String())
			}
		})
	}
}

// A range request to a file on disk gets its part.
func TestHandlerRange(t *testing.T) {
	fsys := NewFileSystem(t.TempDir(), "/")
	name, _ := fsys.Save(context.Background(), "a.txt", strings.NewReader("0123456789"))
	req := httptest.NewRequest("GET", "/"+name, nil)
	req.Header.Set("Range", "bytes=2-4")
	w := httptest.NewRecorder()
	Handler(fsys).ServeHTTP(w, req)
	if w.Code != 206 || w.Body.String() != "234" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}
