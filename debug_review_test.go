package galvani

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

type renderFailure struct{ name string }

func (e *renderFailure) Error() string { return "cannot render " + e.name }

// TestDebugPageTitleNamesTheCause: an error wrapped with fmt.Errorf("...: %w") is
// titled by the error type that says what happened (as Django names the exception
// class), not by *fmt.wrapError.
func TestDebugPageTitleNamesTheCause(t *testing.T) {
	a, _ := testApp(t, true)
	a.Get("/wrapped/", func(c *Ctx) error {
		return fmt.Errorf("render %q: %w", "p.html", &renderFailure{"p.html"})
	})
	a.Get("/joined/", func(c *Ctx) error {
		return fmt.Errorf("two: %w, %w", &renderFailure{"a"}, errors.New("b"))
	})
	a.Get("/plain/", func(c *Ctx) error { return fmt.Errorf("no cause: %d", 1) })
	for path, want := range map[string]string{
		"/wrapped/": "<h1>*galvani.renderFailure <span>",
		"/joined/":  "<h1>*galvani.renderFailure <span>",
		"/plain/":   "<h1>*errors.errorString <span>",
	} {
		w := do(a, "GET", path, nil, "Accept", "text/html")
		if body := w.Body.String(); w.Code != 500 || !strings.Contains(body, want) {
			i := strings.Index(body, "<h1>")
			t.Errorf("%s: %d, want %q in %q", path, w.Code, want, body[max(i, 0):min(len(body), max(i, 0)+80)])
		}
	}
}
