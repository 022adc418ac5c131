package rest

import (
	"net/http"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/rest/openapi"
)

// options answers OPTIONS with DRF's SimpleMetadata: the view's name and
// description, what it renders and parses, and for each method that takes input
// and that the user may use, its fields.
func (a *API) options(r *Request, d *viewDef) error {
	b := []byte(`{"name":`)
	b = appendString(b, r.title())
	b = append(b, `,"description":`...)
	b = appendString(b, d.doc)
	b = append(b, `,"renders":`...)
	renders := renderedTypes
	if a.cfg.NoBrowsable {
		renders = renderedTypes[:1]
	}
	b = appendStrings(b, renders)
	b = append(b, `,"parses":`...)
	b = appendStrings(b, parsedTypes)
	first := true
	for _, m := range []string{"POST", "PUT"} {
		h, ok := d.methods[m]
		if !ok || h.fields == nil || !r.mayUse(m, h) {
			continue
		}
		if first {
			b = append(b, `,"actions":{`...)
		} else {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, m)
		b = append(b, ':')
		b = appendFieldsMeta(b, h.fields())
	}
	if !first {
		b = append(b, '}')
	}
	b = append(b, '}')
	return r.Respond(http.StatusOK, b)
}

func appendFieldsMeta(b []byte, fields []Field) []byte {
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.Name)
		b = append(b, `:{"type":`...)
		b = appendString(b, f.Type)
		b = append(b, `,"required":`...)
		b = appendBool(b, f.Required)
		b = append(b, `,"read_only":`...)
		b = appendBool(b, f.ReadOnly)
		if f.WriteOnly {
			b = append(b, `,"write_only":true`...)
		}
		if f.Label != "" {
			b = append(b, `,"label":`...)
			b = appendString(b, f.Label)
		}
		if f.Help != "" {
			b = append(b, `,"help_text":`...)
			b = appendString(b, f.Help)
		}
		if f.MaxLength > 0 {
			b = append(b, `,"max_length":`...)
			b = appendInt(b, f.MaxLength)
		}
		if f.MinLength > 0 {
			b = append(b, `,"min_length":`...)
			b = appendInt(b, f.MinLength)
		}
		if f.Min != nil {
			b = append(b, `,"min_value":`...)
			b = appendFloat(b, *f.Min, 64)
		}
		if f.Max != nil {
			b = append(b, `,"max_value":`...)
			b = appendFloat(b, *f.Max, 64)
		}
		if len(f.Choices) > 0 {
			b = append(b, `,"choices":[`...)
			for j, c := range f.Choices {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"value":`...)
				b = appendString(b, c.Value)
				b = append(b, `,"display_name":`...)
				b = appendString(b, c.Label)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

func appendInt(b []byte, n int) []byte {
	return append(b, []byte(itoa(n))...)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// addRoot registers the API root: GET "/" lists the list routes of the viewsets
// and the endpoints, with absolute URLs (DRF's DefaultRouter root view).
func (a *API) addRoot() {
	d := &viewDef{api: a, path: "/", name: "api-root", basename: "", methods: map[string]*method{}, root: true,
		perms: []Permission{AllowAny}}
	d.methods["GET"] = &method{action: "list", handle: func(r *Request) error {
		b := []byte{'{'}
		n := 0
		for _, v := range a.views {
			if v.root || strings.Contains(v.path, "{") {
				continue
			}
			name := strings.Trim(v.path, "/")
			if name == "" {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendString(b, name)
			b = append(b, ':')
			b = appendString(b, r.URL(a.prefix+v.path))
		}
		b = append(b, '}')
		return r.Respond(http.StatusOK, b)
	}}
	a.add(d)
}

// addSchemaRoutes serves the OpenAPI document as JSON and YAML and the docs page,
// plus the browsable page's assets.
func (a *API) addSchemaRoutes(g *galvani.Group) {
	g.Get("/_assets/{name}", assetsHandler)
	p := "/" + strings.Trim(a.cfg.SchemaPath, "/")
	g.Get(p+".json", func(c *galvani.Ctx) error {
		doc, err := a.Schema()
		if err != nil {
			return err
		}
		b, err := doc.JSON()
		if err != nil {
			return err
		}
		return c.Bytes(http.StatusOK, "application/vnd.oai.openapi+json", b)
	}).Name("schema-json")
	g.Get(p+".yaml", func(c *galvani.Ctx) error {
		doc, err := a.Schema()
		if err != nil {
			return err
		}
		b, err := doc.YAML()
		if err != nil {
			return err
		}
		return c.Bytes(http.StatusOK, "application/vnd.oai.openapi; charset=utf-8", b)
	}).Name("schema-yaml")
	g.Mount(p+"/docs", openapi.DocsHandler(a.cfg.Info.Title, "../../"+strings.Trim(a.cfg.SchemaPath, "/")+".json")).Name("schema-docs")
}
