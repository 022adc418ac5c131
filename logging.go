package galvani

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// The log formats Settings.LogFormat accepts.
const (
	LogFormatText = "text"
	LogFormatJSON = "json"
)

// ParseLogLevel parses a level name of Settings.LogLevel: debug, info, warn
// (or warning) or error, in any case.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info", "":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("is not a log level (use debug, info, warn or error)")
}

func checkLogFormat(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", LogFormatText, LogFormatJSON:
		return nil
	}
	return fmt.Errorf("is not a log format (use text or json)")
}

// NewLogger returns a logger writing to w at level and above ("debug", "info",
// "warn" or "error"; "" is info) in format ("json" for one JSON object a line,
// "text" or "" for log/slog's key=value lines). Records logged with a request's
// context carry its request ID (see RequestIDLogHandler). New calls it with
// os.Stderr when Settings.LogLevel or LogFormat is set.
func NewLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	lv, err := ParseLogLevel(level)
	if err != nil {
		return nil, fmt.Errorf("galvani: log level %q %v", level, err)
	}
	if err := checkLogFormat(format); err != nil {
		return nil, fmt.Errorf("galvani: log format %q %v", format, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	if strings.EqualFold(strings.TrimSpace(format), LogFormatJSON) {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(RequestIDLogHandler(h)), nil
}

// RequestIDLogHandler wraps h so that every record logged with a context that
// carries a request ID (WithRequestID; the RequestID and Logger middleware put
// one in each request's context) gets a "request_id" attribute, unless the record
// already has one. Code that logs with the request's context (logger.InfoContext(
// r.Context(), ...), LogAttrs(ctx, ...)) is then tied to the request's access log
// line and to its X-Request-ID response header without passing the ID around.
func RequestIDLogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ next slog.Handler }

func (h requestIDHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestIDFromContext(ctx); id != "" {
		has := false
		r.Attrs(func(a slog.Attr) bool {
			has = a.Key == "request_id"
			return !has
		})
		if !has {
			r.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.next.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.next.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.next.WithGroup(name)}
}
