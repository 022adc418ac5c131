// Package blog is the example project's one app: articles and comments, in the shape
// of a Django app (models, views, templates and static files in one folder).
package blog

import (
	"embed"
	"io/fs"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/examples/blog/blog/migrations"
	"github.com/galvani-web/galvani/migrate"
)

//go:embed templates
var templates embed.FS

//go:embed static
var static embed.FS

//go:embed fixtures
var fixtures embed.FS

// App is the blog app, installed with galvani.New(settings, ..., blog.App).
var App = app{}

type app struct{}

// Label implements galvani.AppConfig.
func (app) Label() string { return "blog" }

// Models implements orm.ModelsProvider.
func (app) Models() []any { return []any{Article{}, Comment{}} }

// Migrations implements migrate.MigrationsProvider: the files makemigrations wrote.
func (app) Migrations() []*migrate.Migration { return migrations.All }

// MigrationsDir tells makemigrations where this app's migrations live when it runs
// from the repository root or from examples/blog.
func (app) MigrationsDir() string { return migrationsDir() }

// Templates implements galvani.TemplatesProvider.
func (app) Templates() fs.FS { return sub(templates, "templates") }

// Fixtures implements dbtools.FixturesProvider: `loaddata sample` fills the blog
// with sample articles.
func (app) Fixtures() fs.FS { return sub(fixtures, "fixtures") }

// Static implements galvani.StaticProvider.
func (app) Static() fs.FS { return sub(static, "static") }

// Routes implements galvani.RoutesProvider: the blog's URLs, names in the "blog" namespace.
func (app) Routes(g *galvani.Group) {
	g.Get("/", articleList.Handle).Name("index")
	g.Get("/feed/rss/", latestFeed.RSS).Name("feed-rss")
	g.Get("/feed/atom/", latestFeed.Atom).Name("feed-atom")
	g.Get("/new/", auth.LoginRequired(newArticle.Handle)).Name("new")
	g.Post("/new/", auth.LoginRequired(newArticle.Handle))
	g.Get("/{slug:slug}/", articleDetail.Handle).Name("detail")
	g.Post("/{slug:slug}/", postComment.Handle)
}

func sub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directories are embedded above: cannot happen
	}
	return s
}
