package auth

import (
	"context"
	"sync"
	"time"
)

// Throttle counts login attempts per key (an account, a client address) and says
// when a key has had too many. MemoryThrottle keeps counts in the process; a
// project running several app servers plugs in a shared implementation (Redis,
// the database) so that an attacker cannot spread attempts across servers.
//
// An attempt is reserved before the password is checked, in one atomic step with
// the check of the budget: a burst of parallel attempts cannot all pass a check
// made before any of them is counted. An attempt that turns out not to be a
// failure is given back (Release) or, after a successful login, the account's
// count is forgotten (Reset).
type Throttle interface {
	// Attempt reserves an attempt for key: when key has budget left it counts the
	// attempt and returns zero; otherwise it counts nothing and returns how long
	// until an attempt may go ahead.
	Attempt(ctx context.Context, key string) (time.Duration, error)
	// Release gives back one attempt reserved for key that was not a failure.
	Release(ctx context.Context, key string) error
	// Reset forgets key's attempts (after a successful login).
	Reset(ctx context.Context, key string) error
}

// MemoryThrottle allows Limit attempts per key within Window (a window begins
// with a key's first attempt); after that, attempts wait until the window ends.
// It is safe for concurrent use and bounded in memory: expired keys are pruned,
// and beyond MaxKeys the oldest windows are dropped first.
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

// NewMemoryThrottle returns a MemoryThrottle allowing limit attempts per window,
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

// Attempt implements Throttle.
func (t *MemoryThrottle) Attempt(_ context.Context, key string) (time.Duration, error) {
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
		return 0, nil
	}
	if e.n >= t.Limit {
		return e.start.Add(t.Window).Sub(now), nil
	}
	e.n++
	return 0, nil
}

// Release implements Throttle.
func (t *MemoryThrottle) Release(_ context.Context, key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.keys[key]; e != nil {
		if e.n--; e.n <= 0 {
			delete(t.keys, key)
		}
	}
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
