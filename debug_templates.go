package galvani

import "html/template"

// The error pages. html/template escapes every value: an error message or a URL
// carrying markup is shown as text.

// plainErrorPage is the short page of production (and of 4xx in debug mode).
var plainErrorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Status}} {{.Error}}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:4em auto;max-width:40em;padding:0 1em;color:#222}h1{font-size:1.6em}small{color:#777}</style>
</head><body>
<h1>{{.Error}}</h1>
{{- if .Fields}}
<ul>{{range $f, $msgs := .Fields}}{{range $msgs}}<li>{{if $f}}<b>{{$f}}</b>: {{end}}{{.}}</li>{{end}}{{end}}</ul>
{{- end}}
{{- if .Detail}}
<pre>{{.Detail}}</pre>
{{- end}}
{{- if .RequestID}}
<p><small>Request ID: {{.RequestID}}</small></p>
{{- end}}
</body></html>
`))

const debugStyle = `<style>
html *{padding:0;margin:0}body *{padding:10px 20px}body *  *{padding:0}
body{font:small sans-serif;background:#eee;color:#000}
body>div{border-bottom:1px solid #ddd}
h1{font-weight:normal;margin-bottom:.4em}h1 span{font-size:60%;color:#666;font-weight:normal}
h2{margin-bottom:.8em}h2 span{font-size:80%;color:#666;font-weight:normal}
h3{margin:1em 0 .5em 0}
table{border:1px solid #ccc;border-collapse:collapse;width:100%;background:white}
tbody td,tbody th{vertical-align:top;padding:2px 3px}
th{width:12em;text-align:right;color:#666;padding-right:.5em}
td{font-family:monospace;white-space:pre-wrap;word-break:break-all}
table.vars th{text-align:left;font-family:monospace}
#summary{background:#ffc}#summary h2{font-weight:normal;color:#666}
#summary table{border:none;background:transparent}
#explanation{background:#eee}#traceback{background:#eee}
ul.traceback{list-style-type:none;color:#222}
ul.traceback li.frame{padding-bottom:1em;color:#4f4f4f}
ul.traceback li.system{color:#999}
div.context{padding:10px 0;overflow:hidden}
div.context ol{padding-left:30px;margin:0 10px;list-style-position:inside}
div.context ol li{font-family:monospace;white-space:pre;color:#777;cursor:pointer;padding-left:2px}
div.context ol li.current{background-color:#dfd;color:#000}
code.fname{color:#000;font-weight:bold}
pre.exception_value{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#575757;font-size:1.25em;margin:10px 0;white-space:pre-wrap}
details summary{cursor:pointer;color:#666}
#requestinfo h3{margin-bottom:.2em}
p.empty{color:#777;font-style:italic}
</style>`

var debugFuncs = template.FuncMap{"style": func() template.HTML { return template.HTML(debugStyle) }}

// debug500Page is the technical error page, modelled on Django's.
var debug500Page = template.Must(template.New("debug500").Funcs(debugFuncs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex,nofollow">
<title>{{.Title}} at {{.URL}}</title>{{style}}</head><body>
<div id="summary">
<h1>{{.Title}} <span>{{.Status}} {{.StatusText}}</span></h1>
<pre class="exception_value">{{.Message}}</pre>
<table class="meta"><tbody>
<tr><th>Request Method:</th><td>{{.Method}}</td></tr>
<tr><th>Request URL:</th><td>{{.URL}}</td></tr>
{{- if .Route}}<tr><th>Route:</th><td>{{.Route}}</td></tr>{{end}}
{{- if .Handler}}<tr><th>Handler:</th><td>{{.Handler}}</td></tr>{{end}}
{{- if .Location}}<tr><th>Error Location:</th><td>{{.Location}}</td></tr>{{end}}
{{- if .RequestID}}<tr><th>Request ID:</th><td>{{.RequestID}}</td></tr>{{end}}
<tr><th>Go Version:</th><td>{{.GoVersion}}</td></tr>
<tr><th>Server time:</th><td>{{.Time}}</td></tr>
</tbody></table>
</div>
{{- if gt (len .Chain) 1}}
<div id="chain"><h2>Error chain <span>(outermost first)</span></h2>
<table class="vars"><tbody>{{range .Chain}}<tr><th>{{.K}}</th><td>{{.V}}</td></tr>{{end}}</tbody></table></div>
{{- end}}
<div id="traceback"><h2>Traceback <span>(innermost call first)</span></h2>
{{- if .Frames}}
<ul class="traceback">
{{- range .Frames}}
<li class="frame{{if .System}} system{{end}}">
{{- if .System}}<details><summary><code class="fname">{{.File}}</code>, line {{.Line}}, in {{.Function}}</summary>{{else}}<code class="fname">{{.File}}</code>, line {{.Line}}, in {{.Function}}{{end}}
{{- if .Source}}<div class="context"><ol start="{{(index .Source 0).N}}">{{range .Source}}<li{{if .Current}} class="current"{{end}}>{{.Text}}</li>{{end}}</ol></div>{{end}}
{{- if .System}}</details>{{end}}
</li>
{{- end}}
</ul>
{{- else}}
<p class="empty">The error was returned by the handler, not raised by a panic, so there is no stack to show.
Wrap it with fmt.Errorf("...: %w", err) at each level to see where it came from in the error chain above.</p>
{{- end}}
</div>
<div id="requestinfo"><h2>Request information</h2>
<h3>GET</h3>{{template "rows" .Query}}
<h3>POST</h3>{{if .Form}}{{template "rows" .Form}}{{else}}<p class="empty">No form data (or the handler did not parse the body)</p>{{end}}
<h3>COOKIES</h3>{{template "rows" .Cookies}}
<h3>HEADERS</h3>{{template "rows" .Headers}}
<h3>Settings</h3>{{template "rows" .Settings}}
{{- range .Sections}}
<h3>{{.Title}}</h3>{{if .Err}}<p class="empty">{{.Err}}</p>{{else}}{{template "rows" .Rows}}{{end}}
{{- end}}
</div>
{{if not .Report}}<div id="explanation"><p>You're seeing this error because you have <code>Settings.Debug</code> on (<code>DEBUG=true</code>).
Turn it off in production: visitors then get a short "Server Error" page and the details go to the log.</p></div>{{end}}
</body></html>
{{define "rows"}}{{if .}}<table class="vars"><thead><tr><th>Name</th><th>Value</th></tr></thead><tbody>{{range .}}<tr><th>{{.K}}</th><td>{{.V}}</td></tr>{{end}}</tbody></table>{{else}}<p class="empty">None</p>{{end}}{{end}}
`))

// debug404Page lists the routes that were tried, like Django's technical 404.
var debug404Page = template.Must(template.New("debug404").Funcs(debugFuncs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex,nofollow">
<title>Page not found at {{.Path}}</title>{{style}}</head><body>
<div id="summary">
<h1>Page not found <span>(404)</span></h1>
{{- if .RaisedBy}}<pre class="exception_value">{{.Message}}</pre>{{end}}
<table class="meta"><tbody>
<tr><th>Request Method:</th><td>{{.Method}}</td></tr>
<tr><th>Request URL:</th><td>{{.URL}}</td></tr>
{{- if .RaisedBy}}<tr><th>Raised by:</th><td>{{.RaisedBy}}</td></tr><tr><th>Route:</th><td>{{.Route}}</td></tr>{{end}}
{{- if .RequestID}}<tr><th>Request ID:</th><td>{{.RequestID}}</td></tr>{{end}}
</tbody></table>
</div>
<div id="info">
{{- if .RaisedBy}}
<p>The route matched, and its handler answered 404.</p>
{{- else if .Routes}}
<p>Galvani tried these URL patterns, in this order:</p>
<table class="vars"><thead><tr><th>#</th><th>Methods</th><th>Pattern</th><th>Name</th><th>Handler</th></tr></thead><tbody>
{{- range .Routes}}<tr><td>{{.N}}</td><td>{{.Methods}}</td><td>{{.Pattern}}</td><td>{{.Name}}</td><td>{{.Handler}}</td></tr>{{end}}
</tbody></table>
<p>The current path, <code>{{.Path}}</code>, didn't match any of these.</p>
{{- if .Hint}}<p><strong>{{.Hint}}</strong></p>{{end}}
{{- else}}
<p>No routes are registered yet.</p>
{{- end}}
</div>
<div id="explanation"><p>You're seeing this error because you have <code>Settings.Debug</code> on (<code>DEBUG=true</code>).
Turn it off in production, and Galvani will show a standard 404 page.</p></div>
</body></html>
`))
