// Package views provides generic views, Django's class-based views as Go values:
// a struct literal configures the view and its Handle method is the handler.
//
//	func (app) Routes(g *galvani.Group) {
//		g.Get("/", views.List[Article]{PerPage: 10}.Handle).Name("index")
//		g.Get("/{slug:slug}/", views.Detail[Article]{}.Handle).Name("detail")
//		g.Any("/new/", auth.LoginRequired(views.Create[Article]{
//			Fields:         []string{"title", "body"},
//			SuccessURL:     "/{slug}/",
//			SuccessMessage: "Published {title}.",
//		}.Handle)).Name("new")
//		g.Any("/{slug:slug}/edit/", views.Update[Article]{Fields: []string{"title", "body"}, SuccessURL: "/{slug}/"}.Handle)
//		g.Any("/{slug:slug}/delete/", views.Delete[Article]{SuccessURL: "/"}.Handle)
//		g.Get("/about/", views.Template{Name: "blog/about.html"}.Handle)
//		g.Get("/old/{slug}/", views.Redirect{Route: "blog:detail", Permanent: true}.Handle)
//	}
//
// With nothing set, a view does what Django's does: it reads the database from the
// request (orm.DBFrom, which orm.Install provides), renders
// "<app>/<model>_list.html", "_detail.html", "_form.html" or "_confirm_delete.html",
// and puts the object or list in the template under Django's names (object,
// article, object_list, article_list, page_obj, paginator, is_paginated, form).
//
// Every step can be replaced by setting a field: Query (get_queryset), Object
// (get_object), Form (get_form), BeforeSave and Save (form_valid), Success
// (get_success_url), Data (get_context_data) and Render (render_to_response).
// Each hook gets the request's *galvani.Ctx, so it can read the user, the path and
// the query string.
//
// Views answer only the methods they handle (405 with Allow otherwise, OPTIONS
// with the Allow header), so the editing views are registered with Group.Any for
// GET and POST at once. Bad input is a clear 4xx: an unknown object or page is 404,
// an ordering the view does not offer is 400, a form with errors is shown again
// with them (status 200, as Django does).
//
// The "pagination" template library ({% load pagination %}) draws a page's links:
// install App, or register PaginationLibrary with the template engine.
package views
