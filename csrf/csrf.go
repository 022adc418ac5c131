// Package csrf protects against cross-site request forgery, like Django's
// CsrfViewMiddleware, with the browser signals of today added.
//
// Every request with an unsafe method (anything but GET, HEAD, OPTIONS and TRACE)
// goes through two checks:
//
//  1. Origin. A request a browser marks as cross-site or same-site
//     (Sec-Fetch-Site), or whose Origin header names another origin, is refused
//     unless that origin is listed in TrustedOrigins. A secure request that has
//     neither header must carry a same-origin (or trusted) Referer, as in Django.
//  2. Token. A request that carries ambient credentials — cookies, or an
//     Authorization header a browser could have attached on its own (anything but
//     Bearer) — must carry a token, in the form field "csrfmiddlewaretoken" or the
//     header "X-CSRFToken", that matches the secret in the "csrftoken" cookie.
//     Requests with no ambient credentials (API clients using bearer tokens) are not
//     forgeable and skip this check; the origin check still applies.
//
// Tokens are masked per request (BREACH-safe): Token(r) returns a different string
// on every call, each matching the same cookie secret. Templates get it from the
// context processor TemplateContext as csrf_token, which {% csrf_token %} renders
// as a hidden input. JavaScript clients read the cookie (not HttpOnly by default)
// or a token put in the page, and send it as X-CSRFToken.
//
// A refused request gets a 403: terse in production (with the reason logged), and
// in debug mode a page that explains the reason and how to fix it.
package csrf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/httpx"
)

// Config is the "csrf" settings section (Django's CSRF_* settings). The env tags
// name the environment variables that override each field (see galvani.Section).
type Config struct {
	// TrustedOrigins lists origins allowed to send unsafe requests besides the
	// site itself: "https://app.example.com", or "https://*.example.com" for every
	// subdomain. Django's CSRF_TRUSTED_ORIGINS.
	TrustedOrigins []string `env:"CSRF_TRUSTED_ORIGINS"`
	// Exempt lists URL path patterns the checks skip (webhooks signed by other
	// means), in route syntax: "/hooks/stripe/", "/api/{rest...}", "/items/{id}/".
	// Add to it with Exempt.
	Exempt []string
	// ExemptRoutes lists routes the checks skip: a request is exempt when the
	// router answers it with one of them (Route.Matches), so a more specific route
	// under the same pattern stays protected. Add to it with ExemptRoute.
	ExemptRoutes []*galvani.Route
	// CookieName is the cookie holding the secret. Default "csrftoken".
	CookieName string `env:"CSRF_COOKIE_NAME"`
	// CookieAge is the cookie's lifetime. Default one year.
	CookieAge time.Duration `env:"CSRF_COOKIE_AGE"`
	// CookieDomain and CookiePath scope the cookie. Defaults: host-only, "/".
	CookieDomain string `env:"CSRF_COOKIE_DOMAIN"`
	CookiePath   string `env:"CSRF_COOKIE_PATH"`
	// CookieHTTPOnly hides the cookie from JavaScript; clients must then take the
	// token from the page. Default false, as in Django.
	CookieHTTPOnly bool `env:"CSRF_COOKIE_HTTPONLY"`
	// Insecure drops the cookie's Secure attribute (debug mode does it implicitly).
	Insecure bool
	// HeaderName is the request header carrying the token. Default "X-CSRFToken".
	HeaderName string `env:"CSRF_HEADER_NAME"`
	// FieldName is the form field carrying the token. Default "csrfmiddlewaretoken".
	FieldName string
	// MaxFormBytes bounds how much of a url-encoded body is read to find the token;
	// a longer body is answered 413. Default: Settings.MaxBodyBytes, else 10 MiB.
	MaxFormBytes int64
	// Debug makes the 403 page explain the failure. FromSettings sets it from
	// Settings.Debug.
	Debug bool
	// FailureHandler, when set, answers refused requests instead of the built-in
	// 403; FailureReason(r) tells it why.
	FailureHandler http.Handler
	// Logger receives a line per refused request. Default slog.Default().
	Logger *slog.Logger
}

// multipartScan bounds how much of a multipart body is read to find the token
// field, which must come before any file: {% csrf_token %} at the top of the form.
const multipartScan = 64 << 10

// Protector is the CSRF middleware with its configuration.
type Protector struct {
	cfg     *Config // copy with defaults
	section *Config // as given, for Exempt patterns added later
	once    sync.Once
	exempt  []pathPattern
	// exemptRoutes are the routes exempt from the checks.
	exemptRoutes []*galvani.Route
	trusted      []originPattern
}

// New returns a Protector for a copy of cfg. Exempt patterns are read from cfg
// when the first request arrives, so Exempt may still add some until then. A
// malformed trusted origin is reported by New.
func New(cfg *Config) (*Protector, error) {
	c := *cfg
	if c.CookieName == "" {
		c.CookieName = "csrftoken"
	}
	if c.CookieAge <= 0 {
		c.CookieAge = 365 * 24 * time.Hour
	}
	if c.CookiePath == "" {
		c.CookiePath = "/"
	}
	if c.HeaderName == "" {
		c.HeaderName = "X-CSRFToken"
	}
	if c.FieldName == "" {
		c.FieldName = "csrfmiddlewaretoken"
	}
	if c.MaxFormBytes <= 0 {
		c.MaxFormBytes = galvani.DefaultMaxBodyBytes
	}
	p := &Protector{cfg: &c, section: cfg}
	for _, o := range c.TrustedOrigins {
		op, err := parseOrigin(o)
		if err != nil {
			return nil, err
		}
		p.trusted = append(p.trusted, op)
	}
	return p, nil
}

// FromSettings returns the Protector configured by the "csrf" section of s, with
// Debug, the cookie's Secure attribute and the form size limit following s.
func FromSettings(s *galvani.Settings) (*Protector, error) {
	sec := galvani.Section(s, "csrf", Config{})
	p, err := New(sec)
	if err != nil {
		return nil, err
	}
	if s.Debug {
		p.cfg.Debug = true
		p.cfg.Insecure = true
	}
	if sec.MaxFormBytes <= 0 && s.MaxBodyBytes > 0 {
		p.cfg.MaxFormBytes = s.MaxBodyBytes
	}
	return p, nil
}

// Middleware returns the CSRF middleware configured from s, for app.Use. It panics
// on a malformed trusted origin, a configuration error to fix before starting.
func Middleware(s *galvani.Settings) func(http.Handler) http.Handler {
	p, err := FromSettings(s)
	if err != nil {
		panic(err)
	}
	return p.Handler
}

// Exempt adds URL path patterns (route syntax: "/hooks/{name}/", "/api/{rest...}")
// to the "csrf" section of s, so the middleware does not check requests to them.
// Call it while registering routes, before the first request. Exempt routes must
// not rely on cookies for authentication.
func Exempt(s *galvani.Settings, patterns ...string) {
	cfg := galvani.Section(s, "csrf", Config{})
	cfg.Exempt = append(cfg.Exempt, patterns...)
}

// ExemptRoute exempts routes from the checks, like Django's @csrf_exempt: a
// request is exempt when the router answers it with one of them. Call it while
// registering routes, before the first request:
//
//	csrf.ExemptRoute(&app.Settings, app.Post("/hooks/stripe/", stripeHook))
//
// Exempt routes must not rely on cookies for authentication.
func ExemptRoute(s *galvani.Settings, routes ...*galvani.Route) {
	cfg := galvani.Section(s, "csrf", Config{})
	cfg.ExemptRoutes = append(cfg.ExemptRoutes, routes...)
}

func (p *Protector) init() {
	for _, pat := range p.section.Exempt {
		p.exempt = append(p.exempt, parsePathPattern(pat))
	}
	p.exemptRoutes = append(p.exemptRoutes, p.section.ExemptRoutes...)
}

func (p *Protector) logger() *slog.Logger {
	if p.cfg.Logger != nil {
		return p.cfg.Logger
	}
	return slog.Default()
}

type ctxKey struct{}

// state is the per-request CSRF state that Token and Rotate use.
type state struct {
	p        *Protector
	w        http.ResponseWriter
	secret   string // cookie secret, possibly new
	set      bool   // a Set-Cookie for the secret was added
	reason   string // why the request was refused, for FailureHandler
	verified bool   // the middleware checked this request and let it through
}

// Handler is the middleware.
func (p *Protector) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.once.Do(p.init)
		st := &state{p: p, w: w}
		if v, ok := httpx.CookieValue(r, p.cfg.CookieName); ok && validSecret(v) {
			st.secret = v
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, st))
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			next.ServeHTTP(w, r)
			return
		}
		if p.isExempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		if status, reason := p.check(r, st); reason != "" {
			p.reject(w, r, st, status, reason)
			return
		}
		st.verified = true
		next.ServeHTTP(w, r)
	})
}

// ErrNotVerified is what Verify returns for an unsafe request that did not pass
// the checks; it wraps the reason.
var ErrNotVerified = errors.New("csrf: request not verified")

// Verify runs the CSRF checks on a request the middleware let through without them
// (an exempt route), as Django REST framework's session authentication does: a view
// that authenticates by session cookie calls it for unsafe methods. Safe methods
// and requests the middleware already checked pass. Without the middleware it
// fails: there is no configuration to check against.
func Verify(r *http.Request) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return nil
	}
	st, _ := r.Context().Value(ctxKey{}).(*state)
	if st == nil {
		return fmt.Errorf("%w: the CSRF middleware is not installed", ErrNotVerified)
	}
	if st.verified {
		return nil
	}
	if _, reason := st.p.check(r, st); reason != "" {
		return fmt.Errorf("%w: %s", ErrNotVerified, reason)
	}
	st.verified = true
	return nil
}

// Failure reasons, as shown on the debug 403 page and logged.
const (
	ReasonCrossSite       = "cross-site request refused (Sec-Fetch-Site: %s) from an untrusted origin"
	ReasonBadOrigin       = "Origin checking failed - %s does not match any trusted origins"
	ReasonNullOrigin      = "Origin checking failed - the browser sent Origin: null (sandboxed frame, file or privacy redirect)"
	ReasonNoReferer       = "Referer checking failed - no Referer"
	ReasonMalformedRefer  = "Referer checking failed - Referer is malformed"
	ReasonInsecureReferer = "Referer checking failed - Referer is insecure while host is secure"
	ReasonBadReferer      = "Referer checking failed - %s does not match any trusted origins"
	ReasonNoCookie        = "CSRF cookie not set"
	ReasonNoToken         = "CSRF token missing"
	ReasonBodyTooLarge    = "request body too large to look for the CSRF token"
)

// check returns the status and reason for refusing r, or "" to let it through.
func (p *Protector) check(r *http.Request, st *state) (int, string) {
	host := strings.ToLower(r.Host)
	secure := galvani.IsSecure(r)
	origin := r.Header.Get("Origin")
	fetchSite := strings.ToLower(r.Header.Get("Sec-Fetch-Site"))
	switch {
	case origin == "null":
		return http.StatusForbidden, ReasonNullOrigin
	case origin != "":
		if !p.originOK(origin, host, secure) {
			if fetchSite == "cross-site" || fetchSite == "same-site" {
				return http.StatusForbidden, fmt.Sprintf(ReasonCrossSite, fetchSite)
			}
			return http.StatusForbidden, fmt.Sprintf(ReasonBadOrigin, origin)
		}
	case fetchSite == "cross-site" || fetchSite == "same-site":
		// A browser said cross-site but sent no Origin: nothing can make it trusted.
		return http.StatusForbidden, fmt.Sprintf(ReasonCrossSite, fetchSite)
	case fetchSite == "" && secure && ambient(r):
		// An old browser or a non-browser client over HTTPS: Django's Referer check.
		if reason := p.refererCheck(r, host); reason != "" {
			return http.StatusForbidden, reason
		}
	}
	if !ambient(r) {
		return 0, ""
	}
	if st.secret == "" {
		return http.StatusForbidden, ReasonNoCookie
	}
	token := r.Header.Get(p.cfg.HeaderName)
	if token == "" {
		var err error
		token, err = p.formToken(r)
		if err != nil {
			return http.StatusRequestEntityTooLarge, ReasonBodyTooLarge
		}
	}
	if token == "" {
		return http.StatusForbidden, ReasonNoToken
	}
	if err := matches(token, st.secret); err != nil {
		return http.StatusForbidden, err.Error()
	}
	return 0, ""
}

// ambient reports whether the request carries credentials a browser attaches by
// itself: cookies, or an Authorization header other than a bearer token.
func ambient(r *http.Request) bool {
	if r.Header.Get("Cookie") != "" {
		return true
	}
	a := r.Header.Get("Authorization")
	return a != "" && !(len(a) >= 7 && strings.EqualFold(a[:7], "bearer "))
}

func (p *Protector) originOK(origin, host string, secure bool) bool {
	u, err := url.Parse(origin)
	if err == nil && u.Host != "" && strings.EqualFold(u.Host, host) {
		// Same host. A secure request must come from an https page; a plain one may
		// come from either (behind a proxy that does not say it terminated TLS).
		if u.Scheme == "https" || (u.Scheme == "http" && !secure) {
			return true
		}
	}
	return p.trustedOrigin(origin)
}

func (p *Protector) trustedOrigin(origin string) bool {
	for _, t := range p.trusted {
		if t.match(origin) {
			return true
		}
	}
	return false
}

func (p *Protector) refererCheck(r *http.Request, host string) string {
	ref := r.Header.Get("Referer")
	if ref == "" {
		return ReasonNoReferer
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ReasonMalformedRefer
	}
	if u.Scheme != "https" {
		return ReasonInsecureReferer
	}
	if strings.EqualFold(u.Host, host) || p.trustedOrigin(u.Scheme+"://"+u.Host) {
		return ""
	}
	return fmt.Sprintf(ReasonBadReferer, u.Scheme+"://"+u.Host)
}

// formToken finds the token field in a url-encoded or multipart body without
// consuming it: the body is put back for the handler.
func (p *Protector) formToken(r *http.Request) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return "", nil
	}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded":
		data, err := io.ReadAll(io.LimitReader(r.Body, p.cfg.MaxFormBytes+1))
		r.Body = restored(data, r.Body)
		if err != nil {
			return "", nil
		}
		if int64(len(data)) > p.cfg.MaxFormBytes {
			return "", errTooLarge
		}
		vals, _ := url.ParseQuery(string(data))
		return vals.Get(p.cfg.FieldName), nil
	case "multipart/form-data":
		if params["boundary"] == "" {
			return "", nil
		}
		var seen bytes.Buffer
		mr := multipart.NewReader(io.TeeReader(io.LimitReader(r.Body, multipartScan), &seen), params["boundary"])
		var token string
		for {
			part, err := mr.NextPart()
			if err != nil {
				break
			}
			if part.FileName() != "" {
				break // the token must come before the files
			}
			if part.FormName() == p.cfg.FieldName {
				b, _ := io.ReadAll(io.LimitReader(part, TokenLen+1))
				token = string(b)
				break
			}
		}
		r.Body = restored(seen.Bytes(), r.Body)
		return token, nil
	}
	return "", nil
}

var errTooLarge = fmt.Errorf("csrf: body too large")

type restoredBody struct {
	io.Reader
	io.Closer
}

// restored returns a body that replays the bytes already read, then the rest.
func restored(read []byte, rest io.ReadCloser) io.ReadCloser {
	return restoredBody{io.MultiReader(bytes.NewReader(read), rest), rest}
}

type reasonKey struct{}

// FailureReason returns why the request was refused, for a Config.FailureHandler.
func FailureReason(r *http.Request) string {
	s, _ := r.Context().Value(reasonKey{}).(string)
	return s
}

func (p *Protector) reject(w http.ResponseWriter, r *http.Request, st *state, status int, reason string) {
	p.logger().Warn("Forbidden (CSRF): "+reason, "method", r.Method, "path", r.URL.Path, "status", status)
	if p.cfg.FailureHandler != nil {
		p.cfg.FailureHandler.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), reasonKey{}, reason)))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if status == http.StatusRequestEntityTooLarge {
		io.WriteString(w, "413 Request Entity Too Large\n")
		return
	}
	if !p.cfg.Debug {
		io.WriteString(w, "403 Forbidden: CSRF verification failed. Request aborted.\n")
		return
	}
	fmt.Fprintf(w, debugPage, reason, p.cfg.FieldName, p.cfg.HeaderName, p.cfg.CookieName)
}

const debugPage = `403 Forbidden

CSRF verification failed. Request aborted.

Reason given for the failure:

    %s

In general, this happens when there is a genuine cross-site request forgery, or
when Galvani's CSRF protection is not used correctly. Check that:

  - Your browser accepts cookies.
  - The page with the form was rendered with the request, so that the csrf_token
    context processor ran (csrf.TemplateContext, installed by security.App).
  - Each POST form that targets this site has {%% csrf_token %%} inside it (the
    field %q); in multipart forms it comes before any file input.
  - JavaScript clients send the token in the %s header, taken from the page
    (csrf.Token) or from the %q cookie.
  - A form posted from another origin (another subdomain too) comes from an origin
    listed in CSRF_TRUSTED_ORIGINS.
  - The page was not loaded before a login: logging in rotates the token, so
    reload the form.

You see this explanation because DEBUG is on; in production the page says only
"CSRF verification failed".
`

// Token returns a masked CSRF token for the request, creating the secret (and
// adding its Set-Cookie to the response) when the request had none. Each call
// returns a different token; all of them are valid until the secret rotates. Call
// it before the response headers are written. Without the middleware it returns "".
func Token(r *http.Request) string {
	st, _ := r.Context().Value(ctxKey{}).(*state)
	if st == nil {
		return ""
	}
	if st.secret == "" {
		st.secret = newSecret()
		st.setCookie()
	}
	return mask(st.secret)
}

// Rotate replaces the request's CSRF secret with a new one: tokens in pages
// rendered before stop working. The auth battery calls it at login and logout, as
// Django does, so that a token planted before login is useless after.
func Rotate(r *http.Request) {
	st, _ := r.Context().Value(ctxKey{}).(*state)
	if st == nil {
		return
	}
	st.secret = newSecret()
	st.setCookie()
}

func (st *state) setCookie() {
	cfg := st.p.cfg
	h := st.w.Header()
	if st.set {
		// Replace the Set-Cookie added earlier in this request.
		prefix := cfg.CookieName + "="
		kept := h["Set-Cookie"][:0]
		for _, v := range h["Set-Cookie"] {
			if !strings.HasPrefix(v, prefix) {
				kept = append(kept, v)
			}
		}
		h["Set-Cookie"] = kept
	}
	st.set = true
	c := &http.Cookie{Name: cfg.CookieName, Value: st.secret, Path: cfg.CookiePath, Domain: cfg.CookieDomain,
		MaxAge: int(cfg.CookieAge / time.Second), Expires: time.Now().Add(cfg.CookieAge).UTC(),
		Secure: !cfg.Insecure, HttpOnly: cfg.CookieHTTPOnly, SameSite: http.SameSiteLaxMode}
	h.Add("Set-Cookie", c.String())
	httpx.AddVary(h, "Cookie")
}

// TemplateContext is the template context processor for CSRF: it returns
// {"csrf_token": a *LazyToken}, which {% csrf_token %} renders as the hidden input
// and {{ csrf_token }} as the token. Its shape fits the template battery's
// ContextProcessor. The token is made only when a template uses it, so pages
// without forms set no CSRF cookie.
func TemplateContext(r *http.Request) map[string]any {
	return map[string]any{"csrf_token": &LazyToken{r: r}}
}

// LazyToken is a CSRF token made on first use (String), then the same for the
// rest of the render.
type LazyToken struct {
	r    *http.Request
	once sync.Once
	tok  string
}

// NewLazyToken returns a LazyToken for r.
func NewLazyToken(r *http.Request) *LazyToken { return &LazyToken{r: r} }

// String returns the token, calling Token(r) the first time.
func (l *LazyToken) String() string {
	l.once.Do(func() { l.tok = Token(l.r) })
	return l.tok
}
