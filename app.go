package galvani

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"sync"
)

// App is a Galvani project: an http.Handler with routes, middleware, settings,
// installed apps and commands. Create it with New; it is safe for concurrent use once
// serving starts, and routes must be registered before that.
type App struct {
	// Settings is the project's configuration, with defaults filled in by New.
	Settings Settings
	// Logger receives request errors and server events. Defaults to slog.Default().
	Logger *slog.Logger

	apps       []AppConfig
	router     *router
	middleware []func(http.Handler) http.Handler
	handler    http.Handler // middleware wrapped around dispatch; built lazily
	buildOnce  sync.Once
	engine     TemplateEngine
	commands   map[string]*Command
	pool       sync.Pool

	debugSections []namedDebugSection
}

// New creates an App. Each argument is a Settings (or *Settings) value, or an
// installed app implementing AppConfig; apps are installed in order. With no Settings
// argument, settings come from LoadSettings (environment variables over defaults).
// New panics on an argument of another type or a duplicate app label: both are
// programming errors found at start-up.
func New(items ...any) *App {
	a := &App{Logger: slog.Default(), router: newRouter(), commands: map[string]*Command{}}
	a.pool.New = func() any { return new(Ctx) }
	var settings *Settings
	for _, it := range items {
		switch v := it.(type) {
		case Settings:
			settings = &v
		case *Settings:
			settings = v
		case AppConfig:
			for _, prev := range a.apps {
				if prev.Label() == v.Label() {
					panic(fmt.Sprintf("galvani.New: two installed apps share the label %q (%T and %T)", v.Label(), prev, v))
				}
			}
			a.apps = append(a.apps, v)
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
	a.router.appendSlash = *a.Settings.AppendSlash
	a.registerBuiltinCommands()
	for _, ac := range a.apps {
		if rp, ok := ac.(RoutesProvider); ok {
			rp.Routes(a.Group("/").Namespace(ac.Label()))
		}
		if cp, ok := ac.(CommandsProvider); ok {
			for _, c := range cp.Commands() {
				a.AddCommand(c)
			}
		}
	}
	for _, ac := range a.apps {
		if rh, ok := ac.(ReadyHook); ok {
			if err := rh.Ready(a); err != nil {
				panic(fmt.Sprintf("galvani.New: app %q is not ready: %v", ac.Label(), err))
			}
		}
	}
	return a
}

// Apps returns the installed apps in installation order.
func (a *App) Apps() []AppConfig { return a.apps }

// Use appends middleware that wraps every request, matched or not (404s too), in the
// order given: the first is outermost. Call it before serving.
func (a *App) Use(mw ...func(http.Handler) http.Handler) { a.middleware = append(a.middleware, mw...) }

// SetTemplates sets the engine Ctx.Render uses.
func (a *App) SetTemplates(e TemplateEngine) { a.engine = e }

// Templates returns the engine set with SetTemplates, or nil.
func (a *App) Templates() TemplateEngine { return a.engine }

// ServeHTTP implements http.Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.buildOnce.Do(a.build)
	a.handler.ServeHTTP(w, r)
}

func (a *App) build() {
	var h http.Handler = http.HandlerFunc(a.dispatch)
	for i := len(a.middleware) - 1; i >= 0; i-- {
		h = a.middleware[i](h)
	}
	a.handler = h
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

// HandleError writes the response for an error returned by a handler: the status
// from StatusOf, a plain message for 4xx, and for 5xx a generic page (the error is
// logged). It is the one place where errors become responses.
func (a *App) HandleError(c *Ctx, err error) {
	status := StatusOf(err)
	msg := http.StatusText(status)
	var he *HTTPError
	if status < 500 {
		if asHTTPError(err, &he) {
			msg = he.Message
		}
	} else {
		a.Logger.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	}
	http.Error(c.Response, msg, status)
}

func asHTTPError(err error, target **HTTPError) bool {
	for err != nil {
		if he, ok := err.(*HTTPError); ok {
			*target = he
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
