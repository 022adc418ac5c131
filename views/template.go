package views

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/galvani-web/galvani"
)

// Template renders a template, Django's TemplateView:
//
//	g.Get("/about/", views.Template{Name: "pages/about.html"}.Handle)
//
// The template gets the path parameters under "params" (Django passes the URL
// kwargs), plus what Data adds.
type Template struct {
	// Name is the template to render.
	Name string
	// Data, when set, adds to or changes the template's data.
	Data func(c *galvani.Ctx, data Data) error
	// Render, when set, answers instead of rendering Name with status 200.
	Render func(c *galvani.Ctx, data Data) error
}

// Handle renders the template for GET and HEAD.
func (v Template) Handle(c *galvani.Ctx) error {
	if done, err := allowMethods(c, http.MethodGet); done || err != nil {
		return err
	}
	params := make(map[string]string, len(c.Params()))
	for _, p := range c.Params() {
		params[p.Key] = p.Value
	}
	data := Data{"params": params}
	if v.Data != nil {
		if err := v.Data(c, data); err != nil {
			return err
		}
	}
	if v.Name == "" && v.Render == nil {
		return fmt.Errorf("views: Template needs a Name (or a Render hook)")
	}
	return render(c, v.Render, v.Name, data)
}

// Redirect answers with a redirect, Django's RedirectView:
//
//	g.Get("/blog/{slug}/", views.Redirect{Route: "blog:detail", Permanent: true}.Handle)
//	g.Get("/feed/", views.Redirect{URL: "/articles/feed/"}.Handle)
//	g.Get("/go/{id:int}/", views.Redirect{URL: "/articles/{id}/"}.Handle)
//
// Route names a route reversed with the request's own path parameters (by name);
// URL is a target whose {name} placeholders are filled with path parameters
// (escaped). With neither (or URL resolving to ""), the answer is 410 Gone, as in
// Django. Every method is redirected with 302, or 301 when Permanent, as Django's
// RedirectView does.
type Redirect struct {
	// URL is the target, with optional {param} placeholders.
	URL string
	// Route is a route name to reverse instead of URL.
	Route string
	// Permanent answers 301 instead of 302.
	Permanent bool
	// KeepQuery appends the request's query string to the target (Django's
	// query_string).
	KeepQuery bool
	// Target, when set, computes the target instead (Django's
	// get_redirect_url); an empty answer is 410 Gone.
	Target func(c *galvani.Ctx) (string, error)
}

// Handle redirects.
func (v Redirect) Handle(c *galvani.Ctx) error {
	target, err := v.target(c)
	if err != nil {
		return err
	}
	if target == "" {
		return galvani.Error(http.StatusGone, "")
	}
	if v.KeepQuery && c.Request.URL.RawQuery != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + c.Request.URL.RawQuery
	}
	status := http.StatusFound
	if v.Permanent {
		status = http.StatusMovedPermanently
	}
	return c.Redirect(status, target)
}

func (v Redirect) target(c *galvani.Ctx) (string, error) {
	switch {
	case v.Target != nil:
		return v.Target(c)
	case v.Route != "":
		params := make(map[string]any, len(c.Params()))
		for _, p := range c.Params() {
			params[p.Key] = p.Value
		}
		u, err := c.App().URLParams(v.Route, params)
		if err != nil {
			return "", fmt.Errorf("views: Redirect to route %q: %w", v.Route, err)
		}
		return u, nil
	}
	return fillParams(c, v.URL)
}

// fillParams fills {name} placeholders of s with the request's path parameters.
func fillParams(c *galvani.Ctx, s string) (string, error) {
	if !strings.Contains(s, "{") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("views: Redirect URL %q has an unclosed {", s)
		}
		name := s[i+1 : i+end]
		found := false
		for _, p := range c.Params() {
			if p.Key == name {
				b.WriteString(s[:i])
				b.WriteString(url.PathEscape(p.Value))
				found = true
				break
			}
		}
		if !found {
			return "", fmt.Errorf("views: Redirect URL %q: the route has no parameter %q", s, name)
		}
		s = s[i+end+1:]
	}
}
