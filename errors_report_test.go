package galvani

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOnServerError(t *testing.T) {
	for _, debug := range []bool{false, true} {
		app := New(Settings{Debug: debug, SecretKey: "the-secret-value-" + strings.Repeat("x", 40)})
		app.Logger = slog.New(slog.DiscardHandler)
		var reports []*ErrorReport
		app.OnServerError(func(r *ErrorReport) { reports = append(reports, r) })
		app.OnServerError(func(r *ErrorReport) { panic("a broken hook") })
		app.Get("/fail/", func(c *Ctx) error { return errors.New("it broke") })
		app.Get("/missing/", func(c *Ctx) error { return Error(404, "") })
		for _, p := range []string{"/fail/", "/missing/"} {
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		}
		if len(reports) != 1 {
			t.Fatalf("debug=%v: %d reports, want 1 (the 500, not the 404)", debug, len(reports))
		}
		r := reports[0]
		text := r.Text()
		if r.Status != 500 || !strings.Contains(text, "it broke") || !strings.Contains(text, "GET http://example.com/fail/") ||
			strings.Contains(text, "the-secret-value") || strings.Contains(text, "Settings.Debug is on") {
			t.Errorf("debug=%v: report text:\n%s", debug, text)
		}
		if !strings.Contains(r.HTML(), "it broke") || r.Signature() == "" {
			t.Errorf("debug=%v: HTML or signature missing", debug)
		}
	}
}
