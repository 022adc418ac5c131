package middleware

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// benchWriter is a reusable ResponseWriter, so the benchmarks measure the middleware.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(int)             {}

func benchServe(b *testing.B, h http.Handler, req *http.Request) {
	w := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

var benchPage = []byte(strings.Repeat("<p>Hello, compressible world!</p>\n", 100))

func pageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(benchPage)
	})
}

// BenchmarkMiddleware measures each middleware around the same handler; "raw" is the
// handler alone, the baseline.
func BenchmarkMiddleware(b *testing.B) {
	get := httptest.NewRequest("GET", "/", nil)
	gz := httptest.NewRequest("GET", "/", nil)
	gz.Header.Set("Accept-Encoding", "gzip")
	cors := httptest.NewRequest("GET", "/", nil)
	cors.Header.Set("Origin", "https://app.example.com")
	proxied := httptest.NewRequest("GET", "/", nil)
	proxied.RemoteAddr = "10.0.0.1:5000"
	proxied.Header.Set("X-Forwarded-For", "198.51.100.1, 10.0.0.2")
	quiet := slog.New(slog.DiscardHandler)
	cases := []struct {
		name string
		h    http.Handler
		req  *http.Request
	}{
		{"raw", pageHandler(), get},
		{"RequestID", RequestID(pageHandler()), get},
		{"Logger", Logger(quiet)(pageHandler()), get},
		{"Recover", Recover(quiet)(pageHandler()), get},
		{"Compress/identity", Compress(CompressOptions{})(pageHandler()), get},
		{"Compress/gzip", Compress(CompressOptions{})(pageHandler()), gz},
		{"ConditionalGET", ConditionalGET(ConditionalOptions{})(pageHandler()), get},
		{"BodyLimit", BodyLimit(1 << 20)(pageHandler()), get},
		{"Timeout", Timeout(time.Minute)(pageHandler()), get},
		{"CORS", CORS(CORSOptions{AllowedOrigins: []string{"https://app.example.com"}})(pageHandler()), cors},
		{"RealIP", RealIP("10.0.0.0/8")(pageHandler()), proxied},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) { benchServe(b, tc.h, tc.req) })
	}
}
