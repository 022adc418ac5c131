package i18n

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
)

var formsKeys = []string{"required", "invalid", "invalid_text", "null_characters", "invalid_email",
	"invalid_url", "invalid_slug", "invalid_integer", "invalid_number", "invalid_date", "invalid_time",
	"invalid_datetime", "invalid_choice", "invalid_list", "invalid_file", "empty_file", "file_too_large",
	"file_type", "min_length", "max_length", "min_value", "max_value", "max_digits", "max_decimal_places",
	"max_whole_digits", "min_choices", "max_choices", "unique", "management_form", "too_many_forms", "too_few_forms",
	"nonexistent_time", "ambiguous_time"}

var placeholderRE = regexp.MustCompile(`\{\w+\}`)

func placeholders(s string) string {
	p := placeholderRE.FindAllString(s, -1)
	sort.Strings(p)
	return strings.Join(p, " ")
}

// Every message of the forms battery is translated into the six languages the
// framework ships, with the same placeholders.
func TestFrameworkCatalogsCoverForms(t *testing.T) {
	b := NewBundle("en")
	if err := b.LoadFS(FrameworkCatalogs(), DefaultDomain); err != nil {
		t.Fatal(err)
	}
	langs := b.Languages()
	if strings.Join(langs, " ") != "de es fr ja pt-br zh-hans" {
		t.Fatalf("framework languages %v", langs)
	}
	for _, lang := range langs {
		tr := b.Translation(lang)
		for _, key := range formsKeys {
			msgid := forms.DefaultMessage(key)
			if msgid == "" {
				t.Fatalf("forms has no message %q", key)
			}
			got, ok := tr.find(msgid, false, 0)
			if !ok || got == msgid {
				t.Errorf("%s: %q is not translated", lang, msgid)
				continue
			}
			if placeholders(got) != placeholders(msgid) {
				t.Errorf("%s: %q has placeholders %q, want %q", lang, got, placeholders(got), placeholders(msgid))
			}
		}
	}
	// zh-hans is found from a zh_Hans directory; pt-br from pt_BR, and pt falls
	// back to it.
	if got := b.Translation("zh-hans").Gettext("This field is required."); got != "此字段为必填项。" {
		t.Errorf("zh-hans: %q", got)
	}
}

func TestFormsAreTranslatedThroughTheMiddleware(t *testing.T) {
	type signup struct {
		Name string `form:",required"`
		Age  int    `form:",min=18"`
	}
	cfg := Config{LanguageCode: "en"}
	loc := &Locale{}
	app := galvani.New(galvani.Settings{Debug: true, Sections: map[string]any{"i18n": &cfg}}, loc)
	app.Use(loc.Middleware)
	app.Post("/signup/", func(c *galvani.Ctx) error {
		f := forms.New[signup]()
		f.Bind(c.Request)
		return c.Text(200, strings.Join(append(f.FieldErrors("name"), f.FieldErrors("age")...), "|"))
	})
	for lang, want := range map[string]string{
		"fr":    "Ce champ doit être rempli.|Cette valeur doit être supérieure ou égale à 18.",
		"pt-BR": "Este campo é obrigatório.|Este valor deve ser maior ou igual a 18.",
		"ja":    "この項目は必須です。|18 以上の値を入力してください。",
		"en":    "This field is required.|Ensure this value is greater than or equal to 18.",
	} {
		r := httptest.NewRequest("POST", "/signup/", strings.NewReader(url.Values{"age": {"3"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept-Language", lang)
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Body.String() != want {
			t.Errorf("%s: %d %q, want %q", lang, w.Code, w.Body.String(), want)
		}
	}
}

// The embedded .mo files are the compiled .po files beside them (recompile with
// compilemessages, or msgfmt, after editing one).
func TestFrameworkMOFilesAreUpToDate(t *testing.T) {
	pos, _ := fs.Glob(FrameworkCatalogs(), "*/LC_MESSAGES/galvani.po")
	if len(pos) != 6 {
		t.Fatalf("po files: %v", pos)
	}
	for _, p := range pos {
		src, _ := fs.ReadFile(FrameworkCatalogs(), p)
		f, err := ParsePO(p, src)
		if err != nil {
			t.Fatal(err)
		}
		want, err := CompileMO(f)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := fs.ReadFile(FrameworkCatalogs(), strings.TrimSuffix(p, ".po")+".mo")
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the .mo is stale; recompile it", p)
		}
	}
}
