package sitemaps

import (
	"context"
	"iter"
	"net/http"
	"time"

	"github.com/galvani-web/galvani"
	"github.com/galvani-web/galvani/i18n"
	"github.com/galvani-web/galvani/orm"
)

// MaxURLs is the most URLs the sitemaps protocol allows in one sitemap file, and
// the default page size.
const MaxURLs = 50000

// ChangeFreq is how often a page is likely to change, a hint to crawlers.
type ChangeFreq string

// The values the sitemaps protocol allows for changefreq.
const (
	Always  ChangeFreq = "always"
	Hourly  ChangeFreq = "hourly"
	Daily   ChangeFreq = "daily"
	Weekly  ChangeFreq = "weekly"
	Monthly ChangeFreq = "monthly"
	Yearly  ChangeFreq = "yearly"
	Never   ChangeFreq = "never"
)

func (f ChangeFreq) valid() bool {
	switch f {
	case Always, Hourly, Daily, Weekly, Monthly, Yearly, Never:
		return true
	}
	return false
}

// URL is one <url> entry of a sitemap.
type URL struct {
	// Loc is the page's address, a path or an absolute URL; paths are made
	// absolute on the site.
	Loc string
	// LastMod is when the page last changed; zero omits it.
	LastMod time.Time
	// ChangeFreq is how often it changes; "" (or a value the protocol does not
	// know) omits it.
	ChangeFreq ChangeFreq
	// Priority is its priority relative to the site's other pages, 0.0 to 1.0
	// (values outside are clamped). Zero omits the element, which means the
	// protocol's default 0.5; use a small value such as 0.1 for "least important".
	Priority float64
	// Alternates are the page's versions in other languages (xhtml:link
	// rel="alternate" hreflang="…"). Sitemap fills them when I18n and Alternates
	// are set.
	Alternates []Alternate
}

// Alternate is a version of a page in another language.
type Alternate struct {
	// Lang is the hreflang value: a language code, or "x-default".
	Lang string
	// Href is the version's address, a path or an absolute URL.
	Href string
}

// Section is one section of a site's sitemaps: a list of URLs that can be
// counted and read a page at a time. Sitemap[T] and Static are Sections;
// implement it for anything else.
type Section interface {
	// Len returns the number of URLs in the section.
	Len(c *galvani.Ctx) (int, error)
	// URLs yields the URLs from offset, at most limit of them, always in the same
	// order.
	URLs(c *galvani.Ctx, offset, limit int) iter.Seq2[URL, error]
	// PageSize is how many URLs go in one sitemap file (MaxURLs at most).
	PageSize() int
}

// LastModder may be implemented by a Section that can tell cheaply when it last
// changed: the index then gives its files a lastmod.
type LastModder interface {
	LastModified(c *galvani.Ctx) (time.Time, error)
}

// Source is where a Sitemap's items come from: a count and a window.
type Source[T any] interface {
	// Count returns how many items there are.
	Count(ctx context.Context) (int, error)
	// Items yields the items from offset, at most limit, in a stable order.
	Items(ctx context.Context, offset, limit int) iter.Seq2[*T, error]
}

// Query is a Source reading a model's rows: query gets the request's context
// (orm.From(ctx) is its database) and returns the QuerySet; each page is one
// query with OFFSET and LIMIT. A query without an ordering of its own or from its
// model is ordered by primary key, so that pages neither overlap nor skip rows.
func Query[T any](query func(ctx context.Context) orm.QuerySet[T]) Source[T] {
	return querySource[T]{query}
}

type querySource[T any] struct {
	query func(ctx context.Context) orm.QuerySet[T]
}

// Count implements Source with a COUNT query.
func (s querySource[T]) Count(ctx context.Context) (int, error) {
	n, err := s.query(ctx).Count(ctx)
	return int(n), err
}

// Items implements Source with one OFFSET/LIMIT query.
func (s querySource[T]) Items(ctx context.Context, offset, limit int) iter.Seq2[*T, error] {
	q := s.query(ctx)
	if !q.Ordered() {
		q = q.OrderBy(q.Info().PK.Name)
	}
	return q.Offset(offset).Limit(limit).Iter(ctx)
}

// Slice is a Source over the elements of items.
func Slice[T any](items []T) Source[T] { return sliceSource[T](items) }

type sliceSource[T any] []T

// Count implements Source.
func (s sliceSource[T]) Count(context.Context) (int, error) { return len(s), nil }

// Items implements Source.
func (s sliceSource[T]) Items(_ context.Context, offset, limit int) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		end := min(offset+limit, len(s))
		for i := offset; i < end; i++ {
			if !yield(&s[i], nil) {
				return
			}
		}
	}
}

// Sitemap is a sitemap section of values of type T, Django's Sitemap class: the
// items, and how each becomes a URL.
//
//	var articles = &sitemaps.Sitemap[Article]{
//		Items: sitemaps.Query(func(ctx context.Context) orm.QuerySet[Article] {
//			return orm.Q[Article](orm.From(ctx))
//		}),
//		Location: func(c *galvani.Ctx, a *Article) (string, error) { return c.App().URL("blog:detail", a.Slug) },
//		LastMod:  func(a *Article) time.Time { return a.Updated },
//		ChangeFreq: sitemaps.Weekly,
//	}
//
// With I18n, every item is listed once per language (Languages, or those of the
// i18n battery's Locale), its location with that language active and with the
// language's URL prefix; with Alternates each entry lists all the versions as
// hreflang alternates (and XDefault adds the unprefixed path as x-default).
// A Sitemap must not be changed once it serves requests.
type Sitemap[T any] struct {
	// Items is where the items come from (required): Query, Slice or your own.
	Items Source[T]
	// Location returns an item's path or URL (required). With I18n it runs once
	// per language, with the language active in c's request context.
	Location func(c *galvani.Ctx, item *T) (string, error)
	// LastMod, when set, gives an item's last modification.
	LastMod func(item *T) time.Time
	// ChangeFreq is every item's change frequency unless ChangeFreqFunc is set.
	ChangeFreq ChangeFreq
	// ChangeFreqFunc gives an item's change frequency.
	ChangeFreqFunc func(item *T) ChangeFreq
	// Priority is every item's priority unless PriorityFunc is set (see URL.Priority).
	Priority float64
	// PriorityFunc gives an item's priority.
	PriorityFunc func(item *T) float64
	// Limit is the number of URLs per sitemap page: MaxURLs when zero, never more.
	Limit int
	// LatestLastMod, when set, tells cheaply when the section last changed (one
	// aggregate query); the index shows it as the section's lastmod.
	LatestLastMod func(c *galvani.Ctx) (time.Time, error)

	// I18n lists every item once per language.
	I18n bool
	// Languages are the language codes for I18n; empty means those of Locale.
	Languages []string
	// Alternates adds each entry's versions in every language as hreflang links.
	Alternates bool
	// XDefault adds an x-default alternate: the location without a language prefix.
	XDefault bool
	// Locale is the i18n battery whose languages and URL prefixes are used; nil
	// means i18n.App.
	Locale *i18n.Locale
}

// PageSize implements Section.
func (s *Sitemap[T]) PageSize() int {
	if s.Limit <= 0 || s.Limit > MaxURLs {
		return MaxURLs
	}
	return s.Limit
}

// LastModified implements LastModder when LatestLastMod is set; the zero time
// otherwise.
func (s *Sitemap[T]) LastModified(c *galvani.Ctx) (time.Time, error) {
	if s.LatestLastMod == nil {
		return time.Time{}, nil
	}
	return s.LatestLastMod(c)
}

func (s *Sitemap[T]) locale() *i18n.Locale {
	if s.Locale != nil {
		return s.Locale
	}
	return i18n.App
}

// languages returns the languages entries are listed in: nil without I18n.
func (s *Sitemap[T]) languages() []string {
	if !s.I18n {
		return nil
	}
	if len(s.Languages) > 0 {
		return s.Languages
	}
	infos := s.locale().Languages()
	codes := make([]string, len(infos))
	for i, li := range infos {
		codes[i] = li.Code
	}
	return codes
}

// Len implements Section: the number of items, times the number of languages
// with I18n.
func (s *Sitemap[T]) Len(c *galvani.Ctx) (int, error) {
	if s.Items == nil || s.Location == nil {
		return 0, galvani.Error(http.StatusInternalServerError, "sitemaps: Sitemap needs Items and Location")
	}
	n, err := s.Items.Count(c.Context())
	if err != nil {
		return 0, err
	}
	if langs := s.languages(); s.I18n {
		n *= len(langs)
	}
	return n, nil
}

// URLs implements Section. With I18n, entry i is item i/len(languages) in
// language i%len(languages).
func (s *Sitemap[T]) URLs(c *galvani.Ctx, offset, limit int) iter.Seq2[URL, error] {
	return func(yield func(URL, error) bool) {
		if s.Items == nil || s.Location == nil {
			yield(URL{}, galvani.Error(http.StatusInternalServerError, "sitemaps: Sitemap needs Items and Location"))
			return
		}
		langs := s.languages()
		if !s.I18n {
			for item, err := range s.Items.Items(c.Context(), offset, limit) {
				if err != nil {
					yield(URL{}, err)
					return
				}
				loc, err := s.Location(c, item)
				if err != nil {
					yield(URL{}, err)
					return
				}
				if !yield(s.url(item, loc), nil) {
					return
				}
			}
			return
		}
		nl := len(langs)
		if nl == 0 || limit <= 0 {
			return
		}
		first, skip := offset/nl, offset%nl
		count := (skip + limit + nl - 1) / nl
		left := limit
		for item, err := range s.Items.Items(c.Context(), first, count) {
			if err != nil {
				yield(URL{}, err)
				return
			}
			locs, err := s.localized(c, item, langs)
			if err != nil {
				yield(URL{}, err)
				return
			}
			for i := skip; i < nl && left > 0; i++ {
				u := s.url(item, locs[i])
				if s.Alternates {
					u.Alternates = make([]Alternate, 0, nl+1)
					for j, lang := range langs {
						u.Alternates = append(u.Alternates, Alternate{Lang: lang, Href: locs[j]})
					}
					if s.XDefault {
						u.Alternates = append(u.Alternates, Alternate{Lang: "x-default", Href: locs[nl]})
					}
				}
				left--
				if !yield(u, nil) {
					return
				}
			}
			skip = 0
			if left == 0 {
				return
			}
		}
	}
}

// localized returns the item's location in each language, and, last, its
// location without a prefix (for x-default).
func (s *Sitemap[T]) localized(c *galvani.Ctx, item *T, langs []string) ([]string, error) {
	l := s.locale()
	b := l.Bundle()
	r := c.Request
	defer func() { c.Request = r }()
	locs := make([]string, len(langs)+1)
	for i, lang := range langs {
		c.Request = r.WithContext(b.Activate(r.Context(), lang))
		loc, err := s.Location(c, item)
		if err != nil {
			return nil, err
		}
		locs[i] = l.LanguagePath(lang, loc)
	}
	if s.XDefault {
		c.Request = r
		loc, err := s.Location(c, item)
		if err != nil {
			return nil, err
		}
		locs[len(langs)] = loc
	}
	return locs, nil
}

func (s *Sitemap[T]) url(item *T, loc string) URL {
	u := URL{Loc: loc, ChangeFreq: s.ChangeFreq, Priority: s.Priority}
	if s.LastMod != nil {
		u.LastMod = s.LastMod(item)
	}
	if s.ChangeFreqFunc != nil {
		u.ChangeFreq = s.ChangeFreqFunc(item)
	}
	if s.PriorityFunc != nil {
		u.Priority = s.PriorityFunc(item)
	}
	return u
}

// Static is a section of named routes without parameters (the home page, an
// about page), Django's sitemap of static views: each name is reversed with
// the App's URL.
type Static struct {
	// Names are the route names, in the order they are listed.
	Names []string
	// ChangeFreq is every page's change frequency.
	ChangeFreq ChangeFreq
	// Priority is every page's priority (see URL.Priority).
	Priority float64
}

// Len implements Section.
func (s *Static) Len(*galvani.Ctx) (int, error) { return len(s.Names), nil }

// PageSize implements Section.
func (s *Static) PageSize() int { return MaxURLs }

// URLs implements Section: an unknown route name is an error.
func (s *Static) URLs(c *galvani.Ctx, offset, limit int) iter.Seq2[URL, error] {
	return func(yield func(URL, error) bool) {
		end := min(offset+limit, len(s.Names))
		for i := offset; i < end; i++ {
			loc, err := c.App().URL(s.Names[i])
			if err != nil {
				yield(URL{}, err)
				return
			}
			if !yield(URL{Loc: loc, ChangeFreq: s.ChangeFreq, Priority: s.Priority}, nil) {
				return
			}
		}
	}
}
