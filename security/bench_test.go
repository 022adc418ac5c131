package security_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
)

// The request overhead of the security defaults (host validation, headers, CSRF)
// plus cookie sessions on a hello handler, beside the bare handler. Compare
// BenchmarkHelloBare with the others:
//
//	go test -run XXX -bench Hello -benchmem ./security/

func hello(c *galvani.Ctx) error { return c.Text(200, "Hello, World!") }

func helloSession(c *galvani.Ctx) error {
	n, _ := session.Value[int](session.From(c.Request), "n")
	_ = n
	return c.Text(200, "Hello, World!")
}

func settings() galvani.Settings {
	return galvani.Settings{AllowedHosts: []string{"example.com"}, SecretKey: "bench-secret-key-bench-secret-key-bench-secret-key"}
}

func run(b *testing.B, h http.Handler, mk func() *http.Request) {
	b.ReportAllocs()
	w := httptest.NewRecorder()
	for b.Loop() {
		w.Body.Reset()
		clear(w.Header())
		h.ServeHTTP(w, mk())
	}
}

func getReq(cookies string) func() *http.Request {
	r := httptest.NewRequest("GET", "/", nil) // Host: example.com, as a server sees it
	if cookies != "" {
		r.Header.Set("Cookie", cookies)
	}
	return func() *http.Request { return r }
}

// BenchmarkHelloBare is the baseline: the App with no middleware.
func BenchmarkHelloBare(b *testing.B) {
	app := galvani.New(settings())
	app.Get("/", hello)
	run(b, app, getReq(""))
}

// BenchmarkHelloSecurity adds security.Defaults (hosts, headers, CSRF).
func BenchmarkHelloSecurity(b *testing.B) {
	app := galvani.New(settings(), security.App)
	app.Get("/", hello)
	run(b, app, getReq(""))
}

// sessionCookie makes a real session cookie with one value.
func sessionCookie(b *testing.B, app *galvani.App) string {
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("POST", "http://example.com/set", nil))
	c := rec.Result().Cookies()
	if len(c) == 0 {
		b.Fatal("no session cookie")
	}
	return c[0].Name + "=" + c[0].Value
}

// BenchmarkHelloSecuritySession adds cookie sessions, and the handler reads a value
// from an existing encrypted session cookie (decryption on every request).
func BenchmarkHelloSecuritySession(b *testing.B) {
	app := galvani.New(settings(), security.App)
	app.Use(session.Middleware(&app.Settings))
	app.Get("/", helloSession)
	app.Post("/set", func(c *galvani.Ctx) error { return session.From(c.Request).Set("n", 1) })
	csrf.Exempt(&app.Settings, "/set")
	run(b, app, getReq(sessionCookie(b, app)+"; csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF"))
}

// BenchmarkHelloSecuritySessionUntouched: the same stack, handler not using the
// session (lazy loading: no decryption).
func BenchmarkHelloSecuritySessionUntouched(b *testing.B) {
	app := galvani.New(settings(), security.App)
	app.Use(session.Middleware(&app.Settings))
	app.Get("/", hello)
	app.Post("/set", func(c *galvani.Ctx) error { return session.From(c.Request).Set("n", 1) })
	csrf.Exempt(&app.Settings, "/set")
	run(b, app, getReq(sessionCookie(b, app)))
}

// BenchmarkHelloPostCSRF: a POST with a session, a CSRF cookie and a masked token
// in the header, through the whole stack (token check on every request).
func BenchmarkHelloPostCSRF(b *testing.B) {
	app := galvani.New(settings(), security.App)
	app.Use(session.Middleware(&app.Settings))
	app.Post("/", helloSession)
	app.Post("/set", func(c *galvani.Ctx) error { return session.From(c.Request).Set("n", 1) })
	csrf.Exempt(&app.Settings, "/set")
	cookies := sessionCookie(b, app) + "; csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF"
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("Cookie", cookies)
	r.Header.Set("Origin", "http://example.com")
	csrf.AddToken(r)
	run(b, app, func() *http.Request { return r })
}

// BenchmarkHelloPostBare is the POST baseline.
func BenchmarkHelloPostBare(b *testing.B) {
	app := galvani.New(settings())
	app.Post("/", hello)
	r := httptest.NewRequest("POST", "/", nil)
	run(b, app, func() *http.Request { return r })
}
