package cache_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/internal/testdb"
	"github.com/galvani-web/galvani/template"
)

// BenchmarkBackend measures one Get (a hit) and one Set of a 1 KiB value on each
// backend, beside a plain mutex-guarded map as the floor.
//
//	go test -run XXX -bench BenchmarkBackend -benchmem ./cache/
func BenchmarkBackend(b *testing.B) {
	ctx := context.Background()
	value := make([]byte, 1024)
	backends := map[string]func(b *testing.B) *cache.Cache{
		"lru": func(*testing.B) *cache.Cache { return cache.New(cache.NewLRU(cache.LRUOptions{}), cache.Options{}) },
		"redis": func(b *testing.B) *cache.Cache {
			c, err := cache.Open(ctx, "redis://"+testdb.RedisAddr(b)+"/0?key_prefix="+randomPrefix(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Clear(ctx); c.Close() })
			return c
		},
		"memcached": func(b *testing.B) *cache.Cache {
			c, err := cache.Open(ctx, "memcached://"+testdb.MemcachedAddr(b)+"?key_prefix="+randomPrefix(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { c.Close() })
			return c
		},
	}
	for _, name := range []string{"lru", "redis", "memcached"} {
		b.Run(name+"/get", func(b *testing.B) {
			c := backends[name](b)
			c.Set(ctx, "k", value, time.Hour)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := c.Get(ctx, "k"); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run(name+"/set", func(b *testing.B) {
			c := backends[name](b)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Set(ctx, "k", value, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("map-baseline/get", func(b *testing.B) {
		m := map[string][]byte{"k": value}
		var mu = make(chan struct{}, 1)
		b.ReportAllocs()
		for b.Loop() {
			mu <- struct{}{}
			v := m["k"]
			out := make([]byte, len(v))
			copy(out, v)
			<-mu
		}
	})
}

// BenchmarkView compares a page rendered from a template on every request with the
// same page behind cache.Page (LRU and Redis), and with a plain net/http handler
// writing bytes it already has (the floor for any cached page).
//
//	go test -run XXX -bench BenchmarkView -benchmem ./cache/
func BenchmarkView(b *testing.B) {
	rows := make([]map[string]any, 100)
	for i := range rows {
		rows[i] = map[string]any{"id": i, "message": fmt.Sprintf("fortune number %d <with> & markup", i)}
	}
	engine := template.New(template.WithLoader(template.MapLoader{"list.html": `<!DOCTYPE html><html><head><title>List</title></head><body><table>` +
		`<tr><th>id</th><th>message</th></tr>{% for r in rows %}<tr><td>{{ r.id }}</td><td>{{ r.message }}</td></tr>{% endfor %}</table></body></html>`}))
	view := func(c *galvani.Ctx) error { return c.Render(200, "list.html", map[string]any{"rows": rows}) }
	newApp := func(h galvani.HandlerFunc) *galvani.App {
		app := galvani.New(galvani.Settings{})
		app.SetTemplates(engine)
		app.Get("/", h)
		return app
	}
	run := func(b *testing.B, h http.Handler) {
		req := httptest.NewRequest("GET", "/", nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 || w.Body.Len() < 1000 {
			b.Fatalf("%d %d bytes", w.Code, w.Body.Len())
		}
		b.ReportAllocs()
		for b.Loop() {
			w := discard{h: http.Header{}}
			h.ServeHTTP(&w, req)
		}
	}
	b.Run("uncached", func(b *testing.B) { run(b, newApp(view)) })
	b.Run("page-lru", func(b *testing.B) {
		c := cache.New(cache.NewLRU(cache.LRUOptions{}), cache.Options{})
		run(b, newApp(cache.Page(cache.PageOptions{Cache: c, TTL: time.Hour})(view)))
	})
	b.Run("page-redis", func(b *testing.B) {
		c, err := cache.Open(context.Background(), "redis://"+testdb.RedisAddr(b)+"/0?key_prefix="+randomPrefix(b))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		run(b, newApp(cache.Page(cache.PageOptions{Cache: c, TTL: time.Hour})(view)))
	})
	b.Run("raw-bytes-baseline", func(b *testing.B) {
		rec := httptest.NewRecorder()
		newApp(view).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		body := rec.Body.Bytes()
		run(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(body)
		}))
	})
}

type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(s int)           { d.status = s }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
