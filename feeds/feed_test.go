package feeds_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/feeds"
	"github.com/galvani-web/galvani/internal/xmlcheck"
)

type post struct {
	ID        int
	Title     string
	Body      string
	Author    string
	Email     string
	Tags      []string
	Published time.Time
	Updated   time.Time
	Audio     string
}

var paris = time.FixedZone("CET", 3600)

func samplePosts() []post {
	return []post{
		{ID: 3, Title: "Third <post> & more", Body: "<p>Bold <b>claims</b> &amp; more</p>", Author: "Ana", Email: "ana@example.com",
			Tags: []string{"go", "web"}, Published: time.Date(2026, 3, 4, 10, 0, 0, 0, paris), Updated: time.Date(2026, 3, 5, 8, 30, 0, 0, time.UTC),
			Audio: "/media/third.mp3"},
		{ID: 2, Title: "Ctrl\x00chars\x1b[31m in a \x7ftitle\ufffe and bad \xff UTF-8", Body: "body\x08with\x0bcontrols",
			Author: "Bo", Published: time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)},
		{ID: 1, Title: "Ünïcödé — 日本語 ✓", Body: "plain", Published: time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
}

func postItem(_ *galvani.Ctx, p *post) (feeds.Item, error) {
	it := feeds.Item{
		Title:       p.Title,
		Link:        fmt.Sprintf("/posts/%d/", p.ID),
		Description: p.Body,
		Published:   p.Published,
		Updated:     p.Updated,
		Author:      feeds.Person{Name: p.Author, Email: p.Email},
		Categories:  p.Tags,
	}
	if p.Audio != "" {
		it.Enclosures = []feeds.Enclosure{{URL: p.Audio, Length: 12345, Type: "audio/mpeg"}}
		it.Content = "<h2>Full text</h2>" + p.Body
	}
	return it, nil
}

func newFeed(posts []post) *feeds.Feed[post] {
	return &feeds.Feed[post]{
		Info: feeds.Info{Title: "Posts & news", Link: "/posts/", Description: "The latest <posts>", Language: "en-us",
			Author: feeds.Person{Name: "Editors", Email: "editors@example.com"}, TTL: 90 * time.Minute, Image: "/static/logo.png"},
		Items: func(*galvani.Ctx) iter.Seq2[*post, error] { return feeds.Slice(posts) },
		Item:  postItem,
	}
}

func newApp(f *feeds.Feed[post]) *galvani.App {
	app := galvani.New()
	app.Get("/feed/rss/", f.RSS)
	app.Get("/feed/atom/", f.Atom)
	return app
}

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

type rssDoc struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title string `xml:"title"`
		Links []struct {
			XMLName xml.Name
			Href    string `xml:"href,attr"`
			Rel     string `xml:"rel,attr"`
			Value   string `xml:",chardata"`
		} `xml:"link"`
		Link          string  `xml:"-"`
		Description   *string `xml:"description"`
		Language      string  `xml:"language"`
		LastBuildDate string  `xml:"lastBuildDate"`
		TTL           string  `xml:"ttl"`
		Self          struct {
			Href string
			Rel  string
		} `xml:"-"`
		Items []struct {
			Title       string   `xml:"title"`
			Link        string   `xml:"link"`
			Description string   `xml:"description"`
			Author      string   `xml:"author"`
			Creator     string   `xml:"http://purl.org/dc/elements/1.1/ creator"`
			Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
			Categories  []string `xml:"category"`
			PubDate     string   `xml:"pubDate"`
			GUID        struct {
				Value     string `xml:",chardata"`
				PermaLink string `xml:"isPermaLink,attr"`
			} `xml:"guid"`
			Enclosure *struct {
				URL    string `xml:"url,attr"`
				Length string `xml:"length,attr"`
				Type   string `xml:"type,attr"`
			} `xml:"enclosure"`
		} `xml:"item"`
	} `xml:"channel"`
}

func TestRSSHasEveryRequiredElementWithAbsoluteLinksAndRFC822Dates(t *testing.T) {
	w := get(t, newApp(newFeed(samplePosts())), "https://blog.example.com/feed/rss/?utm=x")
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/rss+xml; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	doc := parseRSS(t, w.Body.Bytes())
	ch := doc.Channel
	if doc.Version != "2.0" || ch.Title != "Posts & news" || ch.Link != "https://blog.example.com/posts/" ||
		ch.Description == nil || *ch.Description != "The latest <posts>" || ch.Language != "en-us" || ch.TTL != "90" {
		t.Errorf("channel = %+v", ch)
	}
	if !strings.Contains(w.Body.String(), "<image><url>https://blog.example.com/static/logo.png</url><title>Posts &#x26; news</title><link>https://blog.example.com/posts/</link></image>") {
		t.Errorf("no channel image in\n%s", w.Body)
	}
	if ch.Self.Rel != "self" || ch.Self.Href != "https://blog.example.com/feed/rss/" {
		t.Errorf("atom:link self = %+v", ch.Self)
	}
	if ch.LastBuildDate != "Thu, 05 Mar 2026 08:30:00 +0000" {
		t.Errorf("lastBuildDate = %q, want the newest item's update", ch.LastBuildDate)
	}
	if len(ch.Items) != 3 {
		t.Fatalf("%d items", len(ch.Items))
	}
	first := ch.Items[0]
	if first.Title != "Third <post> & more" || first.Link != "https://blog.example.com/posts/3/" ||
		first.Description != "<p>Bold <b>claims</b> &amp; more</p>" || first.Author != "ana@example.com (Ana)" ||
		strings.Join(first.Categories, ",") != "go,web" || first.PubDate != "Wed, 04 Mar 2026 10:00:00 +0100" ||
		first.GUID.Value != "https://blog.example.com/posts/3/" || first.GUID.PermaLink != "true" {
		t.Errorf("first item = %+v", first)
	}
	if e := first.Enclosure; e == nil || e.URL != "https://blog.example.com/media/third.mp3" || e.Length != "12345" || e.Type != "audio/mpeg" {
		t.Errorf("enclosure = %+v", e)
	}
	if first.Content != "<h2>Full text</h2><p>Bold <b>claims</b> &amp; more</p>" || ch.Items[1].Content != "" {
		t.Errorf("content:encoded %q / %q", first.Content, ch.Items[1].Content)
	}
	if ch.Items[1].Enclosure != nil {
		t.Errorf("an item without enclosures has one: %+v", ch.Items[1].Enclosure)
	}
	if ch.Items[1].Creator != "Bo" || ch.Items[1].Author != "" {
		t.Errorf("a name without e-mail is dc:creator: %+v", ch.Items[1])
	}
	for _, it := range ch.Items {
		if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
			t.Errorf("pubDate %q is not RFC 822: %v", it.PubDate, err)
		}
	}
	if v, n := xmlcheck.Feedparser(t, w.Body.Bytes()); v != "rss20" || n != 3 {
		t.Errorf("feedparser read %s with %d entries", v, n)
	}
}

func parseRSS(t *testing.T, body []byte) rssDoc {
	t.Helper()
	xmlcheck.RSS(t, body)
	var doc rssDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, body)
	}
	for _, l := range doc.Channel.Links {
		if l.XMLName.Space == "http://www.w3.org/2005/Atom" {
			doc.Channel.Self.Href, doc.Channel.Self.Rel = l.Href, l.Rel
		} else {
			doc.Channel.Link = l.Value
		}
	}
	return doc
}

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Links   []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Author struct {
		Name  string `xml:"name"`
		Email string `xml:"email"`
	} `xml:"author"`
	Entries []struct {
		Title     string `xml:"title"`
		ID        string `xml:"id"`
		Updated   string `xml:"updated"`
		Published string `xml:"published"`
		Summary   struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"summary"`
		Content struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"content"`
		Links []struct {
			Rel    string `xml:"rel,attr"`
			Href   string `xml:"href,attr"`
			Type   string `xml:"type,attr"`
			Length string `xml:"length,attr"`
		} `xml:"link"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

func TestAtomFromTheSameDefinitionIsValidRFC4287(t *testing.T) {
	w := get(t, newApp(newFeed(samplePosts())), "http://blog.example.com/feed/atom/")
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	body := w.Body.Bytes()
	var doc atomDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, body)
	}
	if doc.Title != "Posts & news" || doc.ID != "http://blog.example.com/posts/" || doc.Lang != "en-us" ||
		doc.Updated != "2026-03-05T08:30:00Z" || doc.Author.Name != "Editors" {
		t.Errorf("feed = %+v", doc)
	}
	if !strings.Contains(string(body), "<logo>http://blog.example.com/static/logo.png</logo>") {
		t.Errorf("no Atom logo")
	}
	rels := map[string]string{}
	for _, l := range doc.Links {
		rels[l.Rel] = l.Href
	}
	if rels["alternate"] != "http://blog.example.com/posts/" || rels["self"] != "http://blog.example.com/feed/atom/" {
		t.Errorf("links = %v", rels)
	}
	if len(doc.Entries) != 3 {
		t.Fatalf("%d entries", len(doc.Entries))
	}
	e := doc.Entries[0]
	if e.ID != "http://blog.example.com/posts/3/" || e.Updated != "2026-03-05T08:30:00Z" || e.Published != "2026-03-04T10:00:00+01:00" ||
		e.Summary.Type != "html" || e.Summary.Text != "<p>Bold <b>claims</b> &amp; more</p>" || len(e.Categories) != 2 {
		t.Errorf("entry = %+v", e)
	}
	if e.Content.Type != "html" || e.Content.Text != "<h2>Full text</h2><p>Bold <b>claims</b> &amp; more</p>" || doc.Entries[1].Content.Type != "" {
		t.Errorf("content %+v / %+v", e.Content, doc.Entries[1].Content)
	}
	var enclosure bool
	for _, l := range e.Links {
		if l.Rel == "enclosure" && l.Href == "http://blog.example.com/media/third.mp3" && l.Type == "audio/mpeg" && l.Length == "12345" {
			enclosure = true
		}
	}
	if !enclosure {
		t.Errorf("no enclosure link in %+v", e.Links)
	}
	if doc.Entries[2].Updated != "2025-12-31T23:59:59Z" {
		t.Errorf("an entry without Updated is updated when published: %q", doc.Entries[2].Updated)
	}
	for _, e := range doc.Entries {
		for _, d := range []string{e.Updated, e.Published} {
			if _, err := time.Parse(time.RFC3339, d); d != "" && err != nil {
				t.Errorf("%q is not RFC 3339", d)
			}
		}
	}
	xmlcheck.Schema(t, filepath.Join("testdata", "atom.rng"), body)
	if v, n := xmlcheck.Feedparser(t, body); v != "atom10" || n != 3 {
		t.Errorf("feedparser read %s with %d entries", v, n)
	}
}

func TestControlCharactersAreRemovedSoTheFeedStaysWellFormed(t *testing.T) {
	app := newApp(newFeed(samplePosts()))
	for _, path := range []string{"/feed/rss/", "/feed/atom/"} {
		w := get(t, app, "http://example.com"+path)
		body := w.Body.Bytes()
		d := xml.NewDecoder(bytes.NewReader(body))
		var titles []string
		var inTitle bool
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed: %v\n%s", path, err, body)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				inTitle = tok.Name.Local == "title"
			case xml.CharData:
				if inTitle {
					titles = append(titles, string(tok))
				}
			case xml.EndElement:
				inTitle = false
			}
		}
		want := "Ctrlchars[31m in a title and bad  UTF-8"
		if !strings.Contains(strings.Join(titles, "|"), want) {
			t.Errorf("%s: titles %q, want one %q", path, titles, want)
		}
		if path == "/feed/atom/" {
			xmlcheck.Schema(t, filepath.Join("testdata", "atom.rng"), body)
		} else {
			xmlcheck.RSS(t, body)
		}
		xmlcheck.Feedparser(t, body)
	}
}

func TestConditionalGETAnswers304(t *testing.T) {
	app := newApp(newFeed(samplePosts()))
	for _, path := range []string{"/feed/rss/", "/feed/atom/"} {
		w := get(t, app, "http://example.com"+path)
		etag, lm := w.Header().Get("ETag"), w.Header().Get("Last-Modified")
		if etag == "" || lm != "Thu, 05 Mar 2026 08:30:00 GMT" {
			t.Fatalf("%s: ETag %q Last-Modified %q", path, etag, lm)
		}
		for _, tc := range []struct {
			header, value string
			want          int
		}{
			{"If-None-Match", etag, 304},
			{"If-None-Match", `W/` + etag, 304},
			{"If-None-Match", `"other"`, 200},
			{"If-Modified-Since", lm, 304},
			{"If-Modified-Since", "Wed, 04 Mar 2026 00:00:00 GMT", 200},
			{"If-Modified-Since", "not a date", 200},
			{"If-Match", `"other"`, 412},
		} {
			w := get(t, app, "http://example.com"+path, tc.header, tc.value)
			if w.Code != tc.want {
				t.Errorf("%s %s: %s → %d, want %d", path, tc.header, tc.value, w.Code, tc.want)
			}
			if w.Code == 304 && (w.Body.Len() != 0 || w.Header().Get("ETag") != etag) {
				t.Errorf("%s: 304 with body %q, ETag %q", path, w.Body, w.Header().Get("ETag"))
			}
		}
	}
	// Another host is another document: the links differ, so does the ETag.
	a := get(t, app, "http://a.example.com/feed/rss/").Header().Get("ETag")
	b := get(t, app, "http://b.example.com/feed/rss/").Header().Get("ETag")
	if a == b {
		t.Errorf("same ETag %s for two sites", a)
	}
}

func TestLastModifiedAnswersBeforeReadingItemsAndStreams(t *testing.T) {
	reads := 0
	posts := samplePosts()
	f := newFeed(posts)
	items := f.Items
	f.Items = func(c *galvani.Ctx) iter.Seq2[*post, error] { reads++; return items(c) }
	stamp := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	f.LastModified = func(*galvani.Ctx) (time.Time, error) { return stamp, nil }
	app := newApp(f)
	w := get(t, app, "http://example.com/feed/atom/", "If-Modified-Since", stamp.Format(http.TimeFormat))
	if w.Code != 304 || reads != 0 {
		t.Fatalf("status %d after %d item reads, want 304 after none", w.Code, reads)
	}
	w = get(t, app, "http://example.com/feed/atom/")
	if w.Code != 200 || reads != 1 || w.Header().Get("Last-Modified") != "Fri, 06 Mar 2026 00:00:00 GMT" {
		t.Fatalf("status %d, %d reads, headers %v", w.Code, reads, w.Header())
	}
	var doc atomDoc
	if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc.Updated != "2026-03-06T00:00:00Z" || len(doc.Entries) != 3 {
		t.Fatalf("streamed feed: %v %+v", err, doc)
	}
	xmlcheck.Schema(t, filepath.Join("testdata", "atom.rng"), w.Body.Bytes())
	r := get(t, app, "http://example.com/feed/rss/")
	if !strings.Contains(r.Body.String(), "<lastBuildDate>Fri, 06 Mar 2026 00:00:00 +0000</lastBuildDate>") {
		t.Errorf("streamed RSS without the LastModified date:\n%s", r.Body)
	}
	xmlcheck.RSS(t, r.Body.Bytes())
}

func TestBaseURLOverridesTheRequestSite(t *testing.T) {
	f := newFeed(samplePosts())
	f.BaseURL = "https://www.example.org"
	w := get(t, newApp(f), "http://10.0.0.7:8080/feed/rss/")
	doc := parseRSS(t, w.Body.Bytes())
	if doc.Channel.Link != "https://www.example.org/posts/" || doc.Channel.Self.Href != "https://www.example.org/feed/rss/" ||
		doc.Channel.Items[0].Link != "https://www.example.org/posts/3/" {
		t.Errorf("links not on BaseURL: %+v", doc.Channel)
	}
}

func TestErrorsBecomeResponses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(f *feeds.Feed[post])
		want int
	}{
		{"unknown object", func(f *feeds.Feed[post]) {
			f.InfoFunc = func(c *galvani.Ctx) (feeds.Info, error) { return feeds.Info{}, galvani.Error(404, "no such category") }
		}, 404},
		{"items fail", func(f *feeds.Feed[post]) {
			f.Items = func(*galvani.Ctx) iter.Seq2[*post, error] {
				return func(yield func(*post, error) bool) { yield(nil, errors.New("database down")) }
			}
		}, 500},
		{"item fails", func(f *feeds.Feed[post]) {
			f.Item = func(*galvani.Ctx, *post) (feeds.Item, error) { return feeds.Item{}, galvani.Error(410, "gone") }
		}, 410},
		{"no item function", func(f *feeds.Feed[post]) { f.Item = nil }, 500},
		{"item without link or guid", func(f *feeds.Feed[post]) {
			f.Item = func(*galvani.Ctx, *post) (feeds.Item, error) { return feeds.Item{Title: "anonymous"}, nil }
		}, 500},
		{"bad base URL", func(f *feeds.Feed[post]) { f.BaseURL = "example.com" }, 500},
		{"no link", func(f *feeds.Feed[post]) { f.Info.Link = "" }, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFeed(samplePosts())
			tc.edit(f)
			if w := get(t, newApp(f), "http://example.com/feed/rss/"); w.Code != tc.want {
				t.Errorf("status %d, want %d", w.Code, tc.want)
			}
		})
	}
}

// note implements ItemProvider, so its Feed needs no Item function.
type note struct{ Text string }

func (n note) FeedItem(*galvani.Ctx) (feeds.Item, error) {
	return feeds.Item{Title: n.Text, Link: "/notes/" + n.Text + "/"}, nil
}

func TestItemProviderAndAnEmptyFeed(t *testing.T) {
	notes := []note{{"a"}, {"b"}}
	f := &feeds.Feed[note]{Info: feeds.Info{Title: "Notes", Link: "/notes/"},
		Items: func(*galvani.Ctx) iter.Seq2[*note, error] { return feeds.Slice(notes) }}
	app := galvani.New()
	app.Get("/n/", f.Atom)
	app.Get("/rss/", f.RSS)
	w := get(t, app, "http://example.com/n/")
	var doc atomDoc
	if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil || len(doc.Entries) != 2 || doc.Entries[1].ID != "http://example.com/notes/b/" {
		t.Fatalf("%v %+v", err, doc)
	}
	// No dates anywhere: Atom still gets its required updated, and the author
	// falls back to the feed's title.
	if doc.Updated == "" || doc.Author.Name != "Notes" {
		t.Errorf("updated %q author %q", doc.Updated, doc.Author.Name)
	}
	xmlcheck.Schema(t, filepath.Join("testdata", "atom.rng"), w.Body.Bytes())
	notes = nil
	w = get(t, app, "http://example.com/rss/")
	if rss := parseRSS(t, w.Body.Bytes()); len(rss.Channel.Items) != 0 || rss.Channel.Description == nil {
		t.Fatalf("empty feed: %s", w.Body)
	}
	if w.Header().Get("Last-Modified") != "" {
		t.Errorf("an undated feed claims Last-Modified %q", w.Header().Get("Last-Modified"))
	}
}

// countingWriter counts bytes and keeps none of them.
type countingWriter struct {
	header http.Header
	n      int64
	status int
}

func (c *countingWriter) Header() http.Header         { return c.header }
func (c *countingWriter) WriteHeader(status int)      { c.status = status }
func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestAHugeFeedSpillsToDiskAndStaysCorrect(t *testing.T) {
	const n = 20000
	gen := func(*galvani.Ctx) iter.Seq2[*post, error] {
		return func(yield func(*post, error) bool) {
			p := post{Body: strings.Repeat("lorem ipsum ", 10), Published: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			for i := range n {
				p.ID, p.Title = i, fmt.Sprintf("Post %d", i)
				p.Published = p.Published.Add(time.Minute)
				if !yield(&p, nil) {
					return
				}
			}
		}
	}
	f := newFeed(nil)
	f.Items = gen
	app := newApp(f)
	w := &countingWriter{header: http.Header{}}
	app.ServeHTTP(w, httptest.NewRequest("GET", "http://example.com/feed/rss/", nil))
	if w.status != 200 || w.n < 2<<20 {
		t.Fatalf("status %d, %d bytes", w.status, w.n)
	}
	if cl := w.header.Get("Content-Length"); cl != fmt.Sprint(w.n) {
		t.Errorf("Content-Length %s for %d bytes", cl, w.n)
	}
	// The whole document parses, with every item.
	rec := get(t, app, "http://example.com/feed/atom/")
	d := xml.NewDecoder(rec.Body)
	entries := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "entry" {
			entries++
		}
	}
	if entries != n {
		t.Errorf("%d entries, want %d", entries, n)
	}
}

func TestEncoderWritesOutsideARequest(t *testing.T) {
	var buf bytes.Buffer
	enc := feeds.NewEncoder(&buf, feeds.Atom)
	_ = enc.Start(feeds.Info{Title: "T", Link: "https://example.com/", FeedURL: "https://example.com/feed/", ID: "https://example.com/",
		Updated: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	_ = enc.Item(feeds.Item{Title: "One", Link: "https://example.com/1/", GUID: "tag:example.com,2026:1"})
	if err := enc.End(); err != nil {
		t.Fatal(err)
	}
	var doc atomDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil || len(doc.Entries) != 1 || doc.Entries[0].ID != "tag:example.com,2026:1" ||
		doc.Entries[0].Updated != "2026-01-01T00:00:00Z" {
		t.Fatalf("%v %+v", err, doc)
	}
	xmlcheck.Schema(t, filepath.Join("testdata", "atom.rng"), buf.Bytes())

	failing := feeds.NewEncoder(errWriter{}, feeds.RSS)
	_ = failing.Start(feeds.Info{Title: "T"})
	for range 2000 {
		_ = failing.Item(feeds.Item{Title: strings.Repeat("x", 100)})
	}
	if err := failing.End(); err == nil || err.Error() != "disk full" {
		t.Errorf("End = %v, want the writer's error", err)
	}
}

type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEnclosuresWithoutURLOrTypeStayValid(t *testing.T) {
	var buf bytes.Buffer
	for _, format := range []feeds.Format{feeds.RSS, feeds.Atom} {
		buf.Reset()
		enc := feeds.NewEncoder(&buf, format)
		_ = enc.Start(feeds.Info{Title: "T", Link: "https://example.com/", FeedURL: "https://example.com/f", ID: "https://example.com/"})
		_ = enc.Item(feeds.Item{Title: "a", Link: "https://example.com/a", GUID: "https://example.com/a",
			Enclosures: []feeds.Enclosure{{URL: "https://example.com/a.bin", Length: 3}, {Type: "audio/mpeg"}}})
		if err := enc.End(); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if format == feeds.RSS && !strings.Contains(out, `<enclosure url="https://example.com/a.bin" length="3" type="application/octet-stream"/>`) {
			t.Errorf("RSS enclosure without type:\n%s", out)
		}
		if strings.Count(out, "a.bin") != 1 || strings.Contains(out, `href=""`) || strings.Contains(out, `url=""`) {
			t.Errorf("%s: an enclosure without URL was written:\n%s", format, out)
		}
		if format == feeds.Atom {
			xmlcheck.Schema(t, filepath.Join("testdata", "atom.rng"), buf.Bytes())
		}
	}
}

func TestHeadAndTheHandlerMethod(t *testing.T) {
	f := newFeed(samplePosts())
	app := galvani.New()
	app.Get("/feed/", f.Handler(feeds.Atom))
	full := get(t, app, "http://example.com/feed/")
	req := httptest.NewRequest(http.MethodHead, "http://example.com/feed/", nil)
	w := httptest.NewRecorder()
	app.ServeHTTP(w, req)
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != fmt.Sprint(full.Body.Len()) ||
		w.Header().Get("Content-Type") != "application/atom+xml; charset=utf-8" || w.Header().Get("ETag") != full.Header().Get("ETag") {
		t.Errorf("HEAD: %d, %d body bytes, headers %v (GET: %d bytes)", w.Code, w.Body.Len(), w.Header(), full.Body.Len())
	}
}

// An undated Atom feed shows the time of the request, but its ETag must not
// change with it: a reader polling it would download it again on every visit.
func TestUndatedAtomETagIsStable(t *testing.T) {
	notes := []note{{"a"}, {"b"}}
	f := &feeds.Feed[note]{Info: feeds.Info{Title: "Notes", Link: "/notes/"},
		Items: func(*galvani.Ctx) iter.Seq2[*note, error] { return feeds.Slice(notes) }}
	app := galvani.New()
	app.Get("/n/", f.Atom)
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	defer feeds.SetClock(func() time.Time { return clock })()
	first := get(t, app, "http://example.com/n/")
	clock = clock.Add(time.Hour)
	second := get(t, app, "http://example.com/n/")
	if bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
		t.Fatal("the clock moved but the document did not: the test checks nothing")
	}
	tag := first.Header().Get("ETag")
	if tag == "" || second.Header().Get("ETag") != tag {
		t.Fatalf("ETag changed with the clock: %q then %q", tag, second.Header().Get("ETag"))
	}
	req := httptest.NewRequest(http.MethodGet, "http://example.com/n/", nil)
	req.Header.Set("If-None-Match", tag)
	w := httptest.NewRecorder()
	app.ServeHTTP(w, req)
	if w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: %d, want 304", w.Code)
	}
	// A changed item changes the ETag.
	notes = append(notes, note{"c"})
	if third := get(t, app, "http://example.com/n/"); third.Header().Get("ETag") == tag {
		t.Error("a new entry kept the ETag")
	}
}
