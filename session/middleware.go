package session

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/httpx"
	"github.com/galvani-web/galvani/signing"
)

// maxCookieBytes is the largest name=value pair browsers are guaranteed to keep.
const maxCookieBytes = 4093

// Config is the "session" settings section (Django's SESSION_* settings). The
// env tags name the environment variables that override each field when the
// settings come from the environment (see galvani.Section).
type Config struct {
	// CookieName is the name of the session cookie. Default "sessionid".
	CookieName string `env:"SESSION_COOKIE_NAME"`
	// Age is how long a session lives after its last save. Default two weeks.
	Age time.Duration `env:"SESSION_COOKIE_AGE"`
	// ExpireAtBrowserClose sends a cookie without Max-Age, which the browser drops
	// when it closes. The server still refuses the session after Age.
	ExpireAtBrowserClose bool `env:"SESSION_EXPIRE_AT_BROWSER_CLOSE"`
	// SaveEveryRequest saves non-empty sessions on every request, which slides the
	// expiry forward; by default sessions are saved only when modified.
	SaveEveryRequest bool `env:"SESSION_SAVE_EVERY_REQUEST"`
	// CookieDomain and CookiePath scope the cookie. Defaults: host-only, "/".
	CookieDomain string `env:"SESSION_COOKIE_DOMAIN"`
	CookiePath   string `env:"SESSION_COOKIE_PATH"`
	// SameSite is the cookie's SameSite attribute. Default Lax.
	SameSite http.SameSite
	// Insecure drops the Secure attribute. Debug mode does it implicitly, so that
	// sessions work over plain HTTP in development; never set it in production.
	Insecure bool
	// Store keeps the sessions. Default: an encrypted CookieStore keyed from the
	// project's secret keys.
	Store Store
	// Logger receives save failures. Default slog.Default().
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.CookieName == "" {
		c.CookieName = "sessionid"
	}
	if c.Age <= 0 {
		c.Age = 14 * 24 * time.Hour
	}
	if c.CookiePath == "" {
		c.CookiePath = "/"
	}
	if c.SameSite == 0 {
		c.SameSite = http.SameSiteLaxMode
	}
	return c
}

// Manager is the session middleware with its configuration and store.
type Manager struct {
	cfg         Config
	store       Store
	cookieStore bool
}

// New returns a Manager for cfg. cfg.Store is required; FromSettings fills it in.
func New(cfg Config) (*Manager, error) {
	if cfg.Store == nil {
		return nil, errors.New("session: Config.Store is nil (use session.FromSettings for the default cookie store)")
	}
	cfg = cfg.withDefaults()
	_, isCookie := cfg.Store.(*CookieStore)
	return &Manager{cfg: cfg, store: cfg.Store, cookieStore: isCookie}, nil
}

// FromSettings returns a Manager configured by the "session" section of s. Without
// a Store, the sessions live in encrypted cookies keyed from s.SecretKey and the
// signing fallbacks. In Debug mode the cookie is not Secure, and a missing
// SecretKey is replaced by a random key for the life of the process (with a
// warning); outside Debug a missing SecretKey is an error.
func FromSettings(s *galvani.Settings) (*Manager, error) {
	cfg := *galvani.Section(s, "session", Config{})
	if s.Debug {
		cfg.Insecure = true
	}
	if cfg.Store == nil {
		keys, err := signing.Keys(s)
		if err != nil {
			if !s.Debug {
				return nil, fmt.Errorf("session: %w; the default cookie sessions need it", err)
			}
			logger(cfg.Logger).Warn("session: SECRET_KEY is empty; using a random key, so sessions end when the process restarts")
			keys = []string{devKey()}
		}
		cs, err := NewCookieStore(keys)
		if err != nil {
			return nil, err
		}
		cfg.Store = cs
	}
	return New(cfg)
}

// Middleware returns the session middleware configured from s, for app.Use. It
// panics when the configuration is unusable (no SECRET_KEY outside Debug): an
// error to fix before the site starts.
func Middleware(s *galvani.Settings) func(http.Handler) http.Handler {
	m, err := FromSettings(s)
	if err != nil {
		panic(err)
	}
	return m.Handler
}

func devKey() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

func (m *Manager) logger() *slog.Logger { return logger(m.cfg.Logger) }

func (m *Manager) now() time.Time {
	if m.cfg.Now != nil {
		return m.cfg.Now()
	}
	return time.Now()
}

// Store returns the Manager's store.
func (m *Manager) Store() Store { return m.store }

// Handler is the middleware: it attaches a lazily loaded session to the request
// and saves it, when modified, just before the response headers are written.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &Session{m: m, ctx: r.Context(), header: w.Header()}
		s.cookie, _ = httpx.CookieValue(r, m.cfg.CookieName)
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		sw := &writer{ResponseWriter: w, s: s}
		next.ServeHTTP(sw, r)
		sw.commit(http.StatusOK)
	})
}

// save persists a modified session and prepares its cookie. s.mu is held.
func (m *Manager) save(ctx context.Context, s *Session) (*http.Cookie, error) {
	if !s.modified && !(m.cfg.SaveEveryRequest && s.loaded && len(s.values) > 0) {
		return s.out, nil
	}
	for _, k := range s.stale {
		if err := m.store.Delete(ctx, k); err != nil {
			return nil, fmt.Errorf("session: deleting the old session: %w", err)
		}
	}
	s.stale = nil
	if len(s.values) == 0 {
		// An empty session is not stored; a cookie the client holds is expired.
		if s.key != "" {
			if err := m.store.Delete(ctx, s.key); err != nil {
				return nil, fmt.Errorf("session: deleting the emptied session: %w", err)
			}
			s.key = ""
		}
		s.modified = false
		if s.cookie != "" {
			s.out = m.cookie("", -1)
		}
		return s.out, nil
	}
	age := m.cfg.Age
	if s.expiry > 0 {
		age = time.Duration(s.expiry) * time.Second
	}
	rec := Record{Values: s.values, Expires: m.now().Add(age).Truncate(time.Second), Expiry: s.expiry}
	val, err := m.store.Save(ctx, s.key, rec)
	if err != nil {
		return nil, err
	}
	if n := len(m.cfg.CookieName) + 1 + len(val); n > maxCookieBytes {
		return nil, fmt.Errorf("%w: %d bytes with the %d-byte limit (%d values); store less in the session or use a server-side store", ErrCookieTooLarge, n, maxCookieBytes, len(s.values))
	}
	s.key = val
	s.modified = false
	maxAge := int(age / time.Second)
	if s.expiry == -1 || (s.expiry == 0 && m.cfg.ExpireAtBrowserClose) {
		maxAge = 0
	}
	s.out = m.cookie(val, maxAge)
	return s.out, nil
}

// cookie builds the session cookie; maxAge < 0 deletes it, 0 makes it a browser
// session cookie.
func (m *Manager) cookie(val string, maxAge int) *http.Cookie {
	c := &http.Cookie{Name: m.cfg.CookieName, Value: val, Path: m.cfg.CookiePath, Domain: m.cfg.CookieDomain,
		MaxAge: maxAge, Secure: !m.cfg.Insecure, HttpOnly: true, SameSite: m.cfg.SameSite}
	if maxAge > 0 {
		c.Expires = m.now().Add(time.Duration(maxAge) * time.Second).UTC()
	} else if maxAge < 0 {
		c.Expires = time.Unix(0, 0).UTC()
	}
	return c
}

// writer saves the session just before the headers go out.
type writer struct {
	http.ResponseWriter
	s       *Session
	written bool
	// failed: the session could not be loaded or saved and the 503 went out
	// instead of the handler's response, whose writes are dropped.
	failed bool
}

// UnavailableRetryAfter is the Retry-After of the 503 the middleware answers with
// when the store cannot load a session, or save one the request changed.
const UnavailableRetryAfter = 5 * time.Second

// unavailableHeaders are the handler's response headers that must not go out with
// the 503 that replaces its response.
var unavailableHeaders = []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Disposition",
	"Content-Range", "Location", "Set-Cookie", "Etag", "Last-Modified", "Cache-Control", "Expires"}

func (w *writer) commit(status int) {
	if w.written {
		return
	}
	w.written = true
	s := w.s
	s.mu.Lock()
	defer s.mu.Unlock()
	h := w.ResponseWriter.Header()
	if s.accessed {
		httpx.AddVary(h, "Cookie")
	}
	if s.loadErr != nil {
		w.unavailable("loaded")
		return
	}
	if status >= 500 {
		return // the handler failed part-way: keep the stored session as it was
	}
	// A client that went away must not lose the write of a session it changed.
	c, err := s.m.save(context.WithoutCancel(s.ctx), s)
	switch {
	case errors.Is(err, ErrKeyGone):
		s.m.logger().Info("session: not saved", "err", err)
	case errors.Is(err, ErrCookieTooLarge):
		s.m.logger().Error("session: not saved", "err", err)
	case err != nil:
		// The store is down: the handler's answer (a login's redirect, say) would
		// claim a change the visitor does not get. Fail closed, as for a load.
		s.m.logger().Error("session: not saved", "err", err)
		w.unavailable("saved")
	case c != nil:
		h.Add("Set-Cookie", c.String())
	}
}

// unavailable replaces the handler's response with a 503 and Retry-After saying
// the session store could not be used (what: "loaded" or "saved"); the
// handler's later writes are dropped.
func (w *writer) unavailable(what string) {
	w.failed = true
	h := w.ResponseWriter.Header()
	for _, k := range unavailableHeaders {
		delete(h, k)
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Retry-After", strconv.Itoa(int(UnavailableRetryAfter/time.Second)))
	w.ResponseWriter.WriteHeader(http.StatusServiceUnavailable)
	_, _ = io.WriteString(w.ResponseWriter, "Service Unavailable: sessions cannot be "+what+" right now; please try again shortly.\n")
}

func (w *writer) WriteHeader(status int) {
	if status >= 200 || status == http.StatusSwitchingProtocols {
		w.commit(status)
	}
	if w.failed {
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *writer) Write(b []byte) (int, error) {
	w.commit(http.StatusOK)
	if w.failed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher when the underlying writer does.
func (w *writer) Flush() {
	w.commit(http.StatusOK)
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker when the underlying writer does.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.commit(http.StatusOK)
	if w.failed {
		return nil, nil, errors.New("session: the session store is unavailable; a 503 was sent")
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
