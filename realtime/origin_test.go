package realtime

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestOriginAllowed(t *testing.T) {
	tests := []struct {
		origin, host string
		opts         Options
		want         bool
	}{
		{"", "site.example", Options{}, true},
		{"https://site.example", "site.example", Options{}, true},
		{"https://SITE.example", "site.example", Options{}, true},
		{"https://site.example:8443", "site.example", Options{}, false},
		{"https://other.example", "site.example", Options{}, false},
		{"https://other.example", "site.example", Options{AllowedHosts: []string{"other.example"}}, true},
		{"https://a.other.example", "site.example", Options{AllowedHosts: []string{".other.example"}}, true},
		{"https://other.example", "site.example", Options{AllowedHosts: []string{"*"}}, false},
		{"http://localhost:5173", "site.example", Options{Origins: []string{"localhost:5173"}}, true},
		{"http://localhost:5174", "site.example", Options{Origins: []string{"localhost:5173"}}, false},
		{"ftp://site.example", "site.example", Options{}, false},
		{"null", "site.example", Options{AllowedHosts: []string{"site.example"}}, false},
		{"https://user@other.example", "site.example", Options{}, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "http://"+tt.host+"/ws", nil)
		if tt.origin != "" {
			r.Header.Set("Origin", tt.origin)
		}
		if got := originAllowed(r, tt.opts); got != tt.want {
			t.Errorf("origin %q host %q %+v: %v, want %v", tt.origin, tt.host, tt.opts, got, tt.want)
		}
	}
}

// FuzzOriginAllowed checks that no Origin header panics the check and that, with
// no allowed hosts configured, only the request's own host gets through.
func FuzzOriginAllowed(f *testing.F) {
	for _, s := range []string{"https://site.example", "http://[::1]:80", "null", "https://%zz", "https://site.example.evil", "//site.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		r := httptest.NewRequest("GET", "http://site.example/ws", nil)
		r.Header.Set("Origin", origin)
		originAllowed(r, Options{AllowedHosts: []string{origin, "*"}, Origins: []string{origin}}) // must not panic
		if !originAllowed(r, Options{}) || r.Header.Get("Origin") == "" {
			return
		}
		u, err := url.Parse(origin)
		if err != nil || !strings.EqualFold(u.Host, "site.example") {
			t.Fatalf("origin %q let through for host site.example", origin)
		}
	})
}
