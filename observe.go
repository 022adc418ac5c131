package galvani

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"time"
)

// RequestObserver is told about every request an App serves, for metrics: the
// metrics battery implements it; the core itself counts nothing. Its methods run
// in the request's goroutine and must be quick. The liveness and readiness probes
// are answered before it and are not observed.
type RequestObserver interface {
	// RequestStarted is called before any middleware runs.
	RequestStarted(r *http.Request)
	// RequestFinished is called when the App's handler returns, also when it
	// panics (then Status is 500). r is the request as it arrived.
	RequestFinished(r *http.Request, info RequestInfo)
}

// RequestInfo is what an App knows of a request when it finishes.
type RequestInfo struct {
	// Route is the pattern of the route that matched, as registered
	// ("/articles/{id:int}/"), never the raw path: a label set that stays bounded
	// whatever clients send. It is "" when no route matched (404, 405, the
	// APPEND_SLASH redirect). Middleware that replaces the ResponseWriter must
	// offer Unwrap (as http.ResponseController also needs) for the route to be seen.
	Route string
	// Status is the status code sent (200 when the handler wrote nothing).
	Status int
	// Duration is the time from RequestStarted until the App's handler returned.
	Duration time.Duration
}

// ObserveRequests makes o the App's request observer; nil removes it. Call it
// before serving (it panics after, like Use). Without an observer the request path
// pays one nil check.
func (a *App) ObserveRequests(o RequestObserver) {
	a.checkNotServing("App.ObserveRequests")
	a.observer = o
}

// serveObserved is ServeHTTP with a request observer.
func (a *App) serveObserved(w http.ResponseWriter, r *http.Request) {
	o := a.observer
	ow := &observedWriter{ResponseWriter: w}
	o.RequestStarted(r)
	start := time.Now()
	completed := false
	defer func() {
		status := ow.status
		if !completed {
			status = http.StatusInternalServerError // the panic goes on up
		} else if status == 0 {
			status = http.StatusOK
		}
		o.RequestFinished(r, RequestInfo{Route: ow.route, Status: status, Duration: time.Since(start)})
	}()
	switch {
	case RequestStarted.HasReceivers() || RequestFinished.HasReceivers():
		a.serveWithSignals(ow, r)
	case len(a.middleware) == 0:
		a.dispatch(ow, r)
	default:
		a.handler.ServeHTTP(ow, r)
	}
	completed = true
}

// markRoute tells the observedWriter under w which route matched.
func markRoute(w http.ResponseWriter, pattern string) {
	for w != nil {
		if ow, ok := w.(*observedWriter); ok {
			ow.route = pattern
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// observedWriter records the status of a response and the route that served it.
type observedWriter struct {
	http.ResponseWriter
	status int
	route  string
}

func (w *observedWriter) WriteHeader(code int) {
	// Informational 1xx answers (103 Early Hints) precede the real status.
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *observedWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps io.Copy on the fast path (sendfile) when the underlying writer has it.
func (w *observedWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
}

// Flush sends buffered data to the client, if the underlying writer can.
func (w *observedWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over, if the underlying writer can.
func (w *observedWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
