package rest

import (
	"net/http"
	"reflect"
	"strings"
)

// NoContent is the output type of an endpoint that answers 204 with no body.
type NoContent struct{}

// Endpoint is a typed API view: a function from an input type to an output type,
// which are also its OpenAPI description (Huma's idea, on the API's policy). The
// input's fields tagged path:"name" and query:"name" come from the path and the
// query string; the others are the JSON (or form) body, read and validated by
// the struct's tags and Validate methods (see StructSerializer). Build one with
// Handle and register it with API.Get, Post, Put, Patch or Delete.
type Endpoint struct {
	in, out     reflect.Type
	call        func(r *Request) error
	status      int
	name        string
	summary     string
	description string
	tags        []string
	auths       []Authenticator
	perms       []Permission
	throttles   []Throttle
	scope       string
	errors      []int
}

// Handle returns the endpoint that runs fn. fn gets the request and its input,
// read and validated, and returns the output to write (status 200, or Status) or
// an error: *ValidationError, *Error, orm.ErrNotFound... become 4xx answers.
func Handle[In, Out any](fn func(r *Request, in *In) (*Out, error)) *Endpoint {
	e := &Endpoint{in: reflect.TypeFor[In](), out: reflect.TypeFor[Out](), status: http.StatusOK}
	if e.out == reflect.TypeFor[NoContent]() {
		e.status = http.StatusNoContent
	}
	e.call = func(r *Request) error {
		in := new(In)
		p, err := planFor(e.in)
		if err != nil {
			return err
		}
		rv := reflect.ValueOf(in).Elem()
		if err := p.decodeParams(r, rv); err != nil {
			return err
		}
		if len(p.fields) > 0 && hasBody(r.Ctx.Request.Method) {
			inp, err := r.input()
			if err != nil {
				return err
			}
			ve, err := p.decode(r.Context(), inp, rv, false, r.ignoreUnknown(), 0)
			if err != nil {
				return err
			}
			if err := ve.Err(); err != nil {
				return err
			}
		} else if len(p.fields) == 0 || !hasBody(r.Ctx.Request.Method) {
			ve := &ValidationError{}
			if err := callValidate(r.Context(), rv.Addr(), "Validate", "", ve); err != nil {
				return err
			}
			if err := ve.Err(); err != nil {
				return err
			}
		}
		out, err := fn(r, in)
		if err != nil {
			return err
		}
		if e.status == http.StatusNoContent || out == nil {
			r.Ctx.Response.Header()["Vary"] = varyAccept
			return r.Ctx.NoContent(http.StatusNoContent)
		}
		return r.RespondJSON(e.status, out)
	}
	return e
}

func hasBody(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// Status sets the success status (default 200; 204 for NoContent).
func (e *Endpoint) Status(code int) *Endpoint { e.status = code; return e }

// Name names the endpoint: its route name, its OpenAPI operationId and
// Request.View.
func (e *Endpoint) Name(name string) *Endpoint { e.name = name; return e }

// Summary and Description document the endpoint.
func (e *Endpoint) Summary(s string) *Endpoint { e.summary = s; return e }

// Description documents the endpoint at length.
func (e *Endpoint) Description(s string) *Endpoint { e.description = s; return e }

// Tags group the endpoint in the OpenAPI document.
func (e *Endpoint) Tags(tags ...string) *Endpoint { e.tags = tags; return e }

// Authentication replaces the API's authenticators for this endpoint.
func (e *Endpoint) Authentication(a ...Authenticator) *Endpoint {
	e.auths = append([]Authenticator{}, a...)
	return e
}

// Permissions replaces the API's permissions for this endpoint.
func (e *Endpoint) Permissions(p ...Permission) *Endpoint {
	e.perms = append([]Permission{}, p...)
	return e
}

// Throttles replaces the API's throttles for this endpoint.
func (e *Endpoint) Throttles(t ...Throttle) *Endpoint {
	e.throttles = append([]Throttle{}, t...)
	return e
}

// Scope sets the throttle scope (see ScopedRate).
func (e *Endpoint) Scope(s string) *Endpoint { e.scope = s; return e }

// Errors documents extra error statuses in OpenAPI (400, 401, 403, 404 and 429
// are documented when the endpoint's input and policy make them possible).
func (e *Endpoint) Errors(statuses ...int) *Endpoint { e.errors = statuses; return e }

// Get registers e for GET (and HEAD) on path, under the API's prefix.
func (a *API) Get(path string, e *Endpoint) { a.endpoint("GET", path, e) }

// Post registers e for POST on path.
func (a *API) Post(path string, e *Endpoint) { a.endpoint("POST", path, e) }

// Put registers e for PUT on path.
func (a *API) Put(path string, e *Endpoint) { a.endpoint("PUT", path, e) }

// Patch registers e for PATCH on path.
func (a *API) Patch(path string, e *Endpoint) { a.endpoint("PATCH", path, e) }

// Delete registers e for DELETE on path.
func (a *API) Delete(path string, e *Endpoint) { a.endpoint("DELETE", path, e) }

func (a *API) endpoint(m, path string, e *Endpoint) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if _, err := planFor(e.in); err != nil {
		panic(err)
	}
	name := e.name
	if name == "" {
		name = operationName(m, path)
	}
	d := &viewDef{api: a, path: path, name: e.name, basename: name, scope: e.scope, auths: e.auths, perms: e.perms,
		throttle: e.throttles, methods: map[string]*method{}, doc: e.description}
	var fields func() []Field
	if hasBody(m) {
		fields = func() []Field { return structFieldsOf(e.in) }
	}
	d.methods[m] = &method{action: strings.ToLower(m), handle: e.call, fields: fields, status: e.status, summary: e.summary}
	ep := e
	d.describe = func(g *schemaGen, v *viewDef) { g.endpointOp(v, m, ep, name) }
	a.add(d)
}

// operationName derives a name from a method and path: "GET /users/{id}/" is
// "users_id_get".
func operationName(m, path string) string {
	var parts []string
	for _, seg := range strings.Split(path, "/") {
		seg = strings.Trim(seg, "{}")
		if i := strings.IndexByte(seg, ':'); i >= 0 {
			seg = seg[:i]
		}
		if seg != "" {
			parts = append(parts, strings.ReplaceAll(seg, "-", "_"))
		}
	}
	parts = append(parts, strings.ToLower(m))
	return strings.Join(parts, "_")
}
