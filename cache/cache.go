package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Backend stores bytes under keys. The Cache in front of it has already made the
// full key (prefix, version) and validated it, and resolved the TTL: a Backend gets
// ttl > 0 (expire after ttl) or ttl == 0 (never expire). Implementations must be
// safe for concurrent use; every operation is atomic with respect to the others
// on the same key, as seen by every process sharing the backend.
//
// The four backends of this package (in-process LRU, Redis, memcached, dummy) and
// the database backend of cache/dbcache implement it; the behaviour suite in
// cachetest checks any other.
type Backend interface {
	// Get returns the value stored under key, or ok == false when there is none
	// (or it expired).
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	// GetMany returns the values of the keys that have one.
	GetMany(ctx context.Context, keys []string) (map[string][]byte, error)
	// Set stores value under key, replacing any value.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// SetMany stores every item with the same ttl.
	SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error
	// Add stores value only when key has no (unexpired) value, and reports whether it did.
	Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Replace stores value only when key has an (unexpired) value, and reports
	// whether it did.
	Replace(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Delete removes key and reports whether it had a value.
	Delete(ctx context.Context, key string) (bool, error)
	// DeleteMany removes the keys.
	DeleteMany(ctx context.Context, keys []string) error
	// Touch sets a new ttl on key and reports whether it had a value.
	Touch(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Incr adds delta to the decimal integer stored under key, keeping its ttl, and
	// returns the new value: ErrNotFound when key has no value, ErrNotInteger when it
	// is not a decimal integer, ErrOverflow when the sum leaves int64.
	Incr(ctx context.Context, key string, delta int64) (int64, error)
	// Clear removes every value of this cache (for Redis: every key under the
	// cache's key prefix; for memcached: everything on the servers).
	Clear(ctx context.Context) error
	// Close releases connections.
	Close() error
}

// Errors of the cache API. Backends wrap their own failures (a connection refused)
// in other errors; these say something about the call.
var (
	// ErrNotFound is returned by Incr and Decr on a key without a value, as Django's
	// incr raises ValueError.
	ErrNotFound = errors.New("cache: key not found")
	// ErrNotInteger is returned by Incr and Decr when the stored value is not a
	// decimal integer.
	ErrNotInteger = errors.New("cache: value is not an integer")
	// ErrOverflow is returned by Incr and Decr when the result does not fit int64.
	ErrOverflow = errors.New("cache: integer overflow")
	// ErrInvalidKey is returned for a key that no backend could store the same way:
	// longer than MaxKeyLength once prefixed and versioned, or holding spaces or
	// control characters. Every backend refuses it, so a project can change
	// backends without finding out in production that memcached refuses its keys.
	ErrInvalidKey = errors.New("cache: invalid key")
	// ErrTooLarge is returned when a value is larger than the backend takes
	// (the LRU's memory bound, memcached's item size).
	ErrTooLarge = errors.New("cache: value too large")
)

// MaxKeyLength is the longest full key (prefix and version included) the cache
// accepts: memcached's limit, applied to every backend.
const MaxKeyLength = 250

// Forever is the TTL of a value that never expires (Django's timeout=None).
const Forever time.Duration = -1

// DefaultTimeout is the TTL used when a call passes 0 and the cache's URL sets no
// timeout: five minutes, as in Django.
const DefaultTimeout = 5 * time.Minute

// KeyFunc makes the full key from a key, the cache's prefix and a version
// (Django's KEY_FUNCTION). The default is prefix:version:key.
type KeyFunc func(key, prefix string, version int) string

// DefaultKeyFunc joins prefix, version and key with colons.
func DefaultKeyFunc(key, prefix string, version int) string {
	return prefix + ":" + strconv.Itoa(version) + ":" + key
}

// Options configure a Cache in front of a Backend.
type Options struct {
	// Timeout is the TTL of values stored with ttl 0. Zero means DefaultTimeout;
	// Forever means no expiry.
	Timeout time.Duration
	// KeyPrefix is put before every key, so caches can share a backend.
	KeyPrefix string
	// Version is the default version of keys (Django's VERSION). Default 1.
	Version int
	// KeyFunc makes full keys. Nil means DefaultKeyFunc.
	KeyFunc KeyFunc
	// LockTimeout bounds how long GetOrSet waits for another process computing the
	// same value, and how long that process holds the lock. Default 10s.
	LockTimeout time.Duration
	// Logger gets the warnings of GetOrSet when the backend fails (the value is
	// then computed without the cache). Nil means slog.Default().
	Logger *slog.Logger
}

// Cache is the low-level cache API (Django's cache object) over a Backend: keys are
// prefixed and versioned, TTLs default to the cache's timeout, and GetOrSet
// computes a missing value once, across goroutines and processes. Values are bytes;
// Of gives a typed view. A Cache is safe for concurrent use.
type Cache struct {
	b       Backend
	name    string
	prefix  string
	version int
	timeout time.Duration
	keyFunc KeyFunc
	lockTTL time.Duration
	flight  *singleflight.Group
	now     func() time.Time
	logger  *slog.Logger
	stats   *readStats // shared by the views WithVersion and WithKeyPrefix make
}

// readStats counts the reads of a Cache that found a value and those that did not.
type readStats struct{ hits, misses atomic.Uint64 }

func (s *readStats) count(ok bool) {
	if ok {
		s.hits.Add(1)
	} else {
		s.misses.Add(1)
	}
}

// Stats returns how many reads (Get, Has, GetMany per key, GetOrSet's first
// look) found a value and how many found none, since the cache was made; the
// views of WithVersion and WithKeyPrefix count into the same numbers. Failed
// reads count as neither. The metrics battery exports them.
func (c *Cache) Stats() (hits, misses uint64) {
	return c.stats.hits.Load(), c.stats.misses.Load()
}

// New returns a Cache over b.
func New(b Backend, opts Options) *Cache {
	c := &Cache{b: b, name: "default", prefix: opts.KeyPrefix, version: opts.Version, timeout: opts.Timeout,
		keyFunc: opts.KeyFunc, lockTTL: opts.LockTimeout, flight: new(singleflight.Group), now: time.Now, logger: opts.Logger,
		stats: new(readStats)}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.version == 0 {
		c.version = 1
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.keyFunc == nil {
		c.keyFunc = DefaultKeyFunc
	}
	if c.lockTTL <= 0 {
		c.lockTTL = 10 * time.Second
	}
	return c
}

// Backend returns the backend the cache stores in.
func (c *Cache) Backend() Backend { return c.b }

// Name returns the cache's name in the project's Caches ("default" otherwise).
func (c *Cache) Name() string { return c.name }

// KeyPrefix returns the prefix put before every key.
func (c *Cache) KeyPrefix() string { return c.prefix }

// Timeout returns the TTL of values stored with ttl 0 (Forever for none).
func (c *Cache) Timeout() time.Duration { return c.timeout }

// WithVersion returns a view of the cache whose keys have version v (Django's
// version= argument). It shares the backend.
func (c *Cache) WithVersion(v int) *Cache {
	d := *c
	d.version = v
	return &d
}

// WithKeyPrefix returns a view of the cache whose keys have another prefix. It
// shares the backend (and so what Clear removes).
func (c *Cache) WithKeyPrefix(prefix string) *Cache {
	d := *c
	d.prefix = prefix
	return &d
}

// Version returns the version of the cache's keys.
func (c *Cache) Version() int { return c.version }

// MakeKey returns the full key the backend sees for key, checking it.
func (c *Cache) MakeKey(key string) (string, error) {
	return c.makeKey(key, c.version)
}

func (c *Cache) makeKey(key string, version int) (string, error) {
	full := c.keyFunc(key, c.prefix, version)
	if err := ValidateKey(full); err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrInvalidKey, truncate(key), err)
	}
	return full, nil
}

// ValidateKey reports why memcached could not store a full key: too long, or
// holding spaces or control characters. Every backend applies it.
func ValidateKey(full string) error {
	if len(full) > MaxKeyLength {
		return fmt.Errorf("longer than %d bytes once prefixed and versioned", MaxKeyLength)
	}
	for i := 0; i < len(full); i++ {
		if b := full[i]; b <= ' ' || b == 0x7f {
			return errors.New("holds a space or a control character")
		}
	}
	return nil
}

// HashKey returns a short key derived from parts, for keys built from values of
// any length (user input, URLs): a SHA-256 hex digest.
func HashKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// ttl resolves a TTL argument: 0 is the cache's timeout, Forever is no expiry
// (0 for the backend), a positive value is itself, and any other negative value
// means "already expired" (expired == true).
func (c *Cache) ttl(ttl time.Duration) (d time.Duration, expired bool) {
	if ttl == 0 {
		ttl = c.timeout
	}
	switch {
	case ttl == Forever:
		return 0, false
	case ttl < 0:
		return 0, true
	}
	return ttl, false
}

// Get returns the value stored under key.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	k, err := c.MakeKey(key)
	if err != nil {
		return nil, false, err
	}
	v, ok, err := c.b.Get(ctx, k)
	if err == nil {
		c.stats.count(ok)
	}
	return v, ok, err
}

// Has reports whether key has a value.
func (c *Cache) Has(ctx context.Context, key string) (bool, error) {
	_, ok, err := c.Get(ctx, key)
	return ok, err
}

// Set stores value under key for ttl (0: the cache's timeout; Forever: no expiry;
// another negative TTL deletes the key, as Django's timeout=0 does).
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	k, err := c.MakeKey(key)
	if err != nil {
		return err
	}
	d, expired := c.ttl(ttl)
	if expired {
		_, err := c.b.Delete(ctx, k)
		return err
	}
	return c.b.Set(ctx, k, value, d)
}

// Add stores value under key only when key has no value, and reports whether it
// did (Django's add). It is atomic: of many concurrent Adds, one succeeds.
func (c *Cache) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	k, err := c.MakeKey(key)
	if err != nil {
		return false, err
	}
	d, expired := c.ttl(ttl)
	if expired {
		_, ok, err := c.b.Get(ctx, k)
		return !ok, err
	}
	return c.b.Add(ctx, k, value, d)
}

// Replace stores value under key only when key has a value, and reports whether
// it did (memcached's replace; the session store uses it so that a session
// deleted meanwhile is not written back).
func (c *Cache) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	k, err := c.MakeKey(key)
	if err != nil {
		return false, err
	}
	d, expired := c.ttl(ttl)
	if expired {
		return c.b.Delete(ctx, k)
	}
	return c.b.Replace(ctx, k, value, d)
}

// Delete removes key and reports whether it had a value.
func (c *Cache) Delete(ctx context.Context, key string) (bool, error) {
	k, err := c.MakeKey(key)
	if err != nil {
		return false, err
	}
	return c.b.Delete(ctx, k)
}

// Touch gives key a new TTL and reports whether it had a value.
func (c *Cache) Touch(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	k, err := c.MakeKey(key)
	if err != nil {
		return false, err
	}
	d, expired := c.ttl(ttl)
	if expired {
		return c.b.Delete(ctx, k)
	}
	return c.b.Touch(ctx, k, d)
}

// Incr adds delta to the integer stored under key and returns the result. It is
// atomic across every process sharing the backend; the key keeps its TTL. A key
// without a value is ErrNotFound (set it first, or use Add with "0").
func (c *Cache) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	k, err := c.MakeKey(key)
	if err != nil {
		return 0, err
	}
	return c.b.Incr(ctx, k, delta)
}

// Decr subtracts delta from the integer stored under key (Incr with -delta).
func (c *Cache) Decr(ctx context.Context, key string, delta int64) (int64, error) {
	if delta == -1<<63 {
		return 0, ErrOverflow
	}
	return c.Incr(ctx, key, -delta)
}

// GetMany returns the values of the keys that have one, keyed as given.
func (c *Cache) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	full, back, err := c.makeKeys(keys)
	if err != nil {
		return nil, err
	}
	got, err := c.b.GetMany(ctx, full)
	if err != nil {
		return nil, err
	}
	c.stats.hits.Add(uint64(len(got)))
	if len(full) > len(got) {
		c.stats.misses.Add(uint64(len(full) - len(got)))
	}
	out := make(map[string][]byte, len(got))
	for k, v := range got {
		out[back[k]] = v
	}
	return out, nil
}

// SetMany stores every item with the same TTL (see Set).
func (c *Cache) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	d, expired := c.ttl(ttl)
	full := make(map[string][]byte, len(items))
	keys := make([]string, 0, len(items))
	for k, v := range items {
		fk, err := c.MakeKey(k)
		if err != nil {
			return err
		}
		full[fk] = v
		keys = append(keys, fk)
	}
	if expired {
		return c.b.DeleteMany(ctx, keys)
	}
	return c.b.SetMany(ctx, full, d)
}

// DeleteMany removes the keys.
func (c *Cache) DeleteMany(ctx context.Context, keys []string) error {
	full, _, err := c.makeKeys(keys)
	if err != nil {
		return err
	}
	return c.b.DeleteMany(ctx, full)
}

func (c *Cache) makeKeys(keys []string) ([]string, map[string]string, error) {
	full := make([]string, 0, len(keys))
	back := make(map[string]string, len(keys))
	for _, k := range keys {
		fk, err := c.MakeKey(k)
		if err != nil {
			return nil, nil, err
		}
		full = append(full, fk)
		back[fk] = k
	}
	return full, back, nil
}

// Clear removes every value of the cache (see Backend.Clear for what that means
// on each backend).
func (c *Cache) Clear(ctx context.Context) error { return c.b.Clear(ctx) }

// Close closes the backend.
func (c *Cache) Close() error { return c.b.Close() }

// IncrVersion moves the value of key from the cache's version to version+delta
// and returns the new version (Django's incr_version): readers of the old version
// miss from then on. A key without a value is ErrNotFound.
func (c *Cache) IncrVersion(ctx context.Context, key string, delta int) (int, error) {
	old, err := c.makeKey(key, c.version)
	if err != nil {
		return 0, err
	}
	nv := c.version + delta
	nk, err := c.makeKey(key, nv)
	if err != nil {
		return 0, err
	}
	v, ok, err := c.b.Get(ctx, old)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, ErrNotFound
	}
	d, _ := c.ttl(0)
	if err := c.b.Set(ctx, nk, v, d); err != nil {
		return 0, err
	}
	if _, err := c.b.Delete(ctx, old); err != nil {
		return 0, err
	}
	return nv, nil
}

// DecrVersion is IncrVersion with -delta.
func (c *Cache) DecrVersion(ctx context.Context, key string, delta int) (int, error) {
	return c.IncrVersion(ctx, key, -delta)
}

// GetOrSet returns the value under key, computing it with fn and storing it for
// ttl when there is none (Django's get_or_set). It protects the backend from a
// stampede: while one caller computes a value, the others wait for it instead of
// computing it too — goroutines of this process share the computation, and other
// processes wait on a lock key in the backend (for up to the cache's LockTimeout,
// after which they compute it themselves).
//
// A failing backend (Redis or memcached down) degrades to no cache rather than
// failing the caller: a lookup or lock that fails counts as a miss, a value that
// cannot be stored is still returned, and each failure is logged as a warning. The
// error is fn's, or a bad key's.
func (c *Cache) GetOrSet(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	k, err := c.MakeKey(key)
	if err != nil {
		return nil, err
	}
	v, ok, err := c.b.Get(ctx, k)
	if err == nil {
		c.stats.count(ok)
	}
	if ok && err == nil {
		return v, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c.logger.Warn("cache: lookup failed; computing the value without the cache", "cache", c.name, "key", key, "err", err)
		res, err, _ := c.flight.Do(k, func() (any, error) { return fn(ctx) })
		v, _ := res.([]byte)
		return v, err
	}
	res, err, _ := c.flight.Do(k, func() (any, error) {
		return c.fill(ctx, k, ttl, fn)
	})
	v, _ = res.([]byte)
	return v, err
}

// lockKey is the key of the lock guarding the computation of full key k.
func lockKey(k string) string {
	if len(k)+5 <= MaxKeyLength {
		return k + ":lock"
	}
	return "lock:" + HashKey(k)
}

// fill computes the value of k under the cross-process lock.
func (c *Cache) fill(ctx context.Context, k string, ttl time.Duration, fn func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	lk := lockKey(k)
	deadline := c.now().Add(c.lockTTL)
	wait := 5 * time.Millisecond
	var locked bool
	for {
		if v, ok, err := c.b.Get(ctx, k); err == nil && ok {
			return v, nil
		} else if err != nil {
			c.logger.Warn("cache: lookup failed; computing the value without the cache", "cache", c.name, "err", err)
			return fn(ctx)
		}
		var err error
		if locked, err = c.b.Add(ctx, lk, []byte{'1'}, c.lockTTL); err != nil {
			c.logger.Warn("cache: taking the lock failed; computing the value without it", "cache", c.name, "err", err)
			return fn(ctx)
		}
		if locked || !c.now().Before(deadline) {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		if wait < 100*time.Millisecond {
			wait *= 2
		}
	}
	if locked {
		defer c.b.Delete(context.WithoutCancel(ctx), lk)
		// The holder before us may have stored the value and released the lock
		// between our last Get and our Add.
		if v, ok, err := c.b.Get(ctx, k); err == nil && ok {
			return v, nil
		}
	}
	v, err := fn(ctx)
	if err != nil {
		return nil, err
	}
	d, expired := c.ttl(ttl)
	if expired {
		return v, nil
	}
	if err := c.b.Set(ctx, k, v, d); err != nil {
		c.logger.Warn("cache: storing the computed value failed", "cache", c.name, "err", err)
	}
	return v, nil
}
