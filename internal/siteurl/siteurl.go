// Package siteurl makes the links of generated documents (feeds, sitemaps)
// absolute on a site: the request's scheme and host, or a configured base URL.
//
// It answers exactly as galvani.AbsoluteURL (net/url) does, with a fast path for
// the common case — a plain absolute path on a plain host — that is a string
// concatenation, or no allocation at all when appending to a buffer: a sitemap
// page makes 50,000 of these.
package siteurl

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/xmltext"
)

// Resolver makes paths absolute on one site.
type Resolver struct {
	base *url.URL // nil: the request's site
	r    *http.Request
	// prefix is "scheme://host" when the host is plain enough that a plain path
	// can be appended to it as it is.
	prefix string
	// site names the site for cache keys.
	site string
}

// New returns a Resolver for the request's site (its scheme as galvani.IsSecure
// sees it, its Host), or for baseURL when it is not empty. A baseURL that is not
// an absolute URL is an error.
func New(r *http.Request, baseURL string) (*Resolver, error) {
	if baseURL == "" {
		scheme := "http://"
		if galvani.IsSecure(r) {
			scheme = "https://"
		}
		rs := &Resolver{r: r, site: scheme + r.Host}
		if plainHost(r.Host) {
			rs.prefix = rs.site
		}
		return rs, nil
	}
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("BaseURL %q is not an absolute URL", baseURL)
	}
	rs := &Resolver{base: u, r: r, site: u.String()}
	if plainHost(u.Host) && u.User == nil {
		rs.prefix = u.Scheme + "://" + u.Host
	}
	return rs, nil
}

// Site names the site the Resolver resolves on: "https://example.com", or the
// base URL. Documents that differ by site are cached under it.
func (rs *Resolver) Site() string { return rs.site }

// Abs returns loc as an absolute URL; "" stays "".
func (rs *Resolver) Abs(loc string) string {
	if loc == "" {
		return ""
	}
	if rs.prefix != "" && plainPath(loc) {
		return rs.prefix + loc
	}
	return rs.slow(loc)
}

func (rs *Resolver) slow(loc string) string {
	if rs.base == nil {
		return galvani.AbsoluteURL(rs.r, loc)
	}
	ref, err := url.Parse(loc)
	if err != nil {
		ref = &url.URL{Path: loc}
	}
	return rs.base.ResolveReference(ref).String()
}

// AppendText appends loc, made absolute, to dst as XML text.
func (rs *Resolver) AppendText(dst []byte, loc string) []byte {
	if rs.prefix != "" && plainPath(loc) {
		dst = xmltext.AppendText(dst, rs.prefix)
		return xmltext.AppendText(dst, loc)
	}
	return xmltext.AppendText(dst, rs.slow(loc))
}

// AppendAttr appends loc, made absolute, to dst as an XML attribute value.
func (rs *Resolver) AppendAttr(dst []byte, loc string) []byte {
	if rs.prefix != "" && plainPath(loc) {
		dst = xmltext.AppendAttr(dst, rs.prefix)
		return xmltext.AppendAttr(dst, loc)
	}
	return xmltext.AppendAttr(dst, rs.slow(loc))
}

func plainHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}

// plainPath reports whether p is an absolute path that net/url would resolve
// and print unchanged: no dot segments, nothing to escape, no query or fragment.
func plainPath(p string) bool {
	if len(p) == 0 || p[0] != '/' || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/!$&'()*+,;=:@", c) >= 0) {
			return false
		}
	}
	return !strings.Contains(p, "/./") && !strings.Contains(p, "/../") && !strings.HasSuffix(p, "/.") && !strings.HasSuffix(p, "/..")
}
