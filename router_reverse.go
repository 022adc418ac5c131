package galvani

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/galvani-web/galvani/internal/naming"
)

// reverse builds the path of the route called name from positional arguments.
func (rt *router) reverse(name string, args []any) (string, error) {
	r, err := rt.named(name)
	if err != nil {
		return "", err
	}
	if len(args) != len(r.paramNames) {
		return "", fmt.Errorf("galvani: URL(%q): route %s takes %d argument(s)%s, got %d",
			name, r.Pattern, len(r.paramNames), paramList(r.paramNames), len(args))
	}
	return r.build(func(i int, _ string) (any, bool) { return args[i], true })
}

// reverseNamed builds the path of the route called name from named arguments.
func (rt *router) reverseNamed(name string, params map[string]any) (string, error) {
	r, err := rt.named(name)
	if err != nil {
		return "", err
	}
	for k := range params {
		found := false
		for _, p := range r.paramNames {
			found = found || p == k
		}
		if !found {
			return "", fmt.Errorf("galvani: URL(%q): route %s has no parameter %q%s", name, r.Pattern, k, paramList(r.paramNames))
		}
	}
	return r.build(func(_ int, p string) (any, bool) {
		v, ok := params[p]
		return v, ok
	})
}

func (rt *router) named(name string) (*Route, error) {
	if r, ok := rt.names[name]; ok {
		return r, nil
	}
	// Suggest names that end the same way ("detail" → "blog:detail").
	var near []string
	base := name[strings.LastIndexByte(name, ':')+1:]
	for n := range rt.names {
		if n[strings.LastIndexByte(n, ':')+1:] == base {
			near = append(near, n)
		}
	}
	if len(near) == 0 {
		// Then a typo: the names within a few edits ("polls:detial" → "polls:detail").
		best := 4
		for n := range rt.names {
			d := naming.EditDistance(name, n)
			if d > max(1, min(3, len(name)/3)) || d > best {
				continue
			}
			if d < best {
				best, near = d, near[:0]
			}
			near = append(near, n)
		}
	}
	if len(near) > 0 {
		sort.Strings(near)
		return nil, fmt.Errorf("galvani: URL(%q): %w; did you mean %s?", name, ErrUnknownRouteName, strings.Join(quoteAll(near), " or "))
	}
	return nil, fmt.Errorf("galvani: URL(%q): %w", name, ErrUnknownRouteName)
}

// ErrUnknownRouteName is wrapped by the error of App.URL (and {% url %}) for a name
// that no route has, so checks can tell a typo in a name from arguments that do not
// fit its pattern.
var ErrUnknownRouteName = errors.New("no route has that name")

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.Quote(v)
	}
	return out
}

func paramList(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}

// build writes the route's path with the argument arg(i, name) for the i-th
// parameter, checking each value against its converter.
func (r *Route) build(arg func(i int, name string) (any, bool)) (string, error) {
	if len(r.segs) == 0 {
		return "/", nil // a mount at the root
	}
	var b strings.Builder
	i := 0
	for _, s := range r.segs {
		b.WriteByte('/')
		if s.kind == segLiteral {
			b.WriteString(escapeSegment(s.lit))
			continue
		}
		a, ok := arg(i, s.param)
		if !ok {
			return "", fmt.Errorf("galvani: URL(%q): route %s: missing argument for %s", r.name, r.Pattern, s.placeholder())
		}
		i++
		v, err := argString(a)
		if err == nil {
			err = checkArg(s.kind, v)
		}
		if err != nil {
			return "", fmt.Errorf("galvani: URL(%q): route %s: argument %d for %s: %w", r.name, r.Pattern, i, s.placeholder(), err)
		}
		if s.kind == convRest {
			for j, part := range strings.Split(v, "/") {
				if j > 0 {
					b.WriteByte('/')
				}
				b.WriteString(escapeSegment(part))
			}
			continue
		}
		b.WriteString(escapeSegment(v))
	}
	out := b.String()
	if strings.HasPrefix(out, "//") {
		// "//host/..." is a scheme-relative URL naming another host: escape the
		// second slash, as Django's reverse does. The router decodes it back.
		out = "/%2F" + out[2:]
	}
	if len(out) > maxPathLen {
		return "", fmt.Errorf("galvani: URL(%q): route %s: the path would be %d bytes long; requests over %d bytes are refused", r.name, r.Pattern, len(out), maxPathLen)
	}
	return out, nil
}

// escapeSegment percent-escapes one path segment: "/" and "?" and every byte that
// is not allowed in a segment become %XX, so the value reads back as one segment.
func escapeSegment(s string) string { return url.PathEscape(s) }

// argString renders a reverse argument as the text that goes into the path.
func argString(a any) (string, error) {
	switch v := a.(type) {
	case nil:
		return "", fmt.Errorf("value is nil")
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case int16:
		return strconv.FormatInt(int64(v), 10), nil
	case int8:
		return strconv.FormatInt(int64(v), 10), nil
	case uint:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case uint32:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(v), 10), nil
	case fmt.Stringer:
		return v.String(), nil
	}
	return fmt.Sprint(a), nil
}

// checkArg explains why v does not fit the converter k, or returns nil.
func checkArg(k convKind, v string) error {
	if convFits(k, v) {
		return nil
	}
	if v == "" {
		return fmt.Errorf("the value is empty")
	}
	switch k {
	case convInt:
		return fmt.Errorf("%q is not a non-negative integer (digits 0-9 only)", v)
	case convSlug:
		return fmt.Errorf("%q is not a slug (ASCII letters, digits, '-' and '_' only)", v)
	case convUUID:
		return fmt.Errorf("%q is not a UUID (like 123e4567-e89b-12d3-a456-426614174000)", v)
	case convStr:
		if strings.Contains(v, "/") {
			return fmt.Errorf("%q contains '/', which one segment cannot hold (use a {name...} parameter for paths)", v)
		}
		return fmt.Errorf("%q is not a valid path segment (not \".\" or \"..\", no control characters, valid UTF-8)", v)
	}
	msg, _ := pathProblem(v)
	return fmt.Errorf("%q is not a valid path: %s", v, msg)
}
