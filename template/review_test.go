package template

import (
	"iter"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestNumericOverflow: filters on integers at the edges of int64 give Python's
// answer (arbitrary precision), not a wrapped-around one.
func TestNumericOverflow(t *testing.T) {
	data := map[string]any{
		"max": int64(math.MaxInt64), "min": int64(math.MinInt64),
		"umax": uint64(math.MaxUint64), "huge": 1e300,
	}
	for _, tc := range []struct{ src, want string }{
		{`{{ max|add:1 }}`, "9223372036854775808"},
		{`{{ max|add:max }}`, "18446744073709551614"},
		{`{{ min|add:-1 }}`, "-9223372036854775809"},
		{`{{ min|add:1 }}`, "-9223372036854775807"},
		{`{{ umax|add:0 }}`, "18446744073709551615"},
		{`{{ min|filesizeformat }}`, "-8192.0\u00a0PB"},
		{`{{ max|filesizeformat }}`, "8192.0\u00a0PB"},
		{`{% if umax > 0 %}pos{% else %}neg{% endif %}`, "pos"},
	} {
		if got := render(t, tc.src, data); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.src, got, tc.want)
		}
	}
}

// TestExtendsItselfError: a template extending its own name with no other loader
// to find the parent in says which loader was skipped, not that there are none.
func TestExtendsItselfError(t *testing.T) {
	e := New(WithLoader(MapLoader{"page.html": `{% extends "page.html" %}`}))
	_, err := e.RenderString("page.html", nil)
	if err == nil || strings.Contains(err.Error(), "no template loaders") || !strings.Contains(err.Error(), "skipped") {
		t.Fatalf("err = %v, want one naming the skipped loader", err)
	}
}

type lazySeq struct{ items []string }

func (l *lazySeq) All() iter.Seq[string] { return slices.Values(l.items) }
func (l *lazySeq) Len() int              { return len(l.items) }

// TestAllMethodAndPointerLen: a value with an All() iter.Seq method is iterated
// through it, and a Len method with a pointer receiver gives |length.
func TestAllMethodAndPointerLen(t *testing.T) {
	data := map[string]any{"l": &lazySeq{[]string{"a", "<b>"}}, "nilp": (*lazySeq)(nil)}
	for src, want := range map[string]string{
		`{% for x in l %}{{ x }},{% endfor %}`:                  "a,&lt;b&gt;,",
		`{{ l|length }}|{{ l|first }}|{{ l|join:"-" }}`:         "2|a|a-&lt;b&gt;",
		`{% if l %}yes{% endif %}`:                              "yes",
		`{% for x in nilp %}{{ x }}{% empty %}none{% endfor %}`: "none",
	} {
		if got := render(t, src, data); got != want {
			t.Errorf("%s = %q, want %q", src, got, want)
		}
	}
}

// TestDebugTagOnlyInDebugMode: {% debug %} prints the context only when the engine
// is in debug mode, as Django's prints only with DEBUG on.
func TestDebugTagOnlyInDebugMode(t *testing.T) {
	data := map[string]any{"secret": "s3cr3t"}
	for _, debug := range []bool{false, true} {
		tm, err := New(Debug(debug)).FromString("t", `[{% debug %}]`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := tm.Render(data)
		if err != nil {
			t.Fatal(err)
		}
		if shown := strings.Contains(out, "s3cr3t"); shown != debug {
			t.Errorf("debug=%v: %q", debug, out)
		}
	}
}
