// Package middleware holds Galvani's standard HTTP middleware. Every middleware is a
// plain func(http.Handler) http.Handler, so it works on an *galvani.App (App.Use,
// Group.Use) and on any net/http stack alike.
//
// A typical production chain, outermost first:
//
//	app.Use(
//		middleware.RealIP(app.Settings.TrustedProxies...), // who is the client?
//		middleware.RequestID,                               // an ID for logs and the response
//		middleware.Logger(nil),                             // one slog line per request
//		middleware.Recover(nil),                            // panics become 500s (net/http stacks)
//		middleware.Compress(middleware.CompressOptions{}),  // gzip for text-like responses
//		middleware.ConditionalGET(middleware.ConditionalOptions{}), // ETag and 304s
//		middleware.BodyLimit(10<<20),                       // 413 for bodies over 10 MiB
//		middleware.Timeout(30*time.Second),                 // context deadline, then 503
//		middleware.Under("/api", middleware.CORS(corsOpts)), // CORS for the API only
//	)
//
// CORS belongs on App.Use (scoped with Under), not on a Group: preflights are OPTIONS
// requests the router answers itself, which a group's middleware never sees.
//
// Order matters in two places: Compress goes outside ConditionalGET so that ETags are
// computed on the uncompressed body (Compress weakens them when it compresses), and
// RealIP goes before Logger so that logs show the real client address.
//
// Every ResponseWriter wrapper in this package implements Unwrap() http.ResponseWriter,
// so http.ResponseController and the Galvani router see through it, and keeps
// http.Flusher (and http.Hijacker where the connection allows it) working.
package middleware
