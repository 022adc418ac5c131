package forms

import (
	"strings"

	"github.com/galvani-web/galvani/template"
)

// BoundField is a field of one form with its data, for rendering. All its HTML is
// escaped and returned as template.SafeString, so templates insert it as it is.
// In templates: {{ f.label_tag }} {{ f.widget }} {{ f.error_list }} {{ f.help_text }},
// or {{ f.row }} for all of them.
type BoundField struct {
	field  *Field
	name   string
	id     string
	values []string
	errs   []string
	file   *CurrentFile
}

// BoundField returns the named field (HTML or Go name) bound to the form's data, or
// nil.
func (f *Form[T]) BoundField(name string) *BoundField {
	fl := f.byName[name]
	if fl == nil {
		return nil
	}
	return f.bind(fl)
}

func (f *Form[T]) bind(fl *Field) *BoundField {
	name := f.htmlName(fl)
	return &BoundField{field: fl, name: name, id: "id_" + name, values: f.values(fl), errs: f.errs[fl.Name], file: f.currentFile(fl)}
}

// BoundFields returns all fields, in order.
func (f *Form[T]) BoundFields() []*BoundField {
	out := make([]*BoundField, len(f.fields))
	for i, fl := range f.fields {
		out[i] = f.bind(fl)
	}
	return out
}

// VisibleFields returns the fields that are not hidden inputs.
func (f *Form[T]) VisibleFields() []*BoundField {
	var out []*BoundField
	for _, fl := range f.fields {
		if !isHidden(fl.Widget) {
			out = append(out, f.bind(fl))
		}
	}
	return out
}

// HiddenFields returns the fields rendered as hidden inputs.
func (f *Form[T]) HiddenFields() []*BoundField {
	var out []*BoundField
	for _, fl := range f.fields {
		if isHidden(fl.Widget) {
			out = append(out, f.bind(fl))
		}
	}
	return out
}

// Inputs returns the bound fields by HTML name, for templates:
// {{ form.inputs.email.widget }}.
func (f *Form[T]) Inputs() map[string]*BoundField {
	m := make(map[string]*BoundField, len(f.fields))
	for _, fl := range f.fields {
		m[fl.Name] = f.bind(fl)
	}
	return m
}

// Field returns the field's description.
func (b *BoundField) Field() *Field { return b.field }

// Name returns the input's name, with the form's prefix.
func (b *BoundField) Name() string { return b.name }

// ID returns the input's id attribute ("id_" + name).
func (b *BoundField) ID() string { return b.id }

// Label returns the label text.
func (b *BoundField) Label() string { return b.field.Label }

// Help returns the help text.
func (b *BoundField) Help() string { return b.field.Help }

// Value returns the first value shown in the input.
func (b *BoundField) Value() string { return first(b.values) }

// Values returns the values shown in the input.
func (b *BoundField) Values() []string { return b.values }

// CurrentFile returns the file a StoredFile field holds (the one the form was
// made with), or nil: {{ f.current_file.url }} in templates.
func (b *BoundField) CurrentFile() *CurrentFile { return b.file }

// Errors returns the field's messages.
func (b *BoundField) Errors() []string { return b.errs }

// HasErrors reports whether the field has messages.
func (b *BoundField) HasErrors() bool { return len(b.errs) > 0 }

// IsHidden reports whether the field renders as a hidden input.
func (b *BoundField) IsHidden() bool { return isHidden(b.field.Widget) }

// Required reports whether the field is required.
func (b *BoundField) Required() bool { return b.field.Required }

func (b *BoundField) helpID() string  { return b.id + "_helptext" }
func (b *BoundField) errorID() string { return b.id + "_error" }

// Widget renders the input, with the accessibility attributes: aria-invalid when
// the field has errors, aria-describedby pointing at the help text and errors.
func (b *BoundField) Widget() template.SafeString {
	f := b.field
	// A field that has a file already needs no new one: no required attribute.
	attrs := widgetAttrs(f, b.file == nil)
	var described []string
	if f.Help != "" && !b.IsHidden() {
		described = append(described, b.helpID())
	}
	if len(b.errs) > 0 {
		attrs = append(attrs, Attr{Name: "aria-invalid", Value: "true"})
		if !b.IsHidden() {
			described = append(described, b.errorID())
		}
	}
	if len(described) > 0 {
		attrs = append(attrs, Attr{Name: "aria-describedby", Value: strings.Join(described, " ")})
	}
	return f.Widget.Render(WidgetData{Name: b.name, ID: b.id, Values: b.values, Attrs: attrs, Options: f.Options, File: b.file})
}

// HTML renders the input (the same as Widget).
func (b *BoundField) HTML() template.SafeString { return b.Widget() }

// String renders the input as a plain string.
func (b *BoundField) String() string { return string(b.Widget()) }

// LabelTag renders <label for="id">Label:</label>; for a group of radio buttons or
// checkboxes, which have no single input to point at, a <legend>.
func (b *BoundField) LabelTag() template.SafeString { return b.labelTag(true) }

// labelTag renders the label; a group outside a <fieldset> gets a <label> without
// "for" (there is no single input to point at).
func (b *BoundField) labelTag(legend bool) template.SafeString {
	if b.field.Label == "" {
		return ""
	}
	text := esc(b.field.Label)
	if !strings.ContainsAny(b.field.Label[len(b.field.Label)-1:], ":?.!") {
		text += ":"
	}
	if isGrouped(b.field.Widget) {
		if legend {
			return template.SafeString("<legend>" + text + "</legend>")
		}
		return template.SafeString("<label>" + text + "</label>")
	}
	return template.SafeString(`<label for="` + esc(b.id) + `">` + text + "</label>")
}

// ErrorList renders the messages as <ul class="errorlist" id="..._error">, or "".
func (b *BoundField) ErrorList() template.SafeString {
	return errorList(b.errs, b.errorID(), "errorlist")
}

func errorList(msgs []string, id, class string) template.SafeString {
	if len(msgs) == 0 {
		return ""
	}
	var s strings.Builder
	s.WriteString(`<ul class="` + class + `"`)
	if id != "" {
		s.WriteString(` id="` + esc(id) + `"`)
	}
	s.WriteString(">")
	for _, m := range msgs {
		s.WriteString("<li>" + esc(m) + "</li>")
	}
	s.WriteString("</ul>")
	return template.SafeString(s.String())
}

// HelpText renders <div class="helptext" id="..._helptext">, or "".
func (b *BoundField) HelpText() template.SafeString {
	if b.field.Help == "" {
		return ""
	}
	return template.SafeString(`<div class="helptext" id="` + esc(b.helpID()) + `">` + esc(b.field.Help) + "</div>")
}

// Row renders the label, help text, errors and input in a <div> (a <fieldset> for
// a group of radio buttons or checkboxes), as AsDiv does for each field.
func (b *BoundField) Row() template.SafeString {
	var s strings.Builder
	b.writeRow(&s)
	return template.SafeString(s.String())
}

func (b *BoundField) writeRow(s *strings.Builder) {
	if b.IsHidden() {
		s.WriteString(string(b.Widget()))
		return
	}
	open, close := "<div", "</div>"
	if isGrouped(b.field.Widget) {
		open, close = "<fieldset", "</fieldset>"
	}
	s.WriteString(open)
	if b.field.Required {
		s.WriteString(` class="required"`)
	}
	s.WriteString(">")
	s.WriteString(string(b.LabelTag()))
	s.WriteString(string(b.HelpText()))
	s.WriteString(string(b.ErrorList()))
	s.WriteString(string(b.Widget()))
	s.WriteString(close)
}

// nonFieldMessages are the form's own messages plus those of hidden fields, which
// have nowhere else to show.
func (f *Form[T]) nonFieldMessages() []string {
	msgs := append([]string(nil), f.nonField...)
	for _, fl := range f.fields {
		if isHidden(fl.Widget) {
			for _, m := range f.errs[fl.Name] {
				msgs = append(msgs, "(Hidden field "+fl.Name+") "+m)
			}
		}
	}
	return msgs
}

// NonFieldErrorList renders the messages about the whole form (and hidden fields)
// as <ul class="errorlist nonfield">, or "".
func (f *Form[T]) NonFieldErrorList() template.SafeString {
	id := ""
	if f.Prefix != "" {
		id = "id_" + f.Prefix + "_nonfield_error"
	}
	return errorList(f.nonFieldMessages(), id, "errorlist nonfield")
}

func (f *Form[T]) hiddenHTML() string {
	var s strings.Builder
	for _, b := range f.HiddenFields() {
		s.WriteString(string(b.Widget()))
	}
	return s.String()
}

// AsDiv renders the whole form, a <div> per field (label, help text, errors,
// input), like Django's as_div. It does not include the <form> tag, the CSRF token
// or the submit button.
func (f *Form[T]) AsDiv() template.SafeString {
	var s strings.Builder
	s.WriteString(string(f.NonFieldErrorList()))
	for _, b := range f.VisibleFields() {
		b.writeRow(&s)
	}
	s.WriteString(f.hiddenHTML())
	return template.SafeString(s.String())
}

// HTML renders the whole form as AsDiv does.
func (f *Form[T]) HTML() template.SafeString { return f.AsDiv() }

// AsP renders the whole form, a <p> per field, like Django's as_p.
func (f *Form[T]) AsP() template.SafeString {
	var s strings.Builder
	s.WriteString(string(f.NonFieldErrorList()))
	for _, b := range f.VisibleFields() {
		s.WriteString(string(b.ErrorList()))
		s.WriteString("<p>")
		s.WriteString(string(b.labelTag(false)) + " " + string(b.Widget()))
		if b.field.Help != "" {
			s.WriteString(` <span class="helptext" id="` + esc(b.helpID()) + `">` + esc(b.field.Help) + "</span>")
		}
		s.WriteString("</p>")
	}
	s.WriteString(f.hiddenHTML())
	return template.SafeString(s.String())
}

// AsTable renders the whole form as table rows (without the <table> tag), like
// Django's as_table.
func (f *Form[T]) AsTable() template.SafeString {
	var s strings.Builder
	if nf := f.NonFieldErrorList(); nf != "" {
		s.WriteString(`<tr><td colspan="2">` + string(nf) + "</td></tr>")
	}
	for _, b := range f.VisibleFields() {
		s.WriteString("<tr><th>" + string(b.labelTag(false)) + "</th><td>")
		s.WriteString(string(b.ErrorList()))
		s.WriteString(string(b.Widget()))
		if b.field.Help != "" {
			s.WriteString(`<br><span class="helptext" id="` + esc(b.helpID()) + `">` + esc(b.field.Help) + "</span>")
		}
		s.WriteString("</td></tr>")
	}
	if h := f.hiddenHTML(); h != "" {
		s.WriteString(`<tr hidden><td colspan="2">` + h + "</td></tr>")
	}
	return template.SafeString(s.String())
}
