package galvani

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

// Validator is implemented by values that check themselves after Bind decoded them,
// like a Django form's clean(). Return a *ValidationError (or nil) from Validate.
type Validator interface {
	Validate() error
}

// Bind decodes the JSON request body into v (a pointer) and, when v implements
// Validator, validates it. Every failure is an error the App answers with a clear
// status and message:
//
//   - a Content-Type other than application/json (or a +json type): 415;
//   - a body over Settings.MaxBodyBytes: 413;
//   - an empty body, malformed JSON, or data after the JSON value: 400;
//   - a field of the wrong type or a field v does not have: a 400 *ValidationError
//     naming the field and, for a wrong type, the type expected ("age": "must be an
//     integer, got string").
func (c *Ctx) Bind(v any) error {
	ct := c.Request.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !(mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		if ct == "" {
			ct = "none"
		}
		return Errorf(http.StatusUnsupportedMediaType, "Content-Type must be application/json (got %s)", quoteShort(ct))
	}
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		return Error(http.StatusBadRequest, "request body is empty; expected JSON")
	}
	c.limitBody()
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return c.jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			if e := c.jsonError(err); StatusOf(e) == http.StatusRequestEntityTooLarge {
				return e
			}
		}
		return Error(http.StatusBadRequest, "malformed JSON: unexpected data after the JSON value")
	}
	if val, ok := v.(Validator); ok {
		return val.Validate()
	}
	return nil
}

// jsonError turns a json.Decoder error into a client error that says what is wrong
// and where.
func (c *Ctx) jsonError(err error) error {
	var (
		syn *json.SyntaxError
		ute *json.UnmarshalTypeError
		mbe *http.MaxBytesError
		iue *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &mbe):
		return c.bodyError(err, "JSON")
	case errors.Is(err, io.EOF):
		return Error(http.StatusBadRequest, "request body is empty; expected JSON")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Error(http.StatusBadRequest, "malformed JSON: the body ends in the middle of a value").Wrap(err)
	case errors.As(err, &syn):
		return Errorf(http.StatusBadRequest, "malformed JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: ")).Wrap(err)
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			return Invalid("", "expected %s, got %s", jsonTypeName(ute.Type), ute.Value)
		}
		return Invalid(field, "must be %s, got %s", withArticle(jsonTypeName(ute.Type)), ute.Value)
	case errors.As(err, &iue):
		return fmt.Errorf("galvani: Bind needs a non-nil pointer: %w", err)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return Invalid(strings.Trim(name, `"`), "unknown field")
	}
	// An UnmarshalJSON or UnmarshalText method refused a value (a time, say).
	return Errorf(http.StatusBadRequest, "invalid JSON value: %s", strings.TrimPrefix(err.Error(), "json: ")).Wrap(err)
}

// jsonTypeName names a Go type the way a JSON client thinks of it.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "base64 string"
		}
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.String()
}

func withArticle(s string) string {
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + s
	}
	return "a " + s
}
