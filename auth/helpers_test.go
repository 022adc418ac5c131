package auth

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/security"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

// productionHashers are the DefaultHashers the package ships with.
var productionHashers = DefaultHashers

// Tests hash with cheap parameters: the hashers' own tests cover the real ones.
func TestMain(m *testing.M) {
	DefaultHashers = Hashers{Argon2Hasher{Time: 1, MemoryKiB: 64, Threads: 1}, PBKDF2Hasher{Iterations: 1000},
		PBKDF2Hasher{SHA1: true}, ScryptHasher{}, BcryptHasher{SHA256: true}, BcryptHasher{}}
	os.Exit(m.Run())
}

// Article is a model of a test app, for permissions.
type Article struct {
	orm.Model
	Title string `orm:"max_length=100"`
}

func (Article) CustomPermissions() []PermissionDef {
	return []PermissionDef{{Codename: "publish_article", Name: "Can publish articles"}}
}

var registerOnce sync.Once

func registerModels(t testing.TB) {
	registerOnce.Do(func() {
		if err := orm.RegisterApps(App); err != nil {
			panic(err)
		}
		orm.MustRegister[Article]("blog")
	})
}

func openSQLite(t testing.TB) *orm.DB {
	t.Helper()
	registerModels(t)
	db, err := orm.Open(context.Background(), "sqlite:///"+filepath.Join(t.TempDir(), "auth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := orm.CreateTables(context.Background(), db, Permission{}, Group{}, User{}, Article{}); err != nil {
		t.Fatal(err)
	}
	return db
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a project with the auth app at /accounts/, sessions in memory (so that
// tests can check what the server still accepts), CSRF protection and templates.
type env struct {
	t     *testing.T
	app   *galvani.App
	m     *Manager
	db    *orm.DB
	mail  *MemoryMailer
	clock *clock
	store *session.MemoryStore
	// tpl holds project templates, searched before the app's.
	tpl template.MapLoader
}

func newEnv(t *testing.T, opts Options, configure ...func(*galvani.Settings)) *env {
	t.Helper()
	e := &env{t: t, db: openSQLite(t), mail: &MemoryMailer{}, clock: newClock(), store: session.NewMemoryStore(), tpl: template.MapLoader{}}
	if opts.DB == nil {
		opts.DB = e.db
	}
	opts.Mailer = e.mail
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if opts.AccountThrottle == nil {
		opts.AccountThrottle = &MemoryThrottle{Limit: 5, Window: 15 * time.Minute, Now: e.clock.Now}
	}
	if opts.AddressThrottle == nil {
		opts.AddressThrottle = &MemoryThrottle{Limit: 20, Window: 15 * time.Minute, Now: e.clock.Now}
	}
	e.m = New[User](opts)
	settings := galvani.Settings{SecretKey: "auth-tests-secret-key-0123456789-abcdefghijklmnop", AllowedHosts: []string{galvanitest.DefaultHost}}
	galvani.Section(&settings, "session", session.Config{Store: e.store})
	for _, f := range configure {
		f(&settings)
	}
	e.app = galvani.New(settings, security.App, galvani.Include("/accounts/", e.m))
	e.app.Use(session.Middleware(&e.app.Settings))
	template.Setup(e.app, template.WithLoader(e.tpl))
	e.app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "home") })
	e.app.Get("/private/", LoginRequired(func(c *galvani.Ctx) error {
		return c.Text(200, "hello "+UserFrom(c.Request).Username)
	}))
	e.app.Get("/publish/", PermissionRequired(func(c *galvani.Ctx) error { return c.Text(200, "may publish") }, "blog.publish_article"))
	e.app.Get("/staff/", UserPassesTest(func(r *http.Request, u *AbstractUser) bool { return u.IsStaff }, func(c *galvani.Ctx) error {
		return c.Text(200, "staff only")
	}))
	e.app.Mount("/plain", RequirePermission("blog.view_article")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("plain ok"))
	})))
	e.app.Mount("/plainlogin", RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("plain login ok"))
	})))
	e.app.Get("/whoami/", func(c *galvani.Ctx) error {
		return c.Text(200, UserFrom(c.Request).Username+"|"+c.Request.RemoteAddr)
	})
	e.app.Post("/touch/", func(c *galvani.Ctx) error { // puts something in the session
		return session.From(c.Request).Set("seen", true)
	})
	return e
}

// client returns a test client that adds CSRF tokens like a browser with the page.
func (e *env) client() *galvanitest.Client {
	c := galvanitest.New(e.t, e.app)
	c.Before(csrf.AddToken)
	return c
}

func (e *env) user(name, password string, edit ...func(*User)) *User {
	e.t.Helper()
	u := &User{AbstractUser: AbstractUser{Username: name, Email: name + "@example.com"}}
	for _, f := range edit {
		f(u)
	}
	if err := e.m.CreateUser(context.Background(), e.db, u, password); err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) login(c *galvanitest.Client, username, password string) *galvanitest.Response {
	return c.PostForm("/accounts/login/", map[string][]string{"username": {username}, "password": {password}})
}

var csrfInput = regexp.MustCompile(`name="csrfmiddlewaretoken" value="[^"]*"`)

// stripCSRF removes the per-response CSRF token from a page, so two pages can be
// compared.
func stripCSRF(s string) string { return csrfInput.ReplaceAllString(s, "") }

const goodPassword = "correct-horse-battery"
