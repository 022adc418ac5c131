package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/middleware"
)

// docs/middleware.md put CORS on a group (Group.Use), where a browser's preflight
// never reaches it: the preflight is an OPTIONS request to a route that has none, and
// the router answers it (200, Allow) without running the group's middleware, so every
// non-simple cross-origin request failed. CORS goes on App.Use, limited with Under.
func TestCORSPreflightUnderPrefix(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true})
	app.Use(middleware.Under("/api", middleware.CORS(middleware.CORSOptions{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"GET", "POST", "DELETE"},
	})))
	api := app.Group("/api")
	api.Delete("/items/{id:int}", func(c *galvani.Ctx) error { return c.NoContent(204) })
	app.Delete("/apis/{id:int}", func(c *galvani.Ctx) error { return c.NoContent(204) })
	preflight := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("OPTIONS", path, nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "DELETE")
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		return rec
	}
	if rec := preflight("/api/items/7"); rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("preflight under /api: %d %v", rec.Code, rec.Header())
	}
	if rec := preflight("/apis/7"); rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("/apis is not under /api: %d %v", rec.Code, rec.Header())
	}
}

func TestUnder(t *testing.T) {
	mark := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Under", "1")
			next.ServeHTTP(w, r)
		})
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	for prefix, cases := range map[string]map[string]bool{
		"/api":  {"/api": true, "/api/": true, "/api/x/y": true, "/apis": false, "/": false, "/ap": false},
		"/api/": {"/api": true, "/api/x": true, "/apix": false},
		"/":     {"/": true, "/anything": true},
	} {
		h := middleware.Under(prefix, mark)(ok)
		for path, want := range cases {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			if got := rec.Header().Get("X-Under") == "1"; got != want {
				t.Errorf("Under(%q) on %s: %v, want %v", prefix, path, got, want)
			}
		}
	}
}
