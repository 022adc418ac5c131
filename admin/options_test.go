package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/template"
)

// The form's layout options: fieldsets (collapsible), read-only values,
// exclusions, save on top, view on site; list options: links, sorting limits,
// custom filters, date hierarchy.
func TestOptions(t *testing.T) {
	e := newEnv(t, nil, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{
			ListDisplay:      []string{"title", "slug", "pages", "words"},
			ListDisplayLinks: []string{"slug"},
			SortableBy:       []string{"pages"},
			Columns:          []admin.Column[Book]{{Name: "words", Value: func(b *Book) any { return len(strings.Fields(b.Note)) }}},
			Fieldsets: []admin.Fieldset{
				{Fields: []string{"title", "slug", "author"}},
				{Name: "Details", Description: "Rarely needed.", Collapse: true, Fields: []string{"status", "pages", "words"}},
			},
			ReadonlyFields: []string{"words"},
			SaveOnTop:      true,
			ViewOnSite:     func(c *galvani.Ctx, b *Book) (string, error) { return "/books/" + b.Slug + "/", nil },
			DateHierarchy:  "released",
			Filters: []admin.Filter[Book]{{Title: "length", Param: "len",
				Choices: func(r *http.Request) []admin.Choice {
					return []admin.Choice{{Value: "long", Label: "Long"}, {Value: "short", Label: "Short"}}
				},
				Apply: func(r *http.Request, q orm.QuerySet[Book], v string) orm.QuerySet[Book] {
					if v == "long" {
						return q.Filter("pages__gte", 105)
					}
					return q.Filter("pages__lt", 105)
				}}},
		})
		admin.Register(s, admin.ModelAdmin[Author]{Exclude: []string{"active"}, SearchFields: []string{"name"}})
	})
	e.seed(8)
	ctx := context.Background()
	for i, d := range []string{"2025-03-04", "2026-01-02", "2026-01-20", "2026-02-01"} {
		day, _ := time.Parse("2006-01-02", d)
		b, _ := orm.Q[Book](e.db).Get(ctx, "pk", int64(i+1))
		b.Released = orm.NullOf(day)
		b.Note = strings.Repeat("word ", i)
		if err := e.db.Save(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	c := e.loggedIn(e.user("boss", true, true))

	r := c.Get("/admin/shop/book/")
	status(t, r, 200)
	r.AssertContains(`<a href="/admin/shop/book/8/change/">book-07</a>`, `href="?o=3"`, "By length", `href="?len=long"`,
		`href="?released__year=2025"`, `href="?released__year=2026"`)
	r.AssertNotContains(`href="?o=1"`) // title is not in SortableBy
	if got := r.Body(); !strings.Contains(got, `<th scope="row" class="field-title">Book 07</th>`) {
		t.Fatal("first cell is not a link but still the row header")
	}
	c.Get("/admin/shop/book/?o=1").AssertRedirect("/admin/shop/book/?e=1")
	r = c.Get("/admin/shop/book/?len=long&all=1")
	if n := strings.Count(r.Body(), `class="action-select"`); n != 3 {
		t.Fatalf("long books: %d", n)
	}
	r = c.Get("/admin/shop/book/?released__year=2026")
	r.AssertContains("January 2026", "February 2026", "‹ All dates")
	r = c.Get("/admin/shop/book/?released__year=2026&released__month=1")
	r.AssertContains("January 2", "January 20")
	if n := strings.Count(r.Body(), `class="action-select"`); n != 2 {
		t.Fatalf("January 2026: %d rows", n)
	}
	c.Get("/admin/shop/book/?released__year=x").AssertRedirect("/admin/shop/book/?e=1")

	r = c.Get("/admin/shop/book/3/change/")
	status(t, r, 200)
	r.AssertContains(`<details class="module collapse"><summary>Details</summary>`, "Rarely needed.", `class="readonly">2</div>`, `href="/books/book-02/"`, "View on site")
	if n := strings.Count(r.Body(), `name="_save"`); n != 2 {
		t.Fatalf("save on top: %d save buttons", n)
	}
	r.AssertNotContains(`id="id_words"`, `id="id_note"`, `id="id_publisher"`)
	form := url.Values{"title": {"New"}, "slug": {"new"}, "author": {"1"}, "status": {"live"}, "pages": {"7"}, "words": {"999"}, "note": {"x"}, "_save": {""}}
	c.PostForm("/admin/shop/book/3/change/", form).AssertRedirect("/admin/shop/book/")
	b, _ := orm.Q[Book](e.db).Get(ctx, "pk", int64(3))
	if b.Title != "New" || b.Pages != 7 || b.Note != "word word " {
		t.Fatalf("saved %+v (note is not in the form and must be kept)", b)
	}

	r = c.Get("/admin/shop/author/add/")
	r.AssertContains(`id="id_name"`)
	r.AssertNotContains(`id="id_active"`)

	// Autocomplete: the search fields, JSON, paginated.
	r = c.Get("/admin/shop/author/autocomplete/?term=ad")
	status(t, r, 200)
	var got struct {
		Results    []map[string]string
		Pagination map[string]bool
	}
	if err := json.Unmarshal(r.Bytes(), &got); err != nil || len(got.Results) != 1 || got.Results[0]["text"] != "Ada" || got.Results[0]["id"] != "1" || got.Pagination["more"] {
		t.Fatalf("autocomplete %s %v", r.Body(), err)
	}
	c.Get("/admin/shop/book/autocomplete/?term=x").AssertStatus(400) // no SearchFields
	c.Get("/admin/shop/author/autocomplete/?page=0").AssertStatus(400)
}

// Extra pages in the admin's layout, for the users they allow.
func TestPages(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.site.AddPage(&admin.Page{Name: "stats", Title: "Statistics",
		Allow:  func(r *http.Request) bool { return auth.UserFrom(r).IsSuperuser },
		Render: func(c *galvani.Ctx) (template.SafeString, error) { return "<p>42 books</p>", nil }})
	boss := e.loggedIn(e.user("boss", true, true))
	boss.Get("/admin/").AssertContains(`href="/admin/pages/stats/"`)
	boss.Get("/admin/pages/stats/").AssertStatus(200).AssertContains("<p>42 books</p>", "<h1>Statistics</h1>")
	boss.Get("/admin/pages/nope/").AssertStatus(404)
	clerk := e.loggedIn(e.user("clerk", true, false))
	clerk.Get("/admin/").AssertStatus(200).AssertNotContains("/admin/pages/stats/")
	clerk.Get("/admin/pages/stats/").AssertStatus(403)
}

// Staff change their own password; the session survives, the old password
// stops working.
func TestPasswordChange(t *testing.T) {
	e := newEnv(t, nil, nil)
	u := e.user("boss", true, false)
	c := e.loggedIn(u)
	r := c.PostForm("/admin/password_change/", url.Values{"old_password": {"nope"}, "new_password1": {"a"}, "new_password2": {"b"}})
	status(t, r, 200)
	r.AssertContains(`class="errornote"`, "old password is not right", "differ")
	r = c.PostForm("/admin/password_change/", url.Values{"old_password": {"correct horse battery"}, "new_password1": {"Tr1cky-new-phrase"}, "new_password2": {"Tr1cky-new-phrase"}})
	r.AssertRedirect("/admin/")
	c.Get("/admin/").AssertStatus(200)
	fresh, err := e.m.GetUser(context.Background(), e.db, "boss")
	if err != nil || !fresh.AuthUser().CheckPassword("Tr1cky-new-phrase") {
		t.Fatal("password not changed")
	}
}

// Options that do not fit the model are reported by the system check, and the
// model's pages answer 500 rather than half working.
func TestBadOptions(t *testing.T) {
	e := newEnv(t, nil, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{ListDisplay: []string{"titel"}})
		admin.Register(s, admin.ModelAdmin[Author]{ListFilter: []string{"name"}})
		admin.Register(s, admin.ModelAdmin[Review]{SearchFields: []string{"book__nope"}})
	})
	var msgs []string
	for _, m := range e.app.Check(false) {
		if m.ID == "admin.E001" {
			msgs = append(msgs, m.Msg)
		}
	}
	if len(msgs) != 3 || !strings.Contains(strings.Join(msgs, "\n"), `has no field "titel"`) {
		t.Fatalf("check: %q", msgs)
	}
	c := e.loggedIn(e.user("boss", true, true))
	c.Get("/admin/shop/book/").AssertStatus(500)
	if !reflect.DeepEqual(admin.IsRegistered[Book](e.site), true) || !admin.Unregister[Book](e.site) || admin.IsRegistered[Book](e.site) {
		t.Fatal("Unregister")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering a model twice did not panic")
		}
	}()
	admin.Register(e.site, admin.ModelAdmin[Author]{})
}

// The site refuses to start without the batteries it needs.
func TestReadyNeedsBatteries(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(strings.TrimSpace(fmtAny(r)), "auth.App") {
			t.Fatalf("galvani.New without auth: %v", r)
		}
	}()
	galvani.New(galvani.Settings{SecretKey: "x"}, security.App, admin.NewSite("admin"))
}

func fmtAny(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Prepopulated fields carry the ids of their sources for the script; raw-id
// foreign keys are key inputs with the current object's name beside them.
func TestPrepopulatedAndRawID(t *testing.T) {
	e := newEnv(t, nil, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{PrepopulatedFields: map[string][]string{"slug": {"title"}}, RawIDFields: []string{"author"}})
		admin.Register(s, admin.ModelAdmin[Author]{})
	})
	e.seed(1)
	c := e.loggedIn(e.user("boss", true, true))
	r := c.Get("/admin/shop/book/add/")
	status(t, r, 200)
	r.AssertContains(`data-prepopulate-from="id_title"`, `<input type="number" name="author" id="id_author"`, `href="/admin/shop/author/" target="_blank"`)
	r.AssertNotContains(`<option value="1">Ada</option>`)
	r = c.Get("/admin/shop/book/1/change/")
	r.AssertContains(`<strong class="raw-id-name">Ada</strong>`)
	c.PostForm("/admin/shop/book/1/change/", url.Values{"title": {"T"}, "slug": {"t"}, "status": {"draft"}, "author": {"2"}, "pages": {"1"}, "_save": {""}}).AssertRedirect("/admin/shop/book/")
	if b, _ := orm.Q[Book](e.db).Get(context.Background(), "pk", 1); b.Author.ID() != 2 {
		t.Fatalf("raw id saved %d", b.Author.ID())
	}
	bad := newEnv(t, nil, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{PrepopulatedFields: map[string][]string{"slug": {"nope"}}, RawIDFields: []string{"title"}})
	})
	if msgs := bad.app.Check(false); len(msgs) == 0 {
		t.Fatal("bad PrepopulatedFields/RawIDFields not reported")
	}
}

// Autocomplete fields: a key input with the endpoint for the script, and the
// endpoint honours the target's search fields.
func TestAutocompleteFields(t *testing.T) {
	e := newEnv(t, nil, func(s *admin.Site) {
		admin.Register(s, admin.ModelAdmin[Book]{AutocompleteFields: []string{"author"}})
		admin.Register(s, admin.ModelAdmin[Author]{SearchFields: []string{"name"}})
	})
	e.seed(1)
	c := e.loggedIn(e.user("boss", true, true))
	r := c.Get("/admin/shop/book/1/change/")
	status(t, r, 200)
	r.AssertContains(`data-autocomplete-url="/admin/shop/author/autocomplete/"`, `data-autocomplete-label="Search authors"`, `<strong class="raw-id-name">Ada</strong>`)
	r.AssertNotContains(`<option value="2">Bob</option>`)
	c.Get("/admin/shop/author/autocomplete/?term=bo").AssertStatus(200).AssertContains(`"text":"Bob"`)
}
