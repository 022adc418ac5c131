package i18n

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/galvani-web/galvani/formats"
	"github.com/galvani-web/galvani/template"
)

// The cost of the battery on a request path, beside the plain-code way of doing the
// same thing (docs/i18n.md quotes the figures).

func benchLocale(b *testing.B) *Locale {
	b.Helper()
	bundle := NewBundle("en")
	if err := bundle.LoadFS(FrameworkCatalogs(), DefaultDomain); err != nil {
		b.Fatal(err)
	}
	loc := &Locale{bundle: bundle, enabled: true, cfg: Config{LanguageCode: "en", CookieName: DefaultCookieName},
		supported: map[string]bool{"en": true, "fr": true, "de": true}, useL10N: true, formats: map[string]*formats.Locale{}}
	for _, c := range []string{"en", "fr", "de"} {
		loc.langs = append(loc.langs, LanguageInfo{Code: c})
		loc.formats[c] = formats.Get(c)
	}
	return loc
}

// BenchmarkMiddleware: Accept-Language negotiation, activation and one Gettext per
// request.
func BenchmarkMiddleware(b *testing.B) {
	loc := benchLocale(b)
	h := loc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(Gettext(r.Context(), "This field is required.")))
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7")
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		h.ServeHTTP(w, r)
	}
}

// BenchmarkMiddlewarePlain is the same handler with the French text written in.
func BenchmarkMiddlewarePlain(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("Ce champ doit être rempli."))
	})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7")
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		h.ServeHTTP(w, r)
	}
}

func BenchmarkGettext(b *testing.B) {
	ctx := benchLocale(b).bundle.Activate(context.Background(), "fr")
	b.ReportAllocs()
	for b.Loop() {
		_ = Gettext(ctx, "This field is required.")
	}
}

// BenchmarkTransTag renders {% trans %} ten times; BenchmarkTransTagPlain renders
// the same text written in the template.
func BenchmarkTransTag(b *testing.B) {
	loc := benchLocale(b)
	e := template.New(template.Libraries(map[string]*template.Library{"i18n": TemplateLibrary(loc.bundle, nil)}),
		template.WithLoader(template.MapLoader{"t": "{% load i18n %}{% for i in r %}<p>{% trans 'This field is required.' %}</p>{% endfor %}"}))
	benchRender(b, e, loc.bundle.Activate(context.Background(), "fr"))
}

func BenchmarkTransTagPlain(b *testing.B) {
	e := template.New(template.WithLoader(template.MapLoader{"t": "{% for i in r %}<p>Ce champ doit être rempli.</p>{% endfor %}"}))
	benchRender(b, e, context.Background())
}

func benchRender(b *testing.B, e *template.Engine, ctx context.Context) {
	r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	data := map[string]any{"r": []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		w.Body.Reset()
		if err := e.Render(w, r, "t", data); err != nil {
			b.Fatal(err)
		}
	}
}
