package middleware

import (
	"github.com/galvani-web/galvani"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Logger returns middleware that writes one log/slog record per request when it
// completes: method, path (without the query string, which often carries tokens),
// status, response bytes, duration, client address and request ID. Responses of
// status 500 and above log at Error, 400 and above at Warn, the rest at Info.
//
// A request without an ID gets one as RequestID would give it (honouring a safe
// incoming X-Request-ID), so the ID on the response always matches the log line.
// A nil logger means slog.Default() at the time of each request.
func Logger(l *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := galvani.RequestID(r)
			if id == "" {
				id = r.Header.Get(RequestIDHeader)
				if !ValidRequestID(id) {
					id = NewRequestID()
				}
				w.Header().Set(RequestIDHeader, id)
				r = r.WithContext(galvani.WithRequestID(r.Context(), id))
			}
			sw := &statusWriter{ResponseWriter: w}
			panicked := true
			defer func() {
				logger := l
				if logger == nil {
					logger = slog.Default()
				}
				status := sw.status
				if panicked {
					// The panic goes on up; whoever recovers it answers 500.
					status = http.StatusInternalServerError
				} else if status == 0 {
					status = http.StatusOK // a handler that wrote nothing answered 200
				}
				level := slog.LevelInfo
				switch {
				case status >= 500:
					level = slog.LevelError
				case status >= 400:
					level = slog.LevelWarn
				}
				logger.LogAttrs(r.Context(), level, "request",
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Int("status", status),
					slog.Int64("bytes", sw.bytes),
					slog.Duration("duration", time.Since(start)),
					slog.String("remote", remoteHost(r)),
					slog.String("request_id", id),
				)
			}()
			next.ServeHTTP(sw, r)
			panicked = false
		})
	}
}

// remoteHost is the client address without its port: the one RealIP found, or the peer.
func remoteHost(r *http.Request) string {
	if ip := ClientIP(r); ip != "" {
		return ip
	}
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}
