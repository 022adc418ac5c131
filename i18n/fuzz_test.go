package i18n

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/template"
)

// FuzzTemplateTags compiles and renders arbitrary templates with the i18n and tz
// libraries: errors are fine, panics and hangs are not; makemessages' template
// extractor reads the same source.
func FuzzTemplateTags(f *testing.F) {
	for _, s := range []string{
		"{% load i18n %}{% trans 'Hello' context 'x' as v %}{{ v }}",
		"{% load i18n %}{% blocktrans count n=k with a=b trimmed asvar z %}x {{ a }}{% plural %}y{% endblocktrans %}",
		"{% load i18n %}{% language 'fr' %}{% get_current_language as l %}{% endlanguage %}",
		"{% load tz %}{% timezone 'Asia/Tokyo' %}{% localtime off %}{{ t|utc }}{% endlocaltime %}{% endtimezone %}",
		"{% load i18n %}{% get_language_info_list for codes as ls %}{% blocktrans %}%(x)s %{% endblocktrans %}",
	} {
		f.Add(s)
	}
	b := NewBundle("en")
	if err := b.LoadFS(os.DirFS("testdata/locale"), DefaultDomain); err != nil {
		f.Fatal(err)
	}
	libs := map[string]*template.Library{"i18n": TemplateLibrary(b, []LanguageInfo{{Code: "fr", Name: "French"}}),
		"tz": TZTemplateLibrary(time.UTC)}
	data := map[string]any{"k": 3, "b": "<b>", "codes": []string{"fr", "de"}, "t": time.Unix(1e9, 0)}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 2000 {
			return
		}
		e := template.New(template.Libraries(libs), template.WithLoader(template.MapLoader{"t": src}),
			template.MaxSteps(10000))
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(b.Activate(r.Context(), "pl"))
		_ = e.Render(httptest.NewRecorder(), r, "t", data)
		x := NewExtractor()
		_ = x.Template("t.html", []byte(src))
		for _, m := range x.Messages() {
			if m.ID == "" || len(m.References) == 0 || !strings.HasPrefix(m.References[0], "t.html:") {
				t.Fatalf("extracted %+v", m)
			}
		}
	})
}
