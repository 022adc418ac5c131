package middleware

import "net/http"

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
