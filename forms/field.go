package forms

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding"
	"fmt"
	"github.com/galvani-web/galvani/internal/naming"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/galvani-web/galvani/uploads"
)

// Kind is what a field holds and how its input is checked.
type Kind string

// The field kinds.
const (
	Text           Kind = "text"     // a line or more of text
	Email          Kind = "email"    // an email address
	URL            Kind = "url"      // an http(s) or ftp(s) URL
	Slug           Kind = "slug"     // letters, digits, '-' and '_'
	Integer        Kind = "integer"  // a whole number
	Decimal        Kind = "decimal"  // an exact decimal number (string or *big.Rat)
	Float          Kind = "float"    // a float64; prefer Decimal for money
	Date           Kind = "date"     // a calendar date (time.Time at midnight)
	Time           Kind = "time"     // a time of day (time.Time on 0000-01-01)
	DateTime       Kind = "datetime" // a date and a time
	Choice         Kind = "choice"   // one of Choices
	MultipleChoice Kind = "multiple" // some of Choices ([]string or []int)
	Boolean        Kind = "boolean"  // a checkbox
	File           Kind = "file"     // an uploaded file (*uploads.File, or a StoredFile)
	Image          Kind = "image"    // an uploaded PNG, JPEG or GIF image, decoded to check it
)

// isFile reports whether a kind takes uploaded files.
func isFile(k Kind) bool { return k == File || k == Image }

// StoredFile is a file a storage keeps that a form field can show and replace:
// orm.File implements it. A file or image field of such a type shows the
// current file ("Currently: <link>"), a checkbox to clear it when the field is
// optional, and an input for a new file (ClearableFileInput). Binding calls
// SetUpload with a valid new file, Clear when the box is ticked, and nothing
// when neither was sent: the current file stays, and satisfies required.
type StoredFile interface {
	// StoredName is the name the storage keeps the file under, "" for none.
	StoredName() string
	// URL is where the file is served.
	URL() (string, error)
	// SetUpload makes an uploaded file the new content.
	SetUpload(*uploads.File)
	// Clear empties the field.
	Clear()
}

// Option is one entry of a choice field: the submitted value and the label shown.
type Option struct {
	Value string
	Label string
}

// Field describes one form field. New computes them from the struct's tags, once per
// type; each form gets its own copies, which a handler may change before rendering
// or binding (set Options from the database, change a Label, swap the Widget).
type Field struct {
	// GoName is the struct field's name.
	GoName string
	// Name is the input's name (without the form's prefix): the first element of
	// the `form` tag, or the Go name in snake_case.
	Name string
	// Kind says how input is decoded and checked.
	Kind Kind
	// Widget renders the input.
	Widget Widget
	// Label is shown in the <label>; default: the name, capitalised, "_" → " ".
	Label string
	// Help is shown under the field and linked with aria-describedby.
	Help string
	// Placeholder is the input's placeholder attribute.
	Placeholder string
	// Required refuses empty input (a boolean must be checked; a multiple choice
	// needs at least one).
	Required bool
	// Disabled fields ignore submitted data and keep their initial value.
	Disabled bool
	// NoStrip keeps leading and trailing white space of text input.
	NoStrip bool
	// MinLength and MaxLength bound text length in characters; 0 means no bound.
	MinLength, MaxLength int
	// Min and Max bound numbers (integer, decimal, float); nil means no bound.
	Min, Max *big.Rat
	// MinTime and MaxTime bound dates and times; zero means no bound.
	MinTime, MaxTime time.Time
	// MaxDigits and DecimalPlaces bound a decimal; 0 means no bound.
	MaxDigits, DecimalPlaces int
	// ShowZero shows a zero number as 0 even in a blank form (one whose Data is
	// entirely zero), where zero numbers otherwise show as empty inputs: for
	// fields whose zero is a real starting value, such as a model field's
	// default (model forms set it for those).
	ShowZero bool
	// MinChoices and MaxChoices bound a multiple choice; 0 means no bound.
	MinChoices, MaxChoices int
	// Pattern, if set, must match the whole text.
	Pattern *regexp.Regexp
	// Options are the choices of a choice or multiple-choice field.
	Options []Option
	// Accept lists the content types a file may have (checked by sniffing the
	// content, not by trusting the client); "image/*" matches any image.
	Accept []string
	// MaxSize bounds the size of a file in bytes; 0 means no bound beyond the
	// request limits.
	MaxSize int64
	// ImageLimits bound the dimensions of an image field's images (tags
	// max_width=, max_height=, max_pixels=); the zero value takes uploads'
	// defaults (24 megapixels). Images are checked with uploads.CheckImage: the
	// header first (so a huge declared size costs nothing), then a full decode,
	// then the file's end (data appended to an image is refused).
	ImageLimits uploads.ImageLimits
	// Localize reads a number field written the way the form's locale writes
	// numbers ("1 234,5" in French; see Form.Formats) and shows its value so, in
	// a text input rather than a number input, which browsers only fill with
	// "1234.5" (Django's Field.localize). Tag option: localize.
	Localize bool
	// InputFormats are the time layouts accepted for date, time and datetime
	// fields, tried in order; nil means the locale's (Form.Formats), else the
	// kind's defaults.
	InputFormats []string
	// Messages override the error messages of this field, by key (see
	// DefaultMessage); {placeholders} are filled in.
	Messages map[string]string
	// Attrs are extra HTML attributes of the widget.
	Attrs map[string]string
	// Store, if set, holds the field's value instead of a field of T: a non-nil
	// pointer to a variable whose type fits Kind (a *[]string for a multiple
	// choice). It is for values that have no place in T, such as a model form's
	// many-to-many selection; only Build accepts it, and GoName then only names
	// the field. The initial value is what Store holds when the form is made.
	Store any

	index    []int
	typ      reflect.Type // the struct field's type
	clean    int          // method index of Clean<GoName> on *T, or -1
	cleanCtx bool         // that method takes a context.Context
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	ratType       = reflect.TypeFor[big.Rat]()
	fileType      = reflect.TypeFor[*uploads.File]()
	filesType     = reflect.TypeFor[[]*uploads.File]()
	storedType    = reflect.TypeFor[StoredFile]()
	unmarshalType = reflect.TypeFor[encoding.TextUnmarshaler]()
	scannerType   = reflect.TypeFor[sql.Scanner]()
	valuerType    = reflect.TypeFor[driver.Valuer]()
)

// schema is the cached description of a form struct type.
type schema struct {
	fields   []*Field
	byName   map[string]*Field // by Name and GoName
	clean    int               // method index of Clean on *T, or -1
	cleanCtx bool
	err      error
}

var schemas sync.Map // reflect.Type → *schema

func schemaOf(t reflect.Type) *schema {
	if s, ok := schemas.Load(t); ok {
		return s.(*schema)
	}
	s := buildSchema(t)
	actual, _ := schemas.LoadOrStore(t, s)
	return actual.(*schema)
}

func buildSchema(t reflect.Type) *schema {
	s := &schema{clean: -1}
	if t.Kind() != reflect.Struct {
		s.err = fmt.Errorf("forms: %v is not a struct", t)
		return s
	}
	pt := reflect.PointerTo(t)
	seen := map[string]string{}
	for _, sf := range reflect.VisibleFields(t) {
		if !sf.IsExported() || sf.Anonymous && sf.Type.Kind() == reflect.Struct && sf.Type != timeType {
			continue
		}
		if viaPointer(t, sf.Index) {
			continue // promoted through an embedded pointer, which may be nil
		}
		tag, hasTag := sf.Tag.Lookup("form")
		if tag == "-" {
			continue
		}
		if !hasTag && !supported(sf.Type) {
			continue // untagged fields of other types are not form fields
		}
		f, err := parseField(sf, tag)
		if err != nil {
			s.err = fmt.Errorf("forms: %v.%s: %w", t, sf.Name, err)
			return s
		}
		if other, dup := seen[f.Name]; dup {
			s.err = fmt.Errorf("forms: %v: fields %s and %s both have the name %q", t, other, sf.Name, f.Name)
			return s
		}
		seen[f.Name] = sf.Name
		f.clean, f.cleanCtx = cleanMethod(pt, "Clean"+sf.Name)
		if f.clean == -2 {
			s.err = fmt.Errorf("forms: %v: method Clean%s must be func() error or func(context.Context) error", pt, sf.Name)
			return s
		}
		s.fields = append(s.fields, f)
	}
	s.clean, s.cleanCtx = cleanMethod(pt, "Clean")
	if s.clean == -2 {
		s.err = fmt.Errorf("forms: %v: method Clean must be func() error or func(context.Context) error", pt)
	}
	s.index()
	return s
}

func (s *schema) index() {
	s.byName = make(map[string]*Field, 2*len(s.fields))
	for _, f := range s.fields {
		s.byName[f.Name] = f
		s.byName[f.GoName] = f
	}
}

// viaPointer reports whether a promoted field is reached through an embedded
// pointer.
func viaPointer(t reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		sf := t.Field(i)
		if sf.Type.Kind() == reflect.Pointer {
			return true
		}
		t = sf.Type
	}
	return false
}

var (
	errorType   = reflect.TypeFor[error]()
	contextType = reflect.TypeFor[context.Context]()
)

// cleanMethod finds a clean method: index and whether it takes a context; -1 when
// absent, -2 when present with a wrong signature.
func cleanMethod(pt reflect.Type, name string) (int, bool) {
	m, ok := pt.MethodByName(name)
	if !ok {
		return -1, false
	}
	ft := m.Type // includes the receiver
	if ft.NumOut() != 1 || ft.Out(0) != errorType {
		return -2, false
	}
	switch ft.NumIn() {
	case 1:
		return m.Index, false
	case 2:
		if ft.In(1) == contextType {
			return m.Index, true
		}
	}
	return -2, false
}

// supported reports whether a Go type can be a form field without a tag.
func supported(t reflect.Type) bool {
	_, err := defaultKind(t)
	return err == nil
}

func isInt(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Uint64
}

// defaultKind is the kind a Go type gets without kind=.
func defaultKind(t reflect.Type) (Kind, error) {
	switch t {
	case timeType, reflect.PointerTo(timeType):
		return DateTime, nil
	case ratType, reflect.PointerTo(ratType):
		return Decimal, nil
	case fileType, filesType:
		return File, nil
	}
	if isStored(t) {
		return File, nil
	}
	if reflect.PointerTo(t).Implements(unmarshalType) || t.Kind() == reflect.Pointer && t.Implements(unmarshalType) {
		return Text, nil
	}
	e := t
	if e.Kind() == reflect.Pointer {
		e = e.Elem()
	}
	switch {
	case e.Kind() == reflect.String:
		return Text, nil
	case isInt(e.Kind()):
		return Integer, nil
	case e.Kind() == reflect.Float64 || e.Kind() == reflect.Float32:
		return Float, nil
	case e.Kind() == reflect.Bool:
		return Boolean, nil
	case t.Kind() == reflect.Slice && (t.Elem().Kind() == reflect.String || isInt(t.Elem().Kind())):
		return MultipleChoice, nil
	}
	return "", fmt.Errorf("type %v is not supported by forms", t)
}

// isStored reports whether t (a struct, through its pointer) is a StoredFile.
func isStored(t reflect.Type) bool {
	return t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(storedType)
}

// kindAccepts reports whether a field of kind k can be stored in Go type t.
func kindAccepts(k Kind, t reflect.Type) bool {
	if isFile(k) {
		return t == fileType || t == filesType || isStored(t)
	}
	if k != MultipleChoice && t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(scannerType) {
		return true // orm.Decimal, orm.Null[T], orm.FK[T]: set through Scan
	}
	if k != MultipleChoice && (reflect.PointerTo(t).Implements(unmarshalType) || t.Kind() == reflect.Pointer && t.Implements(unmarshalType)) {
		return true
	}
	e := t
	if e.Kind() == reflect.Pointer {
		e = e.Elem()
	}
	switch k {
	case Text, Email, URL, Slug:
		return e.Kind() == reflect.String
	case Choice:
		return e.Kind() == reflect.String || isInt(e.Kind())
	case Integer:
		return isInt(e.Kind())
	case Decimal:
		return e.Kind() == reflect.String || e == ratType
	case Float:
		return e.Kind() == reflect.Float64 || e.Kind() == reflect.Float32
	case Date, Time, DateTime:
		return e == timeType
	case Boolean:
		return e.Kind() == reflect.Bool
	case MultipleChoice:
		return t.Kind() == reflect.Slice && (t.Elem().Kind() == reflect.String || isInt(t.Elem().Kind()))
	}
	return false
}

// labelFor makes the default label: first_name → "First name".
func labelFor(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.\-]*$`)

// parseField reads the tags of one struct field:
//
//	form:"name,required,kind=email,widget=textarea,min_length=3,max_length=100,min=1,max=10,
//	      max_digits=8,decimal_places=2,min_choices=1,max_choices=3,max_size=1048576,
//	      max_width=2000,max_height=2000,max_pixels=4000000,disabled,nostrip"
//	label:"..." help:"..." placeholder:"..." regex:"..." choices:"v=Label|v2=Label 2"
//	accept:"image/png,image/jpeg" messages:"required=...|max_length=..."
func parseField(sf reflect.StructField, tag string) (*Field, error) {
	f := &Field{GoName: sf.Name, index: sf.Index, typ: sf.Type}
	parts := strings.Split(tag, ",")
	f.Name = strings.TrimSpace(parts[0])
	if f.Name == "" {
		f.Name = naming.Snake(sf.Name)
	}
	if !validName.MatchString(f.Name) {
		return nil, fmt.Errorf("invalid field name %q", f.Name)
	}
	widget := ""
	for _, opt := range parts[1:] {
		opt = strings.TrimSpace(opt)
		if opt == "" {
			continue
		}
		key, val, hasVal := strings.Cut(opt, "=")
		intVal := func() (int, error) {
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("option %s needs a non-negative integer, not %q", key, val)
			}
			return n, nil
		}
		var err error
		switch key {
		case "required":
			f.Required = true
		case "disabled":
			f.Disabled = true
		case "nostrip":
			f.NoStrip = true
		case "localize":
			f.Localize = true
		case "kind":
			f.Kind = Kind(val)
		case "widget":
			widget = val
		case "min_length":
			f.MinLength, err = intVal()
		case "max_length":
			f.MaxLength, err = intVal()
		case "max_digits":
			f.MaxDigits, err = intVal()
		case "decimal_places":
			f.DecimalPlaces, err = intVal()
		case "min_choices":
			f.MinChoices, err = intVal()
		case "max_choices":
			f.MaxChoices, err = intVal()
		case "max_size":
			var n int
			n, err = intVal()
			f.MaxSize = int64(n)
		case "max_width":
			f.ImageLimits.MaxWidth, err = intVal()
		case "max_height":
			f.ImageLimits.MaxHeight, err = intVal()
		case "max_pixels":
			var n int
			n, err = intVal()
			f.ImageLimits.MaxPixels = int64(n)
		case "min", "max":
			if f.typ == timeType || f.typ == reflect.PointerTo(timeType) {
				// Bounds for dates are given in the ISO layouts.
				var t time.Time
				t, err = parseTimeBound(val)
				if key == "min" {
					f.MinTime = t
				} else {
					f.MaxTime = t
				}
				break
			}
			r, ok := new(big.Rat).SetString(val)
			if !ok || !decimalRE.MatchString(val) {
				err = fmt.Errorf("option %s needs a number, not %q", key, val)
			}
			if key == "min" {
				f.Min = r
			} else {
				f.Max = r
			}
		default:
			return nil, fmt.Errorf("unknown form tag option %q", key)
		}
		if err != nil {
			return nil, err
		}
		_ = hasVal
	}
	if f.Kind == "" {
		k, err := defaultKind(sf.Type)
		if err != nil {
			return nil, err
		}
		f.Kind = k
		if k == Text && sf.Tag.Get("choices") != "" {
			f.Kind = Choice
		}
	}
	if !kindAccepts(f.Kind, sf.Type) {
		return nil, fmt.Errorf("kind %q cannot be stored in a %v", f.Kind, sf.Type)
	}
	f.Label = sf.Tag.Get("label")
	if f.Label == "" {
		f.Label = labelFor(f.Name)
	}
	f.Help = sf.Tag.Get("help")
	f.Placeholder = sf.Tag.Get("placeholder")
	if re := sf.Tag.Get("regex"); re != "" {
		p, err := regexp.Compile(`^(?:` + re + `)$`)
		if err != nil {
			return nil, fmt.Errorf("regex: %w", err)
		}
		f.Pattern = p
	}
	if c := sf.Tag.Get("choices"); c != "" {
		for _, item := range strings.Split(c, "|") {
			v, l, ok := strings.Cut(item, "=")
			if !ok {
				l = v
			}
			f.Options = append(f.Options, Option{Value: strings.TrimSpace(v), Label: strings.TrimSpace(l)})
		}
	}
	if a := sf.Tag.Get("accept"); a != "" {
		for _, t := range strings.Split(a, ",") {
			f.Accept = append(f.Accept, strings.TrimSpace(t))
		}
	}
	if m := sf.Tag.Get("messages"); m != "" {
		f.Messages = map[string]string{}
		for _, item := range strings.Split(m, "|") {
			k, v, ok := strings.Cut(item, "=")
			if !ok {
				return nil, fmt.Errorf("messages: %q is not key=text", item)
			}
			f.Messages[strings.TrimSpace(k)] = v
		}
	}
	if f.Kind == Decimal && f.MaxDigits > 0 && f.DecimalPlaces > f.MaxDigits {
		return nil, fmt.Errorf("decimal_places %d is more than max_digits %d", f.DecimalPlaces, f.MaxDigits)
	}
	w, err := widgetFor(f, widget)
	if err != nil {
		return nil, err
	}
	f.Widget = w
	return f, nil
}

func parseTimeBound(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04", "15:04", "15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bound %q is not a date or time in ISO form", s)
}

// clone copies a field so a form can change it without touching the cache.
func (f *Field) clone() *Field {
	c := *f
	return &c
}
