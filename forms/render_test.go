package forms

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

const xss = `"><script>alert(1)</script>`

// The attack: script in a form field is re-rendered escaped, in every place the
// input can appear (value attributes, textarea content, options, error messages).
func TestRerenderEscapesInput(t *testing.T) {
	data := url.Values{
		"username": {xss},
		"email":    {xss},
		"bio":      {"</textarea>" + xss},
		"plan":     {xss},
		"toppings": {xss},
		"token":    {xss},
		"slug":     {"'onmouseover='alert(1)"},
	}
	f, err := bind[Signup](t, data)
	if err == nil {
		t.Fatal("hostile data accepted")
	}
	for name, html := range map[string]string{
		"as_div":   string(f.AsDiv()),
		"as_p":     string(f.AsP()),
		"as_table": string(f.AsTable()),
	} {
		if strings.Contains(html, "<script") || strings.Count(html, "</textarea>") != 1 || strings.Contains(html, "'onmouseover") {
			t.Errorf("%s: unescaped input:\n%s", name, html)
		}
		if !strings.Contains(html, `value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`) {
			t.Errorf("%s: input not re-rendered escaped:\n%s", name, html)
		}
		// The invalid choice message quotes the input: escaped too.
		if !strings.Contains(html, "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt; is not one of the available choices") {
			t.Errorf("%s: error message not escaped:\n%s", name, html)
		}
	}
}

func TestLabelsAndHelpEscaped(t *testing.T) {
	type F struct {
		Name string `label:"<b>Name</b>" help:"<i>help</i>" placeholder:"\"x"`
		Pick string `choices:"a=<Alpha>|b=B&B"`
	}
	html := string(New[F]().AsDiv())
	for _, want := range []string{"&lt;b&gt;Name&lt;/b&gt;:", "&lt;i&gt;help&lt;/i&gt;", `placeholder="&#34;x"`, "&lt;Alpha&gt;", "B&amp;B"} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in\n%s", want, html)
		}
	}
}

func TestAccessibleRendering(t *testing.T) {
	f, _ := bind[Signup](t, url.Values{"username": {"x"}})
	b := f.BoundField("username")
	if got := string(b.LabelTag()); got != `<label for="id_username">Username:</label>` {
		t.Errorf("label tag %s", got)
	}
	w := string(b.Widget())
	for _, want := range []string{`id="id_username"`, `name="username"`, `required`, `maxlength="12"`, `minlength="3"`,
		`aria-invalid="true"`, `aria-describedby="id_username_helptext id_username_error"`, `value="x"`} {
		if !strings.Contains(w, want) {
			t.Errorf("widget lacks %s: %s", want, w)
		}
	}
	if got := string(b.ErrorList()); !strings.HasPrefix(got, `<ul class="errorlist" id="id_username_error"><li>`) {
		t.Errorf("error list %s", got)
	}
	if got := string(b.HelpText()); got != `<div class="helptext" id="id_username_helptext">Letters and digits.</div>` {
		t.Errorf("help %s", got)
	}
	// A field without errors is not marked invalid; radio groups use fieldset/legend.
	if w := string(f.BoundField("website").Widget()); strings.Contains(w, "aria-invalid") {
		t.Errorf("valid field marked invalid: %s", w)
	}
	row := string(f.BoundField("toppings").Row())
	if !strings.HasPrefix(row, "<fieldset><legend>Toppings:</legend>") || !strings.Contains(row, `<label for="id_toppings_0"><input type="checkbox" name="toppings" value="ham" id="id_toppings_0">`) {
		t.Errorf("checkbox group row: %s", row)
	}
	// Password values are never sent back.
	f2, _ := bind[Signup](t, url.Values{"password": {"hunter2"}})
	if strings.Contains(string(f2.AsDiv()), "hunter2") {
		t.Error("password re-rendered")
	}
	// The boolean's label ends in its own punctuation-free text plus a colon.
	if got := string(f.BoundField("terms").LabelTag()); got != `<label for="id_terms">I accept the terms:</label>` {
		t.Errorf("terms label %s", got)
	}
}

func TestRenderInitialValues(t *testing.T) {
	type Edit struct {
		Title   string
		Count   int
		When    time.Time `form:",kind=date"`
		Tags    []string  `choices:"a=A|b=B|c=C"`
		Public  bool
		Comment string `form:",widget=textarea"`
	}
	f := New[Edit]()
	if html := string(f.AsDiv()); strings.Contains(html, `value="0"`) {
		t.Errorf("blank form shows zero numbers: %s", html)
	}
	// ShowZero: a zero that is a real starting value shows, and submitting it
	// unchanged is no change.
	f.Field("count").ShowZero = true
	if html := string(f.AsDiv()); !strings.Contains(html, `name="count" id="id_count" value="0"`) {
		t.Errorf("ShowZero field without its 0: %s", html)
	}
	if err := f.BindData(context.Background(), url.Values{"count": {"0"}}, nil); err != nil || f.HasChanged() {
		t.Errorf("an untouched ShowZero field: %v, changed %v", err, f.HasChanged())
	}
	f = New[Edit]()
	f.Data = Edit{Title: "Hello", Count: 0, When: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Tags: []string{"a", "c"}, Public: true, Comment: "\nline"}
	html := string(f.AsDiv())
	for _, want := range []string{`name="title" id="id_title" value="Hello"`, `value="0"`, `value="2026-01-02"`,
		`<option value="a" selected>A</option><option value="b">B</option><option value="c" selected>C</option>`,
		`name="public" id="id_public" checked`, ">\n\nline</textarea>"} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in\n%s", want, html)
		}
	}
}

func TestHiddenAndNonFieldErrors(t *testing.T) {
	f, _ := bind[Signup](t, url.Values{"token": {"x"}})
	f.AddError("", "Login failed.")
	f.AddError("token", "Token expired.")
	html := string(f.AsDiv())
	if !strings.HasPrefix(html, `<ul class="errorlist nonfield"><li>Login failed.</li><li>(Hidden field token) Token expired.</li></ul>`) {
		t.Errorf("non-field errors: %s", html)
	}
	if !strings.HasSuffix(html, `<input type="hidden" name="token" id="id_token" value="x" aria-invalid="true">`) {
		t.Errorf("hidden field not last: %s", html)
	}
	if f.IsValid() {
		t.Error("form with added errors is valid")
	}
}

func TestPrefix(t *testing.T) {
	type F struct{ Title string }
	f := New[F]()
	f.Prefix = "item-3"
	if err := f.BindData(context.Background(), url.Values{"item-3-title": {"x"}, "title": {"y"}}, nil); err != nil {
		t.Fatal(err)
	}
	if f.Data.Title != "x" {
		t.Errorf("prefixed bind: %q", f.Data.Title)
	}
	if html := string(f.AsDiv()); !strings.Contains(html, `<label for="id_item-3-title">`) || !strings.Contains(html, `name="item-3-title" id="id_item-3-title"`) {
		t.Errorf("prefixed render: %s", html)
	}
}

func TestInputsForTemplates(t *testing.T) {
	f := New[Signup]()
	in := f.Inputs()
	if in["email"] == nil || in["email"].Name() != "email" || !strings.Contains(string(in["email"].Widget()), `type="email"`) {
		t.Errorf("inputs: %v", in)
	}
	if len(f.VisibleFields())+len(f.HiddenFields()) != len(f.BoundFields()) {
		t.Error("visible + hidden != all")
	}
}

func ExampleForm() {
	type Contact struct {
		Name    string `form:",required,max_length=50"`
		Email   string `form:",kind=email,required"`
		Message string `form:",required,widget=textarea"`
	}
	form := New[Contact]()
	err := form.BindData(context.Background(), url.Values{
		"name":  {"<b>Eve</b>"},
		"email": {"not an address"},
	}, nil)
	fmt.Println(err)
	fmt.Println(form.BoundField("name").Widget())
	fmt.Println(form.BoundField("email").ErrorList())
	// Output:
	// forms: invalid input: email: Enter a valid email address.; message: This field is required.
	// <input type="text" name="name" id="id_name" value="&lt;b&gt;Eve&lt;/b&gt;" required maxlength="50">
	// <ul class="errorlist" id="id_email_error"><li>Enter a valid email address.</li></ul>
}
