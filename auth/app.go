package auth

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/mail"
	"github.com/galvani-web/galvani/orm"
)

//go:embed templates
var templatesFS embed.FS

// Options configure a Manager. The zero value is usable: the database comes from
// the request (orm.Middleware), the ModelBackend authenticates, failed logins are
// throttled in memory and mail goes to standard error.
type Options struct {
	// DB is the database of the user tables. Nil means orm.DBFrom(r) in requests
	// and Settings.DatabaseURL in commands.
	DB *orm.DB
	// Backends authenticate users, in order. Default: the ModelBackend.
	Backends []Backend
	// LoginURL is where LoginRequired sends anonymous visitors (with ?next=).
	// Default: the app's "login" route when its routes are installed, else
	// "/accounts/login/".
	LoginURL string
	// LoginRedirectURL is where a successful login goes when no safe next URL was
	// given. Default "/".
	LoginRedirectURL string
	// LogoutRedirectURL is where logout goes when no safe next URL was given.
	// Empty (the default) renders registration/logged_out.html.
	LogoutRedirectURL string
	// AccountThrottle limits login attempts per account (the user the login
	// names, however spelled); AddressThrottle per client address. Defaults: 5
	// and 50 attempts per 15 minutes, in memory. A success clears the account's
	// count and gives the address its attempt back.
	AccountThrottle, AddressThrottle Throttle
	// Mailer sends password reset mails. Default: the project's mail battery
	// (Settings.EmailURL, which prints on standard error unless set).
	Mailer Mailer
	// FromEmail is the From of mails auth sends. Default: Settings.DefaultFromEmail
	// ("webmaster@localhost" unless set).
	FromEmail string
	// PasswordResetTimeout is how long a reset link works. Default three days.
	PasswordResetTimeout time.Duration
	// PasswordValidators check new passwords. Default DefaultPasswordValidators.
	PasswordValidators []PasswordValidator
	// Logger receives security events (throttled logins). Default slog.Default().
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Manager is the auth app for one user model: an installable galvani.AppConfig
// (models, routes, templates, commands, middleware, template context) and the
// entry point for authentication in code. Create it with New; App is the one for
// the default User model.
type Manager struct {
	opts     Options
	users    userStore
	backends []Backend
	label    string
	loginURL string
	secret   func() []string
	settings *galvani.Settings
	prefix   string // path prefix of the routes, without the trailing slash

	cfg         Config // the "auth" settings section, read by Ready
	limiterOnce sync.Once
	limiter     *HashLimiter
}

// App is the auth app with the default User model, to install in a project:
//
//	app := galvani.New(settings, security.App, galvani.Include("/accounts/", auth.App))
var App = New[User](Options{})

// New returns the auth app for user model U, any struct that embeds AbstractUser.
// When U is not User, register U under the project's own app (orm.Register) — the
// auth app then contributes only Group and Permission.
func New[U any, P interface {
	*U
	UserModel
}](opts Options) *Manager {
	m := &Manager{opts: opts, users: typedStore[U, P]{}, label: "auth"}
	if m.opts.LoginRedirectURL == "" {
		m.opts.LoginRedirectURL = "/"
	}
	if m.opts.PasswordResetTimeout <= 0 {
		m.opts.PasswordResetTimeout = 3 * 24 * time.Hour
	}
	if m.opts.PasswordValidators == nil {
		m.opts.PasswordValidators = DefaultPasswordValidators
	}
	if m.opts.AccountThrottle == nil {
		m.opts.AccountThrottle = NewMemoryThrottle(5, 15*time.Minute)
	}
	if m.opts.AddressThrottle == nil {
		m.opts.AddressThrottle = NewMemoryThrottle(50, 15*time.Minute)
	}
	m.backends = m.opts.Backends
	if len(m.backends) == 0 {
		m.backends = []Backend{ModelBackend{}}
	}
	m.loginURL = m.opts.LoginURL
	return m
}

// Label implements galvani.AppConfig: "auth".
func (m *Manager) Label() string { return m.label }

// Models implements orm.ModelsProvider: Group, Permission and, for the default
// user model, User.
func (m *Manager) Models() []any {
	out := []any{Permission{}, Group{}}
	if m.users.isDefault() {
		out = append(out, User{})
	}
	return out
}

// Register registers the auth models with the orm (idempotent). Projects that call
// orm.Install (which registers every installed app's models) need not call it.
func (m *Manager) Register() error { return orm.RegisterApps(m) }

// Templates implements galvani.TemplatesProvider: registration/*.html, which a
// project overrides by shipping templates with the same names.
func (m *Manager) Templates() fs.FS {
	sub, err := fs.Sub(templatesFS, "templates")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Ready implements galvani.ReadyHook: it installs the middleware that puts the user
// on each request, and finds the login route.
func (m *Manager) Ready(app *galvani.App) error {
	if err := m.Register(); err != nil {
		return err
	}
	m.settings = &app.Settings
	if m.opts.FromEmail == "" {
		m.opts.FromEmail = app.Settings.DefaultFromEmail
	}
	if m.opts.Mailer == nil {
		pm, err := mail.For(&app.Settings)
		if err != nil {
			return err
		}
		m.opts.Mailer = projectMailer{pm}
	}
	m.cfg = *galvani.Section(&app.Settings, "auth", Config{})
	m.applyHashConfig()
	if m.loginURL == "" {
		if u, err := app.URL(m.label + ":login"); err == nil {
			m.loginURL = u
		} else {
			m.loginURL = "/accounts/login/"
		}
	}
	app.Use(m.Middleware)
	return nil
}

// TemplateContext implements the template battery's ProcessorProvider: {{ user }}
// (the current user as the configured model, or the anonymous one; loaded once per
// request) and {{ perms }} ({% if perms.blog.add_article %}), whose permissions are
// queried only when a template looks at them.
func (m *Manager) TemplateContext(r *http.Request) map[string]any {
	return map[string]any{
		"user":  CurrentUserModel(r),
		"perms": PermsFor(r),
	}
}

// applyHashConfig gives the first of DefaultHashers the Argon2id parameters of the
// "auth" section, when the section sets any and that hasher is an Argon2Hasher.
// Like Django's PASSWORD_HASHERS, the hashers are the process's.
func (m *Manager) applyHashConfig() {
	c := m.cfg
	if c.HashMemoryKiB == 0 && c.HashTime == 0 && c.HashThreads == 0 || len(DefaultHashers) == 0 {
		return
	}
	a, ok := DefaultHashers[0].(Argon2Hasher)
	if !ok {
		m.logger().Warn("auth: the \"auth\" settings give Argon2 parameters, but the first of DefaultHashers is not an Argon2Hasher; they are not used")
		return
	}
	if c.HashMemoryKiB != 0 {
		a.MemoryKiB = c.HashMemoryKiB
	}
	if c.HashTime != 0 {
		a.Time = c.HashTime
	}
	if c.HashThreads != 0 {
		a.Threads = c.HashThreads
	}
	DefaultHashers = append(Hashers{a}, DefaultHashers[1:]...)
}

// HashLimiter returns the limiter of the password hashes that Authenticate and
// the auth views run, sized by the "auth" settings section (Config) when the app
// is installed, else from the machine (DefaultHashConcurrency).
func (m *Manager) HashLimiter() *HashLimiter {
	m.limiterOnce.Do(func() {
		n := m.cfg.MaxConcurrentHashes
		if n <= 0 {
			var per int64 = 1 << 20
			if len(DefaultHashers) > 0 {
				per = HashMemory(DefaultHashers[0])
			}
			n = DefaultHashConcurrency(per)
		}
		m.limiter = NewHashLimiter(n, m.cfg.HashQueueTimeout)
	})
	return m.limiter
}

// LoginURL returns where LoginRequired redirects anonymous visitors.
func (m *Manager) LoginURL() string {
	if m.loginURL == "" {
		return "/accounts/login/"
	}
	return m.loginURL
}

func (m *Manager) now() time.Time {
	if m.opts.Now != nil {
		return m.opts.Now()
	}
	return time.Now()
}

func (m *Manager) logger() *slog.Logger {
	if m.opts.Logger != nil {
		return m.opts.Logger
	}
	return slog.Default()
}

// ErrNoDatabase is returned when auth needs the database and has none.
var ErrNoDatabase = errors.New("auth: no database: set auth.Options.DB or install orm.Middleware(db)")

// DB returns the database for r: Options.DB, else the request's (orm.Middleware).
func (m *Manager) DB(r *http.Request) (*orm.DB, error) {
	if m.opts.DB != nil {
		return m.opts.DB, nil
	}
	if r != nil {
		if db := orm.DBFrom(r); db != nil {
			return db, nil
		}
	}
	return nil, ErrNoDatabase
}

// commandDB returns the database for a management command and a function to
// release it.
func (m *Manager) commandDB(ctx context.Context, s *galvani.Settings) (*orm.DB, func(), error) {
	if m.opts.DB != nil {
		return m.opts.DB, func() {}, nil
	}
	if s == nil || s.DatabaseURL == "" {
		return nil, nil, ErrNoDatabase
	}
	db, err := orm.Open(ctx, s.DatabaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: opening the database: %w", err)
	}
	return db, func() { db.Close() }, nil
}

// secretKeys returns the project's signing keys (current first).
func (m *Manager) secretKeys() ([]string, error) {
	if m.settings == nil || m.settings.SecretKey == "" {
		if m.settings != nil && m.settings.Debug {
			return []string{devSecret()}, nil
		}
		return nil, errors.New("auth: SECRET_KEY is not set; password reset links and session hashes need it")
	}
	return append([]string{m.settings.SecretKey}, m.settings.SecretKeyFallbacks...), nil
}

// devSecret signs in debug mode without a SECRET_KEY, for the life of the process.
var devSecret = sync.OnceValue(func() string { return randomString(50) })

// UseSettings tells m the project's settings (the secret key) without installing it
// in an App; Ready does it for installed apps.
func (m *Manager) UseSettings(s *galvani.Settings) { m.settings = s }

// ---- the user model behind the Manager ----

// userStore is the generic user model seen through a non-generic interface.
type userStore interface {
	isDefault() bool
	info() (*orm.ModelInfo, error)
	newUser() UserModel
	byID(ctx context.Context, db *orm.DB, id int64) (UserModel, error)
	find(ctx context.Context, db *orm.DB, args ...any) ([]UserModel, error)
	create(ctx context.Context, db *orm.DB, u UserModel) error
	save(ctx context.Context, db *orm.DB, u UserModel, fields ...string) error
	permissions(ctx context.Context, db *orm.DB, u UserModel) (user, group []Permission, err error)
	groups(ctx context.Context, db *orm.DB, u UserModel) orm.RelatedManager[Group]
	userPerms(ctx context.Context, db *orm.DB, u UserModel) orm.RelatedManager[Permission]
}

type typedStore[U any, P interface {
	*U
	UserModel
}] struct{}

func (typedStore[U, P]) isDefault() bool {
	var u U
	_, ok := any(u).(User)
	return ok
}

func (typedStore[U, P]) info() (*orm.ModelInfo, error) { return orm.InfoOf[U]() }

func (typedStore[U, P]) newUser() UserModel { return P(new(U)) }

func (typedStore[U, P]) byID(ctx context.Context, db *orm.DB, id int64) (UserModel, error) {
	u, err := orm.Q[U](db).Get(ctx, "pk", id)
	if err != nil {
		return nil, err
	}
	return P(u), nil
}

func (typedStore[U, P]) find(ctx context.Context, db *orm.DB, args ...any) ([]UserModel, error) {
	us, err := orm.Q[U](db).Filter(args...).OrderBy("id").Limit(100).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]UserModel, len(us))
	for i := range us {
		out[i] = P(&us[i])
	}
	return out, nil
}

func (s typedStore[U, P]) ptr(u UserModel) (*U, error) {
	p, ok := u.(P)
	if !ok {
		return nil, fmt.Errorf("auth: user of type %T, but auth is configured with %T", u, P(nil))
	}
	return (*U)(p), nil
}

func (s typedStore[U, P]) create(ctx context.Context, db *orm.DB, u UserModel) error {
	p, err := s.ptr(u)
	if err != nil {
		return err
	}
	return db.Create(ctx, p)
}

func (s typedStore[U, P]) save(ctx context.Context, db *orm.DB, u UserModel, fields ...string) error {
	p, err := s.ptr(u)
	if err != nil {
		return err
	}
	if len(fields) == 0 {
		return db.Save(ctx, p)
	}
	return db.Save(ctx, p, orm.Fields(fields...))
}

func (s typedStore[U, P]) groups(ctx context.Context, db *orm.DB, u UserModel) orm.RelatedManager[Group] {
	p, _ := s.ptr(u)
	return orm.Related[Group](db, p, "groups")
}

func (s typedStore[U, P]) userPerms(ctx context.Context, db *orm.DB, u UserModel) orm.RelatedManager[Permission] {
	p, _ := s.ptr(u)
	return orm.Related[Permission](db, p, "user_permissions")
}

func (s typedStore[U, P]) permissions(ctx context.Context, db *orm.DB, u UserModel) (user, group []Permission, err error) {
	p, err := s.ptr(u)
	if err != nil {
		return nil, nil, err
	}
	user, err = orm.Related[Permission](db, p, "user_permissions").All(ctx)
	if err != nil {
		return nil, nil, err
	}
	gs, err := orm.Related[Group](db, p, "groups").All(ctx)
	if err != nil || len(gs) == 0 {
		return user, nil, err
	}
	ids := make([]int64, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	group, err = orm.Q[Permission](db).Filter("group_set__id__in", ids).Distinct().All(ctx)
	return user, group, err
}
