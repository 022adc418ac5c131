package rest

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/csrf"
)

// Renderers: what answers can be. JSON always; the browsable page for browsers.
var renderedTypes = []string{"application/json", "text/html"}

// wantsHTML decides between JSON and the browsable page: ?format= first (json or
// api), then the Accept header. An unknown format is a 404, an Accept that takes
// neither a 406.
func (r *Request) wantsHTML() (bool, error) {
	req := r.Ctx.Request
	browsable := r.API == nil || !r.API.cfg.NoBrowsable
	if req.URL.RawQuery != "" {
		switch f := r.Ctx.Query("format"); f {
		case "":
		case "json":
			return false, nil
		case "api":
			if browsable {
				return true, nil
			}
			return false, NotFound()
		default:
			return false, NotFound()
		}
	}
	accept := req.Header.Get("Accept")
	if accept == "" || accept == "*/*" || accept == "application/json" {
		return false, nil
	}
	offers := renderedTypes
	if !browsable {
		offers = renderedTypes[:1]
	}
	switch r.Ctx.Accepts(offers...) {
	case "application/json":
		return false, nil
	case "text/html":
		return true, nil
	}
	return false, NotAcceptable()
}

// Respond writes body (JSON) with status: as it is, or inside the browsable page
// when a browser asked.
func (r *Request) Respond(status int, body []byte) error {
	html, err := r.wantsHTML()
	if err != nil {
		return err
	}
	if html {
		return r.browsable(status, body)
	}
	return writeBody(r.Ctx, status, "application/json", body)
}

// RespondJSON encodes v (encoding/json, without HTML escaping) and writes it.
func (r *Request) RespondJSON(status int, v any) error {
	buf := getBuf()
	defer putBuf(buf)
	b, err := appendAny(buf.b[:0], v)
	buf.b = b
	if err != nil {
		return err
	}
	return r.Respond(status, b)
}

//go:embed browsable
var browsableFS embed.FS

// Assets serves the browsable API's stylesheet and script (mounted by the API at
// "<prefix>/_assets/").
func assetsHandler(c *galvani.Ctx) error {
	name := c.Param("name")
	var ctype string
	switch name {
	case "api.css":
		ctype = "text/css; charset=utf-8"
	case "api.js":
		ctype = "text/javascript; charset=utf-8"
	default:
		return galvani.Error(http.StatusNotFound, "")
	}
	b, err := browsableFS.ReadFile("browsable/" + name)
	if err != nil {
		return err
	}
	c.SetHeader("Cache-Control", "public, max-age=3600")
	return c.Bytes(http.StatusOK, ctype, b)
}

var browsablePage = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Assets}}api.css">
</head>
<body>
<header><a href="{{.Root}}">{{.APITitle}}</a><span class="user">{{if .User}}{{.User}}{{else}}anonymous{{end}}</span></header>
<main>
<nav class="crumbs"><a href="{{.Root}}">API root</a></nav>
<h1>{{.Title}}</h1>
{{if .Description}}<div class="description">{{.Description}}</div>{{end}}
<div class="toolbar"><a href="?format=json">JSON</a>{{if .Docs}}<a href="{{.Docs}}">Docs</a>{{end}}</div>
<div class="request">{{.Method}} {{.Path}}</div>
<pre class="response"><span id="status" class="status {{if .OK}}ok{{else}}bad{{end}}">HTTP {{.Status}} {{.StatusText}}</span>
<span class="headers">Allow: {{.Allow}}
Content-Type: application/json
Vary: Accept</span>

<span id="response">{{.Body}}</span></pre>
{{if .Forms}}<section class="forms">
{{range .Forms}}<form data-method="{{.Method}}">
<h2>{{.Method}}</h2>
{{if .Raw}}<label>Content (JSON)<textarea name="_content">{{.Raw}}</textarea></label>
{{else}}{{range .Fields}}<label>{{.Label}}{{if .Required}} *{{end}}{{if .Help}}<span class="help">{{.Help}}</span>{{end}}
{{if .Choices}}<select data-field="{{.Name}}" data-kind="{{.Kind}}"{{if .Nullable}} data-nullable="true"{{end}}>{{if not .Required}}<option value="">---------</option>{{end}}{{range .Choices}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select>
{{else if eq .Input "checkbox"}}<input type="checkbox" data-field="{{.Name}}" data-kind="{{.Kind}}">
{{else if eq .Input "textarea"}}<textarea data-field="{{.Name}}" data-kind="{{.Kind}}"{{if .Nullable}} data-nullable="true"{{end}}></textarea>
{{else}}<input type="{{.Input}}" data-field="{{.Name}}" data-kind="{{.Kind}}"{{if .Nullable}} data-nullable="true"{{end}}{{if .MaxLength}} maxlength="{{.MaxLength}}"{{end}}>
{{end}}</label>
{{end}}{{end}}<button type="submit"{{if eq .Method "DELETE"}} class="danger"{{end}}>{{.Method}}</button>
</form>
{{end}}</section>{{end}}
<script src="{{.Assets}}api.js"></script>
</main>
</body>
</html>
`))

type formField struct {
	Name, Label, Help, Kind, Input string
	Required, Nullable             bool
	MaxLength                      int
	Choices                        []struct{ Value, Label string }
}

type htmlForm struct {
	Method string
	Raw    string
	Fields []formField
}

// browsable writes the browsable page for a JSON answer.
func (r *Request) browsable(status int, body []byte) error {
	var pretty bytes.Buffer
	if json.Indent(&pretty, body, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(body)
	}
	req := r.Ctx.Request
	data := map[string]any{
		"Title":      r.title(),
		"APITitle":   "API",
		"Method":     req.Method,
		"Path":       req.URL.RequestURI(),
		"Status":     status,
		"StatusText": http.StatusText(status),
		"OK":         status < 400,
		"Body":       pretty.String(),
		"Allow":      r.Ctx.Response.Header().Get("Allow"),
		"Root":       "/",
		"Assets":     "/_assets/",
	}
	if r.API != nil {
		data["APITitle"] = r.API.cfg.Info.Title
		data["Root"] = r.API.prefix + "/"
		data["Assets"] = r.API.prefix + "/_assets/"
		if r.API.cfg.SchemaPath != "-" {
			data["Docs"] = r.API.prefix + "/" + r.API.cfg.SchemaPath + "/docs/"
		}
	}
	if r.User != nil {
		data["User"] = r.User.AuthUser().Username
	}
	if r.def != nil {
		data["Description"] = r.def.doc
		data["Forms"] = r.forms()
	}
	csrf.Token(req) // sets the cookie the page's script sends back
	var page bytes.Buffer
	if err := browsablePage.Execute(&page, data); err != nil {
		return err
	}
	h := r.Ctx.Response.Header()
	h["Content-Type"] = []string{"text/html; charset=utf-8"}
	h["Vary"] = varyAccept
	r.Ctx.Response.WriteHeader(status)
	_, err := r.Ctx.Response.Write(page.Bytes())
	return err
}

func (r *Request) title() string {
	name := "API"
	if r.def != nil {
		name = r.def.basename
		if name == "" {
			name = "API root"
		}
	}
	t := strings.ReplaceAll(name, "_", " ")
	t = strings.ReplaceAll(t, "-", " ")
	if t != "" {
		t = strings.ToUpper(t[:1]) + t[1:]
	}
	if r.def != nil {
		switch {
		case strings.HasSuffix(r.def.name, "-list"):
			t += " list"
		case strings.HasSuffix(r.def.name, "-detail"):
			t += " instance"
		}
	}
	return t
}

// forms builds the forms of the methods the user may use on this route.
func (r *Request) forms() []htmlForm {
	var out []htmlForm
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		h, ok := r.def.methods[m]
		if !ok || !r.mayUse(m, h) {
			continue
		}
		f := htmlForm{Method: m}
		if m == "DELETE" {
			out = append(out, f)
			continue
		}
		if h.fields == nil {
			f.Raw = "{}"
			out = append(out, f)
			continue
		}
		for _, fd := range h.fields() {
			if fd.ReadOnly {
				continue
			}
			ff := formField{Name: fd.Name, Label: fd.Label, Help: fd.Help, Required: fd.Required && m != "PATCH", Nullable: fd.AllowNull, MaxLength: fd.MaxLength}
			if ff.Label == "" {
				ff.Label = fd.Name
			}
			ff.Kind, ff.Input = "string", "text"
			switch fd.Type {
			case "integer":
				ff.Kind, ff.Input = "integer", "number"
			case "float", "decimal":
				ff.Kind, ff.Input = "number", "text"
			case "boolean":
				ff.Kind, ff.Input = "boolean", "checkbox"
			case "email":
				ff.Input = "email"
			case "list", "nested object", "json", "multiple choice":
				ff.Kind, ff.Input = "json", "textarea"
			case "field":
				ff.Kind = "integer"
			}
			if fd.MaxLength == 0 && fd.Type == "string" {
				ff.Input = "textarea"
			}
			for _, c := range fd.Choices {
				ff.Choices = append(ff.Choices, struct{ Value, Label string }{c.Value, c.Label})
			}
			f.Fields = append(f.Fields, ff)
		}
		out = append(out, f)
	}
	return out
}

// mayUse reports whether the user passes the view's permissions for method m, so
// that the page shows only the forms that can work.
func (r *Request) mayUse(m string, h *method) bool {
	_, perms, _ := r.def.policy(m)
	probe := *r
	req := r.Ctx.Request.Clone(r.Context())
	req.Method = m
	c := *r.Ctx
	c.Request = req
	probe.Ctx = &c
	probe.Action = h.action
	for _, p := range perms {
		if !p.HasPermission(&probe) {
			return false
		}
	}
	return true
}
