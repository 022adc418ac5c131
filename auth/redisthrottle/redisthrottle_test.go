package redisthrottle

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
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
