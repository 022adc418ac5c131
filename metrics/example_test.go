package metrics_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/metrics"
)

// The battery is installed like any app and turned on by METRICS_ENABLED=true
// (here: the "metrics" settings section in code). Requests are counted by route
// pattern; the scrape comes from the loopback address, which is the default
// allow list.
func Example() {
	settings := galvani.Settings{}
	if err := settings.ApplyEnv([]string{"METRICS_ENABLED=true"}); err != nil {
		panic(err)
	}
	app := galvani.New(settings, metrics.App)
	app.Logger = slog.New(slog.DiscardHandler)
	app.Get("/articles/{id:int}/", func(c *galvani.Ctx) error { return c.Text(200, "article") })

	for _, p := range []string{"/articles/1/", "/articles/2/", "/no/such/page"} {
		app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}

	scrape := httptest.NewRequest("GET", "/metrics", nil)
	scrape.RemoteAddr = "127.0.0.1:40000"
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, scrape)
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "galvani_http_requests_total{") {
			fmt.Println(line)
		}
	}
	// Output:
	// galvani_http_requests_total{method="GET",route="/articles/{id:int}/",status="200"} 2
	// galvani_http_requests_total{method="GET",route="<unmatched>",status="404"} 1
}
