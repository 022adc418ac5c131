package openapi

import (
	"bytes"
	"compress/gzip"
	"embed"
	"html/template"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"
)

// The documentation page is Swagger UI (swagger-ui-dist, Apache-2.0; see ui/LICENSE
// and ui/NOTICE), vendored gzipped by ui/update.sh: of the four usual viewers it is
// the smallest (about 480 KB compressed, against 650 KB for Redoc's standalone
// bundle and 1.4 MB for Scalar's), it renders OpenAPI 3.1 and it sends no telemetry.
//
//go:embed ui/swagger-ui-bundle.js.gz ui/swagger-ui.css.gz ui/VERSION
var uiFS embed.FS

// UIVersion is the vendored Swagger UI version.
var UIVersion = strings.TrimSpace(mustRead("ui/VERSION"))

func mustRead(name string) string {
	b, err := uiFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// docsPage is the page that loads Swagger UI on the schema. The schema URL is
// relative to the page, so the page works under any prefix. The online validator
// badge is off: the page makes no request beyond this server.
var docsPage = template.Must(template.New("docs").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="swagger-ui-bundle.js"></script>
<script src="init.js"></script>
</body>
</html>
`))

// initJS starts Swagger UI; it is a file of its own so the page needs no inline
// script (a Content-Security-Policy of script-src 'self' allows it).
const initJS = `(function () {
  window.ui = SwaggerUIBundle({
    url: "%s",
    dom_id: "#docs",
    validatorUrl: null,
    deepLinking: true
  });
})();
`

// DocsHandler serves the documentation page for the schema at schemaURL (relative
// to the page, such as "../schema.json", or absolute): "/" (and "") is the page,
// and swagger-ui.css, swagger-ui-bundle.js and init.js its assets. Mount it with
// the prefix stripped (galvani's Mount does).
func DocsHandler(title, schemaURL string) http.Handler {
	js := []byte(strings.Replace(initJS, "%s", jsString(schemaURL), 1))
	var page bytes.Buffer
	if err := docsPage.Execute(&page, map[string]string{"Title": title}); err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		switch path.Base("/" + r.URL.Path) {
		case "/", "docs", "index.html":
			if !strings.HasSuffix(r.URL.Path, "/") && r.URL.Path != "" {
				http.Redirect(w, r, path.Base(r.URL.Path)+"/", http.StatusMovedPermanently)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(page.Bytes())
		case "init.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			_, _ = w.Write(js)
		case "swagger-ui-bundle.js":
			serveGz(w, r, "ui/swagger-ui-bundle.js.gz", "text/javascript; charset=utf-8")
		case "swagger-ui.css":
			serveGz(w, r, "ui/swagger-ui.css.gz", "text/css; charset=utf-8")
		default:
			http.NotFound(w, r)
		}
	})
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "<", `\u003c`, "\n", `\n`, "\r", `\r`)
	return r.Replace(s)
}

var inflated sync.Map // name -> []byte, for clients that do not accept gzip

// serveGz sends an embedded gzipped asset as it is when the client accepts gzip, and
// inflated otherwise. Assets are immutable for a build: they may be cached.
func serveGz(w http.ResponseWriter, r *http.Request, name, ctype string) {
	gz, err := uiFS.ReadFile(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "public, max-age=86400")
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz)
		return
	}
	if b, ok := inflated.Load(name); ok {
		_, _ = w.Write(b.([]byte))
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		http.Error(w, "corrupt asset", http.StatusInternalServerError)
		return
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		http.Error(w, "corrupt asset", http.StatusInternalServerError)
		return
	}
	inflated.Store(name, b)
	_, _ = w.Write(b)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			p := strings.ReplaceAll(params, " ", "")
			return p != "q=0" && p != "q=0.0" && p != "q=0.00" && p != "q=0.000"
		}
	}
	return false
}
