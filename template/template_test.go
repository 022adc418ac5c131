package template

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type author struct {
	Name   string
	UserID int
}

type post struct {
	Title     string
	Author    *author
	Tags      []string
	CreatedAt time.Time
	private   string
}

func (p post) Upper() string { return strings.ToUpper(p.Title) }

func (p *post) Slug() (string, error) {
	if p.Title == "" {
		return "", errors.New("no title")
	}
	return strings.ReplaceAll(strings.ToLower(p.Title), " ", "-"), nil
}

type widget struct{ name string }

func (w *widget) HTML() SafeString { return SafeString("<input name=" + w.name + ">") }

func render(t *testing.T, src string, data any) string {
	t.Helper()
	e := New()
	tm, err := e.FromString("test", src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	out, err := tm.Render(data)
	if err != nil {
		t.Fatalf("render %q: %v", src, err)
	}
	return out
}

func TestGoValues(t *testing.T) {
	p := &post{Title: "Hello World", Author: &author{Name: "Ada", UserID: 7}, Tags: []string{"go", "web"},
		CreatedAt: time.Date(2026, 3, 7, 14, 5, 9, 0, time.UTC), private: "secret"}
	cases := []struct {
		src  string
		data any
		want string
	}{
		{"{{ p.Title }}|{{ p.title }}", map[string]any{"p": p}, "Hello World|Hello World"},
		{"{{ p.author.user_id }} {{ p.Author.UserID }}", map[string]any{"p": p}, "7 7"},
		{"{{ p.upper }} {{ p.Upper }}", map[string]any{"p": p}, "HELLO WORLD HELLO WORLD"},
		{"{{ p.slug }}", map[string]any{"p": p}, "hello-world"},
		{"{{ p.slug }}", map[string]any{"p": *p}, "hello-world"},
		{"{{ p.tags.1 }} {{ p.tags|join:',' }}", map[string]any{"p": p}, "web go,web"},
		{"[{{ p.private }}]", map[string]any{"p": p}, "[]"},
		{"{{ p.created_at|date:'Y-m-d' }}", map[string]any{"p": p}, "2026-03-07"},
		{"{{ title }} by {{ author.name }}", p, "Hello World by Ada"},
		{"{{ t }} {{ f }} {{ n }} {{ l }} {{ m }}", map[string]any{"t": true, "f": false, "n": nil, "l": []int{1, 2}, "m": map[string]int{"a": 1}}, "True False None [1, 2] {&#x27;a&#x27;: 1}"},
		{"{{ x }} {{ y }} {{ z }}", map[string]any{"x": 1.0, "y": 1e20, "z": 0.1}, "1.0 100000000000000000000 0.1"},
		{"{% for k, v in m.items %}{{ k }}={{ v }};{% endfor %}", map[string]any{"m": map[string]int{"b": 2, "a": 1}}, "a=1;b=2;"},
		{"{{ s.0 }}{{ s.5 }}", map[string]any{"s": "héllo"}, "h"},
		{"{% if p.author %}has{% endif %}{% if q %}q{% endif %}", map[string]any{"p": p, "q": (*post)(nil)}, "has"},
		{"{{ fn }}", map[string]any{"fn": func() string { return "called" }}, "called"},
		{"{{ h }}", map[string]any{"h": SafeString("<b>")}, "<b>"},
		{"{{ w }}|{{ w|escape }}|{{ l|join:'' }}", map[string]any{"w": &widget{"q"}, "l": []any{&widget{"a"}, "<"}}, "<input name=q>|<input name=q>|<input name=a>&lt;"},
		{`{% csrf_token %}`, map[string]any{"csrf_token": `a"b`}, `<input type="hidden" name="csrfmiddlewaretoken" value="a&quot;b">`},
		{`{% csrf_token %}`, nil, ``},
		{`{{ "<b>" }}{{ v|default:"<i>" }}`, nil, `<b><i>`},
		{`{% lorem 3 w %}`, nil, `lorem ipsum dolor`},
		{`{% widthratio 3 0 100 %}|{% widthratio a b 100 %}`, map[string]any{"a": "x", "b": 2}, `0|`},
		{`{{ 5|add:"x" }}|{{ "a"|add:"b" }}|{{ 3.7|add:1 }}`, nil, `|ab|4`},
		{`{{ v|floatformat:2 }}|{{ v|floatformat:"-2" }}|{{ w|floatformat }}|{{ "abc"|floatformat }}`, map[string]any{"v": 1.005, "w": -0.04}, `1.01|1.01|0.0|`},
		{`{{ v|stringformat:"5.1f" }}|{{ v|stringformat:"s" }}|{{ n|stringformat:"x" }}`, map[string]any{"v": 2.25, "n": 255}, `  2.2|2.25|ff`},
		{`{{ l|slice:"::-1" }}|{{ l|slice:"-2:" }}`, map[string]any{"l": []int{1, 2, 3}}, `[3, 2, 1]|[2, 3]`},
		{`{{ s|title }}`, map[string]any{"s": "1st place o'neil"}, `1st Place O&#x27;Neil`},
		{`{{ s|urlizetrunc:10 }}`, map[string]any{"s": "see https://example.com/long/path."}, `see <a href="https://example.com/long/path" rel="nofollow">https://e…</a>.`},
		{`{{ s|urlize }}`, map[string]any{"s": "mail a@b.org <x>"}, `mail <a href="mailto:a@b.org">a@b.org</a> &lt;x&gt;`},
		{`{% now "Y" as y %}{{ y|length }}`, nil, `4`},
		{`{% for x in l %}{% cycle 'a' 'b' as c silent %}{{ c }}{% endfor %}`, map[string]any{"l": []int{1, 2, 3}}, `aba`},
		{`{% for x in l %}{% cycle 'a' 'b' 'c' %}{% if forloop.counter == 1 %}{% resetcycle %}{% endif %}{% endfor %}`, map[string]any{"l": []int{1, 2, 3}}, `aab`},
		{`{% for x in l %}{% ifchanged %}{{ x }}{% else %}-{% endifchanged %}{% endfor %}`, map[string]any{"l": []int{1, 1, 2}}, `1-2`},
		{`{% templatetag openbrace %}{% templatetag closecomment %}`, nil, `{#}`},
		{`{% spaceless %} <a> <b> x </b> </a> {% endspaceless %}`, nil, `<a><b> x </b></a>`},
		{`{% autoescape off %}{{ s|linebreaksbr }}{% endautoescape %}`, map[string]any{"s": "<a>\nb"}, `<a><br>b`},
		{`{{ s|truncatechars:0 }}|{{ s|wordwrap:3 }}`, map[string]any{"s": "ab cd"}, "…|ab\ncd"},
		{`{{ d|timesince:n }}|{{ n|timeuntil:d }}|{{ n|timesince:d }}`, map[string]any{"d": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "n": time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC)}, "2\u00a0months|2\u00a0months|0\u00a0minutes"},
		{`{{ x|filesizeformat }}|{{ y|filesizeformat }}`, map[string]any{"x": 1, "y": -2048}, "1\u00a0byte|-2.0\u00a0KB"},
		{`{{ d|date:"r" }}|{{ d|date:"SHORT_DATE_FORMAT" }}|{{ d|date:"P" }}|{{ m|date:"P" }}`, map[string]any{"d": time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), "m": time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, "Sun, 01 Mar 2026 12:00:00 +0000|03/01/2026|noon|midnight"},
		{`{{ l|dictsort:0 }}|{{ l|dictsort:"0" }}`, map[string]any{"l": [][]int{{2, 1}, {1, 2}}}, `[[1, 2], [2, 1]]|`},
		{`{{ l|length_is:2 }}{{ l|first }}{{ l|last }}{{ e|first }}`, map[string]any{"l": []string{"a", "b"}, "e": []int{}}, `Trueab`},
		{`{{ s|escapejs }}`, map[string]any{"s": "\u2028;"}, `\u2028\u003B`},
		{`{{ v|yesno:"a,b" }}{{ v|pluralize }}`, map[string]any{"v": nil}, `b`},
		{`{{ l|pluralize }}{{ m|pluralize:"y,ies" }}`, map[string]any{"l": []int{1}, "m": []int{}}, `ies`},
		{`{% with a=1 %}{% with a=2 %}{{ a }}{% endwith %}{{ a }}{% endwith %}{{ a }}`, nil, `21`},
		{`{% firstof a b as c %}[{{ c }}]`, map[string]any{"b": "B"}, `[B]`},
		{`{{ s|iriencode }}|{{ s|urlencode:"" }}`, map[string]any{"s": "a b/é"}, `a%20b/%C3%A9|a%20b%2F%C3%A9`},
		{`{% if 1 < "a" %}x{% else %}y{% endif %}{% if None < 1 %}x{% endif %}{% if not x %}z{% endif %}`, nil, `yz`},
		{`{{ forloop }}{% for a in l %}{% for b in l %}{{ forloop.parentloop.counter0 }}{% endfor %}{% endfor %}`, map[string]any{"l": []int{1, 2}}, `0011`},
	}
	for _, c := range cases {
		if got := render(t, c.src, c.data); got != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}

func TestCircularValues(t *testing.T) {
	l := []any{1, nil}
	l[1] = l
	m := map[string]any{}
	m["self"] = m
	out := render(t, "{{ l }}|{% if l == l %}eq{% endif %}|{{ m|length }}", map[string]any{"l": l, "m": m})
	if !strings.HasPrefix(out, "[1, [1, [1, ") || !strings.Contains(out, "...") {
		t.Errorf("circular list printed as %q", out)
	}
	tm, _ := New().FromString("", "{{ m|json_script:'x' }}")
	if _, err := tm.Render(map[string]any{"m": m}); err == nil || !strings.Contains(err.Error(), "circular") {
		t.Errorf("json_script of a circular map: %v", err)
	}
}

func TestClock(t *testing.T) {
	fixed := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	e := New(Clock(func() time.Time { return fixed }))
	tm, _ := e.FromString("", `{% now "Y-m-d H:i" %}|{{ d|timesince }}|{{ d|timeuntil }}|{{ f|timeuntil }}`)
	out, err := tm.Render(map[string]any{"d": fixed.Add(-49 * time.Hour), "f": fixed.Add(3 * time.Minute)})
	if want := "2030-05-06 07:08|2\u00a0days, 1\u00a0hour|0\u00a0minutes|3\u00a0minutes"; err != nil || out != want {
		t.Errorf("got %q, %v; want %q", out, err, want)
	}
}

func TestTranslator(t *testing.T) {
	e := New(Translator(func(r *http.Request, msgid string) string {
		if r != nil && r.Header.Get("Accept-Language") == "fr" && msgid == "Hello" {
			return "Bonjour"
		}
		return msgid
	}), WithLoader(MapLoader{"t": `{{ _("Hello") }}|{{ name|default:_("Hello") }}`}))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Language", "fr")
	if err := e.Render(rec, req, "t", nil); err != nil || rec.Body.String() != "Bonjour|Bonjour" {
		t.Errorf("got %q, %v", rec.Body.String(), err)
	}
	if out, _ := e.RenderString("t", nil); out != "Hello|Hello" {
		t.Errorf("without a request: %q", out)
	}
}

func TestSyntaxErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"{% if %}x{% endif %}", "'if' statement requires an argument"},
		{"line1\n  {% for x %}", "test:2:3"},
		{"{{ }}", "Empty variable tag"},
		{"{{ a|nope }}", "Invalid filter: 'nope'"},
		{"{{ _a }}", "may not begin with underscores"},
		{"{{ a b }}", "Could not parse the remainder"},
		{"{% block a %}{% block a %}{% endblock %}{% endblock %}", "appears more than once"},
		{"x{% if a %}{% extends 'b' %}{% endif %}", "must be the first tag"},
		{"{% load nothere %}", "not a registered tag library"},
		// The hints name what exists: the static files app, and the i18n battery.
		{"{% load static %}", "install static.App"},
		{"{% load i18n %}", "the i18n battery registers it"},
		{"{{ a|add }}", "requires 2 arguments"},
		{"{{ a|lower:1 }}", "requires 1 arguments"},
		{"{% if a == %}{% endif %}", "Unexpected end of expression"},
		{"{% if a b %}{% endif %}", "Not expecting 'b'"},
		{"{% filter escape %}{% endfilter %}", "not permitted"},
		{"{% cycle x %}", "No named cycles"},
		{"{% url %}", "'url' takes at least one argument"},
		{"{% for x in %}", "at least four words"},
		{"{% with %}{% endwith %}", "at least one variable assignment"},
		{"{% include %}", "at least one argument"},
		{"{% autoescape maybe %}{% endautoescape %}", "'on' or 'off'"},
		{"{% templatetag bogus %}", "Invalid templatetag argument"},
		{"{% verbatim %}{{ x }}", "Unclosed tag"},
		{"{% comment %}", "Unclosed tag"},
		{strings.Repeat("{% if a %}", 300), "nesting is deeper"},
	}
	e := New()
	for _, c := range cases {
		_, err := e.FromString("test", c.src)
		if err == nil {
			t.Errorf("%q: no error", c.src)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %q does not mention %q", c.src, err, c.want)
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: %v is not ErrSyntax", c.src, err)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	e := New(WithLoader(MapLoader{"self": "{% include 'self' %}", "a": "x\n{{ p.slug }}",
		"base": "{% block b %}{% endblock %}", "child": "{% extends 'base' %}\n\n{% block b %}\n  {{ p.slug }}{% endblock %}"}))
	_, err := e.RenderString("child", map[string]any{"p": &post{}})
	var ce *Error
	if !errors.As(err, &ce) || ce.Template != "child" || ce.Line != 4 || ce.Column != 3 {
		t.Errorf("error in a child block: %v", err)
	}
	if _, err := e.RenderString("self", nil); err == nil || !strings.Contains(err.Error(), "nesting deeper") {
		t.Errorf("self include: %v", err)
	}
	_, err = e.RenderString("a", map[string]any{"p": &post{}})
	var te *Error
	if !errors.As(err, &te) || te.Line != 2 || te.Template != "a" || !strings.Contains(err.Error(), "no title") {
		t.Errorf("method error: %v", err)
	}
	_, err = e.RenderString("missing.html", nil)
	var dne *TemplateDoesNotExist
	if !errors.As(err, &dne) || !strings.Contains(err.Error(), "in-memory templates: missing.html") {
		t.Errorf("missing: %v", err)
	}
	if _, err := e.RenderString("x", nil); err == nil {
		t.Error("want error")
	}
	sel, _ := e.FromString("", "{% include names %}")
	if out, err := sel.Render(map[string]any{"names": []string{"nope", "a"}, "p": &post{Title: "T"}}); err != nil || out != "x\nt" {
		t.Errorf("include of a name list: %q, %v", out, err)
	}
	tm, _ := e.FromString("", "{% for a, b in l %}{% endfor %}")
	if _, err := tm.Render(map[string]any{"l": []int{1}}); err == nil || !strings.Contains(err.Error(), "Need 2 values") {
		t.Errorf("unpack: %v", err)
	}
}

func ExampleEngine_FromString() {
	e := New()
	t, err := e.FromString("hello", "Hello {{ name|capfirst }}{% if admin %} (admin){% endif %}!")
	if err != nil {
		panic(err)
	}
	out, _ := t.Render(map[string]any{"name": "ada", "admin": true})
	fmt.Println(out)
	// Output: Hello Ada (admin)!
}

type countingLoader struct {
	MapLoader
	loads map[string]int
}

func (l *countingLoader) Load(name string) (string, error) {
	l.loads[name]++
	return l.MapLoader.Load(name)
}

func TestDebugIncludeLoadsOncePerRender(t *testing.T) {
	l := &countingLoader{MapLoader: MapLoader{"page": "{% for x in l %}{% include 'row' %}{% endfor %}", "row": "{{ x }}"}, loads: map[string]int{}}
	e := New(WithLoader(l), Debug(true))
	out, err := e.RenderString("page", map[string]any{"l": []int{1, 2, 3, 4}})
	if err != nil || out != "1234" {
		t.Fatalf("%q %v", out, err)
	}
	if l.loads["row"] != 1 {
		t.Errorf("row loaded %d times in one render", l.loads["row"])
	}
}

// An include of a constant name remembers the template it found; the engine's
// cache being emptied (a loader or library added) must make it look again, and a
// second engine compiling the same source must not get the first one's template.
func TestConstantIncludeFollowsEngineCache(t *testing.T) {
	l := MapLoader{"page": "{% include 'row' %}|{% include './row' %}", "row": "old"}
	e := New(WithLoader(l))
	if out, err := e.RenderString("page", nil); err != nil || out != "old|old" {
		t.Fatalf("%q %v", out, err)
	}
	l["row"] = "new"
	if out, _ := e.RenderString("page", nil); out != "old|old" {
		t.Fatalf("compiled templates are cached outside debug mode, got %q", out)
	}
	e.AddLibrary("extra", NewLibrary())
	if out, err := e.RenderString("page", nil); err != nil || out != "new|new" {
		t.Errorf("after the cache was emptied: %q %v", out, err)
	}
	page, err := e.Get("page")
	if err != nil {
		t.Fatal(err)
	}
	other := New(WithLoader(MapLoader{"row": "other"}))
	c := &Context{engine: other, Autoescape: true}
	if err := page.nodes.Render(c); err != nil || string(c.out) != "other|other" {
		t.Errorf("rendered with another engine: %q %v", c.out, err)
	}
}

func TestIncludeOfBadRelativeNameFailsAtRender(t *testing.T) {
	e := New(WithLoader(MapLoader{"page": "{% include '../../x' %}"}))
	_, err := e.RenderString("page", nil)
	if err == nil || !strings.Contains(err.Error(), "points outside") {
		t.Errorf("err = %v", err)
	}
}
