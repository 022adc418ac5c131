package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/auth/authtest"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

func TestMain(m *testing.M) {
	auth.DefaultHashers = auth.Hashers{auth.Argon2Hasher{Time: 1, MemoryKiB: 64, Threads: 1}}
	os.Exit(m.Run())
}

// Test models, app "shop": an author has books, a book has reviews (cascade)
// and tags (many-to-many); a publisher protects its books.
type Author struct {
	orm.Model
	Name   string `orm:"max_length=100"`
	Active bool   `orm:"default=true"`
}

func (a Author) String() string { return a.Name }

type Publisher struct {
	orm.Model
	Name string `orm:"max_length=100"`
}

func (p Publisher) String() string { return p.Name }

type Tag struct {
	orm.Model
	Name string `orm:"max_length=50"`
}

func (t Tag) String() string { return t.Name }

type Book struct {
	orm.Model
	Title     string              `orm:"max_length=200"`
	Slug      string              `orm:"unique,max_length=100"`
	Status    string              `orm:"max_length=10,choices=draft:Draft|live:Live,default=draft"`
	Author    orm.FK[Author]      `orm:"on_delete=cascade,related_name=books"`
	Publisher orm.FK[Publisher]   `orm:"null,blank,on_delete=protect,related_name=books"`
	Pages     int64               `orm:"default=0"`
	Released  orm.Null[time.Time] `orm:"date,blank"`
	Note      string              `orm:"text,blank"`
	Tags      orm.M2M[Tag]        `orm:"blank,related_name=books"`
}

func (b Book) String() string { return b.Title }

type Review struct {
	orm.Model
	Book  orm.FK[Book] `orm:"on_delete=cascade,related_name=reviews"`
	Text  string       `orm:"max_length=200"`
	Stars int64        `orm:"default=3"`
}

func (r Review) String() string { return r.Text }

var registerOnce sync.Once

func registerModels() {
	registerOnce.Do(func() {
		if err := orm.RegisterApps(auth.App); err != nil {
			panic(err)
		}
		if err := orm.RegisterModels("shop", Author{}, Publisher{}, Tag{}, Book{}, Review{}); err != nil {
			panic(err)
		}
		if err := orm.RegisterModels("admin", admin.LogEntry{}); err != nil {
			panic(err)
		}
	})
}

var allModels = []any{auth.Permission{}, auth.Group{}, auth.User{}, admin.LogEntry{}, Author{}, Publisher{}, Tag{}, Book{}, Review{}}

// env is a project with the admin at /admin/ on a database of its own.
type env struct {
	t    testing.TB
	app  *galvani.App
	site *admin.Site
	db   *orm.DB
	m    *auth.Manager
	// lastLog holds the queries of the last request.
	lastLog atomic.Pointer[orm.QueryLog]
}

func (e *env) logQueries(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, log := orm.WithQueryLog(r.Context())
		e.lastLog.Store(log)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func openSQLite(t testing.TB) *orm.DB {
	registerModels()
	db, err := orm.Open(context.Background(), "sqlite:///"+filepath.Join(t.TempDir(), "admin.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newEnv builds the project on db (SQLite when nil), with the site configured by
// register.
func newEnv(t testing.TB, db *orm.DB, register func(s *admin.Site)) *env {
	t.Helper()
	registerModels()
	ctx := context.Background()
	if db == nil {
		db = openSQLite(t)
	}
	if err := orm.CreateTables(ctx, db, allModels...); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.SyncPermissions(ctx, db); err != nil {
		t.Fatal(err)
	}
	site := admin.NewSite("admin")
	if register != nil {
		register(site)
	} else {
		defaultRegistrations(site)
	}
	m := auth.New[auth.User](auth.Options{DB: db})
	settings := galvani.Settings{SecretKey: "admin-tests-secret-key-0123456789-abcdefghijklmnop", AllowedHosts: []string{galvanitest.DefaultHost, "127.0.0.1"}}
	app := galvani.New(settings, security.App, session.App, messages.App, galvani.Include("/accounts/", m), site)
	e := &env{t: t, app: app, site: site, db: db, m: m}
	app.Use(e.logQueries, orm.Middleware(db), session.Middleware(&app.Settings), messages.Middleware(&app.Settings))
	template.Setup(app)
	return e
}

func defaultRegistrations(s *admin.Site) { registrations(s) }

// registrations registers the test models; the book admin gets inlines.
func registrations(s *admin.Site, inlines ...admin.Inline) {
	admin.Register(s, admin.ModelAdmin[Author]{ListDisplay: []string{"name", "active"}, SearchFields: []string{"name"}, ListFilter: []string{"active"}})
	admin.Register(s, admin.ModelAdmin[Publisher]{})
	admin.Register(s, admin.ModelAdmin[Book]{
		Inlines:      inlines,
		ListDisplay:  []string{"title", "author", "author__active", "status", "pages", "released", "shout"},
		SearchFields: []string{"title", "=slug", "^author__name"},
		ListFilter:   []string{"status", "author", "released"},
		ListPerPage:  5,
		Columns:      []admin.Column[Book]{{Name: "shout", Label: "Loud title", Value: func(b *Book) any { return strings.ToUpper(b.Title) }, OrderField: "title"}},
		Actions: []admin.Action[Book]{{Name: "make_live", Label: "Make live", Run: func(c *galvani.Ctx, q orm.QuerySet[Book]) (template.SafeString, error) {
			n, err := q.Update(c.Context(), orm.Set("status", "live"))
			if err == nil {
				messages.Success(c.Request, fmt.Sprintf("%d made live.", n))
			}
			return "", err
		}}},
		SaveAsNew:        true,
		FilterHorizontal: []string{"tags"},
	})
	admin.Register(s, admin.ModelAdmin[Review]{ListDisplay: []string{"text", "book", "stars"}, AutocompleteFields: []string{"book"}})
}

// client is a browser-like client: it keeps cookies and sends the CSRF token.
func (e *env) client() *galvanitest.Client {
	return authtest.NewClient(e.t, e.app)
}

func (e *env) user(name string, staff, super bool, perms ...string) *auth.User {
	e.t.Helper()
	ctx := context.Background()
	u := &auth.User{AbstractUser: auth.AbstractUser{Username: name, Email: name + "@example.com", IsStaff: staff, IsSuperuser: super}}
	if err := e.m.CreateUser(ctx, e.db, u, "correct horse battery"); err != nil {
		e.t.Fatal(err)
	}
	for _, p := range perms {
		perm, err := auth.GetPermission(ctx, e.db, p)
		if err != nil {
			e.t.Fatal(p, err)
		}
		if err := e.m.UserPermissions(e.db, u).Add(ctx, perm); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

func (e *env) loggedIn(u *auth.User) *galvanitest.Client {
	c := e.client()
	authtest.Login(c, u)
	return c
}

// seed makes authors, a publisher and books.
func (e *env) seed(books int) (ada, bob *Author) {
	e.t.Helper()
	ctx := context.Background()
	ada, bob = &Author{Name: "Ada", Active: true}, &Author{Name: "Bob"}
	for _, a := range []*Author{ada, bob} {
		if err := e.db.Create(ctx, a); err != nil {
			e.t.Fatal(err)
		}
	}
	for i := 0; i < books; i++ {
		a := ada
		if i%2 == 1 {
			a = bob
		}
		b := &Book{Title: fmt.Sprintf("Book %02d", i), Slug: fmt.Sprintf("book-%02d", i), Status: "draft", Author: orm.To(a), Pages: int64(100 + i)}
		if i%3 == 0 {
			b.Status = "live"
		}
		if err := e.db.Create(ctx, b); err != nil {
			e.t.Fatal(err)
		}
	}
	return ada, bob
}

var csrfInput = regexp.MustCompile(`name="csrfmiddlewaretoken" value="([^"]*)"`)

// rows returns the text of the first cells of the changelist's rows.
var rowTitle = regexp.MustCompile(`<th scope="row" class="field-[a-z_]+"><a href="[^"]*">([^<]*)</a></th>`)

func titles(body string) []string {
	var out []string
	for _, m := range rowTitle.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func status(t testing.TB, r *galvanitest.Response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%.3000s", r.Request.Method, r.Request.URL, r.StatusCode, want, r.Body())
	}
}
