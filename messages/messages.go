// Package messages shows one-time notices to a visitor across a redirect, like
// Django's messages framework: a handler adds "Profile saved." before redirecting,
// and the next page shows it once.
//
//	app.Use(session.Middleware(&app.Settings)) // optional: messages then live in the session
//	app.Use(messages.Middleware(&app.Settings))
//
//	messages.Success(c.Request, "Profile saved.")
//	return c.Redirect(303, "/profile/")
//
// and in the base template (the App's TemplateContext puts them in every context):
//
//	{% for m in messages %}<div class="{{ m.tags }}">{{ m }}</div>{% endfor %}
//
// Messages are stored in the visitor's session when the session middleware runs
// (outside this one), otherwise in a signed cookie: the visitor can read a cookie's
// messages but not forge or change them. Get consumes the messages; the ones added
// afterwards in the same request are kept for the next.
package messages

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/galvani-web/galvani"
)

// Level is a message's importance. Messages below the configured minimum level
// (Info by default) are dropped.
type Level int

// The levels, with Django's values.
const (
	LevelDebug   Level = 10
	LevelInfo    Level = 20
	LevelSuccess Level = 25
	LevelWarning Level = 30
	LevelError   Level = 40
)

// Tag returns the level's CSS-friendly name: debug, info, success, warning, error.
func (l Level) Tag() string {
	switch l {
	case LevelDebug:
		return "debug"
	case LevelInfo:
		return "info"
	case LevelSuccess:
		return "success"
	case LevelWarning:
		return "warning"
	case LevelError:
		return "error"
	}
	return ""
}

// String returns the level's tag, or its number for a custom level.
func (l Level) String() string {
	if t := l.Tag(); t != "" {
		return t
	}
	return fmt.Sprint(int(l))
}

// Message is one notice. Its text is plain text: templates escape it.
type Message struct {
	Level Level  `json:"l"`
	Text  string `json:"m"`
	// ExtraTags are space-separated extra CSS classes.
	ExtraTags string `json:"t,omitempty"`
}

// String returns the text, so {{ m }} shows it.
func (m Message) String() string { return m.Text }

// LevelTag returns the level's tag ("success").
func (m Message) LevelTag() string { return m.Level.Tag() }

// Tags returns the extra tags followed by the level tag ("banner success"), for a
// class attribute.
func (m Message) Tags() string {
	return strings.TrimSpace(m.ExtraTags + " " + m.Level.Tag())
}

// ErrNoMiddleware is returned by Add when the messages middleware is not installed.
var ErrNoMiddleware = errors.New("messages: the messages middleware is not installed (app.Use(messages.Middleware(&app.Settings)))")

type ctxKey struct{}

// state is one request's messages.
type state struct {
	m *Manager
	r *http.Request

	mu      sync.Mutex
	storage Storage
	loaded  bool
	queue   []Message
	changed bool
	done    bool
}

func from(r *http.Request) *state {
	s, _ := r.Context().Value(ctxKey{}).(*state)
	return s
}

func (s *state) load() {
	if s.loaded {
		return
	}
	s.loaded = true
	msgs, err := s.storage.Load(s.r)
	if err != nil {
		// A forged, stale or unreadable store holds no messages, and is cleared.
		s.m.logger().Debug("messages: discarding unreadable stored messages", "err", err)
		s.changed = true
		return
	}
	s.queue = msgs
}

// maxQueue bounds the messages kept for one visitor, so a loop adding messages
// cannot grow a session without end.
const maxQueue = 100

// Add queues a message for the visitor. Messages below the minimum level are
// dropped without error. It returns ErrNoMiddleware when the middleware is
// missing.
func Add(r *http.Request, level Level, text string, extraTags ...string) error {
	s := from(r)
	if s == nil {
		return ErrNoMiddleware
	}
	if level < s.m.cfg.MinLevel {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return errors.New("messages: Add after the response headers were written; add messages before writing the response")
	}
	s.load()
	s.queue = append(s.queue, Message{Level: level, Text: text, ExtraTags: strings.Join(extraTags, " ")})
	if len(s.queue) > maxQueue {
		s.queue = s.queue[len(s.queue)-maxQueue:]
	}
	s.changed = true
	return nil
}

// Debug adds a debug message (dropped unless the minimum level is LevelDebug).
func Debug(r *http.Request, text string) error { return Add(r, LevelDebug, text) }

// Info adds an info message.
func Info(r *http.Request, text string) error { return Add(r, LevelInfo, text) }

// Success adds a success message.
func Success(r *http.Request, text string) error { return Add(r, LevelSuccess, text) }

// Warning adds a warning message.
func Warning(r *http.Request, text string) error { return Add(r, LevelWarning, text) }

// Error adds an error message.
func Error(r *http.Request, text string) error { return Add(r, LevelError, text) }

// Get returns the visitor's messages and marks them as shown: they will not be
// stored again. Messages added later in the same request are kept for the next.
// Without the middleware it returns nil.
func Get(r *http.Request) []Message {
	s := from(r)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	out := s.queue
	if len(out) > 0 {
		s.queue = nil
		s.changed = true
	}
	return out
}

// Peek returns the visitor's messages without consuming them.
func Peek(r *http.Request) []Message {
	s := from(r)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return append([]Message(nil), s.queue...)
}

// TemplateContext is the template context processor: it puts the visitor's
// messages under "messages" as a *List, which a template consumes only when it
// iterates it, as in Django: a page, a fragment or an e-mail that does not show the
// messages leaves them for the next page. The App value registers it with the
// template engine; call it yourself for another engine.
func TemplateContext(r *http.Request) map[string]any {
	return map[string]any{"messages": &List{r: r}, "message_levels": levels}
}

// List is the visitor's messages as a template sees them. Iterating it ({% for m
// in messages %}, All, Messages) returns the messages and marks them as shown;
// Len ({% if messages %}, |length) counts them without.
type List struct {
	r        *http.Request
	mu       sync.Mutex
	consumed bool
	shown    []Message
}

// Messages returns the messages and marks them as shown (Get), once: later calls
// return the same messages.
func (l *List) Messages() []Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.consumed {
		l.shown, l.consumed = Get(l.r), true
	}
	return l.shown
}

// All iterates the messages, marking them as shown; templates iterate through it.
func (l *List) All() iter.Seq[Message] {
	return func(yield func(Message) bool) {
		for _, m := range l.Messages() {
			if !yield(m) {
				return
			}
		}
	}
}

// Len counts the messages without marking them as shown.
func (l *List) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.consumed {
		return len(l.shown)
	}
	return len(Peek(l.r))
}

var levels = map[string]Level{
	"DEBUG": LevelDebug, "INFO": LevelInfo, "SUCCESS": LevelSuccess, "WARNING": LevelWarning, "ERROR": LevelError,
}

// Config is the "messages" settings section.
type Config struct {
	// MinLevel drops messages below it; default LevelInfo.
	MinLevel Level
	// Storage keeps the messages between requests. Default: the session when the
	// session middleware runs on the request, a signed cookie otherwise.
	Storage Storage
	// Logger receives storage failures; default slog.Default().
	Logger *slog.Logger
}

// Manager is the messages middleware with its configuration.
type Manager struct {
	cfg    Config
	cookie *CookieStorage
}

// New returns a Manager for cfg. Without cfg.Storage, keys sign the fallback cookie
// storage (the project's secret keys: signing.Keys).
func New(cfg Config, keys []string) (*Manager, error) {
	if cfg.MinLevel == 0 {
		cfg.MinLevel = LevelInfo
	}
	m := &Manager{cfg: cfg}
	if cfg.Storage == nil {
		if len(keys) == 0 {
			return nil, errors.New("messages: no signing keys for the cookie storage (set SECRET_KEY, or Config.Storage)")
		}
		m.cookie = &CookieStorage{Keys: keys}
	}
	return m, nil
}

func (m *Manager) logger() *slog.Logger {
	if m.cfg.Logger != nil {
		return m.cfg.Logger
	}
	return slog.Default()
}

func (m *Manager) storageFor(r *http.Request) Storage {
	if m.cfg.Storage != nil {
		return m.cfg.Storage
	}
	if sessionActive(r) {
		return SessionStorage{}
	}
	return m.cookie
}

// Handler is the middleware. It must run inside the session middleware (added
// after it) for messages to live in the session.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &state{m: m}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		s.r = r
		s.storage = m.storageFor(r)
		mw := &writer{ResponseWriter: w, s: s}
		next.ServeHTTP(mw, r)
		mw.commit()
	})
}

// save stores the queue if it changed; called once, before the headers go out.
func (s *state) save(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	if !s.changed {
		return
	}
	if err := s.storage.Save(w, s.r, s.queue); err != nil {
		s.m.logger().Warn("messages: storing messages failed", "err", err)
	}
}

// Middleware returns the messages middleware configured by the "messages" section
// of s, signing its cookie with the project's secret keys. It panics when there is
// no secret key outside Debug mode (in Debug mode a random key is used).
func Middleware(s *galvani.Settings) func(http.Handler) http.Handler {
	cfg := *galvani.Section(s, "messages", Config{})
	keys, err := settingsKeys(s)
	if err != nil && cfg.Storage == nil {
		panic(err)
	}
	m, err := New(cfg, keys)
	if err != nil {
		panic(err)
	}
	if s.Debug {
		m.cookie.insecure()
	}
	return m.Handler
}

// App is the installable app: it adds the messages context processor to the
// template engine.
var App galvani.AppConfig = app{}

type app struct{}

func (app) Label() string { return "messages" }

// TemplateContext implements the template battery's ProcessorProvider.
func (app) TemplateContext(r *http.Request) map[string]any { return TemplateContext(r) }
