package blog

import (
	"context"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/sitemaps"
)

// ArticleSitemap is the sitemap section of the articles, for the project's
// sitemaps (main.go serves it at /sitemaps/articles.xml): every article's page,
// with its publication date.
var ArticleSitemap = &sitemaps.Sitemap[Article]{
	Items: sitemaps.Query(func(ctx context.Context) orm.QuerySet[Article] {
		return orm.Q[Article](orm.From(ctx)).Only("id", "slug", "published")
	}),
	Location: func(c *galvani.Ctx, a *Article) (string, error) { return a.AbsoluteURL(c.App()) },
	LastMod:  func(a *Article) time.Time { return a.Published },
	// A new article is the only change an article page sees often: its comments.
	ChangeFreq: sitemaps.Weekly,
}

// PagesSitemap is the sitemap section of the blog's pages that are not articles.
var PagesSitemap = &sitemaps.Static{Names: []string{"blog:index"}, ChangeFreq: sitemaps.Daily, Priority: 1}
