package realtime

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/security"
)

// Overflow says what a socket does when its outbound queue is full.
type Overflow int

const (
	// Disconnect closes a socket whose queue is full: the client is too slow to
	// keep up, and a reconnect with a fresh state is better than silent gaps.
	Disconnect Overflow = iota
	// DropNewest keeps the queue and discards the message being sent.
	DropNewest
	// DropOldest discards the oldest queued message to make room for the new one,
	// for feeds where only the latest state matters.
	DropOldest
)

// Defaults used when the corresponding Options field is zero.
const (
	DefaultReadLimit    = 64 << 10
	DefaultQueueSize    = 64
	DefaultWriteTimeout = 10 * time.Second
)

// Options configure WebSocket upgrades. The zero value is ready to use.
type Options struct {
	// Origins lists extra hosts (with an optional port) whose pages may open
	// sockets, in ALLOWED_HOSTS syntax: "example.com", ".example.com" for a domain
	// and its subdomains. The request's own host and Settings.AllowedHosts (except
	// "*") are always allowed.
	Origins []string
	// AllowedHosts replaces the App's Settings.AllowedHosts in the origin check;
	// for plain net/http use (Upgrade), where there is no App, it is the only list.
	AllowedHosts []string
	// Subprotocols the server speaks, in order of preference.
	Subprotocols []string
	// ReadLimit bounds the size of one incoming message in bytes; a larger message
	// closes the socket with 1009 (message too big). Default DefaultReadLimit.
	ReadLimit int64
	// QueueSize bounds the outbound messages waiting for a slow client. Default
	// DefaultQueueSize.
	QueueSize int
	// Overflow is what happens when the queue is full. Default Disconnect.
	Overflow Overflow
	// WriteTimeout bounds the writing of one message; a client that does not take
	// it in time is disconnected. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
	// PingInterval, when positive, pings the client that often and drops it when
	// no pong comes back within WriteTimeout, so half-open connections (a laptop
	// closed, a network gone) are noticed by handlers waiting in Read. Pongs are
	// only seen while the handler is reading, so leave it zero for handlers that
	// never call Read.
	PingInterval time.Duration
	// Logger receives a line for each refused upgrade. Default slog.Default().
	Logger *slog.Logger
}

// String names the policy.
func (o Overflow) String() string {
	switch o {
	case Disconnect:
		return "Disconnect"
	case DropNewest:
		return "DropNewest"
	case DropOldest:
		return "DropOldest"
	}
	return "Overflow(" + strconv.Itoa(int(o)) + ")"
}

func (o Options) withDefaults() Options {
	if o.ReadLimit <= 0 {
		o.ReadLimit = DefaultReadLimit
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ErrForbiddenOrigin is returned by Upgrade when the request's Origin is not
// allowed; the client has been answered with 403.
var ErrForbiddenOrigin = errors.New("realtime: cross-origin WebSocket upgrade refused")

// originAllowed reports whether the browser page that opened the socket may do so.
// A request without Origin comes from a non-browser client, which could forge any
// header anyway, so it passes; the check protects browser users' cookies.
func originAllowed(r *http.Request, o Options) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	var patterns []string
	for _, h := range o.AllowedHosts {
		// "*" lets any Host header in; as an origin list it would let every page
		// on the web in, which is the attack the check exists to stop.
		if strings.TrimSpace(h) != "*" {
			patterns = append(patterns, h)
		}
	}
	patterns = append(patterns, o.Origins...)
	if len(patterns) == 0 {
		return false
	}
	return security.NewHostValidator(patterns, false, nil).Allowed(u.Host)
}

// Upgrade checks the Origin and switches the request to the WebSocket protocol.
// On failure it has already answered the client (403 for a refused origin, 400 or
// 426 for a request that is not a WebSocket handshake) and returns the error.
// The caller must Close the returned Conn.
func Upgrade(w http.ResponseWriter, r *http.Request, opts Options) (*Conn, error) {
	o := opts.withDefaults()
	if !originAllowed(r, o) {
		o.Logger.Warn("realtime: cross-origin WebSocket upgrade refused with 403", "origin", r.Header.Get("Origin"), "host", r.Host, "path", r.URL.Path,
			"fix", "add the origin's host to realtime.Options.Origins (or ALLOWED_HOSTS) if its pages may open sockets here")
		http.Error(w, "403 Forbidden: cross-origin WebSocket", http.StatusForbidden)
		return nil, ErrForbiddenOrigin
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: o.Subprotocols,
		// The origin was checked above against ALLOWED_HOSTS and Options.Origins.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(o.ReadLimit)
	return newConn(ws, r, o), nil
}

// Handler adapts a WebSocket function to a plain http.Handler, for net/http
// routers. The connection is closed normally when fn returns nil and with 1011
// (internal error) when it returns an error.
func Handler(fn func(r *http.Request, ws *Conn) error, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := Upgrade(w, r, opts)
		if err != nil {
			return
		}
		if err := ws.finish(fn(r, ws)); err != nil {
			o := opts.withDefaults()
			o.Logger.Error("realtime: WebSocket handler failed", "path", r.URL.Path, "error", err)
		}
	})
}

// WebSocket returns a Galvani handler that upgrades the request and runs fn with
// the connection. The origin check uses the App's Settings.AllowedHosts unless
// opts.AllowedHosts is set. The request, with whatever session and user the
// middleware attached to its context, is c.Request for the life of the socket.
// The connection is closed normally when fn returns nil; an error closes it with
// 1011 (internal error) and is logged by the App.
func WebSocket(fn func(c *galvani.Ctx, ws *Conn) error, opts Options) func(*galvani.Ctx) error {
	return func(c *galvani.Ctx) error {
		o := opts
		if o.AllowedHosts == nil && c.App() != nil {
			o.AllowedHosts = c.App().Settings.AllowedHosts
		}
		ws, err := Upgrade(c.Response, c.Request, o)
		if err != nil {
			return nil // already answered
		}
		return ws.finish(fn(c, ws))
	}
}

// isCloseErr reports whether err only says the peer went away, which is the
// normal end of a socket and not worth an error log line.
func isCloseErr(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrClosed) || errors.Is(err, ErrSlowConsumer) {
		return true
	}
	if websocket.CloseStatus(err) != -1 {
		return true
	}
	var me *MessageError
	return errors.As(err, &me)
}
