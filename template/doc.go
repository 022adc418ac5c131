// Package template is Galvani's Django template language engine: {{ variables }}
// with dot lookups into Go maps, structs (by Go or snake_case name), methods and
// slices; |filters; {% tags %}; {% extends %}/{% block %} inheritance and
// {% include %}; autoescaping with SafeString as the safe type. It renders byte for
// byte what Django renders on the shared conformance cases.
//
// An Engine loads templates from fs.FS loaders (project directories first, then each
// installed app's templates), compiles each once and caches it (reloading changed
// templates in debug mode), and implements galvani.TemplateEngine:
//
//	template.Setup(app, template.Dir(os.DirFS("templates"), "templates/"))
//	app.Get("/", func(c *galvani.Ctx) error {
//		return c.Render(200, "home.html", map[string]any{"user": u})
//	})
//
// Libraries add filters and tags (Library.Filter, SimpleTag, InclusionTag, Tag) for
// {% load name %}; ContextProcessors add variables to every request's templates.
// HTMLTemplateEngine adapts html/template for projects that prefer it.
//
// See docs/templates.md for the language, extending it, and every difference from
// Django.
package template
