package sitemaps

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/internal/httpx"
	"github.com/galvani-web/galvani/internal/siteurl"
	"github.com/galvani-web/galvani/paginator"
)

// ContentType is the media type sitemaps and sitemap indexes are served with.
const ContentType = "application/xml; charset=utf-8"

// Sitemaps is a site's sitemaps: named sections, served as a sitemap index
// (Index) pointing at one file per section and page (Section), or all in one file
// (Sitemap) for small sites — Django's sitemaps dict with its index and sitemap
// views.
//
//	sm := &sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{
//		"blog":   articles,
//		"static": &sitemaps.Static{Names: []string{"home", "about"}},
//	}}
//	sm.Routes(app.Group("")) // /sitemap.xml and /sitemaps/{section}.xml
//
// Every file is rendered once per page and kept in Cache when it is set; the
// responses carry an ETag (a hash of the file) and, when every URL of the file has
// a lastmod, Last-Modified (the newest), and conditional requests get 304. Pages
// are numbered from 1 with ?p=N; a page that is not a whole number, below 1 or
// past the last page is a 404, as in Django.
//
// A Sitemaps must not be changed once it serves requests.
type Sitemaps struct {
	// Sections are the site's sections by name, listed in the index in name order.
	// Names are what Section reads from the {section} parameter, without ".xml".
	Sections map[string]Section
	// SectionURL is where Index says a section's file is, with "{section}" for the
	// name: a path, or a reference relative to the index's URL. Default
	// "sitemaps/{section}.xml", which is where Routes serves them.
	SectionURL string
	// BaseURL, when set ("https://example.com"), is where paths are made absolute
	// instead of the request's scheme and host.
	BaseURL string
	// Cache, when set, keeps rendered files for CacheTimeout (the cache's default
	// timeout when zero), per site, section and page. Without it every request
	// renders the file (still answering 304s).
	Cache *cache.Cache
	// CacheTimeout is how long a rendered file is kept.
	CacheTimeout time.Duration
}

// Routes serves the index at /sitemap.xml and the sections at
// /sitemaps/{section}.xml under g, named "sitemap-index" and "sitemap-section".
func (s *Sitemaps) Routes(g *galvani.Group) {
	g.Get("/sitemap.xml", s.Index).Name("sitemap-index")
	g.Get("/sitemaps/{section}", s.Section).Name("sitemap-section")
}

// rendered is a file ready to send, kept as the chunks it was written in so that
// a large file is never copied to grow a buffer.
type rendered struct {
	chunks  [][]byte
	size    int
	etag    string
	lastMod time.Time // zero: not every URL had one
}

func newRendered(chunks [][]byte, lastMod time.Time) *rendered {
	h := sha256.New()
	size := 0
	for _, c := range chunks {
		h.Write(c)
		size += len(c)
	}
	sum := h.Sum(nil)
	return &rendered{chunks: chunks, size: size, lastMod: lastMod, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
}

// chunkSize is the size of the buffers a file is rendered into.
const chunkSize = 64 << 10

// chunker collects rendered bytes in fixed-size buffers.
type chunker struct {
	chunks [][]byte
	buf    []byte
}

func newChunker() *chunker { return &chunker{buf: make([]byte, 0, chunkSize)} }

// cut starts a new buffer when the current one is nearly full.
func (c *chunker) cut() {
	if len(c.buf) >= chunkSize-4<<10 {
		c.chunks = append(c.chunks, c.buf)
		c.buf = make([]byte, 0, chunkSize)
	}
}

func (c *chunker) done() [][]byte {
	if len(c.buf) > 0 {
		c.chunks = append(c.chunks, c.buf)
	}
	return c.chunks
}

// encode is the cache's format: lastmod (Unix nanoseconds, 0 for none), the ETag's
// length and the ETag, then the body.
func (r *rendered) encode() []byte {
	b := make([]byte, 0, 9+len(r.etag)+r.size)
	var ns int64
	if !r.lastMod.IsZero() {
		ns = r.lastMod.UnixNano()
	}
	b = binary.BigEndian.AppendUint64(b, uint64(ns))
	b = append(b, byte(len(r.etag)))
	b = append(b, r.etag...)
	for _, c := range r.chunks {
		b = append(b, c...)
	}
	return b
}

func decodeRendered(b []byte) (*rendered, bool) {
	if len(b) < 9 || len(b) < 9+int(b[8]) {
		return nil, false
	}
	body := b[9+int(b[8]):]
	r := &rendered{etag: string(b[9 : 9+int(b[8])]), chunks: [][]byte{body}, size: len(body)}
	if ns := int64(binary.BigEndian.Uint64(b)); ns != 0 {
		r.lastMod = time.Unix(0, ns).UTC()
	}
	return r, true
}

func (s *Sitemaps) site(r *http.Request) (*siteurl.Resolver, error) {
	st, err := siteurl.New(r, s.BaseURL)
	if err != nil {
		return nil, galvani.Errorf(http.StatusInternalServerError, "sitemaps: %v", err)
	}
	return st, nil
}

// pageNumber reads ?p= the way Django's sitemap views do: absent means 1; a value
// that is not a whole number of at least 1 is a 404 (one past the last page is
// found out once the sections are counted).
func pageNumber(c *galvani.Ctx) (int64, error) {
	raw, present := c.QueryValues()["p"]
	if !present {
		return 1, nil
	}
	if len(raw) == 1 {
		if n, err := strconv.ParseInt(strings.TrimSpace(raw[0]), 10, 64); err == nil && n >= 1 {
			return n, nil
		}
	}
	return 0, galvani.Error(http.StatusNotFound, "no such sitemap page")
}

// Section serves one page of the section named by the {section} route parameter
// (with or without ".xml"); an unknown section is a 404.
func (s *Sitemaps) Section(c *galvani.Ctx) error {
	name := strings.TrimSuffix(c.Param("section"), ".xml")
	sec, ok := s.Sections[name]
	if !ok {
		return galvani.Errorf(http.StatusNotFound, "no sitemap section %q", name)
	}
	return s.servePage(c, "section:"+name, []Section{sec})
}

// Sitemap serves every section in one file (Django's sitemap view without an
// index), page ?p=N of each: for sites small enough that one file holds them.
// A page past the end of every section is a 404.
func (s *Sitemaps) Sitemap(c *galvani.Ctx) error {
	return s.servePage(c, "all", s.sorted())
}

func (s *Sitemaps) sorted() []Section {
	names := make([]string, 0, len(s.Sections))
	for n := range s.Sections {
		names = append(names, n)
	}
	slices.Sort(names)
	secs := make([]Section, len(names))
	for i, n := range names {
		secs[i] = s.Sections[n]
	}
	return secs
}

func (s *Sitemaps) servePage(c *galvani.Ctx, file string, secs []Section) error {
	st, err := s.site(c.Request)
	if err != nil {
		return err
	}
	number, err := pageNumber(c)
	if err != nil {
		return err
	}
	// A cached file was a page that existed when it was rendered: it is served
	// without counting the sections again.
	key := cache.HashKey("sitemaps", st.Site(), file, strconv.FormatInt(number, 10))
	if r := s.fromCache(c, key); r != nil {
		return serve(c, r)
	}
	counts := make([]int, len(secs))
	exists := false
	for i, sec := range secs {
		n, err := sec.Len(c)
		if err != nil {
			return err
		}
		counts[i] = n
		if number <= paginator.New(int64(n), sec.PageSize()).NumPages() {
			exists = true
		}
	}
	if !exists {
		return galvani.Error(http.StatusNotFound, "no such sitemap page")
	}
	r, err := s.render(c, st, secs, counts, number)
	if err != nil {
		return err
	}
	s.store(c, key, r)
	return serve(c, r)
}

// render writes page number of every section that has it.
func (s *Sitemaps) render(c *galvani.Ctx, st *siteurl.Resolver, secs []Section, counts []int, number int64) (*rendered, error) {
	out := newChunker()
	out.buf = appendURLSetStart(out.buf)
	var latest time.Time
	allDated := true
	n := 0
	for i, sec := range secs {
		size := sec.PageSize()
		offset64 := (number - 1) * int64(size)
		if offset64 >= int64(counts[i]) && !(number == 1 && counts[i] == 0) {
			continue // this section has no such page
		}
		for u, err := range sec.URLs(c, int(offset64), size) {
			if err != nil {
				return nil, err
			}
			if u.LastMod.IsZero() {
				allDated = false
			} else if u.LastMod.After(latest) {
				latest = u.LastMod
			}
			out.buf = appendURL(out.buf, &u, st)
			out.cut()
			n++
		}
	}
	out.buf = append(out.buf, urlSetEnd...)
	if !allDated || n == 0 {
		latest = time.Time{}
	}
	return newRendered(out.done(), latest), nil
}

// Index serves the sitemap index: one entry per page of every section, in name
// order, with the section's lastmod when it implements LastModder.
func (s *Sitemaps) Index(c *galvani.Ctx) error {
	st, err := s.site(c.Request)
	if err != nil {
		return err
	}
	key := cache.HashKey("sitemaps", st.Site(), "index", c.Request.URL.EscapedPath())
	if r := s.fromCache(c, key); r != nil {
		return serve(c, r)
	}
	r, err := func() (*rendered, error) {
		pattern := s.SectionURL
		if pattern == "" {
			pattern = "sitemaps/{section}.xml"
		}
		names := make([]string, 0, len(s.Sections))
		for n := range s.Sections {
			names = append(names, n)
		}
		slices.Sort(names)
		out := newChunker()
		out.buf = appendIndexStart(out.buf)
		for _, name := range names {
			sec := s.Sections[name]
			n, err := sec.Len(c)
			if err != nil {
				return nil, err
			}
			var lastMod time.Time
			if lm, ok := sec.(LastModder); ok {
				if lastMod, err = lm.LastModified(c); err != nil {
					return nil, err
				}
			}
			ref := strings.ReplaceAll(pattern, "{section}", url.PathEscape(name))
			loc := st.Abs(ref) // a relative reference is relative to the index's URL (or BaseURL)
			pages := paginator.New(int64(n), sec.PageSize()).NumPages()
			for p := int64(1); p <= pages; p++ {
				l := loc
				if p > 1 {
					l += "?p=" + strconv.FormatInt(p, 10)
				}
				out.buf = appendIndexEntry(out.buf, l, lastMod)
				out.cut()
			}
		}
		out.buf = append(out.buf, indexEnd...)
		return newRendered(out.done(), time.Time{}), nil
	}()
	if err != nil {
		return err
	}
	s.store(c, key, r)
	return serve(c, r)
}

// fromCache returns the file cached under key, or nil. A cache that fails is
// passed over: the file is rendered.
func (s *Sitemaps) fromCache(c *galvani.Ctx, key string) *rendered {
	if s.Cache == nil {
		return nil
	}
	b, ok, err := s.Cache.Get(c.Context(), key)
	if err != nil || !ok {
		return nil
	}
	r, _ := decodeRendered(b)
	return r
}

// store keeps a rendered file in the cache, when there is one; a full or failing
// cache only costs a render next time.
func (s *Sitemaps) store(c *galvani.Ctx, key string, r *rendered) {
	if s.Cache != nil {
		_ = s.Cache.Set(c.Context(), key, r.encode(), s.CacheTimeout)
	}
}

// serve answers with a rendered file, or 304/412.
func serve(c *galvani.Ctx, r *rendered) error {
	h := c.Response.Header()
	h.Set("ETag", r.etag)
	if !r.lastMod.IsZero() {
		h.Set("Last-Modified", r.lastMod.UTC().Format(http.TimeFormat))
	}
	// Sitemaps are for crawlers, not search results (Django sets the same).
	h.Set("X-Robots-Tag", "noindex, noodp, noarchive")
	switch httpx.Preconditions(c.Request, h) {
	case http.StatusNotModified:
		c.Response.WriteHeader(http.StatusNotModified)
		return nil
	case http.StatusPreconditionFailed:
		h.Del("ETag")
		h.Del("Last-Modified")
		return c.Text(http.StatusPreconditionFailed, "Precondition Failed\n")
	}
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(r.size))
	c.Response.WriteHeader(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return nil
	}
	for _, chunk := range r.chunks {
		if _, err := c.Response.Write(chunk); err != nil {
			return err
		}
	}
	return nil
}
