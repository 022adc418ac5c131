package views

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// Detail shows one object, found by its key or slug in the path, Django's
// DetailView:
//
//	g.Get("/articles/{pk:int}/", views.Detail[Article]{}.Handle)
//	g.Get("/{slug:slug}/", views.Detail[Article]{}.Handle).Name("detail")
//
// The object is looked up by the path parameter "pk" (or "id") as its primary
// key, or else by "slug" as its slug field; no such object is 404. The template
// ("<app>/<model>_detail.html") gets it as object and <model>.
type Detail[T any] struct {
	// DB is the database to read; nil means the request's (orm.DBFrom).
	DB *orm.DB
	// Template is the template to render; default "<app>/<model>_detail.html".
	Template string
	// Query, when set, narrows the objects the lookup may find (only published
	// articles, only the user's own): Django's get_queryset.
	Query func(c *galvani.Ctx, q orm.QuerySet[T]) (orm.QuerySet[T], error)
	// PKParam is the path parameter holding the primary key; default "pk", then "id".
	PKParam string
	// SlugParam is the path parameter holding the slug; default "slug".
	SlugParam string
	// SlugField is the field the slug is looked up in; default "slug".
	SlugField string
	// Object, when set, finds the object instead (Django's get_object); q is the
	// query after Query. Return orm.ErrNotFound (or a galvani.Error) for a 404.
	Object func(c *galvani.Ctx, q orm.QuerySet[T]) (*T, error)
	// ContextName is the object's name in the template besides object; default the
	// lower-case model name.
	ContextName string
	// Data, when set, adds to or changes the template's data.
	Data func(c *galvani.Ctx, obj *T, data Data) error
	// Render, when set, answers instead of rendering Template.
	Render func(c *galvani.Ctx, data Data) error
}

// Handle answers GET and HEAD with the object.
func (v Detail[T]) Handle(c *galvani.Ctx) error {
	if done, err := allowMethods(c, http.MethodGet); done || err != nil {
		return err
	}
	info, _, obj, err := v.lookup().find(c)
	if err != nil {
		return err
	}
	data := Data{"object": obj, contextName(info, v.ContextName): obj}
	if v.Data != nil {
		if err := v.Data(c, obj, data); err != nil {
			return err
		}
	}
	return render(c, v.Render, templateName(info, v.Template, "_detail"), data)
}

func (v Detail[T]) lookup() lookup[T] {
	return lookup[T]{db: v.DB, query: v.Query, pkParam: v.PKParam, slugParam: v.SlugParam, slugField: v.SlugField, object: v.Object}
}

// find resolves what every single-object view starts with: T's model, the
// database and the object the request names.
func (l lookup[T]) find(c *galvani.Ctx) (*orm.ModelInfo, *orm.DB, *T, error) {
	info, err := modelOf[T]()
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := database(c, l.db)
	if err != nil {
		return nil, nil, nil, err
	}
	obj, err := l.get(c, info, db)
	if err != nil {
		return nil, nil, nil, err
	}
	return info, db, obj, nil
}

// lookup is how the single-object views (Detail, Update, Delete) find their object.
type lookup[T any] struct {
	db                            *orm.DB
	query                         func(*galvani.Ctx, orm.QuerySet[T]) (orm.QuerySet[T], error)
	pkParam, slugParam, slugField string
	object                        func(*galvani.Ctx, orm.QuerySet[T]) (*T, error)
}

func (l lookup[T]) get(c *galvani.Ctx, info *orm.ModelInfo, db *orm.DB) (*T, error) {
	q := orm.Q[T](db)
	var err error
	if l.query != nil {
		if q, err = l.query(c, q); err != nil {
			return nil, err
		}
	}
	if l.object != nil {
		return l.object(c, q)
	}
	ctx := c.Context()
	if raw, ok := l.pk(c); ok {
		key, err := parseKey(info, raw)
		if err != nil {
			return nil, galvani.Errorf(http.StatusNotFound, "No %s has the key %q.", info.Name, clip(raw)).Wrap(err)
		}
		return q.Get(ctx, "pk", key)
	}
	param := l.slugParam
	if param == "" {
		param = "slug"
	}
	if slug := c.Param(param); slug != "" {
		field := l.slugField
		if field == "" {
			field = "slug"
		}
		return q.Get(ctx, field, slug)
	}
	var have []string
	for _, p := range c.Params() {
		have = append(have, p.Key)
	}
	return nil, fmt.Errorf("views: %s lookup needs a path parameter %s or %s (the route has: %s), or an Object hook",
		info.Name, l.pkNames(), param, strings.Join(have, ", "))
}

// pk returns the path parameter holding the primary key, if the route has one.
func (l lookup[T]) pk(c *galvani.Ctx) (value string, ok bool) {
	names := []string{"pk", "id"}
	if l.pkParam != "" {
		names = []string{l.pkParam}
	}
	for _, n := range names {
		for _, p := range c.Params() {
			if p.Key == n {
				return p.Value, true
			}
		}
	}
	return "", false
}

func (l lookup[T]) pkNames() string {
	if l.pkParam != "" {
		return l.pkParam
	}
	return "pk, id"
}

// parseKey converts a primary key from the path to the key's Go type, so a
// malformed key is a 404 rather than a database error.
func parseKey(info *orm.ModelInfo, raw string) (any, error) {
	switch info.PK.Kind {
	case orm.KindInt, orm.KindBigInt:
		return strconv.ParseInt(raw, 10, 64)
	case orm.KindUUID:
		return orm.ParseUUID(raw)
	}
	return raw, nil
}
