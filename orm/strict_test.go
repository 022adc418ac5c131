package orm

import (
	"context"
	"crypto/tls"
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/galvani-web/galvani/internal/testdb"
)

func TestMySQLConfigSQLMode(t *testing.T) {
	cases := []struct{ url, want string }{
		{"root@db:3306/app", mysqlStrictMode},
		{"root@db:3306/app?sql_mode=%27ANSI_QUOTES%27", "'ANSI_QUOTES'"},
		{"root@db:3306/app?sql_mode=''", "''"},
	}
	for _, c := range cases {
		cfg, err := mysqlConfig(c.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Params["sql_mode"]; got != c.want {
			t.Errorf("%s: sql_mode %q, want %q", c.url, got, c.want)
		}
	}
	cfg, err := mysqlConfig("root@db/app?SQL_MODE=TRADITIONAL")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Params["sql_mode"]; ok || cfg.Params["SQL_MODE"] != "TRADITIONAL" {
		t.Errorf("SQL_MODE in the URL: params %v", cfg.Params)
	}
}

// TestTooLongStringNotTruncated: a string longer than its varchar column, written with
// hand-written SQL, is an error on PostgreSQL and MySQL/MariaDB (whatever the server's
// global sql_mode) and kept whole on SQLite, which does not enforce lengths; it is never
// stored cut short.
func TestTooLongStringNotTruncated(t *testing.T) {
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		long := strings.Repeat("x", 51) // Tag.Name is varchar(50)
		_, err := db.Exec(ctx, "INSERT INTO ormtest_tag (name) VALUES (?)", long)
		if db.Dialect().Name() == "sqlite" {
			if err != nil {
				t.Fatal(err)
			}
			tags, err := Q[Tag](db).All(ctx)
			if err != nil || len(tags) != 1 || tags[0].Name != long {
				t.Fatalf("%v %+v", err, tags)
			}
			return
		}
		if err == nil {
			tags, _ := Q[Tag](db).All(ctx)
			t.Fatalf("a 51-character string in a varchar(50) was accepted: %+v", tags)
		}
		if n, _ := Q[Tag](db).Count(ctx); n != 0 {
			t.Fatalf("%d rows stored", n)
		}
		if db.Dialect().Name() == "mysql" {
			var mode string
			rows, err := db.Query(ctx, "SELECT @@SESSION.sql_mode")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				rows.Scan(&mode)
			}
			rows.Close()
			if !slices.Contains(strings.Split(mode, ","), "STRICT_TRANS_TABLES") {
				t.Fatalf("session sql_mode %q", mode)
			}
		}
	})
}

// TestMySQLStrictModeAppends: the session mode is the server's plus STRICT_TRANS_TABLES
// (shown on sessions that start from other modes, since the server's global mode may
// already be strict), strictness is what turns truncation into an error, and a
// sql_mode in the URL is the user's to keep.
func TestMySQLStrictModeAppends(t *testing.T) {
	addr := testdb.MySQLAddr(t)
	ctx := context.Background()
	admin, err := Open(ctx, "mysql://root@"+addr+"/")
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+testdb.Name("galvani_orm_strict"))
	admin.Close()
	if err != nil {
		t.Fatal(err)
	}
	open := func(query string) (*DB, *sql.Conn) {
		t.Helper()
		db, err := Open(ctx, "mysql://root@"+addr+"/"+testdb.Name("galvani_orm_strict")+"?max_conns=1"+query)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		conn, err := db.SQL().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return db, conn
	}
	modeOf := func(conn *sql.Conn) []string {
		t.Helper()
		var mode string
		if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode == "" {
			return nil
		}
		m := strings.Split(mode, ",")
		slices.Sort(m)
		return m
	}
	// insertLong writes 6 characters into a varchar(5) of a temporary table (one per
	// session) and returns the error and what was stored.
	insertLong := func(conn *sql.Conn) (error, string) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, "CREATE TEMPORARY TABLE IF NOT EXISTS galvani_strict_probe (s varchar(5)) ENGINE=InnoDB"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "DELETE FROM galvani_strict_probe"); err != nil {
			t.Fatal(err)
		}
		_, ierr := conn.ExecContext(ctx, "INSERT INTO galvani_strict_probe (s) VALUES (?)", "abcdef")
		var got string
		if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(s), '') FROM galvani_strict_probe").Scan(&got); err != nil {
			t.Fatal(err)
		}
		return ierr, got
	}

	_, conn := open("")
	if m := modeOf(conn); !slices.Contains(m, "STRICT_TRANS_TABLES") {
		t.Fatalf("ORM session sql_mode %v", m)
	}
	if err, got := insertLong(conn); err == nil {
		t.Fatalf("strict session stored %q", got)
	}

	// the ORM's expression on sessions starting from other modes
	for _, c := range []struct{ from, want string }{
		{"", "STRICT_TRANS_TABLES"},
		{"ANSI_QUOTES,NO_ENGINE_SUBSTITUTION", "ANSI_QUOTES,NO_ENGINE_SUBSTITUTION,STRICT_TRANS_TABLES"},
		{"STRICT_TRANS_TABLES,ANSI_QUOTES", "ANSI_QUOTES,STRICT_TRANS_TABLES"},
	} {
		if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = ?", c.from); err != nil {
			t.Fatal(err)
		}
		if c.from == "" {
			// the difference strictness makes: without it, MariaDB/MySQL cut the string
			if err, got := insertLong(conn); err != nil || got != "abcde" {
				t.Fatalf("non-strict session: %v %q (want a truncated abcde, which is what strict mode prevents)", err, got)
			}
		}
		if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = "+mysqlStrictMode); err != nil {
			t.Fatal(err)
		}
		want := strings.Split(c.want, ",")
		slices.Sort(want)
		if got := modeOf(conn); !slices.Equal(got, want) {
			t.Errorf("from %q: sql_mode %v, want %v", c.from, got, want)
		}
		if err, got := insertLong(conn); err == nil {
			t.Errorf("from %q: strict session stored %q", c.from, got)
		}
	}

	// a sql_mode in the URL is the user's choice, kept as given
	_, own := open("&sql_mode=%27ANSI_QUOTES%27")
	if m := modeOf(own); !slices.Equal(m, []string{"ANSI_QUOTES"}) {
		t.Fatalf("sql_mode from the URL: %v", m)
	}
	if err, got := insertLong(own); err != nil || got != "abcde" {
		t.Fatalf("the user's non-strict mode: %v %q", err, got)
	}
}

// TestMySQLConfigDriverOptions: the URL's query string is the driver's DSN parameters
// (read by the driver, not sent to the server as session variables); other names are
// session variables; the ORM's defaults give way to the URL's.
func TestMySQLConfigDriverOptions(t *testing.T) {
	cfg, err := mysqlConfig("u:p%40ss@db/app?interpolateParams=true&readTimeout=5s&maxAllowedPacket=1048576&wait_timeout=60")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.InterpolateParams || cfg.ReadTimeout.String() != "5s" || cfg.MaxAllowedPacket != 1048576 {
		t.Errorf("driver options not read: %+v", cfg)
	}
	if cfg.User != "u" || cfg.Passwd != "p@ss" || cfg.Addr != "db:3306" || cfg.DBName != "app" {
		t.Errorf("user/address: %q %q %q %q", cfg.User, cfg.Passwd, cfg.Addr, cfg.DBName)
	}
	for _, k := range []string{"interpolateParams", "readTimeout", "maxAllowedPacket"} {
		if _, ok := cfg.Params[k]; ok {
			t.Errorf("%s would be sent to the server as a session variable", k)
		}
	}
	if cfg.Params["wait_timeout"] != "60" || cfg.Params["time_zone"] != "'+00:00'" {
		t.Errorf("session variables: %v", cfg.Params)
	}
	if !cfg.ParseTime || cfg.Loc.String() != "UTC" || !cfg.ClientFoundRows || cfg.Collation != "utf8mb4_bin" {
		t.Errorf("defaults: parseTime %v loc %v clientFoundRows %v collation %q", cfg.ParseTime, cfg.Loc, cfg.ClientFoundRows, cfg.Collation)
	}

	cfg, err = mysqlConfig("root@db/app?clientFoundRows=false&collation=utf8mb4_general_ci&time_zone=%27SYSTEM%27")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientFoundRows || cfg.Collation != "utf8mb4_general_ci" || cfg.Params["time_zone"] != "'SYSTEM'" {
		t.Errorf("the URL's settings were overridden: %+v %v", cfg, cfg.Params)
	}

	for _, bad := range []string{"root@db/app?timeout=soon", "root@db/app?interpolateParams=maybe", "root@db/app?tls=nosuchconfig"} {
		if _, err := mysqlConfig(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// TestMySQLConfigTLSServerName: with tls=true (or a registered config without a
// ServerName) the driver verifies the server's certificate against the URL's host.
// mysql.ParseDSN builds the TLS config for its default address, 127.0.0.1, before
// mysqlConfig sets the URL's; a config left with that name fails verification against
// any other host.
func TestMySQLConfigTLSServerName(t *testing.T) {
	if err := mysql.RegisterTLSConfig("galvani-orm-test", &tls.Config{MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatal(err)
	}
	defer mysql.DeregisterTLSConfig("galvani-orm-test")
	for _, param := range []string{"true", "galvani-orm-test", "preferred", "skip-verify"} {
		cfg, err := mysqlConfig("root@db.example.com:3307/app?tls=" + param)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.TLS != nil && !cfg.TLS.InsecureSkipVerify && cfg.TLS.ServerName != "db.example.com" {
			t.Errorf("tls=%s: certificate checked against %q, not db.example.com", param, cfg.TLS.ServerName)
		}
		// what NewConnector does with the config: TLS for the URL's address
		if _, err := mysql.NewConnector(cfg); err != nil {
			t.Errorf("tls=%s: %v", param, err)
		}
		if cfg.TLSConfig != param {
			t.Errorf("tls=%s: TLSConfig %q", param, cfg.TLSConfig)
		}
	}
}

// TestMySQLConfigStrictParam: the driver panics on strict= (its strict mode was
// removed); a URL with it is an error from Open, not a panic.
func TestMySQLConfigStrictParam(t *testing.T) {
	for _, u := range []string{"root@db/app?strict=true", "root@db/app?parseTime=true&strict=false"} {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic %v", u, p)
				}
			}()
			if _, err := mysqlConfig(u); err == nil || !strings.Contains(err.Error(), "strict") {
				t.Errorf("%s: %v", u, err)
			}
		}()
	}
}

// TestMySQLCharsetList: charset= takes a comma-separated list (the first the server
// knows is used), which the driver splits without unescaping; Open must hand the
// rest of the query string over as written, commas as commas.
func TestMySQLCharsetList(t *testing.T) {
	addr := testdb.MySQLAddr(t)
	ctx := context.Background()
	db, err := Open(ctx, "mysql://root@"+addr+"/?charset=utf8mb4,utf8&max_conns=1")
	if err != nil {
		t.Fatalf("charset list: %v", err)
	}
	defer db.Close()
	var cs string
	if err := db.SQL().QueryRowContext(ctx, "SELECT @@character_set_client").Scan(&cs); err != nil || cs != "utf8mb4" {
		t.Fatalf("character_set_client %q %v", cs, err)
	}
}
