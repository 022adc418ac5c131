package orm

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
)

// serverURL returns the URL of the test database of a server backend ("postgres"
// or "mysql") with extra parameters, creating the database through the shared
// test handle.
func serverURL(t *testing.T, backend, params string) string {
	t.Helper()
	for _, b := range backendsList() {
		if b.name == backend {
			b.open(t) // creates the database, or skips without the server
		}
	}
	switch backend {
	case "postgres":
		u := testdb.PostgresAddr(t)
		v := *u
		v.Path = "/" + testdb.Name("galvani_orm")
		sep := "?"
		if v.RawQuery != "" {
			sep = "&"
		}
		return v.String() + sep + params
	default:
		return "mysql://root@" + testdb.MySQLAddr(t) + "/" + testdb.Name("galvani_orm") + "?" + params
	}
}

// A statement that runs past statement_timeout fails with a *StatementTimeoutError
// on every database, which a handler answers with 503; the connection stays usable.
func TestStatementTimeout(t *testing.T) {
	ctx := context.Background()
	slow := map[string]string{
		// counts without end: only the deadline stops it
		"sqlite":   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
		"postgres": "SELECT pg_sleep(30)",
		"mysql":    "SELECT SLEEP(30)",
	}
	for _, backend := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(backend, func(t *testing.T) {
			var raw string
			if backend == "sqlite" {
				raw = "sqlite:///" + filepath.Join(t.TempDir(), "t.db") + "?statement_timeout=200ms"
			} else {
				raw = serverURL(t, backend, "statement_timeout=200ms")
			}
			db, err := Open(ctx, raw)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var n int64
			_, err = db.queryRow(ctx, slow[backend], nil, []any{&n})
			if !errors.Is(err, ErrStatementTimeout) {
				t.Fatalf("a statement past the timeout: got %v, want ErrStatementTimeout", err)
			}
			var st *StatementTimeoutError
			if !errors.As(err, &st) || galvani.StatusOf(err) != 503 {
				t.Errorf("got %#v (status %d), want a *StatementTimeoutError answered with 503", err, galvani.StatusOf(err))
			}
			if errors.Is(err, ErrUnavailable) {
				t.Errorf("a statement timeout is not an outage: %v", err)
			}
			if backend == "sqlite" && st != nil && st.Timeout != 200*time.Millisecond {
				t.Errorf("Timeout = %v, want 200ms", st.Timeout)
			}
			// The same rows path (Query, then iterate) times out too.
			rows, err := db.Query(ctx, slow[backend])
			if err == nil {
				for rows.Next() {
				}
				err = wrapDBErr(rows.Err())
				rows.Close()
			}
			if !errors.Is(err, ErrStatementTimeout) {
				t.Errorf("Query: got %v, want ErrStatementTimeout", err)
			}
			// The caller giving up is not a statement timeout.
			cctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(20*time.Millisecond, cancel)
			_, err = db.queryRow(cctx, slow[backend], nil, []any{&n})
			if err == nil || errors.Is(err, ErrStatementTimeout) || errors.Is(err, ErrUnavailable) {
				t.Errorf("cancelled by the caller: got %v, want a plain cancellation", err)
			}
			// The pool is still usable.
			if _, err := db.queryRow(ctx, "SELECT 1", nil, []any{&n}); err != nil || n != 1 {
				t.Errorf("after the timeouts: %v, %d", err, n)
			}
		})
	}
}

// The pool parameters reach the pool; bad ones are refused with the parameter named.
func TestOpenPoolParameters(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []string{"conn_max_lifetime=soon", "conn_max_idle_time=-5s", "statement_timeout=1x"} {
		_, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "t.db")+"?"+bad)
		name, _, _ := strings.Cut(bad, "=")
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want an error naming the parameter", bad, err)
		}
	}
	db, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "t.db")+"?conn_max_lifetime=30m&conn_max_idle_time=90000&max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db.SQL().Stats().MaxOpenConnections != 3 {
		t.Errorf("max_conns not applied: %+v", db.SQL().Stats())
	}

	raw := serverURL(t, "postgres", "conn_max_lifetime=30m&conn_max_idle_time=90s&statement_timeout=2500")
	pg, err := Open(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	cfg := pg.root.pool.(*pgxPool).p.Config()
	if cfg.MaxConnLifetime != 30*time.Minute || cfg.MaxConnIdleTime != 90*time.Second {
		t.Errorf("pgx pool: lifetime %v, idle %v; want 30m, 90s", cfg.MaxConnLifetime, cfg.MaxConnIdleTime)
	}
	var s string
	if _, err := pg.queryRow(ctx, "SHOW statement_timeout", nil, []any{&s}); err != nil || s != "2500ms" {
		t.Errorf("statement_timeout on the connection: %q, %v; want 2500ms", s, err)
	}
}
