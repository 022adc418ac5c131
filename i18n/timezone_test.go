package i18n

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/forms"
	"github.com/galvani-web/galvani/session"
	"github.com/galvani-web/galvani/template"
)

// tzCase is one row of testdata/cases_tz.jsonl, rendered by real Django 3.2 with
// gen_tz.py (USE_TZ=True, TIME_ZONE="Europe/Paris").
type tzCase struct {
	Name     string          `json:"name"`
	Template string          `json:"template"`
	Context  json.RawMessage `json:"context"`
	Zone     *string         `json:"zone"`
	Expected *string         `json:"expected"`
	Error    bool            `json:"error"`
}

// decodeTZContext is decodeContext plus {"$date": "...+01:00"}: an aware time in
// a fixed zone of that offset.
func decodeTZContext(v any) any {
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["$date"].(string); ok && len(m) == 1 {
			t, err := time.Parse(time.RFC3339, strings.Replace(s, "+00:00", "Z", 1))
			if err != nil {
				panic(err)
			}
			_, off := t.Zone()
			return t.In(time.FixedZone("", off))
		}
		out := map[string]any{}
		for k, e := range m {
			out[k] = decodeTZContext(e)
		}
		return out
	}
	return decodeContext(v)
}

func TestConformanceTZTags(t *testing.T) {
	paris, err := LoadTimeZone("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	f, err := os.Open("testdata/cases_tz.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	passed := 0
	for sc.Scan() {
		var c tzCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(c.Context))
		dec.UseNumber()
		var raw any
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		data, _ := decodeTZContext(raw).(map[string]any)
		e := template.New(template.WithLoader(template.MapLoader{"main": c.Template}),
			template.Libraries(map[string]*template.Library{"tz": TZTemplateLibrary(paris)}),
			template.TimeZone(func(r *http.Request) *time.Location {
				if loc := TimeZoneFrom(r.Context()); loc != nil {
					return loc
				}
				return paris
			}))
		r := httptest.NewRequest("GET", "/", nil)
		if c.Zone != nil {
			loc, err := LoadTimeZone(*c.Zone)
			if err != nil {
				t.Fatal(err)
			}
			r = r.WithContext(WithTimeZone(r.Context(), loc))
		}
		w := httptest.NewRecorder()
		rerr := e.Render(w, r, "main", data)
		got := w.Body.String()
		switch {
		case c.Error && rerr == nil:
			t.Errorf("%s: Django raises, we render %q", c.Name, got)
		case !c.Error && rerr != nil:
			t.Errorf("%s: %v (want %q)", c.Name, rerr, *c.Expected)
		case !c.Error && got != *c.Expected:
			t.Errorf("%s:\n got  %q\n want %q", c.Name, got, *c.Expected)
		default:
			passed++
		}
	}
	t.Logf("%d cases passed", passed)
}

func TestTimeZoneMiddlewareTemplatesAndForms(t *testing.T) {
	if _, err := LoadTimeZone("Europe/Paris"); err != nil {
		t.Skip("no tzdata:", err)
	}
	cfg := Config{LanguageCode: "en", TimeZone: "Europe/Paris", UseTZ: true}
	s := galvani.Settings{Debug: true, SecretKey: strings.Repeat("k", 50), Sections: map[string]any{"i18n": &cfg}}
	loc := &Locale{}
	app := galvani.New(s, loc)
	app.Use(session.Middleware(&app.Settings), loc.Middleware)
	stored := time.Date(2026, 7, 1, 22, 30, 0, 0, time.UTC) // kept in UTC
	app.Get("/show/", func(c *galvani.Ctx) error {
		return c.Render(200, "show.html", map[string]any{"t": stored})
	})
	app.Post("/tz/", func(c *galvani.Ctx) error {
		if err := SetTimeZone(c.Request, c.FormValue("tz")); err != nil {
			return galvani.Error(400, err.Error())
		}
		return c.Text(200, "ok")
	})
	type event struct {
		At time.Time `form:",required"`
	}
	app.Post("/event/", func(c *galvani.Ctx) error {
		f := forms.New[event]()
		if err := f.Bind(c.Request); err != nil {
			return c.Text(422, strings.Join(f.FieldErrors("at"), ""))
		}
		return c.Text(200, f.Data.At.UTC().Format(time.RFC3339))
	})
	template.Setup(app, template.WithLoader(template.MapLoader{
		"show.html": `{% load tz %}{{ t|date:"Y-m-d H:i T" }}|{% get_current_timezone as z %}{{ z }}|{{ t|utc|date:"H:i" }}`,
	}))
	do := func(method, path, body, cookie string) *httptest.ResponseRecorder {
		var r *http.Request
		if method == "GET" {
			r = httptest.NewRequest("GET", path, nil)
		} else {
			r = httptest.NewRequest("POST", path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		app.ServeHTTP(w, r)
		return w
	}
	if got := do("GET", "/show/", "", "").Body.String(); got != "2026-07-02 00:30 CEST|Europe/Paris|22:30" {
		t.Errorf("default zone: %q", got)
	}
	if got := do("POST", "/event/", url.Values{"at": {"2026-07-02 00:30"}}.Encode(), "").Body.String(); got != "2026-07-01T22:30:00Z" {
		t.Errorf("form in the default zone: %q", got)
	}
	// The visitor picks Tokyo; their pages and forms follow.
	w := do("POST", "/tz/", url.Values{"tz": {"Asia/Tokyo"}}.Encode(), "")
	ck := w.Result().Cookies()
	if w.Code != 200 || len(ck) == 0 {
		t.Fatalf("SetTimeZone: %d %v", w.Code, ck)
	}
	sess := ck[0].Name + "=" + ck[0].Value
	if got := do("GET", "/show/", "", sess).Body.String(); got != "2026-07-02 07:30 JST|Asia/Tokyo|22:30" {
		t.Errorf("visitor's zone: %q", got)
	}
	if got := do("POST", "/event/", url.Values{"at": {"2026-07-02 07:30"}}.Encode(), sess).Body.String(); got != "2026-07-01T22:30:00Z" {
		t.Errorf("form in the visitor's zone: %q", got)
	}
	// A gap in Paris is refused with a clear message.
	if w := do("POST", "/event/", url.Values{"at": {"2026-03-29 02:30"}}.Encode(), ""); w.Code != 422 || !strings.Contains(w.Body.String(), "does not exist in the time zone Europe/Paris") {
		t.Errorf("gap: %d %q", w.Code, w.Body.String())
	}
	for _, bad := range []string{"../../etc/passwd", "Local", "", "Nowhere/City"} {
		if w := do("POST", "/tz/", url.Values{"tz": {bad}}.Encode(), ""); w.Code != 400 {
			t.Errorf("SetTimeZone(%q): %d", bad, w.Code)
		}
	}
}

func TestTimeZoneOffByDefault(t *testing.T) {
	loc := &Locale{}
	cfg := Config{TimeZone: "Asia/Tokyo"}
	galvani.New(galvani.Settings{Debug: true, Sections: map[string]any{"i18n": &cfg}}, loc)
	if z := loc.TimeZone(httptest.NewRequest("GET", "/", nil)); z != nil {
		t.Errorf("without USE_TZ templates show times as they are, got %v", z)
	}
	if loc.DefaultTimeZone().String() != "Asia/Tokyo" {
		t.Errorf("default zone %v", loc.DefaultTimeZone())
	}
	bad := Config{TimeZone: "Mars/Olympus"}
	defer func() {
		if recover() == nil {
			t.Error("an unknown TIME_ZONE must stop the project")
		}
	}()
	galvani.New(galvani.Settings{Debug: true, Sections: map[string]any{"i18n": &bad}}, &Locale{})
}
