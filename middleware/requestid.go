package middleware

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"net/http"

	"github.com/galvani-web/galvani"
)

// RequestIDHeader is the header that carries the request ID, in and out.
const RequestIDHeader = "X-Request-ID"

// maxRequestIDLen bounds an incoming ID: longer ones are replaced, so a client cannot
// blow up log lines or smuggle payloads through them.
const maxRequestIDLen = 64

// RequestID is middleware that gives every request an ID: the incoming X-Request-ID
// when it is short (at most 64 bytes) and safe (letters, digits and - _ . : + / =),
// otherwise a fresh random one. The ID is set on the response's X-Request-ID header
// and stored in the request context, where GetRequestID reads it and Logger and
// Recover log it. A request that already carries an ID in its context (RequestID
// applied twice) keeps it.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := GetRequestID(r.Context()); id != "" {
			next.ServeHTTP(w, r)
			return
		}
		id := r.Header.Get(RequestIDHeader)
		if !ValidRequestID(id) {
			id = NewRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}

// GetRequestID returns the request ID stored in ctx by RequestID (or Logger), or "".
// The ID lives under the core's key, so galvani.RequestID reads it too: error pages
// and the core's error log lines show the same ID.
func GetRequestID(ctx context.Context) string {
	return galvani.RequestIDFromContext(ctx)
}

// WithRequestID returns a copy of ctx carrying id as the request ID
// (galvani.WithRequestID).
func WithRequestID(ctx context.Context, id string) context.Context {
	return galvani.WithRequestID(ctx, id)
}

// NewRequestID returns a fresh random request ID: 32 hexadecimal digits (128 bits
// from the runtime's ChaCha8 generator, so IDs are unpredictable and unique in practice).
func NewRequestID() string {
	var b [16]byte
	x, y := rand.Uint64(), rand.Uint64()
	for i := 0; i < 8; i++ {
		b[i] = byte(x >> (8 * i))
		b[8+i] = byte(y >> (8 * i))
	}
	return hex.EncodeToString(b[:])
}

// ValidRequestID reports whether id is acceptable as an incoming request ID: 1 to 64
// bytes of letters, digits and - _ . : + / =. Anything else (spaces, quotes, control
// characters, non-ASCII) could forge log lines or headers and is replaced.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '+', c == '/', c == '=':
		default:
			return false
		}
	}
	return true
}
