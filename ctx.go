package galvani

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
)

// HandlerFunc is Galvani's handler shape: it gets the request context and returns an
// error, which the App turns into a response in one place (see App.HandleError).
type HandlerFunc func(c *Ctx) error

// TemplateEngine renders named templates. The template battery provides one; a
// project can plug in html/template or its own. It is set with App.SetTemplates.
type TemplateEngine interface {
	Render(w http.ResponseWriter, r *http.Request, name string, data any) error
}

// maxParams bounds the number of path parameters in one route.
const maxParams = 16

// Param is one path parameter of the matched route.
type Param struct {
	Key, Value string
}

// Ctx is the context of one request. It is pooled: do not keep it after the handler
// returns. It holds the request and response writer and adds helpers.
type Ctx struct {
	// Request is the incoming request.
	Request *http.Request
	// Response is where the answer is written.
	Response http.ResponseWriter

	app     *App
	route   *Route
	params  [maxParams]Param
	nparams int
}

// App returns the App serving the request.
func (c *Ctx) App() *App { return c.app }

// Route returns the matched route, or nil for requests answered without one (404, 405).
func (c *Ctx) Route() *Route { return c.route }

// Context returns the request's context.Context.
func (c *Ctx) Context() context.Context { return c.Request.Context() }

// Params returns the path parameters, in pattern order.
func (c *Ctx) Params() []Param { return c.params[:c.nparams] }

// Param returns the path parameter called name, or "".
func (c *Ctx) Param(name string) string {
	for i := 0; i < c.nparams; i++ {
		if c.params[i].Key == name {
			return c.params[i].Value
		}
	}
	return ""
}

// ParamInt returns the path parameter called name as an int. A missing or malformed
// value is a 404 error, since the path did not name a resource.
func (c *Ctx) ParamInt(name string) (int, error) {
	n, err := strconv.Atoi(c.Param(name))
	if err != nil {
		return 0, Errorf(http.StatusNotFound, "path parameter %q is not an integer", name)
	}
	return n, nil
}

// Text writes a text/plain response.
func (c *Ctx) Text(status int, s string) error {
	h := c.Response.Header()
	h["Content-Type"] = textPlain
	c.Response.WriteHeader(status)
	_, err := c.Response.Write([]byte(s))
	return err
}

// JSON writes v as an application/json response.
func (c *Ctx) JSON(status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := c.Response.Header()
	h["Content-Type"] = appJSON
	c.Response.WriteHeader(status)
	_, err = c.Response.Write(b)
	return err
}

var (
	textPlain = []string{"text/plain; charset=utf-8"}
	appJSON   = []string{"application/json"}
)

func (c *Ctx) reset() {
	c.Request, c.Response, c.app, c.route = nil, nil, nil, nil
	for i := 0; i < c.nparams; i++ {
		c.params[i] = Param{}
	}
	c.nparams = 0
}
