package admin

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/auth"
	"github.com/galvani-web/galvani/orm"
)

// modelAdmin is a registered model's admin with its type erased, so the site can
// hold admins of many models.
type modelAdmin interface {
	key() string
	info() *orm.ModelInfo
	prepare() error
	perms(r *http.Request) perms
	changelist(c *galvani.Ctx) error
	add(c *galvani.Ctx) error
	change(c *galvani.Ctx) error
	delete(c *galvani.Ctx) error
	history(c *galvani.Ctx) error
	autocomplete(c *galvani.Ctx) error
	password(c *galvani.Ctx) error
}

// perms are what a user may do with a model as a whole.
type perms struct{ View, Add, Change, Delete bool }

// Any reports whether the user may do anything with the model.
func (p perms) Any() bool { return p.View || p.Add || p.Change || p.Delete }

// entry is the admin of model T on one site.
type entry[T any] struct {
	site *Site
	opts ModelAdmin[T]

	once       sync.Once
	err        error
	infoCache  *orm.ModelInfo // set by prepare
	infoPtr    atomic.Pointer[orm.ModelInfo]
	pkIndex    []int // the struct index of an int64 primary key (nil for other keys)
	columns    []*column[T]
	links      map[string]bool
	search     []searchField
	filters    []*fieldFilter
	readonly   []*column[T]
	fieldsets  []Fieldset
	formField  []string        // editable fields of the form, in order
	m2mFields  []*orm.Field    // the many-to-many fields among them
	choosers   map[string]bool // FilterHorizontal (false) and FilterVertical (true) fields
	related    []string        // SelectRelated paths of the changelist
	rawID      map[string]bool
	autoFields map[string]bool
	inlines    []inlineAdmin
	empty      string
}

// key is "app.model", once the model is registered with the ORM.
func (e *entry[T]) key() string {
	if info := e.info(); info != nil {
		return info.App + "." + info.ModelName
	}
	return "?." + strings.ToLower(reflect.TypeFor[T]().Name())
}

// info is the model's metadata, nil until the model is registered with the ORM.
func (e *entry[T]) info() *orm.ModelInfo {
	if p := e.infoPtr.Load(); p != nil {
		return p
	}
	info, err := orm.InfoOf[T]()
	if err != nil {
		return nil
	}
	e.infoPtr.Store(info)
	return info
}

// prepare checks the options against the model's metadata once, when the model
// is registered with the ORM.
func (e *entry[T]) prepare() error {
	e.once.Do(func() { e.err = e.build() })
	return e.err
}

func (e *entry[T]) build() error {
	info, err := orm.InfoOf[T]()
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	e.infoCache = info
	if info.PK != nil && info.PK.GoType == int64Type {
		if sf, ok := info.Type.FieldByName(info.PK.GoName); ok {
			e.pkIndex = sf.Index
		}
	}
	o := &e.opts
	fail := func(option, format string, args ...any) error {
		return fmt.Errorf("admin: %s.%s: %s", info.Label(), option, fmt.Sprintf(format, args...))
	}
	e.empty = o.EmptyValueDisplay
	if e.empty == "" {
		e.empty = "-"
	}
	if o.ListPerPage <= 0 {
		o.ListPerPage = 100
	}
	if o.ListMaxShowAll <= 0 {
		o.ListMaxShowAll = 200
	}
	byName := map[string]*Column[T]{}
	for i := range o.Columns {
		c := &o.Columns[i]
		if c.Name == "" || c.Value == nil {
			return fail("Columns", "column %d needs a Name and a Value", i)
		}
		byName[c.Name] = c
	}
	display := o.ListDisplay
	if len(display) == 0 {
		display = []string{"__str__"}
	}
	selected := map[string]bool{}
	for _, name := range display {
		col, err := e.makeColumn(name, byName)
		if err != nil {
			return fail("ListDisplay", "%v", err)
		}
		e.columns = append(e.columns, col)
		if col.relPath != "" && !selected[col.relPath] {
			selected[col.relPath] = true
			e.related = append(e.related, col.relPath)
		}
	}
	for _, p := range o.ListSelectRelated {
		if !selected[p] {
			selected[p] = true
			e.related = append(e.related, p)
		}
	}
	e.links = map[string]bool{}
	for _, l := range o.ListDisplayLinks {
		found := false
		for _, c := range e.columns {
			if c.name == l {
				found = true
			}
		}
		if !found {
			return fail("ListDisplayLinks", "%q is not in ListDisplay", l)
		}
		e.links[l] = true
	}
	if len(e.links) == 0 {
		e.links[e.columns[0].name] = true
	}
	for _, n := range o.ListEditable {
		var col *column[T]
		for _, c := range e.columns {
			if c.name == n {
				col = c
			}
		}
		if col == nil || len(col.path) != 1 || col.custom != nil {
			return fail("ListEditable", "%q must be a field of %s in ListDisplay", n, info.Name)
		}
		if e.links[n] {
			return fail("ListEditable", "%q links to the change page, so it cannot be edited in the list", n)
		}
	}
	if o.SortableBy != nil {
		ok := map[string]bool{}
		for _, n := range o.SortableBy {
			ok[n] = true
		}
		for _, c := range e.columns {
			if !ok[c.name] {
				c.order = ""
			}
		}
	}
	for _, sf := range o.SearchFields {
		s, err := parseSearchField(info, sf)
		if err != nil {
			return fail("SearchFields", "%v", err)
		}
		e.search = append(e.search, s)
	}
	for _, name := range o.ListFilter {
		f, err := newFieldFilter(info, name)
		if err != nil {
			return fail("ListFilter", "%v", err)
		}
		e.filters = append(e.filters, f)
	}
	for i, f := range o.Filters {
		if f.Param == "" || f.Apply == nil || f.Choices == nil {
			return fail("Filters", "filter %d needs Param, Choices and Apply", i)
		}
	}
	if o.DateHierarchy != "" {
		f, ok := info.Field(o.DateHierarchy)
		if !ok || f.Kind != orm.KindDate && f.Kind != orm.KindDateTime {
			return fail("DateHierarchy", "%q is not a date field of %s", o.DateHierarchy, info.Name)
		}
	}
	for _, name := range o.ReadonlyFields {
		if f, ok := info.Field(name); ok && f.Kind == orm.KindM2M && byName[name] == nil {
			e.readonly = append(e.readonly, &column[T]{name: name, label: labelOf(f), path: []*orm.Field{f}})
			continue
		}
		col, err := e.makeColumn(name, byName)
		if err != nil {
			return fail("ReadonlyFields", "%v", err)
		}
		e.readonly = append(e.readonly, col)
	}
	for i, in := range o.Inlines {
		ia := in.inline()
		if err := ia.prepare(info); err != nil {
			return fail("Inlines", "inline %d: %v", i, err)
		}
		e.inlines = append(e.inlines, ia)
	}
	return e.buildForm(fail)
}

// perms returns what the request's user may do with the model as a whole.
func (e *entry[T]) perms(r *http.Request) perms {
	return perms{View: e.canView(r, nil), Add: e.canAdd(r), Change: e.canChange(r, nil), Delete: e.canDelete(r, nil)}
}

func (e *entry[T]) perm(r *http.Request, action string) bool {
	info := e.infoCache
	return auth.HasPerm(r, info.App+"."+action+"_"+info.ModelName)
}

// canView: the view permission, or the change permission (which implies it), as
// in Django.
func (e *entry[T]) canView(r *http.Request, obj *T) bool {
	if e.opts.HasViewPermission != nil {
		return e.opts.HasViewPermission(r, obj) || e.canChange(r, obj)
	}
	return e.perm(r, "view") || e.canChange(r, obj)
}

func (e *entry[T]) canAdd(r *http.Request) bool {
	if e.opts.HasAddPermission != nil {
		return e.opts.HasAddPermission(r)
	}
	return e.perm(r, "add")
}

func (e *entry[T]) canChange(r *http.Request, obj *T) bool {
	if e.opts.HasChangePermission != nil {
		return e.opts.HasChangePermission(r, obj)
	}
	return e.perm(r, "change")
}

func (e *entry[T]) canDelete(r *http.Request, obj *T) bool {
	if e.opts.HasDeletePermission != nil {
		return e.opts.HasDeletePermission(r, obj)
	}
	return e.perm(r, "delete")
}

// forbidden is the answer to a request the user's permissions do not allow.
func forbidden() error { return galvani.Error(http.StatusForbidden, textNoPermission) }

// verboseName and verboseNamePlural of a model, lower case ("blog post").
func verboseName(info *orm.ModelInfo) string {
	if info.VerboseName != "" {
		return info.VerboseName
	}
	return spaced(info.Name)
}

func verbosePlural(info *orm.ModelInfo) string {
	if info.VerboseNamePlural != "" {
		return info.VerboseNamePlural
	}
	return verboseName(info) + "s"
}

// spaced turns "BlogPost" into "blog post".
func spaced(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte(' ')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// capfirst upper-cases the first letter.
func capfirst(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// labelOf is a field's label: its verbose name, else its name with spaces.
func labelOf(f *orm.Field) string {
	if f.VerboseName != "" {
		return capfirst(f.VerboseName)
	}
	return capfirst(strings.ReplaceAll(f.Name, "_", " "))
}

// appTitle is an app label as a heading ("blog" → "Blog").
func appTitle(label string) string { return capfirst(strings.ReplaceAll(label, "_", " ")) }
