package blog

import (
	"fmt"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/admin"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// RegisterAdmin registers the blog's models with an admin site: articles with
// search, filters, a date drill-down and a "republish" action; comments with
// their article.
func RegisterAdmin(site *admin.Site) {
	admin.Register(site, admin.ModelAdmin[Article]{
		ListDisplay:        []string{"title", "author", "published"},
		ListFilter:         []string{"author", "published"},
		SearchFields:       []string{"title", "body", "^author__username"},
		DateHierarchy:      "published",
		PrepopulatedFields: map[string][]string{"slug": {"title"}},
		Fieldsets: []admin.Fieldset{
			{Fields: []string{"title", "slug", "author", "body"}},
			{Name: "Publishing", Fields: []string{"published"}, Collapse: true},
		},
		ReadonlyFields: []string{"published"},
		Inlines: []admin.Inline{admin.TabularInline[Comment]{InlineOptions: admin.InlineOptions{
			Fields: []string{"name", "body"}, Extra: 1, ShowChangeLink: true}}},
		Actions: []admin.Action[Article]{{
			Name: "republish", Label: "Republish selected articles (move them to the top)",
			Run: func(c *galvani.Ctx, q orm.QuerySet[Article]) (template.SafeString, error) {
				n, err := q.Update(c.Context(), orm.Set("published", time.Now().UTC()))
				if err == nil {
					messages.Success(c.Request, fmt.Sprintf("Republished %d articles.", n))
				}
				return "", err
			},
		}},
	})
	admin.Register(site, admin.ModelAdmin[Comment]{
		ListDisplay:  []string{"name", "article", "created"},
		ListFilter:   []string{"created", "article"},
		SearchFields: []string{"name", "body", "article__title"},
	})
}

// String names an article in the admin (lists, selects, history): its title.
func (a Article) String() string { return a.Title }

// String names a comment in the admin: who wrote it, on which article.
func (c Comment) String() string { return fmt.Sprintf("%s on #%d", c.Name, c.Article.ID()) }
