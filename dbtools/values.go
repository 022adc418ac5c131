package dbtools

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/orm"
)

const ormPkg = "github.com/galvani-web/galvani/orm"

// isNullType reports whether t is orm.Null[T].
func isNullType(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == ormPkg && strings.HasPrefix(t.Name(), "Null[")
}

// unwrap follows a pointer or an orm.Null to the value inside; null reports NULL.
func unwrap(v reflect.Value) (inner reflect.Value, null bool) {
	switch {
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return v, true
		}
		return v.Elem(), false
	case isNullType(v.Type()):
		if !v.FieldByName("Valid").Bool() {
			return v, true
		}
		return v.FieldByName("V"), false
	}
	return v, false
}

type keyed interface {
	Valid() bool
	Key() any
}

type keySetter interface{ SetID(id any) }

// fieldOf returns the struct field of f in the model value obj (a struct, not a pointer).
func fieldOf(obj reflect.Value, f *orm.Field) reflect.Value { return obj.FieldByName(f.GoName) }

// djangoTime writes t as Django's JSON encoder writes an aware datetime in UTC:
// ISO 8601, milliseconds when there is a fraction, "Z" for the zone.
func djangoTime(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if ms := t.Nanosecond() / 1e6; t.Nanosecond() != 0 {
		s += fmt.Sprintf(".%03d", ms)
	}
	return s + "Z"
}

// dumpValue converts field f of obj to its fixture value.
func dumpValue(obj reflect.Value, f *orm.Field) (any, error) {
	v := fieldOf(obj, f)
	if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
		k, ok := v.Interface().(keyed)
		if !ok {
			return nil, fmt.Errorf("field %s: %s has no key", f.Name, v.Type())
		}
		if !k.Valid() {
			return nil, nil
		}
		return keyValue(k.Key())
	}
	v, null := unwrap(v)
	if null {
		return nil, nil
	}
	switch f.Kind {
	case orm.KindInt, orm.KindBigInt:
		if v.CanInt() {
			return number(strconv.FormatInt(v.Int(), 10)), nil
		}
		return number(strconv.FormatUint(v.Uint(), 10)), nil
	case orm.KindFloat:
		s, err := pyFloat(v.Float())
		if err != nil {
			return nil, fmt.Errorf("field %s: %v", f.Name, err)
		}
		return number(s), nil
	case orm.KindBool:
		return v.Bool(), nil
	case orm.KindVarchar, orm.KindText:
		return v.String(), nil
	case orm.KindDateTime:
		return djangoTime(v.Interface().(time.Time)), nil
	case orm.KindDate:
		return v.Interface().(time.Time).Format(time.DateOnly), nil
	case orm.KindDecimal:
		// as Django reads it back: quantized to the field's decimal places
		return v.Interface().(orm.Decimal).Round(f.DecimalPlaces).String(), nil
	case orm.KindUUID:
		return v.Interface().(orm.UUID).String(), nil
	case orm.KindBytes:
		return base64.StdEncoding.EncodeToString(v.Bytes()), nil
	case orm.KindJSON:
		out, err := orderedFromGo(v.Interface())
		if err != nil {
			return nil, fmt.Errorf("field %s: %v", f.Name, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("field %s: cannot dump a %s field", f.Name, f.Kind)
}

// keyValue converts a primary key (as orm.PKValue or FK.Key return it) to its fixture value.
func keyValue(k any) (any, error) {
	switch x := k.(type) {
	case nil:
		return nil, nil
	case int64:
		return number(strconv.FormatInt(x, 10)), nil
	case int:
		return number(strconv.Itoa(x)), nil
	case int32:
		return number(strconv.FormatInt(int64(x), 10)), nil
	case string:
		return x, nil
	case orm.UUID:
		return x.String(), nil
	case fmt.Stringer:
		return x.String(), nil
	}
	rv := reflect.ValueOf(k)
	switch {
	case rv.CanInt():
		return number(strconv.FormatInt(rv.Int(), 10)), nil
	case rv.CanUint():
		return number(strconv.FormatUint(rv.Uint(), 10)), nil
	case rv.Kind() == reflect.String:
		return rv.String(), nil
	}
	return nil, fmt.Errorf("a key of type %T", k)
}

// ---- loading --------------------------------------------------------------------------

// jsonKind names a raw JSON value's kind for error messages.
func jsonKind(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// jsonText reads raw as a string, or the text of a number (Django's to_python accepts
// both for most fields).
func jsonText(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&n) == nil {
		return string(n), true
	}
	return "", false
}

// parseDjangoTime reads the datetimes Django writes and accepts: ISO 8601 with a T or
// a space, an optional fraction, "Z" or an offset, or none (taken as UTC); a date
// alone is midnight UTC.
func parseDjangoTime(s string) (time.Time, error) {
	for _, layout := range []string{
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly,
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time (want 2006-01-02T15:04:05.000Z)", s)
}

// loadValue stores the fixture value raw into field f of obj (an addressable struct).
func loadValue(obj reflect.Value, f *orm.Field, raw json.RawMessage) error {
	v := fieldOf(obj, f)
	if isNull(raw) {
		if !f.Null && !(f.Kind == orm.KindJSON && v.Kind() != reflect.Pointer && !isNullType(v.Type())) {
			return fmt.Errorf("is null, but the field is not nullable")
		}
		v.Set(reflect.Zero(v.Type()))
		return nil
	}
	if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
		target, err := f.Rel.Target()
		if err != nil {
			return err
		}
		key, err := decodeKey(target.PK, raw)
		if err != nil {
			return err
		}
		ks, ok := v.Addr().Interface().(keySetter)
		if !ok {
			return fmt.Errorf("%s cannot hold a key", v.Type())
		}
		ks.SetID(key)
		return nil
	}
	// allocate the pointer or mark the Null valid, then fill the value inside
	dst := v
	switch {
	case v.Kind() == reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		v.Set(p)
		dst = p.Elem()
	case isNullType(v.Type()):
		v.FieldByName("Valid").SetBool(true)
		dst = v.FieldByName("V")
	}
	return decodeInto(dst, f, raw)
}

// decodeKey reads a primary key value for the key field pk.
func decodeKey(pk *orm.Field, raw json.RawMessage) (any, error) {
	dst := reflect.New(pk.GoType).Elem()
	if err := decodeInto(dst, pk, raw); err != nil {
		return nil, err
	}
	return plainKey(dst), nil
}

// decodeInto stores raw into dst, a non-pointer value of field f's kind.
func decodeInto(dst reflect.Value, f *orm.Field, raw json.RawMessage) error {
	bad := func(want string) error {
		return fmt.Errorf("is %s, want %s", jsonKind(raw), want)
	}
	switch f.Kind {
	case orm.KindInt, orm.KindBigInt, orm.KindFK, orm.KindO2O:
		s, ok := jsonText(raw)
		if !ok {
			return bad("an integer")
		}
		s = strings.TrimSpace(s)
		if dst.CanUint() {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil || dst.OverflowUint(n) {
				return fmt.Errorf("%q is not an integer that fits a %s", s, dst.Type())
			}
			dst.SetUint(n)
			return nil
		}
		if !dst.CanInt() {
			return fmt.Errorf("cannot store an integer in %s", dst.Type())
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			// an integral number written with a fraction ("1.0"), as hand-edited or
			// tool-made fixtures sometimes have it
			fl, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || fl != math.Trunc(fl) || math.Abs(fl) > 1<<53 {
				return fmt.Errorf("%q is not an integer", s)
			}
			n = int64(fl)
		}
		if dst.OverflowInt(n) {
			return fmt.Errorf("%d does not fit a %s", n, dst.Type())
		}
		dst.SetInt(n)
	case orm.KindFloat:
		s, ok := jsonText(raw)
		if !ok {
			return bad("a number")
		}
		fl, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		dst.SetFloat(fl)
	case orm.KindBool:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			s, _ := jsonText(raw)
			switch s {
			case "t", "True", "true", "1":
				b = true
			case "f", "False", "false", "0":
				b = false
			default:
				return bad("true or false")
			}
		}
		dst.SetBool(b)
	case orm.KindVarchar, orm.KindText:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad("a string")
		}
		dst.SetString(s)
	case orm.KindDateTime, orm.KindDate:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad("a date string")
		}
		t, err := parseDjangoTime(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		if f.Kind == orm.KindDate {
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		dst.Set(reflect.ValueOf(t))
	case orm.KindDecimal:
		s, ok := jsonText(raw)
		if !ok {
			return bad("a decimal string")
		}
		d, err := orm.ParseDecimal(s)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(d))
	case orm.KindUUID:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad("a UUID string")
		}
		u, err := orm.ParseUUID(s)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(u))
	case orm.KindBytes:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return bad("a base64 string")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return fmt.Errorf("is not base64: %v", err)
		}
		dst.SetBytes(b)
	case orm.KindJSON:
		p := reflect.New(dst.Type())
		if err := json.Unmarshal(raw, p.Interface()); err != nil {
			return fmt.Errorf("does not fit %s: %v", dst.Type(), err)
		}
		dst.Set(p.Elem())
	default:
		return fmt.Errorf("cannot load a %s field", f.Kind)
	}
	return nil
}

// setDefault stores the model default of f (Field.Default, converted to the field's
// Go type or, for a pointer or Null field, to the type inside).
func setDefault(obj reflect.Value, f *orm.Field) {
	v := fieldOf(obj, f)
	d := reflect.ValueOf(f.Default)
	if !d.IsValid() {
		return
	}
	if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
		if ks, ok := v.Addr().Interface().(keySetter); ok {
			ks.SetID(f.Default)
		}
		return
	}
	switch {
	case d.Type().AssignableTo(v.Type()):
		v.Set(d)
	case v.Kind() == reflect.Pointer && d.Type().AssignableTo(v.Type().Elem()):
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(d)
		v.Set(p)
	case isNullType(v.Type()) && d.Type().AssignableTo(v.FieldByName("V").Type()):
		v.FieldByName("V").Set(d)
		v.FieldByName("Valid").SetBool(true)
	case d.Type().ConvertibleTo(v.Type()):
		v.Set(d.Convert(v.Type()))
	}
}
