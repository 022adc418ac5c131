package middleware

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"strconv"

	"github.com/galvani-web/galvani/internal/httpx"
)

// ConditionalOptions configures ConditionalGET. The zero value is ready to use.
type ConditionalOptions struct {
	// MaxBuffer is the largest response body buffered to compute an ETag, in bytes.
	// A longer (or flushed) response streams through without one. Zero means 1 MiB.
	MaxBuffer int
}

// ConditionalGET returns middleware that answers conditional GET and HEAD requests,
// like Django's ConditionalGetMiddleware. A 200 response that has no ETag gets one
// computed from its body (buffered up to MaxBuffer; never for Cache-Control:
// no-store). The request's preconditions are then evaluated in the order RFC 9110
// gives: If-Match (strong comparison) and If-Unmodified-Since fail with 412;
// If-None-Match (weak comparison, "*" included) and, without it, If-Modified-Since
// turn the answer into 304 Not Modified with the validators and caching headers but
// no body. A handler that sets ETag or Last-Modified itself before writing is not
// buffered at all: its preconditions are checked when it starts writing. Malformed
// dates are ignored, as the RFC asks. Other methods pass through untouched.
func ConditionalGET(opts ConditionalOptions) func(http.Handler) http.Handler {
	max := opts.MaxBuffer
	if max <= 0 {
		max = 1 << 20
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			cw := &conditionalWriter{ResponseWriter: w, r: r, max: max}
			next.ServeHTTP(cw, r)
			cw.finish()
		})
	}
}

const (
	condPending   = iota // status not written yet
	condBuffering        // 200 without validators: buffering to hash
	condPass             // streaming the handler's response
	condDiscard          // a 304/412 was sent: the handler's body is dropped
)

type conditionalWriter struct {
	http.ResponseWriter
	r     *http.Request
	max   int
	state int
	buf   []byte
}

func (w *conditionalWriter) WriteHeader(code int) {
	if w.state != condPending {
		return
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	h := w.Header()
	if code != http.StatusOK {
		w.state = condPass
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if h.Get("ETag") != "" || h.Get("Last-Modified") != "" {
		if st := httpx.Preconditions(w.r, h); st != 0 {
			w.state = condDiscard
			writeNotModified(w.ResponseWriter, st)
			return
		}
		w.state = condPass
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if hasToken(h["Cache-Control"], "no-store") || h.Get("Content-Encoding") != "" {
		w.state = condPass
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.state = condBuffering
}

func (w *conditionalWriter) Write(p []byte) (int, error) {
	if w.state == condPending {
		w.WriteHeader(http.StatusOK)
	}
	switch w.state {
	case condDiscard:
		return len(p), nil
	case condBuffering:
		if len(w.buf)+len(p) <= w.max {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		if err := w.stream(); err != nil {
			return 0, err
		}
	}
	return w.ResponseWriter.Write(p)
}

// stream gives up on an ETag: the buffered start goes out and the rest follows.
func (w *conditionalWriter) stream() error {
	w.state = condPass
	w.ResponseWriter.WriteHeader(http.StatusOK)
	if len(w.buf) > 0 {
		_, err := w.ResponseWriter.Write(w.buf)
		w.buf = nil
		return err
	}
	return nil
}

// finish computes the ETag of a buffered response and answers it.
func (w *conditionalWriter) finish() {
	if w.state != condBuffering {
		return
	}
	h := w.Header()
	sum := sha256.Sum256(w.buf)
	h.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:16])+`"`)
	if st := httpx.Preconditions(w.r, h); st != 0 {
		writeNotModified(w.ResponseWriter, st)
		return
	}
	if h.Get("Content-Length") == "" && h.Get("Transfer-Encoding") == "" && w.r.Method != http.MethodHead {
		h.Set("Content-Length", strconv.Itoa(len(w.buf)))
	}
	w.ResponseWriter.WriteHeader(http.StatusOK)
	if w.r.Method != http.MethodHead {
		_, _ = w.ResponseWriter.Write(w.buf)
	}
}

// Flush makes the response a stream: buffered bytes go out without an ETag.
func (w *conditionalWriter) Flush() {
	if w.state == condPending {
		w.WriteHeader(http.StatusOK)
	}
	if w.state == condBuffering {
		_ = w.stream()
	}
	if w.state != condDiscard {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// Hijack hands the connection over, if the underlying writer can.
func (w *conditionalWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.state = condPass
	}
	return c, rw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController and the router.
func (w *conditionalWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeNotModified answers 304 or 412 in place of a 200, keeping the headers a 304
// may carry and dropping those that describe the body.
func writeNotModified(w http.ResponseWriter, status int) {
	h := w.Header()
	for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding", "Content-Range", "Transfer-Encoding"} {
		h.Del(k)
	}
	if status == http.StatusPreconditionFailed {
		h.Del("ETag")
		h.Del("Last-Modified")
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("Precondition Failed\n"))
		return
	}
	w.WriteHeader(status)
}
