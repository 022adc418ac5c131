package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/metrics"
)

// BenchmarkPlaintext serves a plaintext route with the battery off, on, and, as
// the raw baseline, through a ServeMux handler instrumented by hand with the same
// Prometheus metrics (what a project without the battery would write).
func BenchmarkPlaintext(b *testing.B) {
	hello := func(c *galvani.Ctx) error { return c.Text(http.StatusOK, "Hello, World!") }
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		cfg := metrics.Config{Enabled: on}
		app := galvani.New(galvani.Settings{Sections: map[string]any{"metrics": &cfg}}, metrics.App)
		app.Get("/plaintext", hello)
		b.Run(name, func(b *testing.B) { serveLoop(b, app) })
	}
	m := metrics.New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"text/plain; charset=utf-8"}
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("Hello, World!"))
	})
	raw := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.RequestStarted(r)
		mux.ServeHTTP(w, r)
		m.RequestFinished(r, galvani.RequestInfo{Route: r.Pattern, Status: 200})
	})
	b.Run("servemux-by-hand", func(b *testing.B) { serveLoop(b, raw) })
}

func serveLoop(b *testing.B, h http.Handler) {
	r := httptest.NewRequest("GET", "/plaintext", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
