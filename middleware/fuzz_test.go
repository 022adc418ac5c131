package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func FuzzCORSOrigin(f *testing.F) {
	for _, s := range []string{"https://app.example.com", "null", "https://a.example.org:8443", "https://x@y", "http://[::1]:80", "https://app.example.com.evil.test", "\x00", "https://%2e"} {
		f.Add(s)
	}
	mw := CORS(CORSOptions{AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"}, AllowCredentials: true})
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	f.Fuzz(func(t *testing.T, origin string) {
		for _, method := range []string{"GET", "OPTIONS"} {
			req := httptest.NewRequest(method, "/", nil)
			req.Header["Origin"] = []string{origin}
			req.Header.Set("Access-Control-Request-Method", "GET")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			acao := rec.Header().Get("Access-Control-Allow-Origin")
			if acao == "" {
				continue
			}
			if acao != origin || acao == "*" {
				t.Fatalf("origin %q answered with %q", origin, acao)
			}
			lo := strings.ToLower(origin)
			if lo != "https://app.example.com" && !(strings.HasPrefix(lo, "https://") && strings.Contains(lo, ".example.org")) {
				t.Fatalf("origin %q allowed", origin)
			}
		}
	})
}

func FuzzConditionalHeaders(f *testing.F) {
	f.Add(`"abc"`, "Mon, 02 Jan 2006 15:04:05 GMT", `W/"abc", "x"`, "*")
	f.Add(",,,", "garbage", `W/`, `"`)
	mod := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	f.Fuzz(func(t *testing.T, inm, ims, im, ius string) {
		h := ConditionalGET(ConditionalOptions{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Last-Modified", mod)
			w.Write([]byte("body"))
		}))
		req := httptest.NewRequest("GET", "/", nil)
		req.Header["If-None-Match"] = []string{inm}
		req.Header["If-Modified-Since"] = []string{ims}
		req.Header["If-Match"] = []string{im}
		req.Header["If-Unmodified-Since"] = []string{ius}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
			if rec.Body.String() != "body" {
				t.Fatalf("200 with body %q", rec.Body)
			}
		case 304:
			if rec.Body.Len() != 0 {
				t.Fatalf("304 with a body")
			}
		case 412:
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}
