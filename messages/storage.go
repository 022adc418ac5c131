package messages

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"unicode/utf8"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/signing"
)

// Storage keeps a visitor's pending messages between requests.
type Storage interface {
	// Load returns the stored messages. An error (a forged or unreadable store)
	// means none; the store is then cleared.
	Load(r *http.Request) ([]Message, error)
	// Save replaces the stored messages (none: clear the store). It is called
	// before the response headers are written, so it may set cookies on w.
	Save(w http.ResponseWriter, r *http.Request, msgs []Message) error
}

// sessionKey is where SessionStorage keeps the messages.
const sessionKey = "_messages"

// SessionStorage keeps messages in the visitor's session (session.From). The
// session middleware must run outside the messages middleware.
type SessionStorage struct{}

func sessionActive(r *http.Request) bool { return session.From(r) != nil }

// Load implements Storage.
func (SessionStorage) Load(r *http.Request) ([]Message, error) {
	var msgs []Message
	if _, err := session.From(r).Decode(sessionKey, &msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}

// Save implements Storage.
func (SessionStorage) Save(w http.ResponseWriter, r *http.Request, msgs []Message) error {
	s := session.From(r)
	if len(msgs) == 0 {
		if s.Has(sessionKey) {
			s.Delete(sessionKey)
		}
		return nil
	}
	return s.Set(sessionKey, msgs)
}

// maxCookieBytes is the largest name=value pair browsers are guaranteed to keep.
const maxCookieBytes = 4093

// cookieSalt separates message cookies from other signed values.
const cookieSalt = "galvani.messages"

// CookieStorage keeps messages in a signed cookie. The visitor can read the
// messages (they are meant for them) but cannot forge or alter them: a cookie with
// a bad signature is ignored and cleared. When the messages do not fit in a cookie,
// the oldest are dropped.
type CookieStorage struct {
	// Keys sign the cookie: the first signs, all verify (key rotation).
	Keys []string
	// Name is the cookie's name; default "messages".
	Name string
	// Path is the cookie's path; default "/".
	Path string
	// Insecure drops the Secure attribute (Debug mode sets it, for plain HTTP).
	Insecure bool

	mu sync.Mutex
}

func (c *CookieStorage) insecure() {
	if c != nil {
		c.mu.Lock()
		c.Insecure = true
		c.mu.Unlock()
	}
}

func (c *CookieStorage) name() string {
	if c.Name == "" {
		return "messages"
	}
	return c.Name
}

// Load implements Storage.
func (c *CookieStorage) Load(r *http.Request) ([]Message, error) {
	ck, err := r.Cookie(c.name())
	if err != nil {
		return nil, nil // no cookie
	}
	var msgs []Message
	if err := signing.Loads(ck.Value, &msgs, signing.Options{Keys: c.Keys, Salt: cookieSalt}); err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if !utf8.ValidString(m.Text) || !utf8.ValidString(m.ExtraTags) {
			return nil, errors.New("messages: cookie holds invalid text")
		}
	}
	return msgs, nil
}

// Save implements Storage.
func (c *CookieStorage) Save(w http.ResponseWriter, r *http.Request, msgs []Message) error {
	c.mu.Lock()
	secure := !c.Insecure
	c.mu.Unlock()
	path := c.Path
	if path == "" {
		path = "/"
	}
	ck := &http.Cookie{Name: c.name(), Path: path, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	for len(msgs) > 0 {
		v, err := signing.Dumps(msgs, signing.Options{Keys: c.Keys, Salt: cookieSalt, Compress: true})
		if err != nil {
			return err
		}
		if len(ck.Name)+1+len(v) <= maxCookieBytes {
			ck.Value = v
			http.SetCookie(w, ck)
			return nil
		}
		msgs = msgs[1:] // too big: drop the oldest
	}
	if _, err := r.Cookie(c.name()); err == nil {
		ck.MaxAge = -1
		http.SetCookie(w, ck)
	}
	return nil
}

// settingsKeys returns the project's signing keys; in Debug mode without a secret
// key, a random one for the life of the process.
func settingsKeys(s *galvani.Settings) ([]string, error) {
	keys, err := signing.Keys(s)
	if err == nil {
		return keys, nil
	}
	if !s.Debug {
		return nil, errors.New("messages: SECRET_KEY is empty; the cookie storage needs it")
	}
	slog.Default().Warn("messages: SECRET_KEY is empty; signing message cookies with a random key")
	var b [32]byte
	rand.Read(b[:])
	return []string{base64.RawStdEncoding.EncodeToString(b[:])}, nil
}

// writer stores the messages just before the response headers are written.
type writer struct {
	http.ResponseWriter
	s *state
}

func (w *writer) commit() { w.s.save(w.ResponseWriter) }

// WriteHeader implements http.ResponseWriter. An informational status (103 Early
// Hints) is not the response: the messages are stored with the final headers.
func (w *writer) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.commit()
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *writer) Write(b []byte) (int, error) {
	w.commit()
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher.
func (w *writer) Flush() {
	w.commit()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker when the underlying writer does.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, http.ErrNotSupported
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
