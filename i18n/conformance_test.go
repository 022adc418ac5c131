package i18n

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/galvani-web/galvani/template"
)

// i18nCase is one row of testdata/cases_i18n.jsonl, rendered by real Django 3.2
// with gen_i18n.py and the catalogues in testdata/locale.
type i18nCase struct {
	Name      string          `json:"name"`
	Templates json.RawMessage `json:"templates"`
	Context   json.RawMessage `json:"context"`
	Language  *string         `json:"language"`
	Expected  *string         `json:"expected"`
	Error     bool            `json:"error"`
}

// decodeContext turns gen_i18n.py's JSON into template data: integral numbers
// become int, others float64, {"$safe": s} a SafeString.
func decodeContext(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["$safe"].(string); ok && len(x) == 1 {
			return template.SafeString(s)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = decodeContext(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = decodeContext(e)
		}
		return out
	case json.Number:
		if i, err := x.Int64(); err == nil && !strings.ContainsAny(x.String(), ".eE") {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func conformanceBundle(t *testing.T) *Bundle {
	t.Helper()
	b := NewBundle("en-us")
	if err := b.LoadFS(os.DirFS("testdata/locale"), DefaultDomain); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformanceI18nTags(t *testing.T) {
	f, err := os.Open("testdata/cases_i18n.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := conformanceBundle(t)
	langs := []LanguageInfo{{Code: "en", Name: "English"}, {Code: "fr", Name: "French"}, {Code: "pl", Name: "Polish"}, {Code: "de", Name: "German"}}
	loc := &Locale{bundle: b}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	passed, failed := 0, 0
	for sc.Scan() {
		var c i18nCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		templates := map[string]string{}
		var one string
		if json.Unmarshal(c.Templates, &one) == nil {
			templates["main"] = one
		} else if err := json.Unmarshal(c.Templates, &templates); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(c.Context))
		dec.UseNumber()
		var raw any
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		data, _ := decodeContext(raw).(map[string]any)
		e := template.New(template.WithLoader(template.MapLoader(templates)),
			template.Libraries(map[string]*template.Library{"i18n": TemplateLibrary(b, langs)}),
			template.Translator(loc.Gettext))
		r := httptest.NewRequest("GET", "/", nil)
		if c.Language != nil {
			r = r.WithContext(b.Activate(r.Context(), *c.Language))
		}
		w := httptest.NewRecorder()
		rerr := e.Render(w, r, "main", data)
		got := w.Body.String()
		switch {
		case c.Error && rerr == nil:
			t.Errorf("%s: Django raises, we render %q", c.Name, got)
			failed++
		case !c.Error && rerr != nil:
			t.Errorf("%s: %v (want %q)", c.Name, rerr, *c.Expected)
			failed++
		case !c.Error && got != *c.Expected:
			t.Errorf("%s:\n got  %q\n want %q", c.Name, got, *c.Expected)
			failed++
		default:
			passed++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d passed, %d failed", passed, failed)
}
