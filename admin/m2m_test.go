package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
)

// tagKeys returns the keys of book pk's tags, in order.
func tagKeys(t *testing.T, e *env, pk int64) []int64 {
	t.Helper()
	keys, err := orm.M2MKeys(context.Background(), e.db, &Book{Model: orm.Model{ID: pk}}, "tags")
	if err != nil {
		t.Fatal(err)
	}
	out := []int64{}
	for _, k := range keys {
		out = append(out, k.(int64))
	}
	slices.Sort(out)
	return out
}

// seedTags makes the tags go (1), sql (2) and web (3).
func seedTags(t *testing.T, e *env) {
	t.Helper()
	for _, n := range []string{"go", "sql", "web"} {
		if err := e.db.Create(context.Background(), &Tag{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
}

// lastLog is the newest history entry's message.
func lastLog(t *testing.T, e *env) string {
	t.Helper()
	l, err := orm.Q[admin.LogEntry](e.db).OrderBy("-id").First(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l.ChangeMessage
}

// A many-to-many field of any registered model is edited on its change form:
// the chooser's select lists the targets with the current ones selected,
// saving sets the join table (in the object's transaction), the history names
// the field, bad keys are form errors, and a view-only user sees the names and
// cannot change them — on each database.
func TestManyToManyField(t *testing.T) {
	eachDB(t, func(t *testing.T, db *orm.DB) {
		e := newEnv(t, db, func(s *admin.Site) {
			admin.Register(s, admin.ModelAdmin[Book]{Fields: []string{"title", "slug", "author", "tags", "pages"}, FilterHorizontal: []string{"tags"}})
			admin.Register(s, admin.ModelAdmin[Tag]{})
		})
		e.seed(1)
		seedTags(t, e)
		c := e.loggedIn(e.user("boss", true, true))

		r := c.Get("/admin/shop/book/add/")
		status(t, r, 200)
		r.AssertContains(`<select name="tags" id="id_tags" multiple class="chooser-source" data-chooser="horizontal" data-chooser-name="tags"><option value="1">go</option><option value="2">sql</option><option value="3">web</option></select>`)
		if strings.Index(r.Body(), `id="id_author"`) > strings.Index(r.Body(), `id="id_tags"`) || strings.Index(r.Body(), `id="id_tags"`) > strings.Index(r.Body(), `id="id_pages"`) {
			t.Error("the tags are not between the author and the pages, as in Fields")
		}
		form := url.Values{"title": {"Dune"}, "slug": {"dune"}, "author": {"1"}, "pages": {"10"}, "tags": {"3", "1"}, "_continue": {""}}
		c.PostForm("/admin/shop/book/add/", form).AssertRedirect("/admin/shop/book/2/change/")
		if got := tagKeys(t, e, 2); !slices.Equal(got, []int64{1, 3}) {
			t.Fatalf("tags after adding: %v", got)
		}
		r = c.Get("/admin/shop/book/2/change/")
		r.AssertContains(`<option value="1" selected>go</option><option value="2">sql</option><option value="3" selected>web</option>`)

		form.Set("tags", "2")
		form.Add("tags", "3")
		c.PostForm("/admin/shop/book/2/change/", form).AssertRedirect("/admin/shop/book/2/change/")
		if got := tagKeys(t, e, 2); !slices.Equal(got, []int64{2, 3}) {
			t.Fatalf("tags after changing: %v", got)
		}
		if msg := lastLog(t, e); msg != "Changed tags." {
			t.Errorf("history: %q", msg)
		}
		form.Set("pages", "11")
		c.PostForm("/admin/shop/book/2/change/", form).AssertRedirect("/admin/shop/book/2/change/")
		if msg := lastLog(t, e); msg != "Changed pages." {
			t.Errorf("history of a change that keeps the tags: %q", msg)
		}

		for _, bad := range []string{"99", "x"} {
			bad := url.Values{"title": {"Dune"}, "slug": {"dune"}, "author": {"1"}, "pages": {"10"}, "tags": {"1", bad}, "_save": {""}}
			r = c.PostForm("/admin/shop/book/2/change/", bad)
			status(t, r, 200)
			r.AssertContains(`class="errornote"`, "Select a valid choice.")
		}
		form.Del("tags")
		c.PostForm("/admin/shop/book/2/change/", form).AssertRedirect("/admin/shop/book/2/change/")
		if got := tagKeys(t, e, 2); len(got) != 0 {
			t.Fatalf("tags after emptying: %v", got)
		}

		// A failed save leaves the join table as it was: the object's save and
		// its tags are one transaction.
		form.Set("tags", "1")
		form.Set("slug", "book-00") // taken: refused before anything is written
		status(t, c.PostForm("/admin/shop/book/2/change/", form), 200)
		if got := tagKeys(t, e, 2); len(got) != 0 {
			t.Fatalf("tags after a refused save: %v", got)
		}

		// View only: the names, no select, and a refused POST.
		form.Set("slug", "dune")
		c.PostForm("/admin/shop/book/2/change/", form).AssertRedirect("/admin/shop/book/2/change/")
		clerk := e.loggedIn(e.user("clerk", true, false, "shop.view_book"))
		r = clerk.Get("/admin/shop/book/2/change/")
		status(t, r, 200)
		r.AssertContains(`<div class="readonly">go</div>`)
		r.AssertNotContains(`name="tags"`)
		form.Set("tags", "3")
		if r := clerk.PostForm("/admin/shop/book/2/change/", form); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a view-only user's POST: %d", r.StatusCode)
		}
		if got := tagKeys(t, e, 2); !slices.Equal(got, []int64{1}) {
			t.Fatalf("tags after the refused POST: %v", got)
		}
	})
}

// The other ways to edit a many-to-many field: a plain multiple select by
// default, FilterVertical, RawIDFields (keys separated by commas, with the
// names beside), ReadonlyFields, RelationChoices narrowing the options; and
// options that name no many-to-many field are refused.
func TestManyToManyOptions(t *testing.T) {
	t.Run("default", func(t *testing.T) {
		e := newEnv(t, nil, func(s *admin.Site) { admin.Register(s, admin.ModelAdmin[Book]{}) })
		c := e.loggedIn(e.user("boss", true, true))
		seedTags(t, e)
		c.Get("/admin/shop/book/add/").AssertContains(`<select name="tags" id="id_tags" multiple><option value="1">go</option>`)
	})
	t.Run("vertical", func(t *testing.T) {
		e := newEnv(t, nil, func(s *admin.Site) { admin.Register(s, admin.ModelAdmin[Book]{FilterVertical: []string{"tags"}}) })
		c := e.loggedIn(e.user("boss", true, true))
		c.Get("/admin/shop/book/add/").AssertContains(`data-chooser="vertical"`)
	})
	t.Run("raw id", func(t *testing.T) {
		e := newEnv(t, nil, func(s *admin.Site) {
			admin.Register(s, admin.ModelAdmin[Book]{Fields: []string{"title", "slug", "author", "tags"}, RawIDFields: []string{"tags"}})
			admin.Register(s, admin.ModelAdmin[Tag]{})
		})
		e.seed(1)
		seedTags(t, e)
		c := e.loggedIn(e.user("boss", true, true))
		form := url.Values{"title": {"Book 00"}, "slug": {"book-00"}, "author": {"1"}, "tags": {"3, 1"}, "_continue": {""}}
		c.PostForm("/admin/shop/book/1/change/", form).AssertRedirect("/admin/shop/book/1/change/")
		if got := tagKeys(t, e, 1); !slices.Equal(got, []int64{1, 3}) {
			t.Fatalf("tags: %v", got)
		}
		r := c.Get("/admin/shop/book/1/change/")
		r.AssertContains(`<input type="text" name="tags" id="id_tags" value="1,3">`, `<strong class="raw-id-name">go, web</strong>`, `href="/admin/shop/tag/"`)
		form.Set("tags", "1,7")
		r = c.PostForm("/admin/shop/book/1/change/", form)
		status(t, r, 200)
		r.AssertContains("Select a valid choice. 7 is not one of the available choices.")
		if msg := lastLog(t, e); msg != "Changed tags." {
			t.Errorf("history: %q", msg)
		}
	})
	t.Run("read only", func(t *testing.T) {
		e := newEnv(t, nil, func(s *admin.Site) {
			admin.Register(s, admin.ModelAdmin[Book]{ReadonlyFields: []string{"tags"}})
		})
		e.seed(1)
		seedTags(t, e)
		if err := orm.SetM2MKeys(context.Background(), e.db, &Book{Model: orm.Model{ID: 1}}, "tags", int64(2), int64(3)); err != nil {
			t.Fatal(err)
		}
		c := e.loggedIn(e.user("boss", true, true))
		r := c.Get("/admin/shop/book/1/change/")
		r.AssertContains(`<div class="readonly">sql, web</div>`)
		r.AssertNotContains(`name="tags"`)
	})
	t.Run("relation choices", func(t *testing.T) {
		e := newEnv(t, nil, func(s *admin.Site) {
			admin.Register(s, admin.ModelAdmin[Book]{Fields: []string{"title", "slug", "author", "tags"},
				RelationChoices: func(r *http.Request, field string) ([]forms.Option, error) {
					if field == "tags" {
						return []forms.Option{{Value: "1", Label: "Go!"}, {Value: "2", Label: "SQL!"}}, nil
					}
					return nil, nil
				}})
		})
		e.seed(1)
		seedTags(t, e)
		c := e.loggedIn(e.user("boss", true, true))
		r := c.Get("/admin/shop/book/1/change/")
		r.AssertContains(`<option value="1">Go!</option><option value="2">SQL!</option></select>`)
		form := url.Values{"title": {"Book 00"}, "slug": {"book-00"}, "author": {"1"}, "tags": {"3"}, "_save": {""}}
		c.PostForm("/admin/shop/book/1/change/", form).AssertContains("3 is not one of the available choices")
		form.Set("tags", "2")
		c.PostForm("/admin/shop/book/1/change/", form).AssertRedirect("/admin/shop/book/")
		if got := tagKeys(t, e, 1); !slices.Equal(got, []int64{2}) {
			t.Fatalf("tags: %v", got)
		}
	})
	t.Run("checked", func(t *testing.T) {
		for _, opts := range []admin.ModelAdmin[Book]{
			{FilterHorizontal: []string{"title"}},
			{FilterVertical: []string{"nope"}},
			{RawIDFields: []string{"pages"}},
		} {
			e := newEnv(t, nil, func(s *admin.Site) { admin.Register(s, opts) })
			var msgs []string
			for _, m := range e.app.Check(false) {
				if m.ID == "admin.E001" {
					msgs = append(msgs, m.Msg)
				}
			}
			if len(msgs) != 1 || !strings.Contains(msgs[0], "many-to-many") {
				t.Errorf("check: %q", msgs)
			}
		}
	})
}
