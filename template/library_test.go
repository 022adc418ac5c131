package template

import (
	"fmt"
	"strings"
	"testing"
)

func TestLibraries(t *testing.T) {
	lib := NewLibrary()
	lib.Filter("shout", func(v, arg any) (any, error) { return strings.ToUpper(fmt.Sprint(v)) + "!", nil }, IsSafe(), NoArg())
	lib.Filter("repeat", func(v, arg any) (any, error) {
		n, _ := toInt(arg)
		return strings.Repeat(fmt.Sprint(v), n), nil
	}, ArgRequired())
	lib.FilterAutoescape("wrap", func(v, arg any, ae bool) (any, error) {
		s := fmt.Sprint(v)
		if ae {
			s = escapeString(s)
		}
		return SafeString("<em>" + s + "</em>"), nil
	})
	lib.SimpleTag("greet", func(name string, times int) string { return strings.Repeat("hi "+name+" ", times) })
	lib.SimpleTag("kw", func(c *Context, kw map[string]any) (SafeString, error) {
		v, _ := c.Get("x")
		return SafeString(fmt.Sprintf("<%v %v>", v, kw["a"])), nil
	})
	lib.SimpleTag("fail", func() (string, error) { return "", fmt.Errorf("tag failed") })
	lib.InclusionTag("card", "card.html", func(title string) map[string]any { return map[string]any{"title": title} })

	lib.Tag("upper", func(p *Parser, t *Token) (Node, error) {
		body, _, err := p.Parse("endupper")
		if err != nil {
			return nil, err
		}
		return upperNode{body}, nil
	})
	e := New(WithLoader(MapLoader{"card.html": "<div>{{ title }}{{ x }}</div>"}), Libraries(map[string]*Library{"extra": lib}))
	cases := []struct{ src, want string }{
		{`{% load extra %}{{ s|shout }}|{{ s|safe|shout }}|{{ s|repeat:2 }}|{{ s|wrap }}`, `&lt;A&gt;!|<A>!|&lt;a&gt;&lt;a&gt;|<em>&lt;a&gt;</em>`},
		{`{% load extra %}{% greet "<b>" 2 %}`, `hi &lt;b&gt; hi &lt;b&gt; `},
		{`{% load extra %}{% greet s 1 as g %}[{{ g }}]`, `[hi &lt;a&gt; ]`},
		{`{% load extra %}{% kw a=s %}`, `<1 <a>>`},
		{`{% load card from extra %}{% card "T" %}`, `<div>T</div>`},
		{`{% load extra %}{% upper %}a{{ s }}{% endupper %}`, `A&LT;A&GT;`},
	}
	for _, c := range cases {
		tm, err := e.FromString("t", c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		got, err := tm.Render(map[string]any{"s": "<a>", "x": 1})
		if err != nil || got != c.want {
			t.Errorf("%s\n got %q, %v\nwant %q", c.src, got, err, c.want)
		}
	}
	for _, bad := range []string{`{% greet "x" %}`, `{% load extra %}{% greet "x" %}`, `{% load extra %}{% greet 1 2 3 %}`, `{% load extra %}{{ 1|repeat }}`, `{% load nope from extra %}`, `{% load extra %}{% greet x=1 %}`} {
		if _, err := e.FromString("t", bad); err == nil {
			t.Errorf("%s: want a syntax error", bad)
		}
	}
	tm, _ := e.FromString("t", `{% load extra %}{% fail %}`)
	if _, err := tm.Render(nil); err == nil || !strings.Contains(err.Error(), "tag failed") || !strings.Contains(err.Error(), "t:1:17") {
		t.Errorf("tag error: %v", err)
	}
}

type upperNode struct{ body NodeList }

func (n upperNode) Render(c *Context) error {
	s, err := n.body.RenderString(c)
	if err != nil {
		return err
	}
	c.Write(strings.ToUpper(s))
	return nil
}

// A project's own filter and tag, made available to every template.
func ExampleLibrary() {
	lib := NewLibrary()
	lib.Filter("initials", func(v, _ any) (any, error) {
		var b strings.Builder
		for _, w := range strings.Fields(fmt.Sprint(v)) {
			b.WriteString(w[:1])
		}
		return b.String(), nil
	}, IsSafe(), NoArg())
	lib.SimpleTag("price", func(cents int) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) })
	e := New(Builtins(lib))
	t, _ := e.FromString("", "{{ name|initials }}: {% price 1999 %}")
	out, _ := t.Render(map[string]any{"name": "Grace Brewster Hopper"})
	fmt.Println(out)
	// Output: GBH: $19.99
}

func TestStringFilterOption(t *testing.T) {
	lib := NewLibrary()
	lib.Filter("shout", func(v, arg any) (any, error) {
		s, ok := v.(string)
		if !ok {
			if safe, isSafe := v.(SafeString); isSafe {
				return string(safe) + "!", nil
			}
			return nil, fmt.Errorf("got %T, not a string", v)
		}
		return s + "!", nil
	}, StringFilter(), IsSafe(), NoArg())
	e := New(Builtins(lib))
	for _, tc := range []struct {
		src  string
		data map[string]any
		want string
	}{
		{`{{ n|shout }}|{{ l|shout }}|{{ x|shout }}`, map[string]any{"n": nil, "l": []int{1, 2}, "x": 2.5}, "None!|[1, 2]!|2.5!"},
		{`{{ h|shout }}|{{ h|safe|shout }}`, map[string]any{"h": "<b>"}, "&lt;b&gt;!|<b>!"},
	} {
		tm, err := e.FromString("t", tc.src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tm.Render(tc.data)
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.src, got, err, tc.want)
		}
	}
}
