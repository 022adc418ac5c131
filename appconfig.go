package galvani

import "io/fs"

// AppConfig is a reusable, installable app: Django's INSTALLED_APPS entry and Flask's
// blueprint in one idea. A project installs apps with New(settings, blog.App, auth.App).
//
// Label names the app ("auth", "blog"); it prefixes the app's table names and template
// namespace and must be unique within a project. Everything else an app contributes is
// discovered through the optional interfaces below (RoutesProvider, TemplatesProvider,
// StaticProvider, CommandsProvider, ReadyHook), and batteries define their own optional
// interfaces the same way (the orm reads Models, the migration framework reads
// Migrations) by type-asserting the values returned from App.Apps.
type AppConfig interface {
	Label() string
}

// RoutesProvider is implemented by apps that serve URLs. Routes is called once, at
// New, with a group rooted at the prefix the project chose (App.Include) or at "/",
// namespaced by the app label unless the project said otherwise.
type RoutesProvider interface {
	Routes(g *Group)
}

// TemplatesProvider is implemented by apps that ship templates. The template battery
// searches project directories first, then each app's FS in installation order, so a
// project overrides an app's template by placing one with the same name.
type TemplatesProvider interface {
	Templates() fs.FS
}

// StaticProvider is implemented by apps that ship static files (CSS, JS, images).
type StaticProvider interface {
	Static() fs.FS
}

// CommandsProvider is implemented by apps that add management commands.
type CommandsProvider interface {
	Commands() []*Command
}

// ReadyHook is implemented by apps that need the assembled App: to add middleware,
// register template functions, or validate their own settings section. It runs once,
// after every app has been installed, in installation order.
type ReadyHook interface {
	Ready(app *App) error
}
