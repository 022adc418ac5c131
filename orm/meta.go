package orm

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unsafe"
)

// Kind is the database-independent type of a field. Dialects map it to a column type;
// the migration autodetector compares it between model states.
type Kind string

// The field kinds.
const (
	KindInt      Kind = "int"      // 32-bit integer (Go int8..int32, uint8..uint16)
	KindBigInt   Kind = "bigint"   // 64-bit integer (Go int, int64, uint32)
	KindFloat    Kind = "float"    // double precision (Go float32, float64)
	KindBool     Kind = "bool"     // boolean
	KindVarchar  Kind = "varchar"  // string with MaxLength (default 255)
	KindText     Kind = "text"     // unbounded string (tag `text`)
	KindDateTime Kind = "datetime" // time.Time, stored in UTC
	KindDate     Kind = "date"     // time.Time with tag `date`
	KindDecimal  Kind = "decimal"  // Decimal with MaxDigits and DecimalPlaces
	KindUUID     Kind = "uuid"     // UUID
	KindJSON     Kind = "json"     // maps, slices, and structs tagged `json`
	KindBytes    Kind = "bytes"    // []byte
	KindFK       Kind = "fk"       // FK[T]: a column holding the target's primary key
	KindO2O      Kind = "o2o"      // OneToOne[T]: a unique FK
	KindM2M      Kind = "m2m"      // M2M[T]: no column; a join table
)

// OnDelete says what happens to rows that point at a deleted row through a FK.
type OnDelete string

// The on_delete behaviours, as in Django. The ORM carries them out itself (across the
// whole graph), so they behave the same on every database.
const (
	Cascade    OnDelete = "cascade"
	Protect    OnDelete = "protect"
	Restrict   OnDelete = "restrict"
	SetNull    OnDelete = "set_null"
	SetDefault OnDelete = "set_default"
	DoNothing  OnDelete = "do_nothing"
)

// Choice is one allowed value of a field with choices.
type Choice struct {
	Value string
	Label string
}

// Relation describes the target of a FK, OneToOne or M2M field.
type Relation struct {
	// TargetType is the Go struct type of the related model.
	TargetType reflect.Type
	// OnDelete is the FK behaviour (empty for M2M).
	OnDelete OnDelete
	// RelatedName names the reverse relation on the target (lookups such as
	// "articles__title" on the target's QuerySet). Default: the model name + "_set"
	// (FK, M2M) or the model name (OneToOne).
	RelatedName string
	// Through is the explicit through model of an M2M field (nil for an automatic
	// join table).
	Through reflect.Type
	// ThroughTable is the join table of an M2M field: the through model's table, or
	// "<model table>_<field column>" for an automatic one.
	ThroughTable string
	// SourceColumn and TargetColumn are the join table's columns pointing at the
	// model that declares the M2M and at its target.
	SourceColumn, TargetColumn string

	throughName string
	resolved    bool
	ops         any // the field type's zero value: relOps (and m2mOps for M2M)
}

// Target returns the metadata of the related model. It fails when the target type is
// not a valid model.
func (r *Relation) Target() (*ModelInfo, error) { return infoOfType(r.TargetType) }

// Field is the metadata of one model field.
type Field struct {
	// Model is the model declaring the field.
	Model *ModelInfo
	// GoName is the struct field name ("AuthorID"); Name is the name used in lookups
	// and by the migration framework ("author_id"): the snake_case of GoName unless
	// the tag says name=.
	GoName, Name string
	// Column is the database column ("author_id" for a FK called Author). Empty for M2M.
	Column string
	// GoType is the struct field's type.
	GoType reflect.Type
	// Kind is the database-independent type.
	Kind Kind
	// Null reports whether NULL is allowed (pointer, Null[T], or tag `null`).
	Null bool
	// Blank reports whether forms may leave the field empty (tag `blank`).
	Blank bool
	// HasDefault reports whether the tag gave a default; Default is that value,
	// converted to the field's Go type (for a FK: the target key), and DefaultText the
	// tag's text.
	HasDefault  bool
	Default     any
	DefaultText string
	// MaxLength is the varchar length (0 for other kinds).
	MaxLength int
	// MaxDigits and DecimalPlaces describe a decimal.
	MaxDigits, DecimalPlaces int
	// Unique, Index, PrimaryKey and Auto (database-generated integer key) flags.
	Unique, Index, PrimaryKey, Auto bool
	// AutoNow and AutoNowAdd set a time on every save and on insert.
	AutoNow, AutoNowAdd bool
	// Choices lists the allowed values, if any.
	Choices []Choice
	// Rel describes the related model of FK, O2O and M2M fields.
	Rel *Relation
	// VerboseName and HelpText are for forms and the admin.
	VerboseName, HelpText string
	// File holds the options of a File field (nil for other fields).
	File *FileOptions

	index  []int
	cidx   int // position in ModelInfo.concrete
	offset uintptr
	ptr    bool // GoType is a pointer (nullable)
	scan   func(p unsafe.Pointer) any
	loc    *time.Location // a computed time's zone (Trunc...In), for reading it back
}

// IsRelation reports whether the field is a FK, OneToOne or M2M.
func (f *Field) IsRelation() bool { return f.Rel != nil }

// Concrete reports whether the field has a column (everything but M2M).
func (f *Field) Concrete() bool { return f.Kind != KindM2M }

// Index is a (possibly composite, possibly unique) index of a model.
type Index struct {
	// Name of the index; generated from the table and columns when empty.
	Name string
	// Fields are field names (as in lookups).
	Fields []string
	// Unique makes it a unique constraint.
	Unique bool
}

// Meta is what a model may declare about itself, like Django's class Meta, by having
// a method `Meta() orm.Meta` (on the value type).
type Meta struct {
	// Table overrides the table name (default "<app>_<modelname>").
	Table string
	// Ordering is the default ordering, as OrderBy arguments.
	Ordering []string
	// UniqueTogether lists sets of field names that must be unique together.
	UniqueTogether [][]string
	// Indexes lists extra (composite) indexes.
	Indexes []Index
	// VerboseName and VerboseNamePlural are for the admin.
	VerboseName, VerboseNamePlural string
	// Files completes the options of File fields, by field name, with what a tag
	// cannot hold: an UploadToFunc and a Storage. Non-zero values replace the
	// tag's.
	Files map[string]FileOptions
}

// MetaProvider is implemented by models that declare Meta.
type MetaProvider interface {
	Meta() Meta
}

// ModelInfo is the metadata of a registered model, computed once per type.
type ModelInfo struct {
	// App is the label of the app the model belongs to ("blog").
	App string
	// Name is the Go struct name ("Article"); ModelName its lower-case form ("article").
	Name, ModelName string
	// Table is the database table.
	Table string
	// Type is the struct type.
	Type reflect.Type
	// Fields lists every field in declaration order (M2M fields included; they have
	// no column).
	Fields []*Field
	// PK is the primary key field.
	PK *Field
	// Ordering is the default ordering.
	Ordering []string
	// UniqueTogether lists composite unique constraints (field names).
	UniqueTogether [][]string
	// Indexes lists the composite indexes and unique constraints declared in Meta.
	Indexes []Index
	// VerboseName and VerboseNamePlural are for the admin.
	VerboseName, VerboseNamePlural string

	byName   map[string]*Field
	concrete []*Field
	m2m      []*Field
	revs     []*Field // Reverse[T] fields (no column; filled by PrefetchRelated)
	files    []*Field // File fields
	hooks    hookSet
	sqlc     [3]atomic.Pointer[sqlCache]
}

// Label returns "app.Name", the model's unique label.
func (m *ModelInfo) Label() string { return m.App + "." + m.Name }

// Field returns the field called name (lookup name, Go name or, for relations, the
// column name such as "author_id").
func (m *ModelInfo) Field(name string) (*Field, bool) {
	f, ok := m.byName[name]
	return f, ok
}

// ConcreteFields returns the fields that have a column, in order.
func (m *ModelInfo) ConcreteFields() []*Field { return m.concrete }

// ManyToManyFields returns the M2M fields.
func (m *ModelInfo) ManyToManyFields() []*Field { return m.m2m }

// FieldNames returns the lookup names of every field, for error messages.
func (m *ModelInfo) FieldNames() []string {
	out := make([]string, 0, len(m.Fields))
	for _, f := range m.Fields {
		out = append(out, f.Name)
	}
	return out
}

// ReverseFields returns the model's Reverse[T] fields, which PrefetchRelated fills
// with the rows of T pointing at each object. They have no column.
func (m *ModelInfo) ReverseFields() []*Field { return m.revs }

// ReverseRelation is a FK, OneToOne or M2M field of another model that points at this one.
type ReverseRelation struct {
	// Name is the related_name (the lookup name on this model).
	Name string
	// Field is the relation field on the other model.
	Field *Field
}

// ReverseRelations returns the relations of registered models that point at m.
func (m *ModelInfo) ReverseRelations() []ReverseRelation {
	var out []ReverseRelation
	for _, other := range registeredModels() {
		for _, f := range other.Fields {
			if f.Rel != nil && f.Rel.TargetType == m.Type {
				out = append(out, ReverseRelation{Name: f.Rel.RelatedName, Field: f})
			}
		}
	}
	return out
}

func (m *ModelInfo) reverse(name string) (ReverseRelation, bool) {
	for _, r := range m.ReverseRelations() {
		if r.Name == name {
			return r, true
		}
	}
	return ReverseRelation{}, false
}

// ---- computing metadata -------------------------------------------------------------

var (
	infoMu    sync.RWMutex
	infoCache = map[reflect.Type]*ModelInfo{}
	// infoRead mirrors infoCache for Q's lookup on every query: a sync.Map read takes
	// no lock, where an RWMutex read makes both cores write the same cache line.
	infoRead sync.Map // reflect.Type -> *ModelInfo
	appOf    = map[reflect.Type]string{}
	regOrder []*ModelInfo
)

var (
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
	decimalType = reflect.TypeFor[Decimal]()
	uuidType    = reflect.TypeFor[UUID]()
	modelType   = reflect.TypeFor[Model]()
	rawMsgType  = reflect.TypeFor[json.RawMessage]()
)

// relKind is implemented by FK[T], OneToOne[T] and M2M[T] so metadata can find their
// target without knowing T.
type relKind interface {
	relTarget() (reflect.Type, Kind)
}

// nullKind is implemented by Null[T].
type nullKind interface{ nullElem() reflect.Type }

// InfoOf returns the metadata of model T (which must be registered).
func InfoOf[T any]() (*ModelInfo, error) { return infoOfType(reflect.TypeFor[T]()) }

// InfoOfValue returns the metadata of the model that v (a struct or pointer to one) is.
func InfoOfValue(v any) (*ModelInfo, error) {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return infoOfType(t)
}

func infoOfType(t reflect.Type) (*ModelInfo, error) {
	if t == nil {
		return nil, fmt.Errorf("orm: nil is not a model")
	}
	if m, ok := infoRead.Load(t); ok {
		return m.(*ModelInfo), nil
	}
	infoMu.RLock()
	_, registered := appOf[t]
	infoMu.RUnlock()
	if !registered {
		return nil, fmt.Errorf("orm: model %s is not registered (call orm.Register[%s](app) first)", t, t.Name())
	}
	return nil, fmt.Errorf("orm: model %s failed to register", t)
}

func registeredModels() []*ModelInfo {
	infoMu.RLock()
	defer infoMu.RUnlock()
	return regOrder
}

// snake converts a Go name to snake_case: AuthorID -> author_id, HTTPCode -> http_code.
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

type tagErr struct {
	model, field, msg string
}

func (e *tagErr) Error() string {
	return fmt.Sprintf("orm: model %s, field %s: %s", e.model, e.field, e.msg)
}

// buildInfo computes the metadata of t for app. It does not resolve relation targets
// (they may be registered later).
func buildInfo(t reflect.Type, app string) (*ModelInfo, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("orm: model %s is not a struct", t)
	}
	if app == "" {
		return nil, fmt.Errorf("orm: model %s: empty app label", t)
	}
	m := &ModelInfo{App: app, Name: t.Name(), ModelName: strings.ToLower(t.Name()), Type: t, byName: map[string]*Field{}}
	if m.Name == "" {
		return nil, fmt.Errorf("orm: model %s must be a named struct type", t)
	}
	m.Table = app + "_" + m.ModelName
	var files map[string]FileOptions
	if mp, ok := reflect.Zero(t).Interface().(MetaProvider); ok {
		meta := mp.Meta()
		if meta.Table != "" {
			m.Table = meta.Table
		}
		m.Ordering = meta.Ordering
		m.UniqueTogether = meta.UniqueTogether
		m.Indexes = meta.Indexes
		m.VerboseName, m.VerboseNamePlural = meta.VerboseName, meta.VerboseNamePlural
		files = meta.Files
	}
	if m.VerboseName == "" {
		m.VerboseName = strings.ReplaceAll(snake(m.Name), "_", " ")
	}
	if m.VerboseNamePlural == "" {
		m.VerboseNamePlural = m.VerboseName + "s"
	}
	if err := collectFields(m, t, nil, 0); err != nil {
		return nil, err
	}
	for _, f := range m.Fields {
		if f.PrimaryKey {
			if m.PK != nil {
				return nil, &tagErr{m.Name, f.GoName, "second primary key (already " + m.PK.GoName + ")"}
			}
			m.PK = f
		}
	}
	if m.PK == nil {
		return nil, fmt.Errorf("orm: model %s has no primary key: embed orm.Model or tag a field `orm:\"pk\"`", m.Name)
	}
	for _, f := range m.Fields {
		for _, n := range []string{f.Name, f.GoName, f.Column} {
			if n == "" {
				continue
			}
			if g, dup := m.byName[n]; dup && g != f {
				return nil, &tagErr{m.Name, f.GoName, fmt.Sprintf("name %q clashes with field %s", n, g.GoName)}
			}
			m.byName[n] = f
		}
		if f.Concrete() {
			f.cidx = len(m.concrete)
			m.concrete = append(m.concrete, f)
		} else {
			m.m2m = append(m.m2m, f)
		}
	}
	m.byName["pk"] = m.PK
	// The SQL builder marks join aliases with "{A}" and the names below are spliced
	// into SQL quoted; a name carrying braces or NUL could turn a quoted name into
	// SQL text, so such names are refused here.
	idents := []string{m.Table}
	for _, f := range m.Fields {
		idents = append(idents, f.Column)
		if f.Rel != nil {
			idents = append(idents, f.Rel.ThroughTable)
		}
	}
	for _, n := range idents {
		if strings.ContainsAny(n, "{}\x00") {
			return nil, fmt.Errorf("orm: model %s: table or column name %q may not contain braces or NUL", m.Name, n)
		}
	}
	for _, set := range m.UniqueTogether {
		for _, n := range set {
			if f, ok := m.byName[n]; !ok || !f.Concrete() {
				return nil, fmt.Errorf("orm: model %s: Meta.UniqueTogether names unknown field %q (fields: %s)", m.Name, n, strings.Join(m.FieldNames(), ", "))
			}
		}
	}
	for _, idx := range m.Indexes {
		if len(idx.Fields) == 0 {
			return nil, fmt.Errorf("orm: model %s: Meta.Indexes has an index without fields", m.Name)
		}
		for _, n := range idx.Fields {
			if f, ok := m.byName[n]; !ok || !f.Concrete() {
				return nil, fmt.Errorf("orm: model %s: Meta.Indexes names unknown field %q (fields: %s)", m.Name, n, strings.Join(m.FieldNames(), ", "))
			}
		}
	}
	for _, o := range m.Ordering {
		n := strings.TrimPrefix(o, "-")
		if _, ok := m.byName[n]; !ok {
			return nil, fmt.Errorf("orm: model %s: Meta.Ordering names unknown field %q", m.Name, n)
		}
	}
	for _, f := range m.m2m {
		r := f.Rel
		if r.throughName == "" {
			r.resolved = true
			if r.ThroughTable == "" {
				r.ThroughTable = m.Table + "_" + f.Name
			}
			r.SourceColumn = m.ModelName + "_id"
			target := strings.ToLower(r.TargetType.Name())
			if target == m.ModelName {
				r.SourceColumn, target = "from_"+target, "to_"+target
			}
			r.TargetColumn = target + "_id"
		}
	}
	if err := resolveFileFields(m, files); err != nil {
		return nil, err
	}
	m.hooks = hooksOf(t)
	return m, nil
}

// resolveFileFields merges Meta.Files into the File fields' options and checks
// their width and height fields.
func resolveFileFields(m *ModelInfo, meta map[string]FileOptions) error {
	for name, o := range meta {
		f, ok := m.byName[name]
		if !ok || f.File == nil {
			return fmt.Errorf("orm: model %s: Meta.Files names %q, which is not a File field", m.Name, name)
		}
		if o.UploadTo != "" {
			f.File.UploadTo = o.UploadTo
		}
		if o.UploadToFunc != nil {
			f.File.UploadToFunc = o.UploadToFunc
		}
		if o.Storage != nil {
			f.File.Storage = o.Storage
		}
		f.File.DeleteFiles = f.File.DeleteFiles || o.DeleteFiles
		f.File.Image = f.File.Image || o.Image
		if o.WidthField != "" {
			f.File.WidthField = o.WidthField
		}
		if o.HeightField != "" {
			f.File.HeightField = o.HeightField
		}
	}
	for _, f := range m.Fields {
		if f.File == nil {
			continue
		}
		m.files = append(m.files, f)
		for _, dim := range []string{f.File.WidthField, f.File.HeightField} {
			if dim == "" {
				continue
			}
			if !f.File.Image {
				return &tagErr{m.Name, f.GoName, "width_field and height_field need an image field (tag image)"}
			}
			d, ok := m.byName[dim]
			if !ok || (d.Kind != KindInt && d.Kind != KindBigInt) {
				return &tagErr{m.Name, f.GoName, fmt.Sprintf("width_field/height_field %q is not an integer field of the model", dim)}
			}
		}
	}
	return nil
}

func collectFields(m *ModelInfo, t reflect.Type, index []int, base uintptr) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		idx := append(append([]int(nil), index...), i)
		tag, hasTag := sf.Tag.Lookup("orm")
		if tag == "-" {
			continue
		}
		if sf.Anonymous && sf.Type == modelType {
			f := &Field{Model: m, GoName: "ID", Name: "id", Column: "id", GoType: reflect.TypeFor[int64](), Kind: KindBigInt,
				PrimaryKey: true, Auto: true, index: append(idx, 0), offset: base + sf.Offset}
			f.scan = scanFunc(f.GoType)
			m.Fields = append(m.Fields, f)
			continue
		}
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct && !hasTag {
			if !sf.IsExported() && sf.Type.Name() != "" && !unicode.IsUpper(rune(sf.Type.Name()[0])) {
				continue
			}
			if err := collectFields(m, sf.Type, idx, base+sf.Offset); err != nil {
				return err
			}
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if rk, ok := reflect.Zero(sf.Type).Interface().(revKind); ok {
			name := snake(sf.Name)
			for _, part := range splitTag(tag) {
				if k, v, _ := strings.Cut(part, "="); k == "related_name" || k == "name" {
					name = v
				} else if part != "" {
					return &tagErr{m.Name, sf.Name, fmt.Sprintf("a Reverse field takes only related_name=, not %q", part)}
				}
			}
			m.revs = append(m.revs, &Field{Model: m, GoName: sf.Name, Name: name, GoType: sf.Type, Rel: &Relation{TargetType: rk.revTarget(), RelatedName: name},
				index: idx, offset: base + sf.Offset})
			continue
		}
		f, err := parseField(m, sf, tag)
		if err != nil {
			return err
		}
		f.index = idx
		f.offset = base + sf.Offset
		m.Fields = append(m.Fields, f)
	}
	return nil
}

func intKind(k reflect.Kind) (Kind, bool) {
	switch k {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return KindInt, true
	case reflect.Int, reflect.Int64, reflect.Uint32:
		return KindBigInt, true
	}
	return "", false
}

// parseField reads one struct field and its tag.
func parseField(m *ModelInfo, sf reflect.StructField, tag string) (*Field, error) {
	f := &Field{Model: m, GoName: sf.Name, Name: snake(sf.Name), GoType: sf.Type}
	fail := func(format string, args ...any) error {
		return &tagErr{m.Name, sf.Name, fmt.Sprintf(format, args...)}
	}
	opts := map[string]string{}
	var order []string
	if tag != "" {
		for _, part := range splitTag(tag) {
			k, v, _ := strings.Cut(part, "=")
			k = strings.TrimSpace(k)
			if k == "" {
				return nil, fail("empty option in tag %q", tag)
			}
			if _, dup := opts[k]; dup {
				return nil, fail("option %q given twice", k)
			}
			opts[k] = v
			order = append(order, k)
		}
	}
	// kind from the Go type
	t := sf.Type
	if t.Kind() == reflect.Pointer && t.Elem() != modelType {
		f.Null, f.ptr = true, true
		t = t.Elem()
	}
	if nk, ok := reflect.Zero(t).Interface().(nullKind); ok {
		f.Null = true
		t = nk.nullElem()
	}
	if rk, ok := reflect.Zero(t).Interface().(relKind); ok {
		target, kind := rk.relTarget()
		f.Kind = kind
		f.Rel = &Relation{TargetType: target, ops: relOpsOf(t)}
		if f.ptr {
			return nil, fail("use %s, not a pointer to it; nullability comes from the `null` tag", t)
		}
	} else {
		switch {
		case t == fileType:
			f.Kind = KindVarchar
			f.MaxLength = 100 // Django's FileField default
			f.File = &FileOptions{}
		case t == timeType:
			f.Kind = KindDateTime
		case t == decimalType:
			f.Kind = KindDecimal
		case t == uuidType:
			f.Kind = KindUUID
		case t == bytesType:
			f.Kind = KindBytes
		case t == rawMsgType:
			f.Kind = KindJSON
		case t.Kind() == reflect.String:
			f.Kind = KindVarchar
			f.MaxLength = 255
		case t.Kind() == reflect.Bool:
			f.Kind = KindBool
		case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
			f.Kind = KindFloat
		case t.Kind() == reflect.Map || t.Kind() == reflect.Slice:
			f.Kind = KindJSON
		case t.Kind() == reflect.Struct || t.Kind() == reflect.Array || t.Kind() == reflect.Interface:
			if _, ok := opts["json"]; !ok {
				return nil, fail("type %s is not a field type; tag it `orm:\"json\"` to store it as JSON, or `orm:\"-\"` to skip it", sf.Type)
			}
			f.Kind = KindJSON
		default:
			if k, ok := intKind(t.Kind()); ok {
				f.Kind = k
			} else {
				return nil, fail("unsupported type %s", sf.Type)
			}
		}
	}
	for _, k := range order {
		v := opts[k]
		needInt := func() (int, error) {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return 0, fail("%s=%q is not a positive integer", k, v)
			}
			return n, nil
		}
		var err error
		switch k {
		case "column", "db_column":
			if v == "" {
				return nil, fail("empty column name")
			}
			f.Column = v
		case "name":
			if v == "" {
				return nil, fail("empty name")
			}
			f.Name = v
		case "max_length":
			if f.MaxLength, err = needInt(); err != nil {
				return nil, err
			}
			if f.Kind != KindVarchar {
				return nil, fail("max_length only applies to strings, not %s", f.Kind)
			}
		case "text":
			if f.Kind != KindVarchar {
				return nil, fail("text only applies to strings, not %s", sf.Type)
			}
			if _, ok := opts["max_length"]; ok {
				return nil, fail("text and max_length exclude each other")
			}
			f.Kind, f.MaxLength = KindText, 0
		case "date":
			if f.Kind != KindDateTime {
				return nil, fail("date only applies to time.Time, not %s", sf.Type)
			}
			f.Kind = KindDate
		case "datetime":
			if f.Kind != KindDateTime {
				return nil, fail("datetime only applies to time.Time, not %s", sf.Type)
			}
		case "json":
			f.Kind = KindJSON
			f.MaxLength = 0
		case "bigint":
			if _, ok := intKind(t.Kind()); !ok {
				return nil, fail("bigint only applies to integers")
			}
			f.Kind = KindBigInt
		case "null":
			f.Null = true
		case "blank":
			f.Blank = true
		case "unique":
			f.Unique = true
		case "index", "db_index":
			f.Index = true
		case "pk", "primary_key":
			f.PrimaryKey = true
		case "auto", "autoincrement":
			f.Auto = true
		case "auto_now":
			f.AutoNow = true
		case "auto_now_add":
			f.AutoNowAdd = true
		case "max_digits":
			if f.MaxDigits, err = needInt(); err != nil {
				return nil, err
			}
		case "decimal_places":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fail("decimal_places=%q is not a non-negative integer", v)
			}
			f.DecimalPlaces = n
		case "default":
			f.HasDefault, f.DefaultText = true, v
		case "choices":
			for _, c := range strings.Split(v, "|") {
				val, label, ok := strings.Cut(c, ":")
				if !ok {
					label = val
				}
				if val == "" {
					return nil, fail("empty value in choices=%q", v)
				}
				f.Choices = append(f.Choices, Choice{Value: val, Label: label})
			}
		case "on_delete":
			if f.Rel == nil || f.Kind == KindM2M {
				return nil, fail("on_delete only applies to FK and OneToOne fields")
			}
			od := OnDelete(strings.ToLower(v))
			switch od {
			case Cascade, Protect, Restrict, SetNull, SetDefault, DoNothing:
				f.Rel.OnDelete = od
			default:
				return nil, fail("on_delete=%q is not one of cascade, protect, restrict, set_null, set_default, do_nothing", v)
			}
		case "related_name":
			if f.Rel == nil {
				return nil, fail("related_name only applies to relations")
			}
			if v == "" || strings.Contains(v, "__") {
				return nil, fail("related_name=%q must be a non-empty name without \"__\"", v)
			}
			f.Rel.RelatedName = v
		case "through":
			if f.Kind != KindM2M || v == "" {
				return nil, fail("through= names the through model of an M2M field (\"Membership\" or \"app.Membership\")")
			}
			f.Rel.throughName = v
		case "db_table":
			if f.Kind != KindM2M {
				return nil, fail("db_table only applies to M2M fields")
			}
			f.Rel.ThroughTable = v
		case "upload_to", "delete_files", "image", "width_field", "height_field":
			if f.File == nil {
				return nil, fail("%s only applies to orm.File fields", k)
			}
			switch k {
			case "upload_to":
				f.File.UploadTo = v
			case "delete_files":
				f.File.DeleteFiles = true
			case "image":
				f.File.Image = true
			case "width_field":
				f.File.WidthField = v
			case "height_field":
				f.File.HeightField = v
			}
		case "verbose_name":
			f.VerboseName = v
		case "help_text", "help":
			f.HelpText = v
		default:
			return nil, fail("unknown option %q (known: column name max_length text date datetime json bigint null blank unique index pk auto auto_now auto_now_add max_digits decimal_places default choices on_delete related_name through db_table verbose_name help_text upload_to delete_files image width_field height_field)", k)
		}
	}
	// consistency
	if (f.AutoNow || f.AutoNowAdd) && f.Kind != KindDateTime && f.Kind != KindDate {
		return nil, fail("auto_now/auto_now_add only apply to time.Time fields")
	}
	if f.Auto {
		if _, ok := intKind(t.Kind()); !ok {
			return nil, fail("auto only applies to integer primary keys")
		}
		if !f.PrimaryKey {
			return nil, fail("auto only applies to the primary key")
		}
	}
	if f.PrimaryKey {
		f.Null = false
		if f.Kind == KindM2M || f.Kind == KindJSON {
			return nil, fail("a %s field cannot be the primary key", f.Kind)
		}
	}
	if f.Kind == KindDecimal {
		if f.MaxDigits == 0 {
			return nil, fail("a decimal needs max_digits= (and decimal_places=)")
		}
		if f.DecimalPlaces > f.MaxDigits {
			return nil, fail("decimal_places (%d) exceeds max_digits (%d)", f.DecimalPlaces, f.MaxDigits)
		}
	} else if f.MaxDigits != 0 {
		return nil, fail("max_digits only applies to orm.Decimal fields")
	}
	if f.Kind == KindM2M {
		if f.Null || f.Unique || f.Index || f.HasDefault {
			return nil, fail("M2M fields take no null, unique, index or default")
		}
		if f.Rel.RelatedName == "" {
			f.Rel.RelatedName = m.ModelName + "_set"
		}
		return f, nil
	}
	if f.Rel != nil {
		if f.Rel.OnDelete == "" {
			return nil, fail("a %s needs on_delete= (cascade, protect, restrict, set_null, set_default or do_nothing)", f.Kind)
		}
		if f.Rel.OnDelete == SetNull && !f.Null {
			return nil, fail("on_delete=set_null needs the field to be `null`")
		}
		if f.Rel.OnDelete == SetDefault && !f.HasDefault {
			return nil, fail("on_delete=set_default needs a default=")
		}
		if f.Rel.RelatedName == "" {
			f.Rel.RelatedName = m.ModelName + "_set"
			if f.Kind == KindO2O {
				f.Rel.RelatedName = m.ModelName
			}
		}
		if f.Kind == KindO2O {
			f.Unique = true
		}
		if f.Column == "" {
			f.Column = f.Name + "_id"
		}
		f.Index = f.Index || !f.Unique
	}
	if f.Column == "" {
		f.Column = f.Name
	}
	if f.HasDefault {
		d, err := parseDefault(f, t)
		if err != nil {
			return nil, fail("default=%q: %v", f.DefaultText, err)
		}
		f.Default = d
	}
	if len(f.Choices) > 0 && f.HasDefault && f.Kind != KindFK {
		found := false
		for _, c := range f.Choices {
			if c.Value == f.DefaultText {
				found = true
			}
		}
		if !found {
			return nil, fail("default=%q is not one of the choices", f.DefaultText)
		}
	}
	f.scan = scanFunc(sf.Type)
	if f.File != nil {
		if f.ptr || f.PrimaryKey || f.Unique || f.Kind != KindVarchar {
			return nil, fail("an orm.File field cannot be a pointer, a primary key, unique, text or json")
		}
		f.scan = fileScanFunc(f.File)
	}
	return f, nil
}

// splitTag splits on commas, except inside single quotes (default='a,b').
func splitTag(tag string) []string {
	var out []string
	var cur strings.Builder
	inq := false
	for _, r := range tag {
		switch {
		case r == '\'':
			inq = !inq
		case r == ',' && !inq:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		default:
			cur.WriteRune(r)
		}
	}
	out = append(out, strings.TrimSpace(cur.String()))
	return out
}

// parseDefault converts a tag default to the field's Go value (the element type for
// nullable fields; the target key for FKs: int64 or string).
func parseDefault(f *Field, t reflect.Type) (any, error) {
	s := f.DefaultText
	switch f.Kind {
	case KindInt, KindBigInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer")
		}
		v := reflect.New(t).Elem()
		if v.CanInt() {
			if v.OverflowInt(n) {
				return nil, fmt.Errorf("overflows %s", t)
			}
			v.SetInt(n)
		} else {
			if n < 0 || v.OverflowUint(uint64(n)) {
				return nil, fmt.Errorf("overflows %s", t)
			}
			v.SetUint(uint64(n))
		}
		return v.Interface(), nil
	case KindFK, KindO2O:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		return s, nil
	case KindFloat:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("not a number")
		}
		v := reflect.New(t).Elem()
		v.SetFloat(x)
		return v.Interface(), nil
	case KindBool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("not a boolean")
		}
		return reflect.ValueOf(b).Convert(t).Interface(), nil
	case KindVarchar, KindText:
		if f.MaxLength > 0 && len([]rune(s)) > f.MaxLength {
			return nil, fmt.Errorf("longer than max_length %d", f.MaxLength)
		}
		return reflect.ValueOf(s).Convert(t).Interface(), nil
	case KindDecimal:
		return ParseDecimal(s)
	case KindUUID:
		return ParseUUID(s)
	case KindDateTime, KindDate:
		if s == "now" {
			return "now", nil
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm.UTC(), nil
			}
		}
		return nil, fmt.Errorf("not a time (use RFC 3339, YYYY-MM-DD or now)")
	case KindJSON:
		v := reflect.New(t)
		if err := json.Unmarshal([]byte(s), v.Interface()); err != nil {
			return nil, fmt.Errorf("not JSON for %s: %v", t, err)
		}
		return v.Elem().Interface(), nil
	case KindBytes:
		return []byte(s), nil
	}
	return nil, fmt.Errorf("defaults are not supported for %s", f.Kind)
}

// DefaultValue returns the default of f as a value of its Go type ("now" becomes the
// current time). ok is false when the field has no default.
func (f *Field) DefaultValue() (v any, ok bool) {
	if !f.HasDefault {
		return nil, false
	}
	if f.Default == "now" && (f.Kind == KindDateTime || f.Kind == KindDate) {
		return time.Now().UTC(), true
	}
	return f.Default, true
}
