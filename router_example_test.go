package galvani_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/galvani-web/galvani"
)

func serveGet(h http.Handler, target string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	return w
}

// Routes with converters, a name, and reverse routing.
func ExampleApp_URL() {
	app := galvani.New(galvani.Settings{})
	app.Get("/articles/{id:int}/", func(c *galvani.Ctx) error {
		return c.Text(200, "article "+c.Param("id"))
	}).Name("article-detail")

	u, _ := app.URL("article-detail", 42)
	fmt.Println(u)
	fmt.Println(serveGet(app, u).Body.String())

	_, err := app.URL("article-detail", "forty-two")
	fmt.Println(err)
	// Output:
	// /articles/42/
	// article 42
	// galvani: URL("article-detail"): route /articles/{id:int}/: argument 1 for {id:int}: "forty-two" is not a non-negative integer (digits 0-9 only)
}

// A group with a prefix, its own middleware and a namespace.
func ExampleGroup_Namespace() {
	app := galvani.New(galvani.Settings{})
	blog := app.Group("/blog").Namespace("blog")
	blog.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Section", "blog")
			next.ServeHTTP(w, r)
		})
	})
	blog.Get("/{slug:slug}/", func(c *galvani.Ctx) error {
		return c.Text(200, "post "+c.Param("slug"))
	}).Name("detail")

	u := app.MustURL("blog:detail", "hello-world")
	w := serveGet(app, u)
	fmt.Println(u, w.Header().Get("X-Section"), w.Body.String())
	// Output: /blog/hello-world/ blog post hello-world
}

// Mounting any http.Handler: the prefix is stripped, like http.StripPrefix.
func ExampleApp_Mount() {
	app := galvani.New(galvani.Settings{})
	app.Mount("/legacy", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "legacy sees ", r.URL.Path)
	}))
	fmt.Println(serveGet(app, "/legacy/reports/2024").Body.String())
	// Output: legacy sees /reports/2024
}

// The trailing-slash policy and the automatic answers for HEAD, OPTIONS and 405.
func ExampleApp_Get_appendSlash() {
	app := galvani.New(galvani.Settings{})
	app.Get("/about/", func(c *galvani.Ctx) error { return c.Text(200, "about") })

	w := serveGet(app, "/about?lang=fr")
	fmt.Println(w.Code, w.Header().Get("Location"))

	w = httptest.NewRecorder()
	app.ServeHTTP(w, httptest.NewRequest("POST", "/about/", nil))
	fmt.Println(w.Code, w.Header().Get("Allow"))
	// Output:
	// 301 /about/?lang=fr
	// 405 GET, HEAD, OPTIONS
}

type blogApp struct{}

func (blogApp) Label() string { return "blog" }
func (blogApp) Routes(g *galvani.Group) {
	g.Get("/", func(c *galvani.Ctx) error { return c.Text(200, "blog index") }).Name("index")
}

// Installing an app under a prefix the project chooses.
func ExampleInclude() {
	app := galvani.New(galvani.Settings{}, galvani.Include("/news", blogApp{}))
	fmt.Println(app.MustURL("blog:index"))
	fmt.Println(serveGet(app, "/news/").Body.String())
	// Output:
	// /news/
	// blog index
}
