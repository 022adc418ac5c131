package security_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/security"
)

func Example() {
	settings := galvani.Settings{AllowedHosts: []string{"example.com", ".example.org"}}
	galvani.Section(&settings, "security", security.Config{CSP: security.StrictCSP})
	app := galvani.New(settings, security.App) // installs security.Defaults
	app.Get("/", func(c *galvani.Ctx) error {
		return c.Text(200, "hello")
	})

	for _, host := range []string{"example.com", "www.example.org", "evil.example"} {
		w := httptest.NewRecorder()
		app.ServeHTTP(w, httptest.NewRequest("GET", "http://"+host+"/", nil))
		fmt.Println(host, w.Code, w.Header().Get("X-Frame-Options"))
	}
	// Output:
	// example.com 200 DENY
	// www.example.org 200 DENY
	// evil.example 400
}
