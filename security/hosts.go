package security

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// DebugHosts are the hosts allowed when Settings.Debug is on and AllowedHosts is
// empty, as in Django.
var DebugHosts = []string{".localhost", "127.0.0.1", "[::1]"}

// hostPattern is one ALLOWED_HOSTS entry.
type hostPattern struct {
	any      bool   // "*"
	domain   string // lower case, no trailing dot; a leading dot means "and subdomains"
	port     string // when the entry names a port, the Host must use it
	wildcard bool
}

func parseHostPattern(p string) hostPattern {
	p = strings.ToLower(strings.TrimSpace(p))
	if p == "*" {
		return hostPattern{any: true}
	}
	hp := hostPattern{}
	if d, port, ok := splitHostPort(p); ok && port != "" {
		hp.domain, hp.port = d, port
	} else if ok {
		hp.domain = d
	} else {
		hp.domain = p
	}
	if strings.HasPrefix(hp.domain, ".") {
		hp.wildcard = true
	}
	return hp
}

func (hp hostPattern) match(domain, port string) bool {
	if hp.any {
		return true
	}
	if hp.port != "" && hp.port != port {
		return false
	}
	if hp.wildcard {
		return strings.HasSuffix(domain, hp.domain) || domain == hp.domain[1:]
	}
	return domain == hp.domain
}

// splitHostPort splits a Host header value by Django's rules: a lower-case name of
// letters, digits, dots and hyphens, or a bracketed IPv6 literal, optionally
// followed by ":port". A trailing dot on the name is dropped. ok is false for
// anything else (spaces, @, underscores, unbracketed IPv6, an empty name).
func splitHostPort(host string) (domain, port string, ok bool) {
	host = strings.ToLower(host)
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", "", false
		}
		domain, rest := host[:end+1], host[end+1:]
		inner := domain[1:end]
		if !strings.Contains(inner, ":") {
			return "", "", false
		}
		for i := 0; i < len(inner); i++ {
			c := inner[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.') {
				return "", "", false
			}
		}
		if rest == "" {
			return domain, "", true
		}
		if !strings.HasPrefix(rest, ":") || !digits(rest[1:]) {
			return "", "", false
		}
		return domain, rest[1:], true
	}
	domain = host
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		domain, port = host[:i], host[i+1:]
		if !digits(port) {
			return "", "", false
		}
	}
	if domain == "" {
		return "", "", false
	}
	for i := 0; i < len(domain); i++ {
		c := domain[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return "", "", false
		}
	}
	domain = strings.TrimSuffix(domain, ".")
	return domain, port, domain != ""
}

func digits(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// HostValidator checks the Host header against ALLOWED_HOSTS. Build it with
// NewHostValidator; its Allowed method can be used on its own (to validate a host
// before building an absolute URL) and Handler is the middleware.
type HostValidator struct {
	patterns []hostPattern
	debug    bool
	logger   *slog.Logger
}

// NewHostValidator returns a validator for the allowed hosts. An entry is a
// domain ("example.com"), a domain with its subdomains (".example.com"), "*" for
// any host, an IP address ("203.0.113.5", "[2001:db8::1]"), optionally with a port
// that must then match ("example.com:8443"). With debug on and no entries, the
// DebugHosts are allowed; with debug off and no entries, every request is refused
// (the core's check reports that configuration as an error).
func NewHostValidator(allowed []string, debug bool, logger *slog.Logger) *HostValidator {
	if len(allowed) == 0 && debug {
		allowed = DebugHosts
	}
	hv := &HostValidator{debug: debug, logger: logger}
	for _, a := range allowed {
		if strings.TrimSpace(a) != "" {
			hv.patterns = append(hv.patterns, parseHostPattern(a))
		}
	}
	if hv.logger == nil {
		hv.logger = slog.Default()
	}
	return hv
}

// Allowed reports whether host (a Host header value) is well-formed and allowed.
func (hv *HostValidator) Allowed(host string) bool {
	domain, port, ok := splitHostPort(host)
	if !ok {
		return false
	}
	for _, p := range hv.patterns {
		if p.match(domain, port) {
			return true
		}
	}
	return false
}

// Handler is the middleware: requests whose Host is not allowed get a 400.
func (hv *HostValidator) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hv.Allowed(r.Host) {
			next.ServeHTTP(w, r)
			return
		}
		hv.logger.Warn("Invalid HTTP Host header: refused with 400", "host", r.Host, "path", r.URL.Path, "fix", hv.fix(r.Host))
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusBadRequest)
		if !hv.debug {
			io.WriteString(w, "400 Bad Request\n")
			return
		}
		if _, _, ok := splitHostPort(r.Host); !ok {
			fmt.Fprintf(w, "400 Bad Request\n\nInvalid HTTP Host header: %q. The domain name provided is not valid according to RFC 1034/1035.\n", r.Host)
			return
		}
		domain, _, _ := splitHostPort(r.Host)
		fmt.Fprintf(w, "400 Bad Request\n\nInvalid HTTP Host header: %q. You may need to add %q to ALLOWED_HOSTS.\n\n(You see this explanation because DEBUG is on.)\n", r.Host, domain)
	})
}

// fix says, for the log line of a refused request, what would let host through.
func (hv *HostValidator) fix(host string) string {
	domain, _, ok := splitHostPort(host)
	switch {
	case !ok:
		return "none: the Host header is not a valid domain name (RFC 1034/1035); a client or proxy sent it"
	case len(hv.patterns) == 0:
		return fmt.Sprintf("ALLOWED_HOSTS is empty and DEBUG is off, so every host is refused: set ALLOWED_HOSTS=%s (comma separated) if the site serves it", domain)
	default:
		return fmt.Sprintf("add %q to ALLOWED_HOSTS (comma separated) if the site serves it", domain)
	}
}
