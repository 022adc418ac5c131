package orm

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// QueryLog records the queries run with a context (SQL, parameters, time), for the
// debug page and for tests that count queries.
type QueryLog struct {
	mu      sync.Mutex
	entries []QueryEntry
	dropped int
}

// QueryEntry is one logged query.
type QueryEntry struct {
	DB       string
	SQL      string
	Args     []any
	Duration time.Duration
	Err      error
	// Caller is the file:line outside the orm that ran the query.
	Caller string
}

// maxLogged bounds a log so a long request cannot grow it without limit.
const maxLogged = 2000

type queryLogKey struct{}

// WithQueryLog returns a context whose queries are recorded in the returned log.
func WithQueryLog(ctx context.Context) (context.Context, *QueryLog) {
	l := &QueryLog{}
	return context.WithValue(ctx, queryLogKey{}, l), l
}

// QueryLogFrom returns the log of ctx, or nil.
func QueryLogFrom(ctx context.Context) *QueryLog { return queryLogFrom(ctx) }

func queryLogFrom(ctx context.Context) *QueryLog {
	if ctx == nil {
		return nil
	}
	l, _ := ctx.Value(queryLogKey{}).(*QueryLog)
	return l
}

func (l *QueryLog) add(db, q string, args []any, d time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= maxLogged {
		l.dropped++
		return
	}
	l.entries = append(l.entries, QueryEntry{DB: db, SQL: q, Args: append([]any(nil), args...), Duration: d, Err: err, Caller: caller()})
}

// caller finds the first stack frame outside this package (tests of the package
// itself count as outside).
func caller() string {
	var pcs [24]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, ormPkg) || strings.HasSuffix(f.File, "_test.go") {
			return filepath.Base(filepath.Dir(f.File)) + "/" + filepath.Base(f.File) + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return ""
		}
	}
}

const ormPkg = "github.com/galvani-web/galvani/orm."

// Repeat is a statement run several times in one log: the mark of an N+1 query
// pattern (a query per row of an earlier query), usually fixed with SelectRelated
// or PrefetchRelated.
type Repeat struct {
	SQL    string
	Count  int
	Caller string
}

// Repeated returns the SELECT statements run at least min times, most frequent first.
func (l *QueryLog) Repeated(min int) []Repeat {
	counts := map[string]*Repeat{}
	var order []*Repeat
	for _, e := range l.Entries() {
		if !strings.HasPrefix(e.SQL, "SELECT") {
			continue
		}
		r := counts[e.SQL]
		if r == nil {
			r = &Repeat{SQL: e.SQL, Caller: e.Caller}
			counts[e.SQL] = r
			order = append(order, r)
		}
		r.Count++
	}
	var out []Repeat
	for _, r := range order {
		if r.Count >= min {
			out = append(out, *r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// NPlusOneThreshold is how many runs of one SELECT in a request DebugSection reports
// as a likely N+1 pattern.
var NPlusOneThreshold = 5

// Entries returns a copy of the logged queries.
func (l *QueryLog) Entries() []QueryEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]QueryEntry(nil), l.entries...)
}

// Len returns the number of logged queries.
func (l *QueryLog) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries) + l.dropped
}

// Reset empties the log.
func (l *QueryLog) Reset() {
	l.mu.Lock()
	l.entries, l.dropped = nil, 0
	l.mu.Unlock()
}

// QueryLogMiddleware records every request's queries (use it in development: the
// debug page shows them through DebugSection).
func QueryLogMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, _ := WithQueryLog(r.Context())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// DebugSection returns the rows of a request's query log for the debug error page:
// register it with app.AddDebugSection("SQL queries", orm.DebugSection).
func DebugSection(r *http.Request) [][2]string {
	l := queryLogFrom(r.Context())
	if l == nil {
		return [][2]string{{"", "query log off (add orm.QueryLogMiddleware)"}}
	}
	var rows [][2]string
	var total time.Duration
	for i, e := range l.Entries() {
		total += e.Duration
		v := e.SQL
		if len(e.Args) > 0 {
			v += fmt.Sprintf("  %v", e.Args)
		}
		if e.Err != nil {
			v += "  error: " + e.Err.Error()
		}
		if e.Caller != "" {
			v += "  (" + e.Caller + ")"
		}
		rows = append(rows, [2]string{strconv.Itoa(i+1) + " (" + e.DB + ", " + e.Duration.String() + ")", v})
	}
	for _, r := range l.Repeated(NPlusOneThreshold) {
		rows = append(rows, [2]string{"N+1?", fmt.Sprintf("%d× %s (from %s): load the relation with SelectRelated or PrefetchRelated", r.Count, r.SQL, r.Caller)})
	}
	rows = append(rows, [2]string{"total", fmt.Sprintf("%d queries in %s", l.Len(), total)})
	return rows
}
