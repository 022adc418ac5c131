package orm

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
)

// A unique constraint violation is a typed error on every database: errors.Is
// with ErrUniqueViolation, and a *UniqueViolationError naming what the database
// says (the table and columns on SQLite and PostgreSQL, the constraint on
// PostgreSQL and MySQL). Other failures are not mistaken for it.
func TestUniqueViolationError(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.Create(ctx, &Counter{Name: "hits"}); err != nil {
			t.Fatal(err)
		}
		err := db.Create(ctx, &Counter{Name: "hits"})
		if !errors.Is(err, ErrUniqueViolation) || !IsUniqueViolation(err) {
			t.Fatalf("duplicate insert: %v, want ErrUniqueViolation", err)
		}
		var uv *UniqueViolationError
		if !errors.As(err, &uv) {
			t.Fatalf("no *UniqueViolationError in %#v", err)
		}
		var dbe *DBError
		if !errors.As(err, &dbe) {
			t.Errorf("the violation is still a *DBError: %#v", err)
		}
		switch db.Dialect().Name() {
		case "sqlite":
			if uv.Table != "ormtest_counter" || !slices.Equal(uv.Columns, []string{"name"}) {
				t.Errorf("sqlite: table %q columns %q", uv.Table, uv.Columns)
			}
		case "postgres":
			if uv.Table != "ormtest_counter" || !slices.Equal(uv.Columns, []string{"name"}) || uv.Constraint == "" {
				t.Errorf("postgres: table %q columns %q constraint %q", uv.Table, uv.Columns, uv.Constraint)
			}
		case "mysql":
			if uv.Constraint == "" {
				t.Errorf("mysql: no constraint name in %v", uv)
			}
		}

		// An update into a taken value, and a composite unique constraint.
		other := &Counter{Name: "misses"}
		if err := db.Create(ctx, other); err != nil {
			t.Fatal(err)
		}
		if _, err := Q[Counter](db).Filter("pk", other.ID).Update(ctx, Set("name", "hits")); !errors.Is(err, ErrUniqueViolation) {
			t.Errorf("duplicate update: %v", err)
		}
		g := &Group{Name: "g"}
		if err := db.Create(ctx, g); err != nil {
			t.Fatal(err)
		}
		ada := mkAuthor(t, db, "Ada")
		if err := db.Create(ctx, &Membership{Group: To(g), Author: To(ada)}); err != nil {
			t.Fatal(err)
		}
		err = db.Create(ctx, &Membership{Group: To(g), Author: To(ada)})
		if !errors.As(err, &uv) {
			t.Fatalf("unique together: %v", err)
		}
		if db.Dialect().Name() != "mysql" && len(uv.Columns) != 2 {
			t.Errorf("unique together columns: %q", uv.Columns)
		}

		// A foreign key violation is not a unique one.
		c := &Comment{}
		c.Article.SetID(987654)
		if err := db.Create(ctx, c); err == nil || errors.Is(err, ErrUniqueViolation) || IsUniqueViolation(err) {
			t.Errorf("foreign key violation: %v", err)
		}
	})
}

// A query on a table or column the database lacks (a model changed without
// makemigrations, or migrations not applied) says which commands fix it.
func TestSchemaBehindSaysMigrate(t *testing.T) {
	registerTestModels(t)
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "empty.sqlite3"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = Q[Counter](db).All(ctx)
	if err == nil || !strings.Contains(err.Error(), "no such table") || !strings.Contains(err.Error(), "run `go run . makemigrations` if you changed a model, then `go run . migrate`") {
		t.Fatalf("query on a missing table: %v", err)
	}
	for _, msg := range []string{
		`ERROR: relation "polls_question" does not exist (SQLSTATE 42P01)`,
		`ERROR: column "votes" does not exist (SQLSTATE 42703)`,
		"Error 1146 (42S02): Table 'site.polls_question' doesn't exist",
		"Error 1054 (42S22): Unknown column 'votes' in 'field list'",
		"table polls_choice has no column named votes",
	} {
		if e := (&DBError{Err: errors.New(msg)}).Error(); !strings.HasSuffix(e, schemaHint) {
			t.Errorf("%q: no hint", msg)
		}
	}
	if e := (&DBError{Err: errors.New("connection refused")}).Error(); strings.Contains(e, "migrate") {
		t.Errorf("a hint on an unrelated error: %s", e)
	}
}

// Connection-level failures of every driver are ErrUnavailable (503 with
// Retry-After); the statement's own faults and the caller giving up are not.
func TestUnavailableClassification(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{&pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}, true},
		{&pgconn.PgError{Code: "53300", Message: "sorry, too many clients already"}, true},
		{&pgconn.PgError{Code: "08006"}, true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{pgconn.ErrConnClosed, true},
		{mysql.ErrInvalidConn, true},
		{driver.ErrBadConn, true},
		{&mysql.MySQLError{Number: 1927, Message: "Connection was killed"}, true},
		{&mysql.MySQLError{Number: 1040, Message: "Too many connections"}, true},
		{&pgconn.PgError{Code: "42601", Message: "syntax error"}, false},
		{&pgconn.PgError{Code: "57014", Message: "canceling statement due to user request"}, false},
		{&mysql.MySQLError{Number: 1064}, false},
		{context.Canceled, false},
		{fmt.Errorf("read: %w (%w)", context.DeadlineExceeded, &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}), false},
		{errors.New("sql: no rows in result set"), false},
	} {
		err := wrapDBErr(tc.err)
		if got := errors.Is(err, ErrUnavailable); got != tc.want {
			t.Errorf("%v: unavailable = %v, want %v", tc.err, got, tc.want)
		}
		if tc.want {
			var ra interface{ RetryAfter() time.Duration }
			if galvani.StatusOf(err) != 503 || !errors.As(err, &ra) || ra.RetryAfter() <= 0 {
				t.Errorf("%v: want a 503 with a Retry-After, got status %d", tc.err, galvani.StatusOf(err))
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("%v: the driver's error is no longer in the chain", tc.err)
			}
		}
	}
	for _, err := range []error{
		&pgconn.PgError{Code: "57014", Message: "canceling statement due to statement timeout"},
		&mysql.MySQLError{Number: 1969, Message: "Query execution was interrupted (max_statement_time exceeded)"},
		&mysql.MySQLError{Number: 3024, Message: "Query execution was interrupted, maximum statement execution time exceeded"},
	} {
		if w := wrapDBErr(err); !errors.Is(w, ErrStatementTimeout) || errors.Is(w, ErrUnavailable) {
			t.Errorf("%v: want ErrStatementTimeout only, got %v", err, w)
		}
	}
}

// Connections terminated in the middle of statements (pg_terminate_backend on
// PostgreSQL, KILL on MariaDB, run from a second connection and aimed only at this
// test's statements) fail those statements with ErrUnavailable; the pool then
// reconnects by itself, and neither goroutines nor server connections are left over.
func TestUnavailableWhenConnectionsTerminated(t *testing.T) {
	for _, backend := range []string{"postgres", "mysql"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			marker := fmt.Sprintf("%s_%d", testdb.Name("galvani_outage"), os.Getpid())
			db, err := Open(ctx, serverURL(t, backend, "max_conns=4"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			admin, err := Open(ctx, serverURL(t, backend, "max_conns=1"))
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			sleep := "SELECT pg_sleep(30) /* " + marker + " */"
			find := "SELECT count(*) FROM pg_stat_activity WHERE query = $1 AND state = 'active'"
			kill := "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1"
			if backend == "mysql" {
				sleep = "SELECT SLEEP(30) /* " + marker + " */"
				find = "SELECT count(*) FROM information_schema.processlist WHERE info = ?"
			}
			var one int64
			if _, err := db.queryRow(ctx, "SELECT 1", nil, []any{&one}); err != nil {
				t.Fatal(err)
			}
			base := runtime.NumGoroutine()

			errs := make(chan error, 4)
			for range 4 {
				go func() {
					var v int64
					_, err := db.queryRow(ctx, sleep, nil, []any{&v})
					errs <- err
				}()
			}
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				var n int64
				if _, err := admin.queryRow(ctx, admin.rebind(find), []any{sleep}, []any{&n}); err != nil {
					t.Fatal(err)
				}
				if n == 4 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the 4 statements did not start (%d running)", n)
				}
			}
			if backend == "mysql" {
				rows, err := admin.Query(ctx, "SELECT id FROM information_schema.processlist WHERE info = ?", sleep)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for rows.Next() {
					var id int64
					rows.Scan(&id)
					ids = append(ids, id)
				}
				rows.Close()
				for _, id := range ids {
					if _, err := admin.Exec(ctx, fmt.Sprintf("KILL CONNECTION %d", id)); err != nil {
						t.Fatal(err)
					}
				}
			} else if _, err := admin.Exec(ctx, kill, sleep); err != nil {
				t.Fatal(err)
			}
			for range 4 {
				err := <-errs
				if !errors.Is(err, ErrUnavailable) || galvani.StatusOf(err) != 503 {
					t.Errorf("a statement whose connection was terminated: got %v (status %d), want ErrUnavailable, 503", err, galvani.StatusOf(err))
				}
			}

			// Recovery without a restart: the next statements get new connections.
			for i := range 10 {
				if _, err := db.queryRow(ctx, "SELECT 1", nil, []any{&one}); err != nil {
					t.Fatalf("statement %d after the outage: %v", i, err)
				}
			}
			// No leak: the goroutines go back to what they were, and the pool holds
			// no more connections than its limit.
			for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > base; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					buf := make([]byte, 1<<16)
					t.Fatalf("%d goroutines after the outage, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
				}
			}
			if p, ok := db.root.pool.(*pgxPool); ok {
				if st := p.p.Stat(); st.TotalConns() > 4 || st.AcquiredConns() != 0 {
					t.Errorf("pool after the outage: %d connections, %d acquired", st.TotalConns(), st.AcquiredConns())
				}
			} else if st := db.SQL().Stats(); st.OpenConnections > 4 || st.InUse != 0 {
				t.Errorf("pool after the outage: %+v", st)
			}
		})
	}
}
