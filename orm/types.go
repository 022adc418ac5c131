package orm

import (
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Model is embedded in a model struct to give it Django's default primary key: an
// auto-incremented 64-bit integer called ID (column "id").
type Model struct {
	ID int64 `json:"id"`
}

// Null is a nullable value of type T: the field is NULL when Valid is false. A pointer
// field (*string, *time.Time...) is nullable too.
type Null[T any] struct {
	V     T
	Valid bool
}

// NullOf returns a valid Null holding v.
func NullOf[T any](v T) Null[T] { return Null[T]{V: v, Valid: true} }

func (Null[T]) nullElem() reflect.Type { return reflect.TypeFor[T]() }

// Scan implements sql.Scanner.
func (n *Null[T]) Scan(src any) error {
	if src == nil {
		var zero T
		n.V, n.Valid = zero, false
		return nil
	}
	n.Valid = true
	if s, ok := any(&n.V).(sql.Scanner); ok {
		return s.Scan(src)
	}
	var sn sql.Null[T]
	if err := sn.Scan(src); err != nil {
		return err
	}
	n.V = sn.V
	return nil
}

// Value implements driver.Valuer.
func (n Null[T]) Value() (driver.Value, error) {
	if !n.Valid {
		return nil, nil
	}
	if v, ok := any(n.V).(driver.Valuer); ok {
		return v.Value()
	}
	return driver.DefaultParameterConverter.ConvertValue(n.V)
}

// MarshalJSON writes null or the value.
func (n Null[T]) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.V)
}

// UnmarshalJSON reads null or a value.
func (n *Null[T]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		var zero T
		n.V, n.Valid = zero, false
		return nil
	}
	n.Valid = true
	return json.Unmarshal(b, &n.V)
}

// ---- Decimal ------------------------------------------------------------------------

// Decimal is an exact decimal number (never a float), kept as its canonical text.
// The zero value is 0.
type Decimal struct {
	s string
}

// ParseDecimal parses "-12.340" style text (no exponent).
func ParseDecimal(s string) (Decimal, error) {
	t := strings.TrimSpace(s)
	body := strings.TrimPrefix(strings.TrimPrefix(t, "-"), "+")
	intPart, frac, hasDot := strings.Cut(body, ".")
	if body == "" || (intPart == "" && frac == "") || (hasDot && frac == "" && intPart == "") {
		return Decimal{}, fmt.Errorf("orm: %q is not a decimal number", s)
	}
	for _, part := range []string{intPart, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return Decimal{}, fmt.Errorf("orm: %q is not a decimal number", s)
			}
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if strings.HasPrefix(t, "-") && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return Decimal{s: out}, nil
}

// MustDecimal is ParseDecimal that panics, for constants.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DecimalFromInt returns the decimal n.
func DecimalFromInt(n int64) Decimal { return Decimal{s: strconv.FormatInt(n, 10)} }

// String returns the decimal's text ("0" for the zero value).
func (d Decimal) String() string {
	if d.s == "" {
		return "0"
	}
	return d.s
}

// Rat returns the exact value as a big.Rat.
func (d Decimal) Rat() *big.Rat {
	r, _ := new(big.Rat).SetString(d.String())
	return r
}

// Equal reports whether d and e are the same number (1.50 equals 1.5).
func (d Decimal) Equal(e Decimal) bool { return d.Rat().Cmp(e.Rat()) == 0 }

// Round returns d with exactly places digits after the point (half away from zero).
func (d Decimal) Round(places int) Decimal {
	r := d.Rat()
	return Decimal{s: r.FloatString(places)}
}

// places returns d with exactly n digits after the point: d itself when it has them
// (no allocation), padded with zeros or rounded otherwise.
func (d Decimal) places(n int) Decimal {
	s := d.String()
	_, frac, _ := strings.Cut(s, ".")
	switch {
	case len(frac) == n:
		return d
	case len(frac) > n:
		return d.Round(n)
	case frac == "":
		s += "."
	}
	return Decimal{s: s + strings.Repeat("0", n-len(frac))}
}

// Value implements driver.Valuer (as text, so no precision is lost).
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }

// Scan implements sql.Scanner.
func (d *Decimal) Scan(src any) error {
	switch v := src.(type) {
	case string:
		x, err := ParseDecimal(v)
		*d = x
		return err
	case []byte:
		x, err := ParseDecimal(string(v))
		*d = x
		return err
	case int64:
		*d = DecimalFromInt(v)
		return nil
	case float64:
		// SQLite keeps decimals with numeric affinity; 15 significant digits survive.
		x, err := ParseDecimal(strconv.FormatFloat(v, 'f', -1, 64))
		*d = x
		return err
	case nil:
		*d = Decimal{}
		return nil
	}
	return fmt.Errorf("orm: cannot scan %T into Decimal", src)
}

// MarshalJSON writes the decimal as a JSON string (exact).
func (d Decimal) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a JSON string or number.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	x, err := ParseDecimal(s)
	*d = x
	return err
}

// ---- UUID ---------------------------------------------------------------------------

// UUID is a 16-byte universally unique identifier.
type UUID [16]byte

// NewUUID returns a random (version 4) UUID.
func NewUUID() UUID {
	var u UUID
	if _, err := rand.Read(u[:]); err != nil {
		panic(err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// ParseUUID parses the 36-character form (or 32 hex digits).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	h := strings.ReplaceAll(s, "-", "")
	if len(h) != 32 || (len(s) != 32 && len(s) != 36) {
		return u, fmt.Errorf("orm: %q is not a UUID", s)
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("orm: %q is not a UUID", s)
	}
	return u, nil
}

// String returns the 36-character form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// IsZero reports whether u is all zeros.
func (u UUID) IsZero() bool { return u == UUID{} }

// Value implements driver.Valuer.
func (u UUID) Value() (driver.Value, error) { return u.String(), nil }

// Scan implements sql.Scanner.
func (u *UUID) Scan(src any) error {
	switch v := src.(type) {
	case string:
		x, err := ParseUUID(v)
		*u = x
		return err
	case []byte:
		if len(v) == 16 {
			copy(u[:], v)
			return nil
		}
		x, err := ParseUUID(string(v))
		*u = x
		return err
	case [16]byte:
		*u = v
		return nil
	}
	return fmt.Errorf("orm: cannot scan %T into UUID", src)
}

// MarshalText implements encoding.TextMarshaler.
func (u UUID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (u *UUID) UnmarshalText(b []byte) error {
	x, err := ParseUUID(string(b))
	*u = x
	return err
}

// ---- relations ----------------------------------------------------------------------

// ref is the state shared by FK and OneToOne: the target's key (or NULL) and, when
// loaded by SelectRelated, PrefetchRelated or Load, the target itself.
type ref[T any] struct {
	n     int64
	s     string
	state uint8 // 0 NULL, 1 int key, 2 string key
	obj   *T
}

// ID returns the target's key when it is an integer (0 when NULL or not an integer).
func (r ref[T]) ID() int64 {
	if r.state == 1 {
		return r.n
	}
	return 0
}

// Key returns the target's key (int64 or string), or nil when NULL.
func (r ref[T]) Key() any {
	switch r.state {
	case 1:
		return r.n
	case 2:
		return r.s
	}
	return nil
}

// Valid reports whether the relation points at a row (is not NULL).
func (r ref[T]) Valid() bool { return r.state != 0 }

// Obj returns the loaded target, or nil when it has not been loaded.
func (r ref[T]) Obj() *T { return r.obj }

// AnyObj is Obj for code that knows the model only by its metadata (the admin's
// list columns): the loaded target as an any holding a *T, or nil.
func (r ref[T]) AnyObj() any {
	if r.obj == nil {
		return nil
	}
	return r.obj
}

// SetID points the relation at the row with key id (an integer, string or UUID); nil
// makes it NULL. It drops a loaded target.
func (r *ref[T]) SetID(id any) {
	r.obj = nil
	r.setKey(id)
}

func (r *ref[T]) setKey(id any) bool {
	switch v := id.(type) {
	case nil:
		r.state = 0
	case int64:
		r.n, r.state = v, 1
	case int:
		r.n, r.state = int64(v), 1
	case int32:
		r.n, r.state = int64(v), 1
	case string:
		r.s, r.state = v, 2
	case UUID:
		r.s, r.state = v.String(), 2
	default:
		rv := reflect.ValueOf(id)
		if rv.CanInt() {
			r.n, r.state = rv.Int(), 1
		} else if rv.CanUint() {
			r.n, r.state = int64(rv.Uint()), 1
		} else if rv.Kind() == reflect.String {
			r.s, r.state = rv.String(), 2
		} else {
			return false
		}
	}
	return true
}

// Set points the relation at obj (which must be saved, so that it has a key) and
// keeps obj as the loaded target. nil makes the relation NULL.
func (r *ref[T]) Set(obj *T) {
	if obj == nil {
		r.state, r.obj = 0, nil
		return
	}
	r.obj = obj
	m, err := infoOfType(reflect.TypeFor[T]())
	if err != nil {
		r.state = 0
		return
	}
	r.setKey(reflect.NewAt(m.Type, unsafe.Pointer(obj)).Elem().FieldByIndex(m.PK.index).Interface())
}

// Scan implements sql.Scanner.
func (r *ref[T]) Scan(src any) error {
	r.obj = nil
	switch v := src.(type) {
	case nil:
		r.state = 0
	case int64:
		r.n, r.state = v, 1
	case []byte:
		r.s, r.state = string(v), 2
	case string:
		r.s, r.state = v, 2
	case [16]byte:
		r.s, r.state = UUID(v).String(), 2
	default:
		if !r.setKey(src) {
			return fmt.Errorf("orm: cannot scan %T into a relation to %s", src, reflect.TypeFor[T]().Name())
		}
	}
	return nil
}

// Value implements driver.Valuer.
func (r ref[T]) Value() (driver.Value, error) {
	switch r.state {
	case 1:
		return r.n, nil
	case 2:
		return r.s, nil
	}
	return nil, nil
}

// MarshalJSON writes the key (or null).
func (r ref[T]) MarshalJSON() ([]byte, error) { return json.Marshal(r.Key()) }

// UnmarshalJSON reads a key (or null).
func (r *ref[T]) UnmarshalJSON(b []byte) error {
	var v any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return err
	}
	if n, ok := v.(json.Number); ok {
		i, err := n.Int64()
		if err != nil {
			return fmt.Errorf("orm: relation key %s is not an integer", n)
		}
		v = i
	}
	if !r.setKey(v) {
		return fmt.Errorf("orm: %s is not a relation key", b)
	}
	return nil
}

// FK is a many-to-one relation to model T (Django's ForeignKey). The column holds the
// target's primary key; the tag must give on_delete. Use Set/SetID to point it, Obj for
// a target loaded by SelectRelated/PrefetchRelated, and Load to fetch it.
type FK[T any] struct{ ref[T] }

func (FK[T]) relTarget() (reflect.Type, Kind) { return reflect.TypeFor[T](), KindFK }

// OneToOne is a one-to-one relation to model T: a FK with a unique column.
type OneToOne[T any] struct{ ref[T] }

func (OneToOne[T]) relTarget() (reflect.Type, Kind) { return reflect.TypeFor[T](), KindO2O }

// To returns a FK pointing at obj (saved, so it has a key).
func To[T any](obj *T) FK[T] {
	var f FK[T]
	f.Set(obj)
	return f
}

// Ref returns a FK pointing at the row of T with key id.
func Ref[T any](id any) FK[T] {
	var f FK[T]
	f.SetID(id)
	return f
}

// M2M is a many-to-many relation to model T. It has no column: the rows live in a join
// table (automatic, or the through model named by the `through=` tag). Change it with
// Related(db, &obj, "field").Add/Remove/Set/Clear; PrefetchRelated fills Items.
type M2M[T any] struct {
	items  []T
	loaded bool
}

func (M2M[T]) relTarget() (reflect.Type, Kind) { return reflect.TypeFor[T](), KindM2M }

// Items returns the related objects loaded by PrefetchRelated (nil before).
func (m M2M[T]) Items() []T { return m.items }

// Loaded reports whether PrefetchRelated filled Items.
func (m M2M[T]) Loaded() bool { return m.loaded }

// ---- scanning helpers ---------------------------------------------------------------

// scanFunc returns a function giving a scan destination for a field at p, without
// allocating for the common types.
func scanFunc(t reflect.Type) func(p unsafe.Pointer) any {
	switch t {
	case reflect.TypeFor[int64]():
		return func(p unsafe.Pointer) any { return (*int64)(p) }
	case reflect.TypeFor[int]():
		return func(p unsafe.Pointer) any { return (*int)(p) }
	case reflect.TypeFor[int32]():
		return func(p unsafe.Pointer) any { return (*int32)(p) }
	case reflect.TypeFor[string]():
		return func(p unsafe.Pointer) any { return (*string)(p) }
	case reflect.TypeFor[bool]():
		return func(p unsafe.Pointer) any { return (*bool)(p) }
	case reflect.TypeFor[float64]():
		return func(p unsafe.Pointer) any { return (*float64)(p) }
	case timeType:
		return func(p unsafe.Pointer) any { return (*time.Time)(p) }
	}
	return func(p unsafe.Pointer) any { return reflect.NewAt(t, p).Interface() }
}

// jsonScanner decodes a JSON column into a field.
type jsonScanner struct {
	dst  reflect.Value // pointer to the field
	null bool          // field is a pointer
}

func (j *jsonScanner) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		j.dst.Elem().Set(reflect.Zero(j.dst.Elem().Type()))
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("orm: cannot scan %T into JSON", src)
	}
	target := j.dst
	if j.null {
		nv := reflect.New(j.dst.Elem().Type().Elem())
		if err := json.Unmarshal(b, nv.Interface()); err != nil {
			return err
		}
		j.dst.Elem().Set(nv)
		return nil
	}
	target.Elem().Set(reflect.Zero(target.Elem().Type()))
	return json.Unmarshal(b, target.Interface())
}

// timeScanner reads times that a driver returns as text (SQLite expressions).
type timeScanner struct{ dst *time.Time }

func (t timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*t.dst = v.UTC() // every database reads back in UTC
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	case nil:
		*t.dst = time.Time{}
		return nil
	}
	return fmt.Errorf("orm: cannot scan %T into time.Time", src)
}

func (t timeScanner) parse(s string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if tm, err := time.Parse(layout, s); err == nil {
			*t.dst = tm.UTC()
			return nil
		}
	}
	return fmt.Errorf("orm: %q is not a time", s)
}

var errNilObject = errors.New("orm: nil object")

// Reverse holds the objects of T that point at this object through a FK, OneToOne or
// M2M field (a reverse relation), loaded by PrefetchRelated. Declare it with the
// relation's related_name: Articles orm.Reverse[Article] `orm:"related_name=articles"`
// (the default name is the snake_case of the Go field name). It has no column.
type Reverse[T any] struct {
	items  []T
	loaded bool
}

type revKind interface{ revTarget() reflect.Type }

func (Reverse[T]) revTarget() reflect.Type { return reflect.TypeFor[T]() }

// Items returns the related objects loaded by PrefetchRelated (nil before).
func (r Reverse[T]) Items() []T { return r.items }

// Loaded reports whether PrefetchRelated filled Items.
func (r Reverse[T]) Loaded() bool { return r.loaded }
