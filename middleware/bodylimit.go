package middleware

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// BodyTooLargeError is the error a handler gets when it reads past the limit set by
// BodyLimit. It answers 413 through Galvani's error handling (HTTPStatus) and
// unwraps to *http.MaxBytesError, so errors.As works with either type.
type BodyTooLargeError struct {
	// Limit is the maximum body size in bytes.
	Limit int64
}

// Error implements error.
func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("request body too large: the limit is %d bytes", e.Limit)
}

// HTTPStatus reports 413 Content Too Large.
func (e *BodyTooLargeError) HTTPStatus() int { return http.StatusRequestEntityTooLarge }

// Unwrap returns the equivalent *http.MaxBytesError.
func (e *BodyTooLargeError) Unwrap() error { return &http.MaxBytesError{Limit: e.Limit} }

// BodyLimit returns middleware that bounds request bodies to limit bytes. A request
// that declares a larger Content-Length is answered 413 at once, without running the
// handler or reading the body. A body without a declared length (chunked) is cut at
// the limit: reading past it returns *BodyTooLargeError, which a Galvani handler can
// simply return to answer 413, and the server closes the connection afterwards (as
// http.MaxBytesReader arranges). BodyLimit panics on a negative limit.
func BodyLimit(limit int64) func(http.Handler) http.Handler {
	if limit < 0 {
		panic(fmt.Sprintf("middleware.BodyLimit: negative limit %d", limit))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				w.Header().Set("Connection", "close")
				http.Error(w, fmt.Sprintf("Request body too large: the limit is %d bytes.", limit), http.StatusRequestEntityTooLarge)
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), limit: limit}
			}
			next.ServeHTTP(w, r)
		})
	}
}

type limitedBody struct {
	io.ReadCloser
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && errors.As(err, &mbe) {
		err = &BodyTooLargeError{Limit: b.limit}
	}
	return n, err
}
