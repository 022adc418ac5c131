package cachestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/session"
)

func caches(t *testing.T) map[string]func(t *testing.T) *cache.Cache {
	return map[string]func(t *testing.T) *cache.Cache{
		"lru": func(t *testing.T) *cache.Cache { return cache.New(cache.NewLRU(cache.LRUOptions{}), cache.Options{}) },
		"redis": func(t *testing.T) *cache.Cache {
			b := make([]byte, 6)
			rand.Read(b)
			c, err := cache.Open(context.Background(), "redis://"+testdb.RedisAddr(t)+"/0?key_prefix=gs"+hex.EncodeToString(b))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Clear(context.Background()); c.Close() })
			return c
		},
	}
}

func TestStore(t *testing.T) {
	for name, open := range caches(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := New(open(t))
			rec := session.Record{Values: map[string]json.RawMessage{"user": json.RawMessage("42")}, Expires: time.Now().Add(time.Hour)}
			key, err := s.Save(ctx, "", rec)
			if err != nil || !session.ValidKey(key) {
				t.Fatalf("Save: %q %v", key, err)
			}
			got, ok, err := s.Load(ctx, key)
			if err != nil || !ok || string(got.Values["user"]) != "42" {
				t.Fatalf("Load: %+v %v %v", got, ok, err)
			}
			if k2, err := s.Save(ctx, key, rec); err != nil || k2 != key {
				t.Fatalf("update: %q %v", k2, err)
			}
			if err := s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.Load(ctx, key); ok {
				t.Fatal("a deleted session loads")
			}
			if _, err := s.Save(ctx, key, rec); !errors.Is(err, session.ErrKeyGone) {
				t.Fatalf("updating a deleted session: %v, want ErrKeyGone", err)
			}
			for _, bad := range []string{"", "x", "../../etc", "a b", session.NewKey()} {
				if _, ok, err := s.Load(ctx, bad); ok || err != nil {
					t.Fatalf("Load(%q) = %v %v", bad, ok, err)
				}
			}
			// A session past its expiry does not load even if the cache still has it.
			now := time.Now()
			s.Now = func() time.Time { return now }
			k, _ := s.Save(ctx, "", session.Record{Values: map[string]json.RawMessage{}, Expires: now.Add(time.Hour)})
			now = now.Add(2 * time.Hour)
			if _, ok, _ := s.Load(ctx, k); ok {
				t.Error("an expired session loads")
			}
		})
	}
}

// TestMiddleware: a login kept in a cache-backed session across requests.
func TestMiddleware(t *testing.T) {
	c := cache.New(cache.NewLRU(cache.LRUOptions{}), cache.Options{})
	m, err := session.New(session.Config{Store: New(c), Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	app := galvani.New(galvani.Settings{Debug: true})
	app.Use(m.Handler)
	app.Post("/login/", func(ctx *galvani.Ctx) error { return session.From(ctx.Request).Set("user", "ada") })
	app.Get("/me/", func(ctx *galvani.Ctx) error {
		u, _ := session.Value[string](session.From(ctx.Request), "user")
		return ctx.Text(http.StatusOK, u)
	})
	cl := galvanitest.New(t, app)
	cl.Post("/login/", "", nil)
	if got := cl.Get("/me/").Body(); got != "ada" {
		t.Fatalf("after login: %q", got)
	}
}
