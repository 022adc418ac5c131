// Command blog is a small but complete Galvani site: articles and comments on SQLite,
// user accounts, Django templates, forms, sessions, messages, CSRF and the security
// headers, with its schema managed by migrations.
//
//	go run ./examples/blog migrate            # create or update the tables
//	go run ./examples/blog createsuperuser    # an account that can write articles
//	go run ./examples/blog loaddata sample    # a dozen sample articles (blog/fixtures/sample.json)
//	go run ./examples/blog                    # serve http://127.0.0.1:8000
//	go run ./examples/blog help               # every management command
//
// With REDIS_URL set (redis://127.0.0.1:6379/0), the state that several servers of
// the site must share lives in Redis: sessions (session/redisstore) and the login
// throttles (auth/redisthrottle), under the key prefix REDIS_PREFIX (default "blog:").
// CACHE_URL (redis://127.0.0.1:6379/1, say) puts the cache battery, which keeps the
// front page's counts, there too; without it the cache is in-process.
// With DATABASE_URL on PostgreSQL or MariaDB, the servers are then stateless and can
// run behind a load balancer (bench/scaleout/run.sh runs three behind nginx).
//
// Feeds of the newest articles are at /feed/rss/ and /feed/atom/ (linked from
// every page's head), the sitemap index at /sitemap.xml (named in /robots.txt).
package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log"
	"os"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/auth/redisthrottle"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/dbtools"
	"github.com/galvani-web/galvani/examples/blog/blog"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/metrics"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/session/redisstore"
	"github.com/galvani-web/galvani/sitemaps"
	"github.com/galvani-web/galvani/static"
	"github.com/galvani-web/galvani/template"
	"github.com/galvani-web/galvani/views"
	"github.com/redis/go-redis/v9"
)

// templates are the project's own templates, searched before the apps': here they
// give auth's login pages the blog's layout.
//
//go:embed templates
var templates embed.FS

func main() {
	settings, err := galvani.LoadSettings()
	if err != nil {
		log.Fatal(err)
	}
	if _, set := os.LookupEnv("DEBUG"); !set {
		settings.Debug = true // like a new Django project; DEBUG=0 for production behaviour
	}
	app, dbs, err := newApp(context.Background(), settings)
	if err != nil {
		log.Fatal(err)
	}
	defer dbs.Close()
	app.Run()
}

// newApp assembles the project: installed apps, database, middleware, templates and
// static files. The tests build the same App on a temporary database.
func newApp(ctx context.Context, settings galvani.Settings) (*galvani.App, *orm.Databases, error) {
	shared, err := sharedState()
	if err != nil {
		return nil, nil, err
	}
	accounts := auth.App
	if shared != nil {
		accounts = auth.New[auth.User](auth.Options{AccountThrottle: shared.accountThrottle, AddressThrottle: shared.addressThrottle})
		galvani.Section(&settings, "session", session.Config{}).Store = shared.sessions
	}
	site := admin.NewSite("admin") // the admin at /admin/; the blog's models registered in blog/admin.go
	admin.RegisterAuth(site)       // users and groups
	blog.RegisterAdmin(site)
	app := galvani.New(settings,
		security.App, // first: host validation, security headers and CSRF wrap everything
		metrics.App,  // Prometheus metrics at /metrics, for loopback scrapers, with METRICS_ENABLED=true
		cache.App,    // CACHE_URL (default in-process; redis://... shared): the front page's counts
		session.App,
		messages.App,
		migrate.App,     // makemigrations, migrate, showmigrations, sqlmigrate
		dbtools.App,     // dumpdata, loaddata (blog/fixtures/sample.json), flush, dbshell, inspectdb
		views.App,       // {% load pagination %}: page links for the generic list view
		&static.Files{}, // the apps' static files under /static/, {% static %} with fingerprinted URLs, collectstatic
		galvani.Include("/accounts/", accounts),
		site,
		blog.App,
	)
	dbs, err := orm.Install(ctx, app) // registers the apps' models; the database in each request
	if err != nil {
		return nil, nil, err
	}

	sessions, err := session.FromSettings(&app.Settings)
	if err != nil {
		dbs.Close()
		return nil, nil, fmt.Errorf("%w (set SECRET_KEY, or leave DEBUG unset in development)", err)
	}
	app.Use(sessions.Handler, messages.Middleware(&app.Settings))
	projectTemplates, err := fs.Sub(templates, "templates")
	if err != nil {
		return nil, nil, err
	}
	template.Setup(app, template.Dir(projectTemplates, "examples/blog/templates/"))
	siteMaps.Routes(app.Group("")) // /sitemap.xml and /sitemaps/{section}.xml
	app.AddCheck(siteMaps.Check, false)
	app.Get("/robots.txt", robots)
	return app, dbs, nil
}

// siteMaps are the project's sitemaps, a section per kind of page (Django's
// sitemaps dict in urls.py).
var siteMaps = &sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{
	"articles": blog.ArticleSitemap,
	"pages":    blog.PagesSitemap,
}}

// robots is /robots.txt: crawlers are kept out of the admin and the accounts
// pages and told where the sitemap index is.
func robots(c *galvani.Ctx) error {
	index, err := c.App().URL("sitemap-index")
	if err != nil {
		return err
	}
	return c.Text(200, "User-agent: *\nDisallow: /admin/\nDisallow: /accounts/\n\nSitemap: "+c.AbsoluteURL(index)+"\n")
}

// redisState is what the servers of a site share in Redis.
type redisState struct {
	sessions                         *redisstore.Store
	accountThrottle, addressThrottle *redisthrottle.Throttle
}

// sharedState connects to REDIS_URL; nil without it.
func sharedState() (*redisState, error) {
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	prefix := os.Getenv("REDIS_PREFIX")
	if prefix == "" {
		prefix = "blog:"
	}
	rdb := redis.NewClient(opts)
	return &redisState{
		sessions:        redisstore.New(rdb, prefix+"session:"),
		accountThrottle: redisthrottle.New(rdb, prefix+"login:account:", 5, 15*time.Minute),
		addressThrottle: redisthrottle.New(rdb, prefix+"login:address:", 50, 15*time.Minute),
	}, nil
}
