// Package httpx holds small net/http helpers shared by Galvani's batteries (csrf,
// session), which must agree on how they read cookies and set Vary.
package httpx

import (
	"net/http"
	"strings"
)

// CookieValue returns the value of the first cookie called name in the request's
// Cookie headers. Unlike r.Cookie it does not parse every cookie into a new
// *http.Cookie, so it does not allocate; values are not validated here (the
// caller checks the exact format it expects), surrounding quotes are removed.
func CookieValue(r *http.Request, name string) (string, bool) {
	for _, line := range r.Header["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || strings.TrimSpace(k) != name {
				continue
			}
			v = strings.TrimSpace(v)
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			return v, true
		}
	}
	return "", false
}

// AddVary adds v to the response's Vary header unless it, or "*", is there.
func AddVary(h http.Header, v string) {
	for _, line := range h.Values("Vary") {
		for _, f := range strings.Split(line, ",") {
			if f = strings.TrimSpace(f); strings.EqualFold(f, v) || f == "*" {
				return
			}
		}
	}
	h.Add("Vary", v)
}
