package galvani

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// HTTPError is an error that carries the HTTP status it should be answered with.
// Return one from a handler with Error; any other error type can take part by having
// an HTTPStatus() int method (the orm's ErrNotFound does, without importing the core).
type HTTPError struct {
	// Status is the HTTP status code.
	Status int
	// Message is shown to the client; keep it free of internals.
	Message string
	// Err is the underlying cause, logged and shown only on debug pages.
	Err error
}

// Error returns an *HTTPError with the status and a client-facing message.
// An empty message becomes the status text.
func Error(status int, msg string) *HTTPError {
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &HTTPError{Status: status, Message: msg}
}

// Errorf is Error with formatting. The message is shown to the client.
func Errorf(status int, format string, args ...any) *HTTPError {
	return Error(status, fmt.Sprintf(format, args...))
}

// Error implements error.
func (e *HTTPError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

// HTTPStatus reports the status code.
func (e *HTTPError) HTTPStatus() int { return e.Status }

// Unwrap returns the cause.
func (e *HTTPError) Unwrap() error { return e.Err }

// Wrap returns a copy of e with err as its cause. The cause is logged and shown on
// debug pages, never to the client in production.
func (e *HTTPError) Wrap(err error) *HTTPError {
	c := *e
	c.Err = err
	return &c
}

// StatusOf returns the HTTP status an error should be answered with: the HTTPStatus()
// of the first error in its chain that has one, or 500.
func StatusOf(err error) int {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		if c := s.HTTPStatus(); c >= 400 && c <= 599 {
			return c
		}
	}
	return http.StatusInternalServerError
}

// FieldError is the problem with one input field.
type FieldError struct {
	// Field names the field as the client sent it ("email", "address.zip"); empty
	// for a problem with the input as a whole.
	Field string `json:"field"`
	// Message says what is wrong, for the client ("must be an integer").
	Message string `json:"message"`
}

// ValidationError reports input that is well-formed but not acceptable, field by
// field, like a Django form's errors or a DRF serializer's. It is answered with its
// Status (400 when zero; set 422 if your API prefers it), and its messages are shown
// to the client: in JSON as {"error": ..., "status": ..., "fields": {"name": [...]}}.
//
// Build one field by field and return Err, which is nil when nothing was added:
//
//	var v galvani.ValidationError
//	if in.Title == "" {
//		v.Add("title", "this field is required")
//	}
//	return v.Err()
type ValidationError struct {
	// Status is the HTTP status: 400 when zero, or 422.
	Status int
	// Message summarises the problem; empty means "invalid input".
	Message string
	// Fields lists the problems in the order they were found.
	Fields []FieldError
}

// Invalid returns a ValidationError with one field message.
func Invalid(field, format string, args ...any) *ValidationError {
	return (&ValidationError{}).Add(field, fmt.Sprintf(format, args...))
}

// Add records a message for field and returns e, for chaining.
func (e *ValidationError) Add(field, msg string) *ValidationError {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: msg})
	return e
}

// Err returns e as an error when it holds at least one field message, or nil. It
// avoids the typed-nil trap of returning a nil *ValidationError as an error.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// HTTPStatus reports the status: Status, or 400 when it is zero.
func (e *ValidationError) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Summary returns Message, or "invalid input" when it is empty.
func (e *ValidationError) Summary() string {
	if e.Message == "" {
		return "invalid input"
	}
	return e.Message
}

// Error implements error: the summary and each field's message.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.Summary())
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		if f.Field != "" {
			b.WriteString(f.Field)
			b.WriteString(": ")
		}
		b.WriteString(f.Message)
	}
	return b.String()
}

// FieldMap returns the messages grouped by field, the shape of the "fields" member of
// JSON error responses. Messages about the input as a whole are under "".
func (e *ValidationError) FieldMap() map[string][]string {
	m := make(map[string][]string, len(e.Fields))
	for _, f := range e.Fields {
		m[f.Field] = append(m[f.Field], f.Message)
	}
	return m
}

// PanicError is a panic recovered from a handler. It is always answered with 500;
// the debug page shows its value and the stack where it happened.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	pcs   []uintptr
}

// Error implements error.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// HTTPStatus reports 500: a panic is a server error whatever its value.
func (e *PanicError) HTTPStatus() int { return http.StatusInternalServerError }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Callers returns the program counters of the panicking goroutine's stack, innermost
// first, from the function that panicked out to the handler. Any error type
// with this method gets its stack shown on the debug page.
func (e *PanicError) Callers() []uintptr { return e.pcs }

// invoke runs h, turning a returned error or a panic into a response. A panic
// after the response started is logged, then the connection is aborted
// (http.ErrAbortHandler, as net/http does for an unrecovered panic): the status
// is already sent, and finishing the response normally would hand the client a
// cut-off body that looks complete.
func (a *App) invoke(c *Ctx, h HandlerFunc) {
	c.track()
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			started := c.Written() && c.StatusCode() != http.StatusSwitchingProtocols
			a.HandleError(c, newPanicError(v))
			if started {
				panic(http.ErrAbortHandler)
			}
		}
	}()
	if err := h(c); err != nil {
		a.HandleError(c, err)
	}
}

// newPanicError captures the stack of a panic being recovered. It must be called
// from the deferred function that recovered.
func newPanicError(v any) *PanicError {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(1, pcs)
	pcs = pcs[:n]
	// Drop the recovering frames: everything up to runtime.gopanic and the runtime
	// frames raising the panic (sigpanic, panicIndex...), so the first frame is the
	// function that panicked.
	frames := runtime.CallersFrames(pcs)
	i, start, seenPanic := 0, 0, false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			seenPanic = true
			start = i + 1
		case seenPanic && strings.HasPrefix(f.Function, "runtime.") && start == i:
			start = i + 1
		case strings.HasSuffix(f.Function, "galvani.(*App).invoke"):
			if seenPanic {
				return &PanicError{Value: v, pcs: pcs[start:i]}
			}
		}
		i++
		if !more {
			break
		}
	}
	return &PanicError{Value: v, pcs: pcs[start:]}
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request ID id. The request-logging
// middleware sets it; error pages and log lines show it, so a user can quote it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID that WithRequestID put in r's context, or "".
func RequestID(r *http.Request) string {
	if r == nil {
		return ""
	}
	return RequestIDFromContext(r.Context())
}

// RequestIDFromContext returns the request ID that WithRequestID put in ctx, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// HandleError writes the response for an error returned by a handler (or a panic
// recovered from one, or a request no route matched). It is the one place where
// errors become responses:
//
//   - the status comes from StatusOf: *HTTPError, *ValidationError and any error with
//     an HTTPStatus() int method answer with theirs, everything else with 500;
//   - the body is HTML, JSON or plain text, following the request's Accept header
//     (plain text when it has no preference); with a template engine set, the HTML
//     page for status N is the project's template "N.html" when it exists;
//   - clients see HTTPError and ValidationError messages, and only the status text for
//     other errors; 5xx details go to App.Logger with the request ID;
//   - an error with a RetryAfter() time.Duration method (the orm's UnavailableError
//     when the database is down or dropped the connection) sets Retry-After, and
//     is a condition of the moment rather than a bug: it gets the plain page even
//     with Settings.Debug, and its log line has no stack;
//   - with Settings.Debug a 500 shows the debug page (error, stack with source,
//     request, settings with secrets masked, App.AddDebugSection sections), and a 404
//     for an unmatched path lists the routes that were tried.
//
// When the handler already started the response, nothing more can be sent: the error
// is only logged (and for a panic the App then aborts the connection).
func (a *App) HandleError(c *Ctx, err error) {
	if err == nil {
		return
	}
	status := StatusOf(err)
	r := c.Request
	wait := retryAfter(err)
	a.logError(r, status, err, c.Written(), wait > 0)
	if status >= 500 && len(a.errorHooks) > 0 {
		a.reportError(c, status, err)
	}
	if c.Written() {
		return
	}
	h := c.Response.Header()
	for _, k := range staleHeaders {
		delete(h, k)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	if wait > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
	}
	if a.Settings.Debug && (status >= 500 && wait == 0 || status == http.StatusNotFound) && a.debugPage(c, status, err) {
		return
	}
	a.plainError(c, status, err)
}

// debugPage writes the debug page for err and reports whether it did. A bug in the
// page itself (a DebugSection's data that cannot render, say) is logged and falls
// back to the plain page rather than losing the response.
func (a *App) debugPage(c *Ctx, status int, err error) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			a.Logger.Error("debug page failed", "panic", fmt.Sprint(v))
			ok = c.Written()
		}
	}()
	if status == http.StatusNotFound {
		a.debug404(c, err)
	} else {
		a.debug500(c, status, err)
	}
	return true
}

// staleHeaders are response headers a handler may have set for the response it meant
// to send; they would be wrong on the error page.
var staleHeaders = []string{"Content-Length", "Content-Type", "Content-Disposition", "Content-Range", "Etag", "Last-Modified"}

// retryAfter returns how long the first error in err's chain with a RetryAfter()
// time.Duration method asks clients to wait, or 0.
func retryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		if d := ra.RetryAfter(); d > 0 {
			return d
		}
	}
	return 0
}

func (a *App) logError(r *http.Request, status int, err error, written, temporary bool) {
	lg := a.Logger
	if lg == nil {
		return
	}
	attrs := make([]any, 0, 12)
	attrs = append(attrs, "status", status, "method", r.Method, "path", r.URL.Path)
	if id := RequestID(r); id != "" {
		attrs = append(attrs, "request_id", id)
	}
	attrs = append(attrs, "err", err.Error())
	if written {
		attrs = append(attrs, "response_started", true)
	}
	if status < 500 {
		lg.Warn("client error", attrs...)
		return
	}
	if temporary {
		lg.Error("service unavailable", attrs...)
		return
	}
	if st := stackOf(err); len(st) > 0 {
		attrs = append(attrs, "stack", formatStack(st))
	}
	lg.Error("server error", attrs...)
}

// publicMessage is what a client may see about err in production.
func publicMessage(status int, err error) string {
	var he *HTTPError
	if errors.As(err, &he) && he.Status == status && he.Message != "" {
		return he.Message
	}
	var ve *ValidationError
	if errors.As(err, &ve) && ve.HTTPStatus() == status {
		return ve.Summary()
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("Error %d", status)
}

// errorBody is the JSON shape of an error response.
type errorBody struct {
	Error     string              `json:"error"`
	Status    int                 `json:"status"`
	RequestID string              `json:"request_id,omitempty"`
	Fields    map[string][]string `json:"fields,omitempty"`
	Detail    string              `json:"detail,omitempty"`
	Debug     *debugJSON          `json:"debug,omitempty"`
}

// errorFormats are the representations of error responses, preferred in this order
// when the client accepts several equally.
var errorFormats = []string{"text/plain", "text/html", "application/json"}

// errorFormat picks the representation of an error response; an Accept header that
// accepts none of them still gets plain text rather than a 406.
func errorFormat(r *http.Request) string {
	f := acceptsHeader(r.Header.Get("Accept"), errorFormats)
	if f == "" {
		return "text/plain"
	}
	return f
}

func (a *App) plainError(c *Ctx, status int, err error) {
	r := c.Request
	body := errorBody{Error: publicMessage(status, err), Status: status, RequestID: RequestID(r)}
	var ve *ValidationError
	if errors.As(err, &ve) && ve.HTTPStatus() == status && len(ve.Fields) > 0 {
		body.Fields = ve.FieldMap()
	}
	if a.Settings.Debug {
		body.Detail = err.Error()
	}
	w := c.Response
	switch errorFormat(r) {
	case "application/json":
		writeJSONError(w, status, body)
	case "text/html":
		if a.engine != nil && a.errorTemplate(c, status, body) {
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_ = plainErrorPage.Execute(w, body)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		var b strings.Builder
		b.WriteString(body.Error)
		b.WriteByte('\n')
		for _, f := range sortedKeys(body.Fields) {
			for _, m := range body.Fields[f] {
				if f == "" {
					fmt.Fprintf(&b, "- %s\n", m)
				} else {
					fmt.Fprintf(&b, "- %s: %s\n", f, m)
				}
			}
		}
		if body.Detail != "" {
			fmt.Fprintf(&b, "\nDetail: %s\n", body.Detail)
		}
		if body.RequestID != "" {
			fmt.Fprintf(&b, "Request ID: %s\n", body.RequestID)
		}
		_, _ = w.Write([]byte(b.String()))
	}
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// errorTemplate renders the project's own page for status, "404.html" or
// "500.html" say, like Django's handler404/handler500 templates, and reports whether
// it did. The template gets status, message, request_id, fields (field name to
// messages) and detail (debug mode only). For 5xx the engine gets no request, so
// context processors (sessions, the user) that may be what failed are not run, as in
// Django. A missing or failing template falls back to the built-in page.
func (a *App) errorTemplate(c *Ctx, status int, body errorBody) bool {
	data := map[string]any{
		"status":     status,
		"message":    body.Error,
		"request_id": body.RequestID,
		"fields":     body.Fields,
		"detail":     body.Detail,
	}
	r := c.Request
	if status >= 500 {
		r = nil
	}
	name := strconv.Itoa(status) + ".html"
	tw := &c.tw
	*tw = templateWriter{w: c.Response, status: status}
	err := a.renderErrorTemplate(tw, r, name, data)
	tw.w = nil
	if err != nil {
		if a.Logger != nil && !errorIsMissingTemplate(err) {
			a.Logger.Error("error page template failed", "template", name, "err", err.Error())
		}
		return tw.started
	}
	if !tw.started {
		tw.start(c.Response)
	}
	return true
}

// renderErrorTemplate runs the engine, turning a panic into an error: the error page
// must not fail because its template did.
func (a *App) renderErrorTemplate(w http.ResponseWriter, r *http.Request, name string, data any) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
		}
	}()
	return a.engine.Render(w, r, name, data)
}

// errorIsMissingTemplate recognises "no such template" errors without importing a
// template package: by fs.ErrNotExist, or by the error's type name.
func errorIsMissingTemplate(err error) bool {
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		n := reflect.TypeOf(e).String()
		if strings.Contains(n, "DoesNotExist") || strings.Contains(n, "NotFound") {
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "does not exist") || strings.Contains(msg, "no template") || strings.Contains(msg, "is undefined")
}
