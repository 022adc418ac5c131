package dbcache

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/cache/cachetest"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

// databases returns, for each database the package is tested on, a function
// giving a fresh connection pool to it (a new pool per call, as another server
// process would have).
func databases(t *testing.T) map[string]func(t *testing.T) string {
	ctx := context.Background()
	return map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string {
			return "sqlite:///" + filepath.Join(t.TempDir(), "c.db")
		},
		"postgres": func(t *testing.T) string {
			u := testdb.PostgresAddr(t)
			admin, err := sql.Open("pgx", u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			name := testdb.Name("galvani_dbcache")
			var one int
			if admin.QueryRow("SELECT 1 FROM pg_database WHERE datname = '"+name+"'").Scan(&one) == sql.ErrNoRows {
				if _, err := admin.Exec("CREATE DATABASE " + name); err != nil && !strings.Contains(err.Error(), "already exists") {
					t.Fatal(err)
				}
			}
			v := *u
			v.Path = "/" + name
			return v.String()
		},
		"mysql": func(t *testing.T) string {
			addr := testdb.MySQLAddr(t)
			admin, err := orm.Open(ctx, "mysql://root@"+addr+"/")
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			// The server's default collation is case-insensitive: keys must still differ by case.
			if _, err := admin.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+testdb.Name("galvani_dbcache")+" CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
				t.Fatal(err)
			}
			return "mysql://root@" + addr + "/" + testdb.Name("galvani_dbcache")
		},
	}
}

func randomName() string {
	b := make([]byte, 5)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// opener returns the suite's Open for one database: every call of one test opens
// a new pool on the same fresh table.
func opener(dbURL func(t *testing.T) string) cachetest.Open {
	var mu sync.Mutex
	tables := map[*testing.T]string{}
	urls := map[*testing.T]string{}
	return func(t *testing.T) *cache.Cache {
		ctx := context.Background()
		mu.Lock()
		table, ok := tables[t]
		if !ok {
			table = "ct_" + randomName()
			tables[t] = table
			urls[t] = dbURL(t)
		}
		u := urls[t]
		mu.Unlock()
		db, err := orm.Open(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			if _, err := CreateTable(ctx, db, table); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				d, err := orm.Open(ctx, u)
				if err == nil {
					d.Exec(ctx, "DROP TABLE "+d.Dialect().QuoteIdent(table))
					d.Close()
				}
			})
		}
		t.Cleanup(func() { db.Close() })
		b, err := New(db, table)
		if err != nil {
			t.Fatal(err)
		}
		return cache.New(b, cache.Options{KeyPrefix: "p" + randomName()})
	}
}

func TestBehaviour(t *testing.T) {
	for name, dbURL := range databases(t) {
		t.Run(name, func(t *testing.T) {
			cachetest.Run(t, opener(dbURL), cachetest.Caps{Shared: true, ClearsEverything: true})
		})
	}
}

// TestKeysDifferByCase: on a case-insensitive MySQL collation, keys that differ
// only by case stay apart (keys are stored hashed).
func TestKeysDifferByCase(t *testing.T) {
	for name, dbURL := range databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := opener(dbURL)(t)
			c.Set(ctx, "Key", []byte("upper"), 0)
			c.Set(ctx, "key", []byte("lower"), 0)
			if v, _, _ := c.Get(ctx, "Key"); string(v) != "upper" {
				t.Fatalf("Key = %q", v)
			}
		})
	}
}

func TestCull(t *testing.T) {
	ctx := context.Background()
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := CreateTable(ctx, db, "culled"); err != nil {
		t.Fatal(err)
	}
	b, _ := New(db, "culled")
	b.MaxEntries = 30
	b.noAutoCull = true
	c := cache.New(b, cache.Options{})
	for i := 0; i < 60; i++ {
		c.Set(ctx, "k"+string(rune('A'+i)), []byte("v"), 0)
	}
	c.Set(ctx, "gone", []byte("v"), -2) // expired at once: deleted
	if err := b.Cull(ctx); err != nil {
		t.Fatal(err)
	}
	rows, _ := db.Query(ctx, "SELECT COUNT(*) FROM culled")
	var n int
	rows.Next()
	rows.Scan(&n)
	rows.Close()
	if n != 40 {
		t.Fatalf("after culling 60 rows with max_entries=30: %d rows", n)
	}
}

// TestMigrate: `migrate` creates the default table by its migration and the other
// tables the cache URLs name by the post-migrate step (createcachetable), and the
// shipped migration matches the model.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	dbURL := "sqlite:///" + filepath.Join(t.TempDir(), "m.db")
	s := galvani.Settings{DatabaseURL: dbURL, CacheURL: "db://", Caches: map[string]string{"reports": "db://report_cache?max_entries=100"}}
	app := galvani.New(s, cache.App, App, migrate.App)
	var out bytes.Buffer
	if err := app.RunCommand(ctx, []string{"migrate"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `Created cache table report_cache for cache "reports"`) {
		t.Errorf("migrate output does not mention the cache table:\n%s", out.String())
	}
	out.Reset()
	if err := app.RunCommand(ctx, []string{"migrate"}, &out); err != nil || strings.Contains(out.String(), "Created cache table") {
		t.Errorf("a second migrate: %v\n%s", err, out.String())
	}
	if err := app.RunCommand(ctx, []string{"makemigrations", "--check", "--dry-run"}, io.Discard); err != nil {
		t.Fatalf("the Entry model changed without a migration: %v", err)
	}
	cs, err := cache.For(&app.Settings)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"default", "reports"} {
		c, _ := cs.Get(name)
		if err := c.Set(ctx, "k", []byte(name), 0); err != nil {
			t.Fatalf("cache %s: %v", name, err)
		}
		if v, _, _ := c.Get(ctx, "k"); string(v) != name {
			t.Fatalf("cache %s: %q", name, v)
		}
	}
	cs.Close()
}

func TestURLs(t *testing.T) {
	ctx := context.Background()
	s := &galvani.Settings{DatabaseURL: "sqlite:///" + filepath.Join(t.TempDir(), "u.db")}
	for _, bad := range []string{
		"db://bad-name", "db://1table", "db://" + strings.Repeat("t", 64), "db://t?database=nope",
		"db://t/path", "db://t?max_entries=0", "db://t?max_entries=x", "db://t?database=a&database=b", "db://t?unknown=1",
	} {
		s.CacheURL = bad
		if _, err := cache.OpenAll(ctx, s); err == nil {
			t.Errorf("%s opened", bad)
		}
	}
	if _, err := cache.Open(ctx, "db://t"); err == nil || !strings.Contains(err.Error(), "settings") {
		t.Errorf("db:// without settings: %v", err)
	}
	if _, err := New(nil, `x"; DROP TABLE users; --`); err == nil {
		t.Error("a hostile table name was accepted")
	}
	if _, err := CreateTable(ctx, nil, "a b"); err == nil || errors.Is(err, nil) {
		t.Error("CreateTable accepted a bad name")
	}
}
