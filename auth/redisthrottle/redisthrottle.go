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
// starting at the first attempt, as auth.MemoryThrottle), so Redis keeps nothing
// after the window ends. An attempt is checked and counted in one Lua script, so
// parallel attempts on several servers cannot overrun the limit.
//
// When Redis cannot be reached the throttle fails closed: Attempt returns an
// *UnavailableError, which a Galvani handler turns into a 503 with Retry-After, so
// the login view refuses to check passwords it cannot count (an attacker cannot get
// an unthrottled run by taking Redis down) and says so rather than answering 500.
package redisthrottle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/internal/redisfail"
	"github.com/redis/go-redis/v9"
)

// Throttle counts login attempts in Redis: Limit attempts per Window and key.
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

// attempt reserves an attempt in one atomic step: a key at its limit answers its
// remaining window (in milliseconds) and is not counted; otherwise the counter is
// incremented, its window starting with the first attempt, and 0 is returned.
// Checking and counting in one script is what keeps parallel attempts from all
// passing the check (and a crash between INCR and PEXPIRE cannot leave a counter
// forever).
var attempt = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[2]) then
	local ttl = redis.call('PTTL', KEYS[1])
	if ttl < 0 then
		redis.call('PEXPIRE', KEYS[1], ARGV[1])
		ttl = tonumber(ARGV[1])
	end
	return ttl
end
n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 0`)

// UnavailableRetryAfter is the Retry-After of the 503 a login gets while Redis
// cannot be reached.
const UnavailableRetryAfter = redisfail.RetryAfter

// UnavailableError is the error of an operation Redis did not answer (down,
// restarting, unreachable, timed out): it becomes a 503 Service Unavailable with
// Retry-After (its HTTPStatus and RetryAfter methods) and unwraps to the Redis
// client's error (its Err field). The same type as the other redisthrottle's.
type UnavailableError = redisfail.UnavailableError

// Attempt implements auth.Throttle. When Redis fails the error is an
// *UnavailableError and nothing is counted.
func (t *Throttle) Attempt(ctx context.Context, key string) (time.Duration, error) {
	ms, err := attempt.Run(ctx, t.rdb, []string{t.key(key)}, t.Window.Milliseconds(), t.Limit).Int64()
	if err != nil {
		return 0, redisfail.Wrap(ctx, err)
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// release takes one attempt back, deleting the counter at zero.
var release = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n <= 1 then
	redis.call('DEL', KEYS[1])
else
	redis.call('DECR', KEYS[1])
end
return 0`)

// Release implements auth.Throttle.
func (t *Throttle) Release(ctx context.Context, key string) error {
	if err := release.Run(ctx, t.rdb, []string{t.key(key)}).Err(); err != nil {
		return redisfail.Wrap(ctx, err)
	}
	return nil
}

// Reset implements auth.Throttle.
func (t *Throttle) Reset(ctx context.Context, key string) error {
	if err := t.rdb.Del(ctx, t.key(key)).Err(); err != nil {
		return redisfail.Wrap(ctx, err)
	}
	return nil
}
