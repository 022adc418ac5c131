package forms

import (
	"fmt"
	"html"
	"math/big"
	"sort"
	"strings"

	"github.com/galvani-web/galvani/template"
)

// Attr is one HTML attribute. An empty Value with Bool set renders the bare name
// (required, checked, multiple).
type Attr struct {
	Name, Value string
	Bool        bool
}

// WidgetData is what a widget renders: the input's full name and id, the current
// values (the user's input on a bound form, the initial values otherwise), the
// attributes computed from the field (required, maxlength, aria-*...) and the
// options of a choice field. Widgets escape everything they write.
type WidgetData struct {
	Name    string
	ID      string
	Values  []string
	Attrs   []Attr
	Options []Option
	// File is the file a StoredFile field holds already, or nil.
	File *CurrentFile
}

// CurrentFile is the file a field of a StoredFile type (orm.File) holds when the
// form is shown, for ClearableFileInput.
type CurrentFile struct {
	// Name is the name the storage keeps the file under.
	Name string
	// URL is where the storage serves it ("" when it cannot say).
	URL string
	// Clearable is set for an optional field: a checkbox may clear it.
	Clearable bool
	// Cleared is set when the submitted form ticked that checkbox.
	Cleared bool
}

// Widget renders a field's input. The built-in widgets are Input, Textarea, Select,
// RadioSelect, CheckboxInput and CheckboxSelectMultiple; any type with this method
// can replace them (set Field.Widget).
type Widget interface {
	Render(d WidgetData) template.SafeString
}

// A widget that is a group of inputs (radio buttons, checkboxes) has Grouped
// returning true: rendering helpers then wrap it in <fieldset> with a <legend>
// instead of pointing a <label> at one input.
type groupedWidget interface{ Grouped() bool }

// A widget rendering a hidden input has Hidden returning true: rendering helpers put
// it at the end of the form without a label.
type hiddenWidget interface{ Hidden() bool }

func isGrouped(w Widget) bool { g, ok := w.(groupedWidget); return ok && g.Grouped() }
func isHidden(w Widget) bool  { h, ok := w.(hiddenWidget); return ok && h.Hidden() }

// esc escapes text for HTML content and double-quoted attributes.
func esc(s string) string { return html.EscapeString(s) }

// validAttrName accepts names that cannot break out of a tag: a letter, '_' or
// ':' first, then letters, digits and "-_:.".
func validAttrName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == ':':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func writeAttrs(b *strings.Builder, attrs []Attr) {
	for _, a := range attrs {
		if !validAttrName(a.Name) {
			continue // a name that could break out of the tag is dropped
		}
		if a.Bool {
			b.WriteString(" " + esc(a.Name))
			continue
		}
		b.WriteString(" " + esc(a.Name) + `="` + esc(a.Value) + `"`)
	}
}

// Input renders <input type="...">: text, email, url, number, password, hidden,
// date, time, datetime-local, file...
type Input struct {
	// Type is the input's type attribute.
	Type string
	// HideValue leaves the value out (passwords are not sent back to the browser).
	HideValue bool
	// Multiple allows several files.
	Multiple bool
}

// Render implements Widget.
func (w Input) Render(d WidgetData) template.SafeString {
	var b strings.Builder
	b.WriteString(`<input type="` + esc(w.Type) + `" name="` + esc(d.Name) + `"`)
	if d.ID != "" {
		b.WriteString(` id="` + esc(d.ID) + `"`)
	}
	if v := first(d.Values); v != "" && !w.HideValue && w.Type != "file" {
		b.WriteString(` value="` + esc(v) + `"`)
	}
	if w.Multiple {
		b.WriteString(" multiple")
	}
	writeAttrs(&b, d.Attrs)
	b.WriteString(">")
	return template.SafeString(b.String())
}

// Hidden reports whether the input is hidden.
func (w Input) Hidden() bool { return w.Type == "hidden" }

// Textarea renders <textarea>.
type Textarea struct {
	// Rows and Cols default to 10 and 40.
	Rows, Cols int
}

// Render implements Widget.
func (w Textarea) Render(d WidgetData) template.SafeString {
	rows, cols := w.Rows, w.Cols
	if rows == 0 {
		rows = 10
	}
	if cols == 0 {
		cols = 40
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<textarea name="%s" cols="%d" rows="%d"`, esc(d.Name), cols, rows)
	if d.ID != "" {
		b.WriteString(` id="` + esc(d.ID) + `"`)
	}
	writeAttrs(&b, d.Attrs)
	// A newline after the start tag is eaten by HTML parsers, so text starting with
	// one keeps it.
	b.WriteString(">\n" + esc(first(d.Values)) + "</textarea>")
	return template.SafeString(b.String())
}

func selected(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

// Select renders <select> with an <option> per choice.
type Select struct {
	// Multiple allows several selections.
	Multiple bool
}

// Render implements Widget.
func (w Select) Render(d WidgetData) template.SafeString {
	var b strings.Builder
	b.WriteString(`<select name="` + esc(d.Name) + `"`)
	if d.ID != "" {
		b.WriteString(` id="` + esc(d.ID) + `"`)
	}
	if w.Multiple {
		b.WriteString(" multiple")
	}
	writeAttrs(&b, d.Attrs)
	b.WriteString(">")
	for _, o := range d.Options {
		b.WriteString(`<option value="` + esc(o.Value) + `"`)
		if selected(d.Values, o.Value) {
			b.WriteString(" selected")
		}
		b.WriteString(">" + esc(o.Label) + "</option>")
	}
	b.WriteString("</select>")
	return template.SafeString(b.String())
}

// choiceInputs renders radio buttons or checkboxes, one labelled input per choice.
func choiceInputs(typ string, d WidgetData) template.SafeString {
	var b strings.Builder
	b.WriteString("<div")
	if d.ID != "" {
		b.WriteString(` id="` + esc(d.ID) + `"`)
	}
	b.WriteString(">")
	for i, o := range d.Options {
		id := ""
		if d.ID != "" {
			id = fmt.Sprintf("%s_%d", d.ID, i)
		}
		b.WriteString("<div><label")
		if id != "" {
			b.WriteString(` for="` + esc(id) + `"`)
		}
		b.WriteString(`><input type="` + typ + `" name="` + esc(d.Name) + `" value="` + esc(o.Value) + `"`)
		if id != "" {
			b.WriteString(` id="` + esc(id) + `"`)
		}
		for _, a := range d.Attrs {
			// "required" on every checkbox would demand all of them be ticked.
			if typ == "checkbox" && a.Name == "required" {
				continue
			}
			writeAttrs(&b, []Attr{a})
		}
		if selected(d.Values, o.Value) {
			b.WriteString(" checked")
		}
		b.WriteString("> " + esc(o.Label) + "</label></div>")
	}
	b.WriteString("</div>")
	return template.SafeString(b.String())
}

// RadioSelect renders one radio button per choice.
type RadioSelect struct{}

// Render implements Widget.
func (RadioSelect) Render(d WidgetData) template.SafeString { return choiceInputs("radio", d) }

// Grouped reports true: the buttons are labelled by a <legend>.
func (RadioSelect) Grouped() bool { return true }

// CheckboxSelectMultiple renders one checkbox per choice.
type CheckboxSelectMultiple struct{}

// Render implements Widget.
func (CheckboxSelectMultiple) Render(d WidgetData) template.SafeString {
	return choiceInputs("checkbox", d)
}

// Grouped reports true: the checkboxes are labelled by a <legend>.
func (CheckboxSelectMultiple) Grouped() bool { return true }

// CheckboxInput renders one checkbox, checked when the value is true.
type CheckboxInput struct{}

// Render implements Widget.
func (CheckboxInput) Render(d WidgetData) template.SafeString {
	var b strings.Builder
	b.WriteString(`<input type="checkbox" name="` + esc(d.Name) + `"`)
	if d.ID != "" {
		b.WriteString(` id="` + esc(d.ID) + `"`)
	}
	writeAttrs(&b, d.Attrs)
	switch strings.ToLower(first(d.Values)) {
	case "", "false", "0", "off":
	default:
		b.WriteString(" checked")
	}
	b.WriteString(">")
	return template.SafeString(b.String())
}

// ClearableFileInput renders a file input that shows the file the field has
// ("Currently: <a href=URL>name</a>"), a checkbox to clear it when the field is
// optional (submitted as <name>-clear), and the input for a new file. Without a
// current file it is a plain file input. It is the default widget of file and
// image fields of a StoredFile type (orm.File).
type ClearableFileInput struct {
	// Multiple allows several files (for []*uploads.File fields).
	Multiple bool
	// CurrentLabel, ClearLabel and ChangeLabel replace "Currently:", "Clear" and
	// "Change:" (translate them here).
	CurrentLabel, ClearLabel, ChangeLabel string
}

// Render implements Widget.
func (w ClearableFileInput) Render(d WidgetData) template.SafeString {
	input := Input{Type: "file", Multiple: w.Multiple}.Render(d)
	if d.File == nil {
		return input
	}
	current, clear, change := or(w.CurrentLabel, "Currently:"), or(w.ClearLabel, "Clear"), or(w.ChangeLabel, "Change:")
	var b strings.Builder
	b.WriteString(`<div class="file-input"><p class="file-current">` + esc(current) + " ")
	if d.File.URL != "" {
		b.WriteString(`<a href="` + esc(d.File.URL) + `">` + esc(d.File.Name) + "</a>")
	} else {
		b.WriteString(esc(d.File.Name))
	}
	if d.File.Clearable {
		id := d.ID
		if id != "" {
			id = clearName(id)
		}
		b.WriteString(` <input type="checkbox" name="` + esc(clearName(d.Name)) + `"`)
		if id != "" {
			b.WriteString(` id="` + esc(id) + `"`)
		}
		if d.File.Cleared {
			b.WriteString(" checked")
		}
		b.WriteString("> <label")
		if id != "" {
			b.WriteString(` for="` + esc(id) + `"`)
		}
		b.WriteString(">" + esc(clear) + "</label>")
	}
	b.WriteString(`</p><p class="file-change">` + esc(change) + " " + string(input) + "</p></div>")
	return template.SafeString(b.String())
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// widgetFor returns the widget named in the tag, or the kind's default.
func widgetFor(f *Field, name string) (Widget, error) {
	choiceOnly := func(w Widget, kinds ...Kind) (Widget, error) {
		for _, k := range kinds {
			if f.Kind == k {
				return w, nil
			}
		}
		return nil, fmt.Errorf("widget %q does not fit kind %q", name, f.Kind)
	}
	switch name {
	case "":
	case "text", "email", "url", "number", "date", "time", "search", "tel", "color":
		return choiceOnly(Input{Type: name}, Text, Email, URL, Slug, Integer, Decimal, Float, Date, Time, DateTime, Choice)
	case "datetime":
		return choiceOnly(Input{Type: "datetime-local"}, DateTime)
	case "password":
		return choiceOnly(Input{Type: "password", HideValue: true}, Text)
	case "hidden":
		if isFile(f.Kind) || f.Kind == MultipleChoice {
			return nil, fmt.Errorf("widget hidden does not fit kind %q", f.Kind)
		}
		return Input{Type: "hidden"}, nil
	case "textarea":
		return choiceOnly(Textarea{}, Text, Email, URL, Slug)
	case "select":
		return choiceOnly(Select{}, Choice)
	case "radio":
		return choiceOnly(RadioSelect{}, Choice)
	case "select-multiple":
		return choiceOnly(Select{Multiple: true}, MultipleChoice)
	case "checkbox-multiple":
		return choiceOnly(CheckboxSelectMultiple{}, MultipleChoice)
	case "checkbox":
		return choiceOnly(CheckboxInput{}, Boolean)
	case "file":
		return choiceOnly(Input{Type: "file", Multiple: f.typ == filesType}, File, Image)
	case "clearable-file":
		return choiceOnly(ClearableFileInput{Multiple: f.typ == filesType}, File, Image)
	default:
		return nil, fmt.Errorf("unknown widget %q", name)
	}
	switch f.Kind {
	case Email:
		return Input{Type: "email"}, nil
	case URL:
		return Input{Type: "url"}, nil
	case Integer, Decimal, Float:
		if f.Localize {
			return Input{Type: "text"}, nil
		}
		return Input{Type: "number"}, nil
	case Date:
		return Input{Type: "date"}, nil
	case Time:
		return Input{Type: "time"}, nil
	case DateTime:
		return Input{Type: "datetime-local"}, nil
	case Choice:
		return Select{}, nil
	case MultipleChoice:
		return Select{Multiple: true}, nil
	case Boolean:
		return CheckboxInput{}, nil
	case File, Image:
		if f.typ != nil && isStored(f.typ) {
			return ClearableFileInput{}, nil
		}
		return Input{Type: "file", Multiple: f.typ == filesType}, nil
	}
	return Input{Type: "text"}, nil
}

// widgetAttrs computes the attributes a field gives its widget.
func widgetAttrs(f *Field, required bool) []Attr {
	var a []Attr
	if f.Required && required && f.Kind != Boolean {
		a = append(a, Attr{Name: "required", Bool: true})
	}
	if f.Disabled {
		a = append(a, Attr{Name: "disabled", Bool: true})
	}
	typ := ""
	switch w := f.Widget.(type) {
	case Input:
		typ = w.Type
	case ClearableFileInput:
		typ = "file"
	}
	if typ != "" {
		switch typ {
		case "text", "email", "url", "password", "search", "tel":
			if f.MaxLength > 0 {
				a = append(a, Attr{Name: "maxlength", Value: fmt.Sprint(f.MaxLength)})
			}
			if f.MinLength > 0 {
				a = append(a, Attr{Name: "minlength", Value: fmt.Sprint(f.MinLength)})
			}
		case "number":
			if f.Min != nil {
				a = append(a, Attr{Name: "min", Value: ratString(f.Min)})
			}
			if f.Max != nil {
				a = append(a, Attr{Name: "max", Value: ratString(f.Max)})
			}
			switch f.Kind {
			case Decimal:
				step := "any"
				if f.DecimalPlaces > 0 {
					step = new(big.Rat).SetFrac64(1, pow10(f.DecimalPlaces)).FloatString(f.DecimalPlaces)
				}
				a = append(a, Attr{Name: "step", Value: step})
			case Float:
				a = append(a, Attr{Name: "step", Value: "any"})
			}
		case "file":
			if len(f.Accept) > 0 {
				a = append(a, Attr{Name: "accept", Value: strings.Join(f.Accept, ",")})
			} else if f.Kind == Image {
				a = append(a, Attr{Name: "accept", Value: "image/png,image/jpeg,image/gif"})
			}
		}
	}
	if _, ok := f.Widget.(Textarea); ok && f.MaxLength > 0 {
		a = append(a, Attr{Name: "maxlength", Value: fmt.Sprint(f.MaxLength)})
	}
	if f.Placeholder != "" {
		a = append(a, Attr{Name: "placeholder", Value: f.Placeholder})
	}
	keys := make([]string, 0, len(f.Attrs))
	for k := range f.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a = append(a, Attr{Name: k, Value: f.Attrs[k]})
	}
	return a
}

func pow10(n int) int64 {
	p := int64(1)
	for i := 0; i < n && i < 18; i++ {
		p *= 10
	}
	return p
}
