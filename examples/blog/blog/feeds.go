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

// summaryWords is how many words of an article the feeds quote.
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
			Description: summary(a.Body),
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

// summary is the start of an article's body as HTML: its first summaryWords
// words, escaped, in paragraphs where the body has blank lines.
func summary(body string) string {
	var b strings.Builder
	words := 0
	for i, para := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		fields := strings.Fields(para)
		if len(fields) == 0 {
			continue
		}
		if words+len(fields) > summaryWords {
			fields = append(fields[:summaryWords-words], "…")
		}
		words += len(fields)
		if i > 0 && b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(strings.Join(fields, " ")))
		b.WriteString("</p>")
		if words >= summaryWords {
			break
		}
	}
	return b.String()
}
