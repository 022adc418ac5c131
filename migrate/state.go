package migrate

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/galvani-web/galvani/orm"
)

// Field is one field of a model in a migration state: the schema-relevant part of
// an orm.Field, as plain data, so that migration history can be replayed without the
// Go structs that once declared it. Migration files spell fields as Field literals.
type Field struct {
	// Name is the field's name ("author" for a FK); Column its column ("author_id").
	// Column defaults to Name (Name + "_id" for FK and OneToOne).
	Name   string
	Column string
	// Kind is the database-independent type.
	Kind orm.Kind
	// Null allows NULL.
	Null bool
	// HasDefault and Default are the field's default, as the text of the model tag
	// (default=...). Migrations use it to fill existing rows when a column is added
	// or made NOT NULL; the database itself keeps no default.
	HasDefault bool
	Default    string
	// MaxLength (varchar), MaxDigits and DecimalPlaces (decimal).
	MaxLength, MaxDigits, DecimalPlaces int
	// Unique, Index, PK (primary key) and Auto (database-generated integer key).
	Unique, Index, PK, Auto bool
	// To is the target of a FK, OneToOne or M2M: "app.Model".
	To string
	// OnDelete is the FK behaviour.
	OnDelete orm.OnDelete
	// RelatedName is the reverse accessor's name on the target.
	RelatedName string
	// Through is the explicit through model of an M2M ("app.Model"); empty for an
	// automatic join table, which is described by ThroughTable, SourceColumn and
	// TargetColumn.
	Through                                  string
	ThroughTable, SourceColumn, TargetColumn string
}

// column returns the field's column.
func (f *Field) column() string {
	if f.Column != "" {
		return f.Column
	}
	if f.Kind == orm.KindFK || f.Kind == orm.KindO2O {
		return f.Name + "_id"
	}
	return f.Name
}

// concrete reports whether the field has a column.
func (f *Field) concrete() bool { return f.Kind != orm.KindM2M }

// autoM2M reports whether the field is an M2M with an automatic join table.
func (f *Field) autoM2M() bool { return f.Kind == orm.KindM2M && f.Through == "" }

// indexed reports whether the field gets a single-column non-unique index.
func (f *Field) indexed() bool { return f.Index && !f.Unique && !f.PK }

func (f *Field) clone() *Field { c := *f; return &c }

// Index is a (possibly composite, possibly unique) index in a migration state:
// Meta.Indexes and Meta.UniqueTogether of a model.
type Index struct {
	// Name is the index name; generated from the table and columns when empty.
	Name string
	// Fields are field names.
	Fields []string
	// Unique makes it a unique constraint.
	Unique bool
}

func (ix Index) key() string {
	return fmt.Sprintf("%s|%s|%v", ix.Name, strings.Join(ix.Fields, ","), ix.Unique)
}

// ModelState is a model as data: what migrations know about it at one point of the
// history.
type ModelState struct {
	App, Name, Table string
	Fields           []*Field
	Indexes          []Index
}

// Key returns "app.modelname", the state's key for the model.
func (m *ModelState) Key() string { return modelKey(m.App, m.Name) }

// Label returns "app.Name".
func (m *ModelState) Label() string { return m.App + "." + m.Name }

func modelKey(app, name string) string { return app + "." + strings.ToLower(name) }

// Field returns the field called name.
func (m *ModelState) Field(name string) (*Field, bool) {
	for _, f := range m.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// PK returns the primary key field (nil if there is none).
func (m *ModelState) PK() *Field {
	for _, f := range m.Fields {
		if f.PK {
			return f
		}
	}
	return nil
}

func (m *ModelState) concrete() []*Field {
	var out []*Field
	for _, f := range m.Fields {
		if f.concrete() {
			out = append(out, f)
		}
	}
	return out
}

func (m *ModelState) clone() *ModelState {
	c := &ModelState{App: m.App, Name: m.Name, Table: m.Table}
	for _, f := range m.Fields {
		c.Fields = append(c.Fields, f.clone())
	}
	for _, ix := range m.Indexes {
		ix.Fields = append([]string(nil), ix.Fields...)
		c.Indexes = append(c.Indexes, ix)
	}
	return c
}

// State is the whole project's schema as data (Django's ProjectState): every model of
// every app, keyed by "app.modelname". Operations transform it; the autodetector
// compares two of them.
type State struct {
	Models map[string]*ModelState
}

// NewState returns an empty state.
func NewState() *State { return &State{Models: map[string]*ModelState{}} }

// Clone returns a deep copy.
func (s *State) Clone() *State {
	c := NewState()
	for k, m := range s.Models {
		c.Models[k] = m.clone()
	}
	return c
}

// Model returns the model "app.Name" (case-insensitive on the name).
func (s *State) Model(label string) (*ModelState, bool) {
	app, name, _ := strings.Cut(label, ".")
	m, ok := s.Models[modelKey(app, name)]
	return m, ok
}

func (s *State) mustModel(app, name string) (*ModelState, error) {
	m, ok := s.Models[modelKey(app, name)]
	if !ok {
		return nil, fmt.Errorf("migrate: model %s.%s does not exist in the migration state", app, name)
	}
	return m, nil
}

// Sorted returns the models ordered by app and name, for stable output.
func (s *State) Sorted() []*ModelState {
	out := make([]*ModelState, 0, len(s.Models))
	for _, m := range s.Models {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// referencing returns the fields of other models (and m2m) pointing at label.
func (s *State) referencing(label string) []refField {
	var out []refField
	for _, m := range s.Sorted() {
		for _, f := range m.Fields {
			if f.To != "" && strings.EqualFold(f.To, label) {
				out = append(out, refField{m, f})
			}
		}
	}
	return out
}

type refField struct {
	m *ModelState
	f *Field
}

// FromModels builds the state of the given registered models (all registered models
// when none are given): what the project's Go structs say the schema should be.
func FromModels(models ...*orm.ModelInfo) (*State, error) {
	if err := orm.Check(); err != nil {
		return nil, err
	}
	if len(models) == 0 {
		models = orm.Models()
	}
	s := NewState()
	for _, mi := range models {
		ms, err := modelStateOf(mi)
		if err != nil {
			return nil, err
		}
		s.Models[ms.Key()] = ms
	}
	return s, nil
}

func modelStateOf(mi *orm.ModelInfo) (*ModelState, error) {
	ms := &ModelState{App: mi.App, Name: mi.Name, Table: mi.Table}
	for _, f := range mi.Fields {
		fs := &Field{
			Name: f.Name, Kind: f.Kind, Null: f.Null, HasDefault: f.HasDefault, Default: f.DefaultText,
			MaxLength: f.MaxLength, MaxDigits: f.MaxDigits, DecimalPlaces: f.DecimalPlaces,
			Unique: f.Unique, Index: f.Index, PK: f.PrimaryKey, Auto: f.Auto,
		}
		if f.Concrete() && f.Column != defaultColumn(fs) {
			fs.Column = f.Column
		}
		if f.Rel != nil {
			t, err := f.Rel.Target()
			if err != nil {
				return nil, err
			}
			fs.To = t.Label()
			fs.OnDelete = f.Rel.OnDelete
			fs.RelatedName = f.Rel.RelatedName
			if f.Kind == orm.KindM2M {
				if f.Rel.Through != nil {
					tm, err := orm.InfoOfValue(reflectZero(f.Rel.Through))
					if err != nil {
						return nil, err
					}
					fs.Through = tm.Label()
				} else {
					fs.ThroughTable, fs.SourceColumn, fs.TargetColumn = f.Rel.ThroughTable, f.Rel.SourceColumn, f.Rel.TargetColumn
				}
			}
		}
		ms.Fields = append(ms.Fields, fs)
	}
	for _, set := range mi.UniqueTogether {
		ms.Indexes = append(ms.Indexes, Index{Fields: fieldNames(mi, set), Unique: true})
	}
	for _, ix := range mi.Indexes {
		ms.Indexes = append(ms.Indexes, Index{Name: ix.Name, Fields: fieldNames(mi, ix.Fields), Unique: ix.Unique})
	}
	return ms, nil
}

// fieldNames normalises names given in Meta (Go name, column or name) to field names.
func fieldNames(mi *orm.ModelInfo, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if f, ok := mi.Field(n); ok {
			out[i] = f.Name
		} else {
			out[i] = n
		}
	}
	return out
}

func defaultColumn(f *Field) string {
	c := *f
	c.Column = ""
	return c.column()
}

func reflectZero(t reflect.Type) any { return reflect.New(t).Interface() }
