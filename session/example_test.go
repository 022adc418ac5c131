package session_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/session"
)

func Example() {
	app := galvani.New(galvani.Settings{SecretKey: "change-me", Debug: true})
	app.Use(session.Middleware(&app.Settings))
	app.Get("/", func(c *galvani.Ctx) error {
		s := session.From(c.Request)
		n, _ := session.Value[int](s, "visits")
		n++
		if err := s.Set("visits", n); err != nil {
			return err
		}
		return c.Text(200, fmt.Sprint("visit ", n))
	})

	// Two requests from the same browser.
	rec := httptest.NewRecorder()
	app.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(rec.Body.String())
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(rec.Result().Cookies()[0])
	rec = httptest.NewRecorder()
	app.ServeHTTP(rec, req)
	fmt.Println(rec.Body.String())
	// Output:
	// visit 1
	// visit 2
}
