// Package feeds is Galvani's syndication battery, Django's syndication framework
// in Go: one Feed definition per model (or any Go type) served as RSS 2.0 and as
// Atom 1.0.
//
//	var latest = &feeds.Feed[blog.Article]{
//		Info:  feeds.Info{Title: "Latest articles", Link: "/", Description: "New on the blog"},
//		Items: func(c *galvani.Ctx) iter.Seq2[*blog.Article, error] { ... the 20 newest ... },
//		Item: func(c *galvani.Ctx, a *blog.Article) (feeds.Item, error) {
//			return feeds.Item{Title: a.Title, Link: "/" + a.Slug + "/", Published: a.Published}, nil
//		},
//	}
//	app.Get("/feed/rss/", latest.RSS)
//	app.Get("/feed/atom/", latest.Atom)
//
// What the handlers take care of:
//
//   - links given as paths become absolute URLs on the request's site (its scheme as
//     galvani.IsSecure sees it behind a trusted proxy, its validated Host), or on
//     Feed.BaseURL;
//   - dates are RFC 822 (with four-digit years) in RSS and RFC 3339 in Atom;
//   - text is escaped, and characters XML 1.0 forbids (NUL, escape sequences,
//     other control characters, invalid UTF-8) are removed or replaced, so a
//     hostile title still gives a document every reader parses;
//   - the elements each format requires are always there (RSS channel
//     description, Atom feed id, updated and author, entry id and updated), and
//     the feed links to itself as the W3C Feed Validation Service recommends;
//   - Content-Type is application/rss+xml or application/atom+xml with
//     charset=utf-8; Last-Modified is the newest item's date and the ETag a hash
//     of the document, and If-None-Match / If-Modified-Since get 304 Not Modified;
//   - memory stays bounded for feeds of any length (see Feed).
//
// Encoder writes the same documents to any io.Writer, outside a request.
package feeds
