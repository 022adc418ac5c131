package middleware

import (
	"fmt"
	"github.com/galvani-web/galvani"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover returns middleware that turns a panic in the handler into a 500 response
// for plain net/http stacks (a Galvani App already recovers panics in its handlers;
// Recover also covers the middleware between it and the App). The panic value and
// stack go to the log with the method, path and request ID; the client only ever
// sees "Internal Server Error". When the handler had already started its response,
// the status can no longer change: the connection is aborted instead (like net/http
// does), so the client sees a broken response rather than a truncated one that looks
// complete. A panic with http.ErrAbortHandler is passed on untouched.
// A nil logger means slog.Default().
func Recover(l *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w}
			// Headers set outside (CORS, security headers, the request ID) must survive
			// a panic; those the failed handler set must not.
			before := w.Header().Clone()
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger := l
				if logger == nil {
					logger = slog.Default()
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("request_id", galvani.RequestID(r)),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
				)
				if sw.hijacked {
					return
				}
				if sw.status != 0 {
					panic(http.ErrAbortHandler)
				}
				h := w.Header()
				clear(h)
				for k, v := range before {
					h[k] = v
				}
				h.Del("Content-Length")
				h.Del("Content-Encoding")
				h.Set("Content-Type", "text/plain; charset=utf-8")
				h.Set("X-Content-Type-Options", "nosniff")
				h.Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte("Internal Server Error\n"))
			}()
			next.ServeHTTP(sw, r)
		})
	}
}
