package galvani

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// The router is a tree with one level per path segment. Each node has literal
// children (looked up by the whole segment), at most one child per converter kind,
// at most one {rest...} child, the routes that end at the node and at most one
// mounted handler rooted at it. Matching walks the request path segment by segment
// and tries, at every level, the literal child first, then the converters from the
// most to the least specific (int, uuid, slug, str), then {rest...}, then the mount;
// when a branch fails further down (or matches the path but not the method) the walk
// backtracks to the next candidate. Every tree node is visited at most once per
// lookup, so a lookup costs O(size of the tree) at worst and O(depth) typically.
// Parameter values are substrings of the request path stored in the Ctx's fixed
// array, so matching allocates nothing unless a value must be percent-decoded.

// maxPathLen is the longest request path the router looks at; longer ones get 414.
const maxPathLen = 8 << 10

// convKind is the kind of a pattern segment. The parameter kinds are declared in
// matching precedence order.
type convKind uint8

const (
	segLiteral    convKind = iota
	convInt                // {id:int}: one or more ASCII digits
	convUUID               // {key:uuid}: 8-4-4-4-12 hex digits, either case
	convSlug               // {slug:slug}: ASCII letters, digits, '-' and '_'
	convStr                // {name} or {name:str}: any non-empty segment
	convRest               // {rest...}: the remainder of the path, at least one byte
	numParamKinds = convStr - convInt + 1
)

func (k convKind) String() string {
	switch k {
	case convInt:
		return "int"
	case convUUID:
		return "uuid"
	case convSlug:
		return "slug"
	case convStr:
		return "str"
	case convRest:
		return "..."
	}
	return "literal"
}

// segment is one piece of a parsed pattern: a literal, or a parameter with a converter.
type segment struct {
	lit   string   // literal text, unescaped (literal segments)
	param string   // parameter name (parameter segments)
	kind  convKind // segLiteral or a converter
}

// placeholder renders a parameter segment as it is written in a pattern.
func (s segment) placeholder() string {
	switch s.kind {
	case convStr:
		return "{" + s.param + "}"
	case convRest:
		return "{" + s.param + "...}"
	}
	return "{" + s.param + ":" + s.kind.String() + "}"
}

// parsePattern splits a pattern into segments. The pattern "" (a mount at the root)
// has no segments; "/" has one empty literal segment; a trailing slash is an empty
// last segment.
func parsePattern(p string) ([]segment, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("galvani: route pattern %q must start with /", p)
	}
	if len(p) > maxPathLen {
		return nil, fmt.Errorf("galvani: route pattern %.40q... is longer than %d bytes", p, maxPathLen)
	}
	if !utf8.ValidString(p) {
		return nil, fmt.Errorf("galvani: route pattern %q is not valid UTF-8", p)
	}
	parts := strings.Split(p[1:], "/")
	segs := make([]segment, 0, len(parts))
	seen := map[string]bool{}
	for i, part := range parts {
		last := i == len(parts)-1
		if !strings.ContainsAny(part, "{}") {
			switch {
			case part == "" && !last:
				return nil, fmt.Errorf("galvani: route pattern %q has an empty segment (//)", p)
			case part == "." || part == "..":
				return nil, fmt.Errorf("galvani: route pattern %q has a %q segment", p, part)
			}
			for j := 0; j < len(part); j++ {
				if b := part[j]; b < 0x20 || b == 0x7f || b == '?' || b == '#' {
					return nil, fmt.Errorf("galvani: route pattern %q: segment %q contains %q, which a request path cannot", p, part, b)
				}
			}
			segs = append(segs, segment{lit: part})
			continue
		}
		if part[0] != '{' || part[len(part)-1] != '}' || strings.Count(part, "{") != 1 || strings.Count(part, "}") != 1 {
			return nil, fmt.Errorf("galvani: route pattern %q: segment %q: a parameter must be a whole segment, like /{name}/", p, part)
		}
		inner := part[1 : len(part)-1]
		s := segment{param: inner, kind: convStr}
		if name, ok := strings.CutSuffix(inner, "..."); ok {
			if !last {
				return nil, fmt.Errorf("galvani: route pattern %q: {%s} must be the last segment", p, inner)
			}
			s = segment{param: name, kind: convRest}
		} else if name, conv, ok := strings.Cut(inner, ":"); ok {
			s.param = name
			switch conv {
			case "int":
				s.kind = convInt
			case "uuid":
				s.kind = convUUID
			case "slug":
				s.kind = convSlug
			case "str":
				s.kind = convStr
			default:
				return nil, fmt.Errorf("galvani: route pattern %q: {%s}: unknown converter %q (use int, slug, uuid or str, or {name...} for the rest of the path)", p, inner, conv)
			}
		}
		if !validParamName(s.param) {
			return nil, fmt.Errorf("galvani: route pattern %q: {%s}: parameter names are letters, digits and _, not starting with a digit", p, inner)
		}
		if seen[s.param] {
			return nil, fmt.Errorf("galvani: route pattern %q: parameter %q appears twice", p, s.param)
		}
		seen[s.param] = true
		segs = append(segs, s)
	}
	return segs, nil
}

func validParamName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' || i > 0 && b >= '0' && b <= '9') {
			return false
		}
	}
	return true
}

type router struct {
	root   node
	routes []*Route
	names  map[string]*Route
}

func newRouter() *router { return &router{names: map[string]*Route{}} }

type staticEdge struct {
	seg  string
	node *node
}

// node is one position in the tree; see the comment at the top of this file.
type node struct {
	statics   []staticEdge
	firsts    []byte           // first byte of each static segment (0 for ""), scanned first
	staticMap map[string]*node // index of statics once there are many
	params    [numParamKinds]*node
	hasParams bool // some params[i] is set
	rest      *node
	routes    []*Route // routes ending here (at most one per method)
	mount     *Route   // mounted handler rooted here
}

// staticIndexMin is the number of literal children from which a map replaces the
// scan of first bytes.
const staticIndexMin = 33

func (n *node) static(seg string) *node {
	if n.staticMap != nil {
		return n.staticMap[seg]
	}
	var first byte
	if seg != "" {
		first = seg[0]
	}
	for i, b := range n.firsts {
		if b == first && n.statics[i].seg == seg {
			return n.statics[i].node
		}
	}
	return nil
}

func (n *node) child(s segment) *node {
	switch s.kind {
	case segLiteral:
		if c := n.static(s.lit); c != nil {
			return c
		}
		c := &node{}
		n.statics = append(n.statics, staticEdge{s.lit, c})
		var first byte
		if s.lit != "" {
			first = s.lit[0]
		}
		n.firsts = append(n.firsts, first)
		if len(n.statics) >= staticIndexMin {
			if n.staticMap == nil {
				n.staticMap = make(map[string]*node, len(n.statics))
				for _, e := range n.statics {
					n.staticMap[e.seg] = e.node
				}
			}
			n.staticMap[s.lit] = c
		}
		return c
	case convRest:
		if n.rest == nil {
			n.rest = &node{}
		}
		return n.rest
	}
	i := s.kind - convInt
	if n.params[i] == nil {
		n.params[i] = &node{}
		n.hasParams = true
	}
	return n.params[i]
}

// add parses r.Pattern and inserts r, refusing a route that would conflict with a
// registered one: same position in the tree (parameter names do not matter) and a
// method in common.
func (rt *router) add(r *Route) error {
	segs, err := parsePattern(r.Pattern)
	if err != nil {
		return err
	}
	if r.mount {
		for _, s := range segs {
			if s.kind == convRest {
				return fmt.Errorf("galvani: mount prefix %q cannot contain a {%s...} parameter: everything below the prefix already goes to the mounted handler", r.Pattern, s.param)
			}
		}
	}
	var names []string
	for _, s := range segs {
		if s.kind != segLiteral {
			names = append(names, s.param)
		}
	}
	if len(names) > maxParams {
		return fmt.Errorf("galvani: route pattern %q has %d parameters; at most %d are allowed", r.Pattern, len(names), maxParams)
	}
	n := &rt.root
	for _, s := range segs {
		n = n.child(s)
	}
	if r.mount {
		if o := n.mount; o != nil {
			return fmt.Errorf("galvani: mount %q conflicts with mount %q registered before it (same prefix)", r.Pattern, o.Pattern)
		}
	} else {
		for _, o := range n.routes {
			if m, ok := methodsOverlap(o.Methods, r.Methods); ok {
				return fmt.Errorf("galvani: route %s %s conflicts with route %s %s registered before it: both match the same paths for %s",
					methodsString(r.Methods), r.Pattern, methodsString(o.Methods), o.Pattern, m)
			}
		}
	}
	r.segs, r.paramNames = segs, names
	if r.mount {
		n.mount = r
	} else {
		n.routes = append(n.routes, r)
	}
	rt.routes = append(rt.routes, r)
	return nil
}

// methodsOverlap reports whether two method sets share a method, and which.
func methodsOverlap(a, b []string) (string, bool) {
	switch {
	case len(a) == 0 && len(b) == 0:
		return "every method", true
	case len(a) == 0:
		return b[0], true
	case len(b) == 0:
		return a[0], true
	}
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return x, true
			}
		}
	}
	return "", false
}

func methodsString(m []string) string {
	if len(m) == 0 {
		return "ANY"
	}
	return strings.Join(m, ",")
}

func (rt *router) setName(r *Route, name string) error {
	if o, ok := rt.names[name]; ok && o != r {
		return fmt.Errorf("galvani: route name %q is used twice: by %s %s and by %s %s", name,
			methodsString(o.Methods), o.Pattern, methodsString(r.Methods), r.Pattern)
	}
	if r.name != "" {
		delete(rt.names, r.name)
	}
	r.name = name
	rt.names[name] = r
	return nil
}

// matchState is the state of one lookup. It lives on the caller's stack.
type matchState struct {
	method string
	c      *Ctx
	// raw is set when the walk runs on the escaped path (the request had a RawPath):
	// segments are percent-decoded before they are compared or stored.
	raw bool
	// pathMatched records that some route matched the path but not the method.
	pathMatched bool
	// collect makes the walk visit every route matching the path, gathering their
	// methods in allowed, instead of stopping at the first that fits the method.
	collect bool
	allowed []string
	// path is the decoded request path, checked with validPath before a mount
	// gets the request; pathOK caches the answer (0 unknown, 1 valid, 2 invalid).
	path   string
	pathOK uint8
}

func (st *matchState) validForMount() bool {
	if st.pathOK == 0 {
		st.pathOK = 2
		if validPath(st.path) {
			st.pathOK = 1
		}
	}
	return st.pathOK == 1
}

// lookup finds the route for the request's method and path, storing its parameters
// in c. When no route fits, pathMatched says whether one would for another method.
func (rt *router) lookup(method string, u *url.URL, c *Ctx) (r *Route, pathMatched bool) {
	if method == "" {
		method = http.MethodGet // as net/http reads an empty client method
	}
	st := matchState{method: method, c: c, path: u.Path}
	path := u.Path
	if u.RawPath != "" {
		path, st.raw = u.EscapedPath(), true
	}
	if len(path) == 0 || path[0] != '/' || len(path) > maxPathLen {
		return nil, false
	}
	c.nparams = 0
	r = rt.root.walk(path[1:], &st)
	if r == nil && rt.root.mount != nil && st.validForMount() {
		r = rt.root.mount
	}
	if r == nil {
		c.nparams = 0
		return nil, st.pathMatched
	}
	for i, name := range r.paramNames {
		c.params[i].Key = name
	}
	return r, false
}

// allowedMethods returns the methods some route answers for the path, for the
// Allow header: sorted, HEAD added beside GET, OPTIONS always (the router answers
// it when no route does).
func (rt *router) allowedMethods(u *url.URL) []string {
	st := matchState{collect: true, c: new(Ctx)}
	path := u.Path
	if u.RawPath != "" {
		path, st.raw = u.EscapedPath(), true
	}
	if len(path) == 0 || path[0] != '/' || len(path) > maxPathLen {
		return nil
	}
	rt.root.walk(path[1:], &st)
	set := map[string]bool{http.MethodOptions: true}
	for _, m := range st.allowed {
		set[m] = true
		if m == http.MethodGet {
			set[http.MethodHead] = true
		}
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// walk matches rest, the path after the slash that ends the segments already
// matched (it holds at least one segment, possibly empty), against n's children.
func (n *node) walk(rest string, st *matchState) *Route {
	seg, next, last := rest, "", true
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			seg, next, last = rest[:i], rest[i+1:], false
			break
		}
	}
	val := seg
	if st.raw {
		var ok bool
		if val, ok = unescapeSegment(seg); !ok {
			return nil
		}
	}
	if len(n.statics) > 0 {
		if c := n.static(val); c != nil {
			if r := c.after(next, last, st); r != nil {
				return r
			}
		}
	}
	if n.hasParams && val != "" {
		k := st.c.nparams
		for i := range n.params {
			c := n.params[i]
			if c == nil || !convFits(convInt+convKind(i), val) {
				continue
			}
			st.c.params[k].Value = val
			st.c.nparams = k + 1
			if r := c.after(next, last, st); r != nil {
				return r
			}
			st.c.nparams = k
		}
	}
	if n.rest != nil && rest != "" && len(n.rest.routes) > 0 {
		v := rest
		if st.raw {
			var ok bool
			if v, ok = unescapeSegment(rest); !ok {
				return nil
			}
		}
		if validPath(v) {
			k := st.c.nparams
			st.c.params[k].Value = v
			st.c.nparams = k + 1
			if r := n.rest.terminal(st); r != nil {
				return r
			}
			st.c.nparams = k
		}
	}
	return nil
}

// after continues the walk below n, which matched a segment; last says the path
// ended with that segment.
func (n *node) after(next string, last bool, st *matchState) *Route {
	if last {
		if len(n.routes) > 0 {
			if r := n.terminal(st); r != nil {
				return r
			}
		}
	} else if r := n.walk(next, st); r != nil {
		return r
	}
	if n.mount != nil && !st.collect && st.validForMount() {
		return n.mount
	}
	return nil
}

// terminal picks the route ending at n that answers st.method: an exact method,
// then GET for HEAD, then a route for any method.
func (n *node) terminal(st *matchState) *Route {
	if st.collect {
		for _, r := range n.routes {
			st.allowed = append(st.allowed, r.Methods...)
		}
		return nil
	}
	var get, anyMethod *Route
	for _, r := range n.routes {
		if len(r.Methods) == 0 {
			anyMethod = r
			continue
		}
		for _, m := range r.Methods {
			if m == st.method {
				return r
			}
			if m == http.MethodGet {
				get = r
			}
		}
	}
	if get != nil && st.method == http.MethodHead {
		return get
	}
	if anyMethod != nil {
		return anyMethod
	}
	st.pathMatched = true
	return nil
}

// convFits reports whether the decoded segment v fits the converter.
func convFits(k convKind, v string) bool {
	switch k {
	case convInt:
		for i := 0; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return false
			}
		}
		return v != ""
	case convSlug:
		for i := 0; i < len(v); i++ {
			b := v[i]
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_') {
				return false
			}
		}
		return v != ""
	case convUUID:
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
	case convStr:
		return validSegment(v)
	case convRest:
		return v != "" && validPath(v)
	}
	return false
}

// validSegment reports whether v may be the value of a one-segment parameter: not
// empty, not "." or "..", no slash (a %2F in the request decodes to one), no control
// character, valid UTF-8.
func validSegment(v string) bool {
	if v == "" || v == "." || v == ".." {
		return false
	}
	ascii := true
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b < 0x20 || b == 0x7f || b == '/' {
			return false
		}
		if b >= 0x80 {
			ascii = false
		}
	}
	return ascii || utf8.ValidString(v)
}

// validPath reports whether the decoded path (or path remainder) p has no "." or ".."
// segment, no control character and is valid UTF-8. Empty segments are allowed.
func validPath(p string) bool {
	_, ok := pathProblem(p)
	return ok
}

// pathProblem explains what is wrong with the decoded path p, for a 400 response.
func pathProblem(p string) (string, bool) {
	ascii := true
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if s := p[start:i]; s == "." || s == ".." {
				return "it contains a \"" + s + "\" segment", false
			}
			start = i + 1
			continue
		}
		b := p[i]
		if b < 0x20 || b == 0x7f {
			if b == 0 {
				return "it contains a NUL byte", false
			}
			return "it contains a control character", false
		}
		if b >= 0x80 {
			ascii = false
		}
	}
	if !ascii && !utf8.ValidString(p) {
		return "it is not valid UTF-8", false
	}
	return "", true
}

// unescapeSegment percent-decodes s, allocating only when s contains an escape.
func unescapeSegment(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	v, err := url.PathUnescape(s)
	return v, err == nil
}
