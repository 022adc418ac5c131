package galvani

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// trace returns middleware that appends name to the X-Trace response header.
func trace(name string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("X-Trace", name)
			next.ServeHTTP(w, r)
		})
	}
}

func TestGroupsPrefixesAndNamespaces(t *testing.T) {
	a := newTestApp()
	blog := a.Group("/blog/").Namespace("blog")
	blog.Get("/", echo).Name("index")
	blog.Get("/{slug:slug}/", echo).Name("detail")
	outer := a.Group("a").Namespace("a")
	inner := outer.Group("/b/").Namespace("b")
	inner.Get("/{id:int}", echo).Name("detail")
	plain := outer.Group("/c") // no namespace of its own: inherits "a"
	plain.Get("/", echo).Name("c-index")
	blog.Get("", echo).Name("bare")
	users := a.Group("/users/{uid:int}")
	users.Get("/posts/{pid:int}", echo).Name("user-post")

	urls := map[string][]any{
		"blog:index":  nil,
		"blog:bare":   nil,
		"blog:detail": {"hello"},
		"a:b:detail":  {7},
		"a:c-index":   nil,
		"user-post":   {1, 2},
	}
	want := map[string]string{
		"blog:index":  "/blog/",
		"blog:bare":   "/blog",
		"blog:detail": "/blog/hello/",
		"a:b:detail":  "/a/b/7",
		"a:c-index":   "/a/c/",
		"user-post":   "/users/1/posts/2",
	}
	for name, args := range urls {
		got, err := a.URL(name, args...)
		if err != nil || got != want[name] {
			t.Errorf("URL(%q) = %q, %v; want %q", name, got, err, want[name])
		}
	}
	for _, tc := range []struct{ target, body string }{
		{"/blog/", "/blog/"},
		{"/blog/hello/", "/blog/{slug:slug}/ slug=hello"},
		{"/a/b/7", "/a/b/{id:int} id=7"},
		{"/users/1/posts/2", "/users/{uid:int}/posts/{pid:int} uid=1 pid=2"},
	} {
		if w := serve(t, a, "GET", tc.target); w.Code != 200 || w.Body.String() != tc.body {
			t.Errorf("GET %s: %d %q, want %q", tc.target, w.Code, w.Body.String(), tc.body)
		}
	}
	if got := inner.Prefix(); got != "/a/b" {
		t.Errorf("Prefix = %q", got)
	}
	if r := a.Routes()[0]; r.FullName() != "blog:index" || !strings.Contains(r.Handler(), "echo") {
		t.Errorf("route 0: name %q handler %q", r.FullName(), r.Handler())
	}
}

func TestRequestPatternIsSet(t *testing.T) {
	a := newTestApp()
	a.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			w.Header().Set("X-Pattern", r.Pattern)
		})
	})
	a.Get("/articles/{id:int}/", echo)
	if got := serve(t, a, "GET", "/articles/3/").Header().Get("X-Pattern"); got != "/articles/{id:int}/" {
		t.Errorf("r.Pattern after routing = %q", got)
	}
	if got := serve(t, a, "GET", "/nope").Header().Get("X-Pattern"); got != "" {
		t.Errorf("r.Pattern for a 404 = %q", got)
	}
}

func TestMiddlewareOrder(t *testing.T) {
	a := newTestApp()
	a.Use(trace("app1"), trace("app2"))
	outer := a.Group("/o")
	outer.Get("/early", echo) // registered before Use: still gets the group's middleware
	outer.Use(trace("outer1"), trace("outer2"))
	inner := outer.Group("/i")
	inner.Use(trace("inner"))
	inner.Get("/{id:int}", echo)
	a.Get("/plain", echo)

	tests := []struct {
		target string
		trace  string
		body   string
	}{
		{"/o/i/5", "app1,app2,outer1,outer2,inner", "/o/i/{id:int} id=5"},
		{"/o/early", "app1,app2,outer1,outer2", "/o/early"},
		{"/plain", "app1,app2", "/plain"},
		{"/missing", "app1,app2", "Not Found"},
	}
	for _, tt := range tests {
		w := serve(t, a, "GET", tt.target)
		if got := strings.Join(w.Header().Values("X-Trace"), ","); got != tt.trace {
			t.Errorf("GET %s: trace %q, want %q", tt.target, got, tt.trace)
		}
		if !strings.Contains(w.Body.String(), tt.body) {
			t.Errorf("GET %s: body %q, want %q", tt.target, w.Body.String(), tt.body)
		}
	}
}

type ctxKey struct{}

// unwrappingWriter is a middleware's writer wrapper that follows the convention.
type unwrappingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *unwrappingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}
func (w *unwrappingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// opaqueWriter hides the writer below it.
type opaqueWriter struct{ http.ResponseWriter }

func TestGroupMiddlewareSeesAndReplacesRequest(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(http.ResponseWriter) http.ResponseWriter
	}{
		{"unwrap", func(w http.ResponseWriter) http.ResponseWriter { return &unwrappingWriter{ResponseWriter: w} }},
		{"opaque", func(w http.ResponseWriter) http.ResponseWriter { return opaqueWriter{w} }},
		{"same", func(w http.ResponseWriter) http.ResponseWriter { return w }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp()
			g := a.Group("/g")
			g.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					next.ServeHTTP(tc.wrap(w), r.WithContext(context.WithValue(r.Context(), ctxKey{}, "from-mw")))
				})
			})
			var sawWriter bool
			g.Get("/{id:int}/{name}", func(c *Ctx) error {
				for x := c.Response; x != nil && !sawWriter; {
					_, sawWriter = x.(*unwrappingWriter)
					u, ok := x.(interface{ Unwrap() http.ResponseWriter })
					if !ok {
						break
					}
					x = u.Unwrap()
				}
				return c.Text(200, fmt.Sprintf("%s %s %v %s", c.Param("id"), c.Param("name"), c.Context().Value(ctxKey{}), c.Route().Pattern))
			})
			g.Get("/plain/{id:int}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "plain %s %v", r.PathValue("id"), r.Context().Value(ctxKey{}))
			}))
			w := serve(t, a, "GET", "/g/12/bob")
			if got := w.Body.String(); got != "12 bob from-mw /g/{id:int}/{name}" {
				t.Errorf("body %q", got)
			}
			if tc.name == "unwrap" && !sawWriter {
				t.Errorf("the handler's c.Response does not lead to the middleware's writer")
			}
			if got := serve(t, a, "GET", "/g/plain/3").Body.String(); got != "plain 3 from-mw" {
				t.Errorf("plain handler: %q", got)
			}
		})
	}
}

// TestOrphanedEndpoint runs the endpoint in a goroutine that outlives the
// middleware (a careless timeout middleware); the Ctx must stay valid until the
// endpoint returns. Run with -race.
func TestOrphanedEndpoint(t *testing.T) {
	a := newTestApp()
	release := make(chan struct{})
	var done sync.WaitGroup
	g := a.Group("/slow")
	g.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			done.Add(1)
			go func() {
				defer done.Done()
				next.ServeHTTP(&unwrappingWriter{ResponseWriter: httptest.NewRecorder()}, r)
			}()
			w.WriteHeader(http.StatusServiceUnavailable)
		})
	})
	got := make(chan string, 1)
	g.Get("/{id:int}", func(c *Ctx) error {
		<-release
		got <- c.Param("id") + " " + c.Route().Pattern
		return c.Text(200, "late")
	})
	a.Get("/fast/{id:int}", echo)
	if w := serve(t, a, "GET", "/slow/77"); w.Code != 503 {
		t.Fatalf("status %d", w.Code)
	}
	// Reuse the pool while the orphan still holds its Ctx.
	for i := 0; i < 20; i++ {
		if w := serve(t, a, "GET", fmt.Sprintf("/fast/%d", i)); w.Body.String() != fmt.Sprintf("/fast/{id:int} id=%d", i) {
			t.Fatalf("fast: %q", w.Body.String())
		}
	}
	close(release)
	select {
	case s := <-got:
		if s != "77 /slow/{id:int}" {
			t.Errorf("orphaned endpoint saw %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("orphaned endpoint never finished")
	}
	done.Wait()
}

// TestLateEndpoint has a middleware call the endpoint after the request is over
// (it kept the writer): the endpoint must get a Ctx of its own with its own
// parameters, never a recycled one. Run with -race.
func TestLateEndpoint(t *testing.T) {
	a := newTestApp()
	type late struct {
		w http.ResponseWriter
		r *http.Request
	}
	kept := make(chan late, 1)
	var next http.Handler
	g := a.Group("/late")
	g.Use(func(n http.Handler) http.Handler {
		next = n
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("keep") != "" {
				kept <- late{w, r} // the ctxWriter itself
				w.WriteHeader(http.StatusAccepted)
				return
			}
			n.ServeHTTP(w, r)
		})
	})
	got := make(chan string, 1)
	g.Get("/{id:int}", func(c *Ctx) error {
		if c.Request.URL.Query().Get("keep") != "" {
			got <- c.Param("id")
		}
		return c.Text(200, c.Param("id"))
	})
	if w := serve(t, a, "GET", "/late/1?keep=1"); w.Code != 202 {
		t.Fatalf("status %d", w.Code)
	}
	for i := 2; i < 10; i++ {
		if w := serve(t, a, "GET", fmt.Sprintf("/late/%d", i)); w.Body.String() != fmt.Sprint(i) {
			t.Fatalf("GET /late/%d: %q", i, w.Body.String())
		}
	}
	k := <-kept
	next.ServeHTTP(k.w, k.r)
	if id := <-got; id != "1" {
		t.Errorf("late endpoint saw id %q, want 1", id)
	}
}

func TestHandlerShapes(t *testing.T) {
	a := newTestApp()
	a.Get("/ctx/{id:int}", func(c *Ctx) error { return c.Text(200, "ctx "+c.Param("id")) })
	a.Get("/hf/{id:int}", HandlerFunc(func(c *Ctx) error { return c.Text(200, "hf "+c.Param("id")) }))
	a.Get("/h/{id:int}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "h "+r.PathValue("id")) }))
	a.Get("/f/{id:int}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "f "+r.PathValue("id")) })
	a.Get("/err", func(c *Ctx) error { return Error(http.StatusTeapot, "short and stout") })
	for _, p := range []string{"ctx", "hf", "h", "f"} {
		if got := serve(t, a, "GET", "/"+p+"/9").Body.String(); got != p+" 9" {
			t.Errorf("%s: %q", p, got)
		}
	}
	if w := serve(t, a, "GET", "/err"); w.Code != http.StatusTeapot || !strings.Contains(w.Body.String(), "short and stout") {
		t.Errorf("error route: %d %q", w.Code, w.Body.String())
	}
}

func TestMountStripsPrefix(t *testing.T) {
	show := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s|%s|%s|%s", r.URL.Path, r.URL.RawPath, r.PathValue("id"), r.URL.RawQuery)
	})
	a := newTestApp()
	a.Mount("/static/", http.StripPrefix("", show))
	a.Mount("/u/{id:int}/files", show)
	a.Group("/g").Use(trace("g")).Mount("/sub", show).Name("sub")
	a.Mount("/", show)
	tests := []struct{ target, body string }{
		{"/static", "/|||"},
		{"/static/css/site.css?v=3", "/css/site.css|||v=3"},
		{"/static/a%20b", "/a b|||"},
		{"/static/a%2Fb/c", "/a/b/c|/a%2Fb/c||"},
		{"/u/5/files/x.txt", "/x.txt||5|"},
		{"/u/x/files/x.txt", "/u/x/files/x.txt|||"}, // not an int: falls to the root mount
		{"/g/sub/deep/er", "/deep/er|||"},
		{"/elsewhere", "/elsewhere|||"},
		{"/", "/|||"},
	}
	for _, tt := range tests {
		w := serve(t, a, "GET", tt.target)
		if w.Code != 200 || w.Body.String() != tt.body {
			t.Errorf("GET %s: %d %q, want %q", tt.target, w.Code, w.Body.String(), tt.body)
		}
	}
	if w := serve(t, a, "GET", "/g/sub/x"); w.Header().Get("X-Trace") != "g" {
		t.Errorf("group middleware not run for mount")
	}
	if u, err := a.URL("sub"); err != nil || u != "/g/sub" {
		t.Errorf("URL(sub) = %q, %v", u, err)
	}
	// Malformed paths never reach a mounted handler.
	for _, target := range []string{"/static/../secret", "/static/%2e%2e/secret", "/x/a%00"} {
		if w := serve(t, a, "GET", target); w.Code != 400 {
			t.Errorf("GET %s: %d %q, want 400", target, w.Code, w.Body.String())
		}
	}
}

type installableApp struct {
	label string
	ready *bool
}

func (t installableApp) Label() string { return t.label }
func (t installableApp) Routes(g *Group) {
	g.Get("/", echo).Name("index")
	g.Get("/{id:int}/", echo).Name("detail")
}
func (t installableApp) Ready(a *App) error {
	if t.ready != nil {
		*t.ready = true
	}
	return nil
}

type failingApp struct{ installableApp }

func (failingApp) Ready(*App) error { return fmt.Errorf("missing setting") }

func TestIncludeChoosesPrefix(t *testing.T) {
	var ready bool
	blog := installableApp{label: "blog", ready: &ready}
	a := New(Settings{}, Include("/weblog/", blog), installableApp{label: "shop"})
	if !ready {
		t.Error("ReadyHook not run for an included app")
	}
	if got := a.Apps(); len(got) != 2 || got[0] != AppConfig(blog) {
		t.Errorf("Apps() = %#v: the included app must appear as itself", got)
	}
	cases := map[string]string{"blog:index": "/weblog/", "shop:index": "/", "shop:detail": "/3/"}
	for name, want := range cases {
		args := []any{}
		if strings.HasSuffix(name, "detail") {
			args = append(args, 3)
		}
		if got, err := a.URL(name, args...); err != nil || got != want {
			t.Errorf("URL(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	a.Include("/news", installableApp{label: "news"})
	if got := a.MustURL("news:detail", 4); got != "/news/4/" {
		t.Errorf("news:detail = %q", got)
	}
	if w := serve(t, a, "GET", "/weblog/8/"); w.Body.String() != "/weblog/{id:int}/ id=8" {
		t.Errorf("GET /weblog/8/: %q", w.Body.String())
	}
	mustPanic(t, []string{`"blog"`}, func() { New(Settings{}, blog, Include("/x", blog)) })
	mustPanic(t, []string{`"bad" is not ready`, "missing setting"}, func() { New(Settings{}, failingApp{installableApp{label: "bad"}}) })
	mustPanic(t, []string{"conflicts"}, func() { New(Settings{}, installableApp{label: "one"}, installableApp{label: "two"}) })
}

func TestFlushAndHijackThroughGroupMiddleware(t *testing.T) {
	a := newTestApp()
	g := a.Group("/g").Use(func(next http.Handler) http.Handler { return next })
	g.Get("/flush", func(c *Ctx) error {
		if _, err := c.Response.Write([]byte("x")); err != nil {
			return err
		}
		return http.NewResponseController(c.Response).Flush()
	})
	g.Get("/hijack", func(c *Ctx) error {
		_, _, err := http.NewResponseController(c.Response).Hijack()
		if err == nil {
			return fmt.Errorf("hijacked a recorder")
		}
		return c.Text(200, "no hijack: "+err.Error())
	})
	w := httptest.NewRecorder()
	a.ServeHTTP(w, httptest.NewRequest("GET", "/g/flush", nil))
	if !w.Flushed || w.Body.String() != "x" {
		t.Errorf("flush through group middleware: flushed=%v body=%q", w.Flushed, w.Body.String())
	}
	if w := serve(t, a, "GET", "/g/hijack"); w.Code != 200 || !strings.Contains(w.Body.String(), "not supported") {
		t.Errorf("hijack: %d %q", w.Code, w.Body.String())
	}
}
