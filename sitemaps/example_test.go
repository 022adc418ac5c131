package sitemaps_test

import (
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/sitemaps"
)

type Product struct {
	Slug     string
	Modified time.Time
}

// A sitemap index with a section of model values and a section of named routes.
// In a real app Items would be sitemaps.Query over an ORM QuerySet.
func ExampleSitemaps() {
	products := []Product{{"lamp", time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC)}, {"desk", time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)}}
	app := galvani.New()
	app.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "home") }).Name("home")
	sm := &sitemaps.Sitemaps{Sections: map[string]sitemaps.Section{
		"products": &sitemaps.Sitemap[Product]{
			Items:      sitemaps.Slice(products),
			Location:   func(c *galvani.Ctx, p *Product) (string, error) { return "/products/" + p.Slug + "/", nil },
			LastMod:    func(p *Product) time.Time { return p.Modified },
			ChangeFreq: sitemaps.Weekly,
			Priority:   0.6,
		},
		"pages": &sitemaps.Static{Names: []string{"home"}, ChangeFreq: sitemaps.Daily},
	}}
	sm.Routes(app.Group(""))

	for _, path := range []string{"/sitemap.xml", "/sitemaps/products.xml"} {
		w := httptest.NewRecorder()
		app.ServeHTTP(w, httptest.NewRequest("GET", "https://shop.example.com"+path, nil))
		fmt.Print(w.Body.String())
	}
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
	// <sitemap><loc>https://shop.example.com/sitemaps/pages.xml</loc></sitemap>
	// <sitemap><loc>https://shop.example.com/sitemaps/products.xml</loc></sitemap>
	// </sitemapindex>
	// <?xml version="1.0" encoding="UTF-8"?>
	// <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
	// <url><loc>https://shop.example.com/products/lamp/</loc><lastmod>2026-04-02T08:00:00Z</lastmod><changefreq>weekly</changefreq><priority>0.6</priority></url>
	// <url><loc>https://shop.example.com/products/desk/</loc><lastmod>2026-04-01T08:00:00Z</lastmod><changefreq>weekly</changefreq><priority>0.6</priority></url>
	// </urlset>
}
