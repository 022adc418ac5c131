package dbstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/session"
)

// backends opens each database this package is tested on, with a fresh table.
func backends(t *testing.T) map[string]func(t *testing.T) *orm.DB {
	ctx := context.Background()
	fresh := func(t *testing.T, db *orm.DB) *orm.DB {
		t.Cleanup(func() { db.Close() })
		orm.MustRegister[Session]("sessions")
		if err := orm.DropTables(ctx, db, Session{}); err != nil {
			t.Fatal(err)
		}
		if err := CreateTable(ctx, db); err != nil {
			t.Fatal(err)
		}
		return db
	}
	return map[string]func(t *testing.T) *orm.DB{
		"sqlite": func(t *testing.T) *orm.DB {
			db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "s.db"))
			if err != nil {
				t.Fatal(err)
			}
			return fresh(t, db)
		},
		"postgres": func(t *testing.T) *orm.DB {
			u := testdb.PostgresAddr(t)
			admin, err := sql.Open("pgx", u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			var one int
			if admin.QueryRow("SELECT 1 FROM pg_database WHERE datname = '"+testdb.Name("galvani_session")+"'").Scan(&one) == sql.ErrNoRows {
				if _, err := admin.Exec("CREATE DATABASE " + testdb.Name("galvani_session")); err != nil && !strings.Contains(err.Error(), "already exists") {
					t.Fatal(err)
				}
			}
			v := *u
			v.Path = "/" + testdb.Name("galvani_session")
			db, err := orm.Open(ctx, v.String())
			if err != nil {
				t.Fatal(err)
			}
			return fresh(t, db)
		},
		"mysql": func(t *testing.T) *orm.DB {
			addr := testdb.MySQLAddr(t)
			admin, err := orm.Open(ctx, "mysql://root@"+addr+"/")
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			if _, err := admin.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+testdb.Name("galvani_session")+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
				t.Fatal(err)
			}
			db, err := orm.Open(ctx, "mysql://root@"+addr+"/"+testdb.Name("galvani_session"))
			if err != nil {
				t.Fatal(err)
			}
			return fresh(t, db)
		},
	}
}

func TestStore(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := context.Background()
			s := New(db)
			rec := session.Record{Values: map[string]json.RawMessage{"user": json.RawMessage("42")}, Expires: time.Now().Add(time.Hour), Expiry: 3600}
			key, err := s.Save(ctx, "", rec)
			if err != nil || !session.ValidKey(key) {
				t.Fatalf("Save: %q %v", key, err)
			}
			got, ok, err := s.Load(ctx, key)
			if err != nil || !ok || string(got.Values["user"]) != "42" || got.Expiry != 3600 {
				t.Fatalf("Load: %+v %v %v", got, ok, err)
			}
			rec.Values["cart"] = json.RawMessage(`[1,2]`)
			if k2, err := s.Save(ctx, key, rec); err != nil || k2 != key {
				t.Fatalf("update: %q %v", k2, err)
			}
			got, _, _ = s.Load(ctx, key)
			if string(got.Values["cart"]) != "[1,2]" {
				t.Fatalf("update lost: %+v", got)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.Load(ctx, key); ok {
				t.Fatal("deleted session loads")
			}
			if _, err := s.Save(ctx, key, rec); !errors.Is(err, session.ErrKeyGone) {
				t.Fatalf("update of a deleted row: %v", err)
			}
			for _, bad := range []string{"", "x", "'; DROP TABLE sessions_session; --", session.NewKey()} {
				if _, ok, err := s.Load(ctx, bad); ok || err != nil {
					t.Fatalf("Load(%q) = %v %v", bad, ok, err)
				}
			}

			// Expiry and clearsessions.
			old := session.Record{Values: rec.Values, Expires: time.Now().Add(-time.Minute)}
			oldKey, _ := s.Save(ctx, "", old)
			liveKey, _ := s.Save(ctx, "", rec)
			if _, ok, _ := s.Load(ctx, oldKey); ok {
				t.Fatal("expired session loads")
			}
			var out bytes.Buffer
			if err := session.ClearExpired(ctx, s, &out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "deleted 1 expired") {
				t.Fatalf("clearsessions: %q", out.String())
			}
			if _, ok, _ := s.Load(ctx, liveKey); !ok {
				t.Fatal("clearsessions removed a live session")
			}
		})
	}
}

// The attack rows for a server-side store, through the middleware: replay after
// Cycle/Flush and a client-chosen key give a fresh empty session.
func TestReplayAfterRotation(t *testing.T) {
	db := backends(t)["sqlite"](t)
	m, err := session.New(session.Config{Store: New(db)})
	if err != nil {
		t.Fatal(err)
	}
	do := func(cookie string, fn func(*session.Session)) *http.Cookie {
		req := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "sessionid", Value: cookie})
		}
		rec := httptest.NewRecorder()
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fn(session.From(r)) })).ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			return c
		}
		return nil
	}
	first := do("", func(s *session.Session) { s.Set("user", 1) })
	second := do(first.Value, func(s *session.Session) { s.Cycle() })
	if second == nil || second.Value == first.Value {
		t.Fatal("no new key after Cycle")
	}
	var n int
	do(first.Value, func(s *session.Session) { n = s.Len() })
	if n != 0 {
		t.Fatal("old key valid after Cycle")
	}
	do(second.Value, func(s *session.Session) { s.Flush() })
	do(second.Value, func(s *session.Session) { n = s.Len() })
	if n != 0 {
		t.Fatal("key valid after Flush")
	}
	chosen := session.NewKey()
	c := do(chosen, func(s *session.Session) { s.Set("a", 1) })
	if c == nil || c.Value == chosen {
		t.Fatal("client-chosen key adopted")
	}
}

func TestAppAndCommand(t *testing.T) {
	db := backends(t)["sqlite"](t)
	store := New(db)
	store.Save(context.Background(), "", session.Record{Values: map[string]json.RawMessage{"a": json.RawMessage("1")}, Expires: time.Now().Add(-time.Hour)})
	s := galvani.Settings{SecretKey: "k"}
	galvani.Section(&s, "session", session.Config{Store: store})
	app := galvani.New(s, App)
	var out bytes.Buffer
	if err := app.RunCommand(context.Background(), []string{"clearsessions"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "deleted 1 expired") {
		t.Fatalf("output %q", out.String())
	}
	if err := orm.RegisterApps(App); err != nil {
		t.Fatal(err)
	}
	if info, ok := orm.ModelByLabel("sessions.session"); !ok || info.Table != "sessions_session" {
		t.Fatalf("model: %+v %v", info, ok)
	}
}
