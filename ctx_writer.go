package galvani

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// responseWriter wraps the ResponseWriter a handler writes to, remembering the status
// and whether the response has started, so HandleError never writes a second
// response over a first. It lives inside the pooled Ctx: wrapping allocates nothing.
type responseWriter struct {
	w       http.ResponseWriter
	status  int
	written bool
	size    int64
}

func (rw *responseWriter) reset(w http.ResponseWriter) {
	*rw = responseWriter{w: w}
}

// Header implements http.ResponseWriter.
func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

// WriteHeader implements http.ResponseWriter. Informational (1xx) headers other than
// 101 do not start the response.
func (rw *responseWriter) WriteHeader(code int) {
	if !rw.written && (code >= 200 || code == http.StatusSwitchingProtocols) {
		rw.status = code
		rw.written = true
	}
	rw.w.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (rw *responseWriter) Write(b []byte) (int, error) {
	if !rw.written {
		rw.status, rw.written = http.StatusOK, true
	}
	n, err := rw.w.Write(b)
	rw.size += int64(n)
	return n, err
}

// WriteString lets io.WriteString skip a copy when the underlying writer can.
func (rw *responseWriter) WriteString(s string) (int, error) {
	if !rw.written {
		rw.status, rw.written = http.StatusOK, true
	}
	n, err := io.WriteString(rw.w, s)
	rw.size += int64(n)
	return n, err
}

// ReadFrom keeps the underlying writer's sendfile path for io.Copy (files).
func (rw *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	if !rw.written {
		rw.status, rw.written = http.StatusOK, true
	}
	var n int64
	var err error
	if rf, ok := rw.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(writerOnly{rw.w}, r)
	}
	rw.size += n
	return n, err
}

type writerOnly struct{ io.Writer }

// Flush implements http.Flusher; flushing sends the headers, so it starts the response.
func (rw *responseWriter) Flush() { _ = rw.FlushError() }

// FlushError is what http.ResponseController calls to flush.
func (rw *responseWriter) FlushError() error {
	if !rw.written {
		rw.status, rw.written = http.StatusOK, true
	}
	return http.NewResponseController(rw.w).Flush()
}

// Hijack implements http.Hijacker for WebSocket libraries that type-assert it; it
// fails with http.ErrNotSupported when the underlying connection cannot be hijacked.
func (rw *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(rw.w).Hijack()
	if err == nil {
		rw.status, rw.written = http.StatusSwitchingProtocols, true
	}
	return conn, brw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }
