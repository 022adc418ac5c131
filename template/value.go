package template

import (
	"fmt"
	"github.com/galvani-web/galvani/internal/naming"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

var (
	safeStringType = reflect.TypeFor[SafeString]()
	timeType       = reflect.TypeFor[time.Time]()
	errorType      = reflect.TypeFor[error]()
	stringType     = reflect.TypeFor[string]()
	anyMapType     = reflect.TypeFor[map[string]any]()
)

// basicTypes holds the unnamed numeric types by kind, so a check that a value is
// a plain int or float (not a named type that may print itself) is one comparison.
var basicTypes = [...]reflect.Type{
	reflect.Int:     reflect.TypeFor[int](),
	reflect.Int8:    reflect.TypeFor[int8](),
	reflect.Int16:   reflect.TypeFor[int16](),
	reflect.Int32:   reflect.TypeFor[int32](),
	reflect.Int64:   reflect.TypeFor[int64](),
	reflect.Float32: reflect.TypeFor[float32](),
	reflect.Float64: reflect.TypeFor[float64](),
}

// typeInfo is what lookups need to know about a struct type, computed once per type.
type typeInfo struct {
	fields     map[string][]int // by Go name and by snake_case name
	methods    map[string]int   // value-receiver methods, by Go and snake_case name
	ptrMethods map[string]int   // methods of *T, by Go and snake_case name
	mapping    bool             // T implements Mapping
}

var typeCache sync.Map // reflect.Type -> *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{fields: map[string][]int{}, methods: map[string]int{}, ptrMethods: map[string]int{}, mapping: t.Implements(mappingType)}
	if t.Kind() == reflect.Struct {
		for _, f := range reflect.VisibleFields(t) {
			if !f.IsExported() {
				continue
			}
			if _, dup := ti.fields[f.Name]; !dup {
				ti.fields[f.Name] = f.Index
			}
			if s := naming.Snake(f.Name); s != f.Name {
				if _, dup := ti.fields[s]; !dup {
					ti.fields[s] = f.Index
				}
			}
		}
	}
	addMethods := func(t reflect.Type, m map[string]int) {
		for i := 0; i < t.NumMethod(); i++ {
			mt := t.Method(i)
			if !mt.IsExported() || mt.Type.NumIn() != 1 || !okResults(mt.Type) {
				continue
			}
			m[mt.Name] = i
			if s := naming.Snake(mt.Name); s != mt.Name {
				m[s] = i
			}
		}
	}
	addMethods(t, ti.methods)
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		addMethods(reflect.PointerTo(t), ti.ptrMethods)
	}
	actual, _ := typeCache.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// okResults reports whether a method or func type returns one value, or a value and
// an error: the shapes a template may call.
func okResults(ft reflect.Type) bool {
	switch ft.NumOut() {
	case 1:
		return true
	case 2:
		return ft.Out(1) == errorType
	}
	return false
}

// indirect unwraps interfaces and pointers down to a concrete value. A nil pointer
// or interface gives the zero Value (None).
func indirect(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

func unwrapIface(v reflect.Value) reflect.Value {
	for v.IsValid() && v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}

// errLookup reports a method that failed during a lookup.
type errLookup struct{ err error }

// lookupAttr resolves one dotted segment on v: a map key, a struct field (Go name or
// snake_case), a method without arguments, or a slice/array/string index, in Django's
// order (dictionary, attribute, index). The result is called when it is a func of no
// arguments. ok is false when nothing matched.
func lookupAttr(v reflect.Value, seg *segment) (reflect.Value, bool, error) {
	v = unwrapIface(v)
	if !v.IsValid() {
		return v, false, nil
	}
	name := seg.name
	// Methods on pointers (and addressable values) come first for pointer types,
	// since the pointer is what a method set hangs on.
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}, false, nil
		}
		ti := infoOf(v.Type())
		if ti.mapping {
			if r, ok, err := mappingAttr(v, name); ok || err != nil {
				return r, ok, err
			}
		}
		if len(ti.methods) > 0 {
			if i, ok := ti.methods[name]; ok {
				if e := v.Elem(); e.Kind() == reflect.Struct {
					if _, isField := infoOf(e.Type()).fields[name]; isField {
						return lookupAttr(e, seg)
					}
				}
				return callMethod(v.Method(i))
			}
		}
		v = indirect(v)
		if !v.IsValid() {
			return v, false, nil
		}
	}
	switch v.Kind() {
	case reflect.Map:
		if v.Type() == anyMapType {
			// The common case, without boxing the key.
			m := v.Interface().(map[string]any)
			if r, ok := m[name]; ok {
				return maybeCall(reflect.ValueOf(r))
			}
			return dictAttr(v, name)
		}
		kt := v.Type().Key()
		var key reflect.Value
		switch {
		case kt.Kind() == reflect.String:
			key = reflect.ValueOf(name)
			if kt != stringType {
				key = key.Convert(kt)
			}
		case seg.isInt && isIntKind(kt.Kind()):
			key = reflect.ValueOf(seg.index).Convert(kt)
		}
		if key.IsValid() {
			if r := v.MapIndex(key); r.IsValid() {
				return maybeCall(r)
			}
		}
	case reflect.Struct:
		t := v.Type()
		if c := seg.cache.Load(); c != nil && c.typ == t {
			return maybeCall(v.FieldByIndex(c.index))
		}
		if seg.isInt && t == groupType {
			r, err := pyIndex(v, seg.index)
			return r, err == pyOK, nil
		}
		if t == timeType {
			if r, ok, err := datetimeAttr(v.Interface().(time.Time), name); ok || err != nil {
				return r, ok, err
			}
		}
		ti := infoOf(t)
		if ti.mapping {
			if r, ok, err := mappingAttr(v, name); ok || err != nil {
				return r, ok, err
			}
		}
		if idx, ok := ti.fields[name]; ok {
			seg.cache.Store(&fieldCache{typ: t, index: idx})
			f, err := v.FieldByIndexErr(idx)
			if err != nil {
				return reflect.Value{}, true, nil // nil embedded pointer: None
			}
			return maybeCall(f)
		}
	case reflect.Slice, reflect.Array:
		if seg.isInt {
			if isDictView(v.Type()) {
				return reflect.Value{}, false, nil // dict views cannot be indexed
			}
			if seg.index >= 0 && seg.index < v.Len() {
				return maybeCall(v.Index(seg.index))
			}
			return reflect.Value{}, false, nil
		}
	case reflect.String:
		if seg.isInt {
			s := v.String()
			if seg.index >= 0 && seg.index < utf8.RuneCountInString(s) {
				return reflect.ValueOf(string([]rune(s)[seg.index])), true, nil
			}
			return reflect.Value{}, false, nil
		}
	}
	ti := infoOf(v.Type())
	if ti.mapping && v.Kind() != reflect.Struct {
		if r, ok, err := mappingAttr(v, name); ok || err != nil {
			return r, ok, err
		}
	}
	if i, ok := ti.methods[name]; ok {
		return callMethod(v.Method(i))
	}
	if i, ok := ti.ptrMethods[name]; ok {
		if !v.CanAddr() {
			// A value held by value (in a map, an interface): call the pointer
			// method on a copy, as Go would on an addressable variable.
			cp := reflect.New(v.Type()).Elem()
			cp.Set(v)
			v = cp
		}
		return callMethod(v.Addr().Method(i))
	}
	return pyAttr(v, name)
}

// mappingAttr looks name up on a Mapping: its key first, then a dict's attributes.
func mappingAttr(v reflect.Value, name string) (reflect.Value, bool, error) {
	if r, ok := v.Interface().(Mapping).Get(name); ok {
		return maybeCall(reflect.ValueOf(r))
	}
	return dictAttr(v, name)
}

type fieldCache struct {
	typ   reflect.Type
	index []int
}

func isIntKind(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Uintptr
}

func maybeCall(v reflect.Value) (reflect.Value, bool, error) {
	if v.Kind() == reflect.Interface && !v.IsNil() && v.Elem().Kind() == reflect.Func {
		v = v.Elem()
	}
	if v.Kind() == reflect.Func && !v.IsNil() && v.Type().NumIn() == 0 && okResults(v.Type()) {
		return callMethod(v)
	}
	return v, true, nil
}

func callMethod(m reflect.Value) (reflect.Value, bool, error) {
	out := m.Call(nil)
	if len(out) == 2 && !out[1].IsNil() {
		return reflect.Value{}, false, out[1].Interface().(error)
	}
	return out[0], true, nil
}

func sortValues(vs []reflect.Value) {
	sort.SliceStable(vs, func(i, j int) bool {
		lt, ok := pyLess(vs[i], vs[j])
		if !ok {
			return fmt.Sprint(vs[i].Interface()) < fmt.Sprint(vs[j].Interface())
		}
		return lt
	})
}

// truthy is Python's truth test on a template value: None, False, zero numbers and
// empty strings, slices and maps are false; everything else is true. Types may
// define Len() int (like Python's __len__) or Bool() bool.
func truthy(v reflect.Value) bool {
	v = unwrapIface(v)
	if !v.IsValid() {
		return false
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() != 0
	case reflect.Float32, reflect.Float64:
		return v.Float() != 0
	case reflect.String, reflect.Array:
		return v.Len() > 0
	case reflect.Slice, reflect.Map, reflect.Chan:
		return !v.IsNil() && v.Len() > 0
	case reflect.Func:
		return !v.IsNil()
	case reflect.Pointer, reflect.Struct:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return false
		}
		if !v.CanInterface() {
			return true
		}
		// Python's Decimal and big ints are false at zero; a mapping when empty.
		if n, ok := asNumber(v); ok {
			c, _ := pyCompare(n, number{})
			return c != 0
		}
		if m, ok := asMapping(v); ok {
			return len(m.keys) > 0
		}
		if b, ok := v.Interface().(interface{ Bool() bool }); ok {
			return b.Bool()
		}
		if l, ok := v.Interface().(interface{ Len() int }); ok {
			return l.Len() > 0
		}
		if v.Kind() == reflect.Pointer {
			return v.Elem().Kind() == reflect.Struct || truthy(v.Elem())
		}
	}
	return true
}

func isString(v reflect.Value) bool { return v.IsValid() && v.Kind() == reflect.String }

// pyEqual is Python's == on template values.
func pyEqual(a, b reflect.Value) bool { return pyEqualDepth(a, b, 0) }

func pyEqualDepth(a, b reflect.Value, depth int) bool {
	if depth > maxValueDepth {
		return false
	}
	a, b = unwrapIface(a), unwrapIface(b)
	if !a.IsValid() || !b.IsValid() {
		return !a.IsValid() && !b.IsValid()
	}
	if na, ok := asNumber(a); ok {
		if nb, ok := asNumber(b); ok {
			c, ok := pyCompare(na, nb)
			return ok && c == 0
		}
		return false
	}
	if isString(a) || isString(b) {
		return isString(a) && isString(b) && a.String() == b.String()
	}
	ka, kb := a.Kind(), b.Kind()
	if (ka == reflect.Slice || ka == reflect.Array) && (kb == reflect.Slice || kb == reflect.Array) {
		if isTuple(a) != isTuple(b) || a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !pyEqualDepth(a.Index(i), b.Index(i), depth+1) {
				return false
			}
		}
		return true
	}
	if ma, ok := asMapping(a); ok {
		mb, ok := asMapping(b)
		if !ok || len(ma.keys) != len(mb.keys) {
			return false
		}
		for _, k := range ma.keys {
			av, _ := ma.get(k)
			bv, found := mb.get(k)
			if !found || !pyEqualDepth(av, bv, depth+1) {
				return false
			}
		}
		return true
	}
	if a.Type() == timeType && b.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	if a.Type() == b.Type() && a.Type().Comparable() && a.CanInterface() && b.CanInterface() {
		return a.Interface() == b.Interface()
	}
	return false
}

// pyLess is Python's < on template values; ok is false when Python would raise
// TypeError (the if tag then treats the comparison as false).
func pyLess(a, b reflect.Value) (less, ok bool) { return pyLessDepth(a, b, 0) }

func pyLessDepth(a, b reflect.Value, depth int) (less, ok bool) {
	if depth > maxValueDepth {
		return false, false
	}
	a, b = unwrapIface(a), unwrapIface(b)
	if !a.IsValid() || !b.IsValid() {
		return false, false
	}
	if na, ok := asNumber(a); ok {
		if nb, ok := asNumber(b); ok {
			c, _ := pyCompare(na, nb)
			return c < 0, true
		}
		return false, false
	}
	if isString(a) && isString(b) {
		return a.String() < b.String(), true
	}
	if a.Type() == timeType && b.Type() == timeType {
		return a.Interface().(time.Time).Before(b.Interface().(time.Time)), true
	}
	ka, kb := a.Kind(), b.Kind()
	if (ka == reflect.Slice || ka == reflect.Array) && (kb == reflect.Slice || kb == reflect.Array) {
		for i := 0; i < a.Len() && i < b.Len(); i++ {
			if pyEqualDepth(a.Index(i), b.Index(i), depth+1) {
				continue
			}
			return pyLessDepth(a.Index(i), b.Index(i), depth+1)
		}
		return a.Len() < b.Len(), true
	}
	return false, false
}

// pyIn is Python's `a in b`; ok is false where Python raises TypeError (a
// container that does not support `in`, a non-string in a string, an unhashable
// key in a mapping), which the if tag treats as false for both in and not in.
func pyIn(a, b reflect.Value) (in, ok bool) {
	a = unwrapIface(a)
	if m, ok := asMapping(b); ok {
		if !hashable(a) {
			return false, false
		}
		for _, k := range m.keys {
			if pyEqual(a, k) {
				return true, true
			}
		}
		return false, true
	}
	b = indirect(b)
	if !b.IsValid() {
		return false, false
	}
	if isString(b) {
		if !isString(a) {
			return false, false
		}
		return strings.Contains(b.String(), a.String()), true
	}
	switch b.Type() {
	case dictKeysType:
		if !hashable(a) {
			return false, false
		}
	case groupType, forLoopPtrType:
		n, at, _ := pyIter(b)
		for i := range n {
			if pyEqual(a, at(i)) {
				return true, true
			}
		}
		return false, true
	}
	switch b.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < b.Len(); i++ {
			if pyEqual(a, b.Index(i)) {
				return true, true
			}
		}
		return false, true
	}
	if n, at, ok := pyIter(b); ok {
		for i := range n {
			if pyEqual(a, at(i)) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

// hashable reports whether Python could use v as a dict key: not a list or dict.
func hashable(v reflect.Value) bool {
	if _, isMapping := asMapping(v); isMapping {
		return false
	}
	v = indirect(v)
	if !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return isTuple(v)
	}
	return true
}

// pyIs is Python's `is`: None, True and False are singletons, CPython caches the
// small ints -5 to 256, and lists, maps and pointers are the same object when they
// share their storage. (Two uses of the same variable are the same object too; the
// if tag checks that itself.)
func pyIs(a, b reflect.Value) bool {
	a, b = unwrapIface(a), unwrapIface(b)
	if !a.IsValid() || !b.IsValid() {
		return !a.IsValid() && !b.IsValid()
	}
	if a.Kind() == reflect.Bool || b.Kind() == reflect.Bool {
		return a.Kind() == reflect.Bool && b.Kind() == reflect.Bool && a.Bool() == b.Bool()
	}
	if isIntKind(a.Kind()) && isIntKind(b.Kind()) {
		na, _ := asNumber(a)
		nb, _ := asNumber(b)
		return na.kind == numInt && nb.kind == numInt && na.i == nb.i && na.i >= -5 && na.i <= 256
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return a.Pointer() == b.Pointer()
	case reflect.Slice:
		return a.Pointer() == b.Pointer() && a.Len() == b.Len()
	}
	return false
}

// allSeq returns the iterator of a value with an All() method returning an
// iter.Seq (the convention of Go's own collections), which {% for %} and the
// sequence filters then iterate: a lazy collection decides what iterating means.
func allSeq(v reflect.Value) (reflect.Value, bool) {
	v = unwrapIface(v)
	if !v.IsValid() || !v.CanInterface() || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return reflect.Value{}, false
	}
	m := v.MethodByName("All")
	if !m.IsValid() {
		return reflect.Value{}, false
	}
	t := m.Type()
	if t.NumIn() != 0 || t.NumOut() != 1 || t.Out(0).Kind() != reflect.Func || !t.Out(0).CanSeq() {
		return reflect.Value{}, false
	}
	seq := m.Call(nil)[0]
	return seq, !seq.IsNil()
}

// length is len() of a value; ok is false when it has none.
func length(v reflect.Value) (int, bool) {
	if m, ok := asMapping(v); ok {
		return len(m.keys), true
	}
	if u := unwrapIface(v); u.IsValid() && u.Kind() == reflect.Pointer && !u.IsNil() && u.CanInterface() {
		if l, ok := u.Interface().(interface{ Len() int }); ok {
			return l.Len(), true // a pointer receiver's Len, lost by indirect
		}
	}
	v = indirect(v)
	if !v.IsValid() {
		return 0, false
	}
	switch v.Kind() {
	case reflect.String:
		return utf8.RuneCountInString(v.String()), true
	case reflect.Slice, reflect.Array, reflect.Map, reflect.Chan:
		return v.Len(), true
	}
	if v.Type() == groupType {
		return 2, true // a namedtuple (grouper, list)
	}
	if !v.CanInterface() {
		return 0, false
	}
	if l, ok := v.Interface().(interface{ Len() int }); ok {
		return l.Len(), true
	}
	return 0, false
}
