package cache

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
)

// DefaultMaxPageBytes is the largest response body the page cache keeps.
const DefaultMaxPageBytes = 1 << 20

// PageOptions configure per-view caching (Page) and the site-wide cache middleware.
type PageOptions struct {
	// Cache is where pages are kept. Nil means the project's cache named Alias
	// (found in the request; install App).
	Cache *Cache
	// Alias names the project's cache to use when Cache is nil. Default: the
	// "cache" section's MiddlewareAlias, else "default".
	Alias string
	// TTL is how long a page is kept; a response's Cache-Control max-age shortens
	// it. Zero means the "cache" section's MiddlewareSeconds (10 minutes).
	TTL time.Duration
	// KeyPrefix is put in the page keys (Django's key_prefix).
	KeyPrefix string
	// MaxBytes is the largest body kept. Zero means DefaultMaxPageBytes.
	MaxBytes int
	// Logger receives failures of the cache backend (the page is then served
	// uncached). Nil means slog.Default().
	Logger *slog.Logger
}

// Page caches the responses of a Galvani handler (Django's cache_page):
//
//	app.Get("/articles/", cache.Page(cache.PageOptions{TTL: 15 * time.Minute})(articleList))
//
// A GET (or HEAD) request is answered from the cache when an earlier response to
// the same URL is there and still fresh; otherwise the handler runs and its
// response is stored. Stored pages are keyed by the URL and by the request headers
// the response named in Vary, so a page that depends on the session (which adds
// Vary: Cookie as soon as it is read — the logged-in user is read from it) is kept
// per session and never served to another visitor.
//
// A response is not stored when it is not a 200, sets a cookie, says
// Cache-Control: private, no-store or no-cache (or max-age=0), has Vary: *, is
// streamed (flushed), is larger than MaxBytes, or answers a request with an
// Authorization header without Cache-Control: public. Stored responses get
// Cache-Control max-age and Expires headers for the time they are kept (with
// private when they vary on Cookie or Authorization), as Django's
// patch_response_headers does.
func Page(opts PageOptions) func(galvani.HandlerFunc) galvani.HandlerFunc {
	p := newPager(opts)
	return func(h galvani.HandlerFunc) galvani.HandlerFunc {
		return func(c *galvani.Ctx) error {
			r := c.Request
			pc, err := p.cacheFor(r, c.App())
			if err != nil {
				return err
			}
			if p.serveCached(pc, c.Response, r) {
				return nil
			}
			orig := c.Response
			cw := newCapture(orig, p.maxBytes)
			c.Response = cw
			err = h(c)
			c.Response = orig
			if err != nil {
				// Nothing reached the client unless the handler streamed: the error
				// page replaces what was buffered.
				return err
			}
			p.finish(pc, cw, r, p.ttl(c.App()))
			return nil
		}
	}
}

// Middleware caches every response of the handlers it wraps (Django's
// UpdateCacheMiddleware and FetchFromCacheMiddleware in one), with the rules of
// Page. settings supplies the "cache" section's defaults and the project's caches
// when opts.Cache is nil.
func Middleware(settings *galvani.Settings, opts PageOptions) func(http.Handler) http.Handler {
	cfg := config(settings)
	if opts.TTL == 0 {
		opts.TTL = cfg.MiddlewareSeconds
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = cfg.MiddlewareKeyPrefix
	}
	if opts.Cache == nil {
		alias := opts.Alias
		if alias == "" {
			alias = cfg.MiddlewareAlias
		}
		cs, err := For(settings)
		if err != nil {
			panic(err)
		}
		c, err := cs.Get(alias)
		if err != nil {
			panic(err)
		}
		opts.Cache = c
	}
	p := newPager(opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p.serveCached(opts.Cache, w, r) {
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			cw := newCapture(w, p.maxBytes)
			next.ServeHTTP(cw, r)
			p.finish(opts.Cache, cw, r, opts.TTL)
		})
	}
}

type pager struct {
	opts     PageOptions
	maxBytes int
}

func newPager(opts PageOptions) *pager {
	p := &pager{opts: opts, maxBytes: opts.MaxBytes}
	if p.maxBytes <= 0 {
		p.maxBytes = DefaultMaxPageBytes
	}
	return p
}

func (p *pager) logger() *slog.Logger {
	if p.opts.Logger != nil {
		return p.opts.Logger
	}
	return slog.Default()
}

// cacheFor finds the cache of a Page: the one given, or the project's by alias.
func (p *pager) cacheFor(r *http.Request, app *galvani.App) (*Cache, error) {
	if p.opts.Cache != nil {
		return p.opts.Cache, nil
	}
	alias := p.opts.Alias
	if alias == "" && app != nil {
		alias = config(&app.Settings).MiddlewareAlias
	}
	if alias == "" {
		alias = "default"
	}
	if cs := CachesFrom(r.Context()); cs != nil {
		return cs.Get(alias)
	}
	if app != nil {
		cs, err := For(&app.Settings)
		if err != nil {
			return nil, err
		}
		return cs.Get(alias)
	}
	return nil, errors.New("cache: Page has no cache (set PageOptions.Cache or install cache.App)")
}

func (p *pager) ttl(app *galvani.App) time.Duration {
	if p.opts.TTL > 0 {
		return p.opts.TTL
	}
	if app != nil {
		return config(&app.Settings).MiddlewareSeconds
	}
	return DefaultMiddlewareSeconds
}

// absoluteURL is the URL a page is keyed by: scheme, host, path and query.
func absoluteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

func (p *pager) headerKey(r *http.Request) string {
	return "views.page.h." + HashKey(p.opts.KeyPrefix, absoluteURL(r))[:40]
}

func (p *pager) pageKey(r *http.Request, vary []string) string {
	parts := make([]string, 0, 3+2*len(vary))
	parts = append(parts, p.opts.KeyPrefix, http.MethodGet, absoluteURL(r))
	for _, h := range vary {
		parts = append(parts, h, strings.Join(r.Header.Values(h), ","))
	}
	return "views.page.p." + HashKey(parts...)[:40]
}

// cacheableRequest reports whether a request may be answered from, and its answer
// stored in, the cache.
func cacheableRequest(r *http.Request) bool {
	return r.Method == http.MethodGet || r.Method == http.MethodHead
}

// serveCached answers r from the cache when it can, and reports whether it did.
func (p *pager) serveCached(c *Cache, w http.ResponseWriter, r *http.Request) bool {
	if !cacheableRequest(r) {
		return false
	}
	ctx := r.Context()
	hk, ok, err := c.Get(ctx, p.headerKey(r))
	if err != nil {
		p.logger().Warn("cache: page lookup failed", "err", err)
		return false
	}
	if !ok {
		return false
	}
	vary := splitVaryList(string(hk))
	if r.Header.Get("Authorization") != "" && !containsFold(vary, "Authorization") {
		// A stored page may be shared only if it was public; it says so itself.
		pageBytes, ok, err := c.Get(ctx, p.pageKey(r, vary))
		if err != nil || !ok {
			return false
		}
		pg, err := decodePage(pageBytes)
		if err != nil || !hasDirective(pg.header.Values("Cache-Control"), "public") {
			return false
		}
		pg.write(w, r)
		return true
	}
	b, ok, err := c.Get(ctx, p.pageKey(r, vary))
	if err != nil || !ok {
		return false
	}
	pg, err := decodePage(b)
	if err != nil {
		p.logger().Warn("cache: a stored page does not decode; serving uncached", "err", err)
		return false
	}
	pg.write(w, r)
	return true
}

// finish sends the captured response and stores it when it may be shared.
func (p *pager) finish(c *Cache, cw *capture, r *http.Request, keep time.Duration) {
	if cw.passthrough {
		return
	}
	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	h := cw.Header()
	if ttl, ok := p.storable(r, status, h, cw.buf.Len(), keep); ok {
		cc := h.Values("Cache-Control")
		if !hasDirective(cc, "max-age") {
			d := "max-age=" + strconv.FormatInt(int64((ttl+time.Second-1)/time.Second), 10)
			if vary := varyHeaders(h); containsFold(vary, "Cookie") || containsFold(vary, "Authorization") {
				if !hasDirective(cc, "private") {
					d = "private, " + d
				}
			}
			if len(cc) > 0 {
				h.Set("Cache-Control", strings.Join(cc, ", ")+", "+d)
			} else {
				h.Set("Cache-Control", d)
			}
		}
		if h.Get("Expires") == "" {
			h.Set("Expires", time.Now().Add(ttl).UTC().Format(http.TimeFormat))
		}
		p.store(c, r, status, cw, ttl)
	}
	cw.flush()
}

// storable applies the rules of Page and returns the time to keep the response.
func (p *pager) storable(r *http.Request, status int, h http.Header, n int, ttl time.Duration) (time.Duration, bool) {
	if r.Method != http.MethodGet || status != http.StatusOK || n > p.maxBytes {
		return 0, false
	}
	if len(h.Values("Set-Cookie")) > 0 {
		return 0, false
	}
	cc := h.Values("Cache-Control")
	if hasDirective(cc, "private") || hasDirective(cc, "no-store") || hasDirective(cc, "no-cache") {
		return 0, false
	}
	vary := varyHeaders(h)
	if containsFold(vary, "*") {
		return 0, false
	}
	if r.Header.Get("Authorization") != "" && !hasDirective(cc, "public") && !containsFold(vary, "Authorization") {
		return 0, false
	}
	if v, ok := directiveValue(cc, "max-age"); ok {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs <= 0 {
			return 0, false
		}
		if d := time.Duration(secs) * time.Second; secs < int64(ttl/time.Second) {
			ttl = d
		}
	}
	return ttl, true
}

func (p *pager) store(c *Cache, r *http.Request, status int, cw *capture, ttl time.Duration) {
	ctx := context.WithoutCancel(r.Context())
	h := cw.Header()
	vary := varyHeaders(h)
	pg := &page{status: status, header: cw.changedHeaders(), body: cw.buf.Bytes()}
	if err := c.Set(ctx, p.pageKey(r, vary), pg.encode(), ttl); err != nil {
		p.logger().Warn("cache: storing a page failed", "err", err)
		return
	}
	// The list of Vary headers lives a little longer than any page it describes.
	if err := c.Set(ctx, p.headerKey(r), []byte(strings.Join(vary, "\n")), ttl+time.Minute); err != nil {
		p.logger().Warn("cache: storing a page's Vary list failed", "err", err)
	}
}

// varyHeaders returns the canonical header names of h's Vary, sorted, deduplicated.
func varyHeaders(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Vary") {
		for _, f := range strings.Split(line, ",") {
			if f = strings.TrimSpace(f); f != "" {
				if f != "*" {
					f = textproto.CanonicalMIMEHeaderKey(f)
				}
				if !containsFold(out, f) {
					out = append(out, f)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func splitVaryList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(s, "\n") {
		if f != "" && len(f) < 256 {
			out = append(out, f)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// directives splits Cache-Control header lines into lower-cased name, value pairs.
func directiveValue(lines []string, name string) (string, bool) {
	for _, line := range lines {
		for _, d := range strings.Split(line, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(d), "=")
			if strings.EqualFold(strings.TrimSpace(k), name) {
				return strings.Trim(strings.TrimSpace(v), `"`), true
			}
		}
	}
	return "", false
}

func hasDirective(lines []string, name string) bool {
	_, ok := directiveValue(lines, name)
	return ok
}

// ---- the captured response ----

// capture buffers a response so that it can be stored before it is sent. It
// shares the header map of the writer it wraps (so Vary added by a session or
// CSRF middleware around it is seen), and remembers the headers as they were
// before the handler ran, to store only what the handler set. A flushed or
// hijacked response, or one past the size bound, streams through uncached.
type capture struct {
	w           http.ResponseWriter
	before      http.Header
	status      int
	buf         bytes.Buffer
	max         int
	passthrough bool
	wroteHeader bool
}

func newCapture(w http.ResponseWriter, max int) *capture {
	return &capture{w: w, before: w.Header().Clone(), max: max}
}

func (c *capture) Header() http.Header { return c.w.Header() }

func (c *capture) WriteHeader(status int) {
	if c.passthrough {
		c.w.WriteHeader(status)
		return
	}
	if c.wroteHeader || status < 200 {
		if status >= 100 && status < 200 {
			c.w.WriteHeader(status) // informational responses go out at once
		}
		return
	}
	c.wroteHeader = true
	c.status = status
}

func (c *capture) Write(b []byte) (int, error) {
	if c.passthrough {
		return c.w.Write(b)
	}
	if !c.wroteHeader {
		c.WriteHeader(http.StatusOK)
	}
	if c.buf.Len()+len(b) > c.max {
		c.stream()
		return c.w.Write(b)
	}
	return c.buf.Write(b)
}

// stream sends what was buffered and passes everything after it straight through.
func (c *capture) stream() {
	if c.passthrough {
		return
	}
	c.passthrough = true
	c.flush()
}

// flush writes the buffered status and body to the underlying writer.
func (c *capture) flush() {
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	c.w.WriteHeader(status)
	if c.buf.Len() > 0 {
		c.w.Write(c.buf.Bytes())
	}
	c.buf = bytes.Buffer{}
}

// Flush streams the response: a flushed response is never cached.
func (c *capture) Flush() {
	c.stream()
	http.NewResponseController(c.w).Flush()
}

// Hijack hands the connection over; the response is not cached.
func (c *capture) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c.passthrough = true
	return http.NewResponseController(c.w).Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *capture) Unwrap() http.ResponseWriter { return c.w }

// changedHeaders returns the headers whose values differ from before the handler.
func (c *capture) changedHeaders() http.Header {
	out := http.Header{}
	for k, vs := range c.w.Header() {
		if k == "Set-Cookie" {
			continue
		}
		old, had := c.before[k]
		if !had || !equalStrings(old, vs) {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ---- stored pages ----

// page is a stored response.
type page struct {
	status int
	header http.Header
	body   []byte
}

// pageMagic starts every stored page, so a value stored by other code under the
// same key is recognised as foreign rather than misread.
const pageMagic = "GVPG1"

// encode serialises the page: magic, status, headers (count, then name and
// values, each length-prefixed), then the body.
func (p *page) encode() []byte {
	b := make([]byte, 0, len(p.body)+256)
	b = append(b, pageMagic...)
	b = binary.AppendUvarint(b, uint64(p.status))
	names := make([]string, 0, len(p.header))
	for k := range p.header {
		names = append(names, k)
	}
	sort.Strings(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, k := range names {
		b = appendString(b, k)
		vs := p.header[k]
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendString(b, v)
		}
	}
	return append(b, p.body...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errBadPage = errors.New("cache: malformed stored page")

// decodePage parses what encode made, refusing anything else without panicking.
func decodePage(b []byte) (*page, error) {
	if !bytes.HasPrefix(b, []byte(pageMagic)) {
		return nil, errBadPage
	}
	b = b[len(pageMagic):]
	num := func() (uint64, bool) {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return n, true
	}
	str := func() (string, bool) {
		n, ok := num()
		if !ok || n > uint64(len(b)) {
			return "", false
		}
		s := string(b[:n])
		b = b[n:]
		return s, true
	}
	status, ok := num()
	if !ok || status < 200 || status > 599 {
		return nil, errBadPage
	}
	nh, ok := num()
	if !ok || nh > uint64(len(b)) || nh > 1000 {
		return nil, errBadPage
	}
	h := make(http.Header, nh)
	for i := uint64(0); i < nh; i++ {
		k, ok := str()
		if !ok || k == "" {
			return nil, errBadPage
		}
		nv, ok := num()
		if !ok || nv > uint64(len(b))+1 || nv > 1000 {
			return nil, errBadPage
		}
		for j := uint64(0); j < nv; j++ {
			v, ok := str()
			if !ok {
				return nil, errBadPage
			}
			h[k] = append(h[k], v)
		}
	}
	return &page{status: int(status), header: h, body: b}, nil
}

// write answers r with the stored page.
func (p *page) write(w http.ResponseWriter, r *http.Request) {
	dst := w.Header()
	for k, vs := range p.header {
		if k == "Vary" {
			for _, v := range vs {
				for _, f := range strings.Split(v, ",") {
					if f = strings.TrimSpace(f); f != "" && !containsFold(varyHeaders(dst), f) {
						dst.Add("Vary", f)
					}
				}
			}
			continue
		}
		dst[k] = append([]string(nil), vs...)
	}
	w.WriteHeader(p.status)
	if r.Method != http.MethodHead {
		w.Write(p.body)
	}
}
