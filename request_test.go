package galvani

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAbsoluteURL(t *testing.T) {
	plain := httptest.NewRequest("GET", "/articles/7/?x=1", nil)
	plain.Host = "example.com"
	tlsReq := httptest.NewRequest("GET", "/articles/7/", nil)
	tlsReq.Host = "example.com"
	tlsReq.TLS = &tls.ConnectionState{}
	proxied := httptest.NewRequest("GET", "/articles/7/", nil) // as the security middleware leaves it
	proxied.Host = "example.com:8443"
	proxied.URL.Scheme = "https"
	for _, tc := range []struct {
		name     string
		r        *http.Request
		location string
		want     string
	}{
		{"path", plain, "/accounts/reset/MQ/tok/", "http://example.com/accounts/reset/MQ/tok/"},
		{"tls", tlsReq, "/a/", "https://example.com/a/"},
		{"trusted proxy", proxied, "/a/?q=1#f", "https://example.com:8443/a/?q=1#f"},
		{"relative", plain, "comments/", "http://example.com/articles/7/comments/"},
		{"own URL", plain, "", "http://example.com/articles/7/?x=1"},
		{"absolute stays", tlsReq, "https://cdn.example.net/x.png", "https://cdn.example.net/x.png"},
		{"escaped", plain, "/a b/", "http://example.com/a%20b/"},
		{"not a reference", plain, "/100%/", "http://example.com/100%25/"},
	} {
		if got := AbsoluteURL(tc.r, tc.location); got != tc.want {
			t.Errorf("%s: AbsoluteURL(%q) = %q, want %q", tc.name, tc.location, got, tc.want)
		}
	}
	if IsSecure(plain) || !IsSecure(tlsReq) || !IsSecure(proxied) {
		t.Error("IsSecure disagrees with the scheme")
	}
}

// Through an App, Ctx.AbsoluteURL follows the request's scheme.
func TestCtxAbsoluteURL(t *testing.T) {
	a, _ := testApp(t, false)
	a.Get("/a/{id:int}/", func(c *Ctx) error { return c.Text(200, c.AbsoluteURL(c.App().MustURL("a", 3))) }).Name("a")
	if w := do(a, "GET", "/a/1/", nil); w.Body.String() != "http://example.com/a/3/" {
		t.Errorf("got %q", w.Body)
	}
}

// Whatever the location, a path-only reference stays on the request's host.
func FuzzAbsoluteURL(f *testing.F) {
	for _, s := range []string{"/a/", "", "x", "/100%/", "/a b/?q=%zz", "/\x00", "/./../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, location string) {
		r := httptest.NewRequest("GET", "/base/", nil)
		r.Host = "example.com"
		got := AbsoluteURL(r, location)
		if strings.HasPrefix(location, "/") && !strings.HasPrefix(location, "//") && !strings.HasPrefix(got, "http://example.com/") {
			t.Fatalf("AbsoluteURL(%q) = %q left the site", location, got)
		}
	})
}
