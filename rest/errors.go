package rest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// NonFieldErrors is the key under which a ValidationError lists the messages about
// the input as a whole, as in Django REST framework.
const NonFieldErrors = "non_field_errors"

// ValidationError is input that could not be accepted, field by field. It is
// answered 400 (or Status) with DRF's shape: each field's messages under its name,
// nested objects as nested errors, problems with the whole input under
// "non_field_errors":
//
//	{"title": ["This field is required."], "author": {"name": ["..."]}}
//
// Build one with Add and Nest, and return Err (nil when nothing was added).
type ValidationError struct {
	// Status is the HTTP status: 400 when zero (Config.ValidationStatus changes the
	// default for an API, 422 say).
	Status int
	// Messages are the messages of this node: of a field, or, at the top, about the
	// whole input (rendered under "non_field_errors").
	Messages []string

	keys     []string
	children map[string]*ValidationError
}

// Invalid returns a ValidationError with one message for field ("" for the input
// as a whole). A dotted field ("user.email") nests.
func Invalid(field, format string, args ...any) *ValidationError {
	return (&ValidationError{}).Add(field, fmt.Sprintf(format, args...))
}

// Add records msg for field (dotted paths nest; "" is the input as a whole) and
// returns e.
func (e *ValidationError) Add(field, msg string) *ValidationError {
	n := e
	if field != "" {
		for _, part := range strings.Split(field, ".") {
			n = n.child(part)
		}
	}
	n.Messages = append(n.Messages, msg)
	return e
}

// Nest records the errors of a nested object or list item under field and returns e.
func (e *ValidationError) Nest(field string, sub *ValidationError) *ValidationError {
	if sub == nil || sub.Empty() {
		return e
	}
	n := e.child(field)
	n.Messages = append(n.Messages, sub.Messages...)
	for _, k := range sub.keys {
		n.Nest(k, sub.children[k])
	}
	return e
}

func (e *ValidationError) child(name string) *ValidationError {
	if e.children == nil {
		e.children = map[string]*ValidationError{}
	}
	c, ok := e.children[name]
	if !ok {
		c = &ValidationError{}
		e.children[name] = c
		e.keys = append(e.keys, name)
	}
	return c
}

// Field returns the errors recorded for field, or nil.
func (e *ValidationError) Field(name string) *ValidationError {
	if e == nil {
		return nil
	}
	return e.children[name]
}

// Fields returns the names of the fields with errors, in the order they were added.
func (e *ValidationError) Fields() []string { return append([]string(nil), e.keys...) }

// Empty reports whether nothing was recorded.
func (e *ValidationError) Empty() bool {
	return e == nil || len(e.Messages) == 0 && len(e.keys) == 0
}

// Err returns e as an error when it holds a message, or nil (avoiding a typed nil).
func (e *ValidationError) Err() error {
	if e.Empty() {
		return nil
	}
	return e
}

// HTTPStatus reports Status, or 400.
func (e *ValidationError) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Error implements error: every message with its field path.
func (e *ValidationError) Error() string {
	var parts []string
	var walk func(prefix string, n *ValidationError)
	walk = func(prefix string, n *ValidationError) {
		for _, m := range n.Messages {
			if prefix == "" {
				parts = append(parts, m)
			} else {
				parts = append(parts, prefix+": "+m)
			}
		}
		for _, k := range n.keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, n.children[k])
		}
	}
	walk("", e)
	return "invalid input: " + strings.Join(parts, "; ")
}

// MarshalJSON writes DRF's shape. At the top, the input's own messages go under
// "non_field_errors"; a field with messages and nested errors lists its messages
// under "non_field_errors" inside its object.
func (e *ValidationError) MarshalJSON() ([]byte, error) {
	return e.appendJSON(nil, true), nil
}

func (e *ValidationError) appendJSON(b []byte, top bool) []byte {
	if len(e.keys) == 0 && !top {
		return appendStrings(b, e.Messages)
	}
	b = append(b, '{')
	first := true
	if len(e.Messages) > 0 {
		b = appendString(b, NonFieldErrors)
		b = append(b, ':')
		b = appendStrings(b, e.Messages)
		first = false
	}
	for _, k := range e.keys {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, k)
		b = append(b, ':')
		b = e.children[k].appendJSON(b, false)
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// FromGalvani converts the core's *galvani.ValidationError (from Ctx.Bind or a
// galvani.Validator) into a ValidationError; dotted field names nest.
func FromGalvani(ve *galvani.ValidationError) *ValidationError {
	out := &ValidationError{Status: ve.Status}
	for _, f := range ve.Fields {
		out.Add(f.Field, f.Message)
	}
	return out
}

// Error is an API error answered with {"detail": Detail} (and Code, when set, as
// "code"), like DRF's APIException. The constructors below give the usual ones.
type Error struct {
	// Status is the HTTP status.
	Status int
	// Detail is shown to the client.
	Detail string
	// Code is a machine-readable code ("not_authenticated"), added to the body.
	Code string
	// Extra members of the body (JWT errors list their messages here).
	Extra map[string]any
	// Header holds headers to send with the answer (WWW-Authenticate, Retry-After).
	Header http.Header
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Detail) }

// HTTPStatus reports Status.
func (e *Error) HTTPStatus() int { return e.Status }

// NewError returns an *Error with status and detail (the status text when empty).
func NewError(status int, detail string) *Error {
	if detail == "" {
		detail = http.StatusText(status)
	}
	return &Error{Status: status, Detail: detail}
}

// NotFound is the 404 of a missing object.
func NotFound() *Error { return &Error{Status: 404, Detail: "Not found."} }

// PermissionDenied is a 403; an empty detail gives the default message.
func PermissionDenied(detail string) *Error {
	if detail == "" {
		detail = "You do not have permission to perform this action."
	}
	return &Error{Status: 403, Detail: detail, Code: "permission_denied"}
}

// NotAuthenticated is answered 401 with a challenge when the API's first
// authenticator has one, 403 otherwise (see Config.Authentication).
func NotAuthenticated() *Error {
	return &Error{Status: 401, Detail: "Authentication credentials were not provided.", Code: "not_authenticated"}
}

// AuthenticationFailed is the error of credentials that were sent but are wrong;
// it is answered like NotAuthenticated (401 with a challenge, or 403).
func AuthenticationFailed(detail string) *Error {
	if detail == "" {
		detail = "Incorrect authentication credentials."
	}
	return &Error{Status: 401, Detail: detail, Code: "authentication_failed"}
}

// Throttled is the 429 of a throttled request, with Retry-After.
func Throttled(wait time.Duration) *Error {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	e := &Error{Status: 429, Detail: fmt.Sprintf("Request was throttled. Expected available in %d %s.", secs, unit), Code: "throttled"}
	e.Header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	return e
}

// MethodNotAllowed is the 405 of a method the view does not answer.
func MethodNotAllowed(method string) *Error {
	return &Error{Status: 405, Detail: fmt.Sprintf("Method %q not allowed.", method), Code: "method_not_allowed"}
}

// ParseError is the 400 of a body that cannot be read.
func ParseError(detail string) *Error {
	return &Error{Status: 400, Detail: detail, Code: "parse_error"}
}

// UnsupportedMediaType is the 415 of a body in a content type no parser reads.
func UnsupportedMediaType(ct string) *Error {
	return &Error{Status: 415, Detail: fmt.Sprintf("Unsupported media type %q in request.", ct), Code: "unsupported_media_type"}
}

// NotAcceptable is the 406 of a request whose Accept (or ?format=) no renderer
// satisfies.
func NotAcceptable() *Error {
	return &Error{Status: 406, Detail: "Could not satisfy the request Accept header.", Code: "not_acceptable"}
}

// ErrorStyle chooses how an API writes its 4xx answers.
type ErrorStyle int

const (
	// DRFErrors writes Django REST framework's bodies: {"detail": "..."} and
	// {"field": ["message"]}, as application/json.
	DRFErrors ErrorStyle = iota
	// ProblemErrors writes RFC 9457 problem details (application/problem+json):
	// {"type", "title", "status", "detail"}, with validation messages under "errors".
	ProblemErrors
)

// errorBody is what an error becomes: status, body, headers. ok is false for
// server errors, which the core answers (logging them, debug page in development).
func errorBody(err error, style ErrorStyle, validationStatus int) (status int, ctype string, body []byte, hdr http.Header, ok bool) {
	var (
		ve  *ValidationError
		gve *galvani.ValidationError
		ae  *Error
	)
	detail, code := "", ""
	var extra map[string]any
	switch {
	case errors.As(err, &ve):
		status = ve.Status
		if status == 0 {
			status = validationStatus
		}
	case errors.As(err, &gve):
		ve = FromGalvani(gve)
		status = gve.Status
		if status == 0 {
			status = validationStatus
		}
	case errors.As(err, &ae):
		status, detail, code, extra, hdr = ae.Status, ae.Detail, ae.Code, ae.Extra, ae.Header
	case errors.Is(err, orm.ErrNotFound):
		status, detail = 404, "Not found."
	default:
		status = galvani.StatusOf(err)
		if status >= 500 {
			return status, "", nil, nil, false
		}
		var he *galvani.HTTPError
		if errors.As(err, &he) && he.Status == status {
			detail = he.Message
		} else {
			detail = http.StatusText(status)
		}
	}
	if status >= 500 {
		return status, "", nil, nil, false
	}
	if style == ProblemErrors {
		m := map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status}
		if ve != nil {
			m["detail"] = "Invalid input."
			m["errors"] = ve
		} else {
			m["detail"] = detail
			if code != "" {
				m["code"] = code
			}
			for k, v := range extra {
				m[k] = v
			}
		}
		b, _ := json.Marshal(m)
		return status, "application/problem+json", b, hdr, true
	}
	if ve != nil {
		return status, "application/json", ve.appendJSON(nil, true), hdr, true
	}
	b := []byte(`{"detail":`)
	b = appendString(b, detail)
	if code != "" && extra != nil {
		b = append(b, `,"code":`...)
		b = appendString(b, code)
	}
	for _, k := range sortedKeys(extra) {
		v, err := json.Marshal(extra[k])
		if err != nil {
			continue
		}
		b = append(b, ',')
		b = appendString(b, k)
		b = append(b, ':')
		b = append(b, v...)
	}
	b = append(b, '}')
	return status, "application/json", b, hdr, true
}
