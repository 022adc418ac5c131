package galvani

import (
	"net/http/httptest"
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
