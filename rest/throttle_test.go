package rest_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/rest"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestThrottles(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	store := rest.NewMemoryStore()
	anon := rest.AnonRate("2/min").WithStore(store)
	anon.Now = clock.Now
	user := rest.UserRate("3/min").WithStore(store)
	user.Now = clock.Now
	scoped := rest.ScopedRate("uploads", "1/hour").WithStore(store)
	scoped.Now = clock.Now
	e := newEnv(t, rest.Config{Authentication: []rest.Authenticator{rest.BasicAuth{}}, Throttles: []rest.Throttle{anon, user}}, func(api *rest.API) {
		api.Register("posts", &rest.ViewSet[Post]{Serializer: postSerializer()})
		api.Register("uploads", &rest.ViewSet[Post]{Name: "upload", Serializer: postSerializer(), ThrottleScope: "uploads", Throttles: []rest.Throttle{scoped}})
	})
	e.seed(1)
	get := func(opts ...galvanitest.Option) *galvanitest.Response {
		return e.c.Get("/api/posts/1/", append(opts, jsonHeader())...)
	}
	get().AssertStatus(200)
	get().AssertStatus(200)
	get().AssertStatus(429).AssertHeader("Retry-After", "60").AssertJSON(`{"detail":"Request was throttled. Expected available in 60 seconds."}`)
	clock.Add(30 * time.Second)
	get().AssertStatus(429).AssertHeader("Retry-After", "30")
	// Another client address has its own count.
	get(galvanitest.RemoteAddr("192.0.2.99:1")).AssertStatus(200)
	clock.Add(31 * time.Second)
	get().AssertStatus(200)
	// Users are counted by ID, with their own rate.
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth("ann", "ann-password-1")
	as := galvanitest.Header("Authorization", r.Header.Get("Authorization"))
	for i := 0; i < 3; i++ {
		get(as).AssertStatus(200)
	}
	get(as).AssertStatus(429)
	// A scoped view has its own rate.
	e.c.Get("/api/uploads/1/", jsonHeader()).AssertStatus(200)
	e.c.Get("/api/uploads/1/", jsonHeader()).AssertStatus(429).AssertHeader("Retry-After", "3600")
}

func TestMemoryStoreSlidingWindow(t *testing.T) {
	s := rest.NewMemoryStore()
	t0 := time.Unix(1000, 0)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if ok, _, _ := s.Hit(ctx, "k", 3, time.Minute, t0.Add(time.Duration(i)*10*time.Second)); !ok {
			t.Fatalf("hit %d refused", i)
		}
	}
	ok, wait, _ := s.Hit(ctx, "k", 3, time.Minute, t0.Add(30*time.Second))
	if ok || wait != 30*time.Second {
		t.Fatalf("4th hit: ok=%v wait=%v", ok, wait)
	}
	if ok, _, _ := s.Hit(ctx, "k", 3, time.Minute, t0.Add(60*time.Second)); !ok {
		t.Fatal("after the first hit left the window, a hit is allowed")
	}
}

func TestParseRate(t *testing.T) {
	for s, want := range map[string]rest.Rate{"100/min": {100, time.Minute}, "5/second": {5, time.Second}, "10/5m": {10, 5 * time.Minute}, "1000/day": {1000, 24 * time.Hour}} {
		got, err := rest.ParseRate(s)
		if err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "x/min", "0/min", "5/fortnight", "5"} {
		if _, err := rest.ParseRate(s); err == nil {
			t.Errorf("ParseRate(%q) accepted", s)
		}
	}
}
