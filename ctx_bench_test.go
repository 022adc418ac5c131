package galvani

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The benchmarks below run the Ctx helpers through a whole App, beside the same
// response written by a plain net/http handler: the difference is what the
// framework costs per request (routing, the pooled Ctx, the tracking writer).

// discardWriter is a ResponseWriter that keeps nothing, so the benchmarks measure
// the handler path and not httptest.ResponseRecorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchServe(b *testing.B, h http.Handler, target string, hdr ...string) {
	req := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

type benchMessage struct {
	Message string `json:"message"`
}

func BenchmarkText(b *testing.B) {
	a, _ := testApp(b, false)
	a.Get("/plaintext", func(c *Ctx) error { return c.Text(200, "Hello, World!") })
	benchServe(b, a, "/plaintext")
}

func BenchmarkTextRawNetHTTP(b *testing.B) {
	benchServe(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(200)
		_, _ = w.Write([]byte("Hello, World!"))
	}), "/plaintext")
}

func BenchmarkJSON(b *testing.B) {
	a, _ := testApp(b, false)
	a.Get("/json", func(c *Ctx) error { return c.JSON(200, benchMessage{"Hello, World!"}) })
	benchServe(b, a, "/json")
}

func BenchmarkJSONRawNetHTTP(b *testing.B) {
	benchServe(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(benchMessage{"Hello, World!"})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = w.Write(body)
	}), "/json")
}

func BenchmarkParamIntQueryInt(b *testing.B) {
	a, _ := testApp(b, false)
	a.Get("/articles/{id:int}/", func(c *Ctx) error {
		id, err := c.ParamInt("id")
		if err != nil {
			return err
		}
		page, err := c.QueryInt("page", 1)
		if err != nil {
			return err
		}
		return c.Text(200, strings.Repeat("x", (id+page)%2))
	})
	benchServe(b, a, "/articles/42/?page=3")
}

func BenchmarkAccepts(b *testing.B) {
	offers := []string{"text/html", "application/json", "text/plain"}
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	b.ReportAllocs()
	for b.Loop() {
		acceptsHeader(browser, offers)
	}
}

// BenchmarkError404 measures the production error path: a handler returning a 404
// that becomes a negotiated JSON body.
func BenchmarkError404(b *testing.B) {
	a, _ := testApp(b, false)
	a.Logger = a.Logger.With() // same handler; logging is part of the cost
	a.Get("/missing", func(c *Ctx) error { return Error(404, "No such article") })
	benchServe(b, a, "/missing", "Accept", "application/json")
}

var benchTemplate = template.Must(template.New("page").Parse(`<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>`))

var benchRows = []string{"one", "two", "<three>", "four & five"}

func BenchmarkRender(b *testing.B) {
	a, _ := testApp(b, false)
	a.SetTemplates(htmlEngine{benchTemplate})
	a.Get("/page", func(c *Ctx) error { return c.Render(200, "page", benchRows) })
	benchServe(b, a, "/page")
}

func BenchmarkRenderRawNetHTTP(b *testing.B) {
	benchServe(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := benchTemplate.ExecuteTemplate(&buf, "page", benchRows); err != nil {
			http.Error(w, "error", 500)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(200)
		_, _ = w.Write(buf.Bytes())
	}), "/page")
}
