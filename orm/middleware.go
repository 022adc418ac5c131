package orm

import (
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
func Middleware(db *DB) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(WithDB(r.Context(), db)))
		})
	}
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// errServerStatus rolls an atomic request back.
var errServerStatus = errors.New("orm: response status 5xx")

// AtomicRequests runs each request in a transaction on db, like Django's
// ATOMIC_REQUESTS: it commits when the handler answers with a status below 500 and
// rolls back on a 5xx status or a panic (which continues up the chain). Queries made
// with the request's context go to the transaction, whichever *DB value the handler
// holds; on-commit callbacks run after the commit. The DB is also put in the context
// (From, DBFrom). Safe methods (GET, HEAD, OPTIONS) run in a transaction too, as in
// Django; wrap only the routes that write if that matters.
func AtomicRequests(db *DB) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &statusRecorder{ResponseWriter: w}
			err := db.Atomic(r.Context(), func(ctx context.Context, tx *DB) error {
				next.ServeHTTP(rec, r.WithContext(WithDB(ctx, tx)))
				if rec.status >= 500 {
					return errServerStatus
				}
				return nil
			})
			if err != nil && !errors.Is(err, errServerStatus) {
				if rec.status == 0 {
					http.Error(w, "Internal Server Error", http.StatusInternalServerError)
				}
				// the response is already written; the commit failed
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
