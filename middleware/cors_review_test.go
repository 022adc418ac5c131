package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// An origin is scheme, host and port: a wildcard entry matches subdomains on the port
// it names (none: the scheme's default), never on any port.
func TestCORSWildcardPort(t *testing.T) {
	h := CORS(CORSOptions{AllowedOrigins: []string{"https://*.example.com", "https://*.example.org:8443"}, AllowCredentials: true})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for origin, want := range map[string]bool{
		"https://a.example.com":      true,
		"https://a.example.com:8443": false,
		"https://a.example.org:8443": true,
		"https://a.example.org":      false,
		"https://a.example.org:9443": false,
		"https://example.org:8443":   false,
		"http://a.example.com":       false,
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Origin", origin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Access-Control-Allow-Origin") == origin; got != want {
			t.Errorf("%s allowed %v, want %v", origin, got, want)
		}
	}
}
