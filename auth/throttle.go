package auth

import (
	"context"
	"sync"
	"time"
)

// Throttle counts failed login attempts per key (an account, a client address) and
// says when a key has had too many. MemoryThrottle keeps counts in the process; a
// project running several app servers plugs in a shared implementation (Redis,
// the database) so that an attacker cannot spread attempts across servers.
type Throttle interface {
	// Wait returns zero when an attempt for key may go ahead now, else how long
	// until it may.
	Wait(ctx context.Context, key string) (time.Duration, error)
	// Fail records a failed attempt for key.
	Fail(ctx context.Context, key string) error
	// Reset forgets key's failures (after a successful login).
	Reset(ctx context.Context, key string) error
}

// MemoryThrottle allows Limit failures per key within Window; after that, attempts
// wait until the window that began with the first failure ends. It is safe for
// concurrent use and bounded in memory: expired keys are pruned, and beyond
// MaxKeys the oldest windows are dropped first.
type MemoryThrottle struct {
	Limit   int
	Window  time.Duration
	MaxKeys int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	mu   sync.Mutex
	keys map[string]*throttleEntry
}

type throttleEntry struct {
	start time.Time
	n     int
}

// NewMemoryThrottle returns a MemoryThrottle allowing limit failures per window,
// tracking at most 100000 keys.
func NewMemoryThrottle(limit int, window time.Duration) *MemoryThrottle {
	return &MemoryThrottle{Limit: limit, Window: window, MaxKeys: 100000}
}

func (t *MemoryThrottle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Wait implements Throttle.
func (t *MemoryThrottle) Wait(_ context.Context, key string) (time.Duration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.keys[key]
	now := t.now()
	if e == nil || now.Sub(e.start) >= t.Window {
		return 0, nil
	}
	if e.n >= t.Limit {
		return e.start.Add(t.Window).Sub(now), nil
	}
	return 0, nil
}

// Fail implements Throttle.
func (t *MemoryThrottle) Fail(_ context.Context, key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.keys == nil {
		t.keys = map[string]*throttleEntry{}
	}
	e := t.keys[key]
	if e == nil || now.Sub(e.start) >= t.Window {
		if e == nil && t.MaxKeys > 0 && len(t.keys) >= t.MaxKeys {
			t.prune(now)
		}
		t.keys[key] = &throttleEntry{start: now, n: 1}
		return nil
	}
	e.n++
	return nil
}

// prune drops expired windows, then the oldest half when still full. t.mu is held.
func (t *MemoryThrottle) prune(now time.Time) {
	var oldest []time.Time
	for k, e := range t.keys {
		if now.Sub(e.start) >= t.Window {
			delete(t.keys, k)
		} else {
			oldest = append(oldest, e.start)
		}
	}
	if len(t.keys) < t.MaxKeys {
		return
	}
	// Find the median start and drop everything older.
	cut := median(oldest)
	for k, e := range t.keys {
		if !e.start.After(cut) {
			delete(t.keys, k)
		}
	}
}

func median(ts []time.Time) time.Time {
	// A linear-time selection is not worth it here: pruning happens once per
	// MaxKeys/2 new keys at most.
	min, max := ts[0], ts[0]
	for _, x := range ts {
		if x.Before(min) {
			min = x
		}
		if x.After(max) {
			max = x
		}
	}
	return min.Add(max.Sub(min) / 2)
}

// Reset implements Throttle.
func (t *MemoryThrottle) Reset(_ context.Context, key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
	return nil
}

// Len returns the number of keys tracked.
func (t *MemoryThrottle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}
