// Command admin-bench serves Galvani's admin changelist for the benchmark against
// Django 3.2's admin on the same PostgreSQL tables (bench/admin/run.sh). Every
// request is made by one superuser, set by a middleware (no login round trip), as
// django_admin.py does on the Django side.
//
//	DATABASE_URL=postgres://root@127.0.0.1:5432/bench_admin?sslmode=disable go run ./bench/admin -seed
//	PORT=8000 DATABASE_URL=... go run ./bench/admin
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

// The models of app "shop": a book has an author and a publisher.
type Author struct {
	orm.Model
	Name string `orm:"max_length=100"`
}

func (a Author) String() string { return a.Name }

type Publisher struct {
	orm.Model
	Name string `orm:"max_length=100"`
}

func (p Publisher) String() string { return p.Name }

type Book struct {
	orm.Model
	Title     string            `orm:"max_length=200"`
	Status    string            `orm:"max_length=10,choices=draft:Draft|live:Live,default=draft"`
	Author    orm.FK[Author]    `orm:"on_delete=cascade,related_name=books"`
	Publisher orm.FK[Publisher] `orm:"on_delete=cascade,related_name=books"`
	Pages     int64             `orm:"default=0"`
}

func (b Book) String() string { return b.Title }

type shopApp struct{}

func (shopApp) Label() string { return "shop" }
func (shopApp) Models() []any { return []any{Author{}, Publisher{}, Book{}} }

func main() {
	seed := flag.Bool("seed", false, "create and fill the tables, then exit")
	flag.Parse()
	ctx := context.Background()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		url = "postgres://root@127.0.0.1:5432/bench_admin?sslmode=disable"
	}
	settings := galvani.Settings{SecretKey: "admin-bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz", AllowedHosts: []string{"127.0.0.1", "localhost"}, DatabaseURL: url}
	site := admin.NewSite("admin")
	admin.Register(site, admin.ModelAdmin[Book]{
		ListDisplay: []string{"title", "author", "publisher", "status", "pages"},
		ListFilter:  []string{"status"},
		ListPerPage: 100,
	})
	app := galvani.New(settings, security.App, session.App, messages.App, auth.App, site, shopApp{})
	dbs, err := orm.Install(ctx, app)
	if err != nil {
		log.Fatal(err)
	}
	db := dbs.Default()
	if *seed {
		if err := fill(ctx, db); err != nil {
			log.Fatal(err)
		}
		return
	}
	boss, err := orm.Q[auth.User](db).Get(ctx, "username", "bench")
	if err != nil {
		log.Fatalf("no bench user (run with -seed first): %v", err)
	}
	app.Use(session.Middleware(&app.Settings), messages.Middleware(&app.Settings), func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := auth.SetUser(r, boss); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	template.Setup(app)
	app.Get("/json", func(c *galvani.Ctx) error { return c.JSON(200, map[string]string{"message": "Hello, World!"}) })
	port := os.Getenv("PORT")
	if port == "" {
		port = "8000"
	}
	srv := &http.Server{Addr: "127.0.0.1:" + port, Handler: app, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// fill creates the tables of both sides' models (Django's admin reads the same
// ones) and 5000 books by 200 authors at 20 publishers, a third of them live.
func fill(ctx context.Context, db *orm.DB) error {
	models := []any{auth.Permission{}, auth.Group{}, auth.User{}, admin.LogEntry{}, Author{}, Publisher{}, Book{}}
	if err := orm.DropTables(ctx, db, models...); err != nil {
		return err
	}
	if err := orm.CreateTables(ctx, db, models...); err != nil {
		return err
	}
	boss := &auth.User{AbstractUser: auth.AbstractUser{Username: "bench", IsStaff: true, IsSuperuser: true, IsActive: true, Password: "!"}}
	if err := db.Create(ctx, boss); err != nil {
		return err
	}
	var authors []Author
	for i := 0; i < 200; i++ {
		authors = append(authors, Author{Name: fmt.Sprintf("Author %03d", i)})
	}
	if err := orm.BulkCreate(ctx, db, authors); err != nil {
		return err
	}
	var pubs []Publisher
	for i := 0; i < 20; i++ {
		pubs = append(pubs, Publisher{Name: fmt.Sprintf("Publisher %02d", i)})
	}
	if err := orm.BulkCreate(ctx, db, pubs); err != nil {
		return err
	}
	var books []Book
	for i := 0; i < 5000; i++ {
		st := "draft"
		if i%3 == 0 {
			st = "live"
		}
		books = append(books, Book{Title: fmt.Sprintf("Book %04d", i), Status: st, Author: orm.Ref[Author](authors[i%200].ID),
			Publisher: orm.Ref[Publisher](pubs[i%20].ID), Pages: int64(100 + i%400)})
	}
	if err := orm.BulkCreate(ctx, db, books); err != nil {
		return err
	}
	// Fresh tables have no planner statistics until autovacuum comes round (up
	// to a minute later, often mid-run): the first rounds then measured plans
	// for empty tables, about three times slower for both servers. Analyze now.
	if db.Dialect().Name() == "postgres" {
		_, err := db.Exec(ctx, "VACUUM ANALYZE")
		return err
	}
	return nil
}
