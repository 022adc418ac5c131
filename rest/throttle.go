package rest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Throttle limits how often a request may be made, DRF's throttle classes. When
// it refuses, the request gets 429 with Retry-After.
type Throttle interface {
	// Allow reports whether the request may go on and, when not, how long until
	// it may.
	Allow(r *Request) (ok bool, wait time.Duration, err error)
}

// RateStore counts requests in a sliding window, shared by every throttle that uses
// it. MemoryStore keeps counts in the process; rest/redisthrottle in Redis, shared
// by every server of a deployment.
type RateStore interface {
	// Hit records a request for key at now when fewer than limit were recorded in
	// the window before it, and reports whether it did; when not, wait is how
	// long until the oldest recorded request leaves the window.
	Hit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ok bool, wait time.Duration, err error)
}

// Rate is a number of requests per period: "100/min", "5/second", "1000/day"
// (s, sec, second, m, min, minute, h, hour, d, day; a number before the unit
// multiplies it: "10/5m").
type Rate struct {
	N      int
	Period time.Duration
}

// ParseRate parses a rate such as "100/min".
func ParseRate(s string) (Rate, error) {
	num, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n <= 0 {
		return Rate{}, fmt.Errorf("rest: rate %q: want N/period, such as 100/min", s)
	}
	mult := 1
	i := 0
	for i < len(per) && per[i] >= '0' && per[i] <= '9' {
		i++
	}
	if i > 0 {
		mult, _ = strconv.Atoi(per[:i])
		if mult <= 0 {
			return Rate{}, fmt.Errorf("rest: rate %q: bad period", s)
		}
	}
	var unit time.Duration
	switch per[i:] {
	case "s", "sec", "second", "seconds":
		unit = time.Second
	case "m", "min", "minute", "minutes":
		unit = time.Minute
	case "h", "hour", "hours":
		unit = time.Hour
	case "d", "day", "days":
		unit = 24 * time.Hour
	default:
		return Rate{}, fmt.Errorf("rest: rate %q: unknown period %q", s, per[i:])
	}
	return Rate{N: n, Period: time.Duration(mult) * unit}, nil
}

func mustRate(s string) Rate {
	r, err := ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// RateThrottle throttles by a key computed from the request: the base of
// AnonRate, UserRate and ScopedRate.
type RateThrottle struct {
	// Rate is the limit.
	Rate Rate
	// Key returns the request's key, or "" when this throttle does not apply to it.
	Key func(r *Request) string
	// Store keeps the counts; nil means a process-wide MemoryStore.
	Store RateStore
	// Now returns the time; nil means time.Now (tests set it).
	Now func() time.Time
}

// Allow implements Throttle.
func (t *RateThrottle) Allow(r *Request) (bool, time.Duration, error) {
	key := t.Key(r)
	if key == "" {
		return true, 0, nil
	}
	store := t.Store
	if store == nil {
		store = defaultStore
	}
	now := time.Now()
	if t.Now != nil {
		now = t.Now()
	}
	return store.Hit(r.Context(), key, t.Rate.N, t.Rate.Period, now)
}

// clientIdent identifies an anonymous client by its address: r.RemoteAddr, which
// the security battery sets from a trusted proxy's headers.
func clientIdent(r *Request) string {
	host, _, err := net.SplitHostPort(r.Ctx.Request.RemoteAddr)
	if err != nil {
		return r.Ctx.Request.RemoteAddr
	}
	return host
}

// AnonRate throttles anonymous requests by client address (DRF's AnonRateThrottle).
func AnonRate(rate string) *RateThrottle {
	return &RateThrottle{Rate: mustRate(rate), Key: func(r *Request) string {
		if r.IsAuthenticated() {
			return ""
		}
		return "throttle:anon:" + clientIdent(r)
	}}
}

// UserRate throttles authenticated users by ID, and anonymous requests by address
// (DRF's UserRateThrottle).
func UserRate(rate string) *RateThrottle {
	return &RateThrottle{Rate: mustRate(rate), Key: func(r *Request) string {
		if r.IsAuthenticated() {
			return "throttle:user:" + strconv.FormatInt(r.User.AuthUser().ID, 10)
		}
		return "throttle:user:anon:" + clientIdent(r)
	}}
}

// ScopedRate throttles the views whose ThrottleScope is scope, per user (or
// address), with its own rate (DRF's ScopedRateThrottle).
func ScopedRate(scope, rate string) *RateThrottle {
	return &RateThrottle{Rate: mustRate(rate), Key: func(r *Request) string {
		if r.Scope != scope {
			return ""
		}
		if r.IsAuthenticated() {
			return "throttle:" + scope + ":user:" + strconv.FormatInt(r.User.AuthUser().ID, 10)
		}
		return "throttle:" + scope + ":anon:" + clientIdent(r)
	}}
}

// WithStore returns t using store.
func (t *RateThrottle) WithStore(store RateStore) *RateThrottle {
	c := *t
	c.Store = store
	return &c
}

// MemoryStore is a RateStore in process memory: a sliding log of request times per
// key, bounded by the limit, with idle keys swept away. Each server of a
// deployment counts for itself; use rest/redisthrottle to share counts.
type MemoryStore struct {
	mu       sync.Mutex
	logs     map[string]*hitLog
	lastSwep time.Time
}

type hitLog struct {
	times  []int64 // unix nanoseconds of the hits still in the window, oldest first
	window time.Duration
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{logs: map[string]*hitLog{}} }

var defaultStore = NewMemoryStore()

// maxKeys bounds a MemoryStore; past it, idle keys are swept at once.
const maxKeys = 100_000

// Hit implements RateStore.
func (s *MemoryStore) Hit(_ context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.lastSwep) > time.Minute || len(s.logs) > maxKeys {
		s.sweep(now)
	}
	l := s.logs[key]
	if l == nil {
		l = &hitLog{}
		s.logs[key] = l
	}
	l.window = window
	t := now.UnixNano()
	cut := t - int64(window)
	drop := 0
	for drop < len(l.times) && l.times[drop] <= cut {
		drop++
	}
	if drop > 0 {
		l.times = append(l.times[:0], l.times[drop:]...)
	}
	if len(l.times) >= limit {
		return false, time.Duration(l.times[len(l.times)-limit] - cut), nil
	}
	l.times = append(l.times, t)
	return true, 0, nil
}

func (s *MemoryStore) sweep(now time.Time) {
	s.lastSwep = now
	t := now.UnixNano()
	for k, l := range s.logs {
		if len(l.times) == 0 || l.times[len(l.times)-1] <= t-int64(l.window) {
			delete(s.logs, k)
		}
	}
}
