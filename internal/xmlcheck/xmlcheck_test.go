package xmlcheck

import (
	"os"
	"path/filepath"
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
