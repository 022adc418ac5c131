package admin

import (
	"net/http"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/orm"
	"github.com/galvani-web/galvani/template"
)

// ModelAdmin holds the options of one model's admin, Django's ModelAdmin as a
// struct literal: the zero value gives a working admin from the model's metadata
// alone. Field names are the ORM's lookup names ("title", "author"); a list
// column may also name a relation's field ("author__username") or a Column.
type ModelAdmin[T any] struct {
	// ListDisplay names the changelist's columns: model fields, relation paths
	// ("author__username") and the names of Columns. Default: the object itself.
	ListDisplay []string
	// Columns are computed columns (Django's methods on the ModelAdmin), used by
	// name in ListDisplay.
	Columns []Column[T]
	// ListDisplayLinks names the columns that link to the change page. Default:
	// the first column.
	ListDisplayLinks []string
	// EmptyValueDisplay is shown for NULL, empty and missing values. Default "-".
	EmptyValueDisplay string
	// SearchFields are searched by the changelist's ?q=: each word must match one
	// of them. A prefix chooses the match: "^name" starts with, "=name" equals
	// (ignoring case), "@name" contains (full-text search is not built in); no
	// prefix contains, ignoring case. Relation paths work ("author__username").
	SearchFields []string
	// SearchHelpText is shown under the search box.
	SearchHelpText string
	// ListFilter names fields to filter the changelist by, in the sidebar:
	// booleans, fields with choices, foreign keys, dates.
	ListFilter []string
	// Filters are custom sidebar filters, shown after ListFilter's.
	Filters []Filter[T]
	// DateHierarchy names a date field for the drill-down links above the list
	// (year, then month, then day).
	DateHierarchy string
	// Ordering is the changelist's default ordering. Default: the model's.
	Ordering []string
	// SortableBy limits the columns that can be sorted by clicking their header;
	// nil means every column that maps to a field.
	SortableBy []string
	// ListPerPage is the number of rows per page (default 100); ListMaxShowAll the
	// most rows "Show all" displays on one page (default 200).
	ListPerPage, ListMaxShowAll int
	// ListSelectRelated lists relations to join in the changelist's query. Foreign
	// keys shown in ListDisplay are joined anyway.
	ListSelectRelated []string
	// ListEditable names ListDisplay columns (model fields, not the link column)
	// edited in place on the changelist, saved together by its Save button.
	ListEditable []string
	// HideFullResultCount skips the count of all rows shown beside a filtered
	// count ("5 results (1000 total)"), for tables where counting is slow.
	HideFullResultCount bool

	// Fields lists the form's fields, in order; nil means every editable field.
	Fields []string
	// Fieldsets groups the form's fields under headings; it replaces Fields.
	Fieldsets []Fieldset
	// Exclude leaves fields out of the form.
	Exclude []string
	// ReadonlyFields are shown but not editable: model fields or Columns.
	ReadonlyFields []string
	// Form replaces the form the admin builds (Django's ModelAdmin.form): return a
	// form over T whose Data starts from obj (nil when adding).
	Form func(c *galvani.Ctx, obj *T) (*forms.Form[T], error)
	// RelationChoices gives the options of a foreign key or many-to-many field
	// for the request (Django's formfield_for_foreignkey and
	// formfield_for_manytomany); returning nil options keeps the default: every
	// row of the target, as its String(). Submitted keys must be among them.
	RelationChoices func(r *http.Request, field string) ([]forms.Option, error)
	// PrepopulatedFields fills a field from others as the user types (a slug from
	// the title), by field name: {"slug": {"title"}}. It needs JavaScript; the
	// field stays editable.
	PrepopulatedFields map[string][]string
	// RawIDFields are foreign keys edited as a key input, with the current
	// object's name beside it, instead of a select of every row (for big tables).
	// A many-to-many field in it takes keys separated by commas ("3,7,12").
	RawIDFields []string
	// FilterHorizontal and FilterVertical name many-to-many fields edited with a
	// chooser: the available and the chosen objects in two lists, side by side
	// or one above the other, with a filter box and buttons to move them (it
	// needs JavaScript; without it the field is a multiple select, the default
	// for many-to-many fields).
	FilterHorizontal, FilterVertical []string
	// Inlines edit related models on the change form: comments under their
	// article (admin.TabularInline[Comment]{}, admin.StackedInline[Comment]{}).
	Inlines []Inline
	// AutocompleteFields are foreign keys edited like RawIDFields, plus, with
	// JavaScript, a search box fed by the target's autocomplete endpoint (its
	// SearchFields, and the user's view permission on it). The target must be
	// registered with the same site, with SearchFields.
	AutocompleteFields []string
	// SaveAsNew shows "Save as new" on the change form, which saves a copy.
	SaveAsNew bool
	// SaveOnTop repeats the save buttons above the form.
	SaveOnTop bool

	// Actions are the changelist's bulk actions, after the built-in "Delete
	// selected" (unless DisableDeleteSelected).
	Actions []Action[T]
	// DisableDeleteSelected removes the built-in delete action.
	DisableDeleteSelected bool

	// Query narrows the rows the admin shows and edits for a request (Django's
	// get_queryset): an object outside it is a 404 on every page.
	Query func(r *http.Request, q orm.QuerySet[T]) orm.QuerySet[T]
	// HasViewPermission, HasAddPermission, HasChangePermission and
	// HasDeletePermission replace the permission checks (obj is nil for
	// model-wide checks). Nil means the user's auth permissions
	// ("app.view_model" ...), Django's default; they are checked on every page and
	// endpoint, not only when drawing buttons.
	HasViewPermission, HasChangePermission, HasDeletePermission func(r *http.Request, obj *T) bool
	HasAddPermission                                            func(r *http.Request) bool
	// SaveModel replaces saving an object (db.Create or db.Save); DeleteModel
	// replaces deleting one. created is true when adding.
	SaveModel   func(c *galvani.Ctx, db *orm.DB, obj *T, created bool) error
	DeleteModel func(c *galvani.Ctx, db *orm.DB, obj *T) error
	// ViewOnSite returns the public URL of obj for the "View on site" link; nil
	// uses the model's AbsoluteURL(*galvani.App) (string, error) method when it
	// has one.
	ViewOnSite func(c *galvani.Ctx, obj *T) (string, error)

	user bool // a user model: add and password pages of their own (UserAdmin)
}

// Column is a computed changelist column (or read-only form value), Django's
// ModelAdmin method with its display attributes.
type Column[T any] struct {
	// Name is how ListDisplay and ReadonlyFields refer to it.
	Name string
	// Label is the column header; default: Name, capitalised, underscores as spaces.
	Label string
	// Value computes the cell. A bool shows as an icon when Boolean is set; nil,
	// "" and a zero time show EmptyValueDisplay. It is escaped unless it is a
	// template.SafeString.
	Value func(obj *T) any
	// Boolean shows a bool as a yes/no icon.
	Boolean bool
	// OrderField makes the column sortable by that field.
	OrderField string
}

// Filter is a custom changelist filter (Django's SimpleListFilter).
type Filter[T any] struct {
	// Title is the heading in the sidebar; Param the query parameter it reads.
	Title, Param string
	// Choices lists the filter's values and labels for the request.
	Choices func(r *http.Request) []Choice
	// Apply narrows q to the rows matching value (never called with "").
	Apply func(r *http.Request, q orm.QuerySet[T], value string) orm.QuerySet[T]
}

// Choice is one value of a custom filter.
type Choice struct{ Value, Label string }

// Action is a changelist bulk action.
type Action[T any] struct {
	// Name is the action's value in the form; Label its text in the menu.
	Name, Label string
	// Permission is the permission the user needs ("change", "delete", "view" of
	// the model, or any full "app.codename"); default "change".
	Permission string
	// Run carries the action out on the selected rows. It may add messages; a
	// non-nil HTML result is rendered in place of the changelist (an intermediate
	// page), otherwise the changelist is shown again.
	Run func(c *galvani.Ctx, q orm.QuerySet[T]) (template.SafeString, error)
}

// Fieldset is a titled group of form fields.
type Fieldset struct {
	// Name is the heading (may be empty for the first group).
	Name string
	// Fields are shown in order.
	Fields []string
	// Description is shown under the heading.
	Description string
	// Collapse starts the group folded (a <details> element).
	Collapse bool
}
