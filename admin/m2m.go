package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/forms/modelform"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// chooser is the widget of a FilterHorizontal or FilterVertical field: a
// multiple select that admin.js turns into two lists (available and chosen)
// with a filter box and buttons to move options between them. Without
// JavaScript it stays a multiple select, so the form still works.
type chooser struct {
	vertical bool
	name     string // the target's verbose name, plural ("tags")
}

// Render implements forms.Widget.
func (w chooser) Render(d forms.WidgetData) template.SafeString {
	layout := "horizontal"
	if w.vertical {
		layout = "vertical"
	}
	d.Attrs = append(append([]forms.Attr{}, d.Attrs...), forms.Attr{Name: "class", Value: "chooser-source"},
		forms.Attr{Name: "data-chooser", Value: layout}, forms.Attr{Name: "data-chooser-name", Value: w.name})
	return forms.Select{Multiple: true}.Render(d)
}

// m2mWidget is the widget of a many-to-many field: the chooser when the field
// is in FilterHorizontal or FilterVertical, else a multiple select.
func (e *entry[T]) m2mWidget(f *orm.Field) forms.Widget {
	vertical, ok := e.choosers[f.Name]
	if !ok {
		return forms.Select{Multiple: true}
	}
	name := strings.ReplaceAll(f.Name, "_", " ")
	if t, err := f.Rel.Target(); err == nil {
		name = verbosePlural(t)
	}
	return chooser{vertical: vertical, name: name}
}

// m2mKeys returns the keys selected in each many-to-many field of a model form,
// as text, by field name (for the history's change message).
func (e *entry[T]) m2mKeys(mform *modelform.Form[T]) map[string]map[string]bool {
	if mform == nil || len(e.m2mFields) == 0 {
		return nil
	}
	out := make(map[string]map[string]bool, len(e.m2mFields))
	for _, f := range e.m2mFields {
		set := map[string]bool{}
		for _, k := range mform.M2MKeys(f.Name) {
			set[fmt.Sprint(k)] = true
		}
		out[f.Name] = set
	}
	return out
}

// m2mNames are the names of the objects obj's many-to-many field f points at,
// in key order, at most limit of them; more tells how many were left out.
func m2mNames(ctx context.Context, db *orm.DB, f *orm.Field, obj any, limit int) (names []string, more int, err error) {
	t, err := f.Rel.Target()
	if err != nil {
		return nil, 0, err
	}
	keys, err := orm.M2MKeys(ctx, db, obj, f.Name)
	if err != nil || len(keys) == 0 {
		return nil, 0, err
	}
	objs, err := orm.LoadPKs(ctx, db, t, keys, limit)
	if err != nil {
		return nil, 0, err
	}
	for _, o := range objs {
		names = append(names, repr(o))
	}
	return names, len(keys) - len(objs), nil
}

// m2mReadonly is a many-to-many field of obj as a read-only value: the names of
// the objects it points at, or the empty value.
func (e *entry[T]) m2mReadonly(ctx context.Context, db *orm.DB, f *orm.Field, obj *T) template.SafeString {
	if obj == nil {
		return template.SafeString(template.Escape(e.empty))
	}
	names, more, err := m2mNames(ctx, db, f, obj, 100)
	if err != nil || len(names) == 0 {
		return template.SafeString(template.Escape(e.empty))
	}
	text := strings.Join(names, ", ")
	if more > 0 {
		text += fmt.Sprintf(" and %d more", more)
	}
	return template.SafeString(template.Escape(text))
}
