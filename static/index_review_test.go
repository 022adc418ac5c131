package static_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/static"
)

// Under a mount prefix the handler sees the stripped path; the slash redirect must
// still lead to the directory under the prefix, not to the site root.
func TestIndexRedirectUnderPrefix(t *testing.T) {
	s := static.New(testFS(), static.Options{Index: true})
	app := galvani.New(galvani.Settings{Debug: true})
	app.Mount("/static", s)
	for name, h := range map[string]http.Handler{
		"StripPrefix": http.StripPrefix("/static", s),
		"App.Mount":   app,
	} {
		rec := serve(h, "GET", "/static/docs?x=1")
		loc, err := url.Parse(rec.Header().Get("Location"))
		if rec.Code != 301 || err != nil {
			t.Fatalf("%s: %d %q", name, rec.Code, rec.Header().Get("Location"))
		}
		base, _ := url.Parse("http://example.com/static/docs?x=1")
		if got := base.ResolveReference(loc).String(); got != "http://example.com/static/docs/?x=1" {
			t.Errorf("%s: Location %q leads to %s", name, loc, got)
		}
	}
}
