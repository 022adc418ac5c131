package sitemaps_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/i18n"
	"github.com/galvani-web/galvani/internal/xmlcheck"
	"github.com/galvani-web/galvani/sitemaps"
)

type page struct {
	Slug    string
	Updated time.Time
}

func pages(n int) []page {
	out := make([]page, n)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range out {
		out[i] = page{Slug: fmt.Sprintf("p%d", i+1), Updated: t0.Add(time.Duration(i) * time.Hour)}
	}
	return out
}

func pageSitemap(items []page) *sitemaps.Sitemap[page] {
	return &sitemaps.Sitemap[page]{
		Items:      sitemaps.Slice(items),
		Location:   func(_ *galvani.Ctx, p *page) (string, error) { return "/pages/" + p.Slug + "/", nil },
		LastMod:    func(p *page) time.Time { return p.Updated },
		ChangeFreq: sitemaps.Weekly,
		Priority:   0.8,
	}
}

func newApp(sm *sitemaps.Sitemaps) *galvani.App {
	app := galvani.New()
	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "home") }).Name("home")
	app.Get("/about/", func(c *galvani.Ctx) error { return c.Text(200, "about") }).Name("about")
	sm.Routes(app.Group(""))
	app.Get("/all-sitemap.xml", sm.Sitemap)
	return app
}

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

type urlset struct {
	URLs []struct {
		Loc        string `xml:"loc"`
		LastMod    string `xml:"lastmod"`
		ChangeFreq string `xml:"changefreq"`
		Priority   string `xml:"priority"`
		Links      []struct {
			Rel      string `xml:"rel,attr"`
			HrefLang string `xml:"hreflang,attr"`
			Href     string `xml:"href,attr"`
		} `xml:"http://www.w3.org/1999/xhtml link"`
	} `xml:"url"`
}

func parseURLSet(t *testing.T, body []byte) urlset {
	t.Helper()
	var u urlset
	if err := xml.Unmarshal(body, &u); err != nil {
		t.Fatalf("not XML: %v\n%.2000s", err, body)
	}
	return u
}

type sitemapIndex struct {
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

func TestSectionFileIsValidWithAbsoluteLocationsAndHeaders(t *testing.T) {
	sm := &sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{
		"pages":  pageSitemap(pages(3)),
		"static": &sitemaps.Static{Names: []string{"home", "about"}, ChangeFreq: sitemaps.Daily, Priority: 1},
	}}
	app := newApp(sm)
	w := get(t, app, "https://www.example.com/sitemaps/pages.xml")
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("Content-Type") != "application/xml; charset=utf-8" || h.Get("ETag") == "" ||
		h.Get("Last-Modified") != "Thu, 01 Jan 2026 02:00:00 GMT" || h.Get("X-Robots-Tag") == "" {
		t.Errorf("headers %v", h)
	}
	u := parseURLSet(t, w.Body.Bytes())
	if len(u.URLs) != 3 {
		t.Fatalf("%d URLs", len(u.URLs))
	}
	first := u.URLs[0]
	if first.Loc != "https://www.example.com/pages/p1/" || first.LastMod != "2026-01-01T00:00:00Z" ||
		first.ChangeFreq != "weekly" || first.Priority != "0.8" {
		t.Errorf("first URL %+v", first)
	}
	xmlcheck.Sitemap(t, w.Body.Bytes(), false)

	w = get(t, app, "http://example.com/sitemaps/static.xml")
	u = parseURLSet(t, w.Body.Bytes())
	if len(u.URLs) != 2 || u.URLs[0].Loc != "http://example.com/" || u.URLs[1].Loc != "http://example.com/about/" ||
		u.URLs[0].Priority != "1.0" || u.URLs[0].ChangeFreq != "daily" {
		t.Errorf("static section %+v", u)
	}
	if w.Header().Get("Last-Modified") != "" {
		t.Errorf("a file with undated URLs claims Last-Modified %q", w.Header().Get("Last-Modified"))
	}
	xmlcheck.Sitemap(t, w.Body.Bytes(), false)

	if w := get(t, app, "http://example.com/sitemaps/nope.xml"); w.Code != 404 {
		t.Errorf("unknown section: %d", w.Code)
	}
}

func TestIndexListsEveryPageAndPagesSplitAtTheLimit(t *testing.T) {
	sec := pageSitemap(pages(10))
	sec.Limit = 3
	sec.LatestLastMod = func(*galvani.Ctx) (time.Time, error) { return time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC), nil }
	sm := &sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{
		"pages":  sec,
		"static": &sitemaps.Static{Names: []string{"home"}},
	}}
	app := newApp(sm)
	w := get(t, app, "http://example.com/sitemap.xml")
	if w.Code != 200 || w.Header().Get("Content-Type") != sitemaps.ContentType {
		t.Fatalf("index: %d %v", w.Code, w.Header())
	}
	var idx sitemapIndex
	if err := xml.Unmarshal(w.Body.Bytes(), &idx); err != nil {
		t.Fatal(err)
	}
	var locs []string
	for _, s := range idx.Sitemaps {
		locs = append(locs, s.Loc)
	}
	want := "http://example.com/sitemaps/pages.xml http://example.com/sitemaps/pages.xml?p=2 http://example.com/sitemaps/pages.xml?p=3 " +
		"http://example.com/sitemaps/pages.xml?p=4 http://example.com/sitemaps/static.xml"
	if strings.Join(locs, " ") != want {
		t.Errorf("index locations\n%s\nwant\n%s", strings.Join(locs, " "), want)
	}
	if idx.Sitemaps[0].LastMod != "2026-02-03T04:05:06Z" || idx.Sitemaps[4].LastMod != "" {
		t.Errorf("lastmods %+v", idx.Sitemaps)
	}
	xmlcheck.Sitemap(t, w.Body.Bytes(), true)

	for p, wantLocs := range map[string]string{
		"":  "p1 p2 p3",
		"1": "p1 p2 p3",
		"2": "p4 p5 p6",
		"4": "p10",
	} {
		target := "http://example.com/sitemaps/pages.xml"
		if p != "" {
			target += "?p=" + p
		}
		w := get(t, app, target)
		if w.Code != 200 {
			t.Errorf("p=%s: %d", p, w.Code)
			continue
		}
		var got []string
		for _, u := range parseURLSet(t, w.Body.Bytes()).URLs {
			got = append(got, strings.TrimSuffix(strings.TrimPrefix(u.Loc, "http://example.com/pages/"), "/"))
		}
		if strings.Join(got, " ") != wantLocs {
			t.Errorf("p=%s: %v, want %s", p, got, wantLocs)
		}
	}
}

func TestHostilePageNumbersAre404(t *testing.T) {
	sec := pageSitemap(pages(10))
	sec.Limit = 3
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"pages": sec}})
	for _, q := range []string{"p=-1", "p=0", "p=5", "p=abc", "p=1.5", "p=", "p=last", "p=99999999999999999999999",
		"p=9223372036854775807", "p=-9223372036854775808", "p=1&p=2", "p=%00", "p=1e3", "p=0x2"} {
		for _, path := range []string{"/sitemaps/pages.xml", "/all-sitemap.xml"} {
			w := get(t, app, "http://example.com"+path+"?"+q)
			if w.Code != 404 {
				t.Errorf("%s?%s: %d, want 404", path, q, w.Code)
			}
		}
	}
	if w := get(t, app, "http://example.com/all-sitemap.xml?p=4"); w.Code != 200 || len(parseURLSet(t, w.Body.Bytes()).URLs) != 1 {
		t.Errorf("all-in-one page 4: %d", w.Code)
	}
}

func TestConditionalRequestsAnd304(t *testing.T) {
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"pages": pageSitemap(pages(3))}})
	w := get(t, app, "http://example.com/sitemaps/pages.xml")
	etag, lm := w.Header().Get("ETag"), w.Header().Get("Last-Modified")
	for _, tc := range []struct {
		header, value string
		want          int
	}{
		{"If-None-Match", etag, 304},
		{"If-None-Match", `"stale"`, 200},
		{"If-Modified-Since", lm, 304},
		{"If-Modified-Since", "Thu, 01 Jan 2026 01:59:59 GMT", 200},
		{"If-Match", `"stale"`, 412},
	} {
		w := get(t, app, "http://example.com/sitemaps/pages.xml", tc.header, tc.value)
		if w.Code != tc.want {
			t.Errorf("%s: %s → %d, want %d", tc.header, tc.value, w.Code, tc.want)
		}
		if w.Code == 304 && w.Body.Len() != 0 {
			t.Errorf("304 with a body")
		}
	}
	w = get(t, app, "http://example.com/sitemap.xml")
	if w2 := get(t, app, "http://example.com/sitemap.xml", "If-None-Match", w.Header().Get("ETag")); w2.Code != 304 {
		t.Errorf("index revalidation: %d", w2.Code)
	}
}

// countingSource counts how often it is counted and read.
type countingSource struct {
	sitemaps.Source[page]
	counts, reads atomic.Int32
}

func (c *countingSource) Count(ctx context.Context) (int, error) {
	c.counts.Add(1)
	return c.Source.Count(ctx)
}

func (c *countingSource) Items(ctx context.Context, offset, limit int) iter.Seq2[*page, error] {
	c.reads.Add(1)
	return c.Source.Items(ctx, offset, limit)
}

func TestCacheKeepsRenderedFilesPerSite(t *testing.T) {
	src := &countingSource{Source: sitemaps.Slice(pages(5))}
	sec := pageSitemap(nil)
	sec.Items = src
	c := cache.New(cache.NewLRU(cache.LRUOptions{}), cache.Options{Timeout: time.Minute})
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"pages": sec}, Cache: c})
	a := get(t, app, "http://a.example.com/sitemaps/pages.xml")
	b := get(t, app, "http://a.example.com/sitemaps/pages.xml")
	if src.reads.Load() != 1 || a.Body.String() != b.Body.String() || a.Header().Get("ETag") != b.Header().Get("ETag") ||
		a.Header().Get("Last-Modified") != b.Header().Get("Last-Modified") {
		t.Fatalf("%d reads; cached copy differs: %v vs %v", src.reads.Load(), a.Header(), b.Header())
	}
	if w := get(t, app, "http://a.example.com/sitemaps/pages.xml", "If-None-Match", a.Header().Get("ETag")); w.Code != 304 {
		t.Errorf("cached revalidation: %d", w.Code)
	}
	if src.counts.Load() != 1 {
		t.Errorf("a cached file was served after %d counts, want the first request's only", src.counts.Load())
	}
	get(t, app, "http://a.example.com/sitemap.xml")
	if i := get(t, app, "http://a.example.com/sitemap.xml"); src.counts.Load() != 2 || i.Code != 200 {
		t.Errorf("the cached index counted again (%d counts)", src.counts.Load())
	}
	if w := get(t, app, "http://a.example.com/sitemaps/pages.xml?p=2"); w.Code != 404 || src.counts.Load() != 3 {
		t.Errorf("p=2 of one page: %d after %d counts", w.Code, src.counts.Load())
	}
	other := get(t, app, "https://b.example.com/sitemaps/pages.xml")
	if src.reads.Load() != 2 || !strings.Contains(other.Body.String(), "https://b.example.com/pages/p1/") {
		t.Errorf("another site served the first site's file (%d reads)", src.reads.Load())
	}
}

func TestLocationsWithHostileCharactersStayValid(t *testing.T) {
	items := []page{{Slug: "a\x00b\x1bc"}, {Slug: "<&>\"'"}, {Slug: "ünï cödé"}, {Slug: "bad\xffutf8"}}
	sec := pageSitemap(items)
	sec.Priority = 7 // clamped to 1.0
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"pages": sec}})
	w := get(t, app, "http://example.com/sitemaps/pages.xml")
	u := parseURLSet(t, w.Body.Bytes())
	if len(u.URLs) != 4 || u.URLs[0].Priority != "1.0" {
		t.Fatalf("%+v", u)
	}
	for _, x := range u.URLs {
		if strings.ContainsAny(x.Loc, "\x00\x1b <>\"") {
			t.Errorf("loc %q is not an escaped URL", x.Loc)
		}
	}
	xmlcheck.Sitemap(t, w.Body.Bytes(), false)
}

func newI18nApp(t *testing.T, sm func(loc *i18n.Locale) *sitemaps.Sitemaps) *galvani.App {
	t.Helper()
	cfg := &i18n.Config{LanguageCode: "en", Languages: []string{"en", "fr", "pt-br"}, URLPrefix: true}
	s := galvani.Settings{Debug: true, SecretKey: strings.Repeat("k", 50), Sections: map[string]any{"i18n": cfg}}
	loc := &i18n.Locale{}
	app := galvani.New(s, loc)
	app.Use(loc.Middleware)
	sm(loc).Routes(app.Group(""))
	return app
}

func TestI18nListsEveryLanguageWithHreflangAlternates(t *testing.T) {
	var langs []string
	app := newI18nApp(t, func(loc *i18n.Locale) *sitemaps.Sitemaps {
		sec := pageSitemap(pages(3))
		sec.I18n, sec.Alternates, sec.XDefault, sec.Locale, sec.Limit = true, true, true, loc, 4
		loc2 := sec.Location
		sec.Location = func(c *galvani.Ctx, p *page) (string, error) {
			langs = append(langs, i18n.LanguageFrom(c.Request.Context()))
			return loc2(c, p)
		}
		return &sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"pages": sec}}
	})
	w := get(t, app, "http://example.com/sitemap.xml")
	var idx sitemapIndex
	if err := xml.Unmarshal(w.Body.Bytes(), &idx); err != nil || len(idx.Sitemaps) != 3 {
		t.Fatalf("9 entries at 4 a page should make 3 pages: %v %s", err, w.Body)
	}
	var all []string
	for p := 1; p <= 3; p++ {
		w := get(t, app, fmt.Sprintf("http://example.com/sitemaps/pages.xml?p=%d", p))
		if w.Code != 200 {
			t.Fatalf("p=%d: %d %s", p, w.Code, w.Body)
		}
		u := parseURLSet(t, w.Body.Bytes())
		for _, x := range u.URLs {
			all = append(all, strings.TrimPrefix(x.Loc, "http://example.com"))
			if len(x.Links) != 4 {
				t.Fatalf("%s: %d alternates", x.Loc, len(x.Links))
			}
		}
		if p == 1 {
			x := u.URLs[1]
			got := fmt.Sprintf("%s %s=%s %s=%s %s=%s %s=%s", x.Loc, x.Links[0].HrefLang, x.Links[0].Href, x.Links[1].HrefLang, x.Links[1].Href,
				x.Links[2].HrefLang, x.Links[2].Href, x.Links[3].HrefLang, x.Links[3].Href)
			want := "http://example.com/fr/pages/p1/ en=http://example.com/pages/p1/ fr=http://example.com/fr/pages/p1/ " +
				"pt-br=http://example.com/pt-br/pages/p1/ x-default=http://example.com/pages/p1/"
			if got != want {
				t.Errorf("alternates\n%s\nwant\n%s", got, want)
			}
		}
		xmlcheck.Sitemap(t, w.Body.Bytes(), false)
	}
	want := "/pages/p1/ /fr/pages/p1/ /pt-br/pages/p1/ /pages/p2/ /fr/pages/p2/ /pt-br/pages/p2/ /pages/p3/ /fr/pages/p3/ /pt-br/pages/p3/"
	if strings.Join(all, " ") != want {
		t.Errorf("entries across pages\n%s\nwant\n%s", strings.Join(all, " "), want)
	}
	if !strings.Contains(strings.Join(langs, ","), "fr") || !strings.Contains(strings.Join(langs, ","), "pt-br") {
		t.Errorf("Location ran with languages %v", langs)
	}
}

// generated yields n pages without holding them.
type generated int

func (g generated) Count(context.Context) (int, error) { return int(g), nil }

func (g generated) Items(_ context.Context, offset, limit int) iter.Seq2[*page, error] {
	return func(yield func(*page, error) bool) {
		p := page{Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		for i := offset; i < min(offset+limit, int(g)); i++ {
			p.Slug = fmt.Sprintf("item-%d", i)
			if !yield(&p, nil) {
				return
			}
		}
	}
}

func TestFiftyThousandURLsAPageAndNoMore(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 120,000 URLs")
	}
	sec := pageSitemap(nil)
	sec.Items = generated(120000)
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"big": sec}})
	var idx sitemapIndex
	if err := xml.Unmarshal(get(t, app, "http://example.com/sitemap.xml").Body.Bytes(), &idx); err != nil || len(idx.Sitemaps) != 3 {
		t.Fatalf("index: %v %+v", err, idx)
	}
	w := get(t, app, "http://example.com/sitemaps/big.xml?p=1")
	if n := strings.Count(w.Body.String(), "<url>"); n != sitemaps.MaxURLs {
		t.Errorf("page 1 has %d URLs", n)
	}
	xmlcheck.Sitemap(t, w.Body.Bytes(), false)
	w = get(t, app, "http://example.com/sitemaps/big.xml?p=3")
	if n := strings.Count(w.Body.String(), "<url>"); n != 20000 || !strings.Contains(w.Body.String(), "/pages/item-119999/") {
		t.Errorf("page 3 has %d URLs", n)
	}
	if w := get(t, app, "http://example.com/sitemaps/big.xml?p=4"); w.Code != 404 {
		t.Errorf("page 4: %d", w.Code)
	}
}

func TestErrorsBecomeResponses(t *testing.T) {
	failing := &sitemaps.Sitemap[page]{Items: sitemaps.Slice(pages(2)),
		Location: func(*galvani.Ctx, *page) (string, error) { return "", galvani.Error(410, "gone") }}
	incomplete := &sitemaps.Sitemap[page]{Items: sitemaps.Slice(pages(2))}
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{
		"failing": failing, "incomplete": incomplete, "unknown": &sitemaps.Static{Names: []string{"no-such-route"}},
	}})
	for path, want := range map[string]int{"/sitemaps/failing.xml": 410, "/sitemaps/incomplete.xml": 500, "/sitemaps/unknown.xml": 500} {
		if w := get(t, app, "http://example.com"+path); w.Code != want {
			t.Errorf("%s: %d, want %d", path, w.Code, want)
		}
	}
	bad := newApp(&sitemaps.Sitemaps{BaseURL: "not a url", Sections: map[string]sitemaps.Section{"p": pageSitemap(pages(1))}})
	if w := get(t, bad, "http://example.com/sitemap.xml"); w.Code != 500 {
		t.Errorf("bad BaseURL: %d", w.Code)
	}
}

func TestBaseURLOverridesTheRequestSite(t *testing.T) {
	app := newApp(&sitemaps.Sitemaps{BaseURL: "https://www.example.org", Sections: map[string]sitemaps.Section{"pages": pageSitemap(pages(1))}})
	if body := get(t, app, "http://10.0.0.1:8000/sitemaps/pages.xml").Body.String(); !strings.Contains(body, "<loc>https://www.example.org/pages/p1/</loc>") {
		t.Errorf("%s", body)
	}
	if body := get(t, app, "http://10.0.0.1:8000/sitemap.xml").Body.String(); !strings.Contains(body, "<loc>https://www.example.org/sitemaps/pages.xml</loc>") {
		t.Errorf("%s", body)
	}
}

// FuzzPageParameter checks that any ?p= value gives a sitemap page or a 404,
// never another status or a panic.
func FuzzPageParameter(f *testing.F) {
	for _, s := range []string{"1", "2", "-1", "0", "abc", "99999999999999999999", "", "last", " 1", "1 ", "+1", "01"} {
		f.Add(s)
	}
	sec := pageSitemap(pages(10))
	sec.Limit = 3
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"pages": sec}})
	f.Fuzz(func(t *testing.T, p string) {
		req := httptest.NewRequest("GET", "http://example.com/sitemaps/pages.xml", nil)
		req.URL.RawQuery = "p=" + url.QueryEscape(p)
		w := httptest.NewRecorder()
		app.ServeHTTP(w, req)
		if w.Code != 200 && w.Code != 404 {
			t.Fatalf("p=%q: %d", p, w.Code)
		}
	})
}

func TestHeadAnswersWithoutABody(t *testing.T) {
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"pages": pageSitemap(pages(3))}})
	full := get(t, app, "http://example.com/sitemaps/pages.xml")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest(http.MethodHead, "http://example.com/sitemaps/pages.xml", nil))
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != fmt.Sprint(full.Body.Len()) ||
		w.Header().Get("ETag") != full.Header().Get("ETag") {
		t.Errorf("HEAD: %d, %d body bytes, headers %v", w.Code, w.Body.Len(), w.Header())
	}
}

func TestCheckFindsMistakesBeforeACrawlerDoes(t *testing.T) {
	big := pageSitemap(pages(1))
	big.Limit = 60000
	sm := &sitemaps.Sitemaps{SectionURL: "/sitemap.xml", Sections: map[string]sitemaps.Section{
		"good":   pageSitemap(pages(1)),
		"static": &sitemaps.Static{Names: []string{"home", "nope"}},
		"empty":  &sitemaps.Sitemap[page]{},
		"big":    big,
	}}
	app := newApp(sm)
	var got []string
	for _, m := range sm.Check(app) {
		got = append(got, m.ID+" "+m.Object)
	}
	want := "sitemaps.E003 sitemaps|sitemaps.W001 sitemaps section big|sitemaps.E002 sitemaps section empty|sitemaps.E001 sitemaps section static"
	if strings.Join(got, "|") != want {
		t.Errorf("check messages\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}
	ok := &sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"good": pageSitemap(pages(1)), "static": &sitemaps.Static{Names: []string{"home"}}}}
	if msgs := ok.Check(newApp(ok)); len(msgs) != 0 {
		t.Errorf("a correct configuration: %v", msgs)
	}
}
