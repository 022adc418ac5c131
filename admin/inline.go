package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/forms/modelform"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// Inline edits a model related to the admin's model on the parent's change page
// (Django's InlineModelAdmin): TabularInline draws the rows as a table,
// StackedInline as one block per row.
type Inline interface {
	inline() inlineAdmin
}

// InlineOptions are the options of an inline of child model C.
type InlineOptions struct {
	// FK names C's foreign key to the parent; default: the only one.
	FK string
	// Fields are the row's fields; default: every editable field but FK.
	Fields []string
	// Extra is the number of blank rows offered (default 3; -1 for none).
	Extra int
	// MinNum and MaxNum bound the number of rows once saved (0: no bound).
	MinNum, MaxNum int
	// CanDelete offers a Delete box on existing rows (default true; set NoDelete).
	NoDelete bool
	// ShowChangeLink links each existing row to its own change page (when the
	// child model is registered with the site).
	ShowChangeLink bool
	// Title is the heading; default the child model's plural name.
	Title string
}

// TabularInline is an inline drawn as a table, one row per object.
type TabularInline[C any] struct{ InlineOptions }

// StackedInline is an inline drawn as a block of fields per object.
type StackedInline[C any] struct{ InlineOptions }

func (i TabularInline[C]) inline() inlineAdmin {
	return &inlineOf[C]{opts: i.InlineOptions, tabular: true}
}
func (i StackedInline[C]) inline() inlineAdmin { return &inlineOf[C]{opts: i.InlineOptions} }

// inlineAdmin is an inline with its child type erased.
type inlineAdmin interface {
	prepare(parent *orm.ModelInfo) error
	build(c *galvani.Ctx, s *Site, db *orm.DB, parentPK any, vals url.Values, readonly bool) (*inlineSet, error)
}

type inlineOf[C any] struct {
	opts    InlineOptions
	tabular bool
	info    *orm.ModelInfo
	fk      *orm.Field
	fields  []string
	prefix  string
}

func (in *inlineOf[C]) prepare(parent *orm.ModelInfo) error {
	info, err := orm.InfoOf[C]()
	if err != nil {
		return err
	}
	in.info = info
	for _, f := range info.Fields {
		if f.Kind != orm.KindFK && f.Kind != orm.KindO2O {
			continue
		}
		t, err := f.Rel.Target()
		if err != nil || t != parent {
			continue
		}
		if in.opts.FK == "" || in.opts.FK == f.Name {
			if in.fk != nil && in.opts.FK == "" {
				return fmt.Errorf("inline %s has several foreign keys to %s: name one in FK", info.Name, parent.Name)
			}
			in.fk = f
		}
	}
	if in.fk == nil {
		return fmt.Errorf("inline %s has no foreign key to %s", info.Name, parent.Name)
	}
	in.prefix = in.fk.Rel.RelatedName
	if in.prefix == "" {
		in.prefix = info.ModelName + "_set"
	}
	opts := modelform.Options{Exclude: []string{in.fk.Name}}
	if in.opts.Fields != nil {
		opts = modelform.Options{Fields: in.opts.Fields}
	}
	fields, err := modelform.Fields[C](opts)
	if err != nil {
		return fmt.Errorf("inline %s: %w", info.Name, err)
	}
	for _, f := range fields {
		if f.Name != in.fk.Name {
			in.fields = append(in.fields, f.Name)
		}
	}
	if in.opts.Extra == 0 {
		in.opts.Extra = 3
	} else if in.opts.Extra < 0 {
		in.opts.Extra = 0
	}
	return nil
}

// inlineRow is one object's row.
type inlineRow struct {
	Hidden     template.SafeString // the key input
	Errors     template.SafeString
	Fields     []*forms.BoundField
	Values     []template.SafeString // read-only rows
	Delete     template.SafeString
	ChangeURL  string
	Name       string
	Existing   bool
	FieldLabel []string
}

// inlineSet is an inline as the change form draws it, and what saving it does.
type inlineSet struct {
	Title      string
	Prefix     string
	Tabular    bool
	Headers    []string
	Rows       []inlineRow
	Management template.SafeString
	Errors     []string
	valid      bool
	save       func(ctx context.Context, c *galvani.Ctx, tx *orm.DB, parentPK any) ([]string, error)
}

// perm checks the request user's permission on the child model.
func (in *inlineOf[C]) perm(r *http.Request, action string) bool {
	return auth.HasPerm(r, in.info.App+"."+action+"_"+in.info.ModelName)
}

// build makes the inline's forms: one per existing child, then the blank ones;
// bound to vals on POST.
func (in *inlineOf[C]) build(c *galvani.Ctx, s *Site, db *orm.DB, parentPK any, vals url.Values, readonly bool) (*inlineSet, error) {
	r := c.Request
	ctx := r.Context()
	canView, canAdd, canChange, canDelete := in.perm(r, "view"), in.perm(r, "add"), in.perm(r, "change"), in.perm(r, "delete") && !in.opts.NoDelete
	if readonly {
		canAdd, canChange, canDelete = false, false, false
	}
	if !canView && !canChange && !canAdd {
		return nil, nil
	}
	set := &inlineSet{Title: in.opts.Title, Prefix: in.prefix, Tabular: in.tabular, valid: true}
	if set.Title == "" {
		set.Title = capfirst(verbosePlural(in.info))
	}
	var existing []C
	if parentPK != nil {
		limit := 1000
		if in.opts.MaxNum > 0 {
			limit = in.opts.MaxNum
		}
		var err error
		existing, err = orm.Q[C](db).Filter(in.fk.Name, parentPK).Limit(limit).All(ctx)
		if err != nil {
			return nil, err
		}
	}
	choices, err := relationChoices(ctx, db, in.info, in.fields)
	if err != nil {
		return nil, err
	}
	// Relations with too many rows for a select are key inputs.
	var keyInputs []string
	for _, n := range in.fields {
		if f, ok := in.info.Field(n); ok && (f.Kind == orm.KindFK || f.Kind == orm.KindO2O) {
			if _, listed := choices[n]; !listed {
				keyInputs = append(keyInputs, n)
			}
		}
	}
	newForm := func(i int, obj *C) (*forms.Form[C], error) {
		mf, err := modelform.New(ctx, obj, modelform.Options{Fields: in.fields, DB: db, Choices: choices, KeyInputs: keyInputs})
		if err != nil {
			return nil, err
		}
		f := mf.Form
		f.Prefix = in.prefix + "-" + strconv.Itoa(i)
		if in.tabular { // table cells have no <label>: name the inputs
			for _, n := range in.fields {
				ff := f.Field(n)
				inner := ff.Widget
				if inner == nil {
					inner = defaultWidget(ff)
				}
				ff.Widget = withAttrs{inner, []forms.Attr{{Name: "aria-label", Value: fmt.Sprintf("%s, row %d", ff.Label, i+1)}}}
			}
		}
		if obj == nil {
			setDefaults(in.info, &f.Data)
		}
		return f, nil
	}
	for _, n := range in.fields {
		f, _ := in.info.Field(n)
		set.Headers = append(set.Headers, labelOf(f))
	}
	total := len(existing)
	if canAdd {
		total += in.opts.Extra
		if in.opts.MaxNum > 0 && total > in.opts.MaxNum {
			total = max(in.opts.MaxNum, len(existing))
		}
	}
	bound := vals != nil && (canAdd || canChange || canDelete)
	if bound {
		n, err := strconv.Atoi(vals.Get(in.prefix + "-TOTAL_FORMS"))
		if err != nil || n < len(existing) || n > len(existing)+1000 {
			return nil, galvani.Errorf(http.StatusBadRequest, "the %s management form is missing or wrong", in.prefix)
		}
		total = n
		if !canAdd {
			total = len(existing)
		}
	}
	type pending struct {
		form    *forms.Form[C]
		before  *C
		deleted bool
		changed bool
	}
	var work []pending
	for i := 0; i < total; i++ {
		var obj *C
		if i < len(existing) {
			obj = &existing[i]
		}
		f, err := newForm(i, obj)
		if err != nil {
			return nil, err
		}
		row := inlineRow{Existing: obj != nil}
		p := pending{form: f, before: obj}
		if obj != nil {
			pk := pkString(obj)
			row.Name = repr(obj)
			row.Hidden = template.SafeString(fmt.Sprintf(`<input type="hidden" name="%s-%d-id" value="%s">`, in.prefix, i, template.Escape(pk)))
			if in.opts.ShowChangeLink {
				if m := s.lookup(in.info.App, in.info.ModelName); m != nil && m.prepare() == nil && m.perms(r).View {
					row.ChangeURL = s.objectURL(in.info, pk, "change")
				}
			}
			if canDelete {
				name := fmt.Sprintf("%s-%d-DELETE", in.prefix, i)
				checked := ""
				if bound && vals.Get(name) != "" {
					checked = " checked"
				}
				row.Delete = template.SafeString(fmt.Sprintf(`<input type="checkbox" name="%s" id="id_%s"%s aria-label="Delete %s">`,
					name, name, checked, template.Escape(repr(obj))))
			}
		}
		editable := obj == nil && canAdd || obj != nil && canChange
		if bound {
			if obj != nil && vals.Get(fmt.Sprintf("%s-%d-id", in.prefix, i)) != pkString(obj) {
				return nil, galvani.Errorf(http.StatusBadRequest, "row %d of %s does not match the stored rows; reload the page", i, in.prefix)
			}
			p.deleted = obj != nil && canDelete && vals.Get(fmt.Sprintf("%s-%d-DELETE", in.prefix, i)) != ""
			if editable && !p.deleted {
				err := f.BindData(ctx, vals, nil)
				var invalid *forms.ValidationError
				switch {
				case errors.As(err, &invalid):
					// A blank extra row is ignored, as in Django.
					if obj != nil || f.HasChanged() {
						set.valid = false
					}
				case err != nil:
					return nil, err
				}
				p.changed = f.HasChanged()
			}
			work = append(work, p)
		}
		if editable {
			for _, n := range in.fields {
				row.Fields = append(row.Fields, f.BoundField(n))
			}
			if obj == nil || !bound || p.changed {
				row.Errors = f.NonFieldErrorList()
			}
		} else {
			for _, n := range in.fields {
				mf, _ := in.info.Field(n)
				v := reflect.ValueOf(obj).Elem().FieldByName(mf.GoName).Interface()
				row.Values = append(row.Values, formatValue(v, mf, false, "-"))
			}
		}
		set.Rows = append(set.Rows, row)
	}
	set.Management = template.SafeString(fmt.Sprintf(`<input type="hidden" name="%s-TOTAL_FORMS" value="%d"><input type="hidden" name="%s-INITIAL_FORMS" value="%d">`,
		in.prefix, total, in.prefix, len(existing)))
	if bound {
		kept := 0
		for _, p := range work {
			if p.before != nil && !p.deleted || p.before == nil && p.changed {
				kept++
			}
		}
		if in.opts.MinNum > 0 && kept < in.opts.MinNum {
			set.valid = false
			set.Errors = append(set.Errors, fmt.Sprintf("Keep at least %d %s.", in.opts.MinNum, verbosePlural(in.info)))
		}
		if in.opts.MaxNum > 0 && kept > in.opts.MaxNum {
			set.valid = false
			set.Errors = append(set.Errors, fmt.Sprintf("Keep at most %d %s.", in.opts.MaxNum, verbosePlural(in.info)))
		}
	}
	set.save = func(ctx context.Context, c *galvani.Ctx, tx *orm.DB, parentPK any) ([]string, error) {
		var msgs []string
		name := verboseName(in.info)
		for _, p := range work {
			switch {
			case p.deleted:
				if _, err := tx.Delete(ctx, p.before); err != nil {
					return nil, err
				}
				msgs = append(msgs, fmt.Sprintf("deleted %s “%s”", name, repr(p.before)))
			case p.before == nil && p.changed:
				obj := &p.form.Data
				setFK(obj, in.fk, parentPK)
				if err := tx.Create(ctx, obj); err != nil {
					return nil, err
				}
				msgs = append(msgs, fmt.Sprintf("added %s “%s”", name, repr(obj)))
			case p.before != nil && p.changed:
				obj := &p.form.Data
				if err := tx.Save(ctx, obj); err != nil {
					return nil, err
				}
				msgs = append(msgs, fmt.Sprintf("changed %s “%s”", name, repr(obj)))
			}
		}
		return msgs, nil
	}
	return set, nil
}

// setFK points obj's foreign key f at key.
func setFK(obj any, f *orm.Field, key any) {
	fv := reflect.ValueOf(obj).Elem().FieldByName(f.GoName)
	if m := fv.Addr().MethodByName("SetID"); m.IsValid() {
		m.Call([]reflect.Value{reflect.ValueOf(&key).Elem()})
	}
}

// relationChoices loads the options of the foreign keys among fields.
func relationChoices(ctx context.Context, db *orm.DB, info *orm.ModelInfo, fields []string) (map[string][]forms.Option, error) {
	out := map[string][]forms.Option{}
	for _, n := range fields {
		f, ok := info.Field(n)
		if !ok || f.Kind != orm.KindFK && f.Kind != orm.KindO2O {
			continue
		}
		t, err := f.Rel.Target()
		if err != nil {
			return nil, err
		}
		var opts []forms.Option
		if err := eachTarget(ctx, db, t, maxChoices+1, func(pk, label string) {
			opts = append(opts, forms.Option{Value: pk, Label: label})
		}); err != nil {
			return nil, err
		}
		if len(opts) <= maxChoices {
			out[n] = opts
		}
	}
	return out, nil
}

// inlineSummary joins the inlines' change messages.
func inlineSummary(msgs []string) string {
	if len(msgs) == 0 {
		return ""
	}
	return capfirst(strings.Join(msgs, ", ")) + "."
}
