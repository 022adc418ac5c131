package security

import (
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani"
)

// TestProbesBypassHostAndRedirect checks that a load balancer probing the pod IP
// over plain HTTP gets the probe's answer: no 400 from the host check, no HTTPS
// redirect, no CSRF cookie, while other paths keep every protection.
func TestProbesBypassHostAndRedirect(t *testing.T) {
	s := galvani.Settings{AllowedHosts: []string{"example.com"}, SecretKey: "probe-test-key"}
	galvani.Section(&s, "security", Config{}).SSLRedirect = true
	app := galvani.New(s, App)
	cases := []struct {
		path string
		want int
	}{
		{"/healthz", 200},
		{"/readyz", 200},
		{"/", 400}, // the host check still refuses the pod IP elsewhere
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "http://10.1.2.3:8000"+c.path, nil)
		app.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("GET %s with Host 10.1.2.3:8000: %d, want %d", c.path, rec.Code, c.want)
		}
		if c.want == 200 && rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("GET %s set a cookie: %q", c.path, rec.Header().Get("Set-Cookie"))
		}
	}
}
