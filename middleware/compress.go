package middleware

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// CompressOptions configures Compress. The zero value is ready to use.
type CompressOptions struct {
	// Level is the gzip level, from gzip.BestSpeed (1) to gzip.BestCompression (9).
	// Zero means gzip.DefaultCompression.
	Level int
	// MinSize is the smallest body worth compressing, in bytes. Smaller responses go
	// out as they are (gzip's overhead would make them bigger). Zero means 1024.
	MinSize int
	// Types lists the compressible media types: exact ("application/json"), a whole
	// type ("text/*") or a structured-syntax suffix ("application/*+json"). Nil means
	// DefaultCompressibleTypes. Images, video, archives and fonts other than those
	// listed are already compressed and are left alone.
	Types []string
}

// DefaultCompressibleTypes are the media types Compress compresses by default.
var DefaultCompressibleTypes = []string{
	"text/*",
	"application/json", "application/*+json",
	"application/xml", "application/*+xml",
	"application/javascript", "application/x-javascript", "application/ecmascript",
	"application/wasm", "application/x-ndjson",
	"image/svg+xml", "image/x-icon", "image/bmp",
	"font/ttf", "font/otf", "application/vnd.ms-fontobject",
}

type compressor struct {
	minSize int
	types   []string
	pool    sync.Pool
}

// Compress returns middleware that gzips responses for clients that accept it
// (Accept-Encoding, q-values honoured; a malformed header means no compression).
// Only responses whose Content-Type is in Types and whose body is at least MinSize
// bytes are compressed; the body is buffered up to MinSize to find out, and a
// missing Content-Type is sniffed as net/http would. Left alone: HEAD requests,
// requests with a Range header and partial (206) answers, responses that already
// have a Content-Encoding or say Cache-Control: no-transform, and bodiless statuses.
// Compressible responses get Vary: Accept-Encoding whether or not this client got
// gzip; a compressed one loses its Content-Length and Accept-Ranges, and a strong
// ETag becomes weak (the bytes differ from the identity representation).
//
// Flush works (it flushes the gzip stream), Hijack and Unwrap pass through. gzip
// writers are pooled. When the handler panics, a still-buffered start of the body is
// dropped, not sent, so a recovering middleware outside can answer 500. Compress
// panics on an invalid Level.
func Compress(opts CompressOptions) func(http.Handler) http.Handler {
	level := opts.Level
	if level == 0 {
		level = gzip.DefaultCompression
	}
	if _, err := gzip.NewWriterLevel(nil, level); err != nil {
		panic(fmt.Sprintf("middleware.Compress: %v", err))
	}
	c := &compressor{minSize: opts.MinSize, types: opts.Types}
	if c.minSize <= 0 {
		c.minSize = 1024
	}
	if c.types == nil {
		c.types = DefaultCompressibleTypes
	}
	c.pool.New = func() any {
		gz, _ := gzip.NewWriterLevel(nil, level)
		return gz
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			accepts := r.Method != http.MethodHead && r.Header.Get("Range") == "" && acceptsGzip(r.Header["Accept-Encoding"])
			cw := &compressWriter{ResponseWriter: w, c: c, accepts: accepts}
			finished := false
			defer func() {
				if !finished {
					// A panic: what is still buffered must not go out as a complete
					// answer, so that a recovering middleware can send its 500.
					cw.abandon()
				}
			}()
			next.ServeHTTP(cw, r)
			finished = true
			cw.close()
		})
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: "gzip" or
// "x-gzip" with a non-zero q, or "*" with a non-zero q when gzip is not named.
// Anything malformed counts as not acceptable.
func acceptsGzip(values []string) bool {
	named, star := -1, -1 // -1: absent, 0: refused, 1: accepted
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(part, ";")
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			ok, valid := qNonZero(params)
			if !valid {
				return false
			}
			acc := 0
			if ok {
				acc = 1
			}
			switch name {
			case "gzip", "x-gzip":
				if named != 0 { // an explicit refusal wins
					named = acc
				}
			case "*":
				star = acc
			}
		}
	}
	if named >= 0 {
		return named == 1
	}
	return star == 1
}

// qNonZero parses the parameters after a coding ("; q=0.5") and reports whether its
// q-value is above zero, and whether the parameters were well formed.
func qNonZero(params string) (ok, valid bool) {
	params = strings.TrimSpace(params)
	if params == "" {
		return true, true
	}
	k, v, found := strings.Cut(params, "=")
	if !found || !strings.EqualFold(strings.TrimSpace(k), "q") {
		return false, false
	}
	v = strings.TrimSpace(v)
	if len(v) == 0 || len(v) > 5 {
		return false, false
	}
	q, err := strconv.ParseFloat(v, 64)
	if err != nil || q < 0 || q > 1 {
		return false, false
	}
	return q > 0, true
}

const (
	undecided = iota
	passthrough
	compressing
)

// compressWriter buffers the start of a response until it can decide whether to
// compress it, then either gzips or passes everything through.
type compressWriter struct {
	http.ResponseWriter
	c           *compressor
	accepts     bool
	state       int
	wroteHeader bool
	status      int
	buf         []byte
	gz          *gzip.Writer
}

func (w *compressWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return // superfluous; net/http would log it, the first status stands
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // 1xx informational: pass on, keep waiting
		return
	}
	w.wroteHeader, w.status = true, code
	h := w.Header()
	if !bodyAllowed(code) || code == http.StatusPartialContent || h.Get("Content-Encoding") != "" ||
		h.Get("Content-Range") != "" || hasToken(h["Cache-Control"], "no-transform") {
		w.pass()
		return
	}
	if ct, set := contentType(h); set {
		if !w.compressible(ct) {
			w.pass()
			return
		}
		if cl := h.Get("Content-Length"); cl != "" {
			n, err := strconv.ParseInt(cl, 10, 64)
			if err == nil && n >= int64(w.c.minSize) {
				w.start()
			} else {
				w.pass()
			}
			return
		}
		if !w.accepts {
			w.pass()
			return
		}
	}
	// Unknown type or size: buffer up to MinSize bytes to find out.
}

func (w *compressWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	switch w.state {
	case passthrough:
		return w.ResponseWriter.Write(p)
	case compressing:
		return w.gz.Write(p)
	}
	if !w.accepts { // only the type is unknown: the first bytes tell it
		w.decide(p, false)
		if err := w.flushBuf(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if w.buf == nil {
		w.buf = make([]byte, 0, w.c.minSize)
	}
	if len(w.buf)+len(p) < w.c.minSize {
		w.buf = append(w.buf, p...)
		return len(p), nil
	}
	w.decide(append(w.buf, p...), true)
	if err := w.flushBuf(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// decide settles an undecided response with data as the start of its body: big
// says whether the body reached MinSize (or is a stream being flushed).
func (w *compressWriter) decide(data []byte, big bool) {
	w.buf = data
	h := w.Header()
	ct, set := contentType(h)
	if !set {
		if _, present := h["Content-Type"]; present || len(data) == 0 {
			w.pass() // deliberately empty (no sniffing), or no body to sniff
			return
		}
		ct = http.DetectContentType(data)
		h.Set("Content-Type", ct)
	}
	if !w.compressible(ct) || !big {
		w.pass()
		return
	}
	w.start()
}

func (w *compressWriter) flushBuf() error {
	if len(w.buf) == 0 {
		return nil
	}
	var err error
	if w.state == compressing {
		_, err = w.gz.Write(w.buf)
	} else {
		_, err = w.ResponseWriter.Write(w.buf)
	}
	w.buf = nil
	return err
}

// compressible reports whether ct is a compressible type, adding Vary: Accept-Encoding
// when it is (the response would differ for another client).
func (w *compressWriter) compressible(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if !matchType(w.c.types, mt) {
		return false
	}
	h := w.Header()
	if !hasToken(h["Vary"], "Accept-Encoding") {
		h.Add("Vary", "Accept-Encoding")
	}
	return true
}

func (w *compressWriter) pass() {
	w.state = passthrough
	w.ResponseWriter.WriteHeader(w.status)
}

func (w *compressWriter) start() {
	if !w.accepts {
		w.pass()
		return
	}
	w.state = compressing
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	h.Set("Content-Encoding", "gzip")
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		h.Set("ETag", "W/"+et)
	}
	w.ResponseWriter.WriteHeader(w.status)
	w.gz = w.c.pool.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
}

// Flush settles the response (a flushed response is a stream: compressed if its type
// allows), flushes the gzip stream and the underlying writer.
func (w *compressWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.state == undecided {
		w.decide(w.buf, true)
	}
	_ = w.flushBuf()
	if w.state == compressing {
		_ = w.gz.Flush()
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over, if the underlying writer can.
func (w *compressWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.wroteHeader, w.state = true, passthrough
	}
	return c, rw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController and the router.
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// abandon drops a response the handler did not finish (it panicked): a buffered
// start is discarded rather than sent, and a gzip stream already under way is left
// unterminated, so the client cannot mistake it for a complete body.
func (w *compressWriter) abandon() {
	w.buf = nil
	if w.gz != nil {
		w.gz.Reset(nil)
		w.c.pool.Put(w.gz)
		w.gz = nil
	}
}

func (w *compressWriter) close() {
	if w.wroteHeader && w.state == undecided {
		w.decide(w.buf, false)
		_ = w.flushBuf()
	}
	if w.gz != nil {
		_ = w.gz.Close()
		w.gz.Reset(nil)
		w.c.pool.Put(w.gz)
		w.gz = nil
	}
}

// contentType returns the response's Content-Type and whether it is set.
func contentType(h http.Header) (string, bool) {
	v := h["Content-Type"]
	if len(v) == 0 || v[0] == "" {
		return "", false
	}
	return v[0], true
}

func matchType(patterns []string, mt string) bool {
	for _, p := range patterns {
		switch {
		case p == mt:
			return true
		case strings.HasSuffix(p, "/*"):
			if strings.HasPrefix(mt, p[:len(p)-1]) {
				return true
			}
		case strings.Contains(p, "/*+"):
			typ, suffix, _ := strings.Cut(p, "/*")
			if strings.HasPrefix(mt, typ+"/") && strings.HasSuffix(mt, suffix) {
				return true
			}
		}
	}
	return false
}

// hasToken reports whether a comma-separated header contains token (case-insensitive).
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part, _, _ = strings.Cut(part, "=")
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
