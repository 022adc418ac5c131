package admin_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
)

// eachDB runs fn on SQLite, PostgreSQL and MariaDB (the servers skip when absent,
// and fail in CI), each time on fresh tables.
func eachDB(t *testing.T, fn func(t *testing.T, db *orm.DB)) {
	for _, kind := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(kind, func(t *testing.T) {
			if kind == "sqlite" {
				fn(t, nil)
				return
			}
			fn(t, serverDB(t, kind))
		})
	}
}

// serverDB opens the package's own database (galvani_admin) on PostgreSQL or
// MariaDB, creating it when missing, with its tables dropped.
func serverDB(t testing.TB, kind string) *orm.DB {
	t.Helper()
	registerModels()
	ctx := context.Background()
	name := testdb.Name("galvani_admin")
	var url string
	switch kind {
	case "postgres":
		u := testdb.PostgresAddr(t)
		conn, err := sql.Open("pgx", u.String())
		if err != nil {
			t.Fatal(err)
		}
		var one int
		if conn.QueryRow("SELECT 1 FROM pg_database WHERE datname = '"+name+"'").Scan(&one) == sql.ErrNoRows {
			if _, err := conn.Exec("CREATE DATABASE " + name); err != nil {
				conn.Close()
				t.Fatal(err)
			}
		}
		conn.Close()
		v := *u
		v.Path = "/" + name
		url = v.String()
	case "mysql":
		addr := testdb.MySQLAddr(t)
		conn, err := orm.Open(ctx, "mysql://root@"+addr+"/")
		if err != nil {
			t.Fatal(err)
		}
		_, err = conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		url = "mysql://root@" + addr + "/" + name
	}
	db, err := orm.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.DropTables(ctx, db, allModels...); err != nil {
		t.Fatal(err)
	}
	return db
}
