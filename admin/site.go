package admin

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/migrate"
	"github.com/galvani-web/galvani/orm"
)

//go:embed templates static
var assets embed.FS

// Site is one admin site: its models, its pages and its look. App is the default
// one; a project may install several (a staff site and a support site), each
// with its own Name, prefix and registrations.
//
// A Site is an installable app (galvani.AppConfig): listing it in galvani.New
// mounts it at Prefix ("/admin/"), or at the prefix given to galvani.Include.
type Site struct {
	// Name is the app label and route namespace ("admin" for App). Only the site
	// named "admin" brings the LogEntry model and its migration; other sites
	// write their history there too, so install App as well (it need not have
	// registrations).
	Name string
	// Prefix is where the site is mounted when listed without galvani.Include.
	// Default "/admin/".
	Prefix string
	// Title ends each page's <title>, Header is the banner's text, IndexTitle the
	// index page's heading.
	Title, Header, IndexTitle string
	// SiteURL is the "View site" link; default "/". Empty hides it after
	// NewSite: set it to "-" to hide it.
	SiteURL string
	// DB is the database of the site's models; nil means the request's
	// (orm.Middleware / orm.Install).
	DB *orm.DB

	mu         sync.RWMutex
	models     map[reflect.Type]modelAdmin // by model type: its app label may not be known yet
	discovered map[string]bool             // labels of the apps whose RegisterAdmin has run
	pages      []*Page
	prefix     string // resolved mount point, with a trailing slash
	checkErr   error
}

// NewSite returns an empty site named name, mounted at /<name>/ unless included
// elsewhere.
func NewSite(name string) *Site {
	return &Site{Name: name, Prefix: "/" + name + "/", Title: "Galvani site admin", Header: "Galvani administration",
		IndexTitle: "Site administration", SiteURL: "/", models: map[reflect.Type]modelAdmin{}}
}

// App is the default admin site, at /admin/:
//
//	admin.Register(admin.App, admin.ModelAdmin[blog.Article]{ListDisplay: []string{"title", "author"}})
//	app := galvani.New(settings, security.App, session.App, messages.App,
//		galvani.Include("/accounts/", auth.App), admin.App, blog.App)
var App = NewSite("admin")

// Label implements galvani.AppConfig: the site's Name.
func (s *Site) Label() string { return s.Name }

// Models implements orm.ModelsProvider: LogEntry, for the site named "admin".
func (s *Site) Models() []any {
	if s.Name != "admin" {
		return nil
	}
	return []any{LogEntry{}}
}

// Migrations implements migrate.MigrationsProvider: the LogEntry table, for the
// site named "admin".
func (s *Site) Migrations() []*migrate.Migration {
	if s.Name != "admin" {
		return nil
	}
	return migrations
}

// Templates implements galvani.TemplatesProvider: admin/*.html, which a project
// overrides by shipping templates with the same names.
func (s *Site) Templates() fs.FS {
	sub, err := fs.Sub(assets, "templates")
	if err != nil {
		panic(err) // fixed at build time
	}
	return sub
}

// Static implements galvani.StaticProvider: admin/admin.css and admin/admin.js,
// for collectstatic. The site also serves them itself under <prefix>static/, so
// it works without the static battery.
func (s *Site) Static() fs.FS {
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// Ready implements galvani.ReadyHook: it checks that the batteries the admin
// stands on are installed (auth for users and permissions, security for CSRF,
// sessions and messages) and registers a system check of the registrations.
func (s *Site) Ready(app *galvani.App) error {
	have := map[string]bool{}
	for _, a := range app.Apps() {
		have[a.Label()] = true
	}
	var missing []string
	for label, what := range map[string]string{"auth": "auth.App", "security": "security.App (CSRF)", "sessions": "session.App", "messages": "messages.App"} {
		if !have[label] {
			missing = append(missing, what)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("admin: site %q needs %s installed", s.Name, strings.Join(missing, ", "))
	}
	for _, a := range app.Apps() {
		if r, ok := a.(Registrar); ok && s.discover(a.Label()) {
			r.RegisterAdmin(s)
		}
	}
	app.AddCheck(func(*galvani.App) []galvani.CheckMessage {
		var out []galvani.CheckMessage
		for _, m := range s.registered() {
			if err := m.prepare(); err != nil {
				out = append(out, galvani.CheckMessage{Level: galvani.CheckError, ID: "admin.E001", Msg: err.Error()})
			}
		}
		return out
	}, false)
	return nil
}

// Registrar is implemented by apps that register their models with the admin,
// as a Django app's admin.py does: when a project is assembled (Ready), each
// site calls RegisterAdmin of every installed app that has it, once per app for
// the site's lifetime (a test that builds the project again does not register
// twice). Check s.Name to register with one site only.
//
//	func (app) RegisterAdmin(s *admin.Site) {
//		admin.Register(s, admin.ModelAdmin[Question]{ListDisplay: []string{"text", "published"}})
//	}
type Registrar interface {
	RegisterAdmin(s *Site)
}

// discover reports whether the app labelled label has yet to register with s,
// and marks it done.
func (s *Site) discover(label string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.discovered[label] {
		return false
	}
	if s.discovered == nil {
		s.discovered = map[string]bool{}
	}
	s.discovered[label] = true
	return true
}

// Routes implements galvani.RoutesProvider: Django's admin URLs under the site's
// prefix.
//
//	""                                 index
//	login/ logout/ password_change/    the site's own login, logout (POST) and password change
//	<app>/                             app_list
//	<app>/<model>/                     changelist (GET; POST runs actions)
//	<app>/<model>/add/                 add
//	<app>/<model>/autocomplete/        autocomplete (JSON)
//	<app>/<model>/<pk>/change/         change
//	<app>/<model>/<pk>/delete/         delete
//	<app>/<model>/<pk>/history/        history
//	<app>/<model>/<pk>/password/       a user's new password (UserAdmin)
//	pages/<name>/                      extra pages (AddPage)
//	static/<path>                      the site's CSS and JS
func (s *Site) Routes(g *galvani.Group) {
	if p := strings.TrimSuffix(g.Prefix(), "/"); p == "" {
		g = g.Group(strings.TrimSuffix(s.Prefix, "/"))
	}
	s.mu.Lock()
	s.prefix = strings.TrimSuffix(g.Prefix(), "/") + "/"
	s.mu.Unlock()
	g.Use(s.headers)
	getPost := []string{http.MethodGet, http.MethodPost}
	g.Get("/", s.staff(s.index)).Name("index")
	g.Handle(getPost, "/login/", s.login).Name("login")
	g.Handle(getPost, "/logout/", s.logout).Name("logout")
	g.Handle(getPost, "/password_change/", s.staff(s.passwordChange)).Name("password_change")
	g.Get("/static/{path...}", s.static).Name("static")
	g.Handle(getPost, "/pages/{page}/", s.staff(s.page)).Name("page")
	g.Get("/{app}/", s.staff(s.appIndex)).Name("app_list")
	g.Handle(getPost, "/{app}/{model}/", s.staff(s.modelView(modelAdmin.changelist))).Name("changelist")
	g.Handle(getPost, "/{app}/{model}/add/", s.staff(s.modelView(modelAdmin.add))).Name("add")
	g.Get("/{app}/{model}/autocomplete/", s.staff(s.modelView(modelAdmin.autocomplete))).Name("autocomplete")
	g.Get("/{app}/{model}/{pk}/", s.staff(s.modelView(func(m modelAdmin, c *galvani.Ctx) error {
		return c.Redirect(http.StatusFound, s.objectURL(m.info(), c.Param("pk"), "change"))
	})))
	g.Handle(getPost, "/{app}/{model}/{pk}/change/", s.staff(s.modelView(modelAdmin.change))).Name("change")
	g.Handle(getPost, "/{app}/{model}/{pk}/delete/", s.staff(s.modelView(modelAdmin.delete))).Name("delete")
	g.Get("/{app}/{model}/{pk}/history/", s.staff(s.modelView(modelAdmin.history))).Name("history")
	g.Handle(getPost, "/{app}/{model}/{pk}/password/", s.staff(s.modelView(modelAdmin.password))).Name("password")
}

// headers marks every admin response as not cacheable and not frameable
// (clickjacking), whatever the project's defaults.
func (s *Site) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-cache, no-store, must-revalidate, private")
		next.ServeHTTP(w, r)
	})
}

// root is the site's mount point with a trailing slash.
func (s *Site) root() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.prefix == "" {
		return s.Prefix
	}
	return s.prefix
}

func (s *Site) modelURL(info *orm.ModelInfo, rest string) string {
	return s.root() + info.App + "/" + info.ModelName + "/" + rest
}

func (s *Site) objectURL(info *orm.ModelInfo, pk string, action string) string {
	return s.modelURL(info, url.PathEscape(pk)+"/"+action+"/")
}

// registered returns the site's model admins in app, then model order.
func (s *Site) registered() []modelAdmin {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]modelAdmin, 0, len(s.models))
	for _, m := range s.models {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func (s *Site) lookup(app, model string) modelAdmin {
	want := app + "." + strings.ToLower(model)
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, m := range s.models {
		if m.key() == want {
			return m
		}
	}
	return nil
}

// Register adds model T to site s with the given options, like Django's
// admin.site.register(Model, ModelAdmin). T must be registered with the ORM by
// the time the site serves (orm.Install does it for installed apps); the
// options are checked then, and by `go run . check`. Registering a model twice
// panics, as in Django.
func Register[T any](s *Site, opts ModelAdmin[T]) {
	e := &entry[T]{site: s, opts: opts}
	k := reflect.TypeFor[T]()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.models == nil {
		s.models = map[reflect.Type]modelAdmin{}
	}
	if _, dup := s.models[k]; dup {
		panic(fmt.Sprintf("admin: model %s is already registered with site %q", k, s.Name))
	}
	s.models[k] = e
}

// Unregister removes model T from site s (to register it again with other
// options). It reports whether it was registered.
func Unregister[T any](s *Site) bool {
	k := reflect.TypeFor[T]()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.models[k]
	delete(s.models, k)
	return ok
}

// IsRegistered reports whether model T has an admin on site s.
func IsRegistered[T any](s *Site) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.models[reflect.TypeFor[T]()]
	return ok
}

// db returns the site's database for a request.
func (s *Site) db(r *http.Request) (*orm.DB, error) {
	if s.DB != nil {
		return s.DB, nil
	}
	if db := orm.DBFrom(r); db != nil {
		return db, nil
	}
	return nil, errors.New("admin: no database: set Site.DB or install orm.Middleware (orm.Install does)")
}

// isStaff reports whether the request's user may use the admin at all: an
// active staff member.
func isStaff(r *http.Request) bool {
	u := auth.UserFrom(r)
	return u.IsAuthenticated() && u.IsActive && u.IsStaff
}

// staff wraps a view: anonymous visitors and users who are not active staff
// go to the login page, with next.
func (s *Site) staff(h func(c *galvani.Ctx) error) func(c *galvani.Ctx) error {
	return func(c *galvani.Ctx) error {
		if auth.ManagerFrom(c.Request) == nil {
			return errors.New("admin: the auth middleware is not installed (install auth.App)")
		}
		if !isStaff(c.Request) {
			return c.Redirect(http.StatusFound, s.root()+"login/?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		}
		return h(c)
	}
}

// modelView finds the model admin of the path and runs a view of it.
func (s *Site) modelView(view func(m modelAdmin, c *galvani.Ctx) error) func(c *galvani.Ctx) error {
	return func(c *galvani.Ctx) error {
		m := s.lookup(c.Param("app"), c.Param("model"))
		if m == nil {
			return galvani.Error(http.StatusNotFound, "no such model in this admin")
		}
		if err := m.prepare(); err != nil {
			return err
		}
		return view(m, c)
	}
}
