package galvani

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestURLNeverSchemeRelative: reversing a {rest...} route at the root with a value
// starting with "/" must not build "//evil.example", which a browser reads as
// another host when it is used as a link or a redirect. Like Django, the second
// slash is escaped, and the path still routes back to the same value.
func TestURLNeverSchemeRelative(t *testing.T) {
	app := New()
	app.Get("/{rest...}", func(c *Ctx) error { return c.Text(200, c.Param("rest")) }).Name("page")
	for _, v := range []string{"/evil.example", "//evil.example", "/evil.example/a/b"} {
		u, err := app.URL("page", v)
		if err != nil {
			t.Fatalf("URL(%q): %v", v, err)
		}
		if !IsLocalURL(u) {
			t.Errorf("URL(%q) = %q, which leaves the site", v, u)
			continue
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, httptest.NewRequest("GET", "http://example.com"+u, nil))
		if w.Code != 200 || w.Body.String() != v {
			t.Errorf("GET %s: %d %q, want 200 %q", u, w.Code, w.Body.String(), v)
		}
	}
}

// TestRouteMatches: Route.Matches agrees with the router, including a more
// specific route winning over a parameterised one and the method.
func TestRouteMatches(t *testing.T) {
	app := New()
	h := func(c *Ctx) error { return nil }
	item := app.Post("/items/{id}/", h)
	newItem := app.Post("/items/new/", h)
	get := app.Get("/items/{id}/", h)
	for _, tc := range []struct {
		route        *Route
		method, path string
		want         bool
	}{
		{item, "POST", "/items/7/", true},
		{item, "POST", "/items/new/", false},
		{newItem, "POST", "/items/new/", true},
		{item, "GET", "/items/7/", false},
		{get, "GET", "/items/7/", true},
		{get, "HEAD", "/items/7/", true},
		{item, "POST", "/items/a%2Fb/", false},
		{item, "POST", "/items/7", false},
	} {
		if got := tc.route.Matches(httptest.NewRequest(tc.method, tc.path, nil)); got != tc.want {
			t.Errorf("%s.Matches(%s %s) = %v, want %v", tc.route.Pattern, tc.method, tc.path, got, tc.want)
		}
	}
}

// TestAppendSlashPostExplains: a POST to /login when only /login/ exists is not
// redirected (the body would be lost) but, as in Django, the 404 says why and what
// to change.
func TestAppendSlashPostExplains(t *testing.T) {
	app := New(Settings{Debug: true})
	app.Post("/login/", func(c *Ctx) error { return c.Text(200, "ok") })
	app.Get("/about/", func(c *Ctx) error { return c.Text(200, "about") })
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("POST", "/login?next=/x", nil))
	if body := w.Body.String(); w.Code != 404 || w.Header().Get("Location") != "" || !strings.Contains(body, "/login/") || !strings.Contains(body, "trailing slash") {
		t.Errorf("POST /login: %d %q", w.Code, body)
	}
	w = httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/login", nil)
	r.Header.Set("Accept", "text/html")
	app.ServeHTTP(w, r)
	if body := w.Body.String(); w.Code != 404 || !strings.Contains(body, "trailing slash") {
		t.Errorf("POST /login (HTML): %d %q", w.Code, body)
	}
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "/about?x=1", nil))
	if w.Code != 301 || w.Header().Get("Location") != "/about/?x=1" {
		t.Errorf("GET /about: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("POST", "/about", nil))
	if w.Code != 404 || strings.Contains(w.Body.String(), "trailing slash") {
		t.Errorf("POST /about (no POST route at /about/): %d %q", w.Code, w.Body.String())
	}
}
