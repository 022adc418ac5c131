package static_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/static"
)

func FuzzServePath(f *testing.F) {
	for _, s := range []string{"/a.txt", "/../secret.txt", "/..%2fsecret.txt", "//secret.txt", "/a.txt\x00", "/.%2e/secret.txt", "/a.0123456789ab.txt"} {
		f.Add(s)
	}
	dir := f.TempDir()
	root := filepath.Join(dir, "public")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "a.txt"), []byte("public"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("TOP SECRET"), 0o644)
	s := static.New(os.DirFS(root), static.Options{Index: true})
	f.Fuzz(func(t *testing.T, p string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = p
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if strings.Contains(rec.Body.String(), "SECRET") {
			t.Fatalf("%q served a file outside the root", p)
		}
		if rec.Code == 200 && rec.Body.String() != "public" {
			t.Fatalf("%q: 200 with %q", p, rec.Body)
		}
	})
}
