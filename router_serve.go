package galvani

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
)

// dispatch matches the request and runs the route's group middleware (if any) and
// endpoint. It is the innermost handler of the App's middleware chain.
func (a *App) dispatch(w http.ResponseWriter, r *http.Request) {
	c := a.acquire(w, r)
	route, pathMatched := a.router.lookup(r.Method, r.URL, c)
	if route == nil {
		a.unmatched(c, pathMatched)
		a.release(c)
		return
	}
	c.route = route
	r.Pattern = route.Pattern // as ServeMux does: loggers and metrics read it
	if a.observer != nil {
		markRoute(w, route.Pattern)
	}
	if route.handler == nil {
		a.invoke(c, route.endpoint)
		a.release(c)
		return
	}
	if a.serveChain(c, route) {
		a.release(c)
	}
}

// unmatched answers a request no route took: 400/414 for a malformed path, the
// automatic OPTIONS answer, 405 with Allow, the APPEND_SLASH redirect, or 404.
// Errors go through HandleError so the debug pages can explain them.
func (a *App) unmatched(c *Ctx, pathMatched bool) {
	r, w := c.Request, c.Response
	if pathMatched {
		allow := strings.Join(a.router.allowedMethods(r.URL), ", ")
		w.Header().Set("Allow", allow)
		if r.Method == http.MethodOptions {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		a.HandleError(c, Errorf(http.StatusMethodNotAllowed, "Method %s is not allowed here; allowed: %s", r.Method, allow))
		return
	}
	p := r.URL.Path
	if len(p) > maxPathLen || len(r.URL.RawPath) > maxPathLen {
		a.HandleError(c, Errorf(http.StatusRequestURITooLong, "The request path is longer than %d bytes.", maxPathLen))
		return
	}
	if p == "" || p[0] != '/' {
		a.HandleError(c, Error(http.StatusBadRequest, "Bad request: the request path must start with /."))
		return
	}
	if msg, ok := pathProblem(p); !ok {
		a.HandleError(c, Errorf(http.StatusBadRequest, "Bad request: malformed path: %s.", msg))
		return
	}
	if loc := a.appendSlashTarget(c); loc != "" {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		// Like Django's APPEND_SLASH error: a redirect would lose the body.
		a.HandleError(c, Errorf(http.StatusNotFound, "%s %s has no route, but %s does. A %s cannot be redirected to it without losing its body: point the form or client at the URL with the trailing slash.", r.Method, r.URL.EscapedPath(), strings.SplitN(loc, "?", 2)[0], r.Method))
		return
	}
	a.HandleError(c, Error(http.StatusNotFound, ""))
}

// appendSlashTarget returns where APPEND_SLASH sends r, or "". Like Django it
// redirects only when the path does not end in a slash, matches no route for any
// method, and the slashed path matches a route for the method; the caller redirects
// GET and HEAD, and explains to other methods why it cannot.
// The query string is kept. A path starting with "//" or "/\" is never redirected:
// as a Location it would name another host.
func (a *App) appendSlashTarget(c *Ctx) string {
	r := c.Request
	if on := a.Settings.AppendSlash; on != nil && !*on {
		return ""
	}
	p := r.URL.Path
	if strings.HasSuffix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	u := *r.URL
	u.Path += "/"
	if u.RawPath != "" {
		u.RawPath += "/"
	}
	route, _ := a.router.lookup(r.Method, &u, c)
	c.nparams = 0
	if route == nil {
		return ""
	}
	loc := u.EscapedPath()
	if len(loc) < 2 || loc[0] != '/' || loc[1] == '/' || loc[1] == '\\' {
		return ""
	}
	if u.RawQuery != "" {
		loc += "?" + u.RawQuery
	}
	return loc
}

// ctxWriter carries the Ctx of a request through group middleware: the endpoint
// finds it by unwrapping the ResponseWriter it is given, so the route is not matched
// twice. It is used only for routes with group middleware, and never pooled: a
// middleware may keep the writer (and call the endpoint late, from a goroutine),
// and a recycled ctxWriter would then hand it another request's Ctx.
type ctxWriter struct {
	http.ResponseWriter
	c     *Ctx
	state atomic.Int32
}

// ctxWriter states. Whoever finishes last releases the Ctx.
const (
	cwIdle     = iota // the endpoint is not running; the dispatcher owns the Ctx
	cwRunning         // the endpoint runs with the Ctx
	cwOrphaned        // the endpoint runs and the dispatcher has returned
	cwClosed          // the dispatcher has returned; a late endpoint gets its own Ctx
)

// Unwrap returns the underlying ResponseWriter, for http.ResponseController.
func (w *ctxWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher when the underlying writer does.
func (w *ctxWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker by delegating to the underlying writer.
func (w *ctxWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// serveChain runs the route's group middleware around its endpoint. It reports
// whether the caller may release c (false when the endpoint still runs).
func (a *App) serveChain(c *Ctx, route *Route) bool {
	cw := &ctxWriter{ResponseWriter: c.Response, c: c}
	route.handler.ServeHTTP(cw, c.Request)
	for {
		if cw.state.CompareAndSwap(cwIdle, cwClosed) {
			return true
		}
		if cw.state.CompareAndSwap(cwRunning, cwOrphaned) {
			return false
		}
	}
}

// serveEndpoint is the innermost handler of a route's group middleware. It
// recovers the request's Ctx from the ResponseWriter; when a middleware replaced
// the writer with one that does not unwrap, it matches the path again.
func (a *App) serveEndpoint(w http.ResponseWriter, r *http.Request, route *Route) {
	var cw *ctxWriter
	for x := w; x != nil; {
		if v, ok := x.(*ctxWriter); ok {
			cw = v
			break
		}
		u, ok := x.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		x = u.Unwrap()
	}
	if cw == nil || !cw.state.CompareAndSwap(cwIdle, cwRunning) {
		a.serveFresh(w, r, route)
		return
	}
	c := cw.c
	if c.route == route {
		c.Request, c.Response = r, w
		a.invoke(c, route.endpoint)
	} else {
		a.serveFresh(w, r, route) // the writer came from another route's request
	}
	if !cw.state.CompareAndSwap(cwRunning, cwIdle) {
		// The dispatcher returned while we ran: the Ctx is ours to release.
		a.release(c)
	}
}

// serveFresh runs route's endpoint with a Ctx of its own, matching the path again
// for the parameters.
func (a *App) serveFresh(w http.ResponseWriter, r *http.Request, route *Route) {
	c := a.acquire(w, r)
	if m, _ := a.router.lookup(r.Method, r.URL, c); m != route {
		c.nparams = 0
	}
	c.route = route
	a.invoke(c, route.endpoint)
	a.release(c)
}

// buildRoutes wraps each route's endpoint in its groups' middleware, outermost
// group first. Routes without group middleware keep a nil handler and are called
// directly.
func (a *App) buildRoutes() {
	for _, route := range a.router.routes {
		var mws [][]func(http.Handler) http.Handler
		for g := route.group; g != nil; g = g.parent {
			if len(g.middleware) > 0 {
				mws = append(mws, g.middleware)
			}
		}
		if len(mws) == 0 {
			route.handler = nil
			continue
		}
		rt := route
		var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serveEndpoint(w, r, rt) })
		// mws[0] is the innermost group; within a group the first middleware is outermost.
		for _, mw := range mws {
			for i := len(mw) - 1; i >= 0; i-- {
				h = mw[i](h)
			}
		}
		route.handler = h
	}
}

// adapt turns any accepted handler shape into a HandlerFunc and a description.
// Plain net/http handlers get the path parameters through r.SetPathValue, so
// r.PathValue("id") works in them.
func adapt(h any) (HandlerFunc, string) {
	var fn HandlerFunc
	switch v := h.(type) {
	case nil:
		panic("galvani: nil handler")
	case func(*Ctx) error:
		if v == nil {
			panic("galvani: nil handler")
		}
		fn = v
	case HandlerFunc:
		if v == nil {
			panic("galvani: nil handler")
		}
		fn = v
	case http.Handler:
		fn = func(c *Ctx) error {
			for _, p := range c.Params() {
				c.Request.SetPathValue(p.Key, p.Value)
			}
			v.ServeHTTP(c.Response, c.Request)
			return nil
		}
	case func(http.ResponseWriter, *http.Request):
		if v == nil {
			panic("galvani: nil handler")
		}
		return adapt(http.HandlerFunc(v))
	default:
		panic(fmt.Sprintf("galvani: handler of type %T: want func(*galvani.Ctx) error, galvani.HandlerFunc, http.Handler or func(http.ResponseWriter, *http.Request)", h))
	}
	return fn, describe(h)
}

func describe(h any) string {
	v := reflect.ValueOf(h)
	if v.Kind() == reflect.Func {
		if f := runtime.FuncForPC(v.Pointer()); f != nil {
			return f.Name()
		}
	}
	return reflect.TypeOf(h).String()
}

// mountEndpoint serves h with the first depth segments of the path stripped.
func mountEndpoint(h http.Handler, depth int) HandlerFunc {
	return func(c *Ctx) error {
		r := c.Request
		if depth > 0 || c.nparams > 0 {
			r2 := new(http.Request)
			*r2 = *r
			u := new(url.URL)
			*u = *r.URL
			r2.URL = u
			if depth > 0 {
				if u.RawPath == "" {
					u.Path = stripSegments(u.Path, depth)
				} else {
					raw := stripSegments(u.EscapedPath(), depth)
					p, err := url.PathUnescape(raw)
					if err != nil {
						return Error(http.StatusBadRequest, "Bad request: malformed path escape.")
					}
					u.Path, u.RawPath = p, ""
					if u.EscapedPath() != raw {
						u.RawPath = raw
					}
				}
			}
			for _, p := range c.Params() {
				r2.SetPathValue(p.Key, p.Value)
			}
			r = r2
		}
		h.ServeHTTP(c.Response, r)
		return nil
	}
}

// stripSegments removes the first n segments of p ("/a/b/c", 2 → "/c"); the result
// starts with "/" and is "/" when nothing remains.
func stripSegments(p string, n int) string {
	i := 0
	for ; n > 0 && i < len(p); n-- {
		j := strings.IndexByte(p[i+1:], '/')
		if j < 0 {
			return "/"
		}
		i += j + 1
	}
	return p[i:]
}
