package views_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
	"github.com/galvani-web/galvani/views"
)

// Test models, in app "shelf".
type Author struct {
	orm.Model
	Name string `orm:"max_length=50"`
}

type Book struct {
	orm.Model
	Title     string         `orm:"max_length=100"`
	Slug      string         `orm:"unique,max_length=100"`
	Pages     int64          `orm:"default=0"`
	Note      string         `orm:"text,blank"`
	Published time.Time      `orm:"auto_now_add"`
	Author    orm.FK[Author] `orm:"null,on_delete=protect,related_name=books"`
	Genres    orm.M2M[Genre] `orm:"blank,related_name=books"`
}

type Genre struct {
	orm.Model
	Name string `orm:"max_length=30"`
}

func (g *Genre) String() string { return g.Name }

func (Book) Meta() orm.Meta { return orm.Meta{Ordering: []string{"title"}} }

// AbsoluteURL makes Book a views.AbsoluteURLer.
func (b *Book) AbsoluteURL(app *galvani.App) (string, error) { return app.URL("book", b.Slug) }

var registerOnce sync.Once

var templates = template.MapLoader{
	"shelf/book_list.html":           `{% for b in book_list %}[{{ b.title }}]{% empty %}none{% endfor %}|{{ object_list|length }}|{% if is_paginated %}page {{ page_obj.number }} of {{ paginator.num_pages }}{% endif %}|{{ ordering }}{% for m in messages %}<msg>{{ m }}</msg>{% endfor %}`,
	"shelf/book_detail.html":         `{{ object.title }}/{{ book.slug }}/{{ extra }}{% for m in messages %}<msg>{{ m }}</msg>{% endfor %}`,
	"shelf/book_form.html":           `{% if object %}editing {{ object.slug }} {% endif %}{{ form.as_div }}{{ form.non_field_error_list }}`,
	"shelf/book_confirm_delete.html": `Delete {{ book.title }}?`,
	"pages/about.html":               `about {{ params.topic }} {{ who }}`,
	"pages/contact.html":             `{{ form.as_div }}{{ form.non_field_error_list }}`,
	"paged.html":                     `{% load pagination %}{% page_links page_obj %}`,
}

type site struct {
	app *galvani.App
	db  *orm.DB
	c   *galvanitest.Client
}

func newSite(t testing.TB, routes func(g *galvani.Group)) *site {
	t.Helper()
	registerOnce.Do(func() {
		if err := orm.RegisterModels("shelf", Author{}, Genre{}, Book{}); err != nil {
			panic(err)
		}
	})
	ctx := context.Background()
	db, err := orm.Open(ctx, "sqlite:///"+filepath.Join(t.TempDir(), "views.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.CreateTables(ctx, db, Author{}, Genre{}, Book{}); err != nil {
		t.Fatal(err)
	}
	app := galvani.New(galvani.Settings{Debug: true, SecretKey: strings.Repeat("k", 50)}, messages.App, views.App)
	app.Use(orm.Middleware(db), session.Middleware(&app.Settings), messages.Middleware(&app.Settings))
	template.Setup(app, template.WithLoader(templates))
	routes(app.Group(""))
	return &site{app: app, db: db, c: galvanitest.New(t, app, galvanitest.Host("localhost"))}
}

func (s *site) books(t testing.TB, titles ...string) []*Book {
	t.Helper()
	var out []*Book
	for i, title := range titles {
		b := &Book{Title: title, Slug: strings.ToLower(strings.ReplaceAll(title, " ", "-")), Pages: int64(10 * (i + 1))}
		if err := s.db.Create(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestList(t *testing.T) {
	s := newSite(t, func(g *galvani.Group) {
		g.Get("/all/", views.List[Book]{}.Handle)
		g.Get("/paged/", views.List[Book]{PerPage: 2, OrderParam: "o", Orderable: []string{"title", "pages"}}.Handle)
		g.Get("/long/", views.List[Book]{
			Ordering: []string{"-pages"},
			Query: func(c *galvani.Ctx, q orm.QuerySet[Book]) (orm.QuerySet[Book], error) {
				n, err := c.QueryInt("min", 0)
				return q.Filter("pages__gte", n), err
			},
		}.Handle)
		g.Get("/strict/", views.List[Book]{RejectEmpty: true, Query: func(c *galvani.Ctx, q orm.QuerySet[Book]) (orm.QuerySet[Book], error) {
			return q.Filter("title", "nothing"), nil
		}}.Handle)
		g.Get("/json/", views.List[Book]{Render: func(c *galvani.Ctx, data views.Data) error {
			var titles []string
			for _, b := range data["object_list"].([]Book) {
				titles = append(titles, b.Title)
			}
			return c.JSON(200, titles)
		}}.Handle)
	})
	c := s.c
	c.Get("/all/").AssertStatus(200).AssertContains("none|0||")
	s.books(t, "Emma", "Dune", "Carrie", "Beloved", "Anathem")
	// The model's ordering (title); every object; not paginated.
	c.Get("/all/").AssertStatus(200).AssertContains("[Anathem][Beloved][Carrie][Dune][Emma]|5||")
	c.Get("/paged/").AssertStatus(200).AssertContains("[Anathem][Beloved]|2|page 1 of 3|")
	c.Get("/paged/?page=3").AssertStatus(200).AssertContains("[Emma]|1|page 3 of 3|")
	c.Get("/paged/?page=last").AssertStatus(200).AssertContains("[Emma]|1|page 3 of 3|")
	// Pages that do not exist are 404, as in Django.
	for _, p := range []string{"4", "0", "-1", "x", "1.5", "99999999999999999999"} {
		c.Get("/paged/?page=" + url.QueryEscape(p)).AssertStatus(404)
	}
	// The client may order by the offered fields only.
	c.Get("/paged/?o=-pages").AssertStatus(200).AssertContains("[Anathem][Beloved]|2|page 1 of 3|-pages")
	c.Get("/paged/?o=-title&page=2").AssertStatus(200).AssertContains("[Carrie][Beloved]")
	c.Get("/paged/?o=pages,title").AssertStatus(200)
	c.Get("/paged/?o=slug").AssertStatus(400).AssertContains("cannot order by").AssertContains("title, pages")
	c.Get("/paged/?o=title,pages,title").AssertStatus(400)
	// Ordering, then Query; a Query error is the answer.
	c.Get("/long/?min=30").AssertStatus(200).AssertContains("[Anathem][Beloved][Carrie]|3|")
	c.Get("/long/?min=abc").AssertStatus(400)
	c.Get("/strict/").AssertStatus(404)
	c.Get("/json/").AssertStatus(200).AssertJSON([]string{"Anathem", "Beloved", "Carrie", "Dune", "Emma"})
	// Only GET and HEAD (and OPTIONS).
	c.Post("/all/", "text/plain", nil).AssertStatus(405).AssertHeader("Allow", "GET, HEAD, OPTIONS")
	c.Request("OPTIONS", "/all/", nil, "").AssertStatus(200).AssertHeader("Allow", "GET, HEAD, OPTIONS")
	c.Head("/all/").AssertStatus(200)
}

func TestDetail(t *testing.T) {
	s := newSite(t, func(g *galvani.Group) {
		g.Get("/by-pk/{pk:int}/", views.Detail[Book]{}.Handle)
		g.Get("/by-id/{id}/", views.Detail[Book]{}.Handle)
		g.Get("/by-slug/{slug:slug}/", views.Detail[Book]{Data: func(c *galvani.Ctx, b *Book, d views.Data) error {
			d["extra"] = b.Pages * 2
			return nil
		}}.Handle).Name("book")
		g.Get("/long/{slug}/", views.Detail[Book]{Query: func(c *galvani.Ctx, q orm.QuerySet[Book]) (orm.QuerySet[Book], error) {
			return q.Filter("pages__gte", 20), nil
		}}.Handle)
		g.Get("/named/{key}/", views.Detail[Book]{PKParam: "key", ContextName: "book"}.Handle)
		g.Get("/title/{t}/", views.Detail[Book]{SlugParam: "t", SlugField: "title"}.Handle)
		g.Get("/nothing/", views.Detail[Book]{}.Handle)
	})
	b := s.books(t, "Emma", "Dune")
	c := s.c
	c.Get(fmt.Sprintf("/by-pk/%d/", b[0].ID)).AssertStatus(200).AssertContains("Emma/emma/")
	c.Get(fmt.Sprintf("/by-id/%d/", b[1].ID)).AssertStatus(200).AssertContains("Dune/dune/")
	c.Get("/by-slug/dune/").AssertStatus(200).AssertContains("Dune/dune/40")
	c.Get(fmt.Sprintf("/named/%d/", b[1].ID)).AssertStatus(200).AssertContains("Dune/dune/")
	c.Get("/title/Emma/").AssertStatus(200).AssertContains("Emma/emma/")
	// Missing objects, malformed keys and objects outside Query are 404.
	c.Get("/by-pk/999/").AssertStatus(404)
	c.Get("/by-id/abc/").AssertStatus(404)
	c.Get("/by-id/99999999999999999999999/").AssertStatus(404)
	c.Get("/by-slug/nope/").AssertStatus(404)
	c.Get("/long/emma/").AssertStatus(404)
	c.Get("/long/dune/").AssertStatus(200)
	// A route without a parameter to look up by is a configuration error, named.
	c.Get("/nothing/").AssertStatus(500).AssertContains("needs a path parameter pk, id or slug")
}

type bookForm struct{}

func TestCreateAndUpdate(t *testing.T) {
	s := newSite(t, func(g *galvani.Group) {
		g.Get("/books/{slug:slug}/", views.Detail[Book]{}.Handle).Name("book")
		g.Any("/new/", views.Create[Book]{
			Fields:         []string{"title", "slug", "pages"},
			SuccessURL:     "/books/{slug}/",
			SuccessMessage: "Added {title} ({pages} pages).",
			BeforeSave: func(c *galvani.Ctx, b *Book) error {
				if b.Title == "Forbidden" {
					return forms.FieldError("title", "That title is not allowed.")
				}
				b.Note = "added by " + c.Request.Header.Get("X-Who")
				return nil
			},
		}.Handle)
		g.Any("/new-abs/", views.Create[Book]{Fields: []string{"title", "slug"}, Initial: func(c *galvani.Ctx, b *Book) error {
			b.Title = "Untitled"
			return nil
		}}.Handle)
		g.Any("/new-nofields/", views.Create[Book]{}.Handle)
		g.Any("/books/{slug:slug}/edit/", views.Update[Book]{Fields: []string{"title", "pages"}, Success: func(c *galvani.Ctx, b *Book) (string, error) {
			return "/books/" + b.Slug + "/?edited=1", nil
		}}.Handle)
	})
	c := s.c
	c.Get("/new/").AssertStatus(200).AssertContains(`name="title"`, `name="slug"`, `name="pages"`).AssertNotContains(`name="note"`)
	// Invalid: shown again with the errors, nothing saved.
	c.PostForm("/new/", url.Values{"title": {""}, "slug": {"x"}}).AssertStatus(200).AssertContains("This field is required.")
	// A BeforeSave form error is shown in the form.
	c.PostForm("/new/", url.Values{"title": {"Forbidden"}, "slug": {"forbidden"}, "pages": {"1"}}).AssertStatus(200).AssertContains("That title is not allowed.")
	if n, _ := orm.Q[Book](s.db).Count(context.Background()); n != 0 {
		t.Fatalf("%d books saved from invalid forms", n)
	}
	// Valid: saved (with BeforeSave's field), message, 303 to the interpolated URL.
	c.PostForm("/new/", url.Values{"title": {"War & Peace"}, "slug": {"war-and-peace"}, "pages": {"1225"}}, galvanitest.Header("X-Who", "ann")).
		AssertStatus(303).AssertRedirect("/books/war-and-peace/")
	c.Get("/books/war-and-peace/").AssertContains("<msg>Added War &amp; Peace (1225 pages).</msg>")
	b, err := orm.Q[Book](s.db).Get(context.Background(), "slug", "war-and-peace")
	if err != nil || b.Note != "added by ann" || b.Pages != 1225 {
		t.Fatalf("saved %+v %v", b, err)
	}
	// The model form checks the unique slug.
	c.PostForm("/new/", url.Values{"title": {"Again"}, "slug": {"war-and-peace"}, "pages": {"1"}}).AssertStatus(200).AssertContains("already exists")
	// Initial values; no SuccessURL: the model's AbsoluteURL.
	c.Get("/new-abs/").AssertContains(`value="Untitled"`)
	c.PostForm("/new-abs/", url.Values{"title": {"Abs"}, "slug": {"abs"}}).AssertRedirect("/books/abs/")
	// No Fields: refused, saying why.
	c.Get("/new-nofields/").AssertStatus(500).AssertContains("needs Fields")

	// Update: the form starts from the object; fields outside it are kept.
	c.Get("/books/war-and-peace/edit/").AssertStatus(200).AssertContains("editing war-and-peace", `value="War &amp; Peace"`, `value="1225"`)
	c.PostForm("/books/war-and-peace/edit/", url.Values{"title": {"War and Peace"}, "pages": {"1300"}}).AssertRedirect("/books/war-and-peace/?edited=1")
	b, _ = orm.Q[Book](s.db).Get(context.Background(), "slug", "war-and-peace")
	if b.Title != "War and Peace" || b.Pages != 1300 || b.Note != "added by ann" {
		t.Fatalf("after update: %+v", b)
	}
	c.PostForm("/books/war-and-peace/edit/", url.Values{"title": {""}}).AssertStatus(200).AssertContains("This field is required.")
	c.Get("/books/nope/edit/").AssertStatus(404)
	c.Request("PUT", "/books/war-and-peace/edit/", nil, "").AssertStatus(405).AssertHeader("Allow", "GET, HEAD, POST, OPTIONS")
}

// TestCreateAndUpdateRelations: a model form with a FK select and a many-to-many
// field; the relations are saved with the object, and a key outside the choices
// is the field's error.
func TestCreateAndUpdateRelations(t *testing.T) {
	s := newSite(t, func(g *galvani.Group) {
		g.Get("/books/{slug:slug}/", views.Detail[Book]{}.Handle).Name("book")
		g.Any("/new/", views.Create[Book]{Fields: []string{"title", "slug", "author", "genres"}, SuccessURL: "/books/{slug}/"}.Handle)
		g.Any("/books/{slug:slug}/edit/", views.Update[Book]{Fields: []string{"title", "genres"}, SuccessURL: "/books/{slug}/"}.Handle)
	})
	ctx := context.Background()
	ann := &Author{Name: "Ann"}
	s.db.Create(ctx, ann)
	for _, n := range []string{"Novel", "Poetry", "History"} {
		if err := s.db.Create(ctx, &Genre{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	c := s.c
	c.Get("/new/").AssertStatus(200).AssertContains(
		`<select name="author" id="id_author" required><option value="">---------</option><option value="1">Author object (1)</option></select>`,
		`<select name="genres" id="id_genres" multiple><option value="1">Novel</option><option value="2">Poetry</option><option value="3">History</option></select>`)
	c.PostForm("/new/", url.Values{"title": {"T"}, "slug": {"t"}, "author": {"7"}, "genres": {"1"}}).AssertStatus(200).AssertContains("7 is not one of the available choices")
	c.PostForm("/new/", url.Values{"title": {"T"}, "slug": {"t"}, "genres": {"1", "99"}}).AssertStatus(200).AssertContains("99 is not one of the available choices")
	if n, _ := orm.Q[Book](s.db).Count(ctx); n != 0 {
		t.Fatalf("%d books saved from invalid forms", n)
	}
	c.PostForm("/new/", url.Values{"title": {"T"}, "slug": {"t"}, "author": {"1"}, "genres": {"1", "3"}}).AssertStatus(303).AssertRedirect("/books/t/")
	b, err := orm.Q[Book](s.db).Get(ctx, "slug", "t")
	if err != nil || b.Author.ID() != ann.ID {
		t.Fatalf("saved %+v %v", b, err)
	}
	genres, _ := orm.Related[Genre](s.db, b, "genres").Query().OrderBy("id").All(ctx)
	if len(genres) != 2 || genres[0].Name != "Novel" || genres[1].Name != "History" {
		t.Fatalf("genres %+v", genres)
	}
	c.Get("/books/t/edit/").AssertContains(`<option value="1" selected>Novel</option><option value="2">Poetry</option><option value="3" selected>History</option>`)
	c.PostForm("/books/t/edit/", url.Values{"title": {"T"}, "genres": {"2"}}).AssertStatus(303)
	genres, _ = orm.Related[Genre](s.db, b, "genres").All(ctx)
	if len(genres) != 1 || genres[0].Name != "Poetry" {
		t.Fatalf("genres after edit %+v", genres)
	}
}

func TestDelete(t *testing.T) {
	s := newSite(t, func(g *galvani.Group) {
		g.Get("/", views.List[Book]{}.Handle)
		g.Any("/{slug:slug}/delete/", views.Delete[Book]{SuccessURL: "/", SuccessMessage: "Deleted {title}."}.Handle)
		g.Any("/author/{pk:int}/delete/", views.Delete[Author]{SuccessURL: "/"}.Handle)
		g.Any("/nourl/{slug:slug}/delete/", views.Delete[Book]{}.Handle)
	})
	b := s.books(t, "Emma", "Dune")
	a := &Author{Name: "Frank"}
	s.db.Create(context.Background(), a)
	b[1].Author.Set(a)
	s.db.Save(context.Background(), b[1])
	c := s.c
	c.Get("/emma/delete/").AssertStatus(200).AssertContains("Delete Emma?")
	c.PostForm("/emma/delete/", nil).AssertStatus(303).AssertRedirect("/")
	c.Get("/").AssertContains("[Dune]|1|").AssertContains("<msg>Deleted Emma.</msg>")
	c.PostForm("/emma/delete/", nil).AssertStatus(404)
	// A protected relation: 409 with the reason, nothing deleted.
	c.PostForm(fmt.Sprintf("/author/%d/delete/", a.ID), nil).AssertStatus(409).AssertContains("cannot be deleted")
	c.PostForm("/nourl/dune/delete/", nil).AssertStatus(500).AssertContains("needs SuccessURL")
	if n, _ := orm.Q[Book](s.db).Count(context.Background()); n != 1 {
		t.Fatalf("%d books left", n)
	}
}

type Contact struct {
	Email   string `form:",kind=email,required"`
	Message string `form:",required,widget=textarea"`
}

func TestFormView(t *testing.T) {
	var sent []string
	s := newSite(t, func(g *galvani.Group) {
		g.Any("/contact/", views.Form[Contact]{
			Template: "pages/contact.html",
			Valid: func(c *galvani.Ctx, f *forms.Form[Contact]) error {
				if strings.Contains(f.Data.Message, "spam") {
					return forms.Errorf("We do not take spam.")
				}
				sent = append(sent, f.Data.Email)
				return nil
			},
			SuccessURL:     "/thanks/",
			SuccessMessage: "Thanks!",
		}.Handle)
		g.Any("/novalid/", views.Form[Contact]{Template: "pages/contact.html"}.Handle)
	})
	c := s.c
	c.Get("/contact/").AssertStatus(200).AssertContains(`name="email"`)
	c.PostForm("/contact/", url.Values{"email": {"not-an-email"}, "message": {"hi"}}).AssertStatus(200).AssertContains("valid email")
	c.PostForm("/contact/", url.Values{"email": {"a@example.com"}, "message": {"buy spam"}}).AssertStatus(200).AssertContains("We do not take spam.")
	c.PostForm("/contact/", url.Values{"email": {"a@example.com"}, "message": {"hello"}}).AssertRedirect("/thanks/")
	if strings.Join(sent, ",") != "a@example.com" {
		t.Fatalf("sent %v", sent)
	}
	c.Get("/novalid/").AssertStatus(500).AssertContains("needs a Valid hook")
}

func TestTemplateAndRedirect(t *testing.T) {
	s := newSite(t, func(g *galvani.Group) {
		g.Get("/about/{topic}/", views.Template{Name: "pages/about.html", Data: func(c *galvani.Ctx, d views.Data) error {
			d["who"] = c.Query("who")
			return nil
		}}.Handle)
		g.Get("/books/{slug:slug}/", views.Detail[Book]{}.Handle).Name("book")
		g.Get("/old/{slug:slug}/", views.Redirect{Route: "book", Permanent: true}.Handle)
		g.Any("/go/{id}/", views.Redirect{URL: "/to/{id}/", KeepQuery: true}.Handle)
		g.Get("/gone/", views.Redirect{}.Handle)
		g.Get("/bad/", views.Redirect{URL: "/to/{nope}/"}.Handle)
	})
	c := s.c
	c.Get("/about/go/?who=%3Cb%3E").AssertStatus(200).AssertContains("about go &lt;b&gt;")
	c.Get("/old/emma/").AssertStatus(301).AssertRedirect("/books/emma/")
	c.Get("/go/a%20b%3Fc/?x=1").AssertStatus(302).AssertRedirect("/to/a%20b%3Fc/?x=1")
	c.PostForm("/go/7/", nil).AssertStatus(302).AssertRedirect("/to/7/")
	c.Get("/gone/").AssertStatus(410)
	c.Get("/bad/").AssertStatus(500).AssertContains(`no parameter "nope"`)
}

func TestPageLinks(t *testing.T) {
	s := newSite(t, func(g *galvani.Group) {
		g.Get("/paged/", views.List[Book]{PerPage: 1, Template: "paged.html"}.Handle)
		g.Get("/qs/", views.Template{Name: "qs.html"}.Handle)
	})
	templates["qs.html"] = `{% load pagination %}<a href="{% querystring page=3 %}"><a href="{% querystring q=None %}"><a href="{% querystring tag="a&b" %}">`
	defer delete(templates, "qs.html")
	var titles []string
	for i := 0; i < 12; i++ {
		titles = append(titles, fmt.Sprintf("Book %02d", i))
	}
	s.books(t, titles...)
	c := s.c
	r := c.Get("/paged/?q=go+lang&page=8").AssertStatus(200)
	r.AssertContains(`<nav class="pagination" aria-label="Pages">`,
		`<a href="?page=7&amp;q=go+lang" rel="prev">`,
		`<a href="?page=1&amp;q=go+lang">1</a>`,
		`<span class="ellipsis">&hellip;</span>`,
		`<span aria-current="page">8</span>`,
		`<a href="?page=12&amp;q=go+lang">12</a>`,
		`<a href="?page=9&amp;q=go+lang" rel="next">`)
	r.AssertNotContains(`>3</a>`)
	c.Get("/paged/?page=1").AssertNotContains(`rel="prev"`)
	c.Get("/qs/?q=x&page=1").AssertContains(`<a href="?page=3&amp;q=x">`, `<a href="?page=1">`, `<a href="?page=1&amp;q=x&amp;tag=a%26b">`)

	// A project template of the same name replaces the built-in one.
	templates[views.PageLinksTemplate] = `{% for l in links %}{% if not l.ellipsis %}<{{ l.number }}:{{ l.url }}>{% endif %}{% endfor %}`
	defer delete(templates, views.PageLinksTemplate)
	s2 := newSite(t, func(g *galvani.Group) { g.Get("/paged/", views.List[Book]{PerPage: 5, Template: "paged.html"}.Handle) })
	s2.books(t, titles...)
	s2.c.Get("/paged/?page=2").AssertContains("<1:?page=1><2:?page=2><3:?page=3>")
}

func TestViewsWithoutDatabase(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true})
	template.Setup(app, template.WithLoader(templates))
	app.Get("/", views.List[Book]{}.Handle)
	galvanitest.New(t, app, galvanitest.Host("localhost")).Get("/").AssertStatus(500).AssertContains("no database")
}

func TestInterpolationEscapes(t *testing.T) {
	s := newSite(t, func(g *galvani.Group) {
		g.Any("/new/", views.Create[Book]{Fields: []string{"title", "slug"}, SuccessURL: "/t/{title}/{{x}}/{pk}"}.Handle)
		g.Any("/bad/", views.Create[Book]{Fields: []string{"title", "slug"}, SuccessURL: "/t/{nope}/"}.Handle)
	})
	s.c.PostForm("/new/", url.Values{"title": {"a/b?c#d"}, "slug": {"s"}}).AssertRedirect("/t/a%2Fb%3Fc%23d/{x}/1")
	s.c.PostForm("/bad/", url.Values{"title": {"x"}, "slug": {"s2"}}).AssertStatus(500).AssertContains(`Book has no field "nope"`)
}

func BenchmarkList(b *testing.B) {
	var s *site
	s = newSite(b, func(g *galvani.Group) {
		g.Get("/view/", views.List[Book]{PerPage: 10}.Handle)
		g.Get("/hand/", func(c *galvani.Ctx) error {
			db := orm.DBFrom(c.Request)
			page, items, err := orm.Paginate(c.Context(), orm.Q[Book](db), c.Query("page"), 10)
			if err != nil {
				return err
			}
			return c.Render(http.StatusOK, "shelf/book_list.html", map[string]any{
				"object_list": items, "book_list": items, "page_obj": page, "paginator": page.Paginator,
				"is_paginated": page.HasOtherPages(), "ordering": "",
			})
		})
	})
	var titles []string
	for i := 0; i < 50; i++ {
		titles = append(titles, fmt.Sprintf("Book %02d", i))
	}
	s.books(b, titles...)
	for _, path := range []string{"/hand/", "/view/"} {
		b.Run(strings.Trim(path, "/"), func(b *testing.B) {
			req, _ := http.NewRequest("GET", path+"?page=3", nil)
			req.Host = "localhost"
			b.ReportAllocs()
			for b.Loop() {
				w := &discard{h: http.Header{}}
				s.app.ServeHTTP(w, req)
				if w.code != 200 {
					b.Fatalf("status %d", w.code)
				}
			}
		})
	}
}

type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = 200
	}
	return len(p), nil
}
func (d *discard) WriteHeader(code int) { d.code = code }
