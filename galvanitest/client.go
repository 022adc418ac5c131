// Package galvanitest is Galvani's test client: it sends requests through any
// http.Handler in-process (an *galvani.App is one), keeps cookies across requests
// like a browser, follows redirects when asked, posts forms and JSON, and checks
// responses with assertion helpers that report through testing.TB with the body in
// the message.
//
//	func TestHome(t *testing.T) {
//		c := galvanitest.New(t, newApp())
//		c.Get("/").AssertStatus(200).AssertContains("Welcome")
//		c.PostForm("/login/", url.Values{"user": {"ann"}}).AssertRedirect("/")
//	}
//
// Batteries extend the client through request hooks (Client.Before): the CSRF
// battery adds its token to unsafe requests, the auth battery logs a user in by
// setting a session cookie (Client.SetCookie).
package galvanitest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
)

// DefaultHost is the Host of requests that do not name one, as with
// httptest.NewRequest. An app under test that validates hosts must allow it in
// Settings.AllowedHosts, or the test uses the Host option (Host("localhost") passes
// debug-mode validation without AllowedHosts).
const DefaultHost = "example.com"

// maxRedirects bounds redirect following, as browsers do.
const maxRedirects = 10

// Client sends requests to a handler in-process. Create it with New. A Client is
// meant for one test goroutine at a time.
type Client struct {
	t       testing.TB
	h       http.Handler
	jar     *cookiejar.Jar
	cfg     config
	before  []func(*http.Request)
	history []*Response
}

// config holds the settings Options change, for the client or one request.
type config struct {
	follow  bool
	host    string
	https   bool
	headers http.Header
	remote  string
	ctx     context.Context
}

// Option changes how requests are sent. Passed to New it applies to every request of
// the client; passed to a request method it applies to that request only.
type Option func(*config)

// FollowRedirects makes the client follow 3xx answers with a Location, like a
// browser: 301, 302 and 303 become GET without body, 307 and 308 repeat the method
// and body. At most 10 redirects are followed; more is a test failure.
func FollowRedirects() Option { return func(c *config) { c.follow = true } }

// NoFollow turns redirect following off (for one request of a client created with
// FollowRedirects).
func NoFollow() Option { return func(c *config) { c.follow = false } }

// Host sets the Host of requests (default DefaultHost).
func Host(host string) Option { return func(c *config) { c.host = host } }

// HTTPS sends requests as if over TLS: the URL scheme is https and r.TLS is set,
// so code that checks for a secure connection sees one.
func HTTPS() Option { return func(c *config) { c.https = true } }

// Header adds a request header.
func Header(key, value string) Option {
	return func(c *config) {
		c.headers = c.headers.Clone()
		if c.headers == nil {
			c.headers = http.Header{}
		}
		c.headers.Add(key, value)
	}
}

// RemoteAddr sets the request's RemoteAddr (default "192.0.2.1:1234").
func RemoteAddr(addr string) Option { return func(c *config) { c.remote = addr } }

// Context sets the request context (default: the test's context).
func Context(ctx context.Context) Option { return func(c *config) { c.ctx = ctx } }

// New returns a client that sends requests to h, reporting failures through t.
func New(t testing.TB, h http.Handler, opts ...Option) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("galvanitest: cookie jar: %v", err)
	}
	c := &Client{t: t, h: h, jar: jar, cfg: config{host: DefaultHost, remote: "192.0.2.1:1234"}}
	for _, o := range opts {
		o(&c.cfg)
	}
	return c
}

// Before registers a hook that runs on every request just before it is sent
// (redirects included), after the client's cookies and headers are set. Hooks run in
// the order registered. The CSRF battery uses one to add its token; a test can use
// one to authenticate every request.
func (c *Client) Before(fn func(*http.Request)) { c.before = append(c.before, fn) }

// Handler returns the handler the client sends requests to.
func (c *Client) Handler() http.Handler { return c.h }

// T returns the testing.TB failures are reported to.
func (c *Client) T() testing.TB { return c.t }

// History returns every response received, in order, redirects included.
func (c *Client) History() []*Response { return c.history }

// cookieURL is where cookies are kept: always https, so that Secure cookies (the
// default outside development) are kept and sent as a browser on a TLS site would.
func (c *Client) cookieURL(u *url.URL) *url.URL {
	cu := *u
	cu.Scheme = "https"
	return &cu
}

// Cookies returns the cookies the client would send to path.
func (c *Client) Cookies(path string) []*http.Cookie {
	u := &url.URL{Scheme: "https", Host: c.cfg.host, Path: path}
	return c.jar.Cookies(u)
}

// Cookie returns the named cookie the client would send to "/", or nil.
func (c *Client) Cookie(name string) *http.Cookie {
	for _, ck := range c.Cookies("/") {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// SetCookie stores a cookie as if the site had set it; Path defaults to "/".
// The auth battery uses it to log a user in without going through the login form.
func (c *Client) SetCookie(ck *http.Cookie) {
	cp := *ck
	if cp.Path == "" {
		cp.Path = "/"
	}
	c.jar.SetCookies(&url.URL{Scheme: "https", Host: c.cfg.host, Path: "/"}, []*http.Cookie{&cp})
}

// ClearCookies forgets every cookie (a new browser session).
func (c *Client) ClearCookies() {
	jar, _ := cookiejar.New(nil)
	c.jar = jar
}

// Get sends a GET request for path (which may carry a query string).
func (c *Client) Get(path string, opts ...Option) *Response {
	c.t.Helper()
	return c.Request(http.MethodGet, path, nil, "", opts...)
}

// Head sends a HEAD request.
func (c *Client) Head(path string, opts ...Option) *Response {
	c.t.Helper()
	return c.Request(http.MethodHead, path, nil, "", opts...)
}

// Post sends a POST request with the body and content type given.
func (c *Client) Post(path, contentType string, body io.Reader, opts ...Option) *Response {
	c.t.Helper()
	return c.Request(http.MethodPost, path, body, contentType, opts...)
}

// PostForm sends values as an application/x-www-form-urlencoded POST, as a browser
// submits a form.
func (c *Client) PostForm(path string, values url.Values, opts ...Option) *Response {
	c.t.Helper()
	return c.Request(http.MethodPost, path, strings.NewReader(values.Encode()), "application/x-www-form-urlencoded", opts...)
}

// File is a file to upload with PostMultipart.
type File struct {
	// Field is the form field name.
	Field string
	// Name is the file name the browser would send.
	Name string
	// ContentType defaults to application/octet-stream.
	ContentType string
	// Content is the file's bytes.
	Content []byte
}

// quoteEscaper escapes a multipart parameter value as mime/multipart does.
var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

// PostMultipart sends fields and files as a multipart/form-data POST, as a browser
// submits a form with enctype="multipart/form-data".
func (c *Client) PostMultipart(path string, fields url.Values, files []File, opts ...Option) *Response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				c.t.Fatalf("galvanitest: multipart field %q: %v", k, err)
			}
		}
	}
	for _, f := range files {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", `form-data; name="`+quoteEscaper.Replace(f.Field)+`"; filename="`+quoteEscaper.Replace(f.Name)+`"`)
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		w, err := mw.CreatePart(h)
		if err == nil {
			_, err = w.Write(f.Content)
		}
		if err != nil {
			c.t.Fatalf("galvanitest: multipart file %q: %v", f.Name, err)
		}
	}
	if err := mw.Close(); err != nil {
		c.t.Fatalf("galvanitest: multipart: %v", err)
	}
	return c.Request(http.MethodPost, path, &buf, mw.FormDataContentType(), opts...)
}

// PostJSON sends v encoded as JSON. A value that cannot be encoded fails the test.
func (c *Client) PostJSON(path string, v any, opts ...Option) *Response {
	c.t.Helper()
	return c.SendJSON(http.MethodPost, path, v, opts...)
}

// SendJSON sends v encoded as JSON with any method (PUT, PATCH, DELETE...).
func (c *Client) SendJSON(method, path string, v any, opts ...Option) *Response {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatalf("galvanitest: %s %s: encoding JSON body: %v", method, path, err)
	}
	return c.Request(method, path, bytes.NewReader(b), "application/json", opts...)
}

// Put sends a PUT request with the body and content type given.
func (c *Client) Put(path, contentType string, body io.Reader, opts ...Option) *Response {
	c.t.Helper()
	return c.Request(http.MethodPut, path, body, contentType, opts...)
}

// Patch sends a PATCH request with the body and content type given.
func (c *Client) Patch(path, contentType string, body io.Reader, opts ...Option) *Response {
	c.t.Helper()
	return c.Request(http.MethodPatch, path, body, contentType, opts...)
}

// Delete sends a DELETE request.
func (c *Client) Delete(path string, opts ...Option) *Response {
	c.t.Helper()
	return c.Request(http.MethodDelete, path, nil, "", opts...)
}

// Request sends a request with any method; body may be nil and contentType empty.
func (c *Client) Request(method, path string, body io.Reader, contentType string, opts ...Option) *Response {
	c.t.Helper()
	cfg := c.config(opts)
	u, err := c.resolve(cfg, nil, path)
	if err != nil {
		c.t.Fatalf("galvanitest: %s %q: %v", method, path, err)
	}
	var b []byte
	if body != nil {
		if b, err = io.ReadAll(body); err != nil {
			c.t.Fatalf("galvanitest: %s %s: reading body: %v", method, path, err)
		}
	}
	hdr := http.Header{}
	if contentType != "" {
		hdr.Set("Content-Type", contentType)
	}
	return c.send(cfg, method, u, b, hdr)
}

// Do sends a request built by the test (with httptest.NewRequest or
// http.NewRequest). Its URL may be relative ("/path", sent to the client's host) or
// absolute; the client adds
// its cookies, headers and hooks, and follows redirects if configured to.
func (c *Client) Do(req *http.Request, opts ...Option) *Response {
	c.t.Helper()
	cfg := c.config(opts)
	u := *req.URL
	if u.Host == "" {
		u.Host = cfg.host // a relative URL goes to the client's host (see the Host option)
	}
	if u.Scheme == "" {
		u.Scheme = "http"
		if cfg.https {
			u.Scheme = "https"
		}
	}
	var b []byte
	if req.Body != nil {
		var err error
		if b, err = io.ReadAll(req.Body); err != nil {
			c.t.Fatalf("galvanitest: %s %s: reading body: %v", req.Method, req.URL, err)
		}
	}
	return c.send(cfg, req.Method, &u, b, req.Header.Clone())
}

func (c *Client) config(opts []Option) config {
	cfg := c.cfg
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// resolve turns path (relative to base when base is set) into an absolute URL.
func (c *Client) resolve(cfg config, base *url.URL, path string) (*url.URL, error) {
	if base == nil {
		scheme := "http"
		if cfg.https {
			scheme = "https"
		}
		base = &url.URL{Scheme: scheme, Host: cfg.host, Path: "/"}
	}
	ref, err := url.Parse(path)
	if err != nil {
		return nil, err
	}
	return base.ResolveReference(ref), nil
}

func (c *Client) send(cfg config, method string, u *url.URL, body []byte, hdr http.Header) *Response {
	c.t.Helper()
	var chain []string
	for hop := 0; ; hop++ {
		resp := c.roundTrip(cfg, method, u, body, hdr)
		resp.Redirects = chain
		c.history = append(c.history, resp)
		loc := resp.Header.Get("Location")
		if !cfg.follow || resp.StatusCode < 300 || resp.StatusCode > 399 || resp.StatusCode == http.StatusNotModified || loc == "" {
			return resp
		}
		if hop == maxRedirects {
			c.t.Fatalf("galvanitest: more than %d redirects, last to %s; chain: %s", maxRedirects, loc, strings.Join(chain, " -> "))
		}
		next, err := u.Parse(loc)
		if err != nil {
			c.t.Fatalf("galvanitest: %s %s answered %d with a bad Location %q: %v", method, u, resp.StatusCode, loc, err)
		}
		chain = append(chain, u.String())
		switch resp.StatusCode {
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			if method != http.MethodHead {
				method = http.MethodGet
			}
			body = nil
			hdr = hdr.Clone()
			hdr.Del("Content-Type")
		}
		u = next
	}
}

func (c *Client) roundTrip(cfg config, method string, u *url.URL, body []byte, hdr http.Header) *Response {
	c.t.Helper()
	ctx := cfg.ctx
	if ctx == nil {
		ctx = c.t.Context()
	}
	if ctx == nil { // a testing.TB that is not a running test's
		ctx = context.Background()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		c.t.Fatalf("galvanitest: %s %s: %v", method, u, err)
	}
	req.RequestURI = u.RequestURI()
	req.RemoteAddr = cfg.remote
	req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/1.1", 1, 1
	if u.Scheme == "https" {
		req.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true, ServerName: u.Hostname()}
	}
	for k, vs := range hdr {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range cfg.headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for _, ck := range c.jar.Cookies(c.cookieURL(u)) {
		req.AddCookie(ck)
	}
	for _, fn := range c.before {
		fn(req)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := rec.Result()
	if cks := res.Cookies(); len(cks) > 0 {
		c.jar.SetCookies(c.cookieURL(u), cks)
	}
	b, _ := io.ReadAll(res.Body)
	if method == http.MethodHead || res.StatusCode < 200 || res.StatusCode == http.StatusNoContent || res.StatusCode == http.StatusNotModified {
		b = nil // a server sends no body here, whatever the handler wrote
	}
	return &Response{StatusCode: res.StatusCode, Header: res.Header, Request: req, HTTP: res, body: b, t: c.t}
}

// Response is the answer to one request, with assertion helpers. Assertions report
// through the test's Errorf (the test goes on) and return the response for chaining.
type Response struct {
	// StatusCode is the response status.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// Request is the request that produced this response (the last one of a redirect chain).
	Request *http.Request
	// HTTP is the full recorded response; its Body is already consumed (use Body()).
	HTTP *http.Response
	// Redirects lists the URLs redirected from, in order, when redirects were followed.
	Redirects []string

	body []byte
	t    testing.TB
}

// Body returns the response body as a string.
func (r *Response) Body() string { return string(r.body) }

// Bytes returns the response body.
func (r *Response) Bytes() []byte { return r.body }

// JSON decodes the body into v; a body that is not valid JSON for v fails the test,
// quoting the body.
func (r *Response) JSON(v any) *Response {
	r.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("galvanitest: %s %s: response body is not JSON for %T: %v\n%s", r.Request.Method, r.Request.URL.Path, v, err, r.excerpt())
	}
	return r
}

// Cookie returns the cookie of that name the response set, or nil.
func (r *Response) Cookie(name string) *http.Cookie {
	for _, ck := range r.HTTP.Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// Location returns the Location header.
func (r *Response) Location() string { return r.Header.Get("Location") }

func (r *Response) where() string {
	return r.Request.Method + " " + r.Request.URL.RequestURI()
}

// excerpt returns the body for failure messages, cut to 2000 bytes.
func (r *Response) excerpt() string {
	const max = 2000
	b := r.body
	if len(b) == 0 {
		return "(empty body)"
	}
	if len(b) > max {
		return fmt.Sprintf("body (first %d of %d bytes):\n%s\n…", max, len(b), b[:max])
	}
	return "body:\n" + string(b)
}

// AssertStatus checks the status code.
func (r *Response) AssertStatus(code int) *Response {
	r.t.Helper()
	if r.StatusCode != code {
		r.t.Errorf("%s: status %d, want %d\n%s", r.where(), r.StatusCode, code, r.excerpt())
	}
	return r
}

// AssertContains checks that the body contains each of the strings.
func (r *Response) AssertContains(subs ...string) *Response {
	r.t.Helper()
	for _, s := range subs {
		if !bytes.Contains(r.body, []byte(s)) {
			r.t.Errorf("%s: body does not contain %q\n%s", r.where(), s, r.excerpt())
		}
	}
	return r
}

// AssertNotContains checks that the body contains none of the strings.
func (r *Response) AssertNotContains(subs ...string) *Response {
	r.t.Helper()
	for _, s := range subs {
		if bytes.Contains(r.body, []byte(s)) {
			r.t.Errorf("%s: body contains %q\n%s", r.where(), s, r.excerpt())
		}
	}
	return r
}

// AssertHeader checks that the header key has the value want (the first value,
// compared exactly).
func (r *Response) AssertHeader(key, want string) *Response {
	r.t.Helper()
	if got := r.Header.Get(key); got != want {
		r.t.Errorf("%s: header %s = %q, want %q\n%s", r.where(), key, got, want, r.excerpt())
	}
	return r
}

// AssertRedirect checks that the response is a redirect (3xx) to the location to,
// compared after resolving both against the request URL, so "/next" matches
// "http://example.com/next".
func (r *Response) AssertRedirect(to string) *Response {
	r.t.Helper()
	loc := r.Header.Get("Location")
	if r.StatusCode < 300 || r.StatusCode > 399 || loc == "" {
		r.t.Errorf("%s: status %d with Location %q, want a redirect to %q\n%s", r.where(), r.StatusCode, loc, to, r.excerpt())
		return r
	}
	got, err1 := r.Request.URL.Parse(loc)
	want, err2 := r.Request.URL.Parse(to)
	if err1 != nil || err2 != nil || got.String() != want.String() {
		r.t.Errorf("%s: redirects to %q, want %q", r.where(), loc, to)
	}
	return r
}

// AssertJSON checks that the body is JSON equal to want (after both are decoded, so
// key order and spacing do not matter). want may be a Go value or a JSON string.
func (r *Response) AssertJSON(want any) *Response {
	r.t.Helper()
	var wantRaw []byte
	switch w := want.(type) {
	case string:
		wantRaw = []byte(w)
	case []byte:
		wantRaw = w
	default:
		var err error
		if wantRaw, err = json.Marshal(w); err != nil {
			r.t.Fatalf("galvanitest: AssertJSON: encoding want: %v", err)
		}
	}
	var got, exp any
	if err := json.Unmarshal(wantRaw, &exp); err != nil {
		r.t.Fatalf("galvanitest: AssertJSON: want is not JSON: %v", err)
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		r.t.Errorf("%s: body is not JSON: %v\n%s", r.where(), err, r.excerpt())
		return r
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if !bytes.Equal(g, e) {
		r.t.Errorf("%s: JSON body\n  got  %s\n  want %s", r.where(), g, e)
	}
	return r
}
