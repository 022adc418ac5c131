// Package session keeps per-visitor data across requests, like Django's sessions:
// a middleware loads the session lazily on first use, saves it only when it was
// modified, and sends an HttpOnly, SameSite=Lax cookie that is Secure outside
// debug mode.
//
// Handlers reach the session with From(r) (from a *galvani.Ctx: From(c.Request)):
//
//	s := session.From(r)
//	n, _ := session.Value[int](s, "visits")
//	s.Set("visits", n+1)
//
// Values are stored as JSON, so anything encoding/json handles can be stored, and
// Value[T] decodes a value back into its Go type.
//
// # Backends
//
// The default backend (CookieStore) keeps the whole session in the cookie,
// encrypted and authenticated with XChaCha20-Poly1305 under a key derived from the
// project's SECRET_KEY: nothing is stored on the server, and the client can neither
// read nor change its data. MemoryStore keeps sessions in process (tests and
// development), session/redisstore in Redis, and session/dbstore in the database
// through the orm. Any type implementing Store can be plugged in.
//
// # Security
//
// A cookie that is forged, truncated, expired, or encrypted with a retired key
// gives a fresh, empty session, never an error page. Call Cycle when the privilege
// level changes (the auth battery's login does) so that a session key fixed by an
// attacker before login is useless after it; call Flush on logout. With the cookie
// backend, a copy of an old cookie stays valid until it expires (there is no
// server-side record to delete): keep the age short, or use a server-side store,
// when that matters.
package session

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/galvani-web/galvani/internal/httpx"
)

// ErrNoMiddleware is returned by Session methods that change data when the
// session middleware is not installed (From returned nil).
var ErrNoMiddleware = errors.New("session: the session middleware is not installed (app.Use(session.Middleware(&app.Settings)))")

type ctxKey struct{}

// From returns the session of the request, or nil when the session middleware did
// not run. Methods of a nil *Session behave as on an empty session that cannot be
// changed: reads find nothing and Set returns ErrNoMiddleware.
func From(r *http.Request) *Session {
	s, _ := r.Context().Value(ctxKey{}).(*Session)
	return s
}

// Session is one visitor's data. It is loaded from the store on first use. It is
// safe for concurrent use by the goroutines of one request.
type Session struct {
	m   *Manager
	ctx context.Context

	mu       sync.Mutex
	cookie   string // cookie value received with the request
	key      string // store key of the loaded record; "" for a new session
	loaded   bool
	accessed bool
	modified bool
	stale    []string // store keys to delete at save time (after Cycle/Flush)
	loadErr  error    // the store failed to load the session: the response becomes a 503
	values   map[string]json.RawMessage
	expiry   int64        // 0 config default, -1 at browser close, >0 seconds
	out      *http.Cookie // cookie prepared by the last save
	// header is the response's header map: Vary: Cookie goes into it as soon as
	// the session is read, so a cache storing the response before the session
	// middleware commits it (cache.Page) already sees that the page varies.
	header http.Header
}

// load reads the record on first use. A cookie the store does not know gives a
// fresh session; a store that fails (Redis or the database down) gives an empty
// session for the rest of the handler and marks it failed, and the middleware then
// answers 503 instead of the handler's response (fail closed: a signed-in visitor is
// never shown the site as signed out, nor given a new session cookie over theirs).
func (s *Session) load() {
	if !s.accessed && s.header != nil {
		httpx.AddVary(s.header, "Cookie")
	}
	s.accessed = true
	if s.loaded {
		return
	}
	s.loaded = true
	s.values = map[string]json.RawMessage{}
	if s.cookie == "" {
		return
	}
	rec, ok, err := s.m.store.Load(s.ctx, s.cookie)
	if err != nil {
		s.loadErr = err
		s.m.logger().Error("session: the store cannot load the session; answering 503", "err", err)
		return
	}
	if !ok || (!rec.Expires.IsZero() && !s.m.now().Before(rec.Expires)) {
		return
	}
	s.key = s.cookie
	if rec.Values != nil {
		s.values = rec.Values
	}
	s.expiry = rec.Expiry
}

// Get returns the value stored under key decoded into a generic Go value
// (map[string]any, []any, float64, string, bool or nil), and whether it exists.
// Use Value[T] or Decode to get a typed value back.
func (s *Session) Get(key string) (any, bool) {
	var v any
	ok, err := s.Decode(key, &v)
	return v, ok && err == nil
}

// Decode decodes the value stored under key into dst (a pointer). It reports
// whether the key exists; the error is a JSON error when the stored value does not
// fit dst.
func (s *Session) Decode(key string, dst any) (bool, error) {
	if s == nil {
		return false, nil
	}
	s.mu.Lock()
	s.load()
	raw, ok := s.values[key]
	s.mu.Unlock()
	if !ok {
		return false, nil
	}
	return true, json.Unmarshal(raw, dst)
}

// Value returns the value stored under key as a T, and whether it exists and
// decodes as a T.
func Value[T any](s *Session, key string) (T, bool) {
	var v T
	ok, err := s.Decode(key, &v)
	return v, ok && err == nil
}

// Has reports whether key is set.
func (s *Session) Has(key string) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	_, ok := s.values[key]
	return ok
}

// Set stores v (anything encoding/json can encode) under key. The error is a JSON
// encoding error or ErrNoMiddleware.
func (s *Session) Set(key string, v any) error {
	if s == nil {
		return ErrNoMiddleware
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.values[key] = raw
	s.modified = true
	return nil
}

// Delete removes key. Deleting a missing key does not mark the session modified.
func (s *Session) Delete(key string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if _, ok := s.values[key]; ok {
		delete(s.values, key)
		s.modified = true
	}
}

// Pop returns the value under key decoded into dst, and removes it. It reports
// whether the key existed. It suits one-time values such as flash messages.
func (s *Session) Pop(key string, dst any) (bool, error) {
	ok, err := s.Decode(key, dst)
	if ok {
		s.Delete(key)
	}
	return ok, err
}

// Keys returns the stored keys, sorted.
func (s *Session) Keys() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return slices.Sorted(maps.Keys(s.values))
}

// Len returns the number of stored keys.
func (s *Session) Len() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return len(s.values)
}

// Clear removes every value, keeping the session key.
func (s *Session) Clear() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if len(s.values) > 0 {
		s.values = map[string]json.RawMessage{}
		s.modified = true
	}
}

// Flush removes every value and the stored record, and gives the session a new
// key: what logout does. The old key is useless from then on.
func (s *Session) Flush() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.values = map[string]json.RawMessage{}
	s.expiry = 0
	s.retireKey()
	s.modified = true
}

// Cycle keeps the data but moves it to a new key and deletes the record under the
// old one. Call it when the privilege level changes — login does — so that a
// session key an attacker planted or read before is worthless after.
func (s *Session) Cycle() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	s.retireKey()
	s.modified = true
}

func (s *Session) retireKey() {
	if s.key != "" {
		s.stale = append(s.stale, s.key)
	}
	s.key = ""
}

// SetExpiry overrides the configured expiry for this session: age > 0 keeps it for
// that long ("remember me"), age == 0 ends it when the browser closes, and age < 0
// returns to the configured behaviour.
func (s *Session) SetExpiry(age time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	switch {
	case age > 0:
		s.expiry = int64((age + time.Second - 1) / time.Second)
	case age == 0:
		s.expiry = -1
	default:
		s.expiry = 0
	}
	s.modified = true
}

// Modified reports whether the session was changed during this request and will
// be saved.
func (s *Session) Modified() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.modified
}

// Key returns the store key of the session: "" for a session that was not loaded
// from a server-side store, and always "" with the cookie backend.
func (s *Session) Key() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	if s.m.cookieStore {
		return ""
	}
	return s.key
}

// Save writes the session now, if it was modified, instead of when the response
// headers are written. Handlers call it to see the error (ErrCookieTooLarge, a store
// failure) while they can still answer differently; the middleware then sends the
// cookie Save produced.
func (s *Session) Save(ctx context.Context) error {
	if s == nil {
		return ErrNoMiddleware
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.m.save(ctx, s)
	return err
}
