package xmlcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSchemaAcceptsAValidDocument(t *testing.T) {
	rng := filepath.Join(t.TempDir(), "s.rng")
	if err := os.WriteFile(rng, []byte(`<element name="a" xmlns="http://relaxng.org/ns/structure/1.0"><text/></element>`), 0o600); err != nil {
		t.Fatal(err)
	}
	Schema(t, rng, []byte(`<a>text</a>`))
}

func TestFeedparserReadsAnRSSFeed(t *testing.T) {
	v, n := Feedparser(t, []byte(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>`+
		`<link>https://example.com/</link><description>d</description><item><title>i</title></item></channel></rss>`))
	if v != "rss20" || n != 1 {
		t.Errorf("version %q, %d entries", v, n)
	}
}

// recorder is a testing.TB that records Fatalf instead of stopping the test.
type recorder struct {
	testing.TB
	msg string
}

type fatal struct{}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(fatal{})
}

func rssFailure(doc string) (msg string) {
	r := &recorder{}
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(fatal); !ok {
				panic(v)
			}
			msg = r.msg
		}
	}()
	RSS(r, []byte(doc))
	return ""
}

func TestRSSNamesEveryBrokenRule(t *testing.T) {
	good := `<rss version="2.0"><channel><title>t</title><link>https://example.com/</link><description>d</description>` +
		`<ttl>60</ttl><item><title>i</title><link>https://example.com/i</link><guid>https://example.com/i</guid>` +
		`<pubDate>Wed, 04 Mar 2026 10:00:00 +0100</pubDate><author>a@example.com (A)</author>` +
		`<enclosure url="https://example.com/a.mp3" length="1" type="audio/mpeg"/></item></channel></rss>`
	if msg := rssFailure(good); msg != "" {
		t.Fatalf("a valid feed failed: %s", msg)
	}
	for _, tc := range []struct{ doc, want string }{
		{strings.Replace(good, `version="2.0"`, `version="0.91"`, 1), "version"},
		{strings.Replace(good, `<description>d</description>`, ``, 1), "0 description"},
		{strings.Replace(good, `<link>https://example.com/</link>`, `<link>/relative/</link>`, 1), "not an absolute URL"},
		{strings.Replace(good, `<title>i</title>`, ``, 1), "neither title nor description"},
		{strings.Replace(good, `Wed, 04 Mar 2026`, `2026-03-04`, 1), "RFC 822"},
		{strings.Replace(good, `length="1"`, `length="-1"`, 1), "non-negative"},
		{strings.Replace(good, ` type="audio/mpeg"`, ``, 1), "lacks url, length or type"},
		{strings.Replace(good, `a@example.com (A)`, `Ana`, 1), "e-mail"},
		{strings.Replace(good, `<ttl>60</ttl>`, `<ttl>soon</ttl>`, 1), "ttl"},
		{strings.Replace(good, `<guid>https://example.com/i</guid>`, `<guid>42</guid>`, 1), "permalink guid"},
		{strings.Replace(good, `<title>i</title>`, `<title>i</title><title>j</title>`, 1), "2 title"},
		{`<rss version="2.0"><channel><title>`, "not well-formed"},
		{strings.Replace(good, `<ttl>60</ttl>`, `<image><url>https://example.com/i.png</url><title>t</title></image>`, 1), "0 link"},
	} {
		if msg := rssFailure(tc.doc); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: failure %q does not mention %q", tc.doc, msg, tc.want)
		}
	}
}
