package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/csrf"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest/openapi"
)

// Config is an API's policy, Django REST framework's REST_FRAMEWORK setting: how
// requests are authenticated, who may do what, how often, how lists are paged and
// how errors look. A view overrides any of it for itself.
type Config struct {
	// Label names the API as an installed app and namespaces its route names
	// ("api:article-list"). Default "api".
	Label string
	// Authentication lists the authenticators tried in order; the first to
	// recognise credentials wins. The first one's Challenge decides whether a
	// missing or wrong credential is answered 401 (with WWW-Authenticate) or 403.
	// Default: none (every request anonymous).
	Authentication []Authenticator
	// Permissions must all allow a request. Default: AllowAny.
	Permissions []Permission
	// Throttles must all allow a request. Default: none.
	Throttles []Throttle
	// Pagination pages the lists of viewsets; nil lists everything.
	Pagination Paginator
	// Errors chooses the shape of 4xx bodies: DRF's (default) or RFC 9457.
	Errors ErrorStyle
	// ValidationStatus answers invalid input: 400 when zero (422 for APIs that
	// prefer it).
	ValidationStatus int
	// ErrorHandler, when set, writes every 4xx answer itself (an API with its own
	// error format); it gets the status and the error (a *ValidationError, an
	// *Error or another error with an HTTPStatus method). Server errors still go to
	// the core.
	ErrorHandler func(c *galvani.Ctx, status int, err error) error
	// NoTrailingSlash registers viewset routes without the trailing slash
	// ("/articles", "/articles/{id}").
	NoTrailingSlash bool
	// NoBrowsable turns the browsable HTML pages off: browsers get JSON too.
	NoBrowsable bool
	// IgnoreUnknownFields accepts input fields the serializer does not have (DRF's
	// behaviour) instead of answering 400 "Unknown field.".
	IgnoreUnknownFields bool
	// DB is the database of model views; nil means the request's (orm.Middleware).
	DB *orm.DB
	// Info describes the API in its OpenAPI document (title, version...).
	Info openapi.Info
	// Servers are the OpenAPI document's servers; default none (paths are absolute).
	Servers []openapi.Server
	// SchemaPath is where, under the API's prefix, the schema is served
	// (SchemaPath + ".json" and ".yaml") and the docs page (SchemaPath + "/docs/").
	// Default "schema"; "-" serves neither.
	SchemaPath string
	// NoRoot leaves out the API root view (GET "/" listing the viewsets).
	NoRoot bool
	// ErrorSchema, when set, is the OpenAPI schema of every 4xx body (an API with
	// its own ErrorHandler documents its format with it).
	ErrorSchema *openapi.Schema
}

// API is a set of REST views with their policy: an installable app
// (galvani.Include("/api", api)) whose routes are its viewsets and endpoints, plus
// the API root, the OpenAPI schema and its docs page. Register views before
// installing it.
type API struct {
	cfg       Config
	views     []*viewDef
	byPath    map[string]*viewDef
	prefix    string // the prefix it is installed under, known after Routes
	installed bool
	app       *galvani.App
	routes    []*galvani.Route // the views' routes, exempt from the CSRF middleware

	schemaOnce sync.Once
	schema     *openapi.Document
	schemaErr  error
}

// New returns an API with cfg.
func New(cfg Config) *API {
	if cfg.Label == "" {
		cfg.Label = "api"
	}
	if cfg.ValidationStatus == 0 {
		cfg.ValidationStatus = http.StatusBadRequest
	}
	if cfg.SchemaPath == "" {
		cfg.SchemaPath = "schema"
	}
	if cfg.Info.Title == "" {
		cfg.Info.Title = "API"
	}
	if cfg.Info.Version == "" {
		cfg.Info.Version = "1.0.0"
	}
	return &API{cfg: cfg, byPath: map[string]*viewDef{}}
}

// Config returns the API's configuration.
func (a *API) Config() Config { return a.cfg }

// Label implements galvani.AppConfig.
func (a *API) Label() string { return a.cfg.Label }

// Prefix returns the path prefix the API was installed under ("" before).
func (a *API) Prefix() string { return a.prefix }

// Request is what a view knows about the request it serves: permissions,
// throttles, hooks and typed handlers get it.
type Request struct {
	// Ctx is the core's request context (the *http.Request is Ctx.Request).
	Ctx *galvani.Ctx
	// API is the API serving the request.
	API *API
	// View names the view ("article" for a viewset over Article, or the
	// endpoint's name).
	View string
	// Action is what is being done: "list", "create", "retrieve", "update",
	// "partial_update", "destroy", "metadata" (OPTIONS), an extra action's name,
	// or the lower-case method for an endpoint.
	Action string
	// Model is the model of a viewset, nil for endpoints.
	Model *orm.ModelInfo
	// Scope is the view's throttle scope (see ScopedRate).
	Scope string
	// User is the authenticated user, nil when anonymous.
	User auth.UserModel
	// Auth is what the authenticator that recognised the request returned (a
	// token, JWT claims); nil when anonymous.
	Auth any

	def      *viewDef
	meth     *method // def's entry for the request's method (nil: none), set by serve
	data     *input
	dataErr  error
	dataRead bool
	m2m      map[unsafe.Pointer][]pendingM2M // M2M keys read by Decode, by object
	tx       *orm.DB                         // the transaction saving an object, for DB
}

// HTTP returns the *http.Request.
func (r *Request) HTTP() *http.Request { return r.Ctx.Request }

// Context returns the request's context.
func (r *Request) Context() context.Context { return r.Ctx.Request.Context() }

// IsAuthenticated reports whether a user was authenticated.
func (r *Request) IsAuthenticated() bool {
	return r.User != nil && r.User.AuthUser().IsAuthenticated()
}

// DB returns the database of model views: Config.DB, else the request's. It is
// an error when there is neither.
func (r *Request) DB() (*orm.DB, error) {
	if r.tx != nil {
		return r.tx, nil
	}
	if r.API != nil && r.API.cfg.DB != nil {
		return r.API.cfg.DB, nil
	}
	if db := orm.DBFrom(r.Ctx.Request); db != nil {
		return db, nil
	}
	return nil, errNoDB
}

var errNoDB = errors.New("rest: no database: set rest.Config.DB or install orm.Middleware(db)")

// requestKey is the Ctx value (galvani.Ctx.SetValue) of the rest Request.
type requestKey struct{}

// RequestOf returns the rest Request of the request c serves through an API view,
// or nil (before the view has authenticated it, or outside the API): for code that
// is given the Ctx rather than the Request, such as Config.ErrorHandler.
func RequestOf(c *galvani.Ctx) *Request {
	rr, _ := c.Value(requestKey{}).(*Request)
	return rr
}

// apiUserKey is the context value that carries an API-authenticated user for
// UserFrom when the auth middleware is not installed.
type apiUserKey struct{}

// UserFrom returns the user an API authenticator recognised on r, else the auth
// battery's user of the request (a session login); nil when anonymous. It takes
// the *http.Request so plain net/http code called by a view can ask; inside a
// view, Request.User is the same user.
func UserFrom(r *http.Request) auth.UserModel {
	if u, ok := r.Context().Value(apiUserKey{}).(auth.UserModel); ok {
		return u
	}
	if u := auth.CurrentUserModel(r); u.AuthUser().IsAuthenticated() {
		return u
	}
	return nil
}

// setUser makes u the user of the request for auth's accessors (with the auth
// middleware) and for UserFrom. Only without the middleware does it put the user
// in the request's context, which costs a copy of the *http.Request.
func setUser(c *galvani.Ctx, u auth.UserModel) {
	if err := auth.SetUser(c.Request, u); err == nil {
		return
	}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), apiUserKey{}, u))
}

// viewDef is one registered route of the API: a viewset's list or detail route,
// an extra action, or an endpoint path; it answers the methods in handlers.
type viewDef struct {
	api      *API
	path     string // pattern under the API prefix
	name     string // route name ("article-list")
	basename string // the view's name ("article")
	modelOf  func() *orm.ModelInfo
	scope    string
	auths    []Authenticator
	perms    []Permission
	throttle []Throttle
	methods  map[string]*method         // by upper-case method
	describe func(*schemaGen, *viewDef) // adds the path's operations to the schema
	root     bool
	doc      string // description for OPTIONS and the browsable page

	allowOnce sync.Once
	allowHdr  []string // the Allow header, computed once the methods are final
}

// method is what a route does for one HTTP method.
type method struct {
	action  string
	handle  func(r *Request) error
	fields  func() []Field // the input fields, for OPTIONS and browsable forms
	status  int
	summary string
	// pol is the method's own policy when routes of different policies share
	// the path (GET /articles for anyone, POST /articles for users); nil means
	// the view's.
	pol *methodPolicy
}

// methodPolicy is the policy of one method of a merged route.
type methodPolicy struct {
	auths    []Authenticator
	perms    []Permission
	throttle []Throttle
	scope    string
}

func (d *viewDef) ownPolicy() *methodPolicy {
	return &methodPolicy{auths: d.auths, perms: d.perms, throttle: d.throttle, scope: d.scope}
}

// policy returns the authenticators, permissions and throttles that apply to
// method m (HEAD is GET's; OPTIONS and unknown methods get the view's).
func (d *viewDef) policy(m string) ([]Authenticator, []Permission, []Throttle) {
	if m == http.MethodHead {
		m = http.MethodGet
	}
	return d.policyOf(d.methods[m])
}

// policyOf is policy for the method entry h of the route (nil for a method it
// does not have), which serve has already looked up.
func (d *viewDef) policyOf(h *method) ([]Authenticator, []Permission, []Throttle) {
	auths, perms, thr := d.auths, d.perms, d.throttle
	if h != nil && h.pol != nil {
		auths, perms, thr = h.pol.auths, h.pol.perms, h.pol.throttle
	}
	if auths == nil {
		auths = d.api.cfg.Authentication
	}
	if perms == nil {
		perms = d.api.cfg.Permissions
	}
	if thr == nil {
		thr = d.api.cfg.Throttles
	}
	return auths, perms, thr
}

// allow lists the methods the route answers, for Allow headers.
func (d *viewDef) allow() string {
	ms := make([]string, 0, len(d.methods)+2)
	for m := range d.methods {
		ms = append(ms, m)
	}
	order := map[string]int{"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}
	sort.Slice(ms, func(i, j int) bool { return order[ms[i]] < order[ms[j]] })
	if _, ok := d.methods["GET"]; ok {
		ms = append(ms, "HEAD")
	}
	ms = append(ms, "OPTIONS")
	return strings.Join(ms, ", ")
}

// add registers a route, merging the methods of routes on the same path.
func (a *API) add(d *viewDef) {
	if a.installed {
		panic("rest: registering " + d.path + " after the API was installed")
	}
	if prev, ok := a.byPath[d.path]; ok {
		for _, h := range prev.methods {
			if h.pol == nil {
				h.pol = prev.ownPolicy()
			}
		}
		for m, h := range d.methods {
			if _, dup := prev.methods[m]; dup {
				panic(fmt.Sprintf("rest: %s %s registered twice", m, d.path))
			}
			h.pol = d.ownPolicy()
			prev.methods[m] = h
		}
		if d.describe != nil {
			prevDescribe := prev.describe
			prev.describe = func(g *schemaGen, v *viewDef) {
				if prevDescribe != nil {
					prevDescribe(g, v)
				}
				d.describe(g, v)
			}
		}
		return
	}
	a.byPath[d.path] = d
	a.views = append(a.views, d)
}

// Routes implements galvani.RoutesProvider: every view's route, the API root, the
// schema and the docs page.
func (a *API) Routes(g *galvani.Group) {
	a.prefix = g.Prefix()
	if !a.cfg.NoRoot && !a.installed {
		if _, taken := a.byPath["/"]; !taken {
			a.addRoot()
		}
	}
	a.installed = true
	if a.cfg.SchemaPath != "-" {
		a.addSchemaRoutes(g)
	}
	for _, d := range a.views {
		r := g.Any(d.path, a.handler(d))
		if d.name != "" {
			r.Name(d.name)
		}
		a.routes = append(a.routes, r)
	}
}

// Ready implements galvani.ReadyHook: the API remembers the App, for reversing
// route names in links, and exempts its views from the CSRF middleware, as Django
// REST framework does: credentials sent by the client on purpose (tokens, JWTs)
// cannot be forged by another site, and SessionAuth, whose cookie the browser
// sends by itself, runs the CSRF checks itself (csrf.Verify) on unsafe methods.
func (a *API) Ready(app *galvani.App) error {
	a.app = app
	csrf.ExemptRoute(&app.Settings, a.routes...)
	return nil
}

// Handler serves the API without installing it as an app: its routes are added to
// a fresh App (with the given settings) under prefix. Tests and small programs use
// it; projects install the API with galvani.Include.
func (a *API) Handler(prefix string, settings galvani.Settings) *galvani.App {
	app := galvani.New(settings, galvani.Include(prefix, a))
	return app
}

// handler is the route's endpoint: it runs the view and writes 4xx answers in the
// API's style; server errors go back to the core.
func (a *API) handler(d *viewDef) galvani.HandlerFunc {
	return func(c *galvani.Ctx) error {
		rr := &Request{Ctx: c, API: a, View: d.basename, Scope: d.scope, def: d}
		if d.modelOf != nil {
			rr.Model = d.modelOf()
		}
		err := a.serve(rr, d)
		if err == nil {
			return nil
		}
		return a.WriteError(c, err)
	}
}

// WriteError answers err in the API's error style: 4xx bodies here, server errors
// returned for the core to answer (and log).
func (a *API) WriteError(c *galvani.Ctx, err error) error {
	if c.Written() {
		return err
	}
	status, ctype, body, hdr, ok := errorBody(err, a.cfg.Errors, a.cfg.ValidationStatus)
	if !ok {
		return err
	}
	for k, vs := range hdr {
		for _, v := range vs {
			c.Response.Header().Add(k, v)
		}
	}
	if a.cfg.ErrorHandler != nil {
		return a.cfg.ErrorHandler(c, status, err)
	}
	return writeBody(c, status, ctype, body)
}

func writeBody(c *galvani.Ctx, status int, ctype string, body []byte) error {
	h := c.Response.Header()
	if ctype == "application/json" {
		h["Content-Type"] = jsonType
	} else {
		h["Content-Type"] = []string{ctype}
	}
	h["Vary"] = varyAccept
	c.Response.WriteHeader(status)
	if c.Request.Method == http.MethodHead {
		return nil
	}
	_, err := c.Response.Write(body)
	return err
}

// Header values every answer shares (never changed in place).
var (
	varyAccept = []string{"Accept"}
	jsonType   = []string{"application/json"}
)

// serve runs the request through the view's policy and handler.
func (a *API) serve(rr *Request, d *viewDef) error {
	c := rr.Ctx
	m := c.Request.Method
	if m == http.MethodHead {
		m = http.MethodGet
	}
	d.allowOnce.Do(func() { d.allowHdr = []string{d.allow()} })
	c.Response.Header()["Allow"] = d.allowHdr
	h, ok := d.methods[m]
	rr.meth = h
	if m == http.MethodOptions {
		rr.Action = "metadata"
	} else if !ok {
		rr.Action = strings.ToLower(m)
		if err := a.initial(rr, d); err != nil {
			return err
		}
		return MethodNotAllowed(c.Request.Method)
	} else {
		rr.Action = h.action
		if h.pol != nil {
			rr.Scope = h.pol.scope
		}
	}
	if err := a.initial(rr, d); err != nil {
		return err
	}
	if m == http.MethodOptions {
		return a.options(rr, d)
	}
	return h.handle(rr)
}

// initial authenticates, checks permissions and throttles: DRF's initial().
func (a *API) initial(rr *Request, d *viewDef) error {
	auths, perms, thr := d.policyOf(rr.meth)
	c := rr.Ctx
	tryAuths := auths
	if f, ok := forcedAuth(c.Request); ok {
		rr.User, rr.Auth = f.user, f.info
		if f.user != nil {
			setUser(c, f.user)
		}
		tryAuths = nil
	}
	for _, au := range tryAuths {
		u, info, err := au.Authenticate(c.Request)
		if err != nil {
			return a.challenge(rr, auths, err)
		}
		if u != nil {
			rr.User, rr.Auth = u, info
			setUser(c, u)
			break
		}
	}
	c.SetValue(requestKey{}, rr) // for RequestOf; no copy of the *http.Request
	for _, p := range perms {
		if !p.HasPermission(rr) {
			return a.denied(rr, auths, p)
		}
	}
	for _, t := range thr {
		ok, wait, err := t.Allow(rr)
		if err != nil {
			return err
		}
		if !ok {
			return Throttled(wait)
		}
	}
	return nil
}

// denied is the answer to a refused permission: 401/403 "not authenticated" for
// an anonymous request, else 403 with the permission's message.
func (a *API) denied(rr *Request, auths []Authenticator, p Permission) error {
	if !rr.IsAuthenticated() {
		return a.challenge(rr, auths, NotAuthenticated())
	}
	msg := ""
	if m, ok := p.(interface{ Message() string }); ok {
		msg = m.Message()
	}
	return PermissionDenied(msg)
}

// challenge turns a 401 into what the first authenticator says: 401 with its
// WWW-Authenticate challenge, or 403 when it has none (session authentication).
func (a *API) challenge(rr *Request, auths []Authenticator, err error) error {
	var ae *Error
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
		return err
	}
	out := *ae
	ch := ""
	if len(auths) > 0 {
		if c, ok := auths[0].(Challenger); ok {
			ch = c.Challenge(rr.Ctx.Request)
		}
	}
	if ch == "" {
		out.Status = http.StatusForbidden
		return &out
	}
	out.Header = http.Header{"Www-Authenticate": {ch}}
	return &out
}

// CheckObject runs the object permissions of the request's view on obj: a 404
// hides nothing here, so a refusal is 403 (or 401 when anonymous).
func (r *Request) CheckObject(obj any) error {
	if r.def == nil {
		return nil
	}
	auths, perms, _ := r.def.policyOf(r.meth)
	for _, p := range perms {
		op, ok := p.(ObjectPermission)
		if ok && !op.HasObjectPermission(r, obj) {
			if h, ok := p.(interface{ hidden(*Request, any) bool }); ok && h.hidden(r, obj) {
				return NotFound()
			}
			return r.API.denied(r, auths, p)
		}
	}
	return nil
}

// URL returns the absolute URL of path (under the API prefix when it starts with
// "/" and the prefix is not there yet), for links in responses.
func (r *Request) URL(path string) string {
	return absoluteURL(r.Ctx.Request, path)
}

func absoluteURL(req *http.Request, path string) string {
	scheme := "http"
	if req.TLS != nil || req.URL.Scheme == "https" {
		scheme = "https"
	}
	return scheme + "://" + req.Host + path
}

// Reverse returns the path of the API's route called name ("article-detail"),
// with args as its parameters.
func (a *API) Reverse(name string, args ...any) (string, error) {
	if a.app == nil {
		return "", fmt.Errorf("rest: %s is not installed in an App", a.cfg.Label)
	}
	return a.app.URL(a.cfg.Label+":"+name, args...)
}
