package i18n

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/formats"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/template"
)

// l10nApp is a site in English, French, German and Polish whose page shows a
// number and a date; cfg adds the settings under test.
func l10nApp(t *testing.T, cfg Config) *galvani.App {
	t.Helper()
	cfg.LanguageCode = "en"
	cfg.Languages = []string{"en", "fr", "de", "pl"}
	s := galvani.Settings{Debug: true, SecretKey: strings.Repeat("k", 50), Sections: map[string]any{"i18n": &cfg}}
	app := galvani.New(s, &Locale{})
	loc := app.Apps()[0].(*Locale)
	app.Use(loc.Middleware)
	when := time.Date(2026, 1, 15, 14, 5, 0, 0, time.UTC)
	app.Get("/", func(c *galvani.Ctx) error {
		return c.Render(200, "page.html", map[string]any{"n": 1234567.5, "i": 1234567, "t": when})
	})
	template.Setup(app, template.WithLoader(template.MapLoader{
		"page.html": `{% load i18n %}{{ n }}|{{ i }}|{{ t|date:"SHORT_DATE_FORMAT" }}|{{ t }}|{{ n|floatformat:2 }}` +
			`|{% language "de" %}{{ n }} {{ t|date:"DATE_FORMAT" }}{% endlanguage %}|{{ t|date:"F" }}`,
	}))
	return app
}

func fmtAny(v any) string { return fmt.Sprint(v) }

func getIn(app *galvani.App, lang string) string {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", lang)
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	return w.Body.String()
}

func TestFormatsFollowTheRequestLanguage(t *testing.T) {
	app := l10nApp(t, Config{})
	for _, c := range []struct{ lang, want string }{
		{"en", "1234567.5|1234567|01/15/2026|Jan. 15, 2026, 2:05 p.m.|1234567.50|1234567,5 15. Januar 2026|January"},
		{"fr", "1234567,5|1234567|15 janv. 2026|15 janvier 2026 14:05|1234567,50|1234567,5 15. Januar 2026|janvier"},
		{"pl", "1234567,5|1234567|15-01-2026|15 stycznia 2026 14:05|1234567,50|1234567,5 15. Januar 2026|styczeń"},
	} {
		if got := getIn(app, c.lang); got != c.want {
			t.Errorf("%s:\n got  %q\n want %q", c.lang, got, c.want)
		}
	}
}

func TestFormatsSettings(t *testing.T) {
	off := false
	for _, c := range []struct {
		name string
		cfg  Config
		lang string
		want string
	}{
		{"thousand separators", Config{UseThousandSeparator: true}, "fr",
			"1\u00a0234\u00a0567,5|1\u00a0234\u00a0567|15 janv. 2026|15 janvier 2026 14:05|1\u00a0234\u00a0567,50|1.234.567,5 15. Januar 2026|janvier"},
		// Without USE_L10N the default formats apply, but names are still French.
		{"USE_L10N off", Config{UseL10N: &off, UseThousandSeparator: true}, "fr",
			"1234567.5|1234567|01/15/2026|janv. 15, 2026, 2:05 PM|1234567.50|1234567.5 Jan. 15, 2026|janvier"},
		{"project formats", Config{Formats: map[string]*formats.Locale{
			"fr": {ShortDateFormat: "d/m/Y", DecimalSeparator: "·"},
			"de": {DateFormat: "d.m.Y"},
		}}, "fr", "1234567·5|1234567|15/01/2026|15 janvier 2026 14:05|1234567·50|1234567,5 15.01.2026|janvier"},
	} {
		app := l10nApp(t, c.cfg)
		if got := getIn(app, c.lang); got != c.want {
			t.Errorf("%s:\n got  %q\n want %q", c.name, got, c.want)
		}
	}
}

func TestFormatsBadLanguageCode(t *testing.T) {
	cfg := Config{Formats: map[string]*formats.Locale{"not a code!": {DateFormat: "Y"}}}
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmtAny(p), "Formats") {
			t.Errorf("a malformed language code in Formats must stop the project, got %v", p)
		}
	}()
	galvani.New(galvani.Settings{Debug: true, Sections: map[string]any{"i18n": &cfg}}, &Locale{})
}

func TestFormsReadTheRequestLanguage(t *testing.T) {
	type payment struct {
		Amount string    `form:",kind=decimal,localize,decimal_places=2,required"`
		Due    time.Time `form:",kind=date,required"`
	}
	grouped := Config{UseThousandSeparator: true}
	for _, c := range []struct {
		name string
		cfg  Config
		lang string
		in   url.Values
		want string
	}{
		{"french", grouped, "fr", url.Values{"amount": {"1 234,50"}, "due": {"25/10/2026"}}, "1234.50 2026-10-25"},
		{"german", grouped, "de", url.Values{"amount": {"1.234,5"}, "due": {"25.10.2026"}}, "1234.5 2026-10-25"},
		{"english", grouped, "en", url.Values{"amount": {"1,234.5"}, "due": {"10/25/2026"}}, "1234.5 2026-10-25"},
		{"french decimal comma", Config{}, "fr", url.Values{"amount": {"1234,5"}, "due": {"25/10/2026"}}, "1234.5 2026-10-25"},
		// Without UseThousandSeparator, as in Django, a thousand separator is not
		// skipped: "1,5" in English is refused, never read as 15.
		{"english comma refused", Config{}, "en", url.Values{"amount": {"1,5"}, "due": {"10/25/2026"}}, "Enter a number."},
		{"french space refused", Config{}, "fr", url.Values{"amount": {"1 234,50"}, "due": {"25/10/2026"}}, "Saisissez un nombre."},
		{"german point refused", Config{}, "de", url.Values{"amount": {"1.234,5"}, "due": {"25.10.2026"}}, "Bitte eine Zahl eingeben."},
		{"ISO everywhere", Config{}, "pl", url.Values{"amount": {"12.5"}, "due": {"2026-10-25"}}, "12.5 2026-10-25"},
		{"french refuses US dates", Config{}, "fr", url.Values{"amount": {"1"}, "due": {"10/25/2026"}}, "Saisissez une date correcte."},
	} {
		cfg := c.cfg
		cfg.LanguageCode, cfg.Languages = "en", []string{"en", "fr", "de", "pl"}
		s := galvani.Settings{Debug: true, SecretKey: strings.Repeat("k", 50),
			Sections: map[string]any{"i18n": &cfg}}
		loc := &Locale{}
		app := galvani.New(s, loc)
		app.Use(loc.Middleware)
		app.Post("/pay/", func(ctx *galvani.Ctx) error {
			f := forms.New[payment]()
			if err := f.Bind(ctx.Request); err != nil {
				return ctx.Text(422, strings.Join(f.FieldErrors("due"), "")+strings.Join(f.FieldErrors("amount"), ""))
			}
			return ctx.Text(200, f.Data.Amount+" "+f.Data.Due.Format("2006-01-02"))
		})
		r := httptest.NewRequest("POST", "/pay/", strings.NewReader(c.in.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept-Language", c.lang)
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		if got := w.Body.String(); got != c.want {
			t.Errorf("%s: %d %q, want %q", c.name, w.Code, got, c.want)
		}
	}
}
