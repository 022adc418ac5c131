package i18n

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

func TestParseAcceptLanguage(t *testing.T) {
	for h, want := range map[string][]string{
		"":   {},
		"fr": {"fr"},
		"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5": {"fr-CH", "fr", "en", "de", "*"},
		"de;q=0.5, pl": {"pl", "de"},
		"en;q=0, fr":   {"fr"},
		"en;q=1.5, fr;q=abc, de;q=0.1234, es;q=0.123": {"es"},
		"averyverylonglang, x1, 1x, fr_FR, pt-BR":     {"pt-BR"},
		"es;q=1.000, it;q=1.0":                        {"es", "it"},
		" ,, ja ,":                                    {"ja"},
		"en;level=1, zh-Hans;q=0.3":                   {"zh-Hans"},
	} {
		got := ParseAcceptLanguage(h)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q, want %q", h, got, want)
		}
	}
	// A hostile header is cut short.
	huge := strings.Repeat("xx;q=0.1, ", 10000) + "fr"
	if got := ParseAcceptLanguage(huge); len(got) > maxAcceptEntries {
		t.Errorf("%d entries read from a huge header", len(got))
	}
}

func FuzzParseAcceptLanguage(f *testing.F) {
	f.Add("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5")
	f.Fuzz(func(t *testing.T, h string) {
		for _, code := range ParseAcceptLanguage(h) {
			if !validRange(code) || len(code) > maxAcceptLanguage {
				t.Fatalf("bad range %q", code)
			}
		}
	})
}

// newSite builds an App with the i18n app, the catalogues of testdata/locale and
// a page showing the active language and a translation.
func newSite(t *testing.T, cfg Config, withSession bool) (*galvani.App, *Locale) {
	t.Helper()
	cfg.LocalePaths = []string{"testdata/locale"}
	if cfg.LanguageCode == "" {
		cfg.LanguageCode = "en"
	}
	s := galvani.Settings{Debug: true, SecretKey: strings.Repeat("k", 50), Sections: map[string]any{"i18n": &cfg}}
	loc := &Locale{}
	app := galvani.New(s, loc)
	if withSession {
		app.Use(session.Middleware(&app.Settings))
	}
	app.Use(loc.Middleware)
	app.Get("/hello/", func(c *galvani.Ctx) error {
		return c.Text(200, LanguageFrom(c.Request.Context())+":"+Gettext(c.Request.Context(), "Hello")+":"+c.Request.URL.Path)
	})
	app.Get("/page/", func(c *galvani.Ctx) error {
		return c.Render(200, "page.html", nil)
	})
	app.Get("/set/", func(c *galvani.Ctx) error {
		_ = session.From(c.Request).Set(SessionKey, "pl")
		return c.Text(200, "ok")
	})
	template.Setup(app, template.WithLoader(template.MapLoader{
		"page.html": `{% load i18n %}{% get_current_language as l %}{{ l }} {% trans "Hello" %} {{ _("Hello") }} {% url "hello" %}`,
	}))
	app.Get("/named/", func(c *galvani.Ctx) error { return nil }).Name("hello")
	return app, loc
}

func get(t *testing.T, app http.Handler, path string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	return w
}

func TestMiddlewareSelectsLanguage(t *testing.T) {
	app, _ := newSite(t, Config{}, false)
	for _, tc := range []struct {
		hdr  map[string]string
		want string
	}{
		{nil, "en:Hello:/hello/"},
		{map[string]string{"Accept-Language": "fr-CA, de;q=0.5"}, "fr:Bonjour:/hello/"},
		{map[string]string{"Accept-Language": "it, de;q=0.5"}, "de:Hallo:/hello/"},
		{map[string]string{"Accept-Language": "pl;q=0.2, de;q=0.5"}, "de:Hallo:/hello/"},
		{map[string]string{"Accept-Language": "xx"}, "en:Hello:/hello/"},
		{map[string]string{"Cookie": "galvani_language=pl", "Accept-Language": "fr"}, "pl:Dzień dobry:/hello/"},
		{map[string]string{"Cookie": "galvani_language=zz", "Accept-Language": "fr"}, "fr:Bonjour:/hello/"},
	} {
		w := get(t, app, "/hello/", tc.hdr)
		if w.Body.String() != tc.want {
			t.Errorf("%v: got %q, want %q", tc.hdr, w.Body.String(), tc.want)
		}
		if lang, _, _ := strings.Cut(tc.want, ":"); w.Header().Get("Content-Language") != lang {
			t.Errorf("%v: Content-Language %q", tc.hdr, w.Header().Get("Content-Language"))
		}
		if v := w.Header().Values("Vary"); !reflect.DeepEqual(v, []string{"Accept-Language", "Cookie"}) {
			t.Errorf("Vary = %q", v)
		}
	}
	w := get(t, app, "/page/", map[string]string{"Accept-Language": "fr"})
	if got := w.Body.String(); got != "fr Bonjour Bonjour /named/" {
		t.Errorf("page = %q", got)
	}
}

func TestMiddlewareReadsSession(t *testing.T) {
	app, _ := newSite(t, Config{}, true)
	w := get(t, app, "/set/", nil)
	ck := w.Result().Cookies()
	if len(ck) == 0 {
		t.Fatal("no session cookie")
	}
	w = get(t, app, "/hello/", map[string]string{"Cookie": ck[0].Name + "=" + ck[0].Value, "Accept-Language": "fr"})
	if w.Body.String() != "pl:Dzień dobry:/hello/" {
		t.Errorf("got %q", w.Body.String())
	}
}

func TestURLPrefix(t *testing.T) {
	app, _ := newSite(t, Config{URLPrefix: true}, false)
	for path, want := range map[string]string{
		"/fr/hello/": "fr:Bonjour:/hello/",
		"/pl/hello/": "pl:Dzień dobry:/hello/",
		"/hello/":    "en:Hello:/hello/", // unprefixed: the default language
		"/FR/hello/": "",                 // not a prefix: 404
	} {
		w := get(t, app, path, map[string]string{"Accept-Language": "de"})
		if want == "" {
			if w.Code != 404 {
				t.Errorf("%s: %d", path, w.Code)
			}
			continue
		}
		if w.Body.String() != want {
			t.Errorf("%s: got %q, want %q", path, w.Body.String(), want)
		}
		if len(w.Header().Values("Vary")) != 0 {
			t.Errorf("%s: Vary %q for a language from the URL", path, w.Header().Values("Vary"))
		}
	}
	if got := get(t, app, "/fr/page/", nil).Body.String(); got != "fr Bonjour Bonjour /fr/named/" {
		t.Errorf("page = %q", got)
	}
	if got := get(t, app, "/page/", nil).Body.String(); got != "en Hello Hello /named/" {
		t.Errorf("page = %q", got)
	}
}

func TestURLPrefixDefaultLanguageRedirects(t *testing.T) {
	app, _ := newSite(t, Config{URLPrefix: true, PrefixDefaultLanguage: true, PrefixExempt: []string{"/api/"}}, false)
	w := get(t, app, "/hello/?x=1", map[string]string{"Accept-Language": "de"})
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/de/hello/?x=1" {
		t.Errorf("got %d %q", w.Code, w.Header().Get("Location"))
	}
	w = get(t, app, "/en/page/", nil)
	if got := w.Body.String(); got != "en Hello Hello /en/named/" {
		t.Errorf("page = %q", got)
	}
	if w := get(t, app, "/api/x", nil); w.Code != 404 {
		t.Errorf("an exempt path is served as it is, got %d", w.Code)
	}
}

func postForm(t *testing.T, app http.Handler, form url.Values, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "/i18n/setlang/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	app.ServeHTTP(w, r)
	return w
}

func TestSetLanguage(t *testing.T) {
	app, _ := newSite(t, Config{}, false)
	for _, tc := range []struct {
		form   url.Values
		hdr    map[string]string
		loc    string
		cookie string
	}{
		{url.Values{"language": {"fr"}, "next": {"/hello/?a=1"}}, nil, "/hello/?a=1", "fr"},
		{url.Values{"language": {"pl"}, "next": {"https://evil.example/"}}, nil, "/", "pl"},
		{url.Values{"language": {"pl"}, "next": {"//evil.example/"}}, nil, "/", "pl"},
		{url.Values{"language": {"de"}}, map[string]string{"Referer": "http://example.com/page/?q=2"}, "/page/?q=2", "de"},
		{url.Values{"language": {"de"}}, map[string]string{"Referer": "http://evil.example/page/"}, "/", "de"},
		{url.Values{"language": {"xx"}, "next": {"/hello/"}}, nil, "/hello/", ""},
		{url.Values{"language": {"fr\r\nSet-Cookie: a=b"}}, nil, "/", ""},
	} {
		w := postForm(t, app, tc.form, tc.hdr)
		if w.Code != http.StatusFound || w.Header().Get("Location") != tc.loc {
			t.Errorf("%v: %d %q, want %q", tc.form, w.Code, w.Header().Get("Location"), tc.loc)
		}
		var got string
		for _, c := range w.Result().Cookies() {
			if c.Name == DefaultCookieName {
				got = c.Value
				if c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 {
					t.Errorf("cookie %+v", c)
				}
			}
		}
		if got != tc.cookie {
			t.Errorf("%v: cookie %q, want %q", tc.form, got, tc.cookie)
		}
	}
	if w := get(t, app, "/i18n/setlang/", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET set_language: %d", w.Code)
	}
}

func TestSetLanguageSwapsURLPrefix(t *testing.T) {
	app, _ := newSite(t, Config{URLPrefix: true}, false)
	for next, want := range map[string]string{"/fr/hello/?a=1": "/de/hello/?a=1", "/hello/": "/de/hello/"} {
		w := postForm(t, app, url.Values{"language": {"de"}, "next": {next}}, nil)
		if w.Header().Get("Location") != want {
			t.Errorf("%s: %q, want %q", next, w.Header().Get("Location"), want)
		}
	}
	w := postForm(t, app, url.Values{"language": {"en"}, "next": {"/fr/hello/"}}, nil)
	if w.Header().Get("Location") != "/hello/" {
		t.Errorf("to the default language: %q", w.Header().Get("Location"))
	}
}

func TestReadyRefusesBadSettings(t *testing.T) {
	for _, cfg := range []Config{
		{LanguageCode: "fr;drop"},
		{LanguageCode: "fr", Languages: []string{"de", "pl"}},
		{LanguageCode: "en", Languages: []string{"en", "b@d!"}},
		{LanguageCode: "en", LocalePaths: []string{"testdata/badlocale"}},
	} {
		cfg := cfg
		s := galvani.Settings{Debug: true, Sections: map[string]any{"i18n": &cfg}}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: New did not refuse", cfg)
				}
			}()
			galvani.New(s, &Locale{})
		}()
	}
}

func TestUseI18NOff(t *testing.T) {
	off := false
	app, _ := newSite(t, Config{UseI18N: &off}, false)
	if got := get(t, app, "/hello/", map[string]string{"Accept-Language": "fr"}).Body.String(); got != "en:Hello:/hello/" {
		t.Errorf("got %q", got)
	}
}
