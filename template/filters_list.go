package template

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// The built-in filters on lists, strings as sequences and mappings: join, slice,
// dictsort, unordered_list, get_digit, pluralize and yesno.

// filterJoin is Django's join: each item conditionally escaped when autoescaping,
// joined with the conditionally escaped separator. When Python's str.join would
// raise TypeError (the value is not iterable, or with autoescaping off an item is
// not a string) the value comes back as it is.
func filterJoin(in, arg any, ae bool) (any, error) {
	n, at, ok := pyIter(reflect.ValueOf(in))
	if !ok {
		return in, nil
	}
	var b strings.Builder
	sep := conditionalEscape(reflect.ValueOf(arg))
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		v := unwrapIface(at(i))
		switch {
		case ae:
			b.WriteString(conditionalEscape(v))
		case isString(v) && !isLazyText(v):
			b.WriteString(v.String())
		default:
			return in, nil
		}
	}
	return SafeString(b.String()), nil
}

// conditionalEscape is Django's conditional_escape: safe text and values that
// render their own HTML as they are, everything else escaped str().
func conditionalEscape(v reflect.Value) string {
	v = unwrapIface(v)
	if isSafe(v) || isLazyText(v) {
		return v.String()
	}
	if h, ok := htmlOf(v); ok {
		return string(h)
	}
	return escapeString(toString(v))
}

// filterSlice is Django's slice: value[slice(*bits)] where the bits are the
// colon-separated integers of the argument; on ValueError or TypeError the value.
func filterSlice(in, arg any, _ bool) (any, error) {
	rv := indirect(reflect.ValueOf(in))
	parts := strings.Split(str(arg), ":")
	if len(parts) > 3 || !rv.IsValid() {
		return in, nil
	}
	var bounds [3]*int
	for i, p := range parts {
		if p == "" {
			continue
		}
		n, err := pyInt(p)
		if err != pyOK {
			return in, nil
		}
		v := math.MaxInt32
		switch {
		case n.kind == numInt && n.i >= math.MinInt32 && n.i <= math.MaxInt32:
			v = int(n.i)
		case n.kind == numInt && n.i < 0, n.kind == numBig && n.b.Sign() < 0:
			v = math.MinInt32
		}
		bounds[i] = &v
	}
	if len(parts) == 1 {
		bounds[1], bounds[0] = bounds[0], nil
	}
	step := 1
	if bounds[2] != nil {
		if step = *bounds[2]; step == 0 {
			return in, nil
		}
	}
	switch rv.Kind() {
	case reflect.String:
		runes := []rune(rv.String())
		var b strings.Builder
		for _, i := range pySliceIndices(len(runes), bounds[0], bounds[1], step) {
			b.WriteRune(runes[i])
		}
		return b.String(), nil
	case reflect.Slice, reflect.Array:
		idx := pySliceIndices(rv.Len(), bounds[0], bounds[1], step)
		out := make([]any, len(idx))
		for j, i := range idx {
			out[j] = valueToAny(rv.Index(i))
		}
		if isTuple(rv) {
			return pyTuple(out), nil
		}
		return out, nil
	}
	return in, nil
}

// pySliceIndices returns the indexes Python's seq[start:stop:step] selects.
func pySliceIndices(n int, start, stop *int, step int) []int {
	adj := func(p *int, def int, lo, hi int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
			if v < lo {
				v = lo
			}
		} else if v > hi {
			v = hi
		}
		return v
	}
	var out []int
	if step > 0 {
		s, e := adj(start, 0, 0, n), adj(stop, n, 0, n)
		for i := s; i < e; i += step {
			out = append(out, i)
		}
	} else {
		s, e := adj(start, n-1, -1, n-1), adj(stop, -1, -1, n-1)
		for i := s; i > e; i += step {
			out = append(out, i)
		}
	}
	return out
}

// filterDictsort is Django's dictsort (and dictsortreversed): the items sorted by
// the value _property_resolver(arg) finds in each, "" when a lookup fails or two
// keys cannot be compared.
func filterDictsort(reverse bool) func(in, arg any, _ bool) (any, error) {
	return func(in, arg any, _ bool) (any, error) {
		resolve, err := propertyResolver(arg)
		if err != nil {
			return nil, err
		}
		if resolve == nil {
			return "", nil
		}
		n, at, ok := pyIter(reflect.ValueOf(in))
		if !ok {
			return "", nil
		}
		type item struct {
			v   any
			key reflect.Value
		}
		items := make([]item, n)
		for i := range items {
			v := at(i)
			k, ok := resolve(v)
			if !ok {
				return "", nil
			}
			items[i] = item{valueToAny(v), k}
		}
		bad := false
		sort.SliceStable(items, func(i, j int) bool {
			a, b := items[i].key, items[j].key
			if reverse {
				a, b = b, a
			}
			lt, ok := pyLess(a, b)
			if !ok {
				bad = true
			}
			return lt
		})
		if bad {
			return "", nil
		}
		out := make([]any, n)
		for i, it := range items {
			out[i] = it.v
		}
		return out, nil
	}
}

// propertyResolver is Django's _property_resolver: for an argument float() accepts,
// item[arg]; otherwise the dotted path, each part an item lookup or else an
// attribute. A nil function means dictsort gives "" (a private name, or float()
// raising TypeError); the error is the IndexError of an empty path.
func propertyResolver(arg any) (func(reflect.Value) (reflect.Value, bool), error) {
	if _, err := pyFloat(arg); err == pyOK {
		key := reflect.ValueOf(arg)
		return func(v reflect.Value) (reflect.Value, bool) { return pyGetItem(v, key) }, nil
	} else if err == pyTypeError {
		return nil, nil
	}
	path := str(arg)
	if path == "" {
		return nil, fmt.Errorf("dictsort: string index out of range")
	}
	if strings.Contains(path, "._") || path[0] == '_' {
		return nil, nil
	}
	parts := strings.Split(path, ".")
	return func(v reflect.Value) (reflect.Value, bool) {
		for _, p := range parts {
			if r, ok := pyGetItem(v, reflect.ValueOf(p)); ok {
				v = r
				continue
			}
			r, ok := pyGetAttr(v, p)
			if !ok {
				return reflect.Value{}, false
			}
			v = r
		}
		return v, true
	}, nil
}

// pyGetItem is Python's v[key]: a mapping's value for the key, or for an int key a
// sequence's item.
func pyGetItem(v, key reflect.Value) (reflect.Value, bool) {
	if m, ok := asMapping(v); ok {
		return m.get(key)
	}
	v, key = indirect(v), unwrapIface(key)
	if !v.IsValid() || !key.IsValid() {
		return reflect.Value{}, false
	}
	if n, ok := asNumber(key); ok && n.kind == numInt {
		r, err := pyIndex(v, int(n.i))
		return r, err == pyOK
	}
	return reflect.Value{}, false
}

// pyGetAttr is Python's getattr(v, name) as far as templates see attributes:
// struct fields and methods (see lookupAttr), and the attributes of Python's own
// types. getattr does not call: a method of Python's own types (str.upper...) is a
// bound method, which cannot be compared with anything.
func pyGetAttr(v reflect.Value, name string) (reflect.Value, bool) {
	if isPyMethod(v, name) {
		return reflect.ValueOf(boundMethod{name}), true
	}
	seg := segment{name: name}
	r, ok, err := lookupAttr(v, &seg)
	return r, ok && err == nil
}

// filterUnorderedList is Django's unordered_list: each item in an <li>, an item
// followed by a list getting that list nested in a <ul>.
func filterUnorderedList(in, arg any, ae bool) (any, error) {
	s, err := unorderedList(reflect.ValueOf(in), 1, ae, 0)
	if err != nil {
		return nil, err
	}
	return SafeString(s), nil
}

func unorderedList(list reflect.Value, tabs int, ae bool, depth int) (string, error) {
	if depth > maxNesting {
		return "", fmt.Errorf("unordered_list: lists nested deeper than %d", maxNesting)
	}
	n, at, ok := pyIter(list)
	if !ok {
		return "", fmt.Errorf("unordered_list: '%s' object is not iterable", pyTypeName(valueToAny(list)))
	}
	isList := func(v reflect.Value) bool {
		v = indirect(v)
		return v.IsValid() && isListKind(v.Kind())
	}
	indent := strings.Repeat("\t", tabs)
	var out []string
	for i := 0; i < n; i++ {
		item := at(i)
		sub := ""
		if i+1 < n && isList(at(i+1)) {
			children := at(i + 1)
			i++
			if truthy(children) {
				inner, err := unorderedList(children, tabs+1, ae, depth+1)
				if err != nil {
					return "", err
				}
				sub = "\n" + indent + "<ul>\n" + inner + "\n" + indent + "</ul>\n" + indent
			}
		}
		text := toString(item)
		if ae {
			text = conditionalEscape(item)
		}
		out = append(out, indent+"<li>"+text+sub+"</li>")
	}
	return strings.Join(out, "\n"), nil
}

// filterGetDigit is Django's get_digit: the arg-th digit from the right of
// int(value), the value itself for a bad argument, 0 past the last digit.
func filterGetDigit(in, arg any, _ bool) (any, error) {
	a, err := pyInt(arg)
	if err == pyValueError {
		return in, nil
	}
	if err != pyOK {
		return nil, fmt.Errorf("get_digit: the argument must be a number, not %s", pyTypeName(arg))
	}
	v, err := pyInt(in)
	if err == pyValueError {
		return in, nil
	}
	if err != pyOK {
		return nil, fmt.Errorf("get_digit: int() argument must be a string or a number, not %s", pyTypeName(in))
	}
	if a.kind == numBig && a.b.Sign() < 0 || a.kind == numInt && a.i < 1 {
		return numberValue(v), nil
	}
	s := v.bigInt().String()
	if a.kind == numBig || a.i > int64(len(s)) {
		return 0, nil
	}
	c := s[len(s)-int(a.i)]
	if c < '0' || c > '9' {
		return nil, fmt.Errorf("get_digit: invalid literal for int() with base 10: %q", string(c))
	}
	return int(c - '0'), nil
}

// filterPluralize is Django's pluralize: the plural suffix unless float(value) is
// 1 (or, for values float() refuses with TypeError, len(value) is 1).
func filterPluralize(in, arg any, _ bool) (any, error) {
	a := "s"
	if arg != nil {
		av := reflect.ValueOf(arg)
		if !isString(av) {
			return nil, fmt.Errorf("pluralize: argument of type '%s' is not iterable", pyTypeName(arg))
		}
		a = av.String()
	}
	if !strings.Contains(a, ",") {
		a = "," + a
	}
	bits := strings.Split(a, ",")
	if len(bits) > 2 {
		return "", nil
	}
	singular, plural := bits[0], bits[1]
	f, err := pyFloat(in)
	switch err {
	case pyOK:
		if f == 1 {
			return singular, nil
		}
		return plural, nil
	case pyTypeError:
		if n, ok := length(reflect.ValueOf(in)); ok {
			if n == 1 {
				return singular, nil
			}
			return plural, nil
		}
	case pyOverflowError:
		return plural, nil
	}
	return "", nil
}

// filterYesno is Django's yesno: the first, second or third of the
// comma-separated words for a true, false or None value.
func filterYesno(in, arg any, _ bool) (any, error) {
	a := "yes,no,maybe"
	if arg != nil {
		av := reflect.ValueOf(arg)
		if !isString(av) {
			return nil, fmt.Errorf("yesno: '%s' object has no attribute 'split'", pyTypeName(arg))
		}
		a = av.String()
	}
	bits := strings.Split(a, ",")
	if len(bits) < 2 {
		return in, nil
	}
	yes, no, maybe := bits[0], bits[1], bits[1]
	if len(bits) == 3 {
		maybe = bits[2]
	}
	rv := unwrapIface(reflect.ValueOf(in))
	switch {
	case !rv.IsValid():
		return maybe, nil
	case truthy(rv):
		return yes, nil
	}
	return no, nil
}
