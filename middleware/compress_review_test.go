package middleware

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A handler that panics after writing the start of a small (still buffered) body:
// Compress must not send that start as a complete 200 on its way out, or Recover can
// only abort the connection instead of answering 500.
func TestCompressPanicAfterBufferedWrite(t *testing.T) {
	h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<p>half a page"))
		panic("boom")
	}), Recover(slog.New(slog.NewTextHandler(io.Discard, nil))), Compress(CompressOptions{}))
	for _, ae := range []string{"gzip", "br, gzip;q=0.5"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", ae)
		rec := httptest.NewRecorder()
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Fatalf("Accept-Encoding %q: panic reached the server: %v", ae, v)
				}
			}()
			h.ServeHTTP(rec, req)
		}()
		if rec.Code != http.StatusInternalServerError || rec.Body.String() != "Internal Server Error\n" {
			t.Errorf("Accept-Encoding %q: %d %q, want 500", ae, rec.Code, rec.Body.String())
		}
	}
}
