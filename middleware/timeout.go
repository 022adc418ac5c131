package middleware

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Timeout returns middleware that gives each request a deadline of d on its context.
// Handlers and everything they call with that context (database queries, outgoing
// requests) stop when it passes. If the deadline passes before the handler has
// started its response, the client gets 503 Service Unavailable and anything the
// handler writes afterwards is discarded (writes return http.ErrHandlerTimeout); a
// response already under way when the deadline passes is left to finish.
//
// Timeout does not abandon the handler's goroutine: a handler that ignores its
// context keeps the connection until it returns. Set http.Server's WriteTimeout as
// the hard limit. Timeout panics on a non-positive d.
func Timeout(d time.Duration) func(http.Handler) http.Handler {
	if d <= 0 {
		panic(fmt.Sprintf("middleware.Timeout: non-positive duration %v", d))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			tw := &timeoutWriter{w: w, ctx: ctx}
			next.ServeHTTP(tw, r.WithContext(ctx))
			tw.mu.Lock()
			defer tw.mu.Unlock()
			if !tw.started && (tw.timedOut || errors.Is(ctx.Err(), context.DeadlineExceeded)) {
				tw.timedOut = true
				h := w.Header()
				for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding", "ETag", "Last-Modified", "Location", "Set-Cookie"} {
					h.Del(k)
				}
				h.Set("Content-Type", "text/plain; charset=utf-8")
				h.Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte("Service Unavailable: the request took too long.\n"))
			}
		})
	}
}

// timeoutWriter discards a response begun after the deadline. Its lock makes it safe
// for handlers that write from a goroutine of their own.
type timeoutWriter struct {
	w        http.ResponseWriter
	ctx      context.Context
	mu       sync.Mutex
	started  bool
	timedOut bool
}

// Header returns the response headers.
func (tw *timeoutWriter) Header() http.Header { return tw.w.Header() }

// begin reports whether the handler may write: it may once its response started
// before the deadline.
func (tw *timeoutWriter) begin() bool {
	if tw.timedOut {
		return false
	}
	if !tw.started {
		if tw.ctx.Err() != nil {
			tw.timedOut = true
			return false
		}
		tw.started = true
	}
	return true
}

func (tw *timeoutWriter) WriteHeader(code int) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if code < 200 && code != http.StatusSwitchingProtocols {
		if !tw.timedOut && !tw.started {
			tw.w.WriteHeader(code)
		}
		return
	}
	if tw.begin() {
		tw.w.WriteHeader(code)
	}
}

func (tw *timeoutWriter) Write(p []byte) (int, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if !tw.begin() {
		return 0, http.ErrHandlerTimeout
	}
	return tw.w.Write(p)
}

// Flush flushes the response if it was started before the deadline.
func (tw *timeoutWriter) Flush() {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if tw.begin() {
		_ = http.NewResponseController(tw.w).Flush()
	}
}

// Hijack hands the connection over, if the deadline has not passed.
func (tw *timeoutWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	if !tw.begin() {
		return nil, nil, http.ErrHandlerTimeout
	}
	return http.NewResponseController(tw.w).Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController and the router.
func (tw *timeoutWriter) Unwrap() http.ResponseWriter { return tw.w }
