package galvani

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// HandlerFunc is Galvani's handler shape: it gets the request context and returns an
// error, which the App turns into a response in one place (see App.HandleError).
type HandlerFunc func(c *Ctx) error

// TemplateEngine renders named templates. The template battery provides one; a
// project can plug in html/template or its own. It is set with App.SetTemplates.
//
// Render must write nothing when it fails: render into a buffer, then write the
// page in one go (the template battery's engines do). Ctx.Render relies on it to turn
// a template error into a clean error page rather than half a page; it sends its
// status just before the engine's first write.
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
	// Response is where the answer is written. Inside a handler it records whether
	// the response has started (see Written); it unwraps with http.ResponseController.
	Response http.ResponseWriter

	app     *App
	route   *Route
	params  [maxParams]Param
	nparams int

	rw          responseWriter
	tw          templateWriter
	query       url.Values
	bodyLimited bool
	jsonBuf     bytes.Buffer // JSON's encoding buffer, kept with the pooled Ctx
	values      []ctxValue   // SetValue's entries; the slice is kept with the pooled Ctx
}

// ctxValue is one entry of SetValue.
type ctxValue struct{ key, value any }

// maxKeptJSONBuf bounds the encoding buffer a pooled Ctx keeps between requests, so
// one large answer doesn't pin its memory.
const maxKeptJSONBuf = 64 << 10

// App returns the App serving the request.
func (c *Ctx) App() *App { return c.app }

// Route returns the matched route, or nil for requests answered without one (404, 405).
func (c *Ctx) Route() *Route { return c.route }

// Context returns the request's context.Context.
func (c *Ctx) Context() context.Context { return c.Request.Context() }

// track makes c.Response record the status, once per request.
func (c *Ctx) track() {
	if c.Response == http.ResponseWriter(&c.rw) {
		return
	}
	c.rw.reset(c.Response)
	c.Response = &c.rw
}

// Written reports whether the response has started (a status or body was written),
// after which an error can no longer become an error page.
func (c *Ctx) Written() bool { return c.rw.written }

// StatusCode returns the status written so far, or 0 before the response has started.
func (c *Ctx) StatusCode() int { return c.rw.status }

func (c *Ctx) reset() {
	c.Request, c.Response, c.app, c.route = nil, nil, nil, nil
	for i := 0; i < c.nparams; i++ {
		c.params[i] = Param{}
	}
	c.nparams = 0
	c.rw = responseWriter{}
	c.tw = templateWriter{}
	c.query = nil
	c.bodyLimited = false
	if len(c.values) > 0 {
		clear(c.values) // drop the references before the Ctx is reused
		c.values = c.values[:0]
	}
	if c.jsonBuf.Cap() > maxKeptJSONBuf {
		c.jsonBuf = bytes.Buffer{}
	}
	c.jsonBuf.Reset()
}

// ---- per-request values ----

// SetValue stores value under key for the rest of the request; Value returns it.
// It is for the layers of one handler — a battery's view machinery and the hooks it
// calls with the Ctx — to share state without the cost of context.WithValue, whose
// new context needs a copy of the *http.Request (Request.WithContext). Keys compare
// with ==, as context keys do: the key must be comparable and not nil (SetValue
// panics otherwise, like context.WithValue), and a value of an unexported type
// avoids clashes between packages. Setting a key again replaces its value. The
// values are dropped when the request ends.
//
// State that plain net/http handlers and middleware must see belongs in the
// request's context instead (see session.From): only code that has the Ctx sees
// these values. A Ctx that never stores a value pays nothing for the facility.
func (c *Ctx) SetValue(key, value any) {
	if key == nil {
		panic("galvani: Ctx.SetValue with a nil key")
	}
	if !reflect.TypeOf(key).Comparable() {
		panic("galvani: Ctx.SetValue with a key that is not comparable")
	}
	for i := range c.values {
		if c.values[i].key == key {
			c.values[i].value = value
			return
		}
	}
	c.values = append(c.values, ctxValue{key, value})
}

// Value returns the value SetValue stored under key during this request, or nil.
func (c *Ctx) Value(key any) any {
	for i := range c.values {
		if c.values[i].key == key {
			return c.values[i].value
		}
	}
	return nil
}

// ---- path parameters ----

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

// ParamInt64 is ParamInt for int64 values such as primary keys. A missing, malformed
// or out-of-range value is a 404 error.
func (c *Ctx) ParamInt64(name string) (int64, error) {
	n, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil {
		return 0, Errorf(http.StatusNotFound, "path parameter %q is not an integer", name)
	}
	return n, nil
}

// ---- query string ----

// QueryValues returns the parsed query string, parsed once per request. Malformed
// pairs (bad percent-encoding) are left out, as url.Values.Query does.
func (c *Ctx) QueryValues() url.Values {
	if c.query == nil {
		c.query, _ = url.ParseQuery(c.Request.URL.RawQuery)
	}
	return c.query
}

// Query returns the first value of the query parameter name, or "".
func (c *Ctx) Query(name string) string {
	if c.Request.URL.RawQuery == "" {
		return ""
	}
	return c.QueryValues().Get(name)
}

// QueryInt returns the query parameter name as an int, or def when it is absent or
// empty. A value that is not an integer is a 400 error naming the parameter.
func (c *Ctx) QueryInt(name string, def int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, Invalid(name, "must be an integer, got %s", quoteShort(v))
	}
	return n, nil
}

// QueryBool returns the query parameter name as a bool (1/0, true/false, yes/no,
// on/off), or def when it is absent or empty. Anything else is a 400 error.
func (c *Ctx) QueryBool(name string, def bool) (bool, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "1", "t", "true", "y", "yes", "on":
		return true, nil
	case "0", "f", "false", "n", "no", "off":
		return false, nil
	}
	return def, Invalid(name, "must be true or false, got %s", quoteShort(v))
}

// quoteShort quotes a client-supplied value for an error message, cut to a sane length.
func quoteShort(v string) string {
	const max = 40
	if len(v) > max {
		v = v[:max] + "..."
	}
	return strconv.Quote(v)
}

// ---- request body: forms ----

// limitBody bounds the request body by Settings.MaxBodyBytes, once.
func (c *Ctx) limitBody() {
	if c.bodyLimited || c.Request.Body == nil {
		return
	}
	c.bodyLimited = true
	w := c.Response
	if c.Response == http.ResponseWriter(&c.rw) {
		w = c.rw.w // so net/http closes the connection after an oversized body
	}
	c.Request.Body = http.MaxBytesReader(w, c.Request.Body, c.maxBody())
}

func (c *Ctx) maxBody() int64 {
	if c.app != nil && c.app.Settings.MaxBodyBytes > 0 {
		return c.app.Settings.MaxBodyBytes
	}
	return 10 << 20
}

// maxFormMemory is how much of a multipart form is kept in memory; larger files go
// to temporary files, which net/http removes after the request.
const maxFormMemory = 8 << 20

// Form parses the request body as a form (application/x-www-form-urlencoded or
// multipart/form-data) and returns its fields, like Django's request.POST. The body
// is bounded by Settings.MaxBodyBytes: a larger one is a 413 error; a malformed one is
// a 400 error. Query-string values are not included (see QueryValues). Requests
// with another content type have an empty form.
func (c *Ctx) Form() (url.Values, error) {
	r := c.Request
	if r.PostForm != nil {
		return r.PostForm, nil
	}
	c.limitBody()
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	if ct == "multipart/form-data" {
		mem := int64(maxFormMemory)
		if m := c.maxBody(); m < mem {
			mem = m
		}
		err = r.ParseMultipartForm(mem)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		if r.PostForm == nil {
			r.PostForm = url.Values{}
		}
		return r.PostForm, c.bodyError(err, "form data")
	}
	return r.PostForm, nil
}

// FormValue returns the first value of the form field name, or "" when it is absent
// or the form cannot be parsed; call Form first to answer a bad form with its error.
func (c *Ctx) FormValue(name string) string {
	f, _ := c.Form()
	return f.Get(name)
}

// FormFile returns the uploaded file of the multipart form field name. A missing file
// is a 400 error naming the field.
func (c *Ctx) FormFile(name string) (multipart.File, *multipart.FileHeader, error) {
	if _, err := c.Form(); err != nil {
		return nil, nil, err
	}
	if c.Request.MultipartForm == nil || len(c.Request.MultipartForm.File[name]) == 0 {
		return nil, nil, Invalid(name, "no file was uploaded")
	}
	fh := c.Request.MultipartForm.File[name][0]
	f, err := fh.Open()
	if err != nil {
		return nil, nil, err
	}
	return f, fh, nil
}

// bodyError turns an error reading the body into a 413 or 400 HTTP error.
func (c *Ctx) bodyError(err error, what string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, multipart.ErrMessageTooLarge) {
		limit := c.maxBody()
		if mbe != nil && mbe.Limit < limit {
			limit = mbe.Limit // a body-limit middleware set a tighter bound
		}
		return Errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", limit).Wrap(err)
	}
	return Errorf(http.StatusBadRequest, "malformed %s", what).Wrap(err)
}

// ---- headers and cookies ----

// Header returns the first value of the request header name, or "".
func (c *Ctx) Header(name string) string { return c.Request.Header.Get(name) }

// SetHeader sets the response header name to value. net/http refuses header names
// that are not tokens and neutralises line breaks in values, so a client-supplied
// value cannot inject a header.
func (c *Ctx) SetHeader(name, value string) { c.Response.Header().Set(name, value) }

// Cookie returns the value of the request cookie name, or "" when there is none.
// Cookies with malformed names or values are ignored by net/http's parser; the value
// is client input like any other.
func (c *Ctx) Cookie(name string) string {
	ck, err := c.Request.Cookie(name)
	if err != nil {
		return ""
	}
	return ck.Value
}

// SetCookie adds a Set-Cookie header with safe defaults: HttpOnly always, Path "/"
// when empty, SameSite=Lax unless set, and Secure outside Settings.Debug (and always
// with SameSite=None, which browsers require). A cookie that JavaScript must read
// is the rare exception: set it with http.SetCookie(c.Response, ck) yourself.
// An invalid name or value (control characters, ';', '"', '\') is an error rather
// than a silently altered cookie; encode such values (URL or base64) first.
func (c *Ctx) SetCookie(ck *http.Cookie) error {
	cp := *ck
	if cp.Path == "" {
		cp.Path = "/"
	}
	if cp.SameSite == 0 || cp.SameSite == http.SameSiteDefaultMode {
		cp.SameSite = http.SameSiteLaxMode
	}
	cp.HttpOnly = true
	if c.app == nil || !c.app.Settings.Debug || cp.SameSite == http.SameSiteNoneMode {
		cp.Secure = true
	}
	if err := cp.Valid(); err != nil {
		return fmt.Errorf("galvani: SetCookie %q: %w", ck.Name, err)
	}
	c.Response.Header().Add("Set-Cookie", cp.String())
	return nil
}

// DeleteCookie tells the client to drop the cookie name (set with Path "/").
func (c *Ctx) DeleteCookie(name string) error {
	return c.SetCookie(&http.Cookie{Name: name, MaxAge: -1})
}

// ---- simple responses ----

var (
	textPlain = []string{"text/plain; charset=utf-8"}
	textHTML  = []string{"text/html; charset=utf-8"}
	appJSON   = []string{"application/json"}
	appXML    = []string{"application/xml; charset=utf-8"}
)

// Text writes a text/plain response.
func (c *Ctx) Text(status int, s string) error {
	c.Response.Header()["Content-Type"] = textPlain
	c.Response.WriteHeader(status)
	_, err := io.WriteString(c.Response, s)
	return err
}

// HTML writes html as a text/html response, as it is: escape any user data in it
// (Render with a template engine does that for you).
func (c *Ctx) HTML(status int, html string) error {
	c.Response.Header()["Content-Type"] = textHTML
	c.Response.WriteHeader(status)
	_, err := io.WriteString(c.Response, html)
	return err
}

// Bytes writes b as a response of the given content type.
func (c *Ctx) Bytes(status int, contentType string, b []byte) error {
	c.Response.Header().Set("Content-Type", contentType)
	c.Response.WriteHeader(status)
	_, err := c.Response.Write(b)
	return err
}

// JSON writes v as an application/json response. A value that cannot be encoded is
// returned as an error before anything is written, so it becomes a 500 page.
func (c *Ctx) JSON(status int, v any) error {
	// Encoding into the Ctx's own buffer spares json.Marshal's copy of the result;
	// the output is Marshal's (HTML-safe escapes), without Encode's final newline.
	buf := &c.jsonBuf
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return err
	}
	b := buf.Bytes()
	b = b[:len(b)-1]
	c.Response.Header()["Content-Type"] = appJSON
	c.Response.WriteHeader(status)
	_, err := c.Response.Write(b)
	return err
}

// XML writes v as an application/xml response with the XML declaration.
func (c *Ctx) XML(status int, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	c.Response.Header()["Content-Type"] = appXML
	c.Response.WriteHeader(status)
	if _, err := io.WriteString(c.Response, xml.Header); err != nil {
		return err
	}
	_, err = c.Response.Write(b)
	return err
}

// NoContent writes a response with no body: 204, or 201/202/304 when given.
func (c *Ctx) NoContent(status int) error {
	c.Response.WriteHeader(status)
	return nil
}
