package security_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
)

// TestAttackTable runs the attack table against a whole project — the
// security defaults and cookie sessions installed the way a project does — and
// checks the expected outcome of each row.
func TestAttackTable(t *testing.T) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer slog.SetDefault(prev)
	s := galvani.Settings{AllowedHosts: []string{"example.com"}, SecretKey: strings.Repeat("s", 50), SecretKeyFallbacks: []string{strings.Repeat("o", 50)}}
	app := galvani.New(s, security.App)
	app.Use(session.Middleware(&app.Settings))
	app.Get("/", func(c *galvani.Ctx) error {
		return c.Text(200, "values="+strings.Join(session.From(c.Request).Keys(), ","))
	})
	app.Post("/login", func(c *galvani.Ctx) error {
		sess := session.From(c.Request)
		sess.Cycle()
		csrf.Rotate(c.Request)
		return sess.Set("user", "alice")
	})
	app.Post("/comment", func(c *galvani.Ctx) error { return c.Text(200, "saved") })

	do := func(method, host, path string, hdr map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader("text=hi"))
		r.Host = host
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w
	}

	// A logged-in visitor: a real session cookie (made with the current key), one
	// made with the fallback key, and a CSRF secret.
	const secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
	login := do("POST", "example.com", "/login", map[string]string{"Cookie": "csrftoken=" + secret, "X-CSRFToken": secret})
	var sessCookie, newSecret string
	for _, c := range login.Result().Cookies() {
		switch c.Name {
		case "sessionid":
			sessCookie = c.Value
		case "csrftoken":
			newSecret = c.Value
		}
	}
	if login.Code != 200 || sessCookie == "" || newSecret == "" || newSecret == secret {
		t.Fatalf("login: %d session=%q csrf=%q", login.Code, sessCookie, newSecret)
	}
	cookieUnder := func(key string) string { // a session cookie made by a site with SECRET_KEY=key
		other := galvani.New(galvani.Settings{SecretKey: key})
		other.Use(session.Middleware(&other.Settings))
		other.Post("/", func(c *galvani.Ctx) error { return session.From(c.Request).Set("user", "x") })
		w := httptest.NewRecorder()
		other.ServeHTTP(w, httptest.NewRequest("POST", "/", nil))
		return w.Result().Cookies()[0].Value
	}
	retiredCookie := cookieUnder(strings.Repeat("r", 50))
	fallbackCookie := cookieUnder(strings.Repeat("o", 50))

	cookies := "sessionid=" + sessCookie + "; csrftoken=" + newSecret
	good := func() string { // a fresh masked token for the visitor's secret
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Cookie", "csrftoken="+newSecret)
		csrf.AddToken(r)
		return r.Header.Get("X-CSRFToken")
	}

	rows := []struct {
		name   string
		method string
		host   string
		path   string
		hdr    map[string]string
		status int
		body   string // substring expected in the body
	}{
		{"legitimate read", "GET", "example.com", "/", map[string]string{"Cookie": cookies}, 200, "values=user"},
		{"legitimate post", "POST", "example.com", "/comment", map[string]string{"Cookie": cookies, "X-CSRFToken": good(), "Origin": "http://example.com"}, 200, "saved"},
		{"CSRF: no token", "POST", "example.com", "/comment", map[string]string{"Cookie": cookies}, 403, "CSRF verification failed"},
		{"CSRF: no CSRF cookie", "POST", "example.com", "/comment", map[string]string{"Cookie": "sessionid=" + sessCookie, "X-CSRFToken": good()}, 403, "CSRF"},
		{"CSRF: invalid token", "POST", "example.com", "/comment", map[string]string{"Cookie": cookies, "X-CSRFToken": strings.Repeat("a", 64)}, 403, "CSRF"},
		{"CSRF: token from before login", "POST", "example.com", "/comment", map[string]string{"Cookie": cookies, "X-CSRFToken": secret}, 403, "CSRF"},
		{"CSRF: cross-origin with valid token", "POST", "example.com", "/comment", map[string]string{"Cookie": cookies, "X-CSRFToken": good(), "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403, "CSRF"},
		{"session: forged cookie", "GET", "example.com", "/", map[string]string{"Cookie": "sessionid=AQ" + strings.Repeat("A", 100)}, 200, "values="},
		{"session: truncated cookie", "GET", "example.com", "/", map[string]string{"Cookie": "sessionid=" + sessCookie[:len(sessCookie)-3]}, 200, "values="},
		{"session: bit-flipped cookie", "GET", "example.com", "/", map[string]string{"Cookie": "sessionid=" + flip(sessCookie)}, 200, "values="},
		{"session: cookie under the fallback key still valid", "GET", "example.com", "/", map[string]string{"Cookie": "sessionid=" + fallbackCookie}, 200, "values=user"},
		{"session: key retired by rotation", "GET", "example.com", "/", map[string]string{"Cookie": "sessionid=" + retiredCookie}, 200, "values="},
		{"bad Host", "GET", "evil.example", "/", nil, 400, "Bad Request"},
		{"malformed Host", "GET", "example.com@evil", "/", nil, 400, "Bad Request"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			w := do(row.method, row.host, row.path, row.hdr)
			if w.Code != row.status || !strings.Contains(w.Body.String(), row.body) {
				t.Fatalf("got %d %q, want %d containing %q", w.Code, w.Body.String(), row.status, row.body)
			}
			if row.body == "values=" && w.Body.String() != "values=" {
				t.Fatalf("tampered cookie kept values: %q", w.Body.String())
			}
			if w.Code == 200 {
				for k, v := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
					"Referrer-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin"} {
					if w.Header().Get(k) != v {
						t.Errorf("%s = %q", k, w.Header().Get(k))
					}
				}
			}
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
