package admin_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/orm"
)

// Reviews edited under their book: rows added, changed and deleted with the
// book in one save; blank extra rows ignored; an invalid row saves nothing.
func TestInlines(t *testing.T) { eachDB(t, testInlines) }

func testInlines(t *testing.T, db *orm.DB) {
	e := newEnv(t, db, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{Inlines: []admin.Inline{admin.TabularInline[Review]{InlineOptions: admin.InlineOptions{Extra: 2, ShowChangeLink: true}}}})
		admin.Register(s, admin.ModelAdmin[Review]{})
		admin.Register(s, admin.ModelAdmin[Author]{Inlines: []admin.Inline{admin.StackedInline[Book]{InlineOptions: admin.InlineOptions{Fields: []string{"title", "slug"}, MaxNum: 2}}}})
	})
	e.seed(1)
	ctx := context.Background()
	e.db.Create(ctx, &Review{Book: orm.Ref[Book](int64(1)), Text: "first", Stars: 4})
	c := e.loggedIn(e.user("boss", true, true))

	r := c.Get("/admin/shop/book/1/change/")
	status(t, r, 200)
	r.AssertContains(`id="reviews-group"`, `name="reviews-TOTAL_FORMS" value="3"`, `name="reviews-INITIAL_FORMS" value="1"`,
		`name="reviews-0-id" value="1"`, `value="first"`, `name="reviews-0-DELETE"`, `name="reviews-2-text"`, `aria-label="Text, row 2"`, `href="/admin/shop/review/1/change/"`)
	r.AssertNotContains(`name="reviews-0-book"`)

	base := url.Values{"title": {"Book 00"}, "slug": {"book-00"}, "status": {"live"}, "author": {"1"}, "pages": {"100"}, "_continue": {""},
		"reviews-TOTAL_FORMS": {"3"}, "reviews-INITIAL_FORMS": {"1"},
		"reviews-0-id": {"1"}, "reviews-0-text": {"first, edited"}, "reviews-0-stars": {"5"},
		"reviews-1-text": {"second"}, "reviews-1-stars": {"3"},
		"reviews-2-text": {""}, "reviews-2-stars": {"3"}} // left blank: ignored
	bad := url.Values{}
	for k, v := range base {
		bad[k] = v
	}
	bad.Set("reviews-1-stars", "many")
	r = c.PostForm("/admin/shop/book/1/change/", bad)
	status(t, r, 200)
	r.AssertContains(`class="errornote"`, `class="errorlist"`)
	if n, _ := orm.Q[Review](e.db).Count(ctx); n != 1 {
		t.Fatal("saved with an invalid inline row")
	}
	c.PostForm("/admin/shop/book/1/change/", base).AssertRedirect("/admin/shop/book/1/change/")
	rs, _ := orm.Q[Review](e.db).OrderBy("id").All(ctx)
	if len(rs) != 2 || rs[0].Text != "first, edited" || rs[0].Stars != 5 || rs[1].Text != "second" || rs[1].Book.ID() != 1 {
		t.Fatalf("reviews %+v", rs)
	}
	r = c.Get("/admin/shop/book/1/history/")
	r.AssertContains("Changed review “first, edited”, added review “second”.")

	// Delete a row.
	del := url.Values{"title": {"Book 00"}, "slug": {"book-00"}, "status": {"live"}, "author": {"1"}, "pages": {"100"}, "_save": {""},
		"reviews-TOTAL_FORMS": {"2"}, "reviews-INITIAL_FORMS": {"2"},
		"reviews-0-id": {"1"}, "reviews-0-text": {"first, edited"}, "reviews-0-stars": {"5"}, "reviews-0-DELETE": {"on"},
		"reviews-1-id": {"2"}, "reviews-1-text": {"second"}, "reviews-1-stars": {"3"}}
	c.PostForm("/admin/shop/book/1/change/", del).AssertRedirect("/admin/shop/book/")
	if n, _ := orm.Q[Review](e.db).Count(ctx); n != 1 {
		t.Fatalf("delete: %d reviews", n)
	}
	// A wrong management form or a row that is not the parent's is refused.
	del.Set("reviews-TOTAL_FORMS", "x")
	c.PostForm("/admin/shop/book/1/change/", del).AssertStatus(400)
	del.Set("reviews-TOTAL_FORMS", "1")
	del.Set("reviews-0-id", "999")
	c.PostForm("/admin/shop/book/1/change/", del).AssertStatus(400)

	// Adding a parent with inline rows; stacked; MaxNum.
	r = c.Get("/admin/shop/author/add/")
	status(t, r, 200)
	r.AssertContains(`id="books-group"`, `name="books-TOTAL_FORMS" value="2"`, `id="id_books-0-title"`)
	add := url.Values{"name": {"Cleo"}, "active": {"on"}, "_save": {""}, "books-TOTAL_FORMS": {"2"}, "books-INITIAL_FORMS": {"0"},
		"books-0-title": {"Cleo's first"}, "books-0-slug": {"cleo-1"}, "books-1-title": {""}, "books-1-slug": {""}}
	c.PostForm("/admin/shop/author/add/", add).AssertRedirect("/admin/shop/author/")
	cleo, err := orm.Q[Author](e.db).Get(ctx, "name", "Cleo")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := orm.Q[Book](e.db).Get(ctx, "slug", "cleo-1"); err != nil || b.Author.ID() != cleo.ID {
		t.Fatalf("inline row of a new parent: %+v %v", b, err)
	}
	add.Set("name", "Dora")
	add.Set("books-TOTAL_FORMS", "3")
	add.Set("books-0-slug", "dora-1")
	add.Set("books-1-title", "b")
	add.Set("books-1-slug", "dora-2")
	add.Set("books-2-title", "c")
	add.Set("books-2-slug", "dora-3")
	c.PostForm("/admin/shop/author/add/", add).AssertStatus(200).AssertContains("Keep at most 2 books.")
}

// An inline's blank row shows the model's defaults, a zero one included (pages:
// 0), and is left out when submitted as shown.
func TestInlineZeroDefault(t *testing.T) {
	e := newEnv(t, nil, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Author]{Inlines: []admin.Inline{admin.TabularInline[Book]{InlineOptions: admin.InlineOptions{Fields: []string{"title", "slug", "pages"}, Extra: 1}}}})
	})
	c := e.loggedIn(e.user("boss", true, true))
	r := c.Get("/admin/shop/author/add/")
	status(t, r, 200)
	r.AssertContains(`name="books-0-pages" id="id_books-0-pages" value="0"`)
	c.PostForm("/admin/shop/author/add/", url.Values{"name": {"Ada"}, "active": {"on"}, "_save": {""},
		"books-TOTAL_FORMS": {"1"}, "books-INITIAL_FORMS": {"0"}, "books-0-title": {""}, "books-0-slug": {""}, "books-0-pages": {"0"}}).
		AssertRedirect("/admin/shop/author/")
	if n, _ := orm.Q[Book](e.db).Count(context.Background()); n != 0 {
		t.Fatalf("%d books saved from a blank row", n)
	}
}
