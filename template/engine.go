package template

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Loader finds template source by name. Load returns fs.ErrNotExist (possibly
// wrapped) when it does not have the template; Describe says where it looks, for
// "template does not exist" errors.
type Loader interface {
	Load(name string) (src string, err error)
	Describe(name string) string
}

// FSLoader loads templates from an fs.FS (os.DirFS, embed.FS, an app's Templates()).
type FSLoader struct {
	FS fs.FS
	// Label names the FS in error messages ("templates/", "app blog").
	Label string
}

// Load reads name from the FS.
func (l FSLoader) Load(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", fmt.Errorf("%w: invalid template name %q", fs.ErrNotExist, name)
	}
	b, err := fs.ReadFile(l.FS, name)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Describe names the file the loader would read.
func (l FSLoader) Describe(name string) string {
	label := l.Label
	if label == "" {
		label = fmt.Sprintf("%T", l.FS)
	}
	return label + ": " + name
}

// MapLoader serves templates from memory, keyed by name (Django's locmem loader).
type MapLoader map[string]string

// Load returns the template called name.
func (m MapLoader) Load(name string) (string, error) {
	s, ok := m[name]
	if !ok {
		return "", fs.ErrNotExist
	}
	return s, nil
}

// Describe names the template in the map.
func (m MapLoader) Describe(name string) string { return "in-memory templates: " + name }

// Engine loads, compiles, caches and renders templates. It implements
// galvani.TemplateEngine. Create it with New; it is safe for concurrent use.
type Engine struct {
	loaders    []Loader
	builtins   []*Library
	libraries  map[string]*Library
	processors []ContextProcessor
	debug      bool
	autoescape bool
	urlFunc    func(name string, args ...any) (string, error)
	maxSteps   int
	maxOutput  int
	translate  func(r *http.Request, msgid string) string
	// timeZone gives the zone times are shown in for a request (nil: as they are).
	timeZone func(r *http.Request) *time.Location
	// localization gives the locale and l10n switches of a request (nil: none).
	localization func(r *http.Request) L10n
	// urlLocalize rewrites {% url %} results for the request (language prefixes).
	urlLocalize func(r *http.Request, path string) string
	clock       func() time.Time
	undefined   func(template string, line int, variable string)

	mu    sync.RWMutex
	cache map[string]*Template
	// cacheGen counts the times cache was emptied, so what an {% include %} of a
	// constant name remembers (see includeNode.cached) goes stale with it.
	cacheGen atomic.Uint64
	ctxs     sync.Pool
}

// Option configures an Engine.
type Option func(*Engine)

// Dir adds a template directory (any fs.FS) to search, after those already added.
func Dir(fsys fs.FS, label string) Option {
	return func(e *Engine) { e.loaders = append(e.loaders, FSLoader{FS: fsys, Label: label}) }
}

// UndefinedVariables sets a function called when a {{ variable }} without filters
// names nothing in the context, and so renders as "" (Django's string_if_invalid
// case): the template's name, the line and the variable as written. Setup installs
// one in debug mode that logs each place once, so a typo such as {{ questoin.text }}
// can be found; outside debug mode nothing is called.
func UndefinedVariables(fn func(template string, line int, variable string)) Option {
	return func(e *Engine) { e.undefined = fn }
}

// WithLoader adds a loader to search, after those already added.
func WithLoader(l Loader) Option { return func(e *Engine) { e.loaders = append(e.loaders, l) } }

// Debug turns on template reloading: a template whose source changed is recompiled
// on its next use.
func Debug(on bool) Option { return func(e *Engine) { e.debug = on } }

// Autoescape sets whether variables are HTML-escaped by default (on unless changed).
func Autoescape(on bool) Option { return func(e *Engine) { e.autoescape = on } }

// Builtins makes libraries' tags and filters available in every template without
// {% load %}.
func Builtins(libs ...*Library) Option {
	return func(e *Engine) { e.builtins = append(e.builtins, libs...) }
}

// Libraries registers tag libraries under names for {% load name %}.
func Libraries(libs map[string]*Library) Option {
	return func(e *Engine) {
		for k, v := range libs {
			e.libraries[k] = v
		}
	}
}

// Processors adds context processors, run for every render with a request.
func Processors(ps ...ContextProcessor) Option {
	return func(e *Engine) { e.processors = append(e.processors, ps...) }
}

// Clock sets the clock {% now %}, timesince and timeuntil read (time.Now unless
// changed), for tests and reproducible renders.
func Clock(now func() time.Time) Option { return func(e *Engine) { e.clock = now } }

// Translator sets how _("text") literals are translated at render time; r is the
// request being answered (nil outside one), from which the i18n battery reads the
// active language. Without a translator the text is used as it is.
func Translator(fn func(r *http.Request, msgid string) string) Option {
	return func(e *Engine) { e.translate = fn }
}

// TimeZone sets how the engine chooses the time zone times are shown in ({{ t }},
// the date and time filters): fn gets the request being answered (nil outside one,
// as for Template.Render) and returns the zone, or nil to show times in their own
// location. The i18n battery's Locale app provides one when time zones are on.
func TimeZone(fn func(r *http.Request) *time.Location) Option {
	return func(e *Engine) { e.timeZone = fn }
}

// DefaultMaxSteps is the default render budget: loop iterations plus includes in one
// render.
const DefaultMaxSteps = 10_000_000

// MaxSteps sets the render budget: the number of loop iterations plus includes one
// render may perform before it stops with an error. It bounds the work a runaway
// template (nested loops over big data, recursive includes) can cause.
func MaxSteps(n int) Option { return func(e *Engine) { e.maxSteps = n } }

// DefaultMaxOutput is the default bound on one render's output, in bytes.
const DefaultMaxOutput = 256 << 20

// MaxOutput bounds the size of one render's output; a render that grows past it
// stops with an error (checked at each loop iteration and include).
func MaxOutput(n int) Option { return func(e *Engine) { e.maxOutput = n } }

// URLResolver sets the function {% url %} uses to reverse route names.
func URLResolver(fn func(name string, args ...any) (string, error)) Option {
	return func(e *Engine) { e.urlFunc = fn }
}

// New creates an engine. With no loaders it can still render templates built with
// FromString.
func New(opts ...Option) *Engine {
	e := &Engine{autoescape: true, maxSteps: DefaultMaxSteps, maxOutput: DefaultMaxOutput, libraries: map[string]*Library{"l10n": l10nLibrary}, cache: map[string]*Template{}}
	for _, o := range opts {
		o(e)
	}
	return e
}

// AddLoader appends a loader after those already configured.
func (e *Engine) AddLoader(l Loader) {
	e.mu.Lock()
	e.loaders = append(e.loaders, l)
	clear(e.cache)
	e.cacheGen.Add(1)
	e.mu.Unlock()
}

// AddLibrary registers a library for {% load name %}.
func (e *Engine) AddLibrary(name string, lib *Library) {
	e.mu.Lock()
	e.libraries[name] = lib
	clear(e.cache)
	e.cacheGen.Add(1)
	e.mu.Unlock()
}

// AddProcessor adds a context processor.
func (e *Engine) AddProcessor(p ContextProcessor) {
	e.mu.Lock()
	e.processors = append(e.processors, p)
	e.mu.Unlock()
}

// FromString compiles a template from source. name is used in error messages and
// may be empty.
func (e *Engine) FromString(name, src string) (*Template, error) {
	return e.compile(name, src, -1)
}

func (e *Engine) compile(name, src string, loaderIdx int) (*Template, error) {
	t := &Template{name: name, src: src, engine: e, loaderIdx: loaderIdx}
	p := newParser(e, name, src, t)
	nodes, _, err := p.Parse()
	if err != nil {
		return nil, err
	}
	t.nodes = nodes
	return t, nil
}

// Get returns the compiled template called name, loading and compiling it on first
// use. In debug mode a template whose source changed is recompiled.
func (e *Engine) Get(name string) (*Template, error) { return e.getFrom(name, 0) }

// getAfter loads the parent of cur: when the parent has cur's own name (a project
// template extending the app template it overrides), the search starts after the
// loader that supplied cur, like Django's skip of the extending template's origin.
func (e *Engine) getAfter(name string, cur *Template) (*Template, error) {
	if cur == nil || name != cur.name || cur.loaderIdx < 0 {
		return e.Get(name)
	}
	return e.getFrom(name, cur.loaderIdx+1)
}

func (e *Engine) getFrom(name string, start int) (*Template, error) {
	key := name
	if start > 0 {
		key = name + "\x00" + strconv.Itoa(start)
	}
	e.mu.RLock()
	t, ok := e.cache[key]
	e.mu.RUnlock()
	if ok && !e.debug {
		return t, nil
	}
	src, idx, err := e.load(name, start)
	if err != nil {
		return nil, err
	}
	if ok && t.src == src && t.loaderIdx == idx {
		return t, nil
	}
	t, err = e.compile(name, src, idx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.cache[key] = t
	e.mu.Unlock()
	return t, nil
}

func (e *Engine) load(name string, start int) (string, int, error) {
	e.mu.RLock()
	loaders := e.loaders
	e.mu.RUnlock()
	var tried []string
	for i := 0; i < start && i < len(loaders); i++ {
		tried = append(tried, loaders[i].Describe(name)+" (skipped: the template extending it has this name)")
	}
	for i := start; i < len(loaders); i++ {
		l := loaders[i]
		src, err := l.Load(name)
		if err == nil {
			return src, i, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", 0, fmt.Errorf("loading template %q from %s: %w", name, l.Describe(name), err)
		}
		tried = append(tried, l.Describe(name)+" (does not exist)")
	}
	return "", 0, &TemplateDoesNotExist{Name: name, Tried: tried}
}

// Select returns the first of names that exists (Django's select_template).
func (e *Engine) Select(names ...string) (*Template, error) {
	var tried []string
	for _, n := range names {
		t, err := e.Get(n)
		if err == nil {
			return t, nil
		}
		var dne *TemplateDoesNotExist
		if !errors.As(err, &dne) {
			return nil, err
		}
		tried = append(tried, dne.Tried...)
	}
	return nil, &TemplateDoesNotExist{Name: strings.Join(names, ", "), Tried: tried}
}

// Render renders the template called name with data into w, running the context
// processors for r. It implements galvani.TemplateEngine. Nothing is written when
// rendering fails, so the caller can answer with an error page instead.
func (e *Engine) Render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	t, err := e.Get(name)
	if err != nil {
		return err
	}
	c := e.getContext()
	defer e.putContext(c)
	c.Request = r
	if e.timeZone != nil {
		c.Location = e.timeZone(r)
	}
	if e.localization != nil {
		c.L10n = e.localization(r)
	}
	if r != nil {
		e.mu.RLock()
		procs := e.processors
		e.mu.RUnlock()
		for _, p := range procs {
			for k, v := range p(r) {
				c.base = append(c.base, binding{k, reflect.ValueOf(v)})
			}
		}
	}
	if err := t.renderInto(c, data); err != nil {
		return err
	}
	h := w.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	_, err = w.Write(c.out)
	return err
}

// RenderString renders the template called name with data and returns the result.
func (e *Engine) RenderString(name string, data any) (string, error) {
	t, err := e.Get(name)
	if err != nil {
		return "", err
	}
	return t.Render(data)
}

func (e *Engine) getContext() *Context {
	c, _ := e.ctxs.Get().(*Context)
	if c == nil {
		c = &Context{}
	}
	c.engine = e
	c.Autoescape = e.autoescape
	return c
}

func (e *Engine) putContext(c *Context) {
	if cap(c.out) > 1<<20 {
		c.out = nil
	}
	clear(c.vars)
	clear(c.base)
	*c = Context{vars: c.vars[:0], marks: c.marks[:0], base: c.base[:0], out: c.out[:0], freeLoops: c.freeLoops}
	e.ctxs.Put(c)
}

// Template is a compiled template. It is safe for concurrent use.
type Template struct {
	name      string
	src       string
	engine    *Engine
	nodes     NodeList
	extends   *extendsNode
	positions map[Node]*Token
	blocks    map[string]*blockNode
	loaderIdx int // index of the loader that supplied it; -1 for FromString
}

// Name returns the template's name.
func (t *Template) Name() string { return t.name }

// Execute renders the template with data (a map[string]any, a struct or a pointer to
// one) and writes the result to w in one write. Nothing is written on error.
func (t *Template) Execute(w io.Writer, data any) error {
	c := t.engine.getContext()
	defer t.engine.putContext(c)
	if t.engine.localization != nil {
		c.L10n = t.engine.localization(nil)
	}
	if err := t.renderInto(c, data); err != nil {
		return err
	}
	_, err := w.Write(c.out)
	return err
}

// Render renders the template with data and returns the result.
func (t *Template) Render(data any) (string, error) {
	c := t.engine.getContext()
	defer t.engine.putContext(c)
	if t.engine.localization != nil {
		c.L10n = t.engine.localization(nil)
	}
	if err := t.renderInto(c, data); err != nil {
		return "", err
	}
	return string(c.out), nil
}

func (t *Template) renderInto(c *Context, data any) (err error) {
	c.setData(data)
	defer func() {
		if p := recover(); p != nil {
			err = &Error{Template: t.name, Msg: fmt.Sprintf("panic while rendering: %v", p)}
		}
	}()
	return t.renderWith(c)
}

// renderWith renders t in c, making t the current template for error messages and
// giving it its own per-template state (cycle tags), as Django's render_context.
func (t *Template) renderWith(c *Context) error {
	prevT, prevS := c.tmpl, c.state
	c.tmpl, c.state = t, nil
	err := t.nodes.Render(c)
	c.tmpl, c.state = prevT, prevS
	return err
}

// templateName joins a relative name ("./x.html", "../x.html") to the current one.
func resolveRelative(current, name string) (string, error) {
	if !strings.HasPrefix(name, "./") && !strings.HasPrefix(name, "../") {
		return name, nil
	}
	dir := path.Dir(current)
	joined := path.Join(dir, name)
	if strings.HasPrefix(joined, "../") || joined == ".." {
		return "", fmt.Errorf("the relative path %q points outside the file hierarchy that template %q is in", name, current)
	}
	return joined, nil
}
