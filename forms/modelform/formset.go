package modelform

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
)

// FormSet is a model formset, Django's modelformset_factory and
// inlineformset_factory: a forms.FormSet (embedded: Extra, CanDelete, Min, Max,
// ValidateMin, ValidateMax, Bind, ManagementForm, the rendering and errors are
// its) whose forms are model forms, one per row of a query followed by the
// extra blank ones. Each form of a row carries the row's key in a hidden input
// and, when bound, edits the row with that key — a key that is not among the
// query's rows is the form's error — so rows added, removed or reordered between
// showing and submitting the set cannot make a form write over another row.
// Make one with NewFormSet or NewInlineFormSet.
type FormSet[T any] struct {
	*forms.FormSet[T]

	spec    *spec
	db      *orm.DB
	rows    []*T          // the query's rows, in order
	byKey   map[string]*T // the rows by key string
	pkName  string        // the key's input name
	models  map[*forms.Form[T]]*Form[T]
	rowOf   map[*forms.Form[T]]*T // the row a form of a row edits (nil: unknown key)
	deleted []*T

	// the inline formset's relation: the child's FK and the parent
	fk     *orm.Field
	parent any
}

// NewFormSet returns a formset editing the rows of q (ordered by key when q has
// no ordering, so that the forms keep their places) with model forms of opts —
// which must include DB — and one extra blank form, as Django's
// modelformset_factory(...)(queryset=q). Change Extra, CanDelete, Min, Max and
// the rest on the result. The rows and the relation fields' options are read
// here, once for all the forms.
func NewFormSet[T any](ctx context.Context, q orm.QuerySet[T], opts Options) (*FormSet[T], error) {
	if opts.DB == nil {
		return nil, errors.New("modelform: a model formset needs Options.DB")
	}
	return newFormSet[T](ctx, q, opts, nil, nil)
}

// NewInlineFormSet returns a formset editing the children of parent (a pointer to
// a P): the rows of C whose FK to P points at it, as Django's
// inlineformset_factory(P, C)(instance=parent). fk names the FK of C to P; ""
// finds it when C has exactly one. The FK is not a form field: Save sets it to
// parent's key (read when saving, so parent may be saved just before), and a
// parent without a key has no rows yet. The set has three extra forms, CanDelete
// set, and the prefix of the relation's related name (Django's defaults).
func NewInlineFormSet[P, C any](ctx context.Context, parent *P, fk string, opts Options) (*FormSet[C], error) {
	if opts.DB == nil {
		return nil, errors.New("modelform: an inline formset needs Options.DB")
	}
	if parent == nil {
		return nil, errors.New("modelform: NewInlineFormSet needs a parent (a new one may have no key yet)")
	}
	child, err := orm.InfoOf[C]()
	if err != nil {
		return nil, err
	}
	field, err := parentFK(child, reflect.TypeFor[P](), fk)
	if err != nil {
		return nil, err
	}
	for _, n := range opts.Fields {
		if f, ok := lookup(child, n); ok && f == field {
			return nil, fmt.Errorf("modelform: %s.%s is set by the inline formset; leave it out of Fields", child.Name, field.GoName)
		}
	}
	opts.Exclude = append(append([]string(nil), opts.Exclude...), field.Name)
	q := orm.Q[C](opts.DB)
	key, err := orm.PKValue(parent)
	if err != nil {
		return nil, err
	}
	if reflect.ValueOf(key).IsZero() {
		q = q.Filter("pk__in", []any{}) // no rows before the parent is saved
	} else {
		q = q.Filter(field.Name, key)
	}
	s, err := newFormSet[C](ctx, q, opts, field, parent)
	if err != nil {
		return nil, err
	}
	s.Prefix = field.Rel.RelatedName
	s.Extra = 3
	s.CanDelete = true
	return s, nil
}

// parentFK finds the FK (or OneToOne) of child to the parent type.
func parentFK(child *orm.ModelInfo, parent reflect.Type, name string) (*orm.Field, error) {
	if name != "" {
		f, ok := lookup(child, name)
		if !ok || (f.Kind != orm.KindFK && f.Kind != orm.KindO2O) || f.Rel.TargetType != parent {
			return nil, fmt.Errorf("modelform: %s has no FK %q to %s", child.Name, name, parent.Name())
		}
		return f, nil
	}
	var found []*orm.Field
	for _, f := range child.Fields {
		if (f.Kind == orm.KindFK || f.Kind == orm.KindO2O) && f.Rel.TargetType == parent {
			found = append(found, f)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("modelform: %s has no FK to %s", child.Name, parent.Name())
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.Name
	}
	return nil, fmt.Errorf("modelform: %s has several FKs to %s (%s): name one", child.Name, parent.Name(), strings.Join(names, ", "))
}

func newFormSet[T any](ctx context.Context, q orm.QuerySet[T], opts Options, fk *orm.Field, parent any) (*FormSet[T], error) {
	sp, err := newSpec[T](ctx, opts)
	if err != nil {
		return nil, err
	}
	if sp.info.PK == nil {
		return nil, fmt.Errorf("modelform: %s has no primary key", sp.info.Name)
	}
	if fk != nil {
		sp.fixed = map[string]bool{fk.Name: true}
	}
	if !q.Ordered() {
		q = q.OrderBy(sp.info.PK.Name)
	}
	items, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	s := &FormSet[T]{FormSet: &forms.FormSet[T]{Prefix: "form", Extra: 1}, spec: sp, db: opts.DB,
		byKey: make(map[string]*T, len(items)), pkName: sp.info.PK.Name, models: map[*forms.Form[T]]*Form[T]{}, rowOf: map[*forms.Form[T]]*T{}, fk: fk, parent: parent}
	if _, clash := lookup(sp.info, s.pkName); clash {
		for _, f := range sp.fields {
			if f.Name == s.pkName {
				return nil, fmt.Errorf("modelform: the key %s.%s cannot be a field of a formset's forms", sp.info.Name, f.GoName)
			}
		}
	}
	keyOptions := make([]forms.Option, 0, len(items))
	for i := range items {
		obj := &items[i]
		key, _ := orm.PKValue(obj)
		ks := keyString(key)
		s.rows = append(s.rows, obj)
		s.byKey[ks] = obj
		keyOptions = append(keyOptions, forms.Option{Value: ks, Label: ks})
	}
	s.Initial = items
	// The unbound forms are made with the constructor's ctx (an edit form reads
	// its row's many-to-many keys), the bound ones with Bind's.
	made := ctx
	s.FormSet.MakeForm = func(ctx context.Context, i int, initial bool, data url.Values) (*forms.Form[T], error) {
		var obj *T
		if data == nil {
			ctx = made
			if initial && i < len(s.rows) {
				obj = s.rows[i]
			}
		} else if initial {
			// The row is the one whose key the form sent, never the one at its
			// place: a missing or unknown key is the key field's error.
			prefix := s.Prefix
			if prefix == "" {
				prefix = "form"
			}
			obj = s.byKey[strings.TrimSpace(data.Get(prefix+"-"+strconv.Itoa(i)+"-"+s.pkName))]
		}
		mf, err := s.makeForm(ctx, obj, initial, keyOptions)
		if err != nil {
			return nil, err
		}
		s.models[mf.Form] = mf
		s.rowOf[mf.Form] = obj
		return mf.Form, nil
	}
	s.FormSet.Clean = s.checkDuplicates
	return s, nil
}

// makeForm makes the model form of obj (nil: a new object); a form of a row
// (initial) gets the hidden key field, required and limited to the rows' keys.
func (s *FormSet[T]) makeForm(ctx context.Context, obj *T, initial bool, keyOptions []forms.Option) (*Form[T], error) {
	var start T
	if obj != nil {
		start = *obj
	}
	if s.fk != nil {
		if key, err := orm.PKValue(s.parent); err == nil && !reflect.ValueOf(key).IsZero() {
			setRel(&start, s.fk, key)
		}
	}
	var mf *Form[T]
	var err error
	if initial {
		key := new(string)
		if obj != nil {
			k, _ := orm.PKValue(obj)
			*key = keyString(k)
		}
		mf, err = newForm(ctx, s.spec, &start, &forms.Field{GoName: s.spec.info.PK.GoName, Name: s.pkName, Kind: forms.Choice,
			Widget: forms.Input{Type: "hidden"}, Required: true, Options: keyOptions, Store: key})
	} else {
		mf, err = newForm(ctx, s.spec, &start, nil)
	}
	return mf, err
}

// setRel points the relation field f of obj at key.
func setRel[T any](obj *T, f *orm.Field, key any) {
	v := reflect.ValueOf(obj).Elem().FieldByName(f.GoName)
	if s, ok := v.Addr().Interface().(interface{ SetID(any) }); ok {
		s.SetID(key)
	}
}

// ModelForms returns the set's model forms, in order (the bound ones after Bind).
func (s *FormSet[T]) ModelForms() []*Form[T] {
	fs := s.Forms()
	out := make([]*Form[T], 0, len(fs))
	for _, f := range fs {
		out = append(out, s.models[f])
	}
	return out
}

// checkDuplicates refuses two kept forms with the same values in a unique field
// or unique-together set (Django's BaseModelFormSet.validate_unique); the
// database is checked by each form.
func (s *FormSet[T]) checkDuplicates(entries []forms.Entry[T]) error {
	info := s.spec.info
	inForm := map[string]bool{}
	for _, f := range s.spec.fields {
		inForm[f.Name] = true
	}
	for n := range s.spec.fixed {
		inForm[n] = true
	}
	var sets [][]*orm.Field
	for _, f := range info.Fields {
		if f.Unique && !f.PrimaryKey && f.Concrete() && inForm[f.Name] {
			sets = append(sets, []*orm.Field{f})
		}
	}
	for _, set := range uniqueSets(info) {
		var fs []*orm.Field
		for _, n := range set {
			f, ok := lookup(info, n)
			if !ok || !inForm[f.Name] {
				fs = nil
				break
			}
			fs = append(fs, f)
		}
		if fs != nil {
			sets = append(sets, fs)
		}
	}
	var problems []error
	// Two forms sending the key of one row would both write it.
	rows := map[*T]bool{}
	fs := s.Forms()
	for _, e := range entries {
		if !e.Initial || e.Index >= len(fs) {
			continue
		}
		if row := s.rowOf[fs[e.Index]]; row != nil {
			if rows[row] {
				problems = append(problems, &forms.Error{Code: "duplicate", Message: "Please correct the duplicate data for {fields}, which must be unique.",
					Params: map[string]any{"fields": s.pkName}})
				break
			}
			rows[row] = true
		}
	}
	for _, set := range sets {
		seen := map[string]bool{}
		for _, e := range entries {
			if e.Deleted {
				continue
			}
			v := reflect.ValueOf(&e.Data).Elem()
			parts := make([]string, 0, len(set))
			complete := true
			for _, f := range set {
				dv, ok := dbValue(v.FieldByName(f.GoName))
				if !ok {
					complete = false
					break
				}
				parts = append(parts, fmt.Sprintf("%T:%v", dv, dv))
			}
			if !complete {
				continue
			}
			k := strings.Join(parts, "\x00")
			if seen[k] {
				names := make([]string, len(set))
				for i, f := range set {
					names[i] = f.Name
				}
				problems = append(problems, &forms.Error{Code: "duplicate", Message: "Please correct the duplicate data for {fields}, which must be unique.",
					Params: map[string]any{"fields": textList(names)}})
				break
			}
			seen[k] = true
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.Join(problems...)
}

// Save writes the set, like Django's BaseModelFormSet.save: the rows whose forms
// changed are updated, the filled-in extra forms inserted, and, with CanDelete,
// the rows whose DELETE box is checked deleted (with their on_delete cascades);
// an inline formset points each saved child at the parent. With commit it all
// runs in one transaction, many-to-many relations included; without it nothing is
// written — save the returned objects yourself, delete DeletedObjects, then call
// SaveM2M. It returns the objects saved (changed, then new), and DeletedObjects
// lists the deleted ones.
func (s *FormSet[T]) Save(ctx context.Context, commit bool) ([]*T, error) {
	if !s.IsValid() {
		return nil, ErrNotValid
	}
	var parentKey any
	if s.fk != nil {
		k, err := orm.PKValue(s.parent)
		if err != nil {
			return nil, err
		}
		if reflect.ValueOf(k).IsZero() {
			return nil, fmt.Errorf("modelform: save the parent %T before its inline formset", s.parent)
		}
		parentKey = k
	}
	var saved []*T
	var toSave []*Form[T]
	s.deleted = nil
	entries := s.Entries()
	fs := s.Forms()
	for _, e := range entries {
		mf := s.models[fs[e.Index]]
		if e.Initial {
			if e.Deleted {
				if obj := s.rowOf[fs[e.Index]]; obj != nil {
					s.deleted = append(s.deleted, obj)
				}
				continue
			}
			if !e.Changed {
				continue
			}
		} else if e.Deleted || !e.Changed {
			continue
		}
		if s.fk != nil {
			setRel(&mf.Data, s.fk, parentKey)
		}
		toSave = append(toSave, mf)
		saved = append(saved, &mf.Data)
	}
	if !commit {
		for _, mf := range toSave {
			mf.pending = len(mf.m2m) > 0
		}
		return saved, nil
	}
	err := s.db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		for _, obj := range s.deleted {
			if _, err := tx.Delete(ctx, obj); err != nil {
				return err
			}
		}
		for _, mf := range toSave {
			if err := tx.Save(ctx, &mf.Data); err != nil {
				return err
			}
			if err := mf.saveM2M(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return saved, nil
}

// DeletedObjects returns the rows whose forms were marked for deletion, after
// Save (deleted by it when it committed).
func (s *FormSet[T]) DeletedObjects() []*T { return s.deleted }

// SaveM2M sets the many-to-many relations of the forms Save(ctx, false)
// returned, after they have been saved.
func (s *FormSet[T]) SaveM2M(ctx context.Context) error {
	return s.db.Atomic(ctx, func(ctx context.Context, _ *orm.DB) error {
		for _, mf := range s.ModelForms() {
			if mf.pending {
				if err := mf.saveM2M(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
