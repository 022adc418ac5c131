package forms

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/galvani-web/galvani/template"
	"github.com/galvani-web/galvani/uploads"
)

// Names of the management form's inputs, as in Django.
const (
	TotalForms   = "TOTAL_FORMS"
	InitialForms = "INITIAL_FORMS"
	MinNumForms  = "MIN_NUM_FORMS"
	MaxNumForms  = "MAX_NUM_FORMS"
	deleteField  = "DELETE"
	orderField   = "ORDER"
)

// DefaultMaxForms is FormSet.Max when it is zero (Django's default max_num).
const DefaultMaxForms = 1000

// FormSet is a list of forms of one type edited together — the rows of an order,
// the admin's inlines — as Django's formsets: a management form says how many
// forms were sent (TOTAL_FORMS) and how many of them edit Initial values
// (INITIAL_FORMS); extra blank forms that the user leaves untouched are ignored; with
// CanDelete each form has a DELETE checkbox, with CanOrder an ORDER number.
//
// The number of forms a request can make the server build is bounded by
// AbsoluteMax, whatever TOTAL_FORMS says.
type FormSet[T any] struct {
	// Prefix namespaces the inputs: "form" gives "form-0-title", "form-TOTAL_FORMS".
	Prefix string
	// Initial are the values of the forms that edit existing items, in order.
	Initial []T
	// Extra is the number of blank forms shown after the initial ones.
	Extra int
	// Min and Max bound the number of forms shown (Max also bounds the forms
	// accepted with ValidateMax); Max zero means DefaultMaxForms.
	Min, Max int
	// AbsoluteMax bounds the forms a request may submit; zero means Max + 1000 (as
	// in Django). A larger TOTAL_FORMS is refused.
	AbsoluteMax int
	// ValidateMin and ValidateMax turn Min and Max into validation rules on the
	// number of non-deleted, filled-in forms.
	ValidateMin, ValidateMax bool
	// CanDelete adds a DELETE checkbox to each form. A form whose box is checked
	// is not validated, and its Entry says Deleted.
	CanDelete bool
	// DeleteInitialOnly gives the DELETE checkbox to the forms of Initial values
	// only: an extra form cannot be deleted, and a DELETE sent for one is ignored
	// (Django's can_delete_extra=False).
	DeleteInitialOnly bool
	// CanOrder adds an ORDER number input to each form (Django's can_order): the
	// forms of Initial values start numbered 1, 2, 3..., the extra ones blank. A
	// value that is not a whole number is the form's error; blank is allowed.
	// After a valid Bind, OrderedEntries lists the kept forms in that order.
	CanOrder bool
	// Translator, Location and Limits are given to every form (see Form).
	Translator Translator
	Location   *time.Location
	Limits     uploads.Limits
	// NewForm, if set, makes the set's blank forms instead of New[T] (model
	// formsets use modelform.New).
	NewForm func() *Form[T]
	// Configure, if set, is called on every form the set makes (to set Options
	// from the database, for instance).
	Configure func(*Form[T])
	// MakeForm, if set, makes form i instead of NewForm and Initial: initial says
	// whether the form edits an existing item (i < INITIAL_FORMS when bound, i <
	// len(Initial) when not), data is the submitted data (nil when not bound).
	// Model formsets use it to find the row a form edits by the key it sent. The
	// set still sets the form's Prefix, Translator, Location and Limits, and calls
	// Configure. An error stops Bind as a server failure.
	MakeForm func(ctx context.Context, i int, initial bool, data url.Values) (*Form[T], error)
	// Clean, if set, checks the set as a whole once every form is valid: it gets
	// the entries that are kept. Return *Error values to reject.
	Clean func(entries []Entry[T]) error

	forms   []*Form[T]
	deleted []bool
	// order holds each bound form's ORDER (nil: blank or invalid), orderRaw what
	// was submitted, orderErrs the messages of the values that are not numbers.
	order     []*int64
	orderRaw  []string
	orderErrs map[int][]string
	initialN  int
	bound     bool
	nonForm   []string
	// ctxTranslator is the translator of the context the set was bound with,
	// used when Translator is nil.
	ctxTranslator Translator
	status        int
	makeErr       error
}

// Entry is one form's outcome after a successful Bind.
type Entry[T any] struct {
	// Index is the form's position in the set.
	Index int
	// Data holds the cleaned values (for a deleted form: the initial ones).
	Data T
	// Initial is true for the forms that edit Initial[Index].
	Initial bool
	// Deleted is true when the DELETE box was checked.
	Deleted bool
	// Changed is true when the submitted values differ from the initial ones; as in
	// Django, a changed ORDER number or a checked DELETE box counts.
	Changed bool
	// Order is the form's ORDER number with CanOrder, nil when it was left blank.
	Order *int64
}

// NewFormSet returns an unbound formset of T forms with prefix "form" and one
// extra form. It panics if T's form tags are invalid, as New does.
func NewFormSet[T any]() *FormSet[T] {
	if err := Check[T](); err != nil {
		panic(err)
	}
	return &FormSet[T]{Prefix: "form", Extra: 1}
}

func (s *FormSet[T]) prefix() string {
	if s.Prefix == "" {
		return "form"
	}
	return s.Prefix
}

func (s *FormSet[T]) max() int {
	if s.Max <= 0 {
		return DefaultMaxForms
	}
	return s.Max
}

func (s *FormSet[T]) absoluteMax() int {
	if s.AbsoluteMax > 0 {
		return s.AbsoluteMax
	}
	return s.max() + 1000
}

func (s *FormSet[T]) blank() *Form[T] {
	if s.NewForm != nil {
		return s.NewForm()
	}
	return New[T]()
}

// newForm makes form i; data is the submitted data (nil when not bound).
func (s *FormSet[T]) newForm(ctx context.Context, i int, initial bool, data url.Values) (*Form[T], error) {
	var f *Form[T]
	if s.MakeForm != nil {
		var err error
		if f, err = s.MakeForm(ctx, i, initial, data); err != nil {
			return nil, err
		}
	} else {
		f = s.blank()
		if initial && i >= 0 && i < len(s.Initial) {
			f.Data = s.Initial[i]
		}
	}
	f.Prefix = s.prefix() + "-" + strconv.Itoa(i)
	f.Translator, f.Location, f.Limits = s.Translator, s.Location, s.Limits
	if s.Configure != nil {
		s.Configure(f)
	}
	return f, nil
}

// translator returns the set's Translator, else the one of the context it was
// bound with.
func (s *FormSet[T]) translator() Translator {
	if s.Translator != nil {
		return s.Translator
	}
	return s.ctxTranslator
}

func (s *FormSet[T]) message(key string, params map[string]any) string {
	if tr := s.translator(); tr != nil {
		if m := tr(key, params); m != "" {
			return m
		}
	}
	return interpolate(defaultMessages[key], params)
}

// Forms returns the set's forms: the bound ones after Bind, otherwise one per
// Initial value plus Extra blank ones (at least Min, at most Max).
func (s *FormSet[T]) Forms() []*Form[T] {
	if s.forms == nil {
		n := len(s.Initial) + s.Extra
		if n < s.Min {
			n = s.Min
		}
		if max := s.max(); n > max && max >= len(s.Initial) {
			n = max
		}
		if n > len(s.Initial) && len(s.Initial) > s.max() {
			n = len(s.Initial)
		}
		s.initialN = len(s.Initial)
		forms := make([]*Form[T], n)
		for i := range forms {
			f, err := s.newForm(context.Background(), i, i < len(s.Initial), nil)
			if err != nil {
				s.makeErr = err
				return nil
			}
			forms[i] = f
		}
		s.forms = forms
	}
	return s.forms
}

// Err returns the error of MakeForm when Forms could not make the unbound forms
// (they are then empty) or EmptyForm its form (it is then a plain New[T]).
func (s *FormSet[T]) Err() error { return s.makeErr }

// EmptyForm returns a blank form with "__prefix__" in place of the index, for
// JavaScript that adds forms.
func (s *FormSet[T]) EmptyForm() *Form[T] {
	var f *Form[T]
	if s.MakeForm != nil {
		var err error
		if f, err = s.MakeForm(context.Background(), -1, false, nil); err != nil {
			s.makeErr = err
			f = nil
		}
	}
	if f == nil {
		f = s.blank()
	}
	f.Prefix = s.prefix() + "-__prefix__"
	f.Translator, f.Location = s.Translator, s.Location
	if s.Configure != nil {
		s.Configure(f)
	}
	return f
}

// Bind reads the request's form data (see ReadRequest) and binds the set. It
// returns nil when every kept form is valid, a *ValidationError otherwise (status
// 400 when the management form is missing or tampered with, 422 for invalid
// values), a *RequestError for an unreadable body, or a server error from a Clean.
func (s *FormSet[T]) Bind(r *http.Request) error {
	data, files, err := ReadRequest(r, s.Limits)
	if err != nil {
		return err
	}
	return s.BindData(r.Context(), data, files)
}

func mgmtInt(data url.Values, name string) (int, bool) {
	v := strings.TrimSpace(data.Get(name))
	if v == "" || len(v) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// BindData binds the set to submitted values and files.
func (s *FormSet[T]) BindData(ctx context.Context, data url.Values, files map[string][]*uploads.File) error {
	s.bound = true
	s.ctxTranslator = TranslatorFrom(ctx)
	s.forms, s.deleted, s.nonForm, s.status = nil, nil, nil, 0
	s.order, s.orderRaw, s.orderErrs = nil, nil, nil
	p := s.prefix() + "-"
	total, okT := mgmtInt(data, p+TotalForms)
	initial, okI := mgmtInt(data, p+InitialForms)
	if !okT || !okI {
		var missing []string
		if !okT {
			missing = append(missing, p+TotalForms)
		}
		if !okI {
			missing = append(missing, p+InitialForms)
		}
		s.nonForm = append(s.nonForm, s.message("management_form", map[string]any{"fields": strings.Join(missing, ", ")}))
		s.status = http.StatusBadRequest
		return s.Errors()
	}
	if abs := s.absoluteMax(); total > abs {
		// Refuse before building anything: a hostile TOTAL_FORMS must not make the
		// server allocate a million forms.
		s.nonForm = append(s.nonForm, s.message("too_many_forms", map[string]any{"max": s.max()}))
		s.status = http.StatusBadRequest
		return s.Errors()
	}
	// Initial forms edit Initial values; the client cannot claim more than exist.
	initial = min(initial, total, len(s.Initial))
	s.initialN = initial
	s.forms = make([]*Form[T], total)
	s.deleted = make([]bool, total)
	if s.CanOrder {
		s.order, s.orderRaw = make([]*int64, total), make([]string, total)
	}
	kept := 0
	for i := range s.forms {
		f, err := s.newForm(ctx, i, i < initial, data)
		if err != nil {
			s.forms = s.forms[:i]
			return err
		}
		s.forms[i] = f
		f.attach(data, files)
		if s.CanOrder {
			s.bindOrder(i, data.Get(f.Prefix+"-"+orderField))
		}
		if s.hasDelete(i) && truthy(strings.ToLower(data.Get(f.Prefix+"-"+deleteField))) {
			s.deleted[i] = true
			f.errs, f.nonField = nil, nil
			delete(s.orderErrs, i)
			continue
		}
		if i >= initial && !s.changed(i) {
			continue // an extra form left blank
		}
		kept++
		if err := f.validate(ctx); err != nil {
			if _, isInvalid := err.(*ValidationError); !isInvalid {
				return err
			}
		}
	}
	if s.ValidateMax && kept > s.max() {
		s.nonForm = append(s.nonForm, s.message("too_many_forms", map[string]any{"max": s.max()}))
	}
	if s.ValidateMin && kept < s.Min {
		s.nonForm = append(s.nonForm, s.message("too_few_forms", map[string]any{"min": s.Min}))
	}
	if s.Clean != nil && s.IsValid() {
		if err := s.Clean(s.Entries()); err != nil {
			es, ok := validationErrors(err)
			if !ok {
				return err
			}
			for _, e := range es {
				msg := e.Message
				if tr := s.translator(); e.Code != "" && tr != nil {
					if m := tr(e.Code, e.Params); m != "" {
						msg = m
					}
				}
				s.nonForm = append(s.nonForm, interpolate(msg, e.Params))
			}
		}
	}
	if !s.IsValid() {
		return s.Errors()
	}
	return nil
}

func (s *FormSet[T]) isDeleted(i int) bool { return i < len(s.deleted) && s.deleted[i] }

// hasDelete reports whether form i has a DELETE checkbox.
func (s *FormSet[T]) hasDelete(i int) bool {
	return s.CanDelete && (!s.DeleteInitialOnly || i < s.initialN)
}

// bindOrder reads form i's ORDER input as Django's IntegerField(required=False)
// does: blank is no number, "3.0" is 3, anything else not a whole number (or
// beyond int64) is the form's error.
func (s *FormSet[T]) bindOrder(i int, raw string) {
	s.orderRaw[i] = raw
	v := strings.TrimSpace(raw)
	if v == "" {
		return
	}
	var n int64
	if e := decodeInt(&Field{}, reflect.ValueOf(&n).Elem(), v); e != nil {
		if s.orderErrs == nil {
			s.orderErrs = map[int][]string{}
		}
		s.orderErrs[i] = []string{s.message("invalid_integer", nil)}
		return
	}
	s.order[i] = &n
}

// changed reports whether bound form i differs from its initial values, its ORDER
// number (an initial form starts at its position plus one, an extra one blank)
// and DELETE box included, as Django's has_changed does with those fields among
// the form's.
func (s *FormSet[T]) changed(i int) bool {
	if s.isDeleted(i) || s.forms[i].HasChanged() {
		return true
	}
	if !s.CanOrder || i >= len(s.orderRaw) {
		return false
	}
	if i >= s.initialN {
		return strings.TrimSpace(s.orderRaw[i]) != ""
	}
	return s.order[i] == nil || *s.order[i] != int64(i+1)
}

// IsBound reports whether the set was given submitted data.
func (s *FormSet[T]) IsBound() bool { return s.bound }

// IsValid reports whether the set is bound and neither it nor any kept form has
// errors.
func (s *FormSet[T]) IsValid() bool {
	if !s.bound || len(s.nonForm) > 0 {
		return false
	}
	for i, f := range s.forms {
		if !s.isDeleted(i) && (len(f.errs) > 0 || len(f.nonField) > 0 || len(s.orderErrs[i]) > 0) {
			return false
		}
	}
	return true
}

// NonFormErrors returns the messages about the set as a whole.
func (s *FormSet[T]) NonFormErrors() []string { return s.nonForm }

// Errors returns all messages — the set's under NonField, each form's under its
// prefixed input names — or nil.
func (s *FormSet[T]) Errors() *ValidationError {
	ve := &ValidationError{Status: s.status, Fields: map[string][]string{}, NonField: s.nonForm}
	if ve.Status == 0 {
		ve.Status = http.StatusUnprocessableEntity
	}
	for i, f := range s.forms {
		if s.isDeleted(i) {
			continue
		}
		if msgs := s.orderErrs[i]; len(msgs) > 0 {
			ve.Fields[f.Prefix+"-"+orderField] = msgs
		}
		if fe := f.Errors(); fe != nil {
			for k, v := range fe.Fields {
				ve.Fields[k] = v
			}
			for _, m := range fe.NonField {
				ve.NonField = append(ve.NonField, fmt.Sprintf("Form %d: %s", i+1, m))
			}
		}
	}
	if len(ve.Fields) == 0 && len(ve.NonField) == 0 {
		return nil
	}
	return ve
}

// Entries returns the outcome of each bound form that was filled in or deleted,
// in order; extra forms left blank are not included.
func (s *FormSet[T]) Entries() []Entry[T] {
	var out []Entry[T]
	for i, f := range s.forms {
		isInitial := i < s.initialN
		changed := s.changed(i)
		if !isInitial && !changed && !s.isDeleted(i) {
			continue
		}
		e := Entry[T]{Index: i, Data: f.Data, Initial: isInitial, Deleted: s.isDeleted(i), Changed: changed}
		if s.isDeleted(i) && isInitial {
			e.Data = s.Initial[i]
		}
		if i < len(s.order) {
			e.Order = s.order[i]
		}
		out = append(out, e)
	}
	return out
}

// OrderedEntries returns the kept entries (neither deleted nor extra forms left
// blank) in the order of their ORDER numbers, those left blank last, forms with
// the same number in their order in the set — Django's ordered_forms. It is nil
// unless the set has CanOrder and is bound and valid. The form of an entry is
// Forms()[entry.Index].
func (s *FormSet[T]) OrderedEntries() []Entry[T] {
	if !s.CanOrder || !s.IsValid() {
		return nil
	}
	var out []Entry[T]
	for _, e := range s.Entries() {
		if !e.Deleted {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		oa, ob := out[a].Order, out[b].Order
		switch {
		case oa == nil:
			return false
		case ob == nil:
			return true
		}
		return *oa < *ob
	})
	return out
}

// ManagementForm renders the hidden management inputs, which must be inside the
// HTML form with the forms.
func (s *FormSet[T]) ManagementForm() template.SafeString {
	forms := s.Forms()
	p := s.prefix() + "-"
	var b strings.Builder
	for _, kv := range []struct {
		name string
		v    int
	}{{TotalForms, len(forms)}, {InitialForms, s.initialN}, {MinNumForms, s.Min}, {MaxNumForms, s.max()}} {
		name := p + kv.name
		fmt.Fprintf(&b, `<input type="hidden" name="%s" value="%d" id="id_%s">`, esc(name), kv.v, esc(name))
	}
	return template.SafeString(b.String())
}

// FormSetRow is one form of a set with its ORDER input and DELETE checkbox, for
// templates.
type FormSetRow[T any] struct {
	Index int
	Form  *Form[T]
	// Order is the ORDER number input with its errors, or "" without CanOrder.
	Order template.SafeString
	// Delete is the DELETE checkbox, or "" without CanDelete (and, with
	// DeleteInitialOnly, for the extra forms).
	Delete template.SafeString
}

// Rows returns the forms with their ORDER inputs and DELETE checkboxes.
func (s *FormSet[T]) Rows() []FormSetRow[T] {
	forms := s.Forms()
	out := make([]FormSetRow[T], len(forms))
	for i, f := range forms {
		out[i] = FormSetRow[T]{Index: i, Form: f}
		if s.CanOrder {
			out[i].Order = s.orderInput(i, f)
		}
		if s.hasDelete(i) {
			out[i].Delete = deleteBox(f, s.isDeleted(i))
		}
	}
	return out
}

// EmptyRow is EmptyForm with its ORDER input and DELETE checkbox (those of an
// extra form), Index -1: the template JavaScript copies to add a row, as
// Django's empty_form carries its ORDER and DELETE fields.
func (s *FormSet[T]) EmptyRow() FormSetRow[T] {
	f := s.EmptyForm()
	r := FormSetRow[T]{Index: -1, Form: f}
	if s.CanOrder {
		r.Order = s.orderInput(-1, f)
	}
	if s.CanDelete && !s.DeleteInitialOnly {
		r.Delete = deleteBox(f, false)
	}
	return r
}

// deleteBox renders form f's DELETE checkbox.
func deleteBox[T any](f *Form[T], checked bool) template.SafeString {
	name := f.Prefix + "-" + deleteField
	c := ""
	if checked {
		c = " checked"
	}
	return template.SafeString(`<div><label for="id_` + esc(name) + `">Delete:</label><input type="checkbox" name="` +
		esc(name) + `" id="id_` + esc(name) + `"` + c + `></div>`)
}

// orderInput renders form i's ORDER input: the submitted text when bound, else
// the form's position (plus one) for a form of an Initial value; blank for the
// empty form (i = -1).
func (s *FormSet[T]) orderInput(i int, f *Form[T]) template.SafeString {
	name := f.Prefix + "-" + orderField
	value := ""
	switch {
	case i < 0:
	case s.bound && i < len(s.orderRaw):
		value = s.orderRaw[i]
	case !s.bound && i < s.initialN:
		value = strconv.Itoa(i + 1)
	}
	var b strings.Builder
	b.WriteString(`<div>`)
	b.WriteString(string(errorList(s.orderErrs[i], "", "errorlist")))
	b.WriteString(`<label for="id_` + esc(name) + `">Order:</label><input type="number" name="` + esc(name) + `"`)
	if value != "" {
		b.WriteString(` value="` + esc(value) + `"`)
	}
	b.WriteString(` id="id_` + esc(name) + `"></div>`)
	return template.SafeString(b.String())
}

// NonFormErrorList renders the set's own messages, or "".
func (s *FormSet[T]) NonFormErrorList() template.SafeString {
	return errorList(s.nonForm, "id_"+s.prefix()+"_nonform_error", "errorlist nonform")
}

// AsDiv renders the management form, the set's messages and every form (as
// Form.AsDiv) with its ORDER input and DELETE checkbox.
func (s *FormSet[T]) AsDiv() template.SafeString {
	var b strings.Builder
	b.WriteString(string(s.ManagementForm()))
	b.WriteString(string(s.NonFormErrorList()))
	for _, r := range s.Rows() {
		b.WriteString(string(r.Form.AsDiv()))
		b.WriteString(string(r.Order))
		b.WriteString(string(r.Delete))
	}
	return template.SafeString(b.String())
}

// HTML renders the set as AsDiv does.
func (s *FormSet[T]) HTML() template.SafeString { return s.AsDiv() }
