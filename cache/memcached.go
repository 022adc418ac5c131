package cache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
)

// DefaultMemcachedItemSize is memcached's default largest item (its -I option).
const DefaultMemcachedItemSize = 1 << 20

// Memcached is the backend on one or more memcached servers (keys are spread over
// them by hash, as Django's memcached backends do), through
// github.com/bradfitz/gomemcache. TTLs have memcached's one-second granularity
// (a shorter TTL is rounded up to a second).
//
// Counters are memcached's: unsigned 64-bit integers, atomic on the server. A
// decrement stops at zero instead of going negative, and a value past the int64
// range is ErrOverflow (the other backends keep signed counters). Clear flushes
// every server, whatever cache put the keys there.
type Memcached struct {
	mc       *memcache.Client
	maxValue int
	now      func() time.Time
}

// NewMemcached returns a backend on servers ("host:port" or a Unix socket path),
// resolving their addresses. itemSize is the servers' largest item; 0 means
// DefaultMemcachedItemSize.
func NewMemcached(servers []string, itemSize int) (*Memcached, error) {
	if itemSize <= 0 {
		itemSize = DefaultMemcachedItemSize
	}
	if len(servers) == 0 {
		return nil, errors.New("cache: memcached: no servers")
	}
	ss := new(memcache.ServerList)
	if err := ss.SetServers(servers...); err != nil {
		return nil, fmt.Errorf("cache: memcached: %w", err)
	}
	mc := memcache.NewFromSelector(ss)
	mc.Timeout = 2 * time.Second
	mc.MaxIdleConns = 32
	return &Memcached{mc: mc, maxValue: itemSize - 512, now: time.Now}, nil
}

var _ Backend = (*Memcached)(nil)

// Client returns the underlying gomemcache client.
func (m *Memcached) Client() *memcache.Client { return m.mc }

// expiration converts a TTL to memcached's expiration: seconds rounded up, or,
// past memcached's 30-day limit for relative times, an absolute Unix time.
func (m *Memcached) expiration(ttl time.Duration) int32 {
	if ttl <= 0 {
		return 0
	}
	secs := int64((ttl + time.Second - 1) / time.Second)
	if secs > 30*24*3600 {
		abs := m.now().Unix() + secs
		if abs > math.MaxInt32 {
			return 0 // past 2038: as good as never
		}
		return int32(abs)
	}
	return int32(secs)
}

func mcErr(err error) error {
	if err == nil {
		return nil
	}
	if strings.Contains(err.Error(), "too large") {
		return ErrTooLarge
	}
	return fmt.Errorf("cache: memcached: %w", err)
}

func (m *Memcached) item(key string, value []byte, ttl time.Duration) (*memcache.Item, error) {
	if len(value) > m.maxValue {
		return nil, ErrTooLarge
	}
	return &memcache.Item{Key: key, Value: value, Expiration: m.expiration(ttl)}, nil
}

// Get implements Backend.
func (m *Memcached) Get(_ context.Context, key string) ([]byte, bool, error) {
	it, err := m.mc.Get(key)
	if errors.Is(err, memcache.ErrCacheMiss) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, mcErr(err)
	}
	return it.Value, true, nil
}

// GetMany implements Backend (one get per server).
func (m *Memcached) GetMany(_ context.Context, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	items, err := m.mc.GetMulti(keys)
	if err != nil {
		return nil, mcErr(err)
	}
	for k, it := range items {
		out[k] = it.Value
	}
	return out, nil
}

// Set implements Backend.
func (m *Memcached) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	it, err := m.item(key, value, ttl)
	if err != nil {
		return err
	}
	return mcErr(m.mc.Set(it))
}

// SetMany implements Backend.
func (m *Memcached) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	for k, v := range items {
		if err := m.Set(ctx, k, v, ttl); err != nil {
			return err
		}
	}
	return nil
}

// Add implements Backend.
func (m *Memcached) Add(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	it, err := m.item(key, value, ttl)
	if err != nil {
		return false, err
	}
	err = m.mc.Add(it)
	if errors.Is(err, memcache.ErrNotStored) {
		return false, nil
	}
	return err == nil, mcErr(err)
}

// Replace implements Backend.
func (m *Memcached) Replace(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	it, err := m.item(key, value, ttl)
	if err != nil {
		return false, err
	}
	err = m.mc.Replace(it)
	if errors.Is(err, memcache.ErrNotStored) {
		return false, nil
	}
	return err == nil, mcErr(err)
}

// Delete implements Backend.
func (m *Memcached) Delete(_ context.Context, key string) (bool, error) {
	err := m.mc.Delete(key)
	if errors.Is(err, memcache.ErrCacheMiss) {
		return false, nil
	}
	return err == nil, mcErr(err)
}

// DeleteMany implements Backend.
func (m *Memcached) DeleteMany(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if _, err := m.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Touch implements Backend.
func (m *Memcached) Touch(_ context.Context, key string, ttl time.Duration) (bool, error) {
	err := m.mc.Touch(key, m.expiration(ttl))
	if errors.Is(err, memcache.ErrCacheMiss) {
		return false, nil
	}
	return err == nil, mcErr(err)
}

// Incr implements Backend with memcached's incr and decr (see the type's comment
// for their unsigned range).
func (m *Memcached) Incr(_ context.Context, key string, delta int64) (int64, error) {
	var n uint64
	var err error
	if delta >= 0 {
		n, err = m.mc.Increment(key, uint64(delta))
	} else {
		n, err = m.mc.Decrement(key, uint64(-(delta+1))+1)
	}
	switch {
	case errors.Is(err, memcache.ErrCacheMiss):
		return 0, ErrNotFound
	case err != nil && strings.Contains(err.Error(), "non-numeric"):
		return 0, ErrNotInteger
	case err != nil:
		return 0, mcErr(err)
	case n > math.MaxInt64:
		return 0, ErrOverflow
	}
	return int64(n), nil
}

// Clear implements Backend: flush_all on every server.
func (m *Memcached) Clear(context.Context) error { return mcErr(m.mc.FlushAll()) }

// Close implements Backend.
func (m *Memcached) Close() error { return m.mc.Close() }
