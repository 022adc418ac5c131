package cache_test

import (
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
)

// TestAppRegistersCacheReadiness checks that the installed cache battery adds one
// readiness check per cache: the in-process default passes, a Redis cache that
// nothing listens on fails the probe by name, without its URL in the body.
func TestAppRegistersCacheReadiness(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now
	app := galvani.New(galvani.Settings{
		Caches: map[string]string{"sessions": "redis://" + dead + "/0"},
	}, cache.App)
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	body := rec.Body.String()
	if rec.Code != 503 || !strings.Contains(body, `"failed":["cache.sessions"]`) || !strings.Contains(body, `"cache.default":"ok"`) {
		t.Errorf("readiness with Redis down: %d %s, want 503 naming cache.sessions", rec.Code, body)
	}
	if strings.Contains(body, dead) {
		t.Errorf("the probe leaked the cache address: %s", body)
	}
}
