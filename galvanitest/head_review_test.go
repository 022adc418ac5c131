package galvanitest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/galvani-web/galvani/galvanitest"
)

// A real server sends no body for HEAD, 204 and 304, whatever the handler writes;
// the test client must not show one either (Django's client removes it the same way),
// or a test passes that a browser would contradict.
func TestNoBodyWhereHTTPHasNone(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/304":
			w.WriteHeader(http.StatusNotModified)
		}
		fmt.Fprint(w, "body")
	})
	c := galvanitest.New(t, h)
	if r := c.Head("/"); r.StatusCode != 200 || r.Body() != "" {
		t.Errorf("HEAD: %d %q, want 200 without body", r.StatusCode, r.Body())
	}
	for _, p := range []string{"/204", "/304"} {
		if r := c.Get(p); r.Body() != "" {
			t.Errorf("GET %s: %d %q, want no body", p, r.StatusCode, r.Body())
		}
	}
	if r := c.Get("/"); r.Body() != "body" {
		t.Errorf("GET /: %q", r.Body())
	}
}
