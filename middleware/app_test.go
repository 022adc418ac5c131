package middleware_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/middleware"
)

// The middleware as a Galvani App uses it: app-wide and on a group, with handlers
// that return errors.
func TestWithApp(t *testing.T) {
	app := galvani.New(galvani.Settings{})
	app.Logger = slog.New(slog.DiscardHandler)
	app.Use(middleware.RequestID, middleware.Logger(slog.New(slog.DiscardHandler)), middleware.Compress(middleware.CompressOptions{MinSize: 16}))
	api := app.Group("/api").Use(
		middleware.ConditionalGET(middleware.ConditionalOptions{}),
		middleware.BodyLimit(32),
		middleware.Timeout(20*time.Millisecond),
	)
	api.Get("/items/{id:int}", func(c *galvani.Ctx) error {
		return c.Text(200, "item "+c.Param("id")+" for request "+galvani.RequestID(c.Request))
	})
	api.Post("/upload", func(c *galvani.Ctx) error {
		b, err := io.ReadAll(c.Request.Body)
		if err != nil {
			return err
		}
		return c.Text(200, "got "+string(b))
	})
	api.Get("/slow", func(c *galvani.Ctx) error {
		select {
		case <-c.Context().Done():
			return c.Context().Err()
		case <-time.After(5 * time.Second):
			return c.Text(200, "too late")
		}
	})

	c := galvanitest.New(t, app, galvanitest.Header("Accept-Encoding", "gzip"))
	r := c.Get("/api/items/42", galvanitest.Header("X-Request-ID", "abc-123")).AssertStatus(200).
		AssertHeader("X-Request-ID", "abc-123").AssertHeader("Content-Encoding", "gzip")
	if !strings.HasPrefix(r.Header.Get("ETag"), `W/"`) {
		t.Fatalf("ETag through Compress: %v", r.Header)
	}
	plain := galvanitest.New(t, app)
	plain.Get("/api/items/42", galvanitest.Header("X-Request-ID", "abc-123")).AssertStatus(200).
		AssertContains("item 42 for request abc-123")
	// The body names the request ID, so the same ID gives the same ETag.
	id := galvanitest.Header("X-Request-ID", "same")
	etag := plain.Get("/api/items/7", id).Header.Get("ETag")
	plain.Get("/api/items/7", id, galvanitest.Header("If-None-Match", etag)).AssertStatus(304)

	plain.Post("/api/upload", "text/plain", strings.NewReader("small")).AssertStatus(200).AssertContains("got small")
	big := strings.Repeat("x", 100)
	plain.Post("/api/upload", "text/plain", strings.NewReader(big)).AssertStatus(413)
	// Chunked: the handler's read fails and its returned error answers 413.
	req, _ := http.NewRequest("POST", "/api/upload", io.NopCloser(strings.NewReader(big)))
	req.ContentLength = -1
	plain.Do(req).AssertStatus(413)

	plain.Get("/api/slow").AssertStatus(503)
	plain.Get("/api/items/x").AssertStatus(404)
}

func TestTimeoutErrorFromHandler(t *testing.T) {
	app := galvani.New(galvani.Settings{})
	app.Logger = slog.New(slog.DiscardHandler)
	app.Use(middleware.Timeout(time.Millisecond))
	app.Get("/", func(c *galvani.Ctx) error {
		<-c.Context().Done()
		return context.Cause(c.Context())
	})
	galvanitest.New(t, app).Get("/").AssertStatus(503).AssertNotContains("deadline")
}
