package views

import (
	"net/http"
	"slices"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/paginator"
)

// List shows a list of objects, a page at a time when PerPage is set, Django's
// ListView:
//
//	g.Get("/", views.List[Article]{PerPage: 20}.Handle).Name("index")
//	g.Get("/mine/", views.List[Article]{
//		Query: func(c *galvani.Ctx, q orm.QuerySet[Article]) (orm.QuerySet[Article], error) {
//			return q.Filter("author", auth.UserFrom(c.Request).ID), nil
//		},
//		OrderParam: "o", Orderable: []string{"title", "published"},
//	}.Handle)
//
// The template ("<app>/<model>_list.html" by default) gets object_list and
// <model>_list (the objects), page_obj and paginator (nil without PerPage),
// is_paginated, and ordering (the client's ordering, "" when none). With PerPage,
// the page is read from the "page" query parameter (a number or "last"); a page
// that does not exist is 404, as in Django.
type List[T any] struct {
	// DB is the database to read; nil means the request's (orm.DBFrom).
	DB *orm.DB
	// Template is the template to render; default "<app>/<model>_list.html".
	Template string
	// Ordering orders the list (OrderBy arguments, "-published"), over the model's
	// default ordering.
	Ordering []string
	// Query, when set, refines the query (Django's get_queryset): it gets the
	// model's query on DB, ordered by Ordering, and returns the one to list. An
	// error it returns is the answer (return a galvani.Error for a 4xx).
	Query func(c *galvani.Ctx, q orm.QuerySet[T]) (orm.QuerySet[T], error)
	// OrderParam names a query parameter the client orders the list with
	// ("?o=-published,title"); empty means the client cannot. Only the fields in
	// Orderable are accepted, each optionally prefixed with "-"; anything else is
	// 400 naming the choices.
	OrderParam string
	// Orderable lists the fields OrderParam accepts.
	Orderable []string
	// PerPage paginates the list with this many objects a page; 0 shows them all.
	PerPage int
	// Orphans lets the last page take up to this many objects that would otherwise
	// make a page of their own (Django's paginate_orphans).
	Orphans int
	// PageParam is the query parameter holding the page number; default "page".
	PageParam string
	// RejectEmpty answers 404 when the list is empty (Django's allow_empty=False).
	RejectEmpty bool
	// ContextName is the name of the list in the template besides object_list;
	// default "<model>_list".
	ContextName string
	// Data, when set, adds to or changes the template's data; items are the
	// objects shown.
	Data func(c *galvani.Ctx, items []T, data Data) error
	// Render, when set, answers instead of rendering Template (a JSON list, say).
	Render func(c *galvani.Ctx, data Data) error
}

// Handle answers GET and HEAD with the list.
func (v List[T]) Handle(c *galvani.Ctx) error {
	if done, err := allowMethods(c, http.MethodGet); done || err != nil {
		return err
	}
	info, err := modelOf[T]()
	if err != nil {
		return err
	}
	db, err := database(c, v.DB)
	if err != nil {
		return err
	}
	q := orm.Q[T](db)
	if len(v.Ordering) > 0 {
		q = q.OrderBy(v.Ordering...)
	}
	if v.Query != nil {
		if q, err = v.Query(c, q); err != nil {
			return err
		}
	}
	ordering := ""
	if v.OrderParam != "" {
		if ordering = c.Query(v.OrderParam); ordering != "" {
			fields, err := v.clientOrdering(ordering)
			if err != nil {
				return err
			}
			q = q.OrderBy(fields...)
		}
	}
	ctx := c.Context()
	var (
		items []T
		page  *paginator.Page
		pages *paginator.Paginator
	)
	if v.PerPage > 0 {
		param := v.PageParam
		if param == "" {
			param = "page"
		}
		pages = &paginator.Paginator{PerPage: v.PerPage, Orphans: v.Orphans, RejectEmptyFirstPage: v.RejectEmpty}
		if page, items, err = orm.PaginateWith(ctx, q, c.Query(param), pages); err != nil {
			return err
		}
	} else {
		if items, err = q.All(ctx); err != nil {
			return err
		}
		if len(items) == 0 && v.RejectEmpty {
			return galvani.Errorf(http.StatusNotFound, "The list of %s is empty.", info.Name)
		}
	}
	name := v.ContextName
	if name == "" {
		name = info.ModelName + "_list"
	}
	data := Data{
		"object_list":  items,
		name:           items,
		"page_obj":     page,
		"paginator":    pages,
		"is_paginated": page != nil && page.HasOtherPages(),
		"ordering":     ordering,
	}
	if v.Data != nil {
		if err := v.Data(c, items, data); err != nil {
			return err
		}
	}
	return render(c, v.Render, templateName(info, v.Template, "_list"), data)
}

// clientOrdering checks the client's ordering against Orderable.
func (v List[T]) clientOrdering(raw string) ([]string, error) {
	parts := strings.Split(raw, ",")
	if len(parts) > len(v.Orderable) {
		return nil, galvani.Invalid(v.OrderParam, "orders by at most %d fields", len(v.Orderable))
	}
	for _, p := range parts {
		if !slices.Contains(v.Orderable, strings.TrimPrefix(p, "-")) {
			return nil, galvani.Invalid(v.OrderParam, "cannot order by %q (choices: %s, each optionally with a leading -)", clip(p), strings.Join(v.Orderable, ", "))
		}
	}
	return parts, nil
}

// clip shortens client input quoted in an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
