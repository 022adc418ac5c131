package cache_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/session"
)

func newLRUCache() *cache.Cache {
	return cache.New(cache.NewLRU(cache.LRUOptions{}), cache.Options{})
}

// TestPageRules: what Page stores and what it refuses, one handler per rule.
func TestPageRules(t *testing.T) {
	c := newLRUCache()
	var calls atomic.Int32
	app := galvani.New(galvani.Settings{Debug: true})
	app.Logger = slog.New(slog.DiscardHandler)
	page := cache.Page(cache.PageOptions{Cache: c, TTL: time.Minute})
	handler := func(prepare func(c *galvani.Ctx)) galvani.HandlerFunc {
		return page(func(ctx *galvani.Ctx) error {
			n := calls.Add(1)
			if prepare != nil {
				prepare(ctx)
			}
			return ctx.Text(http.StatusOK, fmt.Sprint("call ", n))
		})
	}
	app.Get("/plain/", handler(nil))
	app.Post("/plain/", handler(nil))
	app.Get("/cookie/", handler(func(c *galvani.Ctx) { c.SetCookie(&http.Cookie{Name: "x", Value: "1"}) }))
	app.Get("/private/", handler(func(c *galvani.Ctx) { c.SetHeader("Cache-Control", "private") }))
	app.Get("/nostore/", handler(func(c *galvani.Ctx) { c.SetHeader("Cache-Control", "no-store") }))
	app.Get("/maxage0/", handler(func(c *galvani.Ctx) { c.SetHeader("Cache-Control", "max-age=0") }))
	app.Get("/public/", handler(func(c *galvani.Ctx) { c.SetHeader("Cache-Control", "public") }))
	app.Get("/varystar/", handler(func(c *galvani.Ctx) { c.SetHeader("Vary", "*") }))
	app.Get("/lang/", handler(func(c *galvani.Ctx) { c.SetHeader("Vary", "Accept-Language") }))
	app.Get("/notfound/", page(func(c *galvani.Ctx) error { return galvani.Error(404, fmt.Sprint("call ", calls.Add(1))) }))
	app.Get("/stream/", page(func(c *galvani.Ctx) error {
		n := calls.Add(1)
		return c.Stream(200, "text/plain", func(w io.Writer) error {
			fmt.Fprint(w, "call ", n)
			return nil
		})
	}))
	cl := galvanitest.New(t, app)
	get := func(path string, opts ...galvanitest.Option) string {
		t.Helper()
		return cl.Get(path, opts...).Body()
	}
	cases := []struct {
		path   string
		cached bool
	}{
		{"/plain/", true}, {"/cookie/", false}, {"/private/", false}, {"/nostore/", false},
		{"/maxage0/", false}, {"/public/", true}, {"/varystar/", false}, {"/notfound/", false},
	}
	for _, tc := range cases {
		first, second := get(tc.path), get(tc.path)
		if (first == second) != tc.cached {
			t.Errorf("%s: first %q, second %q; cached = %v, want %v", tc.path, first, second, first == second, tc.cached)
		}
	}
	if first := get("/plain/"); cl.Post("/plain/", "text/plain", nil).Body() == first {
		t.Error("a POST was answered from the cache")
	}
	r := cl.Get("/plain/")
	if cc := r.Header.Get("Cache-Control"); cc != "max-age=60" || r.Header.Get("Expires") == "" {
		t.Errorf("a cached page has Cache-Control %q, Expires %q", cc, r.Header.Get("Expires"))
	}
	if h := cl.Head("/plain/"); h.StatusCode != 200 || h.Body() != "" {
		t.Errorf("HEAD: %d %q", h.StatusCode, h.Body())
	}
	// Vary: a page per Accept-Language value.
	fr := get("/lang/", galvanitest.Header("Accept-Language", "fr"))
	de := get("/lang/", galvanitest.Header("Accept-Language", "de"))
	if fr == de || get("/lang/", galvanitest.Header("Accept-Language", "fr")) != fr {
		t.Errorf("Vary: Accept-Language: fr %q, de %q", fr, de)
	}
	// Authorization: not shared unless the response says public.
	if a, b := get("/plain/", galvanitest.Header("Authorization", "Bearer x")), get("/plain/", galvanitest.Header("Authorization", "Bearer y")); a == b {
		t.Errorf("pages answered to Authorization requests were shared: %q", a)
	}
	if a := get("/public/", galvanitest.Header("Authorization", "Bearer x")); a != get("/public/") {
		t.Errorf("a public page was not served from the cache to an authorised request")
	}
	// A streamed (flushed) response goes out as it is made and is not stored.
	if a, b := get("/stream/"), get("/stream/"); a == b {
		t.Errorf("a streamed response was cached: %q", a)
	}
}

// TestPrivatePagesStayPrivate: a cached page that shows the logged-in user's name
// is kept per session: no visitor is ever served another visitor's page, whether
// the cache is the per-view decorator or the site-wide middleware (inside or
// outside the session middleware).
func TestPrivatePagesStayPrivate(t *testing.T) {
	for _, layout := range []string{"decorator", "middleware inside session", "middleware outside session"} {
		t.Run(layout, func(t *testing.T) {
			c := newLRUCache()
			sessions, err := session.New(session.Config{Store: session.NewMemoryStore(), Insecure: true})
			if err != nil {
				t.Fatal(err)
			}
			settings := galvani.Settings{Debug: true}
			app := galvani.New(settings)
			mw := cache.Middleware(&app.Settings, cache.PageOptions{Cache: c, TTL: time.Minute})
			switch layout {
			case "middleware outside session":
				app.Use(mw, sessions.Handler)
			case "middleware inside session":
				app.Use(sessions.Handler, mw)
			default:
				app.Use(sessions.Handler)
			}
			var renders atomic.Int32
			profile := func(c *galvani.Ctx) error {
				renders.Add(1)
				name, _ := session.Value[string](session.From(c.Request), "user")
				if name == "" {
					name = "anonymous"
				}
				return c.Text(200, "Hello, "+name)
			}
			if layout == "decorator" {
				app.Get("/profile/", cache.Page(cache.PageOptions{Cache: c, TTL: time.Minute})(profile))
			} else {
				app.Get("/profile/", profile)
			}
			app.Post("/login/{name}/", func(c *galvani.Ctx) error {
				session.From(c.Request).Set("user", c.Param("name"))
				return c.NoContent(204)
			})
			anon := galvanitest.New(t, app)
			alice := galvanitest.New(t, app)
			bob := galvanitest.New(t, app)
			alice.Post("/login/alice/", "", nil).AssertStatus(204)
			bob.Post("/login/bob/", "", nil).AssertStatus(204)
			for round := 0; round < 3; round++ {
				for who, cl := range map[string]*galvanitest.Client{"alice": alice, "bob": bob, "anonymous": anon} {
					if body := cl.Get("/profile/").Body(); body != "Hello, "+who {
						t.Fatalf("round %d: %s was served %q", round, who, body)
					}
				}
			}
			if n := renders.Load(); n != 3 {
				t.Errorf("%d renders for 3 visitors over 3 rounds, want 3 (one per visitor, then the cache)", n)
			}
			if cc := alice.Get("/profile/").Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
				t.Errorf("a page varying on Cookie has Cache-Control %q, want private", cc)
			}
		})
	}
}

func TestPageTTLFollowsMaxAge(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	lru := cache.NewLRU(cache.LRUOptions{Now: func() time.Time { return now }})
	c := cache.New(lru, cache.Options{})
	var calls atomic.Int32
	h := cache.Middleware(&galvani.Settings{}, cache.PageOptions{Cache: c, TTL: time.Hour})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Cache-Control", "max-age=5")
		fmt.Fprint(w, "x")
	}))
	get := func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	get()
	get()
	now = now.Add(6 * time.Second)
	get()
	if n := calls.Load(); n != 2 {
		t.Fatalf("max-age=5 with a one-hour page TTL: %d renders, want 2", n)
	}
}

// TestPageBackendDown: a cache that fails leaves pages served, uncached.
func TestPageBackendDown(t *testing.T) {
	c, err := cache.Open(context.Background(), "redis://127.0.0.1:1/0?dial_timeout=50ms&max_retries=-1")
	if err != nil {
		t.Fatal(err)
	}
	h := cache.Middleware(&galvani.Settings{}, cache.PageOptions{Cache: c, Logger: slog.New(slog.DiscardHandler)})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "still here")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || rec.Body.String() != "still here" {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
}
