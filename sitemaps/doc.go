// Package sitemaps is Galvani's sitemap battery, Django's sitemap framework in
// Go: sections of URLs built from models (Sitemap[T] over an ORM query or a
// slice) or from named routes (Static), served as sitemap files of at most
// 50,000 URLs each and a sitemap index that lists them.
//
//	articles := &sitemaps.Sitemap[Article]{
//		Items: sitemaps.Query(func(ctx context.Context) orm.QuerySet[Article] {
//			return orm.Q[Article](orm.From(ctx))
//		}),
//		Location:   func(c *galvani.Ctx, a *Article) (string, error) { return c.App().URL("blog:detail", a.Slug) },
//		LastMod:    func(a *Article) time.Time { return a.Published },
//		ChangeFreq: sitemaps.Weekly,
//	}
//	sm := &sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{
//		"articles": articles,
//		"pages":    &sitemaps.Static{Names: []string{"home"}},
//	}}
//	sm.Routes(app.Group("")) // /sitemap.xml, /sitemaps/articles.xml?p=2 ...
//
// Locations given as paths become absolute on the request's site (or
// Sitemaps.BaseURL); lastmod is a W3C datetime; text is escaped and cleaned of
// what XML forbids. A page is one query with OFFSET and LIMIT, so the size of the
// table does not matter; a page that does not exist (?p=0, ?p=-1, ?p=abc, past the
// end) is a 404. With I18n a Sitemap lists each item per language with
// xhtml:link hreflang alternates, using the i18n battery's languages and URL
// prefixes. Files are cached (Sitemaps.Cache) and answer conditional requests
// (ETag, Last-Modified).
//
// The output validates against the sitemaps.org schemas (sitemap.xsd,
// siteindex.xsd); the package's tests check it with xmllint.
package sitemaps
