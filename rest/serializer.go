package rest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/rest/openapi"
)

// Serializer converts values of T to JSON and validated input back into T, like a
// DRF serializer. ModelSerializer builds one from a model's metadata; StructSerializer
// from a plain Go struct.
type Serializer[T any] interface {
	// AppendOne appends the JSON of obj.
	AppendOne(b []byte, r *Request, obj *T) ([]byte, error)
	// AppendList appends the JSON array of objs.
	AppendList(b []byte, r *Request, objs []T) ([]byte, error)
	// Decode validates the request's data into obj. create is true for a new
	// object (required fields must be given), partial for PATCH (nothing is
	// required).
	Decode(r *Request, obj *T, create, partial bool) error
	// Describe lists the fields, for OPTIONS, the browsable forms and OpenAPI.
	Describe() []Field
}

// Field describes one field of a serializer.
type Field struct {
	// Name is the key in JSON.
	Name string
	// Type is the field's type in OPTIONS metadata: "integer", "float", "decimal",
	// "boolean", "string", "email", "url", "date", "datetime", "uuid", "choice",
	// "multiple choice", "field" (a relation), "nested object", "list", "json",
	// "file".
	Type string
	// Label and Help are for people.
	Label, Help string
	// Required, ReadOnly and WriteOnly as in DRF.
	Required, ReadOnly, WriteOnly bool
	// AllowNull and AllowBlank accept null and "".
	AllowNull, AllowBlank bool
	// MinLength and MaxLength bound strings (0: no bound).
	MinLength, MaxLength int
	// Min and Max bound numbers (nil: no bound).
	Min, Max *float64
	// Choices are the allowed values, when restricted.
	Choices []orm.Choice
	// Schema is the field's JSON Schema (for reading; WriteSchema, when set,
	// for writing).
	Schema, WriteSchema *openapi.Schema
}

// fieldKind is how a value is read from input and written out.
type fieldKind uint8

const (
	kString fieldKind = iota
	kInt
	kUint
	kFloat
	kBool
	kDecimal
	kDateTime
	kDate
	kUUID
	kJSON
	kBytes
	kRel   // FK / O2O key
	kM2M   // list of keys
	kOther // encoding/json
)

// baseType unwraps pointers and orm.Null[T] to the value's type.
func baseType(t reflect.Type) reflect.Type {
	for {
		switch {
		case t.Kind() == reflect.Pointer:
			t = t.Elem()
		case t.Kind() == reflect.Struct && strings.HasPrefix(t.Name(), "Null[") && t.PkgPath() == "github.com/galvani-web/galvani/orm":
			vf, _ := t.FieldByName("V")
			t = vf.Type
		default:
			return t
		}
	}
}

// kindOfType picks the kind of a Go type (pointer and orm.Null unwrapped by the caller).
func kindOfType(t reflect.Type) fieldKind {
	switch t {
	case reflect.TypeFor[time.Time]():
		return kDateTime
	case reflect.TypeFor[orm.Decimal]():
		return kDecimal
	case reflect.TypeFor[orm.UUID]():
		return kUUID
	case reflect.TypeFor[[]byte]():
		return kBytes
	case reflect.TypeFor[json.RawMessage]():
		return kJSON
	}
	switch t.Kind() {
	case reflect.String:
		return kString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kUint
	case reflect.Float32, reflect.Float64:
		return kFloat
	case reflect.Bool:
		return kBool
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct, reflect.Interface:
		return kJSON
	}
	return kOther
}

// The messages of invalid input. They are the ones DRF's clients already handle.
const (
	msgRequired   = "This field is required."
	msgNull       = "This field may not be null."
	msgBlank      = "This field may not be blank."
	msgInt        = "A valid integer is required."
	msgNumber     = "A valid number is required."
	msgBool       = "Must be a valid boolean."
	msgString     = "Not a valid string."
	msgUUID       = "Must be a valid UUID."
	msgDateTime   = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	msgDate       = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	msgUnknown    = "Unknown field."
	msgJSON       = "Value must be valid JSON."
	msgList       = "Expected a list of items but got type %q."
	msgBase64     = "Must be valid base64."
	msgMaxLen     = "Ensure this field has no more than %d characters."
	msgMinLen     = "Ensure this field has at least %d characters."
	msgMax        = "Ensure this value is less than or equal to %s."
	msgMin        = "Ensure this value is greater than or equal to %s."
	msgChoice     = "%q is not a valid choice."
	msgPKMissing  = "Invalid pk \"%s\" - object does not exist."
	msgPKType     = "Incorrect type. Expected pk value, received %s."
	msgSlugMiss   = "Object with %s=%s does not exist."
	msgMaxDigits  = "Ensure that there are no more than %d digits in total."
	msgMaxPlaces  = "Ensure that there are no more than %d decimal places."
	msgUnique     = "%s with this %s already exists."
	msgUniqueSet  = "The fields %s must make a unique set."
	maxStringRead = 1 << 20
)

// parsed is a decoded scalar, before it is stored in a Go value.
type parsed struct {
	s   string
	i   int64
	u   uint64
	f   float64
	b   bool
	t   time.Time
	d   orm.Decimal
	id  orm.UUID
	raw json.RawMessage
}

// parseScalar decodes a field's input of kind k. It returns a message for the
// client on failure.
func parseScalar(k fieldKind, v value, trim bool) (parsed, string) {
	var p parsed
	switch k {
	case kString:
		s, ok := v.str()
		if !ok {
			if !v.form && len(v.raw) > 0 && (v.raw[0] == '-' || v.raw[0] >= '0' && v.raw[0] <= '9') {
				s = string(v.raw) // DRF takes numbers for strings
			} else {
				return p, msgString
			}
		}
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return p, msgString
		}
		if trim {
			s = strings.TrimSpace(s)
		}
		p.s = s
	case kInt, kUint:
		s, isStr := v.str()
		if !isStr {
			s = string(v.raw)
		}
		s = strings.TrimSpace(s)
		if k == kUint {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				if f, ok := wholeFloat(s); ok && f >= 0 && f < math.MaxUint64 {
					return parsed{u: uint64(f)}, ""
				}
				return p, msgInt
			}
			p.u = n
			return p, ""
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if f, ok := wholeFloat(s); ok && f > math.MinInt64 && f < math.MaxInt64 {
				return parsed{i: int64(f)}, ""
			}
			return p, msgInt
		}
		p.i = n
	case kFloat:
		s, isStr := v.str()
		if !isStr {
			s = string(v.raw)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return p, msgNumber
		}
		p.f = f
	case kBool:
		s, isStr := v.str()
		if !isStr {
			s = string(v.raw)
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "yes", "on", "t", "y":
			p.b = true
		case "false", "0", "no", "off", "f", "n", "":
			if s == "" && !v.form {
				return p, msgBool
			}
		default:
			return p, msgBool
		}
	case kDecimal:
		s, isStr := v.str()
		if !isStr {
			s = string(v.raw)
		}
		d, err := orm.ParseDecimal(strings.TrimSpace(s))
		if err != nil {
			return p, msgNumber
		}
		p.d = d
	case kDateTime:
		s, ok := v.str()
		if !ok {
			return p, msgDateTime
		}
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
		if err != nil {
			if t2, err2 := time.Parse("2006-01-02T15:04:05.999999999", strings.TrimSpace(s)); err2 == nil {
				t = t2.UTC()
			} else if t3, err3 := time.Parse("2006-01-02T15:04", strings.TrimSpace(s)); err3 == nil {
				t = t3.UTC()
			} else {
				return p, msgDateTime
			}
		}
		p.t = t
	case kDate:
		s, ok := v.str()
		if !ok {
			return p, msgDate
		}
		t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
		if err != nil {
			return p, msgDate
		}
		p.t = t
	case kUUID:
		s, ok := v.str()
		if !ok {
			return p, msgUUID
		}
		id, err := orm.ParseUUID(strings.TrimSpace(s))
		if err != nil {
			return p, msgUUID
		}
		p.id = id
	case kBytes:
		s, ok := v.str()
		if !ok {
			return p, msgBase64
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return p, msgBase64
		}
		p.s = s
	default:
		if v.form {
			s, _ := v.str()
			if !json.Valid([]byte(s)) {
				return p, msgJSON
			}
			p.raw = json.RawMessage(s)
		} else {
			p.raw = v.raw
		}
	}
	return p, ""
}

// wholeFloat accepts "3.0" and 3e2 for integer fields, as DRF does.
func wholeFloat(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// store sets dst (a settable value of the field's Go type, not a pointer or
// orm.Null: the caller unwraps those) from p. It returns a message when the value
// does not fit the type.
func store(dst reflect.Value, k fieldKind, p parsed) string {
	switch k {
	case kString:
		dst.SetString(p.s)
	case kInt:
		if dst.OverflowInt(p.i) {
			return fmt.Sprintf(msgMax, strconv.FormatInt(int64(maxIntOf(dst.Type())), 10))
		}
		dst.SetInt(p.i)
	case kUint:
		if dst.OverflowUint(p.u) {
			return msgInt
		}
		dst.SetUint(p.u)
	case kFloat:
		if dst.OverflowFloat(p.f) {
			return msgNumber
		}
		dst.SetFloat(p.f)
	case kBool:
		dst.SetBool(p.b)
	case kDecimal:
		dst.Set(reflect.ValueOf(p.d))
	case kDateTime, kDate:
		dst.Set(reflect.ValueOf(p.t))
	case kUUID:
		dst.Set(reflect.ValueOf(p.id))
	case kBytes:
		b, _ := base64.StdEncoding.DecodeString(p.s)
		dst.SetBytes(b)
	default:
		nv := reflect.New(dst.Type())
		if err := json.Unmarshal(p.raw, nv.Interface()); err != nil {
			var ute *json.UnmarshalTypeError
			if ok := asUnmarshalType(err, &ute); ok {
				return fmt.Sprintf("Expected %s, got %s.", jsonTypeName(ute.Type), ute.Value)
			}
			return msgJSON
		}
		dst.Set(nv.Elem())
	}
	return ""
}

func asUnmarshalType(err error, target **json.UnmarshalTypeError) bool {
	e, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = e
	}
	return ok
}

func maxIntOf(t reflect.Type) int64 {
	return int64(1)<<(t.Bits()-1) - 1
}

// jsonTypeName names a Go type as a JSON client thinks of it.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value"
}

// checkString applies the length and choice rules to a string value.
func checkString(s string, f *Field) string {
	n := utf8.RuneCountInString(s)
	if s == "" && !f.AllowBlank {
		return msgBlank
	}
	if f.MaxLength > 0 && n > f.MaxLength {
		return fmt.Sprintf(msgMaxLen, f.MaxLength)
	}
	if f.MinLength > 0 && n < f.MinLength && s != "" {
		return fmt.Sprintf(msgMinLen, f.MinLength)
	}
	return ""
}

// checkChoice reports whether text is one of the choices.
func checkChoice(text string, choices []orm.Choice) string {
	if len(choices) == 0 {
		return ""
	}
	for _, c := range choices {
		if c.Value == text {
			return ""
		}
	}
	return fmt.Sprintf(msgChoice, text)
}

// checkRange applies Min and Max to a number.
func checkRange(x float64, f *Field) string {
	if f.Max != nil && x > *f.Max {
		return fmt.Sprintf(msgMax, fmtNum(*f.Max))
	}
	if f.Min != nil && x < *f.Min {
		return fmt.Sprintf(msgMin, fmtNum(*f.Min))
	}
	return ""
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// checkDecimal applies max_digits and decimal_places.
func checkDecimal(d orm.Decimal, maxDigits, places int) string {
	s := strings.TrimLeft(d.String(), "-")
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	intPart = strings.TrimLeft(intPart, "0")
	if places > 0 && len(frac) > places {
		return fmt.Sprintf(msgMaxPlaces, places)
	}
	if maxDigits > 0 && len(intPart)+len(frac) > maxDigits {
		return fmt.Sprintf(msgMaxDigits, maxDigits)
	}
	return ""
}

var _ = big.NewRat
