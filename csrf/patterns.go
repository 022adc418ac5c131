package csrf

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// pathPattern is an exemption pattern in route syntax.
type pathPattern struct {
	segs []string // literal, or "" for a {param} segment
	rest bool     // ends with {name...} or *: matches one or more further segments
}

func parsePathPattern(p string) pathPattern {
	var pp pathPattern
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, part := range parts {
		last := i == len(parts)-1
		if last && (part == "*" || (strings.HasPrefix(part, "{") && strings.HasSuffix(part, "...}"))) {
			pp.rest = true
			break
		}
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			part = "\x00"
		}
		pp.segs = append(pp.segs, part)
	}
	return pp
}

// match reports whether the escaped request path matches. Segments are split on
// the path's literal slashes and unescaped one by one, as the router does, so an
// encoded slash ("/hooks%2Fx/") is part of a segment: the decoded path would match
// a pattern for a route the router does not pick.
func (pp pathPattern) match(escaped string) bool {
	parts := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	for i, part := range parts {
		if strings.IndexByte(part, '%') >= 0 {
			u, err := url.PathUnescape(part)
			if err != nil {
				return false
			}
			parts[i] = u
		}
	}
	if pp.rest {
		if len(parts) <= len(pp.segs) || (len(parts) == len(pp.segs)+1 && parts[len(parts)-1] == "") {
			return false
		}
		parts = parts[:len(pp.segs)]
	} else if len(parts) != len(pp.segs) {
		return false
	}
	for i, s := range pp.segs {
		if s == "\x00" {
			if parts[i] == "" {
				return false
			}
		} else if s != parts[i] {
			return false
		}
	}
	return true
}

// isExempt reports whether the request goes to an exempt route or its path
// matches an exemption pattern.
func (p *Protector) isExempt(r *http.Request) bool {
	for _, rt := range p.exemptRoutes {
		if rt.Matches(r) {
			return true
		}
	}
	if len(p.exempt) == 0 {
		return false
	}
	path := r.URL.EscapedPath()
	for _, pp := range p.exempt {
		if pp.match(path) {
			return true
		}
	}
	return false
}

// originPattern is a trusted origin: scheme and host, the host possibly starting
// with "*." for every subdomain.
type originPattern struct {
	scheme, host string
	wildcard     bool // host is a parent domain: match strict subdomains
}

func parseOrigin(o string) (originPattern, error) {
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return originPattern{}, fmt.Errorf("csrf: trusted origin %q must be scheme://host[:port], like https://example.com or https://*.example.com", o)
	}
	op := originPattern{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Host)}
	if h, ok := strings.CutPrefix(op.host, "*."); ok {
		op.host, op.wildcard = h, true
	}
	return op, nil
}

func (op originPattern) match(origin string) bool {
	scheme, host, ok := strings.Cut(origin, "://")
	if !ok || !strings.EqualFold(scheme, op.scheme) {
		return false
	}
	host = strings.ToLower(host)
	if !op.wildcard {
		return host == op.host
	}
	return strings.HasSuffix(host, "."+op.host) && len(host) > len(op.host)+1
}
