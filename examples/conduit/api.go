package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest"
	"github.com/galvani-web/galvani/rest/jwt"
	"github.com/galvani-web/galvani/rest/openapi"
)

// tokenLifetime is how long a login lasts: RealWorld clients have no refresh.
const tokenLifetime = 30 * 24 * time.Hour

// newAPI is the RealWorld API: typed endpoints whose Go types are also the OpenAPI
// document, errors in RealWorld's {"errors": {...}} format with 422 for bad input.
func newAPI(tokens *jwt.JWT) *rest.API {
	api := rest.New(rest.Config{
		Authentication:   []rest.Authenticator{tokens},
		Permissions:      []rest.Permission{rest.AllowAny},
		ValidationStatus: http.StatusUnprocessableEntity,
		ErrorHandler:     writeError,
		ErrorSchema:      errorSchema,
		NoBrowsable:      true,
		Info:             openapi.Info{Title: "Conduit API", Version: "1.0.0", Description: "The RealWorld API on Galvani."},
	})
	h := &handlers{tokens: tokens}
	authed := []rest.Permission{rest.IsAuthenticated}
	api.Post("/users/login", rest.Handle(h.login).Name("Login").Tags("User and Authentication"))
	api.Post("/users", rest.Handle(h.register).Status(201).Name("CreateUser").Tags("User and Authentication"))
	api.Get("/user", rest.Handle(h.currentUser).Name("GetCurrentUser").Tags("User and Authentication").Permissions(authed...))
	api.Put("/user", rest.Handle(h.updateUser).Name("UpdateCurrentUser").Tags("User and Authentication").Permissions(authed...))
	api.Get("/profiles/{username}", rest.Handle(h.profile).Name("GetProfileByUsername").Tags("Profile"))
	api.Post("/profiles/{username}/follow", rest.Handle(h.follow).Name("FollowUserByUsername").Tags("Profile").Permissions(authed...))
	api.Delete("/profiles/{username}/follow", rest.Handle(h.unfollow).Name("UnfollowUserByUsername").Tags("Profile").Permissions(authed...))
	api.Get("/articles/feed", rest.Handle(h.feed).Name("GetArticlesFeed").Tags("Articles").Permissions(authed...))
	api.Get("/articles", rest.Handle(h.articles).Name("GetArticles").Tags("Articles"))
	api.Post("/articles", rest.Handle(h.createArticle).Status(201).Name("CreateArticle").Tags("Articles").Permissions(authed...))
	api.Get("/articles/{slug}", rest.Handle(h.article).Name("GetArticle").Tags("Articles"))
	api.Put("/articles/{slug}", rest.Handle(h.updateArticle).Name("UpdateArticle").Tags("Articles").Permissions(authed...))
	api.Delete("/articles/{slug}", rest.Handle(h.deleteArticle).Name("DeleteArticle").Tags("Articles").Permissions(authed...))
	api.Get("/articles/{slug}/comments", rest.Handle(h.comments).Name("GetArticleComments").Tags("Comments"))
	api.Post("/articles/{slug}/comments", rest.Handle(h.createComment).Name("CreateArticleComment").Tags("Comments").Permissions(authed...))
	api.Delete("/articles/{slug}/comments/{id}", rest.Handle(h.deleteComment).Name("DeleteArticleComment").Tags("Comments").Permissions(authed...))
	api.Post("/articles/{slug}/favorite", rest.Handle(h.favorite).Name("CreateArticleFavorite").Tags("Favorites").Permissions(authed...))
	api.Delete("/articles/{slug}/favorite", rest.Handle(h.unfavorite).Name("DeleteArticleFavorite").Tags("Favorites").Permissions(authed...))
	api.Get("/tags", rest.Handle(h.tags).Name("GetTags").Tags("Tags"))
	return api
}

// errorSchema documents RealWorld's error body.
var errorSchema = &openapi.Schema{Type: "object", Required: []string{"errors"}, Properties: map[string]*openapi.Schema{
	"errors": {Type: "object", AdditionalProperties: &openapi.Schema{Type: "array", Items: &openapi.Schema{Type: "string"}}},
}}

// writeError answers a 4xx in RealWorld's format: {"errors": {"field": ["..."]}}.
// Input comes wrapped ({"user": {...}}), so field errors are unwrapped one level.
func writeError(c *galvani.Ctx, status int, err error) error {
	errs := map[string]any{}
	var ve *rest.ValidationError
	var re *rest.Error
	switch {
	case errors.As(err, &ve):
		b, _ := json.Marshal(ve)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		for _, wrapper := range []string{"user", "article", "comment"} {
			if inner, ok := m[wrapper].(map[string]any); ok && len(m) == 1 {
				m = inner
			}
		}
		for k, v := range m {
			if _, isList := v.([]any); !isList {
				b, _ := json.Marshal(v)
				v = []string{string(b)}
			}
			errs[k] = v
		}
	case errors.As(err, &re):
		errs["body"] = []string{re.Detail}
		for k, v := range re.Header {
			c.Response.Header()[k] = v
		}
	default:
		errs["body"] = []string{http.StatusText(status)}
	}
	return c.JSON(status, map[string]any{"errors": errs})
}

type handlers struct {
	tokens *jwt.JWT
}

func db(r *rest.Request) *orm.DB {
	d, err := r.DB()
	if err != nil {
		panic(err) // orm.Install puts the database on every request
	}
	return d
}

// me returns the authenticated user, or nil.
func me(r *rest.Request) *User {
	u, _ := r.User.(*User)
	return u
}

// ---- users -----------------------------------------------------------------

// UserOut is the user, with a token, as answered to its owner.
type UserOut struct {
	User struct {
		Email    string  `json:"email"`
		Token    string  `json:"token"`
		Username string  `json:"username"`
		Bio      string  `json:"bio"`
		Image    *string `json:"image"`
	} `json:"user"`
}

func (h *handlers) userOut(u *User) (*UserOut, error) {
	tok, err := h.tokens.Issue(u.ID, jwt.Access)
	if err != nil {
		return nil, err
	}
	out := &UserOut{}
	out.User.Email, out.User.Token, out.User.Username, out.User.Bio = u.Email, tok, u.Username, u.Bio
	out.User.Image = nullString(u.Image)
	return out, nil
}

func nullString(n orm.Null[string]) *string {
	if !n.Valid {
		return nil
	}
	s := n.V
	return &s
}

// LoginIn is the body of a login.
type LoginIn struct {
	User struct {
		Email    string `json:"email" rest:"email"`
		Password string `json:"password" rest:"notrim,max_length=4096"`
	} `json:"user"`
}

func (h *handlers) login(r *rest.Request, in *LoginIn) (*UserOut, error) {
	u, err := orm.Q[User](db(r)).Get(r.Context(), "email__iexact", in.User.Email)
	if err == nil && u.IsActive && u.CheckPassword(in.User.Password) {
		return h.userOut(u)
	}
	if err != nil && !errors.Is(err, orm.ErrNotFound) {
		return nil, err
	}
	return nil, rest.Invalid("credentials", "invalid")
}

// RegisterIn is the body of a registration.
type RegisterIn struct {
	User struct {
		Username string `json:"username" rest:"max_length=150"`
		Email    string `json:"email" rest:"email,max_length=254"`
		Password string `json:"password" rest:"notrim,min_length=8,max_length=4096"`
	} `json:"user"`
}

func (h *handlers) register(r *rest.Request, in *RegisterIn) (*UserOut, error) {
	ctx, d := r.Context(), db(r)
	ve := &rest.ValidationError{}
	if err := auth.ValidateUsername(in.User.Username); err != nil {
		ve.Add("username", "is invalid")
	} else if taken, err := orm.Q[User](d).Filter("username", in.User.Username).Exists(ctx); err != nil {
		return nil, err
	} else if taken {
		ve.Add("username", "has already been taken")
	}
	if taken, err := orm.Q[User](d).Filter("email__iexact", in.User.Email).Exists(ctx); err != nil {
		return nil, err
	} else if taken {
		ve.Add("email", "has already been taken")
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	u := &User{AbstractUser: auth.AbstractUser{Username: in.User.Username, Email: in.User.Email}}
	if err := users.CreateUser(ctx, d, u, in.User.Password); err != nil {
		if errors.Is(err, auth.ErrUsernameTaken) {
			return nil, rest.Invalid("username", "has already been taken")
		}
		return nil, err
	}
	return h.userOut(u)
}

func (h *handlers) currentUser(r *rest.Request, _ *struct{}) (*UserOut, error) {
	return h.userOut(me(r))
}

// UpdateUserIn is the body of a user update: every field optional.
type UpdateUserIn struct {
	User struct {
		Email    *string `json:"email" rest:"email,max_length=254"`
		Username *string `json:"username" rest:"max_length=150"`
		Password *string `json:"password" rest:"notrim,min_length=8,max_length=4096"`
		Image    *string `json:"image" rest:"blank,max_length=500"`
		Bio      *string `json:"bio" rest:"blank,max_length=10000"`
	} `json:"user"`
}

func (h *handlers) updateUser(r *rest.Request, in *UpdateUserIn) (*UserOut, error) {
	ctx, d, u := r.Context(), db(r), me(r)
	f := in.User
	ve := &rest.ValidationError{}
	if f.Username != nil && *f.Username != u.Username {
		if err := auth.ValidateUsername(*f.Username); err != nil {
			ve.Add("username", "is invalid")
		} else if taken, err := orm.Q[User](d).Filter("username", *f.Username).Exists(ctx); err != nil {
			return nil, err
		} else if taken {
			ve.Add("username", "has already been taken")
		}
		u.Username = *f.Username
	}
	if f.Email != nil && !strings.EqualFold(*f.Email, u.Email) {
		if taken, err := orm.Q[User](d).Filter("email__iexact", *f.Email).Exclude("id", u.ID).Exists(ctx); err != nil {
			return nil, err
		} else if taken {
			ve.Add("email", "has already been taken")
		}
		u.Email = *f.Email
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if f.Password != nil {
		if err := u.SetPassword(*f.Password); err != nil {
			return nil, err
		}
	}
	if f.Bio != nil {
		u.Bio = *f.Bio
	}
	if f.Image != nil {
		u.Image = orm.Null[string]{V: *f.Image, Valid: *f.Image != ""}
	}
	if err := d.Save(ctx, u); err != nil {
		return nil, err
	}
	return h.userOut(u)
}

// ---- profiles ----------------------------------------------------------------

// Profile is a user as others see it.
type Profile struct {
	Username  string  `json:"username"`
	Bio       string  `json:"bio"`
	Image     *string `json:"image"`
	Following bool    `json:"following"`
}

// ProfileOut wraps a profile.
type ProfileOut struct {
	Profile Profile `json:"profile"`
}

// UsernameIn names a profile.
type UsernameIn struct {
	Username string `path:"username"`
}

// following returns which of the users with ids the viewer follows.
func following(ctx context.Context, d *orm.DB, viewer *User, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if viewer == nil || len(ids) == 0 {
		return out, nil
	}
	rows, err := orm.Q[Follow](d).Filter("follower", viewer.ID, "followed__in", ids).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range rows {
		out[f.Followed.ID()] = true
	}
	return out, nil
}

func profileOf(u *User, follows bool) Profile {
	return Profile{Username: u.Username, Bio: u.Bio, Image: nullString(u.Image), Following: follows}
}

func (h *handlers) profileOut(r *rest.Request, u *User) (*ProfileOut, error) {
	f, err := following(r.Context(), db(r), me(r), []int64{u.ID})
	if err != nil {
		return nil, err
	}
	return &ProfileOut{Profile: profileOf(u, f[u.ID])}, nil
}

func userNamed(r *rest.Request, name string) (*User, error) {
	u, err := orm.Q[User](db(r)).Get(r.Context(), "username", name)
	if errors.Is(err, orm.ErrNotFound) {
		return nil, rest.NotFound()
	}
	return u, err
}

func (h *handlers) profile(r *rest.Request, in *UsernameIn) (*ProfileOut, error) {
	u, err := userNamed(r, in.Username)
	if err != nil {
		return nil, err
	}
	return h.profileOut(r, u)
}

func (h *handlers) follow(r *rest.Request, in *UsernameIn) (*ProfileOut, error) {
	u, err := userNamed(r, in.Username)
	if err != nil {
		return nil, err
	}
	if u.ID == me(r).ID {
		return nil, rest.Invalid("username", "cannot follow yourself")
	}
	_, _, err = orm.Q[Follow](db(r)).GetOrCreate(r.Context(), map[string]any{"follower": me(r).ID, "followed": u.ID}, nil)
	if err != nil {
		return nil, err
	}
	return h.profileOut(r, u)
}

func (h *handlers) unfollow(r *rest.Request, in *UsernameIn) (*ProfileOut, error) {
	u, err := userNamed(r, in.Username)
	if err != nil {
		return nil, err
	}
	if _, err := orm.Q[Follow](db(r)).Filter("follower", me(r).ID, "followed", u.ID).Delete(r.Context()); err != nil {
		return nil, err
	}
	return h.profileOut(r, u)
}

// ---- articles ----------------------------------------------------------------

// ArticleOut is an article; lists leave out the body.
type ArticleOut struct {
	Slug           string    `json:"slug"`
	Title          string    `json:"title"`
	Description    string    `json:"description"`
	Body           string    `json:"body,omitempty"`
	TagList        []string  `json:"tagList"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	Favorited      bool      `json:"favorited"`
	FavoritesCount int       `json:"favoritesCount"`
	Author         Profile   `json:"author"`
}

// SingleArticle wraps one article.
type SingleArticle struct {
	Article ArticleOut `json:"article"`
}

// MultipleArticles is a page of articles and the total count.
type MultipleArticles struct {
	Articles      []ArticleOut `json:"articles"`
	ArticlesCount int64        `json:"articlesCount"`
}

// render turns articles (with their author and tags loaded) into output, with
// favourites and follows in one query each: no query per article.
func render(r *rest.Request, arts []Article, withBody bool) ([]ArticleOut, error) {
	ctx, d, viewer := r.Context(), db(r), me(r)
	out := make([]ArticleOut, len(arts))
	if len(arts) == 0 {
		return out, nil
	}
	ids := make([]int64, len(arts))
	authors := make([]int64, len(arts))
	for i, a := range arts {
		ids[i], authors[i] = a.ID, a.Author.ID()
	}
	favs, err := orm.Q[Favorite](d).Filter("article__in", ids).All(ctx)
	if err != nil {
		return nil, err
	}
	count, mine := map[int64]int{}, map[int64]bool{}
	for _, f := range favs {
		aid := f.Article.ID()
		count[aid]++
		if viewer != nil && f.User.ID() == viewer.ID {
			mine[aid] = true
		}
	}
	follows, err := following(ctx, d, viewer, authors)
	if err != nil {
		return nil, err
	}
	for i, a := range arts {
		tags := []string{}
		for _, t := range a.Tags.Items() {
			tags = append(tags, t.Name)
		}
		author := a.Author.Obj()
		o := ArticleOut{Slug: a.Slug, Title: a.Title, Description: a.Description, TagList: tags,
			CreatedAt: a.Created.UTC(), UpdatedAt: a.Updated.UTC(), Favorited: mine[a.ID], FavoritesCount: count[a.ID],
			Author: profileOf(author, follows[author.ID])}
		if withBody {
			o.Body = a.Body
		}
		out[i] = o
	}
	return out, nil
}

// ListIn filters and pages articles.
type ListIn struct {
	Tag       string `query:"tag"`
	Author    string `query:"author"`
	Favorited string `query:"favorited"`
	Limit     int    `query:"limit" rest:"default=20,min=1,max=100"`
	Offset    int    `query:"offset" rest:"default=0,min=0"`
}

// PageIn pages the feed.
type PageIn struct {
	Limit  int `query:"limit" rest:"default=20,min=1,max=100"`
	Offset int `query:"offset" rest:"default=0,min=0"`
}

func page(r *rest.Request, q orm.QuerySet[Article], limit, offset int) (*MultipleArticles, error) {
	n, err := q.Count(r.Context())
	if err != nil {
		return nil, err
	}
	arts, err := q.OrderBy("-created", "-id").SelectRelated("author").PrefetchRelated("tags").Limit(limit).Offset(offset).All(r.Context())
	if err != nil {
		return nil, err
	}
	out, err := render(r, arts, false)
	if err != nil {
		return nil, err
	}
	return &MultipleArticles{Articles: out, ArticlesCount: n}, nil
}

func (h *handlers) articles(r *rest.Request, in *ListIn) (*MultipleArticles, error) {
	q := orm.Q[Article](db(r))
	if in.Tag != "" {
		q = q.Filter("tags__name", in.Tag)
	}
	if in.Author != "" {
		q = q.Filter("author__username", in.Author)
	}
	if in.Favorited != "" {
		q = q.Filter("favorites__user__username", in.Favorited)
	}
	return page(r, q, in.Limit, in.Offset)
}

func (h *handlers) feed(r *rest.Request, in *PageIn) (*MultipleArticles, error) {
	return page(r, orm.Q[Article](db(r)).Filter("author__followers__follower", me(r).ID), in.Limit, in.Offset)
}

// SlugIn names an article.
type SlugIn struct {
	Slug string `path:"slug"`
}

func articleBySlug(r *rest.Request, slug string) (*Article, error) {
	a, err := orm.Q[Article](db(r)).SelectRelated("author").PrefetchRelated("tags").Get(r.Context(), "slug", slug)
	if errors.Is(err, orm.ErrNotFound) {
		return nil, rest.NotFound()
	}
	return a, err
}

func single(r *rest.Request, a *Article) (*SingleArticle, error) {
	out, err := render(r, []Article{*a}, true)
	if err != nil {
		return nil, err
	}
	return &SingleArticle{Article: out[0]}, nil
}

func (h *handlers) article(r *rest.Request, in *SlugIn) (*SingleArticle, error) {
	a, err := articleBySlug(r, in.Slug)
	if err != nil {
		return nil, err
	}
	return single(r, a)
}

// NewArticleIn is the body of a new article.
type NewArticleIn struct {
	Article struct {
		Title       string   `json:"title" rest:"max_length=255"`
		Description string   `json:"description" rest:"max_length=10000"`
		Body        string   `json:"body" rest:"max_length=1000000"`
		TagList     []string `json:"tagList,omitempty"`
	} `json:"article"`
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes a unique slug from a title: its words, and a random suffix.
func slugify(title string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(s) > 200 {
		s = s[:200]
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	if s == "" {
		return hex.EncodeToString(b)
	}
	return s + "-" + hex.EncodeToString(b)
}

func setTags(ctx context.Context, d *orm.DB, a *Article, names []string) error {
	var tags []*Tag
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] || len(n) > 100 {
			continue
		}
		seen[n] = true
		t, _, err := orm.Q[Tag](d).GetOrCreate(ctx, map[string]any{"name": n}, nil)
		if err != nil {
			return err
		}
		tags = append(tags, t)
	}
	return orm.Related[Tag](d, a, "tags").Set(ctx, tags...)
}

func (h *handlers) createArticle(r *rest.Request, in *NewArticleIn) (*SingleArticle, error) {
	ctx, d := r.Context(), db(r)
	f := in.Article
	a := &Article{Slug: slugify(f.Title), Title: f.Title, Description: f.Description, Body: f.Body, Author: orm.To(me(r))}
	err := d.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		if err := tx.Create(ctx, a); err != nil {
			return err
		}
		return setTags(ctx, tx, a, f.TagList)
	})
	if err != nil {
		return nil, err
	}
	a, err = articleBySlug(r, a.Slug)
	if err != nil {
		return nil, err
	}
	return single(r, a)
}

// UpdateArticleIn is the body of an article update: every field optional.
type UpdateArticleIn struct {
	Slug    string `path:"slug"`
	Article struct {
		Title       *string `json:"title" rest:"max_length=255"`
		Description *string `json:"description" rest:"max_length=10000"`
		Body        *string `json:"body" rest:"max_length=1000000"`
	} `json:"article"`
}

// own returns the article with slug when the user wrote it: 404 when there is
// none, 403 when it is someone else's.
func own(r *rest.Request, slug string) (*Article, error) {
	a, err := articleBySlug(r, slug)
	if err != nil {
		return nil, err
	}
	if a.Author.ID() != me(r).ID {
		return nil, rest.PermissionDenied("")
	}
	return a, nil
}

func (h *handlers) updateArticle(r *rest.Request, in *UpdateArticleIn) (*SingleArticle, error) {
	a, err := own(r, in.Slug)
	if err != nil {
		return nil, err
	}
	f := in.Article
	if f.Title != nil && *f.Title != a.Title {
		a.Title, a.Slug = *f.Title, slugify(*f.Title)
	}
	if f.Description != nil {
		a.Description = *f.Description
	}
	if f.Body != nil {
		a.Body = *f.Body
	}
	if err := db(r).Save(r.Context(), a); err != nil {
		return nil, err
	}
	return single(r, a)
}

func (h *handlers) deleteArticle(r *rest.Request, in *SlugIn) (*rest.NoContent, error) {
	a, err := own(r, in.Slug)
	if err != nil {
		return nil, err
	}
	_, err = orm.Q[Article](db(r)).Filter("id", a.ID).Delete(r.Context())
	return nil, err
}

func (h *handlers) favorite(r *rest.Request, in *SlugIn) (*SingleArticle, error) {
	a, err := articleBySlug(r, in.Slug)
	if err != nil {
		return nil, err
	}
	if _, _, err := orm.Q[Favorite](db(r)).GetOrCreate(r.Context(), map[string]any{"user": me(r).ID, "article": a.ID}, nil); err != nil {
		return nil, err
	}
	return single(r, a)
}

func (h *handlers) unfavorite(r *rest.Request, in *SlugIn) (*SingleArticle, error) {
	a, err := articleBySlug(r, in.Slug)
	if err != nil {
		return nil, err
	}
	if _, err := orm.Q[Favorite](db(r)).Filter("user", me(r).ID, "article", a.ID).Delete(r.Context()); err != nil {
		return nil, err
	}
	return single(r, a)
}

// ---- comments ----------------------------------------------------------------

// CommentOut is a comment.
type CommentOut struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Body      string    `json:"body"`
	Author    Profile   `json:"author"`
}

// SingleComment wraps a comment.
type SingleComment struct {
	Comment CommentOut `json:"comment"`
}

// MultipleComments lists comments.
type MultipleComments struct {
	Comments []CommentOut `json:"comments"`
}

func renderComments(r *rest.Request, cs []Comment) ([]CommentOut, error) {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.Author.ID()
	}
	follows, err := following(r.Context(), db(r), me(r), ids)
	if err != nil {
		return nil, err
	}
	out := make([]CommentOut, len(cs))
	for i, c := range cs {
		a := c.Author.Obj()
		out[i] = CommentOut{ID: c.ID, CreatedAt: c.Created.UTC(), UpdatedAt: c.Updated.UTC(), Body: c.Body, Author: profileOf(a, follows[a.ID])}
	}
	return out, nil
}

func (h *handlers) comments(r *rest.Request, in *SlugIn) (*MultipleComments, error) {
	a, err := articleBySlug(r, in.Slug)
	if err != nil {
		return nil, err
	}
	cs, err := orm.Q[Comment](db(r)).Filter("article", a.ID).SelectRelated("author").OrderBy("created", "id").All(r.Context())
	if err != nil {
		return nil, err
	}
	out, err := renderComments(r, cs)
	if err != nil {
		return nil, err
	}
	return &MultipleComments{Comments: out}, nil
}

// NewCommentIn is the body of a new comment.
type NewCommentIn struct {
	Slug    string `path:"slug"`
	Comment struct {
		Body string `json:"body" rest:"max_length=100000"`
	} `json:"comment"`
}

func (h *handlers) createComment(r *rest.Request, in *NewCommentIn) (*SingleComment, error) {
	a, err := articleBySlug(r, in.Slug)
	if err != nil {
		return nil, err
	}
	c := &Comment{Article: orm.To(a), Author: orm.To(me(r)), Body: in.Comment.Body}
	if err := db(r).Create(r.Context(), c); err != nil {
		return nil, err
	}
	c.Author = orm.To(me(r))
	out, err := renderComments(r, []Comment{*c})
	if err != nil {
		return nil, err
	}
	return &SingleComment{Comment: out[0]}, nil
}

// CommentIDIn names a comment of an article.
type CommentIDIn struct {
	Slug string `path:"slug"`
	ID   int64  `path:"id"`
}

func (h *handlers) deleteComment(r *rest.Request, in *CommentIDIn) (*rest.NoContent, error) {
	a, err := articleBySlug(r, in.Slug)
	if err != nil {
		return nil, err
	}
	c, err := orm.Q[Comment](db(r)).Get(r.Context(), "id", in.ID, "article", a.ID)
	if errors.Is(err, orm.ErrNotFound) {
		return nil, rest.NotFound()
	}
	if err != nil {
		return nil, err
	}
	if c.Author.ID() != me(r).ID {
		return nil, rest.PermissionDenied("")
	}
	_, err = orm.Q[Comment](db(r)).Filter("id", c.ID).Delete(r.Context())
	return nil, err
}

// ---- tags --------------------------------------------------------------------

// TagsOut lists tags.
type TagsOut struct {
	Tags []string `json:"tags"`
}

func (h *handlers) tags(r *rest.Request, _ *struct{}) (*TagsOut, error) {
	ts, err := orm.Q[Tag](db(r)).OrderBy("name").All(r.Context())
	if err != nil {
		return nil, err
	}
	out := &TagsOut{Tags: make([]string, len(ts))}
	for i, t := range ts {
		out.Tags[i] = t.Name
	}
	return out, nil
}
