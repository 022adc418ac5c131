package uploads

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type part struct {
	field, filename, ctype, body string
}

func body(t testing.TB, parts ...part) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename == "" {
			w.WriteField(p.field, p.body)
			continue
		}
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name=%q; filename=%q`, p.field, p.filename)}
		if p.ctype != "" {
			h["Content-Type"] = []string{p.ctype}
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(pw, p.body)
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

func request(t testing.TB, parts ...part) *http.Request {
	b, ct := body(t, parts...)
	r := httptest.NewRequest("POST", "/", b)
	r.Header.Set("Content-Type", ct)
	return r
}

func status(err error) int {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		return s.HTTPStatus()
	}
	return 0
}

func TestParse(t *testing.T) {
	r := request(t,
		part{field: "title", body: "Holiday"},
		part{field: "tags", body: "a"},
		part{field: "tags", body: "b"},
		part{field: "photo", filename: "beach.png", ctype: "image/png", body: "\x89PNG\r\n\x1a\n rest"},
		part{field: "notes", filename: "notes.txt", body: strings.Repeat("x", 300)},
	)
	f, err := Parse(r, Limits{MaxMemoryBytes: 100, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer f.RemoveAll()
	if f.Value.Get("title") != "Holiday" || len(f.Value["tags"]) != 2 {
		t.Errorf("values = %v", f.Value)
	}
	photo := f.File["photo"][0]
	if photo.Filename != "beach.png" || photo.ContentType != "image/png" || photo.Size != 13 || photo.OnDisk() {
		t.Errorf("photo = %+v", photo)
	}
	if ct, _ := photo.Sniff(); ct != "image/png" {
		t.Errorf("sniffed %q", ct)
	}
	notes := f.File["notes"][0]
	if !notes.OnDisk() || notes.Size != 300 {
		t.Errorf("notes should spill to disk: on disk %v size %d", notes.OnDisk(), notes.Size)
	}
	rd, _ := notes.Open()
	b, _ := io.ReadAll(rd)
	rd.Close()
	if string(b) != strings.Repeat("x", 300) {
		t.Errorf("notes content %q", b)
	}
	if ct, _ := notes.Sniff(); ct != "text/plain; charset=utf-8" {
		t.Errorf("sniffed %q", ct)
	}
	f.RemoveAll()
	if _, err := os.Stat(notes.TempPath()); !os.IsNotExist(err) {
		t.Errorf("temp file survives RemoveAll: %v", err)
	}
}

// The attack table for uploads: each hostile request gets the expected status.
func TestParseLimits(t *testing.T) {
	big := strings.Repeat("A", 2000)
	tests := []struct {
		name   string
		limits Limits
		parts  []part
		status int
		what   string
	}{
		{"file over per-file limit", Limits{MaxFileBytes: 1000}, []part{{field: "f", filename: "a.bin", body: big}}, 413, `file in field "f"`},
		{"file over per-file limit on disk", Limits{MaxFileBytes: 1500, MaxMemoryBytes: 10}, []part{{field: "f", filename: "a.bin", body: big}}, 413, `file in field "f"`},
		{"body over request limit", Limits{MaxRequestBytes: 1000}, []part{{field: "f", filename: "a.bin", body: big}}, 413, "request body"},
		{"values over value limit", Limits{MaxValueBytes: 1000}, []part{{field: "v", body: big}}, 413, "form values"},
		{"many small values over value limit", Limits{MaxValueBytes: 1000}, func() []part {
			var ps []part
			for i := 0; i < 30; i++ {
				ps = append(ps, part{field: "v", body: strings.Repeat("b", 50)})
			}
			return ps
		}(), 413, "form values"},
		{"too many parts", Limits{MaxParts: 5}, func() []part {
			var ps []part
			for i := 0; i < 6; i++ {
				ps = append(ps, part{field: "v", body: "x"})
			}
			return ps
		}(), 400, "more than 5 parts"},
		{"too many files", Limits{MaxFiles: 2}, []part{{field: "f", filename: "1", body: "x"}, {field: "f", filename: "2", body: "x"}, {field: "f", filename: "3", body: "x"}}, 400, "more than 2 files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			tt.limits.TempDir = tmp
			r := request(t, tt.parts...)
			r.ContentLength = -1 // don't let the early Content-Length check answer for us
			f, err := Parse(r, tt.limits)
			if err == nil {
				f.RemoveAll()
				t.Fatal("no error")
			}
			if status(err) != tt.status || !strings.Contains(err.Error(), tt.what) {
				t.Errorf("err = %v (status %d), want %d mentioning %q", err, status(err), tt.status, tt.what)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("temporary files left after a refused request: %v", entries)
			}
		})
	}
}

func TestParseContentLengthEarly(t *testing.T) {
	r := request(t, part{field: "v", body: strings.Repeat("x", 5000)})
	_, err := Parse(r, Limits{MaxRequestBytes: 100})
	if status(err) != 413 {
		t.Fatalf("err = %v", err)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		status            int
	}{
		{"not multipart", "application/json", "{}", 415},
		{"no content type", "", "x", 415},
		{"no boundary", "multipart/form-data", "x", 400},
		{"garbage body", "multipart/form-data; boundary=XX", "garbage", 400},
		{"truncated", "multipart/form-data; boundary=XX", "--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", 400},
		{"bad header", "multipart/form-data; boundary=XX", "--XX\r\nno colon here\r\n\r\nv\r\n--XX--\r\n", 400},
		{"empty body", "multipart/form-data; boundary=XX", "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			_, err := Parse(r, Limits{})
			if status(err) != tt.status {
				t.Errorf("err = %v (status %d), want %d", err, status(err), tt.status)
			}
		})
	}
}

// Temporary files are gone once the handler has returned, without the handler
// doing anything.
func TestTempFilesRemovedAfterRequest(t *testing.T) {
	tmp := t.TempDir()
	seen := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := Parse(r, Limits{MaxMemoryBytes: 10, TempDir: tmp})
		if err != nil {
			http.Error(w, err.Error(), status(err))
			return
		}
		file := f.File["doc"][0]
		if _, err := os.Stat(file.TempPath()); err != nil {
			t.Errorf("temp file missing during the request: %v", err)
		}
		seen <- file.TempPath()
		w.WriteHeader(204)
	}))
	defer srv.Close()
	b, ct := body(t, part{field: "doc", filename: "big.txt", body: strings.Repeat("z", 1000)})
	resp, err := http.Post(srv.URL, ct, b)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	path := <-seen
	if filepath.Dir(path) != tmp {
		t.Fatalf("temp file %q not in %q", path, tmp)
	}
	// The cleanup runs from the request context's cancellation, just after the
	// handler returns; wait for it without a timing threshold.
	for i := 0; ; i++ {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			break
		}
		if i > 2000 {
			t.Fatal("temp file still present long after the request")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An oversize upload to a real server is answered 413.
func TestServer413(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := Parse(r, Limits{MaxRequestBytes: 1 << 10})
		if err != nil {
			http.Error(w, "upload refused", status(err))
			return
		}
		f.RemoveAll()
	}))
	defer srv.Close()
	b, ct := body(t, part{field: "f", filename: "x", body: strings.Repeat("y", 64<<10)})
	resp, err := http.Post(srv.URL, ct, b)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

func TestRemoveAllIdempotent(t *testing.T) {
	b, ct := body(t, part{field: "f", filename: "x", body: strings.Repeat("y", 100)})
	_, params, _ := strings.Cut(ct, "boundary=")
	f, err := ParseReader(b, params, Limits{MaxMemoryBytes: 1, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveAll(); err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveAll(); err != nil {
		t.Fatal(err)
	}
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]string{
		"<html><script>":    "text/html; charset=utf-8",
		"GIF89a....":        "image/gif",
		"%PDF-1.4":          "application/pdf",
		"\x00\x01\x02\x03":  "application/octet-stream",
		"":                  "text/plain; charset=utf-8",
		"plain words here.": "text/plain; charset=utf-8",
	} {
		got, err := Sniff(strings.NewReader(in))
		if err != nil || got != want {
			t.Errorf("Sniff(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func FuzzParseReader(f *testing.F) {
	b, ct := body(f, part{field: "a", body: "1"}, part{field: "f", filename: "x.txt", body: "hello"})
	_, boundary, _ := strings.Cut(ct, "boundary=")
	f.Add(b.Bytes())
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--" + boundary + "--\r\n"))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../../x\"\r\n\r\nv\r\n--" + boundary + "--\r\n"))
	f.Add([]byte("garbage"))
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		l := Limits{MaxRequestBytes: 4096, MaxFileBytes: 256, MaxMemoryBytes: 64, MaxValueBytes: 512, MaxParts: 20, MaxFiles: 5, TempDir: tmp}
		form, err := ParseReader(bytes.NewReader(data), boundary, l)
		if err != nil {
			if s := status(err); s != 400 && s != 413 {
				t.Fatalf("error without a 4xx status: %v", err)
			}
			return
		}
		defer form.RemoveAll()
		var files, valueBytes int
		for _, fs := range form.File {
			for _, fh := range fs {
				files++
				if fh.Size > l.MaxFileBytes {
					t.Fatalf("file of %d bytes accepted", fh.Size)
				}
			}
		}
		for _, vs := range form.Value {
			for _, v := range vs {
				valueBytes += len(v)
			}
		}
		if files > l.MaxFiles || int64(valueBytes) > l.MaxValueBytes {
			t.Fatalf("limits not enforced: %d files, %d value bytes", files, valueBytes)
		}
	})
}

func ExampleParse() {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("title", "Holiday")
	fw, _ := mw.CreateFormFile("photo", "../../beach.png")
	fw.Write([]byte("\x89PNG\r\n\x1a\n..."))
	mw.Close()
	r := httptest.NewRequest("POST", "/upload", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())

	form, err := Parse(r, Limits{MaxFileBytes: 5 << 20})
	if err != nil {
		fmt.Println(err) // a *TooLargeError (413) or *BadRequestError (400/415)
		return
	}
	defer form.RemoveAll()
	photo := form.File["photo"][0]
	kind, _ := photo.Sniff()
	fmt.Println(form.Value.Get("title"), photo.Filename, photo.Size, kind)
	// Output: Holiday beach.png 11 image/png
}

// A limit set further out (the core's MaxBodyBytes, a body-limit middleware) is a
// 413 too, not a malformed body.
func TestOuterBodyLimitIs413(t *testing.T) {
	r := request(t, part{field: "f", filename: "x", body: strings.Repeat("y", 5000)})
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1000)
	r.ContentLength = -1
	_, err := Parse(r, Limits{})
	if status(err) != 413 {
		t.Fatalf("err = %v", err)
	}
}
