package metrics

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/galvani-web/galvani"
)

// DefaultPath is where the App serves the metrics when Config.Path is empty.
const DefaultPath = "/metrics"

// PathOff as Config.Path keeps the endpoint off the App's routes: serve
// Metrics.Handler on a listener of your own instead.
const PathOff = "off"

// Config is the "metrics" settings section.
type Config struct {
	// Enabled turns the battery on: requests are counted and the endpoint is
	// served. Off by default. Env: METRICS_ENABLED.
	Enabled bool `env:"METRICS_ENABLED"`
	// Path is where the App serves the metrics; DefaultPath when empty, PathOff
	// for nowhere. Env: METRICS_PATH.
	Path string `env:"METRICS_PATH"`
	// Token, when set, is required from scrapers as "Authorization: Bearer
	// TOKEN" (Prometheus' authorization.credentials); it is compared in constant
	// time. Env: METRICS_TOKEN.
	Token string `env:"METRICS_TOKEN"`
	// AllowedIPs are the addresses or CIDRs scrapes may come from, checked
	// against the connection's peer address (never X-Forwarded-For). "*" allows
	// any address. Default: loopback only (127.0.0.0/8, ::1) without a Token, any
	// address with one. Unless it is "*", a request that came through a proxy
	// (with X-Forwarded-For, X-Real-IP or Forwarded) is refused, since its peer
	// address is the proxy's. Env: METRICS_ALLOWED_IPS (comma separated).
	AllowedIPs []string `env:"METRICS_ALLOWED_IPS"`

	metrics *Metrics // made on first use, under getMu
}

var getMu sync.Mutex

// App is the metrics battery as an installable app:
//
//	app := galvani.New(settings, metrics.App, ...)
//
// With Config.Enabled it makes a Metrics the App's request observer and serves
// it at Config.Path behind Protect; off, it does nothing. `check` reports
// malformed settings as metrics.E001 and an endpoint open to any address without
// a token as metrics.W001.
var App galvani.AppConfig = metricsApp{}

type metricsApp struct{}

func (metricsApp) Label() string { return "metrics" }

func config(s *galvani.Settings) *Config { return galvani.Section(s, "metrics", Config{}) }

// Ready implements galvani.ReadyHook.
func (metricsApp) Ready(app *galvani.App) error {
	cfg := config(&app.Settings)
	if !cfg.Enabled {
		return nil
	}
	allow, err := cfg.allowList()
	if err != nil {
		return err
	}
	path, err := cfg.path()
	if err != nil {
		return err
	}
	m := cfg.get()
	app.ObserveRequests(m)
	if path != PathOff {
		app.Get(path, protect(m.Handler(), cfg.Token, allow, func() *slog.Logger { return app.Logger })).Name("metrics")
	}
	return nil
}

// Check implements galvani.Checker.
func (metricsApp) Check(app *galvani.App) []galvani.CheckMessage {
	cfg := config(&app.Settings)
	if !cfg.Enabled {
		return nil
	}
	var out []galvani.CheckMessage
	allow, err := cfg.allowList()
	if err == nil {
		_, err = cfg.path()
	}
	if err != nil {
		out = append(out, galvani.CheckMessage{Level: galvani.CheckError, ID: "metrics.E001", Object: "settings",
			Msg: err.Error() + ".", Hint: "See the Metrics section of docs/deploy.md."})
	}
	if p, _ := cfg.path(); err == nil && p != PathOff && allow == nil && cfg.Token == "" {
		out = append(out, galvani.CheckMessage{Level: galvani.CheckWarning, ID: "metrics.W001", Object: "settings",
			Msg:  "the metrics endpoint answers any address without a token (METRICS_ALLOWED_IPS=*).",
			Hint: "Set METRICS_TOKEN, list the scrapers' addresses in METRICS_ALLOWED_IPS, or set METRICS_PATH=off and serve metrics.From(app).Handler() on a private listener."})
	}
	return out
}

// From returns the Metrics of app, or nil when the battery is off: register
// collectors of your own on its Registry.
func From(app *galvani.App) *Metrics {
	cfg := config(&app.Settings)
	if !cfg.Enabled {
		return nil
	}
	return cfg.get()
}

func (c *Config) get() *Metrics {
	getMu.Lock()
	defer getMu.Unlock()
	if c.metrics == nil {
		c.metrics = New()
	}
	return c.metrics
}

func (c *Config) path() (string, error) {
	p := strings.TrimSpace(c.Path)
	switch {
	case p == "":
		return DefaultPath, nil
	case p == PathOff:
		return p, nil
	case !strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("metrics: METRICS_PATH %q is neither a path starting with / nor %q", c.Path, PathOff)
	}
	return p, nil
}

// allowList returns the prefixes scrapes may come from; nil means any address.
func (c *Config) allowList() ([]netip.Prefix, error) {
	if len(c.AllowedIPs) == 0 {
		if c.Token != "" {
			return nil, nil
		}
		return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, nil
	}
	var out []netip.Prefix
	for _, s := range c.AllowedIPs {
		s = strings.TrimSpace(s)
		if s == "*" {
			return nil, nil
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("metrics: METRICS_ALLOWED_IPS entry %q is not a CIDR like 10.0.0.0/8", s)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("metrics: METRICS_ALLOWED_IPS entry %q is not an IP address, a CIDR or *", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Protect wraps h (Metrics.Handler) so that it answers only scrapers that cfg
// trusts: with cfg.Token set, requests with the bearer token; and, unless
// cfg.AllowedIPs allows any address ("*"), requests whose peer address is
// allowed and that did not come through a proxy. Others get 403 and a log line
// at info level naming the reason (not the token). It is what App mounts; use it
// to mount the metrics on a router of your own.
func Protect(h http.Handler, cfg *Config, logger *slog.Logger) (http.Handler, error) {
	allow, err := cfg.allowList()
	if err != nil {
		return nil, err
	}
	return protect(h, cfg.Token, allow, func() *slog.Logger { return logger }), nil
}

func protect(h http.Handler, token string, allow []netip.Prefix, logger func() *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := refuse(r, token, allow); why != "" {
			l := logger()
			if l == nil {
				l = slog.Default()
			}
			l.InfoContext(r.Context(), "metrics: scrape refused", "reason", why, "remote", r.RemoteAddr)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// refuse returns why r may not scrape, or "".
func refuse(r *http.Request, token string, allow []netip.Prefix) string {
	if token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
			return "missing or wrong bearer token"
		}
	}
	if allow == nil {
		return ""
	}
	for _, h := range []string{"X-Forwarded-For", "X-Real-IP", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return "came through a proxy (" + h + "); the peer address is not the scraper's"
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "peer address unknown"
	}
	a = a.Unmap()
	for _, p := range allow {
		if p.Contains(a) {
			return ""
		}
	}
	return "peer address not in METRICS_ALLOWED_IPS"
}
