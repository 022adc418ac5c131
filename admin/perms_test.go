package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/orm"
)

// A staff user with some permissions sees and can do only what they allow —
// checked on the pages and by direct requests, not only by hidden buttons.
func TestPartialPermissions(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.seed(3)
	ctx := context.Background()
	e.db.Create(ctx, &Review{Book: orm.Ref[Book](int64(1)), Text: "ok"})
	// May view books and change reviews; nothing on authors or publishers.
	clerk := e.user("clerk", true, false, "shop.view_book", "shop.change_review")
	c := e.loggedIn(clerk)

	r := c.Get("/admin/")
	status(t, r, 200)
	r.AssertContains(`href="/admin/shop/book/"`, `href="/admin/shop/review/"`)
	r.AssertNotContains(`href="/admin/shop/author/"`, `href="/admin/shop/publisher/"`, `href="/admin/shop/book/add/"`, `href="/admin/shop/review/add/"`)

	// Books: view only.
	r = c.Get("/admin/shop/book/")
	status(t, r, 200)
	r.AssertContains("Select book to view")
	r.AssertNotContains("Add book", `name="_selected_action"`, "delete_selected")
	r = c.Get("/admin/shop/book/1/change/")
	status(t, r, 200)
	r.AssertContains("View book", `class="readonly"`, "Book 00")
	r.AssertNotContains(`name="_save"`, `id="id_title"`, `/delete/"`)
	for _, req := range []struct{ method, path string }{
		{"GET", "/admin/shop/book/add/"},
		{"POST", "/admin/shop/book/add/"},
		{"POST", "/admin/shop/book/1/change/"},
		{"GET", "/admin/shop/book/1/delete/"},
		{"POST", "/admin/shop/book/1/delete/"},
		{"POST", "/admin/shop/book/"}, // delete_selected
		{"GET", "/admin/shop/author/"},
		{"GET", "/admin/shop/author/1/change/"},
		{"GET", "/admin/shop/author/1/history/"},
		{"GET", "/admin/shop/author/autocomplete/?term=a"},
		{"POST", "/admin/shop/author/1/delete/"},
		{"GET", "/admin/shop/publisher/add/"},
	} {
		form := url.Values{"title": {"Hacked"}, "slug": {"hacked"}, "status": {"draft"}, "author": {"1"}, "pages": {"1"}, "post": {"yes"},
			"action": {"delete_selected"}, "_selected_action": {"1"}, "name": {"x"}}
		var resp = c.Get(req.path)
		if req.method == "POST" {
			resp = c.PostForm(req.path, form)
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s: status %d, want 403", req.method, req.path, resp.StatusCode)
		}
	}
	if n, _ := orm.Q[Book](e.db).Count(ctx); n != 3 {
		t.Fatal("books changed")
	}
	if b, _ := orm.Q[Book](e.db).Get(ctx, "pk", 1); b.Title != "Book 00" {
		t.Fatal("book changed")
	}
	// Reviews: change (which implies view), no add, no delete.
	r = c.Get("/admin/shop/review/1/change/")
	status(t, r, 200)
	r.AssertContains(`id="id_text"`, `name="_save"`)
	r.AssertNotContains(`name="_addanother"`, `/delete/"`)
	c.PostForm("/admin/shop/review/1/change/", url.Values{"book": {"1"}, "text": {"better"}, "stars": {"4"}, "_save": {""}}).AssertRedirect("/admin/shop/review/")
	c.Get("/admin/shop/review/add/").AssertStatus(403)

	// Hooks replace the checks: nobody may delete a live book, whatever their permissions.
	e2 := newEnv(t, nil, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{HasDeletePermission: func(r *http.Request, b *Book) bool { return b == nil || b.Status != "live" }})
		admin.Register(s, admin.ModelAdmin[Author]{Query: func(r *http.Request, q orm.QuerySet[Author]) orm.QuerySet[Author] { return q.Filter("active", true) }})
	})
	e2.seed(2)
	boss := e2.loggedIn(e2.user("boss", true, true))
	boss.Get("/admin/shop/book/1/delete/").AssertStatus(403) // Book 00 is live
	boss.Get("/admin/shop/book/2/delete/").AssertStatus(200)
	// Query narrows every page: Bob is inactive, so he is not there.
	boss.Get("/admin/shop/author/2/change/").AssertStatus(404)
	if got := titles(boss.Get("/admin/shop/author/").Body()); len(got) != 1 || got[0] != "Ada" {
		t.Fatalf("authors: %v", got)
	}
	// Inactive staff cannot use the admin even with a session.
	gone := e.user("gone", true, true)
	gc := e.loggedIn(gone)
	gone.IsActive = false
	e.m.SaveUser(ctx, e.db, gone, "is_active")
	gc.Get("/admin/").AssertStatus(302)
}
