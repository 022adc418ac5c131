package sitemaps_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/galvani-web/galvani/sitemaps"
)

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkSitemapPage renders a full page of 50,000 URLs through the handler:
// locations made absolute, lastmod, changefreq, priority, ETag hashed, no cache.
func BenchmarkSitemapPage(b *testing.B) {
	sec := pageSitemap(nil)
	sec.Items = generated(sitemaps.MaxURLs)
	app := newApp(&sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{"big": sec}})
	req := httptest.NewRequest("GET", "http://example.com/sitemaps/big.xml", nil)
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		app.ServeHTTP(w, req)
	}
}

type rawURLSet struct {
	XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []rawURL `xml:"url"`
}

type rawURL struct {
	Loc        string `xml:"loc"`
	LastMod    string `xml:"lastmod,omitempty"`
	ChangeFreq string `xml:"changefreq,omitempty"`
	Priority   string `xml:"priority,omitempty"`
}

// BenchmarkEncodingXMLBaseline is the raw baseline: the same 50,000 URLs built
// as structs (locations joined to the host by hand, with net/url as the handler
// does) and written with encoding/xml, no request, no hash.
func BenchmarkEncodingXMLBaseline(b *testing.B) {
	base := &url.URL{Scheme: "http", Host: "example.com"}
	b.ReportAllocs()
	for b.Loop() {
		set := rawURLSet{URLs: make([]rawURL, 0, sitemaps.MaxURLs)}
		t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range sitemaps.MaxURLs {
			ref := &url.URL{Path: fmt.Sprintf("/pages/item-%d/", i)}
			set.URLs = append(set.URLs, rawURL{Loc: base.ResolveReference(ref).String(), LastMod: t.Format(time.RFC3339),
				ChangeFreq: "weekly", Priority: "0.8"})
		}
		_, _ = io.WriteString(io.Discard, xml.Header)
		_ = xml.NewEncoder(io.Discard).Encode(&set)
	}
}
