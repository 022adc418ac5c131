// Package modelform builds forms from ORM models, like Django's ModelForm: the
// fields, their kinds, lengths, choices, labels, help texts and whether they are
// required come from the model's metadata (orm.InfoOf); relation fields are
// selects fed by a queryset and validated against it; the form checks the
// model's unique fields and unique-together sets against the database; and Save
// writes the object and its many-to-many relations.
//
//	form, err := modelform.New(ctx, article, modelform.Options{ // article: nil for a new one
//		Fields: []string{"title", "slug", "body", "author", "tags"},
//		DB:     db,
//	})
//	if r.Method == "POST" {
//		if err := form.Bind(r); err == nil {
//			saved, err := form.Save(ctx, true) // the article, then its tags
//			...
//		}
//	}
//
// It is a package of its own so that the forms package does not link the ORM.
package modelform

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
)

// Options choose and complete a model form's fields, like the Meta of a Django
// ModelForm. Maps are keyed by field name (the orm name, "author", or the Go
// name, "Author").
type Options struct {
	// Fields lists the fields to include, in this order; nil means every editable
	// field in model order (many-to-many fields included).
	Fields []string
	// Exclude lists fields to leave out.
	Exclude []string
	// DB loads the options of relation fields, runs the uniqueness checks and is
	// where Save writes. Without it relation fields are plain inputs for the
	// target's key (unless Choices gives their options), many-to-many fields
	// cannot be used, uniqueness is left to the database's constraints and Save
	// fails.
	DB *orm.DB
	// Querysets narrow the rows a relation field (FK, OneToOne, many-to-many)
	// offers and accepts (Django's ModelChoiceField queryset); default: every row
	// of the target model, in its default order. Make one with QuerySet.Any:
	//
	//	Querysets: map[string]orm.AnyQuerySet{"author": orm.Q[User](db).Filter("is_active", true).Any()}
	Querysets map[string]orm.AnyQuerySet
	// EmptyLabels replace the label of the blank choice ("---------") of FK and
	// OneToOne selects.
	EmptyLabels map[string]string
	// OptionLabels make the label of a relation field's option from a row of the
	// target (a pointer to its struct); default: the row's String method, or
	// "<Model> object (<key>)" (Django's label_from_instance).
	OptionLabels map[string]func(obj any) string
	// Widgets replace a field's default widget: forms.CheckboxSelectMultiple{} for
	// a many-to-many field, forms.RadioSelect{} for a FK...
	Widgets map[string]forms.Widget
	// Labels and HelpTexts replace the model's verbose names and help texts.
	Labels, HelpTexts map[string]string
	// Choices gives fixed options (value: the target's key) for relation fields,
	// instead of loading them from Querysets; submitted values are checked against
	// them.
	Choices map[string][]forms.Option
	// KeyInputs lists relation fields shown as an input for the target's key
	// instead of a select of every row (Django admin's raw_id_fields), for
	// targets with many rows: no options are loaded, and a submitted key is
	// checked against the field's queryset with one query. A many-to-many key
	// input takes keys separated by commas ("3, 7, 12").
	KeyInputs []string
}

// keyInput reports whether opts.KeyInputs names the field.
func (o Options) keyInput(f *orm.Field) bool {
	for _, n := range o.KeyInputs {
		if n == f.Name || n == f.GoName {
			return true
		}
	}
	return false
}

// fieldOpt looks up a per-field option by the field's orm or Go name.
func fieldOpt[V any](m map[string]V, f *orm.Field) (V, bool) {
	if v, ok := m[f.Name]; ok {
		return v, true
	}
	v, ok := m[f.GoName]
	return v, ok
}

// editable reports whether a model field can be a form field by default: not an
// automatic key, not an automatic timestamp, not raw data.
func editable(f *orm.Field) bool {
	if f.Auto || f.AutoNow || f.AutoNowAdd {
		return false
	}
	switch f.Kind {
	case orm.KindJSON, orm.KindBytes:
		return false
	}
	return true
}

// dimensionFields are the width and height fields of the model's image fields:
// a save of a new image sets them, so forms leave them out unless listed.
func dimensionFields(info *orm.ModelInfo) map[string]bool {
	dims := map[string]bool{}
	for _, f := range info.Fields {
		if f.File != nil {
			for _, n := range []string{f.File.WidthField, f.File.HeightField} {
				if df, ok := lookup(info, n); ok {
					dims[df.Name] = true
				}
			}
		}
	}
	return dims
}

// chosen returns the model fields a form of opts has.
func chosen(info *orm.ModelInfo, opts Options) ([]*orm.Field, error) {
	excluded := map[string]bool{}
	for _, n := range opts.Exclude {
		f, ok := lookup(info, n)
		if !ok {
			return nil, fmt.Errorf("modelform: %s has no field %q", info.Name, n)
		}
		excluded[f.Name] = true
	}
	var out []*orm.Field
	if opts.Fields == nil {
		dims := dimensionFields(info)
		for _, f := range info.Fields {
			if editable(f) && !excluded[f.Name] && !dims[f.Name] {
				out = append(out, f)
			}
		}
		return out, nil
	}
	seen := map[string]bool{}
	for _, n := range opts.Fields {
		f, ok := lookup(info, n)
		if !ok {
			return nil, fmt.Errorf("modelform: %s has no field %q", info.Name, n)
		}
		if !editable(f) {
			return nil, fmt.Errorf("modelform: %s.%s is not editable (automatic or raw data)", info.Name, f.GoName)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("modelform: %s.%s is listed twice", info.Name, f.GoName)
		}
		seen[f.Name] = true
		if !excluded[f.Name] {
			out = append(out, f)
		}
	}
	return out, nil
}

// Fields returns the form field descriptions for model T, without loading the
// options of relation fields (they are inputs for the target's key unless
// opts.Choices gives them); many-to-many fields are left out. New makes complete
// model forms; Fields is for building other forms with forms.Build.
func Fields[T any](opts Options) ([]*forms.Field, error) {
	info, err := orm.InfoOf[T]()
	if err != nil {
		return nil, err
	}
	mfs, err := chosen(info, opts)
	if err != nil {
		return nil, err
	}
	out := make([]*forms.Field, 0, len(mfs))
	keyInputs := opts
	keyInputs.DB = nil // no options are loaded here: relations are key inputs
	for _, mf := range mfs {
		if mf.Kind == orm.KindM2M {
			continue
		}
		ff, err := formField(mf, keyInputs)
		if err != nil {
			return nil, fmt.Errorf("modelform: %s.%s: %w", info.Name, mf.GoName, err)
		}
		out = append(out, ff)
	}
	return out, nil
}

func lookup(info *orm.ModelInfo, name string) (*orm.Field, bool) {
	if f, ok := info.Field(name); ok {
		return f, true
	}
	for _, f := range info.Fields {
		if f.GoName == name {
			return f, true
		}
	}
	return nil, false
}

// blankLabel is the label of the empty choice of a select.
const blankLabel = "---------"

// formField maps one model field's metadata to a form field (relation fields
// without their options).
func formField(mf *orm.Field, opts Options) (*forms.Field, error) {
	ff := &forms.Field{
		GoName:   mf.GoName,
		Name:     mf.Name,
		Label:    capitalise(mf.VerboseName),
		Help:     mf.HelpText,
		Required: !mf.Blank,
	}
	// A model default is the field's initial value, zero included (an extra row
	// of a formset shows the 0 a new object would get, and is left out when
	// it is submitted unchanged).
	ff.ShowZero = mf.HasDefault
	if l, ok := fieldOpt(opts.Labels, mf); ok {
		ff.Label = l
	}
	if h, ok := fieldOpt(opts.HelpTexts, mf); ok {
		ff.Help = h
	}
	if mf.File != nil {
		// orm.File is a forms.StoredFile: the form shows the current file with a
		// clear box (optional fields) and hands a valid upload to the field, which
		// the ORM stores under a fresh name on Save.
		ff.Kind = forms.File
		if mf.File.Image {
			ff.Kind = forms.Image
		}
		if w, ok := fieldOpt(opts.Widgets, mf); ok {
			ff.Widget = w
		}
		return ff, nil
	}
	switch mf.Kind {
	case orm.KindInt, orm.KindBigInt:
		ff.Kind = forms.Integer
	case orm.KindFloat:
		ff.Kind = forms.Float
	case orm.KindBool:
		ff.Kind = forms.Boolean
		ff.Required = false // an unchecked box is a valid false, as in Django
	case orm.KindVarchar:
		ff.Kind = forms.Text
		ff.MaxLength = mf.MaxLength
	case orm.KindText:
		ff.Kind = forms.Text
		ff.Widget = forms.Textarea{}
	case orm.KindDateTime:
		ff.Kind = forms.DateTime
	case orm.KindDate:
		ff.Kind = forms.Date
	case orm.KindDecimal:
		ff.Kind = forms.Decimal
		ff.MaxDigits, ff.DecimalPlaces = mf.MaxDigits, mf.DecimalPlaces
	case orm.KindUUID:
		ff.Kind = forms.Text
	case orm.KindFK, orm.KindO2O:
		if opts.keyInput(mf) {
			ff.Kind = forms.Text
			if target, err := mf.Rel.Target(); err == nil && target.PK != nil {
				if k := target.PK.GoType.Kind(); k >= reflect.Int && k <= reflect.Uint64 {
					ff.Kind = forms.Integer
				}
			}
		} else if choices, ok := fieldOpt(opts.Choices, mf); ok {
			ff.Kind = forms.Choice
			ff.Options = append([]forms.Option(nil), choices...)
		} else if opts.DB != nil {
			ff.Kind = forms.Choice // options loaded by New
		} else {
			ff.Kind = forms.Integer
		}
	case orm.KindM2M:
		if opts.keyInput(mf) {
			ff.Kind = forms.Text
			break
		}
		ff.Kind = forms.MultipleChoice
		if choices, ok := fieldOpt(opts.Choices, mf); ok {
			ff.Options = append([]forms.Option(nil), choices...)
		}
	default:
		return nil, fmt.Errorf("kind %q has no form field", mf.Kind)
	}
	if len(mf.Choices) > 0 {
		ff.Kind = forms.Choice
		ff.Widget = nil
		ff.MaxLength = 0
		for _, c := range mf.Choices {
			ff.Options = append(ff.Options, forms.Option{Value: c.Value, Label: c.Label})
		}
	}
	if w, ok := fieldOpt(opts.Widgets, mf); ok {
		ff.Widget = w
	}
	if ff.Kind == forms.Choice && !ff.Required && !mf.IsRelation() {
		// A blank choice lets an optional field be left unset.
		ff.Options = append([]forms.Option{{Value: "", Label: blankLabel}}, ff.Options...)
	}
	return ff, nil
}

func capitalise(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// Form is a model form: a forms.Form over model T (embedded: Bind, Data,
// rendering and errors are as for any form) that knows its model's relations
// and saves the object. Make one with New.
//
// File fields (orm.File) are file or image fields of the form (forms.StoredFile):
// a valid upload is stored by Save through the field's storage under a fresh
// name; a ticked clear box empties the column, and the old file is deleted after
// the save commits only when the field has delete_files.
type Form[T any] struct {
	*forms.Form[T]

	db      *orm.DB
	info    *orm.ModelInfo
	m2m     []*m2mField
	pending bool // Save(ctx, false) ran; SaveM2M has not
}

// m2mField is a many-to-many field of a form: the selected option values and the
// keys they stand for, or, for a key input, the text of keys.
type m2mField struct {
	field  *orm.Field
	values *[]string      // the form field's Store (a select)
	keys   map[string]any // option value → the target's key
	text   *string        // the form field's Store (a key input)
	parsed []any          // text's keys, set by the form's check
}

// relation is the loaded options of a relation field: the option values and
// the target keys they stand for.
type relation struct {
	options []forms.Option
	keys    map[string]any
}

// spec is what every form of one model and Options shares: the chosen fields
// and the loaded relation options (a formset loads them once for all its forms).
type spec struct {
	info   *orm.ModelInfo
	opts   Options
	fields []*orm.Field
	rels   map[string]*relation
	// fixed are fields that are not in the form but set by it (an inline
	// formset's FK to the parent): the uniqueness checks count them in.
	fixed map[string]bool
}

func newSpec[T any](ctx context.Context, opts Options) (*spec, error) {
	info, err := orm.InfoOf[T]()
	if err != nil {
		return nil, err
	}
	fields, err := chosen(info, opts)
	if err != nil {
		return nil, err
	}
	s := &spec{info: info, opts: opts, fields: fields, rels: map[string]*relation{}}
	for _, n := range opts.KeyInputs {
		f, ok := lookup(info, n)
		if !ok || !f.IsRelation() {
			return nil, fmt.Errorf("modelform: KeyInputs: %s has no relation field %q", info.Name, n)
		}
	}
	for _, mf := range fields {
		if !mf.IsRelation() || opts.keyInput(mf) {
			continue
		}
		if choices, ok := fieldOpt(opts.Choices, mf); ok {
			target, err := mf.Rel.Target()
			if err != nil {
				return nil, err
			}
			rel := &relation{keys: map[string]any{}}
			for _, o := range choices {
				rel.keys[o.Value] = o.Value
				if target.PK.GoType.Kind() >= reflect.Int && target.PK.GoType.Kind() <= reflect.Int64 {
					if n, err := strconv.ParseInt(o.Value, 10, 64); err == nil {
						rel.keys[o.Value] = n
					}
				}
			}
			if mf.Kind == orm.KindM2M {
				s.rels[mf.Name] = rel
			}
			continue
		}
		if opts.DB == nil {
			if mf.Kind == orm.KindM2M {
				return nil, fmt.Errorf("modelform: %s.%s is a many-to-many field: the form needs Options.DB (or Choices for it)", info.Name, mf.GoName)
			}
			continue
		}
		rel, err := loadRelation(ctx, opts, mf)
		if err != nil {
			return nil, fmt.Errorf("modelform: options of %s.%s: %w", info.Name, mf.GoName, err)
		}
		s.rels[mf.Name] = rel
	}
	return s, nil
}

// loadRelation reads the rows a relation field offers.
func loadRelation(ctx context.Context, opts Options, mf *orm.Field) (*relation, error) {
	q, ok := fieldOpt(opts.Querysets, mf)
	if !ok {
		q = mf.Rel.Query(opts.DB)
	} else if q.Info() == nil || q.Info().Type != mf.Rel.TargetType {
		return nil, fmt.Errorf("the queryset is not of %s", mf.Rel.TargetType.Name())
	}
	if err := q.Err(); err != nil {
		return nil, err
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	label, _ := fieldOpt(opts.OptionLabels, mf)
	if label == nil {
		label = func(obj any) string { return Label(obj) }
	}
	rel := &relation{options: make([]forms.Option, 0, len(rows)), keys: make(map[string]any, len(rows))}
	for _, row := range rows {
		key, err := orm.PKValue(row)
		if err != nil {
			return nil, err
		}
		v := keyString(key)
		if _, dup := rel.keys[v]; dup {
			continue // a queryset with joins may repeat a row
		}
		rel.keys[v] = key
		rel.options = append(rel.options, forms.Option{Value: v, Label: label(row)})
	}
	return rel, nil
}

// Label returns the text a row of a model stands as in a select: its String
// method's, or "<Model> object (<key>)", as Django's str() of a model. obj is a
// pointer to a model.
func Label(obj any) string {
	if s, ok := obj.(fmt.Stringer); ok {
		return s.String()
	}
	info, err := orm.InfoOfValue(obj)
	if err != nil {
		return fmt.Sprint(obj)
	}
	key, _ := orm.PKValue(obj)
	return fmt.Sprintf("%s object (%s)", info.Name, keyString(key))
}

// keyString is a key as an option value, as forms show a FK's key.
func keyString(key any) string {
	if v, ok := key.(driver.Valuer); ok {
		if dv, err := v.Value(); err == nil && dv != nil {
			key = dv
		}
	}
	if b, ok := key.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(key)
}

// New returns a model form for obj, a pointer to the object the form edits (nil:
// a new, blank T), like Django's ModelForm(instance=obj). The form's Data starts
// as a copy of *obj; Save writes Data and returns a pointer to it. The options of
// relation fields are read here (one query per field), and so are the current
// keys of obj's many-to-many fields (one query each) when obj has a key.
func New[T any](ctx context.Context, obj *T, opts Options) (*Form[T], error) {
	s, err := newSpec[T](ctx, opts)
	if err != nil {
		return nil, err
	}
	return newForm(ctx, s, obj, nil)
}

// newForm makes a form of spec s for obj, with one more field when extra is not
// nil (a formset's key field).
func newForm[T any](ctx context.Context, s *spec, obj *T, extra *forms.Field) (*Form[T], error) {
	f := &Form[T]{db: s.opts.DB, info: s.info}
	var initial T
	if obj != nil {
		initial = *obj
	}
	saved := false
	if s.info.PK != nil {
		if key, err := orm.PKValue(&initial); err == nil && !reflect.ValueOf(key).IsZero() {
			saved = true
		}
	}
	data := reflect.ValueOf(&initial).Elem()
	fields := make([]*forms.Field, 0, len(s.fields))
	for _, mf := range s.fields {
		ff, err := formField(mf, s.opts)
		if err != nil {
			return nil, fmt.Errorf("modelform: %s.%s: %w", s.info.Name, mf.GoName, err)
		}
		rel := s.rels[mf.Name]
		switch mf.Kind {
		case orm.KindFK, orm.KindO2O:
			if ff.Kind != forms.Choice {
				break // no DB and no Choices: an input for the key
			}
			if rel != nil {
				ff.Options = rel.options
			}
			base := ff.Options
			// The blank choice, as Django: shown unless the field is required and
			// already points somewhere (an edit form), or is a required radio group.
			_, radio := ff.Widget.(forms.RadioSelect)
			var v driver.Value
			if val, ok := data.FieldByIndex(fieldIndex(s.info, mf)).Interface().(driver.Valuer); ok {
				v, _ = val.Value()
			}
			if !ff.Required || (v == nil && !radio) {
				label := blankLabel
				if l, ok := fieldOpt(s.opts.EmptyLabels, mf); ok {
					label = l
				}
				ff.Options = append([]forms.Option{{Value: "", Label: label}}, base...)
			}
		case orm.KindM2M:
			if s.opts.keyInput(mf) {
				text := new(string)
				if saved && s.opts.DB != nil {
					keys, err := orm.M2MKeys(ctx, s.opts.DB, &initial, mf.Name)
					if err != nil {
						return nil, fmt.Errorf("modelform: %s.%s: %w", s.info.Name, mf.GoName, err)
					}
					*text = joinKeys(keys)
				}
				ff.Store = text
				f.m2m = append(f.m2m, &m2mField{field: mf, text: text})
				break
			}
			values := new([]string)
			if saved && s.opts.DB != nil {
				keys, err := orm.M2MKeys(ctx, s.opts.DB, &initial, mf.Name)
				if err != nil {
					return nil, fmt.Errorf("modelform: %s.%s: %w", s.info.Name, mf.GoName, err)
				}
				for _, k := range keys {
					*values = append(*values, keyString(k))
				}
				sortLike(*values, rel.options)
			}
			ff.Store = values
			if rel != nil && ff.Options == nil {
				ff.Options = rel.options
			}
			f.m2m = append(f.m2m, &m2mField{field: mf, values: values, keys: rel.keys})
		}
		fields = append(fields, ff)
	}
	if extra != nil {
		fields = append(fields, extra)
	}
	form, err := forms.Build[T](fields)
	if err != nil {
		return nil, err
	}
	form.Data = initial
	f.Form = form
	if s.opts.DB != nil {
		for _, mf := range s.fields {
			if (mf.Kind == orm.KindFK || mf.Kind == orm.KindO2O) && s.opts.keyInput(mf) {
				form.Checks = append(form.Checks, func(ctx context.Context) error { return checkKey(ctx, s.opts, mf, form) })
			}
		}
		for _, m := range f.m2m {
			if m.text != nil {
				form.Checks = append(form.Checks, func(ctx context.Context) error { return checkKeys(ctx, s.opts, m, form) })
			}
		}
		form.Checks = append(form.Checks, func(ctx context.Context) error { return checkUnique(ctx, s.opts.DB, s.info, s.fixed, form) })
	}
	return f, nil
}

// sortLike orders values as they appear among options (the current keys of a
// relation come from the database in no order).
func sortLike(values []string, options []forms.Option) {
	pos := make(map[string]int, len(options))
	for i, o := range options {
		pos[o.Value] = i
	}
	at := func(v string) int {
		if p, ok := pos[v]; ok {
			return p
		}
		return len(options)
	}
	for i := 1; i < len(values); i++ {
		for j := i; j > 0 && at(values[j]) < at(values[j-1]); j-- {
			values[j], values[j-1] = values[j-1], values[j]
		}
	}
}

// fieldIndex is the index path of a model field in its struct.
func fieldIndex(info *orm.ModelInfo, mf *orm.Field) []int {
	sf, _ := info.Type.FieldByName(mf.GoName)
	return sf.Index
}

// M2MKeys returns the keys selected in the many-to-many field name (orm or Go
// name), once each, in the order submitted (after a successful Bind) or stored;
// nil for a field the form does not have.
func (f *Form[T]) M2MKeys(name string) []any {
	for _, m := range f.m2m {
		if m.field.Name != name && m.field.GoName != name {
			continue
		}
		if m.text != nil {
			return append([]any{}, m.parsed...)
		}
		seen := map[string]bool{}
		out := []any{}
		for _, v := range *m.values {
			key, ok := m.keys[v]
			if !ok || seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, key)
		}
		return out
	}
	return nil
}

// ErrNotValid is returned by Save on a form that is not bound or not valid.
var ErrNotValid = errors.New("modelform: Save needs a bound, valid form")

// Save writes the form's object, like Django's ModelForm.save: with commit, it
// inserts Data (or updates it, when it has a key) and then sets its many-to-many
// relations to the selected keys, in one transaction, and returns a pointer to
// Data. Without commit it writes nothing: save the returned object yourself (after
// setting the fields the form does not edit), then call SaveM2M.
func (f *Form[T]) Save(ctx context.Context, commit bool) (*T, error) {
	if !f.IsValid() {
		return nil, ErrNotValid
	}
	if !commit {
		f.pending = len(f.m2m) > 0
		return &f.Data, nil
	}
	if f.db == nil {
		return nil, fmt.Errorf("modelform: Save of a %s form needs Options.DB", f.info.Name)
	}
	err := f.db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		if err := tx.Save(ctx, &f.Data); err != nil {
			return err
		}
		return f.saveM2M(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &f.Data, nil
}

// SaveM2M sets the many-to-many relations of the saved object to the selected
// keys (Django's save_m2m), after Save(ctx, false) and saving the object. It
// does nothing for a form without many-to-many fields.
func (f *Form[T]) SaveM2M(ctx context.Context) error {
	if !f.IsValid() {
		return ErrNotValid
	}
	if len(f.m2m) == 0 {
		return nil
	}
	if f.db == nil {
		return fmt.Errorf("modelform: SaveM2M of a %s form needs Options.DB", f.info.Name)
	}
	if err := f.db.Atomic(ctx, func(ctx context.Context, _ *orm.DB) error { return f.saveM2M(ctx) }); err != nil {
		return err
	}
	f.pending = false
	return nil
}

func (f *Form[T]) saveM2M(ctx context.Context) error {
	for _, m := range f.m2m {
		if m.field.Rel == nil {
			continue
		}
		if err := orm.SetM2MKeys(ctx, f.db, &f.Data, m.field.Name, f.M2MKeys(m.field.Name)...); err != nil {
			return err
		}
	}
	f.pending = false
	return nil
}

// checkKey refuses a key input's key that names no row of the field's queryset.
func checkKey[T any](ctx context.Context, opts Options, mf *orm.Field, f *forms.Form[T]) error {
	if len(f.FieldErrors(mf.Name)) > 0 {
		return nil
	}
	v, ok := dbValue(reflect.ValueOf(&f.Data).Elem().FieldByName(mf.GoName))
	if !ok {
		return nil // NULL: the field's required rule has spoken
	}
	q, ok := fieldOpt(opts.Querysets, mf)
	if !ok {
		q = mf.Rel.Query(opts.DB)
	}
	found, err := q.Filter("pk", v).Exists(ctx)
	if err != nil {
		return err
	}
	if !found {
		return &forms.Error{Field: mf.Name, Code: "invalid_choice", Params: map[string]any{"value": keyString(v)}}
	}
	return nil
}

// checkKeys parses the keys of a many-to-many key input and refuses those that
// name no row of the field's queryset (one query).
func checkKeys[T any](ctx context.Context, opts Options, m *m2mField, f *forms.Form[T]) error {
	m.parsed = nil
	mf := m.field
	if len(f.FieldErrors(mf.Name)) > 0 {
		return nil
	}
	target, err := mf.Rel.Target()
	if err != nil {
		return err
	}
	keys, bad := parseKeys(*m.text, target)
	if bad != "" {
		return &forms.Error{Field: mf.Name, Code: "invalid_choice", Params: map[string]any{"value": bad}}
	}
	if len(keys) == 0 {
		return nil
	}
	q, ok := fieldOpt(opts.Querysets, mf)
	if !ok {
		q = mf.Rel.Query(opts.DB)
	}
	found, err := q.InBulk(ctx, keys)
	if err != nil {
		return err
	}
	have := make(map[string]bool, len(found))
	for k := range found {
		have[keyString(k)] = true
	}
	for _, k := range keys {
		if !have[keyString(k)] {
			return &forms.Error{Field: mf.Name, Code: "invalid_choice", Params: map[string]any{"value": keyString(k)}}
		}
	}
	m.parsed = keys
	return nil
}

// parseKeys splits "3, 7,12" into the target's keys, once each, in order; bad
// is the first part that is not a key of the target's type.
func parseKeys(text string, target *orm.ModelInfo) (keys []any, bad string) {
	integer := false
	if target.PK != nil {
		k := target.PK.GoType.Kind()
		integer = k >= reflect.Int && k <= reflect.Uint64
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		var key any = part
		if integer {
			n, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return nil, part
			}
			key, part = n, strconv.FormatInt(n, 10)
		}
		if !seen[part] {
			seen[part] = true
			keys = append(keys, key)
		}
	}
	return keys, ""
}

// joinKeys is the text of a many-to-many key input: the keys, comma-separated.
func joinKeys(keys []any) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = keyString(k)
	}
	sort.Slice(parts, func(i, j int) bool {
		if len(parts[i]) != len(parts[j]) {
			return len(parts[i]) < len(parts[j]) // numbers in numeric order
		}
		return parts[i] < parts[j]
	})
	return strings.Join(parts, ",")
}

// dbValue turns a field's Go value into a lookup argument.
func dbValue(v reflect.Value) (any, bool) {
	x := v.Interface()
	if val, ok := x.(driver.Valuer); ok {
		dv, err := val.Value()
		if err != nil || dv == nil {
			return nil, false // NULLs never collide
		}
		return dv, true
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, false
		}
		return v.Elem().Interface(), true
	}
	return x, true
}

// uniqueSets returns the model's unique-together sets: Meta.UniqueTogether and
// the unique indexes.
func uniqueSets(info *orm.ModelInfo) [][]string {
	sets := append([][]string(nil), info.UniqueTogether...)
	for _, ix := range info.Indexes {
		if ix.Unique {
			sets = append(sets, ix.Fields)
		}
	}
	return sets
}

// textList joins labels as "A, B and C".
func textList(labels []string) string {
	if len(labels) < 2 {
		return strings.Join(labels, "")
	}
	return strings.Join(labels[:len(labels)-1], ", ") + " and " + labels[len(labels)-1]
}

// checkUnique refuses values that another row already has in a unique field or
// unique-together set covered by the form. The object itself (Data's key, when
// it has one) is not another row.
func checkUnique[T any](ctx context.Context, db *orm.DB, info *orm.ModelInfo, fixed map[string]bool, f *forms.Form[T]) error {
	data := reflect.ValueOf(&f.Data).Elem()
	field := func(mf *orm.Field) reflect.Value { return data.FieldByName(mf.GoName) }
	inForm := func(mf *orm.Field) bool { return fixed[mf.Name] || f.BoundField(mf.Name) != nil }
	label := func(mf *orm.Field) string {
		if b := f.BoundField(mf.Name); b != nil {
			return b.Label()
		}
		if mf.VerboseName != "" {
			return capitalise(mf.VerboseName)
		}
		return capitalise(strings.ReplaceAll(mf.Name, "_", " "))
	}
	base := orm.Q[T](db)
	if info.PK != nil {
		if pk := field(info.PK); !pk.IsZero() {
			if v, ok := dbValue(pk); ok {
				base = base.Exclude(info.PK.Name, v)
			}
		}
	}
	var problems []error
	for _, mf := range info.Fields {
		if !mf.Unique || mf.PrimaryKey || !mf.Concrete() || !inForm(mf) || len(f.FieldErrors(mf.Name)) > 0 {
			continue
		}
		v, ok := dbValue(field(mf))
		if !ok {
			continue
		}
		taken, err := base.Filter(mf.Name, v).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			problems = append(problems, &forms.Error{Field: mf.Name, Code: "unique", Message: forms.DefaultMessage("unique"),
				Params: map[string]any{"model": capitalise(modelName(info)), "field": label(mf)}})
		}
	}
	for _, set := range uniqueSets(info) {
		args := make([]any, 0, 2*len(set))
		var labels []string
		covered := true
		for _, name := range set {
			mf, ok := lookup(info, name)
			if !ok || !inForm(mf) {
				covered = false
				break
			}
			v, ok := dbValue(field(mf))
			if !ok {
				covered = false
				break
			}
			args = append(args, mf.Name, v)
			labels = append(labels, label(mf))
		}
		if !covered {
			continue
		}
		taken, err := base.Filter(args...).Exists(ctx)
		if err != nil {
			return err
		}
		if taken {
			problems = append(problems, &forms.Error{Code: "unique_together",
				Message: "{model} with this {fields} already exists.",
				Params:  map[string]any{"model": capitalise(modelName(info)), "fields": textList(labels)}})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.Join(problems...)
}

func modelName(info *orm.ModelInfo) string {
	if info.VerboseName != "" {
		return info.VerboseName
	}
	return info.ModelName
}
