package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// If-None-Match and If-Match are lists, and a list may arrive in several header
// lines (RFC 9110 §5.3): a match in any line counts.
func TestConditionalETagListOverSeveralLines(t *testing.T) {
	h := ConditionalGET(ConditionalOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v2"`)
		_, _ = w.Write([]byte("hello"))
	}))
	do := func(name string, values ...string) int {
		req := httptest.NewRequest("GET", "/", nil)
		for _, v := range values {
			req.Header.Add(name, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if got := do("If-None-Match", `"v1"`, `"v2"`); got != http.StatusNotModified {
		t.Errorf("If-None-Match over two lines: %d, want 304", got)
	}
	if got := do("If-Match", `"v1"`, `"v2"`); got != http.StatusOK {
		t.Errorf("If-Match over two lines: %d, want 200", got)
	}
	if got := do("If-Match", `"v1"`, `"v3"`); got != http.StatusPreconditionFailed {
		t.Errorf("If-Match without a match: %d, want 412", got)
	}
}
