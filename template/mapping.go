package template

import (
	"reflect"
)

// Mapping is implemented by mappings that keep their keys in order, as a Python dict
// does: a template looks keys up with Get, and {% for %}, .items, printing and the
// filters see the keys in the order Keys returns them. Go maps are mappings too, in
// sorted key order, since Go maps have none of their own.
type Mapping interface {
	Keys() []string
	Get(key string) (value any, ok bool)
}

var mappingType = reflect.TypeFor[Mapping]()

// entries is a mapping's keys in order and a way to get a key's value: either a Go
// map or a Mapping.
type entries struct {
	keys []reflect.Value
	get  func(key reflect.Value) (reflect.Value, bool)
}

// asMapping reports v as a mapping: a Go map (keys sorted) or a Mapping.
func asMapping(v reflect.Value) (entries, bool) {
	v = unwrapIface(v)
	if !v.IsValid() {
		return entries{}, false
	}
	if v.Kind() != reflect.Map && v.CanInterface() && infoOf(v.Type()).mapping {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return entries{}, false
		}
		m := v.Interface().(Mapping)
		names := m.Keys()
		keys := make([]reflect.Value, len(names))
		for i, k := range names {
			keys[i] = reflect.ValueOf(k)
		}
		return entries{keys: keys, get: func(k reflect.Value) (reflect.Value, bool) {
			k = unwrapIface(k)
			if !isString(k) {
				return reflect.Value{}, false
			}
			r, ok := m.Get(k.String())
			return reflect.ValueOf(r), ok
		}}, true
	}
	v = indirect(v)
	if !v.IsValid() || v.Kind() != reflect.Map {
		return entries{}, false
	}
	keys := v.MapKeys()
	sortValues(keys)
	kt := v.Type().Key()
	return entries{keys: keys, get: func(k reflect.Value) (reflect.Value, bool) {
		k = unwrapIface(k)
		if !k.IsValid() || !k.Type().ConvertibleTo(kt) || (k.Kind() == reflect.String) != (kt.Kind() == reflect.String) {
			return reflect.Value{}, false
		}
		if n, ok := asNumber(k); ok && isIntKind(kt.Kind()) && k.Kind() != reflect.Bool {
			if n.kind != numInt {
				return reflect.Value{}, false
			}
			k = reflect.ValueOf(n.i)
		}
		r := v.MapIndex(k.Convert(kt))
		return r, r.IsValid()
	}}, true
}

// mapView gives a mapping's items(), keys() or values(): Python's dict views, in
// the mapping's key order.
func mapView(v reflect.Value, which string) any {
	m, _ := asMapping(v)
	out := make([]any, len(m.keys))
	for i, k := range m.keys {
		val, _ := m.get(k)
		switch which {
		case "keys":
			out[i] = valueToAny(k)
		case "values":
			out[i] = valueToAny(val)
		default:
			out[i] = pyTuple{valueToAny(k), valueToAny(val)}
		}
	}
	switch which {
	case "keys":
		return dictKeys(out)
	case "values":
		return dictValues(out)
	}
	return dictItems(out)
}
