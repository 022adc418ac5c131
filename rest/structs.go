package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/orm"
)

// A plain Go struct is a serializer's shape through its tags:
//
//	type NewArticle struct {
//		Title string   `json:"title" rest:"max_length=200" doc:"The headline."`
//		Body  string   `json:"body"`
//		Tags  []string `json:"tagList,omitempty"`
//		Kind  string   `json:"kind" rest:"choices=news|opinion"`
//	}
//
// The JSON name comes from the json tag. A field is required unless it is a
// pointer, its json tag says omitempty, or its rest tag says optional (or gives a
// default=). Strings are trimmed (notrim keeps spaces) and may not be blank unless
// blank is given. The rest tag's other rules: max_length=N, min_length=N, min=X,
// max=X, choices=a|b|c, email, url, pattern=REGEXP (the whole value must match).
// The doc tag documents the field in OpenAPI. Nested structs and lists of them are
// read recursively, with errors nested under their field (and index).
//
// After the fields, methods on *T check the value: Validate<GoName>() error (or
// with a context.Context) for one field, then Validate() error (or with a context)
// for the whole. They reject input by returning a *ValidationError (Invalid...) or
// a *galvani.ValidationError; any other error is a server failure.

// structPlan is the compiled shape of a struct type.
type structPlan struct {
	typ    reflect.Type
	fields []*sfield
	byName map[string]*sfield
	path   []*sfield // path parameters
	query  []*sfield // query parameters
}

type sfield struct {
	Field
	goName  string
	index   []int
	typ     reflect.Type // the Go type (pointer included)
	elem    reflect.Type // pointer unwrapped
	kind    fieldKind
	ptr     bool
	trim    bool
	email   bool
	url     bool
	pattern *regexp.Regexp
	def     string
	hasDef  bool
	nested  *structPlan // struct elements
	list    bool        // slice of elem
	item    *sfield     // for lists: the element
	in      string      // "path", "query" or "" (body)
	doc     string
}

var structPlans sync.Map // reflect.Type -> *structPlan or error

func planFor(t reflect.Type) (*structPlan, error) {
	if v, ok := structPlans.Load(t); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*structPlan), nil
	}
	p, err := compileStruct(t, map[reflect.Type]*structPlan{})
	if err != nil {
		structPlans.Store(t, err)
		return nil, err
	}
	structPlans.Store(t, p)
	return p, nil
}

func compileStruct(t reflect.Type, seen map[reflect.Type]*structPlan) (*structPlan, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("rest: %s is not a struct", t)
	}
	if p, ok := seen[t]; ok {
		return p, nil
	}
	p := &structPlan{typ: t, byName: map[string]*sfield{}}
	seen[t] = p
	var walk func(t reflect.Type, index []int) error
	walk = func(t reflect.Type, index []int) error {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			idx := append(append([]int(nil), index...), i)
			jsonTag, hasJSON := sf.Tag.Lookup("json")
			name, opts, _ := strings.Cut(jsonTag, ",")
			if name == "-" && opts == "" {
				continue
			}
			if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
				if err := walk(sf.Type, idx); err != nil {
					return err
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
			f := &sfield{goName: sf.Name, index: idx, typ: sf.Type, trim: true}
			f.Name = name
			if f.Name == "" || !hasJSON {
				f.Name = sf.Name
			}
			if v, ok := sf.Tag.Lookup("path"); ok {
				f.in, f.Name = "path", v
			} else if v, ok := sf.Tag.Lookup("query"); ok {
				f.in, f.Name = "query", v
			}
			f.doc = sf.Tag.Get("doc")
			f.Help = f.doc
			f.Label = labelOf(f.Name, "")
			f.Required = f.in != "query" && !strings.Contains(opts, "omitempty")
			if err := f.setType(sf.Type, seen); err != nil {
				return fmt.Errorf("rest: %s.%s: %w", t.Name(), sf.Name, err)
			}
			if err := f.parseRules(sf.Tag.Get("rest")); err != nil {
				return fmt.Errorf("rest: %s.%s: %w", t.Name(), sf.Name, err)
			}
			if f.in == "path" {
				f.Required = true
			}
			switch f.in {
			case "path":
				p.path = append(p.path, f)
			case "query":
				p.query = append(p.query, f)
			default:
				if _, dup := p.byName[f.Name]; dup {
					return fmt.Errorf("rest: %s: two fields are called %q", t.Name(), f.Name)
				}
				p.fields = append(p.fields, f)
				p.byName[f.Name] = f
			}
		}
		return nil
	}
	if err := walk(t, nil); err != nil {
		return nil, err
	}
	return p, nil
}

func (f *sfield) setType(t reflect.Type, seen map[reflect.Type]*structPlan) error {
	if t.Kind() == reflect.Pointer {
		f.ptr, t = true, t.Elem()
		f.Required = false
		f.AllowNull = true
	}
	f.elem = t
	f.kind = kindOfType(t)
	f.Type = metaTypeOf(t)
	switch {
	case t.Kind() == reflect.Struct && f.kind == kJSON && !implementsUnmarshal(t):
		np, err := compileStruct(t, seen)
		if err != nil {
			return err
		}
		f.nested = np
		f.Type = "nested object"
	case t.Kind() == reflect.Slice && f.kind == kJSON:
		item := &sfield{trim: true}
		item.Name = f.Name
		if err := item.setType(t.Elem(), seen); err != nil {
			return err
		}
		item.Required = true
		f.list, f.item = true, item
		f.Type = "list"
	}
	return nil
}

func implementsUnmarshal(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(reflect.TypeFor[json.Unmarshaler]()) || pt.Implements(reflect.TypeFor[interface{ UnmarshalText([]byte) error }]())
}

func (f *sfield) parseRules(tag string) error {
	if tag == "" {
		return nil
	}
	for _, opt := range splitTag(tag) {
		k, v, hasV := strings.Cut(opt, "=")
		switch k {
		case "required":
			f.Required = true
		case "optional":
			f.Required = false
		case "blank":
			f.AllowBlank = true
		case "null":
			f.AllowNull = true
		case "notrim":
			f.trim = false
		case "email":
			f.email, f.Type = true, "email"
		case "url":
			f.url, f.Type = true, "url"
		case "read_only":
			f.ReadOnly = true
		case "write_only":
			f.WriteOnly = true
		case "max_length", "min_length":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("bad %s %q", k, v)
			}
			if k == "max_length" {
				f.MaxLength = n
			} else {
				f.MinLength = n
			}
		case "min", "max":
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("bad %s %q", k, v)
			}
			if k == "min" {
				f.Min = &x
			} else {
				f.Max = &x
			}
		case "choices":
			for _, c := range strings.Split(v, "|") {
				val, label, ok := strings.Cut(c, ":")
				if !ok {
					label = val
				}
				f.Choices = append(f.Choices, orm.Choice{Value: val, Label: label})
			}
			f.Type = "choice"
		case "pattern":
			re, err := regexp.Compile(`^(?:` + v + `)$`)
			if err != nil {
				return fmt.Errorf("bad pattern: %w", err)
			}
			f.pattern = re
		case "default":
			f.def, f.hasDef, f.Required = v, true, false
		case "label":
			f.Label = v
		default:
			if !hasV || k == "" {
				return fmt.Errorf("unknown rest tag option %q", opt)
			}
			return fmt.Errorf("unknown rest tag option %q", k)
		}
	}
	return nil
}

// splitTag splits a rest tag on commas, except inside a pattern= value (which runs
// to the end of the tag).
func splitTag(tag string) []string {
	var out []string
	for tag != "" {
		if strings.HasPrefix(tag, "pattern=") {
			out = append(out, tag)
			break
		}
		part, rest, _ := strings.Cut(tag, ",")
		out = append(out, strings.TrimSpace(part))
		tag = rest
	}
	return out
}

// maxDepth bounds the nesting of objects read into structs.
const maxDepth = 32

// decodeStruct reads an object's input into the struct at dst.
func (p *structPlan) decode(ctx context.Context, in *input, dst reflect.Value, partial bool, ignoreUnknown bool, depth int) (*ValidationError, error) {
	ve := &ValidationError{}
	if depth > maxDepth {
		ve.Add("", "The input is nested too deeply.")
		return ve, nil
	}
	if !ignoreUnknown {
		for _, k := range in.keys {
			if f, ok := p.byName[k]; !ok {
				ve.Add(k, msgUnknown)
			} else if f.ReadOnly {
				continue
			}
		}
	}
	for _, f := range p.fields {
		if f.ReadOnly {
			continue
		}
		v, present := in.get(f.Name)
		if !present {
			if f.hasDef {
				v, present = value{strs: []string{f.def}, form: true}, true
			} else {
				if f.Required && !partial {
					ve.Add(f.Name, msgRequired)
				}
				continue
			}
		}
		sub, err := f.decode(ctx, v, dst.FieldByIndex(f.index), ignoreUnknown, depth)
		if err != nil {
			return nil, err
		}
		if sub != nil {
			ve.Nest(f.Name, sub)
		}
	}
	if !ve.Empty() {
		return ve, nil
	}
	// Field methods, then the whole.
	if dst.CanAddr() {
		pv := dst.Addr()
		for _, f := range p.fields {
			if err := callValidate(ctx, pv, "Validate"+f.goName, f.Name, ve); err != nil {
				return nil, err
			}
		}
		if ve.Empty() {
			if err := callValidate(ctx, pv, "Validate", "", ve); err != nil {
				return nil, err
			}
		}
	}
	return ve, nil
}

// callValidate calls a Validate method if pv has one, recording input errors in ve.
func callValidate(ctx context.Context, pv reflect.Value, name, field string, ve *ValidationError) error {
	m := pv.MethodByName(name)
	if !m.IsValid() {
		return nil
	}
	mt := m.Type()
	if mt.NumOut() != 1 || mt.Out(0) != reflect.TypeFor[error]() {
		return nil
	}
	var args []reflect.Value
	switch {
	case mt.NumIn() == 0:
	case mt.NumIn() == 1 && mt.In(0) == reflect.TypeFor[context.Context]():
		args = []reflect.Value{reflect.ValueOf(ctx)}
	default:
		return nil
	}
	out := m.Call(args)[0]
	if out.IsNil() {
		return nil
	}
	err := out.Interface().(error)
	var rv *ValidationError
	var gv *galvani.ValidationError
	switch {
	case errors.As(err, &rv):
		if field == "" {
			ve.Messages = append(ve.Messages, rv.Messages...)
			for _, k := range rv.keys {
				ve.Nest(k, rv.children[k])
			}
		} else {
			n := &ValidationError{}
			n.Messages = append(n.Messages, rv.Messages...)
			for _, k := range rv.keys {
				n.Nest(k, rv.children[k])
			}
			ve.Nest(field, n)
		}
		return nil
	case errors.As(err, &gv):
		for _, fe := range gv.Fields {
			path := fe.Field
			if field != "" && path == "" {
				path = field
			} else if field != "" {
				path = field + "." + path
			}
			ve.Add(path, fe.Message)
		}
		return nil
	}
	return err
}

// decode reads one field's value into dst (the struct field).
func (f *sfield) decode(ctx context.Context, v value, dst reflect.Value, ignoreUnknown bool, depth int) (*ValidationError, error) {
	if v.isNull() {
		if !f.AllowNull {
			return Invalid("", msgNull), nil
		}
		dst.SetZero()
		return nil, nil
	}
	target := dst
	if f.ptr {
		nv := reflect.New(f.elem)
		defer func() { dst.Set(nv) }()
		target = nv.Elem()
	}
	switch {
	case f.nested != nil:
		raw := v.raw
		if v.form {
			s, _ := v.str()
			raw = json.RawMessage(s)
		}
		if len(raw) == 0 || raw[0] != '{' {
			return Invalid("", "Invalid data. Expected a dictionary, but got %s.", jsonKind(raw)), nil
		}
		sub, err := parseJSONObject(raw)
		if err != nil {
			return Invalid("", "Invalid data. Expected a dictionary."), nil
		}
		return f.nested.decode(ctx, sub, target, false, ignoreUnknown, depth+1)
	case f.list:
		raw := v.raw
		if v.form {
			if len(v.strs) == 1 && strings.HasPrefix(strings.TrimSpace(v.strs[0]), "[") {
				raw = json.RawMessage(v.strs[0])
			} else {
				b, _ := json.Marshal(v.strs)
				raw = b
			}
		}
		if len(raw) == 0 || raw[0] != '[' {
			return Invalid("", msgList, jsonKind(raw)), nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return Invalid("", msgList, jsonKind(raw)), nil
		}
		if f.MaxLength > 0 && len(items) > f.MaxLength {
			return Invalid("", "Ensure this field has no more than %d elements.", f.MaxLength), nil
		}
		if f.MinLength > 0 && len(items) < f.MinLength {
			return Invalid("", "Ensure this field has at least %d elements.", f.MinLength), nil
		}
		out := reflect.MakeSlice(f.elem, len(items), len(items))
		ve := &ValidationError{}
		for i, it := range items {
			sub, err := f.item.decode(ctx, value{raw: it}, out.Index(i), ignoreUnknown, depth+1)
			if err != nil {
				return nil, err
			}
			if sub != nil {
				ve.Nest(strconv.Itoa(i), sub)
			}
		}
		if !ve.Empty() {
			return ve, nil
		}
		target.Set(out)
		return nil, nil
	}
	pv, msg := parseScalar(f.kind, v, f.trim)
	if msg != "" {
		return Invalid("", "%s", msg), nil
	}
	switch f.kind {
	case kString:
		if msg := checkString(pv.s, &f.Field); msg != "" {
			return Invalid("", "%s", msg), nil
		}
		if pv.s != "" {
			if msg := checkChoice(pv.s, f.Choices); msg != "" {
				return Invalid("", "%s", msg), nil
			}
			if f.email {
				if a, err := mail.ParseAddress(pv.s); err != nil || a.Address != pv.s || !strings.Contains(pv.s, "@") {
					return Invalid("", "Enter a valid email address."), nil
				}
			}
			if f.url {
				if u, err := url.Parse(pv.s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return Invalid("", "Enter a valid URL."), nil
				}
			}
			if f.pattern != nil && !f.pattern.MatchString(pv.s) {
				return Invalid("", "This value does not match the required pattern."), nil
			}
		}
	case kInt:
		if msg := checkRange(float64(pv.i), &f.Field); msg != "" {
			return Invalid("", "%s", msg), nil
		}
		if msg := checkChoice(strconv.FormatInt(pv.i, 10), f.Choices); msg != "" {
			return Invalid("", "%s", msg), nil
		}
	case kUint:
		if msg := checkRange(float64(pv.u), &f.Field); msg != "" {
			return Invalid("", "%s", msg), nil
		}
	case kFloat:
		if msg := checkRange(pv.f, &f.Field); msg != "" {
			return Invalid("", "%s", msg), nil
		}
	}
	if msg := store(target, f.kind, pv); msg != "" {
		return Invalid("", "%s", msg), nil
	}
	return nil, nil
}

// structFieldsOf describes a struct type's body fields for OPTIONS and forms.
func structFieldsOf(t reflect.Type) []Field {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	p, err := planFor(t)
	if err != nil {
		return nil
	}
	out := make([]Field, len(p.fields))
	for i, f := range p.fields {
		out[i] = f.Field
	}
	return out
}

// StructSerializer is the Serializer of a plain Go struct: input read and
// validated by the rules of its tags (see the package documentation on struct
// tags), output written with encoding/json.
type StructSerializer[T any] struct{}

// AppendOne implements Serializer.
func (StructSerializer[T]) AppendOne(b []byte, _ *Request, obj *T) ([]byte, error) {
	return appendAny(b, obj)
}

// AppendList implements Serializer.
func (StructSerializer[T]) AppendList(b []byte, _ *Request, objs []T) ([]byte, error) {
	if objs == nil {
		objs = []T{}
	}
	return appendAny(b, objs)
}

// Decode implements Serializer.
func (StructSerializer[T]) Decode(r *Request, obj *T, create, partial bool) error {
	return DecodeInto(r, obj, partial)
}

// Describe implements Serializer.
func (StructSerializer[T]) Describe() []Field { return structFieldsOf(reflect.TypeFor[T]()) }

// DecodeInto reads and validates the request's body into dst, a pointer to a
// struct, by the rules of its tags: the typed endpoints' input reading, for views
// that read input themselves.
func DecodeInto(r *Request, dst any, partial bool) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("rest: DecodeInto needs a pointer to a struct, got %T", dst)
	}
	p, err := planFor(rv.Elem().Type())
	if err != nil {
		return err
	}
	in, err := r.input()
	if err != nil {
		return err
	}
	ve, err := p.decode(r.Context(), in, rv.Elem(), partial, r.ignoreUnknown(), 0)
	if err != nil {
		return err
	}
	return ve.Err()
}

// decodeParams reads the path and query parameters of an endpoint's input.
func (p *structPlan) decodeParams(r *Request, dst reflect.Value) error {
	for _, f := range p.path {
		raw := r.Ctx.Param(f.Name)
		pv, msg := parseScalar(f.kind, value{strs: []string{raw}, form: true}, false)
		if msg != "" {
			return NotFound()
		}
		if msg := store(dst.FieldByIndex(f.index), f.kind, pv); msg != "" {
			return NotFound()
		}
	}
	ve := &ValidationError{}
	q := r.Ctx.QueryValues()
	for _, f := range p.query {
		vals, ok := q[f.Name]
		if !ok || len(vals) == 0 || vals[len(vals)-1] == "" {
			if f.hasDef {
				vals, ok = []string{f.def}, true
			} else {
				if f.Required {
					ve.Add(f.Name, msgRequired)
				}
				continue
			}
		}
		var v value
		if f.list {
			b, _ := json.Marshal(vals)
			v = value{raw: b}
		} else {
			v = value{strs: vals[len(vals)-1:], form: true}
		}
		sub, err := f.decode(r.Context(), v, dst.FieldByIndex(f.index), true, 0)
		if err != nil {
			return err
		}
		if sub != nil {
			ve.Nest(f.Name, sub)
		}
	}
	return ve.Err()
}
