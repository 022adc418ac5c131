package csrf

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

// TestExemptEncodedSlash: an exemption is for the route the router picks, not for
// the decoded path. "/hooks%2Fstripe/delete/" decodes to the exempt
// "/hooks/stripe/delete/" but the router answers it with the "{page}/delete/"
// route, which must stay protected.
func TestExemptEncodedSlash(t *testing.T) {
	app := galvani.New()
	Exempt(&app.Settings, "/hooks/{rest...}")
	p, err := FromSettings(&app.Settings)
	if err != nil {
		t.Fatal(err)
	}
	p.cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	app.Use(p.Handler)
	app.Post("/{page}/delete/", func(c *galvani.Ctx) error { return c.Text(200, "deleted "+c.Param("page")) })
	app.Post("/{path...}", func(c *galvani.Ctx) error { return c.Text(200, "cms "+c.Param("path")) })
	app.Post("/hooks/{rest...}", func(c *galvani.Ctx) error { return c.Text(200, "hook") })
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/hooks/stripe/delete/", 200},   // the exempt route itself
		{"/hooks%2Fstripe/delete/", 403}, // routed to {page}/delete/: checked
		{"/hooks%2fstripe/delete/", 403},
		{"/about/delete/", 403},
		{"/hooks%2Fstripe/x", 403}, // routed to the catch-all: checked
	} {
		r := httptest.NewRequest("POST", "http://example.com"+tc.path, strings.NewReader(""))
		r.Header.Set("Cookie", "sessionid=x")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("POST %s: %d %q, want %d", tc.path, w.Code, w.Body.String(), tc.want)
		}
	}
}

var _ http.Handler = (*galvani.App)(nil)

// TestExemptRoute: ExemptRoute exempts exactly the route the router picks; a more
// specific route under the same pattern, or another method, stays protected.
func TestExemptRoute(t *testing.T) {
	app := galvani.New()
	ok := func(c *galvani.Ctx) error { return c.Text(200, "ok") }
	ExemptRoute(&app.Settings, app.Post("/hooks/{name}/", ok))
	app.Post("/hooks/admin/", ok)
	app.Put("/hooks/{name}/", ok)
	p, err := FromSettings(&app.Settings)
	if err != nil {
		t.Fatal(err)
	}
	p.cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	app.Use(p.Handler)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/hooks/stripe/", 200},
		{"POST", "/hooks/admin/", 403},
		{"PUT", "/hooks/stripe/", 403},
		{"POST", "/hooks/a%2Fb/", 403},
	} {
		r := httptest.NewRequest(tc.method, "http://example.com"+tc.path, strings.NewReader(""))
		r.Header.Set("Cookie", "sessionid=x")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		if w.Code != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, w.Code, tc.want)
		}
	}
}
