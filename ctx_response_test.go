package galvani

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestRedirect(t *testing.T) {
	a, _ := testApp(t, false)
	a.Get("/r", func(c *Ctx) error {
		s, _ := c.QueryInt("s", 302)
		return c.Redirect(s, c.Query("to"))
	})
	a.Get("/next", func(c *Ctx) error { return c.RedirectLocal(303, c.Query("next"), "/home") })
	for _, tc := range []struct {
		query    string
		status   int
		location string
	}{
		{"to=/articles/", 302, "/articles/"},
		{"to=https://example.com/x&s=301", 301, "https://example.com/x"},
		{"to=/a&s=308", 308, "/a"},
		{"to=" + url.QueryEscape("/x\r\nSet-Cookie: evil=1"), 400, ""},
		{"to=" + url.QueryEscape("/x\nLocation: //evil"), 400, ""},
		{"to=" + url.QueryEscape("/x\x00"), 400, ""},
		{"to=/a&s=200", 500, ""},
		{"to=/a&s=404", 500, ""},
		{"to=/a&s=304", 500, ""},
		{"to=/a&s=307", 307, "/a"},
		{"to=", 500, ""},
	} {
		w := do(a, "GET", "/r?"+tc.query, nil)
		if w.Code != tc.status || w.Header().Get("Location") != tc.location {
			t.Errorf("%q: got %d Location %q, want %d %q", tc.query, w.Code, w.Header().Get("Location"), tc.status, tc.location)
		}
		if w.Header().Get("Set-Cookie") != "" {
			t.Errorf("%q: header injection: %v", tc.query, w.Header())
		}
	}
	for _, tc := range []struct{ next, location string }{
		{"/account/", "/account/"},
		{"/search?q=a%20b", "/search?q=a%20b"},
		{"https://evil.example/", "/home"},
		{"//evil.example/", "/home"},
		{`/\evil.example`, "/home"},
		{`\\evil.example`, "/home"},
		{"javascript:alert(1)", "/home"},
		{" //evil.example", "/home"},
		{"\t//evil.example", "/home"},
		{"", "/home"},
	} {
		w := do(a, "GET", "/next?next="+url.QueryEscape(tc.next), nil)
		if w.Code != 303 || w.Header().Get("Location") != tc.location {
			t.Errorf("next=%q: got %d %q, want 303 %q", tc.next, w.Code, w.Header().Get("Location"), tc.location)
		}
	}
}

func TestIsLocalURL(t *testing.T) {
	for _, tc := range []struct {
		u    string
		want bool
	}{
		{"/", true},
		{"/a/b?c=d#e", true},
		{"page/2", true},
		{"?page=2", true},
		{"#top", true},
		{"", false},
		{"//evil.example", false},
		{"///evil.example", false},
		{`/\evil.example`, false},
		{`\/evil.example`, false},
		{`\\evil.example`, false},
		{"http://evil.example", false},
		{"https:evil.example", false},
		{"HTTPS://evil.example", false},
		{"javascript:alert(1)", false},
		{"JaVaScRiPt:alert(1)", false},
		{"data:text/html,<script>", false},
		{"mailto:a@b", false},
		{" /a", false},
		{"/a\r\nX: y", false},
		{"\x01//evil", false},
		{"/%2F%2Fevil.example", true}, // a path on this site; browsers do not decode it into a host
		{"%zz", false},
	} {
		if got := IsLocalURL(tc.u); got != tc.want {
			t.Errorf("IsLocalURL(%q) = %v, want %v", tc.u, got, tc.want)
		}
	}
}

func FuzzIsLocalURL(f *testing.F) {
	for _, s := range []string{"/a", "//x", `/\x`, "http://x", "?q", " /x", "javascript:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		if !IsLocalURL(u) {
			return
		}
		// Whatever a browser does with it, it must not name another host.
		norm := strings.ReplaceAll(u, `\`, "/")
		p, err := url.Parse(norm)
		if err != nil || p.Host != "" || p.Scheme != "" || strings.HasPrefix(norm, "//") {
			t.Fatalf("IsLocalURL(%q) = true but it parses as %+v (%v)", u, p, err)
		}
	})
}

// noSeekFS serves files that cannot seek, like an archive or a network FS might.
type noSeekFS struct{ fs.FS }

type noSeekFile struct{ f fs.File }

func (n noSeekFile) Stat() (fs.FileInfo, error) { return n.f.Stat() }
func (n noSeekFile) Read(p []byte) (int, error) { return n.f.Read(p) }
func (n noSeekFile) Close() error               { return n.f.Close() }

func (n noSeekFS) Open(name string) (fs.File, error) {
	f, err := n.FS.Open(name)
	if err != nil {
		return nil, err
	}
	return noSeekFile{f}, nil
}

type deniedFS struct{}

func (deniedFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
}

func TestFile(t *testing.T) {
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	fsys := fstest.MapFS{
		"css/site.css":  {Data: []byte("body{}"), ModTime: mod},
		"docs/a b.txt":  {Data: []byte("0123456789"), ModTime: mod},
		"docs/sub/x.js": {Data: []byte("x()"), ModTime: mod},
		"secret.txt":    {Data: []byte("top secret")},
	}
	sub, _ := fs.Sub(fsys, "docs")
	a, _ := testApp(t, false)
	a.Get("/static/{path...}", func(c *Ctx) error { return c.File(sub, c.Param("path")) })
	a.Get("/raw", func(c *Ctx) error { return c.File(sub, c.Query("p")) })
	a.Get("/noseek/{path...}", func(c *Ctx) error { return c.File(noSeekFS{sub}, c.Param("path")) })
	a.Get("/dl", func(c *Ctx) error { return c.Attachment(sub, "a b.txt", `report "final".txt`) })
	a.Get("/denied", func(c *Ctx) error { return c.File(deniedFS{}, "x") })
	for _, tc := range []struct {
		path   string
		hdr    []string
		status int
		body   string
	}{
		{"/static/a%20b.txt", nil, 200, "0123456789"},
		{"/static/sub/x.js", nil, 200, "x()"},
		{"/static/a%20b.txt", []string{"Range", "bytes=2-4"}, 206, "234"},
		{"/static/a%20b.txt", []string{"If-Modified-Since", mod.Add(time.Hour).Format(http.TimeFormat)}, 304, ""},
		{"/static/sub", nil, 404, ""},
		{"/static/missing.txt", nil, 404, ""},
		{"/raw?p=../secret.txt", nil, 404, ""},
		{"/raw?p=sub/../../secret.txt", nil, 404, ""},
		{"/raw?p=/etc/passwd", nil, 404, ""},
		{"/raw?p=" + url.QueryEscape(`..\secret.txt`), nil, 404, ""},
		{"/raw?p=" + url.QueryEscape(`sub\..\..\secret.txt`), nil, 404, ""},
		{"/raw?p=a%20b.txt%00.js", nil, 404, ""},
		{"/raw?p=", nil, 404, ""},
		{"/raw?p=.", nil, 404, ""},
		{"/raw?p=./a%20b.txt", nil, 404, ""},
		{"/noseek/a%20b.txt", nil, 200, "0123456789"},
		{"/noseek/a%20b.txt", []string{"If-Modified-Since", mod.Format(http.TimeFormat)}, 304, ""},
		{"/noseek/sub", nil, 404, ""},
		{"/denied", nil, 403, ""},
	} {
		w := do(a, "GET", tc.path, nil, tc.hdr...)
		if w.Code != tc.status || (tc.body != "" && w.Body.String() != tc.body) {
			t.Errorf("%s %v: got %d %q, want %d %q", tc.path, tc.hdr, w.Code, w.Body, tc.status, tc.body)
		}
		if strings.Contains(w.Body.String(), "secret") {
			t.Errorf("%s escaped the FS: %s", tc.path, w.Body)
		}
	}
	w := do(a, "GET", "/static/sub/x.js", nil)
	if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") || w.Header().Get("Last-Modified") != mod.Format(http.TimeFormat) {
		t.Errorf("headers: %v", w.Header())
	}
	w = do(a, "GET", "/dl", nil)
	if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="report \"final\".txt"` || w.Body.String() != "0123456789" {
		t.Errorf("attachment: %q %q", cd, w.Body)
	}
}

func TestStream(t *testing.T) {
	a, logs := testApp(t, false)
	a.Get("/events", func(c *Ctx) error {
		return c.Stream(200, "text/event-stream", func(w io.Writer) error {
			for i := range 3 {
				if _, err := fmt.Fprintf(w, "data: %d\n\n", i); err != nil {
					return err
				}
			}
			return errors.New("feed closed early")
		})
	})
	w := do(a, "GET", "/events", nil)
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/event-stream" || !w.Flushed {
		t.Errorf("got %d %v flushed=%v", w.Code, w.Header(), w.Flushed)
	}
	if w.Body.String() != "data: 0\n\ndata: 1\n\ndata: 2\n\n" {
		t.Errorf("body %q (an error after streaming must not add to it)", w.Body)
	}
	if !strings.Contains(logs.String(), "feed closed early") {
		t.Errorf("the stream's error must be logged: %s", logs)
	}
}

// htmlEngine is a TemplateEngine on html/template, as a project might plug in: it
// renders into a buffer, so it writes nothing when it fails.
type htmlEngine struct{ t *template.Template }

func (e htmlEngine) Render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	var b bytes.Buffer
	if err := e.t.ExecuteTemplate(&b, name, data); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// streamingEngine breaks the TemplateEngine contract by writing as it goes.
type streamingEngine struct{ t *template.Template }

func (e streamingEngine) Render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	w.WriteHeader(299) // ignored: the status is Render's
	return e.t.ExecuteTemplate(w, name, data)
}

func TestRender(t *testing.T) {
	tpl := template.Must(template.New("page").Parse(`<h1>{{.}}</h1>`))
	template.Must(tpl.New("broken").Parse(`<p>before</p>{{.Missing}}`))
	template.Must(tpl.New("feed").Parse(`{{define "x"}}{{end}}`))
	a, _ := testApp(t, false)
	a.Get("/page", func(c *Ctx) error { return c.Render(201, "page", "<script>") })
	a.Get("/broken", func(c *Ctx) error { return c.Render(200, "broken", 42) })
	a.Get("/missing", func(c *Ctx) error { return c.Render(200, "nope", nil) })
	a.Get("/typed", func(c *Ctx) error {
		c.SetHeader("Content-Type", "application/atom+xml")
		return c.Render(200, "page", "x")
	})

	// No engine yet: a clear error in the log and in debug mode.
	w := do(a, "GET", "/page", nil)
	if w.Code != 500 {
		t.Errorf("no engine: %d", w.Code)
	}
	da, _ := testApp(t, true)
	da.Get("/page", func(c *Ctx) error { return c.Render(200, "page", nil) })
	if w := do(da, "GET", "/page", nil, "Accept", "text/plain"); !strings.Contains(w.Body.String(), "call App.SetTemplates") {
		t.Errorf("no engine in debug: %s", w.Body)
	}

	a.SetTemplates(htmlEngine{tpl})
	w = do(a, "GET", "/page", nil)
	if w.Code != 201 || w.Body.String() != "<h1>&lt;script&gt;</h1>" || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("render: %d %q %v", w.Code, w.Body, w.Header())
	}
	w = do(a, "GET", "/broken", nil, "Accept", "text/html")
	if w.Code != 500 || strings.Contains(w.Body.String(), "before") {
		t.Errorf("a failing template must give a clean 500, not half a page: %d %q", w.Code, w.Body)
	}
	if w := do(a, "GET", "/missing", nil); w.Code != 500 {
		t.Errorf("missing template: %d", w.Code)
	}
	if w := do(a, "GET", "/typed", nil); w.Header().Get("Content-Type") != "application/atom+xml" {
		t.Errorf("engine content type overridden: %v", w.Header())
	}

	// An engine that writes as it goes: the status is still Render's, and a failure
	// half-way can only be logged, since the page has started.
	sa, logs := testApp(t, false)
	sa.SetTemplates(streamingEngine{tpl})
	sa.Get("/page", func(c *Ctx) error { return c.Render(202, "page", "x") })
	sa.Get("/broken", func(c *Ctx) error { return c.Render(200, "broken", 42) })
	if w := do(sa, "GET", "/page", nil); w.Code != 202 || w.Body.String() != "<h1>x</h1>" {
		t.Errorf("streaming engine: %d %q", w.Code, w.Body)
	}
	if w := do(sa, "GET", "/broken", nil); w.Code != 200 || w.Body.String() != "<p>before</p>" || !strings.Contains(logs.String(), "response_started=true") {
		t.Errorf("streaming engine failure: %d %q\n%s", w.Code, w.Body, logs)
	}
}

func TestErrorTemplates(t *testing.T) {
	tpl := template.Must(template.New("404.html").Parse(`<h1>Lost? {{.message}}</h1>{{if .request_id}}<p>ref {{.request_id}}</p>{{end}}`))
	template.Must(tpl.New("500.html").Parse(`<h1>Sorry ({{.status}})</h1>{{.detail}}`))
	template.Must(tpl.New("400.html").Parse(`{{range $f, $m := .fields}}{{$f}}={{index $m 0}};{{end}}{{.nope.deeper}}`))
	template.Must(tpl.New("403.html").Parse(`{{template "missing-partial"}}`))
	for _, debug := range []bool{false, true} {
		a, logs := testApp(t, debug)
		a.Use(withRequestID)
		a.SetTemplates(htmlEngine{tpl})
		a.Get("/gone", func(c *Ctx) error { return Error(404, "No <such> article") })
		a.Get("/boom", func(c *Ctx) error { return errors.New("db password=hunter2") })
		a.Get("/bad", func(c *Ctx) error { return Invalid("age", "too old") })
		a.Get("/forbidden", func(c *Ctx) error { return Error(403, "") })
		a.Get("/conflict", func(c *Ctx) error { return Error(409, "") })
		for _, tc := range []struct {
			path, want string
			status     int
		}{
			{"/gone", "<h1>Lost? No &lt;such&gt; article</h1><p>ref rid-42</p>", 404},
			{"/bad", "age=too old;", 400},
			{"/forbidden", "<h1>Forbidden</h1>", 403}, // broken template: built-in page
			{"/conflict", "<h1>Conflict</h1>", 409},   // no template: built-in page
		} {
			if debug && tc.status == 404 {
				tc.want = "Page not found" // debug mode keeps the technical 404 page
			}
			w := do(a, "GET", tc.path, nil, "Accept", "text/html")
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("debug=%v %s: %d %q, want %d containing %q", debug, tc.path, w.Code, w.Body, tc.status, tc.want)
			}
		}
		w := do(a, "GET", "/boom", nil, "Accept", "text/html")
		if debug {
			if !strings.Contains(w.Body.String(), "Traceback") {
				t.Errorf("debug 500 must stay the technical page: %s", w.Body)
			}
		} else if w.Code != 500 || w.Body.String() != "<h1>Sorry (500)</h1>" {
			t.Errorf("production 500 template: %d %q", w.Code, w.Body)
		}
		if w := do(a, "GET", "/gone", nil, "Accept", "application/json"); w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("JSON clients get JSON, not the template: %v", w.Header())
		}
		if !strings.Contains(logs.String(), `error page template failed" template=403.html`) {
			t.Errorf("a failing error template must be logged:\n%s", logs)
		}
		if strings.Contains(logs.String(), "template=409.html") {
			t.Errorf("a missing error template is not a failure:\n%s", logs)
		}
	}
}
