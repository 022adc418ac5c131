package blog

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
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

// ArticleForm is what the "new article" page asks for.
type ArticleForm struct {
	Title string `form:",required,max_length=200"`
	Body  string `form:",required,widget=textarea"`
}

// CommentForm is what a reader fills in under an article.
type CommentForm struct {
	Name string `form:",required,max_length=80" label:"Your name"`
	Body string `form:",required,max_length=2000,widget=textarea" label:"Comment"`
}

// index lists the articles, perPage at a time. A page that does not exist —
// past the last, below 1, not a number, or too large for any integer — is a 404
// (paginator.InvalidPageError), never an offset that overflows.
func index(c *galvani.Ctx) error {
	db := orm.DBFrom(c.Request)
	page, articles, err := orm.Paginate(c.Context(), orm.Q[Article](db), c.Query("page"), perPage)
	if err != nil {
		return err
	}
	data := map[string]any{"articles": articles, "page": page}
	if page.HasPrevious() {
		data["previous"] = page.Number - 1
	}
	if page.HasNext() {
		data["next"] = page.Number + 1
	}
	return c.Render(http.StatusOK, "blog/index.html", data)
}

func detail(c *galvani.Ctx) error {
	db := orm.DBFrom(c.Request)
	article, err := orm.Q[Article](db).Get(c.Context(), "slug", c.Param("slug"))
	if err != nil {
		return err // orm.ErrNotFound answers 404
	}
	form := forms.New[CommentForm]()
	if c.Request.Method == http.MethodPost {
		err := form.Bind(c.Request)
		if err == nil {
			comment := Comment{Name: form.Data.Name, Body: form.Data.Body}
			comment.Article.Set(article)
			if err := db.Create(c.Context(), &comment); err != nil {
				return err
			}
			messages.Success(c.Request, "Thanks for your comment.")
			url, _ := c.App().URL("blog:detail", article.Slug)
			return c.Redirect(http.StatusSeeOther, url+"#comments")
		}
		var invalid *forms.ValidationError
		if !errors.As(err, &invalid) {
			return err
		}
	}
	comments, err := orm.Q[Comment](db).Filter("article", article.ID).All(c.Context())
	if err != nil {
		return err
	}
	return c.Render(http.StatusOK, "blog/detail.html", map[string]any{
		"article": article, "comments": comments, "form": form,
	})
}

func newArticle(c *galvani.Ctx) error {
	form := forms.New[ArticleForm]()
	if c.Request.Method == http.MethodPost {
		err := form.Bind(c.Request)
		if err == nil {
			a := Article{Title: form.Data.Title, Body: form.Data.Body}
			a.Author.SetID(auth.UserFrom(c.Request).ID)
			err := publish(c.Context(), orm.DBFrom(c.Request), &a)
			if err == nil {
				messages.Success(c.Request, "Article published.")
				url, _ := c.App().URL("blog:detail", a.Slug)
				return c.Redirect(http.StatusSeeOther, url)
			}
			if !errors.Is(err, errNoSlug) {
				return err
			}
			form.AddError("title", "Too many articles have this title; please choose another.")
			return c.Render(http.StatusOK, "blog/new.html", map[string]any{"form": form})
		}
		var invalid *forms.ValidationError
		if !errors.As(err, &invalid) {
			return err
		}
	}
	return c.Render(http.StatusOK, "blog/new.html", map[string]any{"form": form})
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
