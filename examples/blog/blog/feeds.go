package blog

import (
	"html"
	"iter"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/feeds"
	"github.com/galvani-web/galvani/orm"
)

// feedLength is how many articles the feeds carry.
const feedLength = 20

// summaryWords is how many words of an article the feeds' summaries quote; the
// full text goes in the items' content.
const summaryWords = 60

// latestFeed is the feed of the newest articles, served as RSS at /feed/rss/ and
// as Atom at /feed/atom/ (app.go routes it; the pages' head links to both).
var latestFeed = &feeds.Feed[Article]{
	InfoFunc: func(c *galvani.Ctx) (feeds.Info, error) {
		home, err := c.App().URL("blog:index")
		return feeds.Info{
			Title:       "Galvani blog",
			Link:        home,
			Description: "The newest articles of the Galvani blog.",
			Language:    "en",
		}, err
	},
	Items: func(c *galvani.Ctx) iter.Seq2[*Article, error] {
		// The model orders newest first; the author comes in the same query.
		return orm.Q[Article](orm.DBFrom(c.Request)).SelectRelated("author").Limit(feedLength).Iter(c.Context())
	},
	Item: func(c *galvani.Ctx, a *Article) (feeds.Item, error) {
		link, err := a.AbsoluteURL(c.App())
		it := feeds.Item{
			Title:       a.Title,
			Link:        link,
			Description: paragraphs(a.Body, summaryWords),
			Content:     paragraphs(a.Body, 0),
			Published:   a.Published,
		}
		if u := a.Author.Obj(); u != nil {
			it.Author = feeds.Person{Name: u.Username} // never the e-mail address: feeds are public
			if full := u.FullName(); full != "" {
				it.Author.Name = full
			}
		}
		return it, err
	},
}

// paragraphs is an article's body as HTML, escaped, in paragraphs where the body
// has blank lines (as the linebreaks filter shows it): the first limit words and
// an ellipsis, or all of it when limit is 0.
func paragraphs(body string, limit int) string {
	var b strings.Builder
	words := 0
	for i, para := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		fields := strings.Fields(para)
		if len(fields) == 0 {
			continue
		}
		if limit > 0 && words+len(fields) > limit {
			fields = append(fields[:limit-words], "…")
		}
		words += len(fields)
		if i > 0 && b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(strings.Join(fields, " ")))
		b.WriteString("</p>")
		if limit > 0 && words >= limit {
			break
		}
	}
	return b.String()
}
