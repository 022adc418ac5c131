package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/orm"
)

var once sync.Once

func testApp(t *testing.T) *galvanitest.Client {
	once.Do(register)
	ctx := context.Background()
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "bench.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.CreateTables(ctx, db, Author{}, Article{}); err != nil {
		t.Fatal(err)
	}
	au := &Author{Name: "Author 7"}
	if err := db.Create(ctx, au); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := db.Create(ctx, &Article{Title: "T", Body: "B", Author: orm.To(au), Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return galvanitest.New(t, newApp(db))
}

// TestBenchAPI checks the answers the benchmark's check.sh compares with DRF's.
func TestBenchAPI(t *testing.T) {
	c := testApp(t)
	c.Get("/json").AssertStatus(200).AssertJSON(`{"message":"Hello, World!"}`)
	c.Get("/api/articles/?limit=1&offset=1").AssertStatus(200).
		AssertContains(`{"count":3,"next":"http://example.com/api/articles/?limit=1&offset=2","previous":"http://example.com/api/articles/?limit=1","results":[{"id":2,"title":"T","body":"B","created":"`, `"author":{"id":1,"name":"Author 7"}}]}`)
	c.Get("/api/articles/2/").AssertStatus(200).AssertContains(`"author":{"id":1,"name":"Author 7"}`)
	c.Get("/api/articles/99999/").AssertStatus(404).AssertJSON(`{"detail":"Not found."}`)
	c.PostJSON("/api/articles/", map[string]any{"title": "Check", "body": "Body", "author": 1}).AssertStatus(201).
		AssertContains(`"title":"Check"`, `"author":{"id":1,"name":"Author 7"}`)
	c.Post("/api/articles/", "application/json", strings.NewReader(`{}`)).AssertStatus(400).
		AssertJSON(`{"title":["This field is required."],"body":["This field is required."],"author":["This field is required."]}`)
	c.Post("/api/articles/", "application/json", strings.NewReader(`{"title": "`+strings.Repeat("x", 201)+`", "body": "b", "author": 1}`)).AssertStatus(400).
		AssertJSON(`{"title":["Ensure this field has no more than 200 characters."]}`)
}

type plainAuthor struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type plainArticle struct {
	ID      int64       `json:"id"`
	Title   string      `json:"title"`
	Body    string      `json:"body"`
	Created time.Time   `json:"created"`
	Author  plainAuthor `json:"author"`
}

func toPlain(a *Article) plainArticle {
	au := a.Author.Obj()
	return plainArticle{ID: a.ID, Title: a.Title, Body: a.Body, Created: a.Created, Author: plainAuthor{ID: au.ID, Name: au.Name}}
}

// plainApp serves the detail and the list with hand-written handlers on the same
// ORM and database: the baseline of the rest views' overhead.
func plainApp(db *orm.DB) *galvani.App {
	app := galvani.New(galvani.Settings{AllowedHosts: []string{"*"}})
	app.Get("/plain/articles/{id:int}/", func(c *galvani.Ctx) error {
		id, err := c.ParamInt64("id")
		if err != nil {
			return err
		}
		a, err := orm.Q[Article](db).SelectRelated("author").Get(c.Context(), "id", id)
		if err != nil {
			return err
		}
		return c.JSON(200, toPlain(a))
	})
	app.Get("/plain/articles/", func(c *galvani.Ctx) error {
		limit, _ := c.QueryInt("limit", 20)
		offset, _ := c.QueryInt("offset", 0)
		q := orm.Q[Article](db)
		n, err := q.Count(c.Context())
		if err != nil {
			return err
		}
		objs, err := q.SelectRelated("author").OrderBy("id").Offset(offset).Limit(limit).All(c.Context())
		if err != nil {
			return err
		}
		out := make([]plainArticle, len(objs))
		for i := range objs {
			out[i] = toPlain(&objs[i])
		}
		return c.JSON(200, map[string]any{"count": n, "next": nil, "previous": nil, "results": out})
	})
	return app
}

func benchServe(b *testing.B, h http.Handler, path string) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != 200 {
			b.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
	}
}

func benchDB(b *testing.B) *orm.DB {
	once.Do(register)
	ctx := context.Background()
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := orm.CreateTables(ctx, db, Author{}, Article{}); err != nil {
		b.Fatal(err)
	}
	au := &Author{Name: "Author 7"}
	if err := db.Create(ctx, au); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := db.Create(ctx, &Article{Title: "Article", Body: strings.Repeat("Lorem ipsum ", 8), Author: orm.To(au), Created: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkDetail: the rest detail view beside a hand-written handler, same query.
func BenchmarkDetail(b *testing.B) {
	db := benchDB(b)
	b.Run("rest", func(b *testing.B) { benchServe(b, newApp(db), "/api/articles/17/") })
	b.Run("plain", func(b *testing.B) { benchServe(b, plainApp(db), "/plain/articles/17/") })
}

// BenchmarkList: the rest list (limit/offset envelope, 20 rows) beside a
// hand-written handler running the same two queries.
func BenchmarkList(b *testing.B) {
	db := benchDB(b)
	b.Run("rest", func(b *testing.B) { benchServe(b, newApp(db), "/api/articles/?limit=20&offset=40") })
	b.Run("plain", func(b *testing.B) { benchServe(b, plainApp(db), "/plain/articles/?limit=20&offset=40") })
}
