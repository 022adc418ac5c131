package rest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/galvani-web/galvani/orm"
)

// ModelSerializer is the Serializer of an ORM model, built from its metadata like
// DRF's ModelSerializer: types, required, max lengths, choices, nullability,
// uniqueness and read-only keys come from the model's fields and tags.
//
//	var articles = &rest.ModelSerializer[Article]{
//		Fields: []string{"id", "title", "body", "created", "author"},
//		Nested: map[string]rest.Nested{"author": &rest.ModelSerializer[Author]{Fields: []string{"id", "name"}}},
//	}
//
// Relations are written as the related object's primary key (FK, OneToOne) or list
// of keys (M2M), as the value of one of its fields (Slugs), or as a nested object
// (Nested, read-only: input still names the key, and the answer nests the object).
// An M2M field reads a list of keys (or slugs) like DRF's
// PrimaryKeyRelatedField(many=True): every one must name a row of the target, and
// the viewset sets the relation after saving the object (see Request.SaveM2M). The zero value serializes every field. It is safe for concurrent
// use; its plan is computed on first use, once the models are registered.
type ModelSerializer[T any] struct {
	// Fields lists the fields in output order: model field names and Computed
	// names. Empty means every field of the model.
	Fields []string
	// Exclude leaves fields out (with an empty Fields).
	Exclude []string
	// ReadOnly fields are written out but never read from input. The primary key,
	// auto_now and auto_now_add fields and Computed fields are read-only anyway.
	ReadOnly []string
	// WriteOnly fields are read from input but never written out (passwords).
	WriteOnly []string
	// Nested writes these relations as objects, with another ModelSerializer of the
	// related model. Input still takes the key. The view selects them
	// (SelectRelated) itself.
	Nested map[string]Nested
	// Slugs writes these relations (FK, OneToOne, M2M) as the value of a field of
	// the related model ({"tags": "name"}), and reads input the same way.
	Slugs map[string]string
	// Computed are read-only values computed from the objects (see Compute).
	Computed map[string]Computed[T]
	// Labels and Help override the labels and help texts of fields.
	Labels, Help map[string]string
	// Validate checks the object after every field was read, like DRF's validate():
	// return a *ValidationError (or nil).
	Validate func(r *Request, obj *T) error
	// Name names the object in the OpenAPI document (default: the model's name).
	Name string

	once sync.Once
	plan *modelPlan
	err  error
}

// Nested is a serializer that can write a related object: a *ModelSerializer of
// the relation's target model.
type Nested interface {
	nestedCodec() nestedCodec
}

// nestedCodec is what a parent serializer needs from a nested one, without its type
// parameter.
type nestedCodec interface {
	target() reflect.Type
	compiled() (*modelPlan, error)
	// relObj returns a function reading the loaded target from a relation field of
	// type ft (FK[T] or OneToOne[T]).
	relObj(ft reflect.Type) (func(p unsafe.Pointer) unsafe.Pointer, error)
	// load fetches the target by key and stores it in the relation at p.
	load(r *Request, ft reflect.Type, p unsafe.Pointer, key any) (bool, error)
	schemaName() string
}

// Computed is a read-only field computed from objects, in batches (one call per
// list page, so no query runs per object). Build one with Compute or ComputeEach.
type Computed[T any] interface {
	compute(r *Request, objs []*T) ([]any, error)
	valueType() reflect.Type
}

type computed[T, V any] struct {
	fn func(r *Request, objs []*T) ([]V, error)
}

func (c computed[T, V]) compute(r *Request, objs []*T) ([]any, error) {
	vs, err := c.fn(r, objs)
	if err != nil {
		return nil, err
	}
	if len(vs) != len(objs) {
		return nil, fmt.Errorf("rest: a computed field returned %d values for %d objects", len(vs), len(objs))
	}
	out := make([]any, len(vs))
	for i := range vs {
		out[i] = vs[i]
	}
	return out, nil
}

func (c computed[T, V]) valueType() reflect.Type { return reflect.TypeFor[V]() }

// Compute returns a computed field whose values fn returns for a batch of objects
// (a list page, or one object), in order: run one query for the whole batch.
func Compute[T, V any](fn func(r *Request, objs []*T) ([]V, error)) Computed[T] {
	return computed[T, V]{fn: fn}
}

// ComputeEach returns a computed field computed object by object (for values that
// need no query).
func ComputeEach[T, V any](fn func(r *Request, obj *T) V) Computed[T] {
	return computed[T, V]{fn: func(r *Request, objs []*T) ([]V, error) {
		out := make([]V, len(objs))
		for i, o := range objs {
			out[i] = fn(r, o)
		}
		return out, nil
	}}
}

// modelPlan is a compiled ModelSerializer.
type modelPlan struct {
	info     *orm.ModelInfo
	typ      reflect.Type
	name     string
	fields   []*mfield
	byName   map[string]*mfield
	related  []string // relations to select (nested FKs, with their own nested paths)
	prefetch []string
	compute  []func(r *Request, ptrs []unsafe.Pointer) ([]any, error) // by field index
	// direct: no computed field here or in a nested plan, so objects are written
	// one by one as they are, with no batch prepared first.
	direct bool
	// pkIdx is the index path of the primary key's Go field.
	pkIdx []int
	// unique: a field the plan reads is unique, or the model has unique sets
	// (checkUnique has work to do).
	unique bool
}

// mfield is one field of a modelPlan.
type mfield struct {
	Field
	idx      int
	of       *orm.Field // nil for computed
	goIdx    []int
	off      uintptr
	typ      reflect.Type // the struct field's type
	kind     fieldKind
	ptr      bool // *X
	null     bool // orm.Null[X]
	elem     reflect.Type
	nullOff  uintptr // offset of Valid in Null
	date     bool
	trim     bool
	enc      func(b []byte, p unsafe.Pointer) []byte
	nested   nestedCodec
	nplan    *modelPlan
	relObj   func(p unsafe.Pointer) unsafe.Pointer
	slug     string
	target   *orm.ModelInfo
	computed bool
	ctype    reflect.Type
	key      []byte // the JSON key and colon: "name":
}

func (s *ModelSerializer[T]) nestedCodec() nestedCodec { return s }
func (s *ModelSerializer[T]) target() reflect.Type     { return reflect.TypeFor[T]() }

func (s *ModelSerializer[T]) compiled() (*modelPlan, error) {
	s.once.Do(func() { s.plan, s.err = s.compile() })
	return s.plan, s.err
}

func (s *ModelSerializer[T]) schemaName() string {
	if s.Name != "" {
		return s.Name
	}
	return reflect.TypeFor[T]().Name()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fieldOffset is the offset of a (possibly promoted) struct field.
func fieldOffset(t reflect.Type, idx []int) (uintptr, error) {
	var off uintptr
	for i, x := range idx {
		if t.Kind() != reflect.Struct {
			return 0, fmt.Errorf("rest: field path through a non-struct %s", t)
		}
		sf := t.Field(x)
		off += sf.Offset
		t = sf.Type
		if i < len(idx)-1 && t.Kind() == reflect.Pointer {
			return 0, fmt.Errorf("rest: field %s is promoted through a pointer", sf.Name)
		}
	}
	return off, nil
}

func (s *ModelSerializer[T]) compile() (*modelPlan, error) {
	info, err := orm.InfoOf[T]()
	if err != nil {
		return nil, err
	}
	t := reflect.TypeFor[T]()
	p := &modelPlan{info: info, typ: t, name: s.schemaName(), byName: map[string]*mfield{}}
	names := s.Fields
	if len(names) == 0 {
		for _, f := range info.Fields {
			if !contains(s.Exclude, f.Name) {
				names = append(names, f.Name)
			}
		}
	}
	for _, n := range names {
		if _, dup := p.byName[n]; dup {
			return nil, fmt.Errorf("rest: serializer of %s lists %q twice", info.Name, n)
		}
		mf := &mfield{idx: len(p.fields)}
		mf.Name = n
		if c, ok := s.Computed[n]; ok {
			mf.computed, mf.ReadOnly, mf.ctype = true, true, c.valueType()
			mf.Type = metaTypeOf(c.valueType())
			mf.Label = labelOf(n, "")
			cf := c
			for len(p.compute) < len(p.fields) {
				p.compute = append(p.compute, nil)
			}
			p.compute = append(p.compute, func(r *Request, ptrs []unsafe.Pointer) ([]any, error) {
				objs := make([]*T, len(ptrs))
				for i, q := range ptrs {
					objs[i] = (*T)(q)
				}
				return cf.compute(r, objs)
			})
		} else {
			f, ok := info.Field(n)
			if !ok {
				return nil, fmt.Errorf("rest: serializer of %s: no field or computed value %q (fields: %s)", info.Name, n, strings.Join(info.FieldNames(), ", "))
			}
			if err := s.compileField(p, mf, f); err != nil {
				return nil, fmt.Errorf("rest: serializer of %s: field %s: %w", info.Name, n, err)
			}
		}
		if l, ok := s.Labels[n]; ok {
			mf.Label = l
		}
		if h, ok := s.Help[n]; ok {
			mf.Help = h
		}
		if contains(s.ReadOnly, n) {
			mf.ReadOnly, mf.Required = true, false
		}
		if contains(s.WriteOnly, n) {
			mf.WriteOnly = true
		}
		p.fields = append(p.fields, mf)
		p.byName[n] = mf
	}
	for len(p.compute) < len(p.fields) {
		p.compute = append(p.compute, nil)
	}
	p.direct = true
	for i, mf := range p.fields {
		mf.key = append(appendString(nil, mf.Name), ':')
		if p.compute[i] != nil || mf.nplan != nil && !mf.nplan.direct {
			p.direct = false
		}
		if mf.of != nil && !mf.ReadOnly && (mf.of.Unique || mf.of.Kind == orm.KindO2O) && !mf.of.PrimaryKey {
			p.unique = true
		}
	}
	p.unique = p.unique || len(info.UniqueTogether) > 0
	p.pkIdx = mustIndex(t, info.PK.GoName)
	for _, n := range append(append(append([]string(nil), s.ReadOnly...), s.WriteOnly...), sortedKeys(s.Nested)...) {
		if _, ok := p.byName[n]; !ok {
			return nil, fmt.Errorf("rest: serializer of %s: %q is not one of its fields", info.Name, n)
		}
	}
	return p, nil
}

func labelOf(name, verbose string) string {
	if verbose != "" {
		return strings.ToUpper(verbose[:1]) + verbose[1:]
	}
	if name == "id" {
		return "ID"
	}
	s := strings.ReplaceAll(name, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *ModelSerializer[T]) compileField(p *modelPlan, mf *mfield, f *orm.Field) error {
	t := p.typ
	sf, ok := t.FieldByName(f.GoName)
	if !ok {
		return fmt.Errorf("no Go field %s", f.GoName)
	}
	off, err := fieldOffset(t, sf.Index)
	if err != nil {
		return err
	}
	mf.of, mf.goIdx, mf.off, mf.typ = f, sf.Index, off, sf.Type
	mf.Label = labelOf(f.Name, f.VerboseName)
	mf.Help = f.HelpText
	mf.AllowNull = f.Null
	mf.AllowBlank = f.Blank
	mf.MaxLength = f.MaxLength
	mf.Choices = f.Choices
	mf.trim = true
	mf.ReadOnly = f.Auto || f.PrimaryKey && f.Auto || f.AutoNow || f.AutoNowAdd
	mf.Required = !mf.ReadOnly && !(f.HasDefault || f.Null || f.Blank)
	ft := sf.Type
	if ft.Kind() == reflect.Pointer {
		mf.ptr, ft = true, ft.Elem()
	} else if ft.Kind() == reflect.Struct && strings.HasPrefix(ft.Name(), "Null[") && ft.PkgPath() == "github.com/galvani-web/galvani/orm" {
		mf.null = true
		vf, _ := ft.FieldByName("V")
		valid, _ := ft.FieldByName("Valid")
		mf.nullOff = valid.Offset
		ft = vf.Type
	}
	mf.elem = ft
	switch f.Kind {
	case orm.KindFK, orm.KindO2O, orm.KindM2M:
		target, err := f.Rel.Target()
		if err != nil {
			return err
		}
		mf.target = target
		mf.Type = "field"
		if f.Kind == orm.KindM2M {
			mf.kind = kM2M
			mf.Type = "list"
			p.prefetch = append(p.prefetch, f.Name)
		} else {
			mf.kind = kRel
		}
		if slug, ok := s.Slugs[f.Name]; ok {
			if _, ok := target.Field(slug); !ok {
				return fmt.Errorf("slug field %q is not a field of %s", slug, target.Name)
			}
			mf.slug = slug
		}
		if n, ok := s.Nested[f.Name]; ok {
			if f.Kind == orm.KindM2M {
				return errors.New("M2M relations nest only through Slugs or keys, not Nested")
			}
			nc := n.nestedCodec()
			if nc.target() != f.Rel.TargetType {
				return fmt.Errorf("nested serializer is for %s, the relation is to %s", nc.target(), f.Rel.TargetType)
			}
			np, err := nc.compiled()
			if err != nil {
				return err
			}
			ro, err := nc.relObj(sf.Type)
			if err != nil {
				return err
			}
			mf.nested, mf.nplan, mf.relObj = nc, np, ro
			mf.Type = "nested object"
			p.related = append(p.related, f.Name)
			for _, sub := range np.related {
				p.related = append(p.related, f.Name+"__"+sub)
			}
		}
		if f.Kind == orm.KindM2M && mf.slug == "" {
			mf.enc = m2mKeysEnc(sf.Type, target, "")
		} else if f.Kind == orm.KindM2M {
			mf.enc = m2mKeysEnc(sf.Type, target, mf.slug)
		} else if mf.slug != "" {
			mf.enc = relSlugEnc(sf.Type, target, mf.slug)
			p.related = append(p.related, f.Name)
		} else {
			mf.enc = relKeyEnc(sf.Type)
		}
		return nil
	}
	mf.kind = kindOfType(ft)
	if f.Kind == orm.KindDate {
		mf.date = true
	}
	if f.Kind == orm.KindJSON {
		mf.kind = kJSON
	}
	mf.Type = metaTypeOf(ft)
	if mf.date {
		mf.Type = "date"
	}
	if len(f.Choices) > 0 {
		mf.Type = "choice"
	}
	if f.Kind == orm.KindDecimal {
		mf.Type = "decimal"
	}
	mf.enc = valueEnc(ft, mf.kind, mf.date)
	if mf.enc == nil {
		return fmt.Errorf("cannot write a %s", ft)
	}
	if mf.ptr {
		inner := mf.enc
		mf.enc = func(b []byte, p unsafe.Pointer) []byte {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				return append(b, "null"...)
			}
			return inner(b, q)
		}
	} else if mf.null {
		inner, voff := mf.enc, mf.nullOff
		mf.enc = func(b []byte, p unsafe.Pointer) []byte {
			if !*(*bool)(unsafe.Add(p, voff)) {
				return append(b, "null"...)
			}
			return inner(b, p)
		}
	}
	return nil
}

// metaTypeOf names a Go type in OPTIONS metadata.
func metaTypeOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch kindOfType(t) {
	case kString:
		return "string"
	case kInt, kUint:
		return "integer"
	case kFloat:
		return "float"
	case kBool:
		return "boolean"
	case kDecimal:
		return "decimal"
	case kDateTime:
		return "datetime"
	case kUUID:
		return "uuid"
	case kBytes:
		return "string"
	}
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		return "list"
	}
	if t.Kind() == reflect.Struct || t.Kind() == reflect.Map {
		return "nested object"
	}
	return "json"
}

// valueEnc returns the writer of a value of type t at a pointer.
func valueEnc(t reflect.Type, k fieldKind, date bool) func(b []byte, p unsafe.Pointer) []byte {
	switch k {
	case kString:
		if t.Kind() != reflect.String {
			break
		}
		return func(b []byte, p unsafe.Pointer) []byte { return appendString(b, *(*string)(p)) }
	case kInt:
		switch t.Kind() {
		case reflect.Int:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendInt(b, int64(*(*int)(p)), 10) }
		case reflect.Int8:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendInt(b, int64(*(*int8)(p)), 10) }
		case reflect.Int16:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendInt(b, int64(*(*int16)(p)), 10) }
		case reflect.Int32:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendInt(b, int64(*(*int32)(p)), 10) }
		case reflect.Int64:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendInt(b, *(*int64)(p), 10) }
		}
	case kUint:
		switch t.Kind() {
		case reflect.Uint:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendUint(b, uint64(*(*uint)(p)), 10) }
		case reflect.Uint8:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendUint(b, uint64(*(*uint8)(p)), 10) }
		case reflect.Uint16:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendUint(b, uint64(*(*uint16)(p)), 10) }
		case reflect.Uint32:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendUint(b, uint64(*(*uint32)(p)), 10) }
		case reflect.Uint64:
			return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendUint(b, *(*uint64)(p), 10) }
		}
	case kFloat:
		if t.Kind() == reflect.Float32 {
			return func(b []byte, p unsafe.Pointer) []byte { return appendFloat(b, float64(*(*float32)(p)), 32) }
		}
		if t.Kind() == reflect.Float64 {
			return func(b []byte, p unsafe.Pointer) []byte { return appendFloat(b, *(*float64)(p), 64) }
		}
	case kBool:
		if t.Kind() != reflect.Bool {
			break
		}
		return func(b []byte, p unsafe.Pointer) []byte { return strconv.AppendBool(b, *(*bool)(p)) }
	case kDateTime:
		if date {
			return func(b []byte, p unsafe.Pointer) []byte { return appendDate(b, *(*time.Time)(p)) }
		}
		return func(b []byte, p unsafe.Pointer) []byte { return appendTime(b, *(*time.Time)(p)) }
	case kDecimal:
		return func(b []byte, p unsafe.Pointer) []byte { return appendString(b, (*orm.Decimal)(p).String()) }
	case kUUID:
		return func(b []byte, p unsafe.Pointer) []byte { return appendString(b, (*orm.UUID)(p).String()) }
	}
	return func(b []byte, p unsafe.Pointer) []byte {
		out, err := appendAny(b, reflect.NewAt(t, p).Elem().Interface())
		if err != nil {
			return append(b, "null"...)
		}
		return out
	}
}

func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...) // NaN and infinities have no JSON form
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

// relKeyEnc writes a FK or OneToOne as the target's key.
func relKeyEnc(ft reflect.Type) func(b []byte, p unsafe.Pointer) []byte {
	return func(b []byte, p unsafe.Pointer) []byte {
		r := reflect.NewAt(ft, p).Interface().(interface {
			Key() any
		})
		switch k := r.Key().(type) {
		case nil:
			return append(b, "null"...)
		case int64:
			return strconv.AppendInt(b, k, 10)
		case string:
			return appendString(b, k)
		default:
			out, _ := appendAny(b, k)
			return out
		}
	}
}

// relSlugEnc writes a FK or OneToOne as a field of the (selected) target.
func relSlugEnc(ft reflect.Type, target *orm.ModelInfo, slug string) func(b []byte, p unsafe.Pointer) []byte {
	sf, _ := target.Field(slug)
	return func(b []byte, p unsafe.Pointer) []byte {
		rv := reflect.NewAt(ft, p)
		objs := rv.MethodByName("Obj").Call(nil)
		if objs[0].IsNil() {
			return append(b, "null"...)
		}
		v := objs[0].Elem().FieldByName(sf.GoName)
		out, _ := appendAny(b, v.Interface())
		return out
	}
}

// m2mKeysEnc writes a prefetched M2M as a list of keys, or of one field's values.
func m2mKeysEnc(ft reflect.Type, target *orm.ModelInfo, slug string) func(b []byte, p unsafe.Pointer) []byte {
	name := target.PK.GoName
	if slug != "" {
		sf, _ := target.Field(slug)
		name = sf.GoName
	}
	return func(b []byte, p unsafe.Pointer) []byte {
		items := reflect.NewAt(ft, p).MethodByName("Items").Call(nil)[0]
		b = append(b, '[')
		for i := 0; i < items.Len(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = appendAny(b, items.Index(i).FieldByName(name).Interface())
		}
		return append(b, ']')
	}
}

// relObj implements nestedCodec for relation fields of type FK[T] or OneToOne[T].
func (s *ModelSerializer[T]) relObj(ft reflect.Type) (func(p unsafe.Pointer) unsafe.Pointer, error) {
	switch ft {
	case reflect.TypeFor[orm.FK[T]]():
		return func(p unsafe.Pointer) unsafe.Pointer { return unsafe.Pointer((*orm.FK[T])(p).Obj()) }, nil
	case reflect.TypeFor[orm.OneToOne[T]]():
		return func(p unsafe.Pointer) unsafe.Pointer { return unsafe.Pointer((*orm.OneToOne[T])(p).Obj()) }, nil
	}
	return nil, fmt.Errorf("a nested %s serializer cannot read a %s", reflect.TypeFor[T]().Name(), ft)
}

// load implements nestedCodec: fetch the target by key and keep it in the relation.
func (s *ModelSerializer[T]) load(r *Request, ft reflect.Type, p unsafe.Pointer, key any) (bool, error) {
	db, err := r.DB()
	if err != nil {
		return false, err
	}
	q := orm.Q[T](db)
	plan, err := s.compiled()
	if err != nil {
		return false, err
	}
	if len(plan.related) > 0 {
		q = q.SelectRelated(plan.related...)
	}
	obj, err := q.Get(r.Context(), q.Info().PK.Name, key)
	if errors.Is(err, orm.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	switch ft {
	case reflect.TypeFor[orm.FK[T]]():
		(*orm.FK[T])(p).Set(obj)
	case reflect.TypeFor[orm.OneToOne[T]]():
		(*orm.OneToOne[T])(p).Set(obj)
	}
	return true, nil
}

// ---- writing ----

// mbatch is a batch of objects being written, with their computed values and the
// batches of their nested objects.
type mbatch struct {
	p        *modelPlan
	ptrs     []unsafe.Pointer
	computed [][]any
	nested   []*mbatch
}

// prepare computes what writing the objects at ptrs needs (nil pointers write null).
func (p *modelPlan) prepare(r *Request, ptrs []unsafe.Pointer) (*mbatch, error) {
	b := &mbatch{p: p, ptrs: ptrs}
	live := ptrs
	hasNil := false
	for _, q := range ptrs {
		if q == nil {
			hasNil = true
			break
		}
	}
	if hasNil {
		live = make([]unsafe.Pointer, 0, len(ptrs))
		for _, q := range ptrs {
			if q != nil {
				live = append(live, q)
			}
		}
	}
	for i, mf := range p.fields {
		if mf.WriteOnly {
			continue
		}
		if fn := p.compute[i]; fn != nil && len(live) > 0 {
			vals, err := fn(r, live)
			if err != nil {
				return nil, err
			}
			if hasNil {
				full := make([]any, len(ptrs))
				j := 0
				for k, q := range ptrs {
					if q != nil {
						full[k] = vals[j]
						j++
					}
				}
				vals = full
			}
			if b.computed == nil {
				b.computed = make([][]any, len(p.fields))
			}
			b.computed[i] = vals
		}
		if mf.nested != nil {
			sub := make([]unsafe.Pointer, len(ptrs))
			for k, q := range ptrs {
				if q != nil {
					sub[k] = mf.relObj(unsafe.Add(q, mf.off))
					if sub[k] == nil && reflect.NewAt(mf.typ, unsafe.Add(q, mf.off)).Interface().(interface{ Valid() bool }).Valid() {
						return nil, fmt.Errorf("rest: %s.%s is not loaded: select it (SelectRelated) before writing it nested", p.info.Name, mf.Name)
					}
				}
			}
			nb, err := mf.nplan.prepare(r, sub)
			if err != nil {
				return nil, err
			}
			if b.nested == nil {
				b.nested = make([]*mbatch, len(p.fields))
			}
			b.nested[i] = nb
		}
	}
	return b, nil
}

// appendAt writes object i of the batch.
func (b *mbatch) appendAt(out []byte, i int) ([]byte, error) {
	q := b.ptrs[i]
	if q == nil {
		return append(out, "null"...), nil
	}
	out = append(out, '{')
	first := true
	for j, mf := range b.p.fields {
		if mf.WriteOnly {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = appendString(out, mf.Name)
		out = append(out, ':')
		switch {
		case mf.computed:
			var err error
			if out, err = appendValue(out, b.computed[j][i]); err != nil {
				return out, err
			}
		case mf.nested != nil:
			var err error
			if out, err = b.nested[j].appendAt(out, i); err != nil {
				return out, err
			}
		default:
			out = mf.enc(out, unsafe.Add(q, mf.off))
		}
	}
	return append(out, '}'), nil
}

// appendDirect writes the object at q with a direct plan (see modelPlan.direct).
func (p *modelPlan) appendDirect(out []byte, q unsafe.Pointer) ([]byte, error) {
	if q == nil {
		return append(out, "null"...), nil
	}
	sep := byte('{')
	for _, mf := range p.fields {
		if mf.WriteOnly {
			continue
		}
		out = append(out, sep)
		sep = ','
		out = append(out, mf.key...)
		fp := unsafe.Add(q, mf.off)
		if mf.nested == nil {
			out = mf.enc(out, fp)
			continue
		}
		sub := mf.relObj(fp)
		if sub == nil && reflect.NewAt(mf.typ, fp).Interface().(interface{ Valid() bool }).Valid() {
			return out, fmt.Errorf("rest: %s.%s is not loaded: select it (SelectRelated) before writing it nested", p.info.Name, mf.Name)
		}
		var err error
		if out, err = mf.nplan.appendDirect(out, sub); err != nil {
			return out, err
		}
	}
	if sep == '{' {
		out = append(out, '{')
	}
	return append(out, '}'), nil
}

// appendValue writes a computed value.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case string:
		return appendString(b, x), nil
	case time.Time:
		return appendTime(b, x), nil
	case []string:
		b = append(b, '[')
		for i, s := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']'), nil
	}
	return appendAny(b, v)
}

// AppendOne implements Serializer.
func (s *ModelSerializer[T]) AppendOne(b []byte, r *Request, obj *T) ([]byte, error) {
	p, err := s.compiled()
	if err != nil {
		return b, err
	}
	if p.direct {
		return p.appendDirect(b, unsafe.Pointer(obj))
	}
	batch, err := p.prepare(r, []unsafe.Pointer{unsafe.Pointer(obj)})
	if err != nil {
		return b, err
	}
	return batch.appendAt(b, 0)
}

// AppendList implements Serializer.
func (s *ModelSerializer[T]) AppendList(b []byte, r *Request, objs []T) ([]byte, error) {
	p, err := s.compiled()
	if err != nil {
		return b, err
	}
	if p.direct {
		b = append(b, '[')
		for i := range objs {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = p.appendDirect(b, unsafe.Pointer(&objs[i])); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	ptrs := make([]unsafe.Pointer, len(objs))
	for i := range objs {
		ptrs[i] = unsafe.Pointer(&objs[i])
	}
	batch, err := p.prepare(r, ptrs)
	if err != nil {
		return b, err
	}
	b = append(b, '[')
	for i := range objs {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = batch.appendAt(b, i); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// Describe implements Serializer.
func (s *ModelSerializer[T]) Describe() []Field {
	p, err := s.compiled()
	if err != nil {
		return nil
	}
	out := make([]Field, len(p.fields))
	for i, mf := range p.fields {
		out[i] = mf.Field
	}
	return out
}

// Related returns the relations the serializer writes from loaded objects (nested
// and slug FKs), for SelectRelated, and the M2M ones, for PrefetchRelated.
func (s *ModelSerializer[T]) Related() (selectRelated, prefetch []string, err error) {
	p, err := s.compiled()
	if err != nil {
		return nil, nil, err
	}
	return p.related, p.prefetch, nil
}

// ---- reading ----

// Decode implements Serializer.
func (s *ModelSerializer[T]) Decode(r *Request, obj *T, create, partial bool) error {
	p, err := s.compiled()
	if err != nil {
		return err
	}
	in, err := r.input()
	if err != nil {
		return err
	}
	var ve ValidationError // on the stack unless there are errors to return
	if !r.ignoreUnknown() {
		for _, k := range in.keys {
			mf, ok := p.byName[k]
			if !ok {
				ve.Add(k, msgUnknown)
			} else if mf.ReadOnly {
				continue // read-only fields echoed back by a client are ignored, as in DRF
			}
		}
	}
	base := unsafe.Pointer(obj)
	for _, mf := range p.fields {
		if mf.ReadOnly {
			continue
		}
		v, present := in.get(mf.Name)
		if !present {
			if mf.Required && !partial {
				ve.Add(mf.Name, msgRequired)
			}
			if create && mf.of != nil && mf.of.HasDefault {
				if dv, ok := mf.of.DefaultValue(); ok && dv != nil {
					setDefault(reflect.NewAt(mf.typ, unsafe.Add(base, mf.off)).Elem(), dv)
				}
			}
			continue
		}
		if msg, err := s.decodeField(r, mf, base, v); err != nil {
			return err
		} else if msg != "" {
			ve.Add(mf.Name, msg)
		}
	}
	if !ve.Empty() {
		out := ve
		return &out
	}
	if p.unique {
		if err := s.checkUnique(r, p, obj, create); err != nil {
			return err
		}
	}
	if s.Validate != nil {
		if err := s.Validate(r, obj); err != nil {
			return err
		}
	}
	return nil
}

// setDefault stores a model field's default in dst, when its type fits.
func setDefault(dst reflect.Value, dv any) {
	v := reflect.ValueOf(dv)
	switch {
	case v.Type().AssignableTo(dst.Type()):
		dst.Set(v)
	case v.Type().ConvertibleTo(dst.Type()) && v.Kind() != reflect.String:
		dst.Set(v.Convert(dst.Type()))
	case dst.Kind() == reflect.Struct && dst.NumField() == 2 && v.Type().AssignableTo(dst.Field(0).Type()):
		dst.Field(0).Set(v) // orm.Null[T]
		dst.Field(1).SetBool(true)
	}
}

func (r *Request) ignoreUnknown() bool { return r.API != nil && r.API.cfg.IgnoreUnknownFields }

// decodeField reads one field's input into the object at base.
func (s *ModelSerializer[T]) decodeField(r *Request, mf *mfield, base unsafe.Pointer, v value) (string, error) {
	fp := unsafe.Add(base, mf.off)
	dst := reflect.NewAt(mf.typ, fp).Elem()
	if v.isNull() {
		if !mf.AllowNull {
			return msgNull, nil
		}
		dst.SetZero()
		return "", nil
	}
	if mf.kind == kRel {
		return s.decodeRel(r, mf, fp, v)
	}
	if mf.kind == kM2M {
		return s.decodeM2M(r, mf, base, v)
	}
	pv, msg := parseScalar(mf.kind, v, mf.trim)
	if msg != "" {
		return msg, nil
	}
	switch mf.kind {
	case kString:
		if pv.s == "" && mf.AllowNull && v.form {
			dst.SetZero()
			return "", nil
		}
		if msg := checkString(pv.s, &mf.Field); msg != "" {
			return msg, nil
		}
		if msg := checkChoice(pv.s, mf.Choices); msg != "" {
			return msg, nil
		}
	case kInt:
		if msg := checkChoice(strconv.FormatInt(pv.i, 10), mf.Choices); msg != "" {
			return msg, nil
		}
	case kDecimal:
		if msg := checkDecimal(pv.d, mf.of.MaxDigits, mf.of.DecimalPlaces); msg != "" {
			return msg, nil
		}
	}
	target := dst
	switch {
	case mf.ptr:
		nv := reflect.New(mf.elem)
		if msg := store(nv.Elem(), mf.kind, pv); msg != "" {
			return msg, nil
		}
		dst.Set(nv)
		return "", nil
	case mf.null:
		target = dst.Field(0)
		if msg := store(target, mf.kind, pv); msg != "" {
			return msg, nil
		}
		dst.Field(1).SetBool(true)
		return "", nil
	}
	return store(target, mf.kind, pv), nil
}

// decodeRel reads a FK or OneToOne: a key, or a slug of the target; the target
// must exist.
func (s *ModelSerializer[T]) decodeRel(r *Request, mf *mfield, fp unsafe.Pointer, v value) (string, error) {
	var key any
	if mf.slug != "" {
		sv, ok := v.str()
		if !ok {
			return msgString, nil
		}
		k, found, err := lookupKey(r, mf.target, mf.slug, sv)
		if err != nil || !found {
			return fmt.Sprintf(msgSlugMiss, mf.slug, sv), err
		}
		key = k
	} else {
		pk := mf.target.PK
		switch kindOfType(pk.GoType) {
		case kInt, kUint:
			pv, msg := parseScalar(kInt, v, true)
			if msg != "" {
				return fmt.Sprintf(msgPKType, jsonKind(v.raw)), nil
			}
			key = pv.i
		default:
			sv, ok := v.str()
			if !ok {
				return fmt.Sprintf(msgPKType, jsonKind(v.raw)), nil
			}
			key = sv
		}
	}
	if mf.nested != nil {
		ok, err := mf.nested.load(r, mf.typ, fp, key)
		if err != nil {
			return "", err
		}
		if !ok {
			return fmt.Sprintf(msgPKMissing, fmt.Sprint(key)), nil
		}
		return "", nil
	}
	if mf.slug == "" {
		_, found, err := lookupKey(r, mf.target, mf.target.PK.Name, key)
		if err != nil {
			return "", err
		}
		if !found {
			return fmt.Sprintf(msgPKMissing, fmt.Sprint(key)), nil
		}
	}
	reflect.NewAt(mf.typ, fp).Interface().(interface{ SetID(any) }).SetID(key)
	return "", nil
}

// lookupKey finds the key of the row of m whose field is val.
func lookupKey(r *Request, m *orm.ModelInfo, field string, val any) (any, bool, error) {
	db, err := r.DB()
	if err != nil {
		return nil, false, err
	}
	f, ok := m.Field(field)
	if !ok {
		return nil, false, fmt.Errorf("rest: %s has no field %s", m.Name, field)
	}
	d := db.Dialect()
	q := "SELECT " + d.QuoteIdent(m.PK.Column) + " FROM " + d.QuoteIdent(m.Table) + " WHERE " + d.QuoteIdent(f.Column) + " = ? LIMIT 2"
	rows, err := db.Query(r.Context(), q, val)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var key any
	n := 0
	for rows.Next() {
		if err := rows.Scan(&key); err != nil {
			return nil, false, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if b, ok := key.([]byte); ok {
		key = string(b)
	}
	return key, n == 1, nil
}

// checkUnique runs the unique and unique-together checks on obj, before saving it.
func (s *ModelSerializer[T]) checkUnique(r *Request, p *modelPlan, obj *T, create bool) error {
	var ve ValidationError
	db, err := r.DB()
	if err != nil {
		return err
	}
	rv := reflect.ValueOf(obj).Elem()
	pk := rv.FieldByIndex(p.pkIdx).Interface()
	for _, mf := range p.fields {
		if mf.of == nil || mf.ReadOnly || !(mf.of.Unique || mf.of.Kind == orm.KindO2O) || mf.of.PrimaryKey {
			continue
		}
		val := rv.FieldByIndex(mf.goIdx).Interface()
		q := orm.Q[T](db).Filter(mf.of.Name, val)
		if !create {
			q = q.Exclude(p.info.PK.Name, pk)
		}
		exists, err := q.Exists(r.Context())
		if err != nil {
			return err
		}
		if exists {
			ve.Add(mf.Name, fmt.Sprintf(msgUnique, verboseModel(p.info), strings.ToLower(verboseField(mf.of))))
		}
	}
	for _, set := range p.info.UniqueTogether {
		q := orm.Q[T](db)
		all := true
		for _, n := range set {
			f, _ := p.info.Field(n)
			if _, listed := p.byName[n]; !listed || f == nil {
				all = false
				break
			}
			q = q.Filter(f.Name, rv.FieldByIndex(mustIndex(p.typ, f.GoName)).Interface())
		}
		if !all {
			continue
		}
		if !create {
			q = q.Exclude(p.info.PK.Name, pk)
		}
		exists, err := q.Exists(r.Context())
		if err != nil {
			return err
		}
		if exists {
			ve.Add("", fmt.Sprintf(msgUniqueSet, strings.Join(set, ", ")))
		}
	}
	return ve.Err()
}

func mustIndex(t reflect.Type, name string) []int {
	sf, _ := t.FieldByName(name)
	return sf.Index
}

func verboseModel(m *orm.ModelInfo) string {
	if m.VerboseName != "" {
		return m.VerboseName
	}
	return m.ModelName
}

func verboseField(f *orm.Field) string {
	if f.VerboseName != "" {
		return f.VerboseName
	}
	return strings.ReplaceAll(f.Name, "_", " ")
}
