package security

import (
	"bytes"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

// The Host attack table (Django's rules).
func TestHostValidation(t *testing.T) {
	allowed := []string{"example.com", ".example.org", "203.0.113.5", "[2001:db8::1]", "admin.example.net:8443"}
	hv := NewHostValidator(allowed, false, quiet)
	cases := map[string]bool{
		"example.com":             true,
		"EXAMPLE.com":             true,
		"example.com:8000":        true,
		"example.com.":            true,
		"www.example.com":         false,
		"example.org":             true,
		"www.example.org":         true,
		"a.b.example.org:80":      true,
		"badexample.org":          false,
		"example.org.evil.com":    false,
		"203.0.113.5":             true,
		"203.0.113.5:8080":        true,
		"203.0.113.6":             false,
		"[2001:db8::1]":           true,
		"[2001:db8::1]:443":       true,
		"[2001:db8::2]":           false,
		"2001:db8::1":             false,
		"admin.example.net:8443":  true,
		"admin.example.net":       false,
		"admin.example.net:443":   false,
		"":                        false,
		"evil.com":                false,
		"example.com@evil.com":    false,
		"example.com:evil":        false,
		"example.com:99999999":    false,
		"exa mple.com":            false,
		"example.com/../":         false,
		"[::1":                    false,
		"[zz::1]":                 false,
		"under_score.example.com": false,
		":80":                     false,
	}
	for host, want := range cases {
		if got := hv.Allowed(host); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", host, got, want)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		hv.Handler(ok).ServeHTTP(w, r)
		if want && w.Code != 200 || !want && w.Code != 400 {
			t.Errorf("Host %q: status %d", host, w.Code)
		}
		if !want && strings.Contains(w.Body.String(), host) && host != "" {
			t.Errorf("production 400 echoes the host: %q", w.Body.String())
		}
	}
}

func TestHostValidationDebugAndStar(t *testing.T) {
	hv := NewHostValidator(nil, true, quiet)
	for host, want := range map[string]bool{"localhost": true, "localhost:8000": true, "app.localhost": true,
		"127.0.0.1:8000": true, "[::1]:8000": true, "example.com": false, "10.0.0.1": false} {
		if hv.Allowed(host) != want {
			t.Errorf("debug Allowed(%q) != %v", host, want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "example.com"
	w := httptest.NewRecorder()
	hv.Handler(ok).ServeHTTP(w, r)
	if w.Code != 400 || !strings.Contains(w.Body.String(), `add "example.com" to ALLOWED_HOSTS`) {
		t.Fatalf("debug 400: %q", w.Body.String())
	}
	if NewHostValidator(nil, false, quiet).Allowed("localhost") {
		t.Error("production with no ALLOWED_HOSTS allows localhost")
	}
	star := NewHostValidator([]string{"*"}, false, quiet)
	if !star.Allowed("anything.example") || star.Allowed("bad host") {
		t.Error("* must allow any well-formed host and only those")
	}
}

func serveHeaders(t *testing.T, cfg Config, proxies []string, r *http.Request, h http.Handler) *httptest.ResponseRecorder {
	t.Helper()
	hm, err := NewHeaders(cfg, proxies)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	hm.Handler(h).ServeHTTP(w, r)
	return w
}

func TestDefaultHeaders(t *testing.T) {
	w := serveHeaders(t, Config{}, nil, httptest.NewRequest("GET", "/", nil), ok)
	want := map[string]string{
		"X-Frame-Options":            "DENY",
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "same-origin",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	for k, v := range want {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"Strict-Transport-Security", "Content-Security-Policy"} {
		if w.Header().Get(k) != "" {
			t.Errorf("%s sent by default", k)
		}
	}
	// Off disables; a handler can override per response.
	w = serveHeaders(t, Config{FrameOptions: Off, ReferrerPolicy: "no-referrer"}, nil, httptest.NewRequest("GET", "/", nil),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cross-Origin-Opener-Policy", "unsafe-none")
		}))
	if w.Header().Get("X-Frame-Options") != "" || w.Header().Get("Referrer-Policy") != "no-referrer" || w.Header().Get("Cross-Origin-Opener-Policy") != "unsafe-none" {
		t.Errorf("overrides: %v", w.Header())
	}
}

func TestSchemeAndHSTS(t *testing.T) {
	cfg := Config{HSTSSeconds: 3600, HSTSIncludeSubdomains: true, HSTSPreload: true}
	var scheme string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme = r.URL.Scheme
		if IsSecure(r) != (scheme == "https") {
			t.Error("IsSecure disagrees with the scheme")
		}
	})
	proxies := []string{"10.0.0.0/8", "192.0.2.7"}
	cases := []struct {
		name   string
		remote string
		tls    bool
		hdr    [2]string
		url    string
		https  bool
	}{
		{"plain", "198.51.100.1:1234", false, [2]string{}, "/", false},
		{"tls", "198.51.100.1:1234", true, [2]string{}, "/", true},
		{"untrusted X-Forwarded-Proto", "198.51.100.1:1234", false, [2]string{"X-Forwarded-Proto", "https"}, "/", false},
		{"trusted X-Forwarded-Proto", "10.1.2.3:1234", false, [2]string{"X-Forwarded-Proto", "https"}, "/", true},
		{"trusted single address", "192.0.2.7:5", false, [2]string{"X-Forwarded-Proto", "HTTPS, http"}, "/", true},
		{"trusted says http", "10.1.2.3:1234", false, [2]string{"X-Forwarded-Proto", "http"}, "/", false},
		{"trusted Forwarded", "10.1.2.3:1234", false, [2]string{"Forwarded", `for=1.2.3.4;proto="https"`}, "/", true},
		{"client absolute-form https over http", "198.51.100.1:1234", false, [2]string{}, "https://example.com/", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", c.url, nil)
		r.RemoteAddr = c.remote
		if c.tls {
			r.TLS = &tls.ConnectionState{}
		} else {
			r.TLS = nil
		}
		if c.hdr[0] != "" {
			r.Header.Set(c.hdr[0], c.hdr[1])
		}
		w := serveHeaders(t, cfg, proxies, r, h)
		if (scheme == "https") != c.https {
			t.Errorf("%s: scheme %q", c.name, scheme)
		}
		hsts := w.Header().Get("Strict-Transport-Security")
		if c.https && hsts != "max-age=3600; includeSubDomains; preload" || !c.https && hsts != "" {
			t.Errorf("%s: HSTS %q", c.name, hsts)
		}
	}
	if _, err := NewHeaders(Config{}, []string{"not-an-ip"}); err == nil {
		t.Error("bad trusted proxy accepted")
	}
}

func TestSSLRedirect(t *testing.T) {
	cfg := Config{SSLRedirect: true, RedirectExempt: []string{"/health"}}
	r := httptest.NewRequest("GET", "http://example.com/a/b?x=1", nil)
	w := serveHeaders(t, cfg, nil, r, ok)
	if w.Code != 301 || w.Header().Get("Location") != "https://example.com/a/b?x=1" {
		t.Fatalf("redirect: %d %q", w.Code, w.Header().Get("Location"))
	}
	cfg.SSLHost = "secure.example.com"
	w = serveHeaders(t, cfg, nil, httptest.NewRequest("GET", "http://example.com/a", nil), ok)
	if w.Header().Get("Location") != "https://secure.example.com/a" {
		t.Fatalf("SSLHost redirect: %q", w.Header().Get("Location"))
	}
	w = serveHeaders(t, cfg, nil, httptest.NewRequest("GET", "http://example.com/health/live", nil), ok)
	if w.Code != 200 {
		t.Fatal("exempt path redirected")
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.1:1"
	r.Header.Set("X-Forwarded-Proto", "https")
	if w = serveHeaders(t, cfg, []string{"10.0.0.1"}, r, ok); w.Code != 200 {
		t.Fatal("request a trusted proxy reports as HTTPS was redirected (loop)")
	}
}

func TestCSPNonce(t *testing.T) {
	var n1, n2 string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n1, n2 = Nonce(r), TemplateContext(r)["csp_nonce"].(string)
	})
	w := serveHeaders(t, Config{CSP: StrictCSP, CSPReportOnly: "script-src {nonce}; report-uri /csp/"}, nil, httptest.NewRequest("GET", "/", nil), h)
	if n1 == "" || n1 != n2 || len(n1) != 24 {
		t.Fatalf("nonce %q / %q", n1, n2)
	}
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self' 'nonce-"+n1+"'") || strings.Contains(csp, "{nonce}") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("CSP %q", csp)
	}
	if ro := w.Header().Get("Content-Security-Policy-Report-Only"); ro != "script-src 'nonce-"+n1+"'; report-uri /csp/" {
		t.Fatalf("report-only %q", ro)
	}
	first := n1
	serveHeaders(t, Config{CSP: StrictCSP}, nil, httptest.NewRequest("GET", "/", nil), h)
	if n1 == first {
		t.Fatal("nonce reused across requests")
	}
	if Nonce(httptest.NewRequest("GET", "/", nil)) != "" {
		t.Fatal("nonce without middleware")
	}
	serveHeaders(t, Config{}, nil, httptest.NewRequest("GET", "/", nil), h)
	if n1 != "" {
		t.Fatal("nonce without a policy")
	}
}

// The whole default stack on an App: framing headers present, bad Host 400,
// cross-origin POST 403, csrf_token and csp_nonce in the template context.
func TestAppDefaults(t *testing.T) {
	s2 := galvani.Settings{AllowedHosts: []string{"example.com"}}
	galvani.Section(&s2, "security", Config{CSP: StrictCSP, Logger: quiet})
	app := galvani.New(s2, App)
	var ctx map[string]any
	app.Get("/", func(c *galvani.Ctx) error {
		ctx = App.(interface {
			TemplateContext(*http.Request) map[string]any
		}).TemplateContext(c.Request)
		return c.Text(200, "hi")
	})
	app.Post("/", func(c *galvani.Ctx) error { return c.Text(200, "posted") })

	r := httptest.NewRequest("GET", "http://example.com/", nil)
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	if w.Code != 200 || w.Header().Get("X-Frame-Options") != "DENY" || !strings.Contains(w.Header().Get("Content-Security-Policy"), "'nonce-") {
		t.Fatalf("GET: %d %v", w.Code, w.Header())
	}
	if tok, _ := ctx["csrf_token"].(interface{ String() string }); tok == nil || len(tok.String()) != 64 {
		t.Fatalf("csrf_token %v", ctx["csrf_token"])
	}
	if n, _ := ctx["csp_nonce"].(string); n == "" || !strings.Contains(w.Header().Get("Content-Security-Policy"), n) {
		t.Fatalf("csp_nonce %v", ctx["csp_nonce"])
	}

	r = httptest.NewRequest("GET", "http://evil.com/", nil)
	w = httptest.NewRecorder()
	app.ServeHTTP(w, r)
	if w.Code != 400 {
		t.Fatalf("bad Host: %d", w.Code)
	}

	r = httptest.NewRequest("POST", "http://example.com/", strings.NewReader("a=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://evil.com")
	r.Header.Set("Cookie", "sessionid=x")
	w = httptest.NewRecorder()
	app.ServeHTTP(w, r)
	if w.Code != 403 {
		t.Fatalf("cross-origin POST: %d", w.Code)
	}
}

func TestDeployChecks(t *testing.T) {
	app := galvani.New(galvani.Settings{AllowedHosts: []string{"example.com"}}, App)
	ids := map[string]bool{}
	for _, m := range app.Check(true) {
		ids[m.ID] = true
	}
	if !ids["security.W201"] || !ids["security.W202"] {
		t.Fatalf("deploy checks: %v", ids)
	}
	s := galvani.Settings{AllowedHosts: []string{"example.com"}}
	galvani.Section(&s, "security", Config{HSTSSeconds: 3600, SSLRedirect: true})
	app = galvani.New(s, App)
	for _, m := range app.Check(true) {
		if m.ID == "security.W201" || m.ID == "security.W202" {
			t.Fatalf("configured but reported: %v", m)
		}
	}
	for _, m := range app.Check(false) {
		if strings.HasPrefix(m.ID, "security.W20") {
			t.Fatalf("deploy check outside --deploy: %v", m)
		}
	}
}

func FuzzHost(f *testing.F) {
	hv := NewHostValidator([]string{".example.com", "[::1]", "10.0.0.1:8080"}, false, quiet)
	for _, s := range []string{"example.com", "a.example.com:80", "[::1]:1", "[::1", "", ":", "10.0.0.1:8080", "x@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		d, port, ok := splitHostPort(host)
		if ok && (d == "" || strings.ContainsAny(d, " @/\\?#_") || (port != "" && !digits(port))) {
			t.Fatalf("splitHostPort(%q) = %q %q", host, d, port)
		}
		if hv.Allowed(host) && !ok {
			t.Fatalf("malformed host %q allowed", host)
		}
	})
}

// A refused request's log line names the host and the setting that would let it in.
func TestHostValidationLogSaysWhatToChange(t *testing.T) {
	for _, c := range []struct {
		allowed []string
		host    string
		want    string
	}{
		{nil, "127.0.0.1:8000", `fix="ALLOWED_HOSTS is empty and DEBUG is off, so every host is refused: set ALLOWED_HOSTS=127.0.0.1`},
		{[]string{"example.com"}, "www.example.com", `fix="add \"www.example.com\" to ALLOWED_HOSTS`},
		{[]string{"example.com"}, "bad host", `fix="none: the Host header is not a valid domain name`},
	} {
		var log bytes.Buffer
		hv := NewHostValidator(c.allowed, false, slog.New(slog.NewTextHandler(&log, nil)))
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/x", nil)
		req.Host = c.host
		hv.Handler(http.NotFoundHandler()).ServeHTTP(rec, req)
		if rec.Code != 400 || !strings.Contains(log.String(), c.want) || !strings.Contains(log.String(), "host=") {
			t.Errorf("Host %q with ALLOWED_HOSTS=%q: %d, log %q lacks %q", c.host, c.allowed, rec.Code, log.String(), c.want)
		}
	}
}
