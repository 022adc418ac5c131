package template

import (
	"reflect"
	"time"
)

// Python's operations on template values that several filters and tags share:
// iteration, indexing, type names and marking a value safe.

// pyTypeName is the name of v's Python type, for error messages.
func pyTypeName(v any) string {
	rv := unwrapIface(reflect.ValueOf(v))
	if !rv.IsValid() {
		return "NoneType"
	}
	switch rv.Type() {
	case timeType:
		return "datetime.datetime"
	case tupleType:
		return "tuple"
	case lazyTextType:
		return "__proxy__"
	}
	if n, ok := asNumber(rv); ok {
		switch {
		case rv.Kind() == reflect.Bool:
			return "bool"
		case n.kind == numFloat:
			return "float"
		case n.kind == numDec:
			return "decimal.Decimal"
		}
		return "int"
	}
	if name, ok := dictViewNames[rv.Type()]; ok {
		return name
	}
	if _, ok := asMapping(rv); ok {
		return "dict"
	}
	switch rv.Kind() {
	case reflect.String:
		return "str"
	case reflect.Slice, reflect.Array:
		return "list"
	}
	return rv.Type().String()
}

// pyRepr is Python's repr(v).
func pyRepr(v any) string { return string(appendStr(nil, reflect.ValueOf(v), true)) }

// pyIter is Python's iter(v): the items of a list, tuple or array, the characters
// of a string, a mapping's keys (sorted, for a Go map), or the values of an
// iter.Seq (or of a value's All() iter.Seq). ok is false when Python would raise
// TypeError (None, numbers, datetimes, structs).
func pyIter(v reflect.Value) (n int, at func(int) reflect.Value, ok bool) {
	if m, isMapping := asMapping(v); isMapping {
		return len(m.keys), func(i int) reflect.Value { return m.keys[i] }, true
	}
	if seq, isSeq := allSeq(v); isSeq {
		v = seq
	}
	v = indirect(v)
	if !v.IsValid() {
		return 0, nil, false
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		return v.Len(), v.Index, true
	case reflect.String:
		rs := []rune(v.String())
		return len(rs), func(i int) reflect.Value { return reflect.ValueOf(string(rs[i])) }, true
	case reflect.Chan:
		return 0, nil, true
	case reflect.Func:
		if v.Type().CanSeq() {
			var items []reflect.Value
			for x := range v.Seq() {
				items = append(items, x)
				if len(items) > 10_000_000 {
					break
				}
			}
			return len(items), func(i int) reflect.Value { return items[i] }, true
		}
	case reflect.Struct:
		if v.Type() == groupType {
			g := v.Interface().(Group)
			items := []any{g.Grouper, g.List}
			return 2, func(i int) reflect.Value { return reflect.ValueOf(items[i]) }, true
		}
	}
	return 0, nil, false
}

// pyIndex is Python's v[i] with an int index (negative counts from the end). The
// error says which exception Python raises: IndexError (pyValueError here) when
// the index is out of range, KeyError for a mapping without that key, TypeError
// for what cannot be indexed.
func pyIndex(v reflect.Value, i int) (reflect.Value, pyErr) {
	if m, ok := asMapping(v); ok {
		r, found := m.get(reflect.ValueOf(i))
		if !found {
			return reflect.Value{}, pyKeyError
		}
		return r, pyOK
	}
	v = indirect(v)
	if !v.IsValid() {
		return reflect.Value{}, pyTypeError
	}
	if isDictView(v.Type()) {
		return reflect.Value{}, pyTypeError // dict views are not subscriptable
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array, reflect.String:
		n, at, _ := pyIter(v)
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return reflect.Value{}, pyValueError
		}
		return at(i), pyOK
	case reflect.Struct:
		if v.Type() == groupType {
			n, at, _ := pyIter(v)
			if i < 0 {
				i += n
			}
			if i < 0 || i >= n {
				return reflect.Value{}, pyValueError
			}
			return at(i), pyOK
		}
	}
	return reflect.Value{}, pyTypeError
}

// pyIndexFilter is first, last and random: value[i], "" for an empty sequence, and
// the render error Python raises for a mapping or a value that cannot be indexed.
func pyIndexFilter(in any, i int, name string) (any, error) {
	rv := reflect.ValueOf(in)
	if seq, ok := allSeq(rv); ok {
		rv = seq
	}
	if u := indirect(rv); u.IsValid() && u.Kind() == reflect.Func {
		n, at, _ := pyIter(u)
		rv = reflect.ValueOf(collect(n, at))
	}
	r, err := pyIndex(rv, i)
	switch err {
	case pyOK:
		return valueToAny(r), nil
	case pyValueError:
		return "", nil
	case pyKeyError:
		return nil, &filterError{name: name, msg: "KeyError: " + pyRepr(i)}
	}
	return nil, &filterError{name: name, msg: "'" + pyTypeName(in) + "' object is not subscriptable"}
}

func collect(n int, at func(int) reflect.Value) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = valueToAny(at(i))
	}
	return out
}

// filterError is an exception a built-in filter raises, which Django lets stop the
// render.
type filterError struct{ name, msg string }

func (e *filterError) Error() string { return e.name + ": " + e.msg }

// markSafe is Django's mark_safe(v): a value that renders its own HTML or is
// already safe stays as it is; anything else becomes a SafeString of str(v).
func markSafe(v reflect.Value) any {
	v = unwrapIface(v)
	if isSafe(v) {
		return valueToAny(v)
	}
	if h, ok := htmlOf(v); ok {
		return h
	}
	return SafeString(toString(v))
}

// pyStrValue is str(v) as Django's @stringfilter applies it: a safe string (or a
// value that renders its own HTML) stays safe; a _("...") literal becomes its safe
// text; everything else becomes its str().
func pyStrValue(v reflect.Value) any {
	v = unwrapIface(v)
	if v.IsValid() {
		switch v.Type() {
		case stringType:
			return v.String()
		case safeStringType, lazyTextType, htmlType:
			return SafeString(v.String())
		case timeType:
			return string(appendDatetimeStr(nil, v.Interface().(time.Time)))
		}
		if h, ok := htmlOf(v); ok {
			return h
		}
	}
	return toString(v)
}
