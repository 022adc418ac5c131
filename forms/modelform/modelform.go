// Package modelform builds forms from ORM models, like Django's ModelForm: the
// fields, their kinds, lengths, choices, labels, help texts and whether they are
// required come from the model's metadata (orm.InfoOf), and the form checks the
// model's unique fields and unique-together sets against the database.
//
//	form, err := modelform.New[blog.Article](modelform.Options{
//		Fields: []string{"title", "slug", "body", "status"},
//		DB:     db, // for the uniqueness checks
//	})
//	form.Data = *article // editing: start from the stored values
//	if err := form.Bind(r); err == nil {
//		err = db.Save(ctx, &form.Data)
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
	"strings"
	"unicode"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
)

// Options choose and complete a model form's fields.
type Options struct {
	// Fields lists the fields to include (orm or Go names), in this order; nil
	// means every editable field in model order.
	Fields []string
	// Exclude lists fields to leave out.
	Exclude []string
	// DB runs the uniqueness checks. Without it they are skipped, and a duplicate
	// is refused by the database's constraint when saving instead.
	DB *orm.DB
	// Choices gives the options of relation fields (FK and OneToOne), by field
	// name: typically the target rows' keys and names. A relation without them is
	// an integer input for the target's key.
	Choices map[string][]forms.Option
}

// editable reports whether a model field can be a form field by default: not an
// automatic key, not an automatic timestamp, not a many-to-many or raw data.
func editable(f *orm.Field) bool {
	if f.Auto || f.AutoNow || f.AutoNowAdd {
		return false
	}
	switch f.Kind {
	case orm.KindM2M, orm.KindJSON, orm.KindBytes:
		return false
	}
	return true
}

// Fields returns the form field descriptions for model T.
func Fields[T any](opts Options) ([]*forms.Field, error) {
	info, err := orm.InfoOf[T]()
	if err != nil {
		return nil, err
	}
	excluded := map[string]bool{}
	for _, n := range opts.Exclude {
		f, ok := lookup(info, n)
		if !ok {
			return nil, fmt.Errorf("modelform: %s has no field %q", info.Name, n)
		}
		excluded[f.Name] = true
	}
	var chosen []*orm.Field
	if opts.Fields == nil {
		for _, f := range info.Fields {
			if editable(f) && !excluded[f.Name] {
				chosen = append(chosen, f)
			}
		}
	} else {
		for _, n := range opts.Fields {
			f, ok := lookup(info, n)
			if !ok {
				return nil, fmt.Errorf("modelform: %s has no field %q", info.Name, n)
			}
			if !editable(f) {
				return nil, fmt.Errorf("modelform: %s.%s is not editable (automatic, many-to-many or raw data)", info.Name, f.GoName)
			}
			if !excluded[f.Name] {
				chosen = append(chosen, f)
			}
		}
	}
	out := make([]*forms.Field, 0, len(chosen))
	for _, mf := range chosen {
		ff, err := formField(mf, opts.Choices[mf.Name])
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

// formField maps one model field's metadata to a form field.
func formField(mf *orm.Field, relChoices []forms.Option) (*forms.Field, error) {
	ff := &forms.Field{
		GoName:   mf.GoName,
		Name:     mf.Name,
		Label:    capitalise(mf.VerboseName),
		Help:     mf.HelpText,
		Required: !mf.Blank,
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
	case orm.KindFK:
		if relChoices != nil {
			ff.Kind = forms.Choice
			ff.Options = relChoices
		} else {
			ff.Kind = forms.Integer
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
	if ff.Kind == forms.Choice && !ff.Required {
		// A blank choice lets an optional field be left unset.
		ff.Options = append([]forms.Option{{Value: "", Label: "---------"}}, ff.Options...)
	}
	return ff, nil
}

func capitalise(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// New returns an unbound form for model T. Set Data to an existing row to edit
// it; Bind then overwrites the form's fields and leaves the others as they were.
func New[T any](opts Options) (*forms.Form[T], error) {
	fields, err := Fields[T](opts)
	if err != nil {
		return nil, err
	}
	f, err := forms.Build[T](fields)
	if err != nil {
		return nil, err
	}
	if opts.DB != nil {
		info, _ := orm.InfoOf[T]()
		f.Checks = append(f.Checks, func(ctx context.Context) error { return checkUnique(ctx, opts.DB, info, f) })
	}
	return f, nil
}

// NewFormSet returns a formset of model forms for T (the admin's inlines).
func NewFormSet[T any](opts Options) (*forms.FormSet[T], error) {
	if _, err := New[T](opts); err != nil {
		return nil, err
	}
	return &forms.FormSet[T]{
		Prefix: "form",
		Extra:  1,
		NewForm: func() *forms.Form[T] {
			f, _ := New[T](opts) // checked above
			return f
		},
	}, nil
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

// checkUnique refuses values that another row already has in a unique field or
// unique-together set covered by the form.
func checkUnique[T any](ctx context.Context, db *orm.DB, info *orm.ModelInfo, f *forms.Form[T]) error {
	data := reflect.ValueOf(&f.Data).Elem()
	field := func(mf *orm.Field) reflect.Value { return data.FieldByName(mf.GoName) }
	inForm := func(mf *orm.Field) bool { return f.BoundField(mf.Name) != nil }
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
		if !mf.Unique || mf.PrimaryKey || !inForm(mf) || len(f.FieldErrors(mf.Name)) > 0 {
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
				Params: map[string]any{"model": capitalise(modelName(info)), "field": f.BoundField(mf.Name).Label()}})
		}
	}
	for _, set := range info.UniqueTogether {
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
			labels = append(labels, f.BoundField(mf.Name).Label())
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
				Params:  map[string]any{"model": capitalise(modelName(info)), "fields": strings.Join(labels, " and ")}})
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
