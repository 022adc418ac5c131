package cache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/template"
)

// Config is the "cache" settings section: the options of the site-wide cache
// middleware (Django's CACHE_MIDDLEWARE_* settings). The caches themselves are
// Settings.CacheURL and Settings.Caches.
type Config struct {
	// MiddlewareSeconds is how long Middleware and Page (with ttl 0) keep a page.
	// Default 10 minutes. Env: CACHE_MIDDLEWARE_SECONDS.
	MiddlewareSeconds time.Duration `env:"CACHE_MIDDLEWARE_SECONDS"`
	// MiddlewareKeyPrefix is put in page keys, so sites can share a cache.
	// Env: CACHE_MIDDLEWARE_KEY_PREFIX.
	MiddlewareKeyPrefix string `env:"CACHE_MIDDLEWARE_KEY_PREFIX"`
	// MiddlewareAlias names the cache pages are kept in. Default "default".
	// Env: CACHE_MIDDLEWARE_ALIAS.
	MiddlewareAlias string `env:"CACHE_MIDDLEWARE_ALIAS"`

	opened *opened
}

// DefaultMiddlewareSeconds is how long pages are cached when nothing says otherwise.
const DefaultMiddlewareSeconds = 10 * time.Minute

// opened holds the caches opened for one Settings value.
type opened struct {
	caches *Caches
	err    error
}

// Caches holds a project's caches by name (Django's caches): Settings.CacheURL as
// "default" and each entry of Settings.Caches. It is safe for concurrent use.
type Caches struct {
	byName map[string]*Cache
}

// OpenAll opens every cache the settings name. A URL that cannot be opened is an
// error naming the cache; the caches already opened are closed.
func OpenAll(ctx context.Context, s *galvani.Settings) (*Caches, error) {
	urls := map[string]string{}
	for name, u := range s.Caches {
		urls[name] = u
	}
	if s.CacheURL != "" {
		urls["default"] = s.CacheURL
	}
	if urls["default"] == "" {
		urls["default"] = galvani.DefaultCacheURL
	}
	cs := &Caches{byName: map[string]*Cache{}}
	names := make([]string, 0, len(urls))
	for n := range urls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c, err := open(ctx, n, urls[n], s)
		if err != nil {
			cs.Close()
			return nil, fmt.Errorf("cache %q: %w", n, err)
		}
		cs.byName[n] = c
	}
	return cs, nil
}

// NewCaches returns a registry of caches built in code; "default" must be among them.
func NewCaches(byName map[string]*Cache) (*Caches, error) {
	if byName["default"] == nil {
		return nil, errors.New(`cache: NewCaches needs a "default" cache`)
	}
	cs := &Caches{byName: make(map[string]*Cache, len(byName))}
	for n, c := range byName {
		c.name = n
		cs.byName[n] = c
	}
	return cs, nil
}

// Get returns the cache called name.
func (cs *Caches) Get(name string) (*Cache, error) {
	if c := cs.byName[name]; c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("cache: no cache called %q (known: %v)", name, cs.Names())
}

// Default returns the cache called "default".
func (cs *Caches) Default() *Cache { return cs.byName["default"] }

// Names returns the caches' names, sorted.
func (cs *Caches) Names() []string {
	out := make([]string, 0, len(cs.byName))
	for n := range cs.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Close closes every cache.
func (cs *Caches) Close() error {
	var errs []error
	for _, c := range cs.byName {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

var openMu sync.Mutex

// For returns the caches of the project configured by s, opening them on the first
// call for that Settings value (the cache App's Ready does it at start-up).
func For(s *galvani.Settings) (*Caches, error) {
	openMu.Lock()
	defer openMu.Unlock()
	cfg := galvani.Section(s, "cache", Config{})
	if cfg.opened == nil {
		cs, err := OpenAll(context.Background(), s)
		cfg.opened = &opened{caches: cs, err: err}
	}
	return cfg.opened.caches, cfg.opened.err
}

func config(s *galvani.Settings) Config {
	cfg := *galvani.Section(s, "cache", Config{})
	if cfg.MiddlewareSeconds <= 0 {
		cfg.MiddlewareSeconds = DefaultMiddlewareSeconds
	}
	if cfg.MiddlewareAlias == "" {
		cfg.MiddlewareAlias = "default"
	}
	return cfg
}

type ctxKey struct{}

// WithCaches returns ctx carrying cs, where From and Using find it. The App's
// middleware does it for every request.
func WithCaches(ctx context.Context, cs *Caches) context.Context {
	return context.WithValue(ctx, ctxKey{}, cs)
}

// CachesFrom returns the caches in ctx, or nil.
func CachesFrom(ctx context.Context) *Caches {
	cs, _ := ctx.Value(ctxKey{}).(*Caches)
	return cs
}

// From returns the default cache of the project serving r (installed with App),
// or nil when there is none.
func From(r *http.Request) *Cache {
	if cs := CachesFrom(r.Context()); cs != nil {
		return cs.Default()
	}
	return nil
}

// Using returns the cache called name of the project serving r.
func Using(r *http.Request, name string) (*Cache, error) {
	cs := CachesFrom(r.Context())
	if cs == nil {
		return nil, errors.New("cache: no caches in the request (install cache.App)")
	}
	return cs.Get(name)
}

// App is the cache battery as an installable app:
//
//	app := galvani.New(settings, cache.App, ...)
//
// At start-up it opens the caches of Settings.CacheURL and Settings.Caches and puts
// them in every request's context (From, Using), registers the {% load cache %}
// template library, registers a readiness check per cache ("cache.NAME", a lookup
// of one key, so Redis or memcached being down fails the App's readiness probe),
// and `check` reports cache URLs that cannot be opened.
var App galvani.AppConfig = cacheApp{}

type cacheApp struct{}

// readinessKey is the key the readiness check looks up; it is never set.
const readinessKey = "galvani:readiness"

func (cacheApp) Label() string { return "cache" }

// Ready implements galvani.ReadyHook.
func (cacheApp) Ready(app *galvani.App) error {
	cs, err := For(&app.Settings)
	if err != nil {
		return err
	}
	app.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(WithCaches(r.Context(), cs)))
		})
	})
	for _, name := range cs.Names() {
		c, _ := cs.Get(name)
		app.AddReadinessCheck("cache."+name, func(ctx context.Context) error {
			k, err := c.MakeKey(readinessKey)
			if err == nil {
				_, _, err = c.b.Get(ctx, k) // not through Get: probes are not reads to count
			}
			return err
		})
		for _, ac := range app.Apps() {
			if in, ok := ac.(Instrumenter); ok {
				in.InstrumentCache(app, name, c.Stats)
			}
		}
	}
	return nil
}

// Instrumenter is implemented by installed apps that watch caches (the metrics
// battery): the cache App's Ready calls InstrumentCache for each cache it opens,
// with the cache's Stats.
type Instrumenter interface {
	InstrumentCache(app *galvani.App, name string, stats func() (hits, misses uint64))
}

// TemplateLibraries implements the template battery's LibraryProvider: "cache"
// for {% load cache %}.
func (cacheApp) TemplateLibraries() map[string]*template.Library {
	return map[string]*template.Library{"cache": Library(nil)}
}

// Check implements galvani.Checker: cache.E001 for a cache URL that does not parse
// or names an unknown backend.
func (cacheApp) Check(app *galvani.App) []galvani.CheckMessage {
	var out []galvani.CheckMessage
	urls := map[string]string{"default": app.Settings.CacheURL}
	for n, u := range app.Settings.Caches {
		urls[n] = u
	}
	names := make([]string, 0, len(urls))
	for n := range urls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if urls[n] == "" {
			continue
		}
		if _, err := ParseURL(urls[n]); err != nil {
			out = append(out, galvani.CheckMessage{Level: galvani.CheckError, ID: "cache.E001",
				Msg: fmt.Sprintf("cache %q: %v", n, err), Hint: "See docs/cache.md for the cache URL forms.", Object: "settings"})
		}
	}
	return out
}
