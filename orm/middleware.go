package orm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
)

type dbKey struct{}

// WithDB returns a context carrying db, for handlers that read it with From.
func WithDB(ctx context.Context, db *DB) context.Context {
	return context.WithValue(ctx, dbKey{}, db)
}

// From returns the database carried by ctx (see WithDB and Middleware), or nil.
func From(ctx context.Context) *DB {
	db, _ := ctx.Value(dbKey{}).(*DB)
	return db
}

// DBFrom returns the database carried by the request's context, or nil.
func DBFrom(r *http.Request) *DB { return From(r.Context()) }

// Middleware puts db in every request's context (read it with From or DBFrom).
// When db has read replicas, the request's reads go to them until it writes
// (ReadFromReplicas), and after a write the same client's requests read the
// primary for a few seconds (SetReplicaPin, PinCookie).
func Middleware(db *DB) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := WithDB(r.Context(), db)
			if db.root.replicas.Load() != nil {
				w, ctx = db.routeRequest(ctx, w, r)
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// atomicWriter holds a response back until the request's transaction commits, so a
// failed commit still becomes a 500 instead of a 200 for data that was not saved
// (Django sends the response after the commit too). A handler that flushes streams
// from then on; a commit failure after that can only be logged.
type atomicWriter struct {
	w         http.ResponseWriter
	status    int
	buf       bytes.Buffer
	streaming bool
}

func (a *atomicWriter) Header() http.Header { return a.w.Header() }

func (a *atomicWriter) WriteHeader(code int) {
	if a.status != 0 {
		return
	}
	if code >= 100 && code < 200 { // informational answers go out at once
		a.w.WriteHeader(code)
		return
	}
	a.status = code
	if a.streaming {
		a.w.WriteHeader(code)
	}
}

func (a *atomicWriter) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.WriteHeader(http.StatusOK)
	}
	if a.streaming {
		return a.w.Write(b)
	}
	return a.buf.Write(b)
}

// Flush starts streaming: what was held back is sent, and so is the rest.
func (a *atomicWriter) Flush() {
	if !a.streaming {
		a.send()
		a.streaming = true
	}
	if f, ok := a.w.(http.Flusher); ok {
		f.Flush()
	}
}

// FlushError is Flush for http.ResponseController.
func (a *atomicWriter) FlushError() error {
	if !a.streaming {
		a.send()
		a.streaming = true
	}
	return http.NewResponseController(a.w).Flush()
}

// Unwrap gives http.ResponseController the underlying writer (deadlines, hijack).
func (a *atomicWriter) Unwrap() http.ResponseWriter { return a.w }

// send writes the held-back status and body.
func (a *atomicWriter) send() {
	if a.status != 0 {
		a.w.WriteHeader(a.status)
	}
	if a.buf.Len() > 0 {
		_, _ = a.w.Write(a.buf.Bytes())
		a.buf.Reset()
	}
}

// errServerStatus rolls an atomic request back.
var errServerStatus = errors.New("orm: response status 5xx")

// AtomicRequests runs each request in a transaction on db, like Django's
// ATOMIC_REQUESTS: it commits when the handler answers with a status below 500 and
// rolls back on a 5xx status or a panic (which continues up the chain). The response
// is held back until the commit, so a commit that fails (a deferred constraint, a
// serialization failure) answers 500 rather than the handler's status; a handler
// that flushes streams instead, and a later commit failure is only logged
// (CommitErrorLog). Queries made with the request's context go to the transaction,
// whichever *DB value the handler holds; on-commit callbacks run after the commit.
// The DB is also put in the context (From, DBFrom). Safe methods (GET, HEAD, OPTIONS)
// run in a transaction too, as in Django; wrap only the routes that write if that
// matters.
func AtomicRequests(db *DB) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &atomicWriter{w: w}
			err := db.Atomic(r.Context(), func(ctx context.Context, tx *DB) error {
				next.ServeHTTP(rec, r.WithContext(WithDB(ctx, tx)))
				if rec.status >= 500 {
					return errServerStatus
				}
				return nil
			})
			switch {
			case err == nil || errors.Is(err, errServerStatus) || !rec.streaming && rec.status >= 500:
				if !rec.streaming {
					rec.send()
				}
			case !rec.streaming:
				// nothing was sent: the client learns the changes were not saved
				rec.buf.Reset()
				for _, h := range []string{"Content-Length", "Content-Encoding", "Content-Disposition", "Etag", "Last-Modified", "Location", "Set-Cookie"} {
					w.Header().Del(h)
				}
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
				logCommitError(r, err)
			default:
				// the response is already on its way; the commit failed
				logCommitError(r, err)
			}
		})
	}
}

// CommitErrorLog receives commit failures of AtomicRequests (after the response was
// written). It prints to standard error by default.
var CommitErrorLog = func(r *http.Request, err error) {
	fmt.Fprintf(os.Stderr, "orm: AtomicRequests %s %s: %v\n", r.Method, r.URL.Path, err)
}

func logCommitError(r *http.Request, err error) { CommitErrorLog(r, err) }
