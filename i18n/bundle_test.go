package i18n

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"
)

func po(t *testing.T, src string) *Catalog {
	t.Helper()
	f, err := ParsePO("t.po", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCatalog("t.po", f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBundleFallbackChain(t *testing.T) {
	b := NewBundle("fr")
	b.Add(map[string]*Catalog{
		"pt_BR": po(t, "msgid \"bus\"\nmsgstr \"ônibus\"\n"),
		"pt":    po(t, "msgid \"bus\"\nmsgstr \"autocarro\"\n\nmsgid \"train\"\nmsgstr \"comboio\"\n"),
		"fr":    po(t, "msgid \"bus\"\nmsgstr \"bus FR\"\n\nmsgid \"car\"\nmsgstr \"voiture\"\n"),
	})
	br := b.Translation("pt-BR")
	if br.Language() != "pt-br" {
		t.Errorf("language = %q", br.Language())
	}
	for id, want := range map[string]string{"bus": "ônibus", "train": "comboio", "car": "voiture", "plane": "plane"} {
		if got := br.Gettext(id); got != want {
			t.Errorf("pt-br %q = %q, want %q", id, got, want)
		}
	}
	// English variants do not fall back to the default language (Django's rule).
	if got := b.Translation("en-gb").Gettext("car"); got != "car" {
		t.Errorf("en-gb car = %q", got)
	}
	if !b.HasLanguage("pt-pt") || b.HasLanguage("de") {
		t.Error("HasLanguage")
	}
	if got := b.Languages(); len(got) != 3 || got[0] != "fr" || got[2] != "pt-br" {
		t.Errorf("Languages = %v", got)
	}
}

func TestBundleLayersProjectFirst(t *testing.T) {
	b := NewBundle("en")
	b.Add(map[string]*Catalog{"de": po(t, "msgid \"Save\"\nmsgstr \"Sichern\"\n")})
	b.Add(map[string]*Catalog{"de": po(t, "msgid \"Save\"\nmsgstr \"Speichern\"\n\nmsgid \"Delete\"\nmsgstr \"Löschen\"\n")})
	tr := b.Translation("de")
	if tr.Gettext("Save") != "Sichern" || tr.Gettext("Delete") != "Löschen" {
		t.Errorf("got %q %q", tr.Gettext("Save"), tr.Gettext("Delete"))
	}
}

func TestLoadFSReadsMOThenPO(t *testing.T) {
	mo, err := CompileMO(mustParse(t, "msgid \"a\"\nmsgstr \"from mo\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"de/LC_MESSAGES/galvani.mo": {Data: mo},
		"de/LC_MESSAGES/galvani.po": {Data: []byte("msgid \"a\"\nmsgstr \"from po\"\n")},
		"es/LC_MESSAGES/galvani.po": {Data: []byte("msgid \"a\"\nmsgstr \"desde po\"\n")},
		"README":                    {Data: []byte("not a locale")},
		"it/LC_MESSAGES/other.po":   {Data: []byte("msgid \"a\"\nmsgstr \"altro\"\n")},
	}
	b := NewBundle("en")
	if err := b.LoadFS(fsys, ""); err != nil {
		t.Fatal(err)
	}
	if got := b.Translation("de").Gettext("a"); got != "from mo" {
		t.Errorf("de = %q", got)
	}
	if got := b.Translation("es").Gettext("a"); got != "desde po" {
		t.Errorf("es = %q", got)
	}
	if b.HasLanguage("it") {
		t.Error("another domain's catalog was loaded")
	}
	bad := fstest.MapFS{"fr/LC_MESSAGES/galvani.po": {Data: []byte("msgid \"a\n")}}
	if err := NewBundle("en").LoadFS(bad, ""); err == nil || err.Error()[:len("fr/LC_MESSAGES/galvani.po:1:")] != "fr/LC_MESSAGES/galvani.po:1:" {
		t.Errorf("malformed catalog: %v", err)
	}
}

func mustParse(t *testing.T, src string) *PO {
	t.Helper()
	f, err := ParsePO("t.po", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestContextActivation(t *testing.T) {
	b := NewBundle("en")
	b.Add(map[string]*Catalog{"pl": po(t, `msgid ""
msgstr "Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"

msgid "%d file"
msgid_plural "%d files"
msgstr[0] "%d plik"
msgstr[1] "%d pliki"
msgstr[2] "%d plików"

msgctxt "button"
msgid "Open"
msgstr "Otwórz"

msgctxt "state"
msgid "Open"
msgid_plural "Open"
msgstr[0] "Otwarty"
msgstr[1] "Otwarte"
msgstr[2] "Otwartych"
`)})
	bg := context.Background()
	if Gettext(bg, "Open") != "Open" || LanguageFrom(bg) != "" || NGettext(bg, "%d file", "%d files", 1) != "%d file" {
		t.Error("with no active language messages are returned as they are")
	}
	ctx := b.Activate(bg, "pl")
	if LanguageFrom(ctx) != "pl" {
		t.Errorf("LanguageFrom = %q", LanguageFrom(ctx))
	}
	for n, want := range map[int64]string{1: "1 plik", 3: "3 pliki", 5: "5 plików", 22: "22 pliki"} {
		if got := fmt.Sprintf(NGettext(ctx, "%d file", "%d files", n), n); got != want {
			t.Errorf("n=%d: %q, want %q", n, got, want)
		}
	}
	if PGettext(ctx, "button", "Open") != "Otwórz" || Gettext(ctx, "Open") != "Open" {
		t.Error("pgettext")
	}
	if NPGettext(ctx, "state", "Open", "Open", 5) != "Otwartych" {
		t.Error("npgettext")
	}
	lazy := PGettextLazy("button", "Open")
	if lazy.Translate(ctx) != "Otwórz" || lazy.String() != "Open" || lazy.Translate(bg) != "Open" {
		t.Error("lazy")
	}
	if l := NGettextLazy("%d file", "%d files", 2); l.Translate(ctx) != "%d pliki" || l.String() != "%d files" {
		t.Error("lazy plural")
	}
	if GettextLazy("x").Translate(ctx) != "x" || NPGettextLazy("state", "Open", "Open", 1).Translate(ctx) != "Otwarty" {
		t.Error("lazy variants")
	}
}

func TestToLocale(t *testing.T) {
	for in, want := range map[string]string{"pt-br": "pt_BR", "pt_BR": "pt_BR", "zh-hans": "zh_Hans", "sr-latn": "sr_Latn", "fr": "fr", "EN-us": "en_US"} {
		if got := ToLocale(in); got != want {
			t.Errorf("ToLocale(%q) = %q, want %q", in, got, want)
		}
	}
	if NormalizeLanguage("zh_Hans") != "zh-hans" {
		t.Error("NormalizeLanguage")
	}
}

func TestSprintfTranslatesTheFormat(t *testing.T) {
	b := NewBundle("en")
	b.Add(map[string]*Catalog{"de": po(t, "msgid \"%d new messages\"\nmsgstr \"%d neue Nachrichten\"\n")})
	if got := Sprintf(b.Activate(context.Background(), "de"), "%d new messages", 4); got != "4 neue Nachrichten" {
		t.Errorf("got %q", got)
	}
}
