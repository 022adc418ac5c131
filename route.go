package galvani

import (
	"fmt"
	"net/http"
	"strings"
)

// Route is one registered route. Methods on it configure it at registration time.
type Route struct {
	// Methods lists the methods the route answers; empty means any method.
	Methods []string
	// Pattern is the full path pattern, group prefixes included.
	Pattern string
	// name is the fully qualified name ("blog:detail"), set by Name.
	name      string
	namespace string
	app       *App
	segs      []segment
	handler   http.Handler // middleware-wrapped final handler
	endpoint  HandlerFunc  // the handler as given, adapted
	desc      string       // the handler as given, for `routes`
	mount     bool         // prefix route: matches the pattern and anything below it
}

// Name gives the route a name for reverse routing with App.URL and {% url %}.
// Inside a namespaced group the name is qualified: "blog:detail".
func (r *Route) Name(name string) *Route {
	if r.namespace != "" {
		name = r.namespace + ":" + name
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

// Group is a set of routes sharing a path prefix, middleware and a namespace.
type Group struct {
	app        *App
	prefix     string
	namespace  string
	middleware []func(http.Handler) http.Handler
}

// Group returns a group of routes under prefix.
func (a *App) Group(prefix string) *Group {
	return &Group{app: a, prefix: cleanPrefix(prefix)}
}

// Group returns a nested group under the group's prefix, inheriting its middleware
// and namespace.
func (g *Group) Group(prefix string) *Group {
	return &Group{app: g.app, prefix: g.prefix + strings.TrimPrefix(cleanPrefix(prefix), ""), namespace: g.namespace,
		middleware: append([]func(http.Handler) http.Handler(nil), g.middleware...)}
}

// Namespace sets the namespace for route names in the group: Name("detail") becomes
// "ns:detail". Nested namespaces join with ":".
func (g *Group) Namespace(ns string) *Group {
	if g.namespace != "" && ns != "" {
		ns = g.namespace + ":" + ns
	}
	g.namespace = ns
	return g
}

// Use appends middleware run for the group's routes only (after the App's middleware).
func (g *Group) Use(mw ...func(http.Handler) http.Handler) *Group {
	g.middleware = append(g.middleware, mw...)
	return g
}

func cleanPrefix(p string) string {
	p = strings.TrimSuffix(p, "/")
	if p != "" && !strings.HasPrefix(p, "/") {
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

// Mount serves h for prefix and every path below it. The handler sees the full path.
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

// Mount serves h for prefix and every path below it.
func (g *Group) Mount(prefix string, h http.Handler) *Route {
	r := g.newRoute(nil, cleanPrefix(prefix), h)
	r.mount = true
	g.add(r)
	return r
}

// Handle registers h for methods (nil: any) on pattern. h is a func(*Ctx) error, a
// HandlerFunc, an http.Handler or a func(http.ResponseWriter, *http.Request); any
// other type panics at registration. A pattern that conflicts with a registered one
// panics naming both.
func (g *Group) Handle(methods []string, pattern string, h any) *Route {
	if !strings.HasPrefix(pattern, "/") {
		panic(fmt.Sprintf("galvani: route pattern %q must start with /", pattern))
	}
	r := g.newRoute(methods, g.prefix+pattern, h)
	g.add(r)
	return r
}

func (g *Group) newRoute(methods []string, pattern string, h any) *Route {
	ep, desc := adapt(h)
	r := &Route{Methods: methods, Pattern: pattern, namespace: g.namespace, app: g.app, endpoint: ep, desc: desc}
	var final http.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		g.app.serveEndpoint(w, req, r)
	})
	for i := len(g.middleware) - 1; i >= 0; i-- {
		final = g.middleware[i](final)
	}
	r.handler = final
	return r
}

func (g *Group) add(r *Route) {
	if err := g.app.router.add(r); err != nil {
		panic(err)
	}
}

// Routes returns every registered route in registration order.
func (a *App) Routes() []*Route { return a.router.routes }

// URL returns the path of the route called name with args filled into its
// parameters in order. Wrong arity, a value that does not fit its converter, or an
// unknown name is an error saying which.
func (a *App) URL(name string, args ...any) (string, error) { return a.router.reverse(name, args) }
