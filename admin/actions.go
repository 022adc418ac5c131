package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
)

// The action form's fields (Django's).
const (
	fieldAction   = "action"
	fieldSelected = "_selected_action"
	fieldIndex    = "index"
	fieldAcross   = "select_across"
	actionDelete  = "delete_selected"
)

// allowed reports whether the request's user may run action a.
func (e *entry[T]) allowed(r *http.Request, a *Action[T]) bool {
	switch a.Permission {
	case "", "change":
		return e.canChange(r, nil)
	case "view":
		return e.canView(r, nil)
	case "delete":
		return e.canDelete(r, nil)
	case "add":
		return e.canAdd(r)
	}
	return auth.HasPerm(r, a.Permission)
}

// actions lists the model's actions the user may run, the built-in delete first.
func (e *entry[T]) actions(r *http.Request) []*Action[T] {
	var out []*Action[T]
	if !e.opts.DisableDeleteSelected && e.canDelete(r, nil) {
		out = append(out, &Action[T]{Name: actionDelete, Label: fmt.Sprintf("Delete selected %s", verbosePlural(e.infoCache)), Permission: "delete"})
	}
	for i := range e.opts.Actions {
		if a := &e.opts.Actions[i]; e.allowed(r, a) {
			out = append(out, a)
		}
	}
	return out
}

func (e *entry[T]) actionChoices(r *http.Request) []map[string]string {
	var out []map[string]string
	for _, a := range e.actions(r) {
		out = append(out, map[string]string{"name": a.Name, "label": a.Label})
	}
	return out
}

// runAction handles the action form posted to the changelist.
func (e *entry[T]) runAction(c *galvani.Ctx, db *orm.DB) error {
	r := c.Request
	form, err := c.Form()
	if err != nil {
		return err
	}
	back := r.URL.RequestURI()
	name := form.Get(fieldAction)
	var act *Action[T]
	for _, a := range e.actions(r) {
		if a.Name == name {
			act = a
		}
	}
	if name == "" {
		messages.Warning(r, textNoAction)
		return c.Redirect(http.StatusSeeOther, back)
	}
	if act == nil {
		return forbidden() // unknown, or not allowed to this user
	}
	q := e.baseQuery(r, db)
	if form.Get(fieldAcross) == "1" {
		st := &changelistState{vals: r.URL.Query(), search: strings.TrimSpace(r.URL.Query().Get(paramSearch))}
		if q, err = e.filtered(r, q, st, -1); err != nil {
			return galvani.Error(http.StatusBadRequest, err.Error())
		}
	} else {
		var keys []any
		for _, raw := range form[fieldSelected] {
			k, err := orm.ParsePK(e.infoCache, raw)
			if err != nil {
				continue // a key that cannot exist selects nothing
			}
			keys = append(keys, k)
		}
		if len(keys) == 0 {
			messages.Warning(r, textNoSelection)
			return c.Redirect(http.StatusSeeOther, back)
		}
		q = q.Filter(e.infoCache.PK.Name+"__in", keys)
	}
	if act.Name == actionDelete {
		return e.deleteSelected(c, db, q, form.Get("post") == "yes")
	}
	page, err := act.Run(c, q)
	if err != nil {
		return err
	}
	if page != "" {
		return c.HTML(http.StatusOK, string(page))
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// deleteSelected shows what deleting the selected rows would remove (the
// cascade) and, once confirmed, deletes them one by one through DeleteModel or
// the ORM, logging each.
func (e *entry[T]) deleteSelected(c *galvani.Ctx, db *orm.DB, q orm.QuerySet[T], confirmed bool) error {
	r := c.Request
	ctx := r.Context()
	objs, err := q.All(ctx)
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		messages.Warning(r, textNoSelection)
		return c.Redirect(http.StatusSeeOther, r.URL.RequestURI())
	}
	for i := range objs {
		if !e.canDelete(r, &objs[i]) {
			return forbidden()
		}
	}
	if confirmed {
		for i := range objs {
			obj := &objs[i]
			name, pk := repr(obj), pkString(obj)
			if err := e.deleteOne(c, db, obj); err != nil {
				return err
			}
			if err := Log(ctx, db, r, e.infoCache, pk, name, Deletion, ""); err != nil {
				return err
			}
		}
		what := verboseName(e.infoCache)
		if len(objs) != 1 {
			what = verbosePlural(e.infoCache)
		}
		messages.Success(r, fmt.Sprintf(textDeletedMany, len(objs), what))
		return c.Redirect(http.StatusSeeOther, r.URL.RequestURI())
	}
	var keys []any
	var selected []string
	for i := range objs {
		pk, _ := orm.PKValue(&objs[i])
		keys = append(keys, pk)
		selected = append(selected, pkString(&objs[i]))
	}
	summary, protected, err := e.site.deletePreview(ctx, r, db, e.infoCache, keys)
	if err != nil {
		return err
	}
	data := e.site.context(c, "Delete")
	e.modelData(data, r)
	data["title"] = "Are you sure?"
	data["summary"] = summary
	data["protected"] = protected
	data["selected"] = selected
	data["count"] = len(objs)
	data["action"] = actionDelete
	return c.Render(http.StatusOK, "admin/delete_selected_confirmation.html", data)
}
