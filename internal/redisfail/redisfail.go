// Package redisfail is the error the Redis-backed throttles (auth/redisthrottle,
// rest/redisthrottle) return when Redis does not answer, so both fail closed the
// same way: a 503 with Retry-After rather than a 500.
package redisfail

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RetryAfter is the Retry-After of the 503 an UnavailableError becomes.
const RetryAfter = 5 * time.Second

// UnavailableError is the error of an operation Redis did not answer (down,
// restarting, unreachable, timed out). Returned from a Galvani handler it becomes
// a 503 Service Unavailable with Retry-After, like the orm's UnavailableError; it
// unwraps to the Redis client's error.
type UnavailableError struct {
	// Err is the Redis client's error.
	Err error
}

func (e *UnavailableError) Error() string {
	return "redisthrottle: Redis unavailable: " + e.Err.Error()
}

// Unwrap returns the Redis client's error.
func (e *UnavailableError) Unwrap() error { return e.Err }

// HTTPStatus reports 503: what cannot be counted is not allowed.
func (e *UnavailableError) HTTPStatus() int { return 503 }

// RetryAfter is how long a client should wait before trying again.
func (e *UnavailableError) RetryAfter() time.Duration { return RetryAfter }

// Wrap makes a Redis failure an *UnavailableError; the caller's own cancellation
// stays what it is.
func Wrap(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("redisthrottle: %w", err)
	}
	return &UnavailableError{Err: err}
}
