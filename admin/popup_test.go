package admin_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/orm"
)

// "Add another": a "+" beside the selects of relations whose target the user
// may add (not beside raw-id or autocomplete fields, nor for targets without an
// admin); the add form in popup mode has no site header, and its save answers
// with the new object's key and name for the form that opened it.
func TestAddAnotherPopup(t *testing.T) {
	e := newEnv(t, nil, func(s *admin.Site) {
		registrations(s)
		admin.Register(s, admin.ModelAdmin[Tag]{})
	})
	e.seed(1)
	c := e.loggedIn(e.user("boss", true, true))
	r := c.Get("/admin/shop/book/add/")
	status(t, r, 200)
	r.AssertContains(
		`<a href="/admin/shop/author/add/" class="related-add" target="_blank" rel="opener" data-popup-for="id_author" title="Add another author" aria-label="Add another author">+</a>`,
		`data-popup-for="id_publisher"`, `data-popup-for="id_tags"`)
	c.Get("/admin/shop/review/add/").AssertNotContains(`class="related-add"`) // book is an autocomplete field

	r = c.Get("/admin/shop/author/add/?_popup=1")
	status(t, r, 200)
	r.AssertContains(`id="id_name"`, `action="/admin/shop/author/add/?_popup=1"`, `name="_save"`)
	r.AssertNotContains(`id="header"`, `class="breadcrumbs"`, `name="_continue"`, `name="_addanother"`)
	r = c.PostForm("/admin/shop/author/add/?_popup=1", url.Values{"name": {"Cleo </script>"}, "active": {"on"}, "_save": {""}})
	status(t, r, 200)
	r.AssertContains(`<script type="application/json" id="popup-response">{"label":"Cleo \u003c/script\u003e","value":"3"}</script>`)
	if a, err := orm.Q[Author](e.db).Get(context.Background(), "pk", int64(3)); err != nil || a.Name != "Cleo </script>" {
		t.Fatalf("added author: %v %v", a, err)
	}

	// A user who may change books but not add authors gets no "+" for authors.
	clerk := e.loggedIn(e.user("clerk", true, false, "shop.add_book", "shop.add_publisher"))
	r = clerk.Get("/admin/shop/book/add/")
	r.AssertContains(`data-popup-for="id_publisher"`)
	r.AssertNotContains(`data-popup-for="id_author"`, `data-popup-for="id_tags"`)
	clerk.PostForm("/admin/shop/author/add/?_popup=1", url.Values{"name": {"Nope"}, "_save": {""}}).AssertStatus(403)
}
