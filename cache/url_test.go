package cache_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
)

func TestParseURL(t *testing.T) {
	u, err := cache.ParseURL("redis://:secret@cache.internal:6380/2?timeout=90&key_prefix=site1&version=3&lock_timeout=2s&pool_size=5")
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "redis" || u.Location != ":secret@cache.internal:6380" || u.Path != "/2" ||
		u.Options.Timeout != 90*time.Second || u.Options.KeyPrefix != "site1" || u.Options.Version != 3 ||
		u.Options.LockTimeout != 2*time.Second || u.Params.Get("pool_size") != "5" || len(u.Params) != 1 {
		t.Fatalf("%+v", u)
	}
	if u, err := cache.ParseURL("locmem://?timeout=none"); err != nil || u.Options.Timeout != cache.Forever {
		t.Fatalf("timeout=none: %+v %v", u, err)
	}
	for _, bad := range []string{
		"", "locmem", "://x", "nosuch://", "db://t", // db:// needs cache/dbcache imported
		"locmem://?timeout=0", "locmem://?timeout=-5", "locmem://?timeout=soon", "locmem://?timeout=1&timeout=2",
		"locmem://?version=0", "locmem://?version=x", "locmem://?key_prefix=a%20b", "locmem://?key_prefix=" + strings.Repeat("p", 101),
		"locmem://?lock_timeout=0", "locmem://?%zz", "locmem://\x00", "locmem://?timeout=" + strings.Repeat("9", 100),
		"redis://" + strings.Repeat("h", 5000),
	} {
		if _, err := cache.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted it", bad)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	for _, good := range []string{"locmem://", "memory://", "locmem://?max_bytes=10MiB&max_entries=100", "dummy://",
		"memcached://127.0.0.1:11211,127.0.0.1:11212", "memcached://localhost", "memcached:///run/memcached.sock",
		"redis://localhost:6379/0?dial_timeout=1s", "rediss://localhost/1", "unix:///run/redis.sock"} {
		c, err := cache.Open(ctx, good)
		if err != nil {
			t.Errorf("Open(%q): %v", good, err)
			continue
		}
		c.Close()
	}
	for _, bad := range []string{"locmem://?max_bytes=lots", "locmem://?max_entries=-1", "locmem:///path", "locmem://?unknown=1",
		"memcached://", "memcached://a:1,,b:2", "memcached://h/path", "memcached://h?item_size=10", "memcached://h?item_size=2GiB",
		"memcached://no-such-host.invalid:11211", "redis://localhost/0?unknown_option=1", "redis://localhost/notadb", "dummy://?x=1"} {
		if c, err := cache.Open(ctx, bad); err == nil {
			c.Close()
			t.Errorf("Open(%q) accepted it", bad)
		}
	}
	// The password never shows in an error.
	if _, err := cache.Open(ctx, "redis://:hunter2@localhost/0?bogus=1"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestOpenAllFromSettings(t *testing.T) {
	var s galvani.Settings
	if err := s.ApplyEnv([]string{"CACHE_URL=locmem://?key_prefix=site", "CACHE_URL_SESSIONS=dummy://"}); err != nil {
		t.Fatal(err)
	}
	cs, err := cache.OpenAll(context.Background(), &s)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if got := strings.Join(cs.Names(), ","); got != "default,sessions" {
		t.Fatalf("caches %s", got)
	}
	if cs.Default().KeyPrefix() != "site" {
		t.Errorf("default prefix %q", cs.Default().KeyPrefix())
	}
	if _, err := cs.Get("nope"); err == nil {
		t.Error("Get of an unknown cache")
	}
	s.Caches = map[string]string{"broken": "nosuch://"}
	if _, err := cache.OpenAll(context.Background(), &s); err == nil || !strings.Contains(err.Error(), `"broken"`) {
		t.Errorf("OpenAll with a bad URL: %v", err)
	}
}

func TestLRUBound(t *testing.T) {
	ctx := context.Background()
	lru := cache.NewLRU(cache.LRUOptions{MaxBytes: 10 << 10})
	c := cache.New(lru, cache.Options{})
	v := make([]byte, 1000)
	for i := 0; i < 100; i++ {
		if err := c.Set(ctx, "k"+string(rune('a'+i%26))+string(rune('a'+i/26)), v, 0); err != nil {
			t.Fatal(err)
		}
		if lru.Bytes() > 10<<10 {
			t.Fatalf("the LRU holds %d bytes, over its 10KiB bound", lru.Bytes())
		}
	}
	// The most recently used entries survive; touching one keeps it.
	c.Set(ctx, "keep", v, 0)
	for i := 0; i < 20; i++ {
		c.Get(ctx, "keep")
		c.Set(ctx, "new"+string(rune('a'+i)), v, 0)
	}
	if ok, _ := c.Has(ctx, "keep"); !ok {
		t.Error("a recently used entry was evicted")
	}
	if err := c.Set(ctx, "huge", make([]byte, 20<<10), 0); !errors.Is(err, cache.ErrTooLarge) {
		t.Errorf("a value over the bound: %v", err)
	}
	byCount := cache.NewLRU(cache.LRUOptions{MaxEntries: 3})
	for _, k := range []string{"a", "b", "c", "d"} {
		byCount.Set(ctx, k, []byte("x"), 0)
	}
	if byCount.Len() != 3 {
		t.Errorf("max_entries=3 holds %d", byCount.Len())
	}
}

func TestTimeouts(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	c := cache.New(cache.NewLRU(cache.LRUOptions{Now: func() time.Time { return now }}), cache.Options{Timeout: time.Minute})
	c.Set(ctx, "default", []byte("x"), 0)
	c.Set(ctx, "forever", []byte("x"), cache.Forever)
	now = now.Add(61 * time.Second)
	if ok, _ := c.Has(ctx, "default"); ok {
		t.Error("ttl 0 did not use the cache's one-minute timeout")
	}
	if ok, _ := c.Has(ctx, "forever"); !ok {
		t.Error("Forever expired")
	}
	if c.Timeout() != time.Minute || cache.New(cache.Dummy{}, cache.Options{}).Timeout() != cache.DefaultTimeout {
		t.Error("Timeout()")
	}
}
