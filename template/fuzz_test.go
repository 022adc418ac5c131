package template

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/galvani-web/galvani/formats"
)

var fuzzSeeds = []string{
	"{% load l10n %}{% localize off %}{{ a }}{{ 1.5|localize }}{% endlocalize %}{{ now|unlocalize }}{{ 1234.5|floatformat:'2g' }}",
	"{{ now|date:'SHORT_DATETIME_FORMAT' }}{{ now|time }}{{ now }}{% now 'DATE_FORMAT' %}",
	"Hello {{ name }}!", "{% if a and not b or c %}x{% elif d %}y{% else %}z{% endif %}",
	"{% for k, v in d.items reversed %}{{ forloop.counter }}{{ k|upper }}{% empty %}-{% endfor %}",
	`{{ s|default:"x"|truncatechars:3|cut:" " }}`, "{% with a=b|add:1 c='x' %}{{ a }}{% endwith %}",
	"{% extends 'self' %}{% block a %}{{ block.super }}{% endblock %}", "{% include 'self' %}{% include 'self' %}",
	"{% verbatim %}{{ x }}{% endverbatim %}", "{% comment %}{% if %}{% endcomment %}", "{# x #}{{ 'a\\'b' }}",
	"{% cycle 'a' 'b' as c silent %}{% cycle c %}{% resetcycle c %}", "{% regroup l by x as g %}{{ g }}",
	"{% spaceless %}<a> </a>{% endspaceless %}{% filter lower %}X{% endfilter %}", "{{ 1.5e3 }}{{ -2 }}{{ _( 'x' ) }}",
	"{% lorem 3 p random %}{% now 'Y' %}{% widthratio a b 100 %}{% firstof a b 'c' %}{% templatetag openblock %}",
	"{{ l|slice:'::-1'|join:',' }}{{ d|date:'\\Y jS F' }}{{ l|dictsort:'x' }}{{ l|unordered_list }}",
	"{% for x in l %}{% for y in l %}{% for z in l %}{{ x }}{% endfor %}{% endfor %}{% endfor %}",
	"{% ifchanged x %}{% endifchanged %}{% autoescape off %}{{ h }}{% endautoescape %}{% csrf_token %}{% debug %}",
	"{{", "{%", "{% if %}", "{% for %}", "{{ a|}}", "{{ a| b }}", "{% if a == %}", "{{ 'unterminated }}",
	"{% block %}", "{% load x from %}", "{% url 'x' a=1 %}", "\x00{{\xff}}", strings.Repeat("{% if a %}", 250),
}

func FuzzLex(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		toks := lex(src)
		// Tokens are in order and within the source.
		pos := 0
		for _, tk := range toks {
			if tk.pos < pos || tk.end > len(src) || tk.pos > tk.end || tk.Line < 1 {
				t.Fatalf("bad token %+v after %d in %q", tk, pos, src)
			}
			pos = tk.end
		}
		smartSplit(src)
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	data := map[string]any{
		"name": "<x>", "a": 1, "b": "", "c": []int{1, 2}, "d": map[string]any{"k": "v", "n": 2},
		"l": []map[string]any{{"x": 1}, {"x": "y"}}, "s": "hello world", "h": "<b>", "now": time.Unix(0, 0).UTC(),
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		// A watchdog turns a hang into a crash the fuzzer records with its input.
		timer := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("WATCHDOG %q", src)) })
		defer timer.Stop()
		loader := MapLoader{"self": src, "other": "{% block a %}o{% endblock %}"}
		e := New(WithLoader(loader), MaxSteps(2000), MaxOutput(1<<20),
			Localization(func(*http.Request) L10n { return L10n{Locale: formats.Get("fr"), Localize: true, Grouping: true} }))
		tm, err := e.Get("self")
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("parse error of type %T: %v", err, err)
			}
			return
		}
		out, err := tm.Render(data)
		if err == nil && len(out) > 50<<20 {
			t.Fatalf("output of %d bytes", len(out))
		}
	})
}

// FuzzTextFilters feeds arbitrary text to the filters that parse it the way Python
// does — striptags (html.parser), urlize (urlsplit, IDNA), the _html truncations,
// wordwrap, date formats and %-formats — checking that they end without a panic
// and keep their basic promises.
func FuzzTextFilters(f *testing.F) {
	for _, s := range []string{
		"<p>a<b>b</b> <!-- c --> d < e > f</p>", "<script>x</script>y &lt;i&gt; &#39; &x", "a<![CDATA[x]]>b<![if x]>c",
		"<a title='x>y'>l</a><<b>>", "&#12", "<a/b c=\"d", "http://bücher.de/straße?q=a+b&r=%2525#f x@y.com",
		"www.a..b.com (http://e.com/a_(b)), [x@ü.com]; http://[::1]:80/ http://[bad/", "\t a  b\u00a0c\u2028d\x1ce\r\nf",
		"N j, Y, P \\Y \\\\Y jS", "%(a)s %d %5.2f %#x %c %r %%", "e\u0301e\u0301\u0301 日本語 😀",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 7, 14, 5, 9, 12300000, time.FixedZone("", 7200))
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2048 {
			return
		}
		timer := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("WATCHDOG %q", s)) })
		defer timer.Stop()
		if out, err := stripTags(s); err == nil && strings.Count(out, "<") > strings.Count(s, "<") {
			t.Fatalf("striptags(%q) = %q adds markup", s, out)
		}
		urlize(s, 5, true, false)
		urlize(s, noLimit, false, true)
		truncateHTML(s, 3, "…", 2, false)
		truncateHTML(s, 3, " …", 3, true)
		wrap(s, 4)
		for _, code := range []string{"en", "pl", "ja"} {
			names := formats.Get(code)
			formatDateTime(names, reflect.ValueOf(now), s, false)
			formatDateTime(names, reflect.ValueOf(now), s, true)
			formatDateTime(names, reflect.ValueOf(pyDate{now}), s, false)
			formatDateTime(names, reflect.ValueOf(pyClock{now}), s, false)
		}
		pyPercent(s, reflect.ValueOf(map[string]any{"a": 1}))
		pyPercent("%"+s, reflect.ValueOf(42))
		if out, err := idnaEncode(s); err == nil && !utf8.ValidString(out) {
			t.Fatalf("idna(%q) = %q", s, out)
		}
		pformat(reflect.ValueOf([]any{s, map[string]any{s: s}}))
	})
}
