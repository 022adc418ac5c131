package template

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
)

// LibraryProvider is implemented by installed apps (and batteries) that ship template
// tag libraries. Setup registers each library for {% load name %}, the way Django
// finds an app's templatetags modules; the static and i18n batteries register
// "static" and "i18n" this way.
type LibraryProvider interface {
	TemplateLibraries() map[string]*Library
}

// ProcessorProvider is implemented by installed apps that add variables to every
// template rendered for a request (csrf_token, user, messages). It needs no import
// of this package.
type ProcessorProvider interface {
	TemplateContext(r *http.Request) map[string]any
}

// TranslatorProvider is implemented by the installed app that translates text (the
// i18n battery): Setup uses it for _("text") literals in templates, with the
// request's language.
type TranslatorProvider interface {
	Gettext(r *http.Request, msgid string) string
}

// URLLocalizer is implemented by the installed app that prefixes URLs with the
// request's language (the i18n battery, with URL prefixes on): Setup applies it to
// what {% url %} produces.
type URLLocalizer interface {
	LocalizeURL(r *http.Request, path string) string
}

// TimeZoneProvider is implemented by the installed app that chooses the time zone
// of a request (the i18n battery with time zones on): Setup uses it for the
// engine's TimeZone.
type TimeZoneProvider interface {
	TimeZone(r *http.Request) *time.Location
}

// Setup creates an engine for app and installs it with app.SetTemplates, so
// c.Render works. Templates are searched in the loaders given in opts first (the
// project's directories, e.g. template.Dir(os.DirFS("templates"), "templates/")),
// then in each installed app's Templates() FS in installation order, so a project
// overrides an app's template by giving one the same name. Debug mode follows
// app.Settings.Debug (templates reload when changed); {% url %} reverses with
// app.URL; the request and debug context processors are on, followed by each
// installed app's TemplateContext. Every template is compiled by the `check`
// command, which reports syntax errors as templates.E001.
func Setup(app *galvani.App, opts ...Option) *Engine {
	all := []Option{Debug(app.Settings.Debug), URLResolver(app.URL),
		Processors(RequestProcessor, DebugProcessor(app.Settings.Debug))}
	if app.Settings.Debug {
		all = append(all, UndefinedVariables(logUndefinedOnce(app)))
	}
	all = append(all, opts...)
	e := New(all...)
	for _, ac := range app.Apps() {
		if tp, ok := ac.(galvani.TemplatesProvider); ok {
			if fsys := tp.Templates(); fsys != nil {
				e.loaders = append(e.loaders, FSLoader{FS: fsys, Label: "app " + ac.Label()})
			}
		}
		if lp, ok := ac.(LibraryProvider); ok {
			for name, lib := range lp.TemplateLibraries() {
				e.libraries[name] = lib
			}
		}
		if pp, ok := ac.(ProcessorProvider); ok {
			e.processors = append(e.processors, pp.TemplateContext)
		}
		if tp, ok := ac.(TranslatorProvider); ok && e.translate == nil {
			e.translate = tp.Gettext
		}
		if tz, ok := ac.(TimeZoneProvider); ok && e.timeZone == nil {
			e.timeZone = tz.TimeZone
		}
		if lp, ok := ac.(LocalizationProvider); ok && e.localization == nil {
			e.localization = lp.Localization
		}
		if ul, ok := ac.(URLLocalizer); ok && e.urlLocalize == nil {
			e.urlLocalize = ul.LocalizeURL
		}
	}
	app.SetTemplates(e)
	app.AddCheck(e.checkTemplates, false)
	return e
}

// HTMLTemplateEngine adapts a set of html/template templates to
// galvani.TemplateEngine, for projects that prefer Go's own template language:
// app.SetTemplates(template.HTMLTemplateEngine(htmltemplate.Must(htmltemplate.ParseFS(files, "*.html")))).
// Render executes the named template into a buffer, so an execution error leaves the
// response untouched.
func HTMLTemplateEngine(t *htmltemplate.Template) galvani.TemplateEngine {
	return &htmlEngine{t: t}
}

type htmlEngine struct{ t *htmltemplate.Template }

var htmlBufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render implements galvani.TemplateEngine.
func (h *htmlEngine) Render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	buf := htmlBufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			htmlBufPool.Put(buf)
		}
	}()
	if err := h.t.ExecuteTemplate(buf, name, data); err != nil {
		return err
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// maxUndefinedReported bounds the places logUndefinedOnce remembers.
const maxUndefinedReported = 1000

// logUndefinedOnce returns the debug-mode UndefinedVariables function of Setup: a
// warning on app.Logger the first time each template line renders an undefined
// variable.
func logUndefinedOnce(app *galvani.App) func(string, int, string) {
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(tmpl string, line int, variable string) {
		key := fmt.Sprintf("%s:%d:%s", tmpl, line, variable)
		mu.Lock()
		if seen[key] || len(seen) >= maxUndefinedReported {
			mu.Unlock()
			return
		}
		seen[key] = true
		mu.Unlock()
		logger := app.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.Warn("template: undefined variable renders as \"\"", "template", tmpl, "line", line, "variable", variable,
			"hint", "check its spelling and what the view passes to c.Render (shown once per place, DEBUG only)")
	}
}
