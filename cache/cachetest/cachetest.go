// Package cachetest is the behaviour suite every cache backend passes: the same
// tests run against the in-process LRU, Redis, memcached and the database tables
// of cache/dbcache, and against any backend a project writes.
//
//	func TestMyBackend(t *testing.T) {
//		cachetest.Run(t, func(t *testing.T) *cache.Cache { return cache.New(newMine(t), cache.Options{KeyPrefix: "t"}) }, cachetest.Caps{Shared: true})
//	}
package cachetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani/cache"
)

// Caps says what a backend can do beyond the common behaviour.
type Caps struct {
	// Shared backends are seen by every process: two Caches opened on them
	// separately (as two servers would) share values, locks and counters.
	Shared bool
	// UnsignedCounters backends (memcached) keep counters in 0..2^64-1: a
	// decrement stops at zero.
	UnsignedCounters bool
	// ClearsEverything backends (memcached) clear the whole server, not only the
	// cache's prefix, so the suite checks prefix isolation of Clear only elsewhere.
	ClearsEverything bool
}

// Open returns a cache on the backend under test, with a key prefix of its own
// (so tests on a shared server do not see each other's keys). Called more than
// once per test when Caps.Shared, to get separate clients.
type Open func(t *testing.T) *cache.Cache

// Run runs the behaviour suite.
func Run(t *testing.T, open Open, caps Caps) {
	ctx := context.Background()
	t.Run("expiry", func(t *testing.T) {
		t.Parallel() // it sleeps; the rest runs meanwhile
		testExpiry(t, ctx, open(t))
	})
	t.Run("get set", func(t *testing.T) {
		c := open(t)
		if _, ok, err := c.Get(ctx, "missing"); ok || err != nil {
			t.Fatalf("Get(missing) = %v, %v", ok, err)
		}
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		for _, v := range [][]byte{[]byte("hello"), {}, all, bytes.Repeat([]byte("x"), 512<<10)} {
			if err := c.Set(ctx, "k", v, 0); err != nil {
				t.Fatalf("Set %d bytes: %v", len(v), err)
			}
			got, ok, err := c.Get(ctx, "k")
			if err != nil || !ok || !bytes.Equal(got, v) {
				t.Fatalf("Get after Set of %d bytes: %d bytes, %v, %v", len(v), len(got), ok, err)
			}
		}
		if ok, _ := c.Has(ctx, "k"); !ok {
			t.Error("Has = false after Set")
		}
		// A negative TTL (other than Forever) deletes, as Django's timeout=0 does.
		if err := c.Set(ctx, "k", []byte("x"), -time.Second); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := c.Get(ctx, "k"); ok {
			t.Error("Set with a negative TTL kept the value")
		}
		if err := c.Set(ctx, "unicode:ключ:鍵", []byte("v"), 0); err != nil {
			t.Errorf("a UTF-8 key: %v", err)
		} else if v, ok, _ := c.Get(ctx, "unicode:ключ:鍵"); !ok || string(v) != "v" {
			t.Error("a UTF-8 key does not round-trip")
		}
	})
	t.Run("add replace delete", func(t *testing.T) {
		c := open(t)
		if ok, err := c.Add(ctx, "a", []byte("1"), 0); !ok || err != nil {
			t.Fatalf("Add(new) = %v, %v", ok, err)
		}
		if ok, err := c.Add(ctx, "a", []byte("2"), 0); ok || err != nil {
			t.Fatalf("Add(existing) = %v, %v", ok, err)
		}
		if v, _, _ := c.Get(ctx, "a"); string(v) != "1" {
			t.Fatalf("Add overwrote: %q", v)
		}
		if ok, err := c.Replace(ctx, "b", []byte("x"), 0); ok || err != nil {
			t.Fatalf("Replace(missing) = %v, %v", ok, err)
		}
		if _, ok, _ := c.Get(ctx, "b"); ok {
			t.Fatal("Replace of a missing key stored it")
		}
		if ok, err := c.Replace(ctx, "a", []byte("3"), 0); !ok || err != nil {
			t.Fatalf("Replace(existing) = %v, %v", ok, err)
		}
		if v, _, _ := c.Get(ctx, "a"); string(v) != "3" {
			t.Fatalf("after Replace: %q", v)
		}
		if ok, err := c.Delete(ctx, "a"); !ok || err != nil {
			t.Fatalf("Delete(existing) = %v, %v", ok, err)
		}
		if ok, err := c.Delete(ctx, "a"); ok || err != nil {
			t.Fatalf("Delete(missing) = %v, %v", ok, err)
		}
	})
	t.Run("many", func(t *testing.T) {
		c := open(t)
		items := map[string][]byte{"m1": []byte("one"), "m2": []byte("two"), "m3": []byte("three")}
		if err := c.SetMany(ctx, items, 0); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetMany(ctx, []string{"m1", "m2", "m3", "nope"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || string(got["m1"]) != "one" || string(got["m3"]) != "three" {
			t.Fatalf("GetMany = %q", got)
		}
		if got, err := c.GetMany(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("GetMany(nil) = %v, %v", got, err)
		}
		if err := c.DeleteMany(ctx, []string{"m1", "m2", "nope"}); err != nil {
			t.Fatal(err)
		}
		got, _ = c.GetMany(ctx, []string{"m1", "m2", "m3"})
		if len(got) != 1 || string(got["m3"]) != "three" {
			t.Fatalf("after DeleteMany: %q", got)
		}
	})
	t.Run("incr decr", func(t *testing.T) {
		c := open(t)
		if _, err := c.Incr(ctx, "n", 1); !errors.Is(err, cache.ErrNotFound) {
			t.Fatalf("Incr(missing) = %v, want ErrNotFound", err)
		}
		c.Set(ctx, "n", []byte("41"), 0)
		if n, err := c.Incr(ctx, "n", 1); n != 42 || err != nil {
			t.Fatalf("Incr = %d, %v", n, err)
		}
		if n, err := c.Incr(ctx, "n", 10); n != 52 || err != nil {
			t.Fatalf("Incr 10 = %d, %v", n, err)
		}
		if n, err := c.Decr(ctx, "n", 2); n != 50 || err != nil {
			t.Fatalf("Decr = %d, %v", n, err)
		}
		if n, err := c.Incr(ctx, "n", -10); n != 40 || err != nil {
			t.Fatalf("Incr -10 = %d, %v", n, err)
		}
		if v, _, _ := cache.Of[int64](c).Get(ctx, "n"); v != 40 {
			t.Errorf("Of[int64].Get after Incr = %d", v)
		}
		if n, err := c.Decr(ctx, "n", 50); caps.UnsignedCounters {
			if n != 0 || err != nil {
				t.Errorf("Decr below zero on unsigned counters = %d, %v, want 0", n, err)
			}
		} else if n != -10 || err != nil {
			t.Errorf("Decr below zero = %d, %v, want -10", n, err)
		}
		c.Set(ctx, "s", []byte("not a number"), 0)
		if _, err := c.Incr(ctx, "s", 1); !errors.Is(err, cache.ErrNotInteger) {
			t.Errorf("Incr of text = %v, want ErrNotInteger", err)
		}
		if !caps.UnsignedCounters {
			c.Set(ctx, "big", []byte(fmt.Sprint(int64(math.MaxInt64))), 0)
			if _, err := c.Incr(ctx, "big", 1); !errors.Is(err, cache.ErrOverflow) {
				t.Errorf("Incr past MaxInt64 = %v, want ErrOverflow", err)
			}
		}
	})
	t.Run("concurrent incr loses nothing", func(t *testing.T) {
		clients := []*cache.Cache{open(t)}
		if caps.Shared {
			clients = append(clients, open(t).WithKeyPrefix(clients[0].KeyPrefix()))
		}
		if err := clients[0].Set(ctx, "counter", []byte("0"), 0); err != nil {
			t.Fatal(err)
		}
		const workers, each = 8, 40
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(c *cache.Cache) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if _, err := c.Incr(ctx, "counter", 1); err != nil {
						errs <- err
						return
					}
				}
			}(clients[w%len(clients)])
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		v, _, _ := clients[0].Get(ctx, "counter")
		if string(v) != fmt.Sprint(workers*each) {
			t.Fatalf("after %d concurrent increments the counter is %s", workers*each, v)
		}
	})
	t.Run("versions and prefixes", func(t *testing.T) {
		c := open(t)
		c.Set(ctx, "v", []byte("one"), 0)
		v2 := c.WithVersion(2)
		if _, ok, _ := v2.Get(ctx, "v"); ok {
			t.Fatal("version 2 sees version 1's value")
		}
		v2.Set(ctx, "v", []byte("two"), 0)
		if got, _, _ := c.Get(ctx, "v"); string(got) != "one" {
			t.Fatalf("version 1 = %q", got)
		}
		nv, err := c.IncrVersion(ctx, "v", 2)
		if err != nil || nv != 3 {
			t.Fatalf("IncrVersion = %d, %v", nv, err)
		}
		if _, ok, _ := c.Get(ctx, "v"); ok {
			t.Error("the old version still has the value after IncrVersion")
		}
		if got, _, _ := c.WithVersion(3).Get(ctx, "v"); string(got) != "one" {
			t.Errorf("version 3 = %q, want the moved value", got)
		}
		if _, err := c.IncrVersion(ctx, "absent", 1); !errors.Is(err, cache.ErrNotFound) {
			t.Errorf("IncrVersion(absent) = %v", err)
		}
		other := c.WithKeyPrefix(c.KeyPrefix() + "other")
		if _, ok, _ := other.Get(ctx, "v"); ok {
			t.Error("a cache with another prefix sees the value")
		}
	})
	t.Run("invalid keys", func(t *testing.T) {
		c := open(t)
		for _, k := range []string{"has space", "new\nline", "tab\t", "nul\x00", strings.Repeat("k", 300)} {
			if err := c.Set(ctx, k, []byte("x"), 0); !errors.Is(err, cache.ErrInvalidKey) {
				t.Errorf("Set(%q) = %v, want ErrInvalidKey", k, err)
			}
			if _, _, err := c.Get(ctx, k); !errors.Is(err, cache.ErrInvalidKey) {
				t.Errorf("Get(%q) = %v, want ErrInvalidKey", k, err)
			}
			if _, err := c.GetMany(ctx, []string{"ok", k}); !errors.Is(err, cache.ErrInvalidKey) {
				t.Errorf("GetMany(%q) = %v, want ErrInvalidKey", k, err)
			}
		}
	})
	t.Run("typed", func(t *testing.T) {
		c := open(t)
		type profile struct {
			Name string
			Tags []string
		}
		p := cache.Of[profile](c)
		if err := p.Set(ctx, "p", profile{"Ada", []string{"x"}}, 0); err != nil {
			t.Fatal(err)
		}
		got, ok, err := p.Get(ctx, "p")
		if err != nil || !ok || got.Name != "Ada" || len(got.Tags) != 1 {
			t.Fatalf("typed Get = %+v %v %v", got, ok, err)
		}
		c.Set(ctx, "bad", []byte("{not json"), 0)
		if _, ok, err := p.Get(ctx, "bad"); ok || err == nil {
			t.Error("a value that is not the type's JSON decoded")
		}
		many, err := p.GetMany(ctx, []string{"p", "none"})
		if err != nil || len(many) != 1 || many["p"].Name != "Ada" {
			t.Fatalf("typed GetMany = %+v %v", many, err)
		}
		s := cache.Of[string](c)
		s.Set(ctx, "s", "plain", 0)
		if raw, _, _ := c.Get(ctx, "s"); string(raw) != "plain" {
			t.Errorf("a string is stored as %q, want it as it is", raw)
		}
	})
	t.Run("get or set computes once", func(t *testing.T) {
		clients := []*cache.Cache{open(t)}
		if caps.Shared {
			clients = append(clients, open(t).WithKeyPrefix(clients[0].KeyPrefix()))
		}
		var calls atomic.Int32
		compute := func(ctx context.Context) ([]byte, error) {
			calls.Add(1)
			time.Sleep(150 * time.Millisecond)
			return []byte("computed"), nil
		}
		var wg sync.WaitGroup
		results := make(chan string, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(c *cache.Cache) {
				defer wg.Done()
				v, err := c.GetOrSet(ctx, "expensive", time.Minute, compute)
				if err != nil {
					results <- "error: " + err.Error()
					return
				}
				results <- string(v)
			}(clients[i%len(clients)])
		}
		wg.Wait()
		close(results)
		for r := range results {
			if r != "computed" {
				t.Fatalf("GetOrSet returned %q", r)
			}
		}
		if n := calls.Load(); n != 1 {
			t.Fatalf("the value was computed %d times by 20 concurrent GetOrSet calls, want once", n)
		}
		if _, err := clients[0].GetOrSet(ctx, "failing", 0, func(context.Context) ([]byte, error) {
			return nil, errors.New("boom")
		}); err == nil || err.Error() != "boom" {
			t.Errorf("GetOrSet with a failing fn = %v", err)
		}
		if _, ok, _ := clients[0].Get(ctx, "failing"); ok {
			t.Error("a failed computation stored something")
		}
		typed, err := cache.Of[[]int](clients[0]).GetOrSet(ctx, "list", 0, func(context.Context) ([]int, error) { return []int{1, 2}, nil })
		if err != nil || len(typed) != 2 {
			t.Errorf("typed GetOrSet = %v, %v", typed, err)
		}
	})
	t.Run("clear", func(t *testing.T) {
		c := open(t)
		c.Set(ctx, "c1", []byte("1"), 0)
		c.Set(ctx, "c2", []byte("2"), 0)
		var other *cache.Cache
		if caps.Shared && !caps.ClearsEverything {
			other = open(t)
			other.Set(ctx, "c1", []byte("kept"), 0)
		}
		if err := c.Clear(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.GetMany(ctx, []string{"c1", "c2"}); len(got) != 0 {
			t.Fatalf("after Clear: %q", got)
		}
		if other != nil {
			if v, _, _ := other.Get(ctx, "c1"); string(v) != "kept" {
				t.Errorf("Clear removed a key of a cache with another prefix: %q", v)
			}
		}
	})
}

// testExpiry checks TTLs with one wait: values set for a second are gone after
// two, Touch extends and Forever keeps, and Incr keeps a key's TTL.
func testExpiry(t *testing.T, ctx context.Context, c *cache.Cache) {
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Set(ctx, "short", []byte("x"), time.Second))
	must(c.Set(ctx, "long", []byte("x"), time.Hour))
	must(c.Set(ctx, "forever", []byte("x"), cache.Forever))
	must(c.Set(ctx, "touched", []byte("x"), time.Second))
	must(c.Set(ctx, "persisted", []byte("x"), time.Second))
	must(c.Set(ctx, "counter", []byte("1"), time.Second))
	ok, err := c.Add(ctx, "added", []byte("x"), time.Second)
	must(err)
	if !ok {
		t.Fatal("Add of a new key failed")
	}
	if ok, err := c.Touch(ctx, "touched", time.Hour); !ok || err != nil {
		t.Fatalf("Touch = %v, %v", ok, err)
	}
	if ok, err := c.Touch(ctx, "persisted", cache.Forever); !ok || err != nil {
		t.Fatalf("Touch(Forever) = %v, %v", ok, err)
	}
	if ok, err := c.Touch(ctx, "absent", time.Hour); ok || err != nil {
		t.Fatalf("Touch(absent) = %v, %v", ok, err)
	}
	if _, err := c.Incr(ctx, "counter", 5); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	for key, want := range map[string]bool{"short": false, "added": false, "counter": false,
		"long": true, "forever": true, "touched": true, "persisted": true} {
		if _, ok, err := c.Get(ctx, key); ok != want || err != nil {
			t.Errorf("after 2s, %s present = %v (%v), want %v", key, ok, err, want)
		}
	}
	if ok, _ := c.Add(ctx, "short", []byte("again"), 0); !ok {
		t.Error("Add over an expired value failed")
	}
	if _, err := c.Incr(ctx, "counter", 1); !errors.Is(err, cache.ErrNotFound) {
		t.Errorf("Incr of an expired counter = %v, want ErrNotFound", err)
	}
}
