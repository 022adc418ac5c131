package galvani

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"sort"
	"sync"
	"sync/atomic"
)

// App is a Galvani project: an http.Handler with routes, middleware, settings,
// installed apps and commands. Create it with New; it is safe for concurrent use once
// serving starts, and routes must be registered before that.
type App struct {
	// Settings is the project's configuration, with defaults filled in by New.
	Settings Settings
	// Logger receives request errors and server events. Defaults to slog.Default(),
	// or to NewLogger's logger when Settings.LogLevel or LogFormat is set.
	Logger *slog.Logger

	apps       []AppConfig
	router     *router
	middleware []func(http.Handler) http.Handler
	handler    http.Handler // middleware wrapped around dispatch; built lazily
	buildOnce  sync.Once
	serving    atomic.Bool // set by the first request; registration is closed then
	engine     TemplateEngine
	commands   map[string]*Command
	pool       sync.Pool

	debugSections []namedDebugSection
	checks        []registeredCheck     // AddCheck (check.go)
	errorHooks    []func(*ErrorReport)  // OnServerError (errors_report.go)
	readyChecks   []namedReadinessCheck // AddReadinessCheck (health.go)
	draining      atomic.Bool           // set when a graceful shutdown begins
	probes        bool                  // a probe path is on (set by build)
	healthPath    string                // "" when off
	readyPath     string                // "" when off
	observer      RequestObserver       // ObserveRequests (observe.go), nil when none
}

// New creates an App. Each argument is a Settings (or *Settings) value, or an
// installed app implementing AppConfig; apps are installed in order. An app's
// routes (RoutesProvider) are rooted at "/" and namespaced by its label; wrap it in
// Include to choose another prefix. With no Settings argument, settings come from
// LoadSettings (environment variables over defaults). New panics on an argument of
// another type or a duplicate app label: both are programming errors found at
// start-up.
func New(items ...any) *App {
	a := &App{Logger: slog.Default(), router: newRouter(), commands: map[string]*Command{}}
	a.pool.New = func() any { return new(Ctx) }
	var settings *Settings
	type install struct {
		app    AppConfig
		prefix string
	}
	var installs []install
	for _, it := range items {
		switch v := it.(type) {
		case Settings:
			settings = &v
		case *Settings:
			settings = v
		case *includedApp:
			installs = append(installs, install{v.AppConfig, v.prefix})
		case AppConfig:
			installs = append(installs, install{v, "/"})
		default:
			panic(fmt.Sprintf("galvani.New: argument of type %s is neither Settings nor an AppConfig", reflect.TypeOf(it)))
		}
	}
	if settings == nil {
		s, err := LoadSettings()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		settings = &s
	}
	a.Settings = settings.withDefaults()
	if a.Settings.LogLevel != "" || a.Settings.LogFormat != "" {
		// A malformed level or format leaves the default logger; check reports it.
		if l, err := NewLogger(os.Stderr, a.Settings.LogLevel, a.Settings.LogFormat); err == nil {
			a.Logger = l
			slog.SetDefault(l)
		}
	}
	a.Settings.fillDevSecretKey()
	a.registerBuiltinCommands()
	for _, in := range installs {
		a.installApp(in.app, in.prefix)
	}
	for _, in := range installs {
		a.readyApp(in.app)
	}
	return a
}

// includedApp is an installed app whose routes go under a chosen prefix.
type includedApp struct {
	AppConfig
	prefix string
}

// Include wraps an installed app for New so that its routes are rooted at prefix
// instead of "/", like Django's path("blog/", include("blog.urls")):
//
//	galvani.New(settings, galvani.Include("/blog", blog.App))
//
// The app is installed as itself (App.Apps returns app, not the wrapper) and its
// route names are still namespaced by its label.
func Include(prefix string, app AppConfig) AppConfig {
	if inner, ok := app.(*includedApp); ok {
		app = inner.AppConfig
	}
	return &includedApp{AppConfig: app, prefix: prefix}
}

// Include installs app after New, with its routes rooted at prefix and namespaced
// by its label, its commands registered and its ReadyHook run. It panics on a
// duplicate label, or once the App is serving.
func (a *App) Include(prefix string, app AppConfig) {
	if inner, ok := app.(*includedApp); ok {
		app = inner.AppConfig
	}
	a.checkNotServing("App.Include")
	a.installApp(app, prefix)
	a.readyApp(app)
}

func (a *App) installApp(ac AppConfig, prefix string) {
	if ac == nil {
		panic("galvani: installing a nil app")
	}
	for _, prev := range a.apps {
		if prev.Label() == ac.Label() {
			panic(fmt.Sprintf("galvani.New: two installed apps share the label %q (%T and %T)", ac.Label(), prev, ac))
		}
	}
	a.apps = append(a.apps, ac)
	if rp, ok := ac.(RoutesProvider); ok {
		rp.Routes(a.Group(prefix).Namespace(ac.Label()))
	}
	if cp, ok := ac.(CommandsProvider); ok {
		for _, c := range cp.Commands() {
			a.AddCommand(c)
		}
	}
	if rp, ok := ac.(ReadinessProvider); ok {
		checks := rp.ReadinessChecks()
		names := make([]string, 0, len(checks))
		for n := range checks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			a.AddReadinessCheck(ac.Label()+"."+n, checks[n])
		}
	}
}

func (a *App) readyApp(ac AppConfig) {
	if rh, ok := ac.(ReadyHook); ok {
		if err := rh.Ready(a); err != nil {
			panic(fmt.Sprintf("galvani.New: app %q is not ready: %v", ac.Label(), err))
		}
	}
}

// Apps returns the installed apps in installation order.
func (a *App) Apps() []AppConfig { return a.apps }

// Use appends middleware that wraps every request, matched or not (404s too), in the
// order given: the first is outermost. Call it before serving; it panics after.
func (a *App) Use(mw ...func(http.Handler) http.Handler) {
	a.checkNotServing("App.Use")
	a.middleware = append(a.middleware, mw...)
}

// SetTemplates sets the engine Ctx.Render uses.
func (a *App) SetTemplates(e TemplateEngine) { a.engine = e }

// Templates returns the engine set with SetTemplates, or nil.
func (a *App) Templates() TemplateEngine { return a.engine }

// ServeHTTP implements http.Handler. The first call freezes the routes and
// middleware: registering more afterwards panics. It sends RequestStarted and
// RequestFinished around each request when they have receivers.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.buildOnce.Do(a.build)
	if a.probes {
		if p := r.URL.Path; p != "" && (p == a.healthPath || p == a.readyPath) {
			a.serveProbe(w, r, p == a.healthPath)
			return
		}
	}
	if a.observer != nil {
		a.serveObserved(w, r)
		return
	}
	if RequestStarted.HasReceivers() || RequestFinished.HasReceivers() {
		a.serveWithSignals(w, r)
		return
	}
	if len(a.middleware) == 0 {
		a.dispatch(w, r) // no App middleware: skip the indirect call
		return
	}
	a.handler.ServeHTTP(w, r)
}

func (a *App) build() {
	a.serving.Store(true)
	a.buildProbes()
	a.buildRoutes()
	var h http.Handler = http.HandlerFunc(a.dispatch)
	for i := len(a.middleware) - 1; i >= 0; i-- {
		h = a.middleware[i](h)
	}
	a.handler = h
}

// checkNotServing panics when the App already serves: the route tree and the
// middleware chains are read without locks by concurrent requests.
func (a *App) checkNotServing(what string) {
	if a.serving.Load() {
		panic("galvani: " + what + " after the App started serving requests; register routes and middleware before the first request")
	}
}

func (a *App) acquire(w http.ResponseWriter, r *http.Request) *Ctx {
	c := a.pool.Get().(*Ctx)
	c.Request, c.Response, c.app = r, w, a
	return c
}

func (a *App) release(c *Ctx) {
	c.reset()
	a.pool.Put(c)
}
