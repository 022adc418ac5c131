package middleware

import (
	"net/http"
	"strings"
)

// Chain wraps h in mws for a plain net/http stack, the first middleware outermost
// (the order App.Use takes them in):
//
//	h := middleware.Chain(mux, middleware.RequestID, middleware.Logger(nil), middleware.Recover(nil))
func Chain(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// Under applies mw only to requests whose path is prefix or lies below it
// ("/api" covers /api, /api/ and /api/items, not /apis), and passes the others
// straight to the next handler. Use it on App.Use for middleware that must also see
// the requests the router answers itself — CORS preflights are OPTIONS requests to
// routes that have none, which a group's middleware never sees:
//
//	app.Use(middleware.Under("/api", middleware.CORS(opts)))
func Under(prefix string, mw func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	prefix = "/" + strings.Trim(prefix, "/")
	return func(next http.Handler) http.Handler {
		wrapped := mw(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := r.URL.Path
			if prefix == "/" || p == prefix || strings.HasPrefix(p, prefix) && p[len(prefix)] == '/' {
				wrapped.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
