package paginator

import "errors"

// Page is one page of a Paginator. Its methods are what Django's Page offers
// templates: {{ page.number }}, {{ page.has_next }}, {{ page.next_page_number }},
// {{ page.start_index }}… and Links for drawing the page links.
type Page struct {
	// Number is the 1-based page number, always valid for Paginator.
	Number int64
	// Paginator is the paginator the page belongs to.
	Paginator *Paginator
}

// Offset is the number of items before this page: what a query skips.
func (pg *Page) Offset() int {
	return int((pg.Number - 1) * pg.Paginator.perPage())
}

// Limit is the number of items on this page: what a query fetches. The last page
// also takes the orphans.
func (pg *Page) Limit() int {
	c := pg.Paginator.count()
	bottom := int64(pg.Offset())
	top := bottom + pg.Paginator.perPage()
	if top+int64(max(pg.Paginator.Orphans, 0)) >= c {
		top = c
	}
	return int(max(top-bottom, 0))
}

// Len is the number of items on this page.
func (pg *Page) Len() int { return pg.Limit() }

// NumPages is the paginator's number of pages.
func (pg *Page) NumPages() int64 { return pg.Paginator.NumPages() }

// Count is the paginator's number of items.
func (pg *Page) Count() int64 { return pg.Paginator.count() }

// HasNext reports whether a page follows this one.
func (pg *Page) HasNext() bool { return pg.Number < pg.Paginator.NumPages() }

// HasPrevious reports whether a page comes before this one.
func (pg *Page) HasPrevious() bool { return pg.Number > 1 }

// HasOtherPages reports whether the list has more than this page.
func (pg *Page) HasOtherPages() bool { return pg.HasNext() || pg.HasPrevious() }

// NextPageNumber returns the number of the next page, or an InvalidPageError on
// the last page.
func (pg *Page) NextPageNumber() (int64, error) { return pg.Paginator.Validate(pg.Number + 1) }

// PreviousPageNumber returns the number of the previous page, or an
// InvalidPageError on the first page.
func (pg *Page) PreviousPageNumber() (int64, error) { return pg.Paginator.Validate(pg.Number - 1) }

// StartIndex is the 1-based position of the page's first item in the whole list,
// 0 when the list is empty.
func (pg *Page) StartIndex() int64 {
	if pg.Paginator.count() == 0 {
		return 0
	}
	return int64(pg.Offset()) + 1
}

// EndIndex is the 1-based position of the page's last item in the whole list.
func (pg *Page) EndIndex() int64 {
	return int64(pg.Offset()) + int64(pg.Limit())
}

// Link is one entry of Page.Links: a page number to link to, the current page, or
// an ellipsis standing for numbers left out.
type Link struct {
	// Number is the page number; 0 for an ellipsis.
	Number int64
	// Current is set for the page the links are drawn on.
	Current bool
	// Ellipsis is set for a gap in the numbers.
	Ellipsis bool
}

// Links returns the page links to draw around this page: Django's elided page
// range with three pages on each side and two at each end.
func (pg *Page) Links() []Link {
	return pg.LinksAround(3, 2)
}

// LinksAround is Links with the numbers of pages kept on each side of this one and
// at each end chosen by the caller.
func (pg *Page) LinksAround(onEachSide, onEnds int) []Link {
	nums := pg.Paginator.ElidedPageRange(pg.Number, onEachSide, onEnds)
	out := make([]Link, len(nums))
	for i, n := range nums {
		out[i] = Link{Number: n, Current: n == pg.Number, Ellipsis: n == Ellipsis}
	}
	return out
}

// Slice returns the items of page pg from a list already in memory.
func Slice[T any](items []T, pg *Page) []T {
	lo := min(pg.Offset(), len(items))
	hi := min(lo+pg.Limit(), len(items))
	return items[lo:hi:hi]
}

// Kinds of InvalidPageError, for errors.Is.
var (
	// ErrNotAnInteger is a page parameter that is not a whole number.
	ErrNotAnInteger = errors.New("paginator: page number is not a whole number")
	// ErrEmptyPage is a page number below 1 or past the last page.
	ErrEmptyPage = errors.New("paginator: no such page")
)

// InvalidPageError is a page number that names no page. It answers with 404
// (HTTPStatus), like Django's Http404 for a bad page in a list view.
type InvalidPageError struct {
	// Kind is ErrNotAnInteger or ErrEmptyPage.
	Kind error
	// Input is the page number as received (shortened when very long).
	Input  string
	reason string
}

// Error implements error.
func (e *InvalidPageError) Error() string {
	return "paginator: page " + quote(e.Input) + " " + e.reason
}

// Is makes errors.Is(err, ErrNotAnInteger) and errors.Is(err, ErrEmptyPage) work.
func (e *InvalidPageError) Is(target error) bool { return target == e.Kind }

// HTTPStatus reports 404: the page asked for does not exist.
func (e *InvalidPageError) HTTPStatus() int { return 404 }

func quote(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for _, r := range s {
		if r < 0x20 || r == '"' || r == '\\' || r == 0x7f {
			b = append(b, '?')
			continue
		}
		b = append(b, string(r)...)
	}
	return string(append(b, '"'))
}
