package static_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/galvani-web/galvani/static"
)

// BenchmarkServe serves the same file with static.Server and, as the baseline,
// http.FileServerFS.
func BenchmarkServe(b *testing.B) {
	fsys := fstest.MapFS{"css/site.css": {Data: []byte(strings.Repeat("body{margin:0}\n", 300)), ModTime: mod}}
	req := httptest.NewRequest("GET", "/css/site.css", nil)
	for _, tc := range []struct {
		name string
		h    http.Handler
	}{
		{"raw-FileServerFS", http.FileServerFS(fsys)},
		{"static", static.New(fsys, static.Options{})},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				tc.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
