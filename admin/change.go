package admin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/forms/modelform"
	"github.com/galvani-web/galvani/messages"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
	"github.com/galvani-web/galvani/uploads"
)

// buildForm works out the form's editable fields and its fieldsets.
func (e *entry[T]) buildForm(fail func(option, format string, args ...any) error) error {
	o := &e.opts
	info := e.infoCache
	ro := map[string]bool{}
	for _, c := range e.readonly {
		ro[c.name] = true
	}
	var names []string
	switch {
	case len(o.Fieldsets) > 0:
		for _, fs := range o.Fieldsets {
			names = append(names, fs.Fields...)
		}
		e.fieldsets = o.Fieldsets
	case o.Fields != nil:
		names = o.Fields
	}
	opts := modelform.Options{}
	if names != nil {
		for _, n := range names {
			if !ro[n] {
				opts.Fields = append(opts.Fields, n)
			}
		}
		if opts.Fields == nil {
			opts.Fields = []string{}
		}
	}
	for _, n := range o.Exclude {
		if !ro[n] {
			opts.Exclude = append(opts.Exclude, n)
		}
	}
	if names == nil {
		for n := range ro {
			if _, ok := info.Field(n); ok {
				if f, _ := info.Field(n); f.Kind != orm.KindM2M && !f.Auto && !f.AutoNow && !f.AutoNowAdd {
					opts.Exclude = append(opts.Exclude, n)
				}
			}
		}
	}
	isFormField := func(n string) bool {
		for _, f := range opts.Fields {
			if f == n {
				return true
			}
		}
		return opts.Fields == nil && !ro[n]
	}
	for target, sources := range o.PrepopulatedFields {
		if _, ok := info.Field(target); !ok || !isFormField(target) {
			return fail("PrepopulatedFields", "%q is not a field of the form", target)
		}
		for _, src := range sources {
			if _, ok := info.Field(src); !ok || !isFormField(src) {
				return fail("PrepopulatedFields", "%q (the source of %q) is not a field of the form", src, target)
			}
		}
	}
	e.rawID = map[string]bool{}
	for _, n := range o.RawIDFields {
		f, ok := info.Field(n)
		if !ok || !f.IsRelation() {
			return fail("RawIDFields", "%q is not a foreign key or many-to-many field of %s", n, info.Name)
		}
		e.rawID[f.Name] = true
	}
	e.autoFields = map[string]bool{}
	for _, n := range o.AutocompleteFields {
		f, ok := info.Field(n)
		if !ok || f.Kind != orm.KindFK && f.Kind != orm.KindO2O {
			return fail("AutocompleteFields", "%q is not a foreign key of %s", n, info.Name)
		}
		e.rawID[f.Name] = true
		e.autoFields[f.Name] = true
	}
	if o.Form == nil {
		fields, err := modelform.Fields[T](opts) // checks the names; leaves many-to-many fields out
		if err != nil {
			return fail("Fields", "%v", err)
		}
		plain := map[string]bool{}
		for _, f := range fields {
			plain[f.Name] = true
		}
		excluded := map[string]bool{}
		for _, n := range opts.Exclude {
			if f, ok := info.Field(n); ok {
				excluded[f.Name] = true
			}
		}
		order := opts.Fields
		if order == nil {
			order = info.FieldNames()
		}
		e.formField = []string{}
		for _, n := range order {
			f, ok := info.Field(n)
			switch {
			case !ok:
			case plain[f.Name]:
				e.formField = append(e.formField, f.Name)
			case f.Kind == orm.KindM2M && !excluded[f.Name] && !ro[f.Name]:
				e.formField = append(e.formField, f.Name)
				e.m2mFields = append(e.m2mFields, f)
			}
		}
	}
	e.choosers = map[string]bool{}
	for option, names := range map[string][]string{"FilterHorizontal": o.FilterHorizontal, "FilterVertical": o.FilterVertical} {
		for _, n := range names {
			f, ok := info.Field(n)
			if !ok || f.Kind != orm.KindM2M {
				return fail(option, "%q is not a many-to-many field of %s", n, info.Name)
			}
			e.choosers[f.Name] = option == "FilterVertical"
		}
	}
	if e.fieldsets == nil {
		all := append([]string{}, e.formField...)
		if o.Form != nil && names != nil {
			all = names
		}
		for _, c := range e.readonly {
			found := false
			for _, n := range all {
				found = found || n == c.name
			}
			if !found {
				all = append(all, c.name)
			}
		}
		e.fieldsets = []Fieldset{{Fields: all}}
	}
	return nil
}

// newForm builds the change form for obj (nil when adding), and the model form
// that saves its many-to-many fields (nil for a custom Form).
func (e *entry[T]) newForm(c *galvani.Ctx, db *orm.DB, obj *T) (*forms.Form[T], *modelform.Form[T], error) {
	if e.opts.Form != nil {
		f, err := e.opts.Form(c, obj)
		return f, nil, err
	}
	r := c.Request
	choices := map[string][]forms.Option{}
	var keyInputs []string
	widgets := map[string]forms.Widget{}
	for _, name := range e.formField {
		f, _ := e.infoCache.Field(name)
		if !f.IsRelation() {
			continue
		}
		if e.rawID[name] {
			keyInputs = append(keyInputs, name)
			continue
		}
		if e.opts.RelationChoices != nil {
			opts, err := e.opts.RelationChoices(r, name)
			if err != nil {
				return nil, nil, err
			}
			if opts != nil {
				choices[name] = opts
				if f.Kind == orm.KindM2M {
					widgets[name] = e.m2mWidget(f)
				}
				continue
			}
		}
		t, err := f.Rel.Target()
		if err != nil {
			return nil, nil, err
		}
		var opts []forms.Option
		if err := eachTarget(r.Context(), db, t, maxChoices+1, func(pk, label string) {
			opts = append(opts, forms.Option{Value: pk, Label: label})
		}); err != nil {
			return nil, nil, err
		}
		if len(opts) <= maxChoices {
			if opts == nil {
				opts = []forms.Option{}
			}
			choices[name] = opts
			if f.Kind == orm.KindM2M {
				widgets[name] = e.m2mWidget(f)
			}
		} else {
			keyInputs = append(keyInputs, name) // too many rows for a select
		}
	}
	form, err := modelform.New(r.Context(), obj, modelform.Options{Fields: e.formField, DB: db, Choices: choices, KeyInputs: keyInputs, Widgets: widgets})
	if err != nil {
		return nil, nil, err
	}
	if obj == nil {
		setDefaults(e.infoCache, &form.Data)
	}
	for target, sources := range e.opts.PrepopulatedFields {
		f := form.Field(target)
		if f == nil {
			continue
		}
		ids := make([]string, len(sources))
		for i, src := range sources {
			ids[i] = "id_" + src
		}
		inner := f.Widget
		if inner == nil {
			inner = forms.Input{Type: "text"}
		}
		f.Widget = withAttrs{inner, []forms.Attr{{Name: "data-prepopulate-from", Value: strings.Join(ids, ",")}}}
	}
	for name := range e.autoFields {
		f := form.Field(name)
		mf, _ := e.infoCache.Field(name)
		t, err := mf.Rel.Target()
		if f == nil || err != nil {
			continue
		}
		inner := f.Widget
		if inner == nil {
			inner = defaultWidget(f)
		}
		f.Widget = withAttrs{inner, []forms.Attr{{Name: "data-autocomplete-url", Value: e.site.modelURL(t, "autocomplete/")},
			{Name: "data-autocomplete-label", Value: "Search " + verbosePlural(t)}}}
	}
	return form.Form, form, nil
}

// withAttrs is a widget with extra attributes.
type withAttrs struct {
	forms.Widget
	attrs []forms.Attr
}

func (w withAttrs) Render(d forms.WidgetData) template.SafeString {
	d.Attrs = append(append([]forms.Attr{}, d.Attrs...), w.attrs...)
	return w.Widget.Render(d)
}

// rawIDLabel is the name of the object a raw-id field of obj points at, with a
// link to browse the target's list when the site has it.
func (e *entry[T]) rawIDLabel(r *http.Request, db *orm.DB, name string, obj *T) template.SafeString {
	f, _ := e.infoCache.Field(name)
	t, err := f.Rel.Target()
	if err != nil {
		return ""
	}
	var out strings.Builder
	if f.Kind == orm.KindM2M {
		if obj != nil {
			if names, more, err := m2mNames(r.Context(), db, f, obj, 20); err == nil && len(names) > 0 {
				text := strings.Join(names, ", ")
				if more > 0 {
					text += fmt.Sprintf(" and %d more", more)
				}
				out.WriteString(" <strong class=\"raw-id-name\">" + template.Escape(text) + "</strong>")
			}
		}
	} else if obj != nil {
		if key := relatedKey(reflect.ValueOf(obj).Elem().FieldByName(f.GoName)); key != nil {
			if objs, err := orm.LoadPKs(r.Context(), db, t, []any{key}, 1); err == nil && len(objs) == 1 {
				out.WriteString(" <strong class=\"raw-id-name\">" + template.Escape(repr(objs[0])) + "</strong>")
			}
		}
	}
	if m := e.site.lookup(t.App, t.ModelName); m != nil && m.prepare() == nil && m.perms(r).View {
		out.WriteString(` <a href="` + template.Escape(e.site.modelURL(t, "")) + `" target="_blank" rel="noopener">Browse ` + template.Escape(verbosePlural(t)) + `</a>`)
	}
	return template.SafeString(out.String())
}

// setDefaults gives a new object the model's default values.
func setDefaults(info *orm.ModelInfo, obj any) {
	v := reflect.ValueOf(obj).Elem()
	for _, f := range info.Fields {
		def, ok := f.DefaultValue()
		if !ok || def == nil {
			continue
		}
		fv := v.FieldByName(f.GoName)
		dv := reflect.ValueOf(def)
		if fv.IsValid() && fv.CanSet() && dv.Type().AssignableTo(fv.Type()) {
			fv.Set(dv)
		}
	}
}

// object finds the object of the path's key among the rows the admin shows.
func (e *entry[T]) object(c *galvani.Ctx, db *orm.DB) (*T, error) {
	pk, err := orm.ParsePK(e.infoCache, c.Param("pk"))
	if err != nil {
		return nil, galvani.Error(http.StatusNotFound, "no such object")
	}
	obj, err := e.baseQuery(c.Request, db).Get(c.Context(), e.infoCache.PK.Name, pk)
	if errors.Is(err, orm.ErrNotFound) {
		return nil, galvani.Error(http.StatusNotFound, "no such object")
	}
	return obj, err
}

// modelData adds the model's names, URLs and the user's permissions to data.
func (e *entry[T]) modelData(data map[string]any, r *http.Request) {
	info := e.infoCache
	pm := e.perms(r)
	data["opts"] = map[string]any{
		"app_label": info.App, "model_name": info.ModelName,
		"verbose_name": verboseName(info), "verbose_name_plural": verbosePlural(info),
		"app_title": appTitle(info.App), "app_url": e.site.root() + info.App + "/",
		"changelist_url": e.site.modelURL(info, ""), "add_url": e.site.modelURL(info, "add/"),
	}
	data["has_view_permission"] = pm.View
	data["has_add_permission"] = pm.Add
	data["has_change_permission"] = pm.Change
	data["has_delete_permission"] = pm.Delete
}

// formRow is one line of the change form: an input, or a read-only value.
type formRow struct {
	Field    *forms.BoundField
	Extra    template.SafeString
	Label    string
	Readonly template.SafeString
	Name     string
}

type fieldsetView struct {
	Name, Description string
	Collapse          bool
	Rows              []formRow
}

// fieldsetViews lays the form out in its fieldsets.
func (e *entry[T]) fieldsetViews(r *http.Request, db *orm.DB, form *forms.Form[T], obj *T, readonlyAll bool) []fieldsetView {
	ro := map[string]*column[T]{}
	for _, c := range e.readonly {
		ro[c.name] = c
	}
	var out []fieldsetView
	for _, fs := range e.fieldsets {
		v := fieldsetView{Name: fs.Name, Description: fs.Description, Collapse: fs.Collapse}
		for _, name := range fs.Fields {
			if col, ok := ro[name]; ok || readonlyAll {
				if f, isM2M := e.infoCache.Field(name); isM2M && f.Kind == orm.KindM2M && (!ok || col.custom == nil) {
					v.Rows = append(v.Rows, formRow{Label: labelOf(f), Readonly: e.m2mReadonly(r.Context(), db, f, obj), Name: name})
					continue
				}
				if !ok {
					var err error
					if col, err = e.makeColumn(name, nil); err != nil {
						continue
					}
				}
				html := template.SafeString(e.empty)
				if obj != nil {
					val, f, has := col.value(obj)
					html = e.format(val, f, has, col.boolean)
				}
				v.Rows = append(v.Rows, formRow{Label: col.label, Readonly: html, Name: name})
				continue
			}
			if form == nil {
				continue
			}
			if bf := form.BoundField(name); bf != nil {
				row := formRow{Field: bf, Name: name}
				if e.rawID[name] {
					row.Extra = e.rawIDLabel(r, db, name, obj)
				} else if !isPopup(r) {
					row.Extra = e.addRelatedLink(r, name, bf)
				}
				v.Rows = append(v.Rows, row)
			}
		}
		if len(v.Rows) > 0 {
			out = append(out, v)
		}
	}
	return out
}

func (e *entry[T]) add(c *galvani.Ctx) error {
	if !e.canAdd(c.Request) {
		return forbidden()
	}
	if e.opts.user {
		return e.userAdd(c)
	}
	return e.changeForm(c, nil)
}

func (e *entry[T]) change(c *galvani.Ctx) error {
	db, err := e.site.db(c.Request)
	if err != nil {
		return err
	}
	obj, err := e.object(c, db)
	if err != nil {
		return err
	}
	if !e.canView(c.Request, obj) {
		return forbidden()
	}
	return e.changeForm(c, obj)
}

// changeForm is the add and change page.
func (e *entry[T]) changeForm(c *galvani.Ctx, obj *T) error {
	r := c.Request
	ctx := r.Context()
	db, err := e.site.db(r)
	if err != nil {
		return err
	}
	adding := obj == nil
	canEdit := adding || e.canChange(r, obj)
	if r.Method == http.MethodPost && !canEdit {
		return forbidden()
	}
	var form *forms.Form[T]
	var mform *modelform.Form[T]
	if canEdit {
		if form, mform, err = e.newForm(c, db, obj); err != nil {
			return err
		}
	}
	saveAsNew := false
	var parentPK any
	if obj != nil {
		parentPK, _ = orm.PKValue(obj)
	}
	var sets []*inlineSet
	buildInlines := func(vals url.Values) error {
		sets = nil
		for _, ia := range e.inlines {
			set, err := ia.build(c, e.site, db, parentPK, vals, !canEdit)
			if err != nil {
				return err
			}
			if set != nil {
				sets = append(sets, set)
			}
		}
		return nil
	}
	if r.Method == http.MethodPost {
		var vals url.Values
		var files map[string][]*uploads.File
		if form != nil && form.IsMultipart() {
			// File fields: the body is parsed by package uploads, within the
			// form's limits (413 beyond them), its temporary files removed when
			// the request ends.
			vals, files, err = forms.ReadRequest(r, form.Limits)
		} else {
			vals, err = c.Form()
		}
		if err != nil {
			return err
		}
		_, saveAsNew = vals["_saveasnew"]
		saveAsNew = saveAsNew && !adding && e.opts.SaveAsNew
		if saveAsNew && !e.canAdd(r) {
			return forbidden()
		}
		if saveAsNew {
			parentPK = nil // the copy starts without the original's related rows
		}
		before := form.Data
		beforeM2M := e.m2mKeys(mform)
		err = form.BindData(ctx, vals, files)
		var invalid *forms.ValidationError
		if err != nil && !errors.As(err, &invalid) {
			return err
		}
		if err := buildInlines(vals); err != nil {
			return err
		}
		inlinesValid := true
		for _, set := range sets {
			inlinesValid = inlinesValid && set.valid
		}
		if err == nil && inlinesValid {
			saved := &form.Data
			created := adding || saveAsNew
			if saveAsNew {
				zeroPK(e.infoCache, saved)
			}
			err = db.Atomic(ctx, func(ctx context.Context, tx *orm.DB) error {
				if err := e.save(c, tx, saved, created); err != nil {
					return err
				}
				pk, err := orm.PKValue(saved)
				if err != nil {
					return err
				}
				if mform != nil {
					if err := mform.SaveM2M(ctx); err != nil {
						return err
					}
				}
				var related []string
				for _, set := range sets {
					msgs, err := set.save(ctx, c, tx, pk)
					if err != nil {
						return err
					}
					related = append(related, msgs...)
				}
				msg := textMsgAdded
				flag := int16(Addition)
				if !created {
					flag = Change
					msg = e.changeMessage(form, &before, saved, beforeM2M, e.m2mKeys(mform))
					if len(related) > 0 && msg == textMsgNoChange {
						msg = ""
					}
				}
				if s := inlineSummary(related); s != "" {
					msg = strings.TrimSpace(msg + " " + s)
				}
				return Log(ctx, tx, r, e.infoCache, pkString(saved), repr(saved), flag, msg)
			})
			var ferr *forms.Error
			switch {
			case errors.As(err, &ferr):
				form.AddError(ferr.Field, ferr.Message)
			case errors.Is(err, orm.ErrUniqueViolation):
				form.AddError("", "Another "+verboseName(e.infoCache)+" already has one of these values.")
			case err != nil:
				return err
			default:
				return e.afterSave(c, vals, saved, created)
			}
		}
	} else if err := buildInlines(nil); err != nil {
		return err
	}
	title := fmt.Sprintf("Add %s", verboseName(e.infoCache))
	if !adding {
		title = fmt.Sprintf("Change %s", verboseName(e.infoCache))
		if !canEdit {
			title = fmt.Sprintf("View %s", verboseName(e.infoCache))
		}
	}
	data := e.site.context(c, title)
	e.modelData(data, r)
	data["adding"] = adding
	data["can_edit"] = canEdit
	data["fieldsets"] = e.fieldsetViews(r, db, form, obj, !canEdit)
	data["form"] = form
	nerr := 0
	if form != nil && form.IsBound() && !form.IsValid() {
		if ve := form.Errors(); ve != nil {
			nerr = len(ve.Fields) + len(ve.NonField)
		}
	}
	for _, set := range sets {
		if !set.valid {
			nerr++
		}
	}
	data["errors"] = nerr
	data["inlines"] = sets
	data["errornote"] = textFixErrors
	if nerr > 1 {
		data["errornote"] = textFixErrorsMany
	}
	data["multipart"] = form != nil && form.IsMultipart()
	data["save_as_new"] = e.opts.SaveAsNew && !adding && e.canAdd(r)
	data["save_on_top"] = e.opts.SaveOnTop
	data["can_add_another"] = e.canAdd(r)
	data["changelist_filters"] = safeFilters(c.Query(paramFilters))
	data["form_url"] = r.URL.RequestURI()
	data["is_popup"] = isPopup(r)
	data["prepopulated"] = nil
	if obj != nil {
		data["object"] = repr(obj)
		data["object_id"] = pkString(obj)
		data["history_url"] = e.site.objectURL(e.infoCache, pkString(obj), "history")
		data["delete_url"] = ""
		if e.canDelete(r, obj) {
			data["delete_url"] = e.site.objectURL(e.infoCache, pkString(obj), "delete") + filterSuffix(c.Query(paramFilters))
		}
		if u := e.viewOnSite(c, obj); u != "" {
			data["view_on_site"] = u
		}
	}
	return c.Render(http.StatusOK, "admin/change_form.html", data)
}

// viewOnSite is the public URL of obj, or "".
func (e *entry[T]) viewOnSite(c *galvani.Ctx, obj *T) string {
	if e.opts.ViewOnSite != nil {
		u, err := e.opts.ViewOnSite(c, obj)
		if err == nil && galvani.IsLocalURL(u) || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			return u
		}
		return ""
	}
	if a, ok := any(obj).(interface {
		AbsoluteURL(*galvani.App) (string, error)
	}); ok {
		if u, err := a.AbsoluteURL(c.App()); err == nil {
			return u
		}
	}
	return ""
}

// save saves obj with SaveModel, or the ORM.
func (e *entry[T]) save(c *galvani.Ctx, db *orm.DB, obj *T, created bool) error {
	if e.opts.SaveModel != nil {
		return e.opts.SaveModel(c, db, obj, created)
	}
	if created {
		return db.Create(c.Context(), obj)
	}
	return db.Save(c.Context(), obj)
}

// deleteOne deletes obj with DeleteModel, or the ORM.
func (e *entry[T]) deleteOne(c *galvani.Ctx, db *orm.DB, obj *T) error {
	if e.opts.DeleteModel != nil {
		return e.opts.DeleteModel(c, db, obj)
	}
	_, err := db.Delete(c.Context(), obj)
	return err
}

// zeroPK clears an automatic key, so saving inserts a copy ("Save as new").
func zeroPK(info *orm.ModelInfo, obj any) {
	if !info.PK.Auto {
		return
	}
	if f := reflect.ValueOf(obj).Elem().FieldByName(info.PK.GoName); f.CanSet() {
		f.SetZero()
	}
}

// changeMessage lists the labels of the fields the form changed: those of T,
// and the many-to-many fields whose keys differ between beforeM2M and afterM2M.
func (e *entry[T]) changeMessage(form *forms.Form[T], before, after *T, beforeM2M, afterM2M map[string]map[string]bool) string {
	b, a := reflect.ValueOf(before).Elem(), reflect.ValueOf(after).Elem()
	var changed []string
	for _, bf := range form.BoundFields() {
		f := bf.Field()
		if f == nil || f.GoName == "" {
			continue
		}
		if keys, ok := afterM2M[bf.Name()]; ok {
			if !maps.Equal(keys, beforeM2M[bf.Name()]) {
				changed = append(changed, strings.ToLower(bf.Label()))
			}
			continue
		}
		x, y := b.FieldByName(f.GoName), a.FieldByName(f.GoName)
		if x.IsValid() && y.IsValid() && !reflect.DeepEqual(x.Interface(), y.Interface()) {
			changed = append(changed, strings.ToLower(bf.Label()))
		}
	}
	if len(changed) == 0 {
		return textMsgNoChange
	}
	list := changed[0]
	if n := len(changed); n > 1 {
		list = strings.Join(changed[:n-1], ", ") + " and " + changed[n-1]
	}
	return fmt.Sprintf(textMsgChanged, list)
}

// safeFilters re-encodes a _changelist_filters value, so it can only ever be a
// query string of our own changelist.
func safeFilters(raw string) string {
	vals, err := url.ParseQuery(raw)
	if err != nil || len(vals) == 0 {
		return ""
	}
	return vals.Encode()
}

// filterSuffix is "?_changelist_filters=..." to carry the changelist's filters
// through the edit pages, or "".
func filterSuffix(raw string) string {
	if f := safeFilters(raw); f != "" {
		return "?" + url.Values{paramFilters: {f}}.Encode()
	}
	return ""
}

// afterSave answers a successful save according to the button pressed.
func (e *entry[T]) afterSave(c *galvani.Ctx, vals url.Values, obj *T, created bool) error {
	r := c.Request
	name, pk := verboseName(e.infoCache), pkString(obj)
	filters := safeFilters(c.Query(paramFilters))
	carry := filterSuffix(c.Query(paramFilters))
	_, cont := vals["_continue"]
	_, another := vals["_addanother"]
	_, asNew := vals["_saveasnew"]
	if isPopup(r) && created {
		return e.popupResponse(c, pk, repr(obj))
	}
	switch {
	case cont || asNew && e.opts.SaveAsNew:
		f := textChangedCont
		if created {
			f = textAddedContinue
		}
		messages.Success(r, fmt.Sprintf(f, name, repr(obj)))
		return c.Redirect(http.StatusSeeOther, e.site.objectURL(e.infoCache, pk, "change")+carry)
	case another:
		f := textChangedAnother
		if created {
			f = textAddedAnother
		}
		messages.Success(r, fmt.Sprintf(f, name, repr(obj)))
		return c.Redirect(http.StatusSeeOther, e.site.modelURL(e.infoCache, "add/")+carry)
	}
	f := textChanged
	if created {
		f = textAdded
	}
	messages.Success(r, fmt.Sprintf(f, name, repr(obj)))
	if !e.canView(r, nil) {
		return c.Redirect(http.StatusSeeOther, e.site.root())
	}
	u := e.site.modelURL(e.infoCache, "")
	if filters != "" {
		u += "?" + filters
	}
	return c.Redirect(http.StatusSeeOther, u)
}

// deletedGroup is one model's rows in a delete preview.
type deletedGroup struct {
	Name    string
	Count   int
	Objects []deletedObject
	More    int
}

type deletedObject struct{ Name, URL string }

// deletePreview describes what deleting keys of model info would remove.
func (s *Site) deletePreview(ctx context.Context, r *http.Request, db *orm.DB, info *orm.ModelInfo, keys []any) ([]deletedGroup, []string, error) {
	plan, err := orm.CollectDelete(ctx, db, info, keys)
	if err != nil {
		return nil, nil, err
	}
	const shown = 20
	var groups []deletedGroup
	for _, g := range plan.Deletes {
		dg := deletedGroup{Name: verbosePlural(g.Model), Count: len(g.PKs)}
		if len(g.PKs) == 1 {
			dg.Name = verboseName(g.Model)
		}
		objs, err := orm.LoadPKs(ctx, db, g.Model, g.PKs, shown)
		if err != nil {
			return nil, nil, err
		}
		m := s.lookup(g.Model.App, g.Model.ModelName)
		for _, o := range objs {
			d := deletedObject{Name: repr(o)}
			if m != nil && m.prepare() == nil && m.perms(r).Change {
				d.URL = s.objectURL(g.Model, pkString(o), "change")
			}
			dg.Objects = append(dg.Objects, d)
		}
		dg.More = len(g.PKs) - len(objs)
		groups = append(groups, dg)
	}
	var protected []string
	for _, p := range plan.Protected {
		pm, _ := orm.ModelByLabel(info.App + "." + p.Model)
		if pm == nil {
			for _, mi := range orm.Models() {
				if mi.Name == p.Model {
					pm = mi
				}
			}
		}
		if pm == nil {
			protected = append(protected, fmt.Sprintf("%d %s", len(p.PKs), p.Model))
			continue
		}
		objs, err := orm.LoadPKs(ctx, db, pm, p.PKs, shown)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range objs {
			protected = append(protected, capfirst(verboseName(pm))+": "+repr(o))
		}
	}
	return groups, protected, nil
}

func (e *entry[T]) delete(c *galvani.Ctx) error {
	r := c.Request
	db, err := e.site.db(r)
	if err != nil {
		return err
	}
	obj, err := e.object(c, db)
	if err != nil {
		return err
	}
	if !e.canDelete(r, obj) {
		return forbidden()
	}
	pk, _ := orm.PKValue(obj)
	groups, protected, err := e.site.deletePreview(r.Context(), r, db, e.infoCache, []any{pk})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		if len(protected) == 0 {
			name, key := repr(obj), pkString(obj)
			err := db.Atomic(r.Context(), func(ctx context.Context, tx *orm.DB) error {
				if err := e.deleteOne(c, tx, obj); err != nil {
					return err
				}
				return Log(ctx, tx, r, e.infoCache, key, name, Deletion, "")
			})
			if err != nil && !errors.Is(err, orm.ErrProtected) {
				return err
			}
			if err == nil {
				messages.Success(r, fmt.Sprintf(textDeleted, verboseName(e.infoCache), name))
				u := e.site.modelURL(e.infoCache, "")
				if !e.canView(r, nil) {
					u = e.site.root()
				} else if f := safeFilters(c.Query(paramFilters)); f != "" {
					u += "?" + f
				}
				return c.Redirect(http.StatusSeeOther, u)
			}
		}
		status = http.StatusConflict
	}
	data := e.site.context(c, "Are you sure?")
	e.modelData(data, r)
	data["object"] = repr(obj)
	data["object_url"] = e.site.objectURL(e.infoCache, pkString(obj), "change")
	data["summary"] = groups
	data["protected"] = protected
	data["cancel_url"] = data["object_url"]
	return c.Render(status, "admin/delete_confirmation.html", data)
}

func (e *entry[T]) history(c *galvani.Ctx) error {
	r := c.Request
	db, err := e.site.db(r)
	if err != nil {
		return err
	}
	obj, err := e.object(c, db)
	if err != nil {
		return err
	}
	if !e.canView(r, obj) {
		return forbidden()
	}
	entries, err := orm.Q[LogEntry](db).Filter("app", e.infoCache.App, "model_name", e.infoCache.ModelName, "object_id", pkString(obj)).
		OrderBy("action_time", "id").Limit(1000).All(r.Context())
	if err != nil {
		return err
	}
	data := e.site.context(c, fmt.Sprintf("Change history: %s", repr(obj)))
	e.modelData(data, r)
	data["object"] = repr(obj)
	data["object_url"] = e.site.objectURL(e.infoCache, pkString(obj), "change")
	data["entries"] = entries
	return c.Render(http.StatusOK, "admin/object_history.html", data)
}

// autocomplete answers the JSON of an autocomplete widget: the rows whose
// search fields match ?term=, twenty a page (?page=), for users who may view
// the model.
func (e *entry[T]) autocomplete(c *galvani.Ctx) error {
	r := c.Request
	if !e.canView(r, nil) {
		return forbidden()
	}
	if len(e.search) == 0 {
		return galvani.Errorf(http.StatusBadRequest, "%s has no SearchFields, so it cannot be searched", e.infoCache.Name)
	}
	db, err := e.site.db(r)
	if err != nil {
		return err
	}
	page, err := c.QueryInt("page", 1)
	if err != nil || page < 1 || page > 10000 {
		return galvani.Error(http.StatusBadRequest, "page must be a whole number from 1")
	}
	st := &changelistState{vals: url.Values{}, search: c.Query("term")}
	q, err := e.filtered(r, e.baseQuery(r, db), st, -1)
	if err != nil {
		return err
	}
	const per = 20
	objs, err := q.OrderBy(e.ordering(st)...).Offset((page - 1) * per).Limit(per + 1).All(r.Context())
	if err != nil {
		return err
	}
	more := len(objs) > per
	if more {
		objs = objs[:per]
	}
	results := make([]map[string]string, len(objs))
	for i := range objs {
		results[i] = map[string]string{"id": pkString(&objs[i]), "text": repr(&objs[i])}
	}
	return c.JSON(http.StatusOK, map[string]any{"results": results, "pagination": map[string]bool{"more": more}})
}
