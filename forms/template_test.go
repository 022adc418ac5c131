package forms

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/template"
)

// The template engine inserts the rendered form as it is (no double escaping),
// while the user's input inside it stays escaped once.
func TestWithTemplateEngine(t *testing.T) {
	e := template.New(template.WithLoader(template.MapLoader{
		"whole.html":  `{{ form.as_div }}`,
		"fields.html": `{% for f in form.visible_fields %}{{ f.label_tag }}{{ f.widget }}{{ f.error_list }}{% endfor %}|{{ form.inputs.email.widget }}|{{ form.inputs.email.value }}`,
		"set.html":    `{{ set.management_form }}{% for row in set.rows %}{{ row.form.as_p }}{{ row.delete }}{% endfor %}`,
	}))
	f := New[Signup]()
	f.BindData(context.Background(), url.Values{"email": {xss}}, nil)
	whole, err := e.RenderString("whole.html", map[string]any{"form": f})
	if err != nil {
		t.Fatal(err)
	}
	if whole != string(f.AsDiv()) {
		t.Errorf("template output differs from AsDiv:\n%s\n%s", whole, f.AsDiv())
	}
	fields, err := e.RenderString("fields.html", map[string]any{"form": f})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(fields, "<script") || strings.Contains(fields, "&amp;lt;") || !strings.Contains(fields, `<input type="email" name="email"`) {
		t.Errorf("fields render:\n%s", fields)
	}
	if !strings.HasSuffix(fields, "|&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;") && !strings.HasSuffix(fields, "|&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("raw value not autoescaped: %s", fields[strings.LastIndex(fields, "|"):])
	}
	s := NewFormSet[Item]()
	s.CanDelete = true
	set, err := e.RenderString("set.html", map[string]any{"set": s})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(set, `name="form-TOTAL_FORMS" value="1"`) || !strings.Contains(set, `name="form-0-DELETE"`) {
		t.Errorf("formset render:\n%s", set)
	}
}
