package galvani

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Settings is the one typed configuration of a project. The zero value is a usable
// development configuration; LoadSettings fills it from the environment. Batteries keep
// their own options in their own sections (see Section).
type Settings struct {
	// Debug turns on the debug pages, template reloading and the dev-server reloader.
	// Never in production. Env: DEBUG (1/true/yes/on).
	Debug bool
	// SecretKey signs cookies, sessions, CSRF tokens and password-reset links. Env: SECRET_KEY.
	SecretKey string
	// AllowedHosts lists the Host header values the site answers to. A leading dot
	// matches a domain and its subdomains; "*" matches anything. When empty and Debug is
	// on, localhost names are allowed. Env: ALLOWED_HOSTS (comma separated).
	AllowedHosts []string
	// DatabaseURL selects the default database: sqlite:///path.db, postgres://...,
	// mysql://... Env: DATABASE_URL. Default: sqlite:///db.sqlite3.
	DatabaseURL string
	// Addr is the listen address for runserver. Env: ADDR (or PORT). Default 127.0.0.1:8000.
	Addr string
	// AppendSlash redirects GET/HEAD requests for /path to /path/ when only the slashed
	// route exists, like Django's APPEND_SLASH. Default true; env: APPEND_SLASH.
	AppendSlash *bool
	// TrustedProxies are the CIDRs or addresses whose X-Forwarded-* headers are believed.
	// Env: TRUSTED_PROXIES (comma separated).
	TrustedProxies []string
	// MaxBodyBytes bounds request bodies read through Ctx (JSON binding, forms). Default 10 MiB.
	// Env: MAX_BODY_BYTES.
	MaxBodyBytes int64
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout configure the server
	// started by runserver. Defaults: 10s, 60s, 60s, 120s.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Sections holds the settings of batteries and apps, keyed by section name.
	// Use Section to read or create one.
	Sections map[string]any
}

// LoadSettings returns the default settings overridden by environment variables.
// A malformed value (DEBUG=maybe) is an error naming the variable.
func LoadSettings() (Settings, error) {
	var s Settings
	return s, s.loadEnv(os.LookupEnv)
}

func (s *Settings) loadEnv(lookup func(string) (string, bool)) error {
	var errs []string
	if v, ok := lookup("DEBUG"); ok {
		b, err := parseBool(v)
		if err != nil {
			errs = append(errs, "DEBUG: "+err.Error())
		}
		s.Debug = b
	}
	if v, ok := lookup("SECRET_KEY"); ok {
		s.SecretKey = v
	}
	if v, ok := lookup("ALLOWED_HOSTS"); ok {
		s.AllowedHosts = splitList(v)
	}
	if v, ok := lookup("DATABASE_URL"); ok {
		s.DatabaseURL = v
	}
	if v, ok := lookup("ADDR"); ok {
		s.Addr = v
	} else if v, ok := lookup("PORT"); ok {
		s.Addr = ":" + v
	}
	if v, ok := lookup("APPEND_SLASH"); ok {
		b, err := parseBool(v)
		if err != nil {
			errs = append(errs, "APPEND_SLASH: "+err.Error())
		}
		s.AppendSlash = &b
	}
	if v, ok := lookup("TRUSTED_PROXIES"); ok {
		s.TrustedProxies = splitList(v)
	}
	if v, ok := lookup("MAX_BODY_BYTES"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Sprintf("MAX_BODY_BYTES: %q is not a positive integer", v))
		}
		s.MaxBodyBytes = n
	}
	if len(errs) > 0 {
		return fmt.Errorf("galvani: bad settings in environment: %s", strings.Join(errs, "; "))
	}
	return nil
}

// withDefaults returns s with every unset field at its default.
func (s Settings) withDefaults() Settings {
	if s.DatabaseURL == "" {
		s.DatabaseURL = "sqlite:///db.sqlite3"
	}
	if s.Addr == "" {
		s.Addr = "127.0.0.1:8000"
	}
	if s.AppendSlash == nil {
		t := true
		s.AppendSlash = &t
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = 10 << 20
	}
	if s.ReadHeaderTimeout == 0 {
		s.ReadHeaderTimeout = 10 * time.Second
	}
	if s.ReadTimeout == 0 {
		s.ReadTimeout = 60 * time.Second
	}
	if s.WriteTimeout == 0 {
		s.WriteTimeout = 60 * time.Second
	}
	if s.IdleTimeout == 0 {
		s.IdleTimeout = 120 * time.Second
	}
	if s.Sections == nil {
		s.Sections = map[string]any{}
	}
	return s
}

// Section returns the settings section called name, creating it with def when it is
// missing. Batteries use it for their own options:
//
//	cfg := galvani.Section(&app.Settings, "session", session.Config{Age: 14 * 24 * time.Hour})
func Section[T any](s *Settings, name string, def T) *T {
	if s.Sections == nil {
		s.Sections = map[string]any{}
	}
	if v, ok := s.Sections[name]; ok {
		switch p := v.(type) {
		case *T:
			return p
		case T:
			s.Sections[name] = &p
			return &p
		}
		panic(fmt.Sprintf("galvani: settings section %q holds %T, not %T", name, v, def))
	}
	p := &def
	s.Sections[name] = p
	return p
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "y", "yes", "on":
		return true, nil
	case "", "0", "f", "false", "n", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (use true or false)", v)
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
