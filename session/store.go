package session

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
)

// Record is what a Store keeps for one session.
type Record struct {
	// Values are the session's values, JSON-encoded.
	Values map[string]json.RawMessage `json:"v"`
	// Expires is when the session ends on the server side. Stores must not return
	// records past it (the middleware also checks).
	Expires time.Time `json:"e"`
	// Expiry is the per-session override set with Session.SetExpiry: 0 for the
	// configured behaviour, -1 for "at browser close", otherwise seconds.
	Expiry int64 `json:"x,omitempty"`
}

// Store keeps session records. The middleware calls it at most once per request to
// load and once to save. Implementations must be safe for concurrent use.
type Store interface {
	// Load returns the record identified by the cookie value. A value the store
	// does not know, cannot verify, or that has expired gives ok == false and no
	// error: the visitor gets a fresh session. An error means the store failed.
	Load(ctx context.Context, cookie string) (rec Record, ok bool, err error)
	// Save stores rec and returns the cookie value that identifies it from now on.
	// key is the cookie value the record was loaded under, or "" for a new (or
	// cycled) session, for which a server-side store must create a fresh random key
	// (never one chosen by the client). When key is not "" but its record is gone —
	// another request flushed or cycled it — Save returns ErrKeyGone rather than
	// resurrect it.
	Save(ctx context.Context, key string, rec Record) (cookie string, err error)
	// Delete removes the record identified by the cookie value; a missing record is
	// not an error.
	Delete(ctx context.Context, cookie string) error
}

// Cleaner is implemented by stores that need expired records removed from time to
// time. The clearsessions command calls it.
type Cleaner interface {
	DeleteExpired(ctx context.Context) (n int64, err error)
}

// ErrKeyGone is returned by Store.Save when the record being updated was deleted
// in the meantime (a concurrent logout or key rotation). The middleware then sends
// no cookie, so the deletion stands.
var ErrKeyGone = errors.New("session: the session was deleted or rotated by another request")

// ErrCookieTooLarge is returned when a session cookie would exceed the 4096 bytes
// browsers keep. Store less in the session, or use a server-side store.
var ErrCookieTooLarge = errors.New("session: cookie too large")

// keyBytes is the entropy of a server-side session key.
const keyBytes = 32

// KeyLen is the length of the keys NewKey returns.
var KeyLen = base64.RawURLEncoding.EncodedLen(keyBytes)

// NewKey returns a fresh random session key (256 bits, URL-safe base64) for
// server-side stores.
func NewKey() string {
	var b [keyBytes]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidKey reports whether k has the shape of a key made by NewKey. Server-side
// stores check it before querying, so junk from the client never reaches them.
func ValidKey(k string) bool {
	if len(k) != KeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
