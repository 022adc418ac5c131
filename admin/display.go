package admin

import (
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// column is one changelist column or read-only value.
type column[T any] struct {
	name    string
	label   string
	order   string // field to sort by; "" when not sortable
	boolean bool
	path    []*orm.Field // model field, or a relation path ending in a field
	index   [][]int      // the struct field index of each field of path, in its model
	relPath string       // SelectRelated path for relation columns ("author")
	class   string       // the cell's class, "field-<name>"
	custom  *Column[T]
	isStr   bool // the object itself
}

// makeColumn resolves a ListDisplay or ReadonlyFields name.
func (e *entry[T]) makeColumn(name string, custom map[string]*Column[T]) (*column[T], error) {
	info := e.infoCache
	if c, ok := custom[name]; ok {
		label := c.Label
		if label == "" {
			label = capfirst(strings.ReplaceAll(c.Name, "_", " "))
		}
		return &column[T]{name: name, label: label, order: c.OrderField, boolean: c.Boolean, custom: c, class: "field-" + name}, nil
	}
	if name == "__str__" {
		return &column[T]{name: name, label: capfirst(verboseName(info)), isStr: true, class: "field-" + name}, nil
	}
	path, err := fieldPath(info, name)
	if err != nil {
		return nil, err
	}
	var index [][]int
	for i, f := range path {
		model := info.Type
		if i > 0 {
			model = path[i-1].Rel.TargetType
		}
		sf, ok := model.FieldByName(f.GoName)
		if !ok {
			return nil, fmt.Errorf("%s has no struct field %s", model.Name(), f.GoName)
		}
		index = append(index, sf.Index)
	}
	last := path[len(path)-1]
	if last.Kind == orm.KindM2M {
		return nil, fmt.Errorf("%q is a many-to-many field, which a list column cannot show (use a Column)", name)
	}
	col := &column[T]{name: name, path: path, index: index, order: name, boolean: last.Kind == orm.KindBool, class: "field-" + name}
	col.label = labelOf(last)
	if len(path) > 1 {
		col.label = labelOf(path[len(path)-2]) + " " + strings.ToLower(labelOf(last))
		var rels []string
		for _, f := range path[:len(path)-1] {
			rels = append(rels, f.Name)
		}
		col.relPath = strings.Join(rels, "__")
	} else if last.Kind == orm.KindFK || last.Kind == orm.KindO2O {
		col.relPath = last.Name
	}
	return col, nil
}

// fieldPath resolves "author__profile__city" through forward FK and OneToOne
// fields to the fields along the way.
func fieldPath(info *orm.ModelInfo, name string) ([]*orm.Field, error) {
	parts := strings.Split(name, "__")
	m := info
	var out []*orm.Field
	for i, p := range parts {
		f, ok := m.Field(p)
		if !ok {
			return nil, fmt.Errorf("%s has no field %q (in %q; fields: %s)", m.Name, p, name, strings.Join(m.FieldNames(), ", "))
		}
		out = append(out, f)
		if i < len(parts)-1 {
			if f.Kind != orm.KindFK && f.Kind != orm.KindO2O {
				return nil, fmt.Errorf("%s.%s is not a foreign key, so %q cannot follow it", m.Name, p, name)
			}
			t, err := f.Rel.Target()
			if err != nil {
				return nil, err
			}
			m = t
		}
	}
	return out, nil
}

// value returns the Go value of the column for obj, and whether it exists (a
// relation along the path may be NULL).
func (c *column[T]) value(obj *T) (any, *orm.Field, bool) {
	if c.custom != nil {
		return c.custom.Value(obj), nil, true
	}
	if c.isStr {
		return repr(obj), nil, true
	}
	v := reflect.ValueOf(obj).Elem()
	for i, f := range c.path {
		fv := v.FieldByName(f.GoName)
		if !fv.IsValid() {
			return nil, f, false
		}
		if i == len(c.path)-1 {
			return fv.Interface(), f, true
		}
		target := relatedObj(fv)
		if target == nil {
			return nil, f, false
		}
		v = reflect.ValueOf(target).Elem()
	}
	return nil, nil, false
}

// cellHTML renders column c of obj as escaped HTML. Model fields are read by
// their struct index and the common kinds formatted without boxing them (the
// list draws thousands of cells a second).
func (e *entry[T]) cellHTML(c *column[T], obj *T) template.SafeString {
	if c.custom != nil || c.isStr || c.index == nil {
		v, f, ok := c.value(obj)
		return e.format(v, f, ok, c.boolean)
	}
	v := reflect.ValueOf(obj).Elem()
	last := len(c.path) - 1
	for i := 0; i < last; i++ {
		target := relatedObj(v.FieldByIndex(c.index[i]))
		if target == nil {
			return e.emptyHTML()
		}
		v = reflect.ValueOf(target).Elem()
	}
	fv := v.FieldByIndex(c.index[last])
	f := c.path[last]
	switch fv.Type() {
	case stringType:
		s := fv.String()
		if len(f.Choices) > 0 {
			return choiceLabel(f, s)
		}
		if s == "" {
			return e.emptyHTML()
		}
		return template.SafeString(template.Escape(s))
	case int64Type:
		s := strconv.FormatInt(fv.Int(), 10)
		if len(f.Choices) > 0 {
			return choiceLabel(f, s)
		}
		return template.SafeString(s)
	case boolType:
		b := fv.Bool()
		return boolIcon(&b)
	case fileType:
		fl := fv.Interface().(orm.File)
		if e.links[c.name] && fl.Name != "" {
			return template.SafeString(template.Escape(fl.Name)) // inside the row's link
		}
		return fileHTML(fl, e.empty)
	}
	if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
		if obj := relatedObj(fv); obj != nil {
			return template.SafeString(template.Escape(repr(obj)))
		}
	}
	return formatValue(fv.Interface(), f, c.boolean, e.empty)
}

var (
	stringType = reflect.TypeFor[string]()
	int64Type  = reflect.TypeFor[int64]()
	boolType   = reflect.TypeFor[bool]()
	fileType   = reflect.TypeFor[orm.File]()
)

// fileHTML shows a file field: its name, linked to where the storage serves it.
func fileHTML(f orm.File, empty string) template.SafeString {
	if f.Name == "" {
		return template.SafeString(template.Escape(empty))
	}
	u, err := f.URL()
	if err != nil {
		return template.SafeString(template.Escape(f.Name))
	}
	return template.SafeString(`<a href="` + template.Escape(u) + `">` + template.Escape(f.Name) + "</a>")
}

// choiceLabel is the label of a field's choice, or the value itself.
func choiceLabel(f *orm.Field, v string) template.SafeString {
	for _, c := range f.Choices {
		if c.Value == v {
			return template.SafeString(template.Escape(c.Label))
		}
	}
	return template.SafeString(template.Escape(v))
}

// emptyHTML is EmptyValueDisplay, escaped.
func (e *entry[T]) emptyHTML() template.SafeString {
	return template.SafeString(template.Escape(e.empty))
}

// addrInterface is fv's value as an interface: a pointer to it when it is
// addressable (which boxes nothing), else a copy.
func addrInterface(fv reflect.Value) any {
	if fv.CanAddr() {
		return fv.Addr().Interface()
	}
	return fv.Interface()
}

// relatedObj returns the loaded object of an FK or OneToOne field value (a
// pointer), or nil when it is not loaded or NULL.
func relatedObj(fv reflect.Value) any {
	if r, ok := addrInterface(fv).(interface{ AnyObj() any }); ok {
		return r.AnyObj()
	}
	return nil
}

// relatedKey returns the key an FK or OneToOne field value holds, or nil.
func relatedKey(fv reflect.Value) any {
	if v, ok := addrInterface(fv).(driver.Valuer); ok {
		k, err := v.Value()
		if err == nil {
			return k
		}
	}
	return nil
}

// repr is an object's name in the admin: its String() method (on the value or
// the pointer), else "<Model> object (<key>)", as in Django.
func repr(obj any) string {
	if s, ok := obj.(fmt.Stringer); ok {
		return s.String()
	}
	rv := reflect.ValueOf(obj)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		if s, ok := rv.Elem().Interface().(fmt.Stringer); ok {
			return s.String()
		}
	}
	pk, err := orm.PKValue(obj)
	name := rv.Type().String()
	if info, e := orm.InfoOfValue(obj); e == nil {
		name = info.Name
	}
	if err != nil {
		return name + " object"
	}
	return fmt.Sprintf("%s object (%v)", name, pk)
}

// pkText is pkString for objects of T, without boxing an integer key.
func (e *entry[T]) pkText(obj *T) string {
	if e.pkIndex != nil {
		return strconv.FormatInt(reflect.ValueOf(obj).Elem().FieldByIndex(e.pkIndex).Int(), 10)
	}
	return pkString(obj)
}

// pkString is an object's key as text (for URLs and the log).
func pkString(obj any) string {
	pk, err := orm.PKValue(obj)
	if err != nil {
		return ""
	}
	if u, ok := pk.(orm.UUID); ok {
		return u.String()
	}
	return fmt.Sprint(pk)
}

// format renders a column value as escaped HTML.
func (e *entry[T]) format(v any, f *orm.Field, ok, boolean bool) template.SafeString {
	if !ok {
		return template.SafeString(template.Escape(e.empty))
	}
	return formatValue(v, f, boolean, e.empty)
}

func formatValue(v any, f *orm.Field, boolean bool, empty string) template.SafeString {
	esc := func(s string) template.SafeString { return template.SafeString(template.Escape(s)) }
	if s, ok := v.(template.SafeString); ok {
		return s
	}
	if b, ok := v.(bool); ok && (boolean || f != nil) {
		return boolIcon(&b)
	}
	if v == nil {
		if boolean {
			return boolIcon(nil)
		}
		return esc(empty)
	}
	rv := reflect.ValueOf(v)
	if f != nil && (f.Kind == orm.KindFK || f.Kind == orm.KindO2O) {
		if obj := relatedObj(rv); obj != nil {
			return esc(repr(obj))
		}
		if k := relatedKey(rv); k != nil {
			return esc(fmt.Sprint(k))
		}
		return esc(empty)
	}
	// NULL-able wrappers: pointers and orm.Null[T].
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			if boolean {
				return boolIcon(nil)
			}
			return esc(empty)
		}
		v = rv.Elem().Interface()
		rv = rv.Elem()
	} else if rv.Kind() == reflect.Struct {
		if valid := rv.FieldByName("Valid"); valid.IsValid() && valid.Kind() == reflect.Bool && rv.FieldByName("V").IsValid() {
			if !valid.Bool() {
				return esc(empty)
			}
			v = rv.FieldByName("V").Interface()
		}
	}
	if b, ok := v.(bool); ok {
		return boolIcon(&b)
	}
	if f != nil && len(f.Choices) > 0 {
		s := fmt.Sprint(v)
		for _, c := range f.Choices {
			if c.Value == s {
				return esc(c.Label)
			}
		}
	}
	switch x := v.(type) {
	case orm.File:
		return fileHTML(x, empty)
	case time.Time:
		if x.IsZero() {
			return esc(empty)
		}
		if f != nil && f.Kind == orm.KindDate {
			return esc(x.Format("2006-01-02"))
		}
		return esc(x.Format("2006-01-02 15:04"))
	case string:
		if x == "" {
			return esc(empty)
		}
		return esc(x)
	case orm.UUID:
		return esc(x.String())
	case fmt.Stringer:
		return esc(x.String())
	}
	return esc(fmt.Sprint(v))
}

// boolIcon is a yes/no/unknown icon with a text alternative.
func boolIcon(b *bool) template.SafeString {
	switch {
	case b == nil:
		return `<span class="bool bool-unknown" role="img" aria-label="Unknown">?</span>`
	case *b:
		return `<span class="bool bool-yes" role="img" aria-label="Yes">✓</span>`
	}
	return `<span class="bool bool-no" role="img" aria-label="No">✗</span>`
}
