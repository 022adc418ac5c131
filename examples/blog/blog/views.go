package blog

import (
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

func index(c *galvani.Ctx) error {
	db := orm.DBFrom(c.Request)
	page, err := c.QueryInt("page", 1)
	if err != nil {
		return err
	}
	if page < 1 {
		return galvani.Error(http.StatusNotFound, "no such page")
	}
	qs := orm.Q[Article](db)
	total, err := qs.Count(c.Context())
	if err != nil {
		return err
	}
	articles, err := qs.Offset((page - 1) * perPage).Limit(perPage).All(c.Context())
	if err != nil {
		return err
	}
	if len(articles) == 0 && page > 1 {
		return galvani.Error(http.StatusNotFound, "no such page")
	}
	return c.Render(http.StatusOK, "blog/index.html", map[string]any{
		"articles": articles,
		"page":     page,
		"previous": page - 1,
		"next":     nextPage(page, total),
	})
}

func nextPage(page int, total int64) int {
	if int64(page*perPage) < total {
		return page + 1
	}
	return 0
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
			db := orm.DBFrom(c.Request)
			a := Article{Title: form.Data.Title, Body: form.Data.Body, Slug: Slugify(form.Data.Title)}
			a.Author.SetID(auth.UserFrom(c.Request).ID)
			if a.Slug == "" {
				a.Slug = "article"
			}
			base := a.Slug
			for i := 2; ; i++ {
				taken, err := orm.Q[Article](db).Filter("slug", a.Slug).Exists(c.Context())
				if err != nil {
					return err
				}
				if !taken {
					break
				}
				a.Slug = base + "-" + strconv.Itoa(i)
			}
			if err := db.Create(c.Context(), &a); err != nil {
				return err
			}
			messages.Success(c.Request, "Article published.")
			url, _ := c.App().URL("blog:detail", a.Slug)
			return c.Redirect(http.StatusSeeOther, url)
		}
		var invalid *forms.ValidationError
		if !errors.As(err, &invalid) {
			return err
		}
	}
	return c.Render(http.StatusOK, "blog/new.html", map[string]any{"form": form})
}
