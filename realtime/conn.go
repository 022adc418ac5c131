package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// MessageType is the kind of a WebSocket data message.
type MessageType = websocket.MessageType

// The WebSocket data message kinds.
const (
	Text   = websocket.MessageText
	Binary = websocket.MessageBinary
)

// StatusCode is a WebSocket close code (RFC 6455 section 7.4).
type StatusCode = websocket.StatusCode

// Close codes this package uses.
const (
	StatusNormalClosure   = websocket.StatusNormalClosure           // 1000: handler finished
	StatusUnsupportedData = websocket.StatusUnsupportedData         // 1003: binary where JSON text was expected
	StatusInvalidPayload  = websocket.StatusInvalidFramePayloadData // 1007: malformed JSON
	StatusMessageTooBig   = websocket.StatusMessageTooBig           // 1009: over Options.ReadLimit
	StatusInternalError   = websocket.StatusInternalError           // 1011: handler returned an error
)

// CloseStatus returns the close code carried by err (from a Read after the peer
// closed, or from a client's Read), or -1 when err is not a close.
func CloseStatus(err error) StatusCode { return websocket.CloseStatus(err) }

var (
	// ErrClosed is returned by Send on a socket that is closed or closing.
	ErrClosed = errors.New("realtime: connection closed")
	// ErrSlowConsumer is returned by Send when the outbound queue was full and the
	// Disconnect policy closed the socket.
	ErrSlowConsumer = errors.New("realtime: outbound queue full, slow client disconnected")
	// ErrDropped is returned by Send when the queue was full and the DropNewest
	// policy discarded the message.
	ErrDropped = errors.New("realtime: outbound queue full, message dropped")
)

// MessageError reports an incoming message the server could not use; the socket
// has been closed with Code.
type MessageError struct {
	Code StatusCode
	Err  error
}

// Error implements error.
func (e *MessageError) Error() string {
	return fmt.Sprintf("realtime: bad message (closed with %d): %v", int(e.Code), e.Err)
}

// Unwrap returns the underlying decoding error.
func (e *MessageError) Unwrap() error { return e.Err }

type outMsg struct {
	typ  MessageType
	data []byte
}

// Conn is one server-side WebSocket. Reads happen on the handler's goroutine;
// writes go through a bounded queue drained by the Conn's own writer, so Send
// never blocks and may be called from any goroutine (a channel layer, a ticker).
type Conn struct {
	ws      *websocket.Conn
	r       *http.Request
	opts    Options
	ctx     context.Context
	cancel  context.CancelFunc
	out     chan outMsg
	closing chan struct{}
	written chan struct{} // closed when the writer has stopped

	mu      sync.Mutex
	closed  bool
	leaves  []func()
	dropped atomic.Int64
	once    sync.Once
}

func newConn(ws *websocket.Conn, r *http.Request, o Options) *Conn {
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &Conn{
		ws: ws, r: r, opts: o, ctx: ctx, cancel: cancel,
		out:     make(chan outMsg, o.QueueSize),
		closing: make(chan struct{}),
		written: make(chan struct{}),
	}
	go c.writeLoop()
	if o.PingInterval > 0 {
		go c.pingLoop()
	}
	return c
}

// Request returns the upgraded request; its context carries the session, user
// and anything else middleware attached.
func (c *Conn) Request() *http.Request { return c.r }

// Context is cancelled when the socket closes, whatever the reason. It keeps the
// request context's values (session, user).
func (c *Conn) Context() context.Context { return c.ctx }

// Subprotocol returns the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string { return c.ws.Subprotocol() }

// Dropped returns how many messages the DropNewest or DropOldest policy discarded.
func (c *Conn) Dropped() int64 { return c.dropped.Load() }

// Queued returns how many messages wait in the outbound queue.
func (c *Conn) Queued() int { return len(c.out) }

// Read waits for the next data message. Pings and pongs are answered inside.
// A message over Options.ReadLimit closes the socket with 1009.
func (c *Conn) Read(ctx context.Context) (MessageType, []byte, error) {
	typ, b, err := c.ws.Read(ctx)
	if err != nil {
		c.abort()
	}
	return typ, b, err
}

// ReadJSON reads the next message and decodes it into v. A binary message closes
// the socket with 1003 and malformed JSON with 1007; both return a *MessageError.
func (c *Conn) ReadJSON(ctx context.Context, v any) error {
	typ, b, err := c.Read(ctx)
	if err != nil {
		return err
	}
	if typ != Text {
		return c.reject(StatusUnsupportedData, errors.New("binary message where JSON text was expected"))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return c.reject(StatusInvalidPayload, err)
	}
	return nil
}

func (c *Conn) reject(code StatusCode, err error) error {
	c.Close(code, err.Error())
	return &MessageError{Code: code, Err: err}
}

// Send queues a message for the client. It does not block: when the queue is
// full, Options.Overflow decides (ErrSlowConsumer, ErrDropped, or the oldest
// message makes room).
func (c *Conn) Send(typ MessageType, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	m := outMsg{typ, data}
	select {
	case c.out <- m:
		return nil
	default:
	}
	switch c.opts.Overflow {
	case DropNewest:
		c.dropped.Add(1)
		return ErrDropped
	case DropOldest:
		// Only Send fills the queue and it holds mu, so after taking one out
		// there is room.
		select {
		case <-c.out:
			c.dropped.Add(1)
		default:
		}
		select {
		case c.out <- m:
		default:
			c.dropped.Add(1)
		}
		return nil
	default:
		c.closed = true
		// The client is not reading, so a close frame would only queue behind
		// the data it is not reading: drop the connection, and leave its groups
		// now rather than when the handler notices (Send may be running inside a
		// layer's delivery, so not on this goroutine).
		c.cancel()
		c.ws.CloseNow()
		go c.leaveAll()
		return ErrSlowConsumer
	}
}

// SendText queues a text message.
func (c *Conn) SendText(s string) error { return c.Send(Text, []byte(s)) }

// SendJSON encodes v and queues it as a text message.
func (c *Conn) SendJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Send(Text, b)
}

// Receive implements Receiver: a channel layer delivers group messages as text
// messages through the outbound queue. Errors (a full queue) are handled by the
// overflow policy.
func (c *Conn) Receive(group string, data []byte) { _ = c.Send(Text, data) }

// Join adds the socket to a group of layer; it leaves the group when it closes.
func (c *Conn) Join(ctx context.Context, layer Layer, group string) error {
	if err := layer.Join(ctx, group, c); err != nil {
		return err
	}
	c.mu.Lock()
	closed := c.closed
	if !closed {
		c.leaves = append(c.leaves, func() { layer.Leave(context.Background(), group, c) })
	}
	c.mu.Unlock()
	if closed {
		layer.Leave(ctx, group, c)
		return ErrClosed
	}
	return nil
}

func (c *Conn) writeLoop() {
	defer close(c.written)
	write := func(m outMsg) bool {
		ctx, cancel := context.WithTimeout(c.ctx, c.opts.WriteTimeout)
		err := c.ws.Write(ctx, m.typ, m.data)
		cancel()
		if err != nil {
			c.abort()
			return false
		}
		return true
	}
	for {
		select {
		case m := <-c.out:
			if !write(m) {
				return
			}
		case <-c.closing:
			for {
				select {
				case m := <-c.out:
					if !write(m) {
						return
					}
				default:
					return
				}
			}
		case <-c.ctx.Done():
			return
		}
	}
}

func (c *Conn) pingLoop() {
	t := time.NewTicker(c.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(c.ctx, c.opts.WriteTimeout)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.abort()
				c.ws.CloseNow()
				return
			}
		case <-c.ctx.Done():
			return
		}
	}
}

// abort marks the socket closed after a read or write failed.
func (c *Conn) abort() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.leaveAll()
}

func (c *Conn) leaveAll() {
	c.mu.Lock()
	leaves := c.leaves
	c.leaves = nil
	c.mu.Unlock()
	for _, f := range leaves {
		f()
	}
}

// Close sends what is queued (waiting up to WriteTimeout), then closes the socket
// with code and reason (cut to 120 bytes at a character boundary: a control
// frame holds 125) and leaves every joined group. Later calls do nothing.
func (c *Conn) Close(code StatusCode, reason string) error {
	var err error
	c.once.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		c.leaveAll()
		close(c.closing)
		select {
		case <-c.written:
		case <-time.After(c.opts.WriteTimeout):
		}
		err = c.ws.Close(code, closeReason(reason))
		c.cancel()
	})
	return err
}

// finish closes the socket after its handler returned handlerErr, and returns
// handlerErr unless it only says the connection ended (the client left, sent a
// bad message, or was too slow), which is not worth an error log line.
func (c *Conn) finish(handlerErr error) error {
	if handlerErr == nil || isCloseErr(handlerErr) || c.ctx.Err() != nil {
		c.Close(StatusNormalClosure, "")
		return nil
	}
	c.Close(StatusInternalError, "internal error")
	return handlerErr
}

// ErrLayerClosed is returned by a Layer used after Close.
var ErrLayerClosed = errors.New("realtime: channel layer closed")

// maxCloseReason is the longest close reason sent: it and the 2-byte code must
// fit in a 125-byte control frame.
const maxCloseReason = 120

// closeReason cuts reason to maxCloseReason bytes at a character boundary: RFC
// 6455 requires the reason to be valid UTF-8, and a browser fails the connection
// (code 1006 instead of the one sent) when it is not.
func closeReason(reason string) string {
	if len(reason) <= maxCloseReason {
		return reason
	}
	i := maxCloseReason
	for i > 0 && !utf8.RuneStart(reason[i]) {
		i--
	}
	return reason[:i]
}
