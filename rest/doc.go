// Package rest is Galvani's REST toolkit, Django REST framework for Go:
// serializers from ORM models (ModelSerializer) and from Go structs
// (StructSerializer, typed endpoints with Handle), viewsets with hooks and extra
// actions (ViewSet), a router that names routes (API.Register), pagination
// (LimitOffset, PageNumber, Cursor), filters, search and ordering limited to
// declared fields, authentication (SessionAuth with CSRF, BasicAuth; tokens and JWT
// in subpackages), permissions including the auth battery's model and object
// permissions, throttling (AnonRate, UserRate, ScopedRate), content negotiation
// with a browsable HTML page, OPTIONS metadata, and an OpenAPI 3.1 document
// generated from the views (API.Schema), served with an embedded docs page.
//
//	api := rest.New(rest.Config{Pagination: rest.LimitOffset{}})
//	api.Register("articles", &rest.ViewSet[Article]{Serializer: &rest.ModelSerializer[Article]{}})
//	app := galvani.New(settings, galvani.Include("/api", api))
//
// An API is an installable app: its routes live under the prefix it is included
// at, namespaced by its label ("api:article-list"). See docs/rest.md.
package rest
