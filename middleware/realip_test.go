package middleware

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRealIP(t *testing.T) {
	trusted := []string{"10.0.0.0/8", "127.0.0.1", "::1", "fd00::/8"}
	xff, fwd, xr := RealIP(trusted...), RealIPFrom("Forwarded", trusted...), RealIPFrom("X-Real-IP", trusted...)
	cases := []struct {
		name, peer string
		hdr        map[string][]string
		want       string
		remote     string
	}{
		{"untrusted peer, no headers", "203.0.113.5:4000", nil, "203.0.113.5", "203.0.113.5:4000"},
		{"spoofed XFF from untrusted peer", "203.0.113.5:4000", map[string][]string{"X-Forwarded-For": {"1.2.3.4"}}, "203.0.113.5", "203.0.113.5:4000"},
		{"spoofed Forwarded from untrusted peer", "203.0.113.5:4000", map[string][]string{"Forwarded": {"for=1.2.3.4"}}, "203.0.113.5", "203.0.113.5:4000"},
		{"spoofed X-Real-IP from untrusted peer", "203.0.113.5:4000", map[string][]string{"X-Real-IP": {"1.2.3.4"}}, "203.0.113.5", "203.0.113.5:4000"},
		{"trusted proxy", "10.0.0.2:5555", map[string][]string{"X-Forwarded-For": {"198.51.100.7"}}, "198.51.100.7", "198.51.100.7:0"},
		{"client prepends a fake", "10.0.0.2:5555", map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.7"}}, "198.51.100.7", "198.51.100.7:0"},
		{"chain of trusted proxies", "127.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.7, 10.1.1.1, 10.2.2.2"}}, "198.51.100.7", "198.51.100.7:0"},
		{"several header lines", "127.0.0.1:1", map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.7", "10.1.1.1"}}, "198.51.100.7", "198.51.100.7:0"},
		{"all trusted", "127.0.0.1:1", map[string][]string{"X-Forwarded-For": {"10.9.9.9, 10.1.1.1"}}, "10.9.9.9", "10.9.9.9:0"},
		{"garbage stops the walk", "127.0.0.1:1", map[string][]string{"X-Forwarded-For": {"198.51.100.7, evil, 10.1.1.1"}}, "10.1.1.1", "10.1.1.1:0"},
		{"garbage right away", "127.0.0.1:1", map[string][]string{"X-Forwarded-For": {"<script>"}}, "127.0.0.1", "127.0.0.1:1"},
		{"empty entries", "127.0.0.1:1", map[string][]string{"X-Forwarded-For": {",,"}}, "127.0.0.1", "127.0.0.1:1"},
		{"huge entry", "127.0.0.1:1", map[string][]string{"X-Forwarded-For": {strings.Repeat("1", 5000)}}, "127.0.0.1", "127.0.0.1:1"},
		{"ipv6 client", "[::1]:8080", map[string][]string{"X-Forwarded-For": {"2001:db8::1"}}, "2001:db8::1", "[2001:db8::1]:0"},
		{"ipv4-mapped peer", "[::ffff:10.0.0.3]:80", map[string][]string{"X-Forwarded-For": {"198.51.100.9"}}, "198.51.100.9", "198.51.100.9:0"},
		{"xff with port", "10.0.0.2:5555", map[string][]string{"X-Forwarded-For": {"198.51.100.7:1234"}}, "198.51.100.7", "198.51.100.7:0"},
		{"forwarded", "10.0.0.2:1", map[string][]string{"Forwarded": {`for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`}}, "2001:db8:cafe::17", "[2001:db8:cafe::17]:0"},
		{"forwarded, xff ignored", "10.0.0.2:1", map[string][]string{"Forwarded": {"for=192.0.2.60"}, "X-Forwarded-For": {"6.6.6.6"}}, "192.0.2.60", "192.0.2.60:0"},
		{"forwarded through trusted", "10.0.0.2:1", map[string][]string{"Forwarded": {"for=192.0.2.60, for=10.3.3.3"}}, "192.0.2.60", "192.0.2.60:0"},
		{"forwarded unknown", "10.0.0.2:1", map[string][]string{"Forwarded": {"for=unknown"}}, "10.0.0.2", "10.0.0.2:1"},
		{"forwarded obfuscated", "10.0.0.2:1", map[string][]string{"Forwarded": {"for=_hidden, for=10.3.3.3"}}, "10.3.3.3", "10.3.3.3:0"},
		{"forwarded quoted comma", "10.0.0.2:1", map[string][]string{"Forwarded": {`for="1.1.1.1,2.2.2.2"`}}, "10.0.0.2", "10.0.0.2:1"},
		{"forwarded no for", "10.0.0.2:1", map[string][]string{"Forwarded": {"proto=https"}}, "10.0.0.2", "10.0.0.2:1"},
		{"x-real-ip from trusted", "10.0.0.2:1", map[string][]string{"X-Real-IP": {"198.51.100.1"}}, "198.51.100.1", "198.51.100.1:0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mw := xff // cases named "forwarded..." and "x-real-ip..." read that header
			switch {
			case strings.HasPrefix(tc.name, "forwarded"):
				mw = fwd
			case strings.HasPrefix(tc.name, "x-real-ip"):
				mw = xr
			}
			var got, remote string
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, remote = ClientIP(r), r.RemoteAddr
			}))
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.peer
			for k, vs := range tc.hdr {
				for _, v := range vs {
					req.Header.Add(k, v)
				}
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got != tc.want || remote != tc.remote {
				t.Fatalf("ClientIP %q RemoteAddr %q, want %q %q", got, remote, tc.want, tc.remote)
			}
		})
	}
}

func TestRealIPNoTrustedProxies(t *testing.T) {
	var got string
	h := RealIP()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) }))
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "127.0.0.1:9"
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != "127.0.0.1" {
		t.Fatalf("got %q", got)
	}
}

func TestRealIPBadConfig(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "localhost", "1.2.3", "::g"} {
		func() {
			defer func() {
				v := recover()
				if v == nil || !strings.Contains(v.(string), bad) {
					t.Errorf("%q: panic %v", bad, v)
				}
			}()
			RealIP(bad)
		}()
	}
}

func TestRealIPUnparsablePeer(t *testing.T) {
	var got string
	h := RealIP("10.0.0.0/8")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) }))
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "pipe"
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != "" {
		t.Fatalf("got %q", got)
	}
}

func FuzzRealIPHeaders(f *testing.F) {
	f.Add("1.2.3.4, 10.0.0.1", `for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"`)
	f.Add("\x00", `for="\"`)
	f.Add(",,,", `;;;,,,=`)
	mws := []func(http.Handler) http.Handler{RealIP("10.0.0.0/8", "127.0.0.1"), RealIPFrom("Forwarded", "10.0.0.0/8", "127.0.0.1")}
	f.Fuzz(func(t *testing.T, xff, fwd string) {
		var got string
		for _, mw := range mws {
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) }))
			for _, peer := range []string{"127.0.0.1:1", "203.0.113.1:1"} {
				req := httptest.NewRequest("GET", "/", nil)
				req.RemoteAddr = peer
				req.Header["X-Forwarded-For"] = []string{xff}
				if fwd != "" {
					req.Header["Forwarded"] = []string{fwd}
				}
				h.ServeHTTP(httptest.NewRecorder(), req)
				if got == "" {
					t.Fatalf("no client IP for peer %s", peer)
				}
				if peer == "203.0.113.1:1" && got != "203.0.113.1" {
					t.Fatalf("untrusted peer's headers believed: %q", got)
				}
			}
		}
	})
}

func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0.5, *;q=0", "x-gzip;q=1.000", ";;;", "gzip;q=1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		acceptsGzip([]string{s})
	})
}
