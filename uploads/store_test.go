package uploads_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/storage"
	"github.com/galvani-web/galvani/uploads"
)

// The attack, end to end: a client names its upload with "../", an absolute path,
// Windows separators or a NUL; the handler saves it under that name; the file lands
// inside the media directory under a clean name, and nothing outside changes.
func TestHostileUploadNamesStoredSafely(t *testing.T) {
	dir := t.TempDir()
	media := filepath.Join(dir, "media")
	victim := filepath.Join(dir, "victim.txt")
	os.WriteFile(victim, []byte("untouched"), 0o600)
	store := storage.NewFileSystem(media, "/media/")
	var stored, received []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, err := uploads.Parse(r, uploads.Limits{})
		if err != nil {
			http.Error(w, "bad upload", 400)
			return
		}
		for _, f := range form.File["doc"] {
			received = append(received, f.Filename)
			rd, _ := f.Open()
			name, err := store.Save(r.Context(), f.Filename, rd)
			rd.Close()
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			stored = append(stored, name)
		}
	}))
	defer srv.Close()
	names := []string{"../victim.txt", "../../victim.txt", victim, `..\victim.txt`, `..\..\..\victim.txt`, "victim.txt\x00.png", ".htaccess"}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, n := range names {
		h := textproto.MIMEHeader{}
		if strings.Contains(n, "\x00") {
			// A NUL cannot travel in a header as it is; RFC 2231 encoding carries it.
			h.Set("Content-Disposition", `form-data; name="doc"; filename*=UTF-8''`+url.PathEscape(n))
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="doc"; filename="%s"`, strings.ReplaceAll(n, `"`, `\"`)))
		}
		pw, _ := mw.CreatePart(h)
		io.WriteString(pw, "pwned")
	}
	mw.Close()
	resp, err := http.Post(srv.URL, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(stored) != len(names) {
		t.Fatalf("stored %v", stored)
	}
	if !strings.Contains(strings.Join(received, "|"), "\x00") || !strings.Contains(strings.Join(received, "|"), `..\`) {
		t.Fatalf("hostile names did not reach the handler: %q", received)
	}
	seen := map[string]bool{}
	for _, n := range stored {
		if seen[n] || !storage.ValidName(n) {
			t.Errorf("stored name %q unsafe or reused", n)
		}
		seen[n] = true
		if _, err := os.Stat(filepath.Join(media, filepath.FromSlash(n))); err != nil {
			t.Errorf("%q not inside the media directory: %v", n, err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "untouched" {
		t.Fatalf("file outside the media directory changed: %q", b)
	}

}
