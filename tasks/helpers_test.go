package tasks

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	if u := os.Getenv("GALVANI_TASKS_WORKER_URL"); u != "" {
		os.Exit(childWorker(u))
	}
	os.Exit(m.Run())
}

// dialects returns, per database the package is tested on, a function giving
// the URL of a database whose task table has just been migrated and emptied.
func dialects() map[string]func(t testing.TB) string {
	return map[string]func(t testing.TB) string{
		"sqlite": func(t testing.TB) string {
			u := "sqlite:///" + filepath.Join(t.TempDir(), "tasks.db")
			migrated(t, u)
			return u
		},
		"postgres": func(t testing.TB) string {
			u := testdb.PostgresAddr(t)
			admin, err := sql.Open("pgx", u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			name := testdb.Name("galvani_tasks")
			var one int
			if admin.QueryRow("SELECT 1 FROM pg_database WHERE datname = '"+name+"'").Scan(&one) == sql.ErrNoRows {
				if _, err := admin.Exec("CREATE DATABASE " + name); err != nil && !strings.Contains(err.Error(), "already exists") {
					t.Fatal(err)
				}
			}
			v := *u
			v.Path = "/" + name
			migrated(t, v.String())
			return v.String()
		},
		"mysql": func(t testing.TB) string {
			addr := testdb.MySQLAddr(t)
			ctx := context.Background()
			admin, err := orm.Open(ctx, "mysql://root@"+addr+"/")
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			if _, err := admin.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+testdb.Name("galvani_tasks")); err != nil {
				t.Fatal(err)
			}
			u := "mysql://root@" + addr + "/" + testdb.Name("galvani_tasks")
			migrated(t, u)
			return u
		},
	}
}

var migrateMu sync.Mutex

// migrated applies the app's migrations to u and empties the tables the tests use.
func migrated(t testing.TB, u string) {
	t.Helper()
	migrateMu.Lock()
	defer migrateMu.Unlock()
	ctx := context.Background()
	s := galvani.Settings{DatabaseURL: u, SecretKey: "tasks-test",
		Sections: map[string]any{"tasks": &Config{Backend: "immediate"}}}
	app := galvani.New(s, App, migrate.App)
	var out bytes.Buffer
	if err := app.RunCommandIO(ctx, []string{"migrate"}, strings.NewReader(""), &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	SetDefault(nil)
	db := open(t, u)
	for _, q := range []string{
		"DELETE FROM " + Table,
		"CREATE TABLE IF NOT EXISTS tasks_test_runs (job_n bigint NOT NULL, worker varchar(64) NOT NULL)",
		"DELETE FROM tasks_test_runs",
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

// open returns a new pool on u, closed when the test ends.
func open(t testing.TB, u string) *orm.DB {
	t.Helper()
	db, err := orm.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forEachDB runs f on every database as a subtest.
func forEachDB(t *testing.T, f func(t *testing.T, url string)) {
	for _, name := range []string{"sqlite", "postgres", "mysql"} {
		mk := dialects()[name]
		t.Run(name, func(t *testing.T) { f(t, mk(t)) })
	}
}

// runWorker runs w until stop is called, which waits for Run to return.
func runWorker(t testing.TB, w *Worker) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitFor polls cond until it holds or 30 seconds pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStatus waits for the task id to reach want and returns its Info.
func waitStatus(t testing.TB, b Backend, id int64, want Status) *Info {
	t.Helper()
	var in *Info
	deadline := time.Now().Add(30 * time.Second)
	for {
		var err error
		in, err = b.Info(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if in.Status == want {
			return in
		}
		finished := in.Status == StatusSucceeded || in.Status == StatusDead
		if finished || time.Now().After(deadline) {
			t.Fatalf("task %d: waited for %s, have status %s after %d attempts, last error %q",
				id, want, in.Status, in.Attempts, in.LastError)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
