package galvani_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/galvani-web/galvani"
)

func ExampleApp_AddReadinessCheck() {
	app := galvani.New(galvani.Settings{})
	app.AddReadinessCheck("search", func(ctx context.Context) error {
		return errors.New("dial tcp 10.0.0.9:9200: connection refused") // logged, not shown
	})
	for _, path := range []string{"/healthz", "/readyz"} {
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		body, _ := io.ReadAll(rec.Body)
		fmt.Printf("%s %d %s", path, rec.Code, body)
	}
	// Output:
	// /healthz 200 {"status":"ok"}
	// /readyz 503 {"status":"unavailable","failed":["search"],"checks":{"search":"failed"}}
}
