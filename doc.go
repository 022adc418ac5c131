// Package galvani is the core of the Galvani web framework: the App (an http.Handler),
// routing with named routes and reverse, handlers that return errors, the request Ctx,
// one place that turns errors into responses, typed settings, installable apps and
// the command registry behind `go run . <command>`.
//
// The core imports no battery. Batteries (orm, template, session, auth, ...) are plain
// packages that import the core and plug in through the small interfaces defined here:
// AppConfig and its optional companions, Command, TemplateEngine and standard
// func(http.Handler) http.Handler middleware.
//
// A complete program:
//
//	app := galvani.New()
//	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "Hello, World!") })
//	app.Run()
package galvani
