package cache

import (
	"context"
	"time"
)

// Dummy is the backend that stores nothing (Django's DummyCache): every Get misses,
// Add and Set succeed without keeping anything. Use it (dummy://) to run a site
// with caching off without changing its code.
type Dummy struct{}

var _ Backend = Dummy{}

// Get implements Backend: always a miss.
func (Dummy) Get(context.Context, string) ([]byte, bool, error) { return nil, false, nil }

// GetMany implements Backend: always empty.
func (Dummy) GetMany(context.Context, []string) (map[string][]byte, error) {
	return map[string][]byte{}, nil
}

// Set implements Backend: nothing is kept.
func (Dummy) Set(context.Context, string, []byte, time.Duration) error { return nil }

// SetMany implements Backend: nothing is kept.
func (Dummy) SetMany(context.Context, map[string][]byte, time.Duration) error { return nil }

// Add implements Backend: it reports true, as Django's DummyCache does, and keeps nothing.
func (Dummy) Add(context.Context, string, []byte, time.Duration) (bool, error) { return true, nil }

// Replace implements Backend: there is never a value to replace.
func (Dummy) Replace(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, nil
}

// Delete implements Backend.
func (Dummy) Delete(context.Context, string) (bool, error) { return false, nil }

// DeleteMany implements Backend.
func (Dummy) DeleteMany(context.Context, []string) error { return nil }

// Touch implements Backend.
func (Dummy) Touch(context.Context, string, time.Duration) (bool, error) { return false, nil }

// Incr implements Backend: there is never a value.
func (Dummy) Incr(context.Context, string, int64) (int64, error) { return 0, ErrNotFound }

// Clear implements Backend.
func (Dummy) Clear(context.Context) error { return nil }

// Close implements Backend.
func (Dummy) Close() error { return nil }
