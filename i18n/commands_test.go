package i18n

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/galvani-web/galvani"
)

const goSource = `package blog

import (
	"context"

	tr "github.com/galvani-web/galvani/i18n"
)

var title = tr.GettextLazy("Recent posts")

func page(ctx context.Context, n int, name string) []string {
	// Translators: the greeting at the top of every page.
	hello := tr.Gettext(ctx, "Hello, world")
	return []string{hello,
		tr.NGettext(ctx, "%d comment", "%d comments", int64(n)),
		tr.PGettext(ctx, "month name", "May"),
		tr.NPGettext(ctx, "inbox", "%d message", "%d messages", 3),
		tr.Sprintf(ctx, "Welcome %s", name),
		tr.Gettext(ctx, "Multi-" +
			"part"),
		tr.Gettext(ctx, name), // not a literal: a warning
		tr.Gettext(ctx, "Hello, world"),
	}
}
`

const tplSource = `{% load i18n %}
{# Translators: the page title #}
<h1>{% trans "Welcome" %}</h1>
<p>{% translate "May" context "verb" %} {% trans "100% sure" noop %}</p>
{% blocktrans with name=user.name %}Hello {{ name }}!{% endblocktrans %}
{% blocktranslate count counter=items|length trimmed %}
  There is {{ counter }} item.
{% plural %}
  There are {{ counter }} items.
{% endblocktranslate %}
{{ value|default:_("nothing") }}
{% verbatim %}{% trans "not extracted" %}{% endverbatim %}
{% trans variable %}
`

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, src := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestExtract(t *testing.T) {
	x := NewExtractor()
	if err := x.Go("blog/views.go", []byte(goSource)); err != nil {
		t.Fatal(err)
	}
	if err := x.Template("templates/page.html", []byte(tplSource)); err != nil {
		t.Fatal(err)
	}
	got := map[string]*Message{}
	for _, m := range x.Messages() {
		got[m.Key()] = m
	}
	for key, want := range map[string]string{
		"Recent posts":               "",
		"Hello, world":               "blog/views.go:13 blog/views.go:22",
		"%d comment":                 "%d comments",
		"month name\x04May":          "",
		"inbox\x04%d message":        "%d messages",
		"Welcome %s":                 "",
		"Multi-part":                 "",
		"Welcome":                    "",
		"verb\x04May":                "",
		"100%% sure":                 "",
		"Hello %(name)s!":            "",
		"There is %(counter)s item.": "There are %(counter)s items.",
		"nothing":                    "",
	} {
		m := got[key]
		if m == nil {
			t.Errorf("%q not extracted", key)
			continue
		}
		if strings.Contains(want, ":") {
			if strings.Join(m.References, " ") != want {
				t.Errorf("%q references %v", key, m.References)
			}
		} else if m.IDPlural != want {
			t.Errorf("%q plural %q, want %q", key, m.IDPlural, want)
		}
	}
	if len(got) != 13 {
		t.Errorf("%d messages extracted, want 13", len(got))
	}
	if c := got["Hello, world"].Extracted; len(c) != 1 || c[0] != "Translators: the greeting at the top of every page." {
		t.Errorf("translator comment %q", c)
	}
	if c := got["Welcome"].Extracted; len(c) != 1 || c[0] != "Translators: the page title" {
		t.Errorf("template translator comment %q", c)
	}
	if !got["Hello %(name)s!"].HasFlag("python-format") {
		t.Error("python-format flag")
	}
	if len(x.Warnings) != 1 || !strings.Contains(x.Warnings[0], "blog/views.go:21") {
		t.Errorf("warnings %q", x.Warnings)
	}
}

func TestMakeMessagesKeepsTranslationsAndIsIdempotent(t *testing.T) {
	root := writeTree(t, map[string]string{"blog/views.go": goSource, "templates/page.html": tplSource,
		"blog/views_test.go": "package blog\nimport \"github.com/galvani-web/galvani/i18n\"\nvar _ = i18n.GettextLazy(\"test only\")\n"})
	loc := filepath.Join(root, "locale")
	opts := MakeMessagesOptions{Root: root, LocaleDir: loc, Locales: []string{"pl", "pt-br"}}
	written, _, err := MakeMessages(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 2 {
		t.Fatalf("wrote %v", written)
	}
	plPath := filepath.Join(loc, "pl", "LC_MESSAGES", "galvani.po")
	data, _ := os.ReadFile(plPath)
	if !strings.Contains(string(data), "Plural-Forms: nplurals=3;") || strings.Contains(string(data), "test only") {
		t.Fatalf("pl catalog:\n%s", data)
	}
	if !strings.Contains(string(data), "msgstr[2] \"\"") {
		t.Errorf("a Polish plural needs three forms:\n%s", data)
	}
	// A translator works on the file.
	f, err := ParsePO(plPath, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range f.Messages {
		switch m.ID {
		case "Welcome":
			m.Str = []string{"Witamy"}
			m.Comments = []string{"checked by Ola"}
		case "%d comment":
			m.Str = []string{"%d komentarz", "%d komentarze", "%d komentarzy"}
		}
	}
	if err := os.WriteFile(plPath, f.Format(), 0o644); err != nil {
		t.Fatal(err)
	}
	// Running again changes nothing.
	if written, _, err = MakeMessages(opts); err != nil || len(written) != 0 {
		t.Fatalf("second run wrote %v (%v)", written, err)
	}
	// The source changes: "Welcome" goes away, a message comes in.
	os.WriteFile(filepath.Join(root, "templates/page.html"), []byte(strings.Replace(tplSource, `{% trans "Welcome" %}`, `{% trans "Good day" %}`, 1)), 0o644)
	if written, _, err = MakeMessages(opts); err != nil || len(written) != 2 {
		t.Fatalf("third run wrote %v (%v)", written, err)
	}
	data, _ = os.ReadFile(plPath)
	s := string(data)
	for _, want := range []string{"# checked by Ola\n#~ msgid \"Welcome\"\n#~ msgstr \"Witamy\"", "msgid \"Good day\"", "msgstr[2] \"%d komentarzy\""} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	if written, _, err = MakeMessages(opts); err != nil || len(written) != 0 {
		t.Fatalf("fourth run wrote %v (%v)", written, err)
	}
	// The word comes back: revived with its translation.
	os.WriteFile(filepath.Join(root, "templates/page.html"), []byte(tplSource), 0o644)
	MakeMessages(opts)
	data, _ = os.ReadFile(plPath)
	if s := string(data); !strings.Contains(s, "# checked by Ola\n#. Translators: the page title\n#: templates/page.html:3\nmsgid \"Welcome\"\nmsgstr \"Witamy\"") {
		t.Errorf("obsolete entry not revived:\n%s", s)
	}
	// The result compiles, and msgfmt agrees byte for byte.
	var out bytes.Buffer
	if n, err := CompileMessages([]string{loc}, nil, &out); err != nil || n != 2 {
		t.Fatalf("compile: %d %v", n, err)
	}
	if msgfmt, err := exec.LookPath("msgfmt"); err == nil {
		want := filepath.Join(t.TempDir(), "pl.mo")
		if out, err := exec.Command(msgfmt, "-o", want, plPath).CombinedOutput(); err != nil {
			t.Fatalf("msgfmt: %v %s", err, out)
		}
		a, _ := os.ReadFile(want)
		b, _ := os.ReadFile(strings.TrimSuffix(plPath, ".po") + ".mo")
		if !bytes.Equal(a, b) {
			t.Error("compilemessages and msgfmt differ")
		}
	}
	// Compiling again leaves the .mo alone.
	out.Reset()
	CompileMessages([]string{loc}, []string{"pl"}, &out)
	if !strings.Contains(out.String(), "up to date") {
		t.Errorf("second compile: %s", out.String())
	}
}

func TestFormatRoundTrips(t *testing.T) {
	for _, name := range []string{"fr", "pl", "ja"} {
		data, _ := os.ReadFile("testdata/" + name + ".po")
		f, err := ParsePO(name, data)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParsePO(name, f.Format())
		if err != nil {
			t.Fatalf("%s: reparse: %v\n%s", name, err, f.Format())
		}
		a, _ := CompileMO(f)
		b, _ := CompileMO(g)
		if !bytes.Equal(a, b) || !bytes.Equal(f.Format(), g.Format()) {
			t.Errorf("%s: Format does not round-trip", name)
		}
	}
}

func TestCompileMessagesReportsErrors(t *testing.T) {
	root := writeTree(t, map[string]string{"fr/LC_MESSAGES/galvani.po": "msgid \"a\"\nmsgstr \"b\"\n\nmsgid \"a\"\nmsgstr \"c\"\n"})
	_, err := CompileMessages([]string{root}, nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "galvani.po:4: duplicate message") {
		t.Errorf("got %v", err)
	}
}

func TestCommandsRunThroughTheApp(t *testing.T) {
	root := writeTree(t, map[string]string{"views.go": goSource})
	loc := filepath.Join(root, "locale")
	cfg := Config{LocalePaths: []string{loc}}
	app := galvani.New(galvani.Settings{Debug: true, Sections: map[string]any{"i18n": &cfg}}, &Locale{})
	var out bytes.Buffer
	if err := app.RunCommand(t.Context(), []string{"makemessages", "--locale", "de,fr", "--root", root}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), filepath.Join(loc, "de", "LC_MESSAGES", "galvani.po")) {
		t.Errorf("makemessages said %q", out.String())
	}
	out.Reset()
	if err := app.RunCommand(t.Context(), []string{"compilemessages"}, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(loc, "fr", "LC_MESSAGES", "galvani.mo")); err != nil {
		t.Errorf("no .mo: %v (%s)", err, out.String())
	}
	if err := app.RunCommand(t.Context(), []string{"makemessages"}, &out); err == nil {
		t.Error("makemessages without a locale must be a usage error")
	}
}
