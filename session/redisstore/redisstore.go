// Package redisstore keeps sessions in Redis (or anything speaking its protocol,
// such as Valkey), for sites served by more than one process. Records expire by
// Redis TTL, so no clearsessions run is needed.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	galvani.Section(&settings, "session", session.Config{Store: redisstore.New(rdb, "myapp:session:")})
package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/galvani-web/galvani/session"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when New is given "".
const DefaultPrefix = "galvani:session:"

// Store is a session.Store on Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// New returns a Store that keeps each session under prefix + key.
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{rdb: rdb, prefix: prefix}
}

var _ session.Store = (*Store)(nil)

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Load returns the record for the key in the cookie. Keys that do not look like
// session keys are refused without a round trip.
func (s *Store) Load(ctx context.Context, cookie string) (session.Record, bool, error) {
	if !session.ValidKey(cookie) {
		return session.Record{}, false, nil
	}
	b, err := s.rdb.Get(ctx, s.prefix+cookie).Bytes()
	if errors.Is(err, redis.Nil) {
		return session.Record{}, false, nil
	}
	if err != nil {
		return session.Record{}, false, fmt.Errorf("redisstore: %w", err)
	}
	var rec session.Record
	if err := json.Unmarshal(b, &rec); err != nil {
		// A record this store did not write: treat it as absent.
		return session.Record{}, false, nil
	}
	return rec, true, nil
}

// Save writes rec with a TTL reaching rec.Expires. A new session (key "") gets a
// fresh key, written only if it does not exist; an existing one is overwritten
// only if it still exists, so a concurrent logout is not undone (ErrKeyGone).
func (s *Store) Save(ctx context.Context, key string, rec session.Record) (string, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	ttl := rec.Expires.Sub(s.now())
	if ttl < time.Second {
		ttl = time.Second
	}
	if key != "" {
		err := s.rdb.SetArgs(ctx, s.prefix+key, b, redis.SetArgs{Mode: "XX", TTL: ttl}).Err()
		if errors.Is(err, redis.Nil) {
			return "", session.ErrKeyGone
		}
		if err != nil {
			return "", fmt.Errorf("redisstore: %w", err)
		}
		return key, nil
	}
	for range 5 {
		key = session.NewKey()
		err := s.rdb.SetArgs(ctx, s.prefix+key, b, redis.SetArgs{Mode: "NX", TTL: ttl}).Err()
		if errors.Is(err, redis.Nil) {
			continue // 256-bit collision: practically never
		}
		if err != nil {
			return "", fmt.Errorf("redisstore: %w", err)
		}
		return key, nil
	}
	return "", errors.New("redisstore: could not create a unique session key")
}

// Delete removes the record for the key in the cookie.
func (s *Store) Delete(ctx context.Context, cookie string) error {
	if !session.ValidKey(cookie) {
		return nil
	}
	if err := s.rdb.Del(ctx, s.prefix+cookie).Err(); err != nil {
		return fmt.Errorf("redisstore: %w", err)
	}
	return nil
}
