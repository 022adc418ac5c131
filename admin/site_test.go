package admin_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
)

// Anonymous visitors and non-staff users are sent to the admin's login page;
// only active staff can log in there.
func TestLoginRequired(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.user("staff", true, false)
	e.user("plain", false, false)
	c := e.client()
	for _, p := range []string{"/admin/", "/admin/shop/", "/admin/shop/book/", "/admin/shop/book/add/", "/admin/shop/book/1/change/", "/admin/shop/book/autocomplete/"} {
		c.Get(p).AssertRedirect("/admin/login/?next=" + url.QueryEscape(p))
	}
	r := c.Get("/admin/login/?next=/admin/shop/")
	status(t, r, 200)
	r.AssertContains(`id="id_username"`, `id="id_password"`, `name="next" value="/admin/shop/"`, "Galvani administration")

	// A correct password of a user who is not staff is refused like a wrong one.
	r = c.PostForm("/admin/login/", url.Values{"username": {"plain"}, "password": {"correct horse battery"}, "next": {"/admin/"}})
	status(t, r, 200)
	r.AssertContains(`class="errornote"`, "staff account")
	r = c.PostForm("/admin/login/", url.Values{"username": {"staff"}, "password": {"wrong"}})
	r.AssertContains("staff account")
	r = c.PostForm("/admin/login/", url.Values{"username": {"staff"}, "password": {"correct horse battery"}, "next": {"/admin/shop/"}})
	r.AssertRedirect("/admin/shop/")
	// next stays on the site.
	c2 := e.client()
	c2.PostForm("/admin/login/", url.Values{"username": {"staff"}, "password": {"correct horse battery"}, "next": {"//evil.example/"}}).AssertRedirect("/admin/")
	// Logged in, the login page forwards; logout is POST only.
	c.Get("/admin/login/").AssertRedirect("/admin/")
	c.Get("/admin/logout/").AssertStatus(405)
	c.PostForm("/admin/logout/", nil).AssertRedirect("/admin/login/")
	c.Get("/admin/").AssertRedirect("/admin/login/?next=%2Fadmin%2F")
}

// The index lists the apps and the models the user may do something with, and
// the user's recent actions; responses cannot be framed or cached.
func TestIndex(t *testing.T) {
	e := newEnv(t, nil, nil)
	boss := e.user("boss", true, true)
	c := e.loggedIn(boss)
	r := c.Get("/admin/")
	status(t, r, 200)
	r.AssertContains("Site administration", `href="/admin/shop/"`, `href="/admin/shop/book/"`, `href="/admin/shop/book/add/"`, "Books", "Reviews", "Recent actions", "None yet.")
	r.AssertHeader("X-Frame-Options", "DENY")
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("Cache-Control %q", cc)
	}
	c.Get("/admin/shop/").AssertStatus(200).AssertContains("Shop", "Authors")
	c.Get("/admin/nothing/").AssertStatus(404)
	c.Get("/admin/shop/nothing/").AssertStatus(404)
	r = c.Get("/admin/static/admin.css")
	status(t, r, 200)
	if !strings.Contains(r.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("css type %q", r.Header.Get("Content-Type"))
	}
	if r := c.Get("/admin/static/..%2fsite.go"); r.StatusCode < 400 {
		t.Fatalf("escaping the static files: %d", r.StatusCode)
	}
	c.Get("/admin/static/nope.css").AssertStatus(404)
}

// Add with a validation error, fix it, then change, history and delete.
func TestAddChangeDeleteHistory(t *testing.T) { eachDB(t, testAddChangeDeleteHistory) }

func testAddChangeDeleteHistory(t *testing.T, db *orm.DB) {
	e := newEnv(t, db, nil)
	ada, _ := e.seed(0)
	boss := e.user("boss", true, true)
	c := e.loggedIn(boss)
	r := c.Get("/admin/shop/book/add/")
	status(t, r, 200)
	r.AssertContains(`id="id_title"`, `id="id_slug"`, `id="id_author"`, `name="_save"`, `name="_continue"`, `name="_addanother"`, "csrfmiddlewaretoken", `<option value="1">Ada</option>`)
	r.AssertNotContains(`name="_saveasnew"`)

	form := url.Values{"title": {"<b>Dune</b>"}, "slug": {""}, "status": {"draft"}, "author": {"1"}, "pages": {"412"}, "_save": {""}}
	r = c.PostForm("/admin/shop/book/add/", form)
	status(t, r, 200)
	r.AssertContains(`class="errornote"`, `class="errorlist"`, `value="&lt;b&gt;Dune&lt;/b&gt;"`)
	if n, _ := orm.Q[Book](e.db).Count(context.Background()); n != 0 {
		t.Fatal("invalid form saved")
	}
	form.Set("slug", "dune")
	form.Del("_save")
	form.Set("_continue", "")
	r = c.PostForm("/admin/shop/book/add/", form)
	r.AssertRedirect("/admin/shop/book/1/change/")
	b, err := orm.Q[Book](e.db).Get(context.Background(), "slug", "dune")
	if err != nil || b.Title != "<b>Dune</b>" || b.Author.ID() != ada.ID || b.Pages != 412 {
		t.Fatalf("saved %+v %v", b, err)
	}
	r = c.Get("/admin/shop/book/1/change/")
	status(t, r, 200)
	r.AssertContains(`class="messagelist"`, "Added book", "&lt;b&gt;Dune&lt;/b&gt;", `name="_saveasnew"`, `href="/admin/shop/book/1/history/"`, `href="/admin/shop/book/1/delete/"`)
	r.AssertNotContains("<b>Dune</b>")

	form.Set("title", "Dune Messiah")
	form.Set("pages", "256")
	form.Del("_continue")
	c.PostForm("/admin/shop/book/1/change/", form).AssertRedirect("/admin/shop/book/")
	// Save as new keeps the original and adds a copy.
	form.Set("slug", "dune-2")
	form.Set("_saveasnew", "")
	r = c.PostForm("/admin/shop/book/1/change/", form)
	r.AssertRedirect("/admin/shop/book/2/change/")
	if n, _ := orm.Q[Book](e.db).Count(context.Background()); n != 2 {
		t.Fatalf("save as new: %d books", n)
	}

	r = c.Get("/admin/shop/book/1/history/")
	status(t, r, 200)
	r.AssertContains(`id="change-history"`, "boss", "Added.", "Changed title and pages.")

	// Delete shows what cascades, then deletes.
	if err := e.db.Create(context.Background(), &Review{Book: orm.Ref[Book](int64(1)), Text: "great"}); err != nil {
		t.Fatal(err)
	}
	r = c.Get("/admin/shop/book/1/delete/")
	status(t, r, 200)
	r.AssertContains("Dune Messiah", "1 review", "great", `name="post"`)
	c.PostForm("/admin/shop/book/1/delete/", url.Values{"post": {"yes"}}).AssertRedirect("/admin/shop/book/")
	if n, _ := orm.Q[Review](e.db).Count(context.Background()); n != 0 {
		t.Fatal("cascade not applied")
	}
	c.Get("/admin/shop/book/1/change/").AssertStatus(404)
	c.Get("/admin/shop/book/x/change/").AssertStatus(404)
	c.Get("/admin/shop/book/99999999999999999999999/change/").AssertStatus(404)

	r = c.Get("/admin/")
	r.AssertContains("Recent actions", "Dune Messiah", "deletelink")
	var entries []admin.LogEntry
	entries, _ = orm.Q[admin.LogEntry](e.db).OrderBy("id").All(context.Background())
	if len(entries) != 4 || entries[0].ActionFlag != admin.Addition || entries[1].ActionFlag != admin.Change || entries[3].ActionFlag != admin.Deletion {
		t.Fatalf("log %+v", entries)
	}
}

// A protected relation stops a delete: the page lists the protecting rows.
func TestDeleteProtected(t *testing.T) { eachDB(t, testDeleteProtected) }

func testDeleteProtected(t *testing.T, db *orm.DB) {
	e := newEnv(t, db, nil)
	ada, _ := e.seed(0)
	ctx := context.Background()
	p := &Publisher{Name: "Ace"}
	e.db.Create(ctx, p)
	e.db.Create(ctx, &Book{Title: "Held", Slug: "held", Author: orm.To(ada), Publisher: orm.To(p)})
	c := e.loggedIn(e.user("boss", true, true))
	r := c.Get("/admin/shop/publisher/1/delete/")
	status(t, r, 200)
	r.AssertContains("cannot be deleted", "Book: Held")
	r.AssertNotContains(`name="post"`)
	c.PostForm("/admin/shop/publisher/1/delete/", url.Values{"post": {"yes"}}).AssertStatus(409)
	if n, _ := orm.Q[Publisher](e.db).Count(ctx); n != 1 {
		t.Fatal("protected publisher deleted")
	}
}

// shopApp registers its models with the admin by itself (admin.Registrar).
type shopApp struct{ calls *int }

func (shopApp) Label() string { return "shop" }

func (a shopApp) RegisterAdmin(s *admin.Site) {
	*a.calls++
	admin.Register(s, admin.ModelAdmin[Author]{ListDisplay: []string{"name"}})
}

// An installed app implementing admin.Registrar registers its models when the
// project is assembled, once per site even when the project is built again (as
// each test of a project does).
func TestRegistrar(t *testing.T) {
	registerModels()
	calls := 0
	site := admin.NewSite("admin")
	settings := galvani.Settings{SecretKey: "admin-tests-secret-key-0123456789-abcdefghijklmnop"}
	for i := 0; i < 2; i++ {
		galvani.New(settings, security.App, session.App, messages.App, auth.New[auth.User](auth.Options{}), shopApp{&calls}, site)
	}
	if calls != 1 || !admin.IsRegistered[Author](site) || admin.IsRegistered[Book](site) {
		t.Fatalf("RegisterAdmin ran %d times; author registered: %v", calls, admin.IsRegistered[Author](site))
	}
}
