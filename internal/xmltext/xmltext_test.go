package xmltext

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestAppendTextEscapesAndCleans(t *testing.T) {
	for _, tc := range []struct{ in, text, hex, attr string }{
		{"plain", "plain", "plain", "plain"},
		{`a<b>&"c"`, `a&lt;b&gt;&amp;"c"`, `a&#x3C;b&#x3E;&#x26;"c"`, `a&lt;b&gt;&amp;&quot;c&quot;`},
		{"nul\x00bell\x07esc\x1b[0m", "nulbellesc[0m", "nulbellesc[0m", "nulbellesc[0m"},
		{"tab\tnl\ncr\r", "tab\tnl\ncr&#13;", "tab\tnl\ncr&#13;", "tab&#9;nl&#10;cr&#13;"},
		{"del\x7f c1\u0085\u009f", "del c1", "del c1", "del c1"},
		{"bad\xff\xfeutf8\xc3", "badutf8", "badutf8", "badutf8"},
		{"nonchar\ufffe\uffff ok\ufffd", "nonchar ok\ufffd", "nonchar ok\ufffd", "nonchar ok\ufffd"},
		{"日本語 ✓ 😀", "日本語 ✓ 😀", "日本語 ✓ 😀", "日本語 ✓ 😀"},
	} {
		if got := string(AppendText(nil, tc.in)); got != tc.text {
			t.Errorf("AppendText(%q) = %q, want %q", tc.in, got, tc.text)
		}
		if got := string(AppendTextHex(nil, tc.in)); got != tc.hex {
			t.Errorf("AppendTextHex(%q) = %q, want %q", tc.in, got, tc.hex)
		}
		if got := string(AppendAttr(nil, tc.in)); got != tc.attr {
			t.Errorf("AppendAttr(%q) = %q, want %q", tc.in, got, tc.attr)
		}
	}
}

func TestCleanReturnsTheSameStringWhenNothingChanges(t *testing.T) {
	s := "already fine — ✓"
	if got := Clean(s); got != s {
		t.Errorf("Clean(%q) = %q", s, got)
	}
	if got := Clean("a\x00b\xffc"); got != "abc" {
		t.Errorf("Clean = %q", got)
	}
}

// FuzzAppendText checks that any string, written as text and as an attribute,
// gives a document encoding/xml (which rejects every character XML forbids)
// parses back to Clean of the string.
func FuzzAppendText(f *testing.F) {
	for _, s := range []string{"", "a<b", "\x00\x01", "\r\n", "\xff", "\ufffe", "]]>", "&amp;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, hex := range []bool{false, true} {
			doc := []byte(`<a x="`)
			doc = AppendAttr(doc, s)
			doc = append(doc, `">`...)
			if hex {
				doc = AppendTextHex(doc, s)
			} else {
				doc = AppendText(doc, s)
			}
			doc = append(doc, "</a>"...)
			var v struct {
				X    string `xml:"x,attr"`
				Text string `xml:",chardata"`
			}
			if err := xml.Unmarshal(doc, &v); err != nil {
				t.Fatalf("%q: %v in %q", s, err, doc)
			}
			want := Clean(s)
			if v.X != want || v.Text != want {
				t.Fatalf("%q: read back attr %q text %q, want %q", s, v.X, v.Text, want)
			}
			if strings.ContainsRune(Clean(s), 0) {
				t.Fatalf("NUL survived in %q", s)
			}
		}
	})
}
