package redisthrottle

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/session"
	"github.com/redis/go-redis/v9"
)

func newThrottle(t *testing.T, limit int, window time.Duration) (*Throttle, *redis.Client) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testdb.RedisAddr(t)})
	prefix := "galvani_auth_test:" + session.NewKey()[:8] + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return New(rdb, prefix, limit, window), rdb
}

func TestThrottle(t *testing.T) {
	ctx := context.Background()
	th, rdb := newThrottle(t, 3, time.Minute)
	key := "login:user:" + strings.Repeat("ü", 500) // long and non-ASCII: hashed
	for i := 0; i < 3; i++ {
		if w, err := th.Attempt(ctx, key); err != nil || w != 0 {
			t.Fatalf("attempt %d: wait %v %v", i, w, err)
		}
	}
	w, err := th.Attempt(ctx, key)
	if err != nil || w <= 0 || w > time.Minute {
		t.Fatalf("after the limit: wait %v %v", w, err)
	}
	if w, _ := th.Attempt(ctx, "login:user:other"); w != 0 {
		t.Fatal("another key is throttled")
	}
	// A second server sharing Redis sees the same count.
	other := New(rdb, th.prefix, 3, time.Minute)
	if w, _ := other.Attempt(ctx, key); w <= 0 {
		t.Fatal("the count is not shared")
	}
	// A released attempt is given back, once.
	if err := th.Release(ctx, key); err != nil {
		t.Fatal(err)
	}
	if w, _ := other.Attempt(ctx, key); w != 0 {
		t.Fatal("Release did not give the attempt back")
	}
	if w, _ := other.Attempt(ctx, key); w <= 0 {
		t.Fatal("Release gave back more than one attempt")
	}
	if err := th.Reset(ctx, key); err != nil {
		t.Fatal(err)
	}
	if w, _ := other.Attempt(ctx, key); w != 0 {
		t.Fatal("Reset did not clear the count")
	}
	// Releasing a key with no count leaves nothing behind.
	if err := th.Release(ctx, "login:addr:none"); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.Exists(ctx, th.key("login:addr:none")).Result(); n != 0 {
		t.Fatal("Release created a counter")
	}
	// The window expires in Redis.
	short, _ := newThrottle(t, 1, 50*time.Millisecond)
	short.Attempt(ctx, "k")
	if w, _ := short.Attempt(ctx, "k"); w <= 0 {
		t.Fatal("not throttled")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if w, _ := short.Attempt(ctx, "k"); w == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the window never ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Parallel attempts from several servers sharing Redis: exactly Limit go ahead.
func TestThrottleReservesAtomically(t *testing.T) {
	ctx := context.Background()
	th, rdb := newThrottle(t, 5, time.Minute)
	servers := []*Throttle{th, New(rdb, th.prefix, 5, time.Minute), New(rdb, th.prefix, 5, time.Minute)}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			w, err := servers[i%len(servers)].Attempt(ctx, "login:user:7")
			if err != nil {
				t.Error(err)
			}
			if w == 0 {
				allowed.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := allowed.Load(); n != 5 {
		t.Fatalf("%d of 40 parallel attempts went ahead, limit 5", n)
	}
}

// TestRedisDownFailsClosed: with Redis unreachable every operation fails with an
// *UnavailableError, which a handler turns into a 503 with Retry-After (the login
// view then checks no password) rather than a 500; a caller's own cancellation
// stays a plain error.
func TestRedisDownFailsClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more: connection refused
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	th := New(rdb, "", 5, time.Minute)
	ctx := context.Background()
	_, err = th.Attempt(ctx, "login:user:1")
	for name, err := range map[string]error{"Attempt": err, "Release": th.Release(ctx, "k"), "Reset": th.Reset(ctx, "k")} {
		var ue *UnavailableError
		if !errors.As(err, &ue) || galvani.StatusOf(err) != http.StatusServiceUnavailable || !strings.Contains(err.Error(), "refused") {
			t.Errorf("%s: %v (%T, status %d); want an *UnavailableError, 503", name, err, err, galvani.StatusOf(err))
		}
	}

	app := galvani.New(galvani.Settings{})
	app.Get("/login/", func(c *galvani.Ctx) error {
		if _, err := th.Attempt(c.Context(), "login:user:1"); err != nil {
			return err
		}
		return c.Text(200, "password checked")
	})
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/login/", nil))
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "5" || strings.Contains(rec.Body.String(), "checked") {
		t.Errorf("login with Redis down: %d %v %q; want 503 with Retry-After: 5", rec.Code, rec.Header(), rec.Body)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = th.Attempt(cctx, "login:user:1")
	if ue := (*UnavailableError)(nil); errors.As(err, &ue) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v; want context.Canceled, not unavailable", err)
	}
}
