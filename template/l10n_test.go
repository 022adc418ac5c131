package template

import (
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani/formats"
)

// l10nData is a row of numbers and dates, as a listing page shows them.
var l10nData = map[string]any{
	"rows": func() []map[string]any {
		var rows []map[string]any
		for i := range 20 {
			rows = append(rows, map[string]any{"price": 1234.5 + float64(i), "n": 1000 * i,
				"at": time.Date(2026, 1, 1+i, 14, 5, 0, 0, time.UTC)})
		}
		return rows
	}(),
}

const l10nPage = `{% for r in rows %}<tr><td>{{ r.price }}</td><td>{{ r.n }}</td><td>{{ r.at|date:"SHORT_DATE_FORMAT" }}</td><td>{{ r.price|floatformat:2 }}</td></tr>{% endfor %}`

func l10nEngine(l10n *L10n) *Engine {
	opts := []Option{WithLoader(MapLoader{"page": l10nPage})}
	if l10n != nil {
		opts = append(opts, Localization(func(*http.Request) L10n { return *l10n }))
	}
	return New(opts...)
}

func TestLocalizedRender(t *testing.T) {
	for _, c := range []struct {
		name string
		l10n *L10n
		want string // the first row
	}{
		{"none", nil, "<tr><td>1234.5</td><td>0</td><td>01/01/2026</td><td>1234.50</td></tr>"},
		{"french", &L10n{Locale: formats.Get("fr"), Localize: true}, "<tr><td>1234,5</td><td>0</td><td>1 janv. 2026</td><td>1234,50</td></tr>"},
		{"german grouped", &L10n{Locale: formats.Get("de"), Localize: true, Grouping: true}, "<tr><td>1.234,5</td><td>0</td><td>01.01.2026</td><td>1.234,50</td></tr>"},
		{"french names only", &L10n{Locale: formats.Get("fr")}, "<tr><td>1234.5</td><td>0</td><td>01/01/2026</td><td>1234.50</td></tr>"},
	} {
		tmpl, err := l10nEngine(c.l10n).Get("page")
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Render(l10nData)
		if err != nil {
			t.Fatal(err)
		}
		if first, _, _ := strings.Cut(got, "</tr>"); first+"</tr>" != c.want {
			t.Errorf("%s: %q, want %q", c.name, first+"</tr>", c.want)
		}
	}
}

// BenchmarkLocalizedRender renders twenty rows of numbers and dates in French
// with thousand separators; BenchmarkLocalizedRenderPlain the same rows without
// localization.
func BenchmarkLocalizedRender(b *testing.B) {
	benchRender(b, l10nEngine(&L10n{Locale: formats.Get("fr"), Localize: true, Grouping: true}))
}

func BenchmarkLocalizedRenderPlain(b *testing.B) { benchRender(b, l10nEngine(nil)) }

func benchRender(b *testing.B, e *Engine) {
	tmpl, err := e.Get("page")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Render(l10nData); err != nil {
			b.Fatal(err)
		}
	}
}

// A render in French: the request's language would come from the i18n battery,
// which implements LocalizationProvider; here the engine is given French.
func ExampleLocalization() {
	french := L10n{Locale: formats.Get("fr"), Localize: true, Grouping: true}
	e := New(Localization(func(*http.Request) L10n { return french }),
		WithLoader(MapLoader{"price": `{% load l10n %}{{ price }} € le {{ day|date:"DATE_FORMAT" }} ({{ price|unlocalize }})`}))
	t, _ := e.Get("price")
	out, _ := t.Render(map[string]any{"price": 1234.5, "day": time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)})
	fmt.Printf("%q\n", out)
	// Output: "1\u00a0234,5 € le 4 mars 2026 (1234.5)"
}

func TestLocalizedBigInt(t *testing.T) {
	n, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	for _, c := range []struct {
		l10n L10n
		want string
	}{
		{L10n{Locale: formats.Get("de"), Localize: true, Grouping: true}, "123.456.789.012.345.678.901.234.567.890|-1.234"},
		{L10n{Locale: formats.Get("de"), Localize: true}, "123456789012345678901234567890|-1234"},
	} {
		e := New(Localization(func(*http.Request) L10n { return c.l10n }), WithLoader(MapLoader{"n": "{{ n }}|{{ m }}"}))
		tmpl, _ := e.Get("n")
		if got, err := tmpl.Render(map[string]any{"n": n, "m": new(big.Int).SetInt64(-1234)}); err != nil || got != c.want {
			t.Errorf("%+v: %q %v, want %q", c.l10n, got, err, c.want)
		}
	}
}
