// Package paginator splits a list into numbered pages, as Django's Paginator does:
// it knows how many items there are and how many go on a page, turns the page
// number a client asked for into the window of items to fetch, and gives templates
// what they need to draw page links.
//
//	p := paginator.New(count, 25)
//	page, err := p.ParsePage(c.Query("page")) // "", "3" or "last"
//	if err != nil {
//		return err // an *InvalidPageError: answered with 404
//	}
//	items, err := qs.Offset(page.Offset()).Limit(page.Limit()).All(ctx)
//
// orm.Paginate does the count, the page and the query in one call. GetPage is
// the lenient form (Django's get_page): a malformed number gives the first page and
// one past the end the last page.
//
// The arithmetic cannot overflow: page numbers are checked against the number of
// pages before any offset is computed, so a client asking for page
// 9223372036854775807 gets an InvalidPageError, never a negative offset.
package paginator

import (
	"errors"
	"strconv"
	"strings"
)

// Paginator describes how Count items are split into pages of PerPage items.
// The zero Orphans and RejectEmptyFirstPage give Django's defaults.
type Paginator struct {
	// Count is the total number of items, across all pages.
	Count int64
	// PerPage is the number of items on a full page; values below 1 count as 1.
	PerPage int
	// Orphans lets the last page grow by up to this many items instead of leaving
	// them alone on a page of their own (Django's orphans).
	Orphans int
	// RejectEmptyFirstPage makes page 1 of an empty list an error instead of an
	// empty page (Django's allow_empty_first_page=False).
	RejectEmptyFirstPage bool
}

// New returns a Paginator for count items, perPage to a page.
func New(count int64, perPage int) *Paginator {
	return &Paginator{Count: count, PerPage: perPage}
}

func (p *Paginator) perPage() int64 {
	if p.PerPage < 1 {
		return 1
	}
	return int64(p.PerPage)
}

func (p *Paginator) count() int64 {
	if p.Count < 0 {
		return 0
	}
	return p.Count
}

// NumPages returns the number of pages: at least 1, unless the list is empty and
// RejectEmptyFirstPage is set.
func (p *Paginator) NumPages() int64 {
	c := p.count()
	if c == 0 && p.RejectEmptyFirstPage {
		return 0
	}
	hits := c - int64(max(p.Orphans, 0))
	if hits < 1 {
		hits = 1
	}
	per := p.perPage()
	n := hits / per
	if hits%per != 0 {
		n++
	}
	return n
}

// PageRange returns the page numbers 1…NumPages, for a template that lists them all.
// For long lists, ElidedPageRange keeps the links to a handful.
func (p *Paginator) PageRange() []int64 {
	n := p.NumPages()
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i) + 1
	}
	return out
}

// Validate checks a 1-based page number against the number of pages. Page 1 of an
// empty list is valid unless RejectEmptyFirstPage is set.
func (p *Paginator) Validate(number int64) (int64, error) {
	if number < 1 {
		return 0, &InvalidPageError{Kind: ErrEmptyPage, Input: strconv.FormatInt(number, 10), reason: "is less than 1"}
	}
	if number > p.NumPages() && !(number == 1 && !p.RejectEmptyFirstPage) {
		return 0, &InvalidPageError{Kind: ErrEmptyPage, Input: strconv.FormatInt(number, 10), reason: "is past the last page"}
	}
	return number, nil
}

// ParseNumber reads a page number as a client sends it in a query string: a
// decimal integer (surrounding spaces ignored), "last" for the last page, or ""
// for the first. Anything else is an InvalidPageError of kind ErrNotAnInteger; a
// number out of range one of kind ErrEmptyPage.
func (p *Paginator) ParseNumber(raw string) (int64, error) {
	s := strings.TrimSpace(raw)
	switch s {
	case "":
		return p.Validate(1)
	case "last":
		return p.Validate(max(p.NumPages(), 1))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var num *strconv.NumError
		if errors.As(err, &num) && num.Err == strconv.ErrRange && isDigits(strings.TrimPrefix(s, "+")) {
			// An integer too large for int64 is certainly past the last page.
			return 0, &InvalidPageError{Kind: ErrEmptyPage, Input: clip(raw), reason: "is past the last page"}
		}
		return 0, &InvalidPageError{Kind: ErrNotAnInteger, Input: clip(raw), reason: "is not a whole number"}
	}
	return p.Validate(n)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip keeps error messages short when a client sends a huge page parameter.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Page returns the page with the given 1-based number, or an InvalidPageError.
func (p *Paginator) Page(number int64) (*Page, error) {
	n, err := p.Validate(number)
	if err != nil {
		return nil, err
	}
	return &Page{Number: n, Paginator: p}, nil
}

// ParsePage is ParseNumber followed by Page: the strict form for a handler that
// answers a bad page parameter with 404.
func (p *Paginator) ParsePage(raw string) (*Page, error) {
	n, err := p.ParseNumber(raw)
	if err != nil {
		return nil, err
	}
	return &Page{Number: n, Paginator: p}, nil
}

// GetPage is the lenient form of ParsePage (Django's get_page): a malformed number
// gives the first page, one out of range the last. It returns nil only for an
// empty list with RejectEmptyFirstPage set.
func (p *Paginator) GetPage(raw string) *Page {
	n, err := p.ParseNumber(raw)
	if err != nil {
		var inv *InvalidPageError
		errors.As(err, &inv)
		if inv.Kind == ErrNotAnInteger {
			n = 1
		} else {
			n = p.NumPages()
		}
		if _, err := p.Validate(n); err != nil {
			return nil // an empty list with RejectEmptyFirstPage: no page at all
		}
	}
	return &Page{Number: n, Paginator: p}
}

// Ellipsis stands for the elided page numbers in ElidedPageRange.
const Ellipsis int64 = 0

// ElidedPageRange returns the page numbers to link to around page number, with
// Ellipsis where numbers are left out: onEachSide pages either side of number and
// onEnds pages at each end. With 50 pages, page 43 and (3, 2) it gives
// 1 2 … 40 41 42 43 44 45 46 … 49 50. A number out of range is taken as the
// nearest valid page.
func (p *Paginator) ElidedPageRange(number int64, onEachSide, onEnds int) []int64 {
	last := p.NumPages()
	if last < 1 {
		return nil
	}
	number = min(max(number, 1), last)
	side, ends := int64(max(onEachSide, 0)), int64(max(onEnds, 0))
	if last <= (side+ends)*2 {
		return p.PageRange()
	}
	var out []int64
	span := func(from, to int64) {
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
	}
	if number > side+ends+2 {
		span(1, ends)
		out = append(out, Ellipsis)
		span(number-side, number)
	} else {
		span(1, number)
	}
	if number < last-side-ends-1 {
		span(number+1, number+side)
		out = append(out, Ellipsis)
		span(last-ends+1, last)
	} else {
		span(number+1, last)
	}
	return out
}
