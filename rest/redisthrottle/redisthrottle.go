// Package redisthrottle is a rest.RateStore on Redis (or Valkey): every app server
// of a deployment counts the same requests, where a rest.MemoryStore gives each
// server its own budget.
//
//	store := redisthrottle.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"}), "myapp:")
//	api := rest.New(rest.Config{Throttles: []rest.Throttle{
//		rest.AnonRate("100/min").WithStore(store),
//		rest.UserRate("1000/day").WithStore(store),
//	}})
//
// Each key is a sorted set of request times (a sliding log, as MemoryStore keeps),
// trimmed, counted and added to by one Lua script, so concurrent requests on any
// number of servers cannot together exceed the rate; the set expires with its
// window, so Redis keeps nothing for idle clients.
//
// When Redis cannot be reached, Hit returns an *UnavailableError: the API answers
// 503 with Retry-After (the request is neither counted nor served) instead of a 500.
package redisthrottle

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/galvani-web/galvani/internal/redisfail"
	"github.com/galvani-web/galvani/rest"
	"github.com/redis/go-redis/v9"
)

// Store is a rest.RateStore in Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ rest.RateStore = (*Store)(nil)

// New returns a Store keeping its keys under prefix (default "galvani:rest:").
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = "galvani:rest:"
	}
	return &Store{rdb: rdb, prefix: prefix}
}

// hit trims the log to the window, and records the request when fewer than the
// limit remain; otherwise it answers how long until the oldest of the last
// `limit` requests leaves the window. Times are microseconds, which a sorted
// set's double scores hold exactly. ARGV: now, window, limit, member.
var hit = redis.NewScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local cut = now - window
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cut)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
	local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
	return {0, tonumber(oldest[2]) - cut}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return {1, 0}`)

// Hit implements rest.RateStore.
func (s *Store) Hit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (bool, time.Duration, error) {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	us := now.UnixMicro()
	member := fmt.Sprintf("%d-%s", us, hex.EncodeToString(nonce[:]))
	res, err := hit.Run(ctx, s.rdb, []string{s.prefix + key}, us, window.Microseconds(), limit, member).Int64Slice()
	if err != nil {
		return false, 0, redisfail.Wrap(ctx, err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("redisthrottle: unexpected reply %v", res)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Microsecond, nil
}

// UnavailableRetryAfter is the Retry-After of the 503 a throttled API answers while Redis
// cannot be reached.
const UnavailableRetryAfter = redisfail.RetryAfter

// UnavailableError is the error of an operation Redis did not answer (down,
// restarting, unreachable, timed out): it becomes a 503 Service Unavailable with
// Retry-After (its HTTPStatus and RetryAfter methods) and unwraps to the Redis
// client's error (its Err field). The same type as the other redisthrottle's.
type UnavailableError = redisfail.UnavailableError
