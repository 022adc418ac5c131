package template

import (
	"fmt"
	"math/big"
	"testing"
	"time"
)

// menu is an ordered mapping, as a Go program might keep one.
type menu struct {
	names  []string
	prices map[string]any
}

func (m *menu) Keys() []string { return m.names }
func (m *menu) Get(key string) (any, bool) {
	v, ok := m.prices[key]
	return v, ok
}

func newMenu() *menu {
	return &menu{names: []string{"tea", "coffee", "cake"}, prices: map[string]any{"tea": 2, "coffee": 3, "cake": 4}}
}

// TestMapping: a Mapping is a Python dict to templates, in its own key order.
func TestMapping(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`{% for k in m %}{{ k }};{% endfor %}`, "tea;coffee;cake;"},
		{`{% for k, v in m.items %}{{ k }}={{ v }};{% endfor %}`, "tea=2;coffee=3;cake=4;"},
		{`{{ m.tea }}|{{ m.keys }}`, "2|dict_keys([&#x27;tea&#x27;, &#x27;coffee&#x27;, &#x27;cake&#x27;])"},
		{`{{ m }}`, "{&#x27;tea&#x27;: 2, &#x27;coffee&#x27;: 3, &#x27;cake&#x27;: 4}"},
		{`{{ m|pprint }}`, "{&#x27;cake&#x27;: 4, &#x27;coffee&#x27;: 3, &#x27;tea&#x27;: 2}"},
		{`{{ m|length }}|{{ m|join:"," }}|{% if "tea" in m %}in{% endif %}|{% if m %}true{% endif %}`, "3|tea,coffee,cake|in|true"},
		{`{{ m|json_script:"p" }}`, `<script id="p" type="application/json">{"tea": 2, "coffee": 3, "cake": 4}</script>`},
		{`{{ m|stringformat:"(coffee)s" }}`, "3"},
	} {
		if got := render(t, tc.src, map[string]any{"m": newMenu()}); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.src, got, tc.want)
		}
	}
	// A key wins over the dict attribute of the same name, as in Django.
	m := &menu{names: []string{"items"}, prices: map[string]any{"items": "key"}}
	if got := render(t, `{{ m.items }}`, map[string]any{"m": m}); got != "key" {
		t.Errorf("m.items = %q, want the key's value", got)
	}
	// items views are tuples: {% for k, v %} unpacks them, .0 and .1 index them.
	if got := render(t, `{% for p in m.items %}{{ p.0 }}{{ p.1 }}{% endfor %}`, map[string]any{"m": map[string]int{"b": 2, "a": 1}}); got != "a1b2" {
		t.Errorf("map items = %q", got)
	}
}

// TestPythonAttributes: the attributes of Python's own types that templates use
// reach Go strings, numbers, maps and times too.
func TestPythonAttributes(t *testing.T) {
	when := time.Date(2026, 12, 24, 18, 30, 0, 0, time.UTC)
	data := map[string]any{"s": " Hello World ", "n": 12, "f": 2.5, "t": when, "b": new(big.Int).Lsh(big.NewInt(1), 70)}
	for _, tc := range []struct{ src, want string }{
		{`{{ s.strip }}|{{ s.upper }}|{{ s.split|length }}|{{ s.isdigit }}`, "Hello World| HELLO WORLD |2|False"},
		{`{% for w in s.split %}[{{ w }}]{% endfor %}`, "[Hello][World]"},
		{`{{ n.real }}|{{ n.bit_length }}|{{ f.is_integer }}|{{ f.as_integer_ratio }}|{{ b.bit_length }}`, "12|4|False|(5, 2)|71"},
		{`{{ t.year }}/{{ t.month }}/{{ t.day }} {{ t.weekday }}|{{ t.date }}|{{ t.time }}|{{ t.Month }}`, "2026/12/24 3|Dec. 24, 2026|6:30 p.m.|December"},
		{`{% if t.month == 12 %}December{% endif %}`, "December"},
		{`[{{ s.replace }}]`, "[]"},
	} {
		if got := render(t, tc.src, data); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.src, got, tc.want)
		}
	}
	e := New()
	tm, err := e.FromString("t", `{{ s.startswith }}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Render(data); err == nil {
		t.Error("str.startswith without arguments rendered; Django raises (no signature)")
	}
}

// ExampleMapping shows an ordered mapping printed and iterated in its own order.
func ExampleMapping() {
	e := New()
	t, _ := e.FromString("menu", `{% for dish, price in menu.items %}{{ dish }}: {{ price }}
{% endfor %}`)
	out, _ := t.Render(map[string]any{"menu": newMenu()})
	fmt.Print(out)
	// Output:
	// tea: 2
	// coffee: 3
	// cake: 4
}
