package cache_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/cache/cachetest"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/redis/go-redis/v9"
)

func randomPrefix(t testing.TB) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "gt" + hex.EncodeToString(b)
}

func TestLRUBehaviour(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) *cache.Cache {
		return cache.New(cache.NewLRU(cache.LRUOptions{}), cache.Options{KeyPrefix: randomPrefix(t)})
	}, cachetest.Caps{})
}

func TestRedisBehaviour(t *testing.T) {
	addr := testdb.RedisAddr(t)
	cachetest.Run(t, func(t *testing.T) *cache.Cache {
		c, err := cache.Open(context.Background(), "redis://"+addr+"/0?key_prefix="+randomPrefix(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Clear(context.Background()); c.Close() })
		return c
	}, cachetest.Caps{Shared: true})
}

func TestMemcachedBehaviour(t *testing.T) {
	addr := testdb.MemcachedAddr(t)
	cachetest.Run(t, func(t *testing.T) *cache.Cache {
		c, err := cache.Open(context.Background(), "memcached://"+addr+"?key_prefix="+randomPrefix(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}, cachetest.Caps{Shared: true, UnsignedCounters: true, ClearsEverything: true})
}

// With Redis unreachable, GetOrSet degrades to no cache: every call computes the
// value and returns it without an error, and the failure is logged as a warning.
// The plain Get still reports the error, for callers that want to know.
func TestGetOrSetBackendDown(t *testing.T) {
	var logs bytes.Buffer
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	c := cache.New(cache.NewRedis(rdb, ""), cache.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()
	calls := 0
	for range 2 {
		v, err := c.GetOrSet(ctx, "front-page", time.Minute, func(context.Context) ([]byte, error) {
			calls++
			return []byte("computed"), nil
		})
		if err != nil || string(v) != "computed" {
			t.Fatalf("GetOrSet with Redis down = %q, %v; want the computed value and no error", v, err)
		}
	}
	if calls != 2 {
		t.Errorf("computed %d times, want 2 (nothing can be cached)", calls)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("no warning with the cause:\n%s", logs.String())
	}
	if _, _, err := c.Get(ctx, "front-page"); err == nil {
		t.Error("Get hides the backend's failure")
	}
}
