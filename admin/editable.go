package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/forms/modelform"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// listForms are the changelist's row forms of ListEditable, one per object on
// the page, named form-<i>-<field> like a formset (with form-<i>-id holding the
// object's key and the management inputs form-TOTAL_FORMS and
// form-INITIAL_FORMS), as Django's changelist formset.
type listForms[T any] struct {
	forms []*forms.Form[T]
	objs  []*T
}

// editableForm builds the row form of obj at index i.
func (e *entry[T]) editableForm(c *galvani.Ctx, db *orm.DB, i int, obj *T) (*forms.Form[T], error) {
	choices := map[string][]forms.Option{}
	var keyInputs []string
	for _, name := range e.opts.ListEditable {
		f, _ := e.infoCache.Field(name)
		if f.Kind != orm.KindFK && f.Kind != orm.KindO2O {
			continue
		}
		if e.rawID[name] {
			keyInputs = append(keyInputs, name)
			continue
		}
		t, err := f.Rel.Target()
		if err != nil {
			return nil, err
		}
		var opts []forms.Option
		if err := eachTarget(c.Context(), db, t, maxChoices+1, func(pk, label string) {
			opts = append(opts, forms.Option{Value: pk, Label: label})
		}); err != nil {
			return nil, err
		}
		if len(opts) <= maxChoices {
			choices[name] = opts
		} else {
			keyInputs = append(keyInputs, name) // too many rows for a select
		}
	}
	mf, err := modelform.New(c.Context(), obj, modelform.Options{Fields: e.opts.ListEditable, DB: db, Choices: choices, KeyInputs: keyInputs})
	if err != nil {
		return nil, err
	}
	form := mf.Form
	form.Prefix = "form-" + strconv.Itoa(i)
	for _, name := range e.opts.ListEditable {
		f := form.Field(name)
		inner := f.Widget
		if inner == nil {
			inner = defaultWidget(f)
		}
		label := f.Label
		if label == "" {
			label = name
		}
		f.Widget = withAttrs{inner, []forms.Attr{{Name: "aria-label", Value: label + " of " + repr(obj)}}}
	}
	return form, nil
}

// defaultWidget is the widget the forms package would choose for f.
func defaultWidget(f *forms.Field) forms.Widget {
	switch f.Kind {
	case forms.Boolean:
		return forms.CheckboxInput{}
	case forms.Choice:
		return forms.Select{}
	case forms.Integer, forms.Float, forms.Decimal:
		return forms.Input{Type: "number"}
	case forms.Date:
		return forms.Input{Type: "date"}
	case forms.DateTime:
		return forms.Input{Type: "datetime-local"}
	}
	return forms.Input{Type: "text"}
}

// saveEditable saves the rows of the changelist's ListEditable forms: all of
// them or, when one is invalid, none (the page is shown again with the errors).
func (e *entry[T]) saveEditable(c *galvani.Ctx, db *orm.DB, vals url.Values) error {
	r := c.Request
	ctx := r.Context()
	total, err := strconv.Atoi(vals.Get("form-TOTAL_FORMS"))
	if err != nil || total < 0 || total > e.opts.ListMaxShowAll {
		return galvani.Error(http.StatusBadRequest, "the list's management form is missing or wrong")
	}
	var rows []*forms.Form[T]
	var objs []*T
	valid := true
	for i := 0; i < total; i++ {
		pk, err := orm.ParsePK(e.infoCache, vals.Get(fmt.Sprintf("form-%d-id", i)))
		if err != nil {
			return galvani.Error(http.StatusBadRequest, "a row of the list has no valid key")
		}
		obj, err := e.baseQuery(r, db).Get(ctx, e.infoCache.PK.Name, pk)
		if errors.Is(err, orm.ErrNotFound) {
			return galvani.Error(http.StatusNotFound, "a row of the list no longer exists")
		}
		if err != nil {
			return err
		}
		if !e.canChange(r, obj) {
			return forbidden()
		}
		form, err := e.editableForm(c, db, i, obj)
		if err != nil {
			return err
		}
		err = form.BindData(ctx, vals, nil)
		var invalid *forms.ValidationError
		switch {
		case errors.As(err, &invalid):
			valid = false
		case err != nil:
			return err
		}
		rows = append(rows, form)
		objs = append(objs, obj)
	}
	if !valid {
		return e.renderChangelist(c, db, &listForms[T]{forms: rows, objs: objs})
	}
	changed := 0
	err = db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
		for i, form := range rows {
			saved := &form.Data
			msg := e.changeMessage(form, objs[i], saved, nil, nil)
			if msg == textMsgNoChange {
				continue
			}
			if err := e.save(c, tx, saved, false); err != nil {
				return err
			}
			if err := Log(ctx, tx, r, e.infoCache, pkString(saved), repr(saved), Change, msg); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return err
	}
	what := verboseName(e.infoCache)
	if changed != 1 {
		what = verbosePlural(e.infoCache)
	}
	messages.Success(r, fmt.Sprintf("Saved %d %s.", changed, what))
	return c.Redirect(http.StatusSeeOther, r.URL.RequestURI())
}

// editableCell renders a row form's input for a column.
func editableCell[T any](form *forms.Form[T], name string) template.SafeString {
	bf := form.BoundField(name)
	if bf == nil {
		return ""
	}
	return bf.ErrorList() + bf.Widget()
}
