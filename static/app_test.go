package static_test

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/galvanitest"
	"github.com/galvani-web/galvani/static"
	"github.com/galvani-web/galvani/template"
)

// blogApp is an installed app with static files and a template using them.
type blogApp struct{}

func (blogApp) Label() string { return "blog" }
func (blogApp) Static() fs.FS {
	return fstest.MapFS{
		"blog/style.css": {Data: []byte("h1{background:url(../img/bg.png)}")},
		"img/bg.png":     {Data: []byte("png")},
	}
}
func (blogApp) Templates() fs.FS {
	return fstest.MapFS{"page.html": {Data: []byte(`{% load static %}<link href="{% static "blog/style.css" %}"><img src="{% static logo %}">{% static "img/bg.png" as bg %}[{{ bg }}]{% get_static_prefix %}`)}}
}
func (blogApp) Routes(g *galvani.Group) {
	g.Get("/", func(c *galvani.Ctx) error {
		return c.Render(http.StatusOK, "page.html", map[string]any{"logo": "img/logo.png"})
	})
	g.Get("/broken/", func(c *galvani.Ctx) error {
		return c.Render(http.StatusOK, "page.html", map[string]any{"logo": "img/typo.png"})
	})
}

var projectStatic = fstest.MapFS{"img/logo.png": {Data: []byte("logo")}}

func newStaticApp(t *testing.T, s galvani.Settings, files *static.Files) *galvani.App {
	t.Helper()
	s.SecretKey = "x"
	app := galvani.New(s, files, blogApp{})
	template.Setup(app)
	return app
}

func TestFilesApp(t *testing.T) {
	files := &static.Files{Dirs: []fs.FS{projectStatic}}
	app := newStaticApp(t, galvani.Settings{Debug: true}, files)
	c := galvanitest.New(t, app, galvanitest.Host("localhost"))
	logo, err := files.URL("img/logo.png")
	if err != nil {
		t.Fatal(err)
	}
	css, _ := files.URL("blog/style.css")
	bg, _ := files.URL("img/bg.png")
	if !strings.HasPrefix(logo, "/static/img/logo.") || !strings.HasPrefix(css, "/static/blog/style.") {
		t.Fatalf("URLs %s %s", logo, css)
	}
	c.Get("/").AssertStatus(200).AssertContains(`<link href="`+css+`">`, `<img src="`+logo+`">`, "["+bg+"]/static/")
	c.Get(logo).AssertStatus(200).AssertHeader("Cache-Control", "public, max-age=31536000, immutable").AssertContains("logo")
	c.Get("/static/img/logo.png").AssertStatus(200).AssertHeader("Cache-Control", "no-cache")
	// A name that is not a static file fails the render, naming it.
	r := c.Get("/broken/")
	r.AssertStatus(500).AssertContains("img/typo.png")
}

func TestFilesCollectAndServeCollected(t *testing.T) {
	root := filepath.Join(t.TempDir(), "collected")
	files := &static.Files{Dirs: []fs.FS{projectStatic}}
	s := galvani.Settings{Debug: true}
	galvani.Section(&s, "static", static.Config{URL: "/assets/", Root: root})
	app := newStaticApp(t, s, files)
	var out bytes.Buffer
	if err := app.RunCommand(context.Background(), []string{"collectstatic"}, &out); err != nil {
		t.Fatalf("collectstatic: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "3 static file(s) copied to "+root+", 3 post-processed.") {
		t.Fatalf("collectstatic said: %s", out.String())
	}
	m, err := static.LoadManifest(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	hashedCSS, _ := m.Lookup("blog/style.css")
	hashedBG, _ := m.Lookup("img/bg.png")

	// In production (Debug off) the App serves the collected files and links the
	// manifest's names; the collected sheet points at the fingerprinted image.
	prod := galvani.Settings{AllowedHosts: []string{"example.com"}}
	galvani.Section(&prod, "static", static.Config{URL: "/assets/", Root: root})
	prodFiles := &static.Files{Dirs: []fs.FS{projectStatic}}
	papp := newStaticApp(t, prod, prodFiles)
	c := galvanitest.New(t, papp)
	c.Get("/").AssertStatus(200).AssertContains(`<link href="/assets/` + hashedCSS + `">`)
	sheet := c.Get("/assets/"+hashedCSS).AssertStatus(200).AssertHeader("Cache-Control", "public, max-age=31536000, immutable")
	sheet.AssertContains("url(../" + hashedBG + ")")
	if srv := prodFiles.Server(); srv == nil || srv.Prefix() != "/assets/" {
		t.Fatalf("server %v", srv)
	}

	// A damaged manifest stops the project at start-up, saying what to do.
	os.WriteFile(filepath.Join(root, static.ManifestName), []byte(`{"paths": {"a": "../../etc/passwd"}, "version": "1.1"}`), 0o644)
	defer func() {
		v := recover()
		if v == nil || !strings.Contains(v.(string), "run collectstatic again") {
			t.Fatalf("damaged manifest: %v", v)
		}
	}()
	newStaticApp(t, prod, &static.Files{})
}

func TestFindstatic(t *testing.T) {
	files := &static.Files{Dirs: []fs.FS{projectStatic, fstest.MapFS{"img/logo.png": {Data: []byte("2")}}}}
	app := newStaticApp(t, galvani.Settings{Debug: true}, files)
	var out bytes.Buffer
	err := app.RunCommand(context.Background(), []string{"findstatic", "--all", "img/logo.png", "blog/style.css", "nope.js", "../x"}, &out)
	if err == nil || !strings.Contains(err.Error(), "2 of 4 file(s) not found") {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{
		`Found "img/logo.png" in: project directory 1, project directory 2`,
		`Found "blog/style.css" in: app blog`,
		`No matching file found for "nope.js".`,
		`No matching file found for "../x".`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("findstatic output lacks %q:\n%s", want, out.String())
		}
	}
	if err := app.RunCommand(context.Background(), []string{"collectstatic"}, &out); err == nil || !strings.Contains(err.Error(), "set STATIC_ROOT") {
		t.Fatalf("collectstatic without a root: %v", err)
	}
}

// A CDN prefix is used as it is in links; the App still serves the path part.
func TestFilesCDNPrefix(t *testing.T) {
	s := galvani.Settings{Debug: true}
	galvani.Section(&s, "static", static.Config{URL: "https://cdn.example.com/s"})
	files := &static.Files{Dirs: []fs.FS{projectStatic}}
	app := newStaticApp(t, s, files)
	u, err := files.URL("img/logo.png")
	if err != nil || !strings.HasPrefix(u, "https://cdn.example.com/s/img/logo.") {
		t.Fatalf("URL %q %v", u, err)
	}
	galvanitest.New(t, app, galvanitest.Host("localhost")).Get(strings.TrimPrefix(u, "https://cdn.example.com")).AssertStatus(200)
}

func TestLibraryWithoutApp(t *testing.T) {
	e := template.New(template.Libraries(map[string]*template.Library{"static": (&static.Files{}).TemplateLibraries()["static"]}))
	tpl, err := e.FromString("t", `{% load static %}{% static "a.css" %}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tpl.Render(nil); err == nil || !strings.Contains(err.Error(), "static.App") {
		t.Fatalf("err = %v", err)
	}
	srv := static.New(projectStatic, static.Options{Prefix: "/s/"})
	e = template.New(template.Libraries(map[string]*template.Library{"static": srv.Library()}))
	tpl, _ = e.FromString("t", `{% load static %}{% static "img/logo.png" %}`)
	got, err := tpl.Render(nil)
	want, _ := srv.URL("img/logo.png")
	if err != nil || got != want {
		t.Fatalf("got %q %v, want %q", got, err, want)
	}
}
