package feeds_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/feeds"
)

func benchPosts(n int) []post {
	posts := make([]post, n)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range posts {
		posts[i] = post{ID: i, Title: fmt.Sprintf("Post number %d: a title & a half", i),
			Body:   "<p>A summary of the post, long enough to be a realistic paragraph of text.</p>",
			Author: "Ana", Email: "ana@example.com", Tags: []string{"go", "web"}, Published: t0.Add(time.Duration(i) * time.Hour)}
	}
	return posts
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(int)             {}
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkFeed renders a 100-item feed through the handler: items mapped,
// links made absolute, ETag computed, response written.
func BenchmarkFeed(b *testing.B) {
	posts := benchPosts(100)
	f := newFeed(posts)
	app := galvani.New()
	app.Get("/rss/", f.RSS)
	app.Get("/atom/", f.Atom)
	for _, path := range []string{"/rss/", "/atom/"} {
		b.Run(path[1:len(path)-1], func(b *testing.B) {
			req := httptest.NewRequest("GET", "http://example.com"+path, nil)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				app.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkEncoder writes the same 100 items with the Encoder alone, links
// already absolute.
func BenchmarkEncoder(b *testing.B) {
	items := make([]feeds.Item, 100)
	for i, p := range benchPosts(100) {
		items[i] = feeds.Item{Title: p.Title, Link: fmt.Sprintf("http://example.com/posts/%d/", p.ID), Description: p.Body,
			Published: p.Published, Author: feeds.Person{Name: p.Author, Email: p.Email}, Categories: p.Tags,
			GUID: fmt.Sprintf("http://example.com/posts/%d/", p.ID), GUIDIsPermaLink: true}
	}
	info := feeds.Info{Title: "Posts", Link: "http://example.com/", Description: "d", FeedURL: "http://example.com/rss/", ID: "http://example.com/"}
	b.ReportAllocs()
	for b.Loop() {
		enc := feeds.NewEncoder(io.Discard, feeds.RSS)
		_ = enc.Start(info)
		for _, it := range items {
			_ = enc.Item(it)
		}
		_ = enc.End()
	}
}

// rawRSS is the baseline: the same RSS document as plain structs for encoding/xml.
type rawRSS struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title       string       `xml:"title"`
		Link        string       `xml:"link"`
		Description string       `xml:"description"`
		Items       []rawRSSItem `xml:"item"`
	} `xml:"channel"`
}

type rawRSSItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	Description string   `xml:"description"`
	Author      string   `xml:"author"`
	Categories  []string `xml:"category"`
	GUID        string   `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
}

// BenchmarkEncodingXMLBaseline is the raw baseline: the 100 items mapped to
// structs by hand and written with encoding/xml, no request, no ETag.
func BenchmarkEncodingXMLBaseline(b *testing.B) {
	posts := benchPosts(100)
	items := func() iter.Seq[post] {
		return func(yield func(post) bool) {
			for _, p := range posts {
				if !yield(p) {
					return
				}
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		var doc rawRSS
		doc.Version = "2.0"
		doc.Channel.Title, doc.Channel.Link, doc.Channel.Description = "Posts", "http://example.com/", "d"
		for p := range items() {
			link := fmt.Sprintf("http://example.com/posts/%d/", p.ID)
			doc.Channel.Items = append(doc.Channel.Items, rawRSSItem{Title: p.Title, Link: link, Description: p.Body,
				Author: p.Email + " (" + p.Author + ")", Categories: p.Tags, GUID: link, PubDate: p.Published.Format(time.RFC1123Z)})
		}
		_, _ = io.WriteString(io.Discard, xml.Header)
		_ = xml.NewEncoder(io.Discard).Encode(&doc)
	}
}
