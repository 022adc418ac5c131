package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Typed is a view of a Cache whose values are T, encoded as JSON (a string or
// []byte T is stored as it is, and integers as decimals, so Incr and a Typed[int64]
// agree). Get it with Of:
//
//	profiles := cache.Of[Profile](c)
//	p, err := profiles.GetOrSet(ctx, "profile:42", time.Minute, loadProfile)
type Typed[T any] struct{ c *Cache }

// Of returns the typed view of c for values of type T.
func Of[T any](c *Cache) Typed[T] { return Typed[T]{c} }

// Cache returns the underlying cache.
func (t Typed[T]) Cache() *Cache { return t.c }

func encode[T any](v T) ([]byte, error) {
	switch x := any(v).(type) {
	case []byte:
		return x, nil
	case string:
		return []byte(x), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cache: encoding %T: %w", v, err)
	}
	return b, nil
}

func decode[T any](b []byte) (T, error) {
	var v T
	switch p := any(&v).(type) {
	case *[]byte:
		*p = b
		return v, nil
	case *string:
		*p = string(b)
		return v, nil
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("cache: decoding %T: %w", v, err)
	}
	return v, nil
}

// Get returns the value under key. A stored value that does not decode as T is an
// error (a value written by other code, or before T changed).
func (t Typed[T]) Get(ctx context.Context, key string) (T, bool, error) {
	var zero T
	b, ok, err := t.c.Get(ctx, key)
	if err != nil || !ok {
		return zero, ok, err
	}
	v, err := decode[T](b)
	return v, err == nil, err
}

// Set stores v under key for ttl (see Cache.Set).
func (t Typed[T]) Set(ctx context.Context, key string, v T, ttl time.Duration) error {
	b, err := encode(v)
	if err != nil {
		return err
	}
	return t.c.Set(ctx, key, b, ttl)
}

// Add stores v only when key has no value (see Cache.Add).
func (t Typed[T]) Add(ctx context.Context, key string, v T, ttl time.Duration) (bool, error) {
	b, err := encode(v)
	if err != nil {
		return false, err
	}
	return t.c.Add(ctx, key, b, ttl)
}

// GetOrSet returns the value under key, computing and storing it with fn when
// there is none, with Cache.GetOrSet's stampede protection.
func (t Typed[T]) GetOrSet(ctx context.Context, key string, ttl time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	b, err := t.c.GetOrSet(ctx, key, ttl, func(ctx context.Context) ([]byte, error) {
		v, err := fn(ctx)
		if err != nil {
			return nil, err
		}
		return encode(v)
	})
	if b == nil && err != nil {
		return zero, err
	}
	v, derr := decode[T](b)
	if derr != nil {
		return zero, derr
	}
	return v, err
}

// GetMany returns the values of the keys that have one; values that do not decode
// as T are an error.
func (t Typed[T]) GetMany(ctx context.Context, keys []string) (map[string]T, error) {
	raw, err := t.c.GetMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]T, len(raw))
	for k, b := range raw {
		v, err := decode[T](b)
		if err != nil {
			return nil, fmt.Errorf("%w (key %q)", err, k)
		}
		out[k] = v
	}
	return out, nil
}

// SetMany stores every item with the same TTL.
func (t Typed[T]) SetMany(ctx context.Context, items map[string]T, ttl time.Duration) error {
	raw := make(map[string][]byte, len(items))
	for k, v := range items {
		b, err := encode(v)
		if err != nil {
			return err
		}
		raw[k] = b
	}
	return t.c.SetMany(ctx, raw, ttl)
}
