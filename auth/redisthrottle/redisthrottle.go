// Package redisthrottle is an auth.Throttle on Redis (or Valkey), so that every app
// server counts the same failed logins: behind a load balancer an in-memory throttle
// gives an attacker each server's budget.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	accounts := auth.New[auth.User](auth.Options{
//		AccountThrottle: redisthrottle.New(rdb, "myapp:login:", 5, 15*time.Minute),
//		AddressThrottle: redisthrottle.New(rdb, "myapp:login:", 50, 15*time.Minute),
//	})
//
// Each key is one Redis counter that expires with its window (a fixed window
// starting at the first failure, as auth.MemoryThrottle), so Redis keeps nothing
// after the window ends.
package redisthrottle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/galvani-web/galvani/auth"
	"github.com/redis/go-redis/v9"
)

// Throttle counts failures in Redis: Limit failures per Window and key.
type Throttle struct {
	rdb    redis.UniversalClient
	prefix string
	Limit  int
	Window time.Duration
}

var _ auth.Throttle = (*Throttle)(nil)

// New returns a Throttle keeping its counters under prefix (default
// "galvani:throttle:"). Keys are hashed, so any username is a short, safe Redis key.
func New(rdb redis.UniversalClient, prefix string, limit int, window time.Duration) *Throttle {
	if prefix == "" {
		prefix = "galvani:throttle:"
	}
	return &Throttle{rdb: rdb, prefix: prefix, Limit: limit, Window: window}
}

func (t *Throttle) key(k string) string {
	sum := sha256.Sum256([]byte(k))
	return t.prefix + hex.EncodeToString(sum[:16])
}

// Wait implements auth.Throttle.
func (t *Throttle) Wait(ctx context.Context, key string) (time.Duration, error) {
	k := t.key(key)
	n, err := t.rdb.Get(ctx, k).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("redisthrottle: %w", err)
	}
	if n < t.Limit {
		return 0, nil
	}
	ttl, err := t.rdb.PTTL(ctx, k).Result()
	if err != nil {
		return 0, fmt.Errorf("redisthrottle: %w", err)
	}
	if ttl <= 0 { // expired between the two calls, or no expiry (never set by Fail)
		return 0, nil
	}
	return ttl, nil
}

// fail increments the counter and starts its window on the first failure, in one
// atomic step (a crash between INCR and PEXPIRE would leave a counter forever).
var fail = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n`)

// Fail implements auth.Throttle.
func (t *Throttle) Fail(ctx context.Context, key string) error {
	if err := fail.Run(ctx, t.rdb, []string{t.key(key)}, t.Window.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("redisthrottle: %w", err)
	}
	return nil
}

// Reset implements auth.Throttle.
func (t *Throttle) Reset(ctx context.Context, key string) error {
	if err := t.rdb.Del(ctx, t.key(key)).Err(); err != nil {
		return fmt.Errorf("redisthrottle: %w", err)
	}
	return nil
}
