package csrf

import (
	"github.com/galvani-web/galvani/internal/httpx"
	"net/http"
	"strings"
)

// AddToken prepares a request the way a page of the site would, for test clients:
// galvanitest's Client.Before(csrf.AddToken). On an unsafe method without a token
// header it makes sure the request carries a CSRF cookie (adding a fresh secret to
// the Cookie header when there is none; the client's jar is not changed), sets
// X-CSRFToken to a masked token for that secret, and sets Origin to the request's
// own origin when absent. Safe methods are left alone. For non-default cookie or
// header names, use ClientHook.
func AddToken(r *http.Request) { ClientHook(Config{})(r) }

// ClientHook is AddToken for a configuration with other cookie or header names.
func ClientHook(cfg Config) func(*http.Request) {
	cookie, header := cfg.CookieName, cfg.HeaderName
	if cookie == "" {
		cookie = "csrftoken"
	}
	if header == "" {
		header = "X-CSRFToken"
	}
	return func(r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			return
		}
		if r.Header.Get(header) != "" {
			return
		}
		secret := ""
		if v, ok := httpx.CookieValue(r, cookie); ok && validSecret(v) {
			secret = v
		} else {
			secret = newSecret()
			r.AddCookie(&http.Cookie{Name: cookie, Value: secret})
		}
		r.Header.Set(header, mask(secret))
		if r.Header.Get("Origin") == "" {
			scheme := "http"
			if r.TLS != nil || strings.EqualFold(r.URL.Scheme, "https") {
				scheme = "https"
			}
			host := r.Host
			if host == "" {
				host = r.URL.Host
			}
			r.Header.Set("Origin", scheme+"://"+host)
		}
	}
}
