package cache

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/urlopt"
	"github.com/redis/go-redis/v9"
)

// URL is a parsed cache URL (CACHE_URL): scheme://location?options. The options
// every cache understands (timeout, key_prefix, version, lock_timeout) are taken
// out into Options; the rest are the backend's.
//
//	locmem://                              in-process LRU (max_bytes=64MiB, max_entries)
//	redis://[:password@]host:6379/0        Redis (rediss:// for TLS; go-redis URL options)
//	memcached://host:11211,host2:11211     memcached servers (item_size=1MiB)
//	memcached:///run/memcached.sock        a memcached Unix socket
//	db://cache_table?database=default      a database table (install cache/dbcache)
//	dummy://                               caches nothing (Django's DummyCache)
type URL struct {
	// Scheme selects the backend.
	Scheme string
	// Location is what comes between :// and the path or query: the hosts, or the
	// table name for db://.
	Location string
	// Path is the path, with its leading slash ("/0" for a Redis database).
	Path string
	// Params are the backend's own options.
	Params url.Values
	// Options are the cache options from the URL.
	Options Options
	// Raw is the URL as given.
	Raw string
}

// maxURLLength bounds a cache URL; anything longer is a mistake or an attack on the
// parser.
const maxURLLength = 4096

// ParseURL parses a cache URL. It checks the cache options and that the scheme is
// known (the db scheme once cache/dbcache is imported); each backend checks its own
// options when opened.
func ParseURL(raw string) (*URL, error) {
	if len(raw) > maxURLLength {
		return nil, fmt.Errorf("cache: URL longer than %d bytes", maxURLLength)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < ' ' || raw[i] == 0x7f {
			return nil, errors.New("cache: URL holds a control character")
		}
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("cache: URL %q has no scheme (use locmem://, redis://host:6379/0, memcached://host:11211, db://table or dummy://)", redact(raw))
	}
	scheme = strings.ToLower(scheme)
	if _, known := lookupScheme(scheme); !known {
		hint := ""
		if scheme == "db" {
			hint = " (import github.com/galvani-web/galvani/cache/dbcache and install dbcache.App)"
		}
		return nil, fmt.Errorf("cache: unknown URL scheme %q%s; known: %s", scheme, hint, strings.Join(Schemes(), ", "))
	}
	rest, query, _ := strings.Cut(rest, "?")
	loc, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		loc, path = rest[:i], rest[i:]
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("cache: URL %q: malformed query: %v", redact(raw), err)
	}
	u := &URL{Scheme: scheme, Location: loc, Path: path, Params: params, Raw: raw}
	if err := u.takeOptions(); err != nil {
		return nil, fmt.Errorf("cache: URL %q: %w", redact(raw), err)
	}
	return u, nil
}

// takeOptions moves the cache options out of Params.
func (u *URL) takeOptions() error {
	take := func(name string) (string, bool, error) {
		vs, ok := u.Params[name]
		if !ok {
			return "", false, nil
		}
		delete(u.Params, name)
		if len(vs) != 1 {
			return "", false, fmt.Errorf("option %s given %d times", name, len(vs))
		}
		return vs[0], true, nil
	}
	if v, ok, err := take("timeout"); err != nil {
		return err
	} else if ok {
		d, err := ParseTimeout(v)
		if err != nil {
			return fmt.Errorf("timeout=%q: %w", v, err)
		}
		u.Options.Timeout = d
	}
	if v, ok, err := take("key_prefix"); err != nil {
		return err
	} else if ok {
		if err := ValidateKey(v); err != nil || len(v) > 100 {
			return fmt.Errorf("key_prefix=%q must be at most 100 bytes without spaces or control characters", v)
		}
		u.Options.KeyPrefix = v
	}
	if v, ok, err := take("version"); err != nil {
		return err
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1<<30 {
			return fmt.Errorf("version=%q is not a positive integer", v)
		}
		u.Options.Version = n
	}
	if v, ok, err := take("lock_timeout"); err != nil {
		return err
	} else if ok {
		d, err := ParseTimeout(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("lock_timeout=%q is not a positive duration", v)
		}
		u.Options.LockTimeout = d
	}
	return nil
}

// ParseTimeout parses a cache timeout: a number of seconds ("300"), a Go duration
// ("5m", "1h30m"), or "none"/"forever" for Forever. Zero and negative values are
// refused (use dummy:// to cache nothing).
func ParseTimeout(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "none", "forever", "never":
		return Forever, nil
	}
	if len(v) > 64 {
		return 0, errors.New("is too long")
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 || n > int64(time.Duration(1<<63-1)/time.Second) {
			return 0, errors.New("is not a number of seconds between 1 and 290 years")
		}
		d = time.Duration(n) * time.Second
	} else if d, err = time.ParseDuration(v); err != nil {
		return 0, errors.New("is not a timeout (seconds, a Go duration like 5m, or none)")
	}
	if d <= 0 {
		return 0, errors.New("must be positive (use dummy:// to cache nothing, none for no expiry)")
	}
	return d, nil
}

// param takes a backend option out of u.Params.
func (u *URL) param(name string) (string, bool, error) {
	return urlopt.Take(u.Params, name, "cache", redact(u.Raw))
}

// noMoreParams reports options the backend did not take.
func (u *URL) noMoreParams() error { return urlopt.Done(u.Params, "cache", redact(u.Raw)) }

// OpenFunc opens the backend of a URL. settings is the project's, or nil when the
// URL is opened on its own (Open).
type OpenFunc func(ctx context.Context, u *URL, settings *galvani.Settings) (Backend, error)

var (
	schemesMu sync.RWMutex
	schemes   = map[string]OpenFunc{
		"locmem":    openLRU,
		"memory":    openLRU,
		"redis":     openRedis,
		"rediss":    openRedis,
		"unix":      openRedis,
		"memcached": openMemcached,
		"dummy":     func(context.Context, *URL, *galvani.Settings) (Backend, error) { return Dummy{}, nil },
	}
)

// RegisterScheme makes URLs with scheme open backends with fn, the way
// cache/dbcache adds db://. It panics when the scheme is taken.
func RegisterScheme(scheme string, fn OpenFunc) {
	schemesMu.Lock()
	defer schemesMu.Unlock()
	if _, dup := schemes[scheme]; dup {
		panic("cache: RegisterScheme called twice for " + scheme)
	}
	schemes[scheme] = fn
}

func lookupScheme(s string) (OpenFunc, bool) {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	fn, ok := schemes[s]
	return fn, ok
}

// Schemes returns the registered URL schemes, sorted.
func Schemes() []string {
	schemesMu.RLock()
	defer schemesMu.RUnlock()
	out := make([]string, 0, len(schemes))
	for s := range schemes {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Open opens the cache a URL names (see URL for the forms). Connections are made
// lazily: a Redis or memcached server that is down makes the operations fail, not
// Open. db:// URLs need the project's settings: open them with OpenAll.
func Open(ctx context.Context, rawURL string) (*Cache, error) {
	return open(ctx, "default", rawURL, nil)
}

func open(ctx context.Context, name, rawURL string, s *galvani.Settings) (*Cache, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	fn, _ := lookupScheme(u.Scheme)
	b, err := fn(ctx, u, s)
	if err != nil {
		return nil, err
	}
	if err := u.noMoreParams(); err != nil {
		b.Close()
		return nil, err
	}
	c := New(b, u.Options)
	c.name = name
	return c, nil
}

func openLRU(_ context.Context, u *URL, _ *galvani.Settings) (Backend, error) {
	var opts LRUOptions
	if v, ok, err := u.param("max_bytes"); err != nil {
		return nil, err
	} else if ok {
		n, err := galvani.ParseSize(v)
		if err != nil {
			return nil, fmt.Errorf("cache: URL %q: max_bytes=%q %v", redact(u.Raw), v, err)
		}
		opts.MaxBytes = n
	}
	if v, ok, err := u.param("max_entries"); err != nil {
		return nil, err
	} else if ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("cache: URL %q: max_entries=%q is not a positive integer", redact(u.Raw), v)
		}
		opts.MaxEntries = n
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("cache: URL %q: a locmem cache has no path", redact(u.Raw))
	}
	return NewLRU(opts), nil
}

func openRedis(_ context.Context, u *URL, _ *galvani.Settings) (Backend, error) {
	q := u.Params.Encode()
	u.Params = url.Values{} // go-redis checks its own options
	raw := u.Scheme + "://" + u.Location + u.Path
	if q != "" {
		raw += "?" + q
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("cache: URL %q: %v", redact(u.Raw), err)
	}
	r := NewRedis(redis.NewClient(opts), u.Options.KeyPrefix)
	r.own = true
	return r, nil
}

func openMemcached(_ context.Context, u *URL, _ *galvani.Settings) (Backend, error) {
	var servers []string
	if u.Location == "" {
		if u.Path == "" || u.Path == "/" {
			return nil, fmt.Errorf("cache: URL %q names no memcached server", redact(u.Raw))
		}
		servers = []string{u.Path} // a Unix socket
	} else {
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("cache: URL %q: a memcached URL has hosts or a socket path, not both", redact(u.Raw))
		}
		for _, h := range strings.Split(u.Location, ",") {
			h = strings.TrimSpace(h)
			if h == "" {
				return nil, fmt.Errorf("cache: URL %q has an empty server in its list", redact(u.Raw))
			}
			if !strings.Contains(h, ":") {
				h += ":11211"
			}
			servers = append(servers, h)
		}
	}
	size := 0
	if v, ok, err := u.param("item_size"); err != nil {
		return nil, err
	} else if ok {
		n, err := galvani.ParseSize(v)
		if err != nil || n > 1<<30 {
			return nil, fmt.Errorf("cache: URL %q: item_size=%q is not a size up to 1GiB", redact(u.Raw), v)
		}
		size = int(n)
	}
	if size > 0 && size < 1024 {
		return nil, fmt.Errorf("cache: URL %q: item_size=%d is below 1KiB", redact(u.Raw), size)
	}
	m, err := NewMemcached(servers, size)
	if err != nil {
		return nil, fmt.Errorf("%w (URL %q)", err, redact(u.Raw))
	}
	return m, nil
}

// redact masks a password in a URL for messages.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		return "***" + raw[i:]
	}
	return raw
}
