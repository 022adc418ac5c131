package i18n

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The .mo files in testdata were written by GNU msgfmt 0.21 (`msgfmt -o x.mo x.po`);
// CompileMO must reproduce them byte for byte.
func TestCompileMOMatchesMsgfmtGolden(t *testing.T) {
	pos, _ := filepath.Glob("testdata/*.po")
	if len(pos) < 4 {
		t.Fatalf("want the testdata .po files, got %v", pos)
	}
	for _, po := range pos {
		t.Run(filepath.Base(po), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(po, ".po") + ".mo")
			if err != nil {
				t.Fatal(err)
			}
			got, err := compileFile(t, po)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("CompileMO differs from msgfmt's .mo: %d bytes vs %d; first difference at %d", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func compileFile(t *testing.T, path string) ([]byte, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParsePO(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return CompileMO(f)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Random catalogues compiled by the msgfmt on this machine and by CompileMO: the
// bytes must agree. Skipped where gettext is not installed.
func TestCompileMOMatchesMsgfmtRandom(t *testing.T) {
	msgfmt, err := exec.LookPath("msgfmt")
	if err != nil {
		t.Skip("msgfmt not installed")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewSource(1))
	words := []string{"a", "b", "zz", "é", "日本", "save", "Save", "x y", "tab\\t", "q\\\"", "nl\\n", "%(n)s", "ü"}
	refused := 0
	for round := range 40 {
		var b strings.Builder
		b.WriteString("msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n<5 ? 1 : 2);\\n\"\n\n")
		seen := map[string]bool{}
		for i := range rng.Intn(60) {
			id := ""
			for range 1 + rng.Intn(4) {
				id += words[rng.Intn(len(words))]
			}
			ctx := ""
			if rng.Intn(4) == 0 {
				ctx = fmt.Sprintf("msgctxt \"c%d\"\n", rng.Intn(3))
			}
			if seen[ctx+id] {
				continue
			}
			seen[ctx+id] = true
			if rng.Intn(6) == 0 {
				b.WriteString("#, fuzzy\n")
			}
			str := "T:" + id
			if rng.Intn(8) == 0 {
				str = ""
			}
			str1 := "1" + str
			if rng.Intn(10) == 0 {
				str1 = ""
			}
			if rng.Intn(3) == 0 {
				fmt.Fprintf(&b, "%smsgid \"%s\"\nmsgid_plural \"%d%s\"\nmsgstr[0] \"%s\"\nmsgstr[1] \"%s\"\nmsgstr[2] \"2%s\"\n\n", ctx, id, i, id, str, str1, str)
			} else {
				fmt.Fprintf(&b, "%smsgid \"%s\"\nmsgstr \"%s\"\n\n", ctx, id, str)
			}
		}
		po := filepath.Join(dir, fmt.Sprintf("r%d.po", round))
		mo := filepath.Join(dir, fmt.Sprintf("r%d.mo", round))
		if err := os.WriteFile(po, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		out, msgfmtErr := exec.Command(msgfmt, "-o", mo, po).CombinedOutput()
		got, err := compileFile(t, po)
		if (msgfmtErr != nil) != (err != nil) {
			t.Fatalf("round %d: msgfmt says %v (%s), CompileMO says %v", round, msgfmtErr, out, err)
		}
		if err != nil {
			refused++
			continue
		}
		want, _ := os.ReadFile(mo)
		if !bytes.Equal(got, want) {
			t.Fatalf("round %d: differs at byte %d from msgfmt\n%s", round, firstDiff(got, want), b.String())
		}
	}
	if refused == 0 || refused == 40 {
		t.Errorf("%d of 40 rounds refused: the cases should cover both", refused)
	}
}

func TestParseMOReadsMsgfmtOutput(t *testing.T) {
	data, err := os.ReadFile("testdata/pl.mo")
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseMO("pl.mo", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ctx  string
		hasC bool
		id   string
		n    int64
		want string
	}{
		{"", false, "%(count)s file", 1, "%(count)s plik"},
		{"", false, "%(count)s file", 3, "%(count)s pliki"},
		{"", false, "%(count)s file", 5, "%(count)s plików"},
		{"", false, "%(count)s file", 22, "%(count)s pliki"},
		{"", false, "%(count)s file", 112, "%(count)s plików"},
		{"inbox", true, "%(count)s message", 2, "%(count)s wiadomości"},
		{"", true, "Save", 0, "Zapisz (pusty kontekst)"},
		{"", false, "Save", 0, "Zapisz"},
	} {
		got, ok := c.lookup(messageKey(tc.hasC, tc.ctx, tc.id), tc.n != 0, tc.n)
		if !ok || got != tc.want {
			t.Errorf("%q/%q n=%d: got %q %v, want %q", tc.ctx, tc.id, tc.n, got, ok, tc.want)
		}
	}
	// A plural entry with only form 0 translated: the others fall back.
	if _, ok := c.lookup("partial", true, 5); ok {
		t.Error("an empty plural form must not be used")
	}
	if c.Plural().N != 3 {
		t.Errorf("nplurals = %d", c.Plural().N)
	}
}

func TestParseMORejectsMalformed(t *testing.T) {
	good, _ := os.ReadFile("testdata/fr.mo")
	cases := map[string][]byte{
		"short":     good[:10],
		"magic":     append([]byte{1, 2, 3, 4}, good[4:]...),
		"truncated": good[:60],
		"count":     patch32(good, 8, 1<<30),
		"offset":    patch32(good, 12, 1<<31),
		"strlen":    patch32(good, 28, 1<<20),
	}
	for name, data := range cases {
		_, err := ParseMO(name+".mo", data)
		var se *SyntaxError
		if !errors.As(err, &se) || se.File != name+".mo" {
			t.Errorf("%s: want a *SyntaxError naming the file, got %v", name, err)
		}
	}
}

func patch32(b []byte, off int, v uint32) []byte {
	out := append([]byte(nil), b...)
	out[off], out[off+1], out[off+2], out[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	return out
}

func FuzzParseMO(f *testing.F) {
	for _, n := range []string{"fr", "pl", "ja"} {
		b, _ := os.ReadFile("testdata/" + n + ".mo")
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseMO("fuzz.mo", data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for k := range c.messages {
			c.lookup(k, true, 3)
		}
	})
}
