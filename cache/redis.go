package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the backend on Redis (or anything speaking its protocol, such as
// Valkey), shared by every server of a site. TTLs are Redis TTLs, so nothing needs
// cleaning; Incr is INCRBY inside a script that refuses a missing key, so
// concurrent increments from any number of processes add up exactly.
type Redis struct {
	rdb   redis.UniversalClient
	clear string // the SCAN pattern Clear deletes
	own   bool
}

// NewRedis returns a backend on rdb. Clear deletes the keys starting with
// keyPrefix + ":" (pass the Cache's KeyPrefix: DefaultKeyFunc puts the colon after
// it); an empty prefix makes Clear delete every key of the Redis database, like
// Django's FLUSHDB. Close does not close rdb.
func NewRedis(rdb redis.UniversalClient, keyPrefix string) *Redis {
	pattern := "*"
	if keyPrefix != "" {
		pattern = globEscape(keyPrefix) + ":*"
	}
	return &Redis{rdb: rdb, clear: pattern}
}

var _ Backend = (*Redis)(nil)

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func redisErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("cache: redis: %w", err)
}

// Get implements Backend.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, redisErr(err)
	}
	return b, true, nil
}

// GetMany implements Backend with one pipelined round trip (which also works on a
// Redis Cluster, where MGET cannot span slots).
func (r *Redis) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, redisErr(err)
	}
	for i, c := range cmds {
		if b, err := c.Bytes(); err == nil {
			out[keys[i]] = b
		}
	}
	return out, nil
}

// Set implements Backend.
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return redisErr(r.rdb.Set(ctx, key, value, ttl).Err())
}

// SetMany implements Backend in one pipelined round trip.
func (r *Redis) SetMany(ctx context.Context, items map[string][]byte, ttl time.Duration) error {
	if len(items) == 0 {
		return nil
	}
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k, v := range items {
			p.Set(ctx, k, v, ttl)
		}
		return nil
	})
	return redisErr(err)
}

// Add implements Backend (SET NX).
func (r *Redis) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ok, err := r.rdb.SetNX(ctx, key, value, ttl).Result()
	return ok, redisErr(err)
}

// Replace implements Backend (SET XX).
func (r *Redis) Replace(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ok, err := r.rdb.SetXX(ctx, key, value, ttl).Result()
	return ok, redisErr(err)
}

// Delete implements Backend.
func (r *Redis) Delete(ctx context.Context, key string) (bool, error) {
	n, err := r.rdb.Del(ctx, key).Result()
	return n > 0, redisErr(err)
}

// DeleteMany implements Backend in one pipelined round trip.
func (r *Redis) DeleteMany(ctx context.Context, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return redisErr(err)
}

// touchForever removes a key's TTL and reports whether the key exists (PERSIST
// alone answers 0 both for a missing key and for one without a TTL).
var touchForever = redis.NewScript(`if redis.call('exists', KEYS[1]) == 1 then redis.call('persist', KEYS[1]) return 1 end return 0`)

// Touch implements Backend (PEXPIRE, or PERSIST for no expiry).
func (r *Redis) Touch(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		n, err := touchForever.Run(ctx, r.rdb, []string{key}).Int()
		return n == 1, redisErr(err)
	}
	ok, err := r.rdb.PExpire(ctx, key, ttl).Result()
	return ok, redisErr(err)
}

// incrExisting is INCRBY that refuses a missing key (INCRBY would create it) and
// reports a non-integer value and overflow as error replies of its own.
var incrExisting = redis.NewScript(`
if redis.call('exists', KEYS[1]) == 0 then return {err = 'galvani:notfound'} end
local ok, res = pcall(redis.call, 'incrby', KEYS[1], ARGV[1])
if ok then return res end
local msg = tostring(res.err or res)
if string.find(msg, 'overflow') then return {err = 'galvani:overflow'} end
return {err = 'galvani:notinteger'}`)

// Incr implements Backend.
func (r *Redis) Incr(ctx context.Context, key string, delta int64) (int64, error) {
	n, err := incrExisting.Run(ctx, r.rdb, []string{key}, delta).Int64()
	if err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "galvani:notfound"):
			return 0, ErrNotFound
		case strings.Contains(msg, "galvani:overflow"):
			return 0, ErrOverflow
		case strings.Contains(msg, "galvani:notinteger"):
			return 0, ErrNotInteger
		}
		return 0, redisErr(err)
	}
	return n, nil
}

// Clear implements Backend: it deletes, in batches found with SCAN, every key
// matching the cache's prefix.
func (r *Redis) Clear(ctx context.Context) error {
	del := func(c *redis.Client) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, r.clear, 1000).Result()
			if err != nil {
				return err
			}
			if len(keys) > 0 {
				if err := c.Unlink(ctx, keys...).Err(); err != nil {
					return err
				}
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	switch c := r.rdb.(type) {
	case *redis.Client:
		return redisErr(del(c))
	case *redis.ClusterClient:
		return redisErr(c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return del(m) }))
	}
	return fmt.Errorf("cache: redis: Clear does not support %T", r.rdb)
}

// Close implements Backend: it closes the client when the backend opened it
// (Open with a redis:// URL), and leaves a client passed to NewRedis alone.
func (r *Redis) Close() error {
	if r.own {
		return r.rdb.Close()
	}
	return nil
}
