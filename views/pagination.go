package views

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"sync"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/paginator"
	"github.com/galvani-web/galvani/template"
)

// PageLinksTemplate is the template {% page_links %} renders. A project overrides
// the built-in one by shipping a template of this name (templates/pagination/links.html).
// It gets page (the *paginator.Page), links (each with Number, URL, Current and
// Ellipsis), previous_url and next_url ("" at the ends).
const PageLinksTemplate = "pagination/links.html"

// defaultPageLinks is the built-in PageLinksTemplate.
const defaultPageLinks = `{% if page.has_other_pages %}<nav class="pagination" aria-label="Pages">` +
	`{% if previous_url %}<a href="{{ previous_url }}" rel="prev">&laquo; previous</a> {% endif %}` +
	`{% for link in links %}{% if link.ellipsis %}<span class="ellipsis">&hellip;</span>` +
	`{% elif link.current %}<span aria-current="page">{{ link.number }}</span>` +
	`{% else %}<a href="{{ link.url }}">{{ link.number }}</a>{% endif %} {% endfor %}` +
	`{% if next_url %}<a href="{{ next_url }}" rel="next">next &raquo;</a>{% endif %}</nav>{% endif %}`

// PageLink is one entry of the links {% page_links %} draws.
type PageLink struct {
	// Number is the page number (0 for an ellipsis).
	Number int64
	// URL is the link to the page: the current URL's query string with the page
	// parameter changed.
	URL string
	// Current marks the page being shown; Ellipsis a gap in the range.
	Current, Ellipsis bool
}

// PaginationLibrary returns the "pagination" template library:
//
//	{% load pagination %}
//	{% page_links page_obj %}               {# previous 1 2 … 7 [8] 9 … 20 next #}
//	{% page_links page_obj param="p" %}     {# pages in ?p= #}
//	<a href="{% querystring page=3 %}">     {# ?q=go&page=3: the request's query, changed #}
//	<a href="{% querystring page=None %}">  {# the query without page #}
//
// page_links renders PageLinksTemplate (the project's, or the built-in <nav>) with
// Django's elided page range; its links keep the request's other query parameters
// (a search, a filter). querystring is Django 5.1's tag: the request's query
// string with the given parameters set (or removed, for None), escaped for HTML.
func PaginationLibrary() *template.Library {
	lib := template.NewLibrary()
	lib.SimpleTag("page_links", pageLinks)
	lib.SimpleTag("querystring", func(c *template.Context, set map[string]any) (string, error) {
		return queryString(requestQuery(c), set)
	})
	return lib
}

// requestQuery returns the query of the request being rendered (none outside one).
func requestQuery(c *template.Context) url.Values {
	if c.Request == nil {
		return url.Values{}
	}
	return c.Request.URL.Query()
}

// queryString returns "?" and q with set applied: a nil value removes the
// parameter, a slice sets several values. The keys are sorted, as url.Values
// encodes them.
func queryString(q url.Values, set map[string]any) (string, error) {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := set[k].(type) {
		case nil:
			q.Del(k)
		case []string:
			q[k] = v
		case []any:
			q.Del(k)
			for _, x := range v {
				q.Add(k, fmt.Sprint(x))
			}
		default:
			q.Set(k, fmt.Sprint(v))
		}
	}
	if len(q) == 0 {
		return "?", nil
	}
	return "?" + q.Encode(), nil
}

// builtinLinks caches the built-in template per engine.
var builtinLinks sync.Map // *template.Engine -> *template.Template

func pageLinks(c *template.Context, page *paginator.Page, opts map[string]any) (template.SafeString, error) {
	if page == nil {
		return "", nil // no pagination (a list without PerPage): draw nothing
	}
	param := "page"
	for k, v := range opts {
		switch k {
		case "param":
			param = fmt.Sprint(v)
		default:
			return "", fmt.Errorf("page_links: unknown option %q (options: param)", k)
		}
	}
	q := requestQuery(c)
	link := func(n int64) string {
		s, _ := queryString(cloneValues(q), map[string]any{param: n})
		return s
	}
	var links []PageLink
	for _, l := range page.Links() {
		pl := PageLink{Number: l.Number, Current: l.Current, Ellipsis: l.Ellipsis}
		if !l.Ellipsis {
			pl.URL = link(l.Number)
		}
		links = append(links, pl)
	}
	data := map[string]any{"page": page, "links": links, "previous_url": "", "next_url": ""}
	if n, err := page.PreviousPageNumber(); err == nil {
		data["previous_url"] = link(n)
	}
	if n, err := page.NextPageNumber(); err == nil {
		data["next_url"] = link(n)
	}
	t, err := linksTemplate(c.Engine())
	if err != nil {
		return "", err
	}
	out, err := t.Render(data)
	return template.SafeString(out), err
}

// linksTemplate returns the project's PageLinksTemplate, or the built-in one.
func linksTemplate(e *template.Engine) (*template.Template, error) {
	t, err := e.Get(PageLinksTemplate)
	var dne *template.TemplateDoesNotExist
	if err == nil || !errors.As(err, &dne) {
		return t, err
	}
	if t, ok := builtinLinks.Load(e); ok {
		return t.(*template.Template), nil
	}
	t, err = e.FromString(PageLinksTemplate+" (built in)", defaultPageLinks)
	if err != nil {
		return nil, err
	}
	builtinLinks.Store(e, t)
	return t, nil
}

func cloneValues(q url.Values) url.Values {
	c := make(url.Values, len(q)+1)
	for k, v := range q {
		c[k] = v
	}
	return c
}

// App is the views battery as an installed app: it registers the "pagination"
// template library with engines that template.Setup creates.
//
//	app := galvani.New(settings, ..., views.App, blog.App)
var App galvani.AppConfig = viewsApp{}

type viewsApp struct{}

// Label implements galvani.AppConfig.
func (viewsApp) Label() string { return "views" }

// TemplateLibraries implements template.LibraryProvider.
func (viewsApp) TemplateLibraries() map[string]*template.Library {
	return map[string]*template.Library{"pagination": PaginationLibrary()}
}
