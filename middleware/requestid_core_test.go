package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

// The ID RequestID assigns is the one the core's error pages and logs show.
func TestRequestIDReachesCoreErrorPages(t *testing.T) {
	app := galvani.New(galvani.Settings{})
	app.Use(RequestID)
	var seen string
	app.Get("/fail", func(c *galvani.Ctx) error {
		seen = galvani.RequestID(c.Request)
		return galvani.Error(http.StatusConflict, "taken")
	})
	req := httptest.NewRequest("GET", "/fail", nil)
	req.Header.Set(RequestIDHeader, "abc-123")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, req)
	if seen != "abc-123" || !strings.Contains(w.Body.String(), "Request ID: abc-123") {
		t.Errorf("core saw %q; body %q", seen, w.Body)
	}
}
