// Package cachestore keeps sessions in a cache of the cache battery (Django's
// cache session backend): fast, shared between servers when the cache is (Redis,
// memcached, the database), and expiring with the cache's TTLs. A cache may evict
// sessions under memory pressure (the in-process LRU, memcached): use a cache that
// only expires, such as Redis without an eviction policy, for sessions that must
// last.
//
//	caches, _ := cache.For(&settings)
//	c, _ := caches.Get("sessions")  // CACHE_URL_SESSIONS=redis://...
//	galvani.Section(&settings, "session", session.Config{Store: cachestore.New(c)})
package cachestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/session"
)

// KeyPrefix starts the cache key of every session.
const KeyPrefix = "session:"

// Store is a session.Store on a cache.
type Store struct {
	c *cache.Cache
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

var _ session.Store = (*Store)(nil)

// New returns a Store keeping each session under KeyPrefix + key in c.
func New(c *cache.Cache) *Store { return &Store{c: c} }

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
	b, ok, err := s.c.Get(ctx, KeyPrefix+cookie)
	if err != nil {
		return session.Record{}, false, fmt.Errorf("cachestore: %w", err)
	}
	if !ok {
		return session.Record{}, false, nil
	}
	var rec session.Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return session.Record{}, false, nil // a value this store did not write
	}
	if !rec.Expires.IsZero() && !s.now().Before(rec.Expires) {
		return session.Record{}, false, nil
	}
	return rec, true, nil
}

// Save stores rec until rec.Expires. A new session (key "") gets a fresh key,
// written only if it is free; an existing one is replaced only if it is still
// there, so a concurrent logout is not undone (session.ErrKeyGone).
func (s *Store) Save(ctx context.Context, key string, rec session.Record) (string, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return "", err
	}
	ttl := rec.Expires.Sub(s.now())
	if rec.Expires.IsZero() {
		ttl = cache.Forever
	} else if ttl < time.Second {
		ttl = time.Second
	}
	if key != "" {
		ok, err := s.c.Replace(ctx, KeyPrefix+key, b, ttl)
		if err != nil {
			return "", fmt.Errorf("cachestore: %w", err)
		}
		if !ok {
			return "", session.ErrKeyGone
		}
		return key, nil
	}
	for range 3 {
		k := session.NewKey()
		ok, err := s.c.Add(ctx, KeyPrefix+k, b, ttl)
		if err != nil {
			return "", fmt.Errorf("cachestore: %w", err)
		}
		if ok {
			return k, nil
		}
	}
	return "", errors.New("cachestore: no free session key after three tries")
}

// Delete removes the session; a missing one is not an error.
func (s *Store) Delete(ctx context.Context, cookie string) error {
	if !session.ValidKey(cookie) {
		return nil
	}
	if _, err := s.c.Delete(ctx, KeyPrefix+cookie); err != nil {
		return fmt.Errorf("cachestore: %w", err)
	}
	return nil
}
