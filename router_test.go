package galvani

import (
	"bufio"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// echo answers with the matched pattern and the parameters, so tests can see which
// route took a request and what it extracted.
func echo(c *Ctx) error {
	var b strings.Builder
	b.WriteString(c.Route().Pattern)
	for _, p := range c.Params() {
		fmt.Fprintf(&b, " %s=%s", p.Key, p.Value)
	}
	return c.Text(http.StatusOK, b.String())
}

func newTestApp() *App {
	a := New(Settings{})
	a.Logger = slog.New(slog.DiscardHandler) // the 4xx these tests provoke are logged
	return a
}

// serve sends a request for target (a request-URI as it appears on the wire) through
// the App, parsing it the way net/http's server does.
func serve(t testing.TB, a http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n")))
	if err != nil {
		t.Fatalf("%s %s: net/http refuses the request: %v", method, target, err)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, req)
	return w
}

func routingApp() *App { return routingAppWith(echo) }

func routingAppWith(echo HandlerFunc) *App {
	a := newTestApp()
	a.Get("/", echo)
	a.Get("/about", echo)
	a.Get("/articles/", echo).Name("article-list")
	a.Post("/articles/", echo)
	a.Get("/articles/new/", echo)
	a.Get("/articles/{id:int}/", echo).Name("article-detail")
	a.Put("/articles/{id:int}/", echo)
	a.Get("/articles/{slug:slug}/", echo).Name("article-by-slug")
	a.Get("/keys/{key:uuid}", echo).Name("key")
	a.Get("/keys/{name}", echo).Name("key-name")
	a.Get("/users/{name:str}/posts/{pid:int}", echo).Name("user-post")
	a.Get("/files/{path...}", echo).Name("file")
	a.Get("/files/special", echo)
	a.Any("/any/{x}", echo)
	a.Get("/a/{id:int}/edit", echo)
	a.Get("/a/{slug:slug}/view", echo)
	a.Get("/m/new", echo)
	a.Post("/m/{name}", echo)
	a.Get("/café/", echo).Name("cafe")
	a.Get("/five/{a}/{b:int}/{c:slug}/{d:uuid}/{e...}", echo).Name("five")
	a.Mount("/api", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "mount path=%s raw=%s id=%s q=%s", r.URL.Path, r.URL.RawPath, r.PathValue("id"), r.URL.RawQuery)
	}))
	a.Get("/api/health", echo)
	return a
}

const uuid1 = "123e4567-e89b-12d3-a456-426614174000"

func TestRouting(t *testing.T) {
	a := routingApp()
	long := "/keys/" + strings.Repeat("a", maxPathLen)
	tests := []struct {
		method, target string
		status         int
		body           string // exact body for 200; substring otherwise
		header         string // "Name: value" expected
	}{
		{"GET", "/", 200, "/", ""},
		{"GET", "/about", 200, "/about", ""},
		{"GET", "/about/", 404, "", ""},
		{"GET", "/articles/", 200, "/articles/", ""},
		{"POST", "/articles/", 200, "/articles/", ""},
		{"GET", "/articles/42/", 200, "/articles/{id:int}/ id=42", ""},
		{"GET", "/articles/007/", 200, "/articles/{id:int}/ id=007", ""},
		{"GET", "/articles/new/", 200, "/articles/new/", ""},
		{"GET", "/articles/hello-world_2/", 200, "/articles/{slug:slug}/ slug=hello-world_2", ""},
		{"GET", "/articles/hello%20world/", 404, "", ""},
		{"GET", "/articles/%34%32/", 200, "/articles/{id:int}/ id=42", ""},
		{"GET", "/articles/4%2F2/", 404, "", ""},
		{"GET", "/articles//", 404, "", ""},
		{"HEAD", "/articles/42/", 200, "", ""},
		{"PUT", "/articles/42/", 200, "/articles/{id:int}/ id=42", ""},
		{"DELETE", "/articles/42/", 405, "DELETE", "Allow: GET, HEAD, OPTIONS, PUT"},
		{"OPTIONS", "/articles/42/", 200, "", "Allow: GET, HEAD, OPTIONS, PUT"},
		{"PUT", "/articles/new/", 405, "", "Allow: GET, HEAD, OPTIONS"},
		{"DELETE", "/articles/", 405, "", "Allow: GET, HEAD, OPTIONS, POST"},
		// APPEND_SLASH
		{"GET", "/articles", 301, "", "Location: /articles/"},
		{"HEAD", "/articles", 301, "", "Location: /articles/"},
		{"GET", "/articles?page=2&q=a%20b", 301, "", "Location: /articles/?page=2&q=a%20b"},
		{"GET", "/articles/42", 301, "", "Location: /articles/42/"},
		{"GET", "/caf%C3%A9", 301, "", "Location: /caf%C3%A9/"},
		{"POST", "/articles", 404, "", ""},
		{"GET", "/files", 404, "", ""},
		// converters
		{"GET", "/keys/" + uuid1, 200, "/keys/{key:uuid} key=" + uuid1, ""},
		{"GET", "/keys/" + strings.ToUpper(uuid1), 200, "/keys/{key:uuid} key=" + strings.ToUpper(uuid1), ""},
		{"GET", "/keys/123e4567-e89b-12d3-a456-42661417400", 200, "/keys/{name} name=123e4567-e89b-12d3-a456-42661417400", ""},
		{"GET", "/keys/foo", 200, "/keys/{name} name=foo", ""},
		{"GET", "/keys/a%20b", 200, "/keys/{name} name=a b", ""},
		{"GET", "/keys/%E2%82%AC", 200, "/keys/{name} name=€", ""},
		{"GET", "/keys/a%2Fb", 404, "", ""},
		{"GET", "/keys/a/b", 404, "", ""},
		{"GET", "/keys/", 404, "", ""},
		{"GET", "/users/bob/posts/7", 200, "/users/{name:str}/posts/{pid:int} name=bob pid=7", ""},
		{"GET", "/users/bob/posts/x", 404, "", ""},
		{"GET", "/files/a/b/c.txt", 200, "/files/{path...} path=a/b/c.txt", ""},
		{"GET", "/files/a//b/", 200, "/files/{path...} path=a//b/", ""},
		{"GET", "/files/a%2Fb", 200, "/files/{path...} path=a/b", ""},
		{"GET", "/files/", 404, "", ""},
		{"GET", "/files/special", 200, "/files/special", ""},
		{"GET", "/files/special/x", 200, "/files/{path...} path=special/x", ""},
		{"PATCH", "/any/x", 200, "/any/{x} x=x", ""},
		{"OPTIONS", "/any/x", 200, "/any/{x} x=x", ""},
		// precedence and backtracking
		{"GET", "/a/12/edit", 200, "/a/{id:int}/edit id=12", ""},
		{"GET", "/a/12/view", 200, "/a/{slug:slug}/view slug=12", ""},
		{"GET", "/m/new", 200, "/m/new", ""},
		{"POST", "/m/new", 200, "/m/{name} name=new", ""},
		{"GET", "/café/", 200, "/café/", ""},
		{"GET", "/caf%C3%A9/", 200, "/café/", ""},
		{"GET", "/caf%c3%a9/", 200, "/café/", ""},
		{"GET", "/%63af%C3%A9/", 200, "/café/", ""},
		{"GET", "/five/x/1/s/" + uuid1 + "/r/s", 200, "/five/{a}/{b:int}/{c:slug}/{d:uuid}/{e...} a=x b=1 c=s d=" + uuid1 + " e=r/s", ""},
		// mounts
		{"GET", "/api", 200, "mount path=/ raw= id= q=", ""},
		{"GET", "/api/", 200, "mount path=/ raw= id= q=", ""},
		{"GET", "/api/users?x=1", 200, "mount path=/users raw= id= q=x=1", ""},
		{"DELETE", "/api/users/a%2Fb", 200, "mount path=/users/a/b raw=/users/a%2Fb id= q=", ""},
		{"GET", "/api/health", 200, "/api/health", ""},
		{"POST", "/api/health", 200, "mount path=/health raw= id= q=", ""},
		{"GET", "/apix", 404, "", ""},
		{"GET", "/api/../about", 400, "..", ""},
		// malformed paths
		{"GET", "/./about", 400, "\".\" segment", ""},
		{"GET", "/articles/../about", 400, "\"..\" segment", ""},
		{"GET", "/files/a/%2e%2e/b", 400, "\"..\" segment", ""},
		{"GET", "/files/a%2F..%2Fb", 400, "\"..\" segment", ""},
		{"GET", "/keys/%2e%2E", 400, "\"..\" segment", ""},
		{"GET", "/keys/a%00b", 400, "NUL", ""},
		{"GET", "/files/a%0Ab", 400, "control character", ""},
		{"GET", "/keys/%FF", 400, "UTF-8", ""},
		{"GET", "/files/%C3%28", 400, "UTF-8", ""},
		{"GET", long, 414, "longer", ""},
		{"GET", "//evil.com", 404, "", ""},
		{"GET", "//", 404, "", ""},
		{"GET", "/nope", 404, "Not Found", ""},
	}
	for _, tt := range tests {
		name := tt.method + " " + tt.target
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			w := serve(t, a, tt.method, tt.target)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d; body %q; headers %v", w.Code, tt.status, w.Body.String(), w.Header())
			}
			body := w.Body.String()
			switch {
			case tt.method == "HEAD":
			case tt.status == 200 && tt.method != "OPTIONS" || tt.status == 200 && strings.HasPrefix(tt.target, "/any"):
				if body != tt.body {
					t.Errorf("body %q, want %q", body, tt.body)
				}
			case !strings.Contains(body, tt.body):
				t.Errorf("body %q does not contain %q", body, tt.body)
			}
			if tt.header != "" {
				k, v, _ := strings.Cut(tt.header, ": ")
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if tt.status == 301 {
				loc := w.Header().Get("Location")
				if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
					t.Errorf("redirect to %q leaves the site", loc)
				}
			}
		})
	}
}

// TestRoutingDirectURL covers requests whose URL was built or rewritten in code
// (middleware, tests) rather than parsed by the server: decoded paths with bytes the
// parser would refuse, and paths that do not start with a slash.
func TestRoutingDirectURL(t *testing.T) {
	a := routingApp()
	tests := []struct {
		path, raw string
		status    int
	}{
		{"/keys/a\x00b", "", 400},
		{"/keys/a\nb", "", 400},
		{"/keys/\xff", "", 400},
		{"/keys/a/../b", "", 400},
		{"", "", 400},
		{"*", "", 400},
		{"keys/foo", "", 400},
		{"/keys/a b", "", 200},
		{"/keys/a/b", "/keys/a%2Fb", 404},
		{"/keys/a/b", "/keys/a%ZZ", 404}, // inconsistent RawPath: ignored, Path used
		{"/files/a/b", "/files/a%2Fb", 200},
		{"/" + strings.Repeat("x", maxPathLen+1), "", 414},
	}
	for i, tt := range tests {
		method := "GET"
		if i%2 == 1 {
			method = "" // net/http reads it as GET
		}
		req := &http.Request{Method: method, URL: &url.URL{Path: tt.path, RawPath: tt.raw}, Header: http.Header{}}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		if w.Code != tt.status {
			t.Errorf("Path %q RawPath %q: status %d, want %d (%q)", tt.path, tt.raw, w.Code, tt.status, w.Body.String())
		}
	}
}

func TestAppendSlashNeverLeavesTheSite(t *testing.T) {
	a := newTestApp()
	a.Get("/\\evil.com/", echo)
	a.Get("/evil.com/", echo)
	for _, target := range []string{"//evil.com", "/%5Cevil.com", "/%2Fevil.com", "///evil.com"} {
		w := serve(t, a, "GET", target)
		if loc := w.Header().Get("Location"); loc != "" {
			if strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") || !strings.HasPrefix(loc, "/") {
				t.Errorf("GET %s: redirect to %q", target, loc)
			}
		}
	}
	if w := serve(t, a, "GET", "/evil.com"); w.Code != 301 || w.Header().Get("Location") != "/evil.com/" {
		t.Errorf("GET /evil.com: %d %q, want 301 to /evil.com/", w.Code, w.Header().Get("Location"))
	}
}

func TestAppendSlashOff(t *testing.T) {
	off := false
	a := New(Settings{AppendSlash: &off})
	a.Get("/x/", echo)
	if w := serve(t, a, "GET", "/x"); w.Code != 404 {
		t.Errorf("APPEND_SLASH off: GET /x: %d, want 404", w.Code)
	}
}

func TestExplicitHeadAndOptionsRoutes(t *testing.T) {
	a := newTestApp()
	a.Get("/x", echo)
	a.Handle([]string{"HEAD"}, "/x", func(c *Ctx) error {
		c.Response.Header().Set("X-Head", "explicit")
		return nil
	})
	a.Handle([]string{"options"}, "/x", func(c *Ctx) error { return c.Text(200, "custom options") })
	if w := serve(t, a, "HEAD", "/x"); w.Header().Get("X-Head") != "explicit" {
		t.Errorf("explicit HEAD route not used: %v", w.Header())
	}
	if w := serve(t, a, "OPTIONS", "/x"); w.Body.String() != "custom options" {
		t.Errorf("explicit OPTIONS route not used: %q", w.Body.String())
	}
	if w := serve(t, a, "POST", "/x"); w.Header().Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("Allow = %q", w.Header().Get("Allow"))
	}
}

func mustPanic(t *testing.T, want []string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		v := recover()
		if v == nil {
			t.Fatalf("no panic; want one mentioning %q", want)
		}
		msg := fmt.Sprint(v)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("panic %q does not mention %q", msg, w)
			}
		}
	}()
	f()
}

func TestConflictsAreRefused(t *testing.T) {
	h := func(c *Ctx) error { return nil }
	tests := []struct {
		name  string
		setup func(a *App)
		want  []string
	}{
		{"same converter, other name", func(a *App) {
			a.Get("/a/{id:int}", h)
			a.Get("/a/{pk:int}", h)
		}, []string{"/a/{id:int}", "/a/{pk:int}", "GET"}},
		{"same static", func(a *App) {
			a.Post("/x", h)
			a.Handle([]string{"PUT", "POST"}, "/x", h)
		}, []string{"PUT,POST /x", "POST /x", "conflicts"}},
		{"any vs get", func(a *App) {
			a.Get("/x/{s:slug}/", h)
			a.Any("/x/{t:slug}/", h)
		}, []string{"ANY /x/{t:slug}/", "GET /x/{s:slug}/"}},
		{"two rests", func(a *App) {
			a.Get("/f/{p...}", h)
			a.Get("/f/{q...}", h)
		}, []string{"/f/{p...}", "/f/{q...}"}},
		{"str and default", func(a *App) {
			a.Get("/f/{p}", h)
			a.Get("/f/{q:str}", h)
		}, []string{"/f/{p}", "/f/{q:str}"}},
		{"group prefix", func(a *App) {
			a.Get("/blog/{id:int}/", h)
			a.Group("/blog/").Get("/{n:int}/", h)
		}, []string{"/blog/{id:int}/", "/blog/{n:int}/"}},
		{"two mounts", func(a *App) {
			a.Mount("/api", http.NotFoundHandler())
			a.Mount("/api/", http.NotFoundHandler())
		}, []string{"mount \"/api\"", "conflicts"}},
		{"duplicate name", func(a *App) {
			a.Get("/one", h).Name("n")
			a.Get("/two", h).Name("n")
		}, []string{"\"n\"", "/one", "/two"}},
		{"duplicate namespaced name", func(a *App) {
			a.Group("/a").Namespace("blog").Get("/one", h).Name("n")
			a.Group("/b").Namespace("blog").Get("/two", h).Name("n")
		}, []string{"\"blog:n\"", "/a/one", "/b/two"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { mustPanic(t, tt.want, func() { tt.setup(newTestApp()) }) })
	}
}

func TestNoConflict(t *testing.T) {
	h := func(c *Ctx) error { return nil }
	a := newTestApp()
	a.Get("/x", h)
	a.Post("/x", h)
	a.Handle([]string{"HEAD"}, "/x", h)
	a.Get("/x/", h)
	a.Get("/y/{id:int}", h)
	a.Get("/y/{s:slug}", h)
	a.Get("/y/{s:str}", h)
	a.Get("/y/{u:uuid}", h)
	a.Get("/y/{r...}", h)
	a.Get("/y/static", h)
	a.Mount("/y", http.NotFoundHandler())
	a.Mount("/", http.NotFoundHandler())
	if n := len(a.Routes()); n != 12 {
		t.Fatalf("%d routes, want 12", n)
	}
}

func TestBadPatternsAreRefused(t *testing.T) {
	h := func(c *Ctx) error { return nil }
	tests := []struct{ pattern, want string }{
		{"", "must start with /"},
		{"x", "must start with /"},
		{"/a//b", "empty segment"},
		{"/a/../b", "\"..\" segment"},
		{"/a/./b", "\".\" segment"},
		{"/{}", "parameter names"},
		{"/{1a}", "parameter names"},
		{"/{a b}", "parameter names"},
		{"/{id:float}", "unknown converter \"float\""},
		{"/x{id}", "whole segment"},
		{"/{id}.json", "whole segment"},
		{"/{a{b}}", "whole segment"},
		{"/{a...}/b", "must be the last segment"},
		{"/{a}/{a:int}", "appears twice"},
		{"/a?b", "contains '?'"},
		{"/a\x00", "contains"},
		{"/\xff", "UTF-8"},
		{manyParams(maxParams + 1), "at most 16"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			mustPanic(t, []string{tt.want}, func() { newTestApp().Get(tt.pattern, h) })
		})
	}
	mustPanic(t, []string{"type int"}, func() { newTestApp().Get("/", 42) })
	mustPanic(t, []string{"nil handler"}, func() { newTestApp().Get("/", nil) })
	mustPanic(t, []string{"nil handler"}, func() { var f func(*Ctx) error; newTestApp().Get("/", f) })
	mustPanic(t, []string{"invalid method \"GE T\""}, func() { newTestApp().Handle([]string{"GE T"}, "/", h) })
	mustPanic(t, []string{"{p...}"}, func() { newTestApp().Mount("/a/{p...}", http.NotFoundHandler()) })
	mustPanic(t, []string{"must start with /"}, func() { newTestApp().Mount("api", http.NotFoundHandler()) })
	mustPanic(t, []string{"invalid name"}, func() { newTestApp().Get("/", h).Name("a:b") })
	mustPanic(t, []string{"invalid name"}, func() { newTestApp().Get("/", h).Name("") })
	mustPanic(t, []string{"invalid namespace"}, func() { newTestApp().Group("/").Namespace("a::b") })
}

func TestRegistrationAfterServingPanics(t *testing.T) {
	a := newTestApp()
	a.Get("/", echo)
	serve(t, a, "GET", "/")
	mustPanic(t, []string{"after the App started serving"}, func() { a.Get("/late", echo) })
	mustPanic(t, []string{"App.Use"}, func() { a.Use(func(h http.Handler) http.Handler { return h }) })
}

func TestReverse(t *testing.T) {
	a := routingApp()
	a.Group("/blog").Namespace("blog").Get("/{slug:slug}/", echo).Name("detail")
	tests := []struct {
		name string
		args []any
		want string
		err  []string
	}{
		{"article-list", nil, "/articles/", nil},
		{"article-detail", []any{42}, "/articles/42/", nil},
		{"article-detail", []any{int64(42)}, "/articles/42/", nil},
		{"article-detail", []any{uint8(7)}, "/articles/7/", nil},
		{"article-detail", []any{"42"}, "/articles/42/", nil},
		{"article-by-slug", []any{"hello-world"}, "/articles/hello-world/", nil},
		{"key", []any{uuid1}, "/keys/" + uuid1, nil},
		{"key-name", []any{"a b?c#d%e"}, "/keys/a%20b%3Fc%23d%25e", nil},
		{"key-name", []any{"€"}, "/keys/%E2%82%AC", nil},
		{"key-name", []any{1.5}, "/keys/1.5", nil},
		{"user-post", []any{"bob", 3}, "/users/bob/posts/3", nil},
		{"file", []any{"a b/c/d.txt"}, "/files/a%20b/c/d.txt", nil},
		{"cafe", nil, "/caf%C3%A9/", nil},
		{"blog:detail", []any{"x"}, "/blog/x/", nil},
		{"five", []any{"x", 1, "s", uuid1, "r/s"}, "/five/x/1/s/" + uuid1 + "/r/s", nil},
		// errors
		{"nope", nil, "", []string{`"nope"`, "no route has that name"}},
		{"detail", []any{"x"}, "", []string{`did you mean "blog:detail"`}},
		{"article-detail", nil, "", []string{`"article-detail"`, "/articles/{id:int}/", "takes 1 argument(s) (id), got 0"}},
		{"article-detail", []any{1, 2}, "", []string{"got 2"}},
		{"article-detail", []any{"x"}, "", []string{"/articles/{id:int}/", "argument 1 for {id:int}", `"x" is not a non-negative integer`}},
		{"article-detail", []any{-1}, "", []string{`"-1"`}},
		{"article-detail", []any{nil}, "", []string{"nil"}},
		{"article-by-slug", []any{"a b"}, "", []string{"{slug:slug}", "not a slug"}},
		{"key", []any{"nope"}, "", []string{"{key:uuid}", "not a UUID"}},
		{"key-name", []any{"a/b"}, "", []string{"{name}", "contains '/'"}},
		{"key-name", []any{".."}, "", []string{"{name}", "not a valid path segment"}},
		{"key-name", []any{""}, "", []string{"empty"}},
		{"file", []any{"a/../b"}, "", []string{"{path...}", `".." segment`}},
		{"file", []any{"a\x00"}, "", []string{"NUL"}},
		{"user-post", []any{"bob", "x"}, "", []string{"argument 2 for {pid:int}"}},
		{"file", []any{strings.Repeat("é", maxPathLen/2)}, "", []string{"bytes long"}},
	}
	for _, tt := range tests {
		got, err := a.URL(tt.name, tt.args...)
		if tt.err == nil {
			if err != nil || got != tt.want {
				t.Errorf("URL(%q, %v) = %q, %v; want %q", tt.name, tt.args, got, err, tt.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("URL(%q, %v) = %q, want an error", tt.name, tt.args, got)
			continue
		}
		for _, w := range tt.err {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("URL(%q, %v): error %q does not mention %q", tt.name, tt.args, err, w)
			}
		}
	}
}

// TestReverseRoundTrip checks that what URL builds routes back to the same route
// with the same values, including values that need escaping.
func TestReverseRoundTrip(t *testing.T) {
	a := routingApp()
	cases := []struct {
		name string
		args []any
		want string
	}{
		{"key-name", []any{"a b?c#d%e&f=g+h;i,j"}, "/keys/{name} name=a b?c#d%e&f=g+h;i,j"},
		{"key-name", []any{"日本語"}, "/keys/{name} name=日本語"},
		{"file", []any{"dir/a b%2Fc.txt"}, "/files/{path...} path=dir/a b%2Fc.txt"},
		{"user-post", []any{"ünï", 9}, "/users/{name:str}/posts/{pid:int} name=ünï pid=9"},
	}
	for _, tc := range cases {
		u, err := a.URL(tc.name, tc.args...)
		if err != nil {
			t.Fatal(err)
		}
		w := serve(t, a, "GET", u)
		if w.Code != 200 || w.Body.String() != tc.want {
			t.Errorf("GET %s (from %q %v): %d %q, want %q", u, tc.name, tc.args, w.Code, w.Body.String(), tc.want)
		}
	}
}

func TestURLParams(t *testing.T) {
	a := routingApp()
	if u, err := a.URLParams("user-post", map[string]any{"name": "bob", "pid": 3}); err != nil || u != "/users/bob/posts/3" {
		t.Errorf("URLParams = %q, %v", u, err)
	}
	if _, err := a.URLParams("user-post", map[string]any{"name": "bob"}); err == nil || !strings.Contains(err.Error(), "missing argument for {pid:int}") {
		t.Errorf("missing param: %v", err)
	}
	if _, err := a.URLParams("user-post", map[string]any{"name": "bob", "pid": 1, "x": 2}); err == nil || !strings.Contains(err.Error(), `no parameter "x"`) {
		t.Errorf("extra param: %v", err)
	}
	if got := a.MustURL("article-detail", 5); got != "/articles/5/" {
		t.Errorf("MustURL = %q", got)
	}
	mustPanic(t, []string{"no route has that name"}, func() { a.MustURL("missing") })
}

func TestLookupAllocatesNothing(t *testing.T) {
	a := routingApp()
	c := new(Ctx)
	for _, target := range []string{"/about", "/articles/42/", "/five/x/1/s/" + uuid1 + "/r/s", "/nope/x", "/files/a/b/c"} {
		u, _ := url.Parse(target)
		n := testing.AllocsPerRun(100, func() { a.router.lookup("GET", u, c) })
		if n != 0 {
			t.Errorf("lookup %s: %v allocs, want 0", target, n)
		}
	}
}

func TestAllowedMethodsSorted(t *testing.T) {
	a := newTestApp()
	h := func(c *Ctx) error { return nil }
	a.Put("/r/{id:int}", h)
	a.Delete("/r/{s:slug}", h)
	a.Get("/r/{s:str}", h)
	u, _ := url.Parse("/r/1")
	got := a.router.allowedMethods(u)
	if !sort.StringsAreSorted(got) || strings.Join(got, ",") != "DELETE,GET,HEAD,OPTIONS,PUT" {
		t.Errorf("allowed = %v", got)
	}
}

func manyParams(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "/{p%d}", i)
	}
	return b.String()
}

// checkParams fails the request with 500 when a parameter breaks its converter's
// promise: FuzzRouter's handler.
func checkParams(c *Ctx) error {
	r := c.Route()
	if len(c.Params()) != len(r.paramNames) {
		return fmt.Errorf("%d params for %s", len(c.Params()), r.Pattern)
	}
	i := 0
	for _, s := range r.segs {
		if s.kind == segLiteral {
			continue
		}
		p := c.Params()[i]
		i++
		if p.Key != s.param || !convFits(s.kind, p.Value) {
			return fmt.Errorf("param %s=%q does not fit %s in %s", p.Key, p.Value, s.placeholder(), r.Pattern)
		}
	}
	return c.Text(200, r.Pattern)
}

func FuzzRouter(f *testing.F) {
	for _, s := range []string{
		"/", "/about", "/articles/42/", "/articles/new/", "/articles/x-y/", "/articles", "/keys/" + uuid1,
		"/keys/a%2Fb", "/keys/%2e%2e", "/files/a/../b", "/files/a%2F..%2Fb", "/files/%00", "/keys/%ff",
		"//evil.com", "/\\evil.com", "/%5Cevil.com", "/caf%c3%a9", "/a/1/view", "/api/x?y=z",
		"/five/x/1/s/" + uuid1 + "/r", "/users/u/posts/1", "/..", "/.", "//", "/api/%2e%2e/x",
	} {
		f.Add("GET", s)
	}
	f.Add("DELETE", "/articles/42/")
	f.Add("OPTIONS", "/articles/42/")
	f.Add("HEAD", "/articles")
	a := routingAppWith(checkParams)
	allowed := map[int]bool{200: true, 301: true, 400: true, 404: true, 405: true, 414: true}
	f.Fuzz(func(t *testing.T, method, target string) {
		// As the server parses it.
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(method + " " + target + " HTTP/1.1\r\nHost: h\r\n\r\n")))
		if err == nil {
			w := httptest.NewRecorder()
			a.ServeHTTP(w, req)
			if !allowed[w.Code] {
				t.Fatalf("%s %q: status %d: %s", method, target, w.Code, w.Body.String())
			}
			if w.Code == 301 {
				loc := w.Header().Get("Location")
				if len(loc) < 2 || loc[0] != '/' || loc[1] == '/' || loc[1] == '\\' {
					t.Fatalf("%s %q: redirect off-site to %q", method, target, loc)
				}
				if w2 := serve(t, a, method, loc); w2.Code != 200 {
					t.Fatalf("%s %q: redirect to %q, which answers %d", method, target, loc, w2.Code)
				}
			}
		}
		// As middleware or a test might build it: any decoded path, no parsing.
		if !utf8.ValidString(method) || method == "" {
			method = "GET"
		}
		req = &http.Request{Method: method, URL: &url.URL{Path: target}, Header: http.Header{}}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		if !allowed[w.Code] {
			t.Fatalf("%s Path %q: status %d: %s", method, target, w.Code, w.Body.String())
		}
	})
}

// FuzzReverseRoundTrip registers one fuzzed pattern and reverses it with fuzzed
// values: whatever URL builds must route back to that route with the same values,
// and whatever it refuses must be refused by the matcher as well.
func FuzzReverseRoundTrip(f *testing.F) {
	f.Add("/a/{x}/b", "v a%2Fl?#", "")
	f.Add("/{x:int}/{y:slug}/", "12", "a-b")
	f.Add("/f/{p...}", "a/b c/%2e", "")
	f.Add("/caf\u00e9/{k:uuid}", uuid1, "")
	f.Add("/x;y/{n:str}", "\u65e5\u672c", "")
	f.Add("/%/{a}/{b...}", "%", "a//b")
	f.Fuzz(func(t *testing.T, pattern, v1, v2 string) {
		a := newTestApp()
		var route *Route
		func() {
			defer func() { _ = recover() }() // a refused pattern
			route = a.Get(pattern, checkParams).Name("r")
		}()
		if route == nil {
			return
		}
		args := make([]any, len(route.paramNames))
		for i := range args {
			args[i] = v1
			if i%2 == 1 {
				args[i] = v2
			}
		}
		u, err := a.URL("r", args...)
		if err != nil {
			return
		}
		req, perr := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + u + " HTTP/1.1\r\nHost: h\r\n\r\n")))
		if perr != nil {
			t.Fatalf("URL built %q, which net/http cannot parse: %v", u, perr)
		}
		c := new(Ctx)
		got, _ := a.router.lookup("GET", req.URL, c)
		if got != route {
			t.Fatalf("pattern %q args %q: URL %q does not route back (got %v)", pattern, args, u, got)
		}
		for i, p := range c.Params() {
			if p.Value != args[i] {
				t.Fatalf("pattern %q: URL %q gives %s=%q, want %q", pattern, u, p.Key, p.Value, args[i])
			}
		}
	})
}
