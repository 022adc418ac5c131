package static_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing/fstest"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/static"
	"github.com/galvani-web/galvani/template"
)

func Example() {
	// In a project this is an embed.FS (//go:embed assets) or os.DirFS("assets").
	assets := fstest.MapFS{"css/site.css": {Data: []byte("body{margin:0}")}}

	files := static.New(assets, static.Options{Prefix: "/static/"})
	app := galvani.New(galvani.Settings{})
	app.Mount("/static", files)

	href, _ := files.URL("css/site.css") // use it in templates: cached for a year
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", href, nil))
	fmt.Println(href)
	fmt.Println(rec.Code, rec.Header().Get("Cache-Control"), rec.Body.String())
	// Output:
	// /static/css/site.2007703776e2.css
	// 200 public, max-age=31536000, immutable body{margin:0}
}

// The static files app: installed, it serves the project's and the apps' files
// under /static/ and makes {% load static %} work in every template.
func ExampleFiles() {
	assets := fstest.MapFS{"css/site.css": {Data: []byte("body{margin:0}")}}
	app := galvani.New(galvani.Settings{Debug: true}, &static.Files{Dirs: []fs.FS{assets}})
	engine := template.Setup(app)

	page, _ := engine.FromString("page.html", `{% load static %}<link rel="stylesheet" href="{% static "css/site.css" %}">`)
	html, _ := page.Render(nil)
	fmt.Println(html)
	// Output:
	// <link rel="stylesheet" href="/static/css/site.2007703776e2.css">
}

// Collect gathers static files into one directory with fingerprinted copies,
// style sheets rewritten to point at them, and a manifest: what the collectstatic
// command runs.
func ExampleCollect() {
	sources := []static.Source{{Label: "project", FS: fstest.MapFS{
		"css/site.css": {Data: []byte("body{background:url(../img/bg.png)}")},
		"img/bg.png":   {Data: []byte("...")},
	}}}
	dir, _ := os.MkdirTemp("", "collected")
	defer os.RemoveAll(dir)
	res, err := static.Collect(context.Background(), dir, sources, static.CollectOptions{Prefix: "/static/"})
	if err != nil {
		panic(err)
	}
	css, _ := res.Manifest.Lookup("css/site.css")
	bg, _ := res.Manifest.Lookup("img/bg.png")
	sheet, _ := os.ReadFile(filepath.Join(dir, css))
	fmt.Println(res.Copied, "copied,", res.PostProcessed, "fingerprinted")
	fmt.Println(bg)
	fmt.Println(string(sheet))
	// Output:
	// 2 copied, 2 fingerprinted
	// img/bg.ab5df625bc76.png
	// body{background:url(../img/bg.ab5df625bc76.png)}
}
