package redisthrottle

import (
	"context"
	"strings"
	"testing"
	"time"

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
		if w, err := th.Wait(ctx, key); err != nil || w != 0 {
			t.Fatalf("attempt %d: wait %v %v", i, w, err)
		}
		if err := th.Fail(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	w, err := th.Wait(ctx, key)
	if err != nil || w <= 0 || w > time.Minute {
		t.Fatalf("after the limit: wait %v %v", w, err)
	}
	if w, _ := th.Wait(ctx, "login:user:other"); w != 0 {
		t.Fatal("another key is throttled")
	}
	// A second server sharing Redis sees the same count.
	other := New(rdb, th.prefix, 3, time.Minute)
	if w, _ := other.Wait(ctx, key); w <= 0 {
		t.Fatal("the count is not shared")
	}
	if err := th.Reset(ctx, key); err != nil {
		t.Fatal(err)
	}
	if w, _ := other.Wait(ctx, key); w != 0 {
		t.Fatal("Reset did not clear the count")
	}
	// The window expires in Redis.
	short, _ := newThrottle(t, 1, 50*time.Millisecond)
	short.Fail(ctx, "k")
	if w, _ := short.Wait(ctx, "k"); w <= 0 {
		t.Fatal("not throttled")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if w, _ := short.Wait(ctx, "k"); w == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the window never ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
