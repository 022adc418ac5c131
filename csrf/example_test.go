package csrf_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/csrf"
)

func Example() {
	app := galvani.New(galvani.Settings{Debug: true})
	csrf.Exempt(&app.Settings, "/hooks/{name}/") // signed webhooks, no cookies
	app.Use(csrf.Middleware(&app.Settings))
	app.Post("/comment/", func(c *galvani.Ctx) error { return c.Text(200, "saved") })

	// A forged cross-site form post riding on the visitor's cookies.
	r := httptest.NewRequest("POST", "/comment/", strings.NewReader("text=spam"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://evil.example")
	r.Header.Set("Cookie", "sessionid=abc; csrftoken=abcdefghijklmnopqrstuvwxyzABCDEF")
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output: 403
}

// A webhook authenticated by its signature is exempt; the router decides, so a
// more specific route under the same pattern stays protected.
func ExampleExemptRoute() {
	app := galvani.New(galvani.Settings{Debug: true})
	ok := func(c *galvani.Ctx) error { return c.Text(200, "ok") }
	csrf.ExemptRoute(&app.Settings, app.Post("/hooks/{name}/", ok))
	app.Post("/hooks/admin/", ok)
	app.Use(csrf.Middleware(&app.Settings))

	for _, path := range []string{"/hooks/stripe/", "/hooks/admin/"} {
		r := httptest.NewRequest("POST", path, strings.NewReader("{}"))
		r.Header.Set("Cookie", "sessionid=abc")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		fmt.Println(path, w.Code)
	}
	// Output:
	// /hooks/stripe/ 200
	// /hooks/admin/ 403
}
