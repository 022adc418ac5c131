package redisthrottle_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/rest/redisthrottle"
	"github.com/redis/go-redis/v9"
)

// newStore returns a store under a random prefix, and a client for a second one
// (another server of the deployment); the keys are deleted afterwards.
func newStore(t *testing.T) (*redisthrottle.Store, func() *redisthrottle.Store) {
	t.Helper()
	addr := testdb.RedisAddr(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "galvani_rest_test:" + hex.EncodeToString(b) + ":"
	var clients []*redis.Client
	open := func() *redisthrottle.Store {
		c := redis.NewClient(&redis.Options{Addr: addr})
		clients = append(clients, c)
		return redisthrottle.New(c, prefix)
	}
	s := open()
	t.Cleanup(func() {
		ctx := context.Background()
		if keys, _ := clients[0].Keys(ctx, prefix+"*").Result(); len(keys) > 0 {
			clients[0].Del(ctx, keys...)
		}
		for _, c := range clients {
			c.Close()
		}
	})
	return s, open
}

// The same sliding window as MemoryStore.
func TestSlidingWindow(t *testing.T) {
	s, open := newStore(t)
	ctx := context.Background()
	t0 := time.Unix(1_800_000_000, 0)
	for i := 0; i < 3; i++ {
		if ok, _, err := s.Hit(ctx, "k", 3, time.Minute, t0.Add(time.Duration(i)*10*time.Second)); !ok || err != nil {
			t.Fatalf("hit %d refused: %v", i, err)
		}
	}
	ok, wait, err := s.Hit(ctx, "k", 3, time.Minute, t0.Add(30*time.Second))
	if ok || wait != 30*time.Second || err != nil {
		t.Fatalf("4th hit: ok=%v wait=%v err=%v", ok, wait, err)
	}
	// Another server sees the same count.
	if ok, _, _ := open().Hit(ctx, "k", 3, time.Minute, t0.Add(31*time.Second)); ok {
		t.Fatal("the count is not shared")
	}
	if ok, _, _ := s.Hit(ctx, "other", 3, time.Minute, t0); !ok {
		t.Fatal("another key is throttled")
	}
	if ok, _, _ := s.Hit(ctx, "k", 3, time.Minute, t0.Add(60*time.Second)); !ok {
		t.Fatal("after the first hit left the window, a hit is allowed")
	}
}

// Parallel requests from two servers cannot exceed the rate together.
func TestParallelHitsCannotExceedRate(t *testing.T) {
	s, open := newStore(t)
	servers := []*redisthrottle.Store{s, open()}
	const limit, tries = 10, 80
	var allowed atomic.Int32
	var wg sync.WaitGroup
	now := time.Now()
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, _, err := servers[i%2].Hit(context.Background(), "burst", limit, time.Hour, now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			}
		}(i)
	}
	wg.Wait()
	if n := allowed.Load(); n != limit {
		t.Fatalf("%d of %d parallel hits allowed, want exactly %d", n, tries, limit)
	}
}

// Through the API: two app servers sharing the store answer 429 together.
func TestAPIThrottledAcrossServers(t *testing.T) {
	s, open := newStore(t)
	newServer := func(store *redisthrottle.Store) http.Handler {
		api := rest.New(rest.Config{Throttles: []rest.Throttle{rest.AnonRate("3/hour").WithStore(store)}})
		type out struct {
			OK bool `json:"ok"`
		}
		api.Get("/ping/", rest.Handle(func(*rest.Request, *struct{}) (*out, error) { return &out{OK: true}, nil }))
		return api.Handler("/api", galvani.Settings{SecretKey: "redisthrottle-tests-secret-key-0123456789abcdef"})
	}
	a, b := newServer(s), newServer(open())
	var codes []int
	for i := 0; i < 4; i++ {
		h := a
		if i%2 == 1 {
			h = b
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/ping/", nil)
		req.Header.Set("Accept", "application/json")
		h.ServeHTTP(rec, req)
		codes = append(codes, rec.Code)
		if rec.Code == 429 && rec.Header().Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 200 || codes[3] != 429 {
		t.Fatalf("statuses %v, want three 200 and a 429", codes)
	}
}

// A broken connection is an error (a 500 the core logs), not a silent pass.
func TestUnreachable(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	_, _, err := redisthrottle.New(c, "").Hit(context.Background(), "k", 1, time.Minute, time.Now())
	var ue *redisthrottle.UnavailableError
	if !errors.As(err, &ue) || galvani.StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("without Redis: %v (%T, status %d); want an *UnavailableError, 503", err, err, galvani.StatusOf(err))
	}
	// Through an API: a 503 with Retry-After, not a 500.
	api := rest.New(rest.Config{Throttles: []rest.Throttle{rest.AnonRate("100/min").WithStore(redisthrottle.New(c, ""))}})
	api.Get("/ping/", rest.Handle(func(*rest.Request, *struct{}) (*struct{}, error) { return &struct{}{}, nil }))
	h := api.Handler("/api", galvani.Settings{SecretKey: "redisthrottle-tests-secret-key-0123456789abcdef"})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/ping/", nil)
	req.Header.Set("Accept", "application/json")
	h.ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "5" {
		t.Errorf("API with Redis down: %d %v %q; want 503 with Retry-After: 5", rec.Code, rec.Header(), rec.Body)
	}
}
