package feeds

import (
	"io"
	"strconv"
	"time"

	"github.com/galvani-web/galvani/internal/xmltext"
)

// Encoder writes a feed document to an io.Writer one item at a time, so a feed of
// any length is written in bounded memory. It is what Feed's handlers use; use it
// directly to write a feed outside a request (a static file, a test). Links must
// already be absolute: the Encoder writes what it is given, escaped, with the
// characters XML forbids removed.
//
//	enc := feeds.NewEncoder(w, feeds.Atom)
//	enc.Start(info)
//	for _, it := range items { enc.Item(it) }
//	err := enc.End()
//
// The first error stops the encoder; every later call returns it.
type Encoder struct {
	w        io.Writer
	format   Format
	buf      []byte
	err      error
	fallback time.Time // Atom updated for items without dates
}

// NewEncoder returns an Encoder writing format to w.
func NewEncoder(w io.Writer, format Format) *Encoder {
	return &Encoder{w: w, format: format, buf: make([]byte, 0, chunkCap)}
}

// flushAt is the size at which the encoder hands its buffer to the writer.
const flushAt = 32 << 10

func (e *Encoder) flush(force bool) error {
	if e.err != nil {
		return e.err
	}
	if len(e.buf) == 0 || (!force && len(e.buf) < flushAt) {
		return nil
	}
	_, e.err = e.w.Write(e.buf)
	e.buf = e.buf[:0]
	return e.err
}

// Start writes the XML declaration and the feed's head. For Atom, a zero
// info.Updated is written as the current time, as Atom requires a date; it is
// also the date of items that have none.
func (e *Encoder) Start(info Info) error {
	if e.err != nil {
		return e.err
	}
	e.fallback = info.Updated
	if e.fallback.IsZero() {
		e.fallback = now()
	}
	e.buf = appendHead(e.buf, e.format, &info, e.fallback)
	return e.flush(false)
}

// Item writes one item.
func (e *Encoder) Item(it Item) error {
	if e.err != nil {
		return e.err
	}
	e.buf = appendItem(e.buf, e.format, &it, e.fallback)
	return e.flush(false)
}

// End closes the document and writes what is buffered.
func (e *Encoder) End() error {
	if e.err != nil {
		return e.err
	}
	e.buf = appendTail(e.buf, e.format)
	return e.flush(true)
}

const (
	rssDate  = "Mon, 02 Jan 2006 15:04:05 -0700" // RFC 822 with a four-digit year (RFC 1123)
	atomDate = time.RFC3339                      // RFC 3339, seconds
)

func appendRSSDate(dst []byte, t time.Time) []byte { return t.AppendFormat(dst, rssDate) }

func appendAtomDate(dst []byte, t time.Time) []byte {
	if t.Location() == time.UTC {
		return t.AppendFormat(dst, atomDate)
	}
	// RFC 3339 offsets are whole minutes; odd historical zones (LMT +00:09:21)
	// would print seconds Go drops silently, so those dates are written in UTC.
	if _, off := t.Zone(); off%60 != 0 {
		t = t.UTC()
	}
	return t.AppendFormat(dst, atomDate)
}

// el appends <name>text</name>, nothing when text is empty.
func el(dst []byte, name, text string) []byte {
	if text == "" {
		return dst
	}
	dst = append(dst, '<')
	dst = append(dst, name...)
	dst = append(dst, '>')
	dst = xmltext.AppendText(dst, text)
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>')
}

// rel appends an RSS text element: like el, with & and < as hexadecimal
// references (the RSS profile's advice).
func rel(dst []byte, name, text string) []byte {
	if text == "" {
		return dst
	}
	dst = append(dst, '<')
	dst = append(dst, name...)
	dst = append(dst, '>')
	dst = xmltext.AppendTextHex(dst, text)
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>')
}

// attr appends ` name="value"`.
func attr(dst []byte, name, value string) []byte {
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, `="`...)
	dst = xmltext.AppendAttr(dst, value)
	return append(dst, '"')
}

func appendHead(dst []byte, f Format, in *Info, updated time.Time) []byte {
	dst = append(dst, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"...)
	if f == Atom {
		dst = append(dst, `<feed xmlns="http://www.w3.org/2005/Atom"`...)
		if in.Language != "" {
			dst = attr(dst, "xml:lang", in.Language)
		}
		dst = append(dst, ">\n"...)
		dst = el(dst, "title", in.Title)
		dst = append(dst, "\n<link rel=\"alternate\""...)
		dst = attr(dst, "href", in.Link)
		dst = append(dst, "/>\n<link rel=\"self\""...)
		dst = attr(dst, "href", in.FeedURL)
		dst = append(dst, "/>\n"...)
		dst = el(dst, "id", in.ID)
		dst = append(dst, "\n<updated>"...)
		dst = appendAtomDate(dst, updated)
		dst = append(dst, "</updated>\n"...)
		if in.Description != "" {
			dst = el(dst, "subtitle", in.Description)
			dst = append(dst, '\n')
		}
		author := in.Author
		if author.empty() {
			author.Name = in.Title
		}
		dst = appendAtomPerson(dst, &author)
		for _, c := range in.Categories {
			dst = append(dst, "<category"...)
			dst = attr(dst, "term", c)
			dst = append(dst, "/>\n"...)
		}
		if in.Copyright != "" {
			dst = el(dst, "rights", in.Copyright)
			dst = append(dst, '\n')
		}
		if in.Image != "" {
			dst = el(dst, "logo", in.Image)
			dst = append(dst, '\n')
		}
		return dst
	}
	dst = append(dst, `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">`...)
	dst = append(dst, "\n<channel>\n"...)
	dst = rel(dst, "title", in.Title)
	dst = append(dst, '\n')
	dst = rel(dst, "link", in.Link)
	dst = append(dst, '\n')
	// description is required in RSS 2.0, even when empty.
	dst = append(dst, "<description>"...)
	dst = xmltext.AppendTextHex(dst, in.Description)
	dst = append(dst, "</description>\n<atom:link rel=\"self\" type=\"application/rss+xml\""...)
	dst = attr(dst, "href", in.FeedURL)
	dst = append(dst, "/>\n"...)
	if in.Language != "" {
		dst = rel(dst, "language", in.Language)
		dst = append(dst, '\n')
	}
	if in.Copyright != "" {
		dst = rel(dst, "copyright", in.Copyright)
		dst = append(dst, '\n')
	}
	if in.Author.Email != "" {
		dst = rel(dst, "managingEditor", rssPerson(in.Author))
		dst = append(dst, '\n')
	}
	for _, c := range in.Categories {
		dst = rel(dst, "category", c)
		dst = append(dst, '\n')
	}
	if !updated.IsZero() {
		dst = append(dst, "<lastBuildDate>"...)
		dst = appendRSSDate(dst, updated)
		dst = append(dst, "</lastBuildDate>\n"...)
	}
	if in.Image != "" {
		// RSS wants the image's title and link to be the channel's.
		dst = append(dst, "<image>"...)
		dst = rel(dst, "url", in.Image)
		dst = rel(dst, "title", in.Title)
		dst = rel(dst, "link", in.Link)
		dst = append(dst, "</image>\n"...)
	}
	if in.TTL >= time.Minute {
		dst = append(dst, "<ttl>"...)
		dst = strconv.AppendInt(dst, int64(in.TTL/time.Minute), 10)
		dst = append(dst, "</ttl>\n"...)
	}
	return dst
}

// rssPerson is RSS's "email (Name)" form.
func rssPerson(p Person) string {
	if p.Name == "" {
		return p.Email
	}
	return p.Email + " (" + p.Name + ")"
}

func appendAtomPerson(dst []byte, p *Person) []byte {
	name := p.Name
	if name == "" {
		name = p.Email
	}
	dst = append(dst, "<author>"...)
	dst = el(dst, "name", name)
	dst = el(dst, "email", p.Email)
	dst = el(dst, "uri", p.URL)
	return append(dst, "</author>\n"...)
}

func appendItem(dst []byte, f Format, it *Item, fallback time.Time) []byte {
	if f == Atom {
		dst = append(dst, "<entry>\n"...)
		// atom:title is required, even when empty.
		dst = append(dst, "<title>"...)
		dst = xmltext.AppendText(dst, it.Title)
		dst = append(dst, "</title>\n"...)
		if it.Link != "" {
			dst = append(dst, "<link rel=\"alternate\""...)
			dst = attr(dst, "href", it.Link)
			dst = append(dst, "/>\n"...)
		}
		dst = el(dst, "id", it.GUID)
		updated := it.date()
		if updated.IsZero() {
			updated = fallback
		}
		dst = append(dst, "\n<updated>"...)
		dst = appendAtomDate(dst, updated)
		dst = append(dst, "</updated>\n"...)
		if !it.Published.IsZero() {
			dst = append(dst, "<published>"...)
			dst = appendAtomDate(dst, it.Published)
			dst = append(dst, "</published>\n"...)
		}
		if !it.Author.empty() {
			dst = appendAtomPerson(dst, &it.Author)
		}
		// Without content, Atom needs an alternate link or a summary; the summary
		// is always written so that readers have text to show.
		dst = append(dst, "<summary type=\"html\">"...)
		dst = xmltext.AppendText(dst, it.Description)
		dst = append(dst, "</summary>\n"...)
		if it.Content != "" {
			dst = append(dst, "<content type=\"html\">"...)
			dst = xmltext.AppendText(dst, it.Content)
			dst = append(dst, "</content>\n"...)
		}
		for _, c := range it.Categories {
			dst = append(dst, "<category"...)
			dst = attr(dst, "term", c)
			dst = append(dst, "/>\n"...)
		}
		for _, e := range it.Enclosures {
			if e.URL == "" {
				continue
			}
			dst = append(dst, "<link rel=\"enclosure\""...)
			dst = attr(dst, "href", e.URL)
			if e.Type != "" {
				dst = attr(dst, "type", e.Type)
			}
			if e.Length > 0 {
				dst = append(dst, ` length="`...)
				dst = strconv.AppendInt(dst, e.Length, 10)
				dst = append(dst, '"')
			}
			dst = append(dst, "/>\n"...)
		}
		return append(dst, "</entry>\n"...)
	}
	dst = append(dst, "<item>\n"...)
	// An RSS item needs a title or a description.
	if it.Title != "" || it.Description == "" {
		dst = append(dst, "<title>"...)
		dst = xmltext.AppendTextHex(dst, it.Title)
		dst = append(dst, "</title>\n"...)
	}
	if it.Link != "" {
		dst = rel(dst, "link", it.Link)
		dst = append(dst, '\n')
	}
	if it.Description != "" {
		dst = rel(dst, "description", it.Description)
		dst = append(dst, '\n')
	}
	if it.Content != "" {
		dst = rel(dst, "content:encoded", it.Content)
		dst = append(dst, '\n')
	}
	switch {
	case it.Author.Email != "":
		dst = rel(dst, "author", rssPerson(it.Author))
		dst = append(dst, '\n')
	case it.Author.Name != "":
		dst = rel(dst, "dc:creator", it.Author.Name)
		dst = append(dst, '\n')
	}
	for _, c := range it.Categories {
		dst = rel(dst, "category", c)
		dst = append(dst, '\n')
	}
	if it.Comments != "" {
		dst = rel(dst, "comments", it.Comments)
		dst = append(dst, '\n')
	}
	if len(it.Enclosures) > 0 && it.Enclosures[0].URL != "" {
		e := it.Enclosures[0]
		if e.Type == "" {
			e.Type = "application/octet-stream" // RSS requires a type
		}
		dst = append(dst, "<enclosure"...)
		dst = attr(dst, "url", e.URL)
		dst = append(dst, ` length="`...)
		dst = strconv.AppendInt(dst, max(e.Length, 0), 10)
		dst = append(dst, '"')
		dst = attr(dst, "type", e.Type)
		dst = append(dst, "/>\n"...)
	}
	if it.GUID != "" {
		if it.GUIDIsPermaLink {
			dst = append(dst, "<guid isPermaLink=\"true\">"...)
		} else {
			dst = append(dst, "<guid isPermaLink=\"false\">"...)
		}
		dst = xmltext.AppendTextHex(dst, it.GUID)
		dst = append(dst, "</guid>\n"...)
	}
	if d := it.Published; !d.IsZero() || !it.Updated.IsZero() {
		if d.IsZero() {
			d = it.Updated
		}
		dst = append(dst, "<pubDate>"...)
		dst = appendRSSDate(dst, d)
		dst = append(dst, "</pubDate>\n"...)
	}
	return append(dst, "</item>\n"...)
}

func appendTail(dst []byte, f Format) []byte {
	if f == Atom {
		return append(dst, "</feed>\n"...)
	}
	return append(dst, "</channel>\n</rss>\n"...)
}
