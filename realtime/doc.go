// Package realtime is Galvani's battery for pushing data to browsers: WebSocket
// routes in the normal router, typed JSON messages, Server-Sent Events, and a
// channel layer (groups and broadcast) that is in-process by default and on Redis
// when several app servers must reach each other's sockets.
//
// A WebSocket handler is an ordinary route, so the middleware that runs before it
// (sessions, auth, locale) has already put its state in the request's context:
//
//	app.Get("/ws/chat/", realtime.WebSocket(func(c *galvani.Ctx, ws *realtime.Conn) error {
//		user := auth.UserFrom(c.Request)
//		...
//	}, realtime.Options{}))
//
// Cross-origin upgrades are refused with 403 unless the Origin is the request's own
// host, one of Settings.AllowedHosts, or listed in Options.Origins: browsers do not
// apply the same-origin policy to WebSockets, so without the check any page could
// open a socket with the visitor's cookies.
//
// Every socket writes through a bounded outbound queue; a client that does not read
// fast enough is disconnected or has messages dropped (Options.Overflow), so one slow
// client cannot grow the server's memory. See docs/realtime.md.
package realtime
