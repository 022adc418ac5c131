package forms

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

// Through the core: an HTML handler re-renders an invalid form (escaped); an API
// handler returns the error and the core answers with its status.
func TestThroughApp(t *testing.T) {
	app := galvani.New()
	app.Post("/html", func(c *galvani.Ctx) error {
		f := New[Signup]()
		err := f.Bind(c.Request)
		var invalid *ValidationError
		if err != nil && !errors.As(err, &invalid) {
			return err
		}
		return c.HTML(200, string(f.AsDiv()))
	})
	app.Post("/api", func(c *galvani.Ctx) error {
		f := New[Signup]()
		if err := f.Bind(c.Request); err != nil {
			return err
		}
		return c.Text(200, "ok")
	})
	post := func(path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w
	}
	w := post("/html", "username=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
	if w.Code != 200 || strings.Contains(w.Body.String(), "<script>") || !strings.Contains(w.Body.String(), "&lt;script&gt;") {
		t.Errorf("html: %d %s", w.Code, w.Body)
	}
	if w := post("/api", "username=x"); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("api invalid: %d", w.Code)
	}
	if w := post("/api", "username="+strings.Repeat("x", 3<<20)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("api oversize: %d", w.Code)
	}
	if w := post("/api", valid().Encode()); w.Code != 200 {
		t.Errorf("api valid: %d %s", w.Code, w.Body)
	}
}
