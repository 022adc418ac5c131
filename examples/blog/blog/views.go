package blog

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
	"github.com/galvani-web/galvani/views"
)

const perPage = 10

// Slugify makes an article's URL slug from its title, as Django's slugify does,
// bounded to fit the slug column.
func Slugify(title string) string {
	s := template.Slugify(title)
	if len(s) > 180 {
		s = strings.TrimRight(s[:180], "-_")
	}
	return s
}

// CommentForm is what a reader fills in under an article.
type CommentForm struct {
	Name string `form:",required,max_length=80" label:"Your name"`
	Body string `form:",required,max_length=2000,widget=textarea" label:"Comment"`
}

// The pages are Django's generic views (package views) with the blog's hooks;
// app.go routes them.

// articleList is the front page: the articles, newest first (the model's
// ordering), perPage at a time, with page links. A page that does not exist —
// past the last, below 1, not a number, or too large for any integer — is a 404,
// never an offset that overflows.
var articleList = views.List[Article]{
	Template:    "blog/index.html",
	ContextName: "articles",
	PerPage:     perPage,
	Data: func(c *galvani.Ctx, _ []Article, data views.Data) error {
		counts, err := siteCounts(c)
		data["counts"] = counts
		return err
	},
}

// countsTTL is how long the front page's counts are kept in the cache: a new
// comment shows in them within a minute.
const countsTTL = time.Minute

// siteCounts are the front page's "N articles, M comments", two COUNT queries kept
// in the project's cache (CACHE_URL: Redis when several servers run) for countsTTL.
// The cache's GetOrSet degrades to counting when the cache backend is down, so the
// front page does not depend on Redis. Without the cache App the counts are made on
// every request.
func siteCounts(c *galvani.Ctx) (map[string]int64, error) {
	count := func(ctx context.Context) ([]byte, error) {
		db := orm.DBFrom(c.Request)
		articles, err := orm.Q[Article](db).Count(ctx)
		if err != nil {
			return nil, err
		}
		comments, err := orm.Q[Comment](db).Count(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(map[string]int64{"articles": articles, "comments": comments})
	}
	var b []byte
	var err error
	if ch := cache.From(c.Request); ch != nil {
		b, err = ch.GetOrSet(c.Context(), "blog:counts", countsTTL, count)
	} else {
		b, err = count(c.Context())
	}
	if err != nil {
		return nil, err
	}
	var counts map[string]int64
	if err := json.Unmarshal(b, &counts); err != nil {
		return nil, err
	}
	return counts, nil
}

// articleDetail shows an article, its comments and an empty comment form.
var articleDetail = views.Detail[Article]{
	Template:    "blog/detail.html",
	ContextName: "article",
	Data: func(c *galvani.Ctx, a *Article, data views.Data) error {
		comments, err := commentsOf(c, a)
		data["comments"] = comments
		data["form"] = forms.New[CommentForm]()
		return err
	},
}

// postComment takes the comment form of the article page: saved, it leads back to
// the comments with a thank-you; invalid, the article page shows it again with
// its errors. An article that does not exist is a 404 either way.
var postComment = views.Form[CommentForm]{
	Template: "blog/detail.html",
	Valid: func(c *galvani.Ctx, form *forms.Form[CommentForm]) error {
		article, err := articleFrom(c)
		if err != nil {
			return err
		}
		comment := Comment{Name: form.Data.Name, Body: form.Data.Body}
		comment.Article.Set(article)
		return orm.DBFrom(c.Request).Create(c.Context(), &comment)
	},
	Success: func(c *galvani.Ctx, _ *forms.Form[CommentForm]) (string, error) {
		url, err := c.App().URL("blog:detail", c.Param("slug"))
		return url + "#comments", err
	},
	SuccessMessage: "Thanks for your comment.",
	Data: func(c *galvani.Ctx, _ *forms.Form[CommentForm], data views.Data) error {
		article, err := articleFrom(c)
		if err != nil {
			return err
		}
		data["article"] = article
		data["comments"], err = commentsOf(c, article)
		return err
	},
}

// newArticle is the "write an article" page, for logged-in users (app.go wraps it
// in auth.LoginRequired). The author comes from the request, the slug from the
// title (publish); saved, the browser goes to the article (Article.AbsoluteURL).
var newArticle = views.Create[Article]{
	Template: "blog/new.html",
	Fields:   []string{"title", "body"},
	BeforeSave: func(c *galvani.Ctx, a *Article) error {
		a.Author.SetID(auth.UserFrom(c.Request).ID)
		return nil
	},
	Save: func(c *galvani.Ctx, db *orm.DB, a *Article) error {
		err := publish(c.Context(), db, a)
		if errors.Is(err, errNoSlug) {
			return &forms.Error{Field: "title", Message: "Too many articles have this title; please choose another."}
		}
		return err
	},
	SuccessMessage: "Article published.",
}

// AbsoluteURL is the article's page (Django's get_absolute_url), where the
// editing views go after saving it.
func (a *Article) AbsoluteURL(app *galvani.App) (string, error) {
	return app.URL("blog:detail", a.Slug)
}

func articleFrom(c *galvani.Ctx) (*Article, error) {
	return orm.Q[Article](orm.DBFrom(c.Request)).Get(c.Context(), "slug", c.Param("slug"))
}

func commentsOf(c *galvani.Ctx, a *Article) ([]Comment, error) {
	return orm.Q[Comment](orm.DBFrom(c.Request)).Filter("article", a.ID).All(c.Context())
}

// errNoSlug is publish's answer when every slug it tried was taken.
var errNoSlug = errors.New("blog: no free slug for this title")

// slugAttempts bounds the inserts publish tries: a few numbered slugs after the
// free one it found, then random suffixes.
const slugAttempts = 8

// publish saves a, giving it a slug made from its title that no other article
// has: "title", else "title-2", "title-3"... Looking for a free slug and
// inserting are two statements, so a parallel post can take the slug in between;
// the unique constraint catches it (orm.ErrUniqueViolation) and the next slug is
// tried. Each insert runs in its own savepoint, so a refused one does not spoil a
// surrounding transaction.
func publish(ctx context.Context, db *orm.DB, a *Article) error {
	base := Slugify(a.Title)
	if base == "" {
		base = "article"
	}
	n := 1
	for attempt := 0; attempt < slugAttempts; attempt++ {
		switch {
		case attempt == 0:
			// Skip the taken numbers without inserting (up to a bound: past it,
			// the attempts below go on to random suffixes).
			for ; n < 100; n++ {
				taken, err := orm.Q[Article](db).Filter("slug", numberedSlug(base, n)).Exists(ctx)
				if err != nil {
					return err
				}
				if !taken {
					break
				}
			}
			a.Slug = numberedSlug(base, n)
		case attempt < slugAttempts/2:
			n++
			a.Slug = numberedSlug(base, n)
		default:
			a.Slug = base + "-" + strings.ToLower(rand.Text()[:6])
		}
		err := db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error { return tx.Create(ctx, a) })
		if !errors.Is(err, orm.ErrUniqueViolation) {
			return err
		}
		a.ID = 0
	}
	return errNoSlug
}

func numberedSlug(base string, n int) string {
	if n == 1 {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}
