package galvani

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveRaw serves h with srv on a loopback listener, with coarse deadlines when
// coarse is set, and returns the address; the server stops with the test.
func serveRaw(tb testing.TB, srv *http.Server, coarse bool, period time.Duration) (string, *deadlineTracker) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var tr *deadlineTracker
	var l net.Listener = ln
	done := make(chan struct{})
	if coarse {
		tr = coarseDeadlines(srv)
		if period > 0 {
			tr.period = period
		}
		go tr.run(done)
		l = trackingListener{ln, tr}
	}
	go srv.Serve(l)
	tb.Cleanup(func() {
		close(done)
		srv.Close()
	})
	return ln.Addr().String(), tr
}

// BenchmarkServerTimeouts measures one small keep-alive request over loopback
// TCP, the response read by a raw client: net/http with Galvani's default
// timeouts (a deadline re-armed several times per request), net/http with no
// timeouts at all (the floor), and the same timeouts enforced by the sweeper —
// each for a bare http.Handler and for a Galvani App answering the same "ok".
// Client and server run in this process, so callgrind counts both:
// CGO_ENABLED=0 go test -c -o core.test, then
// GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOMAXPROCS=1 valgrind --tool=callgrind
// ./core.test -test.run XXX -test.bench 'BenchmarkServerTimeouts/app/NAME$' with
// -test.benchtime 2000x and 6000x, and divide the difference by 4000
// (GOMAXPROCS=1 keeps the scheduler's spinning out of the count).
func BenchmarkServerTimeouts(b *testing.B) {
	body := []byte("ok")
	app := New(Settings{AllowedHosts: []string{"bench"}, SecretKey: strings.Repeat("k", 50)})
	app.Get("/", func(c *Ctx) error { return c.Text(200, "ok") })
	handlers := []struct {
		name string
		h    http.Handler
	}{
		{"handler", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) })},
		{"app", app},
	}
	variants := []struct {
		name             string
		timeouts, coarse bool
	}{
		{"net-http-timeouts", true, false},
		{"net-http-no-timeouts", false, false},
		{"coarse-timeouts", true, true},
	}
	for _, hv := range handlers {
		for _, v := range variants {
			b.Run(hv.name+"/"+v.name, func(b *testing.B) { benchmarkServer(b, hv.h, v.timeouts, v.coarse) })
		}
	}
}

func benchmarkServer(b *testing.B, h http.Handler, timeouts, coarse bool) {
	body := []byte("ok")
	srv := &http.Server{Handler: h}
	if timeouts {
		srv.ReadHeaderTimeout = DefaultReadHeaderTimeout
		srv.ReadTimeout = DefaultReadTimeout
		srv.WriteTimeout = DefaultWriteTimeout
		srv.IdleTimeout = DefaultIdleTimeout
	}
	addr, _ := serveRaw(b, srv, coarse, 0)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	req := []byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
	// The response's length never changes (the Date header has a fixed
	// width): learn it from the first one.
	if _, err := conn.Write(req); err != nil {
		b.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || br.Buffered() != 0 {
		b.Fatalf("first response: %d, %d bytes left over", resp.StatusCode, br.Buffered())
	}
	var head strings.Builder
	resp.Header.Write(&head)
	n := len("HTTP/1.1 200 OK\r\n") + head.Len() + len("\r\n") + len(body)
	buf := make([]byte, n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if !strings.HasSuffix(string(buf), "\r\n\r\nok") {
		b.Fatalf("unexpected response %q", buf)
	}
}

func TestSweepPeriod(t *testing.T) {
	cases := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{10 * time.Second, 60 * time.Second, 60 * time.Second, 120 * time.Second}, time.Second},
		{[]time.Duration{5 * time.Second, 0, -1}, 500 * time.Millisecond},
		{[]time.Duration{200 * time.Millisecond, time.Hour}, 20 * time.Millisecond},
		{[]time.Duration{time.Millisecond}, minSweepPeriod},
		{[]time.Duration{time.Hour}, maxSweepPeriod},
		{nil, maxSweepPeriod},
	}
	for _, c := range cases {
		if got := sweepPeriod(c.in...); got != c.want {
			t.Errorf("sweepPeriod(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// closedWithin reports how long after start the server closed conn, failing the
// test when it is still open after limit.
func closedWithin(t *testing.T, conn net.Conn, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(limit))
	_, err := io.Copy(io.Discard, conn)
	if err != nil {
		t.Fatalf("the server did not close the connection within %v: %v", limit, err)
	}
	return time.Since(start)
}

// The coarse deadlines keep every protection of net/http's timeouts: a client
// that sends its headers too slowly, one that sends nothing, an idle keep-alive
// connection, a slow request body and a client that does not read its response
// are all cut off — never before their timeout — while other clients are served.
func TestCoarseDeadlinesCutOffSlowClients(t *testing.T) {
	const timeout = 300 * time.Millisecond
	bodyErr := make(chan error, 1)
	writeErr := make(chan error, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		bodyErr <- err
		w.WriteHeader(http.StatusRequestTimeout)
	})
	mux.HandleFunc("/download", func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 64<<10)
		var err error
		for i := 0; i < 4096 && err == nil; i++ { // up to 256 MiB, far more than socket buffers
			_, err = w.Write(chunk)
		}
		writeErr <- err
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: timeout, ReadTimeout: 2 * timeout, WriteTimeout: 2 * timeout, IdleTimeout: timeout}
	addr, tr := serveRaw(t, srv, true, 0)
	if tr.period != 30*time.Millisecond {
		t.Fatalf("sweep period %v", tr.period)
	}
	dial := func(t *testing.T) net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	// The server answers ordinary requests throughout.
	stop := make(chan struct{})
	var served, failed int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		client := &http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			resp, err := client.Get("http://" + addr + "/")
			if err != nil {
				failed++
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			served++
		}
	}()

	t.Run("slow headers", func(t *testing.T) {
		conn := dial(t)
		start := time.Now()
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n")
		go func() { // one header byte every 50ms, never finishing
			for i := 0; i < 200; i++ {
				if _, err := io.WriteString(conn, "X"); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		if d := closedWithin(t, conn, start, 5*time.Second); d < timeout {
			t.Errorf("closed after %v, before ReadHeaderTimeout %v", d, timeout)
		}
	})
	t.Run("silent connection", func(t *testing.T) {
		conn := dial(t)
		start := time.Now()
		if d := closedWithin(t, conn, start, 5*time.Second); d < timeout {
			t.Errorf("closed after %v, before ReadHeaderTimeout %v", d, timeout)
		}
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		conn := dial(t)
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		start := time.Now()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("idle connection: read %v, want EOF (closed by the server)", err)
		}
		if d := time.Since(start); d < timeout-20*time.Millisecond { // start is taken after the response
			t.Errorf("closed after %v, before IdleTimeout %v", d, timeout)
		}
	})
	t.Run("slow body", func(t *testing.T) {
		conn := dial(t)
		start := time.Now()
		io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
		go func() {
			for i := 0; i < 200; i++ {
				if _, err := io.WriteString(conn, "a"); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		select {
		case err := <-bodyErr:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("reading the slow body: %v, want a deadline error", err)
			}
			if d := time.Since(start); d < 2*timeout {
				t.Errorf("body read failed after %v, before ReadTimeout %v", d, 2*timeout)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the slow body was still being read after 5s")
		}
		closedWithin(t, conn, start, 5*time.Second)
	})
	t.Run("client not reading", func(t *testing.T) {
		conn := dial(t)
		start := time.Now()
		io.WriteString(conn, "GET /download HTTP/1.1\r\nHost: x\r\n\r\n")
		select {
		case err := <-writeErr:
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("writing to a client that does not read: %v, want a deadline error", err)
			}
			if d := time.Since(start); d < 2*timeout {
				t.Errorf("write failed after %v, before WriteTimeout %v", d, 2*timeout)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the handler was still writing after 10s")
		}
	})
	close(stop)
	wg.Wait()
	if served == 0 || failed > 0 {
		t.Errorf("ordinary requests during the attacks: %d served, %d failed", served, failed)
	}
	waitFor(t, "the closed connections to leave the tracker", 5*time.Second, func() bool { return tr.len() <= 1 })
}

// A keep-alive connection that is never idle, slow or late lives on across many
// sweeps: deadlines net/http moves forward are recorded afresh each request, and
// a deadline the sweeper enforced is lifted when net/http sets the next one.
func TestCoarseDeadlinesKeepBusyConnections(t *testing.T) {
	const timeout = 100 * time.Millisecond
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			io.WriteString(w, "ok")
		}),
		ReadHeaderTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, IdleTimeout: timeout,
	}
	addr, _ := serveRaw(t, srv, true, 0)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	start := time.Now()
	for i := 0; time.Since(start) < 10*timeout; i++ {
		fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d after %v on one connection: %v", i, time.Since(start), err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "ok" {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, b)
		}
		time.Sleep(timeout / 4) // idle for less than IdleTimeout
	}
}

// A hijacked connection (a WebSocket, say) leaves the tracker: the server's
// timeouts no longer apply to it, and the deadlines its handler sets are exact,
// not rounded to the sweep period.
func TestCoarseDeadlinesHijackedConnectionIsExact(t *testing.T) {
	type result struct {
		elapsed time.Duration
		err     error
		after   error
	}
	res := make(chan result, 1)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			conn, bufrw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				res <- result{err: err}
				return
			}
			defer conn.Close()
			if _, ok := conn.(interface{ NetConn() net.Conn }); !ok {
				res <- result{err: fmt.Errorf("hijacked %T has no NetConn", conn)}
				return
			}
			// Outlive every server timeout, then write: the connection is ours.
			time.Sleep(400 * time.Millisecond)
			_, after := bufrw.WriteString("still here\n")
			if after == nil {
				after = bufrw.Flush()
			}
			start := time.Now()
			conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			_, err = conn.Read(make([]byte, 1))
			res <- result{elapsed: time.Since(start), err: err, after: after}
		}),
		ReadHeaderTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond,
		ReadTimeout: 100 * time.Millisecond,
	}
	// A one-second sweep makes rounding visible: only an exact deadline fires
	// between 50ms and a second.
	addr, tr := serveRaw(t, srv, true, maxSweepPeriod)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	r := <-res
	if r.after != nil {
		t.Fatalf("writing to the hijacked connection after the server's timeouts: %v", r.after)
	}
	if !errors.Is(r.err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with a 50ms deadline: %v, want a deadline error", r.err)
	}
	if r.elapsed < 50*time.Millisecond || r.elapsed > 900*time.Millisecond {
		t.Errorf("a 50ms deadline on the hijacked connection fired after %v", r.elapsed)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if line != "still here\n" {
		t.Errorf("client read %q, %v", line, err)
	}
	if n := tr.len(); n != 0 {
		t.Errorf("%d connections still tracked after the hijack", n)
	}
}

// App.Serve enforces the settings' timeouts with the sweeper: a slowloris client
// is cut off while the site keeps answering; with every timeout off there is
// nothing to sweep.
func TestServeCutsOffSlowHeaders(t *testing.T) {
	app := New(Settings{Debug: true, ReadHeaderTimeout: 200 * time.Millisecond})
	app.Get("/", func(c *Ctx) error { return c.Text(200, "ok") })
	base, _, _ := startServing(t, app)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
	resp, err := http.Get(base + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("an ordinary request while a client is slow: %v %v", resp, err)
	}
	resp.Body.Close()
	if d := closedWithin(t, conn, start, 5*time.Second); d < 200*time.Millisecond {
		t.Errorf("closed after %v, before ReadHeaderTimeout", d)
	}

	off := New(Settings{Debug: true, ReadHeaderTimeout: -1, ReadTimeout: -1, WriteTimeout: -1, IdleTimeout: -1})
	if tr := coarseDeadlines(off.newServer()); tr != nil {
		t.Error("a tracker for a server with every timeout off")
	}
}
