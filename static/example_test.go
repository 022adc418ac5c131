package static_test

import (
	"fmt"
	"net/http/httptest"
	"testing/fstest"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/static"
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
