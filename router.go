package galvani

import (
	"fmt"
	"net/http"
	"reflect"
	"runtime"
	"strconv"
	"strings"
)

// segment is one piece of a parsed pattern: a literal, or a parameter with a converter.
type segment struct {
	lit   string // literal text (for literal segments)
	param string // parameter name (for parameter segments)
	conv  string // "", "int", "slug", "uuid", "path" (for {rest...})
}

type router struct {
	routes      []*Route
	names       map[string]*Route
	appendSlash bool
}

func newRouter() *router { return &router{names: map[string]*Route{}} }

func parsePattern(p string) ([]segment, error) {
	var segs []segment
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, part := range parts {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			inner := part[1 : len(part)-1]
			s := segment{param: inner}
			if name, ok := strings.CutSuffix(inner, "..."); ok {
				if i != len(parts)-1 {
					return nil, fmt.Errorf("galvani: pattern %q: {%s} must be the last segment", p, inner)
				}
				s = segment{param: name, conv: "path"}
			} else if name, conv, ok := strings.Cut(inner, ":"); ok {
				switch conv {
				case "int", "slug", "uuid", "str":
				default:
					return nil, fmt.Errorf("galvani: pattern %q: unknown converter %q (use int, slug, uuid or str)", p, conv)
				}
				s = segment{param: name, conv: conv}
			}
			if s.param == "" {
				return nil, fmt.Errorf("galvani: pattern %q: empty parameter name", p)
			}
			segs = append(segs, s)
			continue
		}
		segs = append(segs, segment{lit: part})
	}
	return segs, nil
}

func (rt *router) add(r *Route) error {
	segs, err := parsePattern(r.Pattern)
	if err != nil {
		return err
	}
	r.segs = segs
	for _, o := range rt.routes {
		if samePattern(o.segs, segs) && o.mount == r.mount && methodsOverlap(o.Methods, r.Methods) {
			return fmt.Errorf("galvani: route %s %q conflicts with %s %q registered before it", methodsString(r.Methods), r.Pattern, methodsString(o.Methods), o.Pattern)
		}
	}
	rt.routes = append(rt.routes, r)
	return nil
}

func samePattern(a, b []segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].lit != b[i].lit || (a[i].param == "") != (b[i].param == "") || a[i].conv != b[i].conv {
			return false
		}
	}
	return true
}

func methodsOverlap(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func methodsString(m []string) string {
	if len(m) == 0 {
		return "ANY"
	}
	return strings.Join(m, ",")
}

func (rt *router) setName(r *Route, name string) error {
	if o, ok := rt.names[name]; ok && o != r {
		return fmt.Errorf("galvani: route name %q is already used by %q", name, o.Pattern)
	}
	delete(rt.names, r.name)
	r.name = name
	rt.names[name] = r
	return nil
}

// match finds the route for method and path, filling c's params. When the path
// matches routes of other methods only, allowed lists them.
func (rt *router) match(method, path string, c *Ctx) (r *Route, allowed []string) {
	for _, cand := range rt.routes {
		c.nparams = 0
		if !matchSegs(cand, path, c) {
			continue
		}
		if methodAllowed(cand.Methods, method) {
			return cand, nil
		}
		allowed = append(allowed, cand.Methods...)
	}
	c.nparams = 0
	return nil, allowed
}

func methodAllowed(ms []string, method string) bool {
	if len(ms) == 0 {
		return true
	}
	for _, m := range ms {
		if m == method || (m == http.MethodGet && method == http.MethodHead) {
			return true
		}
	}
	return false
}

func matchSegs(r *Route, path string, c *Ctx) bool {
	if r.mount {
		p := r.Pattern
		return path == p || strings.HasPrefix(path, p+"/") || p == ""
	}
	rest := strings.TrimPrefix(path, "/")
	for i, s := range r.segs {
		if s.conv == "path" {
			if rest == "" {
				return false
			}
			c.params[c.nparams] = Param{s.param, rest}
			c.nparams++
			return true
		}
		var part string
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			part, rest = rest[:j], rest[j+1:]
		} else if i == len(r.segs)-1 {
			part, rest = rest, ""
		} else {
			return false
		}
		if s.param == "" {
			if part != s.lit {
				return false
			}
			continue
		}
		if part == "" || !convOK(s.conv, part) || c.nparams == maxParams {
			return false
		}
		c.params[c.nparams] = Param{s.param, part}
		c.nparams++
	}
	return rest == ""
}

func convOK(conv, v string) bool {
	switch conv {
	case "int":
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return false
			}
		}
		return true
	case "slug":
		for i := 0; i < len(v); i++ {
			b := v[i]
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
				return false
			}
		}
		return true
	case "uuid":
		if len(v) != 36 {
			return false
		}
		for i := 0; i < 36; i++ {
			b := v[i]
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if b != '-' {
					return false
				}
			} else if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F') {
				return false
			}
		}
		return true
	}
	return true
}

func (rt *router) reverse(name string, args []any) (string, error) {
	r, ok := rt.names[name]
	if !ok {
		return "", fmt.Errorf("galvani: reverse: no route is named %q", name)
	}
	var nparams int
	for _, s := range r.segs {
		if s.param != "" {
			nparams++
		}
	}
	if len(args) != nparams {
		return "", fmt.Errorf("galvani: reverse %q (%s): %d argument(s) given, %d expected", name, r.Pattern, len(args), nparams)
	}
	var b strings.Builder
	i := 0
	for _, s := range r.segs {
		b.WriteByte('/')
		if s.param == "" {
			b.WriteString(s.lit)
			continue
		}
		v := fmt.Sprint(args[i])
		i++
		if v == "" || (s.conv != "path" && strings.Contains(v, "/")) || !convOK(s.conv, v) {
			return "", fmt.Errorf("galvani: reverse %q (%s): argument %d (%q) does not fit {%s}", name, r.Pattern, i, v, s.param+convSuffix(s.conv))
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func convSuffix(c string) string {
	switch c {
	case "":
		return ""
	case "path":
		return "..."
	}
	return ":" + c
}

// dispatch matches the request and runs the route's handler chain.
func (a *App) dispatch(w http.ResponseWriter, r *http.Request) {
	c := a.acquire(w, r)
	defer a.release(c)
	route, allowed := a.router.match(r.Method, r.URL.Path, c)
	if route == nil {
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			a.HandleError(c, Error(http.StatusMethodNotAllowed, ""))
			return
		}
		if a.router.appendSlash && (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasSuffix(r.URL.Path, "/") {
			if rr, _ := a.router.match(r.Method, r.URL.Path+"/", c); rr != nil {
				u := *r.URL
				u.Path += "/"
				http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
				return
			}
		}
		a.HandleError(c, Error(http.StatusNotFound, ""))
		return
	}
	c.route = route
	route.handler.ServeHTTP(w, r)
}

func (a *App) serveEndpoint(w http.ResponseWriter, r *http.Request, route *Route) {
	c := a.acquire(w, r)
	defer a.release(c)
	a.router.match(r.Method, r.URL.Path, c)
	c.route = route
	a.invoke(c, route.endpoint)
}

// adapt turns any accepted handler shape into a HandlerFunc and a description.
func adapt(h any) (HandlerFunc, string) {
	var fn HandlerFunc
	switch v := h.(type) {
	case func(*Ctx) error:
		fn = v
	case HandlerFunc:
		fn = v
	case http.Handler:
		fn = func(c *Ctx) error {
			for _, p := range c.Params() {
				c.Request.SetPathValue(p.Key, p.Value)
			}
			v.ServeHTTP(c.Response, c.Request)
			return nil
		}
	case func(http.ResponseWriter, *http.Request):
		return adapt(http.HandlerFunc(v))
	default:
		panic(fmt.Sprintf("galvani: handler of type %T: want func(*galvani.Ctx) error or an http.Handler", h))
	}
	return fn, describe(h)
}

func describe(h any) string {
	v := reflect.ValueOf(h)
	if v.Kind() == reflect.Func {
		if f := runtime.FuncForPC(v.Pointer()); f != nil {
			return f.Name()
		}
	}
	return reflect.TypeOf(h).String()
}

var _ = strconv.Itoa
