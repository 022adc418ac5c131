package template

import (
	"strings"
	"testing"
	"unsafe"
)

// escapeReference is Django's escape written the obvious way, to check the
// word-at-a-time appendEscaped against.
var escapeReference = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")

// TestAppendEscapedEveryByteEveryPosition puts each of the 256 byte values at each
// position of strings long enough to cross two eight-byte words, after prefixes
// that shift the word boundaries, and compares with the reference.
func TestAppendEscapedEveryByteEveryPosition(t *testing.T) {
	for _, prefix := range []string{"", "a", "&", "\x00", "\xff", "<<<", "héllo"} {
		for length := 0; length <= 19; length++ {
			for pos := 0; pos < length; pos++ {
				for c := 0; c < 256; c++ {
					body := []byte(strings.Repeat("x", length))
					body[pos] = byte(c)
					s := prefix + string(body)
					want := escapeReference.Replace(s)
					if got := string(appendEscaped(nil, s)); got != want {
						t.Fatalf("appendEscaped(%q) = %q, want %q", s, got, want)
					}
					if got := Escape(s); got != want {
						t.Fatalf("Escape(%q) = %q, want %q", s, got, want)
					}
				}
			}
		}
	}
}

func TestAppendEscapedAppends(t *testing.T) {
	cases := []struct{ before, in, want string }{
		{"", "", ""},
		{"<p>", "", "<p>"},
		{"<p>", "Tom & Jerry's \"show\" <b>", "<p>Tom &amp; Jerry&#x27;s &quot;show&quot; &lt;b&gt;"},
		{"x", "フレームワーク & <ベンチ>", "xフレームワーク &amp; &lt;ベンチ&gt;"},
		{"", "&&&&&&&&&&&&&&&&", strings.Repeat("&amp;", 16)},
	}
	for _, c := range cases {
		if got := string(appendEscaped([]byte(c.before), c.in)); got != c.want {
			t.Errorf("appendEscaped(%q, %q) = %q, want %q", c.before, c.in, got, c.want)
		}
	}
}

// TestEscapeKeepsCleanStrings checks that a string with nothing to escape comes
// back as itself, without a copy.
func TestEscapeKeepsCleanStrings(t *testing.T) {
	for _, s := range []string{"", "Book 042", "a longer title, with commas; and ünïcode — 17 pages"} {
		if allocs := testing.AllocsPerRun(10, func() { _ = Escape(s) }); allocs != 0 {
			t.Errorf("Escape(%q) allocated %v times", s, allocs)
		}
		if got := Escape(s); got != s || (len(s) > 0 && unsafe.StringData(got) != unsafe.StringData(s)) {
			t.Errorf("Escape(%q) = %q, not the same string", s, got)
		}
	}
}

func FuzzAppendEscaped(f *testing.F) {
	for _, s := range []string{"", "plain text", `<a href="x">Tom & Jerry's</a>`, "\xff\xfe<\x00>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := escapeReference.Replace(s)
		if got := string(appendEscaped(nil, s)); got != want {
			t.Fatalf("appendEscaped(%q) = %q, want %q", s, got, want)
		}
		if got := Escape(s); got != want {
			t.Fatalf("Escape(%q) = %q, want %q", s, got, want)
		}
	})
}
