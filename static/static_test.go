package static_test

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/middleware"
	"github.com/galvani-web/galvani/static"
)

var mod = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"css/site.css":      {Data: []byte("body{color:red}"), ModTime: mod},
		"js/app.js":         {Data: []byte("console.log(1)"), ModTime: mod},
		"img/logo.png":      {Data: []byte("\x89PNG\r\n\x1a\nfake"), ModTime: mod},
		"fonts/a.woff2":     {Data: []byte("wOF2"), ModTime: mod},
		"LICENSE":           {Data: []byte("MIT"), ModTime: mod},
		"docs/index.html":   {Data: []byte("<h1>docs</h1>"), ModTime: mod},
		"data/big.txt":      {Data: []byte(strings.Repeat("0123456789", 100)), ModTime: mod},
		".env":              {Data: []byte("SECRET_KEY=x")},
		"css/.hidden.css":   {Data: []byte("x")},
		"weird/noext":       {Data: []byte("<html><body>sniff me</body></html>"), ModTime: mod},
		"dir/only/file.txt": {Data: []byte("f")},
	}
}

func serve(h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestServeFiles(t *testing.T) {
	s := static.New(testFS(), static.Options{Prefix: "/static/"})
	h := http.StripPrefix("/static", s)
	cases := []struct {
		path, ctype, body string
	}{
		{"/static/css/site.css", "text/css; charset=utf-8", "body{color:red}"},
		{"/static/js/app.js", "text/javascript; charset=utf-8", "console.log(1)"},
		{"/static/img/logo.png", "image/png", "\x89PNG\r\n\x1a\nfake"},
		{"/static/fonts/a.woff2", "font/woff2", "wOF2"},
		{"/static/weird/noext", "text/html; charset=utf-8", "<html><body>sniff me</body></html>"},
	}
	for _, tc := range cases {
		rec := serve(h, "GET", tc.path)
		h := rec.Header()
		if rec.Code != 200 || rec.Body.String() != tc.body || h.Get("Content-Type") != tc.ctype {
			t.Errorf("%s: %d %q %q", tc.path, rec.Code, h.Get("Content-Type"), rec.Body)
		}
		if h.Get("ETag") == "" || h.Get("Cache-Control") != "no-cache" || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("Last-Modified") != mod.Format(http.TimeFormat) {
			t.Errorf("%s: caching headers %v", tc.path, h)
		}
	}
}

func TestRefusesHostilePaths(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "public")
	os.MkdirAll(filepath.Join(root, "css"), 0o755)
	os.WriteFile(filepath.Join(root, "css", "a.css"), []byte("a{}"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("TOP SECRET"), 0o644)
	s := static.New(os.DirFS(root), static.Options{Prefix: "/static/"})
	app := galvani.New(galvani.Settings{})
	app.Mount("/static", s)
	bad := []string{
		"/static/../secret.txt",
		"/static/css/../../secret.txt",
		"/static/%2e%2e/secret.txt",
		"/static/%2E%2E%2Fsecret.txt",
		"/static/..%2fsecret.txt",
		"/static/css/..%5c..%5csecret.txt",
		"/static/..\\secret.txt",
		"/static/css/a.css%00.png",
		"/static/%0a",
		"/static/..",
	}
	for _, p := range bad {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = strings.TrimPrefix(mustUnescape(t, p), "/static")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 400 || strings.Contains(rec.Body.String(), "SECRET") {
			t.Errorf("%s: %d %q", p, rec.Code, rec.Body)
		}
		// Through the App's Mount, the router may refuse it first; it must never serve it.
		req = httptest.NewRequest("GET", "/", nil)
		req.URL.Path = mustUnescape(t, p)
		rec = httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		if rec.Code < 400 || strings.Contains(rec.Body.String(), "SECRET") {
			t.Errorf("%s: %d %q", p, rec.Code, rec.Body)
		}
	}
	notFound := []string{
		"/static//etc/passwd",
		"/static/" + dir + "/secret.txt",
		"/static/./css/a.css",
		"/static/css//a.css",
		"/static/%252e%252e/secret.txt",
		"/static/",
		"/static/css/",
		"/static/css",
	}
	for _, p := range notFound {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = strings.TrimPrefix(mustUnescape(t, p), "/static")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 404 || strings.Contains(rec.Body.String(), "SECRET") {
			t.Errorf("%s: %d %q", p, rec.Code, rec.Body)
		}
	}
	if rec := serve(s, "GET", "/css/a.css"); rec.Code != 200 || rec.Body.String() != "a{}" {
		t.Fatalf("good path: %d", rec.Code)
	}
}

func mustUnescape(t *testing.T, p string) string {
	t.Helper()
	req, err := http.NewRequest("GET", "http://x"+strings.ReplaceAll(p, "\\", "%5c"), nil)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return req.URL.Path
}

func TestDotFilesAndDirectories(t *testing.T) {
	s := static.New(testFS(), static.Options{})
	for _, p := range []string{"/.env", "/css/.hidden.css", "/docs/", "/docs", "/dir/only", "/", "/nope.css"} {
		if rec := serve(s, "GET", p); rec.Code != 404 {
			t.Errorf("%s: %d %q", p, rec.Code, rec.Body)
		}
	}
	idx := static.New(testFS(), static.Options{Index: true})
	if rec := serve(idx, "GET", "/docs/"); rec.Code != 200 || rec.Body.String() != "<h1>docs</h1>" {
		t.Errorf("index: %d %q", rec.Code, rec.Body)
	}
	if rec := serve(idx, "GET", "/docs?x=1"); rec.Code != 301 || rec.Header().Get("Location") != "docs/?x=1" {
		t.Errorf("index redirect: %d %v", rec.Code, rec.Header())
	}
	if rec := serve(idx, "GET", "/dir/only/"); rec.Code != 404 {
		t.Errorf("directory without index listed: %d %q", rec.Code, rec.Body)
	}
}

func TestMethodsHeadRangesConditional(t *testing.T) {
	s := static.New(testFS(), static.Options{MaxAge: time.Hour})
	if rec := serve(s, "POST", "/css/site.css"); rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %v", rec.Code, rec.Header())
	}
	head := serve(s, "HEAD", "/data/big.txt")
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != "1000" {
		t.Errorf("HEAD: %d %v %d", head.Code, head.Header(), head.Body.Len())
	}
	if cc := head.Header().Get("Cache-Control"); cc != "public, max-age=3600" {
		t.Errorf("Cache-Control %q", cc)
	}
	rng := serve(s, "GET", "/data/big.txt", "Range", "bytes=10-19")
	if rng.Code != 206 || rng.Body.String() != "0123456789" || rng.Header().Get("Content-Range") != "bytes 10-19/1000" {
		t.Errorf("range: %d %v %q", rng.Code, rng.Header(), rng.Body)
	}
	if bad := serve(s, "GET", "/data/big.txt", "Range", "bytes=5000-6000"); bad.Code != 416 {
		t.Errorf("unsatisfiable range: %d", bad.Code)
	}
	if junk := serve(s, "GET", "/data/big.txt", "Range", "lines=1-2"); junk.Code != 200 && junk.Code != 416 {
		t.Errorf("junk range: %d", junk.Code)
	}
	etag := head.Header().Get("ETag")
	if rec := serve(s, "GET", "/data/big.txt", "If-None-Match", etag); rec.Code != 304 || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d", rec.Code)
	}
	if rec := serve(s, "GET", "/data/big.txt", "If-None-Match", "W/"+etag); rec.Code != 304 {
		t.Errorf("weak If-None-Match: %d", rec.Code)
	}
	if rec := serve(s, "GET", "/data/big.txt", "If-Modified-Since", mod.Format(http.TimeFormat)); rec.Code != 304 {
		t.Errorf("If-Modified-Since: %d", rec.Code)
	}
	if rec := serve(s, "GET", "/data/big.txt", "If-None-Match", `"stale"`); rec.Code != 200 {
		t.Errorf("stale etag: %d", rec.Code)
	}
}

func TestFingerprintedURLs(t *testing.T) {
	fsys := testFS()
	files := static.New(fsys, static.Options{Prefix: "/static"})
	s := http.StripPrefix("/static", files)
	u, err := files.URL("css/site.css")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "/static/css/site.") || !strings.HasSuffix(u, ".css") || len(u) != len("/static/css/site..css")+12 {
		t.Fatalf("URL = %q", u)
	}
	rec := serve(s, "GET", u)
	if rec.Code != 200 || rec.Body.String() != "body{color:red}" || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		rec.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("fingerprinted: %d %v", rec.Code, rec.Header())
	}
	lic, err := files.URL("LICENSE")
	if err != nil || serve(s, "GET", lic).Body.String() != "MIT" {
		t.Fatalf("no-extension fingerprint %q: %v", lic, err)
	}
	// The content changes: the old URL is gone, the new one works.
	fsys["css/site.css"] = &fstest.MapFile{Data: []byte("body{color:blue}"), ModTime: mod.Add(time.Hour)}
	if rec := serve(s, "GET", u); rec.Code != 404 {
		t.Fatalf("stale fingerprint served: %d", rec.Code)
	}
	u2, _ := files.URL("css/site.css")
	if u2 == u || serve(s, "GET", u2).Body.String() != "body{color:blue}" {
		t.Fatalf("new URL %q", u2)
	}
	if rec := serve(s, "GET", "/static/css/site.000000000000.css"); rec.Code != 404 {
		t.Fatalf("forged fingerprint: %d", rec.Code)
	}
	for _, bad := range []string{"missing.css", "../etc/passwd", "", "css/", ".env"} {
		if _, err := files.URL(bad); err == nil {
			t.Errorf("URL(%q) succeeded", bad)
		}
	}
}

func TestUnionAndApps(t *testing.T) {
	project := fstest.MapFS{"css/site.css": {Data: []byte("project version")}}
	appFiles := fstest.MapFS{"shop/cart.js": {Data: []byte("cart")}, "css/site.css": {Data: []byte("app version")}}
	u := static.Union(project, appFiles)
	s := static.New(u, static.Options{})
	if b := serve(s, "GET", "/css/site.css").Body.String(); b != "project version" {
		t.Fatalf("override: %q", b)
	}
	if b := serve(s, "GET", "/shop/cart.js").Body.String(); b != "cart" {
		t.Fatalf("app file: %q", b)
	}
	if _, err := u.Open("../x"); err == nil {
		t.Fatal("invalid name opened")
	}
	ga := galvani.New(galvani.Settings{}, staticApp{appFiles})
	s2 := static.New(static.FromApps(ga, project), static.Options{Prefix: "/static/"})
	ga.Mount("/static", s2)
	c := galvanitest.New(t, ga)
	c.Get("/static/shop/cart.js").AssertStatus(200).AssertContains("cart")
	c.Get("/static/css/site.css").AssertStatus(200).AssertContains("project version")
	c.Get("/static/../go.mod").AssertStatus(404)
}

type staticApp struct{ files fstest.MapFS }

func (a staticApp) Label() string { return "shop" }
func (a staticApp) Static() fs.FS { return a.files }

// Behind Compress, over a real connection: whole files are gzipped, ranges are not.
func TestBehindCompress(t *testing.T) {
	css := strings.Repeat("body { color: red; }\n", 200)
	s := static.New(fstest.MapFS{"site.css": {Data: []byte(css), ModTime: mod}}, static.Options{})
	srv := httptest.NewServer(middleware.Compress(middleware.CompressOptions{})(s))
	defer srv.Close()
	get := func(hdr ...string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+"/site.css", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	whole := get()
	zr, err := gzip.NewReader(whole.Body)
	if err != nil {
		t.Fatalf("not gzipped: %v %v", err, whole.Header)
	}
	b, _ := io.ReadAll(zr)
	if string(b) != css || !strings.HasPrefix(whole.Header.Get("ETag"), `W/"`) || whole.Header.Get("Accept-Ranges") != "" {
		t.Fatalf("whole file: %v", whole.Header)
	}
	part := get("Range", "bytes=0-3")
	b, _ = io.ReadAll(part.Body)
	if part.StatusCode != 206 || string(b) != "body" || part.Header.Get("Content-Encoding") != "" {
		t.Fatalf("range: %d %v %q", part.StatusCode, part.Header, b)
	}
	etag := whole.Header.Get("ETag")
	if nm := get("If-None-Match", etag); nm.StatusCode != 304 {
		t.Fatalf("revalidation with the weakened ETag: %d", nm.StatusCode)
	}
}
