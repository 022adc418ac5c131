package galvani

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Coarse connection deadlines.
//
// net/http enforces ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout
// by setting deadlines on the connection several times per request (when a
// request's headers start and end, when its response starts and ends, when the
// connection goes idle). Each of those arms or moves a runtime timer, which is a
// measurable part of a small request. Serve keeps net/http's timeouts — net/http
// still decides every deadline — but hands it connections whose SetReadDeadline
// and SetWriteDeadline only record the deadline. A sweeper goroutine visits the
// connections a few times per shortest timeout and, for a recorded deadline that
// has passed, sets a deadline in the past on the real connection, which fails the
// pending read or write exactly as an expired deadline would. A timeout therefore
// fires up to one sweep period late (a tenth of the shortest timeout, at most a
// second, at least 10ms), never early.
//
// Deadlines that are already due (net/http interrupts its background read with
// one in the past) or due before the next sweep go to the real connection at once,
// as do all deadlines of a hijacked connection, so a WebSocket's own deadlines
// stay exact.

const (
	minSweepPeriod = 10 * time.Millisecond
	maxSweepPeriod = time.Second
)

// sweepPeriod returns how often the sweeper visits connections for the given
// timeouts: a tenth of the shortest positive one, within [10ms, 1s].
func sweepPeriod(timeouts ...time.Duration) time.Duration {
	p := maxSweepPeriod
	for _, d := range timeouts {
		if d > 0 && d/10 < p {
			p = d / 10
		}
	}
	if p < minSweepPeriod {
		p = minSweepPeriod
	}
	return p
}

// deadlineTracker owns the connections of one server and enforces their recorded
// deadlines.
type deadlineTracker struct {
	period time.Duration
	now    atomic.Int64 // the last sweep's time, Unix nanoseconds

	mu    sync.Mutex
	conns map[*coarseConn]struct{}
	batch []*coarseConn // reused by sweep
}

func newDeadlineTracker(period time.Duration) *deadlineTracker {
	t := &deadlineTracker{period: period, conns: make(map[*coarseConn]struct{})}
	t.now.Store(time.Now().UnixNano())
	return t
}

// run sweeps every period until done is closed.
func (t *deadlineTracker) run(done <-chan struct{}) {
	tick := time.NewTicker(t.period)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-tick.C:
			t.sweep(now)
		}
	}
}

// sweep expires every recorded deadline that is not after now.
func (t *deadlineTracker) sweep(now time.Time) {
	n := now.UnixNano()
	t.now.Store(n)
	t.mu.Lock()
	batch := t.batch[:0]
	for c := range t.conns {
		batch = append(batch, c)
	}
	t.mu.Unlock()
	for i, c := range batch {
		c.expire(n)
		batch[i] = nil
	}
	t.mu.Lock()
	t.batch = batch
	t.mu.Unlock()
}

// len reports how many connections are tracked.
func (t *deadlineTracker) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

func (t *deadlineTracker) wrap(c net.Conn) net.Conn {
	if _, ok := c.(*tls.Conn); ok {
		// net/http looks for *tls.Conn itself (handshake, HTTP/2); leave TLS
		// connections to exact deadlines.
		return c
	}
	cc := &coarseConn{Conn: c, t: t}
	t.mu.Lock()
	t.conns[cc] = struct{}{}
	t.mu.Unlock()
	return cc
}

func (t *deadlineTracker) forget(c *coarseConn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
}

// connState is the http.Server ConnState hook: a hijacked connection leaves the
// tracker and gets exact deadlines from then on.
func (t *deadlineTracker) connState(c net.Conn, state http.ConnState) {
	if state != http.StateHijacked {
		return
	}
	if cc, ok := c.(*coarseConn); ok {
		cc.makeExact()
		t.forget(cc)
	}
}

// trackingListener wraps the connections it accepts for a deadlineTracker.
type trackingListener struct {
	net.Listener
	t *deadlineTracker
}

func (l trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	return l.t.wrap(c), nil
}

// aLongTimeAgo is a deadline that has passed: setting it fails pending I/O now.
var aLongTimeAgo = time.Unix(1, 0)

// coarseConn is a server connection whose deadlines its tracker enforces.
type coarseConn struct {
	net.Conn
	t *deadlineTracker

	mu     sync.Mutex
	rd, wd int64 // recorded, not yet enforced deadlines (Unix nanoseconds); 0: none
	realR  bool  // a read deadline is set on Conn
	realW  bool  // a write deadline is set on Conn
	exact  bool  // hijacked: deadlines go straight to Conn
}

// SetDeadline sets both deadlines (see SetReadDeadline).
func (c *coarseConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exact {
		return c.Conn.SetDeadline(t)
	}
	err := c.setLocked(t, false)
	if werr := c.setLocked(t, true); err == nil {
		err = werr
	}
	return err
}

// SetReadDeadline records t; the tracker fails reads once it has passed.
func (c *coarseConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exact {
		return c.Conn.SetReadDeadline(t)
	}
	return c.setLocked(t, false)
}

// SetWriteDeadline records t; the tracker fails writes once it has passed.
func (c *coarseConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exact {
		return c.Conn.SetWriteDeadline(t)
	}
	return c.setLocked(t, true)
}

func (c *coarseConn) setLocked(t time.Time, write bool) error {
	recorded, real := &c.rd, &c.realR
	if write {
		recorded, real = &c.wd, &c.realW
	}
	if t.IsZero() {
		*recorded = 0
		if *real {
			*real = false
			return c.apply(time.Time{}, write)
		}
		return nil
	}
	n := t.UnixNano()
	if n-c.t.now.Load() <= int64(c.t.period) {
		// Due before the next sweep (or already passed): exact.
		*recorded = 0
		*real = true
		return c.apply(t, write)
	}
	*recorded = n
	if *real {
		*real = false
		return c.apply(time.Time{}, write)
	}
	return nil
}

func (c *coarseConn) apply(t time.Time, write bool) error {
	if write {
		return c.Conn.SetWriteDeadline(t)
	}
	return c.Conn.SetReadDeadline(t)
}

// expire enforces the recorded deadlines that are not after now.
func (c *coarseConn) expire(now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exact {
		return
	}
	if c.rd != 0 && c.rd <= now {
		c.rd, c.realR = 0, true
		c.Conn.SetReadDeadline(aLongTimeAgo)
	}
	if c.wd != 0 && c.wd <= now {
		c.wd, c.realW = 0, true
		c.Conn.SetWriteDeadline(aLongTimeAgo)
	}
}

// makeExact moves the recorded deadlines to the connection and passes every
// later one straight through.
func (c *coarseConn) makeExact() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exact {
		return
	}
	c.exact = true
	if c.rd != 0 {
		c.Conn.SetReadDeadline(time.Unix(0, c.rd))
	}
	if c.wd != 0 {
		c.Conn.SetWriteDeadline(time.Unix(0, c.wd))
	}
	c.rd, c.wd = 0, 0
}

// Close closes the connection and stops tracking it.
func (c *coarseConn) Close() error {
	c.t.forget(c)
	return c.Conn.Close()
}

// ReadFrom lets net/http send files with the connection's own ReadFrom
// (sendfile on TCP).
func (c *coarseConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r)
}

// CloseWrite half-closes the connection when it can (net/http does before
// closing a connection whose request body it did not read).
func (c *coarseConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// NetConn returns the underlying connection (as tls.Conn's NetConn does), for
// code that needs the *net.TCPConn of a hijacked connection.
func (c *coarseConn) NetConn() net.Conn { return c.Conn }
