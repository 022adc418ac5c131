package cache_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/cache/cachetest"
	"github.com/galvani-web/galvani/internal/testdb"
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
