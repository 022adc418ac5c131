package galvanitest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
)

// fakeTB records failures instead of failing the real test.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatal  bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.fatal = true
	runtime.Goexit()
}

// run calls fn with a fake TB in its own goroutine (so Fatalf can stop it).
func run(t *testing.T, fn func(tb testing.TB)) *fakeTB {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f
}

func newApp() *galvani.App {
	app := galvani.New(galvani.Settings{})
	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "home page") })
	app.Get("/set", func(c *galvani.Ctx) error {
		http.SetCookie(c.Response, &http.Cookie{Name: "sid", Value: "s3cret", Path: "/", HttpOnly: true, Secure: true})
		return c.Text(200, "set")
	})
	app.Get("/whoami", func(c *galvani.Ctx) error {
		ck, err := c.Request.Cookie("sid")
		if err != nil {
			return c.Text(200, "anonymous")
		}
		return c.Text(200, "sid="+ck.Value)
	})
	app.Get("/old", func(c *galvani.Ctx) error {
		http.Redirect(c.Response, c.Request, "/middle", http.StatusFound)
		return nil
	})
	app.Get("/middle", func(c *galvani.Ctx) error {
		http.Redirect(c.Response, c.Request, "/", http.StatusMovedPermanently)
		return nil
	})
	app.Get("/loop", func(c *galvani.Ctx) error {
		http.Redirect(c.Response, c.Request, "/loop", http.StatusFound)
		return nil
	})
	app.Post("/form", func(c *galvani.Ctx) error {
		if err := c.Request.ParseForm(); err != nil {
			return err
		}
		http.Redirect(c.Response, c.Request, "/thanks?name="+url.QueryEscape(c.Request.PostForm.Get("name")), http.StatusSeeOther)
		return nil
	})
	app.Get("/thanks", func(c *galvani.Ctx) error { return c.Text(200, "thanks "+c.Request.URL.Query().Get("name")) })
	app.Post("/keep", func(c *galvani.Ctx) error {
		http.Redirect(c.Response, c.Request, "/echo", http.StatusTemporaryRedirect)
		return nil
	})
	app.Post("/echo", func(c *galvani.Ctx) error {
		b, _ := io.ReadAll(c.Request.Body)
		return c.JSON(200, map[string]string{"method": c.Request.Method, "body": string(b), "type": c.Request.Header.Get("Content-Type")})
	})
	app.Get("/tls", func(c *galvani.Ctx) error { return c.Text(200, fmt.Sprint(c.Request.TLS != nil, " ", c.Request.Host)) })
	app.Get("/header", func(c *galvani.Ctx) error { return c.Text(200, c.Request.Header.Get("X-Token")) })
	return app
}

func TestGetAndAssertions(t *testing.T) {
	c := galvanitest.New(t, newApp())
	r := c.Get("/").AssertStatus(200).AssertContains("home").AssertNotContains("admin").
		AssertHeader("Content-Type", "text/plain; charset=utf-8")
	if r.Body() != "home page" || string(r.Bytes()) != "home page" {
		t.Fatalf("body %q", r.Body())
	}
	c.Get("/nope").AssertStatus(404)
}

func TestCookiesKept(t *testing.T) {
	c := galvanitest.New(t, newApp())
	c.Get("/whoami").AssertContains("anonymous")
	r := c.Get("/set")
	if ck := r.Cookie("sid"); ck == nil || ck.Value != "s3cret" {
		t.Fatalf("response cookie %v", ck)
	}
	// Secure cookies are kept even though the test requests are plain http.
	c.Get("/whoami").AssertStatus(200).AssertContains("sid=s3cret")
	if ck := c.Cookie("sid"); ck == nil || ck.Value != "s3cret" {
		t.Fatalf("jar cookie %v", ck)
	}
	c.ClearCookies()
	c.Get("/whoami").AssertContains("anonymous")
	c.SetCookie(&http.Cookie{Name: "sid", Value: "planted"})
	c.Get("/whoami").AssertContains("sid=planted")
}

func TestRedirects(t *testing.T) {
	c := galvanitest.New(t, newApp())
	c.Get("/old").AssertRedirect("/middle").AssertStatus(302)
	r := c.Get("/old", galvanitest.FollowRedirects()).AssertStatus(200).AssertContains("home page")
	if len(r.Redirects) != 2 || r.Redirects[0] != "http://example.com/old" || r.Request.URL.Path != "/" {
		t.Fatalf("chain %v, final %s", r.Redirects, r.Request.URL)
	}
	f := galvanitest.New(t, newApp(), galvanitest.FollowRedirects())
	f.PostForm("/form", url.Values{"name": {"Ann & Bob"}}).AssertStatus(200).AssertContains("thanks Ann & Bob")
	f.Get("/old", galvanitest.NoFollow()).AssertStatus(302)
	// 307 repeats the method and body.
	var got map[string]string
	f.Post("/keep", "text/plain", strings.NewReader("payload")).AssertStatus(200).JSON(&got)
	if got["method"] != "POST" || got["body"] != "payload" || got["type"] != "text/plain" {
		t.Fatalf("307 replay: %v", got)
	}
	// A loop is a test failure naming the chain.
	ft := run(t, func(tb testing.TB) { galvanitest.New(tb, newApp(), galvanitest.FollowRedirects()).Get("/loop") })
	if !ft.fatal || !strings.Contains(ft.errors[0], "more than 10 redirects") {
		t.Fatalf("loop: %v", ft.errors)
	}
}

func TestPostJSONAndAssertJSON(t *testing.T) {
	c := galvanitest.New(t, newApp())
	c.PostJSON("/echo", map[string]int{"a": 1}).AssertStatus(200).
		AssertJSON(map[string]string{"method": "POST", "body": `{"a":1}`, "type": "application/json"}).
		AssertJSON(`{"type":"application/json","body":"{\"a\":1}","method":"POST"}`)
}

func TestOptionsAndHooks(t *testing.T) {
	c := galvanitest.New(t, newApp(), galvanitest.Header("X-Token", "client-wide"))
	c.Get("/header").AssertContains("client-wide")
	c.Get("/tls").AssertContains("false example.com")
	c.Get("/tls", galvanitest.HTTPS(), galvanitest.Host("shop.test")).AssertContains("true shop.test")
	var seen []string
	c.Before(func(r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path)
		r.Header.Set("X-Token", "from-hook")
	})
	c.Get("/header").AssertContains("from-hook")
	c.Get("/old", galvanitest.FollowRedirects())
	if strings.Join(seen, ",") != "GET /header,GET /old,GET /middle,GET /" {
		t.Fatalf("hooks saw %v", seen)
	}
	if n := len(c.History()); n != 7 {
		t.Fatalf("history has %d responses", n)
	}
}

func TestDo(t *testing.T) {
	c := galvanitest.New(t, newApp())
	c.Get("/set")
	req, _ := http.NewRequest("GET", "/whoami", nil)
	c.Do(req).AssertStatus(200).AssertContains("sid=s3cret")
	c.Do(httptest.NewRequest("GET", "/tls", nil)).AssertContains("false example.com")
	c.Do(httptest.NewRequest("GET", "https://shop.test/tls", nil)).AssertContains("true shop.test")
	req, _ = http.NewRequest("POST", "/echo", strings.NewReader("raw"))
	req.Header.Set("Content-Type", "application/octet-stream")
	var got map[string]string
	c.Do(req).JSON(&got)
	if got["body"] != "raw" || got["type"] != "application/octet-stream" {
		t.Fatalf("%v", got)
	}
}

func TestPostMultipart(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f, hdr, err := r.FormFile("doc")
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		b, _ := io.ReadAll(f)
		fmt.Fprintf(w, "%s|%s|%s|%s", r.FormValue("title"), hdr.Filename, hdr.Header.Get("Content-Type"), b)
	})
	galvanitest.New(t, mux).PostMultipart("/upload", url.Values{"title": {"Report"}},
		[]galvanitest.File{{Field: "doc", Name: "ré\"q.txt", ContentType: "text/plain", Content: []byte("hello")}}).
		AssertStatus(200).AssertContains(`Report|ré"q.txt|text/plain|hello`)
}

func TestPlainNetHTTPHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hi/{name}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "hi %s", r.PathValue("name")) })
	galvanitest.New(t, mux).Get("/hi/ann").AssertStatus(200).AssertContains("hi ann")
}

func TestFailuresQuoteTheBody(t *testing.T) {
	f := run(t, func(tb testing.TB) {
		c := galvanitest.New(tb, newApp())
		r := c.Get("/")
		r.AssertStatus(500)
		r.AssertContains("missing words")
		r.AssertNotContains("home")
		r.AssertHeader("X-Nope", "1")
		r.AssertRedirect("/elsewhere")
		r.AssertJSON(`{"a":1}`)
	})
	if len(f.errors) != 6 {
		t.Fatalf("want 6 failures, got %d: %q", len(f.errors), f.errors)
	}
	for _, e := range f.errors[:5] {
		if !strings.Contains(e, "home page") || !strings.Contains(e, "GET /") {
			t.Errorf("failure message lacks request or body: %q", e)
		}
	}
	f = run(t, func(tb testing.TB) {
		var v struct{ A int }
		galvanitest.New(tb, newApp()).Get("/").JSON(&v)
	})
	if !f.fatal || !strings.Contains(f.errors[0], "not JSON") || !strings.Contains(f.errors[0], "home page") {
		t.Fatalf("JSON failure: %q", f.errors)
	}
	f = run(t, func(tb testing.TB) { galvanitest.New(tb, newApp()).Get("/%zz") })
	if !f.fatal {
		t.Fatal("malformed path accepted")
	}
	f = run(t, func(tb testing.TB) { galvanitest.New(tb, newApp()).PostJSON("/echo", make(chan int)) })
	if !f.fatal || !strings.Contains(f.errors[0], "encoding JSON") {
		t.Fatalf("unencodable JSON: %q", f.errors)
	}
}

func TestLongBodyExcerpt(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("x", 10000)) })
	f := run(t, func(tb testing.TB) { galvanitest.New(tb, mux).Get("/").AssertStatus(201) })
	if len(f.errors) != 1 || len(f.errors[0]) > 2300 || !strings.Contains(f.errors[0], "first 2000 of 10000 bytes") {
		t.Fatalf("excerpt: %d bytes", len(f.errors[0]))
	}
}

func Example() {
	app := galvani.New(galvani.Settings{})
	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "Hello, World!") })

	t := &testing.T{} // in a real test, the *testing.T of the test function
	c := galvanitest.New(t, app)
	r := c.Get("/").AssertStatus(200).AssertContains("Hello")
	fmt.Println(r.Body())
	// Output: Hello, World!
}
