package galvani

import (
	"fmt"
	"net/http"
	"strings"
)

// Route is one registered route. Methods on it configure it at registration time.
type Route struct {
	// Methods lists the methods the route answers; empty means any method. A GET
	// route answers HEAD too.
	Methods []string
	// Pattern is the full path pattern, group prefixes included. For a mount it is
	// the prefix ("" for a mount at the root).
	Pattern string

	name       string // fully qualified name ("blog:detail"), set by Name
	group      *Group
	app        *App
	segs       []segment
	paramNames []string     // parameter names in pattern order
	handler    http.Handler // group middleware around the endpoint; nil without any
	endpoint   HandlerFunc  // the handler as given, adapted
	desc       string       // the handler as given, for `routes`
	mount      bool         // prefix route: matches the prefix and anything below it
}

// Name gives the route a name for reverse routing with App.URL and {% url %}.
// Inside a namespaced group the name is qualified: Name("detail") in namespace
// "blog" is "blog:detail". A name is unique in the App; reusing one panics naming
// both routes. Names cannot contain ':' (use Group.Namespace).
func (r *Route) Name(name string) *Route {
	r.app.checkNotServing("Route.Name")
	if name == "" || strings.Contains(name, ":") {
		panic(fmt.Sprintf("galvani: route %s: invalid name %q: a name is non-empty and has no ':' (namespaces come from Group.Namespace)", r.Pattern, name))
	}
	if ns := r.group.fullNamespace(); ns != "" {
		name = ns + ":" + name
	}
	if err := r.app.router.setName(r, name); err != nil {
		panic(err)
	}
	return r
}

// FullName returns the route's qualified name, or "" when it has none.
func (r *Route) FullName() string { return r.name }

// Handler describes the handler registered for the route (its function name).
func (r *Route) Handler() string { return r.desc }

// Params returns the names of the route's path parameters in pattern order.
func (r *Route) Params() []string { return append([]string(nil), r.paramNames...) }

// IsMount reports whether the route was registered with Mount.
func (r *Route) IsMount() bool { return r.mount }

// Group is a set of routes sharing a path prefix, middleware and a namespace.
// Groups nest: a nested group adds its prefix to its parent's, runs its parent's
// middleware before its own, and qualifies names with both namespaces ("a:b:name").
type Group struct {
	app        *App
	parent     *Group
	prefix     string // full prefix, parents' included, no trailing slash
	namespace  string // this group's own namespace segment
	middleware []func(http.Handler) http.Handler
}

// Group returns a group of routes under prefix ("/blog"; a trailing slash is
// ignored, so "/blog/" is the same group). The prefix may contain parameters
// ("/users/{uid:int}"); they are parameters of every route in the group.
func (a *App) Group(prefix string) *Group {
	return &Group{app: a, prefix: cleanPrefix(prefix)}
}

// Group returns a nested group under the group's prefix. It runs the parent's
// middleware before its own and inherits the parent's namespace.
func (g *Group) Group(prefix string) *Group {
	return &Group{app: g.app, parent: g, prefix: g.prefix + cleanPrefix(prefix)}
}

// Namespace sets the group's namespace: Name("detail") on one of its routes
// becomes "ns:detail", or "outer:ns:detail" inside a group namespaced "outer".
// It returns g.
func (g *Group) Namespace(ns string) *Group {
	if strings.Trim(ns, ":") != ns || strings.Contains(ns, "::") {
		panic(fmt.Sprintf("galvani: invalid namespace %q", ns))
	}
	g.namespace = ns
	return g
}

func (g *Group) fullNamespace() string {
	if g == nil {
		return ""
	}
	outer := g.parent.fullNamespace()
	switch {
	case outer == "":
		return g.namespace
	case g.namespace == "":
		return outer
	}
	return outer + ":" + g.namespace
}

// Prefix returns the group's full path prefix ("" for the root).
func (g *Group) Prefix() string { return g.prefix }

// Use appends middleware run for the group's routes only, after the App's
// middleware and the parent groups' middleware, in the order given. It applies to
// every route of the group and its subgroups, whether registered before or after
// the call, as long as the App has not started serving.
func (g *Group) Use(mw ...func(http.Handler) http.Handler) *Group {
	g.app.checkNotServing("Group.Use")
	g.middleware = append(g.middleware, mw...)
	return g
}

func cleanPrefix(p string) string {
	p = strings.TrimRight(p, "/")
	if p != "" && p[0] != '/' {
		p = "/" + p
	}
	return p
}

// Get registers h for GET (and HEAD) requests on pattern.
func (a *App) Get(pattern string, h any) *Route { return a.root().Get(pattern, h) }

// Post registers h for POST requests on pattern.
func (a *App) Post(pattern string, h any) *Route { return a.root().Post(pattern, h) }

// Put registers h for PUT requests on pattern.
func (a *App) Put(pattern string, h any) *Route { return a.root().Put(pattern, h) }

// Patch registers h for PATCH requests on pattern.
func (a *App) Patch(pattern string, h any) *Route { return a.root().Patch(pattern, h) }

// Delete registers h for DELETE requests on pattern.
func (a *App) Delete(pattern string, h any) *Route { return a.root().Delete(pattern, h) }

// Any registers h for every method on pattern.
func (a *App) Any(pattern string, h any) *Route { return a.root().Any(pattern, h) }

// Handle registers h for the given methods on pattern.
func (a *App) Handle(methods []string, pattern string, h any) *Route {
	return a.root().Handle(methods, pattern, h)
}

// Mount serves h for prefix and every path below it, with the prefix stripped from
// the request's URL.Path (and RawPath), like http.StripPrefix: a handler mounted at
// "/api" sees "/api/users" as "/users" and "/api" as "/". See Group.Mount.
func (a *App) Mount(prefix string, h http.Handler) *Route { return a.root().Mount(prefix, h) }

func (a *App) root() *Group { return &Group{app: a} }

// Get registers h for GET (and HEAD) requests.
func (g *Group) Get(pattern string, h any) *Route {
	return g.Handle([]string{http.MethodGet}, pattern, h)
}

// Post registers h for POST requests.
func (g *Group) Post(pattern string, h any) *Route {
	return g.Handle([]string{http.MethodPost}, pattern, h)
}

// Put registers h for PUT requests.
func (g *Group) Put(pattern string, h any) *Route {
	return g.Handle([]string{http.MethodPut}, pattern, h)
}

// Patch registers h for PATCH requests.
func (g *Group) Patch(pattern string, h any) *Route {
	return g.Handle([]string{http.MethodPatch}, pattern, h)
}

// Delete registers h for DELETE requests.
func (g *Group) Delete(pattern string, h any) *Route {
	return g.Handle([]string{http.MethodDelete}, pattern, h)
}

// Any registers h for every method.
func (g *Group) Any(pattern string, h any) *Route { return g.Handle(nil, pattern, h) }

// Mount serves h, any method, for prefix and every path below it. The prefix
// (group prefix included) is stripped from the request's URL.Path and URL.RawPath
// before h sees it, like http.StripPrefix, and an empty remainder becomes "/".
// Routes registered under the prefix take precedence over the mount. The prefix may
// hold converters ("/users/{id:int}/files"); h reads them with r.PathValue. The
// request path is checked first: a path with "." or ".." segments, control
// characters or invalid UTF-8 never reaches h (400).
func (g *Group) Mount(prefix string, h http.Handler) *Route {
	if h == nil {
		panic("galvani: Mount " + prefix + ": nil handler")
	}
	if prefix != "" && prefix[0] != '/' {
		panic(fmt.Sprintf("galvani: mount prefix %q must start with /", prefix))
	}
	pattern := g.prefix + cleanPrefix(prefix)
	r := &Route{Pattern: pattern, group: g, app: g.app, desc: describe(h), mount: true}
	r.endpoint = mountEndpoint(h, strings.Count(pattern, "/"))
	g.add(r)
	return r
}

// Handle registers h for methods (nil or empty: any method; names are upper-cased)
// on pattern, which starts with "/" and is appended to the group's prefix ("" in a
// group with a prefix means the prefix itself: "/blog", where "/" is "/blog/"). h is a func(*Ctx) error, a
// HandlerFunc, an http.Handler or a func(http.ResponseWriter, *http.Request); any
// other type panics at registration. A pattern that conflicts with a registered one
// (same shape and converters at the same places, a method in common) panics naming
// both.
func (g *Group) Handle(methods []string, pattern string, h any) *Route {
	// "" in a group with a prefix is the prefix itself: Group("/blog").Get("", h) is "/blog".
	if (pattern != "" || g.prefix == "") && (pattern == "" || pattern[0] != '/') {
		panic(fmt.Sprintf("galvani: route pattern %q must start with /", pattern))
	}
	for _, m := range methods {
		if !validMethod(m) {
			panic(fmt.Sprintf("galvani: route %s: invalid method %q", pattern, m))
		}
	}
	if len(methods) == 0 {
		methods = nil
	} else {
		// Methods are case-sensitive on the wire; like Flask, take "get" to mean GET.
		up := make([]string, len(methods))
		for i, m := range methods {
			up[i] = strings.ToUpper(m)
		}
		methods = up
	}
	full := g.prefix + pattern // Group("/blog").Get("/") is "/blog/"
	ep, desc := adapt(h)
	r := &Route{Methods: methods, Pattern: full, group: g, app: g.app, endpoint: ep, desc: desc}
	g.add(r)
	return r
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		b := m[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0) {
			return false
		}
	}
	return true
}

func (g *Group) add(r *Route) {
	g.app.checkNotServing("registering route " + r.Pattern)
	if err := g.app.router.add(r); err != nil {
		panic(err)
	}
}

// Routes returns every registered route in registration order.
func (a *App) Routes() []*Route { return append([]*Route(nil), a.router.routes...) }

// URL returns the path of the route called name ("article-detail",
// "blog:detail") with args filled into its parameters in order, each converted with
// fmt.Sprint (strings and integers directly) and percent-escaped for its segment.
// Wrong arity, a value that does not fit its converter ("x" for {id:int}, "a/b"
// for {name}) or an unknown name is an error naming the route, its pattern and the
// argument.
func (a *App) URL(name string, args ...any) (string, error) { return a.router.reverse(name, args) }

// URLParams is URL with arguments by parameter name, like Django's
// reverse(name, kwargs=...). Every parameter must be given, and no other.
func (a *App) URLParams(name string, params map[string]any) (string, error) {
	return a.router.reverseNamed(name, params)
}

// MustURL is URL for names and arguments known to be right: it panics on error.
func (a *App) MustURL(name string, args ...any) string {
	u, err := a.URL(name, args...)
	if err != nil {
		panic(err)
	}
	return u
}

// Matches reports whether the App answers req with this route: the router, as it
// would when serving, picks this route for req's method and path (more specific
// routes winning, converters checked). Middleware that runs before routing uses it
// to apply a per-route policy, such as csrf.ExemptRoute.
func (r *Route) Matches(req *http.Request) bool {
	if r == nil || r.app == nil || req == nil || req.URL == nil {
		return false
	}
	c := r.app.acquire(nil, req)
	m, _ := r.app.router.lookup(req.Method, req.URL, c)
	r.app.release(c)
	return m == r
}
