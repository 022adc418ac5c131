package orm

import (
	"context"

	"github.com/galvani-web/galvani/paginator"
)

// Paginate counts the rows of q, picks the page that raw names ("", "3" or "last",
// as a client sends it in ?page=) with perPage rows to a page, and fetches that
// page's rows. A page that does not exist is a *paginator.InvalidPageError, which
// a handler returns to answer 404:
//
//	page, articles, err := orm.Paginate(ctx, orm.Q[Article](db).OrderBy("-published"), c.Query("page"), 25)
//	if err != nil {
//		return err
//	}
//	return c.Render(200, "articles.html", map[string]any{"page": page, "articles": articles})
//
// A query with no ordering of its own or from the model is ordered by primary key,
// so that pages neither overlap nor skip rows. Use PaginateWith for orphans or
// other paginator options.
func Paginate[T any](ctx context.Context, q QuerySet[T], raw string, perPage int) (*paginator.Page, []T, error) {
	return PaginateWith(ctx, q, raw, &paginator.Paginator{PerPage: perPage})
}

// PaginateWith is Paginate with the paginator's options (PerPage, Orphans,
// RejectEmptyFirstPage) taken from p; its Count is set from the query.
func PaginateWith[T any](ctx context.Context, q QuerySet[T], raw string, p *paginator.Paginator) (*paginator.Page, []T, error) {
	if q.err != nil {
		return nil, nil, q.err
	}
	n, err := q.Count(ctx)
	if err != nil {
		return nil, nil, err
	}
	p.Count = n
	page, err := p.ParsePage(raw)
	if err != nil {
		return nil, nil, err
	}
	if page.Limit() == 0 {
		return page, nil, nil // an empty first page: nothing to fetch
	}
	if !q.orderSet && len(q.info.Ordering) == 0 || q.orderSet && len(q.order) == 0 {
		q = q.OrderBy(q.info.PK.Name)
	}
	items, err := q.Offset(page.Offset()).Limit(page.Limit()).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	return page, items, nil
}
