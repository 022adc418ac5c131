package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func corsDo(mw func(http.Handler) http.Handler, method, origin string, hdr map[string]string) (*httptest.ResponseRecorder, bool) {
	ran := false
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran = true
		io := w
		io.Write([]byte("data"))
	}))
	req := httptest.NewRequest(method, "/api", nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec, ran
}

func TestCORSSimple(t *testing.T) {
	mw := CORS(CORSOptions{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.example.org", "http://localhost:3000"},
		AllowCredentials: true,
		ExposedHeaders:   []string{"X-Total"},
	})
	cases := []struct {
		origin string
		allow  bool
	}{
		{"https://app.example.com", true},
		{"HTTPS://APP.EXAMPLE.COM", true},
		{"http://app.example.com", false},
		{"https://app.example.com.evil.com", false},
		{"https://evilapp.example.com", false},
		{"https://a.example.org", true},
		{"https://a.b.example.org", true},
		{"https://example.org", false},
		{"https://evil-example.org", false},
		{"https://a.example.org:8443", false}, // another port is another origin
		{"http://localhost:3000", true},
		{"http://localhost:3001", false},
		{"null", false},
		{"https://app.example.com/path", false},
		{"https://user@app.example.com", false},
		{"https://app.example.com?x", false},
		{"https://app.example.com\r\nX-Evil: 1", false},
		{"not an origin", false},
		{"https://", false},
		{"https://a.example.org:99999", false},
		{strings.Repeat("https://a", 1000), false},
	}
	for _, tc := range cases {
		rec, ran := corsDo(mw, "GET", tc.origin, nil)
		if !ran {
			t.Errorf("%q: handler did not run for a simple request", tc.origin)
		}
		acao := rec.Header().Get("Access-Control-Allow-Origin")
		if tc.allow {
			if acao != tc.origin || rec.Header().Get("Access-Control-Allow-Credentials") != "true" || rec.Header().Get("Access-Control-Expose-Headers") != "X-Total" {
				t.Errorf("%q: headers %v", tc.origin, rec.Header())
			}
		} else if acao != "" || rec.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%q: not allowed but got %v", tc.origin, rec.Header())
		}
		if !hasToken(rec.Header()["Vary"], "Origin") {
			t.Errorf("%q: no Vary: Origin", tc.origin)
		}
	}
	// Two Origin headers: refused.
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Add("Origin", "https://app.example.com")
	req.Header.Add("Origin", "https://evil.com")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("two Origin headers allowed: %v", rec.Header())
	}
}

func TestCORSStar(t *testing.T) {
	mw := CORS(CORSOptions{AllowedOrigins: []string{"*"}})
	rec, _ := corsDo(mw, "GET", "https://anyone.test", nil)
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("%v", rec.Header())
	}
	if hasToken(rec.Header()["Vary"], "Origin") {
		t.Fatalf("* answer does not vary by origin")
	}
	rec, _ = corsDo(mw, "GET", "javascript:alert(1)", nil)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("malformed origin allowed: %v", rec.Header())
	}
}

func TestCORSRefusesStarWithCredentials(t *testing.T) {
	defer func() {
		v := recover()
		if v == nil || !strings.Contains(v.(string), "AllowCredentials") {
			t.Fatalf("got %v", v)
		}
	}()
	CORS(CORSOptions{AllowedOrigins: []string{"*"}, AllowCredentials: true})
}

func TestCORSBadConfigPanics(t *testing.T) {
	for _, o := range []string{"example.com", "https://", "https://a.com/path", "https://a.*.com", "https://*.", "https://*.a*.com"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q accepted", o)
				}
			}()
			CORS(CORSOptions{AllowedOrigins: []string{o}})
		}()
	}
}

func TestCORSPreflight(t *testing.T) {
	mw := CORS(CORSOptions{
		AllowedOrigins: []string{"https://app.example.com"},
		AllowedMethods: []string{"GET", "put"},
		AllowedHeaders: []string{"Content-Type", "X-API-Key"},
		MaxAge:         10 * time.Minute,
		AllowOriginFunc: func(origin string, r *http.Request) bool {
			return origin == "https://dynamic.test"
		},
	})
	cases := []struct {
		name, origin, method, headers string
		status                        int
	}{
		{"ok", "https://app.example.com", "PUT", "content-type, x-api-key", 204},
		{"ok func", "https://dynamic.test", "GET", "", 204},
		{"bad origin", "https://evil.test", "PUT", "", 403},
		{"bad method", "https://app.example.com", "DELETE", "", 403},
		{"bad header", "https://app.example.com", "PUT", "X-Evil", 403},
		{"garbage origin", "%%%", "PUT", "", 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Access-Control-Request-Method": tc.method}
			if tc.headers != "" {
				hdr["Access-Control-Request-Headers"] = tc.headers
			}
			rec, ran := corsDo(mw, "OPTIONS", tc.origin, hdr)
			if ran {
				t.Fatal("preflight reached the handler")
			}
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%q)", rec.Code, tc.status, rec.Body)
			}
			h := rec.Header()
			if tc.status == 204 {
				if h.Get("Access-Control-Allow-Origin") != tc.origin || h.Get("Access-Control-Allow-Methods") != "GET, PUT" ||
					h.Get("Access-Control-Allow-Headers") != "Content-Type, X-API-Key" || h.Get("Access-Control-Max-Age") != "600" {
					t.Fatalf("headers %v", h)
				}
			} else {
				if h.Get("Access-Control-Allow-Origin") != "" || !strings.Contains(rec.Body.String(), "refused") {
					t.Fatalf("refusal %v %q", h, rec.Body)
				}
			}
			if !hasToken(h["Vary"], "Access-Control-Request-Headers") {
				t.Fatalf("no Vary for preflight: %v", h["Vary"])
			}
		})
	}
	// A plain OPTIONS (no Access-Control-Request-Method) is the handler's.
	if _, ran := corsDo(mw, "OPTIONS", "https://app.example.com", nil); !ran {
		t.Fatal("plain OPTIONS did not reach the handler")
	}
	// No Origin: untouched.
	rec, ran := corsDo(mw, "GET", "", nil)
	if !ran || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no-origin request changed: %v", rec.Header())
	}
}

func TestCORSAnyHeaderEchoes(t *testing.T) {
	mw := CORS(CORSOptions{AllowedOrigins: []string{"https://a.test"}, AllowedHeaders: []string{"*"}, AllowCredentials: true})
	rec, _ := corsDo(mw, "OPTIONS", "https://a.test", map[string]string{
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "X-One, X-Two",
	})
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Headers") != "X-One, X-Two" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
}
