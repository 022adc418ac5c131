package i18n

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/template"
)

// The project of TestPolishProjectEndToEnd: a view in Go and its template, as a
// developer writes them before any translation exists.
const (
	inboxSource = `package inbox

import (
	"context"

	"github.com/galvani-web/galvani/i18n"
)

func summary(ctx context.Context, n int64) string {
	return i18n.Sprintf(ctx, i18n.NGettext(ctx, "%d new message", "%d new messages", n), n)
}
`
	inboxTemplate = `{% load i18n %}<h1>{% trans "Your inbox" %}</h1>
<p>{% blocktrans count counter=n %}{{ counter }} file is waiting.{% plural %}{{ counter }} files are waiting.{% endblocktrans %}</p>
<p>{{ summary }}</p>
<p>{{ size }} MB, {{ when|date:"DATE_FORMAT" }}, {{ when|date:"SHORT_DATETIME_FORMAT" }}</p>
<a href="{% url "inbox" %}">{% trans "Your inbox" %}</a>`
)

// polishTranslations is what the translator writes into the .po makemessages
// made: Polish has three plural forms (1; 2-4, 22-24...; 0, 5-21, 25-31...).
var polishTranslations = map[string][]string{
	"Your inbox":                   {"Twoja skrzynka"},
	"%d new message":               {"%d nowa wiadomość", "%d nowe wiadomości", "%d nowych wiadomości"},
	"%(counter)s file is waiting.": {"%(counter)s plik czeka.", "%(counter)s pliki czekają.", "%(counter)s plików czeka."},
}

// TestPolishProjectEndToEnd takes a project in English and Polish through the
// whole i18n workflow: makemessages extracts the Go and template strings into a
// Polish .po with its three-form Plural-Forms, a translator fills it in,
// compilemessages makes the .mo (the bytes GNU msgfmt makes), and the site then
// serves the page in each language through the middleware, by URL prefix, with
// {% blocktrans count %} and NGettext picking Polish's plural form for each count.
func TestPolishProjectEndToEnd(t *testing.T) {
	root := writeTree(t, map[string]string{"inbox/views.go": inboxSource, "templates/inbox.html": inboxTemplate})
	locale := filepath.Join(root, "locale")
	cfg := Config{LanguageCode: "en", Languages: []string{"en", "pl"}, LocalePaths: []string{locale}, URLPrefix: true,
		UseThousandSeparator: true}
	settings := galvani.Settings{Debug: true, SecretKey: strings.Repeat("k", 50), Sections: map[string]any{"i18n": &cfg}}

	// 1. makemessages, as `go run . makemessages --locale pl` does.
	var out bytes.Buffer
	if err := galvani.New(settings, &Locale{}).RunCommand(t.Context(), []string{"makemessages", "--locale", "pl", "--root", root}, &out); err != nil {
		t.Fatalf("makemessages: %v\n%s", err, out.String())
	}
	poPath := filepath.Join(locale, "pl", "LC_MESSAGES", "galvani.po")
	data, err := os.ReadFile(poPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"`) {
		t.Fatalf("the Polish catalog lacks Polish's plural rule:\n%s", data)
	}

	// 2. The translator's work.
	po, err := ParsePO(poPath, data)
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]bool{}
	for _, m := range po.Messages {
		if tr, ok := polishTranslations[m.ID]; ok {
			if len(m.Str) != len(tr) {
				t.Fatalf("%q has %d msgstr entries in the .po, want %d", m.ID, len(m.Str), len(tr))
			}
			m.Str = tr
			done[m.ID] = true
		}
	}
	if len(done) != len(polishTranslations) {
		t.Fatalf("makemessages extracted %v of %d messages:\n%s", done, len(polishTranslations), data)
	}
	if err := os.WriteFile(poPath, po.Format(), 0o644); err != nil {
		t.Fatal(err)
	}

	// 3. compilemessages; msgfmt makes the same bytes. The site then reads only the .mo.
	out.Reset()
	if err := galvani.New(settings, &Locale{}).RunCommand(t.Context(), []string{"compilemessages"}, &out); err != nil {
		t.Fatalf("compilemessages: %v\n%s", err, out.String())
	}
	moPath := strings.TrimSuffix(poPath, ".po") + ".mo"
	mo, err := os.ReadFile(moPath)
	if err != nil {
		t.Fatal(err)
	}
	if msgfmt, err := exec.LookPath("msgfmt"); err == nil {
		want := filepath.Join(t.TempDir(), "pl.mo")
		if out, err := exec.Command(msgfmt, "-o", want, poPath).CombinedOutput(); err != nil {
			t.Fatalf("msgfmt: %v %s", err, out)
		}
		if w, _ := os.ReadFile(want); !bytes.Equal(w, mo) {
			t.Error("compilemessages and msgfmt differ on the project's catalog")
		}
	} else if os.Getenv("CI") == "true" {
		t.Fatal("msgfmt (gettext) is not installed")
	}
	if err := os.Remove(poPath); err != nil {
		t.Fatal(err)
	}

	// 4. The site, in both languages.
	loc := &Locale{}
	app := galvani.New(settings, loc)
	app.Use(loc.Middleware)
	app.Get("/inbox/", func(c *galvani.Ctx) error {
		n, err := strconv.ParseInt(c.Request.URL.Query().Get("n"), 10, 64)
		if err != nil {
			return galvani.Error(http.StatusBadRequest, "n must be a number")
		}
		ctx := c.Request.Context()
		return c.Render(http.StatusOK, "inbox.html", map[string]any{
			"n":       n,
			"summary": Sprintf(ctx, NGettext(ctx, "%d new message", "%d new messages", n), n),
			"size":    12345.5,
			"when":    time.Date(2026, 3, 4, 9, 30, 0, 0, time.UTC),
		})
	}).Name("inbox")
	template.Setup(app, template.Dir(os.DirFS(filepath.Join(root, "templates")), "templates/"))

	type page struct{ files, messages string }
	english := func(n int) page {
		if n == 1 {
			return page{"1 file is waiting.", "1 new message"}
		}
		return page{fmt.Sprintf("%d files are waiting.", n), fmt.Sprintf("%d new messages", n)}
	}
	polish := map[int]page{
		1:   {"1 plik czeka.", "1 nowa wiadomość"},
		2:   {"2 pliki czekają.", "2 nowe wiadomości"},
		4:   {"4 pliki czekają.", "4 nowe wiadomości"},
		5:   {"5 plików czeka.", "5 nowych wiadomości"},
		12:  {"12 plików czeka.", "12 nowych wiadomości"},
		22:  {"22 pliki czekają.", "22 nowe wiadomości"},
		25:  {"25 plików czeka.", "25 nowych wiadomości"},
		0:   {"0 plików czeka.", "0 nowych wiadomości"},
		112: {"112 plików czeka.", "112 nowych wiadomości"},
		104: {"104 pliki czekają.", "104 nowe wiadomości"},
	}
	for n, pl := range polish {
		for _, c := range []struct {
			prefix, lang, title string
			want                page
		}{
			{"", "en", "Your inbox", english(n)},
			{"/pl", "pl", "Twoja skrzynka", pl},
		} {
			// Numbers and dates in the language's formats.
			formatted := "<p>12,345.5 MB, March 4, 2026, 03/04/2026 9:30 a.m.</p>"
			if c.lang == "pl" {
				formatted = "<p>12\u00a0345,5 MB, 4 marca 2026, 04-03-2026  09:30</p>"
			}
			path := fmt.Sprintf("%s/inbox/?n=%d", c.prefix, n)
			w := get(t, app, path, map[string]string{"Accept-Language": "de"})
			body := w.Body.String()
			if w.Code != http.StatusOK || w.Header().Get("Content-Language") != c.lang {
				t.Fatalf("GET %s: %d, Content-Language %q\n%s", path, w.Code, w.Header().Get("Content-Language"), body)
			}
			for _, want := range []string{"<h1>" + c.title + "</h1>", "<p>" + c.want.files + "</p>", "<p>" + c.want.messages + "</p>",
				`<a href="` + c.prefix + `/inbox/">` + c.title + `</a>`, formatted} {
				if !strings.Contains(body, want) {
					t.Errorf("GET %s lacks %q:\n%s", path, want, body)
				}
			}
		}
	}
}
