package galvani

import (
	"net/http"
	"net/url"
)

// IsSecure reports whether r came over HTTPS: TLS on this connection, or HTTPS
// as the security middleware established it from a trusted proxy's
// X-Forwarded-Proto (it records the scheme in r.URL.Scheme, overriding whatever a
// client wrote there). It is the framework's one secure-request test, Django's
// request.is_secure(): CSRF, the security headers and absolute URLs all use it.
func IsSecure(r *http.Request) bool { return r.TLS != nil || r.URL.Scheme == "https" }

// AbsoluteURL returns location as an absolute URL on the request's site, like
// Django's request.build_absolute_uri: a path ("/accounts/reset/…") gets the
// request's scheme (https when IsSecure) and host, a relative reference is
// resolved against the request's path, an absolute URL is returned as it is, and
// "" means the request's own URL. The host is r.Host: validate it against
// ALLOWED_HOSTS (security.App does) before putting such a URL in a mail.
func AbsoluteURL(r *http.Request, location string) string {
	base := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if IsSecure(r) {
		base.Scheme = "https"
	}
	if location == "" {
		return base.String()
	}
	ref, err := url.Parse(location)
	if err != nil {
		// Not a valid reference (a stray %): take it as a path, escaped.
		ref = &url.URL{Path: location}
	}
	return base.ResolveReference(ref).String()
}

// IsSecure reports whether the request came over HTTPS (see the package function).
func (c *Ctx) IsSecure() bool { return IsSecure(c.Request) }

// AbsoluteURL returns location as an absolute URL on the request's site (see the
// package function): c.AbsoluteURL(c.App().MustURL("article", 7)) for a link in a mail.
func (c *Ctx) AbsoluteURL(location string) string { return AbsoluteURL(c.Request, location) }
