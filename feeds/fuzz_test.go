package feeds_test

import (
	"bytes"
	"encoding/xml"
	"testing"
	"time"

	"github.com/galvani-web/galvani/feeds"
)

// FuzzEncoder writes items with arbitrary text in every field, in both
// formats, and checks that the document is well-formed XML (encoding/xml
// rejects every character XML 1.0 forbids) whose item title reads back as the
// title without those characters.
func FuzzEncoder(f *testing.F) {
	f.Add("title", "<p>desc</p>", "Ana", "ana@example.com", "go", "/a/")
	f.Add("\x00\x1b[31m", "]]>&amp;", "\xff", "a\"b", "\ufffe", "javascript:alert(1)")
	f.Fuzz(func(t *testing.T, title, desc, name, email, category, link string) {
		for _, format := range []feeds.Format{feeds.RSS, feeds.Atom} {
			var buf bytes.Buffer
			enc := feeds.NewEncoder(&buf, format)
			_ = enc.Start(feeds.Info{Title: title, Link: "https://example.com/", Description: desc, FeedURL: "https://example.com/f",
				ID: "https://example.com/", Author: feeds.Person{Name: name, Email: email}, Categories: []string{category},
				Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
			_ = enc.Item(feeds.Item{Title: title, Link: link, GUID: link + "#id", Description: desc,
				Author: feeds.Person{Name: name, Email: email}, Categories: []string{category},
				Enclosures: []feeds.Enclosure{{URL: link, Length: 1, Type: category}}})
			if err := enc.End(); err != nil {
				t.Fatal(err)
			}
			d := xml.NewDecoder(&buf)
			var titles []string
			inTitle := false
			for {
				tok, err := d.Token()
				if err != nil {
					if err.Error() == "EOF" {
						break
					}
					t.Fatalf("%s: %v\n%s", format, err, buf.String())
				}
				switch tok := tok.(type) {
				case xml.StartElement:
					inTitle = tok.Name.Local == "title"
					if inTitle {
						titles = append(titles, "")
					}
				case xml.CharData:
					if inTitle {
						titles[len(titles)-1] += string(tok)
					}
				case xml.EndElement:
					inTitle = false
				}
			}
			want := clean(title)
			if len(titles) != 2 || titles[0] != want || titles[1] != want {
				t.Fatalf("%s: titles %q, want %q twice", format, titles, want)
			}
		}
	})
}

// clean is what the encoder leaves of s: encoding/xml's view of XML characters,
// without the discouraged C1 controls and invalid bytes.
func clean(s string) string {
	var b []rune
	for i, r := range s {
		if r == '\uFFFD' && len(s[i:]) > 0 && !bytes.HasPrefix([]byte(s[i:]), []byte("\uFFFD")) {
			continue // an invalid byte
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20, r >= 0x7f && r <= 0x9f, r >= 0xd800 && r <= 0xdfff, r == 0xfffe, r == 0xffff:
			continue
		}
		b = append(b, r)
	}
	return string(b)
}
