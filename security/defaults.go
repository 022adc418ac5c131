package security

import (
	"fmt"
	"net/http"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/csrf"
)

// Defaults returns the security middleware configured from s, outermost first:
// host validation (Settings.AllowedHosts), the headers middleware (the "security"
// section and Settings.TrustedProxies) and CSRF protection (the "csrf" section).
// Use it first, so it wraps everything else, including a RealIP middleware that
// rewrites r.RemoteAddr:
//
//	app.Use(security.Defaults(&app.Settings)...)
//
// It panics on a configuration error (a malformed trusted proxy or trusted
// origin): an error to fix before the site starts.
func Defaults(s *galvani.Settings) []func(http.Handler) http.Handler {
	mws, err := defaults(s)
	if err != nil {
		panic(err)
	}
	return mws
}

func defaults(s *galvani.Settings) ([]func(http.Handler) http.Handler, error) {
	cfg := *galvani.Section(s, "security", Config{})
	hv := NewHostValidator(s.AllowedHosts, s.Debug, cfg.Logger)
	h, err := NewHeaders(cfg, s.TrustedProxies)
	if err != nil {
		return nil, err
	}
	p, err := csrf.FromSettings(s)
	if err != nil {
		return nil, err
	}
	return []func(http.Handler) http.Handler{hv.Handler, h.Handler, p.Handler}, nil
}

// App is the security battery as an installable app:
//
//	app := galvani.New(settings, security.App, blog.App)
//
// At start-up it adds Defaults to the app's middleware (so it runs outside any
// middleware added later with app.Use); it adds csrf_token and csp_nonce to every
// template context (galvani's template battery asks installed apps for
// TemplateContext); and `check --deploy` reports security settings that production
// should have.
var App galvani.AppConfig = securityApp{}

type securityApp struct{}

func (securityApp) Label() string { return "security" }

// Ready implements galvani.ReadyHook.
func (securityApp) Ready(app *galvani.App) error {
	mws, err := defaults(&app.Settings)
	if err != nil {
		return err
	}
	app.Use(mws...)
	return nil
}

// TemplateContext implements the template battery's ProcessorProvider.
func (securityApp) TemplateContext(r *http.Request) map[string]any {
	return map[string]any{"csrf_token": csrf.NewLazyToken(r), "csp_nonce": Nonce(r)}
}

// CheckDeploy implements galvani.DeployChecker.
func (securityApp) CheckDeploy(app *galvani.App) []galvani.CheckMessage {
	return deployChecks(&app.Settings)
}

func deployChecks(s *galvani.Settings) []galvani.CheckMessage {
	cfg := galvani.Section(s, "security", Config{})
	var out []galvani.CheckMessage
	add := func(id, msg, hint string) {
		out = append(out, galvani.CheckMessage{Level: galvani.CheckWarning, ID: id, Msg: msg, Hint: hint, Object: "settings"})
	}
	if cfg.HSTSSeconds <= 0 {
		add("security.W201", "SECURE_HSTS_SECONDS is not set: browsers may still be talked into plain HTTP for this site.",
			"Once the whole site works over HTTPS, set SECURE_HSTS_SECONDS (start with 3600, then raise it).")
	}
	if !cfg.SSLRedirect {
		add("security.W202", "SECURE_SSL_REDIRECT is off: plain-HTTP requests are served instead of being redirected to HTTPS.",
			"Set SECURE_SSL_REDIRECT=true, unless a proxy in front already redirects (then list it in TRUSTED_PROXIES).")
	}
	if cfg.FrameOptions != "" && cfg.FrameOptions != "DENY" && cfg.FrameOptions != "SAMEORIGIN" {
		add("security.W203", fmt.Sprintf("X_FRAME_OPTIONS is %q: pages can be framed by other sites (clickjacking).", cfg.FrameOptions),
			"Use DENY (the default) or SAMEORIGIN, and allow framing per view if needed.")
	}
	if c := galvani.Section(s, "csrf", csrf.Config{}); c.Insecure {
		add("security.W204", "the CSRF cookie is not marked Secure.", "Leave csrf.Config.Insecure false in production.")
	}
	return out
}
