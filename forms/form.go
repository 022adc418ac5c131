package forms

import (
	"context"
	"database/sql/driver"
	"encoding"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/formats"
	"github.com/galvani-web/galvani/internal/naming"
	"github.com/galvani-web/galvani/uploads"
)

// Form is a form built from the struct type T. Its fields come from T's exported
// fields and their tags (see the package documentation); Data holds the initial
// values before binding and the cleaned values after a successful one.
//
// A Form is for one request: make a new one per request with New.
type Form[T any] struct {
	// Data is the struct the form reads initial values from and writes cleaned
	// values to. Set it before rendering to show existing values (an edit form).
	// After a failed Bind it may hold some cleaned values: do not save it.
	Data T
	// Prefix namespaces the input names ("item-0" gives "item-0-title"), so
	// several forms can share one HTML <form>.
	Prefix string
	// Translator translates error messages; nil means English.
	Translator Translator
	// Location is the time zone dates and times are read and shown in; nil means
	// UTC.
	Location *time.Location
	// Formats are the locale formats input is read in: dates and times in its
	// input layouts (then ISO 8601), numbers of fields with Localize written its
	// way ("1 234,5"). nil means those of the context the form is bound with
	// (WithFormats; the i18n battery sets the request language's), else none:
	// the default layouts and plain numbers.
	Formats *formats.Locale
	// Limits bound the request body Bind reads; zero fields take the defaults of
	// package uploads (2.5 MiB of values, 1000 fields, 10 MiB for multipart bodies).
	Limits uploads.Limits

	// Checks run after the struct's Clean method, in order, while the form is
	// valid — for checks that need more than the struct (model forms add their
	// uniqueness checks here). They follow Clean's error rules.
	Checks []func(ctx context.Context) error

	fields      []*Field
	byName      map[string]*Field
	owned       bool // fields are this form's own copies
	sch         *schema
	bound       bool
	raw         url.Values
	files       map[string][]*uploads.File
	errs        map[string][]string
	nonField    []string
	initialData T // Data as it was before binding, for HasChanged
	// ctxTranslator is the translator of the context the form was bound with,
	// used when Translator is nil.
	ctxTranslator Translator
	// ctxLocation is the time zone of the context the form was bound with, used
	// when Location is nil.
	ctxLocation *time.Location
	// ctxFormats are the formats of the context the form was bound with, used
	// when Formats is nil.
	ctxFormats *formats.Locale
	// initialStore holds the values of the fields with a Store before binding.
	initialStore map[string]any
}

// New returns an unbound form for T. It panics if T's form tags are invalid (an
// unknown option, a kind that does not fit the Go type, a bad regex): that is a
// programming error, caught by any test that builds the form. Check reports the
// same problems as an error.
func New[T any]() *Form[T] {
	f, err := build[T]()
	if err != nil {
		panic(err)
	}
	return f
}

// Check reports whether T can be a form, and what is wrong with its tags if not.
func Check[T any]() error {
	_, err := build[T]()
	return err
}

func build[T any]() (*Form[T], error) {
	s := schemaOf(reflect.TypeFor[T]())
	if s.err != nil {
		return nil, s.err
	}
	// The form shares the cached fields until a handler asks for one to change
	// (Field, Fields), which copies them: most forms are never reconfigured.
	return &Form[T]{sch: s, fields: s.fields, byName: s.byName}, nil
}

// own copies the shared field descriptions before they may be changed.
func (f *Form[T]) own() {
	if f.owned {
		return
	}
	f.owned = true
	fields := make([]*Field, len(f.fields))
	byName := make(map[string]*Field, 2*len(f.fields))
	for i, fl := range f.fields {
		c := fl.clone()
		fields[i] = c
		byName[c.Name] = c
		byName[c.GoName] = c
	}
	f.fields, f.byName = fields, byName
}

// Build returns an unbound form for T whose fields are the given descriptions
// instead of T's tags — for forms made from other metadata (model forms). Each
// Field's GoName must name a field of T whose type fits its Kind; an empty Name
// becomes the snake_case Go name, an empty Label the default label, a nil Widget
// the kind's default. T's Clean<Field> and Clean methods apply as with New. The
// fields are copied.
func Build[T any](fields []*Field) (*Form[T], error) {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("forms: %v is not a struct", t)
	}
	pt := reflect.PointerTo(t)
	s := &schema{clean: -1}
	seen := map[string]bool{}
	for _, in := range fields {
		c := in.clone()
		if c.Store != nil {
			sv := reflect.ValueOf(c.Store)
			if sv.Kind() != reflect.Pointer || sv.IsNil() {
				return nil, fmt.Errorf("forms: %v.%s: Store must be a non-nil pointer, not %T", t, c.GoName, c.Store)
			}
			c.index, c.typ = nil, sv.Type().Elem()
		} else {
			sf, ok := t.FieldByName(c.GoName)
			if !ok || !sf.IsExported() || viaPointer(t, sf.Index) {
				return nil, fmt.Errorf("forms: %v has no usable field %q", t, c.GoName)
			}
			c.index, c.typ = sf.Index, sf.Type
		}
		if c.Name == "" {
			c.Name = naming.Snake(c.GoName)
		}
		if !validName.MatchString(c.Name) || seen[c.Name] {
			return nil, fmt.Errorf("forms: %v.%s: invalid or duplicate name %q", t, c.GoName, c.Name)
		}
		seen[c.Name] = true
		if c.Kind == "" {
			k, err := defaultKind(c.typ)
			if err != nil {
				return nil, fmt.Errorf("forms: %v.%s: %w", t, c.GoName, err)
			}
			c.Kind = k
		}
		if !kindAccepts(c.Kind, c.typ) {
			return nil, fmt.Errorf("forms: %v.%s: kind %q cannot be stored in a %v", t, c.GoName, c.Kind, c.typ)
		}
		if c.Label == "" {
			c.Label = labelFor(c.Name)
		}
		if c.Widget == nil {
			w, err := widgetFor(c, "")
			if err != nil {
				return nil, err
			}
			c.Widget = w
		}
		c.clean, c.cleanCtx = cleanMethod(pt, "Clean"+c.GoName)
		if c.clean == -2 {
			return nil, fmt.Errorf("forms: %v: method Clean%s must be func() error or func(context.Context) error", pt, c.GoName)
		}
		s.fields = append(s.fields, c)
	}
	s.clean, s.cleanCtx = cleanMethod(pt, "Clean")
	if s.clean == -2 {
		return nil, fmt.Errorf("forms: %v: method Clean must be func() error or func(context.Context) error", pt)
	}
	s.index()
	return &Form[T]{sch: s, byName: s.byName, fields: s.fields, owned: true}, nil
}

// Field returns the field with the given HTML or Go name, to configure it for this
// form (set Options, change a Label or Widget...), or nil.
func (f *Form[T]) Field(name string) *Field {
	f.own()
	return f.byName[name]
}

// Fields returns the fields in struct order, to configure them for this form.
func (f *Form[T]) Fields() []*Field {
	f.own()
	return f.fields
}

// IsBound reports whether the form was given submitted data.
func (f *Form[T]) IsBound() bool { return f.bound }

// IsValid reports whether the form is bound and has no errors.
func (f *Form[T]) IsValid() bool {
	return f.bound && len(f.errs) == 0 && len(f.nonField) == 0
}

// IsMultipart reports whether the form has a file field, so its <form> needs
// enctype="multipart/form-data".
func (f *Form[T]) IsMultipart() bool {
	for _, fl := range f.fields {
		if isFile(fl.Kind) {
			return true
		}
	}
	return false
}

// clearName is the name of the clear checkbox of the file input called name.
func clearName(name string) string { return name + "-clear" }

// currentFile describes the file a StoredFile field holds (as the form started:
// before the submission replaced or cleared it), or nil.
func (f *Form[T]) currentFile(fl *Field) *CurrentFile {
	if !isFile(fl.Kind) || fl.Store != nil || !isStored(fl.typ) {
		return nil
	}
	data := &f.Data
	if f.bound {
		data = &f.initialData
	}
	v := reflect.ValueOf(data).Elem().FieldByIndex(fl.index)
	sf := v.Addr().Interface().(StoredFile)
	name := sf.StoredName()
	if name == "" {
		return nil
	}
	cur := &CurrentFile{Name: name, Clearable: !fl.Required && !fl.Disabled}
	if u, err := sf.URL(); err == nil {
		cur.URL = u
	}
	if f.bound && cur.Clearable {
		cur.Cleared = truthy(first(f.raw[clearName(f.htmlName(fl))]))
	}
	return cur
}

func (f *Form[T]) htmlName(fl *Field) string {
	if f.Prefix != "" {
		return f.Prefix + "-" + fl.Name
	}
	return fl.Name
}

// fmts returns the formats input is read in, or nil.
func (f *Form[T]) fmts() *formats.Locale {
	if f.Formats != nil {
		return f.Formats
	}
	return f.ctxFormats
}

// shown localizes the text of a number field with Localize for its widget:
// "1234.5" becomes "1234,5" in French.
func (f *Form[T]) shown(fl *Field, vals []string) []string {
	fm := f.fmts()
	if fm == nil || !fl.Localize || (fl.Kind != Integer && fl.Kind != Decimal && fl.Kind != Float) {
		return vals
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		if plainNumber(v) {
			out[i] = string(fm.AppendNumber(nil, v, false))
		} else {
			out[i] = v
		}
	}
	return out
}

// plainNumber reports text such as "-1234.5": digits with a sign and a point.
func plainNumber(s string) bool {
	return s != "" && strings.Trim(strings.TrimPrefix(s, "-"), "0123456789.") == "" && strings.Count(s, ".") <= 1
}

func (f *Form[T]) loc() *time.Location {
	if f.Location != nil {
		return f.Location
	}
	if f.ctxLocation != nil {
		return f.ctxLocation
	}
	return time.UTC
}

// Bind reads the submitted data of r — the query string for GET and HEAD, the body
// otherwise (URL-encoded or multipart) — and validates it. It returns:
//   - nil when the data is valid: Data holds the cleaned values;
//   - a *ValidationError (422) when it is not: the form re-renders with the input
//     and the messages;
//   - a *RequestError (400, 413 or 415) when the body cannot be read as form data;
//   - any other error a Clean method returned (a server failure: 500).
func (f *Form[T]) Bind(r *http.Request) error {
	data, files, err := ReadRequest(r, f.Limits)
	if err != nil {
		return err
	}
	return f.BindData(r.Context(), data, files)
}

// BindData validates submitted values and files (keyed by full input name) as Bind
// does, without a request.
func (f *Form[T]) BindData(ctx context.Context, data url.Values, files map[string][]*uploads.File) error {
	f.attach(data, files)
	return f.validate(ctx)
}

// attach records the submitted data (and the initial values, for HasChanged)
// without validating.
func (f *Form[T]) attach(data url.Values, files map[string][]*uploads.File) {
	f.bound = true
	f.raw = data
	if f.raw == nil {
		f.raw = url.Values{}
	}
	f.files = files
	f.errs = nil
	f.nonField = nil
	// Keep the initial values for HasChanged: decoding replaces field values
	// rather than changing what they point to, so a shallow copy is enough.
	f.initialData = f.Data
	f.initialStore = nil
	for _, fl := range f.fields {
		if fl.Store != nil {
			if f.initialStore == nil {
				f.initialStore = map[string]any{}
			}
			f.initialStore[fl.Name] = reflect.ValueOf(fl.Store).Elem().Interface()
		}
	}
}

// fieldIn returns where field fl's value lives: its Store, or its field of the
// struct v.
func fieldIn(v reflect.Value, fl *Field) reflect.Value {
	if fl.Store != nil {
		return reflect.ValueOf(fl.Store).Elem()
	}
	return v.FieldByIndex(fl.index)
}

// validate decodes and cleans the attached data into Data.
func (f *Form[T]) validate(ctx context.Context) error {
	f.ctxTranslator = TranslatorFrom(ctx)
	f.ctxLocation = LocationFrom(ctx)
	f.ctxFormats = FormatsFrom(ctx)
	files := f.files
	v := reflect.ValueOf(&f.Data).Elem()
	pv := v.Addr()
	for _, fl := range f.fields {
		if fl.Disabled {
			continue
		}
		dst := fieldIn(v, fl)
		name := f.htmlName(fl)
		var e *Error
		if isFile(fl.Kind) {
			if len(files[name]) == 0 && first(f.raw[name]) != "" {
				// The file's name came as text: the <form> lacks the multipart enctype.
				e = fail("invalid_file", nil)
			} else {
				e = decodeFile(fl, dst, files[name], truthy(first(f.raw[clearName(name)])))
			}
		} else {
			e = decode(fl, dst, f.raw[name], files[name], f.loc(), f.fmts())
		}
		if e != nil {
			f.addErr(fl, e)
			continue
		}
		if fl.clean >= 0 {
			if err := callClean(ctx, pv.Method(fl.clean), fl.cleanCtx); err != nil {
				es, ok := validationErrors(err)
				if !ok {
					return err
				}
				for _, e := range es {
					if e.Field == "" {
						e = &Error{Field: fl.Name, Code: e.Code, Message: e.Message, Params: e.Params}
					}
					f.addErr(f.byName[e.Field], e)
				}
			}
		}
	}
	if f.sch.clean >= 0 && f.IsValid() {
		if err := callClean(ctx, pv.Method(f.sch.clean), f.sch.cleanCtx); err != nil {
			es, ok := validationErrors(err)
			if !ok {
				return err
			}
			for _, e := range es {
				f.addErr(f.byName[e.Field], e)
			}
		}
	}
	for _, check := range f.Checks {
		if !f.IsValid() {
			break
		}
		if err := check(ctx); err != nil {
			es, ok := validationErrors(err)
			if !ok {
				return err
			}
			for _, e := range es {
				f.addErr(f.byName[e.Field], e)
			}
		}
	}
	if !f.IsValid() {
		return f.Errors()
	}
	return nil
}

func callClean(ctx context.Context, m reflect.Value, withCtx bool) error {
	var out []reflect.Value
	if withCtx {
		out = m.Call([]reflect.Value{reflect.ValueOf(&ctx).Elem()})
	} else {
		out = m.Call(nil)
	}
	err, _ := out[0].Interface().(error)
	return err
}

// message resolves an error's text: the field's override, the translator, the
// error's own message, the built-in English.
func (f *Form[T]) message(fl *Field, e *Error) string {
	if fl != nil && e.Code != "" {
		if m, ok := fl.Messages[e.Code]; ok {
			return interpolate(m, e.Params)
		}
	}
	tr := f.Translator
	if tr == nil {
		tr = f.ctxTranslator
	}
	if e.Code != "" && tr != nil {
		if s := tr(e.Code, e.Params); s != "" {
			return s
		}
	}
	if e.Message != "" {
		return interpolate(e.Message, e.Params)
	}
	if d := defaultMessages[e.Code]; d != "" {
		return interpolate(d, e.Params)
	}
	return defaultMessages["invalid"]
}

func (f *Form[T]) addErr(fl *Field, e *Error) {
	msg := f.message(fl, e)
	if fl == nil {
		if e.Field != "" {
			// A Clean method named a field that does not exist: keep the message
			// visible rather than lose it.
			msg = e.Field + ": " + msg
		}
		f.nonField = append(f.nonField, msg)
		return
	}
	if f.errs == nil {
		f.errs = map[string][]string{}
	}
	f.errs[fl.Name] = append(f.errs[fl.Name], msg)
}

// AddError adds a message to a field (by HTML or Go name), or to the whole form
// when field is "" — for problems found after Bind (a login that failed). The form
// stops being valid.
func (f *Form[T]) AddError(field, message string) {
	f.bound = true
	f.addErr(f.byName[field], &Error{Field: field, Message: message})
}

// Errors returns the form's errors, or nil when there are none.
func (f *Form[T]) Errors() *ValidationError {
	if len(f.errs) == 0 && len(f.nonField) == 0 {
		return nil
	}
	ve := &ValidationError{Status: http.StatusUnprocessableEntity, Fields: map[string][]string{}, NonField: f.nonField}
	for k, v := range f.errs {
		ve.Fields[f.htmlName(f.byName[k])] = v
	}
	return ve
}

// FieldErrors returns the messages of one field (HTML or Go name).
func (f *Form[T]) FieldErrors(name string) []string {
	if fl := f.byName[name]; fl != nil {
		return f.errs[fl.Name]
	}
	return nil
}

// NonFieldErrors returns the messages about the whole form.
func (f *Form[T]) NonFieldErrors() []string { return f.nonField }

// HasChanged reports whether the submitted data differs from the initial values
// (formsets skip extra forms that were left untouched).
func (f *Form[T]) HasChanged() bool {
	if !f.bound {
		return false
	}
	iv := reflect.ValueOf(&f.initialData).Elem()
	blank := iv.IsZero()
	for _, fl := range f.fields {
		if fl.Disabled {
			continue
		}
		name := f.htmlName(fl)
		if isFile(fl.Kind) {
			if len(f.files[name]) > 0 || truthy(first(f.raw[clearName(name)])) {
				return true
			}
			continue
		}
		var initial []string
		if fl.Store != nil {
			initial = f.shown(fl, f.formatValue(fl, reflect.ValueOf(f.initialStore[fl.Name]), false))
		} else {
			initial = f.shown(fl, f.formatValue(fl, iv.FieldByIndex(fl.index), blank))
		}
		submitted := f.raw[name]
		if fl.Kind == Boolean {
			if truthy(first(initial)) != truthy(first(submitted)) {
				return true
			}
			continue
		}
		if !sameValues(initial, submitted) {
			return true
		}
	}
	return false
}

func truthy(s string) bool {
	switch s {
	case "", "false", "0", "off", "False":
		return false
	}
	return true
}

func sameValues(a, b []string) bool {
	trim := func(s []string) []string {
		var out []string
		for _, x := range s {
			if x != "" {
				out = append(out, x)
			}
		}
		return out
	}
	a, b = trim(a), trim(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// values returns what a field's widget shows: the submitted input of a bound form
// (except disabled fields), the formatted initial value otherwise.
func (f *Form[T]) values(fl *Field) []string {
	if isFile(fl.Kind) {
		return nil // a file input cannot be given a value; see currentFile
	}
	if f.bound && !fl.Disabled {
		return f.raw[f.htmlName(fl)]
	}
	if fl.Store != nil {
		return f.shown(fl, f.formatValue(fl, reflect.ValueOf(fl.Store).Elem(), false))
	}
	v := reflect.ValueOf(&f.Data).Elem()
	return f.shown(fl, f.formatValue(fl, v.FieldByIndex(fl.index), reflect.ValueOf(f.Data).IsZero()))
}

// formatValue turns a Go value into the text a widget shows. In a form whose Data
// is entirely zero (a blank form), zero numbers show as empty inputs rather than 0,
// unless the field has ShowZero; or use a pointer type to start a blank form at 0.
func (f *Form[T]) formatValue(fl *Field, v reflect.Value, blank bool) []string {
	blank = blank && !fl.ShowZero
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return nil
	}
	if v.Type() == fileType || v.Type() == filesType {
		return nil
	}
	if v.Type().Implements(valuerType) && v.Type() != timeType && v.Type() != ratType && v.Kind() != reflect.Pointer {
		// orm.Decimal, orm.Null[T], orm.FK[T]: show their database value.
		if blank && v.IsZero() {
			return nil
		}
		dv, err := v.Interface().(driver.Valuer).Value()
		if err != nil || dv == nil {
			return nil
		}
		if b, ok := dv.([]byte); ok {
			dv = string(b)
		}
		return f.formatValue(fl, reflect.ValueOf(dv), blank)
	}
	if v.Kind() != reflect.Pointer && v.CanAddr() {
		if m, ok := v.Addr().Interface().(encoding.TextMarshaler); ok && v.Type() != timeType && v.Type() != ratType {
			b, err := m.MarshalText()
			if err != nil || v.IsZero() {
				return nil
			}
			return []string{string(b)}
		}
	}
	if m, ok := v.Interface().(encoding.TextMarshaler); ok && base(v.Type()) != timeType && base(v.Type()) != ratType {
		b, err := m.MarshalText()
		if err != nil {
			return nil
		}
		return []string{string(b)}
	}
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
		blank = false // a non-nil pointer is an explicit value, even zero
	}
	switch {
	case v.Type() == timeType:
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return nil
		}
		return []string{formatTime(fl.Kind, t.In(f.loc()))}
	case v.Type() == ratType:
		r := v.Addr().Interface().(*big.Rat)
		if fl.DecimalPlaces > 0 {
			return []string{r.FloatString(fl.DecimalPlaces)}
		}
		return []string{ratString(r)}
	}
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return nil
		}
		if fl.Kind == Decimal && fl.DecimalPlaces > 0 && decimalRE.MatchString(v.String()) {
			// Show a stored 12.5 as 12.50 when the field has two places.
			if _, _, places := canonicalDecimal(v.String()); places < fl.DecimalPlaces {
				if r, ok := new(big.Rat).SetString(v.String()); ok {
					return []string{r.FloatString(fl.DecimalPlaces)}
				}
			}
		}
		return []string{v.String()}
	case reflect.Bool:
		if v.Bool() {
			return []string{"on"}
		}
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if blank && v.Int() == 0 {
			return nil
		}
		return []string{strconv.FormatInt(v.Int(), 10)}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if blank && v.Uint() == 0 {
			return nil
		}
		return []string{strconv.FormatUint(v.Uint(), 10)}
	case reflect.Float32, reflect.Float64:
		if blank && v.Float() == 0 {
			return nil
		}
		return []string{strconv.FormatFloat(v.Float(), 'f', -1, v.Type().Bits())}
	case reflect.Slice:
		out := make([]string, v.Len())
		for i := range out {
			out[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return out
	}
	return []string{fmt.Sprint(v.Interface())}
}

func formatTime(k Kind, t time.Time) string {
	switch k {
	case Date:
		return t.Format("2006-01-02")
	case Time:
		if t.Second() != 0 {
			return t.Format("15:04:05")
		}
		return t.Format("15:04")
	}
	if t.Second() != 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04")
}
