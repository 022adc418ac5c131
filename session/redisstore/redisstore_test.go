package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/session"
	"github.com/redis/go-redis/v9"
)

func newStore(t *testing.T) (*Store, *redis.Client) {
	rdb := redis.NewClient(&redis.Options{Addr: testdb.RedisAddr(t)})
	prefix := "galvani_session_test:" + session.NewKey()[:8] + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return New(rdb, prefix), rdb
}

func TestStore(t *testing.T) {
	s, rdb := newStore(t)
	ctx := context.Background()
	rec := session.Record{Values: map[string]json.RawMessage{"user": json.RawMessage("42")}, Expires: time.Now().Add(time.Hour)}
	key, err := s.Save(ctx, "", rec)
	if err != nil || !session.ValidKey(key) {
		t.Fatalf("Save: %q %v", key, err)
	}
	if ttl := rdb.TTL(ctx, s.prefix+key).Val(); ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %s", ttl)
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
		t.Fatal("deleted record loads")
	}
	if _, err := s.Save(ctx, key, rec); !errors.Is(err, session.ErrKeyGone) {
		t.Fatalf("update of a deleted record: %v, want ErrKeyGone", err)
	}
	for _, bad := range []string{"", "x", "../../etc", session.NewKey()} {
		if _, ok, err := s.Load(ctx, bad); ok || err != nil {
			t.Fatalf("Load(%q) = %v %v", bad, ok, err)
		}
	}
	rdb.Set(ctx, s.prefix+key, "not json", time.Minute)
	if _, ok, err := s.Load(ctx, key); ok || err != nil {
		t.Fatalf("corrupt record: %v %v", ok, err)
	}
}

func TestReplayAfterCycle(t *testing.T) {
	s, _ := newStore(t)
	m, err := session.New(session.Config{Store: s})
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
		t.Fatal("old key still valid after Cycle")
	}
	do(second.Value, func(s *session.Session) { n, _ = session.Value[int](s, "user") })
	if n != 1 {
		t.Fatal("data lost in Cycle")
	}
}

// With Redis unreachable, a visitor with a session gets a 503 with Retry-After,
// not a page as a signed-out visitor.
func TestRedisDownFailsClosed(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	m, err := session.New(session.Config{Store: New(rdb, ""), CookieName: "sessionid"})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := session.From(r).Get("user"); !ok {
			http.Redirect(w, r, "/login/", http.StatusFound)
		}
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "sessionid", Value: session.NewKey()})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Location") != "" {
		t.Errorf("got %d %v, want 503 with Retry-After", rec.Code, rec.Header())
	}
}
