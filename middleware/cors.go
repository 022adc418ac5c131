package middleware

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// CORSOptions configures CORS.
type CORSOptions struct {
	// AllowedOrigins lists the origins allowed to read responses, as scheme://host[:port]
	// ("https://app.example.com"). A "*" in the host's first label matches any
	// subdomain ("https://*.example.com"), on the port the entry names or, without
	// one, the scheme's default port only; the single entry "*" allows every origin
	// and is refused together with AllowCredentials. Comparison is case-insensitive.
	AllowedOrigins []string
	// AllowOriginFunc, when set, is asked about origins AllowedOrigins does not list.
	// It gets the Origin header, already checked to be a well-formed origin.
	AllowOriginFunc func(origin string, r *http.Request) bool
	// AllowedMethods are the methods a preflight may ask for. Nil means GET, HEAD and POST.
	AllowedMethods []string
	// AllowedHeaders are the request headers a preflight may ask for (case-insensitive).
	// Nil means the CORS-safelisted ones plus X-Requested-With and X-CSRFToken; "*"
	// allows any header.
	AllowedHeaders []string
	// ExposedHeaders are response headers the browser lets scripts read.
	ExposedHeaders []string
	// AllowCredentials lets browsers send cookies and HTTP auth and read the answer.
	// The matching origin is always echoed, never "*".
	AllowCredentials bool
	// MaxAge is how long browsers may cache a preflight answer. Zero sends none.
	MaxAge time.Duration
}

type cors struct {
	opts       CORSOptions
	any        bool
	exact      map[string]bool
	wildcards  [][2]string // scheme://, .suffix
	methods    string
	methodSet  map[string]bool
	anyHeader  bool
	headerSet  map[string]bool
	headers    string
	exposed    string
	maxAge     string
	credential bool
}

// CORS returns middleware implementing Cross-Origin Resource Sharing. Requests
// without an Origin header pass untouched. A request from an allowed origin gets
// Access-Control-Allow-Origin (and -Credentials, -Expose-Headers as configured); a
// request from any other origin, or with a malformed Origin, gets no CORS headers, so
// the browser keeps the answer from the page. Preflights (OPTIONS with
// Access-Control-Request-Method) are answered here: 204 with the allowed methods,
// headers and max age, or 403 with a plain reason when the origin, method or a
// header is not allowed. Responses that depend on the origin carry Vary: Origin.
//
// CORS panics on "*" in AllowedOrigins together with AllowCredentials (it would let
// every site on the web act as the logged-in user) and on a malformed origin entry.
func CORS(opts CORSOptions) func(http.Handler) http.Handler {
	c := &cors{opts: opts, exact: map[string]bool{}, credential: opts.AllowCredentials}
	for _, o := range opts.AllowedOrigins {
		o = strings.ToLower(strings.TrimSpace(o))
		if o == "*" {
			if opts.AllowCredentials {
				panic(`middleware.CORS: AllowedOrigins "*" with AllowCredentials would let every site act as the logged-in user; list the origins instead`)
			}
			c.any = true
			continue
		}
		scheme, host, ok := strings.Cut(o, "://")
		if !ok || scheme == "" || host == "" || strings.ContainsAny(host, "/?#@") {
			panic("middleware.CORS: allowed origin " + strconv.Quote(o) + " is not scheme://host[:port]")
		}
		if rest, ok := strings.CutPrefix(host, "*."); ok {
			if rest == "" || strings.Contains(rest, "*") {
				panic("middleware.CORS: allowed origin " + strconv.Quote(o) + " has a misplaced *")
			}
			c.wildcards = append(c.wildcards, [2]string{scheme + "://", "." + rest})
			continue
		}
		if strings.Contains(host, "*") {
			panic("middleware.CORS: allowed origin " + strconv.Quote(o) + " has a misplaced *")
		}
		c.exact[o] = true
	}
	methods := append([]string(nil), opts.AllowedMethods...)
	if opts.AllowedMethods == nil {
		methods = []string{http.MethodGet, http.MethodHead, http.MethodPost}
	}
	c.methodSet = map[string]bool{}
	for i, m := range methods {
		methods[i] = strings.ToUpper(m)
		c.methodSet[methods[i]] = true
	}
	c.methods = strings.Join(methods, ", ")
	headers := opts.AllowedHeaders
	if headers == nil {
		headers = []string{"Accept", "Accept-Language", "Content-Language", "Content-Type", "Range", "X-Requested-With", "X-CSRFToken"}
	}
	c.headerSet = map[string]bool{}
	for _, h := range headers {
		if h == "*" {
			c.anyHeader = true
			continue
		}
		c.headerSet[strings.ToLower(h)] = true
	}
	c.headers = strings.Join(headers, ", ")
	c.exposed = strings.Join(opts.ExposedHeaders, ", ")
	if opts.MaxAge > 0 {
		c.maxAge = strconv.Itoa(int(opts.MaxAge / time.Second))
	}
	return c.middleware
}

func (c *cors) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origins := r.Header.Values("Origin")
		if len(origins) == 0 {
			if c.echoes() {
				w.Header().Add("Vary", "Origin")
			}
			next.ServeHTTP(w, r)
			return
		}
		origin := origins[0]
		allowed := len(origins) == 1 && c.allowed(origin, r)
		h := w.Header()
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if preflight {
			h.Add("Vary", "Origin")
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			c.preflight(w, r, origin, allowed)
			return
		}
		if c.echoes() {
			h.Add("Vary", "Origin")
		}
		if allowed {
			c.setOrigin(h, origin)
			if c.exposed != "" {
				h.Set("Access-Control-Expose-Headers", c.exposed)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// echoes reports whether the answer names the request's origin (and so varies with it).
func (c *cors) echoes() bool { return !c.any || c.credential }

func (c *cors) setOrigin(h http.Header, origin string) {
	if c.any && !c.credential {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if c.credential {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

func (c *cors) preflight(w http.ResponseWriter, r *http.Request, origin string, allowed bool) {
	if !allowed {
		http.Error(w, "CORS preflight refused: origin "+strconv.Quote(origin)+" is not allowed.", http.StatusForbidden)
		return
	}
	method := strings.ToUpper(strings.TrimSpace(r.Header.Get("Access-Control-Request-Method")))
	if !c.methodSet[method] {
		http.Error(w, "CORS preflight refused: method "+strconv.Quote(method)+" is not allowed.", http.StatusForbidden)
		return
	}
	var asked []string
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !c.anyHeader && !c.headerSet[strings.ToLower(name)] {
				http.Error(w, "CORS preflight refused: header "+strconv.Quote(name)+" is not allowed.", http.StatusForbidden)
				return
			}
			asked = append(asked, name)
		}
	}
	h := w.Header()
	c.setOrigin(h, origin)
	h.Set("Access-Control-Allow-Methods", c.methods)
	switch {
	case c.anyHeader && len(asked) > 0:
		// "*" means any header only without credentials; echoing works in both cases.
		h.Set("Access-Control-Allow-Headers", strings.Join(asked, ", "))
	case !c.anyHeader && c.headers != "":
		h.Set("Access-Control-Allow-Headers", c.headers)
	}
	if c.maxAge != "" {
		h.Set("Access-Control-Max-Age", c.maxAge)
	}
	w.WriteHeader(http.StatusNoContent)
}

// allowed reports whether origin is well formed and allowed.
func (c *cors) allowed(origin string, r *http.Request) bool {
	if !validOrigin(origin) {
		return false
	}
	if c.any {
		return true
	}
	lo := strings.ToLower(origin)
	if c.exact[lo] {
		return true
	}
	for _, wc := range c.wildcards {
		// rest is host[:port]; the suffix carries the entry's port, if any, so a
		// subdomain on another port (another origin) does not match.
		if rest, ok := strings.CutPrefix(lo, wc[0]); ok && strings.HasSuffix(rest, wc[1]) && len(rest) > len(wc[1]) {
			return true
		}
	}
	return c.opts.AllowOriginFunc != nil && c.opts.AllowOriginFunc(origin, r)
}

// validOrigin reports whether s is a serialized origin: "null" or scheme://host[:port]
// with nothing else, no user info, path, query or fragment.
func validOrigin(s string) bool {
	if s == "null" {
		return true
	}
	if len(s) > 512 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#") {
		return false
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return false
		}
	}
	return u.Hostname() != ""
}
