package main

import (
	"context"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/examples/blog/blog"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/internal/xmlcheck"
	"github.com/galvani-web/galvani/orm"
)

type rssFeed struct {
	Channel struct {
		Title string `xml:"title"`
		Items []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			Description string `xml:"description"`
			Creator     string `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Content     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			PubDate     string `xml:"pubDate"`
		} `xml:"item"`
	} `xml:"channel"`
}

type atomFeed struct {
	Updated string `xml:"updated"`
	Entries []struct {
		Title string `xml:"title"`
		ID    string `xml:"id"`
	} `xml:"entry"`
}

func TestFeedsCarryTheNewestArticles(t *testing.T) {
	tx, c := sampleSite(t)
	r := c.Get("/feed/rss/").AssertStatus(200).AssertHeader("Content-Type", "application/rss+xml; charset=utf-8")
	var rss rssFeed
	if err := xml.Unmarshal(r.Bytes(), &rss); err != nil {
		t.Fatal(err)
	}
	if rss.Channel.Title != "Galvani blog" || len(rss.Channel.Items) != 12 {
		t.Fatalf("channel %q with %d items", rss.Channel.Title, len(rss.Channel.Items))
	}
	first := rss.Channel.Items[0]
	if first.Title != "Tests in a transaction" || first.Link != "http://example.com/tests-in-a-transaction/" ||
		first.PubDate != "Thu, 12 Nov 2026 09:00:00 +0000" || !strings.HasPrefix(first.Description, "<p>Sample article 12") {
		t.Errorf("newest item %+v", first)
	}
	xmlcheck.RSS(t, r.Bytes())
	if v, n := xmlcheck.Feedparser(t, r.Bytes()); v != "rss20" || n != 12 {
		t.Errorf("feedparser: %s, %d entries", v, n)
	}

	a := c.Get("/feed/atom/").AssertStatus(200).AssertHeader("Content-Type", "application/atom+xml; charset=utf-8")
	xmlcheck.Schema(t, filepath.Join("..", "..", "feeds", "testdata", "atom.rng"), a.Bytes())
	var atom atomFeed
	if err := xml.Unmarshal(a.Bytes(), &atom); err != nil || atom.Updated != "2026-11-12T09:00:00Z" || len(atom.Entries) != 12 {
		t.Fatalf("atom: %v %+v", err, atom)
	}

	// Unchanged, a reader's revalidation is a 304; a new article changes the feed.
	etag := r.Header.Get("ETag")
	c.Get("/feed/rss/", galvanitest.Header("If-None-Match", etag)).AssertStatus(304)
	author := &auth.User{AbstractUser: auth.AbstractUser{Username: "ada", FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}}
	if err := tx.Root.Create(tx.Ctx, author); err != nil {
		t.Fatal(err)
	}
	news := &blog.Article{Title: "Feeds & sitemaps <new>", Slug: "feeds-and-sitemaps", Body: strings.Repeat("word ", 100)}
	news.Author.Set(author)
	if err := tx.Root.Create(tx.Ctx, news); err != nil {
		t.Fatal(err)
	}
	r = c.Get("/feed/rss/", galvanitest.Header("If-None-Match", etag)).AssertStatus(200)
	rss = rssFeed{}
	if err := xml.Unmarshal(r.Bytes(), &rss); err != nil {
		t.Fatal(err)
	}
	top := rss.Channel.Items[0]
	if top.Title != "Feeds & sitemaps <new>" || top.Creator != "Ada Lovelace" || !strings.HasSuffix(top.Description, "word …</p>") ||
		top.Content != "<p>"+strings.TrimSpace(strings.Repeat("word ", 100))+"</p>" ||
		strings.Contains(r.Body(), "ada@example.com") {
		t.Errorf("new article's item %+v", top)
	}
}

func TestPagesLinkTheFeeds(t *testing.T) {
	_, c := sampleSite(t)
	c.Get("/").AssertStatus(200).AssertContains(
		`<link rel="alternate" type="application/rss+xml" title="Galvani blog (RSS)" href="/feed/rss/">`,
		`<link rel="alternate" type="application/atom+xml" title="Galvani blog (Atom)" href="/feed/atom/">`)
	c.Get("/hello-galvani/").AssertStatus(200).AssertContains(`href="/feed/atom/"`)
}

func TestSitemapConfigurationPassesCheck(t *testing.T) {
	app, dbs, err := newApp(context.Background(), galvani.Settings{Debug: true, DatabaseURL: "sqlite::memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer dbs.Close()
	for _, m := range app.Check(false) {
		if strings.HasPrefix(m.ID, "sitemaps.") {
			t.Errorf("check: %s", m)
		}
	}
}

func TestSitemapListsEveryArticle(t *testing.T) {
	tx, c := sampleSite(t)
	c.Get("/robots.txt").AssertStatus(200).AssertContains("Sitemap: http://example.com/sitemap.xml\n", "Disallow: /admin/")

	idx := c.Get("/sitemap.xml").AssertStatus(200).AssertHeader("Content-Type", "application/xml; charset=utf-8").
		AssertContains("<loc>http://example.com/sitemaps/articles.xml</loc>", "<loc>http://example.com/sitemaps/pages.xml</loc>")
	xmlcheck.Sitemap(t, idx.Bytes(), true)

	r := c.Get("/sitemaps/articles.xml").AssertStatus(200).
		AssertContains("<url><loc>http://example.com/tests-in-a-transaction/</loc><lastmod>2026-11-12T09:00:00Z</lastmod><changefreq>weekly</changefreq></url>")
	if n := strings.Count(r.Body(), "<url>"); n != 12 {
		t.Errorf("%d articles in the sitemap", n)
	}
	if lm := r.Header.Get("Last-Modified"); lm != "Thu, 12 Nov 2026 09:00:00 GMT" {
		t.Errorf("Last-Modified %q", lm)
	}
	xmlcheck.Sitemap(t, r.Bytes(), false)
	c.Get("/sitemaps/articles.xml", galvanitest.Header("If-None-Match", r.Header.Get("ETag"))).AssertStatus(304)
	c.Get("/sitemaps/pages.xml").AssertStatus(200).AssertContains("<loc>http://example.com/</loc>")
	for _, bad := range []string{"?p=2", "?p=0", "?p=-1", "?p=abc", "?p=99999999999999999999"} {
		c.Get("/sitemaps/articles.xml" + bad).AssertStatus(404)
	}
	c.Get("/sitemaps/nothing.xml").AssertStatus(404)

	// A new article is in the next sitemap, and moves Last-Modified.
	when := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	if err := tx.Root.Create(tx.Ctx, &blog.Article{Title: "Late", Slug: "late", Body: "b", Published: when}); err != nil {
		t.Fatal(err)
	}
	if _, err := orm.Q[blog.Article](tx.Root).Filter("slug", "late").Update(tx.Ctx, orm.Set("published", when)); err != nil {
		t.Fatal(err)
	}
	c.Get("/sitemaps/articles.xml").AssertStatus(200).AssertContains("<loc>http://example.com/late/</loc>").
		AssertHeader("Last-Modified", "Tue, 01 Dec 2026 08:00:00 GMT")
}
