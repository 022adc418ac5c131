package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// The admin's changelist beside a hand-written page showing the same rows (the
// same counts and query, a plain template), through the same project and
// middleware, on SQLite and on PostgreSQL (skipped without it):
//
//	go test -run XXX -bench Changelist -benchtime 200x ./admin
func BenchmarkChangelist(b *testing.B) { benchGet(b, nil, "/admin/shop/book/?status__exact=live") }

func BenchmarkChangelistHandwritten(b *testing.B) { benchGet(b, nil, "/plain/books/") }

func BenchmarkChangelistPostgres(b *testing.B) {
	benchGet(b, serverDB(b, "postgres"), "/admin/shop/book/?status__exact=live")
}

func BenchmarkChangelistHandwrittenPostgres(b *testing.B) {
	benchGet(b, serverDB(b, "postgres"), "/plain/books/")
}

func benchGet(b *testing.B, db *orm.DB, path string) {
	c := benchEnv(b, db)
	c.Get(path) // warm the caches
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := c.Get(path); r.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d", path, r.StatusCode)
		}
	}
}

func benchEnv(b *testing.B, db *orm.DB) *galvanitest.Client {
	b.Helper()
	e := newEnv(b, db, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{ListDisplay: []string{"title", "author", "publisher", "status", "pages"}, ListFilter: []string{"status"}, ListPerPage: 100})
	})
	ctx := context.Background()
	a, p := &Author{Name: "Ada"}, &Publisher{Name: "Ace"}
	e.db.Create(ctx, a)
	e.db.Create(ctx, p)
	var books []Book
	for i := 0; i < 600; i++ {
		books = append(books, Book{Title: fmt.Sprintf("Book %03d", i), Slug: fmt.Sprintf("b-%d", i), Status: []string{"draft", "live"}[i%2], Author: orm.To(a), Publisher: orm.To(p), Pages: int64(i)})
	}
	if err := orm.BulkCreate(ctx, e.db, books); err != nil {
		b.Fatal(err)
	}
	page, err := template.New().FromString("plain", `<table>{% for b in books %}<tr><td><a href="/admin/shop/book/{{ b.id }}/change/">{{ b.title }}</a></td><td>{{ b.author.obj }}</td><td>{{ b.publisher.obj }}</td><td>{{ b.status }}</td><td>{{ b.pages }}</td></tr>{% endfor %}</table>{{ count }}/{{ total }}`)
	if err != nil {
		b.Fatal(err)
	}
	e.app.Get("/plain/books/", func(c *galvani.Ctx) error {
		ctx := c.Context()
		q := orm.Q[Book](e.db).Filter("status", "live")
		n, err := q.Count(ctx)
		if err != nil {
			return err
		}
		total, err := orm.Q[Book](e.db).Count(ctx)
		if err != nil {
			return err
		}
		rows, err := q.SelectRelated("author", "publisher").OrderBy("-id").Limit(100).All(ctx)
		if err != nil {
			return err
		}
		html, err := page.Render(map[string]any{"books": rows, "count": n, "total": total})
		if err != nil {
			return err
		}
		return c.HTML(http.StatusOK, html)
	})
	return e.loggedIn(e.user("boss", true, true))
}
