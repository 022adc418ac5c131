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
