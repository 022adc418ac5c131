package feeds_test

import (
	"fmt"
	"iter"
	"net/http/httptest"
	"os"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/feeds"
)

type Article struct {
	Slug, Title, Summary string
	Published            time.Time
}

// A feed of articles, served as RSS and Atom from one definition. In a real app
// Items would be an ORM query:
// orm.Q[Article](orm.DBFrom(c.Request)).OrderBy("-published").Limit(20).Iter(c.Context()).
func ExampleFeed() {
	articles := []Article{
		{"hello", "Hello, feeds", "<p>The first post.</p>", time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)},
	}
	latest := &feeds.Feed[Article]{
		Info: feeds.Info{Title: "Latest articles", Link: "/blog/", Description: "New on the blog"},
		Items: func(c *galvani.Ctx) iter.Seq2[*Article, error] {
			return feeds.Slice(articles)
		},
		Item: func(c *galvani.Ctx, a *Article) (feeds.Item, error) {
			return feeds.Item{Title: a.Title, Link: "/blog/" + a.Slug + "/", Description: a.Summary, Published: a.Published}, nil
		},
	}
	app := galvani.New()
	app.Get("/blog/feed/rss/", latest.RSS)
	app.Get("/blog/feed/atom/", latest.Atom)

	w := httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("GET", "https://example.com/blog/feed/atom/", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Println("Last-Modified:", w.Header().Get("Last-Modified"))
	fmt.Print(w.Body.String())
	// Output:
	// 200 application/atom+xml; charset=utf-8
	// Last-Modified: Fri, 01 May 2026 12:00:00 GMT
	// <?xml version="1.0" encoding="utf-8"?>
	// <feed xmlns="http://www.w3.org/2005/Atom">
	// <title>Latest articles</title>
	// <link rel="alternate" href="https://example.com/blog/"/>
	// <link rel="self" href="https://example.com/blog/feed/atom/"/>
	// <id>https://example.com/blog/</id>
	// <updated>2026-05-01T12:00:00Z</updated>
	// <subtitle>New on the blog</subtitle>
	// <author><name>Latest articles</name></author>
	// <entry>
	// <title>Hello, feeds</title>
	// <link rel="alternate" href="https://example.com/blog/hello/"/>
	// <id>https://example.com/blog/hello/</id>
	// <updated>2026-05-01T12:00:00Z</updated>
	// <published>2026-05-01T12:00:00Z</published>
	// <summary type="html">&lt;p&gt;The first post.&lt;/p&gt;</summary>
	// </entry>
	// </feed>
}

// The Encoder writes a feed to any writer, one item at a time.
func ExampleEncoder() {
	enc := feeds.NewEncoder(os.Stdout, feeds.RSS)
	_ = enc.Start(feeds.Info{Title: "Releases", Link: "https://example.com/releases/", Description: "New versions",
		FeedURL: "https://example.com/releases.rss", Updated: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)})
	_ = enc.Item(feeds.Item{Title: "v1.2 & friends", Link: "https://example.com/releases/1.2/",
		GUID: "https://example.com/releases/1.2/", GUIDIsPermaLink: true, Published: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)})
	if err := enc.End(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// <?xml version="1.0" encoding="utf-8"?>
	// <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
	// <channel>
	// <title>Releases</title>
	// <link>https://example.com/releases/</link>
	// <description>New versions</description>
	// <atom:link rel="self" type="application/rss+xml" href="https://example.com/releases.rss"/>
	// <lastBuildDate>Mon, 01 Jun 2026 09:00:00 +0000</lastBuildDate>
	// <item>
	// <title>v1.2 &#x26; friends</title>
	// <link>https://example.com/releases/1.2/</link>
	// <guid isPermaLink="true">https://example.com/releases/1.2/</guid>
	// <pubDate>Mon, 01 Jun 2026 09:00:00 +0000</pubDate>
	// </item>
	// </channel>
	// </rss>
}
