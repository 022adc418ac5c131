package static_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/galvani-web/galvani/static"
)

// os.DirFS follows a symlink that points out of the directory (a stray link in an
// assets folder serves /etc/passwd); static.Dir confines every name to the directory.
func TestDirRefusesSymlinksOutOfTheDirectory(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("password"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "site.css"), []byte("body{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "leak.txt")); err != nil {
		t.Skip("symlinks unsupported here:", err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("site.css", filepath.Join(root, "alias.css")); err != nil {
		t.Fatal(err)
	}
	dir, err := static.Dir(root)
	if err != nil {
		t.Fatal(err)
	}
	s := static.New(dir, static.Options{})
	for path, want := range map[string]int{"/site.css": 200, "/alias.css": 200, "/leak.txt": 404, "/out/secret.txt": 404} {
		if rec := serve(s, "GET", path, "X", "y"); rec.Code != want {
			t.Errorf("%s: %d %q, want %d", path, rec.Code, rec.Body.String(), want)
		}
	}
	if _, err := static.Dir(filepath.Join(root, "missing")); err == nil {
		t.Error("Dir of a missing directory: no error")
	}
}
