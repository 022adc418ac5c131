package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/middleware"
)

// HEAD must carry the validators GET would: a cache revalidating with HEAD compares
// them with the ones it stored from GET.
func TestConditionalHEADSameETagAsGET(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true})
	app.Use(middleware.ConditionalGET(middleware.ConditionalOptions{}))
	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "the page") })
	app.Get("/other", func(c *galvani.Ctx) error { return c.Text(200, "another page") })
	etag := func(method, path string) string {
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %s: %d", method, path, rec.Code)
		}
		return rec.Header().Get("ETag")
	}
	if g, h := etag("GET", "/"), etag("HEAD", "/"); g != h {
		t.Errorf("ETag of GET %q, of HEAD %q", g, h)
	}
	if a, b := etag("HEAD", "/"), etag("HEAD", "/other"); a == b && a != "" {
		t.Errorf("two different pages have the same HEAD ETag %q", a)
	}
}
