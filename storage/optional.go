package storage

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Presigner is implemented by storages that hand out time-limited URLs signed
// with their credentials (storage/s3): a browser can then download a private file,
// or upload one directly, without the bytes passing through the application.
type Presigner interface {
	// PresignGet returns a URL that reads the stored file name with a plain GET
	// until expiry has passed.
	PresignGet(ctx context.Context, name string, expiry time.Duration) (string, error)
	// PresignPut picks a clean, unused name derived from name (as Save does) and
	// returns it with a URL that stores a file under it with a plain PUT of the
	// body until expiry has passed.
	PresignPut(ctx context.Context, name string, expiry time.Duration) (stored, url string, err error)
}

// MaxPresignExpiry is the longest a presigned URL may live: seven days, the
// limit of S3's signature version 4.
const MaxPresignExpiry = 7 * 24 * time.Hour

// ErrExpiry is returned for a presigned URL's lifetime that is not positive or
// longer than MaxPresignExpiry.
var ErrExpiry = errors.New("storage: a presigned URL's expiry must be between 1s and 7 days")

// CheckExpiry returns an error matching ErrExpiry unless d is a usable presigned
// URL lifetime (1s to MaxPresignExpiry).
func CheckExpiry(d time.Duration) error {
	if d < time.Second || d > MaxPresignExpiry {
		return fmt.Errorf("%w (got %v)", ErrExpiry, d)
	}
	return nil
}

// CheckName returns an error matching ErrInvalidName unless name is clean (see
// ValidName). Backends outside this package call it first in Open, Delete, Exists
// and URL.
func CheckName(name string) error { return checkName(name) }

// AlternativeName returns name with a random suffix before its extension
// ("a/b.txt" becomes "a/b_k3x9q2m.txt"), as Save does when the cleaned name is
// taken. Backends outside this package use it for the same purpose.
func AlternativeName(name string) string { return alternative(name) }
