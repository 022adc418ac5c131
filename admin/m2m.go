package admin

import (
	"context"
	"fmt"
	"net/url"

	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
)

// m2mEditor edits a many-to-many field of T on the change form, as a list of
// checkboxes (the User admin's groups and permissions, the Group admin's
// permissions).
type m2mEditor[T any] struct {
	name, label, help string
	options           func(ctx context.Context, db *orm.DB) ([]forms.Option, error)
	current           func(ctx context.Context, db *orm.DB, obj *T) (map[string]bool, error)
	set               func(ctx context.Context, db *orm.DB, obj *T, keys []string) error
}

// m2mView is one editor as the template draws it.
type m2mView struct {
	Name, Label, Help string
	Options           []m2mOption
	Readonly          bool
}

type m2mOption struct {
	Value, Label, ID string
	Checked          bool
}

// m2mViews builds the editors' checkboxes: checked from vals on POST, else from obj.
func (e *entry[T]) m2mViews(ctx context.Context, db *orm.DB, obj *T, vals url.Values, readonly bool) ([]m2mView, map[string][]string, error) {
	var out []m2mView
	chosen := map[string][]string{}
	for _, m := range e.opts.m2m {
		opts, err := m.options(ctx, db)
		if err != nil {
			return nil, nil, err
		}
		checked := map[string]bool{}
		if vals != nil && !readonly {
			for _, v := range vals[m.name] {
				checked[v] = true
			}
		} else if obj != nil {
			if checked, err = m.current(ctx, db, obj); err != nil {
				return nil, nil, err
			}
		}
		v := m2mView{Name: m.name, Label: m.label, Help: m.help, Readonly: readonly}
		for i, o := range opts {
			v.Options = append(v.Options, m2mOption{Value: o.Value, Label: o.Label, ID: fmt.Sprintf("id_%s_%d", m.name, i), Checked: checked[o.Value]})
			if checked[o.Value] {
				chosen[m.name] = append(chosen[m.name], o.Value)
			}
		}
		out = append(out, v)
	}
	return out, chosen, nil
}
