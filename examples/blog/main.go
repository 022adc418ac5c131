// Command blog is a small but complete Galvani site: articles and comments on SQLite,
// Django templates, forms, sessions, messages, CSRF and the security headers.
//
//	go run ./examples/blog            # serves http://127.0.0.1:8000
//	go run ./examples/blog help       # every management command
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/examples/blog/blog"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/static"
	"github.com/galvani-web/galvani/template"
)

func main() {
	settings, err := galvani.LoadSettings()
	if err != nil {
		log.Fatal(err)
	}
	if _, set := os.LookupEnv("DEBUG"); !set {
		settings.Debug = true // like a new Django project; DEBUG=0 for production behaviour
	}
	app, err := newApp(context.Background(), settings)
	if err != nil {
		log.Fatal(err)
	}
	app.Run()
}

// newApp assembles the project: installed apps, database, middleware, templates and
// static files. The tests build the same App on a temporary database.
func newApp(ctx context.Context, settings galvani.Settings) (*galvani.App, error) {
	app := galvani.New(settings, security.App, session.App, messages.App, blog.App)
	db, err := orm.Open(ctx, app.Settings.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := orm.RegisterApps(blog.App); err != nil {
		return nil, err
	}
	if err := ensureTables(ctx, db); err != nil {
		return nil, err
	}
	app.Use(orm.Middleware(db), session.Middleware(&app.Settings), messages.Middleware(&app.Settings))
	template.Setup(app)
	app.Mount("/static", static.New(blog.App.Static(), static.Options{Prefix: "/static/"}))
	return app, nil
}

// ensureTables creates the blog's tables in a new database.
func ensureTables(ctx context.Context, db *orm.DB) error {
	if _, err := orm.Q[blog.Article](db).Exists(ctx); err == nil {
		return nil
	}
	if err := orm.CreateTables(ctx, db, blog.Article{}, blog.Comment{}); err != nil {
		return fmt.Errorf("creating tables: %w", err)
	}
	return nil
}
