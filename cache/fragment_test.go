package cache_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/cache"
	"github.com/galvani-web/galvani/template"
)

type counter struct{ n int }

func (c *counter) Next() int { c.n++; return c.n }

func TestFragmentTag(t *testing.T) {
	cs, err := cache.NewCaches(map[string]*cache.Cache{"default": newLRUCache(), "other": newLRUCache()})
	if err != nil {
		t.Fatal(err)
	}
	e := template.New(template.Libraries(map[string]*template.Library{"cache": cache.Library(cs)}))
	tpl, err := e.FromString("t", `{% load cache %}{% cache 60 box user %}[{{ user }} {{ n.Next }}]{% endcache %}`+
		`{% cache None other user using="other" %}({{ n.Next }}){% endcache %}`)
	if err != nil {
		t.Fatal(err)
	}
	n := &counter{}
	render := func(user string) string {
		t.Helper()
		out, err := tpl.Render(map[string]any{"user": user, "n": n})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a1, b1, a2 := render("ann"), render("bob"), render("ann")
	if a1 != "[ann 1](2)" || b1 != "[bob 3](4)" || a2 != a1 {
		t.Fatalf("renders: %q %q %q", a1, b1, a2)
	}
	// The fragment is in the named cache, not the default one.
	other, _ := cs.Get("other")
	if err := other.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := render("ann"); got != "[ann 1](5)" {
		t.Fatalf("after clearing the other cache: %q", got)
	}
	// The escaping of the body is kept as rendered.
	tpl2, _ := e.FromString("t2", `{% load cache %}{% cache 60 esc %}{{ s }}{% endcache %}`)
	for i := 0; i < 2; i++ {
		if out, _ := tpl2.Render(map[string]any{"s": "<b>"}); out != "&lt;b&gt;" {
			t.Fatalf("render %d: %q", i, out)
		}
	}
}

func TestFragmentTagSyntax(t *testing.T) {
	e := template.New(template.Libraries(map[string]*template.Library{"cache": cache.Library(nil)}))
	for _, src := range []string{
		`{% load cache %}{% cache %}x{% endcache %}`,
		`{% load cache %}{% cache 10 %}x{% endcache %}`,
		`{% load cache %}{% cache 10 name %}x`,
		`{% load cache %}{% cache 10 ` + strings.Repeat("n", 201) + ` %}x{% endcache %}`,
		`{% load cache %}{% cache 10 name a|nofilter %}x{% endcache %}`,
	} {
		if _, err := e.FromString("bad", src); err == nil {
			t.Errorf("%q compiled", src)
		}
	}
	tpl, err := e.FromString("t", `{% load cache %}{% cache t name %}x{% endcache %}`)
	if err != nil {
		t.Fatal(err)
	}
	// No caches (outside a request, none given): rendered uncached.
	if out, err := tpl.Render(map[string]any{"t": 5}); err != nil || out != "x" {
		t.Fatalf("%q %v", out, err)
	}
	cs, _ := cache.NewCaches(map[string]*cache.Cache{"default": newLRUCache()})
	e2 := template.New(template.Libraries(map[string]*template.Library{"cache": cache.Library(cs)}))
	for _, bad := range []any{"soon", []int{1}} {
		tpl, _ := e2.FromString("t", `{% load cache %}{% cache t name %}x{% endcache %}`)
		if _, err := tpl.Render(map[string]any{"t": bad}); err == nil {
			t.Errorf("timeout %v rendered", bad)
		}
	}
	tpl, _ = e2.FromString("t", `{% load cache %}{% cache 5 name using="nope" %}x{% endcache %}`)
	if _, err := tpl.Render(nil); err == nil {
		t.Error("an unknown cache name rendered")
	}
}

// TestAppInstallsCaches: cache.App opens the caches of the settings, puts them in
// each request and registers {% load cache %} with template.Setup; check reports a
// bad cache URL.
func TestAppInstallsCaches(t *testing.T) {
	app := galvani.New(galvani.Settings{Debug: true, Caches: map[string]string{"small": "locmem://?max_bytes=1MiB"}}, cache.App)
	template.Setup(app, template.WithLoader(template.MapLoader{"p.html": `{% load cache %}{% cache 60 p %}{{ v }}{% endcache %}`}))
	app.Get("/", func(c *galvani.Ctx) error {
		if cache.From(c.Request) == nil {
			t.Error("no default cache in the request")
		}
		if _, err := cache.Using(c.Request, "small"); err != nil {
			t.Error(err)
		}
		return c.Render(200, "p.html", map[string]any{"v": c.Query("v")})
	})
	for i, v := range []string{"first", "second"} {
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, httptest.NewRequest("GET", "/?v="+v, nil))
		if rec.Body.String() != "first" {
			t.Fatalf("request %d: %q, want the cached fragment", i, rec.Body.String())
		}
	}
	if msgs := app.Check(false); len(msgs) != 0 {
		t.Errorf("check: %v", msgs)
	}
	bad := galvani.New(galvani.Settings{Debug: true}, cache.App)
	bad.Settings.Caches = map[string]string{"x": "nosuch://"}
	var found bool
	for _, m := range bad.Check(false) {
		found = found || m.ID == "cache.E001"
	}
	if !found {
		t.Error("check does not report a bad cache URL")
	}
}
