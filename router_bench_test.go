package galvani

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The route set of the routing benchmarks: a small API in Galvani and in Go 1.22
// ServeMux syntax (the same patterns: plain {name} parameters are written alike).
var benchPatterns = []string{
	"/",
	"/about",
	"/contact",
	"/user/repos",
	"/user/keys",
	"/user/keys/{id}",
	"/users/{user}",
	"/users/{user}/repos",
	"/users/{user}/gists",
	"/repos/{owner}/{repo}",
	"/repos/{owner}/{repo}/issues",
	"/repos/{owner}/{repo}/issues/{number}",
	"/repos/{owner}/{repo}/pulls/{number}/files",
	"/repos/{owner}/{repo}/git/refs/{ref}/commits/{sha}",
	"/gists/{id}",
	"/gists/{id}/star",
	"/search/repositories",
	"/search/code",
	"/orgs/{org}/teams",
	"/teams/{id}/members/{user}",
	"/static/{path...}",
}

var benchCases = []struct {
	name, path string
}{
	{"static", "/user/repos"},
	{"param1", "/users/gopher"},
	{"param5", "/repos/golang/go/git/refs/main/commits/0123abcd"},
	{"notfound", "/repos/golang/go/nope/1"},
}

func benchApp() *App {
	a := New(Settings{})
	a.Logger = slog.New(slog.DiscardHandler) // 404s are logged; keep the benchmark about routing
	h := func(c *Ctx) error { return nil }
	for _, p := range benchPatterns {
		a.Get(p, h)
	}
	return a
}

func benchMux() *http.ServeMux {
	mux := http.NewServeMux()
	h := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, p := range benchPatterns {
		mp := p
		if strings.HasSuffix(p, "/") && p != "/" {
			mp = p + "{$}"
		}
		if p == "/" {
			mp = "/{$}"
		}
		mux.Handle("GET "+mp, h)
	}
	return mux
}

// benchWriter is a ResponseWriter that keeps nothing, so a benchmark measures the
// router and not a recorder.
type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }

func newBenchRequest(b *testing.B, path string) *http.Request {
	r, err := http.NewRequest("GET", path, nil)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkRouting measures matching alone (galvani/match: the tree lookup that
// fills the Ctx; servemux/match: ServeMux.Handler) and a whole dispatch to a no-op
// handler (galvani/serve, servemux/serve), for each benchCases path.
func BenchmarkRouting(b *testing.B) {
	a, mux := benchApp(), benchMux()
	for _, bc := range benchCases {
		r := newBenchRequest(b, bc.path)
		b.Run(bc.name+"/galvani/match", func(b *testing.B) {
			c := new(Ctx)
			u, _ := url.Parse(bc.path)
			b.ReportAllocs()
			for b.Loop() {
				a.router.lookup("GET", u, c)
			}
		})
		b.Run(bc.name+"/servemux/match", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mux.Handler(r)
			}
		})
		b.Run(bc.name+"/galvani/serve", func(b *testing.B) {
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				a.ServeHTTP(w, r)
			}
		})
		b.Run(bc.name+"/servemux/serve", func(b *testing.B) {
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				mux.ServeHTTP(w, r)
			}
		})
	}
}

var helloWorld = []byte("Hello, World!")

// BenchmarkPlaintext serves the TechEmpower plaintext response through the App
// (galvani) and through a bare ServeMux handler (servemux).
func BenchmarkPlaintext(b *testing.B) {
	a := New(Settings{})
	a.Get("/plaintext", func(c *Ctx) error { return c.Text(http.StatusOK, "Hello, World!") })
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"text/plain; charset=utf-8"}
		w.WriteHeader(http.StatusOK)
		w.Write(helloWorld)
	})
	r := newBenchRequest(b, "/plaintext")
	b.Run("galvani", func(b *testing.B) {
		w := &benchWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			a.ServeHTTP(w, r)
		}
	})
	b.Run("servemux", func(b *testing.B) {
		w := &benchWriter{h: http.Header{}}
		b.ReportAllocs()
		for b.Loop() {
			mux.ServeHTTP(w, r)
		}
	})
}

// BenchmarkGroupMiddleware measures the cost of recovering the Ctx behind a group
// middleware (one pass-through middleware) against the same route without it.
func BenchmarkGroupMiddleware(b *testing.B) {
	a := New(Settings{})
	h := func(c *Ctx) error { return nil }
	a.Get("/plain/{id:int}", h)
	a.Group("/mw").Use(func(next http.Handler) http.Handler { return next }).Get("/{id:int}", h)
	for _, p := range []string{"/plain/42", "/mw/42"} {
		r := newBenchRequest(b, p)
		b.Run(strings.TrimPrefix(p[:strings.LastIndexByte(p, '/')], "/"), func(b *testing.B) {
			w := &benchWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				a.ServeHTTP(w, r)
			}
		})
	}
}
