package feeds

import (
	"iter"
	"net/http"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/internal/siteurl"
)

// Format is a syndication format a Feed renders: RSS 2.0 or Atom 1.0.
type Format int

const (
	// RSS is RSS 2.0, served as application/rss+xml.
	RSS Format = iota
	// Atom is Atom 1.0 (RFC 4287), served as application/atom+xml.
	Atom
)

// ContentType returns the media type the format is served with, charset included.
func (f Format) ContentType() string {
	if f == Atom {
		return "application/atom+xml; charset=utf-8"
	}
	return "application/rss+xml; charset=utf-8"
}

// String returns "rss" or "atom".
func (f Format) String() string {
	if f == Atom {
		return "atom"
	}
	return "rss"
}

// Person is an author of a feed or an item. In RSS an item's author element must
// be an e-mail address, so a person without Email is written as dc:creator.
type Person struct {
	// Name is the person's name; Atom requires one (the e-mail address stands in
	// when it is empty).
	Name string
	// Email is the person's e-mail address.
	Email string
	// URL is the person's home page (Atom only); a path is made absolute.
	URL string
}

func (p Person) empty() bool { return p.Name == "" && p.Email == "" }

// Enclosure is a media file attached to an item, such as a podcast episode. One
// without a URL is left out; RSS requires a type, so an empty Type is written as
// application/octet-stream.
type Enclosure struct {
	// URL is where the file is; a path is made absolute.
	URL string
	// Length is its size in bytes.
	Length int64
	// Type is its media type, such as "audio/mpeg".
	Type string
}

// Info describes the feed itself: Django's feed-level title, link and description.
type Info struct {
	// Title is the feed's title (required).
	Title string
	// Link is the page the feed is about, a path ("/blog/") or an absolute URL
	// (required: without it the handlers fail with 500). Paths are made absolute
	// on the request's site.
	Link string
	// Description describes the feed (RSS description, Atom subtitle).
	Description string
	// FeedURL is the feed's own address (RSS atom:link rel="self", Atom
	// link rel="self"); empty means the requested URL without its query.
	FeedURL string
	// ID is the Atom feed's permanent identifier; empty means the absolute Link.
	ID string
	// Language is the feed's language, such as "en-us".
	Language string
	// Author is the feed's author. Atom requires an author on the feed or on every
	// entry; when it is empty the feed's Title is written as the Atom author's name.
	Author Person
	// Categories are the feed's categories.
	Categories []string
	// Copyright is the feed's rights statement.
	Copyright string
	// Image is the feed's logo, a path or an absolute URL (RSS image, Atom logo).
	Image string
	// TTL is how long (RSS ttl, rounded down to minutes) readers may cache the feed.
	TTL time.Duration
	// Updated is when the feed last changed. When zero it is the latest date of the
	// items (or LastModified's answer).
	Updated time.Time
}

// Item is one entry of a feed. It needs a Link or a GUID (Atom identifies
// every entry); an item with neither makes the handler fail with 500.
type Item struct {
	// Title is the item's title.
	Title string
	// Link is the item's page, a path or an absolute URL.
	Link string
	// Description is the item's summary as HTML (RSS description, Atom summary
	// type="html"); it is escaped into the document, never parsed.
	Description string
	// Content is the item's full text as HTML, when the feed carries it (Atom
	// content type="html", RSS content:encoded); escaped like Description.
	Content string
	// Published is when the item was first published (RSS pubDate, Atom
	// published).
	Published time.Time
	// Updated is when it last changed (Atom updated); zero means Published.
	Updated time.Time
	// Author is who wrote it.
	Author Person
	// Categories are the item's categories.
	Categories []string
	// Enclosures are media files attached to it. RSS allows one per item: only the
	// first is written there; Atom writes them all as rel="enclosure" links.
	Enclosures []Enclosure
	// GUID identifies the item for ever (RSS guid, Atom id); empty means the
	// absolute Link.
	GUID string
	// GUIDIsPermaLink marks a GUID that is also the item's URL (RSS only).
	GUIDIsPermaLink bool
	// Comments is the URL of the item's comments (RSS only).
	Comments string
}

// ItemProvider may be implemented by a feed's item type T (or *T) so that a Feed
// needs no Item function.
type ItemProvider interface {
	FeedItem(c *galvani.Ctx) (Item, error)
}

// Feed is a feed of values of type T, rendered as RSS 2.0 by its RSS method and as
// Atom 1.0 by its Atom method, from the same definition:
//
//	var latest = &feeds.Feed[Article]{
//		Info: feeds.Info{Title: "Latest articles", Link: "/"},
//		Items: func(c *galvani.Ctx) iter.Seq2[*Article, error] {
//			return orm.Q[Article](orm.DBFrom(c.Request)).OrderBy("-published").Limit(20).Iter(c.Context())
//		},
//		Item: func(c *galvani.Ctx, a *Article) (feeds.Item, error) { ... },
//	}
//	app.Get("/feed/rss/", latest.RSS)
//	app.Get("/feed/atom/", latest.Atom)
//
// Relative links become absolute on the request's site (its scheme as
// galvani.IsSecure sees it, and its Host, which security.App validates) unless
// BaseURL is set. Responses carry Last-Modified and, unless LastModified is set,
// an ETag, and conditional requests get 304 Not Modified.
//
// Without LastModified the feed is rendered before it is sent, to know its date
// and ETag: in memory up to 1 MiB, past that in a temporary file, so memory stays
// bounded however many items there are. With LastModified the answer is computed
// first (a 304 costs no item query) and the feed streams straight to the client.
// A Feed must not be changed once it serves requests.
type Feed[T any] struct {
	// Info describes the feed when InfoFunc is nil.
	Info Info
	// InfoFunc, when set, describes the feed per request (a feed per category read
	// from c.Param, say); its error is the response's, a galvani.Error(404, ...)
	// for an unknown category.
	InfoFunc func(c *galvani.Ctx) (Info, error)
	// Items yields the feed's items, newest first (required). orm's
	// QuerySet.Iter fits; Slice adapts a slice.
	Items func(c *galvani.Ctx) iter.Seq2[*T, error]
	// Item describes one item. When nil, T or *T must implement ItemProvider.
	Item func(c *galvani.Ctx, item *T) (Item, error)
	// LastModified, when set, tells cheaply when the feed last changed (the latest
	// update of its items, from one aggregate query): a conditional request is
	// answered before any item is read, and the feed streams without buffering.
	LastModified func(c *galvani.Ctx) (time.Time, error)
	// BaseURL, when set ("https://example.com"), is where relative links are
	// resolved instead of the request's scheme and host, like Django's sites
	// framework: for a site behind a proxy that rewrites Host.
	BaseURL string
}

// RSS serves the feed as RSS 2.0; it is a galvani.HandlerFunc.
func (f *Feed[T]) RSS(c *galvani.Ctx) error { return f.serve(c, RSS) }

// Atom serves the feed as Atom 1.0; it is a galvani.HandlerFunc.
func (f *Feed[T]) Atom(c *galvani.Ctx) error { return f.serve(c, Atom) }

// Handler returns the handler of the feed in format: RSS or Atom.
func (f *Feed[T]) Handler(format Format) galvani.HandlerFunc {
	return func(c *galvani.Ctx) error { return f.serve(c, format) }
}

// Slice yields pointers to the elements of items, for Feed.Items.
func Slice[T any](items []T) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for i := range items {
			if !yield(&items[i], nil) {
				return
			}
		}
	}
}

// resolver makes links absolute on the feed's site.
type resolver struct {
	*siteurl.Resolver
	r *http.Request
}

func newResolver(r *http.Request, baseURL string) (resolver, error) {
	rs, err := siteurl.New(r, baseURL)
	if err != nil {
		return resolver{}, galvani.Errorf(http.StatusInternalServerError, "feeds: %v", err)
	}
	return resolver{Resolver: rs, r: r}, nil
}

// abs returns link as an absolute URL; "" stays "".
func (rs resolver) abs(link string) string { return rs.Abs(link) }

// self returns the feed's own URL: the request's, without its query.
func (rs resolver) self() string { return rs.Abs(rs.r.URL.EscapedPath()) }

func (f *Feed[T]) info(c *galvani.Ctx) (Info, error) {
	if f.InfoFunc != nil {
		return f.InfoFunc(c)
	}
	return f.Info, nil
}

func (f *Feed[T]) item(c *galvani.Ctx, v *T) (Item, error) {
	if f.Item != nil {
		return f.Item(c, v)
	}
	if p, ok := any(v).(ItemProvider); ok {
		return p.FeedItem(c)
	}
	if p, ok := any(*v).(ItemProvider); ok {
		return p.FeedItem(c)
	}
	var zero T
	return Item{}, galvani.Errorf(http.StatusInternalServerError, "feeds: Feed[%T] has no Item function and %T does not implement feeds.ItemProvider", zero, zero)
}

// channel returns the feed description with every link absolute.
func (rs resolver) channel(in Info) Info {
	in.Link = rs.abs(in.Link)
	if in.FeedURL == "" {
		in.FeedURL = rs.self()
	} else {
		in.FeedURL = rs.abs(in.FeedURL)
	}
	in.Author.URL = rs.abs(in.Author.URL)
	in.Image = rs.abs(in.Image)
	if in.ID == "" {
		in.ID = in.Link
	}
	return in
}

// errNoID is an item that Atom could not identify.
var errNoID = galvani.Error(http.StatusInternalServerError, "feeds: an item has neither a Link nor a GUID (Atom requires an id)")

func (rs resolver) item(it Item) (Item, error) {
	if it.Link == "" && it.GUID == "" {
		return it, errNoID
	}
	it.Link = rs.abs(it.Link)
	it.Comments = rs.abs(it.Comments)
	it.Author.URL = rs.abs(it.Author.URL)
	if len(it.Enclosures) > 0 {
		encs := make([]Enclosure, len(it.Enclosures))
		for i, e := range it.Enclosures {
			e.URL = rs.abs(e.URL)
			encs[i] = e
		}
		it.Enclosures = encs
	}
	if it.GUID == "" {
		it.GUID = it.Link
		it.GUIDIsPermaLink = it.Link != ""
	} else if it.GUIDIsPermaLink {
		it.GUID = rs.abs(it.GUID)
	}
	return it, nil
}

// date returns the item's date for ordering and Last-Modified: Updated, else Published.
func (it *Item) date() time.Time {
	if !it.Updated.IsZero() {
		return it.Updated
	}
	return it.Published
}
