package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/session"
)

// benchSetup returns a handler chain session -> auth -> h and the cookie of a
// logged-in session.
func benchSetup(b *testing.B, h http.Handler) (http.Handler, *http.Cookie, *orm.DB, *User) {
	db := openSQLite(b)
	m := New[User](Options{DB: db})
	m.UseSettings(benchSettings())
	u := &User{AbstractUser: AbstractUser{Username: "bench"}}
	if err := m.CreateUser(context.Background(), db, u, ""); err != nil {
		b.Fatal(err)
	}
	sm, err := session.New(session.Config{Store: session.NewMemoryStore(), Insecure: true})
	if err != nil {
		b.Fatal(err)
	}
	login := sm.Handler(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := m.LoginSession(session.From(r), u); err != nil {
			b.Fatal(err)
		}
	})))
	w := httptest.NewRecorder()
	login.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	return sm.Handler(m.Middleware(h)), w.Result().Cookies()[0], db, u
}

// The cost of auth on a request: the current user loaded from the session and the
// database (one query by primary key), beside the raw query alone.
func BenchmarkUserFrom(b *testing.B) {
	var name string
	h, cookie, db, u := benchSetup(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name = UserFrom(r).Username
	}))
	b.Run("anonymous", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		}
	})
	b.Run("logged-in", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(cookie)
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
		if name != "bench" {
			b.Fatalf("user %q", name)
		}
	})
	b.Run("raw-query-baseline", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for b.Loop() {
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(cookie)
			got, err := orm.Q[User](db).Get(ctx, "pk", u.ID)
			if err != nil || got.Username != "bench" {
				b.Fatal(err)
			}
			httptest.NewRecorder()
		}
	})
}

func benchSettings() *galvani.Settings { return &galvani.Settings{SecretKey: "bench-secret"} }

// What one login attempt costs in hashing, with the shipped parameters (Argon2id,
// 64 MiB, 3 passes, 4 lanes): B/op is the memory one check holds, ns/op its time.
// The attempt's memory is what HashLimiter multiplies by its slots.
func BenchmarkPasswordCheck(b *testing.B) {
	h := productionHashers[0]
	enc, err := h.Encode("correct-horse-battery")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Verify("wrong-guess", enc)
	}
}
