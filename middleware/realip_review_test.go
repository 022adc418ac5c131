package middleware

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A proxy appends to exactly one header; the others arrive from the client untouched.
// nginx with the usual `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`
// passes a client's own Forwarded and X-Real-IP through, so RealIP must read only the
// header the proxy writes, never fall back or prefer another one.
func TestRealIPOnlyTheConfiguredHeader(t *testing.T) {
	cases := []struct {
		name string
		mw   func(http.Handler) http.Handler
		hdr  map[string]string
		want string
	}{
		{"Forwarded sent by the client behind an XFF proxy", RealIP("10.0.0.0/8"),
			map[string]string{"Forwarded": "for=6.6.6.6", "X-Forwarded-For": "198.51.100.7"}, "198.51.100.7"},
		{"X-Real-IP sent by the client behind an XFF proxy", RealIP("10.0.0.0/8"),
			map[string]string{"X-Real-IP": "6.6.6.6"}, "10.0.0.2"},
		{"XFF sent by the client behind an X-Real-IP proxy", RealIPFrom("X-Real-IP", "10.0.0.0/8"),
			map[string]string{"X-Forwarded-For": "6.6.6.6", "X-Real-IP": "198.51.100.7"}, "198.51.100.7"},
		{"X-Real-IP is one hop, not a list", RealIPFrom("X-Real-IP", "10.0.0.0/8"),
			map[string]string{"X-Real-IP": "6.6.6.6, 198.51.100.7"}, "10.0.0.2"},
		{"XFF sent by the client behind a Forwarded proxy", RealIPFrom("Forwarded", "10.0.0.0/8"),
			map[string]string{"X-Forwarded-For": "6.6.6.6", "Forwarded": "for=198.51.100.7"}, "198.51.100.7"},
		{"no Forwarded behind a Forwarded proxy", RealIPFrom("forwarded", "10.0.0.0/8"),
			map[string]string{"X-Forwarded-For": "6.6.6.6"}, "10.0.0.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := tc.mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientIP(r) }))
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = "10.0.0.2:5555"
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got != tc.want {
				t.Fatalf("ClientIP %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRealIPFromRefusesOtherHeaders(t *testing.T) {
	defer func() {
		if v := recover(); v == nil {
			t.Fatal("RealIPFrom(\"X-Client\") did not panic")
		}
	}()
	RealIPFrom("X-Client", "10.0.0.0/8")
}
