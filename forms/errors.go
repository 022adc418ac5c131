package forms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/galvani-web/galvani/formats"
)

// Translator turns a message key and its parameters into text in the user's
// language. It returns "" to fall back to the built-in English message. The i18n
// battery provides one; any func of this shape works.
type Translator func(key string, params map[string]any) string

type translatorKey struct{}

// WithTranslator returns a copy of ctx carrying tr. Forms and form sets whose
// Translator field is nil use the translator of the context they are bound with
// (the request's, for Bind), so a middleware can translate every form's messages
// into the request's language: the i18n battery's does.
func WithTranslator(ctx context.Context, tr Translator) context.Context {
	return context.WithValue(ctx, translatorKey{}, tr)
}

type locationKey struct{}

// WithLocation returns a copy of ctx carrying the time zone forms bound with it
// read dates and times in when their Location field is nil (the i18n battery's
// middleware sets the request's current time zone).
func WithLocation(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, locationKey{}, loc)
}

// LocationFrom returns the time zone WithLocation put in ctx, or nil.
func LocationFrom(ctx context.Context) *time.Location {
	if ctx == nil {
		return nil
	}
	loc, _ := ctx.Value(locationKey{}).(*time.Location)
	return loc
}

type formatsKey struct{}

// WithFormats returns a copy of ctx carrying the locale formats forms bound with
// it read input in when their Formats field is nil: the locale's date and time
// input layouts, and numbers written its way in fields with Localize (the i18n
// battery's middleware sets the request language's, with USE_L10N).
func WithFormats(ctx context.Context, f *formats.Locale) context.Context {
	return context.WithValue(ctx, formatsKey{}, f)
}

// FormatsFrom returns the formats WithFormats put in ctx, or nil.
func FormatsFrom(ctx context.Context) *formats.Locale {
	if ctx == nil {
		return nil
	}
	f, _ := ctx.Value(formatsKey{}).(*formats.Locale)
	return f
}

// TranslatorFrom returns the translator WithTranslator put in ctx, or nil.
func TranslatorFrom(ctx context.Context) Translator {
	if ctx == nil {
		return nil
	}
	tr, _ := ctx.Value(translatorKey{}).(Translator)
	return tr
}

// defaultMessages are the built-in English messages, by key. {name} is replaced by
// the parameter called name.
var defaultMessages = map[string]string{
	"required":            "This field is required.",
	"invalid":             "Enter a valid value.",
	"invalid_text":        "Enter valid text.",
	"null_characters":     "Null characters are not allowed.",
	"invalid_email":       "Enter a valid email address.",
	"invalid_url":         "Enter a valid URL.",
	"invalid_slug":        "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
	"invalid_integer":     "Enter a whole number.",
	"invalid_number":      "Enter a number.",
	"invalid_date":        "Enter a valid date.",
	"invalid_time":        "Enter a valid time.",
	"invalid_datetime":    "Enter a valid date/time.",
	"invalid_choice":      "Select a valid choice. {value} is not one of the available choices.",
	"invalid_list":        "Enter a list of values.",
	"invalid_pattern":     "Enter a valid value.",
	"invalid_file":        "No file was submitted. Check the encoding type on the form.",
	"empty_file":          "The submitted file is empty.",
	"file_too_large":      "Ensure this file is at most {max} bytes (it has {size}).",
	"file_type":           "Upload a file of an accepted type ({accept}); this one is {type}.",
	"file_contradiction":  "Either upload a new file or tick the clear box, not both.",
	"too_many_files":      "Upload one file here, not {count}.",
	"invalid_filename":    "The file name {filename} has characters that are not allowed (path separators, control or text-direction characters); rename the file and upload it again.",
	"filename_too_long":   "The file name has {length} characters; rename the file to a shorter name (at most {max} bytes) and upload it again.",
	"invalid_image":       "Upload a PNG, JPEG or GIF image; this file is not one ({type}).",
	"image_corrupt":       "The image is truncated or damaged; open it in an image editor, save it again and upload that.",
	"image_trailing_data": "The image has other data after its end; open it in an image editor, save it again and upload that.",
	"image_too_large":     "The image is {width}×{height} pixels; it must be {limits}. Scale it down and upload it again.",
	"min_length":          "Ensure this value has at least {min} characters (it has {length}).",
	"max_length":          "Ensure this value has at most {max} characters (it has {length}).",
	"min_value":           "Ensure this value is greater than or equal to {min}.",
	"max_value":           "Ensure this value is less than or equal to {max}.",
	"max_digits":          "Ensure that there are no more than {max} digits in total.",
	"max_decimal_places":  "Ensure that there are no more than {max} decimal places.",
	"max_whole_digits":    "Ensure that there are no more than {max} digits before the decimal point.",
	"min_choices":         "Select at least {min} choices.",
	"max_choices":         "Select at most {max} choices.",
	"unique":              "{model} with this {field} already exists.",
	// Formsets.
	"management_form": "ManagementForm data is missing or has been tampered with. Missing fields: {fields}.",
	"too_many_forms":  "Please submit at most {max} forms.",
	"too_few_forms":   "Please submit at least {min} forms.",
	// Local times that the time zone skips or repeats (daylight saving time).
	"nonexistent_time": "{datetime} does not exist in the time zone {zone}: the clocks skip it when daylight saving time starts.",
	"ambiguous_time":   "{datetime} happens twice in the time zone {zone}, when daylight saving time ends; give the UTC offset too.",
}

// DefaultMessage returns the built-in English text for a message key, with its
// {placeholders} still in; "" for an unknown key.
func DefaultMessage(key string) string { return defaultMessages[key] }

// interpolate replaces {name} in s by the parameters.
func interpolate(s string, params map[string]any) string {
	if len(params) == 0 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", fmt.Sprint(v))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Error is one validation problem: in a field, or in the whole form when Field is
// empty. Return one from a Clean or Clean<Field> method to reject the input; any
// other error from those methods is treated as a failure of the server (it is
// returned by Bind as it is, and answered 500).
type Error struct {
	// Field is the Go or HTML name of the field the problem belongs to; empty means
	// the whole form. Within Clean<Field> it defaults to that field.
	Field string
	// Code is a message key for the translator (optional).
	Code string
	// Message is the text shown when the translator has nothing for Code.
	Message string
	// Params fill {placeholders} in Message and are passed to the translator.
	Params map[string]any
}

// Error implements error.
func (e *Error) Error() string {
	msg := interpolate(e.Message, e.Params)
	if e.Field != "" {
		return e.Field + ": " + msg
	}
	return msg
}

// Errorf returns a validation *Error with a formatted message, for the field the
// Clean method is about (or the whole form from Clean).
func Errorf(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// FieldError returns a validation *Error for the named field, for use in a form's
// Clean method.
func FieldError(field, message string) *Error {
	return &Error{Field: field, Message: message}
}

// validationErrors extracts the *Error values of err (which may join several with
// errors.Join). ok is false if err holds anything that is not a validation error.
func validationErrors(err error) (out []*Error, ok bool) {
	var e *Error
	if errors.As(err, &e) && e == err {
		return []*Error{e}, true
	}
	if j, isJoin := err.(interface{ Unwrap() []error }); isJoin {
		for _, sub := range j.Unwrap() {
			if sub == nil {
				continue
			}
			es, ok := validationErrors(sub)
			if !ok {
				return nil, false
			}
			out = append(out, es...)
		}
		return out, len(out) > 0
	}
	if v, isVE := err.(*ValidationError); isVE {
		for f, msgs := range v.Fields {
			for _, m := range msgs {
				out = append(out, &Error{Field: f, Message: m})
			}
		}
		for _, m := range v.NonField {
			out = append(out, &Error{Message: m})
		}
		return out, true
	}
	return nil, false
}

// ValidationError is what Bind returns when the submitted data is invalid. It holds
// the translated messages by field (HTML name) and for the whole form. Its HTTP
// status is 422 for invalid values and 400 for a tampered structure (a formset's
// management form), so a handler serving an API can return it as it is; an HTML
// handler re-renders the form instead, which shows the same messages.
type ValidationError struct {
	// Status is 400 or 422.
	Status int
	// Fields maps a field's HTML name to its messages.
	Fields map[string][]string
	// NonField holds the messages about the whole form.
	NonField []string
}

// Error implements error: the messages, field by field.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("forms: invalid input")
	names := make([]string, 0, len(e.Fields))
	for n := range e.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	sep := ": "
	for _, n := range names {
		b.WriteString(sep + n + ": " + strings.Join(e.Fields[n], " "))
		sep = "; "
	}
	if len(e.NonField) > 0 {
		b.WriteString(sep + strings.Join(e.NonField, " "))
	}
	return b.String()
}

// HTTPStatus returns 422 (invalid values) or 400 (tampered structure).
func (e *ValidationError) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusUnprocessableEntity
	}
	return e.Status
}

// RequestError reports a request whose body could not be read as form data: too
// large (413), malformed (400) or of a type forms don't read (415).
type RequestError struct {
	// Status is the HTTP status to answer with.
	Status int
	// Msg says what is wrong.
	Msg string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *RequestError) Error() string {
	if e.Err != nil {
		return "forms: " + e.Msg + ": " + e.Err.Error()
	}
	return "forms: " + e.Msg
}

// HTTPStatus returns the status.
func (e *RequestError) HTTPStatus() int { return e.Status }

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }
