package middleware_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/middleware"
)

// A Galvani app with the standard chain.
func Example() {
	app := galvani.New(galvani.Settings{TrustedProxies: []string{"10.0.0.0/8"}})
	app.Use(
		middleware.RealIP(app.Settings.TrustedProxies...),
		middleware.RequestID,
		middleware.Logger(slog.New(slog.DiscardHandler)),
		middleware.Compress(middleware.CompressOptions{}),
		middleware.ConditionalGET(middleware.ConditionalOptions{}),
		middleware.BodyLimit(1<<20),
		middleware.Timeout(30*time.Second),
	)
	app.Get("/", func(c *galvani.Ctx) error {
		return c.Text(200, "Hello from "+middleware.ClientIP(c.Request))
	})

	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.0.0.7:5000"
	req.Header.Set("X-Forwarded-For", "198.51.100.23")
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	fmt.Println(rec.Header().Get("ETag") != "", len(rec.Header().Get("X-Request-ID")))
	// Output:
	// 200 Hello from 198.51.100.23
	// true 32
}

// The same middleware on a plain net/http mux.
func ExampleCORS() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `["a","b"]`)
	})
	h := middleware.CORS(middleware.CORSOptions{
		AllowedOrigins:   []string{"https://app.example.com"},
		AllowCredentials: true,
	})(mux)

	req := httptest.NewRequest("GET", "/api/items", nil)
	req.Header.Set("Origin", "https://app.example.com")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Header().Get("Access-Control-Allow-Origin"), rec.Header().Get("Access-Control-Allow-Credentials"))
	// Output: https://app.example.com true
}

func ExampleRecover() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == "stack" || a.Key == "time" || a.Key == "request_id" {
				return slog.Attr{}
			}
			return a
		},
	}))
	h := middleware.Recover(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("something broke")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/oops", nil))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// level=ERROR msg="panic serving request" method=GET path=/oops panic="something broke"
	// 500 Internal Server Error
}

func ExampleBodyLimit() {
	h := middleware.BodyLimit(16)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", 100))))
	fmt.Println(rec.Code)
	// Output: 413
}
