package metrics_test

import (
	"bufio"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/metrics"
)

// newApp returns an App with the metrics battery configured by cfg and a few
// routes: a parameterised one, one that fails and one that panics.
func newApp(t *testing.T, cfg metrics.Config) *galvani.App {
	t.Helper()
	s := galvani.Settings{Sections: map[string]any{"metrics": &cfg}}
	app := galvani.New(s, metrics.App)
	app.Logger = slog.New(slog.DiscardHandler)
	app.Get("/articles/{id:int}/", func(c *galvani.Ctx) error { return c.Text(200, "article "+c.Param("id")) })
	app.Post("/fail/", func(c *galvani.Ctx) error { return galvani.Error(http.StatusConflict, "no") })
	app.Get("/plain/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	return app
}

func do(app http.Handler, method, path, remote string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if remote != "" {
		req.RemoteAddr = remote
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	return rec
}

// scrape returns the sample lines of the metrics whose names start with prefix.
func scrape(t *testing.T, app http.Handler, prefix string) map[string]string {
	t.Helper()
	rec := do(app, "GET", "/metrics", "127.0.0.1:5000")
	if rec.Code != 200 {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(rec.Body.String()))
	for sc.Scan() {
		ln := sc.Text()
		if strings.HasPrefix(ln, prefix) {
			i := strings.LastIndexByte(ln, ' ')
			out[ln[:i]] = ln[i+1:]
		}
	}
	return out
}

func TestScrapeCountsByRoutePattern(t *testing.T) {
	app := newApp(t, metrics.Config{Enabled: true})
	for i := 0; i < 3; i++ {
		do(app, "GET", fmt.Sprintf("/articles/%d/", i), "")
	}
	do(app, "POST", "/fail/", "")
	do(app, "GET", "/plain/", "")
	do(app, "GET", "/nowhere", "")
	do(app, "BREW", "/articles/1/", "")
	got := scrape(t, app, "galvani_http_request")
	want := map[string]string{
		`galvani_http_requests_total{method="GET",route="/articles/{id:int}/",status="200"}`: "3",
		`galvani_http_requests_total{method="POST",route="/fail/",status="409"}`:             "1",
		`galvani_http_requests_total{method="GET",route="/plain/",status="202"}`:             "1",
		`galvani_http_requests_total{method="GET",route="<unmatched>",status="404"}`:         "1",
		`galvani_http_requests_total{method="OTHER",route="<unmatched>",status="405"}`:       "1",
		`galvani_http_requests_in_flight`:                                                    "1", // the scrape itself
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if n := got[`galvani_http_request_duration_seconds_count{method="GET",route="/articles/{id:int}/"}`]; n != "3" {
		t.Errorf("duration histogram count = %q, want 3", n)
	}
	for k := range got {
		if strings.Contains(k, "/articles/1/") || strings.Contains(k, "/nowhere") {
			t.Errorf("a raw path became a label: %s", k)
		}
	}
	// the previous scrape is counted under the endpoint's own route
	if got := scrape(t, app, "galvani_http_requests_total"); got[`galvani_http_requests_total{method="GET",route="/metrics",status="200"}`] != "1" {
		t.Errorf("scrape not counted: %v", got)
	}
}

func TestCardinalityBoundedByPatterns(t *testing.T) {
	app := newApp(t, metrics.Config{Enabled: true})
	for i := 0; i < 10000; i++ {
		path := fmt.Sprintf("/articles/%d/", i)
		if i%2 == 1 {
			path = fmt.Sprintf("/random/%d/x%d", i, i*7)
		}
		do(app, "GET", path, "")
	}
	got := scrape(t, app, "galvani_http_request")
	series := 0
	for k := range got {
		if strings.HasPrefix(k, "galvani_http_requests_total{") {
			series++
		}
	}
	if series != 2 {
		t.Errorf("10,000 distinct paths made %d request series, want 2: %v", series, got)
	}
	if got[`galvani_http_requests_total{method="GET",route="<unmatched>",status="404"}`] != "5000" {
		t.Errorf("unmatched count = %q", got[`galvani_http_requests_total{method="GET",route="<unmatched>",status="404"}`])
	}
}

func TestOffByDefault(t *testing.T) {
	app := newApp(t, metrics.Config{})
	do(app, "GET", "/articles/1/", "")
	if rec := do(app, "GET", "/metrics", "127.0.0.1:1"); rec.Code != http.StatusNotFound {
		t.Errorf("metrics off: /metrics answered %d", rec.Code)
	}
	if metrics.From(app) != nil {
		t.Error("From returned Metrics with the battery off")
	}
	env := galvani.Settings{}
	if err := env.ApplyEnv([]string{"METRICS_ENABLED=true", "METRICS_TOKEN=t0k", "METRICS_ALLOWED_IPS=10.0.0.0/8, 192.168.1.2"}); err != nil {
		t.Fatal(err)
	}
	on := galvani.New(env, metrics.App)
	if metrics.From(on) == nil {
		t.Fatal("METRICS_ENABLED=true did not turn the battery on")
	}
	if rec := do(on, "GET", "/metrics", "10.1.2.3:5", "Authorization", "Bearer t0k"); rec.Code != 200 {
		t.Errorf("env-configured scrape answered %d", rec.Code)
	}
}

func TestEndpointProtection(t *testing.T) {
	local := newApp(t, metrics.Config{Enabled: true})
	cases := []struct {
		name   string
		app    http.Handler
		remote string
		header []string
		want   int
	}{
		{"loopback", local, "127.0.0.1:4000", nil, 200},
		{"ipv6 loopback", local, "[::1]:4000", nil, 200},
		{"remote", local, "203.0.113.9:4000", nil, 403},
		{"proxied from loopback", local, "127.0.0.1:4000", []string{"X-Forwarded-For", "203.0.113.9"}, 403},
		{"forwarded header", local, "127.0.0.1:4000", []string{"Forwarded", "for=203.0.113.9"}, 403},
	}
	tok := newApp(t, metrics.Config{Enabled: true, Token: "s3cret"})
	cases = append(cases,
		struct {
			name   string
			app    http.Handler
			remote string
			header []string
			want   int
		}{"token from anywhere", tok, "203.0.113.9:4000", []string{"Authorization", "Bearer s3cret"}, 200},
		struct {
			name   string
			app    http.Handler
			remote string
			header []string
			want   int
		}{"no token", tok, "127.0.0.1:4000", nil, 403},
		struct {
			name   string
			app    http.Handler
			remote string
			header []string
			want   int
		}{"wrong token", tok, "203.0.113.9:4000", []string{"Authorization", "Bearer s3cre"}, 403},
	)
	both := newApp(t, metrics.Config{Enabled: true, Token: "s3cret", AllowedIPs: []string{"10.0.0.0/8"}})
	cases = append(cases,
		struct {
			name   string
			app    http.Handler
			remote string
			header []string
			want   int
		}{"token and allowed net", both, "10.9.9.9:1", []string{"Authorization", "Bearer s3cret"}, 200},
		struct {
			name   string
			app    http.Handler
			remote string
			header []string
			want   int
		}{"token, other net", both, "11.0.0.1:1", []string{"Authorization", "Bearer s3cret"}, 403},
	)
	for _, c := range cases {
		rec := do(c.app, "GET", "/metrics", c.remote, c.header...)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
		if rec.Code == 403 && strings.Contains(rec.Body.String(), "galvani_") {
			t.Errorf("%s: refused scrape leaked metrics", c.name)
		}
	}
}

func TestPathOffAndChecks(t *testing.T) {
	app := newApp(t, metrics.Config{Enabled: true, Path: metrics.PathOff})
	do(app, "GET", "/articles/5/", "")
	if rec := do(app, "GET", "/metrics", "127.0.0.1:1"); rec.Code != 404 {
		t.Errorf("METRICS_PATH=off still served /metrics: %d", rec.Code)
	}
	rec := httptest.NewRecorder()
	metrics.From(app).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if !strings.Contains(rec.Body.String(), `galvani_http_requests_total{method="GET",route="/articles/{id:int}/",status="200"} 1`) {
		t.Errorf("Handler output lacks the request:\n%s", rec.Body)
	}
	ids := func(cfg metrics.Config) []string {
		a := galvani.New(galvani.Settings{Sections: map[string]any{"metrics": &cfg}})
		var out []string
		for _, m := range metricsApp().(galvani.Checker).Check(a) {
			out = append(out, m.ID)
		}
		return out
	}
	if got := ids(metrics.Config{Enabled: true, AllowedIPs: []string{"*"}}); fmt.Sprint(got) != "[metrics.W001]" {
		t.Errorf("open endpoint: %v", got)
	}
	if got := ids(metrics.Config{Enabled: true, AllowedIPs: []string{"10.0.0.300"}}); fmt.Sprint(got) != "[metrics.E001]" {
		t.Errorf("bad address: %v", got)
	}
	if got := ids(metrics.Config{Enabled: true, Path: "metrics"}); fmt.Sprint(got) != "[metrics.E001]" {
		t.Errorf("bad path: %v", got)
	}
	if got := ids(metrics.Config{Enabled: true}); len(got) != 0 {
		t.Errorf("defaults: %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("New with a malformed METRICS_ALLOWED_IPS did not stop")
		}
	}()
	newApp(t, metrics.Config{Enabled: true, AllowedIPs: []string{"nope"}})
}

func metricsApp() galvani.AppConfig { return metrics.App }
