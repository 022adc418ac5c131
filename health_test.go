package galvani

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// probe serves one request to app and decodes the JSON answer.
func probe(t *testing.T, app *App, method, path string) (int, probeBody, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, nil)
	req.Host = "10.1.2.3:8000" // a load balancer probing the pod IP
	app.ServeHTTP(rec, req)
	var body probeBody
	if rec.Code != http.StatusMethodNotAllowed && rec.Code != http.StatusNotFound && method != http.MethodHead {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s %s: body %q is not JSON: %v", method, path, rec.Body, err)
		}
	}
	return rec.Code, body, rec.Header()
}

// refuseAll stands for the host check, sessions and CSRF: middleware that probes
// must not go through.
func refuseAll(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "refused by middleware", http.StatusBadRequest)
	})
}

func TestProbesHealthy(t *testing.T) {
	app := New(Settings{AllowedHosts: []string{"example.com"}, SecretKey: "k"})
	app.Use(refuseAll)
	app.AddReadinessCheck("database.default", func(context.Context) error { return nil })
	app.AddReadinessCheck("cache.default", func(context.Context) error { return nil })

	code, body, h := probe(t, app, "GET", "/healthz")
	if code != 200 || body.Status != "ok" || body.Checks != nil {
		t.Errorf("liveness: %d %+v, want 200 ok with no checks", code, body)
	}
	if h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-store" {
		t.Errorf("liveness headers: %v", h)
	}
	if h.Get("Set-Cookie") != "" {
		t.Errorf("a probe set a cookie: %q", h.Get("Set-Cookie"))
	}
	code, body, _ = probe(t, app, "GET", "/readyz")
	want := map[string]string{"database.default": "ok", "cache.default": "ok"}
	if code != 200 || body.Status != "ok" || len(body.Failed) != 0 || len(body.Checks) != 2 ||
		body.Checks["database.default"] != "ok" || body.Checks["cache.default"] != "ok" {
		t.Errorf("readiness: %d %+v, want 200 and %v", code, body, want)
	}
	// Other paths still go through the middleware.
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz/", nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("/healthz/ is not a probe: got %d, want the middleware's 400", rec.Code)
	}
}

func TestProbeSettings(t *testing.T) {
	cases := []struct {
		name              string
		settings          Settings
		live, ready, none string
	}{
		{"defaults", Settings{}, "/healthz", "/readyz", "/ready"},
		{"custom paths", Settings{HealthPath: "/-/live", ReadyPath: "/-/ready"}, "/-/live", "/-/ready", "/healthz"},
		{"off", Settings{HealthPath: ProbeOff, ReadyPath: ProbeOff}, "", "", "/readyz"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := New(c.settings)
			for _, p := range []string{c.live, c.ready} {
				if p == "" {
					continue
				}
				if code, body, _ := probe(t, app, "GET", p); code != 200 || body.Status != "ok" {
					t.Errorf("GET %s: %d %+v, want 200 ok", p, code, body)
				}
			}
			if code, _, _ := probe(t, app, "GET", c.none); code != 404 {
				t.Errorf("GET %s: %d, want 404 (not a probe)", c.none, code)
			}
		})
	}
}

func TestProbeSettingsFromEnv(t *testing.T) {
	var s Settings
	err := s.ApplyEnv([]string{"HEALTH_PATH=off", "READY_PATH=/-/ready", "READY_TIMEOUT=500ms", "DRAIN_DELAY=5s"})
	if err != nil {
		t.Fatal(err)
	}
	if s.HealthPath != ProbeOff || s.ReadyPath != "/-/ready" || s.ReadyTimeout != 500*time.Millisecond || s.DrainDelay != 5*time.Second {
		t.Errorf("settings from env: %q %q %v %v", s.HealthPath, s.ReadyPath, s.ReadyTimeout, s.DrainDelay)
	}
}

func TestReadinessFailingChecks(t *testing.T) {
	const dsn = "postgres://app:s3cret@db.internal/site"
	cases := []struct {
		name  string
		check ReadinessCheck
	}{
		{"error", func(context.Context) error { return errors.New("dial " + dsn + ": connection refused") }},
		{"timeout", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
		{"ignores its context", func(context.Context) error { time.Sleep(time.Second); return nil }},
		{"panic", func(context.Context) error { panic("driver bug " + dsn) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs strings.Builder
			app := New(Settings{ReadyTimeout: 50 * time.Millisecond})
			app.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			app.AddReadinessCheck("database.default", c.check)
			app.AddReadinessCheck("cache.default", func(context.Context) error { return nil })
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			var body probeBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if rec.Code != 503 || body.Status != "unavailable" || len(body.Failed) != 1 || body.Failed[0] != "database.default" ||
				body.Checks["database.default"] != "failed" || body.Checks["cache.default"] != "ok" {
				t.Errorf("got %d %s, want 503 naming database.default", rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "s3cret") || strings.Contains(rec.Body.String(), "db.internal") {
				t.Errorf("the probe leaked the DSN: %s", rec.Body)
			}
			if !strings.Contains(logs.String(), "database.default") {
				t.Errorf("the failure was not logged: %q", logs.String())
			}
			// Liveness does not depend on checks.
			if code, _, _ := probe(t, app, "GET", "/healthz"); code != 200 {
				t.Errorf("liveness with a failing check: %d, want 200", code)
			}
		})
	}
}

func TestReadinessProvider(t *testing.T) {
	app := New(Settings{}, readyApp{})
	code, body, _ := probe(t, app, "GET", "/readyz")
	if code != 503 || len(body.Failed) != 1 || body.Failed[0] != "queue.broker" || body.Checks["queue.workers"] != "ok" {
		t.Errorf("got %d %+v, want 503 naming queue.broker", code, body)
	}
}

type readyApp struct{}

func (readyApp) Label() string { return "queue" }
func (readyApp) ReadinessChecks() map[string]ReadinessCheck {
	return map[string]ReadinessCheck{
		"broker":  func(context.Context) error { return errors.New("broker down") },
		"workers": func(context.Context) error { return nil },
	}
}

func TestAddReadinessCheckMisuse(t *testing.T) {
	app := New(Settings{})
	app.AddReadinessCheck("db", func(context.Context) error { return nil })
	for name, f := range map[string]func(){
		"duplicate": func() { app.AddReadinessCheck("db", func(context.Context) error { return nil }) },
		"empty":     func() { app.AddReadinessCheck("", func(context.Context) error { return nil }) },
		"nil":       func() { app.AddReadinessCheck("x", nil) },
		"serving": func() {
			app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
			app.AddReadinessCheck("late", func(context.Context) error { return nil })
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: AddReadinessCheck did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestProbeHostileRequests(t *testing.T) {
	app := New(Settings{MaxHeaderBytes: 1024})
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest(m, "/readyz", strings.NewReader("x=1")))
		if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /readyz: %d Allow=%q, want 405 GET, HEAD", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("HEAD", "/healthz", nil))
	if rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD /healthz: %d with %d body bytes, want 200 and none", rec.Code, rec.Body.Len())
	}
	base, _, _ := startServing(t, app)
	req, _ := http.NewRequest("GET", base+"/healthz?x="+strings.Repeat("a", 100), nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized headers on a probe: %d, want 431", resp.StatusCode)
	}
}

// TestReadinessFailsWhileDraining starts a real server, begins a graceful shutdown
// with a request in flight, and checks that readiness answers 503 during the drain
// delay while liveness and the in-flight request still succeed.
func TestReadinessFailsWhileDraining(t *testing.T) {
	app := New(Settings{DrainDelay: 300 * time.Millisecond})
	started, release := make(chan struct{}), make(chan struct{})
	app.Get("/slow", func(c *Ctx) error {
		close(started)
		<-release
		return c.Text(200, "finished")
	})
	base, cancel, done := startServing(t, app)
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Fatalf("readiness before shutdown: %d", code)
	}
	slow := make(chan string, 1)
	go func() { _, b := get("/slow"); slow <- b }()
	<-started
	cancel()
	for !app.Draining() {
		time.Sleep(time.Millisecond)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, `"draining"`) {
		t.Errorf("readiness while draining: %d %s, want 503 draining", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("liveness while draining: %d, want 200", code)
	}
	close(release)
	if b := <-slow; b != "finished" {
		t.Errorf("in-flight request: %q, want it to finish", b)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after draining = %v, want nil", err)
	}
}
