package template_test

import (
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/template"
)

type blogApp struct{}

func (blogApp) Label() string { return "blog" }
func (blogApp) Templates() fs.FS {
	return fstest.MapFS{
		"blog/base.html":   {Data: []byte("<h1>{% block title %}Blog{% endblock %}</h1>{% block body %}{% endblock %}")},
		"blog/detail.html": {Data: []byte(`{% extends "blog/base.html" %}{% block body %}<a href="{% url 'blog:detail' post.id %}">{{ post.title }}</a>{{ csrf }}{% endblock %}`)},
	}
}
func (blogApp) Routes(g *galvani.Group) {
	g.Get("/posts/{id:int}/", func(c *galvani.Ctx) error {
		return c.Render(200, "blog/detail.html", map[string]any{"post": map[string]any{"id": 3, "title": "<Hi>"}})
	}).Name("detail")
}
func (blogApp) TemplateContext(r *http.Request) map[string]any {
	return map[string]any{"csrf": "T", "path": r.URL.Path}
}

func TestSetupWithApp(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true}, blogApp{})
	project := fstest.MapFS{
		// The project overrides the app's base template and extends the original.
		"blog/base.html": {Data: []byte(`[{% extends "blog/base.html" %}{% block title %}Site: {{ block.super }} {{ request.URL.Path }}{% endblock %}`)},
	}
	template.Setup(app, template.Dir(project, "templates/"))
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost/posts/3/", nil))
	want := `[<h1>Site: Blog /posts/3/</h1><a href="/posts/3/">&lt;Hi&gt;</a>T`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Fatalf("got %d %q\nwant %q", rec.Code, rec.Body.String(), want)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestSystemCheckCompilesTemplates(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true}, blogApp{})
	template.Setup(app, template.Dir(fstest.MapFS{
		"ok.html":      {Data: []byte("{{ a }}")},
		"bad.html":     {Data: []byte("line\n{% if %}")},
		"static/x.css": {Data: []byte("{% nonsense")},
	}, "templates/"))
	var found []galvani.CheckMessage
	for _, m := range app.Check(false) {
		if m.ID == "templates.E001" {
			found = append(found, m)
		}
	}
	if len(found) != 1 || found[0].Object != "bad.html" || !strings.Contains(found[0].Msg, "bad.html:2:1") {
		t.Fatalf("check messages: %v", found)
	}
}

func TestDebugPageShowsTemplateError(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true})
	template.Setup(app, template.Dir(fstest.MapFS{
		"broken.html": {Data: []byte("<p>\n  {% for x in %}{% endfor %}</p>")},
	}, "templates/"))
	app.Get("/", func(c *galvani.Ctx) error { return c.Render(200, "broken.html", nil) })
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "http://localhost/", nil)
	req.Header.Set("Accept", "text/html")
	app.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != 500 || !strings.Contains(body, "broken.html:2:3") || !strings.Contains(body, "{% for x in %}") {
		t.Fatalf("debug page %d does not show the template error:\n%s", rec.Code, body)
	}
}

func TestMissingTemplateListsWhereItLooked(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true}, blogApp{})
	e := template.Setup(app, template.Dir(fstest.MapFS{}, "templates/"))
	_, err := e.RenderString("nope.html", nil)
	if err == nil || !strings.Contains(err.Error(), "templates/: nope.html") || !strings.Contains(err.Error(), "app blog: nope.html") {
		t.Fatalf("error %v does not list both places", err)
	}
}

func TestHTMLTemplateEngine(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true})
	app.SetTemplates(template.HTMLTemplateEngine(htmltemplate.Must(htmltemplate.New("x.html").Parse(`<p>{{.}}</p>`))))
	app.Get("/", func(c *galvani.Ctx) error { return c.Render(201, "x.html", "<b>") })
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost/", nil))
	if rec.Code != 201 || rec.Body.String() != "<p>&lt;b&gt;</p>" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}

func TestDebugReload(t *testing.T) {
	files := fstest.MapFS{"a.html": {Data: []byte("one")}}
	e := template.New(template.Dir(files, "mem"), template.Debug(true))
	if s, _ := e.RenderString("a.html", nil); s != "one" {
		t.Fatal(s)
	}
	files["a.html"] = &fstest.MapFile{Data: []byte("two")}
	if s, _ := e.RenderString("a.html", nil); s != "two" {
		t.Fatalf("debug mode did not reload: %q", s)
	}
	prod := template.New(template.Dir(files, "mem"))
	prod.RenderString("a.html", nil)
	files["a.html"] = &fstest.MapFile{Data: []byte("three")}
	if s, _ := prod.RenderString("a.html", nil); s != "two" {
		t.Fatalf("production mode reloaded: %q", s)
	}
}

// A project with one installed app: project templates come first, then the app's.
func ExampleSetup() {
	app := galvani.New(galvani.Settings{Debug: true})
	project := fstest.MapFS{
		"base.html":  {Data: []byte(`<title>{% block title %}Site{% endblock %}</title>{% block body %}{% endblock %}`)},
		"hello.html": {Data: []byte(`{% extends "base.html" %}{% block title %}Hi {{ name }}{% endblock %}{% block body %}<a href="{% url 'hello' name %}">again</a>{% endblock %}`)},
	}
	template.Setup(app, template.Dir(project, "templates/"))
	app.Get("/hello/{name}/", func(c *galvani.Ctx) error {
		return c.Render(200, "hello.html", map[string]any{"name": c.Param("name")})
	}).Name("hello")

	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost/hello/ada/", nil))
	fmt.Println(rec.Body.String())
	// Output: <title>Hi ada</title><a href="/hello/ada/">again</a>
}

// Typos that used to pass check: a {% url %} name no route has is templates.W001
// with the resolver's "did you mean" (an "as var" tag is left alone: it may fail on
// purpose), and an unknown filter's error suggests the nearest one.
func TestCheckFindsTyposWithSuggestions(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true}, blogApp{})
	template.Setup(app, template.Dir(fstest.MapFS{
		"links.html":  {Data: []byte("ok {% url 'blog:detail' 1 %}\n{% url 'blog:detial' 1 %}\n{% url 'blog:nothing_like_it' %}\n{% url 'auth:login' as login_url %}")},
		"filter.html": {Data: []byte("{{ name|lowr }}")},
	}, "templates/"))
	var w001 []string
	var e001 string
	for _, m := range app.Check(false) {
		switch m.ID {
		case "templates.W001":
			w001 = append(w001, m.Msg)
		case "templates.E001":
			e001 += m.Msg
		}
	}
	if len(w001) != 2 || !strings.Contains(w001[0], `links.html, line 2: {% url "blog:detial" %}`) ||
		!strings.Contains(w001[0], `did you mean "blog:detail"?`) || !strings.Contains(w001[1], "line 3") {
		t.Errorf("templates.W001: %q", w001)
	}
	if !strings.Contains(e001, "Invalid filter: 'lowr'. Did you mean 'lower'?") {
		t.Errorf("templates.E001: %s", e001)
	}
}

// In debug mode an undefined {{ variable }} is logged once per place, naming the
// template and line; outside debug mode nothing is logged.
func TestUndefinedVariableLoggedInDebug(t *testing.T) {
	for _, debug := range []bool{true, false} {
		var log strings.Builder
		app := galvani.New(galvani.Settings{Debug: debug, AllowedHosts: []string{"*"}}, blogApp{})
		app.Logger = slog.New(slog.NewTextHandler(&log, nil))
		eng := template.Setup(app, template.Dir(fstest.MapFS{
			"q.html": {Data: []byte("<h1>{{ question.text }}</h1>\n{{ questoin.text }}{{ missing|default:'x' }}")},
		}, "templates/"))
		for range 2 {
			if _, err := eng.RenderString("q.html", map[string]any{"question": map[string]any{"text": "Why?"}}); err != nil {
				t.Fatal(err)
			}
		}
		n := strings.Count(log.String(), "undefined variable")
		if debug && (n != 1 || !strings.Contains(log.String(), "template=q.html line=2 variable=questoin.text")) {
			t.Errorf("debug log: %s", log.String())
		}
		if !debug && n != 0 {
			t.Errorf("logged outside debug mode: %s", log.String())
		}
	}
}
