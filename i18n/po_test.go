package i18n

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestParsePO(t *testing.T) {
	data, err := os.ReadFile("testdata/fr.po")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParsePO("fr.po", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.HeaderField("plural-forms"); got != "nplurals=2; plural=(n > 1);" {
		t.Errorf("Plural-Forms = %q", got)
	}
	byKey := map[string]*Message{}
	for _, m := range f.Messages {
		byKey[m.Key()] = m
	}
	hello := byKey["Hello"]
	if hello == nil || hello.Str[0] != "Bonjour" || hello.Extracted[0] != "The greeting on the home page." || hello.References[0] != "views.go:12" || hello.Line != 14 {
		t.Errorf("Hello entry = %+v", hello)
	}
	if m := byKey["month name\x04May"]; m == nil || m.Str[0] != "mai" || m.Context != "month name" {
		t.Errorf("context entry = %+v", m)
	}
	if m := byKey["Goodbye"]; m == nil || !m.Fuzzy() {
		t.Errorf("fuzzy entry = %+v", m)
	}
	if m := byKey["one apple"]; m == nil || m.IDPlural != "%(count)s apples" || len(m.Str) != 2 || m.Str[1] != "%(count)s pommes" {
		t.Errorf("plural entry = %+v", m)
	}
	ml := byKey["Line one\nline two\twith tab and \"quotes\" and \\ backslash"]
	if ml == nil || ml.Str[0] != "Ligne un\nligne deux\tavec tab et « guillemets » et \\ barre" {
		t.Errorf("escapes: %+v", ml)
	}
	old := f.Messages[len(f.Messages)-1]
	if !old.Obsolete || old.ID != "Old message" || old.Str[0] != "Vieux message" {
		t.Errorf("obsolete entry = %+v", old)
	}
	c, err := NewCatalog("fr.po", f)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.lookup("Goodbye", false, 0); ok {
		t.Error("a fuzzy translation must not be used")
	}
	if _, ok := c.lookup("Old message", false, 0); ok {
		t.Error("an obsolete translation must not be used")
	}
	if s, _ := c.lookup("one apple", true, 0); s != "%(count)s pomme" {
		t.Errorf("French uses the singular for 0, got %q", s)
	}
}

func TestParsePOEscapes(t *testing.T) {
	f, err := ParsePO("e.po", []byte(`msgid "a\101\x42\tq\?\'"`+"\n"+`msgstr "\303\251"`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m := f.Messages[0]; m.ID != "aAB\tq?'" || m.Str[0] != "é" {
		t.Errorf("got %q / %q", m.ID, m.Str[0])
	}
}

func TestParsePOErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		line            int
	}{
		{"no msgstr", "msgid \"a\"\n\nmsgid \"b\"\nmsgstr \"c\"\n", "has no msgstr", 1},
		{"duplicate", "msgid \"a\"\nmsgstr \"x\"\n\nmsgid \"a\"\nmsgstr \"y\"\n", "duplicate message", 4},
		{"bad escape", "msgid \"a\\q\"\nmsgstr \"\"\n", `unknown escape \q`, 1},
		{"unterminated", "msgid \"abc\nmsgstr \"\"\n", "unterminated", 1},
		{"junk after", "msgid \"a\" x\nmsgstr \"\"\n", "after the string", 1},
		{"keyword", "msgid \"a\"\nmsgfoo \"\"\n", "unknown keyword", 2},
		{"plural order", "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr[1] \"x\"\n", "out of order", 3},
		{"plural needs index", "msgid \"a\"\nmsgid_plural \"b\"\nmsgstr \"x\"\n", "msgstr[0]", 3},
		{"orphan string", "\"abc\"\n", "no msgid", 1},
		{"charset", "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n", "ISO-8859-1", 1},
		{"utf8", "msgid \"a\"\nmsgstr \"\xff\"\n", "invalid UTF-8", 2},
		{"octal", "msgid \"\\777\"\nmsgstr \"\"\n", "out of range", 1},
	} {
		_, err := ParsePO("x.po", []byte(tc.src))
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: want *SyntaxError, got %v", tc.name, err)
			continue
		}
		if !strings.Contains(se.Msg, tc.want) || se.Line != tc.line || !strings.HasPrefix(err.Error(), "x.po:") {
			t.Errorf("%s: got %q (line %d), want %q on line %d", tc.name, err, se.Line, tc.want, tc.line)
		}
	}
}

func TestCompileMORefusesNewlineMismatch(t *testing.T) {
	f, err := ParsePO("n.po", []byte("msgid \"a\\n\"\nmsgstr \"b\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = CompileMO(f)
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 1 || !strings.Contains(se.Msg, "end with") {
		t.Fatalf("got %v", err)
	}
}

func FuzzParsePO(f *testing.F) {
	for _, n := range []string{"fr", "pl", "ja"} {
		b, _ := os.ReadFile("testdata/" + n + ".po")
		f.Add(b)
	}
	f.Add([]byte("#~ msgid \"x\"\n#~ msgstr \"y\"\n#~| msgid \"z\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		po, err := ParsePO("fuzz.po", data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Line < 0 {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if _, err := NewCatalog("fuzz.po", po); err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("catalog error of type %T: %v", err, err)
			}
			return
		}
		mo, err := CompileMO(po)
		if err != nil {
			return
		}
		if _, err := ParseMO("fuzz.mo", mo); err != nil {
			t.Fatalf("CompileMO output does not parse: %v", err)
		}
	})
}
