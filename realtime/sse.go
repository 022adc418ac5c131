package realtime

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
)

// DefaultHeartbeat is how often an idle event stream sends a comment line, so
// proxies that close quiet connections keep it open and a vanished client is
// noticed.
const DefaultHeartbeat = 15 * time.Second

// SSEOptions configure an event stream. The zero value is ready to use.
type SSEOptions struct {
	// Heartbeat is the interval of keep-alive comments; default DefaultHeartbeat,
	// negative for none.
	Heartbeat time.Duration
	// Retry, when positive, tells the browser how long to wait before reconnecting.
	Retry time.Duration
	// WriteTimeout bounds the writing of one event (or heartbeat); a client that
	// does not take it in time ends the stream. It replaces the server's
	// WriteTimeout, which bounds a whole response and would cut every stream
	// after it. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
}

// ErrBadField is returned by Send for an event name or id containing a line break
// (or, for an id, a NUL), which would split the event on the wire.
var ErrBadField = errors.New("realtime: SSE event name or id contains a line break or NUL")

// EventStream writes Server-Sent Events (text/event-stream) to one client. Send
// and the heartbeat may run concurrently. Call Close before the handler returns.
type EventStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	r       *http.Request
	timeout time.Duration
	mu      sync.Mutex
	closed  bool
	err     error
	stop    chan struct{}
	done    chan struct{}
}

// SSE starts an event stream on a Galvani request: it sends the headers at once
// and starts the heartbeat. Use it as
//
//	s, err := realtime.SSE(c)
//	if err != nil { return err }
//	defer s.Close()
func SSE(c *galvani.Ctx, opts ...SSEOptions) (*EventStream, error) {
	return NewEventStream(c.Response, c.Request, opts...)
}

// NewEventStream is SSE for plain net/http handlers.
func NewEventStream(w http.ResponseWriter, r *http.Request, opts ...SSEOptions) (*EventStream, error) {
	var o SSEOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	s := &EventStream{w: w, rc: http.NewResponseController(w), r: r, timeout: o.WriteTimeout, stop: make(chan struct{}), done: make(chan struct{})}
	// The server's WriteTimeout bounds a whole response: past it every write
	// fails. A stream outlives it, so each write gets its own deadline instead. A
	// writer without deadlines (a test recorder) answers ErrNotSupported, which
	// changes nothing.
	s.deadline()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx would otherwise buffer the stream
	w.WriteHeader(http.StatusOK)
	if o.Retry > 0 {
		s.writeLocked("retry: " + strconv.FormatInt(o.Retry.Milliseconds(), 10) + "\n\n")
	}
	if err := s.rc.Flush(); err != nil {
		return nil, err
	}
	if o.Heartbeat > 0 {
		go s.heartbeat(o.Heartbeat)
	} else {
		close(s.done)
	}
	return s, nil
}

// LastEventID returns the id of the last event the client saw before it
// reconnected (the Last-Event-ID header browsers send), or "" on a first
// connection. Resume the stream after it.
func (s *EventStream) LastEventID() string { return s.r.Header.Get("Last-Event-ID") }

// Done is closed when the client goes away.
func (s *EventStream) Done() <-chan struct{} { return s.r.Context().Done() }

// Send writes one event and flushes it. event and id may be empty (the browser
// then fires "message" and keeps the previous id); data may span several lines.
func (s *EventStream) Send(event, id, data string) error {
	if strings.ContainsAny(event, "\r\n") || strings.ContainsAny(id, "\r\n\x00") {
		return ErrBadField
	}
	var b strings.Builder
	if event != "" {
		b.WriteString("event: " + event + "\n")
	}
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	data = strings.ReplaceAll(data, "\r\n", "\n")
	data = strings.ReplaceAll(data, "\r", "\n")
	for _, line := range strings.Split(data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	return s.write(b.String())
}

func (s *EventStream) write(p string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	s.deadline()
	s.writeLocked(p)
	if s.err == nil {
		s.err = s.rc.Flush()
	}
	return s.err
}

// deadline gives the next write WriteTimeout to reach the client.
func (s *EventStream) deadline() { _ = s.rc.SetWriteDeadline(time.Now().Add(s.timeout)) }

func (s *EventStream) writeLocked(p string) {
	if s.err == nil {
		_, s.err = s.w.Write([]byte(p))
	}
}

func (s *EventStream) heartbeat(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if s.write(":\n\n") != nil {
				return
			}
		case <-s.stop:
			return
		case <-s.r.Context().Done():
			return
		}
	}
}

// Close stops the heartbeat; after it returns nothing more is written, so the
// handler may return. Later calls do nothing.
func (s *EventStream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.done
	// net/http ends the response after the handler returns: bound that write too.
	s.deadline()
	return nil
}
