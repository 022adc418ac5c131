// Command restbench is the project's side of the REST API benchmark
// (../shared/bench/api in the workspace): the articles API — a limit/offset list with
// the author nested, a detail view, a validated create — written the way a user
// writes it with the rest package, on the benchmark's PostgreSQL tables.
//
//	restbench -addr 127.0.0.1:8080 -db postgres://root@127.0.0.1:5432/apibench
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"net/url"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest"
)

// Author and Article map the benchmark's tables (schema.sql).
type Author struct {
	orm.Model
	Name string `orm:"max_length=100"`
}

// Meta names the benchmark's table.
func (Author) Meta() orm.Meta { return orm.Meta{Table: "author"} }

// Article is an article with its author.
type Article struct {
	orm.Model
	Title   string         `orm:"max_length=200"`
	Body    string         `orm:"text"`
	Author  orm.FK[Author] `orm:"on_delete=cascade"`
	Created time.Time      `orm:"auto_now_add"`
}

// Meta names the benchmark's table.
func (Article) Meta() orm.Meta { return orm.Meta{Table: "article"} }

// newAPI is the whole API: one viewset, as DRF's bench app has one ModelViewSet.
func newAPI(db *orm.DB) *rest.API {
	api := rest.New(rest.Config{DB: db, Pagination: rest.LimitOffset{Default: 20, Max: -1}, NoRoot: true, SchemaPath: "-", NoBrowsable: true})
	api.Register("articles", &rest.ViewSet[Article]{
		Serializer: &rest.ModelSerializer[Article]{
			Fields: []string{"id", "title", "body", "created", "author"},
			Nested: map[string]rest.Nested{"author": &rest.ModelSerializer[Author]{Fields: []string{"id", "name"}}},
		},
		DefaultOrdering: []string{"id"},
	})
	return api
}

func newApp(db *orm.DB) *galvani.App {
	settings := galvani.Settings{AllowedHosts: []string{"*"}, SecretKey: "restbench"}
	app := galvani.New(settings, galvani.Include("/api", newAPI(db)))
	app.Get("/json", func(c *galvani.Ctx) error {
		return c.JSON(200, map[string]string{"message": "Hello, World!"})
	})
	return app
}

func register() {
	orm.MustRegister[Author]("bench")
	orm.MustRegister[Article]("bench")
}

// open opens the database with a pool of the peers' size (16) unless the URL
// sets max_conns.
func open(ctx context.Context, dsn string) (*orm.DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	if q := u.Query(); q.Get("max_conns") == "" {
		q.Set("max_conns", "16")
		u.RawQuery = q.Encode()
	}
	return orm.Open(ctx, u.String())
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	dsn := flag.String("db", "postgres://root@127.0.0.1:5432/apibench?sslmode=disable", "database URL")
	flag.Parse()
	register()
	db, err := open(context.Background(), *dsn)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: newApp(db), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
