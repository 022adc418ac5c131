package cache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/galvani-web/galvani/cache"
)

func Example() {
	ctx := context.Background()
	c, err := cache.Open(ctx, "locmem://?timeout=5m&key_prefix=site")
	if err != nil {
		panic(err)
	}
	defer c.Close()

	c.Set(ctx, "greeting", []byte("hello"), time.Minute)
	v, ok, _ := c.Get(ctx, "greeting")
	fmt.Println(string(v), ok)

	added, _ := c.Add(ctx, "greeting", []byte("again"), 0) // only when absent
	fmt.Println(added)

	c.Set(ctx, "hits", []byte("0"), cache.Forever)
	n, _ := c.Incr(ctx, "hits", 5)
	fmt.Println(n)
	// Output:
	// hello true
	// false
	// 5
}

func ExampleOf() {
	ctx := context.Background()
	c, _ := cache.Open(ctx, "locmem://")
	type Profile struct{ Name string }
	profiles := cache.Of[Profile](c)

	load := func(context.Context) (Profile, error) {
		fmt.Println("loading")
		return Profile{Name: "Ada"}, nil
	}
	p, _ := profiles.GetOrSet(ctx, "profile:1", time.Minute, load)
	p, _ = profiles.GetOrSet(ctx, "profile:1", time.Minute, load) // from the cache
	fmt.Println(p.Name)
	// Output:
	// loading
	// Ada
}

func ExampleCache_WithVersion() {
	ctx := context.Background()
	c, _ := cache.Open(ctx, "locmem://")
	c.Set(ctx, "menu", []byte("v1 menu"), 0)
	_, ok, _ := c.WithVersion(2).Get(ctx, "menu")
	fmt.Println(ok)
	c.IncrVersion(ctx, "menu", 1) // readers of version 1 now miss
	v, _, _ := c.WithVersion(2).Get(ctx, "menu")
	fmt.Println(string(v))
	// Output:
	// false
	// v1 menu
}
