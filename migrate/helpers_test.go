package migrate

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
)

// backend opens a fresh, empty database and returns it with its URL.
type backend struct {
	name string
	open func(t *testing.T) (*orm.DB, string)
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t *testing.T) (*orm.DB, string) {
			u := "sqlite:///" + filepath.Join(t.TempDir(), "m.db")
			return openURL(t, u), u
		}},
		{"postgres", func(t *testing.T) (*orm.DB, string) {
			base := testdb.PostgresAddr(t)
			admin, err := sql.Open("pgx", base.String())
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			serverLock(t, "postgres", base.String())
			var one int
			if admin.QueryRow("SELECT 1 FROM pg_database WHERE datname = '"+testdb.Name("galvani_migrate")+"'").Scan(&one) == sql.ErrNoRows {
				if _, err := admin.Exec("CREATE DATABASE " + testdb.Name("galvani_migrate")); err != nil {
					t.Fatal(err)
				}
			}
			v := *base
			v.Path = "/" + testdb.Name("galvani_migrate")
			db := openURL(t, v.String())
			for _, q := range []string{"DROP SCHEMA public CASCADE", "CREATE SCHEMA public"} {
				if _, err := db.Exec(context.Background(), q); err != nil {
					t.Fatal(err)
				}
			}
			return db, v.String()
		}},
		{"mysql", func(t *testing.T) (*orm.DB, string) {
			addr := testdb.MySQLAddr(t)
			serverLock(t, "mysql", "mysql://root@"+addr+"/")
			admin := openURL(t, "mysql://root@"+addr+"/")
			for _, q := range []string{"DROP DATABASE IF EXISTS " + testdb.Name("galvani_migrate"), "CREATE DATABASE " + testdb.Name("galvani_migrate") + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"} {
				if _, err := admin.Exec(context.Background(), q); err != nil {
					t.Fatal(err)
				}
			}
			u := "mysql://root@" + addr + "/" + testdb.Name("galvani_migrate")
			return openURL(t, u), u
		}},
	}
}

func openURL(t *testing.T, u string) *orm.DB {
	t.Helper()
	db, err := orm.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

var (
	lockMu    sync.Mutex
	lockConns = map[string]*sql.Conn{}
)

// serverLock makes this test binary the only user of the galvani_migrate databases
// on a server until it exits: another run of this package at the same time (another
// engineer's, or CI's) waits instead of dropping the tables under our feet.
func serverLock(t *testing.T, kind, url string) {
	t.Helper()
	lockMu.Lock()
	defer lockMu.Unlock()
	if lockConns[kind] != nil {
		return
	}
	db, err := orm.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.SQL().Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if kind == "postgres" {
		_, err = c.ExecContext(ctx, "SELECT pg_advisory_lock(7147418436917330030)")
	} else {
		var got int
		err = c.QueryRowContext(ctx, "SELECT GET_LOCK('"+testdb.Name("galvani_migrate_tests")+"', 300)").Scan(&got)
		if err == nil && got != 1 {
			err = fmt.Errorf("GET_LOCK timed out")
		}
	}
	if err != nil {
		t.Fatalf("waiting for other runs of the migrate tests: %v", err)
	}
	lockConns[kind] = c // held until the process exits
}
