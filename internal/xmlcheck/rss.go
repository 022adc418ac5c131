package xmlcheck

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

type rssElement struct {
	XMLName  xml.Name
	Attrs    []xml.Attr   `xml:",any,attr"`
	Text     string       `xml:",chardata"`
	Children []rssElement `xml:",any"`
}

func (e *rssElement) attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// children returns the children called local in no namespace.
func (e *rssElement) children(local string) []*rssElement {
	var out []*rssElement
	for i := range e.Children {
		c := &e.Children[i]
		if c.XMLName.Local == local && c.XMLName.Space == "" {
			out = append(out, c)
		}
	}
	return out
}

// RSS checks doc against the rules of the RSS 2.0 specification that a schema
// would: an rss root with version 2.0 holding one channel; the channel's title,
// link and description exactly once, link an absolute URL; every item with a
// title or a description, at most one of each element the specification allows
// once; an image with url, title and link; links, comments and enclosure URLs absolute; enclosures with url, a
// non-negative integer length and a type; guid's isPermaLink true or false (and
// an absolute URL when true); dates in RFC 822 form; author an e-mail address;
// ttl a whole number. It fails the test with every broken rule.
func RSS(t testing.TB, doc []byte) {
	t.Helper()
	var root rssElement
	if err := xml.NewDecoder(bytes.NewReader(doc)).Decode(&root); err != nil {
		t.Fatalf("RSS: not well-formed: %v", err)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, sprintf(format, args...)) }
	if root.XMLName.Local != "rss" || root.XMLName.Space != "" {
		fail("root element is %v, want rss", root.XMLName)
	}
	if v, _ := root.attr("version"); v != "2.0" {
		fail("rss version %q, want 2.0", v)
	}
	channels := root.children("channel")
	if len(channels) != 1 {
		t.Fatalf("RSS: %d channel elements, want 1\n%s", len(channels), strings.Join(errs, "\n"))
	}
	ch := channels[0]
	for _, name := range []string{"title", "link", "description"} {
		if n := len(ch.children(name)); n != 1 {
			fail("channel has %d %s elements, want 1", n, name)
		}
	}
	for _, l := range ch.children("link") {
		absolute(fail, "channel link", l.Text)
	}
	once(fail, "channel", ch, "language", "copyright", "managingEditor", "webMaster", "pubDate", "lastBuildDate", "ttl", "generator", "docs", "image")
	for _, img := range ch.children("image") {
		for _, name := range []string{"url", "title", "link"} {
			if n := len(img.children(name)); n != 1 {
				fail("channel image has %d %s elements, want 1", n, name)
			}
		}
		for _, u := range img.children("url") {
			absolute(fail, "channel image url", u.Text)
		}
	}
	dates(fail, "channel", ch)
	for _, ttl := range ch.children("ttl") {
		if n, err := strconv.Atoi(strings.TrimSpace(ttl.Text)); err != nil || n < 0 {
			fail("ttl %q is not a whole number", ttl.Text)
		}
	}
	for _, e := range ch.children("managingEditor") {
		email(fail, "managingEditor", e.Text)
	}
	for i, it := range ch.children("item") {
		where := "item " + strconv.Itoa(i+1)
		if len(it.children("title")) == 0 && len(it.children("description")) == 0 {
			fail("%s has neither title nor description", where)
		}
		once(fail, where, it, "title", "link", "description", "author", "comments", "enclosure", "guid", "pubDate", "source")
		dates(fail, where, it)
		for _, l := range it.children("link") {
			absolute(fail, where+" link", l.Text)
		}
		for _, l := range it.children("comments") {
			absolute(fail, where+" comments", l.Text)
		}
		for _, a := range it.children("author") {
			email(fail, where+" author", a.Text)
		}
		for _, e := range it.children("enclosure") {
			u, okU := e.attr("url")
			l, okL := e.attr("length")
			ty, okT := e.attr("type")
			if !okU || !okL || !okT || ty == "" {
				fail("%s enclosure lacks url, length or type", where)
			}
			absolute(fail, where+" enclosure url", u)
			if n, err := strconv.ParseInt(l, 10, 64); err != nil || n < 0 {
				fail("%s enclosure length %q is not a non-negative integer", where, l)
			}
		}
		for _, g := range it.children("guid") {
			perma, ok := g.attr("isPermaLink")
			if ok && perma != "true" && perma != "false" {
				fail("%s guid isPermaLink=%q", where, perma)
			}
			if !ok || perma == "true" {
				absolute(fail, where+" permalink guid", g.Text)
			}
		}
	}
	if len(errs) > 0 {
		t.Fatalf("RSS 2.0 rules broken:\n%s", strings.Join(errs, "\n"))
	}
}

func sprintf(format string, args ...any) string {
	return strings.TrimSpace(fmt.Sprintf(format, args...))
}

func once(fail func(string, ...any), where string, e *rssElement, names ...string) {
	for _, n := range names {
		if c := len(e.children(n)); c > 1 {
			fail("%s has %d %s elements, want at most one", where, c, n)
		}
	}
}

func dates(fail func(string, ...any), where string, e *rssElement) {
	for _, n := range []string{"pubDate", "lastBuildDate"} {
		for _, d := range e.children(n) {
			if _, err := time.Parse(time.RFC1123Z, d.Text); err != nil {
				if _, err := time.Parse(time.RFC1123, d.Text); err != nil {
					fail("%s %s %q is not an RFC 822 date", where, n, d.Text)
				}
			}
		}
	}
}

func absolute(fail func(string, ...any), what, s string) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !u.IsAbs() || u.Host == "" {
		fail("%s %q is not an absolute URL", what, s)
	}
}

func email(fail func(string, ...any), what, s string) {
	addr := strings.TrimSpace(s)
	if i := strings.IndexByte(addr, ' '); i >= 0 {
		addr = addr[:i] // "ana@example.com (Ana)"
	}
	if _, err := mail.ParseAddress(addr); err != nil {
		fail("%s %q does not start with an e-mail address", what, s)
	}
}
