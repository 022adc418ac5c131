// Package security is Galvani's security middleware: Django's SecurityMiddleware,
// XFrameOptionsMiddleware, host validation and Content-Security-Policy in one
// place, on by default where that is safe.
//
//	app := galvani.New(settings, security.App) // installs security.Defaults
//
// or, without installing the app:
//
//	app.Use(security.Defaults(&app.Settings)...)
//
// Defaults gives, outermost first:
//
//   - Host validation against Settings.AllowedHosts (400 otherwise).
//   - The scheme of the request: HTTPS when the connection is TLS, or when a proxy
//     listed in Settings.TrustedProxies says so with X-Forwarded-Proto (or
//     Forwarded: proto=). The result is stored in r.URL.Scheme, which other
//     batteries (csrf) read; a client's own X-Forwarded-Proto is ignored.
//   - An optional redirect of plain HTTP to HTTPS (SSLRedirect).
//   - Response headers: X-Frame-Options: DENY, X-Content-Type-Options: nosniff,
//     Referrer-Policy: same-origin, Cross-Origin-Opener-Policy: same-origin,
//     Strict-Transport-Security on HTTPS responses when HSTSSeconds is set, and a
//     Content-Security-Policy when one is configured, with a per-request nonce
//     (Nonce, and csp_nonce in templates).
//   - CSRF protection (the csrf battery).
//
// The headers are set before the handler runs, so a handler can change or delete
// one for its own response: w.Header().Set("X-Frame-Options", "SAMEORIGIN").
//
// HSTS, the HTTPS redirect and the CSP are off until configured: each can lock
// users out of a site that is not ready for it. `check --deploy` reminds you.
package security

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/galvani-web/galvani"
)

// Off disables a header whose setting is a string: FrameOptions: security.Off.
const Off = "off"

// Config is the "security" settings section (Django's SECURE_* settings). The env
// tags name the environment variables that override each field (see
// galvani.Section). String headers take their default when empty and are not sent
// when set to Off.
type Config struct {
	// FrameOptions is the X-Frame-Options value. Default "DENY".
	FrameOptions string `env:"X_FRAME_OPTIONS"`
	// ContentTypeOptions is the X-Content-Type-Options value. Default "nosniff".
	ContentTypeOptions string `env:"SECURE_CONTENT_TYPE_OPTIONS"`
	// ReferrerPolicy is the Referrer-Policy value. Default "same-origin".
	ReferrerPolicy string `env:"SECURE_REFERRER_POLICY"`
	// CrossOriginOpenerPolicy is the Cross-Origin-Opener-Policy value. Default
	// "same-origin".
	CrossOriginOpenerPolicy string `env:"SECURE_CROSS_ORIGIN_OPENER_POLICY"`
	// HSTSSeconds, when positive, sends Strict-Transport-Security with this max-age
	// on HTTPS responses. Start small (3600) and raise it once HTTPS works
	// everywhere: browsers will refuse plain HTTP to the site for that long.
	HSTSSeconds int `env:"SECURE_HSTS_SECONDS"`
	// HSTSIncludeSubdomains adds includeSubDomains to the HSTS header.
	HSTSIncludeSubdomains bool `env:"SECURE_HSTS_INCLUDE_SUBDOMAINS"`
	// HSTSPreload adds preload to the HSTS header.
	HSTSPreload bool `env:"SECURE_HSTS_PRELOAD"`
	// SSLRedirect redirects every plain-HTTP request to HTTPS (301).
	SSLRedirect bool `env:"SECURE_SSL_REDIRECT"`
	// SSLHost, when set, is the host HTTPS redirects go to; default the request's.
	SSLHost string `env:"SECURE_SSL_HOST"`
	// RedirectExempt lists path prefixes that SSLRedirect leaves alone (a health
	// check on the private network, say).
	RedirectExempt []string `env:"SECURE_REDIRECT_EXEMPT"`
	// CSP is the Content-Security-Policy. The placeholder {nonce} is replaced by
	// 'nonce-…' with the request's nonce. Empty sends none; StrictCSP is a good
	// start.
	CSP string `env:"SECURE_CSP"`
	// CSPReportOnly is a Content-Security-Policy-Report-Only policy, for trying a
	// policy out before enforcing it. Same placeholder.
	CSPReportOnly string `env:"SECURE_CSP_REPORT_ONLY"`
	// Logger receives refused hosts. Default slog.Default().
	Logger *slog.Logger
}

// StrictCSP is a Content-Security-Policy for sites whose scripts and styles are
// their own or carry the request's nonce: <script nonce="{{ csp_nonce }}">.
const StrictCSP = "default-src 'self'; script-src 'self' {nonce}; style-src 'self' {nonce}; " +
	"object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"

// NoncePlaceholder is the text in a CSP setting replaced by the nonce source.
const NoncePlaceholder = "{nonce}"

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Headers is the middleware that establishes the request scheme, redirects to
// HTTPS when asked, and sets the security headers.
type Headers struct {
	trusted    []netip.Prefix
	cfg        Config
	static     []staticHeader // headers set on every response
	hsts       []string
	csp        []string // CSP split at the placeholder
	cspRO      []string
	needsNonce bool
}

// NewHeaders returns the headers middleware for cfg. trustedProxies are the
// addresses or CIDRs whose X-Forwarded-Proto is believed (Settings.TrustedProxies);
// an entry that is neither is an error.
func NewHeaders(cfg Config, trustedProxies []string) (*Headers, error) {
	h := &Headers{cfg: cfg}
	for _, t := range trustedProxies {
		t = strings.TrimSpace(t)
		if p, err := netip.ParsePrefix(t); err == nil {
			h.trusted = append(h.trusted, p.Masked())
		} else if a, err := netip.ParseAddr(t); err == nil {
			a = a.Unmap()
			h.trusted = append(h.trusted, netip.PrefixFrom(a, a.BitLen()))
		} else {
			return nil, fmt.Errorf("security: trusted proxy %q is neither an IP address nor a CIDR", t)
		}
	}
	add := func(name, v, def string) {
		if v = orDefault(v, def); !strings.EqualFold(v, Off) {
			h.static = append(h.static, staticHeader{name, []string{v}})
		}
	}
	add("X-Frame-Options", cfg.FrameOptions, "DENY")
	add("X-Content-Type-Options", cfg.ContentTypeOptions, "nosniff")
	add("Referrer-Policy", cfg.ReferrerPolicy, "same-origin")
	add("Cross-Origin-Opener-Policy", cfg.CrossOriginOpenerPolicy, "same-origin")
	if cfg.HSTSSeconds > 0 {
		v := "max-age=" + strconv.Itoa(cfg.HSTSSeconds)
		if cfg.HSTSIncludeSubdomains {
			v += "; includeSubDomains"
		}
		if cfg.HSTSPreload {
			v += "; preload"
		}
		h.hsts = []string{v}
	}
	if cfg.CSP != "" {
		h.csp = strings.Split(cfg.CSP, NoncePlaceholder)
	}
	if cfg.CSPReportOnly != "" {
		h.cspRO = strings.Split(cfg.CSPReportOnly, NoncePlaceholder)
	}
	h.needsNonce = len(h.csp) > 1 || len(h.cspRO) > 1
	return h, nil
}

// staticHeader is a header whose value is the same on every response. The value
// slice is shared by all responses, with len == cap so that an Add by a handler
// copies it instead of writing into it.
type staticHeader struct {
	name  string
	value []string
}

type ctxKey struct{}

// reqState is what the middleware keeps for Nonce.
type reqState struct{ nonce string }

// Nonce returns the request's CSP nonce (base64 of 128 random bits), the same for
// every call during one request, for <script nonce="…">; the {nonce} placeholder
// of the configured policy becomes 'nonce-…' with it. It returns "" when no policy
// is configured (CSP or CSPReportOnly) or the security middleware did not run:
// templates may then render nonce="" harmlessly.
func Nonce(r *http.Request) string {
	st, _ := r.Context().Value(ctxKey{}).(*reqState)
	if st == nil {
		return ""
	}
	if st.nonce == "" {
		var b [16]byte
		rand.Read(b[:])
		st.nonce = base64.StdEncoding.EncodeToString(b[:])
	}
	return st.nonce
}

// TemplateContext is the template context processor for the nonce: it returns
// {"csp_nonce": Nonce(r)}. Its shape fits the template battery's ContextProcessor.
func TemplateContext(r *http.Request) map[string]any {
	return map[string]any{"csp_nonce": Nonce(r)}
}

// IsSecure reports whether r came over HTTPS, as established by the headers
// middleware (TLS, or a trusted proxy's X-Forwarded-Proto). It is galvani.IsSecure,
// the framework's one secure-request test.
func IsSecure(r *http.Request) bool { return galvani.IsSecure(r) }

func (h *Headers) fromTrustedProxy(r *http.Request) bool {
	if len(h.trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	var a netip.Addr
	if err == nil {
		a = ap.Addr()
	} else if a, err = netip.ParseAddr(r.RemoteAddr); err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range h.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedProto returns the scheme a trusted proxy reports: the first entry of
// X-Forwarded-Proto, else the proto= of the first Forwarded element.
func forwardedProto(r *http.Request) string {
	if v := r.Header.Get("X-Forwarded-Proto"); v != "" {
		first, _, _ := strings.Cut(v, ",")
		return strings.ToLower(strings.TrimSpace(first))
	}
	if v := r.Header.Get("Forwarded"); v != "" {
		first, _, _ := strings.Cut(v, ",")
		for _, kv := range strings.Split(first, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if ok && strings.EqualFold(k, "proto") {
				return strings.ToLower(strings.Trim(val, `"`))
			}
		}
	}
	return ""
}

// Handler is the middleware.
func (h *Headers) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secure := r.TLS != nil
		if !secure && h.fromTrustedProxy(r) {
			secure = forwardedProto(r) == "https"
		}
		scheme := ""
		if secure {
			scheme = "https"
		}
		if h.cfg.SSLRedirect && !secure && !h.redirectExempt(r.URL.Path) {
			host := orDefault(h.cfg.SSLHost, r.Host)
			http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		r2 := r
		if h.csp != nil || h.cspRO != nil {
			// Only a policy needs a nonce; without one the request is not copied.
			r2 = r.WithContext(context.WithValue(r.Context(), ctxKey{}, &reqState{}))
		}
		if r.URL.Scheme != scheme {
			if r2 == r {
				r2 = new(http.Request)
				*r2 = *r
			}
			// Record the scheme, overriding one a client put in an absolute-form
			// request line.
			u := *r.URL
			u.Scheme = scheme
			r2.URL = &u
		}
		hdr := w.Header()
		for _, sh := range h.static {
			hdr[sh.name] = sh.value
		}
		if secure && h.hsts != nil {
			hdr["Strict-Transport-Security"] = h.hsts
		}
		if h.csp != nil || h.cspRO != nil {
			nonce := ""
			if h.needsNonce {
				nonce = "'nonce-" + Nonce(r2) + "'"
			}
			if h.csp != nil {
				hdr["Content-Security-Policy"] = []string{strings.Join(h.csp, nonce)}
			}
			if h.cspRO != nil {
				hdr["Content-Security-Policy-Report-Only"] = []string{strings.Join(h.cspRO, nonce)}
			}
		}
		next.ServeHTTP(w, r2)
	})
}

func (h *Headers) redirectExempt(path string) bool {
	for _, p := range h.cfg.RedirectExempt {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
