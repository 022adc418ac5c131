package galvani

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseAddr turns a runserver address into a host:port for net.Listen, in Django's
// forms: "127.0.0.1:8000" and "[::1]:8000" as they are, "8000" (a port alone) on
// 127.0.0.1, ":8000" on every interface, and "0:8000" (Django's shorthand) on
// 0.0.0.0. Port 0 picks a free port. Anything else is an error saying what is
// accepted.
func ParseAddr(addr string) (string, error) {
	a := strings.TrimSpace(addr)
	if a == "" {
		return "", errors.New("empty address (use HOST:PORT, :PORT or PORT, e.g. 127.0.0.1:8000)")
	}
	if isDigits(a) {
		p, err := parsePort(a)
		if err != nil {
			return "", err
		}
		return "127.0.0.1:" + p, nil
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return "", fmt.Errorf("%q is not an address (use HOST:PORT, :PORT or PORT, e.g. 127.0.0.1:8000)", addr)
	}
	p, err := parsePort(port)
	if err != nil {
		return "", fmt.Errorf("%q: %v", addr, err)
	}
	switch {
	case host == "":
	case host == "0":
		host = "0.0.0.0"
	case strings.Contains(host, ":"): // IPv6 literal, bracketed in the input
		ip := net.ParseIP(strings.SplitN(host, "%", 2)[0])
		if ip == nil {
			return "", fmt.Errorf("%q: %q is not an IPv6 address", addr, host)
		}
	case net.ParseIP(host) != nil:
	default:
		if !validHostname(host) {
			return "", fmt.Errorf("%q: %q is not a host name or IP address", addr, host)
		}
	}
	return net.JoinHostPort(host, p), nil
}

func parsePort(p string) (string, error) {
	p = strings.TrimSpace(p)
	if !isDigits(p) {
		return "", fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n > 65535 {
		return "", fmt.Errorf("port %q is not a number from 0 to 65535", p)
	}
	return strconv.Itoa(n), nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validHostname reports whether h is a DNS name: labels of letters, digits and
// hyphens separated by dots.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// ListenAndServe serves the App on addr (any form ParseAddr accepts) until ctx is
// done, then shuts down gracefully, letting in-flight requests finish (see Serve).
func (a *App) ListenAndServe(ctx context.Context, addr string) error {
	hostport, err := ParseAddr(addr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", hostport)
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

// Serve serves the App on ln until ctx is done, then shuts down gracefully: it stops
// accepting connections, closes idle ones and waits up to Settings.ShutdownTimeout for
// in-flight requests to finish before closing their connections. Readiness fails
// (503) from the moment ctx is done, Settings.DrainDelay before the listener closes. It returns nil
// after a clean shutdown. ln is closed when Serve returns.
//
// The server uses the timeouts and MaxHeaderBytes of a.Settings, and logs its own
// errors (TLS handshakes, malformed requests) to a.Logger. It enforces the timeouts
// with a periodic sweep rather than a timer per request (see Settings.ReadTimeout):
// a timeout fires up to a tenth of the shortest timeout late (at most a second),
// never early.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := a.newServer()
	if tr := coarseDeadlines(srv); tr != nil {
		done := make(chan struct{})
		defer close(done)
		go tr.run(done)
		ln = trackingListener{ln, tr}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		ln.Close()
		return err
	case <-ctx.Done():
	}
	return a.shutdown(srv, errc)
}

// shutdown drains srv: readiness fails at once, new requests are still served for
// Settings.DrainDelay (so a load balancer notices the 503 first), then the server
// stops accepting and waits up to ShutdownTimeout for in-flight requests.
func (a *App) shutdown(srv *http.Server, errc <-chan error) error {
	a.draining.Store(true)
	if d := a.Settings.DrainDelay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case err := <-errc: // the server failed while draining
			t.Stop()
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
	}
	timeout := a.Settings.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	if errors.Is(err, context.DeadlineExceeded) {
		srv.Close()
		return fmt.Errorf("galvani: graceful shutdown timed out after %s; closed the remaining connections", timeout)
	}
	return err
}

// newServer returns the http.Server runserver uses, configured from the settings.
func (a *App) newServer() *http.Server {
	s := a.Settings
	pos := func(d time.Duration) time.Duration {
		if d < 0 {
			return 0 // negative disables: net/http's zero means "no timeout"
		}
		return d
	}
	logger := a.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &http.Server{
		Handler:           a,
		ReadHeaderTimeout: pos(s.ReadHeaderTimeout),
		ReadTimeout:       pos(s.ReadTimeout),
		WriteTimeout:      pos(s.WriteTimeout),
		IdleTimeout:       pos(s.IdleTimeout),
		MaxHeaderBytes:    s.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// coarseDeadlines gives srv a deadline tracker (server_deadlines.go) when any of
// its timeouts is on, and returns it; nil when every timeout is off.
func coarseDeadlines(srv *http.Server) *deadlineTracker {
	if srv.ReadHeaderTimeout <= 0 && srv.ReadTimeout <= 0 && srv.WriteTimeout <= 0 && srv.IdleTimeout <= 0 {
		return nil
	}
	tr := newDeadlineTracker(sweepPeriod(srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout))
	srv.ConnState = tr.connState
	return tr
}
