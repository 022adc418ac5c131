package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/auth/authtest"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/orm"
)

// Search, filters with counts, sorting and pages, as Django's changelist.
func TestChangelist(t *testing.T) { eachDB(t, testChangelist) }

func testChangelist(t *testing.T, db *orm.DB) {
	e := newEnv(t, db, nil)
	e.seed(12) // Book 00..11; even by Ada, odd by Bob; every third live
	c := e.loggedIn(e.user("boss", true, true))

	r := c.Get("/admin/shop/book/")
	status(t, r, 200)
	r.AssertContains(`id="changelist"`, `id="result_list"`, `id="searchbar"`, `id="changelist-filter"`, `id="content-main"`,
		"Loud title", "BOOK 11", `name="_selected_action"`, `<option value="delete_selected">`, `<option value="make_live">`,
		"12 books", `aria-label="Page 2"`, "Show all", // 5 a page
		"By status", "By author", "By released", "Live <span class=\"facet-count\">(4)</span>", "Ada <span class=\"facet-count\">(6)</span>")
	// Default ordering: newest key first.
	if got := titles(r.Body()); !reflect.DeepEqual(got, []string{"Book 11", "Book 10", "Book 09", "Book 08", "Book 07"}) {
		t.Fatalf("page 1: %v", got)
	}
	if got := titles(c.Get("/admin/shop/book/?p=3").Body()); !reflect.DeepEqual(got, []string{"Book 01", "Book 00"}) {
		t.Fatalf("page 3: %v", got)
	}
	c.Get("/admin/shop/book/?p=4").AssertStatus(404)
	c.Get("/admin/shop/book/?p=x").AssertStatus(404)
	if got := titles(c.Get("/admin/shop/book/?all=1").Body()); len(got) != 12 {
		t.Fatalf("show all: %d rows", len(got))
	}

	// Sorting by the first column (title) ascending, then by two columns.
	r = c.Get("/admin/shop/book/?o=1")
	if got := titles(r.Body()); got[0] != "Book 00" || got[4] != "Book 04" {
		t.Fatalf("o=1: %v", got)
	}
	r.AssertContains(`aria-sort="ascending"`, `href="?o=-1"`)
	r = c.Get("/admin/shop/book/?o=2.-1") // author, then title descending
	if got := titles(r.Body()); got[0] != "Book 10" || got[1] != "Book 08" {
		t.Fatalf("o=2.-1: %v", got)
	}
	c.Get("/admin/shop/book/?o=99").AssertRedirect("/admin/shop/book/?e=1")
	c.Get("/admin/shop/book/?o=x").AssertRedirect("/admin/shop/book/?e=1")
	c.Get("/admin/shop/book/?e=1").AssertStatus(200).AssertContains(`class="errornote"`)

	// Search: words are ANDed, fields ORed; = is exact; ^ searches the author by prefix.
	if got := titles(c.Get("/admin/shop/book/?q=book+03").Body()); !reflect.DeepEqual(got, []string{"Book 03"}) {
		t.Fatalf("q=book 03: %v", got)
	}
	if got := titles(c.Get("/admin/shop/book/?q=book-04").Body()); !reflect.DeepEqual(got, []string{"Book 04"}) {
		t.Fatalf("q=slug: %v", got)
	}
	if got := titles(c.Get("/admin/shop/book/?q=ook-04").Body()); len(got) != 0 {
		t.Fatalf("= is exact: %v", got)
	}
	r = c.Get("/admin/shop/book/?q=bo&all=1")
	if got := titles(r.Body()); len(got) != 12 { // every title contains "bo" too
		t.Fatalf("q=bo: %v", got)
	}
	r = c.Get("/admin/shop/book/?q=Bob&o=1")
	if got := titles(r.Body()); len(got) != 5 || got[0] != "Book 01" {
		t.Fatalf("q=Bob (author prefix): %v", got)
	}
	r.AssertContains("6 results", "12 total", `name="o" value="1"`)

	// Filters, combined, with the other filters' counts.
	r = c.Get("/admin/shop/book/?status__exact=live")
	if got := titles(r.Body()); !reflect.DeepEqual(got, []string{"Book 09", "Book 06", "Book 03", "Book 00"}) {
		t.Fatalf("live: %v", got)
	}
	r.AssertContains(`class="selected"`, "Ada <span class=\"facet-count\">(2)</span>", "Clear all filters")
	r = c.Get("/admin/shop/book/?status__exact=live&author__id__exact=2")
	if got := titles(r.Body()); !reflect.DeepEqual(got, []string{"Book 09", "Book 03"}) {
		t.Fatalf("live by Bob: %v", got)
	}
	for _, bad := range []string{"status__exact=nope", "author__id__exact=x", "released__gte=tomorrow", "title=x", "author__id__exact=1%3B"} {
		c.Get("/admin/shop/book/?" + bad).AssertRedirect("/admin/shop/book/?e=1")
	}
	r = c.Get("/admin/shop/book/?released__isnull=True")
	if got := titles(r.Body()); len(got) != 5 {
		t.Fatalf("released empty: %v", got)
	}
	// Boolean filter on authors.
	r = c.Get("/admin/shop/author/?active__exact=1")
	if got := titles(r.Body()); !reflect.DeepEqual(got, []string{"Ada"}) {
		t.Fatalf("active authors: %v", got)
	}
	r.AssertContains(`aria-label="Yes"`)

	// Links to a change page carry the filters, and the save comes back to them.
	r = c.Get("/admin/shop/book/?status__exact=live")
	r.AssertContains(`href="/admin/shop/book/10/change/?_changelist_filters=status__exact%3Dlive"`)
	form := url.Values{"title": {"Book 09"}, "slug": {"book-09"}, "status": {"live"}, "author": {"2"}, "pages": {"1"}, "_save": {""}}
	c.PostForm("/admin/shop/book/10/change/?_changelist_filters=status__exact%3Dlive", form).AssertRedirect("/admin/shop/book/?status__exact=live")
	// A hostile _changelist_filters stays a query string of the changelist.
	c.PostForm("/admin/shop/book/10/change/?_changelist_filters="+url.QueryEscape("//evil.example/"), form).AssertRedirect("/admin/shop/book/?%2F%2Fevil.example%2F=")
}

// Actions: a custom one, and delete-selected with its confirmation page.
func TestActions(t *testing.T) { eachDB(t, testActions) }

func testActions(t *testing.T, db *orm.DB) {
	e := newEnv(t, db, nil)
	e.seed(4)
	ctx := context.Background()
	e.db.Create(ctx, &Review{Book: orm.Ref[Book](int64(1)), Text: "fine"})
	c := e.loggedIn(e.user("boss", true, true))

	r := c.PostForm("/admin/shop/book/", url.Values{"action": {"make_live"}, "_selected_action": {"2", "3"}, "index": {"0"}})
	r.AssertRedirect("/admin/shop/book/")
	if n, _ := orm.Q[Book](e.db).Filter("status", "live").Count(ctx); n != 4 {
		t.Fatalf("make_live: %d live", n)
	}
	c.Get("/admin/shop/book/").AssertContains("2 made live.")
	// No selection, no action, an unknown action.
	c.PostForm("/admin/shop/book/", url.Values{"action": {"make_live"}, "index": {"0"}}).AssertRedirect("/admin/shop/book/")
	c.Get("/admin/shop/book/").AssertContains("Select the items")
	c.PostForm("/admin/shop/book/", url.Values{"action": {""}, "_selected_action": {"1"}}).AssertRedirect("/admin/shop/book/")
	c.PostForm("/admin/shop/book/", url.Values{"action": {"drop_tables"}, "_selected_action": {"1"}}).AssertStatus(403)

	// Delete selected: a confirmation that lists the cascade, then the delete.
	r = c.PostForm("/admin/shop/book/", url.Values{"action": {"delete_selected"}, "_selected_action": {"1", "2"}, "index": {"0"}})
	status(t, r, 200)
	r.AssertContains("Are you sure?", "2 books", "Book 00", "Book 01", "1 review", "fine", `name="post" value="yes"`, `name="_selected_action" value="1"`)
	if n, _ := orm.Q[Book](e.db).Count(ctx); n != 4 {
		t.Fatal("deleted before confirmation")
	}
	r = c.PostForm("/admin/shop/book/", url.Values{"action": {"delete_selected"}, "_selected_action": {"1", "2"}, "post": {"yes"}})
	r.AssertRedirect("/admin/shop/book/")
	if n, _ := orm.Q[Book](e.db).Count(ctx); n != 2 {
		t.Fatalf("delete selected: %d books left", n)
	}
	c.Get("/admin/shop/book/").AssertContains("Deleted 2 books.")
	if n, _ := orm.Q[Review](e.db).Count(ctx); n != 0 {
		t.Fatal("cascade")
	}
	// Select across the filtered list.
	c.PostForm("/admin/shop/book/?q=Book+03", url.Values{"action": {"delete_selected"}, "select_across": {"1"}, "post": {"yes"}}).AssertRedirect("/admin/shop/book/?q=Book+03")
	if n, _ := orm.Q[Book](e.db).Count(ctx); n != 1 {
		t.Fatalf("select across: %d books left", n)
	}
}

// Every form needs the CSRF token: a browser without it is refused.
func TestCSRF(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.seed(2)
	boss := e.user("boss", true, true)
	c := galvanitest.New(t, e.app) // sends no token
	authtest.Login(c, boss)
	for _, p := range []string{"/admin/shop/book/", "/admin/shop/book/add/", "/admin/shop/book/1/change/", "/admin/shop/book/1/delete/", "/admin/logout/", "/admin/password_change/"} {
		c.PostForm(p, url.Values{"post": {"yes"}, "action": {"delete_selected"}, "_selected_action": {"1"}}).AssertStatus(http.StatusForbidden)
	}
	if n, _ := orm.Q[Book](e.db).Count(context.Background()); n != 2 {
		t.Fatal("a forged request deleted rows")
	}
}

// Values are escaped everywhere: a title full of HTML shows as text.
func TestEscaping(t *testing.T) {
	e := newEnv(t, nil, nil)
	ada, _ := e.seed(0)
	ctx := context.Background()
	evil := `<script>alert("x")</script>`
	e.db.Create(ctx, &Book{Title: evil, Slug: "evil", Author: orm.To(ada)})
	e.db.Save(ctx, &Author{Model: orm.Model{ID: ada.ID}, Name: `<img src=x onerror=alert(1)>`, Active: true})
	c := e.loggedIn(e.user("boss", true, true))
	for _, p := range []string{"/admin/shop/book/", "/admin/shop/book/1/change/", "/admin/shop/book/1/delete/", "/admin/shop/book/?q=" + url.QueryEscape(evil), "/admin/shop/book/add/"} {
		r := c.Get(p)
		status(t, r, 200)
		if strings.Contains(r.Body(), "<script>alert") || strings.Contains(r.Body(), "<img src=x") {
			t.Fatalf("%s: unescaped value\n%s", p, r.Body())
		}
	}
}

// The changelist's queries do not grow with the rows shown: relation columns
// are joined, filter counts are one grouped query each.
func TestChangelistQueryCount(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.seed(40)
	c := e.loggedIn(e.user("boss", true, true))
	count := func(path string) int {
		r := c.Get(path)
		status(t, r, 200)
		return e.lastLog.Load().Len()
	}
	few := count("/admin/shop/book/?status__exact=live&o=2") // 5 rows a page
	many := count("/admin/shop/book/?status__exact=live&o=2&all=1")
	if few != many {
		t.Fatalf("queries grow with rows: %d for 5 rows, %d for 14", few, many)
	}
	if few > 14 {
		t.Fatalf("%d queries for one changelist page", few)
	}
	t.Logf("%d queries per changelist page", few)
}

// The list's count and total come from the filters' grouped counts when one
// filter value (or none) is applied, and from COUNT queries otherwise: either
// way they match the rows, on each database.
func TestChangelistCountsFromFacets(t *testing.T) {
	eachDB(t, func(t *testing.T, db *orm.DB) {
		e := newEnv(t, db, func(s *admin.Site) {
			admin.Register(s, admin.ModelAdmin[Book]{ListDisplay: []string{"title"}, ListFilter: []string{"status", "publisher", "author"}, SearchFields: []string{"title"}, ListPerPage: 5})
		})
		ctx := context.Background()
		e.seed(20)
		pub := &Publisher{Name: "Ace"}
		if err := e.db.Create(ctx, pub); err != nil {
			t.Fatal(err)
		}
		if _, err := orm.Q[Book](e.db).Filter("pk__lte", 7).Update(ctx, orm.Set("publisher", pub.ID)); err != nil {
			t.Fatal(err)
		}
		c := e.loggedIn(e.user("boss", true, true))
		countRE := regexp.MustCompile(`<span class="count">(\d+) books?</span>`)
		totalRE := regexp.MustCompile(`\((?:<a href="\?">)?(\d+) total`)
		all := orm.Q[Book](e.db)
		for _, tc := range []struct {
			params  string
			q       orm.QuerySet[Book]
			derived bool
		}{
			{"", all, true},
			{"status__exact=live", all.Filter("status", "live"), true},
			{"status__exact=draft&o=1", all.Filter("status", "draft"), true},
			{"publisher__isnull=True", all.Filter("publisher__isnull", true), true},
			{"publisher__isnull=False", all.Filter("publisher__isnull", false), true},
			{"publisher__id__exact=1", all.Filter("publisher", 1), true},
			{"author__id__exact=2", all.Filter("author", 2), true},
			{"status__exact=live&author__id__exact=1", all.Filter("status", "live", "author", 1), false},
			{"q=Book+1", all.Filter("title__icontains", "1"), false}, // words: "Book" and "1"
		} {
			r := c.Get("/admin/shop/book/?" + tc.params)
			status(t, r, 200)
			want, _ := tc.q.Count(ctx)
			m := countRE.FindStringSubmatch(r.Body())
			if m == nil || m[1] != strconv.FormatInt(want, 10) {
				t.Errorf("%s: count %v, want %d", tc.params, m, want)
			}
			if tc.params != "" { // the total is shown beside a filtered count

				if m := totalRE.FindStringSubmatch(r.Body()); m == nil || m[1] != "20" {
					t.Errorf("%s: total %v, want 20", tc.params, m)
				}
			}
			counts := 0
			for _, q := range e.lastLog.Load().Entries() {
				if strings.Contains(q.SQL, "COUNT(*)") {
					counts++
				}
			}
			if tc.derived && counts != 0 || !tc.derived && counts != 2 {
				t.Errorf("%s: %d COUNT(*) queries", tc.params, counts)
			}
		}
	})
}

// ListEditable: the rows' fields are edited in place and saved together; one
// invalid row saves nothing and shows the errors.
func TestListEditable(t *testing.T) {
	e := newEnv(t, nil, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{ListDisplay: []string{"title", "status", "pages"}, ListEditable: []string{"status", "pages"}, Ordering: []string{"title"}})
		admin.Register(s, admin.ModelAdmin[Author]{})
	})
	e.seed(2)
	ctx := context.Background()
	c := e.loggedIn(e.user("boss", true, true))
	r := c.Get("/admin/shop/book/")
	status(t, r, 200)
	r.AssertContains(`name="form-TOTAL_FORMS" value="2"`, `name="form-0-id" value="1"`, `name="form-1-pages"`, `aria-label="Pages of Book 01"`, `name="_save"`)
	form := url.Values{"form-TOTAL_FORMS": {"2"}, "form-INITIAL_FORMS": {"2"}, "form-0-id": {"1"}, "form-0-status": {"draft"}, "form-0-pages": {"7"},
		"form-1-id": {"2"}, "form-1-status": {"live"}, "form-1-pages": {"x"}, "_save": {""}}
	r = c.PostForm("/admin/shop/book/", form)
	status(t, r, 200)
	r.AssertContains("nothing was saved", `class="errorlist"`)
	if b, _ := orm.Q[Book](e.db).Get(ctx, "pk", 1); b.Pages == 7 {
		t.Fatal("saved with an invalid row")
	}
	form.Set("form-1-pages", "8")
	c.PostForm("/admin/shop/book/", form).AssertRedirect("/admin/shop/book/")
	b1, _ := orm.Q[Book](e.db).Get(ctx, "pk", 1)
	b2, _ := orm.Q[Book](e.db).Get(ctx, "pk", 2)
	if b1.Pages != 7 || b1.Status != "draft" || b2.Pages != 8 || b2.Status != "live" {
		t.Fatalf("saved %+v %+v", b1, b2)
	}
	c.Get("/admin/shop/book/").AssertContains("Saved 2 books.")
	// Only with the change permission, and only rows the user may change.
	viewer := e.loggedIn(e.user("viewer", true, false, "shop.view_book"))
	viewer.Get("/admin/shop/book/").AssertNotContains(`name="form-0-pages"`)
	viewer.PostForm("/admin/shop/book/", form).AssertStatus(403)
	c.PostForm("/admin/shop/book/", url.Values{"form-TOTAL_FORMS": {"x"}, "_save": {""}}).AssertStatus(400)
	c.PostForm("/admin/shop/book/", url.Values{"form-TOTAL_FORMS": {"1"}, "form-0-id": {"999"}, "_save": {""}}).AssertStatus(404)
}
