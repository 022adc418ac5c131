package template

import (
	"bytes"
	htmltemplate "html/template"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

// The benchmarks render the same pages with this engine and with html/template (the
// raw baseline), compiled once and rendered many times into a reused buffer.

type benchFortune struct {
	ID      int32
	Message string
}

func benchFortunes() []benchFortune {
	fs := []benchFortune{
		{1, "fortune: No such file or directory"},
		{2, "A computer scientist is someone who fixes things that aren't broken."},
		{3, "After enough decimal places, nobody gives a damn."},
		{4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"},
		{5, "A computer program does what you tell it to do, not what you want it to do."},
		{6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"},
		{7, "Any program that runs right is obsolete."},
		{8, "A list is only as strong as its weakest link. — Donald Knuth"},
		{9, "Feature: A bug with seniority."},
		{10, "Computers make very fast, very accurate mistakes."},
		{11, `<script>alert("This should not be displayed in a browser alert box.");</script>`},
		{12, "フレームワークのベンチマーク"},
		{0, "Additional fortune added at request time."},
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Message < fs[j].Message })
	return fs
}

const fortunesDTL = `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>{% for f in fortunes %}<tr><td>{{ f.id }}</td><td>{{ f.message }}</td></tr>{% endfor %}</table></body></html>`
const fortunesHTML = `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>{{range .}}<tr><td>{{.ID}}</td><td>{{.Message}}</td></tr>{{end}}</table></body></html>`

// The inheritance page: page extends layout extends base; base includes a nav
// partial, page includes a row partial 100 times.
var inheritDTL = MapLoader{
	"base.html": `<!DOCTYPE html><html><head><title>{% block title %}Site{% endblock %}</title></head>
<body>{% include "nav.html" %}<main>{% block content %}{% endblock %}</main>
<footer>{% block footer %}&copy; Galvani{% endblock %}</footer></body></html>`,
	"nav.html":    `<nav>{% for l in links %}<a href="{{ l.url }}">{{ l.title }}</a>{% endfor %}</nav>`,
	"layout.html": `{% extends "base.html" %}{% block content %}<div class="layout"><aside>{% block sidebar %}Menu{% endblock %}</aside><section>{% block main %}{% endblock %}</section></div>{% endblock %}`,
	"page.html":   `{% extends "layout.html" %}{% block title %}{{ title }}{% endblock %}{% block main %}<h1>{{ title }}</h1><table>{% for u in users %}{% include "row.html" %}{% endfor %}</table>{% endblock %}`,
	"row.html":    `<tr class="{% if u.active %}on{% else %}off{% endif %}"><td>{{ u.id }}</td><td>{{ u.name }}</td><td>{{ u.email }}</td></tr>`,
}

// The same page in html/template: three levels as three Parse calls, each
// redefining the blocks of the one before (html/template's way of inheriting).
var inheritHTML = []string{
	`{{define "base"}}<!DOCTYPE html><html><head><title>{{block "title" .}}Site{{end}}</title></head>
<body>{{template "nav" .}}<main>{{block "content" .}}{{end}}</main>
<footer>{{block "footer" .}}&copy; Galvani{{end}}</footer></body></html>{{end}}{{define "nav"}}<nav>{{range .Links}}<a href="{{.URL}}">{{.Title}}</a>{{end}}</nav>{{end}}`,
	`{{define "content"}}<div class="layout"><aside>{{block "sidebar" .}}Menu{{end}}</aside><section>{{block "main" .}}{{end}}</section></div>{{end}}`,
	`{{define "title"}}{{.Title}}{{end}}{{define "main"}}<h1>{{.Title}}</h1><table>{{range .Users}}{{template "row" .}}{{end}}</table>{{end}}{{define "row"}}<tr class="{{if .Active}}on{{else}}off{{end}}"><td>{{.ID}}</td><td>{{.Name}}</td><td>{{.Email}}</td></tr>{{end}}`,
}

func parseInheritHTML() *htmltemplate.Template {
	t := htmltemplate.New("")
	for _, src := range inheritHTML {
		t = htmltemplate.Must(t.Parse(src))
	}
	return t
}

type benchLink struct{ URL, Title string }
type benchUser struct {
	ID     int
	Name   string
	Email  string
	Active bool
}
type benchPage struct {
	Title string
	Links []benchLink
	Users []benchUser
}

func benchPageData() *benchPage {
	p := &benchPage{Title: "Users & <friends>", Links: []benchLink{{"/", "Home"}, {"/about/", "About"}, {"/users/?page=2&sort=name", "Users"}}}
	for i := 0; i < 100; i++ {
		p.Users = append(p.Users, benchUser{ID: i, Name: "User " + strings.Repeat("x", i%7), Email: "u" + string(rune('a'+i%26)) + "@example.com", Active: i%3 == 0})
	}
	return p
}

func mustDTL(tb testing.TB, e *Engine, name string) *Template {
	t, err := e.Get(name)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// TestBenchmarkPagesMatch checks that both engines render the same bytes, so the
// benchmarks compare like with like.
func TestBenchmarkPagesMatch(t *testing.T) {
	var a, b bytes.Buffer
	ft := mustDTL(t, New(WithLoader(MapLoader{"f": fortunesDTL})), "f")
	if err := ft.Execute(&a, map[string]any{"fortunes": benchFortunes()}); err != nil {
		t.Fatal(err)
	}
	if err := htmltemplate.Must(htmltemplate.New("f").Parse(fortunesHTML)).Execute(&b, benchFortunes()); err != nil {
		t.Fatal(err)
	}
	// html/template writes &#39; &#34; &#43; where Django writes &#x27; &quot; +.
	norm := strings.NewReplacer("&#39;", "&#x27;", "&#34;", "&quot;", "&#43;", "+")
	if a.String() != norm.Replace(b.String()) {
		t.Errorf("fortunes differ:\n%s\n%s", a.String(), b.String())
	}
	a.Reset()
	b.Reset()
	pt := mustDTL(t, New(WithLoader(inheritDTL)), "page.html")
	if err := pt.Execute(&a, benchPageData()); err != nil {
		t.Fatal(err)
	}
	if err := parseInheritHTML().ExecuteTemplate(&b, "base", benchPageData()); err != nil {
		t.Fatal(err)
	}
	if a.String() != norm.Replace(b.String()) {
		t.Errorf("inheritance page differs:\n%s\n%s", a.String(), b.String())
	}
}

func BenchmarkFortunesGalvani(b *testing.B) {
	t := mustDTL(b, New(WithLoader(MapLoader{"f": fortunesDTL})), "f")
	data := map[string]any{"fortunes": benchFortunes()}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := t.Execute(&buf, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFortunesHTMLTemplate(b *testing.B) {
	t := htmltemplate.Must(htmltemplate.New("f").Parse(fortunesHTML))
	data := benchFortunes()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := t.Execute(&buf, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInheritanceGalvani(b *testing.B) {
	t := mustDTL(b, New(WithLoader(inheritDTL)), "page.html")
	data := benchPageData()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := t.Execute(&buf, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInheritanceHTMLTemplate(b *testing.B) {
	t := parseInheritHTML()
	data := benchPageData()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
			b.Fatal(err)
		}
	}
}

// discardWriter is a reusable http.ResponseWriter for the c.Render benchmarks.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

func benchRenderApp(b *testing.B, engine galvani.TemplateEngine, name string, data func() any) {
	app := galvani.New(galvani.Settings{AllowedHosts: []string{"*"}})
	app.SetTemplates(engine)
	app.Get("/page", func(c *galvani.Ctx) error { return c.Render(200, name, data()) })
	req := httptest.NewRequest("GET", "http://localhost/page", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		app.ServeHTTP(w, req)
	}
}

// The same fortunes page through c.Render: router, Ctx and engine together.
func BenchmarkFortunesCtxRenderGalvani(b *testing.B) {
	e := New(WithLoader(MapLoader{"fortunes.html": fortunesDTL}))
	fs := benchFortunes()
	benchRenderApp(b, e, "fortunes.html", func() any { return map[string]any{"fortunes": fs} })
}

func BenchmarkFortunesCtxRenderHTMLTemplate(b *testing.B) {
	t := htmltemplate.Must(htmltemplate.New("fortunes.html").Parse(fortunesHTML))
	fs := benchFortunes()
	benchRenderApp(b, HTMLTemplateEngine(t), "fortunes.html", func() any { return fs })
}
