package dbtools

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
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
	dbName := testdb.Name("galvani_dbtools")
	return []backend{
		{"sqlite", func(t *testing.T) (*orm.DB, string) {
			u := "sqlite:///" + filepath.Join(t.TempDir(), "d.db")
			return openURL(t, u), u
		}},
		{"postgres", func(t *testing.T) (*orm.DB, string) {
			base := testdb.PostgresAddr(t)
			serverLock(t, "postgres", base.String())
			admin, err := sql.Open("pgx", base.String())
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			var one int
			if admin.QueryRow("SELECT 1 FROM pg_database WHERE datname = '"+dbName+"'").Scan(&one) == sql.ErrNoRows {
				if _, err := admin.Exec("CREATE DATABASE " + dbName); err != nil {
					t.Fatal(err)
				}
			}
			v := *base
			v.Path = "/" + dbName
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
			for _, q := range []string{"DROP DATABASE IF EXISTS " + dbName, "CREATE DATABASE " + dbName + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"} {
				if _, err := admin.Exec(context.Background(), q); err != nil {
					t.Fatal(err)
				}
			}
			u := "mysql://root@" + addr + "/" + dbName
			return openURL(t, u), u
		}},
	}
}

func eachBackend(t *testing.T, fn func(t *testing.T, db *orm.DB, url string)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			db, u := b.open(t)
			fn(t, db, u)
		})
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

var (
	lockMu    sync.Mutex
	lockConns = map[string]*sql.Conn{}
)

// serverLock makes two runs of these tests (two checkouts with the same suffix) take
// turns on the server's database instead of trampling each other.
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
	var got int
	if kind == "postgres" {
		err = c.QueryRowContext(ctx, "SELECT 1 FROM (SELECT pg_advisory_lock(hashtext('"+testdb.Name("galvani_dbtools_tests")+"'))) x").Scan(&got)
	} else {
		err = c.QueryRowContext(ctx, "SELECT GET_LOCK('"+testdb.Name("galvani_dbtools_tests")+"', 300)").Scan(&got)
		if err == nil && got != 1 {
			err = fmt.Errorf("GET_LOCK timed out")
		}
	}
	if err != nil {
		t.Fatalf("waiting for other runs of the dbtools tests: %v", err)
	}
	lockConns[kind] = c // held until the process exits
}
