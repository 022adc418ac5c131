package cache

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxBytes is the memory bound of an LRU cache opened without max_bytes.
const DefaultMaxBytes = 64 << 20

// entryOverhead approximates what one entry costs beyond its key and value (map
// slot, list links, slice headers, expiry), for the memory bound.
const entryOverhead = 96

// LRUOptions bound an in-process cache.
type LRUOptions struct {
	// MaxBytes bounds the memory the entries take (keys, values and a fixed
	// per-entry overhead). Zero means DefaultMaxBytes.
	MaxBytes int64
	// MaxEntries bounds the number of entries; zero means no bound beyond MaxBytes.
	MaxEntries int
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// LRU is the in-process backend (Django's LocMemCache, with a memory bound): a
// map and a recency list under one mutex. When an entry would take it past
// MaxBytes or MaxEntries, the least recently used entries are evicted; expired
// entries are dropped when met and evicted first in recency order. Values are
// copied in and out, so callers may reuse their slices. It is per process: use
// Redis, memcached or the database to share a cache between servers.
type LRU struct {
	mu         sync.Mutex
	items      map[string]*lruEntry
	head, tail *lruEntry // head: most recently used
	bytes      int64
	maxBytes   int64
	maxEntries int
	now        func() time.Time
}

type lruEntry struct {
	key        string
	value      []byte
	expires    int64 // unix nanoseconds; 0: never
	prev, next *lruEntry
}

// NewLRU returns an empty in-process cache.
func NewLRU(opts LRUOptions) *LRU {
	l := &LRU{items: map[string]*lruEntry{}, maxBytes: opts.MaxBytes, maxEntries: opts.MaxEntries, now: opts.Now}
	if l.maxBytes <= 0 {
		l.maxBytes = DefaultMaxBytes
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

var _ Backend = (*LRU)(nil)

func (l *LRU) deadline(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return l.now().Add(ttl).UnixNano()
}

func size(key string, value []byte) int64 {
	return int64(len(key) + len(value) + entryOverhead)
}

// live returns the unexpired entry of key, removing an expired one. l.mu is held.
func (l *LRU) live(key string, now int64) *lruEntry {
	e := l.items[key]
	if e == nil {
		return nil
	}
	if e.expires != 0 && e.expires <= now {
		l.remove(e)
		return nil
	}
	return e
}

func (l *LRU) unlink(e *lruEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (l *LRU) pushFront(e *lruEntry) {
	e.next = l.head
	if l.head != nil {
		l.head.prev = e
	}
	l.head = e
	if l.tail == nil {
		l.tail = e
	}
}

func (l *LRU) remove(e *lruEntry) {
	l.unlink(e)
	delete(l.items, e.key)
	l.bytes -= size(e.key, e.value)
}

// store puts value under key (a new entry or a replaced one) and evicts to fit.
// l.mu is held.
func (l *LRU) store(key string, value []byte, expires int64) error {
	need := size(key, value)
	if need > l.maxBytes {
		return ErrTooLarge
	}
	v := make([]byte, len(value))
	copy(v, value)
	if e := l.items[key]; e != nil {
		l.bytes += need - size(e.key, e.value)
		e.value, e.expires = v, expires
		l.unlink(e)
		l.pushFront(e)
	} else {
		e = &lruEntry{key: key, value: v, expires: expires}
		l.items[key] = e
		l.bytes += need
		l.pushFront(e)
	}
	l.evict()
	return nil
}

// evict drops least recently used entries (the one just stored is at the head and
// fits alone) until the bounds hold. l.mu is held.
func (l *LRU) evict() {
	for (l.bytes > l.maxBytes || (l.maxEntries > 0 && len(l.items) > l.maxEntries)) && l.tail != nil && l.tail != l.head {
		l.remove(l.tail)
	}
}

// Get implements Backend.
func (l *LRU) Get(_ context.Context, key string) ([]byte, bool, error) {
	now := l.now().UnixNano()
	l.mu.Lock()
	e := l.live(key, now)
	if e == nil {
		l.mu.Unlock()
		return nil, false, nil
	}
	if l.head != e {
		l.unlink(e)
		l.pushFront(e)
	}
	v := make([]byte, len(e.value))
	copy(v, e.value)
	l.mu.Unlock()
	return v, true, nil
}

// GetMany implements Backend.
func (l *LRU) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	for _, k := range keys {
		if v, ok, _ := l.Get(ctx, k); ok {
			out[k] = v
		}
	}
	return out, nil
}

// Set implements Backend.
func (l *LRU) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	exp := l.deadline(ttl)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.store(key, value, exp)
}

// SetMany implements Backend.
func (l *LRU) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	for k, v := range items {
		if err := l.Set(ctx, k, v, ttl); err != nil {
			return err
		}
	}
	return nil
}

// Add implements Backend.
func (l *LRU) Add(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live(key, now.UnixNano()) != nil {
		return false, nil
	}
	return true, l.store(key, value, l.deadline(ttl))
}

// Replace implements Backend.
func (l *LRU) Replace(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.live(key, now.UnixNano()) == nil {
		return false, nil
	}
	return true, l.store(key, value, l.deadline(ttl))
}

// Delete implements Backend.
func (l *LRU) Delete(_ context.Context, key string) (bool, error) {
	now := l.now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.live(key, now)
	if e == nil {
		return false, nil
	}
	l.remove(e)
	return true, nil
}

// DeleteMany implements Backend.
func (l *LRU) DeleteMany(ctx context.Context, keys []string) error {
	for _, k := range keys {
		l.Delete(ctx, k)
	}
	return nil
}

// Touch implements Backend.
func (l *LRU) Touch(_ context.Context, key string, ttl time.Duration) (bool, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.live(key, now.UnixNano())
	if e == nil {
		return false, nil
	}
	e.expires = l.deadline(ttl)
	return true, nil
}

// Incr implements Backend.
func (l *LRU) Incr(_ context.Context, key string, delta int64) (int64, error) {
	now := l.now().UnixNano()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.live(key, now)
	if e == nil {
		return 0, ErrNotFound
	}
	n, err := addDecimal(e.value, delta)
	if err != nil {
		return 0, err
	}
	if err := l.store(key, strconv.AppendInt(nil, n, 10), e.expires); err != nil {
		return 0, err
	}
	return n, nil
}

// addDecimal parses b as a decimal int64 and adds delta, checking for overflow.
func addDecimal(b []byte, delta int64) (int64, error) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, ErrNotInteger
	}
	s := n + delta
	if (delta > 0 && s < n) || (delta < 0 && s > n) {
		return 0, ErrOverflow
	}
	return s, nil
}

// Clear implements Backend.
func (l *LRU) Clear(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = map[string]*lruEntry{}
	l.head, l.tail, l.bytes = nil, nil, 0
	return nil
}

// Close implements Backend; an LRU has nothing to release.
func (l *LRU) Close() error { return nil }

// Len returns the number of entries, expired ones not yet dropped included.
func (l *LRU) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items)
}

// Bytes returns the memory the entries are counted as taking.
func (l *LRU) Bytes() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bytes
}
